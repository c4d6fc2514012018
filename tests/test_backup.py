"""Backups made while others write, and restores that are checked first and can be undone."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import threading

import pytest

from conftest import PASSWORD
from research import accounts
from research.accounts import SYSTEM_USER
from research.backup import BackupError, backup, backup_bytes, check_backup, restore
from research.public import fieldwork as door
from research.schema import MIGRATIONS, migrate
from research.storage import SYSTEM, Actor

SQLITE_HEADER = b"SQLite format 3\x00"



def dump(path) -> str:
    """The database's full content as SQL (read through a fresh connection)."""
    conn = sqlite3.connect(path)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


def query(path, sql):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def safety_copies(store):
    return sorted(store.path.parent.glob(f"{store.path.name}.voor-herstel-*"))


# -- backup -----------------------------------------------------------------------------------

def test_backup_while_another_thread_writes(store, tmp_path):
    stop, progress = threading.Event(), threading.Semaphore(0)
    errors = []

    def writer():
        try:
            number = 0
            while not stop.is_set():
                number += 1
                store.write(Actor("schrijver"), lambda tx, number=number: tx.insert("meta", {
                    "key": f"rij-{number:05d}", "value": "x" * 200}))
                progress.release()
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            store.close()

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        for _ in range(30):
            assert progress.acquire(timeout=10)
        committed_before = store.value("SELECT count(*) FROM meta WHERE key LIKE 'rij-%'")
        target = backup(store, tmp_path / "tijdens-schrijven.db", SYSTEM)
        for _ in range(10):  # the writer kept going during and after the backup
            assert progress.acquire(timeout=10)
    finally:
        stop.set()
        thread.join(10)
    assert errors == []
    committed_after = store.value("SELECT count(*) FROM meta WHERE key LIKE 'rij-%'")

    assert check_backup(target) == [m.name for m in MIGRATIONS]
    (in_backup,), = query(target, "SELECT count(*) FROM meta WHERE key LIKE 'rij-%'")
    assert committed_before >= 30
    assert committed_before <= in_backup < committed_after
    assert query(target, "PRAGMA integrity_check") == [("ok",)]
    assert not (tmp_path / "tijdens-schrijven.db.deel").exists()


def test_backup_is_logged(store, tmp_path):
    backup(store, tmp_path / "kopie.db", Actor("admin", 1))
    assert store.one("SELECT actor, entity, action, after FROM events ORDER BY id DESC LIMIT 1") \
        == {"actor": "admin", "entity": "database", "action": "backup",
            "after": '{"bestand": "kopie.db"}'}


def test_backup_refuses_an_existing_target(store, tmp_path):
    target = tmp_path / "bestaat.db"
    target.write_bytes(b"niet overschrijven")
    with pytest.raises(BackupError) as raised:
        backup(store, target, SYSTEM)
    assert raised.value.message == f"{target} bestaat al; kies een nieuwe bestandsnaam."
    assert target.read_bytes() == b"niet overschrijven"
    with pytest.raises(BackupError, match="bestaat al"):
        backup(store, store.path, SYSTEM)


def test_backup_refuses_a_missing_folder(store, tmp_path):
    with pytest.raises(BackupError) as raised:
        backup(store, tmp_path / "nergens" / "kopie.db", SYSTEM)
    assert raised.value.message == f"De map {tmp_path / 'nergens'} bestaat niet."


def test_backup_bytes(store):
    data = backup_bytes(store, SYSTEM)
    assert data.startswith(SQLITE_HEADER)
    assert len(data) % 4096 == 0


# -- restore ----------------------------------------------------------------------------------

def test_restore_brings_back_the_backed_up_state(store, tmp_path):
    saved = backup(store, tmp_path / "gisteren.db", SYSTEM)
    accounts.create_user(store, SYSTEM_USER, "nieuw", "lezer", PASSWORD)
    assert accounts.find_user(store, "nieuw") is not None

    safety = restore(store, saved, Actor("admin", 1))

    assert accounts.find_user(store, "nieuw") is None
    assert [u["username"] for u in accounts.list_users(store)] == ["admin"]
    # The safety copy holds the state from just before the restore.
    assert safety.name.startswith("research.db.voor-herstel-")
    assert safety_copies(store) == [safety]
    assert query(safety, "SELECT username FROM users ORDER BY username") == [("admin",), ("nieuw",)]
    # The restore itself is logged in the restored database.
    assert store.one("SELECT actor, entity, action, after FROM events ORDER BY id DESC LIMIT 1") \
        == {"actor": "admin", "entity": "database", "action": "restore",
            "after": f'{{"bron": "gisteren.db", "kopie_van_voor": "{safety.name}"}}'}
    # And the database still works for writing.
    accounts.create_user(store, SYSTEM_USER, "daarna", "lezer", PASSWORD)
    assert accounts.authenticate(store, "daarna", PASSWORD).username == "daarna"


def test_restore_is_seen_by_open_connections_of_other_threads(store, tmp_path):
    """Another session keeps its connection open across the restore and reads the new content."""
    saved = backup(store, tmp_path / "gisteren.db", SYSTEM)
    accounts.create_user(store, SYSTEM_USER, "nieuw", "lezer", PASSWORD)
    read_again, restored, seen = threading.Event(), threading.Event(), []

    def other_session():
        try:
            seen.append(store.value("SELECT count(*) FROM users WHERE username = 'nieuw'"))
            read_again.set()
            restored.wait(10)
            seen.append(store.value("SELECT count(*) FROM users WHERE username = 'nieuw'"))
        finally:
            store.close()

    thread = threading.Thread(target=other_session)
    thread.start()
    assert read_again.wait(10)
    restore(store, saved, SYSTEM)
    restored.set()
    thread.join(10)
    assert seen == [1, 0]


@pytest.fixture
def live(store):
    """The live database's content before a refused restore."""
    accounts.create_user(store, SYSTEM_USER, "blijft", "lezer", PASSWORD)
    return dump(store.path)


def assert_untouched(store, before):
    assert dump(store.path) == before
    assert safety_copies(store) == []
    assert accounts.find_user(store, "blijft") is not None


def test_restore_refuses_a_file_that_is_no_database(store, tmp_path, live):
    source = tmp_path / "vakantiefoto.db"
    source.write_bytes(os.urandom(10_000))
    with pytest.raises(BackupError) as raised:
        restore(store, source, SYSTEM)
    assert raised.value.message.startswith(
        "Dit bestand is geen bruikbare back-up: vakantiefoto.db is geen SQLite-database")
    assert_untouched(store, live)


def test_restore_refuses_a_database_of_another_app(store, tmp_path, live):
    source = tmp_path / "ander.db"
    conn = sqlite3.connect(source)
    conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, naam TEXT)")
    conn.execute("INSERT INTO users (naam) VALUES ('iemand')")
    conn.commit()
    conn.close()
    with pytest.raises(BackupError) as raised:
        restore(store, source, SYSTEM)
    assert raised.value.message == "Dit bestand is geen back-up van deze app."
    assert_untouched(store, live)


def test_restore_refuses_a_backup_of_a_newer_app(store, tmp_path, live):
    source = tmp_path / "nieuwer.db"
    shutil.copy(store.path, source)
    conn = sqlite3.connect(source)
    conn.execute("INSERT INTO migrations (name, applied_at) VALUES ('9000_toekomst', 'later')")
    conn.commit()
    conn.close()
    with pytest.raises(BackupError) as raised:
        restore(store, source, SYSTEM)
    assert raised.value.message.startswith(
        "Deze database is gemaakt met een nieuwere versie van de app (onbekende migraties: "
        "9000_toekomst).")
    assert_untouched(store, live)


def test_restore_refuses_a_missing_file(store, tmp_path, live):
    with pytest.raises(BackupError) as raised:
        restore(store, tmp_path / "weg.db", SYSTEM)
    assert raised.value.message == f"{tmp_path / 'weg.db'} bestaat niet."
    assert_untouched(store, live)


def test_check_backup_refuses_an_empty_database(tmp_path):
    source = tmp_path / "leeg.db"
    sqlite3.connect(source).close()
    with pytest.raises(BackupError, match="^Dit bestand is geen back-up van deze app.$"):
        check_backup(source)


def test_restore_of_an_older_backup_migrates_it(store, tmp_path):
    """A backup is migrated to the current schema after it is put back."""
    old = tmp_path / "oud.db"
    migrate(old, MIGRATIONS[:1])  # a backup made by the foundation release
    conn = sqlite3.connect(old)
    conn.execute("INSERT INTO users (username, role, created_at) VALUES ('oudje', 'lezer', 'x')")
    conn.execute("INSERT INTO wijkwerkplaatsen (id, name) VALUES ('noord', 'Noord')")
    conn.execute("INSERT INTO questions (wijk_id, asked_on, text, asker_group, created_at)"
                 " VALUES ('noord', '2026-01-28', 'Waar spelen de kinderen?', 'bewoner', 'x')")
    conn.commit()
    conn.close()
    restore(store, old, SYSTEM)
    assert [u["username"] for u in accounts.list_users(store)] == ["oudje"]
    assert store.rows("SELECT name FROM migrations") == [{"name": m.name} for m in MIGRATIONS]
    # The old question got its lemmas after the migrations, and the search index has them.
    assert store.value("SELECT lemmas FROM questions") == "spelen kind"
    assert store.value("SELECT rowid FROM questions_fts WHERE questions_fts MATCH 'kind'") == 1


def _make_read_only(path) -> None:
    os.chmod(path, 0o444)
    if os.access(path, os.W_OK):  # root: make it immutable instead
        if shutil.which("chattr") is None or subprocess.run(
                ["chattr", "+i", str(path)], capture_output=True).returncode != 0:
            os.chmod(path, 0o644)
            pytest.skip("cannot make a file read-only for this user")


def _make_writable(path) -> None:
    if shutil.which("chattr"):
        subprocess.run(["chattr", "-i", str(path)], capture_output=True)
    os.chmod(path, 0o644)


def test_restore_from_a_read_only_backup(store, tmp_path):
    folder = tmp_path / "archief"
    folder.mkdir()
    saved = backup(store, folder / "gisteren.db", SYSTEM)
    accounts.create_user(store, SYSTEM_USER, "nieuw", "lezer", PASSWORD)
    _make_read_only(saved)
    try:
        restore(store, saved, SYSTEM)
    finally:
        _make_writable(saved)
    assert accounts.find_user(store, "nieuw") is None


# -- other processes (issue 16) ----------------------------------------------------------------

WRITER = """
import sys, time
from research.schema import open_store
from research.storage import Actor
store = open_store(sys.argv[1])
print("begonnen", flush=True)
deadline = time.monotonic() + float(sys.argv[2])
number = 0
while time.monotonic() < deadline:
    number += 1
    # A row and its event in one transaction: a consistent copy has both or neither.
    store.write(Actor("schrijver"), lambda tx: tx.insert("meta", {
        "key": f"proces-{number:05d}", "value": "x" * 500}))
store.close()
print(number, flush=True)
"""


@pytest.mark.slow  # 5 s: a writing process beside many backups
def test_backups_while_another_process_writes_are_whole_and_consistent(store, tmp_path):
    import sys

    store.close()
    other = subprocess.Popen([sys.executable, "-c", WRITER, str(store.path), "4"],
                             stdout=subprocess.PIPE, text=True, cwd=os.getcwd())
    assert other.stdout.readline().strip() == "begonnen"
    made = [backup(store, tmp_path / f"kopie-{n}.db", SYSTEM) for n in range(5)]
    written = int(other.stdout.readline())
    assert other.wait(30) == 0
    counts = []
    for path in made:
        assert query(path, "PRAGMA integrity_check") == [("ok",)]
        (rows,), = query(path, "SELECT count(*) FROM meta WHERE key LIKE 'proces-%'")
        (events,), = query(path, "SELECT count(*) FROM events WHERE actor = 'schrijver'")
        assert rows == events  # never a row without its event, or the other way round
        counts.append(rows)
        assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert counts == sorted(counts) and counts[-1] <= written


@pytest.mark.slow
def test_a_restore_by_the_command_line_is_seen_by_the_apps_process(store, tmp_path):
    """The app's process holds its Store (and has read) while `python -m research restore`
    runs in another process; it then reads the restored content, and the file is whole."""
    import sys

    accounts.create_user(store, SYSTEM_USER, "gisteren", "lezer", PASSWORD)
    saved = backup(store, tmp_path / "gisteren.db", SYSTEM)
    accounts.create_user(store, SYSTEM_USER, "vandaag", "lezer", PASSWORD)
    assert store.value("SELECT count(*) FROM users WHERE username = 'vandaag'") == 1
    done = subprocess.run([sys.executable, "-m", "research", "--db", str(store.path), "restore",
                           str(saved)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert store.value("SELECT count(*) FROM users WHERE username = 'vandaag'") == 0
    assert store.value("SELECT count(*) FROM users WHERE username = 'gisteren'") == 1
    assert store.value("PRAGMA integrity_check") == "ok"
    [copy] = safety_copies(store)
    assert oct(os.stat(copy).st_mode & 0o777) == "0o600"
    assert query(copy, "SELECT count(*) FROM users WHERE username = 'vandaag'") == [(1,)]


# -- encrypted backups (the only kind the app hands out) -------------------------------------

SECRET = "kluis-sleutel-voor-back-up"


@pytest.fixture
def cheap_seal(monkeypatch):
    """Small chunks (so a file has several) and cheap key derivation for the format tests."""
    from research import sealed

    monkeypatch.setattr(sealed, "CHUNK", 1000)
    monkeypatch.setattr(sealed, "MEMORY_KIB", 64)
    monkeypatch.setattr(sealed, "TIME_COST", 1)
    return sealed


def seal(sealed, data: bytes, passphrase: str = SECRET) -> bytes:
    import io

    out = io.BytesIO()
    sealed.encrypt(io.BytesIO(data), out, passphrase)
    return out.getvalue()


def unseal(sealed, data: bytes, passphrase: str = SECRET) -> bytes:
    import io

    out = io.BytesIO()
    sealed.decrypt(io.BytesIO(data), out, passphrase)
    return out.getvalue()


@pytest.mark.parametrize("size", [0, 1, 999, 1000, 1001, 4321])
def test_sealed_round_trip(cheap_seal, size):
    data = os.urandom(size)
    sealed_data = seal(cheap_seal, data)
    assert sealed_data.startswith(b"OWP-BACKUP\x00\x01")
    assert len(sealed_data) == cheap_seal.HEADER_SIZE + size + 16 * max(1, -(-size // 1000))
    assert unseal(cheap_seal, sealed_data) == data
    assert seal(cheap_seal, data) != sealed_data  # a fresh salt every time


BROKEN = "Het wachtwoord van de back-up klopt niet, of het bestand is beschadigd of ingekort."


@pytest.mark.parametrize("breaks", [
    lambda d, h: d,                                           # (the wrong password)
    lambda d, h: d[:-1],                                      # cut short
    lambda d, h: d[:h + 1016],                                # cut at a chunk's end
    lambda d, h: d + d[h:h + 1016],                           # a chunk added
    lambda d, h: d[:h] + d[h + 1016:h + 2032] + d[h:h + 1016] + d[h + 2032:],  # reordered
    lambda d, h: d[:h + 5] + bytes([d[h + 5] ^ 1]) + d[h + 6:],  # one bit flipped
    lambda d, h: d[:40] + bytes([d[40] ^ 1]) + d[41:],        # the salt changed
])
def test_sealed_refuses_a_wrong_password_or_a_changed_file(cheap_seal, breaks):
    data = os.urandom(3500)
    sealed_data = seal(cheap_seal, data)
    changed = breaks(sealed_data, cheap_seal.HEADER_SIZE)
    passphrase = "een-ander-wachtwoord-99" if changed == sealed_data else SECRET
    with pytest.raises(cheap_seal.SealError) as raised:
        unseal(cheap_seal, changed, passphrase)
    assert raised.value.message == BROKEN


def test_sealed_refuses_other_files_and_impossible_settings(cheap_seal):
    with pytest.raises(cheap_seal.SealError, match="^Dit is geen versleutelde back-up van deze"
                                                   " app.$"):
        unseal(cheap_seal, SQLITE_HEADER + b"\x00" * 100)
    forged = bytearray(seal(cheap_seal, b"abc"))
    forged[16:20] = (1 << 30).to_bytes(4, "little")  # a gigabyte of memory per guess
    with pytest.raises(cheap_seal.SealError, match="onmogelijke instellingen"):
        unseal(cheap_seal, bytes(forged))


def test_sealed_backup_download_is_logged_and_decrypts_to_the_database(store, users, tmp_path):
    from research import sealed

    with pytest.raises(accounts.PermissionDenied):
        sealed.backup_download(store, users["onderzoeker"], SECRET)
    with pytest.raises(sealed.SealError, match="^Een wachtwoord heeft minstens 12 tekens.$"):
        sealed.backup_download(store, users["beheerder"], "te-kort-1")
    data, name = sealed.backup_download(store, users["beheerder"], SECRET)
    assert store.one("SELECT actor, entity, action, after FROM events ORDER BY id DESC"
                     " LIMIT 1") == {"actor": "admin", "entity": "database", "action": "backup",
                                     "after": f'{{"bestand": "{name}", "versleuteld": true}}'}
    (tmp_path / name).write_bytes(data)
    plain = sealed.decrypt_file(tmp_path / name, tmp_path / "kopie.db", SECRET)
    assert check_backup(plain)[-1] == MIGRATIONS[-1].name
    assert [r[0] for r in query(plain, "SELECT username FROM users ORDER BY username")] == [
        "admin", "anna", "coby", "lex", "olga"]
    with pytest.raises(sealed.SealError, match=BROKEN):
        sealed.decrypt_file(tmp_path / name, tmp_path / "mislukt.db", "niet-het-wachtwoord")
    assert not (tmp_path / "mislukt.db").exists()
    assert not (tmp_path / "mislukt.db.deel").exists()


# -- the answers of an open fieldwork -----------------------------------------------------------

def test_a_backup_carries_the_answers_of_an_open_fieldwork_and_a_restore_puts_them_back(
        store, tmp_path):
    """While a fieldwork is open its answers live beside the database: a backup holds them,
    a restore puts them back there (the answers of before in a safety copy) and leaves no
    trace of them in the database."""
    answers = door.path_beside(store.path)
    door.put_fieldwork(answers, 1, "Gemeentemonitor 2027", "2099-12-31", [])
    door.put_links(answers, 1, [("code-amsterdam", "Amsterdam"), ("code-ede", "Ede")])
    assert door.save(answers, "code-amsterdam", {"v1": 3}, page=1)
    saved = backup(store, tmp_path / "tijdens-veldwerk.db", SYSTEM)
    assert query(saved, "SELECT label, answers FROM veldwerk_links ORDER BY label") == [
        ("Amsterdam", '{"v1": 3}'), ("Ede", "{}")]
    assert query(store.path, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'veldwerk%'"
                 ) == [(0,)]

    assert door.save(answers, "code-ede", {"v1": 1}, page=2, submit=True)
    door.remove_links(answers, ["code-amsterdam"])
    restore(store, saved, SYSTEM)

    states = door.link_states(answers, 1)
    assert sorted((s["page"], s["answers"]) for s in states.values()) == [
        (0, {}), (1, {"v1": 3})]
    assert query(store.path, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'veldwerk%'"
                 ) == [(0,)]
    [before] = sorted(answers.parent.glob(f"{answers.name}.voor-herstel-*"))
    assert query(before, "SELECT label, answers FROM links") == [("Ede", '{"v1": 1}')]


def test_a_backup_without_fieldwork_restored_leaves_no_answers_beside_the_database(
        store, tmp_path):
    saved = backup(store, tmp_path / "zonder.db", SYSTEM)
    assert query(saved, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'veldwerk%'"
                 ) == [(0,)]
    answers = door.path_beside(store.path)
    door.put_fieldwork(answers, 1, "Gemeentemonitor 2027", "2099-12-31", [])
    door.put_links(answers, 1, [("code-ede", "Ede")])
    restore(store, saved, SYSTEM)
    assert door.link_states(answers, 1) == {}
