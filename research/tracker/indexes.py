"""Indexes of a wijkwerkplaats's questions kept in memory between searches, one per database
and wijk, as the lexical ranking (`similarity`) and the ranking by meaning (`embedding`) keep
them.

An index covers the questions up to its last id. Before it is used again, one query checks
that those rows are as they were (their count and the total length of the column the index
reads); new questions are then added to it, anything else builds it anew. Emptying the cache
(`forget`) is what a restart of the app does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from research.storage import Store

T = TypeVar("T")


@dataclass
class _Entry(Generic[T]):
    state: tuple[int, float]   # (count, total length of the column) of the rows up to max_id
    max_id: int
    index: T


class QuestionIndexes(Generic[T]):
    """Per (database, wijk): `build(store, rows)` makes an index (None: nothing to search),
    and `extend(store, index, added)` adds new rows to it, or returns False to have it built
    anew.
    Rows have id, text and lemmas; `column` is the one whose length the check sums."""

    def __init__(self, column: str, build: Callable[[Store, list[dict]], T | None],
                 extend: Callable[[Store, T, list[dict]], bool]):
        self._column = column
        self._build = build
        self._extend = extend
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str], _Entry[T]] = {}

    def get(self, store: Store, wijk_id: str) -> T | None:
        """The wijk's index, up to date with its questions."""
        key = (str(store.path), wijk_id)
        column = self._column
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                old = store.one(f"SELECT count(*) AS n, total(length({column})) AS size"
                                " FROM questions WHERE wijk_id = ? AND id <= ?",
                                [wijk_id, entry.max_id])
                assert old is not None  # an aggregate has one row
                if (old["n"], old["size"]) == entry.state:
                    added = store.rows("SELECT id, text, lemmas FROM questions"
                                       " WHERE wijk_id = ? AND id > ? ORDER BY id",
                                       [wijk_id, entry.max_id])
                    if not added:
                        return entry.index
                    if self._extend(store, entry.index, added):
                        entry.max_id = added[-1]["id"]
                        entry.state = (entry.state[0] + len(added), entry.state[1]
                                       + sum(len(r[column]) for r in added))
                        return entry.index
            rows = store.rows("SELECT id, text, lemmas FROM questions WHERE wijk_id = ?"
                              " ORDER BY id", [wijk_id])
            index = self._build(store, rows) if rows else None
            if index is None:
                self._entries.pop(key, None)
                return None
            self._entries[key] = _Entry((len(rows), float(sum(len(r[column]) for r in rows))),
                                        rows[-1]["id"], index)
            return index

    def forget(self) -> None:
        """Empty the cache (what a restart does)."""
        with self._lock:
            self._entries.clear()
