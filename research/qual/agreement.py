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
_BOOT_CHUNK = 2_000_000   # bootstrap draws (unit indices or type counts) held at once


class AgreementError(UserError):
    """Agreement cannot be computed on these data (the message is Dutch, for the user)."""


# -- the reliability data matrix --------------------------------------------------------------

def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, (float, np.floating)) and math.isnan(value))


class Patterns:
    """A reliability data matrix given as its distinct columns (`columns`: coders x patterns,
    nan = missing) and how many units have each (`counts`).

    Every statistic here depends only on those: a project's per-code matrices over all its
    sentences (units x codes columns) need not be built, which would not fit in memory."""

    def __init__(self, columns: Any, counts: Any):
        self.columns = np.asarray(columns, dtype=float).reshape(len(columns), -1)
        self.counts = np.asarray(counts, dtype=np.int64)
        if self.columns.shape[1] != len(self.counts):
            raise ValueError("one count per pattern")

    @classmethod
    def of(cls, matrix: Any) -> Patterns:
        """The patterns of a numeric matrix (coders x units)."""
        matrix = np.asarray(matrix, dtype=float)
        keys = np.where(np.isnan(matrix), np.inf, matrix)   # unique() needs nan comparable
        columns, counts = np.unique(keys, axis=1, return_counts=True)
        return cls(np.where(np.isinf(columns), np.nan, columns), counts)


class _Coded:
    """A reliability data matrix as integer codes: `codes` (coders x columns, -1 = missing),
    `values` (the category of each code), whether the codes follow the values' order, and
    `weights`, the number of units each column stands for (None: one each)."""

    def __init__(self, codes: np.ndarray, values: tuple, ordered: bool,
                 weights: np.ndarray | None = None):
        self.codes = codes
        self.values = values
        self.ordered = ordered
        self.weights = weights
        self.index = {value: code for code, value in enumerate(values)}

    @functools.cached_property
    def unit_types(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return _unit_types(self.codes, self.weights)

    @property
    def coders(self) -> int:
        return self.codes.shape[0]

    @property
    def units(self) -> int:
        return self.codes.shape[1] if self.weights is None else int(self.weights.sum())


def _encode(data: Any) -> _Coded:
    if isinstance(data, Patterns):
        used = data.counts > 0
        coded = _encode(data.columns[:, used])
        coded.weights = data.counts[used]
        return coded
    if hasattr(data, "to_numpy"):           # a pandas DataFrame: coders as rows, like an array
        data = data.to_numpy()
    if isinstance(data, np.ndarray):
        if data.ndim != 2:
            raise ValueError(f"expected a 2-D matrix (coders x units), got {data.ndim} dimensions")
        if data.dtype.kind in "biuf":
            missing = np.isnan(data) if data.dtype.kind == "f" else np.zeros(data.shape, bool)
            uniques, inverse = np.unique(data[~missing], return_inverse=True)
            matrix = np.full(data.shape, -1, dtype=np.int64)
            matrix[~missing] = inverse.ravel()
            return _Coded(matrix, tuple(uniques.tolist()), True)
    rows = [list(row) for row in data]
    if len({len(row) for row in rows}) > 1:
        raise AgreementError("Niet alle codeurs hebben evenveel eenheden.")
    # Any: values of any kind, sorted when they compare (TypeError below when they do not).
    seen: dict[Any, int] = {}
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


def _unit_types(codes: np.ndarray, weights: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct columns (coders x types), how many units each type has (a column counting
    for its weight, if given), and the first column of each type."""
    coders, units = codes.shape
    if units == 0:
        return codes, np.zeros(0, np.int64), np.zeros(0, np.int64)
    base = int(codes.max(initial=-1)) + 2         # codes + 1 lie in [0, base)
    if coders * math.log2(base) < 62:
        # one integer per column: sorting those is much quicker than sorting columns
        keys = (codes + 1).T @ (base ** np.arange(coders, dtype=np.int64))
        _, first, inverse, counts = np.unique(keys, return_index=True, return_inverse=True,
                                              return_counts=True)
    else:
        _, first, inverse, counts = np.unique(codes, axis=1, return_index=True,
                                              return_inverse=True, return_counts=True)
    if weights is not None:
        counts = np.bincount(inverse.ravel(), weights=weights,
                             minlength=len(first)).astype(np.int64)
    return codes[:, first], counts, first


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

        def finish_ordinal(sums: np.ndarray) -> np.ndarray:
            o = sums.reshape(-1, n_values, n_values)
            marginals = o.sum(axis=2)
            delta = _ordinal_distances(marginals)
            observed = (o * delta).sum(axis=(1, 2))
            expected = np.einsum("bc,bck,bk->b", marginals, delta, marginals)
            return _alpha(marginals.sum(axis=1), observed, expected)

        return _Kernel(features, finish_ordinal, lambda sums: sums.sum(axis=1))

    if level == "interval":
        if not all(isinstance(v, numbers.Real) for v in coded.values):
            raise AgreementError("Voor intervalniveau moeten alle waarden getallen zijn.")
        points = np.array(coded.values, dtype=float)
        delta = (points[:, None] - points[None, :]) ** 2

        def quadratic(n: np.ndarray) -> np.ndarray:
            """n' delta n per row, as a matrix product (einsum over three operands does not
            use BLAS and takes seconds with hundreds of values)."""
            return ((n @ delta) * n).sum(axis=1)
    else:
        def quadratic(n: np.ndarray) -> np.ndarray:
            """n' delta n per row for delta = 1 - I: (sum n)^2 - sum n^2, without the
            values x values matrix (a code set of 300 codes has 301 values)."""
            return n.sum(axis=1) ** 2 - (n * n).sum(axis=1)
    # With a fixed metric a unit contributes its values (n_uc) and its observed disagreement
    # sum_ck o_uck delta_ck = n_u' delta n_u / (m_u - 1) (delta is 0 on the diagonal).
    disagreement = quadratic(counts) * scale
    features = np.column_stack([counts, disagreement])

    def finish(sums: np.ndarray) -> np.ndarray:
        marginals = sums[:, :n_values]
        return _alpha(marginals.sum(axis=1), sums[:, n_values], quadratic(marginals))

    return _Kernel(features, finish, lambda sums: sums[:, :n_values].sum(axis=1))


def _point(coded: _Coded, kernel: Callable[[np.ndarray], _Kernel], empty_message: str) -> float:
    types, counts, _ = coded.unit_types
    made = kernel(types)
    sums = counts[None, :].astype(float) @ made.features
    if made.size(sums)[0] == 0:
        raise AgreementError(empty_message)
    return float(made.finish(sums)[0])


def _percent_on(coded: _Coded, skip_uncoded: bool = False, uncoded: Hashable = 0) -> float:
    _check_coders(coded)
    if _pairable_units(coded) == 0:
        raise AgreementError(_TOO_FEW_UNITS)
    return _point(coded, lambda t: _percent_kernel(t, coded, skip_uncoded, uncoded),
                  _ALL_UNCODED)


def _kappa_on(coded: _Coded) -> float:
    _check_coders(coded)
    if coded.coders != 2:
        raise AgreementError("Cohens kappa vergelijkt precies twee codeurs, maar er zijn er "
                             f"{coded.coders}.")
    return _point(coded, lambda t: _kappa_kernel(t, coded), _TOO_FEW_UNITS)


def _alpha_on(coded: _Coded, level: str = "nominal") -> float:
    _check_coders(coded)
    return _point(coded, lambda t: _alpha_kernel(t, coded, level), _TOO_FEW_UNITS)


def _pairable_units(coded: _Coded) -> int:
    pairable = (coded.codes >= 0).sum(axis=0) >= 2
    return int(pairable.sum() if coded.weights is None else coded.weights[pairable].sum())


# -- the statistics ---------------------------------------------------------------------------

def percent_agreement(data: Any, *, skip_uncoded: bool = False, uncoded: Hashable = 0) -> float:
    """The share of pairable units on which all coders who gave a value gave the same one.

    With skip_uncoded=True the units on which every coder present gave `uncoded` are left out
    (for a binary per-code matrix: the units nobody coded)."""
    return _percent_on(_encode(data), skip_uncoded, uncoded)


def cohen_kappa(data: Any) -> float:
    """Cohen's kappa for exactly two coders (rows); units where either is missing are dropped.

    nan when the expected agreement is 1 (both coders used one and the same category)."""
    return _kappa_on(_encode(data))


def krippendorff_alpha(data: Any, level: str = "nominal") -> float:
    """Krippendorff's alpha from the coincidence matrix, for any number of coders and with
    missing values; `level` is "nominal", "ordinal" or "interval".

    Units with fewer than two values are not pairable and are dropped. When the expected
    disagreement is 0 (every pairable value in one category) alpha is 0/0 and the result is
    float('nan'), as with the `krippendorff` package."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    return _alpha_on(_encode(data), level)


# -- bootstrap --------------------------------------------------------------------------------

_Known = tuple[Callable[[_Coded], float], Callable[[_Coded, np.ndarray], _Kernel]]


def _known(statistic: Callable) -> _Known | None:
    """For the statistics of this module (also as functools.partial with keyword arguments):
    the point estimate and the kernel, both on encoded data; None for any other callable."""
    func, kwargs = statistic, {}
    if isinstance(statistic, functools.partial):
        if statistic.args:
            return None
        func, kwargs = statistic.func, dict(statistic.keywords)
    if func is krippendorff_alpha and set(kwargs) <= {"level"}:
        level = kwargs.get("level", "nominal")
        if level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
        return (lambda coded: _alpha_on(coded, level),
                lambda coded, types: _alpha_kernel(types, coded, level))
    if func is percent_agreement and set(kwargs) <= {"skip_uncoded", "uncoded"}:
        skip, uncoded = kwargs.get("skip_uncoded", False), kwargs.get("uncoded", 0)
        return (lambda coded: _percent_on(coded, skip, uncoded),
                lambda coded, types: _percent_kernel(types, coded, skip, uncoded))
    if func is cohen_kappa and not kwargs:
        return _kappa_on, lambda coded, types: _kappa_kernel(types, coded)
    return None


def _resample_weights(rng: np.random.Generator, type_counts: np.ndarray,
                      n: int) -> Iterator[np.ndarray]:
    """n bootstrap resamples of the units, in chunks, each as how often it drew a unit of each
    type (resamples x types).

    Drawing all U units with replacement gives type counts that are multinomial(U, counts/U);
    with few types that is far quicker than drawing U indices per resample, with many types
    (more than a fifth of the units) drawing indices and counting them is the quicker."""
    units, n_types = int(type_counts.sum()), len(type_counts)
    if n_types * 5 <= units:
        chunk = max(1, _BOOT_CHUNK // n_types)
        for start in range(0, n, chunk):
            yield rng.multinomial(units, type_counts / units, size=min(chunk, n - start))
        return
    type_of = np.repeat(np.arange(n_types), type_counts)
    chunk = max(1, _BOOT_CHUNK // units)
    for start in range(0, n, chunk):
        rows = min(chunk, n - start)
        slots = type_of[rng.integers(0, units, size=(rows, units))]
        slots += (np.arange(rows) * n_types)[:, None]
        yield np.bincount(slots.ravel(), minlength=rows * n_types).reshape(rows, n_types)


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
    computed on the data themselves.

    The statistics of this module (also wrapped in functools.partial with keyword arguments)
    are computed as weighted sums of per-unit contributions. Any other callable is called once
    per resample, on the same resamples, with the resampled matrix as a numpy array (an object
    array for list input) whose drawn columns come grouped by their values: unit order is not
    part of a resample."""
    _check_bootstrap(n, level)
    coded = _encode(data)
    known = _known(statistic)
    if known is not None:
        point, kernel = known
        point(coded)                          # raises AgreementError on unusable data
        return _bootstrap(coded, n, seed, level, kernel=lambda t: kernel(coded, t))
    statistic(data)
    return _bootstrap(coded, n, seed, level, call=statistic, matrix=_as_array(data))


def _check_bootstrap(n: int, level: float) -> None:
    if n < 1:
        raise ValueError("n must be at least 1")
    if not 0 < level < 1:
        raise ValueError("level must lie between 0 and 1")


def _bootstrap(coded: _Coded, n: int, seed: int, level: float, *,
               kernel: Callable[[np.ndarray], _Kernel] | None = None,
               call: Callable[[Any], float] | None = None,
               matrix: np.ndarray | None = None) -> tuple[float, float]:
    """The percentile interval over n resamples: by weighted sums of a kernel's per-unit
    features, or else by calling `call` on each resampled `matrix`."""
    rng = np.random.default_rng(seed)
    types, type_counts, first = coded.unit_types
    values: list[np.ndarray] = []
    if kernel is not None:
        made = kernel(types)
        for weights in _resample_weights(rng, type_counts, n):
            sums = weights.astype(float) @ made.features
            values.append(np.where(made.size(sums) > 0, made.finish(sums), np.nan))
    else:
        assert call is not None and matrix is not None
        for weights in _resample_weights(rng, type_counts, n):
            chunk = np.full(len(weights), np.nan)
            for r, drawn in enumerate(weights):
                try:
                    chunk[r] = call(matrix[:, np.repeat(first, drawn)])
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

def pooled_binary(matrices: Mapping[str, Any]) -> np.ndarray | Patterns:
    """Per-code binary matrices of the same coders, side by side (units of all codes), for a
    statistic pooled over the codes. Missing stays nan. Per-code `Patterns` pool into
    `Patterns`."""
    if not matrices:
        raise AgreementError("Er zijn geen codes om overeenstemming over te berekenen.")
    if all(isinstance(m, Patterns) for m in matrices.values()):
        if len({m.columns.shape[0] for m in matrices.values()}) > 1:
            raise AgreementError("De codes zijn niet door dezelfde codeurs gecodeerd.")
        return Patterns(np.concatenate([m.columns for m in matrices.values()], axis=1),
                        np.concatenate([m.counts for m in matrices.values()]))
    arrays = [np.asarray(m, dtype=float) for m in matrices.values()]
    if any(a.ndim != 2 for a in arrays):
        raise ValueError("every matrix must be 2-D (coders x units)")
    if len({a.shape[0] for a in arrays}) > 1:
        raise AgreementError("De codes zijn niet door dezelfde codeurs gecodeerd.")
    return np.concatenate(arrays, axis=1)


def _defined(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def _summary(coded: _Coded, *, seed: int, n_boot: int, uncoded: Hashable = 0) -> dict:
    """The statistics the app shows for one matrix; a statistic that is undefined is None."""
    def attempt(compute: Callable[[], float]) -> float | None:
        try:
            return _defined(compute())
        except AgreementError:
            return None

    alpha = attempt(lambda: _alpha_on(coded))
    interval: list[float | None] = [None, None]
    if alpha is not None:
        low, high = _bootstrap(coded, n_boot, seed, 0.95,
                               kernel=lambda t: _alpha_kernel(t, coded, "nominal"))
        interval = [_defined(low), _defined(high)]
    return {
        "percent_agreement": attempt(lambda: _percent_on(coded)),
        "percent_agreement_coded": attempt(lambda: _percent_on(coded, True, uncoded)),
        "cohen_kappa": attempt(lambda: _kappa_on(coded)) if coded.coders == 2 else None,
        "krippendorff_alpha": alpha,
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
    the document), as arrays or as `Patterns`. In the nominal matrix, `nominal_uncoded` marks a
    unit without a code (for "percent_agreement_coded"). Statistics that are undefined for a
    code are None; the report as a whole raises AgreementError when there are fewer than two
    coders or no unit that two coders coded."""
    _check_bootstrap(n_boot, 0.95)
    pooled = _encode(pooled_binary(per_code))
    _check_coders(pooled)
    if _pairable_units(pooled) == 0:
        raise AgreementError(_TOO_FEW_UNITS)
    return {
        "per_code": {code: _summary(_encode(matrix if isinstance(matrix, Patterns)
                                            else np.asarray(matrix, dtype=float)), seed=seed,
                                    n_boot=n_boot)
                     for code, matrix in per_code.items()},
        "pooled": _summary(pooled, seed=seed, n_boot=n_boot),
        "nominal": None if nominal is None else _summary(_encode(nominal), seed=seed,
                                                         n_boot=n_boot, uncoded=nominal_uncoded),
    }
