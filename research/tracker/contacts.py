"""Contact details of residents who want to hear back: only with recorded consent.

They live in their own table, readable only by a coordinator of the question's
wijkwerkplaats and by beheerders, are never part of an export, never enter the audit log
(storage.REDACTED_COLUMNS), and are erased a set time after the question is closed.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from research.accounts import PermissionDenied, User, can
from research.errors import UserError
from research.storage import Actor, Store, utcnow
from research.tracker.questions import get_question

RETENTION_DAYS = 365
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ContactError(UserError):
    """A refused contact action, with a Dutch message."""


def may_see(user: User, wijk_id: str) -> bool:
    """Contact details: the coordinator of that wijkwerkplaats and beheerders only."""
    return can(user, "admin") or (user.role == "coordinator"
                                  and can(user, "tracker.write", wijk_id))


def save_contact(store: Store, user: User, question_id: int, *, consent_text: str,
                 name: str = "", phone: str = "", email: str = "", note: str = "",
                 today: date | None = None) -> None:
    """Store how a resident wants to be reached, with the consent they gave."""
    question = get_question(store, user, question_id)
    if not may_see(user, question["wijk_id"]):
        raise PermissionDenied("Alleen de coördinator van deze wijkwerkplaats legt "
                               "contactgegevens vast.")
    consent_text = consent_text.strip()
    if not consent_text:
        raise ContactError("Leg vast hoe de bewoner toestemming gaf; zonder toestemming "
                           "worden geen contactgegevens bewaard.")
    name, phone, email, note = (v.strip() for v in (name, phone, email, note))
    if not (phone or email):
        raise ContactError("Geef een telefoonnummer of e-mailadres.")
    if email and not EMAIL.match(email):
        raise ContactError(f"'{email}' is geen geldig e-mailadres.")
    if phone and not (re.fullmatch(r"[+()\d\s-]{6,20}", phone)
                      and sum(c.isdigit() for c in phone) >= 6):
        raise ContactError(f"'{phone}' is geen geldig telefoonnummer.")
    row = {"question_id": question_id, "name": name or None, "phone": phone or None,
           "email": email or None, "note": note or None,
           "consent_on": (today or date.today()).isoformat(), "consent_text": consent_text,
           "created_by": user.id, "created_at": utcnow()}

    def apply(tx) -> None:
        tx.delete("question_contacts", question_id, entity="contact")
        tx.insert("question_contacts", row, entity="contact")
    store.write(user.actor, apply)


def get_contact(store: Store, user: User, question_id: int) -> dict | None:
    """The contact details of a question, for those allowed to see them; None if there are none."""
    question = get_question(store, user, question_id)
    if not may_see(user, question["wijk_id"]):
        raise PermissionDenied("Contactgegevens zijn alleen zichtbaar voor de coördinator van "
                               "deze wijkwerkplaats en voor beheerders.")
    return store.one("SELECT * FROM question_contacts WHERE question_id = ?", [question_id])


def delete_contact(store: Store, user: User, question_id: int) -> None:
    """Erase a resident's contact details now (e.g. on their request)."""
    question = get_question(store, user, question_id)
    if not may_see(user, question["wijk_id"]):
        raise PermissionDenied()
    store.write(user.actor, lambda tx: tx.delete("question_contacts", question_id,
                                                 entity="contact"))


def purge(store: Store, actor: Actor, today: date | None = None,
          retention_days: int = RETENTION_DAYS) -> int:
    """Erase the contact details of questions closed more than `retention_days` ago.

    Leaves one audit event with the number erased (never the details); returns that number.
    """
    cutoff = ((today or date.today()) - timedelta(days=retention_days)).isoformat()
    due = [r["question_id"] for r in store.rows(
        "SELECT c.question_id FROM question_contacts c JOIN questions q ON q.id = c.question_id"
        " WHERE q.closed_at IS NOT NULL AND q.closed_at < ? ORDER BY c.question_id", [cutoff])]

    def apply(tx) -> None:
        for question_id in due:
            tx.db.execute("DELETE FROM question_contacts WHERE question_id = ?", [question_id])
        tx.event("contact", None, "purge", after={
            "verwijderd": len(due), "gesloten_voor": cutoff, "bewaartermijn_dagen": retention_days})
    store.write(actor, apply)
    return len(due)
