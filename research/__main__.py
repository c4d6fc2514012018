"""`python -m research ...`: the command line (see research.cli)."""

import sys

from research.cli import main

# Guarded: a worker process (multiprocessing's spawn) imports the parent's main module again.
if __name__ == "__main__":
    sys.exit(main(exiting=True))
