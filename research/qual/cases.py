"""Cases (the speakers: one case can span documents) and typed attributes of cases and documents.

A speaker label becomes a case when a document is stored. A person's name is one case in
every document ("Fatima" in two interviews is one participant); a generic label (Respondent,
R1, INT, Deelnemer A, Moderator, Spreker 1, ...; `transcripts.is_generic_label`) is a case per
document by default ("Respondent — Interview 3"), since "Respondent" in two interviews is
two people. The import preview shows where a label would join an existing case and lets the
user choose (`case_plan`); a case can be split by document afterwards (`split_case`).

Attribute types: tekst, getal, datum (ISO), janee, keuze (one of a list). Values are stored
as text in a canonical form and checked against the type, so a table of them can be edited
and filtered on.
"""

from __future__ import annotations

import json
from datetime import date

from research.accounts import User
from research.qual.projects import ProjectError, project_of, require_read, require_write
from research.qual.transcripts import is_generic_label
from research.storage import Store, Tx

TYPES = {"tekst": "Tekst", "getal": "Getal", "datum": "Datum", "janee": "Ja/nee",
         "keuze": "Keuzelijst"}
APPLIES_TO = {"case": "Casussen (sprekers)", "document": "Documenten"}
# How a speaker label becomes a case: one case per document, or one across documents.
MODES = {"eigen": "Eigen casus in dit document", "gedeeld": "Dezelfde casus in elk document"}
YES = {"ja", "j", "yes", "true", "1", "waar"}
NO = {"nee", "n", "no", "false", "0", "onwaar"}


def cases(store: Store, user: User, project_id: int) -> list[dict]:
    """The project's cases with the number of documents and turns they speak in."""
    require_read(store, user, project_id)
    return store.rows(
        "SELECT c.id, c.name, c.description, count(DISTINCT t.document_id) AS documents,"
        " count(t.id) AS turns FROM cases c LEFT JOIN turns t ON t.case_id = c.id"
        " WHERE c.project_id = ? GROUP BY c.id ORDER BY c.name COLLATE NOCASE", [project_id])


def default_mode(label: str) -> str:
    """'eigen' for a generic label (a role: two documents, two people), else 'gedeeld'."""
    return "eigen" if is_generic_label(label) else "gedeeld"


def case_name(label: str, document_name: str, mode: str | None = None) -> str:
    """The case a speaker label of a document belongs to: the label itself ('gedeeld'), or
    the label with the document's name ('eigen': "Respondent — Interview 3")."""
    mode = mode or default_mode(label)
    if mode not in MODES:
        raise ProjectError(f"Onbekende keuze '{mode}' voor de casus van '{label}'.")
    return label if mode == "gedeeld" else f"{label} — {document_name}"


def case_plan(store: Store, user: User, project_id: int, document_name: str,
              speakers: list[str]) -> list[dict]:
    """Per speaker of a document about to be imported: the case it goes to by default, and
    whether that joins an existing case; with the other choice and what it would do. For
    the import preview."""
    require_read(store, user, project_id)
    existing = {r["name"]: r for r in cases(store, user, project_id)}
    plan = []
    for label in speakers:
        mode = default_mode(label)
        names = {m: case_name(label, document_name, m) for m in MODES}
        plan.append({
            "speaker": label, "generic": mode == "eigen", "mode": mode, "case": names[mode],
            "names": names, "joins": names[mode] in existing,
            "exists": {m: names[m] in existing for m in MODES},
            "documents": {m: existing[names[m]]["documents"] if names[m] in existing else 0
                          for m in MODES}})
    return plan


def split_case(store: Store, user: User, case_id: int) -> list[int]:
    """Split a case that speaks in several documents into one case per document ("Respondent
    — Interview 3"): its turns move, its attribute values are copied to each new case, its
    memos go with the case of its first document. Returns the new cases' ids."""
    project_id = project_of(store, "cases", case_id)
    require_write(store, user, project_id)
    case = store.one("SELECT * FROM cases WHERE id = ?", [case_id])
    assert case is not None  # project_of found it
    docs = store.rows(
        "SELECT DISTINCT d.id, d.name FROM turns t JOIN documents d ON d.id = t.document_id"
        " WHERE t.case_id = ? ORDER BY d.held_on IS NULL, d.held_on, d.position, d.name",
        [case_id])
    if len(docs) < 2:
        raise ProjectError(f"De casus '{case['name']}' komt maar in één document voor; er is "
                           "niets te splitsen.")
    names = [case_name(case["name"], d["name"], "eigen") for d in docs]
    taken = [n for n in names if store.value(
        "SELECT 1 FROM cases WHERE project_id = ? AND name = ?", [project_id, n])]
    if taken:
        raise ProjectError(f"Er is al een casus '{taken[0]}'; hernoem die eerst.")

    def apply(tx: Tx) -> list[int]:
        values = tx.db.execute(
            "SELECT v.attribute_id, v.value FROM attribute_values v JOIN attributes a ON"
            " a.id = v.attribute_id WHERE a.applies_to = 'case' AND v.item_id = ?",
            [case_id]).fetchall()
        made = []
        for doc, name in zip(docs, names, strict=True):
            new_id = tx.insert("cases", {"project_id": project_id, "name": name,
                                         "description": case["description"]}, entity="case")
            tx.db.execute("UPDATE turns SET case_id = ? WHERE case_id = ? AND document_id = ?",
                          [new_id, case_id, doc["id"]])
            for attribute_id, value in values:
                tx.link("attribute_values", {"attribute_id": attribute_id, "item_id": new_id,
                                             "value": value}, entity="attribute_value")
            made.append(new_id)
        tx.event("case", case_id, "split", {"case_id": case_id}, {"case_ids": made})
        tx.db.execute("UPDATE memos SET target_id = ? WHERE target_kind = 'case' AND"
                      " target_id = ?", [made[0], case_id])
        delete_values(tx, "case", case_id)
        tx.delete("cases", case_id, entity="case")
        return made

    return store.write(user.actor, apply)


def rename_case(store: Store, user: User, case_id: int, name: str) -> None:
    """Rename a case (the speaker labels in the documents' text stay as imported)."""
    project_id = project_of(store, "cases", case_id)
    require_write(store, user, project_id)
    name = " ".join(name.split())
    if not name:
        raise ProjectError("Geef de casus een naam.")
    if store.value("SELECT 1 FROM cases WHERE project_id = ? AND name = ? AND id != ?",
                   [project_id, name, case_id]):
        raise ProjectError(f"Er is al een casus '{name}'; voeg ze samen als het dezelfde is.")
    store.write(user.actor, lambda tx: tx.update("cases", case_id, {"name": name}, entity="case"))


def merge_cases(store: Store, user: User, source_id: int, target_id: int) -> None:
    """Make two cases one (the same participant under two names): turns, attribute values
    the target lacks and memos move to the target."""
    project_id = project_of(store, "cases", source_id)
    require_write(store, user, project_id)
    if source_id == target_id or project_of(store, "cases", target_id) != project_id:
        raise ProjectError("Kies twee verschillende casussen van dit project.")

    def apply(tx: Tx) -> None:
        tx.db.execute("UPDATE turns SET case_id = ? WHERE case_id = ?", [target_id, source_id])
        tx.event("case", target_id, "merge", {"case_id": source_id}, {"case_id": target_id})
        for attribute_id, value in tx.db.execute(
                "SELECT v.attribute_id, v.value FROM attribute_values v JOIN attributes a ON"
                " a.id = v.attribute_id WHERE a.applies_to = 'case' AND v.item_id = ?",
                [source_id]).fetchall():
            if not tx.db.execute("SELECT 1 FROM attribute_values WHERE attribute_id = ? AND"
                                 " item_id = ?", [attribute_id, target_id]).fetchone():
                tx.link("attribute_values", {"attribute_id": attribute_id, "item_id": target_id,
                                             "value": value}, entity="attribute_value")
        delete_values(tx, "case", source_id)
        tx.db.execute("UPDATE memos SET target_id = ? WHERE target_kind = 'case' AND"
                      " target_id = ?", [target_id, source_id])
        tx.delete("cases", source_id, entity="case")

    store.write(user.actor, apply)


def delete_values(tx: Tx, applies_to: str, item_id: int) -> None:
    """Delete (and log) the attribute values of one case or document, inside a transaction."""
    for (attribute_id,) in tx.db.execute(
            "SELECT v.attribute_id FROM attribute_values v JOIN attributes a ON"
            " a.id = v.attribute_id WHERE a.applies_to = ? AND v.item_id = ?",
            [applies_to, item_id]).fetchall():
        tx.unlink("attribute_values", {"attribute_id": attribute_id, "item_id": item_id},
                  entity="attribute_value")


# -- attributes -------------------------------------------------------------------------------

def attributes(store: Store, user: User, project_id: int, applies_to: str) -> list[dict]:
    """The attributes defined for cases or documents, in their order, choices as a list."""
    require_read(store, user, project_id)
    rows = store.rows("SELECT id, name, type, choices FROM attributes WHERE project_id = ?"
                      " AND applies_to = ? ORDER BY position, id", [project_id, applies_to])
    return [{**row, "choices": json.loads(row["choices"])} for row in rows]


def add_attribute(store: Store, user: User, project_id: int, applies_to: str, name: str,
                  type_: str, choices: list[str] | None = None) -> int:
    """Define an attribute for cases or documents; returns its id."""
    require_write(store, user, project_id)
    if applies_to not in APPLIES_TO:
        raise ProjectError("Een kenmerk hoort bij casussen of bij documenten.")
    if type_ not in TYPES:
        raise ProjectError(f"Onbekend type '{type_}'; kies {', '.join(TYPES.values())}.")
    name = " ".join(name.split())
    if not name:
        raise ProjectError("Geef het kenmerk een naam.")
    choices = [c.strip() for c in choices or [] if c.strip()]
    if type_ == "keuze" and not choices:
        raise ProjectError("Een keuzelijst heeft minstens één keuze.")
    if store.value("SELECT 1 FROM attributes WHERE project_id = ? AND applies_to = ? AND"
                   " name = ?", [project_id, applies_to, name]):
        raise ProjectError(f"Er is al een kenmerk '{name}'.")
    position = store.value("SELECT coalesce(max(position), 0) + 1 FROM attributes WHERE"
                           " project_id = ?", [project_id])
    return store.write(user.actor, lambda tx: tx.insert("attributes", {
        "project_id": project_id, "applies_to": applies_to, "name": name, "type": type_,
        "choices": json.dumps(list(dict.fromkeys(choices)), ensure_ascii=False),
        "position": position}, entity="attribute"))


def canonical(value, type_: str, choices: list[str], name: str) -> str | None:
    """A value in its stored text form; None for empty; ProjectError naming the attribute
    when it does not fit the type."""
    if value is None or (isinstance(value, float) and value != value) or str(value).strip() == "":
        return None
    text = str(value).strip()
    if type_ == "getal":
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            raise ProjectError(f"'{text}' is geen getal (kenmerk {name}).") from None
        return str(int(number)) if number.is_integer() else repr(number)
    if type_ == "datum":
        try:
            return date.fromisoformat(text[:10]).isoformat()
        except ValueError:
            raise ProjectError(f"'{text}' is geen datum als 2026-03-12 (kenmerk {name}).") from None
    if type_ == "janee":
        if isinstance(value, bool):
            return "ja" if value else "nee"
        if text.lower() in YES:
            return "ja"
        if text.lower() in NO:
            return "nee"
        raise ProjectError(f"'{text}' is geen ja of nee (kenmerk {name}).")
    if type_ == "keuze" and text not in choices:
        raise ProjectError(f"'{text}' staat niet in de keuzelijst van {name} "
                           f"({', '.join(choices)}).")
    return text


def values_table(store: Store, user: User, project_id: int, applies_to: str) -> list[dict]:
    """One row per case or document: its id, name and a column per attribute (text values)."""
    require_read(store, user, project_id)
    table = "cases" if applies_to == "case" else "documents"
    items = store.rows(f"SELECT id, name FROM {table} WHERE project_id = ? ORDER BY name",
                       [project_id])
    attrs = attributes(store, user, project_id, applies_to)
    values = {(r["attribute_id"], r["item_id"]): r["value"] for r in store.rows(
        "SELECT v.attribute_id, v.item_id, v.value FROM attribute_values v JOIN attributes a"
        " ON a.id = v.attribute_id WHERE a.project_id = ? AND a.applies_to = ?",
        [project_id, applies_to])}
    return [{"id": item["id"], "name": item["name"],
             **{a["name"]: values.get((a["id"], item["id"])) for a in attrs}} for item in items]


def set_values(store: Store, user: User, project_id: int, applies_to: str,
               rows: list[dict]) -> int:
    """Save edited attribute values (rows as from `values_table`): all checked first, then
    written in one transaction; returns how many values changed."""
    require_write(store, user, project_id)
    attrs = {a["name"]: a for a in attributes(store, user, project_id, applies_to)}
    table = "cases" if applies_to == "case" else "documents"
    known = {r["id"] for r in store.rows(f"SELECT id FROM {table} WHERE project_id = ?",
                                         [project_id])}
    current = {(r["attribute_id"], r["item_id"]): r["value"] for r in store.rows(
        "SELECT v.attribute_id, v.item_id, v.value FROM attribute_values v JOIN attributes a"
        " ON a.id = v.attribute_id WHERE a.project_id = ?", [project_id])}
    wanted: dict[tuple[int, int], str | None] = {}
    for row in rows:
        if row.get("id") not in known:
            raise ProjectError("Een rij hoort niet bij dit project.")
        for name, attr in attrs.items():
            if name in row:
                wanted[(attr["id"], row["id"])] = canonical(row[name], attr["type"],
                                                            attr["choices"], name)
    changes = {k: v for k, v in wanted.items() if current.get(k) != v}

    def apply(tx: Tx) -> int:
        for (attribute_id, item_id), value in changes.items():
            key = {"attribute_id": attribute_id, "item_id": item_id}
            tx.unlink("attribute_values", key, entity="attribute_value")
            if value is not None:
                tx.link("attribute_values", {**key, "value": value}, entity="attribute_value")
        return len(changes)

    return store.write(user.actor, apply)
