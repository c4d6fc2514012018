"""The one storage layer: a SQLite file through sqlite-utils, with audited, retried transactions.

Every write goes through `Store.write(actor, fn)`: `fn` receives a `Tx` whose `insert`,
`update` and `delete` also append a row to the `events` table in the same transaction, so the
audit trail can never disagree with the data. Writes take SQLite's write lock up front
(`BEGIN IMMEDIATE`) and are retried when another process holds it, so users never see
"database is locked".
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence, TypeVar

if TYPE_CHECKING:   # imported when a connection opens: sqlite-utils imports pandas
    import sqlite_utils

from research.errors import UserError

BUSY_TIMEOUT_MS = 5000
WRITE_ATTEMPTS = 12

# Column values never copied into the audit log, per table: the log is readable by every
# beheerder and must not become a second place where secrets or contact details live.
REDACTED_COLUMNS = {
    "users": frozenset({"password_hash"}),
    "question_contacts": frozenset({"name", "phone", "email", "note"}),
    # Transcript text is personal data and large; the log records that it changed, not what.
    "documents": frozenset({"text"}),
    # A login session's token is kept only as a hash, and even that stays out of the log.
    "web_sessions": frozenset({"token_hash"}),
    # A fieldwork link's code is the respondent's credential; contacts are personal data.
    "invitations": frozenset({"code"}),
    "invitation_contacts": frozenset({"name", "email"}),
}

T = TypeVar("T")
# The parameters of a query: positional (?) or named (:name).
Params = Sequence[Any] | dict[str, Any]


class StorageError(UserError):
    """A database problem the user must be told about, with a Dutch message.

    `kind` is one of: readonly, locked, corrupt, foreign, newer, migration, full.
    """

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def utcnow() -> str:
    """The current time as an ISO 8601 string in UTC, second precision (how times are stored)."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def is_busy(error: BaseException) -> bool:
    """Whether SQLite refused because another connection holds the lock."""
    text = str(error).lower()
    return isinstance(error, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def is_full(error: BaseException) -> bool:
    """Whether SQLite refused because the disk (or the file's page limit) is full."""
    return isinstance(error, sqlite3.OperationalError) and "full" in str(error).lower()


DISK_FULL = ("De schijf is vol: er is niets opgeslagen van deze wijziging. Maak ruimte vrij "
             "(of vraag de beheerder) en probeer het opnieuw.")


@dataclass(frozen=True)
class Actor:
    """Who makes a change, as written to the audit log."""

    username: str
    user_id: int | None = None

    def verify(self, db: sqlite_utils.Database) -> None:
        """Refuse (raise) inside the write transaction if this actor may no longer write; an
        account's actor (research.accounts) compares its state with the database."""


SYSTEM = Actor("systeem")


def _jsonable(row: dict | None, table: str | None = None) -> str | None:
    if row is None:
        return None
    hidden = REDACTED_COLUMNS.get(table or "", frozenset())
    clean = {k: ("***" if k in hidden and v is not None else v) for k, v in row.items()}
    return json.dumps(clean, ensure_ascii=False, default=str, sort_keys=True)


class Tx:
    """One write transaction. Its helpers change a table and log the change as an event."""

    def __init__(self, db: sqlite_utils.Database, actor: Actor, parent: "Tx | None" = None):
        self.db = db
        self.actor = actor
        self.parent = parent  # the unit a nested write joined: they share one batch
        self._batch: int | None = None

    @property
    def batch(self) -> int:
        """The batch number of this unit's events, taken at first use."""
        if self.parent is not None:
            return self.parent.batch
        if self._batch is None:
            # Inside BEGIN IMMEDIATE no other writer can take the same number.
            self._batch = (self.db.execute("SELECT max(batch) FROM events").fetchone()[0]
                           or 0) + 1
        return self._batch

    def event(self, entity: str, entity_id: Any, action: str,
              before: dict | None = None, after: dict | None = None, *,
              table: str | None = None) -> None:
        """Append one audit event (the only way rows get into `events`); `table` names the
        table the row comes from, for redaction."""
        self.db.execute(
            "INSERT INTO events (at, actor, actor_id, entity, entity_id, action, before, after,"
            " batch) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [utcnow(), self.actor.username, self.actor.user_id, entity,
             None if entity_id is None else str(entity_id), action,
             _jsonable(before, table), _jsonable(after, table), self.batch],
        )

    def get(self, table: str, pk: Any) -> dict | None:
        """The row with primary key `pk`, or None."""
        from sqlite_utils.db import NotFoundError

        try:
            return dict(self.db.table(table).get(pk))
        except NotFoundError:
            return None

    def insert(self, table: str, row: dict, *, entity: str | None = None) -> Any:
        """Insert a row and log it; returns the new primary key."""
        tbl = self.db.table(table)
        tbl.insert(row)
        pk = row.get("id", tbl.last_pk)
        self.event(entity or table, pk, "create", None, self.get(table, pk) or row, table=table)
        return pk

    def update(self, table: str, pk: Any, changes: dict, *, entity: str | None = None) -> dict:
        """Update a row and log only the fields that changed; returns the row after."""
        before = self.get(table, pk)
        if before is None:
            raise KeyError(f"{table} {pk} bestaat niet")
        changed = {k: v for k, v in changes.items() if before.get(k) != v}
        if changed:
            self.db.table(table).update(pk, changed)
            self.event(entity or table, pk, "update",
                       {k: before.get(k) for k in changed}, changed, table=table)
        return {**before, **changed}

    def delete(self, table: str, pk: Any, *, entity: str | None = None) -> None:
        """Delete a row and log what it held."""
        before = self.get(table, pk)
        if before is None:
            return
        self.db.table(table).delete(pk)
        self.event(entity or table, pk, "delete", before, None, table=table)

    def insert_all(self, table: str, rows: list[dict], summary: dict, *,
                   entity: str | None = None) -> None:
        """Insert many rows that belong to one parent (the turns of a transcript) and log one
        event with `summary` and the count: a row per event would bury the log."""
        if rows:
            # One executemany: sqlite-utils' insert_all inspects and converts every value in
            # Python, a tenth of a transcript's import; these rows share their (scalar) columns.
            columns = list(rows[0])
            names = ", ".join(f'"{column}"' for column in columns)
            marks = ", ".join("?" * len(columns))
            self.db.conn.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})',
                                     [tuple(row[c] for c in columns) for row in rows])
        self.event(entity or table, None, "create", None, {**summary, "aantal": len(rows)},
                   table=table)

    def link(self, table: str, row: dict, *, entity: str | None = None) -> None:
        """Insert a row of a link table (no single primary key) and log it."""
        self.db.table(table).insert(row)
        self.event(entity or table, None, "create", None, row, table=table)

    def unlink(self, table: str, where: dict, *, entity: str | None = None) -> None:
        """Delete the rows of a link table matching `where` and log each."""
        clause = " AND ".join(f"[{k}] = ?" for k in where)
        rows = list(self.db.query(f"SELECT * FROM [{table}] WHERE {clause}", list(where.values())))
        if rows:
            self.db.execute(f"DELETE FROM [{table}] WHERE {clause}", list(where.values()))
        for row in rows:
            self.event(entity or table, None, "delete", row, None, table=table)


class Store:
    """The application's database. One connection per thread (Streamlit runs a thread per
    session), opened lazily with WAL, foreign keys and a busy timeout."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._local = threading.local()

    def __reduce__(self):
        # A Store goes to the worker process as its path; the worker opens its own connection.
        return Store, (str(self.path),)

    # -- connections ---------------------------------------------------------------------
    @property
    def db(self) -> sqlite_utils.Database:
        """This thread's sqlite-utils Database."""
        db = getattr(self._local, "db", None)
        if db is None:
            import sqlite_utils

            db = self._local.db = sqlite_utils.Database(connect(self.path))
        return db

    def close(self) -> None:
        """Close this thread's connection (others close when their thread ends)."""
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # -- reading -------------------------------------------------------------------------
    def rows(self, sql: str, params: Params = ()) -> list[dict]:
        """Run a read query and return its rows as dicts."""
        return self._retry(lambda: [dict(r) for r in self.db.query(sql, params)])

    def table(self, sql: str, params: Params = ()) -> tuple[list[str], list[tuple]]:
        """Run a read query and return its column names and its rows as tuples: for reads of
        many rows (a dict per row costs more than the query)."""
        def read() -> tuple[list[str], list[tuple]]:
            cursor = self.db.execute(sql, params)
            return [d[0] for d in cursor.description], cursor.fetchall()

        return self._retry(read)

    def one(self, sql: str, params: Params = ()) -> dict | None:
        """The first row of a read query, or None."""
        found = self.rows(sql, params)
        return found[0] if found else None

    def value(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row of a read query, or None."""
        row = self.one(sql, params)
        return next(iter(row.values())) if row else None

    # -- writing -------------------------------------------------------------------------
    def write(self, actor: Actor, fn: Callable[[Tx], T]) -> T:
        """Run `fn(tx)` in one IMMEDIATE transaction and commit; roll back on any error.

        If another process holds the write lock past the busy timeout, the whole unit is
        retried with backoff, so `fn` must only touch the database. A nested call joins the
        transaction already open on this thread.
        """
        db = self.db
        if db.conn.in_transaction:
            # A nested unit joins the open one, and its batch: together they are one action.
            return fn(Tx(db, actor, getattr(self._local, "tx", None)))

        def attempt() -> T:
            db.conn.execute("BEGIN IMMEDIATE")
            self._local.tx = Tx(db, actor)
            try:
                actor.verify(db)  # under the write lock: the account cannot change meanwhile
                result = fn(self._local.tx)
                db.conn.execute("COMMIT")
                return result
            except BaseException:
                if db.conn.in_transaction:
                    db.conn.execute("ROLLBACK")
                raise
            finally:
                self._local.tx = None

        return self._retry(attempt)

    def _retry(self, work: Callable[[], T]) -> T:
        for attempt in range(WRITE_ATTEMPTS):
            try:
                return work()
            except sqlite3.OperationalError as error:
                if is_full(error):
                    # SQLite rolled the transaction back: nothing of it is in the file.
                    raise StorageError("full", DISK_FULL) from error
                if not is_busy(error):
                    raise
                if attempt == WRITE_ATTEMPTS - 1:
                    raise StorageError(
                        "locked",
                        "De database is langere tijd bezet door een ander proces. "
                        "Er is niets opgeslagen; probeer het zo opnieuw.",
                    ) from error
                # Jittered backoff so that competing writers do not retry in lock-step.
                time.sleep(min(2.0, 0.05 * 2 ** attempt) * (0.5 + random.random()))
        raise AssertionError("unreachable")


def connect(path: Path) -> sqlite3.Connection:
    """Open a SQLite connection with the project's settings (WAL, foreign keys, busy timeout)."""
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def check_file(path: Path, *, writable: bool = True, thorough: bool = False) -> None:
    """Refuse, with a Dutch message, a database file that cannot safely be used.

    Checks happen before anything is written, so a bad file is never overwritten. With
    `writable=False` (a backup to read from) write access is not required; `thorough` also
    reads every page (SQLite's quick_check: before a migration or a restore, not on every
    open, since it takes seconds on a large file).

    The file is only ever opened by SQLite, never by Python's open(): on Linux, closing any
    descriptor of a file drops every POSIX lock the process holds on it, those of its live
    SQLite connections included, and another process can then reset the WAL under them
    (sqlite.org/howtocorrupt.html, 2.2). SQLite itself defers such closes."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise StorageError("readonly", f"{path} is een map, geen databasebestand.")
    if not path.exists():
        if not folder.exists() or not os.access(folder, os.W_OK):
            raise StorageError("readonly", f"De map {folder} bestaat niet of is niet schrijfbaar; "
                                           "de database kan daar niet worden aangemaakt.")
        return
    if writable and (not os.access(path, os.W_OK) or not os.access(folder, os.W_OK)):
        raise StorageError("readonly", f"Het databasebestand {path.name} is alleen-lezen. "
                                       "Geef schrijfrechten op het bestand en de map, "
                                       "of kies een ander bestand met RESEARCH_DB.")
    if path.stat().st_size == 0:
        return  # an empty file is a new database to SQLite
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            # Reading the schema reads the header: another program's file fails here.
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            result = conn.execute("PRAGMA quick_check").fetchone()[0] if thorough else "ok"
        finally:
            conn.close()
    except sqlite3.OperationalError as error:
        if is_busy(error):
            raise StorageError("locked", "De database is vergrendeld door een ander proces. "
                               "Sluit dat proces of probeer het later opnieuw.") from error
        raise StorageError("corrupt", f"{path.name} kan niet worden gelezen ({error}). "
                                      "Het bestand is niet aangeraakt.") from error
    except sqlite3.DatabaseError as error:
        if "not a database" in str(error):
            raise StorageError("corrupt", f"{path.name} is geen SQLite-database of is "
                                          "beschadigd. Het bestand is niet aangeraakt; zet een "
                                          "back-up terug met `python -m research restore`."
                               ) from error
        raise StorageError("corrupt", f"{path.name} is beschadigd ({error}). "
                                      "Het bestand is niet aangeraakt; zet een back-up terug "
                                      "met `python -m research restore`.") from error
    if result != "ok":
        raise StorageError("corrupt", f"{path.name} is beschadigd (controle: {result}). "
                                      "Het bestand is niet aangeraakt; zet een back-up terug.")
