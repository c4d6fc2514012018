"""Bewonersvragen: residents' questions logged per wijkwerkplaats.

A coordinator logs and reads the questions of their own wijkwerkplaatsen; other roles with
`tracker.read` read all of them. No resident's name is stored: who asked is a group.
"""

from __future__ import annotations

from datetime import date

from research.accounts import PermissionDenied, User, can
from research.errors import UserError
from research.storage import Store, utcnow

ASKER_GROUPS = {
    "bewoner": "Bewoner",
    "bewonersinitiatief": "Bewonersinitiatief",
    "praktijkpartner": "Praktijkpartner",
    "vrijwilligersorganisatie": "Vrijwilligersorganisatie",
    "professional": "Professional (gemeente, zorg, school)",
    "anders": "Anders",
}
STATUSES = {"open": "Open", "gekoppeld": "Gekoppeld", "gesloten": "Gesloten"}
MAX_TEXT = 4000


class QuestionError(UserError):
    """A refused question, with a Dutch message."""


def visible_wijken(store: Store, user: User) -> list[str]:
    """The wijkwerkplaatsen whose questions this user may read."""
    if not can(user, "tracker.read"):
        return []
    if user.role == "coordinator":
        return list(user.wijken)
    return [r["id"] for r in store.rows("SELECT id FROM wijkwerkplaatsen ORDER BY name")]


def log_question(store: Store, user: User, *, wijk_id: str, asked_on: date, text: str,
                 asker_group: str, place: str = "", programme_id: str | None = None,
                 domain_id: str | None = None, today: date | None = None) -> int:
    """Record one bewonersvraag; returns its id."""
    if not can(user, "tracker.write", wijk_id):
        raise PermissionDenied("Je kunt alleen vragen vastleggen voor je eigen wijkwerkplaats.")
    text = text.strip()
    if not text:
        raise QuestionError("Schrijf de vraag op in de woorden van de bewoner.")
    if len(text) > MAX_TEXT:
        raise QuestionError(f"Een vraag is hoogstens {MAX_TEXT} tekens.")
    if asker_group not in ASKER_GROUPS:
        raise QuestionError("Kies wie de vraag stelde.")
    if asked_on > (today or date.today()):
        raise QuestionError("De datum ligt in de toekomst.")
    if not store.value("SELECT 1 FROM wijkwerkplaatsen WHERE id = ?", [wijk_id]):
        raise QuestionError("Onbekende wijkwerkplaats.")
    return store.write(user.actor, lambda tx: tx.insert("questions", {
        "wijk_id": wijk_id, "asked_on": asked_on.isoformat(), "place": place.strip() or None,
        "text": text, "asker_group": asker_group, "programme_id": programme_id or None,
        "domain_id": domain_id or None, "status": "open", "created_by": user.id,
        "created_at": utcnow()}, entity="question"))


def list_questions(store: Store, user: User, *, wijk_id: str | None = None,
                   programme_id: str | None = None, since: date | None = None,
                   until: date | None = None) -> list[dict]:
    """The questions this user may read, newest first, optionally filtered."""
    wijken = visible_wijken(store, user)
    if wijk_id is not None:
        wijken = [w for w in wijken if w == wijk_id]
    if not wijken:
        return []
    where = [f"q.wijk_id IN ({', '.join('?' * len(wijken))})"]
    params: list = list(wijken)
    if programme_id:
        where.append("q.programme_id = ?")
        params.append(programme_id)
    if since:
        where.append("q.asked_on >= ?")
        params.append(since.isoformat())
    if until:
        where.append("q.asked_on <= ?")
        params.append(until.isoformat())
    return store.rows(
        "SELECT q.id, q.asked_on, w.name AS wijkwerkplaats, q.place, q.text, q.asker_group,"
        " p.name AS programma, d.name AS leefdomein, q.status"
        " FROM questions q JOIN wijkwerkplaatsen w ON w.id = q.wijk_id"
        " LEFT JOIN programmes p ON p.id = q.programme_id"
        " LEFT JOIN life_domains d ON d.id = q.domain_id"
        f" WHERE {' AND '.join(where)} ORDER BY q.asked_on DESC, q.id DESC", params)


def count_by_programme(store: Store, user: User) -> list[dict]:
    """Per wijkwerkplaats and programme, how many questions this user may read."""
    wijken = visible_wijken(store, user)
    if not wijken:
        return []
    return store.rows(
        "SELECT w.name AS wijkwerkplaats, coalesce(p.name, '(geen programma)') AS programma,"
        " count(*) AS vragen FROM questions q JOIN wijkwerkplaatsen w ON w.id = q.wijk_id"
        " LEFT JOIN programmes p ON p.id = q.programme_id"
        f" WHERE q.wijk_id IN ({', '.join('?' * len(wijken))})"
        " GROUP BY w.name, p.name ORDER BY w.name, vragen DESC", wijken)
