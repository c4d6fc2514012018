"""Intercoder agreement: percent agreement, Cohen's kappa and Krippendorff's alpha.

Pure statistics on a reliability data matrix: one row per coder, one column per unit (e.g. a
sentence), each cell a category or missing. A matrix is either a list of lists of hashable
values with None for missing, or a numpy array (a float array with nan for missing; an object
array may use None or nan). Categories are mapped to integer codes internally, in sorted order
when the values can be sorted (which the ordinal and interval levels need).

A unit is pairable when at least two coders gave it a value. Units that are not pairable take
no part in any of the statistics (`n_units` in `report` counts the pairable ones).

Undefined results. Krippendorff's alpha is 0/0 when the expected disagreement De is 0, that is
when the pairable values all fall in one category; Cohen's kappa likewise when the expected
agreement is 1. Both functions then return float('nan'), as the reference implementations do
(the `krippendorff` package returns nan, or raises ValueError when the whole matrix holds one
value; scikit-learn's `cohen_kappa_score` returns nan). A matrix that cannot be judged at all
(fewer than two coders, no pairable unit, kappa for other than two coders) raises
AgreementError with a Dutch message.

The statistics are computed from per-unit contributions (the coincidence matrix of a unit, a
unit's cell in the confusion table, ...), summed with a weight per unit. The point estimate
weighs every unit once; a bootstrap resample weighs each unit by how often it was drawn, so
`bootstrap_ci` needs no recomputation from scratch. Units with the same pattern of values are
grouped first, which keeps the sums small.
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Callable, Hashable, Iterator, Mapping
from typing import Any

import numpy as np

from research.errors import UserError

MISSING = None
LEVELS = ("nominal", "ordinal", "interval")

_TOO_FEW_CODERS = "Er zijn minstens twee codeurs nodig om overeenstemming te berekenen."
_TOO_FEW_UNITS = ("Te weinig eenheden om overeenstemming te berekenen: geen enkele eenheid is"
                  " door minstens twee codeurs gecodeerd.")
_ALL_UNCODED = ("Te weinig eenheden om overeenstemming te berekenen: geen enkele eenheid is"
                " door een van de codeurs gecodeerd.")
_BOOT_CHUNK = 2_000_000   # drawn unit indices held in memory at once during a bootstrap


class AgreementError(UserError):
    """Agreement cannot be computed on these data (the message is Dutch, for the user)."""


# -- the reliability data matrix --------------------------------------------------------------

def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, (float, np.floating)) and math.isnan(value))


class _Coded:
    """A reliability data matrix as integer codes: `codes` (coders x units, -1 = missing),
    `values` (the category of each code) and whether the codes follow the values' order."""

    def __init__(self, codes: np.ndarray, values: tuple, ordered: bool):
        self.codes = codes
        self.values = values
        self.ordered = ordered
        self.index = {value: code for code, value in enumerate(values)}

    @property
    def coders(self) -> int:
        return self.codes.shape[0]

    @property
    def units(self) -> int:
        return self.codes.shape[1]


def _encode(data: Any) -> _Coded:
    if hasattr(data, "to_numpy"):           # a pandas DataFrame: coders as rows, like an array
        data = data.to_numpy()
    if isinstance(data, np.ndarray):
        if data.ndim != 2:
            raise ValueError(f"expected a 2-D matrix (coders x units), got {data.ndim} dimensions")
        if data.dtype.kind in "biuf":
            missing = np.isnan(data) if data.dtype.kind == "f" else np.zeros(data.shape, bool)
            values, inverse = np.unique(data[~missing], return_inverse=True)
            codes = np.full(data.shape, -1, dtype=np.int64)
            codes[~missing] = inverse.ravel()
            return _Coded(codes, tuple(values.tolist()), True)
    rows = [list(row) for row in data]
    if len({len(row) for row in rows}) > 1:
        raise AgreementError("Niet alle codeurs hebben evenveel eenheden.")
    seen: dict[Hashable, int] = {}
    for row in rows:
        for value in row:
            if not _is_missing(value) and value not in seen:
                seen[value] = len(seen)
    try:
        values = tuple(sorted(seen))
        ordered = True
    except TypeError:                        # values of kinds that do not compare
        values = tuple(seen)
        ordered = False
    index = {value: code for code, value in enumerate(values)}
    codes = np.array([[-1 if _is_missing(v) else index[v] for v in row] for row in rows],
                     dtype=np.int64).reshape(len(rows), len(rows[0]) if rows else 0)
    return _Coded(codes, values, ordered)


def _check_coders(coded: _Coded) -> None:
    if coded.coders < 2:
        raise AgreementError(_TOO_FEW_CODERS)


def _value_counts(codes: np.ndarray, n_values: int) -> np.ndarray:
    """units x values: how many coders gave each value to each unit."""
    units = codes.shape[1]
    present = codes >= 0
    flat = (np.broadcast_to(np.arange(units), codes.shape) * n_values + codes)[present]
    return np.bincount(flat, minlength=units * n_values).reshape(units, n_values).astype(float)


def _unit_types(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct columns (coders x types), each unit's type, and how many units per type."""
    if codes.shape[1] == 0:
        return codes, np.zeros(0, np.int64), np.zeros(0, np.int64)
    types, inverse, counts = np.unique(codes, axis=1, return_inverse=True, return_counts=True)
    return types, inverse.ravel(), counts


# -- kernels: per-unit contributions and the statistic from their weighted sums -----------------
#
# A kernel turns a matrix of unit types into features (types x k) and gives `finish`, which
# maps weighted sums of those features (resamples x k) to the statistic per resample (nan where
# undefined), and `size`, the number of units or values that entered each sum (0 = no data).

class _Kernel:
    def __init__(self, features: np.ndarray, finish: Callable[[np.ndarray], np.ndarray],
                 size: Callable[[np.ndarray], np.ndarray]):
        self.features = features
        self.finish = finish
        self.size = size

    def evaluate(self, weights: np.ndarray) -> np.ndarray:
        sums = weights.astype(float) @ self.features
        return self.finish(sums)


def _percent_kernel(types: np.ndarray, coded: _Coded, skip_uncoded: bool,
                    uncoded: Hashable) -> _Kernel:
    counts = _value_counts(types, len(coded.values))
    given = counts.sum(axis=1)
    pairable = given >= 2
    agree = pairable & (counts.max(axis=1, initial=0) == given)
    if skip_uncoded and uncoded in coded.index:
        all_uncoded = pairable & (counts[:, coded.index[uncoded]] == given)
        pairable &= ~all_uncoded
        agree &= ~all_uncoded
    features = np.column_stack([pairable, agree]).astype(float)

    def finish(sums: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(sums[:, 0] > 0, sums[:, 1] / sums[:, 0], np.nan)

    return _Kernel(features, finish, lambda sums: sums[:, 0])


def _kappa_kernel(types: np.ndarray, coded: _Coded) -> _Kernel:
    n_values = len(coded.values)
    first, second = types
    both = (first >= 0) & (second >= 0)
    features = np.zeros((types.shape[1], n_values * n_values))
    features[np.flatnonzero(both), (first * n_values + second)[both]] = 1.0

    def finish(sums: np.ndarray) -> np.ndarray:
        table = sums.reshape(-1, n_values, n_values)
        total = table.sum(axis=(1, 2))
        observed = np.trace(table, axis1=1, axis2=2)
        chance = np.einsum("bc,bc->b", table.sum(axis=2), table.sum(axis=1))
        # kappa = (p_o - p_e) / (1 - p_e), multiplied through by total^2: all integers here,
        # so the test for an undefined kappa (p_e = 1) is exact.
        numerator = total * observed - chance
        denominator = total * total - chance
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(denominator > 0, numerator / denominator, np.nan)

    return _Kernel(features, finish, lambda sums: sums.sum(axis=1))


def _ordinal_distances(marginals: np.ndarray) -> np.ndarray:
    """Krippendorff's ordinal metric per resample: delta_ck = (sum_{g=c..k} n_g - (n_c+n_k)/2)^2
    for resamples x values marginals; returns resamples x values x values."""
    n_values = marginals.shape[1]
    below = np.concatenate([np.zeros((marginals.shape[0], 1)), np.cumsum(marginals, axis=1)],
                           axis=1)                      # below[:, i] = sum of n_g for g < i
    i = np.arange(n_values)
    low, high = np.minimum.outer(i, i), np.maximum.outer(i, i)
    between = below[:, high + 1] - below[:, low]
    return (between - (marginals[:, :, None] + marginals[:, None, :]) / 2) ** 2


def _alpha(total: np.ndarray, observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """alpha = 1 - Do/De = 1 - (n - 1) * sum(o * delta) / sum(n_c * n_k * delta)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(expected > 0, 1 - (total - 1) * observed / expected, np.nan)


def _alpha_kernel(types: np.ndarray, coded: _Coded, level: str) -> _Kernel:
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    n_values = len(coded.values)
    counts = _value_counts(types, n_values)
    given = counts.sum(axis=1)
    pairable = given >= 2
    counts[~pairable] = 0.0
    scale = np.divide(1.0, given - 1, out=np.zeros_like(given), where=pairable)

    if level == "ordinal":
        if not coded.ordered:
            raise AgreementError("Voor ordinaal niveau moeten de waarden te ordenen zijn.")
        # The ordinal metric depends on the marginals, so each resample needs its whole
        # coincidence matrix: the features are each unit's coincidences, flattened.
        coincidences = counts[:, :, None] * counts[:, None, :]
        diagonal = np.arange(n_values)
        coincidences[:, diagonal, diagonal] -= counts
        features = (coincidences * scale[:, None, None]).reshape(len(counts), -1)

        def finish(sums: np.ndarray) -> np.ndarray:
            o = sums.reshape(-1, n_values, n_values)
            marginals = o.sum(axis=2)
            delta = _ordinal_distances(marginals)
            observed = (o * delta).sum(axis=(1, 2))
            expected = np.einsum("bc,bck,bk->b", marginals, delta, marginals)
            return _alpha(marginals.sum(axis=1), observed, expected)

        return _Kernel(features, finish, lambda sums: sums.sum(axis=1))

    if level == "interval":
        if not all(isinstance(v, numbers.Real) for v in coded.values):
            raise AgreementError("Voor intervalniveau moeten alle waarden getallen zijn.")
        points = np.array(coded.values, dtype=float)
        delta = (points[:, None] - points[None, :]) ** 2
    else:
        delta = 1.0 - np.eye(n_values)
    # With a fixed metric a unit contributes its values (n_uc) and its observed disagreement
    # sum_ck o_uck delta_ck = n_u' delta n_u / (m_u - 1) (delta is 0 on the diagonal).
    disagreement = np.einsum("tc,ck,tk->t", counts, delta, counts) * scale
    features = np.column_stack([counts, disagreement])

    def finish(sums: np.ndarray) -> np.ndarray:
        marginals = sums[:, :n_values]
        expected = np.einsum("bc,ck,bk->b", marginals, delta, marginals)
        return _alpha(marginals.sum(axis=1), sums[:, n_values], expected)

    return _Kernel(features, finish, lambda sums: sums[:, :n_values].sum(axis=1))


def _point(coded: _Coded, make: Callable[[np.ndarray], _Kernel], empty_message: str) -> float:
    types, _, counts = _unit_types(coded.codes)
    kernel = make(types)
    sums = counts[None, :].astype(float) @ kernel.features
    if kernel.size(sums)[0] == 0:
        raise AgreementError(empty_message)
    return float(kernel.finish(sums)[0])


# -- the statistics ---------------------------------------------------------------------------

def percent_agreement(data: Any, *, skip_uncoded: bool = False, uncoded: Hashable = 0) -> float:
    """The share of pairable units on which all coders who gave a value gave the same one.

    With skip_uncoded=True the units on which every coder present gave `uncoded` are left out
    (for a binary per-code matrix: the units nobody coded)."""
    coded = _encode(data)
    _check_coders(coded)
    if _pairable_units(coded) == 0:
        raise AgreementError(_TOO_FEW_UNITS)
    return _point(coded, lambda t: _percent_kernel(t, coded, skip_uncoded, uncoded),
                  _ALL_UNCODED)


def cohen_kappa(data: Any) -> float:
    """Cohen's kappa for exactly two coders (rows); units where either is missing are dropped.

    nan when the expected agreement is 1 (both coders used one and the same category)."""
    coded = _encode(data)
    _check_coders(coded)
    if coded.coders != 2:
        raise AgreementError("Cohens kappa vergelijkt precies twee codeurs, maar er zijn er "
                             f"{coded.coders}.")
    return _point(coded, lambda t: _kappa_kernel(t, coded), _TOO_FEW_UNITS)


def krippendorff_alpha(data: Any, level: str = "nominal") -> float:
    """Krippendorff's alpha from the coincidence matrix, for any number of coders and with
    missing values; `level` is "nominal", "ordinal" or "interval".

    Units with fewer than two values are not pairable and are dropped. When the expected
    disagreement is 0 (every pairable value in one category) alpha is 0/0 and the result is
    float('nan'), as with the `krippendorff` package."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    coded = _encode(data)
    _check_coders(coded)
    return _point(coded, lambda t: _alpha_kernel(t, coded, level), _TOO_FEW_UNITS)


def _pairable_units(coded: _Coded) -> int:
    return int(((coded.codes >= 0).sum(axis=0) >= 2).sum())


# -- bootstrap --------------------------------------------------------------------------------

def _kernel_maker(statistic: Callable) -> Callable[[_Coded], Callable[[np.ndarray], _Kernel]] | None:
    """For the statistics of this module (also as functools.partial with keyword arguments):
    how to build their kernel; None for any other callable."""
    func, kwargs = statistic, {}
    if isinstance(statistic, functools.partial):
        if statistic.args:
            return None
        func, kwargs = statistic.func, dict(statistic.keywords)
    if func is krippendorff_alpha and set(kwargs) <= {"level"}:
        level = kwargs.get("level", "nominal")
        return lambda coded: lambda t: _alpha_kernel(t, coded, level)
    if func is percent_agreement and set(kwargs) <= {"skip_uncoded", "uncoded"}:
        skip, uncoded = kwargs.get("skip_uncoded", False), kwargs.get("uncoded", 0)
        return lambda coded: lambda t: _percent_kernel(t, coded, skip, uncoded)
    if func is cohen_kappa and not kwargs:
        return lambda coded: lambda t: _kappa_kernel(t, coded)
    return None


def _resamples(rng: np.random.Generator, units: int, n: int) -> Iterator[np.ndarray]:
    """n resamples of unit indices (with replacement), in chunks of rows."""
    chunk = max(1, _BOOT_CHUNK // max(units, 1))
    for start in range(0, n, chunk):
        yield rng.integers(0, units, size=(min(chunk, n - start), units))


def _as_array(data: Any) -> np.ndarray:
    """The matrix as a numpy array whose columns can be taken: numeric arrays as they are,
    anything else as an object array (None stays None)."""
    if hasattr(data, "to_numpy"):
        data = data.to_numpy()
    if isinstance(data, np.ndarray):
        return data
    rows = [list(row) for row in data]
    out = np.empty((len(rows), len(rows[0]) if rows else 0), dtype=object)
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            out[i, j] = value
    return out


def bootstrap_ci(statistic: Callable[[Any], float], data: Any, *, n: int = 1000, seed: int = 0,
                 level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of `statistic` over units: each of the n resamples draws
    as many columns as there are, with replacement, from a generator seeded with `seed`.

    Resamples where the statistic is undefined (nan, or AgreementError) are skipped; when all
    are, the interval is (nan, nan). Raises AgreementError when the statistic cannot be
    computed on the data themselves. The statistics of this module (also wrapped in
    functools.partial with keyword arguments) are computed as weighted sums of per-unit
    contributions; any other callable gets each resample as a numpy array (an object array
    for list input) and is called once per resample, on the same resamples."""
    if n < 1:
        raise ValueError("n must be at least 1")
    if not 0 < level < 1:
        raise ValueError("level must lie between 0 and 1")
    statistic(data)                           # raises AgreementError on unusable data
    rng = np.random.default_rng(seed)
    make = _kernel_maker(statistic)
    values: list[np.ndarray] = []
    if make is not None:
        coded = _encode(data)
        types, type_of, _ = _unit_types(coded.codes)
        kernel = make(coded)(types)
        n_types = types.shape[1]
        for draws in _resamples(rng, coded.units, n):
            rows = len(draws)
            slots = type_of[draws] + (np.arange(rows) * n_types)[:, None]
            weights = np.bincount(slots.ravel(), minlength=rows * n_types).reshape(rows, n_types)
            sums = weights.astype(float) @ kernel.features
            values.append(np.where(kernel.size(sums) > 0, kernel.finish(sums), np.nan))
    else:
        matrix = _as_array(data)
        for draws in _resamples(rng, matrix.shape[1], n):
            chunk = np.full(len(draws), np.nan)
            for r, columns in enumerate(draws):
                try:
                    chunk[r] = statistic(matrix[:, columns])
                except AgreementError:
                    pass
            values.append(chunk)
    found = np.concatenate(values)
    found = found[~np.isnan(found)]
    if found.size == 0:
        return (math.nan, math.nan)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(found, [tail, 100 - tail])
    return (float(low), float(high))


# -- per-code matrices and the report ---------------------------------------------------------

def pooled_binary(matrices: Mapping[str, Any]) -> np.ndarray:
    """Per-code binary matrices of the same coders, side by side (units of all codes), for a
    statistic pooled over the codes. Missing stays nan."""
    if not matrices:
        raise AgreementError("Er zijn geen codes om overeenstemming over te berekenen.")
    arrays = [np.asarray(m, dtype=float) for m in matrices.values()]
    if any(a.ndim != 2 for a in arrays):
        raise ValueError("every matrix must be 2-D (coders x units)")
    if len({a.shape[0] for a in arrays}) > 1:
        raise AgreementError("De codes zijn niet door dezelfde codeurs gecodeerd.")
    return np.concatenate(arrays, axis=1)


def _defined(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def _summary(data: Any, *, seed: int, n_boot: int, uncoded: Hashable = 0) -> dict:
    """The statistics the app shows for one matrix; a statistic that is undefined is None."""
    coded = _encode(data)

    def attempt(compute: Callable[[], float]) -> float | None:
        try:
            return _defined(compute())
        except AgreementError:
            return None

    try:
        low, high = bootstrap_ci(krippendorff_alpha, data, n=n_boot, seed=seed)
        interval = [_defined(low), _defined(high)]
    except AgreementError:
        interval = [None, None]
    return {
        "percent_agreement": attempt(lambda: percent_agreement(data)),
        "percent_agreement_coded": attempt(
            lambda: percent_agreement(data, skip_uncoded=True, uncoded=uncoded)),
        "cohen_kappa": attempt(lambda: cohen_kappa(data)) if coded.coders == 2 else None,
        "krippendorff_alpha": attempt(lambda: krippendorff_alpha(data)),
        "alpha_ci": interval,
        "n_units": _pairable_units(coded),
    }


def report(per_code: Mapping[str, Any], *, nominal: Any = None, seed: int = 0,
           n_boot: int = 1000, nominal_uncoded: Hashable = 0) -> dict:
    """What the app shows: for each code, for all codes pooled, and for the code-set matrix
    `nominal` if given: percent agreement (also over coded units only), Cohen's kappa (None
    unless there are exactly two coders), nominal Krippendorff's alpha with its bootstrap
    interval, and the number of pairable units.

    The per-code matrices are binary (1 coded, 0 not coded, nan where the coder did not code
    the document). In the nominal matrix, `nominal_uncoded` marks a unit without a code (for
    "percent_agreement_coded"). Statistics that are undefined for a code are None; the report
    as a whole raises AgreementError when there are fewer than two coders or no unit that two
    coders coded."""
    pooled = pooled_binary(per_code)
    pooled_coded = _encode(pooled)
    _check_coders(pooled_coded)
    if _pairable_units(pooled_coded) == 0:
        raise AgreementError(_TOO_FEW_UNITS)
    return {
        "per_code": {code: _summary(matrix, seed=seed, n_boot=n_boot)
                     for code, matrix in per_code.items()},
        "pooled": _summary(pooled, seed=seed, n_boot=n_boot),
        "nominal": None if nominal is None else _summary(nominal, seed=seed, n_boot=n_boot,
                                                         uncoded=nominal_uncoded),
    }
