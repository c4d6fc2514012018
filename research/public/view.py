"""The published view: the one file the public door reads.

A coordinator's *publish* writes one row per question here (`write`); *unpublish* deletes it
(`remove`), so a withdrawn question is gone from the public pages at the next request. The
file lies beside the app's database (`<naam>-openbaar.db`) but holds nothing else: the public
server is given this file's path and never the database's, opens it read-only, and imports
nothing of the app but this package (tests/test_architecture.py checks the imports).

Each row holds the entry as the public page shows it (JSON: summary, month, programme,
status, what was done, the ontwikkelvragen it fed), made by `research.tracker.publication`.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

SCHEMA = """CREATE TABLE IF NOT EXISTS public_questions (
  code TEXT PRIMARY KEY,
  wijk_id TEXT NOT NULL,
  wijk_name TEXT NOT NULL,
  asked_month TEXT NOT NULL,
  entry TEXT NOT NULL,
  published_at TEXT NOT NULL
)"""


def path_beside(db_path: Path) -> Path:
    """The published view that belongs to a database file."""
    return db_path.with_name(f"{db_path.stem}-openbaar.db")


def _writable(path: Path) -> sqlite3.Connection:
    new = not path.exists()
    conn = sqlite3.connect(str(path), timeout=10.0)
    if new:
        os.chmod(path, 0o644)   # public by design: the public server may run as another user
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(SCHEMA)
    return conn


def write(path: Path, code: str, wijk_id: str, wijk_name: str, asked_month: str, entry: dict,
          published_at: str) -> None:
    """Put (or replace) one published question."""
    conn = _writable(path)
    try:
        with conn:
            conn.execute("INSERT OR REPLACE INTO public_questions VALUES (?, ?, ?, ?, ?, ?)",
                         [code, wijk_id, wijk_name, asked_month,
                          json.dumps(entry, ensure_ascii=False), published_at])
    finally:
        conn.close()


def remove(path: Path, code: str) -> None:
    """Take one question out of the view (nothing to do when it is not there)."""
    if not path.exists():
        return
    conn = _writable(path)
    try:
        with conn:
            conn.execute("DELETE FROM public_questions WHERE code = ?", [code])
    finally:
        conn.close()


def _readonly(path: Path) -> sqlite3.Connection | None:
    """The view opened read-only (None when nothing was ever published)."""
    if not path.exists():
        return None
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0)


def question(path: Path, code: str) -> dict | None:
    """The published entry of one code, or None."""
    conn = _readonly(path)
    if conn is None:
        return None
    try:
        row = conn.execute("SELECT wijk_id, wijk_name, entry FROM public_questions"
                           " WHERE code = ?", [code]).fetchone()
    finally:
        conn.close()
    if row is None:
        return None
    return {"wijk_id": row[0], "wijk_name": row[1], **json.loads(row[2])}


def wijken(path: Path) -> list[tuple[str, str, int]]:
    """(id, name, count) of every wijkwerkplaats with published questions."""
    conn = _readonly(path)
    if conn is None:
        return []
    try:
        return conn.execute("SELECT wijk_id, wijk_name, count(*) FROM public_questions"
                            " GROUP BY wijk_id ORDER BY wijk_name").fetchall()
    finally:
        conn.close()


def of_wijk(path: Path, wijk_id: str) -> tuple[str, list[dict]] | None:
    """The name of a wijkwerkplaats and its published entries, newest question first."""
    conn = _readonly(path)
    if conn is None:
        return None
    try:
        rows = conn.execute("SELECT code, wijk_name, entry FROM public_questions"
                            " WHERE wijk_id = ? ORDER BY asked_month DESC, published_at DESC",
                            [wijk_id]).fetchall()
    finally:
        conn.close()
    if not rows:
        return None
    return rows[0][1], [{"code": code, **json.loads(entry)} for code, _, entry in rows]
