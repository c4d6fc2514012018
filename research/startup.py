"""What every start does after the schema is migrated: taxonomies, the first admin, demo data."""

from __future__ import annotations

import os
from dataclasses import dataclass

from research import accounts, demo, taxonomies
from research.storage import Store
from research.tracker import ontwikkelvragen, questions


@dataclass(frozen=True)
class Prepared:
    admin_password: str | None  # generated for a new `admin`, to be shown once
    demo_loaded: bool           # demo data were loaded by this call


def prepare(store: Store, *, with_demo: bool = False) -> Prepared:
    """Load the taxonomies, give questions from before migration 0002 their lemmas, create
    `admin` when there is no beheerder, and optionally the demo.

    The admin password comes from RESEARCH_ADMIN_PASSWORD when set, else it is generated.
    """
    taxonomies.load(store)
    ontwikkelvragen.load_workflow(store)
    questions.fill_lemmas(store)
    password = accounts.ensure_admin(store, os.environ.get("RESEARCH_ADMIN_PASSWORD") or None)
    loaded = demo.load(store) if with_demo else False
    return Prepared(password, loaded)


def admin_password_notice(password: str) -> str:
    """The terminal text that shows a generated admin password once."""
    return ("\n  Het account 'admin' is aangemaakt met dit wachtwoord"
            " (wordt maar één keer getoond):\n"
            f"\n      {password}\n\n"
            "  Wijzig het na het inloggen onder 'Mijn account'.\n")
