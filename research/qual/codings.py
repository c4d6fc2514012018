"""Codings: passages of a document marked with a code, by a coder; retrieval and undo.

Each coding records its coder. In a blind project a coder who does not lead it sees only
their own codings (independent coding before an agreement check). Every change is an event,
and the events of one action share a batch, so `undo` reverses the user's last action.
"""

from __future__ import annotations

import json
import sqlite3

from research.accounts import User
from research.qual import codebook
from research.qual.projects import ProjectError, is_lead, project_of, require_read, require_write
from research.storage import Store, Tx, utcnow

UNDOABLE = ("coding", "code")


def visible_coders(store: Store, user: User, project_id: int,
                   only_mine: bool = False) -> list[int] | None:
    """The coders whose codings this user may see: None means all of them."""
    blind = store.value("SELECT blind FROM projects WHERE id = ?", [project_id])
    if only_mine or (blind and not is_lead(store, user, project_id)):
        return [user.id] if user.id is not None else []
    return None


def _coder_clause(coders: list[int] | None, alias: str = "g") -> tuple[str, list]:
    if coders is None:
        return "", []
    return f" AND {alias}.created_by IN ({', '.join('?' * len(coders)) or 'NULL'})", coders


def _document(store: Store, document_id: int) -> dict:
    row = store.one("SELECT id, project_id, length(text) AS size FROM documents WHERE id = ?",
                    [document_id])
    if row is None:
        raise ProjectError("Dit document bestaat niet.")
    return row


def _check_span(doc: dict, start: int, end: int) -> None:
    if not 0 <= start < end <= doc["size"]:
        raise ProjectError(f"Het fragment {start}-{end} valt buiten het document "
                           f"(0-{doc['size']}).")


def add_codings(store: Store, user: User, document_id: int, code_ids: list[int],
                start: int, end: int, *, new_code: str = "") -> list[int]:
    """Code the characters [start, end) with every code in `code_ids`, and with a code named
    `new_code` made on the spot, as one action (undone as one); a code this coder already
    gave to exactly this passage is skipped. Returns the new codings' ids."""
    doc = _document(store, document_id)
    require_write(store, user, doc["project_id"])
    _check_span(doc, start, end)
    if new_code.strip():
        return store.write(user.actor, lambda tx: add_codings(
            store, user, document_id, [*code_ids, codebook.add_code(
                store, user, doc["project_id"], new_code)], start, end))
    if not code_ids:
        raise ProjectError("Kies minstens één code.")
    for code_id in code_ids:
        if store.value("SELECT project_id FROM codes WHERE id = ?", [code_id]) != doc["project_id"]:
            raise ProjectError("Document en code horen niet bij hetzelfde project.")

    def apply(tx: Tx) -> list[int]:
        ids = []
        for code_id in dict.fromkeys(code_ids):
            if tx.db.execute("SELECT 1 FROM codings WHERE document_id = ? AND code_id = ?"
                             " AND start_pos = ? AND end_pos = ? AND created_by IS ?",
                             [document_id, code_id, start, end, user.id]).fetchone():
                continue
            ids.append(tx.insert("codings", {
                "document_id": document_id, "code_id": code_id, "start_pos": start,
                "end_pos": end, "created_by": user.id, "created_at": utcnow()}, entity="coding"))
        return ids

    return store.write(user.actor, apply)


def covered(store: Store, user: User, spans: list[tuple[int, int, int]],
            code_id: int) -> set[tuple[int, int, int]]:
    """The spans that already carry the code from this coder: a coding of it by them that
    covers the whole span (the sentence inside a coded turn, the same sentence again)."""
    found = set()
    for span in spans:
        document_id, start, end = span
        if store.value("SELECT 1 FROM codings WHERE document_id = ? AND code_id = ? AND"
                       " created_by IS ? AND start_pos <= ? AND end_pos >= ?",
                       [document_id, code_id, user.id, start, end]):
            found.add(span)
    return found


def autocode(store: Store, user: User, project_id: int, spans: list[tuple[int, int, int]],
             code_ids: list[int], *, new_code: str = "") -> int:
    """Code every (document, start, end) span with the codes (and a new code), as one action
    that one undo takes back; returns the number of new codings. A span that already carries
    a code from this coder (a coding of it that covers the span) is not coded with it again,
    and a new code named like an existing top-level code is that code."""
    require_write(store, user, project_id)
    if not code_ids and not new_code.strip():
        raise ProjectError("Kies een code of geef een nieuwe code.")
    for document_id, _, _ in spans:
        if _document(store, document_id)["project_id"] != project_id:
            raise ProjectError("Een fragment hoort niet bij dit project.")
    named = " ".join(new_code.split())
    existing = store.value("SELECT id FROM codes WHERE project_id = ? AND name = ? AND"
                           " parent_id IS NULL", [project_id, named]) if named else None

    def apply(tx: Tx) -> int:
        ids = list(dict.fromkeys([*code_ids, *([existing] if existing else [])]))
        if named and not existing:
            ids.append(codebook.add_code(store, user, project_id, named))
        made = 0
        for code_id in ids:
            done = covered(store, user, spans, code_id)
            made += sum(len(add_codings(store, user, document_id, [code_id], start, end))
                        for document_id, start, end in spans
                        if (document_id, start, end) not in done)
        return made

    return store.write(user.actor, apply)


def add_coding(store: Store, user: User, document_id: int, code_id: int,
               start: int, end: int) -> int:
    """Code [start, end) with one code; returns the coding's id (the existing one if this
    coder already gave the code to exactly this passage)."""
    ids = add_codings(store, user, document_id, [code_id], start, end)
    if ids:
        return ids[0]
    return store.value("SELECT id FROM codings WHERE document_id = ? AND code_id = ? AND"
                       " start_pos = ? AND end_pos = ? AND created_by IS ?",
                       [document_id, code_id, start, end, user.id])


def _coding(store: Store, user: User, coding_id: int) -> dict:
    row = store.one("SELECT g.*, d.project_id, length(d.text) AS size FROM codings g"
                    " JOIN documents d ON d.id = g.document_id WHERE g.id = ?", [coding_id])
    if row is None:
        raise ProjectError("Deze codering bestaat niet (meer).")
    require_write(store, user, row["project_id"])
    return row


def remove_coding(store: Store, user: User, coding_id: int) -> None:
    """Remove one coding."""
    _coding(store, user, coding_id)
    store.write(user.actor, lambda tx: tx.delete("codings", coding_id, entity="coding"))


def resize_coding(store: Store, user: User, coding_id: int, start: int, end: int) -> None:
    """Move the edges of a coding."""
    row = _coding(store, user, coding_id)
    _check_span(row, start, end)
    store.write(user.actor, lambda tx: tx.update(
        "codings", coding_id, {"start_pos": start, "end_pos": end}, entity="coding"))


def codings(store: Store, user: User, document_id: int, *, only_mine: bool = False) -> list[dict]:
    """The codings of one document this user may see, in text order, with code and coder."""
    doc = _document(store, document_id)
    require_read(store, user, doc["project_id"])
    clause, params = _coder_clause(visible_coders(store, user, doc["project_id"], only_mine))
    return store.rows(
        "SELECT g.id, g.start_pos, g.end_pos, g.created_by, u.username AS coder,"
        " c.id AS code_id, c.name AS code, c.colour"
        " FROM codings g JOIN codes c ON c.id = g.code_id LEFT JOIN users u ON u.id = g.created_by"
        f" WHERE g.document_id = ?{clause} ORDER BY g.start_pos, g.end_pos, c.name",
        [document_id, *params])


def coders(store: Store, user: User, project_id: int) -> list[dict]:
    """The accounts that coded in this project (those this user may see), with their kind:
    'coder' for a coder without a login (from a REFI-QDA import)."""
    require_read(store, user, project_id)
    clause, params = _coder_clause(visible_coders(store, user, project_id))
    return store.rows(
        "SELECT DISTINCT u.id, u.username, u.kind FROM codings g"
        " JOIN documents d ON d.id = g.document_id"
        f" JOIN users u ON u.id = g.created_by WHERE d.project_id = ?{clause} ORDER BY u.username",
        [project_id, *params])


def recent_codes(store: Store, user: User, project_id: int, limit: int = 5) -> list[int]:
    """The codes this user applied most recently in this project, newest first (the coding
    panel offers them first)."""
    require_read(store, user, project_id)
    if user.id is None:
        return []
    rows = store.rows(
        "SELECT g.code_id, max(g.id) AS last FROM codings g"
        " JOIN documents d ON d.id = g.document_id"
        " WHERE d.project_id = ? AND g.created_by = ? GROUP BY g.code_id"
        " ORDER BY last DESC LIMIT ?", [project_id, user.id, limit])
    return [row["code_id"] for row in rows]


def coder_label(row: dict) -> str:
    """How a coder is named in a choice: a coder without a login says so."""
    return f"{row['username']} (zonder login)" if row.get("kind") == "coder" else row["username"]


# -- retrieval --------------------------------------------------------------------------------

def passages(store: Store, user: User, code_id: int, *, document_ids: list[int] | None = None,
             case_ids: list[int] | None = None, coder_ids: list[int] | None = None,
             context: int = 0, only_mine: bool = False) -> list[dict]:
    """Every passage coded with `code_id` that this user may see, in document order, with the
    speaker (case) of the turn it starts in and `context` characters before and after."""
    project_id = project_of(store, "codes", code_id)
    require_read(store, user, project_id)
    clause, params = _coder_clause(visible_coders(store, user, project_id, only_mine))
    for column, values in (("g.document_id", document_ids), ("t.case_id", case_ids),
                           ("g.created_by", coder_ids)):
        if values is not None:
            clause += f" AND {column} IN ({', '.join('?' * len(values)) or 'NULL'})"
            params += list(values)
    return store.rows(
        "SELECT g.id, g.document_id, d.name AS document, g.start_pos, g.end_pos,"
        " substr(d.text, g.start_pos + 1, g.end_pos - g.start_pos) AS passage,"
        " substr(d.text, max(1, g.start_pos + 1 - ?), min(?, g.start_pos)) AS before,"
        " substr(d.text, g.end_pos + 1, ?) AS after,"
        " t.case_id, c.name AS speaker, u.username AS coder"
        " FROM codings g JOIN documents d ON d.id = g.document_id"
        " LEFT JOIN turns t ON t.document_id = g.document_id"
        "   AND t.start_pos <= g.start_pos AND g.start_pos < max(t.end_pos, t.start_pos + 1)"
        " LEFT JOIN cases c ON c.id = t.case_id LEFT JOIN users u ON u.id = g.created_by"
        f" WHERE g.code_id = ?{clause}"
        " ORDER BY d.held_on IS NULL, d.held_on, d.position, g.start_pos",
        [context, context, context, code_id, *params])


# -- undo -------------------------------------------------------------------------------------

def _undo_candidates(store: Store, user: User, project_id: int) -> int | None:
    """The batch of the user's last coding action in this project not undone yet."""
    undone: set[int] = set()
    rows = store.rows("SELECT batch, entity, entity_id, action, before, after FROM events"
                      " WHERE actor_id IS ? AND entity IN ('coding', 'code', 'undo')"
                      " ORDER BY id DESC LIMIT 2000", [user.id])
    documents = {r["id"] for r in store.rows("SELECT id FROM documents WHERE project_id = ?",
                                             [project_id])}
    for row in rows:
        if row["entity"] == "undo":
            undone.update({row["batch"], json.loads(row["after"])["batch"]})
            continue
        if row["batch"] in undone or row["entity"] != "coding":
            continue
        data = json.loads(row["before"] if row["action"] == "delete" else row["after"])
        document_id = data.get("document_id") or store.value(
            "SELECT document_id FROM codings WHERE id = ?", [row["entity_id"]])
        if document_id in documents:
            return row["batch"]
    return None


def _referring(tx: Tx, table: str) -> list[tuple[str, str]]:
    """(table, column) of every foreign key in the database that points at `table`."""
    found = []
    for (other,) in tx.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                  " AND sql LIKE '%REFERENCES%'").fetchall():
        for key in tx.db.execute(f"PRAGMA foreign_key_list([{other}])").fetchall():
            if key[2] == table:  # (id, seq, table, from, to, ...)
                found.append((other, key[3]))
    return found


def _in_use(tx: Tx, table: str, pk: int, event: dict) -> bool:
    """Whether deleting the row that `event` created would take later work with it: a row
    elsewhere that refers to it (a coding of the code, by anyone; a subcode; a relation, a
    set, a knowledge link, the core category), a memo about it, or a change to it by someone
    else. Deleting it would remove those by cascade, outside the audit log, or fail on a
    reference."""
    for other, column in _referring(tx, table):
        if tx.db.execute(f"SELECT 1 FROM [{other}] WHERE [{column}] = ? LIMIT 1",
                         [pk]).fetchone():
            return True
    entity = {"codes": "code", "codings": "coding"}[table]
    if tx.db.execute("SELECT 1 FROM memos WHERE target_kind = ? AND target_id = ? LIMIT 1",
                     [entity, pk]).fetchone():
        return True
    return tx.db.execute("SELECT 1 FROM events WHERE entity = ? AND entity_id = ? AND batch > ?"
                         " AND actor_id IS NOT ? LIMIT 1",
                         [entity, str(pk), event["batch"], event["actor_id"]]).fetchone() \
        is not None


def _reverse(tx: Tx, event: dict) -> str | None:
    """Apply the inverse of one coding or code event; returns a Dutch note when part of it is
    left as it is, because reversing it would undo someone's later work."""
    table = {"coding": "codings", "code": "codes"}[event["entity"]]
    pk = int(event["entity_id"])
    before = json.loads(event["before"]) if event["before"] else None
    current = tx.get(table, pk)
    if event["action"] == "create" and current is not None:
        if _in_use(tx, table, pk, event):
            return (f"De code ‘{current['name']}’ blijft bestaan: die wordt inmiddels ook "
                    "elders gebruikt." if table == "codes" else
                    "Een codering blijft staan: er is inmiddels op voortgebouwd.")
        tx.delete(table, pk, entity=event["entity"])
    elif event["action"] == "delete" and before is not None and current is None:
        if table == "codes":   # the key follows from name and parent (migration 0015)
            key = codebook.name_key(before["parent_id"], before["name"])
            taken = tx.db.execute("SELECT 1 FROM codes WHERE project_id = ? AND"
                                  " name_key = ?", [before["project_id"], key]).fetchone()
            # Taken by a subcode that moved up into its place: free until that is undone.
            before["name_key"] = f"weg:{pk}" if taken else key
        try:
            tx.insert(table, before, entity=event["entity"])
        except sqlite3.IntegrityError:  # its code or document was deleted since
            return "Een verwijderde codering kan niet terug: de code of het document is weg."
    elif event["action"] == "update" and before is not None and current is not None:
        tx.update(table, pk, before, entity=event["entity"])
    return None


def _describe(store: Store, batch: int) -> str:
    """What a batch of coding events did, in Dutch ("2 × codering toegevoegd")."""
    verbs = {"create": "toegevoegd", "delete": "verwijderd", "update": "aangepast"}
    counts: dict[str, int] = {}
    for e in store.rows("SELECT entity, action FROM events WHERE batch = ?", [batch]):
        if e["entity"] in UNDOABLE:
            key = f"{'codering' if e['entity'] == 'coding' else 'code'} {verbs[e['action']]}"
            counts[key] = counts.get(key, 0) + 1
    return ", ".join(f"{n} × {what}" for what, n in counts.items())


def last_action(store: Store, user: User, project_id: int) -> str | None:
    """A Dutch description of what `undo` would reverse, or None when there is nothing."""
    require_read(store, user, project_id)
    batch = _undo_candidates(store, user, project_id)
    return None if batch is None else _describe(store, batch)


def undo(store: Store, user: User, project_id: int) -> str | None:
    """Reverse the user's last coding action in this project (all its codings, and a code
    made on the spot with them); returns what was undone, or None when nothing was left.

    Undo never takes someone else's work with it: a code made in that action that others (or
    the user's own later actions) have used since stays, and so does a coding that a relation
    or memo now rests on; the answer says so."""
    require_write(store, user, project_id)
    batch = _undo_candidates(store, user, project_id)
    if batch is None:
        return None
    description = _describe(store, batch)
    events = store.rows("SELECT * FROM events WHERE batch = ? AND entity IN ('coding', 'code')"
                        " ORDER BY id DESC", [batch])

    def apply(tx: Tx) -> list[str]:
        # Codings first (reverse order), so a code made in the same action is free to go.
        notes = [note for event in events if (note := _reverse(tx, event))]
        tx.event("undo", None, "undo", None, {"batch": batch})
        return notes

    notes = store.write(user.actor, apply)
    return " ".join([f"{description}.", *dict.fromkeys(notes)]) if notes else description
