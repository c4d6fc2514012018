"""Fieldwork: who has answered, by region and size class and over time, and the follow-up
of units that have not (a note per unit for the calls and e-mails). While a wave is fielded
online its answers are counted as they are sent (`invitations.answered_units`)."""

from __future__ import annotations

import io

import pandas as pd

from research.accounts import User, require
from research.exports import text_cell
from research.storage import Store, utcnow
from research.survey import invitations
from research.survey.monitors import FRAME_BREAKDOWNS, MonitorError
from research.survey.ordering import natural_order

BREAKDOWN_NAMES = {"totaal": "Totaal", **FRAME_BREAKDOWNS}


def _wave(store: Store, wave_id: int) -> dict:
    row = store.one("SELECT id, monitor_id, label FROM waves WHERE id = ?", [wave_id])
    if row is None:
        raise MonitorError("Deze meting bestaat niet.")
    return row


def _live(store: Store, wave_id: int) -> list[dict]:
    """The units answered online so far while the wave's fieldwork is open (else none)."""
    return invitations.answered_units(store, wave_id) or []


def response(store: Store, user: User, wave_id: int, by: str = "totaal") -> pd.DataFrame:
    """Frame units and units answered (directly or through a partnership's response, stored
    or, while the fieldwork is open, sent online), per group of a frame attribute: group,
    in_frame, responded, response_rate (%)."""
    require(user, "survey.read")
    if by not in BREAKDOWN_NAMES:
        raise MonitorError(f"Onbekende uitsplitsing '{by}'.")
    wave = _wave(store, wave_id)
    group = "'Totaal'" if by == "totaal" else f"coalesce(f.{by}, 'Onbekend')"
    rows = store.rows(
        f"SELECT f.id, {group} AS [group],"
        " EXISTS (SELECT 1 FROM response_units ru JOIN responses r ON r.id = ru.response_id"
        "   WHERE ru.unit_id = f.id AND r.wave_id = ?) AS responded"
        " FROM frame_units f WHERE f.monitor_id = ?", [wave_id, wave["monitor_id"]])
    units = pd.DataFrame(rows, columns=["id", "group", "responded"])
    live = {r["unit"] for r in _live(store, wave_id)}
    units["responded"] = (units["responded"].astype(bool) | units["id"].isin(live)).astype(int)
    table = units.groupby("group", sort=False).agg(
        in_frame=("id", "size"), responded=("responded", "sum")).reset_index()
    # Groups in their natural order: size classes from small to large.
    table = table.set_index("group").loc[natural_order(table["group"])].reset_index()
    table["response_rate"] = (100 * table["responded"] / table["in_frame"]).round(1)
    return table


def response_over_time(store: Store, user: User, wave_id: int) -> pd.DataFrame:
    """Cumulative responses and units covered per completion date (stored, or sent online
    while the fieldwork is open): date, responses, units, response_rate (% of the frame).
    Responses without a date are left out."""
    require(user, "survey.read")
    wave = _wave(store, wave_id)
    frame_size = store.value("SELECT count(*) FROM frame_units WHERE monitor_id = ?",
                             [wave["monitor_id"]])
    rows = store.rows(
        "SELECT r.completed_on AS date, count(DISTINCT r.id) AS responses,"
        " count(ru.unit_id) AS units FROM responses r"
        " LEFT JOIN response_units ru ON ru.response_id = r.id"
        " WHERE r.wave_id = ? AND r.completed_on IS NOT NULL GROUP BY r.completed_on"
        " ORDER BY r.completed_on", [wave_id])
    live = pd.DataFrame(_live(store, wave_id), columns=["invitation", "unit", "date"])
    rows += live.groupby("date").agg(responses=("invitation", "nunique"),
                                     units=("unit", "size")).reset_index().to_dict("records")
    table = pd.DataFrame(rows, columns=["date", "responses", "units"])
    table = table.groupby("date", sort=True).sum().reset_index()
    table["responses"] = table["responses"].cumsum()
    table["units"] = table["units"].cumsum()
    table["response_rate"] = (100 * table["units"] / frame_size).round(1) \
        if frame_size else float("nan")
    return table


def nonrespondents(store: Store, user: User, wave_id: int) -> pd.DataFrame:
    """The frame units without a response in this wave (stored, or sent online while the
    fieldwork is open), with their latest follow-up note: id, code, name, region, size_class,
    province, notes (how many), last_note, last_note_at."""
    require(user, "survey.read")
    wave = _wave(store, wave_id)
    rows = store.rows(
        "SELECT f.id, f.code, f.name, f.region, f.size_class, f.province,"
        " (SELECT count(*) FROM fieldwork_notes n WHERE n.unit_id = f.id AND n.wave_id = ?)"
        "   AS notes,"
        " (SELECT n.note FROM fieldwork_notes n WHERE n.unit_id = f.id AND n.wave_id = ?"
        "   ORDER BY n.id DESC LIMIT 1) AS last_note,"
        " (SELECT n.created_at FROM fieldwork_notes n WHERE n.unit_id = f.id AND n.wave_id = ?"
        "   ORDER BY n.id DESC LIMIT 1) AS last_note_at"
        " FROM frame_units f WHERE f.monitor_id = ? AND NOT EXISTS (SELECT 1 FROM"
        "   response_units ru JOIN responses r ON r.id = ru.response_id"
        "   WHERE ru.unit_id = f.id AND r.wave_id = ?) ORDER BY f.region, f.name",
        [wave_id, wave_id, wave_id, wave["monitor_id"], wave_id])
    live = {r["unit"] for r in _live(store, wave_id)}
    return pd.DataFrame([r for r in rows if r["id"] not in live],
                        columns=["id", "code", "name", "region", "size_class", "province",
                                 "notes", "last_note", "last_note_at"])


def add_note(store: Store, user: User, wave_id: int, unit_id: int, note: str) -> int:
    """Record a follow-up note (a call, an e-mail, a promise) for a unit in a wave."""
    require(user, "survey.write")
    note = note.strip()
    if not note:
        raise MonitorError("Schrijf eerst een notitie.")
    if len(note) > 2000:
        raise MonitorError("Een notitie is ten hoogste 2000 tekens.")
    wave = _wave(store, wave_id)
    if not store.value("SELECT 1 FROM frame_units WHERE id = ? AND monitor_id = ?",
                       [unit_id, wave["monitor_id"]]):
        raise MonitorError("Deze eenheid staat niet in het steekproefkader van de monitor.")
    return store.write(user.actor, lambda tx: tx.insert("fieldwork_notes", {
        "wave_id": wave_id, "unit_id": unit_id, "note": note, "created_by": user.id,
        "created_at": utcnow()}, entity="fieldwork_note"))


def notes(store: Store, user: User, wave_id: int, unit_id: int) -> list[dict]:
    """A unit's follow-up notes in a wave, oldest first."""
    require(user, "survey.read")
    return store.rows(
        "SELECT n.note, n.created_at, u.username AS author FROM fieldwork_notes n"
        " LEFT JOIN users u ON u.id = n.created_by WHERE n.wave_id = ? AND n.unit_id = ?"
        " ORDER BY n.id", [wave_id, unit_id])


def export_nonrespondents(store: Store, user: User, wave_id: int) -> bytes:
    """The non-response list with notes as an Excel file, for the follow-up round."""
    from openpyxl import Workbook

    table = nonrespondents(store, user, wave_id)
    wave = _wave(store, wave_id)
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = "Nog geen respons"
    headings = ["Code", "Naam", "Regio", "Grootteklasse", "Provincie", "Notities",
                "Laatste notitie", "Datum laatste notitie"]
    text_cell(sheet, 1, 1, f"Eenheden zonder respons, meting {wave['label']} "
                           f"({len(table)} eenheden)")
    for column, heading in enumerate(headings, start=1):
        text_cell(sheet, 3, column, heading)
    for row_number, row in enumerate(table.drop(columns="id").itertuples(index=False), start=4):
        for column, value in enumerate(row, start=1):
            text_cell(sheet, row_number, column, None if pd.isna(value) else value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
