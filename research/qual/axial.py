"""Axial and selective coding: typed relations between codes grounded in passages, the
paradigm board around a phenomenon, the network of codes, the core category and storyline.

A code's stage (open, axial, selective) and paradigm role are fields of the code
(`codebook.update_code`); here live what connects codes.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from research.accounts import User
from research.qual import paradigm
from research.qual.projects import ProjectError, project_of, require_read, require_write
from research.storage import Store, Tx, utcnow


def relation_types(store: Store, user: User, project_id: int) -> list[dict]:
    """The project's relation types (the presets and the team's own)."""
    require_read(store, user, project_id)
    return store.rows("SELECT id, name, directed, paradigm_role FROM relation_types"
                      " WHERE project_id = ? ORDER BY id", [project_id])


def add_relation_type(store: Store, user: User, project_id: int, name: str, directed: bool,
                      role: str | None = None) -> int:
    """A relation type of the team's own; returns its id."""
    require_write(store, user, project_id)
    name = " ".join(name.split())
    if not name:
        raise ProjectError("Geef het soort relatie een naam.")
    if role is not None and role not in paradigm.roles():
        raise ProjectError(f"Onbekende rol '{role}'.")
    if store.value("SELECT 1 FROM relation_types WHERE project_id = ? AND name = ?",
                   [project_id, name]):
        raise ProjectError(f"Er is al een soort relatie '{name}'.")
    return store.write(user.actor, lambda tx: tx.insert("relation_types", {
        "project_id": project_id, "name": name, "directed": int(directed),
        "paradigm_role": role}, entity="relation_type"))


def _check_groundings(store: Store, project_id: int, coding_ids: list[int],
                      code_ids: tuple[int, int]) -> None:
    if not coding_ids:
        return
    rows = store.rows(
        "SELECT g.id, g.code_id, d.project_id FROM codings g JOIN documents d ON"
        f" d.id = g.document_id WHERE g.id IN ({', '.join('?' * len(coding_ids))})", coding_ids)
    if len(rows) != len(set(coding_ids)) or any(r["project_id"] != project_id for r in rows):
        raise ProjectError("Een gekozen fragment hoort niet bij dit project.")
    if any(r["code_id"] not in code_ids for r in rows):
        raise ProjectError("Een gekozen fragment hoort niet bij een van de twee codes.")


def add_relation(store: Store, user: User, source_id: int, target_id: int, type_id: int,
                 memo: str = "", coding_ids: Sequence[int] = ()) -> int:
    """Relate two codes ("<source> <type> <target>") with a memo and the passages that
    ground it; returns the relation's id."""
    project_id = project_of(store, "codes", source_id)
    require_write(store, user, project_id)
    if source_id == target_id:
        raise ProjectError("Een code kan niet met zichzelf in relatie staan.")
    if project_of(store, "codes", target_id) != project_id or store.value(
            "SELECT project_id FROM relation_types WHERE id = ?", [type_id]) != project_id:
        raise ProjectError("Codes en soort relatie moeten bij hetzelfde project horen.")
    if store.value("SELECT 1 FROM code_relations WHERE source_id = ? AND target_id = ? AND"
                   " type_id = ?", [source_id, target_id, type_id]):
        raise ProjectError("Deze relatie bestaat al.")
    _check_groundings(store, project_id, list(coding_ids), (source_id, target_id))

    def apply(tx: Tx) -> int:
        relation_id = tx.insert("code_relations", {
            "project_id": project_id, "source_id": source_id, "target_id": target_id,
            "type_id": type_id, "memo": memo.strip(), "created_by": user.id,
            "created_at": utcnow()}, entity="relation")
        for coding_id in dict.fromkeys(coding_ids):
            tx.link("relation_passages", {"relation_id": relation_id, "coding_id": coding_id},
                    entity="relation_passage")
        return relation_id

    return store.write(user.actor, apply)


def update_relation(store: Store, user: User, relation_id: int, *, memo: str | None = None,
                    coding_ids: list[int] | None = None) -> None:
    """Change a relation's memo or the passages that ground it."""
    row = store.one("SELECT * FROM code_relations WHERE id = ?", [relation_id])
    if row is None:
        raise ProjectError("Deze relatie bestaat niet.")
    require_write(store, user, row["project_id"])
    if coding_ids is not None:
        _check_groundings(store, row["project_id"], coding_ids,
                          (row["source_id"], row["target_id"]))

    def apply(tx: Tx) -> None:
        if memo is not None:
            tx.update("code_relations", relation_id, {"memo": memo.strip()}, entity="relation")
        if coding_ids is not None:
            tx.unlink("relation_passages", {"relation_id": relation_id},
                      entity="relation_passage")
            for coding_id in dict.fromkeys(coding_ids):
                tx.link("relation_passages", {"relation_id": relation_id,
                                              "coding_id": coding_id}, entity="relation_passage")

    store.write(user.actor, apply)


def delete_relation(store: Store, user: User, relation_id: int) -> None:
    """Remove a relation (its grounding links go with it)."""
    project_id = store.value("SELECT project_id FROM code_relations WHERE id = ?", [relation_id])
    if project_id is None:
        raise ProjectError("Deze relatie bestaat niet.")
    require_write(store, user, project_id)

    store.write(user.actor, lambda tx: drop_relation(tx, relation_id))


def drop_relation(tx: Tx, relation_id: int) -> None:
    """Delete (and log) a relation with its grounding links, inside a transaction."""
    tx.unlink("relation_passages", {"relation_id": relation_id}, entity="relation_passage")
    tx.delete("code_relations", relation_id, entity="relation")


def relations(store: Store, user: User, project_id: int) -> list[dict]:
    """Every relation with code and type names and the number of grounding passages."""
    require_read(store, user, project_id)
    return store.rows(
        "SELECT r.id, r.source_id, s.name AS source, r.target_id, t.name AS target,"
        " r.type_id, y.name AS type, y.directed, y.paradigm_role, r.memo,"
        " (SELECT count(*) FROM relation_passages p WHERE p.relation_id = r.id) AS passages"
        " FROM code_relations r JOIN codes s ON s.id = r.source_id"
        " JOIN codes t ON t.id = r.target_id JOIN relation_types y ON y.id = r.type_id"
        " WHERE r.project_id = ? ORDER BY s.name, y.name, t.name", [project_id])


def grounding(store: Store, user: User, relation_id: int) -> list[dict]:
    """The passages that ground a relation, with their text."""
    project_id = store.value("SELECT project_id FROM code_relations WHERE id = ?", [relation_id])
    if project_id is None:
        raise ProjectError("Deze relatie bestaat niet.")
    require_read(store, user, project_id)
    return store.rows(
        "SELECT g.id, d.name AS document, c.name AS code,"
        " substr(d.text, g.start_pos + 1, g.end_pos - g.start_pos) AS passage"
        " FROM relation_passages p JOIN codings g ON g.id = p.coding_id"
        " JOIN documents d ON d.id = g.document_id JOIN codes c ON c.id = g.code_id"
        " WHERE p.relation_id = ? ORDER BY d.name, g.start_pos", [relation_id])


# -- paradigm board and network ---------------------------------------------------------------

def paradigm_board(store: Store, user: User, phenomenon_id: int) -> dict[str, list[dict]]:
    """The slots around a phenomenon: for each paradigm role, the codes related to it through
    a relation of that role, or related in any way and given that role themselves."""
    project_id = project_of(store, "codes", phenomenon_id)
    require_read(store, user, project_id)
    board: dict[str, list[dict]] = {role: [] for role in paradigm.roles() if role != "fenomeen"}
    rows = store.rows(
        "SELECT c.id, c.name, c.colour, c.paradigm_role AS own_role, y.paradigm_role AS role,"
        " y.name AS type FROM code_relations r JOIN relation_types y ON y.id = r.type_id"
        " JOIN codes c ON c.id = CASE WHEN r.target_id = :p THEN r.source_id ELSE r.target_id END"
        " WHERE r.source_id = :p OR r.target_id = :p ORDER BY c.name", {"p": phenomenon_id})
    for row in rows:
        # A typed relation points from the slot to the phenomenon; otherwise the code's role.
        role = row["role"] if row["role"] in board else row["own_role"]
        if role in board and row["id"] not in [c["id"] for c in board[role]]:
            board[role].append({"id": row["id"], "name": row["name"], "colour": row["colour"],
                                "via": row["type"]})
    # A code given a role but not yet related stands in its slot too, unless it is related
    # to another phenomenon (it belongs on that board).
    placed = {c["id"] for slot in board.values() for c in slot}
    loose = store.rows(
        "SELECT c.id, c.name, c.colour, c.paradigm_role AS role FROM codes c"
        " WHERE c.project_id = :project AND c.id != :p AND c.paradigm_role IS NOT NULL"
        " AND NOT EXISTS (SELECT 1 FROM code_relations r JOIN codes o ON o.id ="
        "  CASE WHEN r.source_id = c.id THEN r.target_id ELSE r.source_id END"
        "  WHERE (r.source_id = c.id OR r.target_id = c.id) AND o.id != :p"
        "  AND o.paradigm_role = 'fenomeen')"
        " ORDER BY c.name COLLATE NOCASE", {"project": project_id, "p": phenomenon_id})
    for row in loose:
        if row["role"] in board and row["id"] not in placed:
            board[row["role"]].append({"id": row["id"], "name": row["name"],
                                       "colour": row["colour"], "via": None})
    return board


def network(store: Store, user: User, project_id: int) -> dict:
    """Nodes (codes with stage, groundedness and density) and edges (relations)."""
    require_read(store, user, project_id)
    edges = relations(store, user, project_id)
    density: dict[int, int] = {}
    for edge in edges:
        for end in (edge["source_id"], edge["target_id"]):
            density[end] = density.get(end, 0) + 1
    nodes = store.rows(
        "SELECT c.id, c.name, c.colour, c.stage, c.paradigm_role, count(g.id) AS groundedness"
        " FROM codes c LEFT JOIN codings g ON g.code_id = c.id WHERE c.project_id = ?"
        " GROUP BY c.id ORDER BY c.name", [project_id])
    core = store.value("SELECT core_code_id FROM projects WHERE id = ?", [project_id])
    for node in nodes:
        node["density"] = density.get(node["id"], 0)
        node["core"] = node["id"] == core
    return {"nodes": nodes, "edges": edges}


# -- selective coding -------------------------------------------------------------------------

def set_core(store: Store, user: User, project_id: int, code_id: int | None) -> None:
    """Mark the core category (its stage becomes selective), or clear it."""
    require_write(store, user, project_id)
    if code_id is not None and project_of(store, "codes", code_id) != project_id:
        raise ProjectError("De kerncategorie moet een code van dit project zijn.")

    def apply(tx: Tx) -> None:
        tx.update("projects", project_id, {"core_code_id": code_id}, entity="project")
        if code_id is not None:
            tx.update("codes", code_id, {"stage": "selectief"}, entity="code")

    store.write(user.actor, apply)


def set_storyline(store: Store, user: User, project_id: int, text: str) -> None:
    """The storyline memo of selective coding (markdown)."""
    require_write(store, user, project_id)
    store.write(user.actor, lambda tx: tx.update("projects", project_id, {"storyline": text},
                                                  entity="project"))


def unconnected_to_core(store: Store, user: User, project_id: int) -> list[dict]:
    """Axial categories that no chain of relations (either direction) links to the core
    category; all axial categories when no core is chosen."""
    require_read(store, user, project_id)
    core = store.value("SELECT core_code_id FROM projects WHERE id = ?", [project_id])
    neighbours: dict[int, set[int]] = {}
    for row in store.rows("SELECT source_id, target_id FROM code_relations WHERE project_id = ?",
                          [project_id]):
        neighbours.setdefault(row["source_id"], set()).add(row["target_id"])
        neighbours.setdefault(row["target_id"], set()).add(row["source_id"])
    reached: set[int] = set()
    queue = deque([core] if core is not None else [])
    while queue:
        code = queue.popleft()
        if code in reached:
            continue
        reached.add(code)
        queue.extend(neighbours.get(code, set()) - reached)
    return [row for row in store.rows(
        "SELECT id, name FROM codes WHERE project_id = ? AND stage = 'axiaal' ORDER BY name",
        [project_id]) if row["id"] not in reached]


def model_text(store: Store, user: User, project_id: int, *, storyline: bool = True) -> str:
    """The theoretical model as plain text: core category, storyline (unless a report shows
    it formatted on its own), categories, relations."""
    require_read(store, user, project_id)
    project = store.one("SELECT name, core_code_id, storyline FROM projects WHERE id = ?",
                        [project_id])
    assert project is not None  # require_read found it
    core = store.value("SELECT name FROM codes WHERE id = ?", [project["core_code_id"]]) \
        if project["core_code_id"] else None
    roles = paradigm.roles()
    lines = [f"Model: {project['name']}", "",
             f"Kerncategorie: {core or '(nog niet gekozen)'}", ""]
    if storyline and project["storyline"].strip():
        lines += ["Verhaallijn:", project["storyline"].strip(), ""]
    lines.append("Categorieën:")
    for row in store.rows("SELECT name, stage, paradigm_role FROM codes WHERE project_id = ?"
                          " AND stage != 'open' ORDER BY stage DESC, name", [project_id]):
        role = f", {roles[row['paradigm_role']].lower()}" if row["paradigm_role"] in roles else ""
        lines.append(f"- {row['name']} ({paradigm.STAGES[row['stage']].lower()}{role})")
    lines += ["", "Relaties:"]
    for row in relations(store, user, project_id):
        memo = f" — {row['memo']}" if row["memo"] else ""
        lines.append(f"- {row['source']} {row['type']} {row['target']} "
                     f"({row['passages']} {'fragment' if row['passages'] == 1 else 'fragmenten'})"
                     f"{memo}")
    missing = unconnected_to_core(store, user, project_id)
    if missing and core:
        lines += ["", "Niet verbonden met de kerncategorie: "
                  + ", ".join(r["name"] for r in missing)]
    return "\n".join(lines) + "\n"
