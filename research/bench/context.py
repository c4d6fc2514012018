"""What every operation of one scale run shares: the temporary database and its folder."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from research.bench.measure import Timing, timed
from research.bench.scales import Scale
from research.storage import Store, connect


@dataclass
class Context:
    """One scale's run: the store over a fresh database in a temporary folder."""

    store: Store
    folder: Path
    scale: Scale
    notes: list[str] = field(default_factory=list)

    @property
    def path(self) -> Path:
        return self.store.path

    def timed(self, fn, *, setup=None, warmup: int = 0, runs: int | None = None) -> Timing:
        """`measure.timed` with this scale's runs, minimum runs and time budget."""
        runs = runs or self.scale.runs
        return timed(fn, runs, setup=setup, warmup=warmup,
                     min_runs=min(runs, self.scale.min_runs), budget=self.scale.budget)

    def raw(self) -> sqlite3.Connection:
        """A plain sqlite3 connection with the app's settings (for the baselines)."""
        return connect(self.path)


def plain_insert(conn: sqlite3.Connection, table: str, row: dict) -> None:
    """The write baseline: one row by a plain executemany, committed."""
    columns = ", ".join(row)
    marks = ", ".join("?" * len(row))
    conn.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", [list(row.values())])
    conn.commit()


def scratch_copy(conn: sqlite3.Connection, table: str) -> str:
    """An empty table with the columns of `table` (no indexes, triggers or constraints), for
    the plain-insert baseline; returns its name."""
    name = f"bench_{table}"
    conn.execute(f"DROP TABLE IF EXISTS {name}")
    conn.execute(f"CREATE TABLE {name} AS SELECT * FROM {table} WHERE 0")
    conn.commit()
    return name
