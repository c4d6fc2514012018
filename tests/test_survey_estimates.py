"""Design-based estimates: R survey's published example, the svy oracle, edge cases, errors."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest
import svy

from research.errors import UserError
from research.survey.estimates import (
    Design,
    Estimates,
    SurveyError,
    difference_independent,
    domain_vs_rest,
    kish_neff,
    mean_ci,
    means,
    proportion_ci,
    proportions,
    totals,
)

# R survey's data(fpc): two strata, PSUs numbered within them, nh sampled of Nh.
FPC = pd.DataFrame({
    "stratid": [1, 1, 1, 1, 1, 2, 2, 2],
    "psuid": [1, 2, 3, 4, 5, 1, 2, 3],
    "weight": [3, 3, 3, 3, 3, 4, 4, 4],
    "nh": [5, 5, 5, 5, 5, 3, 3, 3],
    "Nh": [15, 15, 15, 15, 15, 12, 12, 12],
    "x": [2.8, 4.1, 6.8, 6.8, 9.2, 3.7, 6.6, 4.2],
})


# -- R's published example ---------------------------------------------------------------------

def test_r_fpc_example_without_fpc():
    """svymean(~x, svydesign(ids=~psuid, strata=~stratid, weights=~weight, nest=TRUE))."""
    design = Design.from_frame(FPC, weight="weight", strata="stratid", psu="psuid")
    result = means(design, FPC["x"].to_numpy())
    assert round(float(result.estimate[0, 0]), 4) == 5.4481
    assert round(float(result.se[0, 0]), 4) == 0.7413
    assert design.df == 6


def test_r_fpc_example_with_fpc():
    """The same with fpc=~Nh: SE 0.616."""
    design = Design.from_frame(FPC, weight="weight", strata="stratid", psu="psuid", fpc="Nh")
    result = means(design, FPC["x"].to_numpy())
    assert round(float(result.estimate[0, 0]), 4) == 5.4481
    assert round(float(result.se[0, 0]), 4) == 0.6160


def test_fpc_as_sampling_fraction_equals_population_count():
    fraction = (FPC["nh"] / FPC["Nh"]).to_numpy()  # 1/3 and 1/4, below 1: read as fractions
    by_count = Design.from_frame(FPC, "weight", "stratid", "psuid", "Nh")
    by_fraction = Design(FPC["weight"].to_numpy(), FPC["stratid"].to_numpy(),
                         FPC["psuid"].to_numpy(), fraction)
    x = FPC["x"].to_numpy()
    assert means(by_fraction, x).se[0, 0] == pytest.approx(means(by_count, x).se[0, 0], rel=1e-12)


def test_r_fpc_example_agrees_with_svy():
    frame = pl.from_pandas(FPC.astype({"weight": float}))
    sample = svy.Sample(frame, svy.Design(stratum="stratid", psu="psuid", wgt="weight",
                                          pop_size="Nh"))
    oracle = sample.estimation.mean("x").to_polars()
    ours = means(Design.from_frame(FPC, "weight", "stratid", "psuid", "Nh"), FPC["x"].to_numpy())
    assert ours.estimate[0, 0] == pytest.approx(oracle["est"][0], rel=1e-12)
    assert ours.se[0, 0] == pytest.approx(oracle["se"][0], rel=1e-12)
    assert ours.df[0, 0] == oracle["df"][0] == 6


# -- R's two-stage example: data(api), apiclus2 ---------------------------------------------------
# 40 of California's 757 school districts (fpc1), then up to five schools in each district of
# its fpc2 schools. tests/data/README.md says where the file comes from.

API = pd.read_csv(Path(__file__).parent / "data" / "apiclus2.csv")


def two_stage(first_fpc: bool = True, weights=None) -> Design:
    """svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2) (R computes the
    weights from the fpc; they equal the file's pw)."""
    return Design(API["pw"].to_numpy() if weights is None else weights,
                  psu=API["dnum"].to_numpy(), fpc=API["fpc1"].to_numpy() if first_fpc else None,
                  ssu=API["snum"].to_numpy(), fpc2=API["fpc2"].to_numpy())


def test_r_apiclus2_two_stage_mean_and_total():
    """svymean(~api00, dclus2): 670.81, SE 30.099; svytotal(~enroll, dclus2, na.rm = TRUE):
    2639273, SE 799638 (R survey's documentation and Lumley, Complex Surveys, 2010)."""
    design = two_stage()
    # The file's pw are R's weights from the fpc: 757/40 times the schools per school drawn.
    drawn = API.groupby("dnum")["snum"].transform("count")
    assert np.allclose(API["pw"], 757 / 40 * API["fpc2"] / drawn)
    mean = means(design, API["api00"].to_numpy(float))
    assert round(float(mean.estimate[0, 0]), 2) == 670.81
    assert round(float(mean.se[0, 0]), 3) == 30.099
    total = totals(design, API["enroll"].to_numpy(float))
    assert round(float(total.estimate[0, 0])) == 2639273
    assert round(float(total.se[0, 0])) == 799638
    assert design.df == 39 and design.two_stage
    # The second stage adds to the first: one stage (ultimate clusters, fpc1) gives less.
    one = Design(API["pw"].to_numpy(), psu=API["dnum"].to_numpy(), fpc=API["fpc1"].to_numpy())
    assert round(float(means(one, API["api00"].to_numpy(float)).se[0, 0]), 3) == 29.889


def test_two_stage_without_a_first_stage_fpc_is_the_ultimate_cluster_design():
    """R: 'multistage sampling has no effect when fpc is not given'."""
    y = API["api00"].to_numpy(float)
    design = two_stage(first_fpc=False)
    one = Design(API["pw"].to_numpy(), psu=API["dnum"].to_numpy())
    assert not design.two_stage
    assert means(design, y).se[0, 0] == pytest.approx(means(one, y).se[0, 0], rel=1e-12)


def brute_force_two_stage(z: np.ndarray) -> float:
    """The multistage variance of per-row scores z, straight from the definition: between
    districts (1 - f1) m/(m - 1) sum (Z_d - mean Z)^2, plus per district f1 (1 - f2) n/(n - 1)
    sum (Z_s - mean Z_s)^2 over its schools."""
    frame = API.assign(z=z)
    districts = frame.groupby("dnum")["z"].sum()
    m, f1 = len(districts), len(districts) / 757
    variance = (1 - f1) * m / (m - 1) * ((districts - districts.mean()) ** 2).sum()
    for _, schools in frame.groupby("dnum"):
        totals_ = schools.groupby("snum")["z"].sum()
        n = len(totals_)
        if n > 1:
            f2 = n / schools["fpc2"].iloc[0]
            variance += f1 * (1 - f2) * n / (n - 1) * ((totals_ - totals_.mean()) ** 2).sum()
    return variance


def test_two_stage_domains_and_tests_follow_the_definition():
    design = two_stage()
    y = API["api00"].to_numpy(float)
    w = API["pw"].to_numpy()
    groups = API["stype"].map({"E": 0, "M": 1, "H": 2}).to_numpy()
    result = means(design, y, groups)
    diff, se, _ = domain_vs_rest(design, y, groups)
    for g in range(3):
        inside = groups == g
        mean_g = (w * y)[inside].sum() / w[inside].sum()
        z = np.where(inside, w * (y - mean_g) / w[inside].sum(), 0.0)
        assert result.estimate[g, 0] == pytest.approx(mean_g, rel=1e-12)
        assert result.se[g, 0] == pytest.approx(np.sqrt(brute_force_two_stage(z)), rel=1e-10)
        rest = ~inside
        mean_rest = (w * y)[rest].sum() / w[rest].sum()
        z_rest = np.where(rest, w * (y - mean_rest) / w[rest].sum(), 0.0)
        assert diff[g, 0] == pytest.approx(mean_g - mean_rest, rel=1e-12)
        assert se[g, 0] == pytest.approx(np.sqrt(brute_force_two_stage(z - z_rest)), rel=1e-10)
    # The results store's path (Domains) gives the same figures.
    from research.survey.estimates import Domains, p_against_rest

    codes = (y // 100).astype(np.int64)       # values 4..9 as codes of one variable
    values = np.arange(codes.max() + 1, dtype=float)[:, None] * 100
    domains = Domains(design, [(groups, 3)])
    tally = domains.tally(codes, codes.max() + 1)
    estimated, t = domains.means(tally, values, 0, against_rest=True)
    direct = means(design, (codes * 100.0), groups)
    assert estimated.se[:, 0] == pytest.approx(direct.se[:, 0], rel=1e-12)
    _, _, p = domain_vs_rest(design, codes * 100.0, groups)
    assert p_against_rest(t, design.df)[:, 0] == pytest.approx(p[:, 0], rel=1e-12)


def test_two_stage_errors_are_dutch():
    with pytest.raises(SurveyError, match="^Een tweede trap \\(secundaire eenheden\\) vraagt om "
                                          "clusters \\(PSU's\\) in de eerste trap.$"):
        Design(np.ones(3), ssu=np.arange(3))
    with pytest.raises(SurveyError, match="^Een PSU telt 5 getrokken secundaire eenheden maar "
                                          "een populatie van 4 \\(fpc2\\); controleer de fpc2.$"):
        two_stage().__class__(API["pw"].to_numpy(), psu=API["dnum"].to_numpy(),
                              fpc=API["fpc1"].to_numpy(), ssu=API["snum"].to_numpy(),
                              fpc2=np.where(API["dnum"] == 200, 4, API["fpc2"]))
    with pytest.raises(SurveyError, match="binnen een PSU overal gelijk"):
        Design(np.ones(4), psu=np.array([1, 1, 2, 2]), fpc=np.full(4, 10), ssu=np.arange(4),
               fpc2=np.array([5, 6, 5, 5]))


# -- against svy on random designs ---------------------------------------------------------------

def random_design(seed: int, kind: str, n: int = 400):
    """A random sample with strata, PSUs, weights, fpc (as a population count or a fraction),
    three numeric variables with NaNs, an answer code with NaNs and group codes with -1."""
    rng = np.random.default_rng(seed)
    strata = rng.integers(0, 5, n)
    psu = rng.integers(0, 8, n)
    if kind == "singleton":  # stratum 4 has a single PSU
        psu[strata == 4] = 3
    weights = rng.uniform(0.5, 4.0, n)
    y = rng.normal(10.0, 3.0, (n, 3))
    y[rng.random((n, 3)) < 0.15] = np.nan
    code = rng.integers(1, 7, n).astype(float)
    code[rng.random(n) < 0.1] = np.nan
    groups = rng.integers(-1, 4, n)
    data = {"h": strata, "p": psu, "w": weights, "code": code, "g": groups,
            **{f"y{j}": y[:, j] for j in range(3)}}
    if kind == "fraction":  # no PSUs (rows are PSUs), fpc as a sampling fraction
        fraction = np.array([0.1, 0.2, 0.05, 0.3, 0.5])[strata]
        m = np.bincount(strata)[strata]
        data["fpc"] = fraction
        data["N"] = m / fraction  # svy takes population counts only
        design = Design(weights, strata, None, fraction)
        spec = dict(stratum="h", wgt="w", pop_size="N")
    elif kind == "clusters":  # PSUs, no strata, no fpc
        design = Design(weights, None, psu)
        spec = dict(psu="p", wgt="w")
    else:
        population = (np.arange(5) * 6 + 12)[strata]
        data["N"] = population
        design = Design(weights, strata, psu, population)
        spec = dict(stratum="h", psu="p", wgt="w", pop_size="N")
    frame = pl.DataFrame(data).with_columns(pl.col(pl.Float64).fill_nan(None))
    if "stratum" in spec:  # R's lonely.psu="certainty" (svy requires a rule for singletons)
        spec["singleton"] = "skip"
    sample = svy.Sample(frame, svy.Design(**spec))
    return design, y, code, groups, sample


KINDS = ["counts", "fraction", "clusters", "singleton"]


def by_group(result) -> pl.DataFrame:
    """svy's result per group, in group order."""
    return result.to_polars().sort("g")


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("kind", KINDS)
def test_means_and_totals_agree_with_svy(seed, kind):
    design, y, _, groups, sample = random_design(seed, kind)
    ours_mean, ours_total = means(design, y, groups), totals(design, y, groups)
    domain = svy.col("g") >= 0
    for j in range(3):
        mean = by_group(sample.estimation.mean(f"y{j}", by="g", where=domain, drop_nulls=True))
        total = by_group(sample.estimation.total(f"y{j}", by="g", where=domain, drop_nulls=True))
        np.testing.assert_allclose(ours_mean.estimate[:, j], mean["est"], rtol=1e-10)
        np.testing.assert_allclose(ours_mean.se[:, j], mean["se"], rtol=1e-10)
        np.testing.assert_allclose(ours_total.estimate[:, j], total["est"], rtol=1e-10)
        np.testing.assert_allclose(ours_total.se[:, j], total["se"], rtol=1e-10)
        np.testing.assert_array_equal(ours_mean.n[:, j], mean["n"])
        np.testing.assert_array_equal(ours_mean.df[:, j], mean["df"])


@pytest.mark.parametrize("kind", KINDS)
def test_one_group_of_all_rows_agrees_with_svy(kind):
    design, y, _, _, sample = random_design(7, kind)
    ours = means(design, y)
    oracle = sample.estimation.mean("y1", drop_nulls=True).to_polars()
    assert ours.estimate[0, 1] == pytest.approx(oracle["est"][0], rel=1e-10)
    assert ours.se[0, 1] == pytest.approx(oracle["se"][0], rel=1e-10)
    assert ours.df[0, 1] == oracle["df"][0]  # PSUs with valid rows minus strata


CATEGORIES = [1, 2, 3, 5]  # code 4 and 6 are left out, as a 'weet niet' would be


def svy_proportions(sample, method: str):
    """svy's proportions of CATEGORIES per group (other codes made missing), (G, k) arrays."""
    keep = [float(c) for c in CATEGORIES]
    data = sample.data.with_columns(
        pl.when(pl.col("code").is_in(keep)).then(pl.col("code")).otherwise(None).alias("code"))
    restricted = svy.Sample(data, sample.design)
    result = restricted.estimation.prop("code", by="g", where=svy.col("g") >= 0,
                                        drop_nulls=True, ci_method=method)
    table = result.to_polars().sort(["g", "code"])
    return {name: table[name].to_numpy().reshape(-1, len(CATEGORIES))
            for name in ("est", "se", "lci", "uci", "n", "df")}


@pytest.mark.parametrize("seed", [4, 5])
@pytest.mark.parametrize("kind", KINDS)
def test_proportions_and_intervals_agree_with_svy(seed, kind):
    design, _, code, groups, sample = random_design(seed, kind)
    ours = proportions(design, code, CATEGORIES, groups)
    for method, ours_method, cap in (("logit", "logit", True), ("beta", "beta", False),
                                     ("korn-graubard", "beta", True)):
        oracle = svy_proportions(sample, method)
        np.testing.assert_allclose(ours.estimate, oracle["est"], rtol=1e-10)
        np.testing.assert_allclose(ours.se, oracle["se"], rtol=1e-10)
        np.testing.assert_array_equal(ours.n, oracle["n"])
        low, high = proportion_ci(ours.estimate, ours.se, ours.n, ours.neff, ours.df,
                                  method=ours_method, cap_at_n=cap)
        np.testing.assert_allclose(low, oracle["lci"], rtol=1e-8)
        np.testing.assert_allclose(high, oracle["uci"], rtol=1e-8)


def test_korn_graubard_at_zero_agrees_with_svy_when_neff_is_n():
    """A category nobody in a group chose: svy's one-sided korn-graubard interval (which takes
    n as the effective size); ours takes Kish's neff, equal to n with equal weights."""
    rng = np.random.default_rng(11)
    n = 120
    groups = np.repeat([0, 1], n // 2)
    code = rng.integers(1, 4, n).astype(float)
    code[(groups == 0) & (code == 3)] = 1.0
    strata = np.repeat(np.arange(6), n // 6)
    psu = np.tile(np.repeat(np.arange(4), 5), 6)
    design = Design(np.ones(n), strata, psu)
    ours = proportions(design, code, [1, 2, 3], groups)
    assert ours.estimate[0, 2] == 0.0
    frame = pl.DataFrame({"h": strata, "p": psu, "w": np.ones(n), "g": groups, "code": code})
    sample = svy.Sample(frame, svy.Design(stratum="h", psu="p", wgt="w"))
    table = sample.estimation.prop("code", by="g", ci_method="korn-graubard").to_polars()
    zero = table.filter((pl.col("g") == 0) & (pl.col("code") == 3.0))
    low, high = proportion_ci(ours.estimate, ours.se, ours.n, ours.neff, ours.df, method="beta")
    assert (low[0, 2], high[0, 2]) == (0.0, pytest.approx(zero["uci"][0], rel=1e-8))
    # Group 0 lies in 3 strata of 4 PSUs: df 9. n_eff = 60 (t_59 / t_9)^2 = 46.95 at the
    # 0.025 quantiles, and the upper bound 1 - 0.025^(1/46.95).
    assert ours.df[0, 2] == 9
    assert high[0, 2] == pytest.approx(0.07557, abs=5e-6)
    # And the logit interval has nothing to say there.
    assert np.isnan(proportion_ci(0.0, 0.0, 60, 60, 18, method="logit")[0])


# -- edge cases ---------------------------------------------------------------------------------

def test_simple_random_sample_gives_the_classic_standard_error():
    y = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    result = means(Design(np.ones(5)), y)
    # s (n-1) / sqrt(n) = sqrt(2.5 / 5); equally sd (n) / sqrt(n) * sqrt(n / (n - 1)).
    assert result.se[0, 0] == pytest.approx(0.7071067811865476, rel=1e-12)
    assert result.se[0, 0] == pytest.approx(np.std(y) / np.sqrt(5) * np.sqrt(5 / 4), rel=1e-12)
    assert (result.estimate[0, 0], result.n[0, 0], result.neff[0, 0]) == (3.0, 5, 5.0)
    assert totals(Design(np.ones(5)), y).se[0, 0] == pytest.approx(5 * 0.7071067811865476)


def test_one_stratum_with_one_psu_contributes_no_variance():
    design = Design(np.array([1.0, 2.0, 1.0]), np.array(["a", "a", "a"]), np.array([7, 7, 7]))
    result = means(design, np.array([1.0, 2.0, 6.0]))
    assert result.estimate[0, 0] == pytest.approx(2.75)
    assert result.se[0, 0] == 0.0
    assert design.df == 0
    assert mean_ci(result.estimate, result.se, design.df) == (2.75, 2.75)


def test_lonely_stratum_next_to_others_drops_out():
    """Stratum 'b' has one PSU: the SE is that of stratum 'a' alone."""
    w = np.ones(5)
    y = np.array([1.0, 3.0, 5.0, 7.0, 100.0])
    with_lonely = Design(w, np.array(["a"] * 4 + ["b"]), np.array([1, 1, 2, 2, 1]))
    z = (y - means(with_lonely, y).estimate[0, 0]) / 5  # scores; PSU totals in stratum a:
    psu_totals = np.array([z[0] + z[1], z[2] + z[3]])
    expected = np.sqrt(2 * ((psu_totals - psu_totals.mean()) ** 2).sum())
    assert means(with_lonely, y).se[0, 0] == pytest.approx(expected, rel=1e-12)


def test_psu_labels_are_nested_within_strata():
    """PSU 1 of stratum 1 and PSU 1 of stratum 2 are two PSUs (R's nest=TRUE)."""
    design = Design.from_frame(FPC, "weight", "stratid", "psuid")
    assert (design.n_psu, design.n_strata, design.df) == (8, 2, 6)


def test_group_without_valid_rows_is_nan_with_n_zero():
    y = np.array([1.0, 2.0, np.nan, 4.0])
    groups = np.array([0, 0, 1, -1])
    result = means(Design(np.ones(4)), y, groups, n_groups=3)
    assert result.estimate.shape == (3, 1)
    assert result.estimate[0, 0] == 1.5
    assert np.isnan(result.estimate[1:, 0]).all() and np.isnan(result.se[1:, 0]).all()
    assert result.n[:, 0].tolist() == [2, 0, 0]
    assert result.wsum[:, 0].tolist() == [2.0, 0.0, 0.0]
    assert np.isnan(totals(Design(np.ones(4)), y, groups, 3).estimate[1, 0])


def test_missing_values_keep_the_design():
    """A NaN removes the row from the base but not its PSU: a domain estimate, as subset()."""
    w = np.ones(6)
    y = np.array([1.0, 2.0, 3.0, np.nan, 5.0, 9.0])
    design = Design(w, None, np.array([1, 1, 2, 2, 3, 3]))
    result = means(design, y)
    # Scores (y - 4) / 5 = -0.6, -0.4, -0.2, 0 (missing), 0.2, 1.0; PSU totals -1, -0.2, 1.2
    # around mean 0: V = 3/2 * (1 + 0.04 + 1.44) = 3.72.
    assert result.estimate[0, 0] == 4.0
    assert result.se[0, 0] == pytest.approx(math.sqrt(3.72), rel=1e-12)
    assert result.n[0, 0] == 5


def test_shapes_and_weighted_sums():
    design = Design(np.array([1.0, 2.0, 3.0, 4.0]))
    result = means(design, np.array([1.0, 0.0, 1.0, 1.0]))
    assert isinstance(result, Estimates)
    assert result.estimate.shape == result.se.shape == result.neff.shape == (1, 1)
    assert result.estimate[0, 0] == pytest.approx(0.8)
    assert result.wsum[0, 0] == 10.0
    assert result.neff[0, 0] == pytest.approx(100 / 30)


def test_proportions_report_the_chosen_categories_only():
    codes = np.array([1, 2, 2, 9, np.nan, 1, 1, 2])  # 9 = 'weet niet', left out
    result = proportions(Design(np.ones(8)), codes, [2, 1])
    assert result.estimate[0].tolist() == pytest.approx([3 / 6, 3 / 6])
    assert result.n[0].tolist() == [6, 6]
    result = proportions(Design(np.array([2.0, 1, 1, 1, 1, 1, 1, 1])), codes, [1, 2])
    assert result.estimate[0].tolist() == pytest.approx([4 / 7, 3 / 7])


def test_design_is_frozen_and_from_frame_defaults_to_weight_one():
    design = Design.from_frame(FPC)
    assert design.weights.tolist() == [1.0] * 8 and design.df == 7
    with pytest.raises(dataclasses.FrozenInstanceError):
        design.weights = np.ones(8)


# -- errors for the user ------------------------------------------------------------------------

@pytest.mark.parametrize("weights, message", [
    ([1.0, 0.0, -2.0, 1.0], "Het gewicht moet groter dan 0 zijn (2 rijen met 0 of minder)."),
    ([1.0, np.nan, 1.0, 1.0], "Het gewicht ontbreekt in 1 rij."),
    ([1.0, np.inf, 1.0, 1.0], "Het gewicht is oneindig groot in 1 rij."),
])
def test_bad_weights_are_refused_in_dutch(weights, message):
    with pytest.raises(SurveyError) as error:
        Design(np.array(weights))
    assert str(error.value) == message
    assert isinstance(error.value, UserError)


def test_fpc_must_be_constant_within_a_stratum():
    with pytest.raises(SurveyError, match="binnen een stratum overal gelijk.*stratum '2'"):
        Design(np.ones(4), np.array([1, 1, 2, 2]), None, np.array([10, 10, 20, 30]))


def test_fpc_smaller_than_the_sample_is_refused():
    message = r"populatie van stratum 'a' \(2\) is kleiner dan .* \(3\)"
    with pytest.raises(SurveyError, match=message):
        Design(np.ones(3), np.array(["a", "a", "a"]), None, np.array([2, 2, 2]))


def test_missing_design_labels_and_columns_are_refused():
    with pytest.raises(SurveyError, match="stratum-waarde ontbreekt in 1 rij"):
        Design(np.ones(3), np.array(["a", None, "b"], dtype=object))
    with pytest.raises(SurveyError, match="De kolom 'gewicht' staat niet in de gegevens."):
        Design.from_frame(FPC, weight="gewicht")
    text = pd.DataFrame({"w": ["1,5", "2"]})  # a decimal comma read as text
    with pytest.raises(SurveyError, match=r"'w' \(gewicht\) bevat tekst .* in 1 rij."):
        Design.from_frame(text, weight="w")


# -- intervals and tests ------------------------------------------------------------------------

def test_mean_ci_uses_t_with_the_design_df_and_normal_without():
    low, high = mean_ci(5.4481, 0.7413, 6)
    assert (round(float(low), 4), round(float(high), 4)) == (3.6342, 7.262)  # t_6 = 2.4469
    low, high = mean_ci(np.array([1.0]), np.array([0.5]), 0)
    assert high[0] == pytest.approx(1 + 1.959964 * 0.5, rel=1e-6)


def test_logit_interval_literal():
    low, high = proportion_ci(0.3, 0.05, 100, 80, 20, method="logit")
    # expit(logit(0.3) -/+ t_20 * 0.05 / 0.21), t_20 = 2.0859634
    assert (float(low), float(high)) == (pytest.approx(0.2068603, abs=1e-7),
                                         pytest.approx(0.4132273, abs=1e-7))


def test_beta_at_zero_is_one_sided_clopper_pearson():
    # df = n - 1: no df adjustment; upper = 1 - 0.025^(1/20).
    low, high = proportion_ci(0.0, 0.0, 20, 20, 19, method="beta")
    assert float(low) == 0.0
    assert float(high) == pytest.approx(1 - 0.025 ** (1 / 20), rel=1e-10)
    assert float(high) == pytest.approx(0.16843, abs=1e-5)


def test_auto_picks_logit_for_plenty_and_beta_for_few():
    est, se = np.array([0.4, 0.02, 0.0]), np.array([0.03, 0.012, 0.0])
    auto = proportion_ci(est, se, 300, 250, 60)
    logit = proportion_ci(est, se, 300, 250, 60, method="logit")
    beta = proportion_ci(est, se, 300, 250, 60, method="beta")
    # 0.4: n_eff 0.24/0.0009 = 267, times 0.4 = 107 >= 5: logit. 0.02: 136 * 0.02 = 2.7: beta.
    assert auto[0][0] == logit[0][0] and auto[0][1] == beta[0][1] and auto[1][2] == beta[1][2]
    assert auto[0][1] != logit[0][1]
    assert np.isnan(proportion_ci(np.nan, 0.1, 10, 10, 5)[0])


def test_kish_neff():
    assert kish_neff([1, 1, 2]) == pytest.approx(16 / 6)
    assert kish_neff(np.ones(10)) == 10.0


def test_difference_independent():
    diff, se, p = difference_independent(0.40, 0.03, 0.50, 0.04)
    assert (float(diff), float(se)) == (pytest.approx(0.10), pytest.approx(0.05))
    assert float(p) == pytest.approx(0.0455003, rel=1e-5)  # z = 2
    assert float(difference_independent(0.40, 0.03, 0.50, 0.04, df=10)[2]) == pytest.approx(
        0.0733880, rel=1e-5)  # t_10 = 2


def brute_force_vs_rest(design_parts, y, groups, g):
    """mean(g) - mean(rest) and its SE, with the row-level scores and a loop over strata."""
    weights, strata, psu, population = design_parts
    valid = ~np.isnan(y)
    in_g, in_rest = (groups == g) & valid, (groups >= 0) & (groups != g) & valid
    yy = np.nan_to_num(y)
    mean_g = (weights * in_g * yy).sum() / (weights * in_g).sum()
    mean_rest = (weights * in_rest * yy).sum() / (weights * in_rest).sum()
    z = (weights * in_g * (yy - mean_g) / (weights * in_g).sum()
         - weights * in_rest * (yy - mean_rest) / (weights * in_rest).sum())
    variance = 0.0
    for h in np.unique(strata):
        rows = strata == h
        totals_ = pd.Series(z[rows]).groupby(psu[rows]).sum().to_numpy()
        m = len(totals_)
        if m > 1:
            f = m / population[rows][0]
            variance += (1 - f) * m / (m - 1) * ((totals_ - totals_.mean()) ** 2).sum()
    return mean_g - mean_rest, np.sqrt(variance)


def test_domain_vs_rest_matches_the_row_level_linearisation():
    rng = np.random.default_rng(21)
    n = 500
    strata, psu = rng.integers(0, 4, n), rng.integers(0, 7, n)
    psu[strata == 3] = 0  # a lonely stratum
    weights, population = rng.uniform(0.5, 3, n), (np.arange(4) * 10 + 30)[strata]
    y = rng.normal(5.0, 2.0, (n, 2))
    y[:, 1] += 1e6  # a large mean must not cost precision
    y[rng.random((n, 2)) < 0.1] = np.nan
    groups = rng.integers(-1, 4, n)
    design = Design(weights, strata, psu, population)
    diff, se, p = domain_vs_rest(design, y, groups)
    assert diff.shape == se.shape == p.shape == (4, 2)
    for j in range(2):
        for g in range(4):
            expected_diff, expected_se = brute_force_vs_rest(
                (weights, strata, psu, population), y[:, j], groups, g)
            assert diff[g, j] == pytest.approx(expected_diff, rel=1e-9, abs=1e-9)
            assert se[g, j] == pytest.approx(expected_se, rel=1e-9)
    # Two-sided t with the design's df (here 3 strata x 7 PSUs + 1 lonely: 22 - 4 = 18).
    assert design.df == 18
    from scipy import stats
    assert p[2, 0] == pytest.approx(2 * stats.t.sf(abs(diff[2, 0] / se[2, 0]), 18), rel=1e-12)


def test_domain_vs_rest_of_two_groups_is_symmetric_and_literal():
    y = np.array([1.0, 2.0, 3.0, 6.0, 7.0, 8.0])
    groups = np.array([0, 0, 0, 1, 1, 1])
    diff, se, _ = domain_vs_rest(Design(np.ones(6)), y, groups)
    assert diff[:, 0].tolist() == [-5.0, 5.0]
    # Scores (y - mean) / 3 in g and -(y - mean) / 3 in the rest: -1/3, 0, 1/3, 1/3, 0, -1/3;
    # six PSUs in one stratum, so V = 6/5 * 4/9 = 8/15.
    assert se[:, 0] == pytest.approx([np.sqrt(8 / 15)] * 2, rel=1e-12)
    diff, se, p = domain_vs_rest(Design(np.ones(6)), y, np.zeros(6, dtype=int))
    assert np.isnan(diff[0, 0]) and np.isnan(p[0, 0])  # no rest to compare with
