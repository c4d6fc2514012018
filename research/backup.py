"""Consistent copies of the live database, and putting one back after checking it.

Both use SQLite's online backup API, which copies a consistent snapshot while other
connections keep reading and writing, and writes into a live database as one transaction.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from datetime import datetime
from pathlib import Path

import sqlite_utils

from research.errors import UserError
from research.public import fieldwork
from research.schema import applied, backup_copy, migrate, pending
from research.storage import Actor, StorageError, Store, check_file


class BackupError(UserError):
    """A refused backup or restore, with a Dutch message."""


def backup(store: Store, target: str | os.PathLike, actor: Actor) -> Path:
    """Write a consistent copy of the database to `target` (a file that does not exist yet)."""
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} bestaat al; kies een nieuwe bestandsnaam.")
    if target.resolve() == store.path.resolve():
        raise BackupError("Een back-up kan niet over de database zelf worden geschreven.")
    if not target.parent.exists():
        raise BackupError(f"De map {target.parent} bestaat niet.")
    partial = target.with_name(target.name + ".deel")
    try:
        partial.unlink(missing_ok=True)  # left by a backup that was killed halfway
        backup_copy(store.path, partial)
        # The answers of an open fieldwork, which live beside the database, go along.
        fieldwork.copy_into_backup(fieldwork.path_beside(store.path), partial)
        partial.replace(target)  # a copy interrupted halfway never carries the final name
    except (OSError, sqlite3.Error) as error:
        partial.unlink(missing_ok=True)
        raise BackupError(f"De back-up kon niet worden geschreven: {error}") from error
    store.write(actor, lambda tx: tx.event("database", None, "backup",
                                           after={"bestand": target.name}))
    return target


def backup_bytes(store: Store, actor: Actor) -> bytes:
    """A consistent copy of the database as bytes (for a download)."""
    with tempfile.TemporaryDirectory() as folder:
        path = backup(store, Path(folder) / "research-backup.db", actor)
        return path.read_bytes()


def check_backup(source: Path) -> list[str]:
    """Refuse a file that is not a readable database of this app; returns its migrations."""
    try:
        check_file(source, writable=False)
    except StorageError as error:
        raise BackupError(f"Dit bestand is geen bruikbare back-up: {error.message}") from error
    conn = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        db = sqlite_utils.Database(conn)
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if integrity != "ok":
            raise BackupError(f"De back-up is beschadigd ({integrity}).")
        if not {"migrations", "events", "users"} <= set(db.table_names()):
            raise BackupError("Dit bestand is geen back-up van deze app.")
        try:
            pending(db)
        except StorageError as error:
            raise BackupError(error.message) from error
        return applied(db)
    except sqlite3.DatabaseError as error:
        raise BackupError(f"Dit bestand is geen bruikbare back-up ({error}).") from error
    finally:
        conn.close()


def restore(store: Store, source: str | os.PathLike, actor: Actor) -> Path:
    """Replace the database's content by a checked backup; returns the safety copy of before.

    The current content is first copied beside the database, so a restore can be undone.
    An older backup is migrated to the current schema after it is put back.
    """
    source = Path(source)
    if not source.exists():
        raise BackupError(f"{source} bestaat niet.")
    check_backup(source)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    safety = store.path.with_name(f"{store.path.name}.voor-herstel-{stamp}")
    backup_copy(store.path, safety)
    answers = fieldwork.path_beside(store.path)
    if answers.exists():
        backup_copy(answers, answers.with_name(f"{answers.name}.voor-herstel-{stamp}"))
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(str(store.path), timeout=30)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    store.close()
    # The fieldwork answers the backup carried go back beside the database (before the
    # migrations, which know nothing of those tables).
    fieldwork.restore_from_database(answers, store.path)
    migrate(store.path)
    from research import sessions

    def restored(tx) -> None:
        tx.event("database", None, "restore", after={"bron": source.name,
                                                      "kopie_van_voor": safety.name})
        # The backup's open sessions may have ended since it was made: everyone logs in again.
        sessions.end_all(tx, sessions.RESTORED)

    store.write(actor, restored)
    # Data that migrations leave to living code (lemmas of questions from before 0002).
    from research.tracker import questions

    questions.fill_lemmas(store)
    return safety
