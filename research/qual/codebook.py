"""The codebook of a project: codes in a tree, their definitions, code sets; YAML files.

A code has a name, colour, definition (`description`), inclusion and exclusion criteria and
an example. Codes can be renamed, moved under another code, merged into one, split (chosen
passages move to a new code) and deleted; each change is logged.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from research import untrusted
from research.accounts import User
from research.qual import axial, memos, paradigm
from research.qual.projects import ProjectError, project_of, require_read, require_write
from research.storage import Store, Tx, utcnow

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
TEXT_FIELDS = ("description", "inclusion", "exclusion", "example")
# Limits on a YAML codebook from outside (a real one is a few kilobytes): the pure-Python YAML
# parser takes seconds per megabyte, and every code is stored on its own.
MAX_YAML_CHARACTERS = 2 * 1024 * 1024
MAX_YAML_CODES = 10_000
MAX_YAML_DEPTH = 100
# Colours handed out to new codes in turn: distinguishable, readable under dark text.
PALETTE = ["#f2c94c", "#6fcf97", "#56ccf2", "#bb6bd9", "#f2994a", "#eb5757", "#9b51e0",
           "#2d9cdb", "#27ae60", "#e0a800", "#ff8fab", "#a0c4ff"]


_CODE_COLUMNS = ("c.id, c.name, c.description, c.inclusion, c.exclusion, c.example, c.colour,"
                " c.parent_id, c.stage, c.paradigm_role")


def codes(store: Store, user: User, project_id: int, *,
          coders: list[int] | None = None) -> list[dict]:
    """The project's codes with groundedness (passages) and the number of documents they
    occur in, ordered as a tree (each parent before its children) with a `depth`."""
    require_read(store, user, project_id)
    coder_filter = "" if coders is None else \
        f" AND g.created_by IN ({', '.join('?' * len(coders)) or 'NULL'})"
    return _tree(store.rows(
        f"SELECT {_CODE_COLUMNS}, count(g.id) AS passages,"
        " count(DISTINCT g.document_id) AS documents"
        f" FROM codes c LEFT JOIN codings g ON g.code_id = c.id{coder_filter}"
        " WHERE c.project_id = ? GROUP BY c.id ORDER BY c.name COLLATE NOCASE",
        [*(coders or []), project_id]))


def code_tree(store: Store, user: User, project_id: int) -> list[dict]:
    """`codes` without the counts, for choosing a code: counting 100,000 codings took a
    fifth of a second, on every tap and every code applied in Coderen."""
    require_read(store, user, project_id)
    return _tree(store.rows(
        f"SELECT {_CODE_COLUMNS} FROM codes c WHERE c.project_id = ?"
        " ORDER BY c.name COLLATE NOCASE", [project_id]))


def _tree(rows: list[dict]) -> list[dict]:
    """Codes ordered as a tree (each parent before its children, siblings as `rows` are
    ordered), each with its `depth`."""
    children: dict[int | None, list[dict]] = {}
    for row in rows:
        children.setdefault(row["parent_id"], []).append(row)
    ordered: list[dict] = []

    def walk(parent: int | None, depth: int) -> None:
        for row in children.get(parent, []):
            ordered.append({**row, "depth": depth})
            walk(row["id"], depth + 1)

    walk(None, 0)
    return ordered


def name_key(parent_id: int | None, name: str) -> str:
    """The stored key that keeps a code's name unique among its siblings (migration 0015)."""
    return f"{parent_id or 0}:{name}"


def _clean_name(store: Store, project_id: int, name: str, code_id: int | None = None,
                parent_id: int | None = None) -> str:
    """The name with single spaces; refused when empty or when a sibling (a code under the
    same parent) has it: the tree tells 'Steun' under 'Familie' from 'Steun' under 'Buurt'."""
    name = " ".join(name.split())
    if not name:
        raise ProjectError("Geef de code een naam.")
    _check_free(store, project_id, name, parent_id, code_id)
    return name


def _check_free(store: Store, project_id: int, name: str, parent_id: int | None,
                code_id: int | None = None, going: int | None = None) -> None:
    """Refuse a name that a code under `parent_id` (other than `code_id` itself and `going`,
    a code about to be deleted) already has."""
    if store.value("SELECT 1 FROM codes WHERE project_id = ? AND name = ? AND parent_id IS ?"
                   " AND id IS NOT ? AND id IS NOT ?",
                   [project_id, name, parent_id, code_id, going]):
        if parent_id is None:
            raise ProjectError(f"Er is al een code '{name}' bovenaan het codeboek.")
        parent = store.value("SELECT name FROM codes WHERE id = ?", [parent_id])
        raise ProjectError(f"Er is al een code '{name}' onder '{parent}'.")


def _park(tx: Tx, code_id: int) -> None:
    """Free the name of a code that is about to go, so that its subcodes may take its place
    (a subcode may share its parent's name); the key is not logged: it follows from name and
    parent (see `name_key`)."""
    tx.db.execute("UPDATE codes SET name_key = 'weg:' || id WHERE id = ?", [code_id])


def labels(codes: list[dict]) -> dict[int, str]:
    """Code id -> how to name it where the tree is not shown: its name, or its path
    ('Familie › Steun') when another code has the same name."""
    by_id = {c["id"]: c for c in codes}
    counts: dict[str, int] = {}
    for code in codes:
        counts[code["name"]] = counts.get(code["name"], 0) + 1

    def path(code: dict) -> str:
        names: list[str] = []
        current: dict | None = code
        seen: set[int] = set()
        while current is not None and current["id"] not in seen:
            seen.add(current["id"])
            names.insert(0, current["name"])
            current = by_id.get(current["parent_id"])
        return " › ".join(names)

    return {c["id"]: c["name"] if counts[c["name"]] == 1 else path(c) for c in codes}


def project_labels(store: Store, project_id: int) -> dict[int, str]:
    """`labels` of all of a project's codes (for modules that read codes with their own SQL;
    the caller has checked access)."""
    return labels(store.rows("SELECT id, name, parent_id FROM codes WHERE project_id = ?",
                             [project_id]))


def named(store: Store, project_id: int, rows: list[dict]) -> list[dict]:
    """Code rows with their `name` made unique as in `labels` (a path where it is shared)."""
    shown = project_labels(store, project_id)
    return [{**row, "name": shown.get(row["id"], row["name"])} for row in rows]


def find_code(store: Store, user: User, project_id: int, reference: str) -> int:
    """A code's id from its name, or its path when the name is not unique ('Familie/Steun'
    or 'Familie › Steun'), as typed on the command line."""
    rows = codes(store, user, project_id)
    wanted = " ".join(reference.split())
    by_label = {label: code_id for code_id, label in labels(rows).items()}
    parts = [" ".join(p.split()) for p in re.split(r"/|›", wanted)]
    if wanted in by_label:
        return by_label[wanted]
    paths = {tuple(_path(rows, c["id"])): c["id"] for c in rows}
    if tuple(parts) in paths:
        return paths[tuple(parts)]
    named = [c for c in rows if c["name"] == wanted]
    if len(named) > 1:
        raise ProjectError(f"Er zijn {len(named)} codes '{wanted}'; geef het pad, zoals "
                           f"'{' / '.join(_path(rows, named[0]['id']))}'.")
    raise ProjectError(f"Er is geen code '{reference.strip()}' in dit project.")


def _path(rows: list[dict], code_id: int) -> list[str]:
    by_id = {c["id"]: c for c in rows}
    names: list[str] = []
    current = by_id.get(code_id)
    while current is not None:
        names.insert(0, current["name"])
        current = by_id.get(current["parent_id"])
    return names


def _check_parent(store: Store, project_id: int, code_id: int | None,
                  parent_id: int | None) -> None:
    if parent_id is None:
        return
    if store.value("SELECT project_id FROM codes WHERE id = ?", [parent_id]) != project_id:
        raise ProjectError("De bovenliggende code hoort niet bij dit project.")
    ancestor: int | None = parent_id
    while ancestor is not None:
        if ancestor == code_id:
            raise ProjectError("Een code kan niet onder zichzelf of een van haar subcodes staan.")
        ancestor = store.value("SELECT parent_id FROM codes WHERE id = ?", [ancestor])


def next_colour(store: Store, project_id: int) -> str:
    """The palette colour for the project's next code."""
    used = store.value("SELECT count(*) FROM codes WHERE project_id = ?", [project_id])
    return PALETTE[used % len(PALETTE)]


def add_code(store: Store, user: User, project_id: int, name: str, colour: str | None = None,
             description: str = "", parent_id: int | None = None, *, inclusion: str = "",
             exclusion: str = "", example: str = "") -> int:
    """Create a code; returns its id."""
    require_write(store, user, project_id)
    _check_parent(store, project_id, None, parent_id)
    name = _clean_name(store, project_id, name, parent_id=parent_id)
    colour = colour or next_colour(store, project_id)
    if not HEX_COLOUR.match(colour):
        raise ProjectError("Een kleur is een hexadecimale code zoals #f2c94c.")
    return store.write(user.actor, lambda tx: tx.insert("codes", {
        "project_id": project_id, "name": name, "name_key": name_key(parent_id, name),
        "colour": colour.lower(),
        "description": description.strip(), "inclusion": inclusion.strip(),
        "exclusion": exclusion.strip(), "example": example.strip(), "parent_id": parent_id,
        "created_at": utcnow()}, entity="code"))


def update_code(store: Store, user: User, code_id: int, **changes) -> None:
    """Change a code's name, colour, texts, parent (`parent_id=None` makes it top level),
    stage (open, axiaal, selectief) or paradigm role (None clears it)."""
    project_id = project_of(store, "codes", code_id)
    require_write(store, user, project_id)
    allowed = {"name", "colour", "parent_id", "stage", "paradigm_role", *TEXT_FIELDS}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"unknown code fields {sorted(unknown)}")
    current = store.one("SELECT name, parent_id FROM codes WHERE id = ?", [code_id])
    assert current is not None  # project_of found it
    if "name" in changes or "parent_id" in changes:
        changes["name"] = _clean_name(store, project_id, changes.get("name", current["name"]),
                                      code_id, changes.get("parent_id", current["parent_id"]))
    if "colour" in changes:
        if not HEX_COLOUR.match(changes["colour"] or ""):
            raise ProjectError("Een kleur is een hexadecimale code zoals #f2c94c.")
        changes["colour"] = changes["colour"].lower()
    if "parent_id" in changes:
        _check_parent(store, project_id, code_id, changes["parent_id"])
    if "stage" in changes and changes["stage"] not in paradigm.STAGES:
        raise ProjectError(f"Onbekende fase '{changes['stage']}'.")
    if changes.get("paradigm_role") is not None and \
            changes["paradigm_role"] not in paradigm.roles():
        raise ProjectError(f"Onbekende rol '{changes['paradigm_role']}'.")
    for field in TEXT_FIELDS:
        if field in changes:
            changes[field] = (changes[field] or "").strip()
    store.write(user.actor, lambda tx: tx.update("codes", code_id, changes, entity="code"))


def merge_codes(store: Store, user: User, source_id: int, target_id: int) -> int:
    """Move every passage of `source_id` to `target_id`, hang its subcodes under the target and
    delete it; returns the number of passages moved (a duplicate passage is dropped)."""
    project_id = project_of(store, "codes", source_id)
    require_write(store, user, project_id)
    if source_id == target_id:
        raise ProjectError("Kies twee verschillende codes om samen te voegen.")
    if project_of(store, "codes", target_id) != project_id:
        raise ProjectError("Beide codes moeten bij hetzelfde project horen.")
    _check_parent(store, project_id, source_id, target_id)
    for child in store.rows("SELECT id, name FROM codes WHERE parent_id = ?", [source_id]):
        _check_free(store, project_id, child["name"], target_id, child["id"], source_id)

    def apply(tx: Tx) -> int:
        _park(tx, source_id)
        moved = 0
        for row in tx.db.execute("SELECT id, document_id, start_pos, end_pos, created_by"
                                 " FROM codings WHERE code_id = ?", [source_id]).fetchall():
            coding_id, document_id, start, end, coder = row
            if tx.db.execute("SELECT 1 FROM codings WHERE code_id = ? AND document_id = ? AND"
                             " start_pos = ? AND end_pos = ? AND created_by IS ?",
                             [target_id, document_id, start, end, coder]).fetchone():
                tx.delete("codings", coding_id, entity="coding")
            else:
                tx.update("codings", coding_id, {"code_id": target_id}, entity="coding")
                moved += 1
        for (child,) in tx.db.execute("SELECT id FROM codes WHERE parent_id = ?",
                                      [source_id]).fetchall():
            tx.update("codes", child, {"parent_id": target_id}, entity="code")
        for (set_id,) in tx.db.execute("SELECT set_id FROM code_set_members WHERE code_id = ?",
                                       [source_id]).fetchall():
            if not tx.db.execute("SELECT 1 FROM code_set_members WHERE set_id = ? AND"
                                 " code_id = ?", [set_id, target_id]).fetchone():
                tx.link("code_set_members", {"set_id": set_id, "code_id": target_id},
                        entity="code_set_member")
        tx.unlink("code_set_members", {"code_id": source_id}, entity="code_set_member")
        tx.db.execute("UPDATE memos SET target_id = ? WHERE target_kind = 'code' AND"
                      " target_id = ?", [target_id, source_id])
        _move_relations(tx, source_id, target_id)
        tx.delete("codes", source_id, entity="code")
        return moved

    return store.write(user.actor, apply)


def _move_relations(tx: Tx, source_id: int, target_id: int) -> None:
    """Point the relations of a merged code at the code it went into; one that would relate
    the target to itself, or repeat an existing relation, goes."""
    for relation in tx.db.execute("SELECT id, source_id, target_id, type_id FROM code_relations"
                                  " WHERE source_id = ? OR target_id = ?",
                                  [source_id, source_id]).fetchall():
        relation_id, start, end, type_id = relation
        start, end = (target_id if start == source_id else start,
                      target_id if end == source_id else end)
        duplicate = tx.db.execute("SELECT 1 FROM code_relations WHERE source_id = ? AND"
                                  " target_id = ? AND type_id = ? AND id != ?",
                                  [start, end, type_id, relation_id]).fetchone()
        if start == end or duplicate:
            axial.drop_relation(tx, relation_id)
        else:
            tx.update("code_relations", relation_id, {"source_id": start, "target_id": end},
                      entity="relation")


def split_code(store: Store, user: User, code_id: int, coding_ids: list[int], new_name: str,
               colour: str | None = None) -> int:
    """Move the chosen passages of a code to a new code (a sibling); returns its id."""
    project_id = project_of(store, "codes", code_id)
    require_write(store, user, project_id)
    if not coding_ids:
        raise ProjectError("Kies de fragmenten die naar de nieuwe code gaan.")
    found = {r["id"] for r in store.rows(
        f"SELECT id FROM codings WHERE code_id = ? AND id IN ({', '.join('?' * len(coding_ids))})",
        [code_id, *coding_ids])}
    if found != set(coding_ids):
        raise ProjectError("Niet alle gekozen fragmenten horen bij deze code.")
    parent = store.value("SELECT parent_id FROM codes WHERE id = ?", [code_id])
    name = _clean_name(store, project_id, new_name, parent_id=parent)
    colour = colour or next_colour(store, project_id)

    def apply(tx: Tx) -> int:
        new_id = tx.insert("codes", {"project_id": project_id, "name": name,
                                     "name_key": name_key(parent, name), "colour": colour,
                                     "parent_id": parent, "created_at": utcnow()}, entity="code")
        for coding_id in coding_ids:
            tx.update("codings", coding_id, {"code_id": new_id}, entity="coding")
        return new_id

    return store.write(user.actor, apply)


def delete_impact(store: Store, user: User, code_id: int) -> dict:
    """What deleting a code would remove: its passages, subcodes and memos (for the
    confirmation question)."""
    require_read(store, user, project_of(store, "codes", code_id))
    return {
        "codings": store.value("SELECT count(*) FROM codings WHERE code_id = ?", [code_id]),
        "subcodes": store.value("SELECT count(*) FROM codes WHERE parent_id = ?", [code_id]),
        "memos": store.value("SELECT count(*) FROM memos WHERE target_kind = 'code' AND"
                             " target_id = ?", [code_id]),
    }


def delete_code(store: Store, user: User, code_id: int) -> None:
    """Delete a code with its passages; its subcodes move up to its parent."""
    project_id = project_of(store, "codes", code_id)
    require_write(store, user, project_id)
    parent_id = store.value("SELECT parent_id FROM codes WHERE id = ?", [code_id])
    for child in store.rows("SELECT id, name FROM codes WHERE parent_id = ?", [code_id]):
        _check_free(store, project_id, child["name"], parent_id, child["id"], code_id)

    def apply(tx: Tx) -> None:
        _park(tx, code_id)
        code = tx.get("codes", code_id)
        assert code is not None  # project_of found it
        parent = code["parent_id"]
        for (child,) in tx.db.execute("SELECT id FROM codes WHERE parent_id = ?",
                                      [code_id]).fetchall():
            tx.update("codes", child, {"parent_id": parent}, entity="code")
        for (coding_id,) in tx.db.execute("SELECT id FROM codings WHERE code_id = ?",
                                          [code_id]).fetchall():
            memos.delete_for(tx, "coding", coding_id)
            tx.delete("codings", coding_id, entity="coding")
        memos.delete_for(tx, "code", code_id)
        for (relation_id,) in tx.db.execute("SELECT id FROM code_relations WHERE source_id = ?"
                                            " OR target_id = ?", [code_id, code_id]).fetchall():
            axial.drop_relation(tx, relation_id)
        tx.unlink("code_set_members", {"code_id": code_id}, entity="code_set_member")
        tx.delete("codes", code_id, entity="code")

    store.write(user.actor, apply)


# -- code sets --------------------------------------------------------------------------------

def code_sets(store: Store, user: User, project_id: int) -> list[dict]:
    """The project's code sets with their member code ids."""
    require_read(store, user, project_id)
    sets = store.rows("SELECT id, name, description FROM code_sets WHERE project_id = ?"
                      " ORDER BY name", [project_id])
    for row in sets:
        row["codes"] = [r["code_id"] for r in store.rows(
            "SELECT code_id FROM code_set_members WHERE set_id = ? ORDER BY code_id", [row["id"]])]
    return sets


def save_code_set(store: Store, user: User, project_id: int, name: str, code_ids: list[int],
                  description: str = "", set_id: int | None = None) -> int:
    """Create or replace a code set (a code may sit in several sets); returns its id."""
    require_write(store, user, project_id)
    name = " ".join(name.split())
    if not name:
        raise ProjectError("Geef de codeset een naam.")
    if store.value("SELECT 1 FROM code_sets WHERE project_id = ? AND name = ? AND id IS NOT ?",
                   [project_id, name, set_id]):
        raise ProjectError(f"Er is al een codeset '{name}'.")
    for code_id in code_ids:
        if store.value("SELECT project_id FROM codes WHERE id = ?", [code_id]) != project_id:
            raise ProjectError("Een code in de set hoort niet bij dit project.")

    def apply(tx: Tx) -> int:
        if set_id is None:
            new_id = tx.insert("code_sets", {"project_id": project_id, "name": name,
                                             "description": description.strip()},
                               entity="code_set")
        else:
            new_id = set_id
            tx.update("code_sets", set_id, {"name": name, "description": description.strip()},
                      entity="code_set")
            tx.unlink("code_set_members", {"set_id": set_id}, entity="code_set_member")
        for code_id in dict.fromkeys(code_ids):
            tx.link("code_set_members", {"set_id": new_id, "code_id": code_id},
                    entity="code_set_member")
        return new_id

    return store.write(user.actor, apply)


def delete_code_set(store: Store, user: User, set_id: int) -> None:
    """Delete a code set (its codes stay)."""
    project_id = store.value("SELECT project_id FROM code_sets WHERE id = ?", [set_id])
    if project_id is None:
        raise ProjectError("Deze codeset bestaat niet.")
    require_write(store, user, project_id)

    def apply(tx: Tx) -> None:
        tx.unlink("code_set_members", {"set_id": set_id}, entity="code_set_member")
        tx.delete("code_sets", set_id, entity="code_set")

    store.write(user.actor, apply)


# -- files ------------------------------------------------------------------------------------

def to_yaml(store: Store, user: User, project_id: int) -> str:
    """The codebook as YAML (nested codes with their texts, and the code sets)."""
    rows = codes(store, user, project_id)
    by_parent: dict[int | None, list[dict]] = {}
    for row in rows:
        by_parent.setdefault(row["parent_id"], []).append(row)

    def entry(row: dict) -> dict:
        item = {"naam": row["name"], "kleur": row["colour"]}
        for field, key in zip(TEXT_FIELDS, ("definitie", "insluiten", "uitsluiten", "voorbeeld"),
                              strict=True):
            if row[field]:
                item[key] = row[field]
        if row["id"] in by_parent:
            item["subcodes"] = [entry(child) for child in by_parent[row["id"]]]
        return item

    names = labels(rows)
    book = {"codes": [entry(row) for row in by_parent.get(None, [])],
            "codesets": [{"naam": s["name"], "omschrijving": s["description"],
                          "codes": [names[c] for c in s["codes"]]}
                         for s in code_sets(store, user, project_id)]}
    return yaml.safe_dump(book, allow_unicode=True, sort_keys=False, width=100)


def parse_yaml(text: str, source: str = "codeboek") -> tuple[list[dict], list[dict]]:
    """Read a YAML codebook into flat codes (with `parent` names) and sets; ProjectError in
    Dutch when the file is not such a codebook.

    The file is untrusted: its size, the number of codes and their nesting are limited, and
    every field must be a single value (YAML aliases can make a small file expand
    exponentially, or refer to themselves)."""
    if len(text) > MAX_YAML_CHARACTERS:
        raise ProjectError(f"{source} is te groot voor een codeboek (meer dan "
                           f"{MAX_YAML_CHARACTERS // (1024 * 1024)} MB).")
    try:
        book = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (regel {mark.line + 1})" if mark else ""
        raise ProjectError(f"{source} is geen geldig YAML-bestand{where}.") from None
    except RecursionError:
        raise ProjectError(f"{source} is te diep genest voor een codeboek.") from None
    if not isinstance(book, dict) or not isinstance(book.get("codes"), list):
        raise ProjectError(f"{source} heeft geen lijst 'codes'.")

    def text_of(value, what: str) -> str:
        if value is None:
            return ""
        if not isinstance(value, (str, int, float, date)):  # bool is an int; date: datetime too
            raise ProjectError(f"{source}: {what} moet een tekst zijn, geen lijst of tabel.")
        return str(value)

    def items_of(value, what: str) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            raise ProjectError(f"{source}: {what} moet een lijst zijn.")
        return value

    flat: list[dict] = []
    # Depth first with an explicit stack (no recursion), parents before their children.
    stack: list[tuple[Any, tuple[str, ...] | None, int]] = [
        (item, None, 1) for item in reversed(book["codes"])]
    while stack:
        item, parent, depth = stack.pop()
        if depth > MAX_YAML_DEPTH:
            raise ProjectError(f"{source}: codes zijn meer dan {MAX_YAML_DEPTH} niveaus diep "
                               "genest.")
        if len(flat) >= MAX_YAML_CODES:
            raise ProjectError(f"{source} bevat meer dan {MAX_YAML_CODES:,} codes.".replace(
                ",", "."))
        if not isinstance(item, dict) or not text_of(item.get("naam"), "'naam'").strip():
            raise ProjectError(f"{source}: elke code heeft een 'naam'.")
        name = " ".join(text_of(item["naam"], "'naam'").split())
        path = (*parent, name) if parent else (name,)
        flat.append({"name": name, "parent": parent[-1] if parent else None, "path": path,
                     "colour": text_of(item.get("kleur"), "'kleur'"),
                     **{field: text_of(item.get(key), f"'{key}'") for field, key in zip(
                         TEXT_FIELDS, ("definitie", "insluiten", "uitsluiten", "voorbeeld"),
                         strict=True)}})
        children = items_of(item.get("subcodes"), f"'subcodes' van '{name}'")
        stack.extend((child, path, depth + 1) for child in reversed(children))
    sets = [{"name": text_of(s.get("naam", ""), "de 'naam' van een codeset"),
             "description": text_of(s.get("omschrijving"), "'omschrijving'"),
             "codes": [text_of(c, "een code in een codeset")
                       for c in items_of(s.get("codes"), "'codes' van een codeset")]}
            for s in items_of(book.get("codesets"), "'codesets'") if isinstance(s, dict)]
    return flat, sets


def load_codes(store: Store, user: User, project_id: int, flat: list[dict],
               sets: list[dict]) -> dict:
    """Add codes and sets to a project in one transaction; a code that exists already at the
    same place in the tree (same path of names), or by a name only one code of the project
    has, is kept as it is (a starter codebook loaded into a flat codebook finds its codes).
    Returns counts of what was added and skipped."""
    require_write(store, user, project_id)
    rows = store.rows("SELECT id, name, parent_id FROM codes WHERE project_id = ?", [project_id])
    existing = {tuple(_path(rows, r["id"])): r["id"] for r in rows}
    names = [r["name"] for r in rows]
    unique = {r["name"]: r["id"] for r in rows if names.count(r["name"]) == 1}
    set_names = {r["name"] for r in store.rows("SELECT name FROM code_sets WHERE project_id = ?",
                                               [project_id])}
    for item in flat:
        if item["colour"] and not HEX_COLOUR.match(item["colour"]):
            item["colour"] = ""

    def apply(tx: Tx) -> dict:
        ids, added, skipped = dict(existing), 0, 0
        used = len(existing)
        for item in flat:
            name = " ".join(item["name"].split())
            path = tuple(item.get("path") or (*([item["parent"]] if item["parent"] else []),
                                              name))
            if path in ids or name in unique:
                ids.setdefault(path, unique.get(name))
                skipped += 1
                continue
            parent_id = ids.get(path[:-1]) if len(path) > 1 else None
            ids[path] = tx.insert("codes", {
                "project_id": project_id, "name": name, "name_key": name_key(parent_id, name),
                "colour": (item["colour"] or PALETTE[used % len(PALETTE)]).lower(),
                "parent_id": parent_id,
                "created_at": utcnow(), **{f: item.get(f, "").strip() for f in TEXT_FIELDS}},
                entity="code")
            used += 1
            added += 1
        new_sets = 0
        for code_set in sets:
            if not code_set["name"] or code_set["name"] in set_names:
                continue
            set_id = tx.insert("code_sets", {"project_id": project_id, "name": code_set["name"],
                                             "description": code_set["description"]},
                               entity="code_set")
            for code_name in dict.fromkeys(code_set["codes"]):
                member = _member(ids, code_name)
                if member is not None:
                    tx.link("code_set_members", {"set_id": set_id, "code_id": member},
                            entity="code_set_member")
            new_sets += 1
        return {"codes": added, "skipped": skipped, "codesets": new_sets}

    return store.write(user.actor, apply)


def _member(ids: dict[tuple, int], reference: str) -> int | None:
    """The code a set member names: its path ('Familie › Steun' or 'Familie/Steun'), or its
    name when only one code has it."""
    parts = tuple(" ".join(p.split()) for p in re.split(r"/|›", reference))
    if parts in ids:
        return ids[parts]
    found = [code_id for path, code_id in ids.items() if path[-1] == " ".join(reference.split())]
    return found[0] if len(found) == 1 else None


def read_yaml_bytes(data: bytes, source: str) -> tuple[list[dict], list[dict]]:
    """A YAML codebook from bytes (an upload or a file; `source` names it): UTF-8, or UTF-16
    or UTF-32 with a BOM (`untrusted.decode`). YAML is Unicode by definition, so bytes that
    are none of these are refused rather than guessed as Windows-1252."""
    if len(data) > MAX_YAML_CHARACTERS * 4:  # at most 4 bytes a character
        raise ProjectError(f"{source} is te groot voor een codeboek (meer dan "
                           f"{MAX_YAML_CHARACTERS // (1024 * 1024)} MB).")
    decoded = untrusted.decode(data)
    if decoded.legacy or decoded.replaced:
        raise ProjectError(f"{source} is geen UTF-8-tekst en kan niet worden gelezen.")
    return parse_yaml(decoded.text, source)


def read_yaml_file(path: Path) -> tuple[list[dict], list[dict]]:
    """A YAML codebook from disk (e.g. from `codebooks/`)."""
    name = Path(path).name
    try:
        if Path(path).stat().st_size > MAX_YAML_CHARACTERS * 4:  # not read at all
            raise ProjectError(f"{name} is te groot voor een codeboek (meer dan "
                               f"{MAX_YAML_CHARACTERS // (1024 * 1024)} MB).")
        data = Path(path).read_bytes()
    except OSError as error:
        raise ProjectError(f"{name} kan niet worden gelezen.") from error
    return read_yaml_bytes(data, name)
