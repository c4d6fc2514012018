"""Ontwikkelvragen: the yearly development question of a wijkwerkplaats, grown from residents'
questions, with its status history, milestones, partners and ontwikkelbudget.

Statuses and the changes allowed between them are data (codebooks/ontwikkelvraag.yaml, loaded
into ov_statuses and ov_transitions); every change is a row with a text, never an overwrite.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from research.accounts import PermissionDenied, User, can, require
from research.config import CODEBOOKS_DIR, shipped_yaml
from research.errors import UserError
from research.storage import SYSTEM, Store, Tx, utcnow
from research.tracker.questions import get_question

WORKFLOW = CODEBOOKS_DIR / "ontwikkelvraag.yaml"


class OntwikkelvraagError(UserError):
    """A refused action on an ontwikkelvraag, with a Dutch message."""


def partner_roles(path: Path = WORKFLOW) -> dict[str, str]:
    """Partner role id -> Dutch name."""
    return shipped_yaml(path)["partnerrollen"]


def final_statuses(path: Path = WORKFLOW) -> frozenset[str]:
    """The statuses that end an ontwikkelvraag (afgerond, gestopt)."""
    return frozenset(shipped_yaml(path).get("eindstatussen", []))


def load_workflow(store: Store, path: Path = WORKFLOW) -> None:
    """Put the statuses and allowed transitions of the YAML file into the database."""
    spec = shipped_yaml(path)
    statuses = [{"id": s["id"], "name": s["naam"], "progress": int(s["voortgang"]),
                 "position": n} for n, s in enumerate(spec["statussen"])]
    transitions = sorted((a, b) for a, targets in spec["overgangen"].items() for b in targets)

    def apply(tx: Tx) -> None:
        stored_statuses = {r["id"]: r for r in tx.db.query("SELECT * FROM ov_statuses")}
        for row in statuses:
            current = stored_statuses.get(row["id"])
            if current is None:
                tx.insert("ov_statuses", row)
            elif current != row:
                tx.update("ov_statuses", row["id"], row)
        stored = sorted((r["from_status"], r["to_status"]) for r in tx.db.query(
            "SELECT from_status, to_status FROM ov_transitions"))
        if stored != transitions:
            tx.db.execute("DELETE FROM ov_transitions")
            tx.db.table("ov_transitions").insert_all(
                [{"from_status": a, "to_status": b} for a, b in transitions])
            tx.event("ov_transitions", None, "set", after={"overgangen": transitions})
    store.write(SYSTEM, apply)


def statuses(store: Store) -> dict[str, dict]:
    """Status id -> row (name, progress, position), in workflow order."""
    return {r["id"]: r for r in store.rows("SELECT * FROM ov_statuses ORDER BY position")}


def next_statuses(store: Store, current: str) -> list[str]:
    """The statuses an ontwikkelvraag in `current` may move to."""
    return [r["to_status"] for r in store.rows(
        "SELECT t.to_status FROM ov_transitions t JOIN ov_statuses s ON s.id = t.to_status"
        " WHERE t.from_status = ? ORDER BY s.position", [current])]


def _require_write(store: Store, user: User, wijk_id: str) -> None:
    require(user, "tracker.write", wijk_id,
            "Je kunt alleen de ontwikkelvraag van je eigen wijkwerkplaats wijzigen.")


def _row(store: Store, user: User, ov_id: int) -> dict:
    if not can(user, "tracker.read"):
        raise PermissionDenied()
    row = store.one("SELECT * FROM ontwikkelvragen WHERE id = ?", [ov_id])
    if row is None:
        raise OntwikkelvraagError(f"Ontwikkelvraag {ov_id} bestaat niet.")
    return row


def _check_questions(store: Store, user: User, wijk_id: str, question_ids) -> list[int]:
    ids = sorted(set(question_ids))
    for question_id in ids:
        if get_question(store, user, question_id)["wijk_id"] != wijk_id:
            raise OntwikkelvraagError(f"Vraag {question_id} hoort bij een andere wijkwerkplaats.")
    return ids


def create(store: Store, user: User, *, wijk_id: str, year: int, title: str, question: str,
           rationale: str = "", programme_id: str | None = None,
           question_ids: Sequence[int] = ()) -> int:
    """Formulate the ontwikkelvraag of a wijkwerkplaats for a year; returns its id."""
    _require_write(store, user, wijk_id)
    title, question = title.strip(), question.strip()
    if not title or not question:
        raise OntwikkelvraagError("Geef de ontwikkelvraag een korte titel en de vraag zelf.")
    if not 2000 <= year <= 2100:
        raise OntwikkelvraagError(f"{year} is geen geldig jaar.")
    if store.value("SELECT 1 FROM ontwikkelvragen WHERE wijk_id = ? AND year = ?", [wijk_id, year]):
        raise OntwikkelvraagError(f"Deze wijkwerkplaats heeft al een ontwikkelvraag voor {year}.")
    ids = _check_questions(store, user, wijk_id, question_ids)
    first = next(iter(statuses(store)))

    def apply(tx: Tx) -> int:
        ov_id = tx.insert("ontwikkelvragen", {
            "wijk_id": wijk_id, "year": year, "title": title, "question": question,
            "rationale": rationale.strip() or None, "programme_id": programme_id or None,
            "status": first, "created_by": user.id, "created_at": utcnow()})
        for question_id in ids:
            tx.link("ov_questions", {"ov_id": ov_id, "question_id": question_id})
        tx.insert("ov_status_changes", {"ov_id": ov_id, "from_status": None, "to_status": first,
                                        "note": "Aangemaakt",
                                        "changed_on": date.today().isoformat(),
                                        "changed_by": user.id})
        return ov_id
    return store.write(user.actor, apply)


def link_questions(store: Store, user: User, ov_id: int, question_ids: list[int]) -> None:
    """Add questions that the ontwikkelvraag answers."""
    row = _row(store, user, ov_id)
    _require_write(store, user, row["wijk_id"])
    ids = _check_questions(store, user, row["wijk_id"], question_ids)
    known = {r["question_id"] for r in store.rows(
        "SELECT question_id FROM ov_questions WHERE ov_id = ?", [ov_id])}

    def apply(tx: Tx) -> None:
        for question_id in ids:
            if question_id not in known:
                tx.link("ov_questions", {"ov_id": ov_id, "question_id": question_id})
    store.write(user.actor, apply)


def change_status(store: Store, user: User, ov_id: int, to_status: str, note: str,
                  on: date | None = None, *, confirmed: bool = False) -> None:
    """Move to another status, if the workflow allows it; the text says why. A final status
    (afgerond, gestopt) must be `confirmed`: one slip must not close an ontwikkelvraag."""
    row = _row(store, user, ov_id)
    _require_write(store, user, row["wijk_id"])
    names = statuses(store)
    if to_status not in next_statuses(store, row["status"]):
        raise OntwikkelvraagError(
            f"Van '{names[row['status']]['name']}' kan niet naar "
            f"'{names.get(to_status, {}).get('name', to_status)}'.")
    if not note.strip():
        raise OntwikkelvraagError("Schrijf bij een statuswijziging kort waarom.")
    if to_status in final_statuses() and not confirmed:
        raise OntwikkelvraagError(f"'{names[to_status]['name']}' sluit de ontwikkelvraag af; "
                                  "bevestig dat eerst.")
    _record_change(store, user, ov_id, row["status"], to_status, note.strip(), on)


def _record_change(store: Store, user: User, ov_id: int, from_status: str, to_status: str,
                   note: str, on: date | None) -> None:
    def apply(tx: Tx) -> None:
        tx.update("ontwikkelvragen", ov_id, {"status": to_status})
        tx.insert("ov_status_changes", {"ov_id": ov_id, "from_status": from_status,
                                        "to_status": to_status, "note": note,
                                        "changed_on": (on or date.today()).isoformat(),
                                        "changed_by": user.id})
    store.write(user.actor, apply)


def reopen(store: Store, user: User, ov_id: int, reason: str, on: date | None = None) -> str:
    """Take a closed ontwikkelvraag back to the status it had before it was closed (the
    coordinator of its wijk or a beheerder, with a reason); returns that status."""
    row = _row(store, user, ov_id)
    _require_write(store, user, row["wijk_id"])
    if row["status"] not in final_statuses():
        raise OntwikkelvraagError("Deze ontwikkelvraag is niet afgesloten.")
    if not reason.strip():
        raise OntwikkelvraagError("Schrijf waarom de ontwikkelvraag weer opengaat.")
    before = store.value("SELECT from_status FROM ov_status_changes WHERE ov_id = ? AND"
                         " to_status = ? ORDER BY id DESC LIMIT 1", [ov_id, row["status"]])
    back = before if before and before not in final_statuses() else \
        next(iter(statuses(store)))
    _record_change(store, user, ov_id, row["status"], back,
                   f"Heropend: {reason.strip()}", on)
    return back


def add_milestone(store: Store, user: User, ov_id: int, title: str,
                  due_on: date | None = None) -> int:
    """Add a milestone; returns its id."""
    row = _row(store, user, ov_id)
    _require_write(store, user, row["wijk_id"])
    if not title.strip():
        raise OntwikkelvraagError("Geef de mijlpaal een naam.")
    return store.write(user.actor, lambda tx: tx.insert("ov_milestones", {
        "ov_id": ov_id, "title": title.strip(),
        "due_on": due_on.isoformat() if due_on else None, "done_on": None}))


def complete_milestone(store: Store, user: User, milestone_id: int, done_on: date) -> None:
    """Mark a milestone as reached on `done_on`."""
    milestone = store.one("SELECT * FROM ov_milestones WHERE id = ?", [milestone_id])
    if milestone is None:
        raise OntwikkelvraagError("Deze mijlpaal bestaat niet.")
    row = _row(store, user, milestone["ov_id"])
    _require_write(store, user, row["wijk_id"])
    store.write(user.actor, lambda tx: tx.update("ov_milestones", milestone_id,
                                                 {"done_on": done_on.isoformat()}))


def add_partner(store: Store, user: User, ov_id: int, name: str, role: str,
                budget_granted: float = 0.0) -> int:
    """Add a partner with its role and the ontwikkelbudget granted to it; returns its id."""
    row = _row(store, user, ov_id)
    _require_write(store, user, row["wijk_id"])
    if role not in partner_roles():
        raise OntwikkelvraagError("Kies de rol praktijkpartner, onderzoekspartner of "
                                  "bewonersinitiatief.")
    if not name.strip():
        raise OntwikkelvraagError("Geef de naam van de partner.")
    if budget_granted < 0:
        raise OntwikkelvraagError("Een budget kan niet negatief zijn.")
    if store.value("SELECT 1 FROM ov_partners WHERE ov_id = ? AND name = ?", [ov_id, name.strip()]):
        raise OntwikkelvraagError(f"{name.strip()} is al partner.")
    return store.write(user.actor, lambda tx: tx.insert("ov_partners", {
        "ov_id": ov_id, "name": name.strip(), "role": role,
        "budget_granted": float(budget_granted), "budget_spent": 0.0}))


def set_budget(store: Store, user: User, partner_id: int, *, granted: float | None = None,
               spent: float | None = None) -> None:
    """Change the budget granted to or spent by a partner."""
    partner = store.one("SELECT * FROM ov_partners WHERE id = ?", [partner_id])
    if partner is None:
        raise OntwikkelvraagError("Deze partner bestaat niet.")
    row = _row(store, user, partner["ov_id"])
    _require_write(store, user, row["wijk_id"])
    changes = {k: float(v) for k, v in (("budget_granted", granted), ("budget_spent", spent))
               if v is not None}
    if any(v < 0 for v in changes.values()):
        raise OntwikkelvraagError("Een budget kan niet negatief zijn.")
    store.write(user.actor, lambda tx: tx.update("ov_partners", partner_id, changes))


def progress(store: Store, ov_id: int, status: str) -> int:
    """Progress 0-100: the share of milestones reached, or, without milestones or in a final
    status, the status's own."""
    if status in final_statuses():
        return statuses(store)[status]["progress"]
    counts = store.one("SELECT count(*) AS n, count(done_on) AS done FROM ov_milestones"
                       " WHERE ov_id = ?", [ov_id])
    assert counts is not None  # an aggregate has one row
    if counts["n"]:
        return round(100 * counts["done"] / counts["n"])
    return statuses(store)[status]["progress"]


def get(store: Store, user: User, ov_id: int) -> dict:
    """An ontwikkelvraag with its questions, status history, milestones, partners, budget
    totals and progress."""
    row = _row(store, user, ov_id)
    partners = store.rows("SELECT * FROM ov_partners WHERE ov_id = ? ORDER BY name", [ov_id])
    return {
        **row,
        "questions": store.rows(
            "SELECT q.id, q.asked_on, q.text FROM ov_questions o JOIN questions q"
            " ON q.id = o.question_id WHERE o.ov_id = ? ORDER BY q.asked_on, q.id", [ov_id]),
        "changes": store.rows("SELECT * FROM ov_status_changes WHERE ov_id = ? ORDER BY id",
                              [ov_id]),
        "milestones": store.rows("SELECT * FROM ov_milestones WHERE ov_id = ?"
                                 " ORDER BY due_on IS NULL, due_on, id", [ov_id]),
        "partners": partners,
        "budget_granted": sum(p["budget_granted"] for p in partners),
        "budget_spent": sum(p["budget_spent"] for p in partners),
        "progress": progress(store, ov_id, row["status"]),
    }


def list_all(store: Store, user: User, *, wijk_id: str | None = None) -> list[dict]:
    """Every ontwikkelvraag (newest year first) with wijk, status name and question count."""
    if not can(user, "tracker.read"):
        return []
    where, params = ("WHERE o.wijk_id = ?", [wijk_id]) if wijk_id else ("", [])
    rows = store.rows(
        "SELECT o.id, o.year, o.title, o.status, s.name AS status_name, w.name AS wijkwerkplaats,"
        " (SELECT count(*) FROM ov_questions q WHERE q.ov_id = o.id) AS questions"
        " FROM ontwikkelvragen o JOIN ov_statuses s ON s.id = o.status"
        f" JOIN wijkwerkplaatsen w ON w.id = o.wijk_id {where}"
        " ORDER BY o.year DESC, w.name", params)
    for row in rows:
        row["progress"] = progress(store, row["id"], row["status"])
    return rows
