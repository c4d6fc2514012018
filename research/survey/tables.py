"""Tables read from the results store: frequencies, crosstabs with each cell tested against
the rest of the sample, trends across waves, Likert batteries, multiple response, and a
municipality's benchmark. Small cells are suppressed with the CBS symbol and every table
carries the notes that say what it shows (n, weighting, reference, wave)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from research.accounts import User, require
from research.storage import Store
from research.survey import estimates, monitors, results
from research.survey.monitors import CATEGORICAL, FRAME_BREAKDOWNS, MonitorError

SUPPRESSED = "."  # CBS: "gegevens ontbreken of zijn te onbetrouwbaar"
HIGHER, LOWER = "▲", "▼"
ALPHA = 0.05
BREAKDOWN_NAMES = {"totaal": "Totaal", **FRAME_BREAKDOWNS}


@dataclass
class Table:
    """A table to show or export: `cells` holds the display text, `numbers` the values
    (NaN where suppressed), `markers` 'hoger' / 'lager' / '' per cell, and `notes` the lines
    that must travel with it."""
    title: str
    cells: pd.DataFrame
    numbers: pd.DataFrame
    markers: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: list[str] = field(default_factory=list)


def dutch(value: float, decimals: int = 1) -> str:
    """A number the Dutch way: decimal comma."""
    return f"{value:.{decimals}f}".replace(".", ",")


def _context(store: Store, user: User, wave_id: int, variable_id: int) -> tuple[dict, dict, dict]:
    require(user, "survey.read")
    wave = store.one("SELECT w.id, w.label, w.monitor_id, m.min_n, m.min_n_quotes FROM waves w"
                     " JOIN monitors m ON m.id = w.monitor_id WHERE w.id = ?", [wave_id])
    if wave is None:
        raise MonitorError("Deze meting bestaat niet.")
    var = monitors.variable(store, user, variable_id)
    run = results.run(store, user, wave_id)
    if run is None:
        raise MonitorError(f"De resultaten van meting {wave['label']} zijn nog niet berekend.")
    return wave, var, run


def _format(row, statistic: str) -> str:
    if statistic == "aandeel":
        return f"{dutch(100 * row.estimate, 0)}%"
    return dutch(row.estimate, 1 if statistic == "gemiddelde" else 0)


def _base_notes(wave: dict, run: dict, rows: pd.DataFrame, var: dict) -> list[str]:
    """The lines every table carries: wave, weighting and design, base and 'weet niet'."""
    total = rows[rows["breakdown"] == "totaal"] if (rows["breakdown"] == "totaal").any() else rows
    n = int(total["n"].max()) if len(total) else 0
    missing = int(total["missing_n"].max()) if len(total) else 0
    notes = [f"Meting {wave['label']}. {run['design']['tekst']}",
             f"Basis: n = {n} geldige antwoorden; 'weet niet' en geen antwoord (n = {missing}) "
             "tellen niet mee."]
    if var["type"] in CATEGORICAL:
        notes.append("Percentages met een 95%-betrouwbaarheidsinterval (logit; Korn-Graubard "
                     "bij aandelen dicht bij 0 of 100%).")
    return notes


def _suppression_note(wave: dict, any_suppressed: bool) -> list[str]:
    if not any_suppressed:
        return []
    return [f"{SUPPRESSED} = minder dan {wave['min_n']} antwoorden: te onbetrouwbaar om te tonen."]


def _row_labels(var: dict, rows: pd.DataFrame) -> list:
    labels = []
    for row in rows.itertuples():
        if row.statistic == "aandeel":
            labels.append(monitors.value_label(var, row.category) if var["type"] != "meervoudig"
                          else var["label"])
        else:
            labels.append("Gemiddelde" if row.statistic == "gemiddelde" else "Totaal")
    return labels


def crosstab(store: Store, user: User, wave_id: int, variable_id: int,
             breakdown: str = "totaal") -> Table:
    """Answer categories (or the mean) by the groups of a breakdown, with the total column;
    each group's cell is marked when it differs from the rest of the sample (p < 0.05)."""
    wave, var, run = _context(store, user, wave_id, variable_id)
    if var["type"] == "open":
        raise MonitorError(f"{var['label']} is een open vraag: bekijk de citaten.")
    rows = results.stored(store, user, wave_id, variable_id)
    if rows.empty:
        raise MonitorError(f"{var['label']} zit niet in meting {wave['label']}.")
    wanted = ["totaal"] + ([breakdown] if breakdown != "totaal" else [])
    if breakdown not in rows["breakdown"].unique():
        raise MonitorError(f"Geen resultaten naar {BREAKDOWN_NAMES.get(breakdown, breakdown)} "
                           "in deze meting.")
    rows = rows[rows["breakdown"].isin(wanted)]
    rows = rows.assign(label=_row_labels(var, rows),
                       column=np.where(rows["breakdown"] == "totaal", "Totaal", rows["grp"]))
    order = list(dict.fromkeys(rows["label"]))
    columns = [c for c in dict.fromkeys(rows.loc[rows["breakdown"] != "totaal", "grp"])] \
        + ["Totaal"]
    # Filled as plain dictionaries and made frames once: a pandas .loc per cell took most
    # of the results page's time.
    index = order + ["n"]
    cells = {c: dict.fromkeys(index, "") for c in columns}
    numbers = {c: dict.fromkeys(index, np.nan) for c in columns}
    markers = {c: dict.fromkeys(index, "") for c in columns}
    totals = dict(zip(rows.loc[rows["breakdown"] == "totaal", "label"],
                      rows.loc[rows["breakdown"] == "totaal", "estimate"]))
    suppressed = False
    for row in rows.itertuples():
        if row.n < wave["min_n"] or pd.isna(row.estimate):
            cells[row.column][row.label] = SUPPRESSED
            suppressed = True
        else:
            value = 100 * row.estimate if row.statistic == "aandeel" else row.estimate
            numbers[row.column][row.label] = value
            marker = ""
            if row.breakdown != "totaal" and pd.notna(row.p_rest) and row.p_rest < ALPHA:
                # The total lies between the group and the rest: same sign as group - rest.
                marker = "hoger" if row.estimate > totals[row.label] else "lager"
            markers[row.column][row.label] = marker
            arrow = {"hoger": f" {HIGHER}", "lager": f" {LOWER}"}.get(marker, "")
            cells[row.column][row.label] = _format(row, row.statistic) + arrow
        cells[row.column]["n"] = str(int(row.n))
        numbers[row.column]["n"] = row.n
    cells, numbers, markers = (pd.DataFrame(part, index=index, columns=columns)
                               for part in (cells, numbers, markers))
    notes = _base_notes(wave, run, rows, var)
    if breakdown != "totaal":
        notes.append(f"{HIGHER} / {LOWER}: significant hoger / lager dan de rest van de "
                     "steekproef (p < 0,05, toets die rekening houdt met weging en ontwerp).")
    notes += _suppression_note(wave, suppressed)
    title = f"{var['label']}" + (f" naar {BREAKDOWN_NAMES[breakdown].lower()}"
                                 if breakdown in BREAKDOWN_NAMES and breakdown != "totaal"
                                 else "")
    return Table(title, cells, numbers, markers, notes)


def frequencies(store: Store, user: User, wave_id: int, variable_id: int) -> Table:
    """Percentages (or the mean) with their 95% interval for the whole sample."""
    wave, var, run = _context(store, user, wave_id, variable_id)
    rows = results.stored(store, user, wave_id, variable_id, "totaal")
    if rows.empty:
        raise MonitorError(f"{var['label']} zit niet in meting {wave['label']}.")
    labels = _row_labels(var, rows)
    records, numbers, suppressed = [], [], False
    for label, row in zip(labels, rows.itertuples()):
        scale = 100 if row.statistic == "aandeel" else 1
        hidden = row.n < wave["min_n"] or pd.isna(row.estimate)
        suppressed |= hidden
        decimals = 0 if row.statistic == "aandeel" else 1
        records.append({"Antwoord": label,
                        "Schatting": SUPPRESSED if hidden else _format(row, row.statistic),
                        "95%-interval": "" if hidden or pd.isna(row.ci_low) else
                        f"{dutch(scale * row.ci_low, decimals)} – "
                        f"{dutch(scale * row.ci_high, decimals)}",
                        "n": int(row.n), "Effectieve n": round(row.neff, 1)})
        numbers.append({"antwoord": label, "schatting": np.nan if hidden else scale * row.estimate,
                        "ci_low": np.nan if hidden else scale * row.ci_low,
                        "ci_high": np.nan if hidden else scale * row.ci_high, "n": row.n,
                        "statistiek": row.statistic})
    notes = _base_notes(wave, run, rows, var) + _suppression_note(wave, suppressed)
    return Table(var["label"], pd.DataFrame(records), pd.DataFrame(numbers), notes=notes)


def trend(store: Store, user: User, monitor_id: int, variable_id: int,
          category: float | None = None) -> Table:
    """The variable's estimate in every wave with results, with the change from the wave
    before and whether it is significant. Waves are treated as independent samples; when
    the same municipalities answer each year (a panel) the test is conservative."""
    require(user, "survey.read")
    var = monitors.variable(store, user, variable_id)
    mon = monitors.monitor(store, user, monitor_id)
    records = []
    for wave in monitors.waves(store, user, monitor_id):
        rows = results.stored(store, user, wave["id"], variable_id, "totaal")
        if category is not None:
            rows = rows[rows["category"] == category]
        else:
            rows = rows[rows["statistic"] != "totaal"].head(1)
        if rows.empty:
            continue
        row = rows.iloc[0]
        records.append({"meting": wave["label"], "statistic": row["statistic"],
                        "estimate": row["estimate"], "se": row["se"], "ci_low": row["ci_low"],
                        "ci_high": row["ci_high"], "n": int(row["n"])})
    table = pd.DataFrame(records, columns=["meting", "statistic", "estimate", "se", "ci_low",
                                           "ci_high", "n"])
    if table.empty:
        raise MonitorError(f"Nog geen berekende resultaten voor {var['label']}.")
    table["hidden"] = table["n"] < mon["min_n"]
    diff, _, p = estimates.difference_independent(
        table["estimate"].shift(1).to_numpy(float), table["se"].shift(1).to_numpy(float),
        table["estimate"].to_numpy(float), table["se"].to_numpy(float))
    scale = 100 if table["statistic"].iloc[0] == "aandeel" else 1
    numbers = pd.DataFrame({"meting": table["meting"],
                            "schatting": np.where(table["hidden"], np.nan,
                                                  scale * table["estimate"]),
                            "ci_low": scale * table["ci_low"], "ci_high": scale * table["ci_high"],
                            "n": table["n"], "verschil": scale * diff, "p": p})
    cells = pd.DataFrame({
        "Meting": table["meting"],
        "Schatting": [SUPPRESSED if h else (f"{dutch(scale * e, 0)}%" if scale == 100
                                            else dutch(e)) for h, e in
                      zip(table["hidden"], table["estimate"])],
        "Verandering": ["" if np.isnan(d) else
                        f"{'+' if d > 0 else ''}{dutch(scale * d, 1)}"
                        + (f" {HIGHER if d > 0 else LOWER}" if pv < ALPHA else "")
                        for d, pv in zip(diff, p)],
        "n": table["n"]})
    what = (monitors.value_label(var, category) if category is not None else
            {"gemiddelde": "gemiddelde", "aandeel": "aandeel"}[table["statistic"].iloc[0]])
    notes = [f"{var['label']}: {what} per meting, elk met het ontwerp van die meting.",
             f"{HIGHER} / {LOWER}: significante verandering ten opzichte van de vorige meting "
             "(p < 0,05). De metingen zijn als onafhankelijke steekproeven getoetst; doen "
             "grotendeels dezelfde gemeenten mee (een panel), dan is deze toets conservatief."]
    notes += _suppression_note(mon, bool(table["hidden"].any()))
    return Table(f"{var['label']}: ontwikkeling", cells, numbers, notes=notes)


def _category_table(store, user, wave_id, variable_ids, breakdown, group):
    rows = []
    for variable_id in variable_ids:
        part = results.stored(store, user, wave_id, variable_id, breakdown)
        if group is not None:
            part = part[part["grp"] == group]
        rows.append(part.assign(variable_id=variable_id))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=results.COLUMNS)


def likert(store: Store, user: User, wave_id: int, variable_ids: list[int],
           breakdown: str = "totaal", group: str | None = None) -> Table:
    """A battery of Likert items: % per answer category and the top-2 box (the two most
    favourable answers), one row per item."""
    require(user, "survey.read")
    wave = store.one("SELECT w.label, m.min_n FROM waves w JOIN monitors m"
                     " ON m.id = w.monitor_id WHERE w.id = ?", [wave_id])
    rows = _category_table(store, user, wave_id, variable_ids, breakdown, group)
    cells, numbers, suppressed = [], [], False
    for variable_id in variable_ids:
        var = monitors.variable(store, user, variable_id)
        part = rows[(rows["variable_id"] == variable_id) & (rows["statistic"] == "aandeel")]
        if part.empty:
            continue
        hidden = int(part["n"].iloc[0]) < wave["min_n"]
        suppressed |= hidden
        shares = {monitors.value_label(var, r.category): 100 * r.estimate
                  for r in part.itertuples()}
        ordered = part.sort_values("category")
        top = ordered.tail(2) if var["higher_is_better"] != 0 else ordered.head(2)
        top2 = 100 * top["estimate"].sum()
        numbers.append({"item": var["label"], **shares, "top-2": top2, "n": int(part["n"].iloc[0])})
        cells.append({"Item": var["label"],
                      **{k: SUPPRESSED if hidden else f"{dutch(v, 0)}%" for k, v in shares.items()},
                      "Top-2": SUPPRESSED if hidden else f"{dutch(top2, 0)}%",
                      "n": int(part["n"].iloc[0])})
    notes = [f"Meting {wave['label']}. Percentage van de geldige antwoorden per item; top-2 = "
             "de twee gunstigste antwoorden samen."] + _suppression_note(wave, suppressed)
    return Table("Stellingen", pd.DataFrame(cells), pd.DataFrame(numbers), notes=notes)


def multiple_response(store: Store, user: User, wave_id: int, variable_ids: list[int],
                      breakdown: str = "totaal", group: str | None = None) -> Table:
    """A multiple-response set: per option the % of respondents who chose it (totals above
    100% are expected)."""
    require(user, "survey.read")
    wave = store.one("SELECT w.label, m.min_n FROM waves w JOIN monitors m"
                     " ON m.id = w.monitor_id WHERE w.id = ?", [wave_id])
    rows = _category_table(store, user, wave_id, variable_ids, breakdown, group)
    cells, numbers, suppressed = [], [], False
    for variable_id in variable_ids:
        var = monitors.variable(store, user, variable_id)
        part = rows[rows["variable_id"] == variable_id]
        if part.empty:
            continue
        row = part.iloc[0]
        hidden = row["n"] < wave["min_n"]
        suppressed |= hidden
        label = var["label"].split(": ", 1)[-1]
        numbers.append({"optie": label, "percentage": np.nan if hidden else 100 * row["estimate"],
                        "ci_low": 100 * row["ci_low"], "ci_high": 100 * row["ci_high"],
                        "n": int(row["n"])})
        cells.append({"Antwoord": label,
                      "% van de respondenten": SUPPRESSED if hidden else
                      f"{dutch(100 * row['estimate'], 0)}%", "n": int(row["n"])})
    notes = [f"Meting {wave['label']}. Meerdere antwoorden mogelijk: percentage van de "
             "respondenten die de vraag beantwoordden; de som is meer dan 100%."] \
        + _suppression_note(wave, suppressed)
    return Table("Meerdere antwoorden", pd.DataFrame(cells), pd.DataFrame(numbers), notes=notes)


def benchmark(store: Store, user: User, wave_id: int, unit_code: str) -> Table:
    """One municipality's own answers beside all respondents and its size class: per
    question the share giving the same answer (or the mean for a number)."""
    require(user, "survey.read")
    from research.survey import waves  # the wave's own answers, read directly

    data = waves.wave_data(store, user, wave_id)
    own = data.frame[data.frame["_unit_code"] == unit_code]
    if own.empty:
        raise MonitorError(f"Eenheid {unit_code} heeft in deze meting niet geantwoord.")
    own = own.iloc[0]
    stored = results.stored(store, user, wave_id)
    mon = store.one("SELECT m.min_n FROM waves w JOIN monitors m ON m.id = w.monitor_id"
                    " WHERE w.id = ?", [wave_id])
    records = []
    for name, var in data.variables.items():
        if var["type"] == "open" or pd.isna(own[name]):
            continue
        value = float(own[name])
        rows = stored[stored["variable_id"] == var["id"]]
        if var["type"] in CATEGORICAL:
            rows = rows[rows["category"] == (1.0 if var["type"] == "meervoudig" else value)]
            answer = (("Genoemd" if value > 0 else "Niet genoemd") if var["type"] == "meervoudig"
                      else monitors.value_label(var, value))
        else:
            rows = rows[rows["statistic"] == "gemiddelde"]
            answer = dutch(value, 0 if value.is_integer() else 1)
        every = rows[rows["breakdown"] == "totaal"]
        same = rows[(rows["breakdown"] == "size_class") & (rows["grp"] == own["size_class"])]

        def shown(part):
            if part.empty or part["n"].iloc[0] < mon["min_n"]:
                return SUPPRESSED
            return _format(part.iloc[0], part["statistic"].iloc[0])

        records.append({"Vraag": var["label"], "Eigen antwoord": answer,
                        "Alle gemeenten": shown(every), "Zelfde grootteklasse": shown(same)})
    notes = ["Bij keuzevragen: het percentage dat hetzelfde antwoord gaf; bij getallen: het "
             "gemiddelde.", f"Grootteklasse: {own['size_class'] or 'onbekend'}."]
    return Table(f"Benchmark {unit_code}", pd.DataFrame(records), pd.DataFrame(records),
                 notes=notes)
