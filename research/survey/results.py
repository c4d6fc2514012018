"""The results store: per wave, every indicator x breakdown x group estimated once.

`compute` runs the design-based estimator (`estimates.py`) over a whole wave, one vectorised
call per breakdown, and writes the long table `results` (estimate, SE, 95% interval,
unweighted n, Kish effective n, the n left out of the base, and the test of each group
against the rest of the sample). Pages then only filter and plot. `estimate` does the same
for one variable on demand (the command line, a breakdown by a question).

Proportions are stored as fractions (0..1), means and totals in the variable's unit.
"""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from research.accounts import User, require
from research.storage import Store, Tx, utcnow
from research.survey import estimates, monitors, waves
from research.survey.monitors import CATEGORICAL, FRAME_BREAKDOWNS, NUMERIC, MonitorError

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
    """A design column by its setting: a design field, a frame attribute or a variable."""
    frame = data.frame
    column = DESIGN_FIELDS.get(name, name)
    if column not in frame.columns:
        raise MonitorError(f"Ontwerp: kolom '{name}' ({role}) bestaat niet in deze meting.")
    return frame[column]


def resolve_design(store: Store, user: User, wave_id: int, data: waves.WaveData,
                   overrides: dict | None = None) -> ResolvedDesign:
    """The monitor's design for this wave, with `overrides` (weight, strata, psu, fpc naming
    columns) taking precedence, as the command line's flags do."""
    wave = store.one("SELECT monitor_id FROM waves WHERE id = ?", [wave_id])
    settings = dict(monitors.monitor(store, user, wave["monitor_id"])["design"])
    settings.update({k: v for k, v in (overrides or {}).items() if v})
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
        strata = _column(data, settings["strata"], "strata").fillna("Onbekend").astype(str)
        parts.append(f"strata: {_name(settings['strata'])}")
    if settings["psu"]:
        psu = _column(data, settings["psu"], "clusters").astype(str).to_numpy()
        parts.append(f"clusters: {_name(settings['psu'])}")
    if settings["fpc"] == "kader":
        fpc = _frame_counts(store, wave["monitor_id"], settings["strata"], strata, n)
        parts.append("eindige-populatiecorrectie met het steekproefkader")
    elif settings["fpc"]:
        fpc = pd.to_numeric(_column(data, settings["fpc"], "fpc"), errors="coerce").to_numpy()
        parts.append(f"eindige-populatiecorrectie: {_name(settings['fpc'])}")
    design = estimates.Design(weights=weights,
                              strata=None if strata is None else strata.to_numpy(),
                              psu=psu, fpc=fpc)
    return ResolvedDesign(design, settings, "; ".join(parts).capitalize() + ".")


def _name(setting: str) -> str:
    return {"region": "regio", "size_class": "grootteklasse", "province": "provincie",
            "stratum": "stratum uit het bestand", "psu": "cluster uit het bestand",
            "fpc": "fpc uit het bestand", "unit": "eenheid"}.get(setting, f"'{setting}'")


def _frame_counts(store: Store, monitor_id: int, strata_setting: str | None,
                  strata: pd.Series | None, n: int) -> np.ndarray:
    """Per response the number of frame units in its stratum (the population of PSUs)."""
    if strata_setting is None:
        total = store.value("SELECT count(*) FROM frame_units WHERE monitor_id = ?", [monitor_id])
        return np.full(n, float(total))
    if strata_setting not in FRAME_BREAKDOWNS:
        raise MonitorError("Eindige-populatiecorrectie met het kader kan alleen met strata uit "
                           "het kader (regio, grootteklasse of provincie).")
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
        return codes, [str(label) for label in labels]
    var = data.variables.get(breakdown)
    if var is None or var["type"] not in CATEGORICAL - {"meervoudig"}:
        raise MonitorError(f"Uitsplitsen kan naar regio, grootteklasse, provincie of een "
                           f"keuzevraag; '{breakdown}' is geen van die.")
    values = waves.valid_values(var, frame[breakdown].to_numpy(float))
    cats = waves.categories(var, values)
    codes = np.full(len(values), -1)
    for index, cat in enumerate(cats):
        codes[values == cat] = index
    return codes, [monitors.value_label(var, cat) for cat in cats]


def _indicator_columns(data: waves.WaveData, names: list[str]) -> list[tuple]:
    """(variable, statistic, category, values) for every figure of the given variables:
    a 0/1 column per answer category (NaN outside the base), the values of a number."""
    frame = data.frame
    result = []
    sets: dict[str, list[str]] = {}
    for name in names:
        var = data.variables[name]
        if var["type"] == "meervoudig" and var.get("mr_set"):
            sets.setdefault(var["mr_set"], []).append(name)
    for name in names:
        var = data.variables[name]
        if var["type"] == "open":
            continue
        values = waves.valid_values(var, frame[name].to_numpy(float))
        if var["type"] in NUMERIC:
            result.append((var, "gemiddelde", None, values))
            if var["type"] == "getal":
                result.append((var, "totaal", None, values))
        elif var["type"] == "meervoudig":
            # % of respondents: mentioned (> 0) out of those who answered any item of the set.
            members = sets.get(var.get("mr_set"), [name])
            answered = np.zeros(len(frame), dtype=bool)
            for member in members:
                answered |= ~np.isnan(waves.valid_values(
                    data.variables[member], frame[member].to_numpy(float)))
            mentioned = np.where(np.isnan(values), 0.0, (values > 0).astype(float))
            result.append((var, "aandeel", 1.0, np.where(answered, mentioned, np.nan)))
        else:
            for cat in waves.categories(var, values):
                result.append((var, "aandeel", cat,
                               np.where(np.isnan(values), np.nan, (values == cat).astype(float))))
    return result


def _estimate(resolved: ResolvedDesign, data: waves.WaveData, columns: list[tuple],
              breakdown: str) -> pd.DataFrame:
    """The long table (COLUMNS) of the given indicator columns (`_indicator_columns`) for one
    breakdown."""
    groups, labels = _groups(data, breakdown)
    if not columns:
        return pd.DataFrame(columns=COLUMNS)
    design, frames = resolved.design, []
    for statistic in ("aandeel", "gemiddelde", "totaal"):
        chosen = [c for c in columns if c[1] == statistic]
        if not chosen:
            continue
        against_rest = breakdown != "totaal" and len(labels) > 1 and statistic != "totaal"
        est, p_rest = _in_chunks(design, [c[3] for c in chosen], groups, len(labels),
                                 statistic, against_rest)
        if statistic == "aandeel":
            low, high = estimates.proportion_ci(est.estimate, est.se, est.n, est.neff, design.df)
        else:
            low, high = estimates.mean_ci(est.estimate, est.se, design.df)
        in_group = np.bincount(groups[groups >= 0], minlength=len(labels))
        # One frame per statistic, the groups of each column together (column-major ravel).
        count = est.n.astype(int)
        frames.append(pd.DataFrame({
            "breakdown": breakdown, "grp": np.tile(np.asarray(labels, dtype=object),
                                                   len(chosen)),
            "statistic": statistic,
            "variable_id": np.repeat([c[0]["id"] for c in chosen], len(labels)),
            "category": np.repeat(np.array([c[2] for c in chosen], dtype=object),
                                  len(labels)),
            "estimate": est.estimate.ravel("F"), "se": est.se.ravel("F"),
            "ci_low": low.ravel("F"), "ci_high": high.ravel("F"), "n": count.ravel("F"),
            "neff": est.neff.ravel("F"), "missing_n": (in_group[:, None] - count).ravel("F"),
            "p_rest": p_rest.ravel("F"),
            "ci_method": _ci_method(statistic, est.estimate.ravel("F"), est.se.ravel("F"))}))
    return pd.concat(frames, ignore_index=True)[COLUMNS]


# Columns per pass of the estimator, and threads running passes side by side: a pass over
# 100,000 rows x 16 columns stays in the processor's cache where one over all columns does
# not, and numpy releases the interpreter lock, so the passes use every core (together about
# three times quicker for a results table of 150 columns). Fewer columns per pass do not help
# with more rows: each pass has costs per row, whatever its width (1,000,000 rows in passes of
# 2 columns took twice as long as in passes of 16).
CHUNK = 16
WORKERS = min(4, os.cpu_count() or 1)


def _in_chunks(design: estimates.Design, values: list[np.ndarray], groups: np.ndarray,
               n_groups: int, statistic: str, against_rest: bool
               ) -> tuple[estimates.Estimates, np.ndarray]:
    """Estimates of the columns `values` per group (means, or totals for "totaal") and the
    p-value of each group against the rest (NaN unless `against_rest`), in chunks of
    columns."""
    def one(part: list[np.ndarray]) -> tuple[estimates.Estimates, np.ndarray]:
        Y = np.column_stack(part)
        if against_rest:
            return estimates.means_against_rest(design, Y, groups, n_groups)
        fn = estimates.totals if statistic == "totaal" else estimates.means
        est = fn(design, Y, groups, n_groups)
        return est, np.full_like(est.estimate, np.nan)

    parts = [values[i:i + CHUNK] for i in range(0, len(values), CHUNK)]
    with ThreadPoolExecutor(min(WORKERS, len(parts))) as pool:
        done = list(pool.map(one, parts))
    joined = estimates.Estimates(**{f.name: np.concatenate([getattr(e, f.name) for e, _ in done],
                                                           axis=1)
                                    for f in fields(estimates.Estimates)})
    return joined, np.concatenate([p for _, p in done], axis=1)


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
    data = waves.wave_data(store, user, wave_id)
    resolved = resolve_design(store, user, wave_id, data)
    names = [name for name, var in data.variables.items() if var["type"] != "open"]
    columns = _indicator_columns(data, names)
    table = pd.concat([_estimate(resolved, data, columns, b) for b in breakdowns(data)],
                      ignore_index=True) if names else pd.DataFrame(columns=COLUMNS)
    table.insert(0, "wave_id", wave_id)
    rows = [{k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in r.items()}
            for r in table.to_dict("records")]
    seconds = round(time.perf_counter() - started, 3)

    def apply(tx: Tx) -> int:
        tx.db.execute("DELETE FROM results WHERE wave_id = ?", [wave_id])
        tx.db["results"].insert_all(rows, batch_size=5000)
        tx.db["result_runs"].upsert({"wave_id": wave_id, "computed_at": utcnow(),
                                     "design": json.dumps({**resolved.settings,
                                                           "tekst": resolved.text}),
                                     "rows": len(rows), "seconds": seconds}, pk="wave_id")
        tx.event("results", wave_id, "compute", after={"rows": len(rows), "design": resolved.text})
        return len(rows)

    return store.write(user.actor, apply)


def run(store: Store, user: User, wave_id: int) -> dict | None:
    """When and with which design the wave's results were computed (None: never)."""
    require(user, "survey.read")
    row = store.one("SELECT * FROM result_runs WHERE wave_id = ?", [wave_id])
    if row:
        row["design"] = json.loads(row["design"])
    return row


def stored(store: Store, user: User, wave_id: int, variable_id: int | None = None,
           breakdown: str | None = None) -> pd.DataFrame:
    """Rows of the results store for a wave (optionally one variable and breakdown)."""
    require(user, "survey.read")
    where, params = ["wave_id = ?"], [wave_id]
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
    data = waves.wave_data(store, user, wave_id,
                           [name] + ([by] if by and by not in FRAME_BREAKDOWNS else []))
    if name not in data.variables:
        raise MonitorError(f"Deze meting heeft geen variabele '{name}'.")
    if data.variables[name]["type"] == "open":
        raise MonitorError(f"{name} is een open vraag; daar horen geen schattingen bij.")
    resolved = resolve_design(store, user, wave_id, data, overrides)
    return _estimate(resolved, data, _indicator_columns(data, [name]), by or "totaal"), resolved

