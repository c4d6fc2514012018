"""Qualitative projects and who may do what in them.

A project is readable only by its members (and by a beheerder); writing needs the role
permission `qual.write` as well as membership. Every other qual module asks here first.
"""

from __future__ import annotations

from research import accounts
from research.accounts import PermissionDenied, User, can, require
from research.errors import UserError
from research.qual.paradigm import preset_relation_types
from research.storage import Store, Tx, utcnow

MEMBER_ROLES = {"lead": "Projectleider", "member": "Lid"}


class ProjectError(UserError):
    """A refused project action, with a Dutch message."""


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


def require_read(store: Store, user: User, project_id: int) -> None:
    """Refuse unless the user may open the project."""
    if not can_read(store, user, project_id):
        raise PermissionDenied("Je bent geen lid van dit project.")


def require_write(store: Store, user: User, project_id: int) -> None:
    """Refuse unless the user may change the project's data (a member with `qual.write`)."""
    require(user, "qual.write")
    if not can_write(store, user, project_id):
        raise PermissionDenied("Je bent geen lid van dit project.")


def can_write(store: Store, user: User, project_id: int) -> bool:
    """Whether the user may code and change the project's data."""
    if not can(user, "qual.write"):
        return False
    return user.role == "beheerder" or member_role(store, user, project_id) is not None


def is_lead(store: Store, user: User, project_id: int) -> bool:
    """Whether the user may manage the project's members (its lead, or a beheerder)."""
    if not can(user, "qual.write"):
        return False
    return user.role == "beheerder" or member_role(store, user, project_id) == "lead"


def require_lead(store: Store, user: User, project_id: int) -> None:
    """Refuse unless the user leads the project (or is a beheerder)."""
    if not is_lead(store, user, project_id):
        raise PermissionDenied("Alleen de projectleider of een beheerder kan leden beheren.")


# -- projects ---------------------------------------------------------------------------------

def in_any_project(store: Store, user: User) -> bool:
    """Whether the user can open at least one project (a cheap check, for the menu)."""
    if not can(user, "qual.read"):
        return False
    if user.role == "beheerder":
        return True
    return store.value("SELECT 1 FROM project_members WHERE user_id = ? LIMIT 1",
                       [user.id]) is not None


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


def name_taken(store: Store, user: User, name: str) -> bool:
    """Whether `name` is taken for this user: by a project they can open or created. Projects
    they cannot see do not count, so that a name never tells them such a project exists."""
    return any(row["created_by"] == user.id or can_read(store, user, row["id"])
               for row in store.rows("SELECT id, created_by FROM projects WHERE name = ?",
                                     [name.strip()]))


def create_project(store: Store, user: User, name: str, description: str = "") -> int:
    """Create a project with `user` as its lead; returns its id. The name must differ from
    those of the projects the user can open (another user may use the same name)."""
    require(user, "qual.write")
    name = name.strip()
    if not name:
        raise ProjectError("Geef het project een naam.")
    if name_taken(store, user, name):
        raise ProjectError(f"Er bestaat al een project met de naam '{name}'.")

    def apply(tx: Tx) -> int:
        project_id = tx.insert("projects", {"name": name, "description": description.strip(),
                                            "name_key": f"{user.id or 0}:{name}",
                                            "created_by": user.id, "created_at": utcnow()})
        if user.id is not None:
            tx.link("project_members", {"project_id": project_id, "user_id": user.id,
                                        "role": "lead"})
        tx.insert_all("relation_types", [{"project_id": project_id, **row}
                                         for row in preset_relation_types()],
                      {"project_id": project_id}, entity="relation_types")
        return project_id

    return store.write(user.actor, apply)


def members(store: Store, user: User, project_id: int) -> list[dict]:
    """The members of a project with their names and roles."""
    require_read(store, user, project_id)
    return store.rows(
        "SELECT u.id, u.username, u.display_name, m.role FROM project_members m"
        " JOIN users u ON u.id = m.user_id WHERE m.project_id = ? ORDER BY u.username",
        [project_id])


def candidates(store: Store, user: User, project_id: int) -> list[dict]:
    """Active accounts that could join the project (for its lead): those with `qual.read`."""
    require_lead(store, user, project_id)
    roles = sorted(accounts.PERMISSIONS["qual.read"])
    return store.rows(
        "SELECT id, username, display_name FROM users WHERE active = 1"
        f" AND role IN ({', '.join('?' * len(roles))})"
        " AND id NOT IN (SELECT user_id FROM project_members WHERE project_id = ?)"
        " ORDER BY username", [*roles, project_id])


def add_member(store: Store, user: User, project_id: int, member_id: int,
               role: str = "member") -> None:
    """Add an account to a project (project lead or beheerder)."""
    require_lead(store, user, project_id)
    if role not in MEMBER_ROLES:
        raise ProjectError("Kies de rol Projectleider of Lid.")
    if store.value("SELECT 1 FROM project_members WHERE project_id = ? AND user_id = ?",
                   [project_id, member_id]):
        raise ProjectError("Dit account is al lid van het project.")
    store.write(user.actor, lambda tx: tx.link(
        "project_members", {"project_id": project_id, "user_id": member_id, "role": role}))


def project(store: Store, user: User, project_id: int) -> dict:
    """One project's row (name, description, blind mode)."""
    require_read(store, user, project_id)
    row = store.one("SELECT * FROM projects WHERE id = ?", [project_id])
    if row is None:
        raise ProjectError("Dit project bestaat niet.")
    return row


def set_blind(store: Store, user: User, project_id: int, blind: bool) -> None:
    """Switch blind coding on or off: coders who do not lead see only their own codings."""
    require_lead(store, user, project_id)
    store.write(user.actor, lambda tx: tx.update("projects", project_id, {"blind": int(blind)},
                                                  entity="project"))


def project_of(store: Store, table: str, row_id: int) -> int:
    """The project a document, code, case or memo belongs to (ProjectError if it is gone)."""
    project_id = store.value(f"SELECT project_id FROM [{table}] WHERE id = ?", [row_id])
    if project_id is None:
        raise ProjectError({"documents": "Dit document bestaat niet.",
                            "codes": "Deze code bestaat niet.",
                            "cases": "Deze casus bestaat niet.",
                            "memos": "Dit memo bestaat niet."}.get(table, "Niet gevonden."))
    return project_id


def find(store: Store, user: User, reference: str) -> int:
    """A project's id from its name or number (as typed on the command line), among the
    projects this user can open: one they cannot open is answered as if it did not exist."""
    reference = reference.strip()
    found = [row["id"] for row in store.rows("SELECT id FROM projects WHERE name = ? ORDER BY id",
                                             [reference]) if can_read(store, user, row["id"])]
    if not found and reference.isdigit() and store.value(
            "SELECT 1 FROM projects WHERE id = ?", [int(reference)]) \
            and can_read(store, user, int(reference)):
        found = [int(reference)]
    if len(found) > 1:
        raise ProjectError(f"Er zijn {len(found)} projecten met de naam '{reference}'; geef het "
                           f"nummer: {', '.join(map(str, found))}.")
    if not found:
        raise ProjectError(f"Er is geen project '{reference}'" +
                           ("." if user.id is None else " dat je kunt openen."))
    return found[0]
