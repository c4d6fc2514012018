"""Shared fixtures: a fresh database per test, and one account per role."""

from __future__ import annotations

import time

import pytest
from argon2 import PasswordHasher

from research import accounts
from research.accounts import SYSTEM_USER
from research.schema import open_store
from research.setup import prepare

PASSWORD = "correct-paard-batterij"


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch):
    """Argon2id at minimal cost in tests, so that per-test accounts are quick to make
    (test_accounts checks the production parameters separately)."""
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=8,
                                                            parallelism=1))


@pytest.fixture
def db_path(tmp_path, monkeypatch):
    """Path of a new database file, also exported as RESEARCH_DB for pages and commands."""
    path = tmp_path / "research.db"
    monkeypatch.setenv("RESEARCH_DB", str(path))
    monkeypatch.setenv("RESEARCH_ADMIN_PASSWORD", PASSWORD)
    return path


@pytest.fixture
def store(db_path):
    """A migrated database with the taxonomies and the account `admin` (no demo data)."""
    store = open_store(db_path)
    prepare(store)
    yield store
    store.close()


@pytest.fixture
def demo_store(db_path):
    """A migrated database with the demo data loaded."""
    store = open_store(db_path)
    prepare(store, with_demo=True)
    yield store
    store.close()


def make_users(store) -> dict[str, accounts.User]:
    """One account per role (the coordinator belongs to Noord), all with PASSWORD."""
    made = {"beheerder": accounts.find_user(store, "admin")}
    for name, role, wijken in [("olga", "onderzoeker", ()), ("anna", "analist", ()),
                               ("coby", "coordinator", ("noord",)), ("lex", "lezer", ())]:
        made[role] = accounts.create_user(store, SYSTEM_USER, name, role, PASSWORD, wijken=wijken)
    return made


@pytest.fixture
def users(store):
    return make_users(store)


def logged_in(user: accounts.User) -> dict:
    """The session-state entry that the login gate leaves for a logged-in user."""
    return {"user_id": user.id, "last_seen": time.time()}


@pytest.fixture
def qual(store, users):
    """A qualitative project led by the onderzoeker olga, with the lezer lex as a member;
    returns its id."""
    from research.qual import projects

    project_id = projects.create_project(store, users["onderzoeker"], "Buurtkamers", "Verkenning")
    projects.add_member(store, users["onderzoeker"], project_id, users["lezer"].id)
    return project_id
