"""Two (or four) at once: processes code the same document, log questions and load monitor
waves at the same time for a bounded time. Every acknowledged write is there afterwards,
nobody gets "database is locked", and the event log matches the data."""

from __future__ import annotations

import multiprocessing
import time

import pandas as pd
import pytest

from research.accounts import SYSTEM_USER
from research.errors import UserError
from research.schema import open_store

SECONDS = 6.0


def _coder(path: str, seed: int) -> dict:
    """Code random passages of the first demo document until time is up."""
    import random

    from research.qual import codings

    store, rng, done, refused = open_store(path), random.Random(seed), [], []
    document = store.one("SELECT id, length(text) AS n, project_id FROM documents ORDER BY id")
    codes = [r["id"] for r in store.rows("SELECT id FROM codes WHERE project_id = ?",
                                         [document["project_id"]])]
    deadline = time.monotonic() + SECONDS
    while time.monotonic() < deadline:
        start = rng.randrange(0, document["n"] - 20)
        try:
            done += codings.add_codings(store, SYSTEM_USER, document["id"],
                                        [rng.choice(codes)], start, start + rng.randrange(5, 20))
        except UserError as error:
            refused.append(error.message)
    store.close()
    return {"kind": "coding", "ids": done, "refused": refused}


def _logger(path: str, seed: int) -> dict:
    """Log questions in Noord until time is up."""
    from datetime import date

    from research.tracker import questions

    store, done, refused = open_store(path), [], []
    deadline, number = time.monotonic() + SECONDS, 0
    while time.monotonic() < deadline:
        number += 1
        try:
            done.append(questions.log_question(
                store, SYSTEM_USER, wijk_id="noord", asked_on=date(2026, 11, 1),
                text=f"Vraag {seed}-{number} over de speeltuin en de huisarts",
                asker_group="bewoner"))
        except UserError as error:
            refused.append(error.message)
    store.close()
    return {"kind": "question", "ids": done, "refused": refused}


def _loader(path: str, seed: int) -> dict:
    """Load small waves of the demo monitor (each one transaction) until time is up."""
    from research.survey import waves

    store, done, refused = open_store(path), [], []
    monitor = store.value("SELECT id FROM monitors ORDER BY id")
    codes = [r["code"] for r in store.rows("SELECT code FROM frame_units WHERE monitor_id = ?"
                                           " ORDER BY code LIMIT 50", [monitor])]
    variables = [{"name": "cijfer_inburgering", "label": "Cijfer", "type": "rapportcijfer"}]
    deadline, number = time.monotonic() + SECONDS, 0
    while time.monotonic() < deadline:
        number += 1
        data = pd.DataFrame({"eenheid": codes, "cijfer_inburgering": [7] * len(codes)})
        try:
            done.append(waves.import_wave(store, SYSTEM_USER, monitor, f"test-{seed}-{number}",
                                          None, variables, data))
        except UserError as error:
            refused.append(error.message)
    store.close()
    return {"kind": "wave", "ids": done, "refused": refused}


@pytest.mark.slow
def test_coders_loggers_and_a_loader_at_once(demo_store, db_path):
    before = {"codings": demo_store.value("SELECT count(*) FROM codings"),
              "questions": demo_store.value("SELECT count(*) FROM questions"),
              "waves": demo_store.value("SELECT count(*) FROM waves")}
    demo_store.close()
    jobs = [(_coder, 1), (_coder, 2), (_logger, 3), (_logger, 4), (_loader, 5)]
    context = multiprocessing.get_context("spawn")
    with context.Pool(len(jobs)) as pool:
        results = pool.starmap(_run, [(fn, str(db_path), seed) for fn, seed in jobs])

    store = open_store(db_path)
    try:
        assert [r["refused"] for r in results] == [[]] * len(jobs)
        acknowledged = {kind: [i for r in results if r["kind"] == kind for i in r["ids"]]
                        for kind in ("coding", "question", "wave")}
        assert all(acknowledged.values()), {k: len(v) for k, v in acknowledged.items()}
        for kind, table in (("coding", "codings"), ("question", "questions"), ("wave", "waves")):
            ids = acknowledged[kind]
            found = store.value(f"SELECT count(*) FROM {table} WHERE id IN "
                                f"({', '.join('?' * len(ids))})", ids)
            assert found == len(ids), kind
        assert store.value("SELECT count(*) FROM codings") == \
            before["codings"] + len(acknowledged["coding"])
        assert store.value("SELECT count(*) FROM questions") == \
            before["questions"] + len(acknowledged["question"])
        assert store.value("SELECT count(*) FROM waves") == \
            before["waves"] + len(acknowledged["wave"])
        # The event log matches: one create event per coding and question, one import per wave.
        for entity, action, ids in (("coding", "create", acknowledged["coding"]),
                                    ("question", "create", acknowledged["question"]),
                                    ("wave", "import", acknowledged["wave"])):
            logged = {int(r["entity_id"]) for r in store.rows(
                "SELECT entity_id FROM events WHERE entity = ? AND action = ?", [entity, action])}
            assert set(ids) <= logged, entity
        assert store.value("PRAGMA integrity_check") == "ok"
    finally:
        store.close()


def _run(fn, path: str, seed: int) -> dict:
    """Run one worker; any exception other than a refusal is reported, not swallowed."""
    return fn(path, seed)


# -- one process re-opens the store while another writes (issue 16) --------------------------
# Closing any descriptor of a file drops every POSIX lock the process holds on it, those of
# its live SQLite connections included (sqlite.org/howtocorrupt.html, 2.2). A check that read
# the database's header with open()/close() let a writer in another process reset the WAL
# under the first process's connection: stale reads, "disk I/O error", a malformed file.

ATTEMPTS, ROUNDS = 20, 5   # 20 attempts in a row, each while the writer commits 5 rounds


def _importer(path: str, queue, rounds: int) -> None:
    """Add a document and code it, `rounds` times, each time in a new connection that it
    closes again (as a command per file does); report each id once it is committed."""
    from research.qual import codings, documents

    try:
        for number in range(rounds):
            store = open_store(path)
            try:
                project = store.value("SELECT id FROM projects ORDER BY id")
                code = store.value("SELECT id FROM codes WHERE project_id = ? ORDER BY id",
                                   [project])
                document = documents.add_document(
                    store, SYSTEM_USER, project, f"Gesprek {number}",
                    f"INT: Vraag {number}?\n\nR: Antwoord {number}.")
                codings.add_codings(store, SYSTEM_USER, document, [code], 0, 10)
            finally:
                store.close()
            queue.put(document)
    finally:
        queue.put(None)


@pytest.mark.slow
def test_a_process_that_reopens_the_store_sees_every_write_of_another(demo_store, db_path):
    """20 attempts in a row: each holds a Store that has read (as the app does), opens the
    store again and again (the trigger), and reads every document the other process said
    it committed, with its coding."""
    demo_store.close()
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    writer = context.Process(target=_importer, args=(str(db_path), queue, ATTEMPTS * ROUNDS))
    writer.start()
    committed, problems, finished = [], [], False
    try:
        for attempt in range(ATTEMPTS):
            held = open_store(db_path)
            held.value("SELECT count(*) FROM documents")  # its connection is open and has read
            goal = min(len(committed) + ROUNDS, ATTEMPTS * ROUNDS)
            while not finished and len(committed) < goal or not committed:
                while not queue.empty():
                    item = queue.get()
                    finished = finished or item is None
                    if item is not None:
                        committed.append(item)
                open_store(db_path).close()
                for document in committed:
                    try:
                        found = held.value("SELECT count(*) FROM codings WHERE document_id = ?",
                                           [document])
                        if found != 1:
                            problems.append((attempt, document, found))
                    except Exception as error:  # a stale WAL index shows as an error here
                        problems.append((attempt, document, repr(error)))
            assert problems == [], problems
            assert held.value("PRAGMA integrity_check") == "ok"
            held.close()
    finally:
        writer.join(timeout=120)
    assert writer.exitcode == 0
    assert len(committed) == ATTEMPTS * ROUNDS
    fresh = open_store(db_path)
    try:
        assert fresh.value("PRAGMA integrity_check") == "ok"
        assert fresh.value(f"SELECT count(*) FROM documents WHERE id IN "
                           f"({', '.join('?' * len(committed))})", committed) == len(committed)
    finally:
        fresh.close()
