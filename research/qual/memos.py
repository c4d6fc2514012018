"""Memos: the researcher's notes on a project, document, case, code, coding or passage.

A memo has a kind (theory, method, sampling or free), a title and a markdown body, its
author and times. The memo manager lists them all with what they are about.
"""

from __future__ import annotations

from research.accounts import User
from research.qual.projects import ProjectError, project_of, require_read, require_write
from research.storage import Store, Tx, utcnow

KINDS = {"theorie": "Theorie", "methode": "Methode", "steekproef": "Steekproef", "vrij": "Vrij"}
TARGETS = {"project": "Project", "document": "Document", "case": "Casus", "code": "Code",
           "coding": "Codering", "passage": "Fragment"}
_TARGET_TABLE = {"document": "documents", "case": "cases", "code": "codes"}


def _check_target(store: Store, project_id: int, kind: str, target_id: int | None,
                  start: int | None, end: int | None) -> None:
    if kind not in TARGETS:
        raise ProjectError(f"Een memo kan niet bij '{kind}' horen.")
    if kind == "project":
        return
    if kind == "coding":
        owner = store.value("SELECT d.project_id FROM codings g JOIN documents d ON"
                            " d.id = g.document_id WHERE g.id = ?", [target_id])
    else:
        owner = store.value(f"SELECT project_id FROM {_TARGET_TABLE.get(kind, 'documents')}"
                            " WHERE id = ?", [target_id])
    if owner != project_id:
        raise ProjectError("Het memo hoort niet bij iets in dit project.")
    if kind == "passage":
        size = store.value("SELECT length(text) FROM documents WHERE id = ?", [target_id])
        if start is None or end is None or not 0 <= start < end <= size:
            raise ProjectError("Kies het fragment waar het memo over gaat.")


def add_memo(store: Store, user: User, project_id: int, title: str, body: str = "", *,
             kind: str = "vrij", target: str = "project", target_id: int | None = None,
             start: int | None = None, end: int | None = None) -> int:
    """Write a memo about the project or one of its parts; returns its id."""
    require_write(store, user, project_id)
    title = " ".join(title.split())
    if not title:
        raise ProjectError("Geef het memo een titel.")
    if kind not in KINDS:
        raise ProjectError(f"Onbekend soort memo '{kind}'.")
    _check_target(store, project_id, target, target_id, start, end)
    now = utcnow()
    return store.write(user.actor, lambda tx: tx.insert("memos", {
        "project_id": project_id, "target_kind": target,
        "target_id": None if target == "project" else target_id,
        "start_pos": start if target == "passage" else None,
        "end_pos": end if target == "passage" else None, "kind": kind, "title": title,
        "body": body, "created_by": user.id, "created_at": now, "updated_by": user.id,
        "updated_at": now}, entity="memo"))


def update_memo(store: Store, user: User, memo_id: int, *, title: str | None = None,
                body: str | None = None, kind: str | None = None) -> None:
    """Change a memo's title, body or kind; records who changed it and when."""
    require_write(store, user, project_of(store, "memos", memo_id))
    changes: dict = {"updated_by": user.id, "updated_at": utcnow()}
    if title is not None:
        title = " ".join(title.split())
        if not title:
            raise ProjectError("Geef het memo een titel.")
        changes["title"] = title
    if body is not None:
        changes["body"] = body
    if kind is not None:
        if kind not in KINDS:
            raise ProjectError(f"Onbekend soort memo '{kind}'.")
        changes["kind"] = kind
    store.write(user.actor, lambda tx: tx.update("memos", memo_id, changes, entity="memo"))


def delete_memo(store: Store, user: User, memo_id: int) -> None:
    """Delete a memo."""
    require_write(store, user, project_of(store, "memos", memo_id))
    store.write(user.actor, lambda tx: tx.delete("memos", memo_id, entity="memo"))


def memos(store: Store, user: User, project_id: int, *, kind: str | None = None,
          target: str | None = None, target_id: int | None = None, author_id: int | None = None,
          text: str = "") -> list[dict]:
    """The project's memos, newest change first, with a readable name of what each is about."""
    require_read(store, user, project_id)
    where = ["m.project_id = ?"]
    params: list[int | str] = [project_id]
    for column, value in (("m.kind", kind), ("m.target_kind", target),
                          ("m.target_id", target_id), ("m.created_by", author_id)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if text.strip():
        where.append("(m.title LIKE ? OR m.body LIKE ?)")
        params += [f"%{text.strip()}%"] * 2
    return store.rows(
        "SELECT m.*, u.username AS author, e.username AS editor, CASE m.target_kind"
        "  WHEN 'project' THEN p.name"
        "  WHEN 'document' THEN (SELECT name FROM documents WHERE id = m.target_id)"
        "  WHEN 'passage' THEN (SELECT name FROM documents WHERE id = m.target_id)"
        "  WHEN 'case' THEN (SELECT name FROM cases WHERE id = m.target_id)"
        "  WHEN 'code' THEN (SELECT name FROM codes WHERE id = m.target_id)"
        "  WHEN 'coding' THEN (SELECT c.name || ' in ' || d.name FROM codings g"
        "    JOIN codes c ON c.id = g.code_id JOIN documents d ON d.id = g.document_id"
        "    WHERE g.id = m.target_id) END AS about"
        " FROM memos m JOIN projects p ON p.id = m.project_id"
        " LEFT JOIN users u ON u.id = m.created_by LEFT JOIN users e ON e.id = m.updated_by"
        f" WHERE {' AND '.join(where)} ORDER BY m.updated_at DESC, m.id DESC", params)


def delete_for(tx: Tx, target: str, target_id: int) -> None:
    """Delete (and log) the memos about one item, inside a transaction that deletes it."""
    for (memo_id,) in tx.db.execute("SELECT id FROM memos WHERE target_kind = ? AND"
                                    " target_id = ?", [target, target_id]).fetchall():
        tx.delete("memos", memo_id, entity="memo")
