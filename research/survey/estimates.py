"""Design-based estimates of a survey: means, totals and proportions with their standard errors.

The variance is the Taylor linearisation of R's `survey` package (svydesign with strata, PSUs,
weights and fpc; `svymean`, `svytotal`, `svyby`), computed for many variables and many domains
at once. Everything is vectorised: rows are summed into (PSU, domain) cells with one sparse
matrix product, and the variance is built from those cell totals, never from a loop over rows.
A results table of many coded variables (answer codes) over several breakdowns goes through
`Domains`, which sums each variable's rows once per code and design cell and estimates all
variables of a breakdown from those sums (see the last section).

Conventions, the same as R's `survey` unless said otherwise:

- A missing answer (NaN) takes the row out of that variable's base but keeps the design whole
  (domain estimation as R's `subset()` does): PSUs without valid rows still count in m_h.
- A stratum with a single PSU contributes 0 to the variance (R's lonely.psu = "certainty"
  or "remove"; svy's `Singleton("skip")`). Failing, as R does by default, is of no use to a
  results table, and centring ("adjust") would invent variance the design cannot measure.
- The degrees of freedom of the design are PSUs minus strata (R's `degf`).
- Two stages (PSUs, then secondary units within them, each with its population count) add
  the second stage's variance as R's `multistage` does with its default
  `survey.ultimate.cluster = FALSE`: per PSU f_1 (1 - f_2) m_2 / (m_2 - 1) times the spread of
  its secondary units' totals, f_1 being the first stage's sampling fraction. Without a
  first-stage fpc that term is 0 (f_1 = 0) and the design is the ultimate-cluster one.
  Checked against R's apiclus2 example (tests/data/apiclus2.csv).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, fields, replace

import numpy as np
import pandas as pd
from scipy import sparse, stats

from research.errors import UserError

# Estimated proportions this close to 0 or 1 count as 0 or 1 (a mean of 0/1 indicators that
# is 1 up to rounding has no design-based variance, only a forced zero one).
BOUNDARY_TOLERANCE = 1e-12


class SurveyError(UserError):
    """A refused survey computation, with a plain Dutch message."""


# -- the design -------------------------------------------------------------------------------

def _factorize(labels: np.ndarray, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Codes 0..L-1 for any labels, and the distinct labels; missing labels are refused."""
    # An array as it is: a Series of a million texts would first be converted to a string
    # dtype, which takes longer than the factorising.
    codes, uniques = pd.factorize(labels if isinstance(labels, np.ndarray) else pd.Series(labels),
                                  sort=False)
    missing = int(np.count_nonzero(codes < 0))
    if missing:
        raise SurveyError(f"De {what} ontbreekt in {rows_text(missing)}.")
    return codes.astype(np.int64), np.asarray(uniques)


def rows_text(count: int) -> str:
    """'1 rij' or '3 rijen'."""
    return "1 rij" if count == 1 else f"{count} rijen"


def check_weights(weights) -> np.ndarray:
    """The weights as float64, refused (in Dutch) when missing, infinite or not positive."""
    try:
        w = np.asarray(weights, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise SurveyError("Het gewicht moet een getal zijn.") from exc
    if w.ndim != 1:
        raise ValueError(f"weights must be one-dimensional, got shape {w.shape}")
    missing = int(np.count_nonzero(np.isnan(w)))
    if missing:
        raise SurveyError(f"Het gewicht ontbreekt in {rows_text(missing)}.")
    infinite = int(np.count_nonzero(np.isinf(w)))
    if infinite:
        raise SurveyError(f"Het gewicht is oneindig groot in {rows_text(infinite)}.")
    bad = int(np.count_nonzero(w <= 0))
    if bad:
        raise SurveyError(f"Het gewicht moet groter dan 0 zijn ({rows_text(bad)} met 0 of minder).")
    return w


def _indicator(codes: np.ndarray, n_codes: int) -> sparse.csr_matrix:
    """The (n_codes, m) 0/1 matrix that puts row i in code codes[i]."""
    m = len(codes)
    return sparse.csr_matrix((np.ones(m), (codes, np.arange(m))), shape=(n_codes, m))


def _sum_by(codes: np.ndarray, n_codes: int, values: np.ndarray) -> np.ndarray:
    """Sums of the rows of `values` (m, k) per code (m,), as an (n_codes, k) array.

    A sparse indicator matrix times the values: one pass over the data for all k columns,
    where np.add.at would be slow and bincount would need a call per column.
    """
    return np.asarray(_indicator(codes, n_codes) @ values)


def _group_sum(design: "Design", cells: "_Cells", n_groups: int,
               values: np.ndarray) -> np.ndarray:
    """Sums of the rows of `values` (one per cell) per group, (G, k): through the (stratum,
    group) sums, which are runs when the cells are in that order (see _row_cells)."""
    if cells.in_order:
        by_key = _sum_by(cells.stratum * n_groups + cells.group, design.n_strata * n_groups,
                         values)
        return by_key.reshape((design.n_strata, n_groups) + values.shape[1:]).sum(axis=0)
    return _sum_by(cells.group, n_groups, values)


def _psu_sum(design: "Design", cells: "_Cells", values: np.ndarray) -> np.ndarray:
    """Sums of the rows of `values` (one per cell) per PSU, (P, k)."""
    if design.n_psu == design.n:
        # Every cell is a row and so a PSU of its own: nothing to add up.
        out = np.zeros((design.n_psu,) + values.shape[1:])
        out[cells.psu] = values
        return out
    return _sum_by(cells.psu, design.n_psu, values)


@dataclass(frozen=True, eq=False)
class Design:
    """A sample design: weights, optional strata, PSUs (clusters) and finite population
    correction, one value per row; for a two-stage design also the secondary units (`ssu`,
    nested within the PSUs) and the second stage's population per PSU (`fpc2`: the number of
    secondary units in the PSU, or the sampling fraction). Validated on construction; the
    factorised codes are computed once and kept, so that repeated estimates are cheap."""
    weights: np.ndarray
    strata: np.ndarray | None = None
    psu: np.ndarray | None = None
    fpc: np.ndarray | None = None
    ssu: np.ndarray | None = None
    fpc2: np.ndarray | None = None
    # Derived in __post_init__ (not arguments): the codes of each row's stratum and PSU, each
    # PSU's stratum, the PSUs per stratum and each stratum's variance scale; for two stages
    # (`_ssu` not None) each row's secondary unit, each one's PSU, the secondary units per PSU
    # and each PSU's second-stage factor.
    _stratum: np.ndarray = field(init=False, repr=False)
    _psu: np.ndarray = field(init=False, repr=False)
    _psu_stratum: np.ndarray = field(init=False, repr=False)
    _m: np.ndarray = field(init=False, repr=False)
    _scale: np.ndarray = field(init=False, repr=False)
    _ssu: np.ndarray | None = field(init=False, repr=False)
    _ssu_psu: np.ndarray = field(init=False, repr=False)
    _m2: np.ndarray = field(init=False, repr=False)
    _stage2: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        w = check_weights(self.weights)
        object.__setattr__(self, "weights", w)
        n = len(w)
        if n == 0:
            raise SurveyError("Er zijn geen respondenten om een schatting mee te maken.")
        for name in ("strata", "psu", "fpc", "ssu", "fpc2"):
            value = getattr(self, name)
            if value is not None and len(value) != n:
                raise ValueError(f"{name} has {len(value)} values for {n} weights")
        if self.ssu is not None and self.psu is None:
            raise SurveyError("Een tweede trap (secundaire eenheden) vraagt om clusters (PSU's) "
                              "in de eerste trap.")
        if self.fpc2 is not None and self.ssu is None:
            raise SurveyError("De populatie van de tweede trap (fpc2) vraagt om secundaire "
                              "eenheden.")
        stratum = (np.zeros(n, dtype=np.int64) if self.strata is None
                   else _factorize(self.strata, "stratum-waarde")[0])
        if self.psu is None:
            # Every row is a PSU: numbered by stratum, then row, as np.unique of the pairs
            # below would, by one stable sort of the strata (a fifth of the time).
            order = np.argsort(stratum, kind="stable")
            psu_code = np.empty(n, dtype=np.int64)
            psu_code[order] = np.arange(n)
            psu_stratum = stratum[order]
        else:
            cluster = _factorize(self.psu, "PSU-waarde (cluster)")[0]
            # PSU labels are nested within strata: number the (stratum, PSU) pairs. np.unique
            # sorts them by stratum first, so the PSUs of a stratum get consecutive codes.
            pairs, psu_code = np.unique(stratum * (cluster.max() + 1) + cluster,
                                        return_inverse=True)
            psu_stratum = pairs // (cluster.max() + 1)
        n_strata = int(stratum.max()) + 1
        m = np.bincount(psu_stratum, minlength=n_strata)
        object.__setattr__(self, "_stratum", stratum)
        object.__setattr__(self, "_psu", psu_code.astype(np.int64))
        object.__setattr__(self, "_psu_stratum", psu_stratum.astype(np.int64))
        object.__setattr__(self, "_m", m)
        f = self._sampling_fraction(stratum, m)
        object.__setattr__(self, "_scale", _stratum_scale(m, f))
        object.__setattr__(self, "_ssu", None)
        if self.ssu is not None:
            self._second_stage(f)

    def _second_stage(self, f1: np.ndarray) -> None:
        """The secondary units (numbered within their PSU) and per PSU the factor of its
        second-stage variance, f_1 (1 - f_2) m_2 / (m_2 - 1): 0 for a PSU with one secondary
        unit, and for every PSU when the first stage has no fpc (f_1 = 0)."""
        assert self.ssu is not None  # only called for a design with secondary units
        unit = _factorize(self.ssu, "secundaire eenheid")[0]
        pairs, ssu_code = np.unique(self._psu * (unit.max() + 1) + unit, return_inverse=True)
        ssu_psu = (pairs // (unit.max() + 1)).astype(np.int64)
        m2 = np.bincount(ssu_psu, minlength=self.n_psu)
        if self.fpc2 is None:
            f2 = np.zeros(self.n_psu)
        else:
            try:
                fpc2 = np.asarray(self.fpc2, dtype=np.float64)
            except (TypeError, ValueError) as exc:
                raise SurveyError("De populatie van de tweede trap (fpc2) moet een getal "
                                  "zijn.") from exc
            bad = np.isnan(fpc2) | (fpc2 < 0)
            if bad.any():
                raise SurveyError("De populatie van de tweede trap (fpc2) ontbreekt of is "
                                  f"negatief in {rows_text(int(np.count_nonzero(bad)))}.")
            per_psu = pd.Series(fpc2).groupby(self._psu).agg(["min", "max"])
            if (per_psu["min"] != per_psu["max"]).any():
                raise SurveyError("De populatie van de tweede trap (fpc2) moet binnen een PSU "
                                  "overal gelijk zijn.")
            value = per_psu["min"].reindex(range(self.n_psu)).to_numpy()
            too_small = (value >= 1) & (value < m2)
            if too_small.any():
                raise SurveyError(
                    f"Een PSU telt {m2[too_small][0]} getrokken secundaire eenheden maar een "
                    f"populatie van {value[too_small][0]:g} (fpc2); controleer de fpc2.")
            with np.errstate(divide="ignore"):
                f2 = np.where(value >= 1, m2 / value, value)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale2 = np.where(m2 > 1, (1.0 - f2) * m2 / (m2 - 1.0), 0.0)
        factor = np.nan_to_num(f1)[self._psu_stratum] * scale2
        object.__setattr__(self, "_ssu", ssu_code.astype(np.int64))
        object.__setattr__(self, "_ssu_psu", ssu_psu)
        object.__setattr__(self, "_m2", m2)
        object.__setattr__(self, "_stage2", factor)

    @property
    def two_stage(self) -> bool:
        """Whether the second stage adds to the variance (secondary units, a first-stage fpc
        and some PSU with more than one secondary unit)."""
        return self._ssu is not None and bool((self._stage2 > 0).any()) \
            and self.n_psu < self.n

    def _sampling_fraction(self, stratum: np.ndarray, m: np.ndarray) -> np.ndarray:
        """The sampling fraction of PSUs per stratum from the fpc (0 without one)."""
        if self.fpc is None:
            return np.zeros(len(m))
        try:
            fpc = np.asarray(self.fpc, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise SurveyError("De eindige-populatiecorrectie (fpc) moet een getal zijn.") from exc
        if np.isnan(fpc).any() or (fpc < 0).any():
            bad = int(np.count_nonzero(np.isnan(fpc) | (fpc < 0)))
            raise SurveyError("De eindige-populatiecorrectie (fpc) ontbreekt of is negatief in "
                              f"{rows_text(bad)}.")
        per_stratum = pd.Series(fpc).groupby(stratum).agg(["min", "max"])
        varying = per_stratum.index[per_stratum["min"] != per_stratum["max"]]
        if len(varying):
            labels = ", ".join(f"'{self._stratum_label(code)}'" for code in varying[:5])
            raise SurveyError("De eindige-populatiecorrectie (fpc) moet binnen een stratum "
                              f"overal gelijk zijn; dat is niet zo in stratum {labels}.")
        value = per_stratum["min"].to_numpy()
        # As R's svydesign: a value of 1 or more is the number of PSUs in the population of the
        # stratum, a value below 1 the sampling fraction itself.
        too_small = (value >= 1) & (value < m)
        if too_small.any():
            code = int(np.flatnonzero(too_small)[0])
            raise SurveyError(
                f"De populatie van stratum '{self._stratum_label(code)}' ({value[code]:g}) is "
                f"kleiner dan het aantal getrokken eenheden ({m[code]}); controleer de fpc.")
        with np.errstate(divide="ignore"):
            return np.where(value >= 1, m / value, value)

    def _stratum_label(self, code: int):
        """The original label of a stratum code (for messages)."""
        if self.strata is None:
            return "alle rijen"
        return _factorize(self.strata, "stratum-waarde")[1][code]

    @classmethod
    def from_frame(cls, df: pd.DataFrame, weight: str | None = None, strata: str | None = None,
                   psu: str | None = None, fpc: str | None = None) -> "Design":
        """A design from the columns of a DataFrame (names, or None for not used; no weight
        column means every weight is 1)."""
        for column in (weight, strata, psu, fpc):
            if column is not None and column not in df.columns:
                raise SurveyError(f"De kolom '{column}' staat niet in de gegevens.")

        def labels(column):
            return None if column is None else df[column].to_numpy()

        weights = np.ones(len(df)) if weight is None else _numeric_column(df, weight, "gewicht")
        return cls(weights, labels(strata), labels(psu),
                   None if fpc is None else _numeric_column(df, fpc, "fpc"))

    @property
    def n(self) -> int:
        """Number of rows."""
        return len(self.weights)

    @property
    def n_psu(self) -> int:
        """Number of PSUs (within-stratum pairs)."""
        return len(self._psu_stratum)

    @property
    def n_strata(self) -> int:
        """Number of strata."""
        return len(self._m)

    @property
    def df(self) -> int:
        """Degrees of freedom as R's degf(): number of PSUs minus number of strata."""
        return self.n_psu - self.n_strata


def _numeric_column(df: pd.DataFrame, column: str, what: str) -> np.ndarray:
    """A column as float64 with NaN for missing; text that is not a number is refused."""
    values = pd.to_numeric(df[column], errors="coerce")
    not_numbers = int((values.isna() & df[column].notna()).sum())
    if not_numbers:
        raise SurveyError(f"De kolom '{column}' ({what}) bevat tekst in plaats van een getal "
                          f"in {rows_text(not_numbers)}.")
    return values.to_numpy(dtype=np.float64, na_value=np.nan)


def _stratum_scale(m: np.ndarray, f: np.ndarray) -> np.ndarray:
    """Per stratum the factor (1 - f_h) m_h / (m_h - 1) of the between-PSU variance.

    Strata with one PSU get 0: they contribute nothing (R's lonely.psu = "certainty").
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = (1.0 - f) * m / (m - 1.0)
    return np.where(m > 1, scale, 0.0)


# -- results ----------------------------------------------------------------------------------

@dataclass
class Estimates:
    """Estimates per domain (rows) and variable (columns); every array has shape (groups, k).

    `n` is the unweighted count of valid rows in the domain, `neff` Kish's effective n of
    those rows, `wsum` the sum of their weights. `df` is the domain's own degrees of freedom
    as R's degf() of subset(design, domain): PSUs minus strata among the PSUs with valid rows
    in the domain (svy reports the same); the design's df is `Design.df`.
    """
    estimate: np.ndarray
    se: np.ndarray
    n: np.ndarray
    neff: np.ndarray
    wsum: np.ndarray
    df: np.ndarray | None = None


@dataclass
class _Cells:
    """Row sums per (PSU, group) cell, the building block of every estimate.

    Only cells that hold rows exist; `psu`, `group` and `stratum` say which cell each is.
    In a two-stage design the cells are (secondary unit, group) cells, `ssu` says which
    secondary unit (several cells then share a PSU and a group; see `_psu_level`).
    """
    psu: np.ndarray
    group: np.ndarray
    stratum: np.ndarray
    wy: np.ndarray     # sum of w*y over valid rows, (C, k)
    w: np.ndarray      # sum of w over valid rows
    w2: np.ndarray     # sum of w^2 over valid rows
    count: np.ndarray  # number of valid rows
    in_order: bool     # cells sorted by (stratum, group): their sums per group are runs
    ssu: np.ndarray | None = None


def _as_matrix(design: Design, Y) -> np.ndarray:
    """Y as a float (n, k) array (a vector becomes one column)."""
    y = np.asarray(Y, dtype=np.float64)
    if y.ndim == 1:
        y = y[:, None]
    if y.ndim != 2 or y.shape[0] != design.n:
        raise ValueError(f"Y must have {design.n} rows, got shape {np.shape(Y)}")
    return y


def _group_codes(design: Design, groups, n_groups: int | None) -> tuple[np.ndarray, int]:
    """The group code per row (-1 = in no group) and the number of groups."""
    if groups is None:
        return np.zeros(design.n, dtype=np.int64), 1 if n_groups is None else n_groups
    codes = np.asarray(groups)
    if codes.shape != (design.n,) or not np.issubdtype(codes.dtype, np.integer):
        raise ValueError(f"groups must be an integer array of {design.n} codes")
    codes = codes.astype(np.int64)
    if n_groups is None:
        n_groups = int(codes.max()) + 1 if len(codes) else 0
    if (codes < -1).any() or (codes >= n_groups).any():
        raise ValueError(f"group codes must lie in -1..{n_groups - 1}")
    return codes, n_groups


def _cells(design: Design, y: np.ndarray, groups: np.ndarray, n_groups: int) -> _Cells:
    """Sum the rows in a group into their (PSU, group) cells, for all columns at once."""
    rows = np.flatnonzero(groups >= 0)
    if design.n_psu == design.n:
        return _row_cells(design, y, groups, rows, n_groups)
    two_stage = design.two_stage
    unit = design._ssu if two_stage else design._psu
    assert unit is not None  # two_stage implies secondary units
    key = unit[rows] * n_groups + groups[rows]
    cell_key, cell_of_row = np.unique(key, return_inverse=True)
    y = y[rows]
    valid = ~np.isnan(y)
    w = design.weights[rows, None]
    wv = np.where(valid, w, 0.0)
    # One indicator matrix for the four sums; (n, k) temporaries one at a time.
    indicator = _indicator(cell_of_row, len(cell_key))
    unit = cell_key // n_groups
    psu = design._ssu_psu[unit] if two_stage else unit
    stratum = design._psu_stratum[psu]
    order = stratum * n_groups + cell_key % n_groups
    return _Cells(psu=psu, group=cell_key % n_groups, stratum=stratum,
                  wy=indicator @ np.where(valid, w * y, 0.0), w=indicator @ wv,
                  w2=indicator @ (wv * w), count=indicator @ valid.astype(np.float64),
                  in_order=len(order) > 1 and bool((order[1:] >= order[:-1]).all()),
                  ssu=unit if two_stage else None)


def _psu_level(design: Design, cells: _Cells, n_groups: int, *values: np.ndarray
               ) -> tuple[_Cells, list[np.ndarray]]:
    """Two-stage cells (secondary unit, group) summed into (PSU, group) cells, and `values`
    (one row per cell) summed the same way; one-stage cells as they are."""
    if cells.ssu is None:
        return cells, list(values)
    key, index = np.unique(cells.psu * n_groups + cells.group, return_inverse=True)

    def summed(a: np.ndarray) -> np.ndarray:
        return _sum_by(index, len(key), a)

    psu, group = key // n_groups, key % n_groups
    stratum = design._psu_stratum[psu]
    order = stratum * n_groups + group
    merged = _Cells(psu=psu, group=group, stratum=stratum, wy=summed(cells.wy),
                    w=summed(cells.w), w2=summed(cells.w2), count=summed(cells.count),
                    in_order=len(order) > 1 and bool((order[1:] >= order[:-1]).all()))
    return merged, [summed(a) for a in values]


def _second_stage_covariance(design: Design, cells: _Cells, a: np.ndarray, b: np.ndarray,
                             n_groups: int) -> np.ndarray:
    """The second stage's part of Cov(sum a, sum b) per (group, column): per PSU its factor
    (`Design._second_stage`) times sum_k (A_k - mean A)(B_k - mean B) over its m_2 secondary
    units, A_k the sum of `a` over the cells of unit k (0 for a unit without a cell). `a`
    and `b` hold a row per (secondary unit, group) cell."""
    key = cells.psu * n_groups + cells.group
    size = design.n_psu * n_groups
    m2 = np.repeat(design._m2, n_groups).astype(np.float64)[:, None]
    mean_a, mean_b = _sum_by(key, size, a) / m2, _sum_by(key, size, b) / m2
    present = np.bincount(key, minlength=size)[:, None]
    products = _sum_by(key, size, (a - mean_a[key]) * (b - mean_b[key]))
    products += (m2 - present) * mean_a * mean_b
    factor = np.repeat(design._stage2, n_groups)[:, None]
    return (factor * products).reshape(design.n_psu, n_groups, a.shape[1]).sum(axis=0)


def _row_cells(design: Design, y: np.ndarray, groups: np.ndarray, rows: np.ndarray,
               n_groups: int) -> _Cells:
    """The cells when every PSU is one row (no clusters): each row in a group is its own
    cell, so there is nothing to sum (summing through the indicator matrix took most of the
    time of a results table). The cells are put in (stratum, group) order, so that the sums
    per stratum and group are runs."""
    key = design._stratum[rows] * n_groups + groups[rows]
    if not (key[1:] >= key[:-1]).all():
        rows = rows[np.argsort(key, kind="stable")]
    if len(rows) < design.n or not (rows[1:] > rows[:-1]).all():
        y = y[rows]
    valid = ~np.isnan(y)
    w = design.weights[rows, None]
    wv = np.where(valid, w, 0.0)
    psu = design._psu[rows]
    return _Cells(psu=psu, group=groups[rows], stratum=design._psu_stratum[psu],
                  wy=np.where(valid, y, 0.0) * w, w=wv, w2=wv * w,
                  count=valid.astype(np.float64), in_order=len(rows) > 1)


def _cell_variance(design: Design, cells: _Cells, z: np.ndarray, n_groups: int) -> np.ndarray:
    """Variance per (group, column) from the linearised scores summed per cell, z (C, k).

    V = sum_h (1 - f_h) m_h / (m_h - 1) sum_j (Z_hj - mean_h Z)^2 over all m_h PSUs of the
    stratum; the PSUs without a cell of the group have Z = 0, so their share is added as
    (m_h - cells) * mean^2 instead of materialising them. Two-stage cells add the second
    stage's variance (`_second_stage_covariance`).
    """
    if cells.ssu is not None:
        merged, (summed,) = _psu_level(design, cells, n_groups, z)
        return _cell_variance(design, merged, summed, n_groups) \
            + _second_stage_covariance(design, cells, z, z, n_groups)
    n_strata = design.n_strata
    key = cells.stratum * n_groups + cells.group
    m = np.repeat(design._m, n_groups).astype(np.float64)
    total = _sum_by(key, n_strata * n_groups, z)
    mean = total / m[:, None]
    present = np.bincount(key, minlength=n_strata * n_groups)
    squares = _sum_by(key, n_strata * n_groups, (z - mean[key]) ** 2)
    squares += (m - present)[:, None] * mean ** 2
    scale = np.repeat(design._scale, n_groups)[:, None]
    return (scale * squares).reshape(n_strata, n_groups, z.shape[1]).sum(axis=0)


def _domain_df(design: Design, cells: _Cells, n_groups: int) -> np.ndarray:
    """Per (group, column): PSUs minus strata among the PSUs with valid rows (R's degf of
    the subset)."""
    cells, _ = _psu_level(design, cells, n_groups)
    has_rows = (cells.count > 0).astype(np.float64)
    psus = _group_sum(design, cells, n_groups, has_rows)
    key = cells.stratum * n_groups + cells.group
    strata = (_sum_by(key, design.n_strata * n_groups, has_rows) > 0)
    strata = strata.reshape(design.n_strata, n_groups, has_rows.shape[1]).sum(axis=0)
    return (psus - strata).astype(np.int64)


def _estimate(design: Design, Y, groups, n_groups, ratio: bool) -> Estimates:
    """Means (ratio=True) or totals of the columns of Y per group, with linearised SEs."""
    y = _as_matrix(design, Y)
    codes, n_groups = _group_codes(design, groups, n_groups)
    return _from_cells(design, _cells(design, y, codes, n_groups), n_groups, ratio)


def _from_cells(design: Design, cells: _Cells, n_groups: int, ratio: bool) -> Estimates:
    """`_estimate` from the cells."""
    wsum = _group_sum(design, cells, n_groups, cells.w)
    wysum = _group_sum(design, cells, n_groups, cells.wy)
    n = _group_sum(design, cells, n_groups, cells.count)
    w2sum = _group_sum(design, cells, n_groups, cells.w2)
    empty = n == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        if ratio:
            estimate = wysum / wsum
            # z_i = w_i (y_i - mean) / sum(w), summed per cell.
            z = (cells.wy - estimate[cells.group] * cells.w) / wsum[cells.group]
        else:
            estimate = wysum
            z = cells.wy
        z = np.where(empty[cells.group], 0.0, z)
        se = np.sqrt(_cell_variance(design, cells, z, n_groups))
        neff = wsum ** 2 / w2sum
    # A domain without valid rows has nothing to estimate: NaN, also for a total.
    estimate = np.where(empty, np.nan, estimate)
    se = np.where(empty, np.nan, se)
    return Estimates(estimate=estimate, se=se, n=n.astype(np.int64),
                     neff=np.where(empty, np.nan, neff), wsum=wsum,
                     df=_domain_df(design, cells, n_groups))


def means(design: Design, Y, groups=None, n_groups: int | None = None) -> Estimates:
    """Weighted means of the columns of Y per group (domain), with Taylor-linearised SEs.

    Y is (n,) or (n, k) with NaN for missing; groups holds codes 0..G-1 per row, or -1 for a
    row in no group (None: one group of all rows). The mean is the ratio sum(w y)/sum(w) over
    the valid rows of the domain; its variance that of R's svyby(~y, ~g, design, svymean,
    na.rm=TRUE). A domain without valid rows gets NaN and n 0.
    """
    return _estimate(design, Y, groups, n_groups, ratio=True)


def totals(design: Design, Y, groups=None, n_groups: int | None = None) -> Estimates:
    """Weighted totals sum(w y) of the columns of Y per group, with linearised SEs (as R's
    svytotal). Same arguments as `means`; a domain without valid rows gets NaN."""
    return _estimate(design, Y, groups, n_groups, ratio=False)


def indicators(codes, categories) -> np.ndarray:
    """0/1 columns, one per category, for an array of answer codes; NaN where the code is
    missing or not one of the categories (so that row is out of the base)."""
    codes = np.asarray(codes, dtype=np.float64)
    categories = np.asarray(list(categories), dtype=np.float64)
    hit = codes[:, None] == categories[None, :]
    return np.where(hit.any(axis=1)[:, None], hit.astype(np.float64), np.nan)


def proportions(design: Design, codes, categories, groups=None,
                n_groups: int | None = None) -> Estimates:
    """The share (0..1) of each category among the rows answering one of `categories`, per
    group: one column per category, in the order given. Codes that are NaN or not in
    `categories` (e.g. 'weet niet' codes the caller left out) are out of the base."""
    return means(design, indicators(codes, categories), groups, n_groups)


# -- intervals and tests ----------------------------------------------------------------------

def _critical(level: float, df) -> np.ndarray:
    """Two-sided critical value: t with df degrees of freedom, the normal where df <= 0."""
    df = np.asarray(df, dtype=np.float64)
    q = 1.0 - (1.0 - level) / 2.0
    t = stats.t.ppf(q, np.where(df > 0, df, 1.0))
    return np.where(df > 0, t, stats.norm.ppf(q))


def _two_sided_p(statistic, df) -> np.ndarray:
    """Two-sided p-value of a t statistic with df degrees of freedom (normal where df is None
    or <= 0)."""
    statistic = np.abs(np.asarray(statistic, dtype=np.float64))
    if df is None:
        return 2.0 * stats.norm.sf(statistic)
    df = np.asarray(df, dtype=np.float64)
    t = 2.0 * stats.t.sf(statistic, np.where(df > 0, df, 1.0))
    return np.where(df > 0, t, 2.0 * stats.norm.sf(statistic))


def mean_ci(est, se, df, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Confidence interval est ± t_df * se.

    R's confint(svymean(...)) uses the normal quantile; this uses Student's t with the
    design's degrees of freedom (pass design.df, or Estimates.df for R's per-domain degf as
    svyciprop and svy use), which is wider for designs with few PSUs. df <= 0 falls back to
    the normal.
    """
    est = np.asarray(est, dtype=np.float64)
    half = _critical(level, df) * np.asarray(se, dtype=np.float64)
    return est - half, est + half


def _logit_ci(p, se, crit) -> tuple[np.ndarray, np.ndarray]:
    """As R's svyciprop(method="logit"): symmetric on the logit scale, back-transformed."""
    with np.errstate(divide="ignore", invalid="ignore"):
        logit = np.log(p / (1.0 - p))
        half = crit * se / (p * (1.0 - p))
        return 1.0 / (1.0 + np.exp(-(logit - half))), 1.0 / (1.0 + np.exp(-(logit + half)))


def _beta_ci(p, se, n, neff, df, level, cap_at_n) -> tuple[np.ndarray, np.ndarray]:
    """Korn-Graubard interval: Clopper-Pearson with the design-based effective sample size.

    As R's svyciprop(method="beta"): n_eff = p(1-p)/se^2, times (t_{n-1}/t_df)^2 (R uses
    qt(alpha/2, nrow(design)-1) / qt(alpha/2, degf(design))), then the beta quantiles with
    x = n_eff p. With cap_at_n the adjusted n_eff is at most n (Korn & Graubard 1998, the
    NCHS standard; svy's "korn-graubard"); R does not cap. At p = 0 or 1 the se carries no
    information, so Kish's neff (at most n) takes its place and the interval is one-sided;
    R gives NaN there.
    """
    alpha = 1.0 - level
    boundary = (p <= BOUNDARY_TOLERANCE) | (p >= 1.0 - BOUNDARY_TOLERANCE)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = np.where(boundary, np.minimum(neff, n), p * (1.0 - p) / se ** 2)
        t_n = stats.t.ppf(alpha / 2.0, np.where(n > 1, n - 1.0, 1.0))
        t_df = np.where(df > 0, stats.t.ppf(alpha / 2.0, np.where(df > 0, df, 1.0)),
                        stats.norm.ppf(alpha / 2.0))
        n_eff = np.where(n > 1, n_eff * (t_n / t_df) ** 2, n_eff)
        if cap_at_n:
            n_eff = np.minimum(n_eff, n)
        p = np.where(p <= BOUNDARY_TOLERANCE, 0.0, np.where(p >= 1 - BOUNDARY_TOLERANCE, 1.0, p))
        x = n_eff * p
        # Clopper-Pearson: the bound at x = 0 (or x = n_eff) is 0 (or 1) exactly.
        low = np.where(x > 0, stats.beta.ppf(alpha / 2.0, x, n_eff - x + 1.0), 0.0)
        high = np.where(n_eff - x > 0, stats.beta.ppf(1.0 - alpha / 2.0, x + 1.0, n_eff - x), 1.0)
    return low, high


def proportion_ci(est, se, n, neff, df, level: float = 0.95, method: str = "auto",
                  *, cap_at_n: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Confidence interval of a proportion (0..1), vectorised; NaN where undefined.

    method "logit": R's svyciprop(method="logit"), with t_df (normal where df <= 0).
    method "beta": Korn-Graubard as R's svyciprop(method="beta"), capped at n unless
    cap_at_n=False (then exactly R's); see _beta_ci. "auto": logit, unless p is 0 or 1 or
    the design-based effective count p(1-p)/se^2 * min(p, 1-p) is below 5, then beta.
    Where 0 < p < 1 and se is 0 the interval is (p, p), as in svy.
    """
    if method not in ("auto", "logit", "beta"):
        raise ValueError(f"unknown method {method!r}")
    p, se, n, neff, df = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64)
                                               for a in (est, se, n, neff, df)))
    boundary = (p <= BOUNDARY_TOLERANCE) | (p >= 1.0 - BOUNDARY_TOLERANCE)
    point = ~boundary & (se <= BOUNDARY_TOLERANCE)
    low_logit, high_logit = _logit_ci(p, se, _critical(level, df))
    low_logit = np.where(boundary, np.nan, low_logit)
    high_logit = np.where(boundary, np.nan, high_logit)
    if method == "logit":
        low, high = low_logit, high_logit
    else:
        low, high = _beta_ci(p, se, n, neff, df, level, cap_at_n)
        if method == "auto":
            use_beta = uses_beta(p, se)
            low = np.where(use_beta, low, low_logit)
            high = np.where(use_beta, high, high_logit)
    low = np.where(point, p, low)
    high = np.where(point, p, high)
    undefined = np.isnan(p) | np.isnan(se)
    return np.where(undefined, np.nan, low), np.where(undefined, np.nan, high)


def uses_beta(est, se) -> np.ndarray:
    """Where the "auto" interval of a proportion is Korn-Graubard rather than logit: p at 0
    or 1, or a design-based effective count p(1-p)/se^2 * min(p, 1-p) below 5."""
    p, se = (np.asarray(a, dtype=np.float64) for a in (est, se))
    boundary = (p <= BOUNDARY_TOLERANCE) | (p >= 1.0 - BOUNDARY_TOLERANCE)
    with np.errstate(divide="ignore", invalid="ignore"):
        count = p * (1.0 - p) / se ** 2 * np.minimum(p, 1.0 - p)
    return boundary | (count < 5)


def kish_neff(w) -> float:
    """Kish's effective sample size (sum w)^2 / sum w^2 (NaN without weights)."""
    w = np.asarray(w, dtype=np.float64)
    if w.size == 0:
        return float("nan")
    return float(w.sum() ** 2 / np.square(w).sum())


def domain_vs_rest(design: Design, Y, groups, n_groups: int | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each group's mean against the mean of the other groups together, per column.

    This is a crosstab's "each cell tested against the rest of the sample": diff = mean(g)
    - mean(rows in another group), where rows in no group (-1) and rows missing the variable
    take no part. The SE linearises the difference, z_g - z_rest over the same PSUs, so the
    covariance of the two means is included; the p-value is two-sided from t with design.df
    (normal if it is 0). Returns (diff, se, p), each (G, k); NaN where a side has no rows.
    """
    y = _as_matrix(design, Y)
    codes, n_groups = _group_codes(design, groups, n_groups)
    return _vs_rest(design, _cells(design, y, codes, n_groups), n_groups)


def means_against_rest(design: Design, Y, groups, n_groups: int | None = None
                       ) -> tuple[Estimates, np.ndarray]:
    """`means` and the p-values of `domain_vs_rest` together, from one pass over the data
    (what a crosstab needs)."""
    y = _as_matrix(design, Y)
    codes, n_groups = _group_codes(design, groups, n_groups)
    cells = _cells(design, y, codes, n_groups)
    return _from_cells(design, cells, n_groups, ratio=True), _vs_rest(design, cells,
                                                                       n_groups)[2]


def _vs_rest(design: Design, cells: _Cells, n_groups: int
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`domain_vs_rest` from the cells."""
    diff, se, undefined = _difference(design, cells, n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = _two_sided_p(diff / se, design.df)
    return (np.where(undefined, np.nan, diff), np.where(undefined, np.nan, se),
            np.where(undefined | (se == 0), np.nan, p))


def _difference(design: Design, cells: _Cells, n_groups: int
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """mean(g) - mean(rest), its SE and where it is undefined (a side without rows), each
    (G, k), from the cells."""
    cells = _centred(cells)
    w_g = _group_sum(design, cells, n_groups, cells.w)
    wy_g = _group_sum(design, cells, n_groups, cells.wy)
    w_rest = w_g.sum(axis=0) - w_g
    wy_rest = wy_g.sum(axis=0) - wy_g
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_g, mean_rest = wy_g / w_g, wy_rest / w_rest
        variance = _difference_variance(design, cells, n_groups, mean_g, mean_rest, w_g, w_rest)
        se = np.sqrt(np.maximum(variance, 0.0))
    return mean_g - mean_rest, se, (w_g == 0) | (w_rest == 0)


def _t_statistic(diff: np.ndarray, se: np.ndarray, undefined: np.ndarray) -> np.ndarray:
    """diff / se, NaN where `_vs_rest` gives no p-value (undefined, or an SE of 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(undefined | (se == 0), np.nan, diff / se)


def p_against_rest(t, df) -> np.ndarray:
    """The two-sided p-values of the t statistics of `Domains.means` (NaN stays NaN), with
    the design's degrees of freedom: the p-values of `domain_vs_rest`. Taken once for a whole
    table, as scipy's distributions cost a millisecond a call."""
    with np.errstate(invalid="ignore"):
        return _two_sided_p(t, df)


def _centred(cells: _Cells) -> _Cells:
    """The cells of y minus its weighted mean over the rows in a group: the sum of
    w (y - c) over a cell's valid rows is wy - c w.

    Differences of means and their linearised variance do not change under a shift of y; the
    shift keeps the sums in _difference_variance small, so they lose no precision to
    cancellation for variables with a large mean.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = cells.wy.sum(axis=0) / cells.w.sum(axis=0)
    return replace(cells, wy=cells.wy - np.nan_to_num(centre) * cells.w)


def _difference_variance(design, cells, n_groups, mean_g, mean_rest, w_g, w_rest):
    """Variance of mean(g) - mean(rest) for every group at once, (G, k).

    Per PSU p the score of the difference is D_p = a_p - b_p with
      a_p = (Y_gp - mean_g W_gp)/W_g + (Y_gp - mean_rest W_gp)/W_rest  (only in g's cells),
      b_p = (T_p - mean_rest U_p)/W_rest  (T, U: PSU totals of w*y and w over all groups).
    V(D) = V(a) - 2 Cov(a, b) + V(b): V(a) from the cells, V(b) from three PSU-level sums
    shared by all groups, and Cov(a, b) = sum_h scale_h sum_{cells in h} a_c (b_c - mean_h b),
    which needs b only at g's own cells. So the cost is that of one set of means, not G.
    """
    g = cells.group
    a = ((cells.wy - mean_g[g] * cells.w) / w_g[g]
         + (cells.wy - mean_rest[g] * cells.w) / w_rest[g])
    a = np.where(np.isfinite(a), a, 0.0)
    var_a = _cell_variance(design, cells, a, n_groups)

    # PSU totals over all groups, centred within their stratum.
    t_dev = _stratum_centred(design, _psu_sum(design, cells, cells.wy))
    u_dev = _stratum_centred(design, _psu_sum(design, cells, cells.w))
    scale = design._scale[design._psu_stratum][:, None]
    vtt = (scale * t_dev * t_dev).sum(axis=0)
    vtu = (scale * t_dev * u_dev).sum(axis=0)
    vuu = (scale * u_dev * u_dev).sum(axis=0)
    var_b = (vtt - 2.0 * mean_rest * vtu + mean_rest ** 2 * vuu) / w_rest ** 2

    b_dev = (t_dev[cells.psu] - mean_rest[g] * u_dev[cells.psu]) / w_rest[g]
    cov = _group_sum(design, cells, n_groups, design._scale[cells.stratum][:, None] * a * b_dev)
    if cells.ssu is not None:
        # The second stage: the same sums over the secondary units within each PSU.
        n_ssu = len(design._ssu_psu)
        t2 = _unit_centred(design, _sum_by(cells.ssu, n_ssu, cells.wy))
        u2 = _unit_centred(design, _sum_by(cells.ssu, n_ssu, cells.w))
        factor = design._stage2[design._ssu_psu][:, None]
        vtt2, vtu2, vuu2 = ((factor * x * y).sum(axis=0) for x, y in ((t2, t2), (t2, u2),
                                                                       (u2, u2)))
        var_b = var_b + (vtt2 - 2.0 * mean_rest * vtu2 + mean_rest ** 2 * vuu2) / w_rest ** 2
        b2 = (t2[cells.ssu] - mean_rest[g] * u2[cells.ssu]) / w_rest[g]
        cov = cov + _group_sum(design, cells, n_groups,
                               design._stage2[cells.psu][:, None] * a * b2)
    return var_a - 2.0 * cov + var_b


def _unit_centred(design: Design, unit_totals: np.ndarray) -> np.ndarray:
    """Secondary units' totals (S, k) minus the mean over their PSU's m_2 units."""
    psu_sum = _sum_by(design._ssu_psu, design.n_psu, unit_totals)
    return unit_totals - (psu_sum / design._m2[:, None])[design._ssu_psu]


def _stratum_centred(design: Design, psu_totals: np.ndarray) -> np.ndarray:
    """PSU totals (P, k) minus the mean of their stratum."""
    stratum_sum = _sum_by(design._psu_stratum, design.n_strata, psu_totals)
    return psu_totals - (stratum_sum / design._m[:, None])[design._psu_stratum]


def difference_independent(est1, se1, est2, se2, df=None
                           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """est2 - est1 for two independent samples (e.g. two waves), its SE sqrt(se1^2 + se2^2)
    and the two-sided p-value (normal, or t with df when given)."""
    diff = np.asarray(est2, dtype=np.float64) - np.asarray(est1, dtype=np.float64)
    se = np.hypot(np.asarray(se1, dtype=np.float64), np.asarray(se2, dtype=np.float64))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = _two_sided_p(diff / se, df)
    return diff, se, np.where(se > 0, p, np.nan)


# -- many coded variables over several breakdowns ---------------------------------------------
#
# A results table estimates every variable of a wave for every breakdown. Its variables are
# codes: per row an index into a small table of values (-1: out of the base), such as an
# answer category's 0/1 column or the distinct marks 1..10. Rows with the same code and the
# same *profile* -- the same stratum (PSU, with clusters) and the same group in every
# breakdown -- differ only in their weight. So one pass over the rows sums, per (profile,
# code), the weights, the squared weights and the count (`Domains.tally`), and every estimate
# of every breakdown follows from those few sums. The row-level estimator (`means`) instead
# takes an (n, k) float matrix per breakdown with a dozen temporaries of that size: at a
# million rows that was most of the time and the memory of a results table.

# Sums per (profile, code) are kept while there are at most this many per row of the design
# (or MIN_CELLS in all); a variable with more distinct values (an amount in euros) goes
# through the row-level estimator, ROW_CHUNK columns at a time.
CELLS_PER_ROW = 4
MIN_CELLS = 1 << 16
ROW_CHUNK = 16


def _compact(key: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of `key` (integers in 0..size-1), sorted, and each entry's index
    among them: by a bincount when `size` is small, by a sort otherwise."""
    if size <= max(CELLS_PER_ROW * len(key), MIN_CELLS):
        present = np.bincount(key, minlength=size) > 0
        return np.flatnonzero(present), (np.cumsum(present) - 1)[key]
    return np.unique(key, return_inverse=True)


def _per_profile(profile: np.ndarray, n_profiles: int, values: np.ndarray) -> np.ndarray:
    """The value of each profile, from the rows (equal within a profile by construction)."""
    out = np.empty(n_profiles, dtype=np.int64)
    out[profile] = values
    return out


@dataclass
class Tally:
    """A coded variable summed per (profile, code) by `Domains.tally`: weights, squared
    weights and counts, each (profiles, codes); None for a variable with too many distinct
    values, whose `codes` are then used row by row."""
    codes: np.ndarray | None
    n_codes: int
    w: np.ndarray | None = None
    w2: np.ndarray | None = None
    count: np.ndarray | None = None

    def present(self) -> np.ndarray:
        """Per code whether some row has it."""
        if self.count is not None:
            return self.count.sum(axis=0) > 0
        assert self.codes is not None  # a tally holds either the sums or the codes
        return np.bincount(self.codes[self.codes >= 0], minlength=self.n_codes) > 0

    def remapped(self, mapping: np.ndarray, n_codes: int) -> "Tally":
        """The tally with code c counted as code mapping[c] (-1: out of the base); codes
        mapped to one code are added up."""
        mapping = np.asarray(mapping, dtype=np.int64)
        if self.w is None:
            return Tally(np.append(mapping, -1)[self.codes], n_codes)
        assert self.w2 is not None and self.count is not None  # all three sums or none
        kept = mapping >= 0
        merge = np.zeros((self.n_codes, n_codes))
        merge[np.flatnonzero(kept), mapping[kept]] = 1.0
        count = np.rint(self.count @ merge).astype(np.int64)
        return Tally(None, n_codes, self.w @ merge, self.w2 @ merge, count)


@dataclass
class _Entries:
    """Without clusters (every row its own PSU), the coded columns of several variables in
    long form: the rows of a variable's base summed per (stratum, group, code), an entry per
    such atom and column of the variable. Per entry its column, stratum, group and value, and
    the sum of the weights, of the squared weights and the count of its rows."""
    column: np.ndarray
    stratum: np.ndarray
    group: np.ndarray
    y: np.ndarray
    w: np.ndarray
    w2: np.ndarray
    count: np.ndarray
    n_columns: int


class Domains:
    """Several groupings of a design's rows (the breakdowns of a results table), prepared once
    for the estimates of many coded variables (see above).

    `groupings` holds (group codes per row, -1 for a row in no group; number of groups). The
    estimates are those of `means`, `means_against_rest` and `totals` of the 0/1 or value
    columns the codes stand for, up to rounding.
    """

    def __init__(self, design: Design, groupings: list[tuple[np.ndarray, int]]):
        self.design = design
        self.groupings = [_group_codes(design, codes, n_groups) for codes, n_groups in groupings]
        self.clustered = design.n_psu < design.n
        base = design._psu if self.clustered else design._stratum
        profile = base
        for codes, n_groups in self.groupings:
            profile = pd.factorize(profile * (n_groups + 1) + (codes + 1))[0].astype(np.int64)
        n_profiles = int(profile.max()) + 1
        self.profile = profile
        self.profile_base = _per_profile(profile, n_profiles, base)
        self.profile_groups = [_per_profile(profile, n_profiles, codes)
                               for codes, _ in self.groupings]
        self.unweighted = bool((design.weights == 1.0).all())
        self.w2 = design.weights ** 2
        self._key_bases: dict[int, np.ndarray] = {}

    @property
    def n_profiles(self) -> int:
        return len(self.profile_base)

    def tally(self, codes, n_codes: int) -> Tally:
        """One pass over the rows of a coded variable: `codes` per row in -1..n_codes-1."""
        codes = np.asarray(codes)
        if codes.shape != (self.design.n,) or not np.issubdtype(codes.dtype, np.integer):
            raise ValueError(f"codes must be an integer array of {self.design.n} codes")
        if self.n_profiles * n_codes > max(CELLS_PER_ROW * self.design.n, MIN_CELLS) \
                or self.design.two_stage:
            # Too many sums to keep; or a two-stage design, whose second stage needs the
            # secondary units that the profiles (PSU and groups) do not keep.
            return Tally(codes.astype(np.int64), n_codes)
        # Per profile a column for the rows out of the base (code -1) before the codes, so
        # that the key is one addition: profile * (n_codes + 1) + 1 + code.
        width = n_codes + 1
        key = self._key_base(width) + codes
        shape = (self.n_profiles, width)

        def summed(weights: np.ndarray | None) -> np.ndarray:
            return np.bincount(key, weights, minlength=shape[0] * width).reshape(shape)[:, 1:]

        count = summed(None)
        if self.unweighted:
            w = w2 = count.astype(np.float64)
        else:
            w, w2 = summed(self.design.weights), summed(self.w2)
        return Tally(codes, n_codes, w, w2, count)

    def _key_base(self, width: int) -> np.ndarray:
        """profile * width + 1 per row, kept per width (variables share a few widths)."""
        base = self._key_bases.get(width)
        if base is None:
            base = self._key_bases[width] = self.profile * width + 1
        return base

    def means(self, tally: Tally, values, grouping: int, against_rest: bool = False
              ) -> tuple[Estimates, np.ndarray | None]:
        """The means of the columns of `values` (codes x k) per group of grouping number
        `grouping`, as `means`; with `against_rest` also the t statistics of each group
        against the rest (`p_against_rest` makes them the p-values of `domain_vs_rest`)."""
        return self.means_of([(tally, values)], grouping, against_rest)

    def means_of(self, variables: list[tuple[Tally, np.ndarray]], grouping: int,
                 against_rest: bool = False) -> tuple[Estimates, np.ndarray | None]:
        """`means` of several variables ((tally, values) each), their columns side by side:
        without clusters all in one vectorised pass, however many variables."""
        variables = [(tally, self._values(tally, values)) for tally, values in variables]
        design = self.design
        groups, n_groups = self.groupings[grouping]

        def from_cells(cells: _Cells) -> tuple[Estimates, np.ndarray | None]:
            t = _t_statistic(*_difference(design, cells, n_groups)) if against_rest else None
            return _from_cells(design, cells, n_groups, ratio=True), t

        def one(tally: Tally, values: np.ndarray) -> tuple[Estimates, np.ndarray | None]:
            if tally.w is None:
                return self._by_rows(tally, values, lambda y: from_cells(
                    _cells(design, y, groups, n_groups)))
            return from_cells(self._cells(tally, values, grouping))

        together = [i for i, (tally, _) in enumerate(variables)
                    if tally.w is not None and not self.clustered]
        parts: list = [None] * len(variables)
        if together:
            entries = _entries([self._atoms(*variables[i], grouping) for i in together])
            est = _entry_means(design, entries, n_groups)
            t = _entry_vs_rest(design, entries, n_groups) if against_rest else None
            sizes = [variables[i][1].shape[1] for i in together]
            for i, part in zip(together, _split(est, t, sizes), strict=True):
                parts[i] = part
        for i, (tally, values) in enumerate(variables):
            if parts[i] is None:
                parts[i] = one(tally, values)
        return joined(parts)

    def totals(self, tally: Tally, values, grouping: int) -> Estimates:
        """The totals of the columns of `values` per group, as `totals`.

        Without clusters they go row by row: the variance of a total, unlike that of a mean,
        changes when the values shift, so its sums of squares cannot be taken per code without
        losing the precision the row-level estimator keeps for values far from 0."""
        values = self._values(tally, values)
        design = self.design
        groups, n_groups = self.groupings[grouping]
        if tally.w is not None and self.clustered:
            return _from_cells(design, self._cells(tally, values, grouping), n_groups,
                               ratio=False)
        return self._by_rows(tally, values, lambda y: (totals(design, y, groups, n_groups),
                                                       None))[0]

    @staticmethod
    def _values(tally: Tally, values) -> np.ndarray:
        values = np.asarray(values, dtype=np.float64)
        if values.ndim != 2 or values.shape[0] != tally.n_codes:
            raise ValueError(f"values must have {tally.n_codes} rows, got {values.shape}")
        return values

    def _by_rows(self, tally: Tally, values: np.ndarray, estimate
                 ) -> tuple[Estimates, np.ndarray | None]:
        """`estimate` (of a (n, k) matrix) over the columns the codes stand for, ROW_CHUNK
        columns at a time, joined."""
        parts = []
        assert tally.codes is not None  # row by row: the codes are kept
        out_of_base = tally.codes < 0
        for start in range(0, values.shape[1], ROW_CHUNK):
            y = values[tally.codes, start:start + ROW_CHUNK]
            y[out_of_base] = np.nan
            parts.append(estimate(y))
        return joined(parts)

    def _atoms(self, tally: Tally, values: np.ndarray, grouping: int) -> tuple:
        """The tally of a variable summed per (stratum, group, code) of a grouping: per atom
        its stratum, group, code, weights, squared weights and count; and `values`."""
        n_groups = self.groupings[grouping][1]
        n_codes = tally.n_codes
        assert tally.w is not None and tally.w2 is not None and tally.count is not None
        group = self.profile_groups[grouping]
        cell = (self.profile_base * n_groups + group)[:, None] * n_codes + np.arange(n_codes)
        chosen = (group >= 0)[:, None] & (tally.count > 0)
        key, index = _compact(cell[chosen], self.design.n_strata * n_groups * n_codes)

        def summed(a: np.ndarray) -> np.ndarray:
            return np.bincount(index, a[chosen].astype(np.float64), minlength=len(key))

        stratum_group, code = np.divmod(key, n_codes)
        stratum, group = np.divmod(stratum_group, n_groups)
        return (stratum, group, code, summed(tally.w), summed(tally.w2), summed(tally.count),
                values)

    def _cells(self, tally: Tally, values: np.ndarray, grouping: int) -> _Cells:
        """With clusters: the tally of a variable summed per (PSU, group) cell, as `_cells`
        makes them from rows (cells without rows in the base hold zeros, which changes
        nothing)."""
        n_groups = self.groupings[grouping][1]
        group = self.profile_groups[grouping]
        keep = np.flatnonzero(group >= 0)
        cell_key, cell = _compact(self.profile_base[keep] * n_groups + group[keep],
                                  self.design.n_psu * n_groups)
        k = values.shape[1]

        def summed(a: np.ndarray) -> np.ndarray:
            return _sum_by(cell, len(cell_key), a[keep].astype(np.float64))

        assert tally.w is not None and tally.w2 is not None and tally.count is not None
        w, w2, count = summed(tally.w), summed(tally.w2), summed(tally.count)
        psu, group_of_cell = np.divmod(cell_key, n_groups)
        stratum = self.design._psu_stratum[psu]
        order = stratum * n_groups + group_of_cell
        wide = lambda a: np.repeat(a.sum(axis=1)[:, None], k, axis=1)  # noqa: E731
        return _Cells(psu=psu, group=group_of_cell, stratum=stratum, wy=w @ values, w=wide(w),
                      w2=wide(w2), count=wide(count),
                      in_order=len(order) > 1 and bool((order[1:] >= order[:-1]).all()))


def _entries(atoms: list[tuple]) -> _Entries:
    """The atoms of several variables (`Domains._atoms`) as entries: each atom once for each
    column of its variable, the columns numbered across the variables."""
    parts, first = [], 0
    for stratum, group, code, w, w2, count, values in atoms:
        k = values.shape[1]
        column = first + np.arange(k)
        parts.append((np.tile(column, len(code)), np.repeat(stratum, k), np.repeat(group, k),
                      values[code].ravel(), np.repeat(w, k), np.repeat(w2, k),
                      np.repeat(count, k)))
        first += k
    column, stratum, group, y, w, w2, count = (np.concatenate(arrays)
                                               for arrays in zip(*parts, strict=True))
    return _Entries(column, stratum, group, y, w, w2, count, n_columns=first)


def _split(est: Estimates, t: np.ndarray | None, sizes: list[int]
           ) -> list[tuple[Estimates, np.ndarray | None]]:
    """Estimates (and t statistics) of columns side by side, cut into parts of `sizes`."""
    bounds = np.cumsum([0] + sizes)
    return [(Estimates(**{f.name: getattr(est, f.name)[:, a:b] for f in fields(Estimates)}),
             None if t is None else t[:, a:b]) for a, b in itertools.pairwise(bounds)]


def joined(parts: list[tuple[Estimates, np.ndarray | None]]
           ) -> tuple[Estimates, np.ndarray | None]:
    """Parts of (estimates, t statistics or None) put side by side (columns)."""
    together = Estimates(**{f.name: np.concatenate([getattr(e, f.name) for e, _ in parts],
                                                   axis=1) for f in fields(Estimates)})
    if parts[0][1] is None:
        return together, None
    return together, np.concatenate([t for _, t in parts], axis=1)


def _by(key: np.ndarray, size: int, weights: np.ndarray) -> np.ndarray:
    """Sums of `weights` per key in 0..size-1."""
    return np.bincount(key, weights, minlength=size)


def _wide(entries: _Entries, n_groups: int, flat: np.ndarray) -> np.ndarray:
    """Per (column, group) sums, (K * G,), as a (G, K) table."""
    return flat.reshape(entries.n_columns, n_groups).T


def _moment_variance(design: Design, entries: _Entries, n_groups: int, first: np.ndarray,
                     second: np.ndarray) -> np.ndarray:
    """`_cell_variance` without clusters, (G, K), from sums over entries: `first` holds per
    entry the sum of the scores z of its rows, `second` the sum of z^2.

    Per stratum sum_j (z_j - mean)^2 over its m_h rows is sum z^2 - (sum z)^2 / m_h. The
    scores are centred on their domain's mean, so the two terms do not nearly cancel."""
    n_strata = design.n_strata
    size = entries.n_columns * n_strata * n_groups
    key = (entries.column * n_strata + entries.stratum) * n_groups + entries.group
    shape = (entries.n_columns, n_strata, n_groups)
    total = _by(key, size, first).reshape(shape)
    squares = _by(key, size, second).reshape(shape)
    m = design._m.astype(np.float64)[:, None]
    return (design._scale[:, None] * (squares - total ** 2 / m)).sum(axis=1).T


def _entry_means(design: Design, entries: _Entries, n_groups: int) -> Estimates:
    """`means` from entries: a row's score is z = w (y - mean) / W_g, so an entry holds
    sum z = W (y - mean) / W_g and sum z^2 = W2 (y - mean)^2 / W_g^2."""
    size = entries.n_columns * n_groups
    cell = entries.column * n_groups + entries.group
    wsum, w2sum = _by(cell, size, entries.w), _by(cell, size, entries.w2)
    n = _by(cell, size, entries.count)
    with np.errstate(divide="ignore", invalid="ignore"):
        estimate = _by(cell, size, entries.w * entries.y) / wsum
        share = (entries.y - estimate[cell]) / wsum[cell]
        variance = _moment_variance(design, entries, n_groups, entries.w * share,
                                    entries.w2 * share ** 2)
        neff = wsum ** 2 / w2sum
    # Every row is a PSU: the domain's PSUs are its rows, its strata those with an entry.
    key = cell * design.n_strata + entries.stratum
    strata = np.bincount(np.unique(key) // design.n_strata, minlength=size)
    empty = _wide(entries, n_groups, n == 0)
    return Estimates(estimate=np.where(empty, np.nan, _wide(entries, n_groups, estimate)),
                     se=np.where(empty, np.nan, np.sqrt(np.maximum(variance, 0.0))),
                     n=_wide(entries, n_groups, n.astype(np.int64)).copy(),
                     neff=np.where(empty, np.nan, _wide(entries, n_groups, neff)),
                     wsum=_wide(entries, n_groups, wsum).copy(),
                     df=_wide(entries, n_groups, (n - strata).astype(np.int64)).copy())


def _entry_vs_rest(design: Design, entries: _Entries, n_groups: int) -> np.ndarray:
    """The t statistics of `domain_vs_rest` from entries (no clusters), (G, K).

    The same scores as `_difference_variance`, summed per entry: a row of group g scores
    a = w e with e = (1/W_g + 1/W_rest) y - (mean_g/W_g + mean_rest/W_rest) (y centred as in
    `_centred`), and as a PSU of its own it has the totals t = w y and u = w over all groups.
    Then V(a), V(t), V(t, u), V(u) and Cov(a, t - mean_rest u) are sums of w e, w^2 e^2,
    w^2 e y, w^2 e, w y, w^2 y^2, w^2 y, w and w^2 over entries, per stratum (and group)."""
    n_columns, n_strata = entries.n_columns, design.n_strata
    w, w2, column = entries.w, entries.w2, entries.column
    cell = column * n_groups + entries.group
    by_cell = lambda x: _by(cell, n_columns * n_groups, x).reshape(n_columns, n_groups)  # noqa
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = np.nan_to_num(_by(column, n_columns, w * entries.y) / _by(column, n_columns, w))
        y = entries.y - centre[column]
        w_g, wy_g = by_cell(w), by_cell(w * y)
        w_rest = w_g.sum(axis=1, keepdims=True) - w_g
        wy_rest = wy_g.sum(axis=1, keepdims=True) - wy_g
        mean_g, mean_rest = wy_g / w_g, wy_rest / w_rest
        alpha = (1.0 / w_g + 1.0 / w_rest).ravel()
        e = alpha[cell] * y - (mean_g / w_g + mean_rest / w_rest).ravel()[cell]
        var_a = _moment_variance(design, entries, n_groups, w * e, w2 * e ** 2)

        # Per (column, stratum): the sums of the row totals t = w y and u = w.
        strata = column * n_strata + entries.stratum
        by_stratum = lambda x: _by(strata, n_columns * n_strata, x).reshape(  # noqa: E731
            n_columns, n_strata)
        m, scale = design._m.astype(np.float64), design._scale
        t, u = by_stratum(w * y), by_stratum(w)
        vtt = (scale * (by_stratum(w2 * y * y) - t * t / m)).sum(axis=1)[:, None]
        vtu = (scale * (by_stratum(w2 * y) - t * u / m)).sum(axis=1)[:, None]
        vuu = (scale * (by_stratum(w2) - u * u / m)).sum(axis=1)[:, None]
        var_b = (vtt - 2.0 * mean_rest * vtu + mean_rest ** 2 * vuu) / w_rest ** 2

        # Cov: per (stratum, group) sum a (t - t_h/m_h - mean_rest (u - u_h/m_h)) / W_rest.
        shape = (n_columns, n_strata, n_groups)
        key = strata * n_groups + entries.group
        a, at, au = (_by(key, int(np.prod(shape)), x).reshape(shape)
                     for x in (w * e, w2 * e * y, w2 * e))
        t_bar, u_bar = (t / m)[:, :, None], (u / m)[:, :, None]
        cov = (scale[None, :, None] * (at - t_bar * a - mean_rest[:, None, :]
                                       * (au - u_bar * a))).sum(axis=1) / w_rest

        se = np.sqrt(np.maximum(var_a.T - 2.0 * cov + var_b, 0.0))
        return _t_statistic((mean_g - mean_rest).T, se.T, ((w_g == 0) | (w_rest == 0)).T)
