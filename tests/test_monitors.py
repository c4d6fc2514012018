"""Monitors and waves: frame, waves stored whole or not at all, read back, the editor."""

from __future__ import annotations

import json
import math
import sqlite3

import pandas as pd
import pytest

from research.accounts import SYSTEM_USER, PermissionDenied
from research.schema import MIGRATIONS, migrate, open_store
from research.startup import prepare
from research.survey import monitors, waves
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
TABLES = ("waves", "variables", "responses", "response_units", "wave_columns", "wave_variables",
          "events")



@pytest.fixture
def monitor(store, users):
    """A monitor with four frame units in two regions and two waves, made by the analist."""
    anna = users["analist"]
    monitor_id = monitors.create_monitor(store, anna, "Testmonitor", "gemeente", "Verzonnen")
    assert monitors.set_frame(store, anna, monitor_id, FRAME) == 4
    waves.import_wave(store, anna, monitor_id, "2025", 2025, VARIABLES, WAVE_2025)
    waves.import_wave(store, anna, monitor_id, "2026", 2026, VARIABLES, WAVE_2026)
    return monitor_id


def variable_ids(store, user, monitor_id) -> dict[str, int]:
    return {v["name"]: v["id"] for v in monitors.variables(store, user, monitor_id)}


def counts(store) -> dict[str, int]:
    return {table: store.value(f"SELECT count(*) FROM {table}") for table in TABLES}


def wave_ids(store, user, monitor_id) -> dict[str, int]:
    return {w["label"]: w["id"] for w in monitors.waves(store, user, monitor_id)}


# -- reading a wave back ----------------------------------------------------------------------

def test_wave_data_reads_the_columns_back_with_design_and_frame_fields(store, users, monitor):
    lex = users["lezer"]
    data = waves.wave_data(store, lex, wave_ids(store, lex, monitor)["2025"])
    table = data.frame
    assert list(table["_unit_code"]) == ["G1", "G2", "G3"]
    assert list(table["region"]) == ["Noord", "Noord", "Zuid"]
    assert list(table["_completed"]) == ["2025-03-02", "2025-03-05", "2025-04-01"]
    assert list(table["_weight"]) == [1.0, 1.0, 1.0]
    assert list(table["tevreden"]) == [1.0, 2.0, 9.0]
    assert list(table["cijfer"]) == [7.0, 8.0, 99.0]
    # A blank open answer is no answer.
    assert list(table["opmerking"]) == ["Goed geregeld", None, None]
    assert sorted(data.variables) == ["cijfer", "opmerking", "tevreden"]
    assert data.variables["tevreden"]["missing_codes"] == [9]


def test_valid_values_and_categories_leave_missing_codes_out(store, users, monitor):
    lex = users["lezer"]
    data = waves.wave_data(store, lex, wave_ids(store, lex, monitor)["2025"], ["tevreden"])
    var = data.variables["tevreden"]
    values = waves.valid_values(var, data.frame["tevreden"].to_numpy())
    assert [None if math.isnan(v) else v for v in values] == [1.0, 2.0, None]
    assert waves.categories(var, values) == [1.0, 2.0]
    assert list(data.frame.columns).count("cijfer") == 0


def test_dutch_dates_are_read_day_first(store, users, monitor):
    anna = users["analist"]
    data = pd.DataFrame({"eenheid": ["G1", "G2"], "ingevuld": ["12-03-2027", "ergens in april"],
                         "tevreden": [1, 2], "cijfer": [5, 6], "opmerking": ["a", "b"]})
    with pytest.raises(MonitorError, match=r"^Rij 2, kolom ingevuld: 'ergens in april' is "
                                           r"geen datum.$"):
        waves.import_wave(store, anna, monitor, "2027", 2027, VARIABLES, data)
    data["ingevuld"] = ["12-03-2027 14:05", "3 mei 2027"]
    wave = waves.import_wave(store, anna, monitor, "2027", 2027, VARIABLES, data)
    assert list(waves.wave_data(store, anna, wave).frame["_completed"]) == [
        "2027-03-12", "2027-05-03"]


def test_a_partnership_response_speaks_for_several_units(store, users, monitor):
    anna = users["analist"]
    data = pd.DataFrame({"eenheid": ["G1; G2", "G4"], "tevreden": [1, 2], "cijfer": [5, 6],
                         "opmerking": ["a", "b"]})
    wave = waves.import_wave(store, anna, monitor, "2027", 2027, VARIABLES, data)
    assert store.rows("SELECT u.code FROM response_units ru JOIN frame_units u"
                      " ON u.id = ru.unit_id JOIN responses r ON r.id = ru.response_id"
                      " WHERE r.wave_id = ? ORDER BY u.code", [wave]) == [
        {"code": "G1"}, {"code": "G2"}, {"code": "G4"}]
    # The first unit named is the response's own, for its frame attributes.
    assert list(waves.wave_data(store, anna, wave).frame["_unit_code"]) == ["G1", "G4"]


def test_design_columns_are_stored_per_response(store, users, monitor):
    anna = users["analist"]
    data = pd.DataFrame({"eenheid": ["G1", "G3"], "w": ["1,5", 2], "laag": ["A", "B"],
                         "cluster": [1.0, 2.0], "N": [10, 12], "tevreden": [1, 2],
                         "cijfer": [5, 6], "opmerking": ["a", "b"]})
    wave = waves.import_wave(store, anna, monitor, "2027", 2027, VARIABLES, data,
                             roles={"weight": "w", "strata": "laag", "psu": "cluster",
                                    "fpc": "N"})
    table = waves.wave_data(store, anna, wave).frame
    assert table[["_weight", "_stratum", "_psu", "_fpc"]].to_dict("records") == [
        {"_weight": 1.5, "_stratum": "A", "_psu": "1", "_fpc": 10.0},
        {"_weight": 2.0, "_stratum": "B", "_psu": "2", "_fpc": 12.0}]


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
    assert monitors.monitor(store, lex, monitor)["design"] == {
        "weight": "bestand", "strata": None, "psu": None, "fpc": None, "ssu": None,
        "fpc2": None}
    assert monitors.find(store, lex, "Testmonitor") == monitor
    assert monitors.find_wave(store, lex, monitor, "2026") == wave_ids(store, lex, monitor)["2026"]
    with pytest.raises(MonitorError, match="^Deze monitor heeft geen meting '2030'.$"):
        monitors.find_wave(store, lex, monitor, "2030")


def test_import_stores_responses_and_logs_one_event_per_wave(store, users, monitor):
    assert store.rows("SELECT completed_on, weight FROM responses ORDER BY id LIMIT 2") == [
        {"completed_on": "2025-03-02", "weight": 1.0},
        {"completed_on": "2025-03-05", "weight": 1.0}]
    imports = store.rows("SELECT actor, entity_id, after FROM events WHERE entity = 'wave'"
                         " AND action = 'import' ORDER BY id")
    assert [(e["actor"], json.loads(e["after"])) for e in imports] == [
        ("anna", {"monitor_id": monitor, "label": "2025", "responses": 3, "variables": 3,
                  "source": None}),
        ("anna", {"monitor_id": monitor, "label": "2026", "responses": 3, "variables": 3,
                  "source": None}),
    ]
    assert store.value("SELECT count(*) FROM wave_columns") == 6
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
    with pytest.raises(MonitorError, match="^Dubbele codes in het steekproefkader: G9.$"):
        monitors.set_frame(store, anna, monitor, [{"code": "G9", "name": "a"},
                                                  {"code": "G9", "name": "b"}])


# -- the questionnaire editor -----------------------------------------------------------------

def test_recode_maps_one_waves_codes_onto_the_monitors(store, users, monitor):
    anna = users["analist"]
    ids, wave = variable_ids(store, anna, monitor), wave_ids(store, anna, monitor)["2026"]
    waves.set_recode(store, anna, wave, ids["tevreden"], {"2": 1, "1": ""})
    values = waves.wave_data(store, anna, wave, ["tevreden"]).frame["tevreden"]
    assert [None if math.isnan(v) else v for v in values] == [None, None, 1.0]
    overview = waves.comparability(store, anna, monitor)
    row = overview[(overview["name"] == "tevreden") & (overview["wave"] == "2026")]
    assert row["recoding"].tolist() == ["2→1, 1→leeg"]
    with pytest.raises(MonitorError, match="^Hercodering 'x' -> '1': gebruik getallen.$"):
        waves.set_recode(store, anna, wave, ids["tevreden"], {"x": 1})


def test_link_variable_joins_a_renamed_question(store, users, monitor):
    anna = users["analist"]
    renamed = [{**VARIABLES[0], "name": "tevreden_v2", "question": "Bent u tevreden?"}]
    data = pd.DataFrame({"eenheid": ["G2"], "tevreden_v2": [2]})
    wave = waves.import_wave(store, anna, monitor, "2027", 2027, renamed, data)
    ids = variable_ids(store, anna, monitor)
    overview = waves.comparability(store, anna, monitor)
    assert overview[overview["wave"] == "2027"][["name", "source_name"]].to_dict("records") \
        == [{"name": "tevreden_v2", "source_name": "tevreden_v2"}]
    waves.link_variable(store, anna, wave, ids["tevreden_v2"], ids["tevreden"])
    assert "tevreden_v2" not in variable_ids(store, anna, monitor)
    assert list(waves.wave_data(store, anna, wave).frame["tevreden"]) == [2.0]
    overview = waves.comparability(store, anna, monitor)
    assert overview[overview["wave"] == "2027"][["name", "source_name"]].to_dict("records") \
        == [{"name": "tevreden", "source_name": "tevreden_v2"}]
    with pytest.raises(MonitorError, match=r"^cijfer \(Rapportcijfer\) en tevreden \(Enkele "
                                           r"keuze\) zijn niet van hetzelfde type.$"):
        waves.link_variable(store, anna, wave, ids["cijfer"], ids["tevreden"])
    both = [VARIABLES[0], {**VARIABLES[0], "name": "tevreden_b"}]
    wave = waves.import_wave(store, anna, monitor, "2028", 2028, both,
                             pd.DataFrame({"tevreden": [1], "tevreden_b": [2]}))
    with pytest.raises(MonitorError, match="^tevreden zit al in deze meting.$"):
        waves.link_variable(store, anna, wave, variable_ids(store, anna, monitor)["tevreden_b"],
                            ids["tevreden"])


def test_update_variable_and_refusals(store, users, monitor):
    anna = users["analist"]
    ids = variable_ids(store, anna, monitor)
    after = waves.update_variable(store, anna, ids["cijfer"],
                                  {"topic": "Kwaliteit", "higher_is_better": True,
                                   "missing_codes": [99, 98]})
    assert (after["topic"], after["higher_is_better"], after["missing_codes"]) == (
        "Kwaliteit", 1, "[99, 98]")
    with pytest.raises(MonitorError, match="^Onbekend type 'vrij'.$"):
        waves.update_variable(store, anna, ids["cijfer"], {"type": "vrij"})
    with pytest.raises(MonitorError, match="^Dit kun je niet wijzigen: name.$"):
        waves.update_variable(store, anna, ids["cijfer"], {"name": "x"})


def test_delete_wave_removes_its_data(store, users, monitor):
    anna = users["analist"]
    waves.delete_wave(store, anna, wave_ids(store, anna, monitor)["2025"])
    assert [w["label"] for w in monitors.waves(store, anna, monitor)] == ["2026"]
    assert store.value("SELECT count(*) FROM wave_columns") == 3
    assert store.value("SELECT count(*) FROM responses") == 3
    assert store.value("SELECT count(*) FROM response_units") == 3


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
    ("2027", VARIABLES, WAVE_2026.iloc[0:0], "Het databestand bevat geen respondenten."),
    ("2027", VARIABLES,
     pd.DataFrame({"eenheid": ["G1", "G2"], "gewicht": [1, 0], "tevreden": [1, 2],
                   "cijfer": [5, 6], "opmerking": ["a", "b"]}),
     "Kolom 'gewicht': 1 rij heeft een gewicht van 0 of minder (eerste: rij 2). Gewichten "
     "moeten groter dan 0 zijn."),
    ("2027", VARIABLES,
     pd.DataFrame({"eenheid": ["G1", "G2"], "tevreden": [1, "ja"], "cijfer": [5, 6],
                   "opmerking": ["a", "b"]}),
     "Rij 2, kolom tevreden: 'ja' is geen getal."),
])
def test_import_refusals_leave_nothing_behind(store, users, monitor, label, variables, data,
                                              message):
    before = counts(store)
    with pytest.raises(MonitorError) as raised:
        waves.import_wave(store, users["analist"], monitor, label, 2027, variables, data)
    assert raised.value.message == message
    assert counts(store) == before


def test_import_uses_weight_one_for_an_empty_weight_cell(store, users, monitor):
    data = pd.DataFrame({"eenheid": ["G1", "G2"], "gewicht": [1.5, None], "tevreden": [1, 2],
                         "cijfer": [5, 6], "opmerking": ["a", "b"]})
    wave = waves.import_wave(store, users["analist"], monitor, "2027", 2027, VARIABLES, data)
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
    with pytest.raises(MonitorError, match="^Onbekende weging 'x'.$"):
        monitors.create_monitor(store, anna, "Andere", "gemeente", design={"weight": "x"})
    assert store.value("SELECT count(*) FROM monitors") == 1


def test_design_and_thresholds_are_settings(store, users, monitor):
    anna = users["analist"]
    assert monitors.set_design(store, anna, monitor, {"strata": "region", "fpc": "kader"}) == {
        "weight": "bestand", "strata": "region", "psu": None, "fpc": "kader", "ssu": None,
        "fpc2": None}
    monitors.set_thresholds(store, anna, monitor, 5, 15)
    row = monitors.monitor(store, anna, monitor)
    assert (row["min_n"], row["min_n_quotes"], row["design"]["strata"]) == (5, 15, "region")
    with pytest.raises(MonitorError):
        monitors.set_thresholds(store, anna, monitor, 20, 10)
    # Two stages: secondary units within the clusters, with their number per cluster.
    assert monitors.set_design(store, anna, monitor, {"psu": "dnum", "ssu": "snum",
                                                      "fpc": "fpc1", "fpc2": "fpc2"})["ssu"] \
        == "snum"
    with pytest.raises(MonitorError, match="^Een tweede trap \\(secundaire eenheden\\) vraagt "
                                           "om clusters \\(PSU's\\) in de eerste trap.$"):
        monitors.set_design(store, anna, monitor, {"ssu": "snum"})
    with pytest.raises(MonitorError, match="^De populatie per PSU"):
        monitors.set_design(store, anna, monitor, {"psu": "dnum", "fpc2": "fpc2"})


# -- permissions ------------------------------------------------------------------------------

def test_beheerder_may_write_too(store, users):
    assert monitors.create_monitor(store, users["beheerder"], "Monitor", "persoon") == 1


@pytest.mark.parametrize("role", ["lezer", "onderzoeker", "coordinator"])
def test_roles_without_survey_write_may_not_write(store, users, monitor, role):
    user = users[role]
    before = counts(store)
    wave = wave_ids(store, user, monitor)["2025"]
    with pytest.raises(PermissionDenied):
        monitors.create_monitor(store, user, "Andere monitor", "gemeente")
    with pytest.raises(PermissionDenied):
        monitors.set_frame(store, user, monitor, [{"code": "G9", "name": "Nieuw"}])
    with pytest.raises(PermissionDenied):
        waves.import_wave(store, user, monitor, "2027", 2027, VARIABLES, WAVE_2026)
    with pytest.raises(PermissionDenied):
        waves.delete_wave(store, user, wave)
    with pytest.raises(PermissionDenied):
        monitors.set_design(store, user, monitor, {"strata": "region"})
    assert counts(store) == before
    assert store.value("SELECT count(*) FROM monitors") == 1
    # They may read.
    assert [w["label"] for w in monitors.waves(store, user, monitor)] == ["2025", "2026"]


def test_nobody_without_a_login_reads(store, monitor):
    with pytest.raises(PermissionDenied):
        monitors.list_monitors(store, None)
    with pytest.raises(PermissionDenied):
        waves.wave_data(store, None, 1)


# -- migration from the long answers table ----------------------------------------------------

def test_migration_moves_long_answers_into_columns(db_path):
    migrate(db_path, [m for m in MIGRATIONS if m.name < "0008"])
    conn = sqlite3.connect(db_path)
    conn.executescript("""
        INSERT INTO monitors (id, name, unit_kind, created_at) VALUES (1, 'Oud', 'gemeente', 'x');
        INSERT INTO frame_units (id, monitor_id, code, name) VALUES (1, 1, 'G1', 'Aadorp');
        INSERT INTO waves (id, monitor_id, label, year) VALUES (1, 1, '2024', 2024);
        INSERT INTO variables (id, monitor_id, name, label, type, value_labels, missing_codes)
            VALUES (1, 1, 'tevreden', 'Tevreden', 'enkelvoudig', '{"1": "Ja"}', '[9]'),
                   (2, 1, 'opmerking', 'Opmerking', 'open', '{}', '[]');
        INSERT INTO responses (id, wave_id, unit_id, weight)
            VALUES (5, 1, 1, 2.0), (6, 1, NULL, 1.0);
        INSERT INTO answers (response_id, variable_id, value, text)
            VALUES (5, 1, 1, NULL), (6, 1, 9, NULL), (6, 2, NULL, 'Goed');
    """)
    conn.commit()
    conn.close()
    store = open_store(db_path)
    prepare(store)
    data = waves.wave_data(store, SYSTEM_USER, 1)
    assert list(data.frame["tevreden"]) == [1.0, 9.0]
    assert list(data.frame["opmerking"]) == [None, "Goed"]
    assert list(data.frame["_weight"]) == [2.0, 1.0]
    assert store.rows("SELECT response_id, unit_id FROM response_units") == [
        {"response_id": 5, "unit_id": 1}]
    assert "answers" not in store.db.table_names()
    store.close()
