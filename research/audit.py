"""Reading the audit trail (the append-only `events` table) for the Beheer section."""

from __future__ import annotations

from datetime import date, timedelta

from research.accounts import User, require
from research.storage import Store


def filter_options(store: Store, user: User) -> dict[str, list[str]]:
    """The actors and entities that occur in the log, for filter menus."""
    require(user, "admin")
    return {
        "actors": [r["actor"] for r in store.rows(
            "SELECT DISTINCT actor FROM events ORDER BY actor")],
        "entities": [r["entity"] for r in store.rows(
            "SELECT DISTINCT entity FROM events ORDER BY entity")],
    }


def events(store: Store, user: User, *, actor: str | None = None, entity: str | None = None,
           since: date | None = None, until: date | None = None, limit: int = 500) -> list[dict]:
    """The newest events matching the filters (dates inclusive, in UTC)."""
    require(user, "admin")
    where, params = [], []
    if actor:
        where.append("actor = ?")
        params.append(actor)
    if entity:
        where.append("entity = ?")
        params.append(entity)
    if since:
        where.append("at >= ?")
        params.append(since.isoformat())
    if until:
        where.append("at < ?")
        params.append((until + timedelta(days=1)).isoformat())
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    return store.rows(
        "SELECT id, at, actor, entity, entity_id, action, before, after FROM events"
        f" {clause} ORDER BY id DESC LIMIT ?", [*params, limit])
