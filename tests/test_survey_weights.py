"""Weighting: post-stratification and raking, by hand, against svy, and the Dutch refusals."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import polars as pl
import pytest
import svy

from research.survey.estimates import SurveyError
from research.survey.weights import Calibration, efficiency, poststratify, rake

SEX = np.array(["M", "M", "M", "V", "V", "V"])
AGE = np.array(["jong", "oud", "oud", "jong", "jong", "oud"])
SEX_POPULATION = {"M": 60, "V": 40}
AGE_POPULATION = {"jong": 50, "oud": 50}


def test_poststratify_scales_each_cell_to_its_count():
    result = poststratify(np.array([1.0, 1.0, 2.0, 1.0, 1.0, 2.0]), SEX, SEX_POPULATION)
    assert isinstance(result, Calibration)
    assert result.weights.tolist() == pytest.approx([15, 15, 30, 10, 10, 20])
    assert (result.iterations, result.converged) == (1, True)
    assert (result.min_weight, result.max_weight, result.ratio) == (10, 30, 3)
    # Kish: 100^2 / (2*225 + 900 + 2*100 + 400) / 6
    assert result.efficiency == pytest.approx(10000 / 1950 / 6)


def test_poststratify_accepts_a_series_and_numeric_cells():
    population = pd.Series({1: 30.0, 2: 70.0})
    result = poststratify(np.ones(4), np.array([1, 2, 2, 2]), population)
    assert result.weights.tolist() == pytest.approx([30, 70 / 3, 70 / 3, 70 / 3])


def test_rake_two_margins_by_hand():
    """Two margins of a 2x2 table: raking keeps the table's odds ratio (1*1)/(2*2) = 1/4 and
    fits both margins. With a = weight of (M, jong): 4a(a-10) = (60-a)(50-a), so
    3a^2 + 70a - 3000 = 0 and a = (sqrt(40900) - 70) / 6 = 22.0396."""
    result = rake(np.ones(6), {"geslacht": (SEX, SEX_POPULATION),
                               "leeftijd": (AGE, AGE_POPULATION)}, tol=1e-10, max_iter=200)
    a = (math.sqrt(40900) - 70) / 6
    expected = [a, (60 - a) / 2, (60 - a) / 2, (50 - a) / 2, (50 - a) / 2, a - 10]
    assert result.weights.tolist() == pytest.approx(expected, rel=1e-9)
    assert result.weights[0] == pytest.approx(22.0396, abs=1e-4)
    assert result.converged and 1 < result.iterations < 200


def test_rake_with_one_margin_is_poststratification():
    weights = np.array([1.0, 2.0, 1.5, 1.0, 3.0, 0.5])
    raked = rake(weights, {"geslacht": (SEX, SEX_POPULATION)})
    assert raked.weights == pytest.approx(poststratify(weights, SEX, SEX_POPULATION).weights)
    assert raked.converged and raked.iterations == 1


def test_rake_agrees_with_svy():
    rng = np.random.default_rng(3)
    n = 300
    region = rng.choice(["Noord", "Oost", "Zuid", "West"], n)
    size = rng.choice(["klein", "middel", "groot"], n, p=[0.5, 0.3, 0.2])
    kind = rng.choice(["gemeente", "provincie"], n, p=[0.8, 0.2])
    weights = rng.uniform(0.5, 2.0, n)
    margins = {
        "region": {"Noord": 300.0, "Oost": 200.0, "Zuid": 250.0, "West": 250.0},
        "size": {"klein": 400.0, "middel": 350.0, "groot": 250.0},
        "kind": {"gemeente": 700.0, "provincie": 300.0},
    }
    columns = {"region": region, "size": size, "kind": kind}
    ours = rake(weights, {name: (columns[name], margins[name]) for name in margins},
                tol=1e-12, max_iter=1000)
    frame = pl.DataFrame({**columns, "w": weights})
    sample = svy.Sample(frame, svy.Design(wgt="w"))
    oracle = sample.weighting.rake(controls=margins, tol=1e-12, max_iter=1000)
    np.testing.assert_allclose(ours.weights, oracle.data["rk_wgt"].to_numpy(), rtol=1e-9)
    assert ours.converged
    for name, population in margins.items():
        sums = pd.Series(ours.weights).groupby(columns[name]).sum()
        for label, count in population.items():
            assert sums[label] == pytest.approx(count, rel=1e-10)


def test_rake_reports_no_convergence_within_max_iter():
    result = rake(np.ones(6), {"geslacht": (SEX, SEX_POPULATION),
                               "leeftijd": (AGE, AGE_POPULATION)}, max_iter=2, tol=1e-12)
    assert (result.iterations, result.converged) == (2, False)


def test_rake_absorbs_a_rounding_difference_in_the_totals():
    """Totals 100 and 100.05 (0.05% apart) are accepted; the second is scaled to 100."""
    result = rake(np.ones(6), {"geslacht": (SEX, SEX_POPULATION),
                               "leeftijd": (AGE, {"jong": 50.05, "oud": 50.0})}, tol=1e-10)
    assert result.converged
    assert result.weights.sum() == pytest.approx(100.0)


def test_efficiency():
    assert efficiency(np.ones(5)) == 1.0
    assert efficiency([1.0, 3.0]) == pytest.approx(16 / 10 / 2)


# -- refusals in Dutch -------------------------------------------------------------------------

def test_population_cell_without_respondents_is_named():
    with pytest.raises(SurveyError) as error:
        poststratify(np.ones(6), SEX, {"M": 50, "V": 30, "Noord": 20})
    assert str(error.value) == ("Geen respondenten in de cel 'Noord' van het steekproefkader; "
                                "voeg cellen samen.")


def test_sample_cell_missing_from_the_population_is_named():
    with pytest.raises(SurveyError, match="De cel 'V' staat niet in de populatiecijfers"):
        poststratify(np.ones(6), SEX, {"M": 60})
    with pytest.raises(SurveyError, match="De cel 'oud' van 'leeftijd' staat niet in"):
        rake(np.ones(6), {"geslacht": (SEX, SEX_POPULATION), "leeftijd": (AGE, {"jong": 100})})


def test_margins_with_different_totals_are_refused():
    with pytest.raises(SurveyError) as error:
        rake(np.ones(6), {"geslacht": (SEX, SEX_POPULATION),
                          "leeftijd": (AGE, {"jong": 60, "oud": 50})})
    assert str(error.value) == ("De populatietotalen van de weegvariabelen verschillen: "
                                "'geslacht' 100, 'leeftijd' 110. Ze moeten op 0,1% na gelijk zijn.")


def test_bad_weights_counts_and_cells_are_refused():
    with pytest.raises(SurveyError, match=r"groter dan 0 zijn \(1 rij met 0 of minder\)"):
        poststratify(np.array([1.0, 0.0, 1, 1, 1, 1]), SEX, SEX_POPULATION)
    with pytest.raises(SurveyError, match="populatieaantal van de cel 'V' moet een getal groter"):
        poststratify(np.ones(6), SEX, {"M": 60, "V": 0})
    with pytest.raises(SurveyError, match="De cel ontbreekt in 1 rij."):
        poststratify(np.ones(3), np.array(["M", None, "V"], dtype=object), SEX_POPULATION)
    with pytest.raises(SurveyError, match="Kies minstens één variabele"):
        rake(np.ones(6), {})
