"""Heavy work outside the app's process: a warm worker for models, one for long computations.

Why: Streamlit collects garbage after every script run (`runner.postScriptGC`), and a full
collection walks every object of the process. deduce's lookup structures are about 4.7
million Python objects; loaded in the app's process they made every click of every user
3-13 s slower until the server restarted. A long computation in a session's thread (agreement
at scale L, a wave's results) holds the interpreter lock in stretches and slows every other
session. In a worker process both cost the app nothing.

A `Worker` is one child process (`python -m research.worker`) joined to the app by a socket
pair. `start()` launches it; the child runs its warm-up (building deduce) before it reads its
first task, so the first user who needs the model waits at most for what is left of the load.
`run(fn, ...)` sends a module-level function and its arguments, and returns the result or
re-raises the error (a `UserError` keeps its Dutch message). A worker that was never started
runs work inline: the command line and unit tests are one-shot processes where the
collector's walk costs nothing. The app starts both workers when it opens its database
(`ui.shell`).

Not multiprocessing's pools: they start a child by re-importing the parent's `__main__`, and
inside a Streamlit run `__main__` is the page being run, which the child would execute.
"""

from __future__ import annotations

import atexit
import gc
import logging
import os
import pickle
import socket
import subprocess
import sys
import threading
import time
import traceback
from multiprocessing.connection import Connection
from typing import Any, Callable, TypeVar

from research.errors import UserError

T = TypeVar("T")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class WorkerError(UserError):
    """The worker process stopped while working (out of memory, killed), in Dutch."""


def in_worker() -> bool:
    """Whether this code runs inside a worker process."""
    return os.environ.get("RESEARCH_IN_WORKER") == "1"


class Worker:
    """One process for one kind of work, started on demand and replaced if it dies."""

    def __init__(self, name: str, warm: str | None = None, niceness: int = 0):
        self.name = name
        self.warm = warm  # "module:function" run in the child before its first task
        self.niceness = niceness  # how much lower its CPU priority is than the app's
        self._process: subprocess.Popen | None = None
        self._connection: Connection | None = None
        self._lock = threading.Lock()  # one task at a time; other callers queue here
        self._stopping = False

    @property
    def started(self) -> bool:
        return self._process is not None

    def start(self) -> None:
        """Launch the process (it warms up on its own; nothing here waits for it)."""
        with self._lock:
            self._stopping = False
            if self._process is None:
                self._launch()

    def _launch(self) -> None:
        mine, theirs = socket.socketpair()
        env = {**os.environ, "RESEARCH_IN_WORKER": "1"}
        self._process = subprocess.Popen(
            [sys.executable, "-m", "research.worker", str(theirs.fileno()), self.warm or ""],
            pass_fds=[theirs.fileno()], cwd=ROOT, env=env, stdin=subprocess.DEVNULL)
        if self.niceness:
            os.setpriority(os.PRIO_PROCESS, self._process.pid,
                           min(19, os.getpriority(os.PRIO_PROCESS, 0) + self.niceness))
        theirs.close()
        self._connection = Connection(mine.detach())

    def pid(self) -> int | None:
        """The worker's process id (None when not started); waits until it is warm."""
        return self.run(os.getpid) if self.started else None

    def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`fn(*args, **kwargs)` in the worker when it is started, else in this process.

        A worker that died is replaced and the task sent once more; if that one dies too,
        the user is told in Dutch."""
        if self._process is None or in_worker():
            return fn(*args, **kwargs)
        with self._lock:
            for attempt in range(2):
                connection = self._connection
                assert connection is not None  # started with the process
                try:
                    connection.send((fn, args, kwargs))
                    status, value = connection.recv()
                    break
                except (EOFError, OSError):
                    self._end()
                    # While the app shuts down its workers die with it: a new one would
                    # outlive the app, computing for nobody.
                    if attempt == 1 or self._stopping:
                        raise WorkerError(
                            f"Het rekenproces ({self.name}) is onverwacht gestopt, mogelijk "
                            "door te weinig geheugen. Probeer het opnieuw.") from None
                    self._launch()
        if status == "error":
            raise value
        return value

    def _end(self) -> None:
        """Close the connection and reap the process (which ends when it sees the close)."""
        process, connection = self._process, self._connection
        self._process = self._connection = None
        if connection is not None:
            connection.close()
        if process is not None:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def stop(self) -> None:
        """End the process after the task it runs (no replacement is started from now on).
        Once no task runs (the lock is ours), it is told to end at once: a worker still
        warming up (loading its model takes seconds) only looks at the connection when it is
        done, which held every exit of the app (and of each test process) up to 10 s per
        worker."""
        self._stopping = True
        with self._lock:
            if self._process is not None:
                self._process.terminate()
            self._end()


# The de-identification model (deduce, about 1 GB of objects).
MODELS = Worker("pseudonimisering", warm="research.qual.pseudonyms:warm")
# The sentence model of the hints (e5): apart from deduce, because embedding the questions
# without a vector (after an upgrade or a restore: minutes at 20,000 questions) kept a
# transcript import waiting for its pseudonymisation until it was done.
MEANING = Worker("betekenis", warm="research.tracker.embedding:warm")
# Long computations: agreement, a wave's results, loading a wave. At a lower CPU priority:
# a click's run takes a tenth of a second, these take seconds; when both want the same core,
# the click goes first (the kernel then gives the computation about a tenth of it), so one
# user's agreement or recomputed wave does not hold up another user's page (browser bench,
# a page beside a computation, four runs: median 0.49-0.60 s against 0.58-0.70 s without;
# the slowest click varies too much between runs to compare). Not the model workers: a user
# waits on their short tasks (a preview, a hint) as on a click.
BACKGROUND = 10
COMPUTE = Worker("berekeningen", niceness=BACKGROUND)
WORKERS = (MODELS, MEANING, COMPUTE)


def start_all() -> None:
    """Start every worker (the app calls this once, when it opens its database)."""
    for worker in WORKERS:
        worker.start()


def stop_all() -> None:
    for worker in WORKERS:
        worker.stop()


atexit.register(stop_all)


# -- the child --------------------------------------------------------------------------------

def _warm_up(target: str) -> None:
    """Run the warm-up with the collector paused while its objects are built (that halves
    deduce's load), then freeze them so that no later collection walks them again."""
    import importlib

    module, _, function = target.partition(":")
    gc.disable()
    try:
        getattr(importlib.import_module(module), function)()
    except Exception:  # the first task will meet (and report) the same problem
        traceback.print_exc()
    finally:
        gc.freeze()
        gc.enable()


def _answer(fn: Callable, args: tuple, kwargs: dict) -> tuple[str, Any]:
    """A task's outcome as ("ok", result) or ("error", exception), ready to pickle."""
    try:
        return "ok", fn(*args, **kwargs)
    except Exception as error:  # every error goes back to the caller, who raises it
        try:
            pickle.dumps(error)
            return "error", error
        except Exception:
            return "error", RuntimeError("".join(traceback.format_exception(error)))


def _end_with_parent() -> None:
    """End this process as soon as the app that started it is gone (a task of minutes would
    otherwise run on for nobody, and the connection is only looked at between tasks)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="einde-met-app", daemon=True).start()


def serve(fd: int, warm: str) -> None:
    """The worker's loop: warm up, then answer tasks until the app closes the connection."""
    _end_with_parent()
    connection = Connection(fd)
    if warm:
        _warm_up(warm)
    logging.getLogger().setLevel(logging.WARNING)
    while True:
        try:
            fn, args, kwargs = connection.recv()
        except (EOFError, OSError):
            return
        status, value = _answer(fn, args, kwargs)
        try:
            connection.send((status, value))
        except (EOFError, OSError):
            return
        except Exception as error:  # a result that cannot be pickled
            connection.send(("error", RuntimeError(f"{fn.__qualname__}: {error}")))


if __name__ == "__main__":
    serve(int(sys.argv[1]), sys.argv[2])
