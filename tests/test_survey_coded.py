"""The estimator of coded variables over several breakdowns (`estimates.Domains`, what the
results store uses) gives the row-level estimator's figures: that one is checked against R's
worked example and svy in test_survey_estimates.py; here it is the oracle."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from research.survey import estimates
from research.survey.estimates import (
    Design,
    Domains,
    domain_vs_rest,
    means,
    means_against_rest,
    p_against_rest,
    totals,
)

KINDS = ["counts", "fraction", "clusters", "singleton", "plain"]


def design_of(kind: str, n: int, rng: np.random.Generator) -> Design:
    """A random design: strata, PSUs, weights and fpc in the combinations svy was checked on,
    and 'plain' (equal weights, no strata, no clusters: the unweighted shortcut)."""
    strata = rng.integers(0, 5, n)
    psu = rng.integers(0, 8, n)
    weights = rng.uniform(0.5, 4.0, n)
    if kind == "singleton":
        psu[strata == 4] = 3
    if kind == "fraction":
        return Design(weights, strata, None, np.array([0.1, 0.2, 0.05, 0.3, 0.5])[strata])
    if kind == "clusters":
        return Design(weights, None, psu)
    if kind == "plain":
        return Design(np.ones(n))
    return Design(weights, strata, psu, (np.arange(5) * 6 + 12)[strata])


def coded_case(seed: int, kind: str, n: int = 400):
    """A design, two groupings (4 groups and 2 groups, with rows in none), an answer code
    (1..6 and missing) and a number with few distinct values."""
    rng = np.random.default_rng(seed)
    design = design_of(kind, n, rng)
    groupings = [(rng.integers(-1, 4, n), 4), (rng.integers(-1, 2, n), 2)]
    code = rng.integers(0, 6, n)
    code[rng.random(n) < 0.1] = -1
    return design, groupings, code


def as_columns(codes: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The (n, k) matrix the codes stand for, NaN out of the base."""
    y = values[codes].copy()
    y[codes < 0] = np.nan
    return y


def assert_same(ours: estimates.Estimates, oracle: estimates.Estimates, rtol: float = 1e-12):
    np.testing.assert_allclose(ours.estimate, oracle.estimate, rtol=rtol, atol=1e-15)
    np.testing.assert_allclose(ours.se, oracle.se, rtol=rtol, atol=1e-15)
    np.testing.assert_allclose(ours.neff, oracle.neff, rtol=rtol)
    np.testing.assert_allclose(ours.wsum, oracle.wsum, rtol=rtol)
    np.testing.assert_array_equal(ours.n, oracle.n)
    np.testing.assert_array_equal(ours.df, oracle.df)


@pytest.fixture(params=["tallied", "by rows"])
def path(request, monkeypatch):
    """Both ways of `Domains`: sums per (profile, code), and row by row (what a variable with
    too many distinct values takes)."""
    if request.param == "by rows":
        monkeypatch.setattr(estimates, "CELLS_PER_ROW", 0)
        monkeypatch.setattr(estimates, "MIN_CELLS", 0)
    return request.param


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("kind", KINDS)
def test_proportions_and_tests_against_the_rest_are_the_row_level_ones(seed, kind, path):
    design, groupings, code = coded_case(seed, kind)
    domains = Domains(design, groupings)
    values = np.eye(6)
    tally = domains.tally(code, 6)
    assert (tally.w is None) == (path == "by rows")
    y = as_columns(code, values)
    for index, (groups, n_groups) in enumerate(groupings):
        ours, t = domains.means(tally, values, index, against_rest=True)
        oracle, p = means_against_rest(design, y, groups, n_groups)
        assert_same(ours, oracle)
        np.testing.assert_allclose(p_against_rest(t, design.df), p, rtol=1e-9, atol=1e-15)
        assert np.array_equal(np.isnan(t), np.isnan(p))
        assert domains.means(tally, values, index)[1] is None


@pytest.mark.parametrize("kind", KINDS)
def test_means_and_totals_of_a_number_are_the_row_level_ones(kind, path):
    design, groupings, code = coded_case(3, kind)
    # Marks far from 0: a mean of a million and a bit must keep its precision.
    values = np.array([[1e6 + 1.0], [1e6 + 2.5], [1e6 + 4.0], [1e6 + 7.0], [1e6 + 8.0],
                       [1e6 + 10.0]])
    domains = Domains(design, groupings)
    tally = domains.tally(code, 6)
    y = as_columns(code, values)
    for index, (groups, n_groups) in enumerate(groupings):
        ours, t = domains.means(tally, values, index, against_rest=True)
        assert_same(ours, means(design, y, groups, n_groups), rtol=1e-9)
        diff, se, p = domain_vs_rest(design, y, groups, n_groups)
        np.testing.assert_allclose(p_against_rest(t, design.df), p, rtol=1e-6)
        assert_same(domains.totals(tally, values, index), totals(design, y, groups, n_groups))


def test_literal_means_and_test_against_the_rest():
    """Six rows, equal weights, no strata: the classic figures (as
    test_domain_vs_rest_of_two_groups_is_symmetric_and_literal)."""
    design = Domains(Design(np.ones(6)), [(np.array([0, 0, 0, 1, 1, 1]), 2)])
    values = np.array([[1.0], [2.0], [3.0], [6.0], [7.0], [8.0]])
    est, t = design.means(design.tally(np.arange(6), 6), values, 0, against_rest=True)
    assert est.estimate[:, 0].tolist() == pytest.approx([2.0, 7.0])
    # Within a group the scores (y - mean) / 3 are -1/3, 0, 1/3 and 0 in the other group:
    # V = 6/5 * (2/9 - 0) = 4/15.
    assert est.se[:, 0].tolist() == pytest.approx([np.sqrt(4 / 15)] * 2, rel=1e-12)
    assert est.n[:, 0].tolist() == [3, 3] and est.df[:, 0].tolist() == [2, 2]
    assert est.neff[:, 0].tolist() == [3.0, 3.0]
    # Difference -5 and +5 with SE sqrt(8/15) on 5 degrees of freedom.
    assert t[:, 0].tolist() == pytest.approx([-5 / np.sqrt(8 / 15), 5 / np.sqrt(8 / 15)],
                                             rel=1e-12)
    assert p_against_rest(t, 5)[0, 0] == pytest.approx(
        2 * stats.t.sf(5 / np.sqrt(8 / 15), 5), rel=1e-12)


def test_literal_proportions_with_strata_and_weights():
    """Two strata of two rows, weights 1 and 3: the share of code 1 is (1 + 3) / 8."""
    design = Design(np.array([1.0, 3.0, 1.0, 3.0]), np.array(["a", "a", "b", "b"]))
    domains = Domains(design, [(np.zeros(4, dtype=int), 1)])
    est, _ = domains.means(domains.tally(np.array([0, 1, 1, 0]), 2), np.eye(2), 0)
    assert est.estimate[0].tolist() == [0.5, 0.5]
    # Scores w (y - 0.5) / 8 = -1/16, 3/16 in stratum a and 1/16, -3/16 in b; each stratum
    # adds 2 * ((a - mean)^2 + (b - mean)^2) = 2 * 2 * (1/8)^2.
    assert est.se[0, 0] == pytest.approx(np.sqrt(2 * 4 / 64), rel=1e-12)
    assert (est.n[0, 0], est.neff[0, 0], est.wsum[0, 0], est.df[0, 0]) == (4, 3.2, 8.0, 2)


def test_groups_without_rows_a_single_answer_and_no_codes():
    design = Design(np.array([1.0, 2.0, 1.0, 2.0, 1.0]))
    groups = np.array([0, 0, 1, 1, -1])
    domains = Domains(design, [(groups, 3)])
    # Everyone in group 0 chose code 0: a share of 1 with no variance; group 2 is empty.
    est, t = domains.means(domains.tally(np.array([0, 0, 1, -1, 0]), 2), np.eye(2), 0,
                           against_rest=True)
    assert est.estimate[0].tolist() == [1.0, 0.0] and est.se[0].tolist() == [0.0, 0.0]
    assert np.isnan(est.estimate[2]).all() and est.n[2].tolist() == [0, 0]
    assert np.isnan(t[2]).all()
    oracle = means(design, as_columns(np.array([0, 0, 1, -1, 0]), np.eye(2)), groups, 3)
    assert_same(est, oracle)
    # A number nobody answered: no codes at all, NaN for every group.
    none, _ = domains.means(domains.tally(np.full(5, -1), 0), np.empty((0, 1)), 0, True)
    assert np.isnan(none.estimate).all() and none.n.tolist() == [[0], [0], [0]]


def test_codes_must_fit_the_design():
    domains = Domains(Design(np.ones(3)), [(np.zeros(3, dtype=int), 1)])
    with pytest.raises(ValueError, match="integer array of 3 codes"):
        domains.tally(np.array([0.0, 1.0, 0.0]), 2)
    with pytest.raises(ValueError, match="values must have 2 rows"):
        domains.means(domains.tally(np.array([0, 1, 0]), 2), np.eye(3), 0)


@pytest.mark.parametrize("path_", ["tallied", "by rows"])
def test_remapped_tally_is_the_tally_of_the_mapped_codes(path_, monkeypatch):
    """Codes mapped onto others (a recoding merging two, a code leaving the base) give the
    tally of the mapped codes, summed per profile or row by row."""
    if path_ == "by rows":
        monkeypatch.setattr(estimates, "CELLS_PER_ROW", 0)
        monkeypatch.setattr(estimates, "MIN_CELLS", 0)
    design, groupings, code = coded_case(4, "counts")
    domains = Domains(design, groupings)
    mapping = np.array([0, 1, 0, -1, 2, 1])
    mapped = np.where(code >= 0, np.append(mapping, -1)[code], -1)
    remapped = domains.tally(code, 6).remapped(mapping, 3)
    direct = domains.tally(mapped, 3)
    assert remapped.present().tolist() == direct.present().tolist() == [True] * 3
    for grouping in range(2):
        ours, t = domains.means(remapped, np.eye(3), grouping, against_rest=True)
        oracle, t_oracle = domains.means(direct, np.eye(3), grouping, against_rest=True)
        assert_same(ours, oracle)
        np.testing.assert_allclose(t, t_oracle, rtol=1e-12)
