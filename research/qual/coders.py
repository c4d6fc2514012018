"""Coders who have no login here: the users of an imported REFI-QDA project.

ATLAS.ti, NVivo and MAXQDA name the coder of every coding by a user GUID. Each `<User>` of an
imported file becomes a coder of the project: an inactive account of the kind 'coder' (no
password, so it can never log in) that holds the codings, so agreement, reports, blind coding
and the disagreement browser treat them like anyone's. The GUID is kept per project
(`coder_guids`) and written back on export, so a round trip keeps the coder of every coding.
A beheerder can later link a coder to a real account: the codings, memos and GUIDs move over.

A user of a file is recognised, in this order, as: a coder of this project with that GUID; a
local account whose own export GUID it is (a round trip of one of our exports); a coder of
another project with that GUID and name (the same person in the same tool). Anyone else is a
new coder. A name alone never links anyone to an account: two 'Anne's are not one person.
"""

from __future__ import annotations

from research.accounts import User, require
from research.qual.projects import ProjectError, require_read
from research.qual.refi import RefiUser, derived_guid
from research.storage import Store, Tx, utcnow

KINDS = {"account": "Account", "coder": "Codeur zonder login"}
MAX_NAME = 64


def account_guid(user_id: int, created_at: str) -> str:
    """The GUID a local account carries in every export (stable, and unique to this
    installation through the account's creation time)."""
    return derived_guid("account", str(user_id), created_at or "")


def _key(guid: str) -> str:
    return guid.strip().strip("{}").lower()


def _free_username(tx: Tx, name: str) -> str:
    """`name`, or 'name (2)', ... : the first one no account or coder has (any case)."""
    base = " ".join(name.split())[:MAX_NAME - 5] or "Codeur"
    candidate, n = base, 2
    while tx.db.execute("SELECT 1 FROM users WHERE username = ?", [candidate]).fetchone():
        candidate = f"{base} ({n})"
        n += 1
    return candidate


def resolve(tx: Tx, project_id: int, users: list[RefiUser]) -> tuple[dict[str, int], list[str]]:
    """The coder (user id) of every user of a REFI file, made where new, with the GUID kept
    for this project; inside the import's transaction. Returns GUID -> user id and the names
    of the coders made."""
    db = tx.db
    accounts = {_key(account_guid(r[0], r[1])): r[0] for r in db.execute(
        "SELECT id, created_at FROM users WHERE kind = 'account'").fetchall()}
    found: dict[str, int] = {}
    made: list[str] = []
    for user in users:
        key, name = _key(user.guid), " ".join((user.name or "").split()) or "Codeur"
        here = db.execute("SELECT user_id FROM coder_guids WHERE project_id = ? AND"
                          " lower(trim(guid, '{}')) = ?", [project_id, key]).fetchone()
        user_id = here[0] if here else accounts.get(key)
        if user_id is None:
            elsewhere = db.execute(
                "SELECT g.user_id FROM coder_guids g JOIN users u ON u.id = g.user_id"
                " WHERE lower(trim(g.guid, '{}')) = ? AND u.kind = 'coder'"
                " AND u.display_name = ? ORDER BY g.project_id LIMIT 1", [key, name]).fetchone()
            user_id = elsewhere[0] if elsewhere else None
        if user_id is None:
            user_id = tx.insert("users", {
                "username": _free_username(tx, name), "display_name": name, "email": None,
                "role": "lezer", "password_hash": None, "active": 0, "kind": "coder",
                "created_at": utcnow(), "password_changed_at": None}, entity="user")
            made.append(name)
        if not here and not db.execute("SELECT 1 FROM coder_guids WHERE project_id = ? AND"
                                       " user_id = ?", [project_id, user_id]).fetchone():
            tx.link("coder_guids", {"project_id": project_id, "user_id": user_id,
                                    "guid": user.guid}, entity="coder_guid")
        found[user.guid] = user_id
    return found, made


def export_users(store: Store, project_id: int, user_ids: set[int]) -> list[tuple[int, str, str]]:
    """(user id, GUID, name) of the coders to write into a project's export: those given and
    every coder that came in with the project's files. A coder keeps the GUID of the file it
    came from; an account has its own (`account_guid`)."""
    guids = {r["user_id"]: r["guid"] for r in store.rows(
        "SELECT user_id, guid FROM coder_guids WHERE project_id = ?", [project_id])}
    wanted = sorted(set(user_ids) | set(guids))
    if not wanted:
        return []
    rows = store.rows(f"SELECT id, username, display_name, kind, created_at FROM users WHERE id"
                      f" IN ({', '.join('?' * len(wanted))}) ORDER BY id", wanted)
    return [(r["id"], guids.get(r["id"]) or account_guid(r["id"], r["created_at"]),
             (r["display_name"] or r["username"]) if r["kind"] == "coder" else r["username"])
            for r in rows]


def project_coders(store: Store, user: User, project_id: int) -> list[dict]:
    """The project's coders without a login (from its REFI imports), with their codings."""
    require_read(store, user, project_id)
    return store.rows(
        "SELECT u.id, u.username, u.display_name, g.guid,"
        " (SELECT count(*) FROM codings c JOIN documents d ON d.id = c.document_id"
        "  WHERE c.created_by = u.id AND d.project_id = g.project_id) AS codings"
        " FROM coder_guids g JOIN users u ON u.id = g.user_id"
        " WHERE g.project_id = ? AND u.kind = 'coder' ORDER BY u.username", [project_id])


def unlinked(store: Store, admin: User) -> list[dict]:
    """Every coder without a login, with the projects it coded in (beheerder only)."""
    require(admin, "admin")
    return store.rows(
        "SELECT u.id, u.username, u.display_name, u.created_at,"
        " (SELECT group_concat(p.name, ', ') FROM coder_guids g JOIN projects p"
        "  ON p.id = g.project_id WHERE g.user_id = u.id) AS projects,"
        " (SELECT count(*) FROM codings c WHERE c.created_by = u.id) AS codings"
        " FROM users u WHERE u.kind = 'coder' ORDER BY u.username")


def _references(tx: Tx) -> list[tuple[str, str]]:
    """(table, column) of every foreign key that points at users."""
    found = []
    for (table,) in tx.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                  " AND name NOT LIKE 'sqlite_%'").fetchall():
        for row in tx.db.execute(f"PRAGMA foreign_key_list([{table}])").fetchall():
            if row[2] == "users":
                found.append((table, row[3]))
    return found


def link(store: Store, admin: User, coder_id: int, account_id: int) -> dict:
    """Make a coder without a login part of an account (beheerder only): its codings, memos
    and everything else it made move to the account, a coding the account already made
    identically is kept once, and its GUID per project goes along so exports still name the
    same person. The coder itself goes. Returns how many codings moved."""
    require(admin, "admin")
    coder = store.one("SELECT * FROM users WHERE id = ?", [coder_id])
    account = store.one("SELECT * FROM users WHERE id = ?", [account_id])
    if coder is None or coder["kind"] != "coder":
        raise ProjectError("Kies een codeur zonder login om te koppelen.")
    if account is None or account["kind"] != "account":
        raise ProjectError("Kies het account waaraan de codeur wordt gekoppeld.")

    def apply(tx: Tx) -> dict:
        moved = tx.db.execute("SELECT count(*) FROM codings WHERE created_by = ?",
                              [coder_id]).fetchone()[0]
        # The same passage coded with the same code by both: keep the account's coding.
        doubles = tx.db.execute(
            "SELECT c.id FROM codings c WHERE c.created_by = ? AND EXISTS (SELECT 1 FROM"
            " codings a WHERE a.created_by = ? AND a.document_id = c.document_id AND"
            " a.code_id = c.code_id AND a.start_pos = c.start_pos AND a.end_pos = c.end_pos)",
            [coder_id, account_id]).fetchall()
        for (coding_id,) in doubles:
            tx.db.execute("UPDATE memos SET target_id = (SELECT a.id FROM codings a, codings c"
                          " WHERE c.id = ? AND a.created_by = ? AND a.document_id ="
                          " c.document_id AND a.code_id = c.code_id AND a.start_pos ="
                          " c.start_pos AND a.end_pos = c.end_pos) WHERE target_kind = 'coding'"
                          " AND target_id = ?", [coding_id, account_id, coding_id])
            tx.delete("codings", coding_id, entity="coding")
        for project_id, guid in tx.db.execute("SELECT project_id, guid FROM coder_guids WHERE"
                                              " user_id = ?", [coder_id]).fetchall():
            tx.unlink("coder_guids", {"project_id": project_id, "user_id": coder_id},
                      entity="coder_guid")
            if not tx.db.execute("SELECT 1 FROM coder_guids WHERE project_id = ? AND"
                                 " user_id = ?", [project_id, account_id]).fetchone():
                tx.link("coder_guids", {"project_id": project_id, "user_id": account_id,
                                        "guid": guid}, entity="coder_guid")
        for table, column in _references(tx):
            if table == "coder_guids":
                continue
            tx.db.execute(f"UPDATE OR IGNORE [{table}] SET [{column}] = ? WHERE [{column}] = ?",
                          [account_id, coder_id])
            tx.db.execute(f"DELETE FROM [{table}] WHERE [{column}] = ?", [coder_id])
        tx.event("user", coder_id, "link", {"username": coder["username"]},
                 {"account": account["username"], "coderingen": moved - len(doubles)})
        tx.delete("users", coder_id, entity="user")
        return {"codings": moved - len(doubles), "duplicates": len(doubles)}

    return store.write(admin.actor, apply)


