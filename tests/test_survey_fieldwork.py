"""Fieldwork: response against the frame (partnerships count for each member), over time, the
list of units still to chase with their notes, and its export."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from research.accounts import PermissionDenied
from research.survey import fieldwork, monitors, waves
from research.survey.monitors import MonitorError

FRAME = [
    {"code": "G1", "name": "Aadorp", "region": "Noord", "size_class": "klein"},
    {"code": "G2", "name": "Beekveld", "region": "Noord", "size_class": "groot"},
    {"code": "G3", "name": "Cromhout", "region": "Zuid", "size_class": "klein"},
    {"code": "G4", "name": "=Dalwijk", "region": "Zuid", "size_class": "klein"},
    {"code": "G5", "name": "Eemhoven", "region": None, "size_class": "groot"},
]
VARIABLES = [{"name": "tevreden", "label": "Tevredenheid", "type": "enkelvoudig",
              "value_labels": {1: "Ja", 2: "Nee"}}]


@pytest.fixture
def wave(store, users):
    anna = users["analist"]
    monitor = monitors.create_monitor(store, anna, "Testmonitor", "gemeente")
    monitors.set_frame(store, anna, monitor, FRAME)
    data = pd.DataFrame({"eenheid": ["G1;G2", "G3", None],
                         "ingevuld": ["2025-03-02", "2025-03-02", "2025-03-09"],
                         "tevreden": [1, 2, 1]})
    return waves.import_wave(store, anna, monitor, "2025", 2025, VARIABLES, data)


def test_response_overall_and_by_region_and_size_class(store, users, wave):
    lex = users["lezer"]
    assert fieldwork.response(store, lex, wave).to_dict("records") == [
        {"group": "Totaal", "in_frame": 5, "responded": 3, "response_rate": 60.0}]
    assert fieldwork.response(store, lex, wave, "region").to_dict("records") == [
        {"group": "Noord", "in_frame": 2, "responded": 2, "response_rate": 100.0},
        {"group": "Zuid", "in_frame": 2, "responded": 1, "response_rate": 50.0},
        {"group": "Onbekend", "in_frame": 1, "responded": 0, "response_rate": 0.0}]
    # Size classes from small to large, not alphabetically.
    assert fieldwork.response(store, lex, wave, "size_class").to_dict("records") == [
        {"group": "klein", "in_frame": 3, "responded": 2, "response_rate": 66.7},
        {"group": "groot", "in_frame": 2, "responded": 1, "response_rate": 50.0}]
    with pytest.raises(MonitorError, match="^Onbekende uitsplitsing 'x'.$"):
        fieldwork.response(store, lex, wave, "x")


def test_response_over_time_is_cumulative(store, users, wave):
    assert fieldwork.response_over_time(store, users["lezer"], wave).to_dict("records") == [
        {"date": "2025-03-02", "responses": 2, "units": 3, "response_rate": 60.0},
        {"date": "2025-03-09", "responses": 3, "units": 3, "response_rate": 60.0}]


def test_nonrespondents_with_notes_and_their_export(store, users, wave):
    anna = users["analist"]
    missing = fieldwork.nonrespondents(store, anna, wave)
    assert missing[["code", "name", "notes"]].to_dict("records") == [
        {"code": "G5", "name": "Eemhoven", "notes": 0},
        {"code": "G4", "name": "=Dalwijk", "notes": 0}]
    unit = int(missing["id"].iloc[1])
    fieldwork.add_note(store, anna, wave, unit, "Gebeld, belt terug")
    fieldwork.add_note(store, anna, wave, unit, " Herinnering gemaild ")
    row = fieldwork.nonrespondents(store, anna, wave).iloc[1]
    assert (row["notes"], row["last_note"]) == (2, "Herinnering gemaild")
    assert [(n["note"], n["author"]) for n in fieldwork.notes(store, anna, wave, unit)] == [
        ("Gebeld, belt terug", "anna"), ("Herinnering gemaild", "anna")]
    sheet = load_workbook(io.BytesIO(fieldwork.export_nonrespondents(store, anna, wave))).active
    assert sheet["A1"].value == "Eenheden zonder respons, meting 2025 (2 eenheden)"
    assert [c.value for c in sheet[3]] == ["Code", "Naam", "Regio", "Grootteklasse", "Provincie",
                                           "Notities", "Laatste notitie",
                                           "Datum laatste notitie"]
    assert [c.value for c in sheet[5]][:3] == ["G4", "=Dalwijk", "Zuid"]
    # A name that looks like a formula stays text.
    assert sheet["B5"].data_type == "s"


def test_note_refusals(store, users, wave):
    anna = users["analist"]
    with pytest.raises(MonitorError, match="^Schrijf eerst een notitie.$"):
        fieldwork.add_note(store, anna, wave, 1, "  ")
    with pytest.raises(MonitorError, match="^Deze eenheid staat niet in het steekproefkader van "
                                           "de monitor.$"):
        fieldwork.add_note(store, anna, wave, 999, "Gebeld")
    with pytest.raises(PermissionDenied):
        fieldwork.add_note(store, users["lezer"], wave, 1, "Gebeld")
    assert store.value("SELECT count(*) FROM fieldwork_notes") == 0


def test_export_leaves_out_control_characters(store, users, wave):
    """openpyxl refused a cell with a vertical tab (pasted from Word) or a NUL."""
    anna = users["analist"]
    unit = int(fieldwork.nonrespondents(store, anna, wave)["id"].iloc[0])
    fieldwork.add_note(store, anna, wave, unit, "Gebeld\x0bbelt\x00 terug\x01")
    sheet = load_workbook(io.BytesIO(fieldwork.export_nonrespondents(store, anna, wave))).active
    assert sheet["G4"].value == "Gebeld\nbelt terug"
