"""Reading the audit trail: filters by actor, entity and dates; beheerders only."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import PASSWORD
from research import accounts, audit, storage
from research.accounts import PermissionDenied


@pytest.fixture
def history(store, users, monkeypatch):
    """Four events at known moments in 2020 (long before the fixture's own events)."""
    olga, anna = users["onderzoeker"], users["analist"]
    real_utcnow = storage.utcnow
    for at, user, entity, entity_id in [
        ("2020-01-10T09:00:00+00:00", olga, "projects", 1),
        ("2020-01-31T23:59:59+00:00", olga, "codes", 2),
        ("2020-02-01T00:00:00+00:00", anna, "projects", 3),
        ("2020-02-15T12:00:00+00:00", anna, "monitors", 4),
    ]:
        monkeypatch.setattr(storage, "utcnow", lambda at=at: at)
        store.write(user.actor, lambda tx, e=entity, i=entity_id: tx.event(e, i, "create"))
    monkeypatch.setattr(storage, "utcnow", real_utcnow)
    return users["beheerder"]


def summary(rows) -> list[tuple]:
    return [(r["at"][:10], r["actor"], r["entity"], r["entity_id"]) for r in rows]


def test_filter_by_actor(store, history):
    assert summary(audit.events(store, history, actor="olga")) == [
        ("2020-01-31", "olga", "codes", "2"), ("2020-01-10", "olga", "projects", "1")]
    assert audit.events(store, history, actor="niemand") == []


def test_filter_by_entity(store, history):
    assert summary(audit.events(store, history, entity="projects")) == [
        ("2020-02-01", "anna", "projects", "3"), ("2020-01-10", "olga", "projects", "1")]


def test_filter_by_dates_inclusive(store, history):
    assert summary(audit.events(store, history, since=date(2020, 1, 11),
                                until=date(2020, 1, 31))) == [
        ("2020-01-31", "olga", "codes", "2")]
    assert summary(audit.events(store, history, since=date(2020, 1, 10),
                                until=date(2020, 2, 1))) == [
        ("2020-02-01", "anna", "projects", "3"), ("2020-01-31", "olga", "codes", "2"),
        ("2020-01-10", "olga", "projects", "1")]
    assert summary(audit.events(store, history, until=date(2020, 1, 30))) == [
        ("2020-01-10", "olga", "projects", "1")]
    # Everything else in the log (the fixture's accounts and taxonomies) is newer.
    newer = audit.events(store, history, since=date(2020, 2, 16))
    assert len(newer) == store.value("SELECT count(*) FROM events") - 4
    assert all(r["at"] >= "2020-02-16" for r in newer)


def test_filters_combine(store, history):
    assert summary(audit.events(store, history, actor="anna", entity="projects",
                                since=date(2020, 2, 1), until=date(2020, 2, 1))) == [
        ("2020-02-01", "anna", "projects", "3")]
    assert audit.events(store, history, actor="olga", entity="monitors") == []


def test_newest_first_and_limit(store, history):
    rows = audit.events(store, history, limit=3)
    assert len(rows) == 3
    assert [r["id"] for r in rows] == sorted((r["id"] for r in rows), reverse=True)
    assert rows[0]["id"] == store.value("SELECT max(id) FROM events")
    assert set(rows[0]) == {"id", "at", "actor", "entity", "entity_id", "action", "before",
                            "after"}


def test_filter_options(store, history):
    options = audit.filter_options(store, history)
    assert options["actors"] == ["anna", "olga", "systeem"]
    assert options["entities"] == ["codes", "life_domains", "monitors", "ov_statuses",
                                   "ov_transitions", "programmes", "projects", "user_wijken",
                                   "users", "wijkwerkplaatsen"]


@pytest.mark.parametrize("role", ["onderzoeker", "analist", "coordinator", "lezer"])
def test_non_admin_is_refused(store, users, role):
    with pytest.raises(PermissionDenied) as raised:
        audit.events(store, users[role])
    assert raised.value.message == "Je hebt geen toegang tot dit onderdeel."
    with pytest.raises(PermissionDenied):
        audit.filter_options(store, users[role])


def test_disabled_beheerder_is_refused(store, users):
    second = accounts.create_user(store, accounts.SYSTEM_USER, "tweede", "beheerder",
                                  "lang-genoeg-wachtwoord")
    disabled = accounts.update_user(store, users["beheerder"], second.id, active=False)
    with pytest.raises(PermissionDenied):
        audit.events(store, disabled)
    assert audit.events(store, users["beheerder"], actor="systeem", limit=1)


def test_actor_of_a_login_is_recorded(store, users):
    accounts.authenticate(store, "lex", PASSWORD)
    (row,) = audit.events(store, users["beheerder"], actor="lex")
    assert (row["entity"], row["entity_id"], row["action"]) == (
        "session", str(users["lezer"].id), "login")
