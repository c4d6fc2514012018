"""Intercoder agreement (research.qual.agreement): worked examples from the literature, equality
with the `krippendorff` package and scikit-learn on random data, the bootstrap and the report."""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from research.errors import UserError
from research.qual.agreement import (
    AgreementError,
    Patterns,
    bootstrap_ci,
    cohen_kappa,
    krippendorff_alpha,
    percent_agreement,
    pooled_binary,
    report,
)

N = None
nan = np.nan

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers,
# 12 units, values 1..5, missing values.
K2011 = [[1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
         [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
         [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
         [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N]]
# Section A: binary data, 2 observers, 10 units.
K2011_BINARY = [[0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
                [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]]


# -- worked examples ---------------------------------------------------------------------------

def test_krippendorff_2011_nominal_interval_ordinal():
    assert round(krippendorff_alpha(K2011), 3) == 0.743
    assert krippendorff_alpha(K2011) == pytest.approx(113 / 152, abs=1e-12)
    assert round(krippendorff_alpha(K2011, "interval"), 3) == 0.849
    assert krippendorff_alpha(K2011, level="interval") == pytest.approx(951 / 1120, abs=1e-12)
    assert round(krippendorff_alpha(K2011, "ordinal"), 3) == 0.815
    assert krippendorff_alpha(K2011, "ordinal") == pytest.approx(0.8153875037548813, abs=1e-12)


def test_the_same_example_as_a_float_array_with_nan_and_as_labels():
    array = np.array(K2011, dtype=float)
    assert np.isnan(array).sum() == 7
    for level in ("nominal", "interval", "ordinal"):
        assert krippendorff_alpha(array, level) == pytest.approx(krippendorff_alpha(K2011, level),
                                                                 abs=1e-12)
    names = {1: "heel laag", 2: "laag", 3: "midden", 4: "hoog", 5: "heel hoog"}
    labelled = [[None if v is None else names[v] for v in row] for row in K2011]
    assert krippendorff_alpha(labelled) == pytest.approx(113 / 152, abs=1e-12)
    objects = np.array(labelled, dtype=object)
    objects[objects == None] = nan  # noqa: E711 -- nan is missing in an object array too
    assert krippendorff_alpha(objects) == pytest.approx(113 / 152, abs=1e-12)
    frame = pd.DataFrame(array, index=["A", "B", "C", "D"])
    assert krippendorff_alpha(frame) == pytest.approx(113 / 152, abs=1e-12)


def test_krippendorff_2011_binary():
    assert round(krippendorff_alpha(K2011_BINARY), 3) == 0.095
    assert krippendorff_alpha(K2011_BINARY) == pytest.approx(2 / 21, abs=1e-12)


def test_cohen_kappa_classic_two_by_two_table():
    # 50 items: both yes 20, A yes / B no 5, A no / B yes 10, both no 15.
    a = ["ja"] * 20 + ["ja"] * 5 + ["nee"] * 10 + ["nee"] * 15
    b = ["ja"] * 20 + ["nee"] * 5 + ["ja"] * 10 + ["nee"] * 15
    assert cohen_kappa([a, b]) == pytest.approx(0.4, abs=1e-12)
    # p_o = 0.7, p_e = 0.5*0.6 + 0.5*0.4 = 0.5
    numeric = np.array([[1] * 25 + [0] * 25, [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15], float)
    assert cohen_kappa(numeric) == pytest.approx(0.4, abs=1e-12)
    # units where either coder is missing are dropped
    with_gaps = [a + [None, "ja"], b + ["nee", None]]
    assert cohen_kappa(with_gaps) == pytest.approx(0.4, abs=1e-12)


# -- equality with the krippendorff package and scikit-learn ----------------------------------

def random_matrix(seed: int) -> np.ndarray:
    """Coders who copy a unit's 'true' category with some probability, else guess; some cells
    missing. 2-5 coders, 2-6 categories, 0-30% missing, 5-2000 units."""
    rng = np.random.default_rng(seed)
    coders = int(rng.integers(2, 6))
    categories = int(rng.integers(2, 7))
    units = int(rng.choice([5, 12, 50, 300, 2000]))
    missing = float(rng.choice([0.0, 0.1, 0.2, 0.3]))
    truth = rng.integers(0, categories, units)
    copy = rng.random((coders, units)) < rng.uniform(0.2, 0.9)
    data = np.where(copy, truth, rng.integers(0, categories, (coders, units))).astype(float)
    data[rng.random(data.shape) < missing] = nan
    return data


SEEDS = range(40)


@pytest.mark.parametrize("seed", SEEDS)
def test_alpha_equals_the_krippendorff_package(seed):
    kd = pytest.importorskip("krippendorff")
    data = random_matrix(seed)
    as_lists = [[None if np.isnan(v) else f"c{int(v)}" for v in row] for row in data]
    for level in ("nominal", "interval", "ordinal"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            try:
                expected = kd.alpha(reliability_data=data, level_of_measurement=level)
            except ValueError:      # one value in the whole domain, or nothing pairable
                expected = None
        if expected is None:            # then ours is undefined too: nan, or a refusal
            try:
                assert np.isnan(krippendorff_alpha(data, level))
            except AgreementError:
                pass
            continue
        assert krippendorff_alpha(data, level) == pytest.approx(expected, abs=1e-9, nan_ok=True)
        if level == "nominal":
            assert krippendorff_alpha(as_lists) == pytest.approx(expected, abs=1e-9, nan_ok=True)


@pytest.mark.parametrize("seed", SEEDS)
def test_kappa_equals_scikit_learn(seed):
    data = random_matrix(seed)[:2]
    both = ~np.isnan(data).any(axis=0)
    if not both.any():
        with pytest.raises(AgreementError):
            cohen_kappa(data)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = cohen_kappa_score(data[0, both], data[1, both])
    assert cohen_kappa(data) == pytest.approx(expected, abs=1e-9, nan_ok=True)
    as_lists = [[None if np.isnan(v) else int(v) for v in row] for row in data]
    assert cohen_kappa(as_lists) == pytest.approx(expected, abs=1e-9, nan_ok=True)


def test_the_random_cases_cover_the_ranges_asked_for():
    shapes = [random_matrix(seed).shape for seed in SEEDS]
    assert {c for c, _ in shapes} == {2, 3, 4, 5}
    assert {u for _, u in shapes} >= {5, 12, 50, 300, 2000}
    categories = {len(np.unique(m[~np.isnan(m)])) for m in map(random_matrix, SEEDS)}
    assert {2, 6} <= categories
    missing = [np.isnan(random_matrix(seed)).mean() for seed in SEEDS]
    assert min(missing) == 0 and 0.25 < max(missing) < 0.45


# -- undefined statistics: the De == 0 convention ----------------------------------------------

def test_alpha_is_nan_when_every_pairable_value_is_one_category():
    assert np.isnan(krippendorff_alpha([[1, 1, 1], [1, 1, None]]))
    # the third unit's 2 is not pairable, so the pairable values are all 1: still nan
    assert np.isnan(krippendorff_alpha([[1, 1, 2], [1, 1, None]]))
    kd = pytest.importorskip("krippendorff")
    with pytest.raises(ValueError):     # the package refuses a one-value domain ...
        kd.alpha([[1, 1, 1], [1, 1, nan]], level_of_measurement="nominal")
    with warnings.catch_warnings():     # ... and gives 0/0 = nan otherwise
        warnings.simplefilter("ignore", RuntimeWarning)
        assert np.isnan(kd.alpha([[1, 1, 2], [1, 1, nan]], level_of_measurement="nominal"))


def test_kappa_is_nan_when_both_coders_use_one_category():
    assert np.isnan(cohen_kappa([[0, 0, 0], [0, 0, 0]]))
    assert cohen_kappa([[0, 0, 0], [0, 0, 1]]) == 0.0


# -- percent agreement and refusals ------------------------------------------------------------

def test_percent_agreement_literal_cases():
    data = [[1, 1, 0, 0, N],
            [1, 0, 0, N, N],
            [1, 1, 0, 0, 1]]
    # unit 0 all 1, unit 1 1/0/1, unit 2 all 0, unit 3 0/-/0, unit 4 one value: not pairable
    assert percent_agreement(data) == 0.75
    assert percent_agreement(np.array(data, dtype=float)) == 0.75
    # units 2 and 3 were coded by nobody
    assert percent_agreement(data, skip_uncoded=True) == 0.5
    assert percent_agreement([["a", "b", "a"], ["a", "b", "b"]]) == pytest.approx(2 / 3)
    labels = [["geen", "x", "geen", "y"], ["geen", "x", "y", "geen"]]
    assert percent_agreement(labels) == 0.5
    assert percent_agreement(labels, skip_uncoded=True, uncoded="geen") == pytest.approx(1 / 3)
    # an `uncoded` value nobody used skips nothing
    assert percent_agreement(labels, skip_uncoded=True) == 0.5


def test_refusals_are_dutch_user_errors():
    with pytest.raises(AgreementError, match="minstens twee codeurs") as one_coder:
        krippendorff_alpha([[1, 2, 3]])
    assert isinstance(one_coder.value, UserError)
    for statistic in (percent_agreement, cohen_kappa, krippendorff_alpha):
        with pytest.raises(AgreementError, match="minstens twee codeurs"):
            statistic(np.array([[1.0, 0.0]]))
        with pytest.raises(AgreementError, match="Te weinig eenheden"):
            statistic([[1, N, 2], [N, 2, N]])           # no unit with two values
        with pytest.raises(AgreementError, match="Te weinig eenheden"):
            statistic(np.empty((2, 0)))
    with pytest.raises(AgreementError, match="precies twee codeurs, maar er zijn er 3"):
        cohen_kappa([[1, 2], [1, 2], [1, 1]])
    with pytest.raises(AgreementError, match="Te weinig eenheden"):
        percent_agreement([[0, 0, 1], [0, 0, N]], skip_uncoded=True)
    with pytest.raises(AgreementError, match="evenveel eenheden"):
        percent_agreement([[1, 2, 3], [1, 2]])
    with pytest.raises(AgreementError, match="getallen"):
        krippendorff_alpha([["a", "b"], ["a", "a"]], level="interval")
    with pytest.raises(AgreementError, match="te ordenen"):
        krippendorff_alpha([["a", 1], ["a", 1]], level="ordinal")
    with pytest.raises(ValueError):
        krippendorff_alpha(K2011, level="ratio")


# -- bootstrap ---------------------------------------------------------------------------------

def agreeing(units: int, seed: int, coders: int = 3, categories: int = 4) -> np.ndarray:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, categories, units)
    copy = rng.random((coders, units)) < 0.8
    data = np.where(copy, truth, rng.integers(0, categories, (coders, units))).astype(float)
    data[rng.random(data.shape) < 0.1] = nan
    return data


def test_bootstrap_is_reproducible_and_brackets_the_estimate():
    data = agreeing(200, seed=1)
    point = krippendorff_alpha(data)
    interval = bootstrap_ci(krippendorff_alpha, data, n=500, seed=7)
    assert interval == bootstrap_ci(krippendorff_alpha, data, n=500, seed=7)
    assert interval != bootstrap_ci(krippendorff_alpha, data, n=500, seed=8)
    low, high = interval
    assert low <= point <= high
    assert point == pytest.approx(0.6369140497257701, abs=1e-12)
    assert interval == pytest.approx((0.5791833423920724, 0.7009222767585082), abs=1e-12)
    assert bootstrap_ci(krippendorff_alpha, data, n=500, seed=7, level=0.5) == pytest.approx(
        (0.6144017558253906, 0.663905307957899), abs=1e-12)


def test_bootstrap_small_literal_case():
    data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, N], [1, 2, 3, 3, 2, 2, 4, 1, 2, 5]]
    assert bootstrap_ci(krippendorff_alpha, data, n=200, seed=0) == pytest.approx(
        (0.4631578947368421, 1.0), abs=1e-12)
    assert bootstrap_ci(percent_agreement, data, n=200, seed=0) == pytest.approx(
        (0.6666666666666666, 1.0), abs=1e-12)


def test_bootstrap_narrows_with_more_units():
    widths = []
    for units in (50, 500, 5000):
        low, high = bootstrap_ci(krippendorff_alpha, agreeing(units, seed=3), n=400, seed=0)
        widths.append(high - low)
    assert widths[0] > 2 * widths[1] > 4 * widths[2] > 0


@pytest.mark.parametrize("statistic", [
    krippendorff_alpha,
    functools.partial(krippendorff_alpha, level="interval"),
    functools.partial(krippendorff_alpha, level="ordinal"),
    percent_agreement,
    functools.partial(percent_agreement, skip_uncoded=True, uncoded=0.0),
    cohen_kappa,
], ids=["alpha", "alpha-interval", "alpha-ordinal", "percent", "percent-coded", "kappa"])
@pytest.mark.parametrize("units", [30, 400])
def test_the_vectorised_bootstrap_equals_recomputing_each_resample(statistic, units):
    """The weighted sums give what calling the statistic on each resampled matrix gives, both
    when resamples are drawn as unit indices (many distinct columns for the units: 30) and as
    multinomial counts of distinct columns (few: 400)."""
    data = agreeing(units, seed=5, coders=2 if statistic is cohen_kappa else 3, categories=3)
    distinct = np.unique(np.nan_to_num(data, nan=-1), axis=1).shape[1]
    assert (distinct * 5 <= units) == (units == 400)
    fast = bootstrap_ci(statistic, data, n=300, seed=11, level=0.9)
    slow = bootstrap_ci(lambda d: statistic(d), data, n=300, seed=11, level=0.9)
    assert fast == pytest.approx(slow, abs=1e-12)
    as_lists = [[None if np.isnan(v) else int(v) for v in row] for row in data]
    assert bootstrap_ci(statistic, as_lists, n=300, seed=11, level=0.9) == pytest.approx(
        fast, abs=1e-12)
    assert bootstrap_ci(lambda d: statistic(d), as_lists, n=300, seed=11,
                        level=0.9) == pytest.approx(fast, abs=1e-12)


def test_bootstrap_skips_undefined_resamples():
    # Four pairable units (three agree on 1, one on 2) and three that are not pairable. A
    # resample whose pairable values are all one category has no alpha (nan); one without any
    # pairable unit raises AgreementError in the recomputing path. Both are skipped, and every
    # other resample has alpha 1.
    data = [[1, 1, 1, 2, 1, N, N], [1, 1, 1, 2, N, 2, N]]
    fast = bootstrap_ci(krippendorff_alpha, data, n=300, seed=2)
    slow = bootstrap_ci(lambda d: krippendorff_alpha(d), data, n=300, seed=2)
    assert fast == pytest.approx(slow, abs=1e-12)
    assert fast == (1.0, 1.0)
    low, high = bootstrap_ci(krippendorff_alpha, [[1, 1], [1, 1]], n=50)   # never defined
    assert np.isnan(low) and np.isnan(high)
    with pytest.raises(AgreementError):
        bootstrap_ci(krippendorff_alpha, [[1, N], [N, 1]])


def test_bootstrap_on_a_large_matrix():
    # Its speed is the benchmarks' business (tests never assert times); here: it works.
    data = agreeing(20_000, seed=0, coders=3)
    low, high = bootstrap_ci(krippendorff_alpha, data, n=1000, seed=0)
    assert low < krippendorff_alpha(data) < high


# -- per-code matrices and the report ----------------------------------------------------------

# Two coders, two documents (units 0-3 and 4-5); coder 2 did not code document 2.
CODE_A = np.array([[1, 0, 1, 0, 1, 0],
                   [1, 0, 0, 0, nan, nan]])
CODE_B = np.array([[0, 1, 0, 0, 0, 1],
                   [0, 1, 0, 1, nan, nan]])
CODE_SETS = [["A", "B", "A", "", "A", "B"],
             ["A", "B", "", "B", N, N]]


def test_pooled_binary_puts_the_codes_side_by_side():
    pooled = pooled_binary({"A": CODE_A, "B": CODE_B})
    assert pooled.shape == (2, 12)
    np.testing.assert_array_equal(pooled[:, :6], CODE_A)
    np.testing.assert_array_equal(pooled[:, 6:], CODE_B)
    with pytest.raises(AgreementError, match="dezelfde codeurs"):
        pooled_binary({"A": CODE_A, "B": np.ones((3, 6))})
    with pytest.raises(AgreementError, match="geen codes"):
        pooled_binary({})


def test_report_small_literal_example():
    shown = report({"A": CODE_A, "B": CODE_B}, nominal=CODE_SETS, seed=0, n_boot=200,
                   nominal_uncoded="")
    # Code A: units 0-3 pairable; agree on 0, 1, 3; coded by someone: 0, 2 (agree on 0).
    # kappa: table (1,1) 1, (0,0) 2, (1,0) 1 -> (4*3 - 8) / (16 - 8) = 0.5.
    # alpha: n = 8 values, three 1s and five 0s, unit 2 disagrees -> 1 - 7*2/30 = 16/30.
    # Code B mirrors A. Pooled: 8 units; kappa (8*6 - 34) / (64 - 34) = 14/30;
    # alpha 1 - 15*4/(256 - 36 - 100) = 0.5. Code sets: units 0, 1 agree, 2, 3 do not;
    # kappa (4*2 - 5) / (16 - 5) = 3/11; alpha 1 - 7*4/(64 - 9 - 9 - 4) = 1/3.
    one_code = {"percent_agreement": 0.75, "percent_agreement_coded": 0.5, "cohen_kappa": 0.5,
                "krippendorff_alpha": pytest.approx(16 / 30), "alpha_ci": [-0.5, 1.0],
                "n_units": 4}
    assert shown == {
        "per_code": {"A": one_code, "B": one_code},
        "pooled": {"percent_agreement": 0.75, "percent_agreement_coded": 0.5,
                   "cohen_kappa": pytest.approx(14 / 30), "krippendorff_alpha": 0.5,
                   "alpha_ci": pytest.approx([-4 / 11, 1.0]), "n_units": 8},
        "nominal": {"percent_agreement": 0.5, "percent_agreement_coded": 0.5,
                    "cohen_kappa": pytest.approx(3 / 11),
                    "krippendorff_alpha": pytest.approx(1 / 3),
                    "alpha_ci": pytest.approx([-0.5689655172413789, 1.0]), "n_units": 4},
    }
    assert shown["pooled"]["alpha_ci"] == pytest.approx(list(bootstrap_ci(
        krippendorff_alpha, pooled_binary({"A": CODE_A, "B": CODE_B}), n=200, seed=0)))
    assert shown["nominal"]["alpha_ci"] == pytest.approx(list(bootstrap_ci(
        krippendorff_alpha, CODE_SETS, n=200, seed=0)))
    # the same matrices as lists with None, and without a code-set matrix
    as_lists = {code: [[None if np.isnan(v) else int(v) for v in row] for row in matrix]
                for code, matrix in {"A": CODE_A, "B": CODE_B}.items()}
    plain = report(as_lists, seed=0, n_boot=200)
    assert plain["nominal"] is None
    assert plain["per_code"] == shown["per_code"] and plain["pooled"] == shown["pooled"]


def test_report_with_an_unused_code_and_three_coders():
    unused = np.array([[0, 0, 0], [0, 0, nan], [0, 0, 0]])
    used = np.array([[1, 0, 1], [1, 0, nan], [1, 1, 1]])
    shown = report({"ongebruikt": unused, "gebruikt": used}, n_boot=50)
    assert shown["per_code"]["ongebruikt"] == {
        "percent_agreement": 1.0, "percent_agreement_coded": None, "cohen_kappa": None,
        "krippendorff_alpha": None, "alpha_ci": [None, None], "n_units": 3}
    assert shown["per_code"]["gebruikt"]["cohen_kappa"] is None      # three coders
    assert shown["per_code"]["gebruikt"]["percent_agreement"] == pytest.approx(2 / 3)
    assert shown["pooled"]["n_units"] == 6
    with pytest.raises(AgreementError, match="minstens twee codeurs"):
        report({"A": CODE_A[:1]})
    with pytest.raises(AgreementError, match="Te weinig eenheden"):
        report({"A": np.array([[1, nan], [nan, 0]])})


def test_report_on_patterns_equals_the_report_on_the_matrices():
    rng = np.random.default_rng(7)
    matrices = {}
    for code in "ABCD":
        m = (rng.random((3, 400)) < 0.15).astype(float)
        m[2, 300:] = nan                       # coder 3 did not code the last document
        matrices[code] = m
    compact = {code: Patterns.of(m) for code, m in matrices.items()}
    assert compact["A"].counts.sum() == 400 and compact["A"].columns.shape[1] <= 12
    assert report(compact, n_boot=500, seed=3) == report(matrices, n_boot=500, seed=3)
