"""Weighting a sample to known population figures: post-stratification and raking.

Both take the current weights (design weights, or 1 for everyone) and return new weights
with a summary of how far they spread, since extreme weights cost precision: the Kish
efficiency says what share of the sample's size is left for estimates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from research.survey.estimates import SurveyError, check_weights, kish_neff, rows_text

# Margins of one raking must describe the same population: their grand totals may differ this
# much (relative to the largest), from rounding in published figures, and no more.
MARGIN_TOTAL_TOLERANCE = 0.001


@dataclass
class Calibration:
    """New weights and how they turned out."""
    weights: np.ndarray
    iterations: int
    converged: bool
    min_weight: float
    max_weight: float
    ratio: float       # max / min
    efficiency: float  # Kish: neff / n, 0..1


def efficiency(weights) -> float:
    """Kish's efficiency of a set of weights: effective n / n (1 when all weights are equal)."""
    w = np.asarray(weights, dtype=np.float64)
    return kish_neff(w) / len(w) if len(w) else float("nan")


def _calibration(weights: np.ndarray, iterations: int, converged: bool) -> Calibration:
    """The summary of a set of new weights."""
    low, high = float(weights.min()), float(weights.max())
    return Calibration(weights=weights, iterations=iterations, converged=converged,
                       min_weight=low, max_weight=high, ratio=high / low,
                       efficiency=efficiency(weights))


def _cell_codes(labels, population, n: int, variable: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Per row the index of its cell in the population figures, and the counts in that order.

    Refused in Dutch: rows without a cell, sample cells the figures lack, cells of the
    figures without respondents, and counts that are missing or not positive.
    """
    labels = pd.Series(np.asarray(labels, dtype=object) if not isinstance(labels, pd.Series)
                       else labels.to_numpy(dtype=object))
    if len(labels) != n:
        raise ValueError(f"{len(labels)} cell labels for {n} weights")
    of = "" if variable is None else f" van '{variable}'"
    missing = int(labels.isna().sum())
    if missing:
        raise SurveyError(f"De cel{of} ontbreekt in {rows_text(missing)}.")
    targets = pd.Series(population, dtype=object)
    counts = pd.to_numeric(targets, errors="coerce").to_numpy(dtype=np.float64)
    bad = [label for label, count in zip(targets.index, counts, strict=True) if not count > 0]
    if bad:
        raise SurveyError(f"Het populatieaantal{of} van de cel '{bad[0]}' moet een getal groter "
                          "dan 0 zijn.")
    index = pd.Index(targets.index)
    if not index.is_unique:
        raise SurveyError(f"De populatiecijfers{of} noemen een cel meer dan eens.")
    codes = index.get_indexer(labels)
    if (codes < 0).any():
        unknown = labels[codes < 0].iloc[0]
        raise SurveyError(f"De cel '{unknown}'{of} staat niet in de populatiecijfers; "
                          "voeg de cel toe of voeg cellen samen.")
    empty = np.flatnonzero(np.bincount(codes, minlength=len(index)) == 0)
    if len(empty):
        raise SurveyError(f"Geen respondenten in de cel '{index[empty[0]]}'{of} van het "
                          "steekproefkader; voeg cellen samen.")
    return codes, counts


def poststratify(weights, cells, population) -> Calibration:
    """Scale the weights within each cell so that they sum to the cell's population count.

    cells: a label per row; population: dict (or Series) label -> population count, with
    exactly the cells of the sample.
    """
    w = check_weights(weights)
    codes, counts = _cell_codes(cells, population, len(w), None)
    sums = np.bincount(codes, weights=w, minlength=len(counts))
    return _calibration(w * (counts / sums)[codes], iterations=1, converged=True)


def rake(weights, margins: dict, max_iter: int = 100, tol: float = 1e-6) -> Calibration:
    """Iterative proportional fitting of the weights to several margins at once.

    margins: variable name -> (labels per row, dict label -> population count). Every margin
    must have the same grand total within 0.1%; the remaining difference (rounding in
    published figures) is removed by scaling each margin to the first margin's total, since
    otherwise the margins cannot all hold and raking would never converge. Converged means
    the largest relative discrepancy |sum - target| / target over all cells is below tol.
    """
    w = check_weights(weights).copy()
    if not margins:
        raise SurveyError("Kies minstens één variabele om op te wegen.")
    fitted = [_cell_codes(labels, population, len(w), name)
              for name, (labels, population) in margins.items()]
    _check_margin_totals(list(margins), [counts.sum() for _, counts in fitted])
    grand_total = fitted[0][1].sum()
    fitted = [(codes, counts * (grand_total / counts.sum())) for codes, counts in fitted]
    iterations, converged = 0, False
    while iterations < max_iter and not converged:
        iterations += 1
        for codes, counts in fitted:
            sums = np.bincount(codes, weights=w, minlength=len(counts))
            w *= (counts / sums)[codes]
        converged = _discrepancy(w, fitted) < tol
    return _calibration(w, iterations, converged)


def _check_margin_totals(names: list[str], totals: list[float]) -> None:
    """Refuse margins whose grand totals differ by more than the tolerance."""
    low, high = min(totals), max(totals)
    if (high - low) / high > MARGIN_TOTAL_TOLERANCE:
        listed = ", ".join(f"'{name}' {total:,.0f}".replace(",", ".")
                           for name, total in zip(names, totals, strict=True))
        raise SurveyError("De populatietotalen van de weegvariabelen verschillen: "
                          f"{listed}. Ze moeten op 0,1% na gelijk zijn.")


def _discrepancy(w: np.ndarray, fitted: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """The largest relative difference between a margin's weighted sum and its target."""
    worst = 0.0
    for codes, counts in fitted:
        sums = np.bincount(codes, weights=w, minlength=len(counts))
        worst = max(worst, float(np.max(np.abs(sums - counts) / counts)))
    return worst
