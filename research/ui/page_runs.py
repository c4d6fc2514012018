"""Page runs timed with Streamlit's AppTest, as the page tests run them: a logged-in session,
the page's session state and address, one run of the script on the server.

Part of the UI layer because it runs Streamlit (its test API), which only research/ui may
import; the benchmark harness (research/bench) calls it and imports no streamlit itself.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import streamlit
from streamlit.testing.v1 import AppTest

from research.bench.measure import Timing, timed

UI_DIR = Path(__file__).resolve().parent
TIMEOUT = 600
# AppTest scans every installed package for component manifests on the first run of each
# AppTest (a few hundred ms); a server does that once at start. The manager of the first run
# is handed to later ones, so a timed run measures the page, not the scan.
_components: list = []
BLANK_PAGE = 'import streamlit as st\n\nst.title("Basislijn")\nst.write("Een lege pagina.")\n'


def _app_test():
    # Setting up a session outside a script run makes Streamlit warn on every run; harmless.
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").setLevel(
        logging.ERROR)
    return AppTest


@contextmanager
def database(path: Path):
    """Point the app (RESEARCH_DB) at the benchmark database while pages run."""
    before = os.environ.get("RESEARCH_DB")
    os.environ["RESEARCH_DB"] = str(path)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("RESEARCH_DB", None)
        else:
            os.environ["RESEARCH_DB"] = before


def prepared(script: Path, user_id: int | None, state: dict | None = None,
             query: dict | None = None):
    """An AppTest of the script with a logged-in session, session state and address."""
    at = _app_test().from_file(str(script), default_timeout=TIMEOUT)
    if user_id is not None:
        # Benchmark accounts are made once and their password never set again: epoch 0.
        at.session_state["auth"] = {"user_id": user_id, "epoch": 0, "last_seen": time.time()}
    for key, value in (state or {}).items():
        at.session_state[key] = value
    for key, value in (query or {}).items():
        at.query_params[key] = str(value)
    if _components and hasattr(at, "_bidi_component_manager"):
        at._bidi_component_manager = _components[0]
    return at


def _remember_components(at) -> None:
    manager = getattr(at, "_bidi_component_manager", None)
    if manager is not None and not _components:
        _components.append(manager)


def checked(at) -> None:
    """Raise when the page ended in an exception or showed an error message."""
    if at.exception:
        raise RuntimeError(f"pagina faalde: {[e.value for e in at.exception]}")
    if at.error:
        raise RuntimeError(f"pagina toonde een fout: {[e.value for e in at.error]}")
    if not at.title:
        raise RuntimeError("pagina stopte voor haar titel (niet ingelogd?)")


def time_page(script: Path, user_id: int | None, runs: int, *, state: dict | None = None,
              query: dict | None = None, min_runs: int = 3,
              budget: float | None = None) -> Timing:
    """Seconds of `runs` fresh sessions' first run of the page (after one untimed warm-up
    run, so the app's cached store is open as on a running server)."""
    holder: list = []

    def setup() -> None:
        holder[:] = [prepared(script, user_id, state, query)]

    def run() -> None:
        main = sys.modules["__main__"]
        try:
            checked(holder[0].run())
        finally:
            # AppTest leaves the page as the __main__ module; a process started later with
            # "spawn" would run it (or fail on the deleted baseline script) as its main.
            sys.modules["__main__"] = main
        _remember_components(holder[0])

    return timed(run, runs, setup=setup, warmup=1, min_runs=min_runs, budget=budget)


def time_blank(folder: Path, runs: int) -> Timing:
    """The baseline: the same harness running a page with only a title and a line of text."""
    script = folder / "basislijn.py"
    script.write_text(BLANK_PAGE, encoding="utf-8")
    return time_page(script, None, runs)


def page(name: str) -> Path:
    """The path of a page of the app."""
    return UI_DIR / name


def clear_caches() -> None:
    """Forget the app's cached stores (a scale's database is deleted after its run)."""
    streamlit.cache_resource.clear()
    _components.clear()
