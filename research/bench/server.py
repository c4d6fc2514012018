"""The app as a user meets it: `streamlit run` in its own process on a free local port, and
Debian's Chromium driven by Playwright (never a browser downloaded by a test tool).

Shared by the browser benchmark and the browser tests (tests/browser.py)."""

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

ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying to reach Google's hosts,
# which this machine's closed network refuses.
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run",
               "--disable-quic"]


def find_chromium() -> str | None:
    """RESEARCH_CHROMIUM, else Debian's /usr/bin/chromium; None when it is not there."""
    path = os.environ.get("RESEARCH_CHROMIUM") or DEFAULT_CHROMIUM
    return path if os.path.isfile(path) and os.access(path, os.X_OK) else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_health(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    """Until the server answers 'ok' on its health address (or raise with its log)."""
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


def group_cpu_seconds(group: int) -> float:
    """User plus system CPU time used so far by the live processes of a process group."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = _stat(entry)
        except OSError:      # the process ended meanwhile
            continue
        if int(fields[2]) == group:
            total += _cpu(fields)
    return total


def wait_until_quiet(group: int, timeout: float = 120, window: float = 1.0) -> None:
    """Until the processes of `group` use under a tenth of a core for `window` seconds: the
    app answers before its workers are warm (deduce loads for seconds), and a click timed or
    tested meanwhile shares the machine's two cores with that load."""
    deadline = time.monotonic() + timeout
    used = group_cpu_seconds(group)
    while time.monotonic() < deadline:
        time.sleep(window)
        now = group_cpu_seconds(group)
        if now - used < 0.1 * window:
            return
        used = now


@contextmanager
def serving(db: Path, log: Path, env: dict | None = None, warm: bool = True,
            port: int | None = None):
    """The app as `make run` starts it (`python -m research serve`: its workers, then the
    Streamlit server) on `port` or a free local port; yields (base URL, server process). With
    `warm`, only once the workers have warmed up (see `wait_until_quiet`)."""
    port = port or free_port()
    environment = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
                   **(env or {})}
    environment.pop("RESEARCH_DB", None)
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "research", "--db", str(db), "serve", "--port", str(port),
             "--address", "127.0.0.1", "--public-port", "0", "--", "--server.fileWatcherType",
             "none"],
            cwd=ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_health(f"{base}/_stcore/health", process, log)
        if warm:
            wait_until_quiet(process.pid)
        yield base, process
    finally:
        # The process group this started: the app and its workers.
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _stat(pid: int | str) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name (state first)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
        return handle.read().rsplit(")", 1)[1].split()


def _cpu(fields: list[str]) -> float:
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far (Linux /proc)."""
    return _cpu(_stat(pid))
