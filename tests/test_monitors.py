"""Monitors: frame, waves imported in one transaction, and the unweighted tables."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from research.accounts import PermissionDenied
from research.survey import monitors
from research.survey.monitors import MonitorError

FRAME = [
    {"code": "G1", "name": "Aadorp", "region": "Noord", "size_class": "klein"},
    {"code": "G2", "name": "Beekveld", "region": "Noord", "size_class": "groot"},
    {"code": "G3", "name": "Cromhout", "region": "Zuid", "size_class": "klein"},
    {"code": "G4", "name": "Dalwijk", "region": "Zuid", "size_class": "klein"},
]
VARIABLES = [
    {"name": "tevreden", "label": "Tevredenheid", "type": "enkelvoudig",
     "value_labels": {1: "Ja", 2: "Nee", 9: "Weet niet"}, "missing_codes": [9],
     "topic": "Samenwerking"},
    {"name": "cijfer", "label": "Rapportcijfer", "type": "rapportcijfer",
     "missing_codes": [99], "topic": "Uitvoering"},
    {"name": "opmerking", "label": "Toelichting", "type": "open", "topic": "Uitvoering"},
]
WAVE_2025 = pd.DataFrame({
    "eenheid": ["G1", "G2", "G3"],
    "ingevuld": ["2025-03-02", "2025-03-05", "2025-04-01"],
    "tevreden": [1, 2, 9],
    "cijfer": [7, 8, 99],
    "opmerking": ["Goed geregeld", None, "   "],
})
WAVE_2026 = pd.DataFrame({
    "eenheid": ["G1", "G3", "G4"],
    "tevreden": [1, 1, 2],
    "cijfer": [6, None, 5],
    "opmerking": ["Prima", "Beter dan vorig jaar", "Te weinig capaciteit"],
})
TABLES = ("waves", "variables", "responses", "answers", "events")



@pytest.fixture
def monitor(store, users):
    """A monitor with four frame units in two regions and two waves, made by the analist."""
    anna = users["analist"]
    monitor_id = monitors.create_monitor(store, anna, "Testmonitor", "gemeente", "Verzonnen")
    assert monitors.set_frame(store, anna, monitor_id, FRAME) == 4
    monitors.import_wave(store, anna, monitor_id, "2025", 2025, VARIABLES, WAVE_2025)
    monitors.import_wave(store, anna, monitor_id, "2026", 2026, VARIABLES, WAVE_2026)
    return monitor_id


def variable_ids(store, user, monitor_id) -> dict[str, int]:
    return {v["name"]: v["id"] for v in monitors.variables(store, user, monitor_id)}


def counts(store) -> dict[str, int]:
    return {table: store.value(f"SELECT count(*) FROM {table}") for table in TABLES}


# -- results ----------------------------------------------------------------------------------

def test_frequencies_leave_missing_codes_out_of_the_base(store, users, monitor):
    lex = users["lezer"]
    table = monitors.frequencies(store, lex, variable_ids(store, lex, monitor)["tevreden"])
    assert list(table.columns) == ["meting", "code", "antwoord", "n", "percentage", "basis"]
    rows = table.to_dict("records")
    missing = rows.pop(2)
    assert missing["meting"] == "2025" and missing["antwoord"] == "Weet niet"
    assert (missing["code"], missing["n"], missing["basis"]) == (9.0, 1, 2)
    assert missing["percentage"] is None or math.isnan(missing["percentage"])
    assert rows == [
        {"meting": "2025", "code": 1.0, "antwoord": "Ja", "n": 1, "percentage": 50.0, "basis": 2},
        {"meting": "2025", "code": 2.0, "antwoord": "Nee", "n": 1, "percentage": 50.0, "basis": 2},
        {"meting": "2026", "code": 1.0, "antwoord": "Ja", "n": 2, "percentage": 66.7, "basis": 3},
        {"meting": "2026", "code": 2.0, "antwoord": "Nee", "n": 1, "percentage": 33.3, "basis": 3},
    ]


def test_numeric_summary_skips_missing_codes_and_empty_cells(store, users, monitor):
    anna = users["analist"]
    table = monitors.numeric_summary(store, anna, variable_ids(store, anna, monitor)["cijfer"])
    assert table.to_dict("records") == [
        {"meting": "2025", "n": 2, "gemiddelde": 7.5, "minimum": 7.0, "maximum": 8.0},
        {"meting": "2026", "n": 2, "gemiddelde": 5.5, "minimum": 5.0, "maximum": 6.0},
    ]


def test_open_answers_without_blank_ones(store, users, monitor):
    anna = users["analist"]
    table = monitors.open_answers(store, anna, variable_ids(store, anna, monitor)["opmerking"])
    assert table.to_dict("records") == [
        {"meting": "2025", "antwoord": "Goed geregeld"},
        {"meting": "2026", "antwoord": "Prima"},
        {"meting": "2026", "antwoord": "Beter dan vorig jaar"},
        {"meting": "2026", "antwoord": "Te weinig capaciteit"},
    ]


def test_response_by_region(store, users, monitor):
    table = monitors.response_by_region(store, users["coordinator"], monitor)
    assert table.to_dict("records") == [
        {"meting": "2025", "regio": "Noord", "kader": 2, "respons": 2, "responspercentage": 100.0},
        {"meting": "2025", "regio": "Zuid", "kader": 2, "respons": 1, "responspercentage": 50.0},
        {"meting": "2026", "regio": "Noord", "kader": 2, "respons": 1, "responspercentage": 50.0},
        {"meting": "2026", "regio": "Zuid", "kader": 2, "respons": 2, "responspercentage": 100.0},
    ]


def test_wrong_variable_type_is_refused(store, users, monitor):
    anna = users["analist"]
    ids = variable_ids(store, anna, monitor)
    with pytest.raises(MonitorError, match="^Rapportcijfer is geen keuzevraag.$"):
        monitors.frequencies(store, anna, ids["cijfer"])
    with pytest.raises(MonitorError, match="^Tevredenheid is geen getalvraag.$"):
        monitors.numeric_summary(store, anna, ids["tevreden"])
    with pytest.raises(MonitorError, match="^Tevredenheid is geen open vraag.$"):
        monitors.open_answers(store, anna, ids["tevreden"])
    with pytest.raises(MonitorError, match="^Deze variabele bestaat niet.$"):
        monitors.frequencies(store, anna, 999)


def test_overview_lists(store, users, monitor):
    lex = users["lezer"]
    assert monitors.list_monitors(store, lex) == [
        {"id": monitor, "name": "Testmonitor", "unit_kind": "gemeente",
         "description": "Verzonnen", "waves": 2, "units": 4}]
    assert [(w["label"], w["year"], w["responses"])
            for w in monitors.waves(store, lex, monitor)] == [("2025", 2025, 3), ("2026", 2026, 3)]
    variables = monitors.variables(store, lex, monitor)
    # The second wave matched the variables by name instead of adding new ones.
    assert [v["name"] for v in variables] == ["tevreden", "cijfer", "opmerking"]
    assert variables[0]["value_labels"] == {"1": "Ja", "2": "Nee", "9": "Weet niet"}
    assert variables[0]["missing_codes"] == [9]
    assert variables[2]["missing_codes"] == []


def test_import_stores_responses_and_logs_one_event_per_wave(store, users, monitor):
    assert store.rows("SELECT completed_on, weight FROM responses ORDER BY id LIMIT 2") == [
        {"completed_on": "2025-03-02", "weight": 1.0}, {"completed_on": "2025-03-05", "weight": 1.0}]
    imports = store.rows("SELECT actor, entity_id, after FROM events WHERE entity = 'wave'"
                         " AND action = 'import' ORDER BY id")
    assert [(e["actor"], json.loads(e["after"])) for e in imports] == [
        ("anna", {"monitor_id": monitor, "label": "2025", "responses": 3, "variables": 3,
                  "answers": 8}),
        ("anna", {"monitor_id": monitor, "label": "2026", "responses": 3, "variables": 3,
                  "answers": 8}),
    ]
    assert store.value("SELECT count(*) FROM answers") == 16
    assert store.value("SELECT count(*) FROM responses") == 6


def test_set_frame_updates_existing_units(store, users, monitor):
    anna = users["analist"]
    renamed = [{"code": "G1", "name": "Aadorp-Oost", "region": "Zuid"}]
    assert monitors.set_frame(store, anna, monitor, renamed) == 1
    assert store.value("SELECT count(*) FROM frame_units") == 4
    assert store.one("SELECT name, region FROM frame_units WHERE code = 'G1'") == {
        "name": "Aadorp-Oost", "region": "Zuid"}
    with pytest.raises(MonitorError, match="^Elke eenheid in het steekproefkader heeft een code "
                                           "en een naam.$"):
        monitors.set_frame(store, anna, monitor, [{"code": "G9", "name": ""}])


# -- refusals ---------------------------------------------------------------------------------

@pytest.mark.parametrize("label, variables, data, message", [
    ("2027", VARIABLES,
     pd.DataFrame({"eenheid": ["G1", "X9", "X8"], "tevreden": [1, 1, 1], "cijfer": [5, 6, 7],
                   "opmerking": ["a", "b", "c"]}),
     "2 eenheden staan niet in het steekproefkader, bijvoorbeeld X8, X9."),
    ("2027", VARIABLES,
     pd.DataFrame({"eenheid": ["G1"], "tevreden": [1], "cijfer": [5]}),
     "Variabele opmerking ontbreekt in het databestand."),
    ("2026", VARIABLES, WAVE_2026, "Er bestaat al een meting '2026' in deze monitor."),
    ("  ", VARIABLES, WAVE_2026, "Geef de meting een naam, bijvoorbeeld het jaartal."),
    ("2027", [{"name": "tevreden", "type": "vrij"}], WAVE_2026,
     "Variabele tevreden: onbekend type 'vrij'."),
])
def test_import_refusals_leave_nothing_behind(store, users, monitor, label, variables, data,
                                              message):
    before = counts(store)
    with pytest.raises(MonitorError) as raised:
        monitors.import_wave(store, users["analist"], monitor, label, 2027, variables, data)
    assert raised.value.message == message
    assert counts(store) == before


def test_import_failing_halfway_is_rolled_back(store, users, monitor):
    before = counts(store)
    data = pd.DataFrame({"eenheid": ["G1", "G2"], "tevreden": [1, "ja"], "cijfer": [5, 6],
                         "opmerking": ["a", "b"]})
    with pytest.raises((ValueError, MonitorError)):
        monitors.import_wave(store, users["analist"], monitor, "2027", 2027, VARIABLES, data)
    assert counts(store) == before
    assert [w["label"] for w in monitors.waves(store, users["analist"], monitor)] == [
        "2025", "2026"]


def test_import_refuses_text_in_a_numeric_column_with_a_dutch_message(store, users, monitor):
    data = pd.DataFrame({"eenheid": ["G1"], "tevreden": ["ja"], "cijfer": [5],
                         "opmerking": ["a"]})
    with pytest.raises(MonitorError):
        monitors.import_wave(store, users["analist"], monitor, "2027", 2027, VARIABLES, data)


def test_import_uses_weight_one_for_an_empty_weight_cell(store, users, monitor):
    data = pd.DataFrame({"eenheid": ["G1", "G2"], "gewicht": [1.5, None], "tevreden": [1, 2],
                         "cijfer": [5, 6], "opmerking": ["a", "b"]})
    wave = monitors.import_wave(store, users["analist"], monitor, "2027", 2027, VARIABLES, data)
    assert [r["weight"] for r in store.rows(
        "SELECT weight FROM responses WHERE wave_id = ? ORDER BY id", [wave])] == [1.5, 1.0]


def test_create_monitor_refusals(store, users, monitor):
    anna = users["analist"]
    with pytest.raises(MonitorError, match="^Er bestaat al een monitor 'Testmonitor'.$"):
        monitors.create_monitor(store, anna, " Testmonitor ", "gemeente")
    with pytest.raises(MonitorError, match="^Onbekende eenheid 'provincie'.$"):
        monitors.create_monitor(store, anna, "Andere", "provincie")
    with pytest.raises(MonitorError, match="^Geef de monitor een naam.$"):
        monitors.create_monitor(store, anna, "", "gemeente")
    assert store.value("SELECT count(*) FROM monitors") == 1


# -- permissions ------------------------------------------------------------------------------

def test_beheerder_may_write_too(store, users):
    assert monitors.create_monitor(store, users["beheerder"], "Monitor", "persoon") == 1


@pytest.mark.parametrize("role", ["lezer", "onderzoeker", "coordinator"])
def test_roles_without_survey_write_may_not_write(store, users, monitor, role):
    user = users[role]
    before = counts(store)
    with pytest.raises(PermissionDenied):
        monitors.create_monitor(store, user, "Andere monitor", "gemeente")
    with pytest.raises(PermissionDenied):
        monitors.set_frame(store, user, monitor, [{"code": "G9", "name": "Nieuw"}])
    with pytest.raises(PermissionDenied):
        monitors.import_wave(store, user, monitor, "2027", 2027, VARIABLES, WAVE_2026)
    assert counts(store) == before
    assert store.value("SELECT count(*) FROM monitors") == 1
    # They may read.
    assert [w["label"] for w in monitors.waves(store, user, monitor)] == ["2025", "2026"]


def test_nobody_without_a_login_reads(store, monitor):
    with pytest.raises(PermissionDenied):
        monitors.list_monitors(store, None)
    with pytest.raises(PermissionDenied):
        monitors.response_by_region(store, None, monitor)


def test_numeric_summary_keeps_a_wave_without_year(store, users, monitor):
    anna = users["analist"]
    data = pd.DataFrame({"eenheid": ["G2"], "tevreden": [1], "cijfer": [4],
                         "opmerking": ["Tussenmeting"]})
    monitors.import_wave(store, anna, monitor, "Tussenmeting", None, VARIABLES, data)
    ids = variable_ids(store, anna, monitor)
    assert "Tussenmeting" in set(monitors.frequencies(store, anna, ids["tevreden"])["meting"])
    table = monitors.numeric_summary(store, anna, ids["cijfer"])
    assert sorted(table["meting"]) == ["2025", "2026", "Tussenmeting"]
