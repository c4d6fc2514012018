"""The app's process as `make run` starts it: the worker processes first (deduce warms up in
one of them before anyone can log in), the modules the pages need loaded and frozen
(`shell.settle`), then Streamlit's server in this same process: `streamlit run` on
streamlit_server.py, whose st.App adds the login cookie's route and the download check
(research/ui/gateway.py) to Streamlit's own routes. Beside it, in a process of its own, the
public door for residents (research/public/)."""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
from pathlib import Path

from streamlit.web import cli as streamlit_cli

from research import worker
from research.storage import Store
from research.tracker import hints
from research.ui import shell


def start_public(db: Path, port: int, address: str) -> subprocess.Popen:
    """The public door as a child process (`python -m research public`): a process of its own
    holds no connection to the database and none of the app's memory. Ended with the app."""
    child = subprocess.Popen([sys.executable, "-m", "research", "--db", str(db), "public",
                              "--port", str(port), "--address", address])
    atexit.register(child.terminate)
    return child


ROOT = Path(__file__).resolve().parent.parent.parent
SERVER = ROOT / "streamlit_server.py"


def serve(store: Store, port: int, address: str, options: list[str],
          public_port: int = 0) -> None:
    """Run the app on the (migrated) `store` at address:port, and the public pages for
    residents at address:public_port in a process of their own (0: not); `options` go to
    Streamlit."""
    os.environ["RESEARCH_DB"] = str(store.path)
    if public_port:
        start_public(store.path, public_port, address)
    worker.start_all()
    # The meaning worker embeds the questions that have no vector yet and builds each
    # wijk's index now, while no one is logged in, not after the first login (the app asks
    # again as it opens the database, and gets this preparation).
    hints.prepare(store)
    shell.settle()
    sys.argv = ["streamlit", "run", str(SERVER), "--server.port", str(port),
                "--server.address", address, "--server.headless", "true", *options]
    streamlit_cli.main()
