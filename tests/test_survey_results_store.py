"""The results store computed a variable at a time from codes (`results.compute`) gives the
rows of the row-level estimator over the whole wave, whatever the design; the lean read of a
wave (`waves.wave_design`) gives the design fields of `waves.wave_data`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from research.survey import estimates, monitors, results, waves

FRAME = [{"code": f"U{i}", "name": f"Buurt {i}", "region": ["Oost", "West", "Zuid"][i % 3],
          "size_class": "klein" if i < 6 else "groot", "population": 100 + 10 * i}
         for i in range(12)]
VARIABLES = [
    {"name": "stelling", "type": "likert", "missing_codes": [9],
     "value_labels": {1: "Oneens", 2: "Neutraal", 3: "Eens", 9: "Weet niet"}},
    {"name": "cijfer", "type": "rapportcijfer"},
    {"name": "uren", "type": "getal"},
    {"name": "bezit", "type": "enkelvoudig", "value_labels": {1: "Ja", 2: "Nee", 3: "Soms"}},
    {"name": "m_a", "type": "meervoudig", "mr_set": "hulp",
     "value_labels": {0: "Niet genoemd", 1: "Genoemd"}},
    {"name": "m_b", "type": "meervoudig", "mr_set": "hulp",
     "value_labels": {0: "Niet genoemd", 1: "Genoemd"}},
    {"name": "toelichting", "type": "open"},
]


def wave_frame(n: int = 90, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)

    def answers(choices, missing=0.1):
        values = rng.choice(choices, n).astype(float)
        values[rng.random(n) < missing] = np.nan
        return values

    both_missing = rng.random(n) < 0.15
    return pd.DataFrame({
        "eenheid": rng.choice([u["code"] for u in FRAME], n),
        "gewicht": np.round(rng.uniform(0.5, 2.5, n), 3),
        "stelling": answers([1, 2, 3, 9]), "cijfer": answers(range(1, 11)),
        "uren": np.round(rng.normal(1e4, 5.0, n), 2),          # many values far from 0
        "bezit": answers([1, 2, 3]),
        "m_a": np.where(both_missing, np.nan, answers([0, 1], 0.05)),
        "m_b": np.where(both_missing, np.nan, answers([0, 1], 0.05)),
        "toelichting": rng.choice(["a", None], n)})


@pytest.fixture
def wave(store, users):
    anna = users["analist"]
    monitor_id = monitors.create_monitor(store, anna, "Resultatenmonitor", "gemeente")
    monitors.set_frame(store, anna, monitor_id, FRAME)
    wave_id = waves.import_wave(store, anna, monitor_id, "2026", 2026, VARIABLES, wave_frame())
    # 'Soms' counts as 'Ja' in this wave: the recoding merges two codes.
    bezit = next(v["id"] for v in monitors.variables(store, anna, monitor_id)
                 if v["name"] == "bezit")
    waves.set_recode(store, anna, wave_id, bezit, {3: 1})
    return monitor_id, wave_id


def reference(store, user, wave_id: int) -> pd.DataFrame:
    """The results table the row-level estimator gives over the whole wave: 0/1 columns per
    category (NaN out of the base) through `means_against_rest`, as the store did before."""
    data = waves.wave_data(store, user, wave_id)
    design = results.resolve_design(store, user, wave_id, data).design
    columns = []
    for name, var in data.variables.items():
        values = waves.valid_values(var, data.frame[name].to_numpy(float)) \
            if var["type"] != "open" else None
        if var["type"] in ("rapportcijfer", "getal"):
            columns.append((var, "gemiddelde", None, values))
            if var["type"] == "getal":
                columns.append((var, "totaal", None, values))
        elif var["type"] == "meervoudig":
            answered = np.zeros(len(values), dtype=bool)
            for member in ("m_a", "m_b"):
                answered |= ~np.isnan(data.frame[member].to_numpy(float))
            mentioned = np.where(np.isnan(values), 0.0, (values > 0).astype(float))
            columns.append((var, "aandeel", 1.0, np.where(answered, mentioned, np.nan)))
        elif var["type"] != "open":
            for cat in waves.categories(var, values):
                columns.append((var, "aandeel", cat,
                                np.where(np.isnan(values), np.nan, (values == cat) * 1.0)))
    rows = []
    for breakdown in results.breakdowns(data):
        groups, labels = results._groups(data, breakdown)
        for statistic in ("aandeel", "gemiddelde", "totaal"):
            chosen = [c for c in columns if c[1] == statistic]
            if not chosen:
                continue
            y = np.column_stack([c[3] for c in chosen])
            if statistic == "totaal":
                est, p = estimates.totals(design, y, groups, len(labels)), None
            else:
                est, p = estimates.means_against_rest(design, y, groups, len(labels))
                if breakdown == "totaal":
                    p = None
            if statistic == "aandeel":
                low, high = estimates.proportion_ci(est.estimate, est.se, est.n, est.neff,
                                                    design.df)
            else:
                low, high = estimates.mean_ci(est.estimate, est.se, design.df)
            for j, (var, _, cat, _) in enumerate(chosen):
                for g, label in enumerate(labels):
                    rows.append({"breakdown": breakdown, "grp": label, "statistic": statistic,
                                 "variable_id": var["id"], "category": cat,
                                 "estimate": est.estimate[g, j], "se": est.se[g, j],
                                 "ci_low": low[g, j], "ci_high": high[g, j],
                                 "n": est.n[g, j], "neff": est.neff[g, j],
                                 "missing_n": int((groups == g).sum()) - est.n[g, j],
                                 "p_rest": np.nan if p is None else p[g, j]})
    return pd.DataFrame(rows)


NUMBERS = ["estimate", "se", "ci_low", "ci_high", "neff", "p_rest"]


def assert_rows_match(stored: pd.DataFrame, expected: pd.DataFrame) -> None:
    labels = ["breakdown", "grp", "statistic", "variable_id", "category", "n", "missing_n"]
    assert stored[labels].astype(object).where(stored[labels].notna(), None).values.tolist() \
        == expected[labels].astype(object).where(expected[labels].notna(), None).values.tolist()
    for column in NUMBERS:
        np.testing.assert_allclose(stored[column].to_numpy(float),
                                   expected[column].to_numpy(float), rtol=1e-9, atol=1e-13,
                                   err_msg=column)


@pytest.mark.parametrize("design", [
    {"strata": "region"},                                    # rows are PSUs: sums per code
    {"strata": "region", "psu": "unit", "fpc": "kader"},   # units sampled from the frame
    {"psu": "unit"},                                         # clusters: sums per cell
    {"weight": "geen", "strata": "size_class", "psu": "unit"},
    {"weight": "geen"},
])
def test_stored_rows_are_those_of_the_row_level_estimator(store, users, wave, design):
    anna = users["analist"]
    monitor_id, wave_id = wave
    monitors.set_design(store, anna, monitor_id, design)
    count = results.compute(store, anna, wave_id)
    stored = results.stored(store, anna, wave_id)
    # 3 + 1 + 2 + 3 + 2 figures (bezit keeps its labelled 'Soms') for 1 + 3 + 2 groups.
    assert count == len(stored) == 11 * 6
    assert_rows_match(stored, reference(store, anna, wave_id))


def test_literal_rows(store, users, wave):
    anna = users["analist"]
    monitor_id, wave_id = wave
    results.compute(store, anna, wave_id)
    ids = {v["name"]: v["id"] for v in monitors.variables(store, anna, monitor_id)}
    bezit = results.stored(store, anna, wave_id, ids["bezit"], "totaal")
    frame = wave_frame()
    w = frame["gewicht"].to_numpy()
    answer = frame["bezit"].replace(3.0, 1.0).to_numpy()
    valid = ~np.isnan(answer)
    assert bezit["estimate"].tolist()[0] == pytest.approx(
        (w * (answer == 1.0))[valid].sum() / w[valid].sum(), rel=1e-12)
    # 'Soms' is merged into 'Ja' in this wave: it keeps its label and a share of 0.
    assert bezit["category"].tolist() == [1.0, 2.0, 3.0]
    assert bezit["estimate"].round(4).tolist() == [0.6839, 0.3161, 0.0]
    assert bezit["se"].round(4).tolist() == [0.0555, 0.0555, 0.0]
    assert bezit["n"].tolist() == [81] * 3
    uren = results.stored(store, anna, wave_id, ids["uren"], "totaal")
    assert uren["statistic"].tolist() == ["gemiddelde", "totaal"]
    assert uren["estimate"].tolist()[1] == pytest.approx((w * frame["uren"]).sum(), rel=1e-12)
    assert uren["estimate"].round(2).tolist() == [9999.01, 1318219.94]


def test_threads_give_the_rows_of_one_thread(store, users, wave, monkeypatch):
    anna = users["analist"]
    _, wave_id = wave
    results.compute(store, anna, wave_id)
    threaded = results.stored(store, anna, wave_id)
    monkeypatch.setattr(results, "WORKERS", 1)
    results.compute(store, anna, wave_id)
    pd.testing.assert_frame_equal(results.stored(store, anna, wave_id), threaded)


def test_estimate_on_demand_gives_the_stored_rows(store, users, wave):
    anna = users["analist"]
    monitor_id, wave_id = wave
    results.compute(store, anna, wave_id)
    cijfer = next(v["id"] for v in monitors.variables(store, anna, monitor_id)
                  if v["name"] == "cijfer")
    table, _ = results.estimate(store, anna, wave_id, "cijfer", "region")
    stored = results.stored(store, anna, wave_id, cijfer, "region")
    np.testing.assert_allclose(table["estimate"], stored["estimate"], rtol=1e-12)
    np.testing.assert_allclose(table["p_rest"], stored["p_rest"], rtol=1e-12)
    # By a question: the groups are its answer categories.
    by_question, _ = results.estimate(store, anna, wave_id, "cijfer", "stelling")
    assert by_question["grp"].tolist() == ["Oneens", "Neutraal", "Eens"]


def test_wave_design_reads_what_wave_data_reads(store, users, wave):
    anna = users["analist"]
    _, wave_id = wave
    full = waves.wave_data(store, anna, wave_id)
    lean = waves.wave_design(store, anna, wave_id, {"_weight", "_calibrated", "_fpc",
                                                    "_stratum", "_psu", "cijfer"})
    for column in ["_weight", "_calibrated", "_fpc", "region", "size_class", "province",
                   "cijfer"]:
        assert lean.frame[column].astype(object).where(lean.frame[column].notna(), None) \
            .tolist() == full.frame[column].astype(object).where(full.frame[column].notna(),
                                                                 None).tolist(), column
    assert lean.frame["_unit"].tolist() == full.frame["_unit"].tolist()
    assert lean.frame["_stratum"].tolist() == full.frame["_stratum"].tolist() == [None] * 90
    assert list(lean.variables) == list(full.variables)
    assert "stelling" not in lean.frame.columns    # answers stay compressed until used
    assert lean.stored["toelichting"].blob is None  # and open answers are not read at all
    for name in ("stelling", "bezit", "uren"):
        values, codes = lean.codes(name)
        answers = np.where(codes >= 0, values[codes], np.nan)
        assert np.array_equal(answers, full.frame[name].to_numpy(float), equal_nan=True), name
    values, codes = lean.codes("bezit")     # one byte per answer, as stored; 'Soms' recoded
    assert (len(values), codes.dtype, values[2]) == (256, np.uint8, 1.0)


def test_questions_nobody_answered_keep_their_rows(store, users):
    anna = users["analist"]
    monitor_id = monitors.create_monitor(store, anna, "Leeg", "gemeente")
    monitors.set_frame(store, anna, monitor_id, FRAME)
    data = pd.DataFrame({"eenheid": ["U0", "U1", "U2", "U3"], "cijfer": [np.nan] * 4,
                         "stelling": [9.0, np.nan, 9.0, 9.0], "bezit": [1.0, 2.0, 2.0, 1.0]})
    wave_id = waves.import_wave(store, anna, monitor_id, "2026", 2026,
                                [VARIABLES[1], VARIABLES[0], VARIABLES[3]], data)
    results.compute(store, anna, wave_id)
    stored = results.stored(store, anna, wave_id, breakdown="totaal")
    assert stored["statistic"].tolist() == ["aandeel"] * 6 + ["gemiddelde"]
    assert stored["n"].tolist() == [0, 0, 0, 4, 4, 4, 0]
    assert stored["missing_n"].tolist() == [4, 4, 4, 0, 0, 0, 4]
    assert stored["estimate"].isna().tolist() == [True] * 3 + [False] * 3 + [True]
    assert stored["estimate"].tolist()[3:6] == [0.5, 0.5, 0.0]
    assert_rows_match(results.stored(store, anna, wave_id), reference(store, anna, wave_id))
