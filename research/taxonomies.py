"""The shared taxonomies (wijkwerkplaatsen, research programmes, life domains) from codebooks/.

The YAML files are the source; `load` upserts them into the database at init, so a changed
file updates names and keywords without touching the rows that refer to them.
"""

from __future__ import annotations

import json
from pathlib import Path

from research.config import CODEBOOKS_DIR, shipped_yaml
from research.storage import SYSTEM, Store, Tx

# file, top-level key, table, how a YAML entry becomes a row
SOURCES = {
    "wijkwerkplaatsen": ("wijkwerkplaatsen.yaml", lambda e: {
        "id": e["id"], "name": e["naam"], "stadsdeel": e.get("stadsdeel"),
        "description": e.get("omschrijving")}),
    "programmes": ("programmas.yaml", lambda e: {
        "id": e["id"], "name": e["naam"], "description": e.get("omschrijving"),
        "keywords": json.dumps(e.get("trefwoorden", []), ensure_ascii=False)}),
    "life_domains": ("leefdomeinen.yaml", lambda e: {
        "id": e["id"], "name": e["naam"], "description": e.get("omschrijving"),
        "keywords": json.dumps(e.get("trefwoorden", []), ensure_ascii=False)}),
}


def read(table: str, folder: Path = CODEBOOKS_DIR) -> list[dict]:
    """The rows for `table` as the YAML file in `folder` defines them."""
    filename, to_row = SOURCES[table]
    (entries,) = shipped_yaml(folder / filename).values()
    return [to_row(entry) for entry in entries]


def load(store: Store, folder: Path = CODEBOOKS_DIR) -> None:
    """Upsert every taxonomy into the database, logging only rows that are new or changed."""
    def apply(tx: Tx) -> None:
        for table in SOURCES:
            stored = {r["id"]: r for r in tx.db.query(f"SELECT * FROM {table}")}
            for row in read(table, folder):
                current = stored.get(row["id"])
                if current is None:
                    tx.insert(table, row)
                elif current != row:
                    tx.update(table, row["id"], row)
    store.write(SYSTEM, apply)


def _names(store: Store, table: str) -> dict[str, str]:
    return {r["id"]: r["name"] for r in store.rows(f"SELECT id, name FROM {table} ORDER BY name")}


def wijkwerkplaatsen(store: Store) -> dict[str, str]:
    """id -> name of the wijkwerkplaatsen."""
    return _names(store, "wijkwerkplaatsen")


def programmes(store: Store) -> dict[str, str]:
    """id -> name of the research programmes."""
    return _names(store, "programmes")


def life_domains(store: Store) -> dict[str, str]:
    """id -> name of the life domains."""
    return _names(store, "life_domains")
