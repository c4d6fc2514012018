"""The results store: per wave, every indicator x breakdown x group estimated once.

`compute` runs the design-based estimator (`estimates.py`) over a whole wave: one pass over
each variable's stored codes sums them per design cell (`estimates.Domains.tally`), then one
vectorised call per breakdown and statistic estimates all variables from those sums. It
writes the long table `results` (estimate, SE, 95% interval, unweighted n, Kish effective n,
the n left out of the base, and the test of each group against the rest of the sample).
Pages then only filter and plot. `estimate` does the same for one variable on demand (the
command line, a breakdown by a question).

Proportions are stored as fractions (0..1), means and totals in the variable's unit.
"""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from research.accounts import User, require
from research.storage import Store, Tx, utcnow
from research.survey import estimates, monitors, waves
from research.survey.monitors import CATEGORICAL, FRAME_BREAKDOWNS, NUMERIC, MonitorError
from research.survey.ordering import natural_order

# Where a design setting can point besides a variable of the wave.
DESIGN_FIELDS = {"stratum": "_stratum", "psu": "_psu", "fpc": "_fpc", "unit": "_unit",
                 "gewicht": "_weight", "kalibratie": "_calibrated", **{
                     name: name for name in FRAME_BREAKDOWNS}}
COLUMNS = ["breakdown", "grp", "statistic", "variable_id", "category", "estimate", "se",
           "ci_low", "ci_high", "n", "neff", "missing_n", "p_rest", "ci_method"]


@dataclass
class ResolvedDesign:
    """The estimator's design and a Dutch sentence saying what it is."""
    design: estimates.Design
    settings: dict
    text: str


# -- the design -------------------------------------------------------------------------------

def _column(data: waves.WaveData, name: str, role: str) -> pd.Series:
    """A design column by its setting: a design field, a frame attribute or any variable of
    the wave (read for the design by `_design_fields`)."""
    frame = data.frame
    column = DESIGN_FIELDS.get(name, name)
    if column not in frame.columns:
        raise MonitorError(f"Ontwerp: kolom '{name}' ({role}) bestaat niet in deze meting. "
                           "Gebruik een vraag van de meting of een ontwerpveld (gewicht, "
                           "stratum, psu, fpc, unit, regio, grootteklasse, provincie).")
    return frame[column]


def resolve_design(store: Store, user: User, wave_id: int, data: waves.WaveData,
                   overrides: dict | None = None) -> ResolvedDesign:
    """The monitor's design for this wave, with `overrides` (weight, strata, psu, fpc, ssu,
    fpc2 naming columns) taking precedence, as the command line's flags do."""
    wave = store.one("SELECT monitor_id FROM waves WHERE id = ?", [wave_id])
    assert wave is not None  # `data` was read from it
    settings = _settings(store, user, wave_id, overrides)
    frame, n = data.frame, len(data.frame)
    weight_source = settings["weight"]
    parts = []
    if weight_source == "geen":
        weights = np.ones(n)
        parts.append("ongewogen")
    elif weight_source == "kalibratie" and frame["_calibrated"].notna().all():
        weights = frame["_calibrated"].to_numpy(float)
        parts.append("gewogen met het gekalibreerde gewicht")
    elif weight_source in ("bestand", "kalibratie"):
        weights = frame["_weight"].to_numpy(float)
        parts.append("gewogen met het gewicht uit het bestand"
                     if (weights != 1).any() else "ongewogen (geen gewicht in het bestand)")
    else:
        weights = pd.to_numeric(_column(data, weight_source, "gewicht"),
                                errors="coerce").to_numpy(float)
        parts.append(f"gewogen met '{weight_source}'")
    strata = psu = fpc = None
    if settings["strata"]:
        strata = _texts(_column(data, settings["strata"], "strata"), "Onbekend")
        parts.append(f"strata: {_name(settings['strata'])}")
    if settings["psu"]:
        psu = _texts(_column(data, settings["psu"], "clusters"), None).to_numpy()
        parts.append(f"clusters: {_name(settings['psu'])}")
    if settings["fpc"] == "kader":
        fpc = _frame_counts(store, wave["monitor_id"], settings["strata"], strata, n)
        parts.append("eindige-populatiecorrectie met het steekproefkader")
    elif settings["fpc"]:
        fpc = pd.to_numeric(_column(data, settings["fpc"], "fpc"), errors="coerce").to_numpy()
        parts.append(f"eindige-populatiecorrectie: {_name(settings['fpc'])}")
    ssu = fpc2 = None
    if settings.get("ssu"):
        ssu = _texts(_column(data, settings["ssu"], "secundaire eenheden"), None).to_numpy()
        parts.append(f"tweede trap: {_name(settings['ssu'])}")
    if settings.get("fpc2"):
        fpc2 = pd.to_numeric(_column(data, settings["fpc2"], "fpc tweede trap"),
                             errors="coerce").to_numpy()
        parts.append(f"populatie per cluster: {_name(settings['fpc2'])}")
    design = estimates.Design(weights=weights,
                              strata=None if strata is None else strata.to_numpy(),
                              psu=psu, fpc=fpc, ssu=ssu, fpc2=fpc2)
    return ResolvedDesign(design, settings, "; ".join(parts).capitalize() + ".")


def _texts(column: pd.Series, missing: str | None) -> pd.Series:
    """The column's values as text, `missing` where there is none: fillna and astype(str)
    by way of its few distinct values (a million texts converted one by one take a second)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes, uniques = column.cat.codes.to_numpy(), column.cat.categories
    else:
        codes, uniques = pd.factorize(column.to_numpy(dtype=object))
    texts = np.array([str(value) for value in uniques] + [missing], dtype=object)
    return pd.Series(texts[codes], index=column.index, dtype=object)


def _settings(store: Store, user: User, wave_id: int, overrides: dict | None = None) -> dict:
    """The monitor's design settings for the wave, with `overrides` taking precedence."""
    wave = store.one("SELECT monitor_id FROM waves WHERE id = ?", [wave_id])
    assert wave is not None, f"wave {wave_id}"
    settings = dict(monitors.monitor(store, user, wave["monitor_id"])["design"])
    settings.update({k: v for k, v in (overrides or {}).items() if v})
    return settings


def _design_fields(settings: dict) -> set[str]:
    """The columns of the wave that `resolve_design` reads with these settings (besides the
    frame unit and its attributes), for `waves.wave_design`."""
    weight = settings["weight"]
    fields_ = {"_weight", "_calibrated"} if weight in ("bestand", "kalibratie") else \
        set() if weight == "geen" else {DESIGN_FIELDS.get(weight, weight)}
    for key in ("strata", "psu", "fpc", "ssu", "fpc2"):
        if settings.get(key) and settings[key] != "kader":
            fields_.add(DESIGN_FIELDS.get(settings[key], settings[key]))
    return fields_


def _name(setting: str) -> str:
    return {"region": "regio", "size_class": "grootteklasse", "province": "provincie",
            "stratum": "stratum uit het bestand", "psu": "cluster uit het bestand",
            "fpc": "fpc uit het bestand", "unit": "eenheid"}.get(setting, f"'{setting}'")


# The frame attributes by their code and their Dutch name (what --by takes).
FRAME_NAMES = {**{code: code for code in FRAME_BREAKDOWNS},
               **{name.lower(): code for code, name in FRAME_BREAKDOWNS.items()}}


def breakdown_of(data: waves.WaveData, by: str | None) -> str:
    """What `by` names: 'totaal', a frame attribute (by its code or Dutch name: region or
    regio) or a single-choice question of the wave (by its name; a question's own name wins).
    Refused in Dutch with the breakdowns this wave has."""
    if by is None or not str(by).strip() or str(by).strip().lower() == "totaal":
        return "totaal"
    by = str(by).strip()
    choices = [name for name, var in data.variables.items()
               if var["type"] in CATEGORICAL - {"meervoudig"}]
    if by in choices:
        return by
    attribute = FRAME_NAMES.get(by.lower())
    present = [b for b in breakdowns(data) if b != "totaal"]
    if attribute in present:
        return attribute
    options = [FRAME_BREAKDOWNS[b].lower() for b in present] + choices
    if by in data.variables:
        kind = monitors.VARIABLE_TYPES[data.variables[by]['type']]
        problem = f"'{by}' is geen keuzevraag ({kind})."
    elif attribute:
        problem = f"deze meting heeft geen {FRAME_BREAKDOWNS[attribute].lower()} uit het kader."
    else:
        problem = f"'{by}' is geen van die."
    if not options:
        raise MonitorError(f"Deze meting kan niet worden uitgesplitst (geen kader en geen "
                           f"keuzevragen); {problem}")
    return _refuse_breakdown(options, problem)


def _refuse_breakdown(options: list[str], problem: str):
    listed = options[0] if len(options) == 1 else f"{', '.join(options[:-1])} of {options[-1]}"
    raise MonitorError(f"Uitsplitsen kan naar {listed}; {problem}")


def _frame_counts(store: Store, monitor_id: int, strata_setting: str | None,
                  strata: pd.Series | None, n: int) -> np.ndarray:
    """Per response the number of frame units in its stratum (the population of PSUs)."""
    if strata_setting is None:
        total = store.value("SELECT count(*) FROM frame_units WHERE monitor_id = ?", [monitor_id])
        return np.full(n, float(total))
    if strata_setting not in FRAME_BREAKDOWNS:
        raise MonitorError("Eindige-populatiecorrectie met het kader kan alleen met strata uit "
                           "het kader (regio, grootteklasse of provincie).")
    assert strata is not None  # made from `strata_setting`
    counts = {r["grp"]: r["n"] for r in store.rows(
        f"SELECT coalesce({strata_setting}, 'Onbekend') AS grp, count(*) AS n FROM frame_units"
        " WHERE monitor_id = ? GROUP BY 1", [monitor_id])}
    return strata.map(counts).to_numpy(float)


# -- groups and indicators --------------------------------------------------------------------

def _groups(data: waves.WaveData, breakdown: str) -> tuple[np.ndarray, list[str]]:
    """Group codes per response (-1 = in no group) and the group labels."""
    frame = data.frame
    if breakdown == "totaal":
        return np.zeros(len(frame), dtype=int), ["Totaal"]
    if breakdown in FRAME_BREAKDOWNS:
        codes, labels = pd.factorize(frame[breakdown], sort=True)
        labels = [str(label) for label in labels]
        # Groups in their natural order: size classes from small to large.
        ordered = natural_order(labels)
        position = np.array([ordered.index(label) for label in labels] + [-1], dtype=np.int64)
        return position[codes], ordered
    var = data.variables.get(breakdown)
    if var is None or var["type"] not in CATEGORICAL - {"meervoudig"}:
        breakdown_of(data, breakdown)      # refuses, naming what can be used
    assert var is not None
    values = waves.valid_values(var, frame[breakdown].to_numpy(float))
    cats = waves.categories(var, values)
    codes = np.full(len(values), -1)
    for index, cat in enumerate(cats):
        codes[values == cat] = index
    return codes, [monitors.value_label(var, cat) for cat in cats]


@dataclass
class _Coded:
    """How a variable's codes (`WaveData.codes`) become figures: `mapping` takes each code to
    a row of `values` (-1: out of the base), which holds the value of each figure (column),
    one figure per answer category (0/1), or the number itself."""
    var: dict
    statistics: tuple[str, ...]
    categories: list          # per figure: its answer category (None for a number)
    mapping: np.ndarray
    values: np.ndarray        # (figure codes, figures)


def _coded(var: dict, values: np.ndarray, present: np.ndarray) -> _Coded | None:
    """The figures of a variable whose codes stand for `values` (NaN: no answer), of which
    the `present` ones occur; None when it has none (no answer categories)."""
    valid = present & ~np.isnan(values) & ~np.isin(values, [float(c) for c in
                                                           var["missing_codes"]])
    if var["type"] in NUMERIC:
        statistics = ("gemiddelde", "totaal") if var["type"] == "getal" else ("gemiddelde",)
        numbers = np.unique(values[valid])
        return _Coded(var, statistics, [None], _positions(values, valid, numbers),
                      numbers[:, None])
    cats = waves.categories(var, values[valid])
    if not cats:
        return None
    return _Coded(var, ("aandeel",), cats, _positions(values, valid, np.asarray(cats)),
                  np.eye(len(cats)))


def _positions(values: np.ndarray, valid: np.ndarray, sorted_: np.ndarray) -> np.ndarray:
    """Per code the position of its value in `sorted_` (-1: not valid, or not in it)."""
    position = np.minimum(np.searchsorted(sorted_, values), max(len(sorted_) - 1, 0))
    known = valid & (len(sorted_) > 0)
    known[known] = sorted_[position[known]] == values[known]
    return np.where(known, position, -1)


# A multiple-response item: mentioned (> 0) or not among those who answered any item of
# its set (a share of respondents).
MENTIONED = _Coded({}, ("aandeel",), [1.0], np.arange(2), np.array([[0.0], [1.0]]))


def _mentioned(var: dict, values: np.ndarray, codes: np.ndarray, answered: np.ndarray
               ) -> np.ndarray:
    """A multiple-response item's code per response: 1 mentioned, 0 not, -1 out of the
    base (answered no item of its set)."""
    valid = ~np.isnan(values) & ~np.isin(values, [float(c) for c in var["missing_codes"]])
    mentioned = np.append((valid & (values > 0)).astype(np.int64), 0)
    return np.where(answered, mentioned[codes], -1)


def _answered(data: waves.WaveData, members: list[str]) -> np.ndarray:
    """Who answered any of the items `members` of a multiple-response set."""
    answered = np.zeros(len(data.frame), dtype=bool)
    for member in members:
        values, codes = data.codes(member)
        missing = [float(c) for c in data.variables[member]["missing_codes"]]
        answered |= np.append(~np.isnan(values) & ~np.isin(values, missing), False)[codes]
    return answered


def _variables(data: waves.WaveData, names: list[str]) -> list[list[str]]:
    """The variables with figures in units of work: a multiple-response set together (its
    items share their base), every other variable alone; in the order of `names`."""
    units: dict[str, list[str]] = {}
    for name in names:
        var = data.variables[name]
        if var["type"] == "open":
            continue
        together = var["type"] == "meervoudig" and var.get("mr_set")
        units.setdefault(f"set:{var['mr_set']}" if together else f"var:{name}", []).append(name)
    return list(units.values())


@dataclass
class _Summed:
    """A variable after the pass over its answers: its coding, its tally and, for a number
    with a total, the totals per grouping."""
    coded: _Coded
    tally: estimates.Tally
    totals: list[estimates.Estimates] | None


def _unit_tallies(data: waves.WaveData, domains: estimates.Domains, names: list[str]
                  ) -> dict[str, _Summed]:
    """The variables of a unit of work (`_variables`) summed by `domains.tally`: the one
    pass over their answers, as they are stored (the codes are mapped onto figures in the
    tally, not per response); totals, which need a figure per response, are made here too."""
    answered = _answered(data, names) if data.variables[names[0]]["type"] == "meervoudig" \
        else None
    found = {}
    for name in names:
        var = data.variables[name]
        values, codes = data.codes(name)
        if answered is not None:
            codes, values = _mentioned(var, values, codes, answered), np.array([0.0, 1.0])
        tally = domains.tally(codes, len(values))
        coded = replace(MENTIONED, var=var) if answered is not None else \
            _coded(var, values, tally.present())
        if coded is None:
            continue
        summed = tally.remapped(coded.mapping, len(coded.values))
        totals = None
        if "totaal" in coded.statistics:
            rows = replace(summed, codes=np.append(coded.mapping, -1)[codes])
            totals = [domains.totals(rows, coded.values, grouping)
                      for grouping in range(len(domains.groupings))]
        found[name] = _Summed(coded, summed, totals)
    return found


# Threads working on variables side by side: decompressing a column, coding it and the
# bincounts of its tally release the interpreter lock.
WORKERS = min(4, os.cpu_count() or 1)


def _mapped(fn, items: list) -> list:
    """fn over the items, on WORKERS threads (in order)."""
    workers = min(WORKERS, len(items))
    if workers <= 1:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(fn, items))


def _tables(resolved: ResolvedDesign, data: waves.WaveData, names: list[str],
            breakdowns_: list[str]) -> dict[str, np.ndarray]:
    """The long table (COLUMNS, as arrays) of every figure of the variables `names`, for each
    breakdown. The answers are read a variable (or multiple-response set) at a time, so that
    only its own column is ever decoded, into the sums of `estimates.Domains.tally`; the
    estimates of all variables then come per breakdown and statistic in one call."""
    groupings = [_groups(data, b) for b in breakdowns_]
    domains = estimates.Domains(resolved.design, [(codes, len(labels))
                                                  for codes, labels in groupings])
    against = [b != "totaal" and len(labels) > 1 for b, (_, labels) in zip(breakdowns_,
                                                                          groupings, strict=True)]
    found = {}
    for part in _mapped(lambda unit: _unit_tallies(data, domains, unit),
                        _variables(data, names)):
        found.update(part)
    summed = [found[name] for name in names if name in found]
    blocks = [block for index, (b, (groups, labels))
              in enumerate(zip(breakdowns_, groupings, strict=True))
              for block in _table(resolved, domains, b, groups, labels, summed, index,
                                  against[index])]
    return {c: np.concatenate([block[c] for block in blocks]) if blocks else np.empty(0)
            for c in COLUMNS}


def _table(resolved: ResolvedDesign, domains: estimates.Domains, breakdown: str,
           groups: np.ndarray, labels: list[str],
           summed: list[_Summed], grouping: int,
           against_rest: bool) -> list[dict[str, np.ndarray]]:
    """The long table of one breakdown, as a block (COLUMNS as arrays) per statistic: in it
    the groups of each figure together, figures in variable order."""
    design, blocks = resolved.design, []
    in_group = np.bincount(groups[groups >= 0], minlength=len(labels))
    for statistic in ("aandeel", "gemiddelde", "totaal"):
        chosen = [v for v in summed if statistic in v.coded.statistics]
        if not chosen:
            continue
        if statistic == "totaal":
            parts: list[tuple[estimates.Estimates, np.ndarray | None]] = []
            for v in chosen:
                assert v.totals is not None  # made for every variable with totals
                parts.append((v.totals[grouping], None))
            est, t = estimates.joined(parts)[0], None
        else:
            est, t = domains.means_of([(v.tally, v.coded.values) for v in chosen], grouping,
                                      against_rest)
        p_rest = np.full_like(est.estimate, np.nan) if t is None else \
            estimates.p_against_rest(t, design.df)
        if statistic == "aandeel":
            low, high = estimates.proportion_ci(est.estimate, est.se, est.n, est.neff, design.df)
        else:
            low, high = estimates.mean_ci(est.estimate, est.se, design.df)
        variables = [v.coded.var["id"] for v in chosen for _ in v.coded.categories]
        categories = [cat for v in chosen for cat in v.coded.categories]
        # The groups of each column together (column-major ravel).
        count = est.n.astype(int).ravel("F")
        size = len(count)
        blocks.append({
            "breakdown": np.full(size, breakdown, dtype=object),
            "grp": np.tile(np.asarray(labels, dtype=object), len(categories)),
            "statistic": np.full(size, statistic, dtype=object),
            "variable_id": np.repeat(np.asarray(variables, dtype=np.int64), len(labels)),
            "category": np.repeat(np.array(categories, dtype=object), len(labels)),
            "estimate": est.estimate.ravel("F"), "se": est.se.ravel("F"),
            "ci_low": low.ravel("F"), "ci_high": high.ravel("F"), "n": count,
            "neff": est.neff.ravel("F"),
            "missing_n": np.tile(in_group, len(categories)) - count,
            "p_rest": p_rest.ravel("F"),
            "ci_method": np.asarray(_ci_method(statistic, est.estimate.ravel("F"),
                                               est.se.ravel("F")), dtype=object)})
    return blocks


def _ci_method(statistic: str, p: np.ndarray, se: np.ndarray) -> list:
    """Which interval a figure got, for the footnote: the estimator's 'auto' rule."""
    if statistic != "aandeel":
        return ["t"] * len(p)
    return ["korn-graubard" if b else "logit" for b in estimates.uses_beta(p, se)]


# -- the store --------------------------------------------------------------------------------

def breakdowns(data: waves.WaveData) -> list[str]:
    """The breakdowns a wave supports: the total and every frame attribute it has values of."""
    return ["totaal"] + [b for b in FRAME_BREAKDOWNS if data.frame[b].notna().any()]


def compute(store: Store, user: User, wave_id: int) -> int:
    """Estimate every indicator of the wave for every breakdown and replace the wave's rows
    in the results store; returns the number of rows."""
    require(user, "survey.write")
    started = time.perf_counter()
    data = waves.wave_design(store, user, wave_id,
                             _design_fields(_settings(store, user, wave_id)))
    resolved = resolve_design(store, user, wave_id, data)
    names = [name for name, var in data.variables.items() if var["type"] != "open"]
    rows = _rows(_tables(resolved, data, names, breakdowns(data)), wave_id)
    seconds = round(time.perf_counter() - started, 3)

    def apply(tx: Tx) -> int:
        tx.db.execute("DELETE FROM results WHERE wave_id = ?", [wave_id])
        tx.db.conn.executemany(f"INSERT INTO results (wave_id, {', '.join(COLUMNS)}) VALUES "
                               f"({', '.join('?' * (len(COLUMNS) + 1))})", rows)
        tx.db.table("result_runs").upsert({"wave_id": wave_id, "computed_at": utcnow(),
                                     "design": json.dumps({**resolved.settings,
                                                           "tekst": resolved.text}),
                                     "rows": len(rows), "seconds": seconds}, pk="wave_id")
        tx.event("results", wave_id, "compute", after={"rows": len(rows), "design": resolved.text})
        return len(rows)

    return store.write(user.actor, apply)


def _rows(table: dict[str, np.ndarray], wave_id: int) -> list[tuple]:
    """The table's rows as tuples of Python values for an executemany, NaN as NULL."""
    columns = [[None if isinstance(v, float) and v != v else v for v in table[c].tolist()]
               for c in COLUMNS]
    return list(zip([wave_id] * len(columns[0]), *columns, strict=True))


def run(store: Store, user: User, wave_id: int) -> dict | None:
    """When and with which design the wave's results were computed (None: never); the
    design's sentence is `design["text"]`."""
    require(user, "survey.read")
    row = store.one("SELECT * FROM result_runs WHERE wave_id = ?", [wave_id])
    if row:
        design = json.loads(row["design"])
        # Stored under the Dutch key that older databases have.
        design["text"] = design.pop("tekst", None)
        row["design"] = design
    return row


def stored(store: Store, user: User, wave_id: int, variable_id: int | None = None,
           breakdown: str | None = None) -> pd.DataFrame:
    """Rows of the results store for a wave (optionally one variable and breakdown)."""
    require(user, "survey.read")
    where = ["wave_id = ?"]
    params: list[int | str] = [wave_id]
    if variable_id is not None:
        where.append("variable_id = ?")
        params.append(variable_id)
    if breakdown is not None:
        where.append("breakdown = ?")
        params.append(breakdown)
    return pd.DataFrame(store.rows(
        f"SELECT {', '.join(COLUMNS)} FROM results WHERE {' AND '.join(where)}"
        " ORDER BY rowid", params), columns=COLUMNS)


def estimate(store: Store, user: User, wave_id: int, name: str, by: str | None = None,
             overrides: dict | None = None) -> tuple[pd.DataFrame, ResolvedDesign]:
    """One variable estimated now (not stored), by a breakdown or a categorical question."""
    require(user, "survey.read")
    settings = _settings(store, user, wave_id, overrides)
    # The variables the estimate reads: the variable, a question to break down by, and any
    # variable the design (or an override) names as its weight, strata, clusters or fpc.
    design_columns = [f for f in _design_fields(settings) if not f.startswith("_")
                      and f not in FRAME_BREAKDOWNS]
    data = waves.wave_data(store, user, wave_id, list(dict.fromkeys(
        [name] + design_columns + ([str(by).strip()] if by else []))))
    if name not in data.variables:
        raise MonitorError(f"Deze meting heeft geen variabele '{name}'.")
    if data.variables[name]["type"] == "open":
        raise MonitorError(f"{name} is een open vraag; daar horen geen schattingen bij.")
    by_var = data.variables.get(str(by).strip()) if by else None
    if by and (by_var is None or by_var["type"] not in CATEGORICAL - {"meervoudig"}):
        # Only the variables above were read: know the wave's choice questions for the
        # message, and read the frame attribute's breakdown as usual.
        data.variables.update({n: v for n, v in _wave_variables(store, user, wave_id).items()
                               if n not in data.variables})
    breakdown = breakdown_of(data, by)
    resolved = resolve_design(store, user, wave_id, data, overrides)
    return pd.DataFrame(_tables(resolved, data, [name], [breakdown]),
                        columns=COLUMNS), resolved


def _wave_variables(store: Store, user: User, wave_id: int) -> dict[str, dict]:
    """The wave's variables (metadata only, no answers)."""
    return waves.wave_design(store, user, wave_id).variables



def top_box(store: Store, user: User, wave_id: int, variable_id: int, size: int = 2
            ) -> dict | None:
    """The share of the valid answers that is one of the `size` most favourable answers
    (the highest codes, the lowest when lower is better), estimated from the wave's answers
    with its design: statistic, estimate, se, ci_low, ci_high, n and the codes counted;
    None when the wave did not ask the question. The sum of the stored shares gives the same
    estimate, but not its standard error: the shares are not independent."""
    require(user, "survey.read")
    var = monitors.variable(store, user, variable_id)
    data = waves.wave_design(store, user, wave_id,
                             _design_fields(_settings(store, user, wave_id)))
    wave_var = data.variables.get(var["name"])
    if wave_var is None or wave_var["id"] != variable_id:
        return None
    resolved = resolve_design(store, user, wave_id, data)
    values, codes = data.codes(var["name"])
    missing = [float(c) for c in wave_var["missing_codes"]]
    valid = ~np.isnan(values) & ~np.isin(values, missing)
    # A one-byte column's codes stand for every value of its span; count those that occur.
    present = np.bincount(codes[codes >= 0], minlength=len(values))[:len(values)] > 0
    answers = waves.categories(wave_var, values[valid & present])
    chosen = answers[:size] if var["higher_is_better"] == 0 else answers[-size:]
    per_code = np.where(valid, np.isin(values, chosen).astype(float), np.nan)
    est = estimates.means(resolved.design, np.append(per_code, np.nan)[codes])
    low, high = estimates.proportion_ci(est.estimate, est.se, est.n, est.neff, resolved.design.df)
    return {"statistic": "aandeel", "estimate": float(est.estimate[0, 0]),
            "se": float(est.se[0, 0]), "ci_low": float(low[0, 0]), "ci_high": float(high[0, 0]),
            "n": int(est.n[0, 0]), "codes": chosen}
