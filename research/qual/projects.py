"""Qualitative projects: members, documents, codes and codings (passages).

A project is readable only by its members (and by a beheerder); writing needs the role
permission `qual.write` as well as membership. Document text is stored exactly as given, with
line ends made `\\n`, because coding offsets count characters in that text.
"""

from __future__ import annotations

import re

from research import accounts
from research.accounts import PermissionDenied, User, can, require
from research.errors import UserError
from research.storage import Store, Tx, utcnow

MEMBER_ROLES = {"lead": "Projectleider", "member": "Lid"}
DOCUMENT_KINDS = {"interview": "Interview", "focusgroep": "Focusgroep", "document": "Document"}
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class ProjectError(UserError):
    """A refused project action, with a Dutch message."""


def normalise_newlines(text: str) -> str:
    """Make every line end `\\n` (and nothing else: coding offsets depend on the text)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


# -- access -----------------------------------------------------------------------------------

def member_role(store: Store, user: User, project_id: int) -> str | None:
    """The user's role in the project ('lead', 'member') or None."""
    return store.value("SELECT role FROM project_members WHERE project_id = ? AND user_id = ?",
                       [project_id, user.id])


def can_read(store: Store, user: User, project_id: int) -> bool:
    """Members with `qual.read`, and every beheerder, may open a project."""
    if not can(user, "qual.read"):
        return False
    return user.role == "beheerder" or member_role(store, user, project_id) is not None


def _require_read(store: Store, user: User, project_id: int) -> None:
    if not can_read(store, user, project_id):
        raise PermissionDenied("Je bent geen lid van dit project.")


def _require_write(store: Store, user: User, project_id: int) -> None:
    require(user, "qual.write")
    if user.role != "beheerder" and member_role(store, user, project_id) is None:
        raise PermissionDenied("Je bent geen lid van dit project.")


def is_lead(store: Store, user: User, project_id: int) -> bool:
    """Whether the user may manage the project's members (its lead, or a beheerder)."""
    if not can(user, "qual.write"):
        return False
    return user.role == "beheerder" or member_role(store, user, project_id) == "lead"


def _require_lead(store: Store, user: User, project_id: int) -> None:
    if not is_lead(store, user, project_id):
        raise PermissionDenied("Alleen de projectleider of een beheerder kan leden beheren.")


# -- projects ---------------------------------------------------------------------------------

def list_projects(store: Store, user: User) -> list[dict]:
    """The projects this user may open, with counts of documents, codes and codings."""
    if not can(user, "qual.read"):
        return []
    only_member = "" if user.role == "beheerder" else \
        "WHERE p.id IN (SELECT project_id FROM project_members WHERE user_id = :uid)"
    return store.rows(f"""
        SELECT p.id, p.name, p.description, p.created_at,
          (SELECT count(*) FROM documents d WHERE d.project_id = p.id) AS documents,
          (SELECT count(*) FROM codes c WHERE c.project_id = p.id) AS codes,
          (SELECT count(*) FROM codings g JOIN documents d ON d.id = g.document_id
             WHERE d.project_id = p.id) AS codings,
          (SELECT count(*) FROM project_members m WHERE m.project_id = p.id) AS members
        FROM projects p {only_member} ORDER BY p.name""", {"uid": user.id})


def create_project(store: Store, user: User, name: str, description: str = "") -> int:
    """Create a project with `user` as its lead; returns its id."""
    require(user, "qual.write")
    name = name.strip()
    if not name:
        raise ProjectError("Geef het project een naam.")
    if store.value("SELECT 1 FROM projects WHERE name = ?", [name]):
        raise ProjectError(f"Er bestaat al een project met de naam '{name}'.")

    def apply(tx: Tx) -> int:
        project_id = tx.insert("projects", {"name": name, "description": description.strip(),
                                            "created_by": user.id, "created_at": utcnow()})
        if user.id is not None:
            tx.link("project_members", {"project_id": project_id, "user_id": user.id,
                                        "role": "lead"})
        return project_id

    return store.write(user.actor, apply)


def members(store: Store, user: User, project_id: int) -> list[dict]:
    """The members of a project with their names and roles."""
    _require_read(store, user, project_id)
    return store.rows(
        "SELECT u.id, u.username, u.display_name, m.role FROM project_members m"
        " JOIN users u ON u.id = m.user_id WHERE m.project_id = ? ORDER BY u.username",
        [project_id])


def candidates(store: Store, user: User, project_id: int) -> list[dict]:
    """Active accounts that could join the project (for its lead): those with `qual.read`."""
    _require_lead(store, user, project_id)
    roles = sorted(accounts.PERMISSIONS["qual.read"])
    return store.rows(
        "SELECT id, username, display_name FROM users WHERE active = 1"
        f" AND role IN ({', '.join('?' * len(roles))})"
        " AND id NOT IN (SELECT user_id FROM project_members WHERE project_id = ?)"
        " ORDER BY username", [*roles, project_id])


def add_member(store: Store, user: User, project_id: int, member_id: int,
               role: str = "member") -> None:
    """Add an account to a project (project lead or beheerder)."""
    _require_lead(store, user, project_id)
    if role not in MEMBER_ROLES:
        raise ProjectError("Kies de rol Projectleider of Lid.")
    if store.value("SELECT 1 FROM project_members WHERE project_id = ? AND user_id = ?",
                   [project_id, member_id]):
        raise ProjectError("Dit account is al lid van het project.")
    store.write(user.actor, lambda tx: tx.link(
        "project_members", {"project_id": project_id, "user_id": member_id, "role": role}))


# -- documents --------------------------------------------------------------------------------

def documents(store: Store, user: User, project_id: int) -> list[dict]:
    """The project's documents (without their text), oldest interview first."""
    _require_read(store, user, project_id)
    return store.rows(
        "SELECT d.id, d.name, d.kind, d.held_on, length(d.text) AS characters,"
        " (SELECT count(*) FROM codings g WHERE g.document_id = d.id) AS codings"
        " FROM documents d WHERE d.project_id = ? ORDER BY d.held_on, d.name", [project_id])


def document(store: Store, user: User, document_id: int) -> dict:
    """One document with its text."""
    row = store.one("SELECT * FROM documents WHERE id = ?", [document_id])
    if row is None:
        raise ProjectError("Dit document bestaat niet.")
    _require_read(store, user, row["project_id"])
    return row


def add_document(store: Store, user: User, project_id: int, name: str, text: str,
                 kind: str = "interview", held_on: str | None = None) -> int:
    """Store a document's text (line ends normalised, nothing else); returns its id."""
    _require_write(store, user, project_id)
    name = name.strip()
    if not name:
        raise ProjectError("Geef het document een naam.")
    if kind not in DOCUMENT_KINDS:
        raise ProjectError(f"Onbekend soort document '{kind}'.")
    text = normalise_newlines(text)
    if not text.strip():
        raise ProjectError(f"Het document '{name}' is leeg.")
    if "\x00" in text:
        # A NUL means binary content; SQLite's text functions also stop counting at it.
        raise ProjectError(f"Het document '{name}' bevat binaire tekens (NUL); "
                           "is het wel een tekstbestand?")
    if store.value("SELECT 1 FROM documents WHERE project_id = ? AND name = ?", [project_id, name]):
        raise ProjectError(f"Er is al een document '{name}' in dit project.")
    return store.write(user.actor, lambda tx: tx.insert("documents", {
        "project_id": project_id, "name": name, "kind": kind, "held_on": held_on,
        "text": text, "imported_at": utcnow()}))


# -- codes and codings ------------------------------------------------------------------------

def codes(store: Store, user: User, project_id: int) -> list[dict]:
    """The project's codes with groundedness (passages) and the number of documents they occur in."""
    _require_read(store, user, project_id)
    return store.rows(
        "SELECT c.id, c.name, c.description, c.colour, c.parent_id,"
        " count(g.id) AS passages, count(DISTINCT g.document_id) AS documents"
        " FROM codes c LEFT JOIN codings g ON g.code_id = c.id"
        " WHERE c.project_id = ? GROUP BY c.id ORDER BY c.name", [project_id])


def add_code(store: Store, user: User, project_id: int, name: str, colour: str = "#f2c94c",
             description: str = "", parent_id: int | None = None) -> int:
    """Create a code in a project; returns its id."""
    _require_write(store, user, project_id)
    name = name.strip()
    if not name:
        raise ProjectError("Geef de code een naam.")
    if not HEX_COLOUR.match(colour):
        raise ProjectError("Een kleur is een hexadecimale code zoals #f2c94c.")
    if store.value("SELECT 1 FROM codes WHERE project_id = ? AND name = ?", [project_id, name]):
        raise ProjectError(f"Er is al een code '{name}' in dit project.")
    return store.write(user.actor, lambda tx: tx.insert("codes", {
        "project_id": project_id, "name": name, "colour": colour,
        "description": description.strip(), "parent_id": parent_id}))


def add_coding(store: Store, user: User, document_id: int, code_id: int,
               start: int, end: int) -> int:
    """Code the characters [start, end) of a document; returns the coding's id."""
    doc = store.one("SELECT id, project_id, length(text) AS size FROM documents WHERE id = ?",
                    [document_id])
    code = store.one("SELECT project_id FROM codes WHERE id = ?", [code_id])
    if doc is None or code is None or code["project_id"] != doc["project_id"]:
        raise ProjectError("Document en code horen niet bij hetzelfde project.")
    _require_write(store, user, doc["project_id"])
    if not 0 <= start < end <= doc["size"]:
        raise ProjectError(f"Het fragment {start}-{end} valt buiten het document "
                           f"(0-{doc['size']}).")
    return store.write(user.actor, lambda tx: tx.insert("codings", {
        "document_id": document_id, "code_id": code_id, "start_pos": start, "end_pos": end,
        "created_by": user.id, "created_at": utcnow()}))


def codings(store: Store, user: User, document_id: int) -> list[dict]:
    """The codings of one document, in text order, with code name and colour."""
    document(store, user, document_id)
    return store.rows(
        "SELECT g.id, g.start_pos, g.end_pos, c.id AS code_id, c.name AS code, c.colour"
        " FROM codings g JOIN codes c ON c.id = g.code_id WHERE g.document_id = ?"
        " ORDER BY g.start_pos, g.end_pos", [document_id])


def passages(store: Store, user: User, code_id: int) -> list[dict]:
    """Every passage coded with `code_id`: document, offsets and the coded text."""
    code = store.one("SELECT project_id FROM codes WHERE id = ?", [code_id])
    if code is None:
        raise ProjectError("Deze code bestaat niet.")
    _require_read(store, user, code["project_id"])
    return store.rows(
        "SELECT d.name AS document, g.start_pos, g.end_pos,"
        " substr(d.text, g.start_pos + 1, g.end_pos - g.start_pos) AS passage"
        " FROM codings g JOIN documents d ON d.id = g.document_id WHERE g.code_id = ?"
        " ORDER BY d.held_on, d.name, g.start_pos", [code_id])
