"""A project to and from REFI-QDA (`.qdpx` projects, `.qdc` codebooks): the database side.

`research.qual.refi` translates between REFI files and plain dataclasses; this module fills
those from a project and makes a project from them. GUIDs are derived from the project and
the row ids, so two exports of the same project carry the same GUIDs. The pseudonym key and
anything outside the project never leave.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
from pathlib import Path
from typing import Any

from research.accounts import User
from research.qual import cases, codebook, coders, codings, documents, projects, refi
from research.qual.documents import TurnSpan
from research.qual.projects import ProjectError, require_read
from research.qual.refi import (
    RefiCase,
    RefiCode,
    RefiNote,
    RefiProject,
    RefiSelection,
    RefiSet,
    RefiSource,
    RefiUser,
    RefiVariable,
    derived_guid,
)
from research.qual.transcripts import split_turns
from research.storage import Store

ORIGIN = "Onderzoekstoolkit"
TO_REFI_TYPE = {"tekst": "Text", "getal": "Float", "datum": "Date", "janee": "Boolean",
                "keuze": "Text"}
FROM_REFI_TYPE = {"Text": "tekst", "Boolean": "janee", "Integer": "getal", "Float": "getal",
                  "Date": "datum", "DateTime": "datum"}
# A code's criteria travel inside its REFI description, under these headings.
EXTRA_FIELDS = {"inclusion": "Insluiten", "exclusion": "Uitsluiten", "example": "Voorbeeld"}


def _describe(code: dict) -> str:
    parts = [code["description"] or ""]
    parts += [f"{label}: {code[field]}" for field, label in EXTRA_FIELDS.items() if code[field]]
    return "\n\n".join(p for p in parts if p)


def _undescribe(text: str) -> dict:
    """A REFI description split back into definition and criteria."""
    fields = {"description": text or "", "inclusion": "", "exclusion": "", "example": ""}
    pieces = (text or "").split("\n\n")
    rest = []
    for piece in pieces:
        for field, label in EXTRA_FIELDS.items():
            if piece.startswith(f"{label}: "):
                fields[field] = piece[len(label) + 2:]
                break
        else:
            rest.append(piece)
    fields["description"] = "\n\n".join(rest)
    return fields


# -- export -----------------------------------------------------------------------------------

def to_refi(store: Store, user: User, project_id: int) -> RefiProject:
    """The project as REFI dataclasses (codings, turns' speakers as cases, memos).

    The codings are those the user may see in the app: in a blind project the lead (or a
    beheerder) exports every coder's, any other member only their own, the way each coder
    hands their own project to the lead for the comparison in a QDA program."""
    project = projects.project(store, user, project_id)
    visible = codings.visible_coders(store, user, project_id)
    only = "" if visible is None else \
        f" AND created_by IN ({', '.join('?' * len(visible)) or 'NULL'})"
    base = f"{project_id}:{project['created_at']}"

    def guid(kind: str, key) -> str:
        return derived_guid(base, kind, str(key))

    code_rows = codebook.codes(store, user, project_id)
    codes = [RefiCode(guid("code", c["id"]), c["name"], c["colour"], _describe(c),
                      guid("code", c["parent_id"]) if c["parent_id"] else None)
             for c in code_rows]
    sets = [RefiSet(guid("set", s["id"]), s["name"], s["description"],
                    [guid("code", c) for c in s["codes"]])
            for s in codebook.code_sets(store, user, project_id)]
    sets += [RefiSet(guid("document_set", s["id"]), s["name"], s["description"], [],
                     [guid("document", d) for d in s["documents"]])
             for s in documents.document_sets(store, user, project_id)]
    coder_ids: set[int] = set()
    sources, selection_of = [], {}
    passage_memos = store.rows("SELECT * FROM memos WHERE project_id = ? AND target_kind ="
                               " 'passage' ORDER BY id", [project_id])
    for doc in documents.documents(store, user, project_id):
        text = documents.document(store, user, doc["id"])["text"]
        grouped: dict[tuple, list[dict]] = {}
        for row in store.rows("SELECT id, code_id, start_pos, end_pos, created_by, created_at"
                              f" FROM codings WHERE document_id = ?{only}"
                              " ORDER BY start_pos, end_pos, id", [doc["id"], *(visible or [])]):
            grouped.setdefault((row["start_pos"], row["end_pos"], row["created_by"]),
                               []).append(row)
        selections = []
        for (start, end, coder), rows in grouped.items():
            sel_guid = guid("selection", f"{doc['id']}:{start}:{end}:{coder}")
            for row in rows:
                selection_of[row["id"]] = sel_guid
            if coder is not None:
                coder_ids.add(coder)
            selections.append(RefiSelection(
                sel_guid, start, end, [guid("code", r["code_id"]) for r in rows],
                coder, rows[0]["created_at"]))
        for memo in passage_memos:
            if memo["target_id"] == doc["id"]:
                selections.append(RefiSelection(guid("passage", memo["id"]), memo["start_pos"],
                                                memo["end_pos"], [], None, memo["created_at"]))
        selections.sort(key=lambda s: (s.start, s.end, s.guid))
        sources.append(RefiSource(guid("document", doc["id"]), doc["name"], text, None,
                                  store.value("SELECT imported_at FROM documents WHERE id = ?",
                                              [doc["id"]]), selections))
    variables, case_list = _cases_to_refi(store, user, project_id, guid)
    notes = []
    for memo in store.rows("SELECT * FROM memos WHERE project_id = ? ORDER BY id", [project_id]):
        kind, target = memo["target_kind"], memo["target_id"]
        by_kind: dict[str, list[str | None]] = {
            "project": [], "document": [guid("document", target)],
            "case": [guid("case", target)], "code": [guid("code", target)],
            "coding": [selection_of.get(target)], "passage": [guid("passage", memo["id"])]}
        targets = by_kind[kind]
        if memo["created_by"] is not None:
            coder_ids.add(memo["created_by"])
        notes.append(RefiNote(guid("memo", memo["id"]), memo["title"], memo["body"],
                              memo["created_by"], memo["created_at"],
                              [t for t in targets if t]))
    # Coders by their GUID: an imported coder keeps the one of the file it came from.
    exported = coders.export_users(store, project_id, coder_ids)
    # The selections and notes hold the user's id until here, then the coder's GUID.
    user_guid: dict[Any, str] = {user_id: user_guid for user_id, user_guid, _ in exported}
    for source in sources:
        for selection in source.selections:
            selection.created_by = user_guid.get(selection.created_by)
    for note in notes:
        note.created_by = user_guid.get(note.created_by)
    users = [RefiUser(user_guid, name) for _, user_guid, name in exported]
    return RefiProject(project["name"], project["description"] or "", ORIGIN, users, codes,
                       sets, sources, variables, case_list, notes)


def _cases_to_refi(store: Store, user: User, project_id: int, guid) -> tuple[list, list]:
    attrs = cases.attributes(store, user, project_id, "case")
    variables = [RefiVariable(guid("attribute", a["id"]), a["name"], TO_REFI_TYPE[a["type"]])
                 for a in attrs]
    table = {row["id"]: row for row in cases.values_table(store, user, project_id, "case")}
    result = []
    for case in cases.cases(store, user, project_id):
        doc_ids = [r["document_id"] for r in store.rows(
            "SELECT DISTINCT document_id FROM turns WHERE case_id = ? ORDER BY document_id",
            [case["id"]])]
        values = {guid("attribute", a["id"]): table[case["id"]][a["name"]] for a in attrs
                  if table[case["id"]][a["name"]] is not None}
        result.append(RefiCase(guid("case", case["id"]), case["name"], case["description"],
                               values, [guid("document", d) for d in doc_ids], []))
    return variables, result


def export_scope(store: Store, user: User, project_id: int) -> str:
    """Whose codings an export by this user holds: 'alle codeurs' or 'eigen coderingen'."""
    require_read(store, user, project_id)
    return "alle codeurs" if codings.visible_coders(store, user, project_id) is None \
        else "eigen coderingen"


def export_qdpx(store: Store, user: User, project_id: int, path: Path) -> None:
    """Write the project as a `.qdpx` (validated against the REFI schema before writing)."""
    scope = export_scope(store, user, project_id)
    refi.write_qdpx(to_refi(store, user, project_id), path)
    store.write(user.actor, lambda tx: tx.event("project", project_id, "export",
                                                None, {"formaat": "qdpx",
                                                       "coderingen": scope}))


def qdpx_bytes(store: Store, user: User, project_id: int) -> bytes:
    """The project as `.qdpx` file content (for a download: built, and its export logged,
    only when the user asks for it)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "project.qdpx"
        export_qdpx(store, user, project_id, path)
        return path.read_bytes()


def qdc_bytes(store: Store, user: User, project_id: int) -> bytes:
    """The project's codebook as `.qdc` file content (for a download)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "codeboek.qdc"
        export_qdc(store, user, project_id, path)
        return path.read_bytes()


def export_problems(store: Store, user: User, project_id: int) -> list[str]:
    """Why the project cannot be exported now (Dutch), without building the export: a case
    value that does not fit its attribute's REFI type. Empty when it can."""
    require_read(store, user, project_id)
    problems = []
    variables, case_list = _cases_to_refi(store, user, project_id,
                                          lambda kind, key: f"{kind}:{key}")
    by_guid = {v.guid: v for v in variables}
    for case in case_list:
        for variable_guid, value in case.values.items():
            try:
                refi.typed_value(by_guid[variable_guid].type, value)
            except ValueError as error:
                problems.append(f"Casus '{case.name}': de waarde '{value}' van kenmerk "
                                f"'{by_guid[variable_guid].name}' {error}.")
    return problems


def export_qdc(store: Store, user: User, project_id: int, path: Path) -> None:
    """Write the project's codebook as a `.qdc`."""
    project = to_refi(store, user, project_id)
    if not project.codes:
        raise ProjectError("Dit project heeft nog geen codes om te exporteren.")
    refi.write_qdc(project.codes, project.sets, path, origin=ORIGIN)


# -- import -----------------------------------------------------------------------------------

def locate_turns(text: str) -> list[TurnSpan]:
    """Speaker turns found in a text that is stored as it is (an imported REFI source):
    each recognised turn is looked up in the text; if one cannot be found exactly (a
    timestamp was taken out), the paragraphs are the turns."""
    turns, _ = split_turns(text)
    spans, cursor = [], 0
    for turn in turns:
        at = text.find(turn.text, cursor)
        if at < 0 or not turn.text:
            return documents.paragraph_turns(text)
        spans.append(TurnSpan(at, at + len(turn.text), turn.speaker, turn.time_s))
        cursor = at + len(turn.text)
    return spans or documents.paragraph_turns(text)


def _clean(name: str | None) -> str:
    """A name with single spaces and no surrounding whitespace ('' for None)."""
    return " ".join((name or "").split())


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate = f"{name} ({n})"
        n += 1
    taken.add(candidate)
    return candidate


# The import event's keys: the event log is append-only, so they stay the Dutch ones older
# events have.
_IMPORT_EVENT_KEYS = {"project_id": "project_id", "codes": "codes", "documents": "documenten",
                      "codings": "coderingen", "document_sets": "documentgroepen",
                      "cases": "casussen", "memos": "memos"}


def _import_event(result: dict) -> dict:
    """The counts of an import (no warnings) as its audit event records them."""
    return {logged: result[key] for key, logged in _IMPORT_EVENT_KEYS.items()}


def from_refi(store: Store, user: User, project: RefiProject, warnings: list[str], *,
              name: str | None = None, project_id: int | None = None) -> dict:
    """Make a new project from REFI data (or add to `project_id`), in one transaction: the
    file goes in whole or not at all. Returns counts and the warnings (Dutch)."""
    warnings = list(warnings)

    def apply(tx) -> dict:
        target = project_id
        if target is None:
            # Only names this user can see count: a "(2)" must not reveal someone else's.
            taken = {p["name"] for p in projects.list_projects(store, user)}
            wanted = _clean(name) or _clean(project.name) or "Geïmporteerd project"
            while True:
                candidate = _unique(wanted, taken)
                if not projects.name_taken(store, user, candidate):
                    break
            target = projects.create_project(store, user, candidate, project.description)
        counts: dict[str, Any] = {"project_id": target}
        code_ids = _import_codes(store, user, target, project.codes, project.sets, warnings)
        counts["codes"] = len(code_ids)
        coder_of, made = coders.resolve(tx, target, project.users)
        if made:
            warnings.append(
                f"{len(made)} codeur(s) zonder account hier zijn overgenomen als codeur zonder "
                f"login: {', '.join(made)}. Een beheerder kan ze onder Beheer › Gebruikers aan "
                "een account koppelen.")
        doc_ids, selection_codings, passages = _import_sources(
            store, user, tx, target, project, code_ids, coder_of, warnings)
        counts["documents"] = len(doc_ids)
        counts["codings"] = sum(len(v) for v in selection_codings.values())
        counts["document_sets"] = _import_document_sets(store, user, target, project.sets,
                                                        doc_ids)
        counts["cases"] = _import_cases(store, user, tx, target, project, doc_ids, warnings)
        counts["memos"] = _import_notes(store, user, target, project, code_ids, doc_ids,
                                        selection_codings, passages, warnings)
        counts["warnings"] = warnings
        return counts

    result = store.write(user.actor, apply)
    store.write(user.actor, lambda tx: tx.event(
        "project", result["project_id"], "import", None, _import_event(result)))
    return result


def _import_codes(store, user, project_id, codes, sets, warnings) -> dict[str, int]:
    """The codes (their names kept: the tree tells apart codes of one name under different
    parents; only two siblings of one name get a number) and the code sets."""
    taken: dict[int | None, set[str]] = {}
    for row in store.rows("SELECT name, parent_id FROM codes WHERE project_id = ?",
                          [project_id]):
        taken.setdefault(row["parent_id"], set()).add(row["name"])
    ids: dict[str, int] = {}
    renamed = 0
    for code in codes:  # tree order: a parent comes before its children
        name = " ".join(code.name.split()) or "Naamloze code"
        unique = _unique(name, taken.setdefault(ids.get(code.parent), set()))
        renamed += unique != name
        colour = code.colour.lower() if code.colour and re.match(
            r"^#[0-9a-fA-F]{6}$", code.colour) else None
        ids[code.guid] = codebook.add_code(store, user, project_id, unique, colour,
                                           parent_id=ids.get(code.parent),
                                           **_criteria(code.description))
    if renamed:
        warnings.append(f"{renamed} code(s) met dezelfde naam als een code op dezelfde plek in "
                        "de boom kregen een nummer, zoals 'Naam (2)'.")
    set_names = {r["name"] for r in store.rows("SELECT name FROM code_sets WHERE project_id = ?",
                                               [project_id])}
    for code_set in sets:
        if code_set.sources and not code_set.codes:
            continue   # a document set (see _import_document_sets)
        members = [ids[g] for g in code_set.codes if g in ids]
        codebook.save_code_set(store, user, project_id,
                               _unique(_clean(code_set.name) or "Codeset", set_names), members,
                               code_set.description)
    return ids


def _criteria(description: str) -> dict:
    fields = _undescribe(description)
    return {"description": fields["description"], "inclusion": fields["inclusion"],
            "exclusion": fields["exclusion"], "example": fields["example"]}


def _import_sources(store, user, tx, project_id, project, code_ids, coder_of, warnings):
    """The text sources as documents and every coding with its own coder (a coder without
    a login for a user of the file; no coder where the file names none)."""
    taken = {r["name"] for r in store.rows("SELECT name FROM documents WHERE project_id = ?",
                                           [project_id])}
    doc_ids, selection_codings, passages = {}, {}, {}
    for source in project.sources:
        if not source.text.strip():
            warnings.append(f"Bron '{source.name}' is leeg en is niet overgenomen.")
            continue
        if len(source.text) > documents.MAX_CHARACTERS:
            # Refused before the turns are looked for: that would take long on such a text.
            raise ProjectError(f"Bron '{source.name}' is te lang ({len(source.text):,} tekens; "
                               f"hoogstens {documents.MAX_CHARACTERS:,}).".replace(",", "."))
        doc_id = documents.add_document(
            store, user, project_id, _unique(_clean(source.name) or "Document", taken),
            source.text,
            "document", None, turns=locate_turns(documents.normalise_newlines(source.text)),
            source_format="qdpx")
        doc_ids[source.guid] = doc_id
        imported_at = store.value("SELECT imported_at FROM documents WHERE id = ?", [doc_id])
        for selection in source.selections:
            if not selection.codes:
                passages[selection.guid] = (doc_id, selection.start, selection.end)
                continue
            made, seen = [], set()
            for applied in selection.applied():
                coder = coder_of.get(applied.created_by) if applied.created_by else None
                if applied.code not in code_ids or (applied.code, coder) in seen:
                    continue
                seen.add((applied.code, coder))
                made.append(tx.insert("codings", {
                    "document_id": doc_id, "code_id": code_ids[applied.code],
                    "start_pos": selection.start, "end_pos": selection.end,
                    "created_by": coder, "created_at": applied.created_at
                    or selection.created_at or imported_at}, entity="coding"))
            selection_codings[selection.guid] = made
    return doc_ids, selection_codings, passages


def _import_document_sets(store, user, project_id, sets, doc_ids) -> int:
    """Sets of sources (MAXQDA's document sets) as document sets; returns how many."""
    made = 0
    taken = {r["name"] for r in documents.document_sets(store, user, project_id)}
    for code_set in sets:
        members = [doc_ids[g] for g in code_set.sources if g in doc_ids]
        if not members:
            continue
        documents.save_document_set(store, user, project_id,
                                    _unique(_clean(code_set.name) or "Documentgroep", taken),
                                    members, code_set.description)
        made += 1
    return made


def _import_cases(store, user, tx, project_id, project, doc_ids, warnings) -> int:
    names = {v.guid: _clean(v.name) or f"Kenmerk {n}" for n, v in enumerate(project.variables, 1)}
    attr_ids = {}
    for variable in project.variables:
        existing = store.value("SELECT id FROM attributes WHERE project_id = ? AND applies_to ="
                               " 'case' AND name = ?", [project_id, names[variable.guid]])
        attr_ids[variable.guid] = existing or cases.add_attribute(
            store, user, project_id, "case", names[variable.guid],
            FROM_REFI_TYPE.get(variable.type, "tekst"))
    rows, made = [], 0
    for case in project.cases:
        case_id = store.value("SELECT id FROM cases WHERE project_id = ? AND name = ?",
                              [project_id, case.name])
        if case_id is None:
            case_id = tx.insert("cases", {"project_id": project_id, "name": case.name,
                                          "description": case.description}, entity="case")
            made += 1
        row = {"id": case_id}
        for var_guid, value in case.values.items():
            if var_guid in names:
                row[names[var_guid]] = value
        rows.append(row)
    try:
        cases.set_values(store, user, project_id, "case", rows)
    except ProjectError as error:
        warnings.append(f"Kenmerken van casussen niet overgenomen: {error}")
    return made


def _import_notes(store, user, project_id, project, code_ids, doc_ids, selection_codings,
                  passages, warnings) -> int:
    from research.qual import memos

    case_ids = {c.guid: store.value("SELECT id FROM cases WHERE project_id = ? AND name = ?",
                                    [project_id, c.name]) for c in project.cases}
    count = 0
    for note in project.notes:
        title = " ".join(note.name.split()) or "Memo"
        target: dict[str, Any] = {"target": "project"}
        for guid in note.targets[:1]:
            if guid in code_ids:
                target = {"target": "code", "target_id": code_ids[guid]}
            elif guid in doc_ids:
                target = {"target": "document", "target_id": doc_ids[guid]}
            elif guid in case_ids and case_ids[guid]:
                target = {"target": "case", "target_id": case_ids[guid]}
            elif selection_codings.get(guid):
                target = {"target": "coding", "target_id": selection_codings[guid][0]}
            elif guid in passages:
                doc_id, start, end = passages[guid]
                target = {"target": "passage", "target_id": doc_id, "start": start, "end": end}
        memos.add_memo(store, user, project_id, title, note.text, **target)
        count += 1
    return count


def import_qdpx(store: Store, user: User, path: Path, *, name: str | None = None,
                project_id: int | None = None) -> dict:
    """Read a `.qdpx` and make it a project (or add it to one); returns counts and warnings."""
    project, warnings = refi.read_qdpx(path)
    with _naming_the_file(path):
        return from_refi(store, user, project, warnings, name=name, project_id=project_id)


def import_qdc(store: Store, user: User, project_id: int, path: Path) -> dict:
    """Add a `.qdc` codebook's codes and sets to a project; returns counts and warnings."""
    codes, sets, warnings = refi.read_qdc(path)
    warnings = list(warnings)

    def apply(tx) -> dict:
        ids = _import_codes(store, user, project_id, codes, sets, warnings)
        return {"codes": len(ids), "codesets": len(sets), "warnings": warnings}

    with _naming_the_file(path):
        return store.write(user.actor, apply)


@contextlib.contextmanager
def _naming_the_file(path):
    """A refusal while storing a REFI file's content names the file it came from."""
    try:
        yield
    except ProjectError as error:
        raise ProjectError(f"Bestand '{Path(path).name}': {error.message}") from None
