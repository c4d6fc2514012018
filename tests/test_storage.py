"""The storage layer: connection settings, audited transactions, lock retries, file checks."""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import subprocess
import threading

import pytest

from research import accounts, storage
from research.accounts import SYSTEM_USER
from research.storage import Actor, StorageError, Store, check_file, connect

LOCKED_MESSAGE = ("De database is langere tijd bezet door een ander proces. "
                  "Er is niets opgeslagen; probeer het zo opnieuw.")
TESTER = Actor("tester", 7)



def programme(pid: str, name: str = "Programma", description: str = "omschrijving") -> dict:
    return {"id": pid, "name": name, "description": description, "keywords": "[]"}


def events(store: Store) -> list[dict]:
    return store.rows("SELECT actor, actor_id, entity, entity_id, action, before, after"
                      " FROM events ORDER BY id")


def count(store: Store, table: str) -> int:
    return store.value(f"SELECT count(*) FROM {table}")


# -- connection settings ----------------------------------------------------------------------

def test_connect_sets_wal_foreign_keys_and_busy_timeout(store):
    conn = connect(store.path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    finally:
        conn.close()


def test_store_connection_enforces_foreign_keys(store):
    before = count(store, "events")
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        store.write(TESTER,
                    lambda tx: tx.link("user_wijken", {"user_id": 1, "wijk_id": "atlantis"}))
    assert count(store, "user_wijken") == 0
    assert count(store, "events") == before


def test_table_reads_headings_and_row_tuples(store):
    store.write(TESTER, lambda tx: tx.insert("programmes", programme("p1", "Eerste")))
    store.write(TESTER, lambda tx: tx.insert("programmes", programme("p2", "Tweede")))
    assert store.table("SELECT id, name FROM programmes WHERE id IN (?, ?) ORDER BY id",
                       ["p1", "p2"]) == (["id", "name"], [("p1", "Eerste"), ("p2", "Tweede")])


# -- audited writes ---------------------------------------------------------------------------

def test_insert_appends_create_event(store):
    before = count(store, "events")
    pk = store.write(TESTER, lambda tx: tx.insert("programmes", programme("p1", "Eerste")))
    assert pk == "p1"
    assert count(store, "events") == before + 1
    assert events(store)[-1] == {
        "actor": "tester", "actor_id": 7, "entity": "programmes", "entity_id": "p1",
        "action": "create", "before": None,
        "after": '{"description": "omschrijving", "id": "p1", "keywords": "[]", "name": "Eerste"}'}


def test_insert_with_integer_key_records_the_new_id(store):
    pk = store.write(TESTER, lambda tx: tx.insert(
        "projects", {"name": "Nieuw project", "name_key": "0:Nieuw project",
                     "created_at": "2026-01-01T00:00:00+00:00"}, entity="project"))
    assert pk == 1
    last = events(store)[-1]
    assert (last["entity"], last["entity_id"], last["action"]) == ("project", "1", "create")
    assert json.loads(last["after"]) == {"id": 1, "name": "Nieuw project",
                                         "name_key": "0:Nieuw project", "description": None,
                                         "created_by": None, "blind": 0, "core_code_id": None,
                                         "storyline": "",
                                         "created_at": "2026-01-01T00:00:00+00:00"}


def test_update_logs_only_changed_fields(store):
    store.write(TESTER, lambda tx: tx.insert("programmes", programme("p1", "Oud")))
    after = store.write(TESTER, lambda tx: tx.update(
        "programmes", "p1", {"name": "Nieuw", "description": "omschrijving"}))
    assert after == {"id": "p1", "name": "Nieuw", "description": "omschrijving", "keywords": "[]"}
    last = events(store)[-1]
    assert last["action"] == "update"
    assert last["entity_id"] == "p1"
    assert json.loads(last["before"]) == {"name": "Oud"}
    assert json.loads(last["after"]) == {"name": "Nieuw"}
    assert store.value("SELECT name FROM programmes WHERE id = 'p1'") == "Nieuw"


def test_update_without_changes_logs_nothing(store):
    store.write(TESTER, lambda tx: tx.insert("programmes", programme("p1")))
    before = count(store, "events")
    store.write(TESTER, lambda tx: tx.update("programmes", "p1", {"name": "Programma"}))
    assert count(store, "events") == before


def test_update_of_missing_row_raises_and_writes_nothing(store):
    before = count(store, "events")
    with pytest.raises(KeyError, match="programmes bestaat-niet bestaat niet"):
        store.write(TESTER, lambda tx: tx.update("programmes", "bestaat-niet", {"name": "x"}))
    assert count(store, "events") == before


def test_delete_logs_the_row_it_removed(store):
    store.write(TESTER, lambda tx: tx.insert("programmes", programme("p1", "Weg")))
    store.write(TESTER, lambda tx: tx.delete("programmes", "p1"))
    assert store.one("SELECT * FROM programmes WHERE id = 'p1'") is None
    last = events(store)[-1]
    assert last["action"] == "delete"
    assert json.loads(last["before"]) == programme("p1", "Weg")
    assert last["after"] is None


def test_delete_of_missing_row_logs_nothing(store):
    before = count(store, "events")
    store.write(TESTER, lambda tx: tx.delete("programmes", "bestaat-niet"))
    assert count(store, "events") == before


def test_exception_rolls_back_data_and_event(store):
    programmes_before, events_before = count(store, "programmes"), count(store, "events")

    def fail(tx):
        tx.insert("programmes", programme("p1"))
        tx.update("wijkwerkplaatsen", "noord", {"name": "Noord (gewijzigd)"})
        raise ValueError("halverwege mislukt")

    with pytest.raises(ValueError, match="halverwege mislukt"):
        store.write(TESTER, fail)
    assert count(store, "programmes") == programmes_before
    assert count(store, "events") == events_before
    assert store.value("SELECT name FROM wijkwerkplaatsen WHERE id = 'noord'") == "Noord"
    assert not store.db.conn.in_transaction


def test_nested_write_joins_the_outer_transaction(store):
    seen = {}

    def outer(tx):
        tx.insert("programmes", programme("buiten"))

        def inner(tx2):
            seen["in_transaction"] = tx2.db.conn.in_transaction
            return tx2.insert("programmes", programme("binnen"))

        seen["inner"] = store.write(Actor("binnen", 8), inner)
        raise RuntimeError("buitenste mislukt")

    events_before = count(store, "events")
    with pytest.raises(RuntimeError):
        store.write(TESTER, outer)
    assert seen == {"in_transaction": True, "inner": "binnen"}
    # The inner write did not commit on its own: the outer rollback removed both.
    assert store.rows("SELECT id FROM programmes WHERE id IN ('buiten', 'binnen')") == []
    assert count(store, "events") == events_before


def test_nested_write_commits_with_the_outer_one(store):
    def outer(tx):
        tx.insert("programmes", programme("buiten"))
        store.write(Actor("binnen", 8), lambda tx2: tx2.insert("programmes", programme("binnen")))

    store.write(TESTER, outer)
    assert [r["id"] for r in store.rows(
        "SELECT id FROM programmes WHERE id IN ('buiten', 'binnen') ORDER BY id")] == [
        "binnen", "buiten"]
    assert [(e["actor"], e["entity_id"]) for e in events(store)[-2:]] == [
        ("tester", "buiten"), ("binnen", "binnen")]


def test_password_hash_is_redacted_in_events(store):
    user = accounts.create_user(store, SYSTEM_USER, "geheim", "lezer", "een-lang-wachtwoord")
    accounts.reset_password(store, SYSTEM_USER, user.id, "nog-een-lang-wachtwoord")
    stored_hash = store.value("SELECT password_hash FROM users WHERE id = ?", [user.id])
    assert stored_hash.startswith("$argon2id$")

    user_events = store.rows("SELECT action, before, after FROM events"
                             " WHERE entity = 'users' AND entity_id = ? ORDER BY id",
                             [str(user.id)])
    assert [e["action"] for e in user_events] == ["create", "update"]
    assert json.loads(user_events[0]["after"])["password_hash"] == "***"
    assert json.loads(user_events[1]["before"])["password_hash"] == "***"
    assert json.loads(user_events[1]["after"])["password_hash"] == "***"
    everything = " ".join(f"{e['before']} {e['after']}" for e in events(store))
    assert "$argon2" not in everything


def test_events_table_is_append_only(store):
    total = count(store, "events")
    conn = sqlite3.connect(store.path, isolation_level=None)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="events is append-only"):
            conn.execute("UPDATE events SET actor = 'vervalst'")
        with pytest.raises(sqlite3.IntegrityError, match="events is append-only"):
            conn.execute("DELETE FROM events")
        # Appending stays possible.
        conn.execute("INSERT INTO events (at, actor, entity, action) VALUES ('x', 'y', 'z', 'w')")
    finally:
        conn.close()
    assert count(store, "events") == total + 1
    assert store.value("SELECT count(*) FROM events WHERE actor = 'vervalst'") == 0


# -- lock handling ----------------------------------------------------------------------------

class LockHolder:
    """Another connection (in its own thread) that holds SQLite's write lock."""

    def __init__(self, path, seconds: float | None):
        self.path, self.seconds = path, seconds
        self.locked, self.release = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        conn = sqlite3.connect(self.path, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            self.locked.set()
            self.release.wait(self.seconds)
            conn.execute("COMMIT")
        finally:
            conn.close()

    def __enter__(self):
        self.thread.start()
        assert self.locked.wait(5)
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join(5)


@pytest.fixture
def busy_spy(monkeypatch):
    """Record every OperationalError that _retry inspects (proves the retry path ran)."""
    seen = []
    original = storage.is_busy

    def spy(error):
        busy = original(error)
        seen.append(busy)
        return busy

    monkeypatch.setattr(storage, "is_busy", spy)
    return seen


@pytest.mark.slow
def test_write_waits_for_a_lock_that_is_released(store, monkeypatch, busy_spy):
    monkeypatch.setattr(storage, "BUSY_TIMEOUT_MS", 100)
    store.close()  # the next connection is opened with the short busy timeout
    with LockHolder(store.path, seconds=1.0):
        pk = store.write(TESTER, lambda tx: tx.insert("programmes", programme("na-wachten")))
    assert pk == "na-wachten"
    assert store.value("SELECT name FROM programmes WHERE id = 'na-wachten'") == "Programma"
    assert busy_spy and all(busy_spy)  # at least one "database is locked" was retried


def test_write_gives_up_with_dutch_message_when_lock_is_never_released(store, monkeypatch,
                                                                       busy_spy):
    monkeypatch.setattr(storage, "BUSY_TIMEOUT_MS", 100)
    monkeypatch.setattr(storage, "WRITE_ATTEMPTS", 2)
    store.close()
    calls = []

    def work(tx):
        calls.append(1)
        tx.insert("programmes", programme("nooit"))

    with LockHolder(store.path, seconds=None):
        with pytest.raises(StorageError) as raised:
            store.write(TESTER, work)
    assert raised.value.kind == "locked"
    assert raised.value.message == LOCKED_MESSAGE
    assert calls == []
    assert busy_spy == [True, True]
    assert store.one("SELECT id FROM programmes WHERE id = 'nooit'") is None


def test_other_operational_errors_are_not_retried(store, busy_spy):
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        store.write(TESTER, lambda tx: tx.db.execute("INSERT INTO bestaat_niet VALUES (1)"))
    assert busy_spy == [False]


# -- check_file -------------------------------------------------------------------------------

def test_check_file_accepts_new_file_in_writable_folder(tmp_path):
    target = tmp_path / "nieuw.db"
    check_file(target)
    assert not target.exists()


def test_check_file_refuses_missing_folder(tmp_path):
    with pytest.raises(StorageError) as raised:
        check_file(tmp_path / "bestaat-niet" / "research.db")
    assert raised.value.kind == "readonly"
    assert raised.value.message == (
        f"De map {tmp_path / 'bestaat-niet'} bestaat niet of is niet schrijfbaar; "
        "de database kan daar niet worden aangemaakt.")


def test_check_file_refuses_random_bytes_untouched(tmp_path):
    target = tmp_path / "kapot.db"
    content = random.Random(20260101).randbytes(8192)
    target.write_bytes(content)
    with pytest.raises(StorageError) as raised:
        check_file(target)
    assert raised.value.kind == "corrupt"
    assert raised.value.message.startswith("kapot.db is geen SQLite-database of is beschadigd.")
    assert target.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kapot.db"]


def test_check_file_refuses_damaged_database_behind_valid_header(tmp_path):
    target = tmp_path / "beschadigd.db"
    header = b"SQLite format 3\x00"
    content = header + random.Random(7).randbytes(4096 - len(header))
    target.write_bytes(content)
    with pytest.raises(StorageError) as raised:
        check_file(target)
    assert raised.value.kind == "corrupt"
    assert raised.value.message.startswith("beschadigd.db ")
    assert "Het bestand is niet aangeraakt" in raised.value.message
    assert target.read_bytes() == content


def test_open_store_refuses_random_bytes_untouched(tmp_path):
    from research.schema import open_store

    target = tmp_path / "kapot.db"
    content = random.Random(3).randbytes(5000)
    target.write_bytes(content)
    with pytest.raises(StorageError) as raised:
        open_store(target)
    assert raised.value.kind == "corrupt"
    assert target.read_bytes() == content


def test_check_file_reports_a_database_locked_by_another_process(tmp_path, monkeypatch):
    """A rollback-journal database under an EXCLUSIVE lock cannot even be read."""
    monkeypatch.setattr(storage, "BUSY_TIMEOUT_MS", 100)
    target = tmp_path / "vergrendeld.db"
    other = sqlite3.connect(target, isolation_level=None)
    try:
        other.execute("CREATE TABLE x (a)")
        other.execute("BEGIN EXCLUSIVE")
        other.execute("INSERT INTO x VALUES (1)")
        with pytest.raises(StorageError) as raised:
            check_file(target)
        assert raised.value.kind == "locked"
        assert raised.value.message == ("De database is vergrendeld door een ander proces. "
                                        "Sluit dat proces of probeer het later opnieuw.")
    finally:
        other.close()


READONLY_MESSAGE = ("Het databasebestand research.db is alleen-lezen. Geef schrijfrechten op "
                    "het bestand en de map, of kies een ander bestand met RESEARCH_DB.")


def test_check_file_refuses_read_only_file(store):
    path = store.path
    store.close()
    content = path.read_bytes()
    os.chmod(path, 0o444)
    try:
        if os.geteuid() == 0 and os.access(path, os.W_OK):
            pytest.skip("root may write a 0o444 file, so the access check sees it as writable")
        with pytest.raises(StorageError) as raised:
            check_file(path)
        assert raised.value.kind == "readonly"
        assert raised.value.message == READONLY_MESSAGE
        assert path.read_bytes() == content
    finally:
        os.chmod(path, 0o644)


def test_check_file_refuses_immutable_file(store):
    """The same refusal for a file that even root cannot write (chattr +i)."""
    path = store.path
    store.close()
    content = path.read_bytes()
    if shutil.which("chattr") is None or subprocess.run(
            ["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here")
    try:
        assert not os.access(path, os.W_OK)
        with pytest.raises(StorageError) as raised:
            check_file(path)
        assert raised.value.kind == "readonly"
        assert raised.value.message == READONLY_MESSAGE
        assert path.read_bytes() == content
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)
