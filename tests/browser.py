"""Helpers for the browser tests: find Chromium, run the app in a subprocess, wait for runs.

The DOM selectors below were read from the page Streamlit 1.67 renders (see test_browser.py).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import pytest

from research.bench.server import DEFAULT_CHROMIUM, find_chromium, free_port, serving

ROOT = Path(__file__).resolve().parent.parent

# What Streamlit 1.67 renders (checked in the real DOM):
SIDEBAR_NAV = '[data-testid="stSidebarNav"]'
NAV_LINK = '[data-testid="stSidebarNavLink"]'            # <a href=...> per page
NAV_LINK_LABEL = '[data-testid="stMarkdownContainer"]'    # the title inside a link (no icon)
PAGE_TITLE = '[data-testid="stMain"] h1'                  # st.title
EXCEPTION = '[data-testid="stException"]'                 # an uncaught exception
ERROR_ALERT = '[data-testid="stAlertContentError"]'       # st.error (inside stAlert)
STATUS_WIDGET = '[data-testid="stStatusWidget"]'          # "Running..." in the header
APP_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
PLOTLY_CHART = '[data-testid="stPlotlyChart"]'            # drawn once it holds .main-svg
CHART_NOT_DRAWN = f'{PLOTLY_CHART}:not(:has(svg.main-svg))'
SKELETON = '[data-testid="stSkeleton"]'                   # grey box while a chart's JS loads


def unavailable(reason: str) -> None:
    """Skip (printing the reason) on a workstation; fail on CI, where it must run."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser test cannot run on CI: {reason}", pytrace=False)
    pytest.skip(reason)


def require_browser() -> str:
    """Call first in a browser test: Chromium's path, or skip (workstation) / fail (CI).

    Called in the test body rather than in a fixture, so that on CI the test itself FAILS
    (a fixture failing would be reported as an error, or hidden by an xfail mark)."""
    path = find_chromium()
    if path is None:
        wanted = os.environ.get("RESEARCH_CHROMIUM") or DEFAULT_CHROMIUM
        unavailable(f"Chromium not found at {wanted} (set RESEARCH_CHROMIUM, or install "
                    "Debian's chromium package; do not run `playwright install`)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as error:
        unavailable(f"Python Playwright is not installed ({error})")
    return path


def init_demo_db(db: Path, password: str) -> None:
    env = {**os.environ, "RESEARCH_ADMIN_PASSWORD": password}
    env.pop("RESEARCH_DB", None)
    subprocess.run([sys.executable, "-m", "research", "--db", str(db), "init", "--demo"],
                   cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=120)


class BrowserApp:
    """The app the browser tests of one module share, as `make run` starts it (workers, then
    Streamlit), on its own database; and the database as it was before the current test, so
    that a rerun of a failed test meets what its first attempt met (the attempt's accounts and
    questions gone, the module's earlier work kept)."""

    def __init__(self, db: Path):
        self.db = db
        self.before = db.parent / "before-test"
        self.before.mkdir(exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = ExitStack()

    def start(self) -> None:
        self._server.enter_context(serving(self.db, self.db.parent / "streamlit.log",
                                           port=self.port))

    def stop(self) -> None:
        self._server.close()

    def _files(self, folder: Path) -> list[Path]:
        """The database and the stores beside it (pseudonym keys, vectors)."""
        return sorted(folder.glob(f"{self.db.stem}*.db"))

    def remember(self) -> None:
        """Copy the live databases aside (SQLite's backup API: the app may be writing)."""
        for old in self._files(self.before):
            old.unlink()
        for path in self._files(self.db.parent):
            backup(path, self.before / path.name)

    def restore(self) -> None:
        """Restart the app on the databases as `remember` left them, at the same address."""
        self.stop()
        for path in self._files(self.db.parent):
            for extra in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                extra.unlink(missing_ok=True)
        for path in self._files(self.before):
            backup(path, self.db.parent / path.name)
        self.start()


def backup(source: Path, target: Path) -> None:
    """Copy one SQLite database through SQLite (never by reading its file: see issue 16)."""
    reading, writing = sqlite3.connect(source), sqlite3.connect(target)
    try:
        reading.backup(writing)
    finally:
        reading.close()
        writing.close()


def wait_until_idle(page, timeout_ms: int = 30_000) -> None:
    """Until the script run has finished and no running indicator shows."""
    from playwright.sync_api import expect

    expect(page.locator(APP_IDLE)).to_have_count(1, timeout=timeout_ms)
    expect(page.locator(STATUS_WIDGET)).to_have_count(0, timeout=timeout_ms)


def wait_for_charts(page, timeout_ms: int = 30_000) -> None:
    """Until every Plotly chart has drawn (its JS loads lazily, after the run ends)."""
    from playwright.sync_api import expect

    expect(page.locator(SKELETON)).to_have_count(0, timeout=timeout_ms)
    expect(page.locator(CHART_NOT_DRAWN)).to_have_count(0, timeout=timeout_ms)


def log_in(page, username: str, password: str) -> None:
    """Fill the login form and submit it."""
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord", exact=True).fill(password)  # not its "Wachtwoord tonen"
    page.get_by_role("button", name="Inloggen").click()


def settled(page, look, tries: int = 50, interval_ms: int = 200):
    """What `look()` returns once two looks `interval_ms` apart agree (None for not yet);
    None when it never settles."""
    before = look()
    for _ in range(tries):
        page.wait_for_timeout(interval_ms)
        now = look()
        if now is not None and now == before:
            return now
        before = now
    return None


def settled_box(page, locator) -> dict:
    """The element's box once it stopped changing (a table grows to its height in steps after
    it first shows; a point taken too early lands on another row)."""
    return settled(page, locator.bounding_box) or locator.bounding_box()


PHONE = {"width": 390, "height": 844}


def phone_context(browser, **options):
    """A browser context as a phone shows the app (390 px wide, touch, Dutch), with the
    30-second wait of these tests."""
    context = browser.new_context(viewport=PHONE, locale="nl-NL", is_mobile=True,
                                  has_touch=True, **options)
    context.set_default_timeout(30_000)
    return context
