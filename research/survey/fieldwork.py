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
    or, while the fieldwork is open, sent online), per group of a frame attribute: groep,
    kader, respons, responspercentage."""
    require(user, "survey.read")
    if by not in BREAKDOWN_NAMES:
        raise MonitorError(f"Onbekende uitsplitsing '{by}'.")
    wave = _wave(store, wave_id)
    group = "'Totaal'" if by == "totaal" else f"coalesce(f.{by}, 'Onbekend')"
    rows = store.rows(
        f"SELECT f.id, {group} AS groep,"
        " EXISTS (SELECT 1 FROM response_units ru JOIN responses r ON r.id = ru.response_id"
        "   WHERE ru.unit_id = f.id AND r.wave_id = ?) AS respons"
        " FROM frame_units f WHERE f.monitor_id = ?", [wave_id, wave["monitor_id"]])
    units = pd.DataFrame(rows, columns=["id", "groep", "respons"])
    live = {r["unit"] for r in _live(store, wave_id)}
    units["respons"] = (units["respons"].astype(bool) | units["id"].isin(live)).astype(int)
    table = units.groupby("groep", sort=False).agg(kader=("id", "size"),
                                                   respons=("respons", "sum")).reset_index()
    # Groups in their natural order: size classes from small to large.
    table = table.set_index("groep").loc[natural_order(table["groep"])].reset_index()
    table["responspercentage"] = (100 * table["respons"] / table["kader"]).round(1)
    return table


def response_over_time(store: Store, user: User, wave_id: int) -> pd.DataFrame:
    """Cumulative responses and units covered per completion date (stored, or sent online
    while the fieldwork is open): datum, responses, eenheden, responspercentage (of the
    frame). Responses without a date are left out."""
    require(user, "survey.read")
    wave = _wave(store, wave_id)
    frame_size = store.value("SELECT count(*) FROM frame_units WHERE monitor_id = ?",
                             [wave["monitor_id"]])
    rows = store.rows(
        "SELECT r.completed_on AS datum, count(DISTINCT r.id) AS responses,"
        " count(ru.unit_id) AS eenheden FROM responses r"
        " LEFT JOIN response_units ru ON ru.response_id = r.id"
        " WHERE r.wave_id = ? AND r.completed_on IS NOT NULL GROUP BY r.completed_on"
        " ORDER BY r.completed_on", [wave_id])
    live = pd.DataFrame(_live(store, wave_id), columns=["invitation", "unit", "date"])
    rows += live.groupby("date").agg(responses=("invitation", "nunique"),
                                     eenheden=("unit", "size")).reset_index() \
        .rename(columns={"date": "datum"}).to_dict("records")
    table = pd.DataFrame(rows, columns=["datum", "responses", "eenheden"])
    table = table.groupby("datum", sort=True).sum().reset_index()
    table["responses"] = table["responses"].cumsum()
    table["eenheden"] = table["eenheden"].cumsum()
    table["responspercentage"] = (100 * table["eenheden"] / frame_size).round(1) \
        if frame_size else float("nan")
    return table


def nonrespondents(store: Store, user: User, wave_id: int) -> pd.DataFrame:
    """The frame units without a response in this wave (stored, or sent online while the
    fieldwork is open), with their latest follow-up note: id, code, naam, regio,
    grootteklasse, provincie, notities, laatste_notitie, laatst."""
    require(user, "survey.read")
    wave = _wave(store, wave_id)
    rows = store.rows(
        "SELECT f.id, f.code, f.name AS naam, f.region AS regio, f.size_class AS grootteklasse,"
        " f.province AS provincie,"
        " (SELECT count(*) FROM fieldwork_notes n WHERE n.unit_id = f.id AND n.wave_id = ?)"
        "   AS notities,"
        " (SELECT n.note FROM fieldwork_notes n WHERE n.unit_id = f.id AND n.wave_id = ?"
        "   ORDER BY n.id DESC LIMIT 1) AS laatste_notitie,"
        " (SELECT n.created_at FROM fieldwork_notes n WHERE n.unit_id = f.id AND n.wave_id = ?"
        "   ORDER BY n.id DESC LIMIT 1) AS laatst"
        " FROM frame_units f WHERE f.monitor_id = ? AND NOT EXISTS (SELECT 1 FROM"
        "   response_units ru JOIN responses r ON r.id = ru.response_id"
        "   WHERE ru.unit_id = f.id AND r.wave_id = ?) ORDER BY f.region, f.name",
        [wave_id, wave_id, wave_id, wave["monitor_id"], wave_id])
    live = {r["unit"] for r in _live(store, wave_id)}
    return pd.DataFrame([r for r in rows if r["id"] not in live],
                        columns=["id", "code", "naam", "regio", "grootteklasse", "provincie",
                                 "notities", "laatste_notitie", "laatst"])


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
        "SELECT n.note, n.created_at, u.username AS door FROM fieldwork_notes n"
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
