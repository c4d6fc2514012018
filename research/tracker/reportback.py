"""Report-back: whether and how residents heard what happened to their question.

Telling residents what became of their input is a step of the process, not a side effect, so
each report-back is a row (date, how, what was said) and questions still waiting for one after
a number of weeks are listed for the coordinator.
"""

from __future__ import annotations

from datetime import date, timedelta

from research.accounts import User, require
from research.errors import UserError
from research.storage import Store, utcnow
from research.tracker.questions import get_question, visible_wijken

CHANNELS = {
    "bijeenkomst": "Op een bijeenkomst",
    "persoonlijk": "Persoonlijk (telefoon, mail, gesprek)",
    "nieuwsbrief": "Nieuwsbrief of website",
    "anders": "Anders",
}


class ReportBackError(UserError):
    """A refused report-back, with a Dutch message."""


def record(store: Store, user: User, question_id: int, *, how: str, text: str,
           reported_on: date | None = None, today: date | None = None) -> int:
    """Record that residents were told what happened to a question; returns the row id."""
    question = get_question(store, user, question_id)
    require(user, "tracker.write", question["wijk_id"],
            "Je kunt alleen terugkoppelen voor je eigen wijkwerkplaats.")
    if how not in CHANNELS:
        raise ReportBackError("Kies hoe de bewoners het antwoord kregen.")
    if not text.strip():
        raise ReportBackError("Schrijf kort op wat er is teruggekoppeld.")
    on = reported_on or (today or date.today())
    if on > (today or date.today()):
        raise ReportBackError("Een terugkoppeling kan niet in de toekomst liggen.")
    if on.isoformat() < question["asked_on"]:
        raise ReportBackError("De terugkoppeling ligt vóór de datum van de vraag.")
    return store.write(user.actor, lambda tx: tx.insert("question_reportbacks", {
        "question_id": question_id, "reported_on": on.isoformat(), "how": how,
        "text": text.strip(), "created_by": user.id, "created_at": utcnow()},
        entity="reportback"))


def of_question(store: Store, user: User, question_id: int) -> list[dict]:
    """The report-backs of a question, oldest first."""
    get_question(store, user, question_id)
    return store.rows("SELECT reported_on, how, text FROM question_reportbacks"
                      " WHERE question_id = ? ORDER BY reported_on, id", [question_id])


def overdue(store: Store, user: User, *, weeks: int = 6, wijk_id: str | None = None,
            today: date | None = None) -> list[dict]:
    """Questions asked more than `weeks` weeks ago that have no report-back yet, oldest first."""
    wijken = [w for w in visible_wijken(store, user) if wijk_id in (None, w)]
    if not wijken:
        return []
    cutoff = ((today or date.today()) - timedelta(weeks=weeks)).isoformat()
    return store.rows(
        "SELECT q.id, q.asked_on, w.name AS wijkwerkplaats, q.text, q.status FROM questions q"
        " JOIN wijkwerkplaatsen w ON w.id = q.wijk_id"
        f" WHERE q.wijk_id IN ({', '.join('?' * len(wijken))}) AND q.asked_on < ?"
        " AND NOT EXISTS (SELECT 1 FROM question_reportbacks r WHERE r.question_id = q.id)"
        " ORDER BY q.asked_on, q.id", [*wijken, cutoff])
