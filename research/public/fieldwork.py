"""The fieldwork file: what the public door knows of an online questionnaire, and the answers
it takes in.

The file lies beside the app's database (`<naam>-veldwerk.db`). The app
(`research.survey.invitations`) writes into it the questionnaire of an open fieldwork and one
row per personal link: the SHA-256 of the link's code (never the code), the name the
respondent sees (their gemeente) and the fieldwork it belongs to. The door writes a link's
answers into its own row as the respondent saves, and reads nothing but that row and its
questionnaire: every query of the door names the code's hash. The app reads the answers back
for the live response and, on closing, moves them into the wave and deletes them here.

The door imports nothing of the app but this package; the file is private to the user that
runs both processes (mode 0600): it holds answers.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from datetime import date, datetime, timezone
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS fieldworks (
  id INTEGER PRIMARY KEY,
  title TEXT NOT NULL,
  closes_on TEXT NOT NULL,
  status TEXT NOT NULL,
  questionnaire TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS links (
  code_hash TEXT PRIMARY KEY,
  fieldwork_id INTEGER NOT NULL,
  label TEXT NOT NULL,
  answers TEXT NOT NULL DEFAULT '{}',
  page INTEGER NOT NULL DEFAULT 0,
  opened_at TEXT,
  saved_at TEXT,
  submitted_at TEXT
);
CREATE INDEX IF NOT EXISTS links_fieldwork ON links (fieldwork_id);
"""
OPEN = "open"
CLOSED = "gesloten"


def path_beside(db_path: Path) -> Path:
    """The fieldwork file that belongs to a database file."""
    return db_path.with_name(f"{db_path.stem}-veldwerk.db")


def code_hash(code: str) -> str:
    """What the file keeps of a link's code."""
    return hashlib.sha256(code.encode("ascii", "replace")).hexdigest()


def now() -> str:
    """The current time as stored (ISO 8601, UTC, seconds)."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _connect(path: Path) -> sqlite3.Connection:
    """The file opened for reading and writing, created (0600) with its tables if new."""
    new = not path.exists()
    conn = sqlite3.connect(str(path), timeout=10.0)
    if new:
        os.chmod(path, 0o600)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA busy_timeout = 10000")
    conn.executescript(SCHEMA)
    return conn


def _run(path: Path, work):
    """`work(conn)` in one transaction on the file; the connection is closed afterwards."""
    conn = _connect(path)
    try:
        with conn:
            return work(conn)
    finally:
        conn.close()


# -- in backups ---------------------------------------------------------------------------------
# A backup is one database file; while a fieldwork is open its answers live only here. So a
# backup copy carries this file's tables (as veldwerk_<table>), and a restore puts them back.

TABLES = ("fieldworks", "links")


def copy_into_backup(path: Path, backup_path: Path) -> None:
    """Add this file's tables to a backup copy of the database (nothing when there is none)."""
    if not path.exists():
        return
    conn = sqlite3.connect(str(backup_path), uri=True)
    try:
        conn.execute("ATTACH DATABASE ? AS veldwerk", [f"{path.resolve().as_uri()}?mode=ro"])
        with conn:
            for table in TABLES:
                conn.execute(f"DROP TABLE IF EXISTS main.veldwerk_{table}")
                conn.execute(f"CREATE TABLE main.veldwerk_{table} AS SELECT * FROM"
                             f" veldwerk.{table}")
        conn.execute("DETACH DATABASE veldwerk")
    finally:
        conn.close()


def restore_from_database(path: Path, db_path: Path) -> None:
    """After a restore: make this file hold what the restored database carried (its
    veldwerk_ tables; none for a backup without them) and take those tables out of it."""
    carried = _carried_tables(db_path)
    if not carried and not path.exists():
        return
    conn = _connect(path)
    try:
        conn.execute("ATTACH DATABASE ? AS restored", [str(db_path)])
        with conn:
            for table in TABLES:
                conn.execute(f"DELETE FROM main.{table}")
                if table in carried:
                    conn.execute(f"INSERT INTO main.{table} SELECT * FROM"
                                 f" restored.veldwerk_{table}")
                    conn.execute(f"DROP TABLE restored.veldwerk_{table}")
        conn.execute("DETACH DATABASE restored")
    finally:
        conn.close()


def _carried_tables(db_path: Path) -> set[str]:
    """Which of this file's tables a database carries (as veldwerk_<table>)."""
    conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        names = {row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()
    return {table for table in TABLES if f"veldwerk_{table}" in names}


# -- the app's side ---------------------------------------------------------------------------

def put_fieldwork(path: Path, fieldwork_id: int, title: str, closes_on: str,
                  questionnaire: list[dict], status: str = OPEN) -> None:
    """Write (or replace) a fieldwork's questionnaire, closing date and status."""
    _run(path, lambda conn: conn.execute(
        "INSERT INTO fieldworks VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
        " title = excluded.title, closes_on = excluded.closes_on, status = excluded.status,"
        " questionnaire = excluded.questionnaire",
        [fieldwork_id, title, closes_on, status,
         json.dumps(questionnaire, ensure_ascii=False)]))


def set_state(path: Path, fieldwork_id: int, *, closes_on: str | None = None,
              status: str | None = None) -> None:
    """Change a fieldwork's closing date or status (what the door checks on every request)."""
    def apply(conn: sqlite3.Connection) -> None:
        if closes_on is not None:
            conn.execute("UPDATE fieldworks SET closes_on = ? WHERE id = ?",
                         [closes_on, fieldwork_id])
        if status is not None:
            conn.execute("UPDATE fieldworks SET status = ? WHERE id = ?", [status, fieldwork_id])
    _run(path, apply)


def put_links(path: Path, fieldwork_id: int, links: list[tuple[str, str]]) -> None:
    """Add links as (code, label) (a known code keeps its answers; its label is updated)."""
    _run(path, lambda conn: conn.executemany(
        "INSERT INTO links (code_hash, fieldwork_id, label) VALUES (?, ?, ?)"
        " ON CONFLICT (code_hash) DO UPDATE SET label = excluded.label",
        [(code_hash(code), fieldwork_id, label) for code, label in links]))


def remove_links(path: Path, codes: list[str]) -> None:
    """Take links out (their answers go with them)."""
    _run(path, lambda conn: conn.executemany("DELETE FROM links WHERE code_hash = ?",
                                             [(code_hash(code),) for code in codes]))


def remove_fieldwork(path: Path, fieldwork_id: int) -> None:
    """Delete a fieldwork and every answer of it (after closing moved them into the wave)."""
    if not path.exists():
        return

    def apply(conn: sqlite3.Connection) -> None:
        conn.execute("DELETE FROM links WHERE fieldwork_id = ?", [fieldwork_id])
        conn.execute("DELETE FROM fieldworks WHERE id = ?", [fieldwork_id])
    _run(path, apply)


def link_states(path: Path, fieldwork_id: int) -> dict[str, dict]:
    """Per code hash: answers (decoded), page, opened_at, saved_at, submitted_at."""
    if not path.exists():
        return {}
    rows = _run(path, lambda conn: conn.execute(
        "SELECT code_hash, answers, page, opened_at, saved_at, submitted_at FROM links"
        " WHERE fieldwork_id = ?", [fieldwork_id]).fetchall())
    return {row[0]: {"answers": json.loads(row[1]), "page": row[2], "opened_at": row[3],
                     "saved_at": row[4], "submitted_at": row[5]} for row in rows}


# -- the door's side --------------------------------------------------------------------------

def is_open(fieldwork: dict, today: date | None = None) -> bool:
    """Whether a fieldwork takes answers: open, and its closing date not passed."""
    today = today or date.today()
    return fieldwork["status"] == OPEN and today.isoformat() <= fieldwork["closes_on"]


def link(path: Path, code: str, today: date | None = None) -> dict | None:
    """A link's own row and its fieldwork's questionnaire, or None for an unknown code, a
    closed fieldwork and one past its closing date alike. Marks the link opened."""
    if not path.exists():
        return None
    digest = code_hash(code)

    def read(conn: sqlite3.Connection):
        row = conn.execute(
            "SELECT l.label, l.answers, l.page, l.submitted_at, f.id, f.title, f.closes_on,"
            " f.status, f.questionnaire FROM links l JOIN fieldworks f ON f.id = l.fieldwork_id"
            " WHERE l.code_hash = ?", [digest]).fetchone()
        if row is not None:
            conn.execute("UPDATE links SET opened_at = coalesce(opened_at, ?)"
                         " WHERE code_hash = ?", [now(), digest])
        return row

    row = _run(path, read)
    if row is None:
        return None
    found = {"label": row[0], "answers": json.loads(row[1]), "page": row[2],
             "submitted_at": row[3], "fieldwork_id": row[4], "title": row[5],
             "closes_on": row[6], "status": row[7], "questionnaire": json.loads(row[8])}
    return found if is_open(found, today) else None


def save(path: Path, code: str, answers: dict, page: int, submit: bool = False,
         today: date | None = None) -> bool:
    """Store a link's answers and where it is (and, with `submit`, that it was sent), in one
    step that checks again that the fieldwork is open; False when it is not (nothing saved)."""
    digest = code_hash(code)

    def write(conn: sqlite3.Connection) -> bool:
        # The write lock before the check: closing (which sets the status first, then reads
        # the answers) never misses an answer saved while it closes.
        conn.execute("BEGIN IMMEDIATE")
        row = conn.execute("SELECT f.status, f.closes_on FROM links l JOIN fieldworks f"
                           " ON f.id = l.fieldwork_id WHERE l.code_hash = ?",
                           [digest]).fetchone()
        if row is None or not is_open({"status": row[0], "closes_on": row[1]}, today):
            return False
        stamp = now()
        conn.execute("UPDATE links SET answers = ?, page = ?, saved_at = ?,"
                     " submitted_at = CASE WHEN ? THEN ? ELSE submitted_at END"
                     " WHERE code_hash = ?",
                     [json.dumps(answers, ensure_ascii=False), page, stamp, submit, stamp,
                      digest])
        return True

    return bool(path.exists() and _run(path, write))
