"""Crashes: a process killed (SIGKILL) in the middle of an import, a migration and a backup.
The database opens consistent afterwards, the pre-migration copy exists, nothing half-written
is visible; and a restore drill proves the backups work."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from research.accounts import SYSTEM_USER
from research.backup import backup, restore
from research.schema import open_store
from research.storage import SYSTEM

ROOT = Path(__file__).resolve().parent.parent

# Each script stops inside the operation (writing a marker file, then sleeping) so the test
# can kill it at exactly that point.
IMPORT = """
import sys, time, pathlib
from research.schema import open_store
from research.accounts import SYSTEM_USER
from research.qual import documents, projects
marker = pathlib.Path(sys.argv[2])
store = open_store(sys.argv[1])
project = projects.create_project(store, SYSTEM_USER, "Studie")
real = documents._write_turns
def stalled(*args, **kwargs):
    real(*args, **kwargs)
    marker.write_text("in de transactie")
    time.sleep(60)
documents._write_turns = stalled
documents.add_document(store, SYSTEM_USER, project, "Interview", "Int: Hallo.\\nR1: Dag.\\n")
"""
MIGRATION = """
import sys, time, pathlib
from research import schema
marker = pathlib.Path(sys.argv[2])
def stalled(db):
    db.execute("CREATE TABLE half (x)")
    db.execute("INSERT INTO half VALUES (1)")
    marker.write_text("in de migratie")
    time.sleep(60)
schema.migrate(pathlib.Path(sys.argv[1]), [*schema.MIGRATIONS,
                                          schema.Migration("9999_stalled", stalled)])
"""
BACKUP = """
import sys, time, pathlib, sqlite3
from research import backup, schema
from research.schema import open_store
from research.storage import SYSTEM
marker = pathlib.Path(sys.argv[2])
real = sqlite3.Connection.backup
def stalled_copy(source, target):
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    def progress(status, remaining, total):
        marker.write_text("in de back-up")
        time.sleep(60)
    src.backup(dst, pages=1, progress=progress)
backup.backup_copy = stalled_copy
backup.backup(open_store(sys.argv[1]), sys.argv[3], SYSTEM)
"""


def kill_inside(script: str, *args: str, tmp_path: Path) -> None:
    """Run `script` in a new Python process and SIGKILL it once it reached its marker."""
    marker = tmp_path / "marker.txt"
    process = subprocess.Popen([sys.executable, "-c", script, *args[:1], str(marker), *args[1:]],
                               cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "the script never reached its marker"
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL


@pytest.fixture
def prepared(db_path):
    store = open_store(db_path)
    from research.startup import prepare
    prepare(store)
    store.close()
    return db_path


@pytest.mark.slow
def test_killed_during_an_import_leaves_nothing_half_written(prepared, tmp_path):
    kill_inside(IMPORT, str(prepared), tmp_path=tmp_path)
    store = open_store(prepared)
    try:
        assert store.value("PRAGMA integrity_check") == "ok"
        # The project was its own committed action; the document never committed.
        assert store.value("SELECT count(*) FROM projects") == 1
        assert store.value("SELECT count(*) FROM documents") == 0
        assert store.value("SELECT count(*) FROM turns") == 0
        assert store.value("SELECT count(*) FROM events WHERE entity = 'document'") == 0
    finally:
        store.close()


@pytest.mark.slow
def test_killed_during_a_migration_keeps_the_copy_and_the_old_schema(prepared, tmp_path):
    kill_inside(MIGRATION, str(prepared), tmp_path=tmp_path)
    copies = list(prepared.parent.glob(f"{prepared.name}.voor-migratie-*"))
    assert len(copies) == 1
    store = open_store(prepared)  # the known migrations: nothing pending, opens as before
    try:
        assert store.value("PRAGMA integrity_check") == "ok"
        assert "half" not in store.db.table_names()
        assert store.value("SELECT count(*) FROM migrations WHERE name = '9999_stalled'") == 0
    finally:
        store.close()


@pytest.mark.slow
def test_killed_during_a_backup_leaves_no_backup_under_the_final_name(prepared, tmp_path):
    target = tmp_path / "kopie.db"
    kill_inside(BACKUP, str(prepared), str(target), tmp_path=tmp_path)
    assert not target.exists()
    store = open_store(prepared)
    try:
        assert store.value("PRAGMA integrity_check") == "ok"
        # A later backup to the same name works (the partial file is not in its way).
        assert backup(store, target, SYSTEM) == target
    finally:
        store.close()


def test_restore_drill(prepared, tmp_path):
    from datetime import date

    from research.tracker import questions

    store = open_store(prepared)
    try:
        first = questions.log_question(store, SYSTEM_USER, wijk_id="noord",
                                       asked_on=date(2026, 3, 1), text="Waar is de speeltuin?",
                                       asker_group="bewoner")
        copy = backup(store, tmp_path / "drill.db", SYSTEM)
        questions.log_question(store, SYSTEM_USER, wijk_id="noord", asked_on=date(2026, 3, 2),
                               text="Na de back-up", asker_group="bewoner")
        restore(store, copy, SYSTEM)
        assert [r["id"] for r in store.rows("SELECT id FROM questions")] == [first]
        assert store.value("PRAGMA integrity_check") == "ok"
        # The content before the restore was kept beside the database.
        assert list(prepared.parent.glob(f"{prepared.name}.voor-herstel-*"))
    finally:
        store.close()
