"""Open answers: read as quotes under the quote threshold, sent to a qualitative project to be
coded, and their coded passages brought back into the monitor's report."""

from __future__ import annotations

import pandas as pd

from research.accounts import User, require
from research.qual import cases, codings, documents, projects
from research.storage import Store, Tx
from research.survey import monitors, waves
from research.survey.monitors import FRAME_BREAKDOWNS, MonitorError

CASE_ATTRIBUTES = {"region": "Regio", "size_class": "Grootteklasse", "province": "Provincie"}


def _open_variable(store: Store, user: User, wave_id: int, variable_id: int) -> tuple:
    var = monitors.variable(store, user, variable_id)
    if var["type"] != "open":
        raise MonitorError(f"{var['label']} is geen open vraag.")
    data = waves.wave_data(store, user, wave_id, [var["name"]])
    if var["name"] not in data.variables:
        raise MonitorError(f"{var['label']} zit niet in deze meting.")
    return var, data.frame


def quotes(store: Store, user: User, wave_id: int, variable_id: int, breakdown: str = "totaal",
           group: str | None = None) -> tuple[pd.DataFrame, str | None]:
    """The answers to an open question in a wave, optionally of one group of a frame
    breakdown, with the group they come from. Returns (table, withheld): when the group has
    fewer respondents than the monitor's quote threshold the table is empty and `withheld`
    says why. Unit names are never included: a quote with its municipality can identify."""
    var, frame = _open_variable(store, user, wave_id, variable_id)
    wave = store.one("SELECT m.min_n_quotes, w.label FROM waves w JOIN monitors m"
                     " ON m.id = w.monitor_id WHERE w.id = ?", [wave_id])
    assert wave is not None  # its variable was found
    if breakdown != "totaal":
        if breakdown not in FRAME_BREAKDOWNS:
            raise MonitorError(f"Onbekende uitsplitsing '{breakdown}'.")
        if group is not None:
            frame = frame[frame[breakdown] == group]
    if len(frame) < wave["min_n_quotes"]:
        return (pd.DataFrame(columns=["answer", "group"]),
                f"Citaten niet getoond: deze groep telt {len(frame)} respondenten, minder dan "
                f"de drempel van {wave['min_n_quotes']} voor citaten.")
    answered = frame[frame[var["name"]].notna()]
    groups = answered[breakdown] if breakdown != "totaal" else "Totaal"
    table = pd.DataFrame({"answer": answered[var["name"]], "group": groups})
    return table.fillna({"group": "Onbekend"}).reset_index(drop=True), None


def _speaker(row, unit_kind: str, position: int) -> str:
    """The case an answer belongs to: the respondent id, or for a monitor of municipalities
    the municipality's code (so one municipality is one case across waves)."""
    if row["_respondent"]:
        return f"Respondent {row['_respondent']}"
    if unit_kind == "gemeente" and row["_unit_code"]:
        return f"Gemeente {row['_unit_code']}"
    return f"Respondent {position}"


def to_qual(store: Store, user: User, wave_id: int, variable_id: int, project_id: int) -> int:
    """Send a wave's open answers to a qualitative project: one document (each answer one
    turn), respondents as cases with their region, size class and province. All in one
    transaction; returns the document id."""
    require(user, "survey.read")
    projects.require_write(store, user, project_id)
    var, frame = _open_variable(store, user, wave_id, variable_id)
    if store.value("SELECT 1 FROM monitor_documents m JOIN documents d ON d.id = m.document_id"
                   " WHERE m.wave_id = ? AND m.variable_id = ? AND d.project_id = ?",
                   [wave_id, variable_id, project_id]):
        raise MonitorError("Deze antwoorden staan al in dit project.")
    info = store.one("SELECT w.label, m.unit_kind, m.name FROM waves w JOIN monitors m"
                     " ON m.id = w.monitor_id WHERE w.id = ?", [wave_id])
    assert info is not None  # its variable was found
    answered = frame[frame[var["name"]].notna()].reset_index(drop=True)
    if answered.empty:
        raise MonitorError(f"Niemand beantwoordde '{var['label']}' in deze meting.")
    text, spans, speakers = "", [], {}
    for position, row in enumerate(answered.to_dict("records"), start=1):
        speaker = _speaker(row, info["unit_kind"], position)
        speakers[speaker] = row
        answer = " ".join(str(row[var["name"]]).split())
        start = len(text) + len(speaker) + 2
        text += f"{speaker}: {answer}\n"
        spans.append(documents.TurnSpan(start, start + len(answer), speaker))
    name = f"{info['name']} · {info['label']} · {var['label']}"

    def apply(tx: Tx) -> int:
        # One respondent (or municipality) is one case across waves: never per document.
        document_id = documents.add_document(store, user, project_id, name[:200], text,
                                             kind="open-antwoorden", turns=spans,
                                             source_format="monitor",
                                             case_modes=dict.fromkeys(speakers, "gedeeld"))
        tx.db.table("monitor_documents").insert({"document_id": document_id, "wave_id": wave_id,
                                           "variable_id": variable_id})
        existing = {a["name"] for a in cases.attributes(store, user, project_id, "case")}
        for label in CASE_ATTRIBUTES.values():
            if label not in existing:
                cases.add_attribute(store, user, project_id, "case", label, "tekst")
        rows = [{"id": case["id"], **{label: speakers[case["name"]].get(column)
                                     for column, label in CASE_ATTRIBUTES.items()}}
                for case in cases.cases(store, user, project_id) if case["name"] in speakers]
        cases.set_values(store, user, project_id, "case", rows)
        tx.event("monitor_document", document_id, "create", after={
            "wave_id": wave_id, "variable_id": variable_id, "answers": len(answered)})
        return document_id

    return store.write(user.actor, apply)


def coded_quotes(store: Store, user: User, monitor_id: int) -> pd.DataFrame:
    """The coded passages of the monitor's open answers in every project this user may read:
    code, wave, question, quote (no respondent: the report quotes, it does not name)."""
    require(user, "survey.read")
    rows = store.rows(
        "SELECT d.project_id, g.code_id, c.name AS code, w.label AS wave, v.label AS question,"
        " substr(d.text, g.start_pos + 1, g.end_pos - g.start_pos) AS quote, g.created_by"
        " FROM monitor_documents md JOIN documents d ON d.id = md.document_id"
        " JOIN waves w ON w.id = md.wave_id JOIN variables v ON v.id = md.variable_id"
        " JOIN codings g ON g.document_id = d.id JOIN codes c ON c.id = g.code_id"
        " WHERE w.monitor_id = ? ORDER BY c.name, w.year, g.start_pos", [monitor_id])
    readable = {}
    kept = []
    for row in rows:
        project = row["project_id"]
        if project not in readable:
            readable[project] = (projects.can_read(store, user, project),
                                 codings.visible_coders(store, user, project))
        can, coders = readable[project]
        if can and (coders is None or row["created_by"] in coders):
            kept.append(row)
    table = pd.DataFrame(kept, columns=["project_id", "code_id", "code", "wave", "question",
                                        "quote", "created_by"])
    # A quote is the answer itself: drop the speaker label a turn-sized coding may include.
    table["quote"] = table["quote"].str.replace(r"^[^:\n]{1,60}:\s*", "", regex=True)
    return table.drop(columns=["project_id", "code_id", "created_by"]).drop_duplicates()
