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


def plan(store: Store, user: User, question_id: int, *, owner_id: int | None,
         due_on: date | None, today: date | None = None) -> None:
    """Who reports back on a question and by when (either may be left open)."""
    question = get_question(store, user, question_id)
    require(user, "tracker.write", question["wijk_id"],
            "Je kunt alleen terugkoppelen voor je eigen wijkwerkplaats.")
    if owner_id is not None and owner_id not in {o["id"] for o in owners(
            store, user, question["wijk_id"])}:
        raise ReportBackError("Kies als eigenaar een coördinator van deze wijkwerkplaats of "
                              "een beheerder.")
    if due_on is not None and due_on.isoformat() < question["asked_on"]:
        raise ReportBackError("De uiterste datum ligt vóór de datum van de vraag.")
    row = {"question_id": question_id, "owner_id": owner_id,
           "due_on": due_on.isoformat() if due_on else None, "set_by": user.id,
           "set_at": utcnow()}

    def apply(tx) -> None:
        if tx.get("reportback_plans", question_id) is None:
            tx.insert("reportback_plans", row, entity="reportback_plan")
        else:
            tx.update("reportback_plans", question_id,
                      {k: row[k] for k in ("owner_id", "due_on", "set_by", "set_at")},
                      entity="reportback_plan")
    store.write(user.actor, apply)


def plan_of(store: Store, user: User, question_id: int) -> dict | None:
    """The question's report-back plan (owner id and name, due date), or None."""
    get_question(store, user, question_id)
    return store.one("SELECT p.owner_id, coalesce(u.display_name, u.username) AS owner,"
                     " p.due_on FROM reportback_plans p LEFT JOIN users u ON u.id = p.owner_id"
                     " WHERE p.question_id = ?", [question_id])


def owners(store: Store, user: User, wijk_id: str) -> list[dict]:
    """Who can own a report-back in a wijkwerkplaats: its active coordinators and the
    beheerders."""
    require(user, "tracker.read")
    return store.rows(
        "SELECT u.id, coalesce(u.display_name, u.username) AS name FROM users u"
        " WHERE u.active = 1 AND (u.role = 'beheerder' OR (u.role = 'coordinator' AND"
        " EXISTS (SELECT 1 FROM user_wijken w WHERE w.user_id = u.id AND w.wijk_id = ?)))"
        " ORDER BY u.role != 'coordinator', name", [wijk_id])


def of_question(store: Store, user: User, question_id: int) -> list[dict]:
    """The report-backs of a question, oldest first."""
    get_question(store, user, question_id)
    return store.rows("SELECT id, reported_on, how, text FROM question_reportbacks"
                      " WHERE question_id = ? ORDER BY reported_on, id", [question_id])


def overdue(store: Store, user: User, *, weeks: int = 6, wijk_id: str | None = None,
            today: date | None = None) -> list[dict]:
    """Questions without a report-back whose due date has passed, or, without a due date,
    that were asked more than `weeks` weeks ago; with their owner and due date, the most
    overdue first."""
    wijken = [w for w in visible_wijken(store, user) if wijk_id in (None, w)]
    if not wijken:
        return []
    now = today or date.today()
    cutoff = (now - timedelta(weeks=weeks)).isoformat()
    return store.rows(
        "SELECT q.id, q.asked_on, w.name AS wijkwerkplaats, q.text, q.status, p.due_on,"
        " coalesce(u.display_name, u.username) AS owner,"
        " coalesce(p.due_on, date(q.asked_on, :weeks)) AS deadline FROM questions q"
        " JOIN wijkwerkplaatsen w ON w.id = q.wijk_id"
        " LEFT JOIN reportback_plans p ON p.question_id = q.id"
        " LEFT JOIN users u ON u.id = p.owner_id"
        f" WHERE q.wijk_id IN ({', '.join(f':w{i}' for i in range(len(wijken)))})"
        " AND CASE WHEN p.due_on IS NOT NULL THEN p.due_on < :today ELSE q.asked_on < :cutoff"
        " END"
        " AND NOT EXISTS (SELECT 1 FROM question_reportbacks r WHERE r.question_id = q.id)"
        " ORDER BY deadline, q.asked_on, q.id",
        {**{f"w{i}": w for i, w in enumerate(wijken)}, "today": now.isoformat(),
         "cutoff": cutoff, "weeks": f"+{7 * weeks} days"})
