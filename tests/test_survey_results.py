"""The results store: every indicator x breakdown x group estimated with the monitor's
design, read back as crosstabs, trends, Likert and multiple-response tables, benchmarks."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from research.accounts import PermissionDenied
from research.survey import calibration, charts, monitors, ordering, results, tables, waves
from research.survey.monitors import MonitorError

FRAME = [{"code": f"G{i}", "name": f"Gemeente {i}", "region": "Noord" if i <= 6 else "Zuid",
          "size_class": "klein" if i % 2 else "groot"} for i in range(1, 13)]
VARIABLES = [
    {"name": "tevreden", "label": "Tevredenheid", "type": "likert",
     "value_labels": {1: "Ontevreden", 2: "Neutraal", 3: "Tevreden", 9: "Weet niet"},
     "missing_codes": [9], "topic": "Samenwerking", "higher_is_better": True},
    {"name": "cijfer", "label": "Rapportcijfer", "type": "rapportcijfer", "topic": "Uitvoering"},
    {"name": "k_a", "label": "Knelpunt: wonen", "type": "meervoudig", "mr_set": "knelpunt",
     "value_labels": {0: "Niet genoemd", 1: "Genoemd"}},
    {"name": "k_b", "label": "Knelpunt: taal", "type": "meervoudig", "mr_set": "knelpunt",
     "value_labels": {0: "Niet genoemd", 1: "Genoemd"}},
    {"name": "opmerking", "label": "Toelichting", "type": "open"},
]
WAVE_2025 = pd.DataFrame({
    "eenheid": ["G1", "G2", "G3", "G4", "G7", "G8", "G9", "G10"],
    "tevreden": [1, 2, 3, 3, 3, 2, 9, 3],
    "cijfer": [6, 7, 8, 7, 9, 8, 7, 6],
    "k_a": [1, 0, 1, 1, 0, None, 1, 0],
    "k_b": [0, 1, 1, 0, 0, None, 0, 1],
    "opmerking": ["a", None, "b", None, None, None, None, None],
})
WAVE_2026 = WAVE_2025.assign(tevreden=[3, 3, 3, 3, 3, 2, 3, 3], cijfer=[8, 8, 9, 7, 9, 8, 8, 7])


@pytest.fixture
def monitor(store, users):
    anna = users["analist"]
    monitor_id = monitors.create_monitor(store, anna, "Testmonitor", "gemeente")
    monitors.set_frame(store, anna, monitor_id, FRAME)
    monitors.set_thresholds(store, anna, monitor_id, 3, 5)
    for label, data in (("2025", WAVE_2025), ("2026", WAVE_2026)):
        wave = waves.import_wave(store, anna, monitor_id, label, int(label), VARIABLES, data)
        results.compute(store, anna, wave)
    return monitor_id


def ids(store, user, monitor_id):
    found = {v["name"]: v["id"] for v in monitors.variables(store, user, monitor_id)}
    found.update({w["label"]: w["id"] for w in monitors.waves(store, user, monitor_id)})
    return found


def test_compute_stores_every_breakdown_and_the_design(store, users, monitor):
    lex = users["lezer"]
    i = ids(store, lex, monitor)
    table = results.stored(store, lex, i["2025"])
    assert sorted(table["breakdown"].unique()) == ["region", "size_class", "totaal"]
    # 3 likert categories + mean of cijfer + 2 mr items, for 1 + 2 + 2 groups.
    assert len(table) == 6 * 5
    run = results.run(store, lex, i["2025"])
    assert run["rows"] == 30
    assert run["design"]["text"] == "Ongewogen (geen gewicht in het bestand)."


def test_unweighted_mean_and_se_are_the_classic_ones(store, users, monitor):
    lex = users["lezer"]
    i = ids(store, lex, monitor)
    row = results.stored(store, lex, i["2025"], i["cijfer"], "totaal").iloc[0]
    values = [6, 7, 8, 7, 9, 8, 7, 6]
    mean = sum(values) / 8
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / 7)
    assert row["estimate"] == pytest.approx(7.25)
    assert row["se"] == pytest.approx(sd / math.sqrt(8))
    assert (row["n"], row["neff"], row["missing_n"]) == (8, 8.0, 0)


def test_proportions_leave_weet_niet_out_and_count_it(store, users, monitor):
    lex = users["lezer"]
    i = ids(store, lex, monitor)
    rows = results.stored(store, lex, i["2025"], i["tevreden"], "totaal")
    assert rows["category"].tolist() == [1.0, 2.0, 3.0]
    assert rows["estimate"].round(4).tolist() == [0.1429, 0.2857, 0.5714]
    assert rows["n"].tolist() == [7, 7, 7]
    assert rows["missing_n"].tolist() == [1, 1, 1]
    # Seven answers: too few for the logit interval (effective count below 5).
    assert rows["ci_method"].tolist() == ["korn-graubard"] * 3


def test_multiple_response_is_a_share_of_those_who_answered_the_set(store, users, monitor):
    lex = users["lezer"]
    i = ids(store, lex, monitor)
    wonen = results.stored(store, lex, i["2025"], i["k_a"], "totaal").iloc[0]
    assert (round(wonen["estimate"], 4), wonen["n"]) == (0.5714, 7)
    table = tables.multiple_response(store, lex, i["2025"], [i["k_a"], i["k_b"]])
    assert table.cells.to_dict("records") == [
        {"Antwoord": "wonen", "% van de respondenten": "57%", "n": 7},
        {"Antwoord": "taal", "% van de respondenten": "43%", "n": 7}]


def test_crosstab_suppresses_small_groups_and_states_its_notes(store, users, monitor):
    lex = users["lezer"]
    i = ids(store, lex, monitor)
    monitors.set_thresholds(store, users["analist"], monitor, 5, 5)
    table = tables.crosstab(store, lex, i["2025"], i["cijfer"], "region")
    assert table.cells.to_dict("index") == {
        "Gemiddelde": {"Noord": ".", "Zuid": ".", "Totaal": "7,2"},
        "n": {"Noord": "4", "Zuid": "4", "Totaal": "8"}}
    assert table.notes == [
        "Meting 2025. Ongewogen (geen gewicht in het bestand).",
        "Basis: n = 8 geldige antwoorden; 'weet niet' en geen antwoord (n = 0) tellen niet mee.",
        "▲ / ▼: significant hoger / lager dan de rest van de steekproef (p < 0,05, toets die "
        "rekening houdt met weging en ontwerp).",
        ". = minder dan 5 antwoorden: te onbetrouwbaar om te tonen."]


def test_crosstab_has_column_totals_and_size_classes_in_their_natural_order(store, users,
                                                                             monitor):
    lex = users["lezer"]
    i = ids(store, lex, monitor)
    table = tables.crosstab(store, lex, i["2025"], i["tevreden"], "size_class")
    # Alphabetically 'groot' came before 'klein'; the total column comes last, the total
    # row (each column's answers add up to 100%) before n.
    assert list(table.cells.columns) == ["klein", "groot", "Totaal"]
    assert table.cells.to_dict("index") == {
        "Ontevreden": {"klein": "33%", "groot": "0%", "Totaal": "14%"},
        "Neutraal": {"klein": "0%", "groot": "50%", "Totaal": "29%"},
        "Tevreden": {"klein": "67%", "groot": "50%", "Totaal": "57%"},
        "Totaal": {"klein": "100%", "groot": "100%", "Totaal": "100%"},
        "n": {"klein": "3", "groot": "4", "Totaal": "7"}}
    assert table.numbers.loc["Totaal"].tolist() == [100.0, 100.0, 100.0]
    stored = results.stored(store, lex, i["2025"], i["tevreden"], "size_class")
    assert list(dict.fromkeys(stored["grp"])) == ["klein", "groot"]
    # A mean has no total row; a suppressed column has a suppressed total.
    assert list(tables.crosstab(store, lex, i["2025"], i["cijfer"]).cells.index) == \
        ["Gemiddelde", "n"]
    monitors.set_thresholds(store, users["analist"], monitor, 4, 5)
    table = tables.crosstab(store, lex, i["2025"], i["tevreden"], "size_class")
    assert table.cells.loc["Totaal"].to_dict() == {"klein": ".", "groot": "100%",
                                                   "Totaal": "100%"}


def test_crosstab_by_a_single_choice_question(store, users, monitor):
    lex = users["lezer"]
    i = ids(store, lex, monitor)
    table = tables.crosstab(store, lex, i["2025"], i["cijfer"], "tevreden")
    # Estimated now, with the design; the answers in code order ('weet niet' is no group),
    # groups under the minimum n of 3 suppressed.
    assert table.title == "Rapportcijfer naar Tevredenheid"
    assert table.cells.to_dict("index") == {
        "Gemiddelde": {"Ontevreden": ".", "Neutraal": ".", "Tevreden": "7,5", "Totaal": "7,2"},
        "n": {"Ontevreden": "1", "Neutraal": "2", "Tevreden": "4", "Totaal": "8"}}
    assert table.notes[-1] == ("Uitgesplitst naar de antwoorden op 'Tevredenheid', met het "
                               "ontwerp van de meting.")
    with pytest.raises(MonitorError, match="'opmerking' is geen keuzevraag"):
        tables.crosstab(store, lex, i["2025"], i["cijfer"], "opmerking")


def test_natural_order_of_answers_and_groups():
    assert ordering.natural_order(["100.000 inwoners of meer", "20.000 - 50.000 inwoners",
                                   "< 20.000 inwoners", "50.000 - 100.000 inwoners"]) == [
        "< 20.000 inwoners", "20.000 - 50.000 inwoners", "50.000 - 100.000 inwoners",
        "100.000 inwoners of meer"]
    assert ordering.natural_order(["Eens", "Weet niet", "Helemaal mee oneens", "Neutraal",
                                   "Oneens", "Helemaal mee eens"]) == [
        "Helemaal mee oneens", "Oneens", "Neutraal", "Eens", "Helemaal mee eens", "Weet niet"]
    assert ordering.natural_order(["tevreden", "niet tevreden, niet ontevreden",
                                   "zeer ontevreden", "ontevreden", "zeer tevreden"]) == [
        "zeer ontevreden", "ontevreden", "niet tevreden, niet ontevreden", "tevreden",
        "zeer tevreden"]
    assert ordering.natural_order(["vaak", "nooit", "altijd", "zelden", "soms"]) == [
        "nooit", "zelden", "soms", "vaak", "altijd"]
    assert ordering.natural_order(["groot", "zeer groot", "klein", "middel"]) == [
        "klein", "middel", "groot", "zeer groot"]
    assert ordering.natural_order(["tot 10.000", "50.000 en meer", "10.000 tot 50.000"]) == [
        "tot 10.000", "10.000 tot 50.000", "50.000 en meer"]
    assert ordering.natural_order(["Zuid", "Onbekend", "noord", "Één", "Oost"]) == [
        "Één", "noord", "Oost", "Zuid", "Onbekend"]


def test_crosstab_marks_a_group_that_differs_from_the_rest(store, users):
    anna = users["analist"]
    monitor_id = monitors.create_monitor(store, anna, "Scheef", "gemeente")
    monitors.set_frame(store, anna, monitor_id, FRAME)
    monitors.set_thresholds(store, anna, monitor_id, 3, 5)
    data = pd.DataFrame({"eenheid": [f"G{i}" for i in range(1, 13)],
                         "cijfer": [9, 9, 8, 9, 9, 8, 5, 4, 5, 5, 4, 5]})
    wave = waves.import_wave(store, anna, monitor_id, "2025", 2025, [VARIABLES[1]], data)
    results.compute(store, anna, wave)
    table = tables.crosstab(store, anna, wave,
                            monitors.variables(store, anna, monitor_id)[0]["id"], "region")
    assert table.cells.loc["Gemiddelde"].to_dict() == {"Noord": "8,7 ▲", "Zuid": "4,7 ▼",
                                                       "Totaal": "6,7"}
    assert table.markers.loc["Gemiddelde"].to_dict() == {"Noord": "hoger", "Zuid": "lager",
                                                         "Totaal": ""}


def test_trend_tests_each_change(store, users, monitor):
    lex = users["lezer"]
    i = ids(store, lex, monitor)
    trend = tables.trend(store, lex, monitor, i["cijfer"])
    assert trend.cells.to_dict("records") == [
        {"Meting": "2025", "Schatting": "7,2", "Verandering": "", "n": 8},
        {"Meting": "2026", "Schatting": "8,0", "Verandering": "+0,8", "n": 8}]
    assert "conservatief" in trend.notes[1]
    share = tables.trend(store, lex, monitor, i["tevreden"], 3.0)
    assert share.cells["Schatting"].tolist() == ["57%", "88%"]


def test_trend_of_every_answer_and_of_the_top_2_box(store, users, monitor):
    lex = users["lezer"]
    i = ids(store, lex, monitor)
    var = monitors.variable(store, lex, i["tevreden"])
    assert tables.trend_choices(var) == [tables.ALL, tables.TOP2, 1.0, 2.0, 3.0]
    assert tables.trend_choices(monitors.variable(store, lex, i["cijfer"])) == []
    every = tables.trend(store, lex, monitor, i["tevreden"], tables.ALL)
    assert every.cells.to_dict("records") == [
        {"Meting": "2025", "Ontevreden": "14%", "Neutraal": "29%", "Tevreden": "57%", "n": 7},
        {"Meting": "2026", "Ontevreden": "0%", "Neutraal": "12%", "Tevreden": "88%", "n": 8}]
    assert every.numbers["answer"].tolist() == ["Ontevreden"] * 2 + ["Neutraal"] * 2 + \
        ["Tevreden"] * 2
    assert len(charts.trend_line(every).data) == 3      # a line per answer
    # Top-2: the two most favourable answers (Neutraal, Tevreden) of the seven valid answers
    # in 2025 (weet niet left out), all eight in 2026; with its own standard error. Unweighted
    # without clusters, and weet niet a domain outside the base that stays in the design (as
    # R's svymean(na.rm = TRUE)): V = m / (m - 1) sum z^2 with m = 8 rows and z = (y - p) / 7
    # for the seven answers, so V = 8 p (1 - p) / 49.
    top = tables.trend(store, lex, monitor, i["tevreden"], tables.TOP2)
    assert top.cells.to_dict("records") == [
        {"Meting": "2025", "Schatting": "86%", "Verandering": "", "n": 7},
        {"Meting": "2026", "Schatting": "100%", "Verandering": "+14,3", "n": 8}]
    box = results.top_box(store, lex, i["2025"], i["tevreden"])
    assert (box["estimate"], box["codes"]) == (pytest.approx(6 / 7), [2.0, 3.0])
    assert box["se"] == pytest.approx(math.sqrt(8 * 6 / 7 * 1 / 7 / 49))
    assert any(note.startswith("Top-2: het aandeel") for note in top.notes)


def test_likert_table_has_a_top_2_box(store, users, monitor):
    lex = users["lezer"]
    i = ids(store, lex, monitor)
    table = tables.likert(store, lex, i["2026"], [i["tevreden"]])
    assert table.cells.to_dict("records") == [
        {"Item": "Tevredenheid", "Ontevreden": "0%", "Neutraal": "12%", "Tevreden": "88%",
         "Top-2": "100%", "n": 8}]


def test_benchmark_puts_a_unit_beside_all_and_its_size_class(store, users, monitor):
    lex = users["lezer"]
    i = ids(store, lex, monitor)
    table = tables.benchmark(store, lex, i["2025"], "G1")
    assert table.cells.to_dict("records")[:2] == [
        {"Vraag": "Tevredenheid", "Eigen antwoord": "Ontevreden", "Alle gemeenten": "14%",
         "Zelfde grootteklasse": "33%"},
        {"Vraag": "Rapportcijfer", "Eigen antwoord": "6", "Alle gemeenten": "7,2",
         "Zelfde grootteklasse": "7,5"}]
    with pytest.raises(MonitorError, match="^Eenheid G5 heeft in deze meting niet geantwoord.$"):
        tables.benchmark(store, lex, i["2025"], "G5")


def test_estimate_on_demand_with_design_overrides(store, users, monitor):
    lex = users["lezer"]
    i = ids(store, lex, monitor)
    table, design = results.estimate(store, lex, i["2025"], "cijfer", "region",
                                     {"strata": "region", "fpc": "kader"})
    assert design.text == ("Ongewogen (geen gewicht in het bestand); strata: regio; "
                           "eindige-populatiecorrectie met het steekproefkader.")
    assert table["grp"].tolist() == ["Noord", "Zuid"]
    assert table["estimate"].tolist() == [7.0, 7.5]
    # The fpc shrinks the SE: 4 of 6 units answered in each region.
    plain, _ = results.estimate(store, lex, i["2025"], "cijfer", "region", {"strata": "region"})
    assert (table["se"] / plain["se"]).round(4).tolist() == [0.5774, 0.5774]
    with pytest.raises(MonitorError, match="^Deze meting heeft geen variabele 'x'.$"):
        results.estimate(store, lex, i["2025"], "x")


def test_calibration_to_the_frame(store, users, monitor):
    anna = users["analist"]
    i = ids(store, anna, monitor)
    summary = calibration.calibrate(store, anna, i["2025"], ["region"])
    assert {k: summary[k] for k in ("method", "minimum", "maximum", "efficiency")} == {
        "method": "poststratificatie", "minimum": 1.5, "maximum": 1.5, "efficiency": 1.0}
    raked = calibration.calibrate(store, anna, i["2025"], ["region", "size_class"])
    assert raked["method"] == "raking"
    assert calibration.weighting(store, anna, i["2025"]) == raked
    # Stored and logged with the Dutch keys older databases and events have.
    stored = json.loads(store.value("SELECT weighting FROM waves WHERE id = ?", [i["2025"]]))
    assert (stored["methode"], stored["rondes"]) == ("raking", raked["iterations"])
    logged = store.value("SELECT after FROM events WHERE action = 'calibrate' ORDER BY id DESC")
    assert json.loads(logged) == stored
    frame = waves.wave_data(store, anna, i["2025"], []).frame
    assert round(frame["_calibrated"].sum(), 6) == 12.0
    monitors.set_design(store, anna, monitor, {"weight": "kalibratie"})
    results.compute(store, anna, i["2025"])
    assert results.run(store, anna, i["2025"])["design"]["text"] == \
        "Gewogen met het gekalibreerde gewicht."
    with pytest.raises(MonitorError, match="^Kies minstens één kenmerk van het kader om op "
                                           "te wegen.$"):
        calibration.calibrate(store, anna, i["2025"], [])


def test_only_writers_compute(store, users, monitor):
    i = ids(store, users["lezer"], monitor)
    with pytest.raises(PermissionDenied):
        results.compute(store, users["lezer"], i["2025"])
    with pytest.raises(PermissionDenied):
        calibration.calibrate(store, users["coordinator"], i["2025"], ["region"])


def test_a_wave_loaded_without_computing_has_no_results_until_computed(store, users, monitor):
    from research.survey import intake

    anna = users["analist"]
    csv = b"eenheid;cijfer\nG1;7\nG2;8\nG3;6\nG7;9\n"
    wave_id, rows = intake.load(store, anna, monitor, "2027", 2027,
                                intake.read(csv, "meting.csv"), compute=False)
    assert (rows, results.run(store, anna, wave_id)) == (0, None)
    assert results.compute(store, anna, wave_id) == 5    # the mean for 1 + 2 + 2 groups
