"""`python -m research ...`: the command line (see research.cli)."""

import sys

from research.cli import main

sys.exit(main())
