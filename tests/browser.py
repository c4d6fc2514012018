"""Helpers for the browser tests: find Chromium, run the app in a subprocess, wait for runs.

The DOM selectors below were read from the page Streamlit 1.67 renders (see test_browser.py).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run",
               "--disable-quic"]

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


def find_chromium() -> str | None:
    """RESEARCH_CHROMIUM, else Debian's /usr/bin/chromium; None when it is not there."""
    path = os.environ.get("RESEARCH_CHROMIUM") or DEFAULT_CHROMIUM
    return path if os.path.isfile(path) and os.access(path, os.X_OK) else None


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def init_demo_db(db: Path, password: str) -> None:
    env = {**os.environ, "RESEARCH_ADMIN_PASSWORD": password}
    env.pop("RESEARCH_DB", None)
    subprocess.run([sys.executable, "-m", "research", "--db", str(db), "init", "--demo"],
                   cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=120)


def wait_for_health(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.read().decode().strip() == "ok":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{url} did not answer 'ok' within {timeout} s:\n{log.read_text()}")


@contextmanager
def running_app(db: Path, log: Path):
    """`streamlit run streamlit_app.py` on a free local port; yields its base URL."""
    port = free_port()
    env = {**os.environ, "RESEARCH_DB": str(db), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
             "--server.headless", "true", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_health(f"{base}/_stcore/health", process, log)
        yield base
    finally:
        # Only the process group this fixture started.
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


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
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()

