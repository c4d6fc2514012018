"""The app's process as `make run` starts it: the worker processes first (deduce warms up in
one of them before anyone can log in), the modules the pages need loaded and frozen
(`shell.settle`), then Streamlit's server in this same process: `streamlit run` on
streamlit_server.py, whose st.App adds the login cookie's route and the download check
(research/ui/gateway.py) to Streamlit's own routes."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from streamlit.web import cli as streamlit_cli

from research import worker
from research.ui import shell

ROOT = Path(__file__).resolve().parent.parent.parent
SERVER = ROOT / "streamlit_server.py"


def serve(db: Path, port: int, address: str, options: list[str]) -> None:
    """Run the app on `db` at address:port; `options` go to Streamlit as they are."""
    os.environ["RESEARCH_DB"] = str(db)
    worker.start_all()
    shell.settle()
    sys.argv = ["streamlit", "run", str(SERVER), "--server.port", str(port),
                "--server.address", address, "--server.headless", "true", *options]
    streamlit_cli.main()
