"""Tables read from the results store: frequencies, crosstabs with each cell tested against
the rest of the sample (with their totals), trends across waves (one answer, the top-2 box or
every answer), Likert batteries, multiple response, and a municipality's benchmark. Small
cells are suppressed with the CBS symbol and every table carries the notes that say what it
shows (n, weighting, reference, wave). Groups of the frame (size classes) come in their
natural order, and every table says how its figures go into Excel: as numbers with a number
format (`Number`), its texts as text."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from research.accounts import User, require
from research.storage import Store
from research.survey import estimates, monitors, results
from research.survey.monitors import CATEGORICAL, FRAME_BREAKDOWNS, MonitorError
from research.survey.ordering import natural_order

SUPPRESSED = "."  # CBS: "gegevens ontbreken of zijn te onbetrouwbaar"
HIGHER, LOWER = "▲", "▼"
ALPHA = 0.05
BREAKDOWN_NAMES = {"totaal": "Totaal", **FRAME_BREAKDOWNS}
TOTAL_ROW = "Totaal"       # a crosstab's column totals (each column's answers add up to it)
TOP2 = "top-2"             # trend of the two most favourable answers together
ALL = "alle"               # trend of every answer
TREND_CHOICES = {ALL: "Alle antwoorden", TOP2: "Top-2 (de twee gunstigste antwoorden samen)"}

# Excel number formats. The arrow of a significant cell is part of the format, so the cell
# stays a number that sorts and sums.
PERCENT, DECIMAL, WHOLE, CHANGE = "0%", "0.0", "#,##0", "+0.0;-0.0;0.0"


@dataclass(frozen=True)
class Number:
    """A figure for a spreadsheet cell: the value (a fraction for a percentage) and its
    number format."""
    value: float
    format: str


def _number(value: float, format_: str, marker: str = "") -> Number:
    """A Number whose format shows the arrow of `marker` ('hoger' / 'lager') after it."""
    arrow = {"hoger": HIGHER, "lager": LOWER}.get(marker)
    if arrow:
        format_ = ";".join(f'{part}" {arrow}"' for part in format_.split(";"))
    return Number(float(value), format_)


def _figure(estimate: float, statistic: str, marker: str = "") -> Number:
    """An estimate as it goes into Excel: a share as a percentage, a mean with one decimal,
    a total as a whole number."""
    if statistic == "aandeel":
        return _number(estimate, PERCENT, marker)
    return _number(estimate, DECIMAL if statistic == "gemiddelde" else WHOLE, marker)


@dataclass
class Table:
    """A table to show or export: `cells` holds the display text, `numbers` the values
    (NaN where suppressed), `markers` 'hoger' / 'lager' / '' per cell, and `notes` the lines
    that must travel with it. `excel` is the table as it goes into a spreadsheet (its index,
    if any, the first column): a `Number` where a figure is, text elsewhere (None: `cells`)."""
    title: str
    cells: pd.DataFrame
    numbers: pd.DataFrame
    markers: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: list[str] = field(default_factory=list)
    excel: pd.DataFrame | None = None


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
    notes = [f"Meting {wave['label']}. {run['design']['text']}",
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
    """Answer categories (or the mean) by the groups of a breakdown, with the total column
    and, for a single-choice question, the total row (each column's answers add up to 100%);
    each group's cell is marked when it differs from the rest of the sample (p < 0.05).
    Groups of the frame come in their natural order (size classes from small to large)."""
    wave, var, run = _context(store, user, wave_id, variable_id)
    if var["type"] == "open":
        raise MonitorError(f"{var['label']} is een open vraag: bekijk de citaten.")
    rows = results.stored(store, user, wave_id, variable_id)
    if rows.empty:
        raise MonitorError(f"{var['label']} zit niet in meting {wave['label']}.")
    by_question = None
    if breakdown not in BREAKDOWN_NAMES:
        # A single-choice question: estimated now with the monitor's design (the results
        # store holds the breakdowns of the frame), beside the stored total.
        by_question = next((v for v in monitors.variables(store, user, wave["monitor_id"])
                            if v["name"] == breakdown), None)
        estimated, _ = results.estimate(store, user, wave_id, var["name"], breakdown)
        rows = pd.concat([rows[rows["breakdown"] == "totaal"], estimated.assign(
            variable_id=variable_id)], ignore_index=True)
    wanted = ["totaal"] + ([breakdown] if breakdown != "totaal" else [])
    if breakdown not in rows["breakdown"].unique():
        raise MonitorError(f"Geen resultaten naar {BREAKDOWN_NAMES.get(breakdown, breakdown)} "
                           "in deze meting.")
    rows = rows[rows["breakdown"].isin(wanted)]
    rows = rows.assign(label=_row_labels(var, rows),
                       column=np.where(rows["breakdown"] == "totaal", "Totaal", rows["grp"]))
    order = list(dict.fromkeys(rows["label"]))
    groups = list(dict.fromkeys(rows.loc[rows["breakdown"] != "totaal", "grp"]))
    if breakdown in FRAME_BREAKDOWNS:
        groups = natural_order(groups)
    columns = groups + ["Totaal"]
    # A single-choice question's answers split each column: they add up to a total row.
    with_total = var["type"] in ("enkelvoudig", "likert") and \
        (rows["statistic"] == "aandeel").all() and TOTAL_ROW not in order
    # Filled as plain dictionaries and made frames once: a pandas .loc per cell took most
    # of the results page's time.
    index = order + ([TOTAL_ROW] if with_total else []) + ["n"]
    cells = {c: dict.fromkeys(index, "") for c in columns}
    numbers = {c: dict.fromkeys(index, np.nan) for c in columns}
    markers = {c: dict.fromkeys(index, "") for c in columns}
    excel: dict[str, dict[str, str | Number]] = {c: dict.fromkeys(index, "") for c in columns}
    totals = dict(zip(rows.loc[rows["breakdown"] == "totaal", "label"],
                      rows.loc[rows["breakdown"] == "totaal", "estimate"], strict=True))
    suppressed = False
    hidden_columns = set()
    for row in rows.itertuples():
        if row.n < wave["min_n"] or pd.isna(row.estimate):
            cells[row.column][row.label] = excel[row.column][row.label] = SUPPRESSED
            suppressed = True
            hidden_columns.add(row.column)
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
            excel[row.column][row.label] = _figure(row.estimate, row.statistic, marker)
        cells[row.column]["n"] = str(int(row.n))
        numbers[row.column]["n"] = row.n
        excel[row.column]["n"] = Number(float(row.n), WHOLE)
    if with_total:
        for column in columns:
            if column in hidden_columns:
                cells[column][TOTAL_ROW] = excel[column][TOTAL_ROW] = SUPPRESSED
                continue
            # Rounded: 0.9999999999999999 would be a total of 100% that is not 100.
            share = round(sum(v for k, v in numbers[column].items()
                              if k in order and pd.notna(v)), 10)
            numbers[column][TOTAL_ROW] = share
            cells[column][TOTAL_ROW] = f"{dutch(share, 0)}%"
            excel[column][TOTAL_ROW] = Number(share / 100, PERCENT)
    cells, numbers, markers, excel = (pd.DataFrame(part, index=index, columns=columns)
                                      for part in (cells, numbers, markers, excel))
    notes = _base_notes(wave, run, rows, var)
    if breakdown != "totaal":
        notes.append(f"{HIGHER} / {LOWER}: significant hoger / lager dan de rest van de "
                     "steekproef (p < 0,05, toets die rekening houdt met weging en ontwerp).")
    notes += _suppression_note(wave, suppressed)
    title = f"{var['label']}" + (f" naar {BREAKDOWN_NAMES[breakdown].lower()}"
                                 if breakdown in BREAKDOWN_NAMES and breakdown != "totaal"
                                 else "")
    if by_question is not None:
        title = f"{var['label']} naar {by_question['label']}"
        notes.append(f"Uitgesplitst naar de antwoorden op '{by_question['label']}', met het "
                     "ontwerp van de meting.")
    return Table(title, cells, numbers, markers, notes, excel)


def frequencies(store: Store, user: User, wave_id: int, variable_id: int) -> Table:
    """Percentages (or the mean) with their 95% interval for the whole sample."""
    wave, var, run = _context(store, user, wave_id, variable_id)
    rows = results.stored(store, user, wave_id, variable_id, "totaal")
    if rows.empty:
        raise MonitorError(f"{var['label']} zit niet in meting {wave['label']}.")
    labels = _row_labels(var, rows)
    records, numbers, sheet, suppressed = [], [], [], False
    for label, row in zip(labels, rows.itertuples(), strict=True):
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
        numbers.append({"answer": label, "estimate": np.nan if hidden else scale * row.estimate,
                        "ci_low": np.nan if hidden else scale * row.ci_low,
                        "ci_high": np.nan if hidden else scale * row.ci_high, "n": row.n,
                        "statistic": row.statistic})
        bounds = not hidden and pd.notna(row.ci_low)
        sheet.append({"Antwoord": label,
                      "Schatting": SUPPRESSED if hidden else _figure(row.estimate, row.statistic),
                      "Ondergrens 95%": _figure(row.ci_low, row.statistic) if bounds else "",
                      "Bovengrens 95%": _figure(row.ci_high, row.statistic) if bounds else "",
                      "n": Number(float(row.n), WHOLE),
                      "Effectieve n": "" if pd.isna(row.neff) else Number(row.neff, DECIMAL)})
    notes = _base_notes(wave, run, rows, var) + _suppression_note(wave, suppressed)
    return Table(var["label"], pd.DataFrame(records), pd.DataFrame(numbers), notes=notes,
                 excel=pd.DataFrame(sheet))


def trend_choices(var: dict) -> list:
    """What a trend of this variable can show: for a single-choice question every answer
    (ALL), for a Likert item also the top-2 box (TOP2), then each answer code; for a number
    or a multiple-response item nothing to choose (an empty list)."""
    if var["type"] not in CATEGORICAL or var["type"] == "meervoudig":
        return []
    missing = {float(c) for c in var["missing_codes"]}
    codes = sorted(float(k) for k in var["value_labels"] if float(k) not in missing)
    return [ALL] + ([TOP2] if var["type"] == "likert" else []) + codes


def trend_label(var: dict, choice) -> str:
    """How a trend choice reads: 'Alle antwoorden', 'Top-2 (...)' or the answer's label."""
    return TREND_CHOICES.get(choice) or monitors.value_label(var, choice)


def _wave_figure(store: Store, user: User, wave_id: int, var: dict, category) -> dict | None:
    """One wave's figure for a trend: the answer `category` (a code), the top-2 box (TOP2,
    estimated from the wave's answers), the mean, or a number's first figure (None); None
    when the wave has none."""
    if category == TOP2:
        return results.top_box(store, user, wave_id, var["id"])
    rows = results.stored(store, user, wave_id, var["id"], "totaal")
    if category is not None:
        rows = rows[rows["category"] == category]
    else:
        rows = rows[rows["statistic"] != "totaal"].head(1)
    if rows.empty:
        return None
    row = rows.iloc[0]
    return {key: row[key] for key in ("statistic", "estimate", "se", "ci_low", "ci_high", "n")}


def _series(store: Store, user: User, monitor_id: int, var: dict, category) -> pd.DataFrame:
    """Per wave with a figure: wave (its label), statistic, estimate, se, ci_low, ci_high, n,
    and the change from the wave before (difference) with its p-value (waves as independent
    samples)."""
    records = []
    for wave in monitors.waves(store, user, monitor_id):
        if results.run(store, user, wave["id"]) is None:
            continue
        figure = _wave_figure(store, user, wave["id"], var, category)
        if figure is not None:
            records.append({"wave": wave["label"], **figure, "n": int(figure["n"])})
    table = pd.DataFrame(records, columns=["wave", "statistic", "estimate", "se", "ci_low",
                                           "ci_high", "n"])
    diff, _, p = estimates.difference_independent(
        table["estimate"].shift(1).to_numpy(float), table["se"].shift(1).to_numpy(float),
        table["estimate"].to_numpy(float), table["se"].to_numpy(float))
    return table.assign(difference=diff, p=p)


def _change(difference: float, p: float, scale: int) -> tuple[str, object]:
    """A change as text ('+3,2 ▲') and as a spreadsheet figure."""
    if np.isnan(difference):
        return "", ""
    marker = ("hoger" if difference > 0 else "lager") if p < ALPHA else ""
    arrow = f" {HIGHER if difference > 0 else LOWER}" if marker else ""
    return (f"{'+' if difference > 0 else ''}{dutch(scale * difference, 1)}{arrow}",
            _number(scale * difference, CHANGE, marker))


def trend(store: Store, user: User, monitor_id: int, variable_id: int,
          category=None) -> Table:
    """The variable's figure in every wave with results, with the change from the wave
    before and whether it is significant. `category` is an answer code, TOP2 (the two most
    favourable answers together, estimated from each wave's answers with its design) or ALL
    (every answer side by side); None for a number's mean. Waves are treated as independent
    samples; when the same municipalities answer each year (a panel) the test is
    conservative."""
    require(user, "survey.read")
    var = monitors.variable(store, user, variable_id)
    mon = monitors.monitor(store, user, monitor_id)
    if category == ALL:
        return _trend_all(store, user, mon, var)
    table = _series(store, user, monitor_id, var, category)
    if table.empty:
        raise MonitorError(f"Nog geen berekende resultaten voor {var['label']}.")
    table["hidden"] = table["n"] < mon["min_n"]
    statistic = table["statistic"].iloc[0]
    scale = 100 if statistic == "aandeel" else 1
    numbers = pd.DataFrame({"wave": table["wave"],
                            "estimate": np.where(table["hidden"], np.nan,
                                                 scale * table["estimate"]),
                            "ci_low": scale * table["ci_low"], "ci_high": scale * table["ci_high"],
                            "n": table["n"], "difference": scale * table["difference"],
                            "p": table["p"]})
    changes = [_change(d, pv, scale)
               for d, pv in zip(table["difference"], table["p"], strict=True)]
    cells = pd.DataFrame({
        "Meting": table["wave"],
        "Schatting": [SUPPRESSED if h else (f"{dutch(scale * e, 0)}%" if scale == 100
                                            else dutch(e)) for h, e in
                      zip(table["hidden"], table["estimate"], strict=True)],
        "Verandering": [text for text, _ in changes],
        "n": table["n"]})
    excel = pd.DataFrame({
        "Meting": table["wave"].astype(str),
        "Schatting": [SUPPRESSED if h else _figure(e, statistic)
                      for h, e in zip(table["hidden"], table["estimate"], strict=True)],
        "Ondergrens 95%": ["" if h or pd.isna(v) else _figure(v, statistic)
                           for h, v in zip(table["hidden"], table["ci_low"], strict=True)],
        "Bovengrens 95%": ["" if h or pd.isna(v) else _figure(v, statistic)
                           for h, v in zip(table["hidden"], table["ci_high"], strict=True)],
        "Verandering": [figure for _, figure in changes],
        "n": [Number(float(n), WHOLE) for n in table["n"]]})
    what = (trend_label(var, category) if category is not None else
            {"gemiddelde": "gemiddelde", "aandeel": "aandeel"}[statistic])
    notes = [f"{var['label']}: {what} per meting, elk met het ontwerp van die meting.",
             _TREND_TEST]
    if category == TOP2:
        notes.append("Top-2: het aandeel dat een van de twee gunstigste antwoorden gaf, per "
                     "meting geschat uit de antwoorden, met eigen interval en toets.")
    if scale == 100:
        notes.append("De verandering is in procentpunten.")
    notes += _suppression_note(mon, bool(table["hidden"].any()))
    return Table(f"{var['label']}: ontwikkeling", cells, numbers, notes=notes, excel=excel)


_TREND_TEST = (f"{HIGHER} / {LOWER}: significante verandering ten opzichte van de vorige "
               "meting (p < 0,05). De metingen zijn als onafhankelijke steekproeven getoetst; "
               "doen grotendeels dezelfde gemeenten mee (een panel), dan is deze toets "
               "conservatief.")


def _trend_all(store: Store, user: User, mon: dict, var: dict) -> Table:
    """Every answer's share per wave side by side (a column per answer), each with the test
    of its change from the wave before."""
    choices = [c for c in trend_choices(var) if c not in (ALL, TOP2)]
    found = {}
    for code in choices:
        series = _series(store, user, mon["id"], var, code)
        if not series.empty:
            found[code] = series
    if not found:
        raise MonitorError(f"Nog geen berekende resultaten voor {var['label']}.")
    waves_ = list(dict.fromkeys(m for series in found.values() for m in series["wave"]))
    cells = {"Meting": waves_}
    excel = {"Meting": waves_}
    long, suppressed = [], False
    for code, series in found.items():
        label = monitors.value_label(var, code)
        by_wave = series.set_index("wave")
        texts: list[str] = []
        figures: list[str | Number] = []
        for meting in waves_:
            if meting not in by_wave.index:
                texts.append("")
                figures.append("")
                continue
            row = by_wave.loc[meting]
            hidden = row["n"] < mon["min_n"] or pd.isna(row["estimate"])
            suppressed |= hidden
            text, _ = _change(row["difference"], row["p"], 100)
            marker = "" if not text.endswith((HIGHER, LOWER)) else \
                ("hoger" if text.endswith(HIGHER) else "lager")
            arrow = {"hoger": f" {HIGHER}", "lager": f" {LOWER}"}.get(marker, "")
            texts.append(SUPPRESSED if hidden else f"{dutch(100 * row['estimate'], 0)}%{arrow}")
            figures.append(SUPPRESSED if hidden else _number(row["estimate"], PERCENT, marker))
            long.append({"wave": meting, "answer": label,
                         "estimate": np.nan if hidden else 100 * row["estimate"],
                         "ci_low": 100 * row["ci_low"], "ci_high": 100 * row["ci_high"],
                         "n": int(row["n"]), "difference": 100 * row["difference"],
                         "p": row["p"]})
        cells[label], excel[label] = texts, figures
    first = next(iter(found.values())).set_index("wave")["n"]
    cells["n"] = [int(first[m]) if m in first.index else "" for m in waves_]
    excel["n"] = [Number(float(first[m]), WHOLE) if m in first.index else "" for m in waves_]
    notes = [f"{var['label']}: percentage per antwoord per meting, elk met het ontwerp van "
             "die meting.", _TREND_TEST.replace("verandering", "verandering van een antwoord", 1),
             "De verandering is in procentpunten."]
    notes += _suppression_note(mon, suppressed)
    return Table(f"{var['label']}: ontwikkeling", pd.DataFrame(cells), pd.DataFrame(long),
                 notes=notes, excel=pd.DataFrame(excel))


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
    assert wave is not None, f"wave {wave_id}"
    rows = _category_table(store, user, wave_id, variable_ids, breakdown, group)
    cells, numbers, sheet, suppressed = [], [], [], False
    for variable_id in variable_ids:
        var = monitors.variable(store, user, variable_id)
        part = rows[(rows["variable_id"] == variable_id) & (rows["statistic"] == "aandeel")]
        if part.empty:
            continue
        hidden = int(part["n"].iloc[0]) < wave["min_n"]
        suppressed |= hidden
        ordered = part.sort_values("category")
        shares = {monitors.value_label(var, r.category): 100 * r.estimate
                  for r in ordered.itertuples()}
        top = ordered.tail(2) if var["higher_is_better"] != 0 else ordered.head(2)
        top2 = 100 * top["estimate"].sum()
        n = int(part["n"].iloc[0])
        numbers.append({"item": var["label"], **shares, "top-2": top2, "n": n})
        cells.append({"Item": var["label"],
                      **{k: SUPPRESSED if hidden else f"{dutch(v, 0)}%" for k, v in shares.items()},
                      "Top-2": SUPPRESSED if hidden else f"{dutch(top2, 0)}%", "n": n})
        sheet.append({"Item": var["label"],
                      **{k: SUPPRESSED if hidden else Number(v / 100, PERCENT)
                         for k, v in shares.items()},
                      "Top-2": SUPPRESSED if hidden else Number(top2 / 100, PERCENT),
                      "n": Number(float(n), WHOLE)})
    notes = [f"Meting {wave['label']}. Percentage van de geldige antwoorden per item; top-2 = "
             "de twee gunstigste antwoorden samen."] + _suppression_note(wave, suppressed)
    return Table("Stellingen", _columns_last(pd.DataFrame(cells), ["Top-2", "n"]),
                 _columns_last(pd.DataFrame(numbers), ["top-2", "n"]), notes=notes,
                 excel=_columns_last(pd.DataFrame(sheet), ["Top-2", "n"]))


def _columns_last(frame: pd.DataFrame, last: list[str]) -> pd.DataFrame:
    """The frame with the columns `last` moved to the end (items whose answers differ add
    their own columns after them)."""
    present = [c for c in last if c in frame.columns]
    return frame[[c for c in frame.columns if c not in present] + present]


def multiple_response(store: Store, user: User, wave_id: int, variable_ids: list[int],
                      breakdown: str = "totaal", group: str | None = None) -> Table:
    """A multiple-response set: per option the % of respondents who chose it (totals above
    100% are expected)."""
    require(user, "survey.read")
    wave = store.one("SELECT w.label, m.min_n FROM waves w JOIN monitors m"
                     " ON m.id = w.monitor_id WHERE w.id = ?", [wave_id])
    assert wave is not None, f"wave {wave_id}"
    rows = _category_table(store, user, wave_id, variable_ids, breakdown, group)
    cells, numbers, sheet, suppressed = [], [], [], False
    for variable_id in variable_ids:
        var = monitors.variable(store, user, variable_id)
        part = rows[rows["variable_id"] == variable_id]
        if part.empty:
            continue
        row = part.iloc[0]
        hidden = row["n"] < wave["min_n"]
        suppressed |= hidden
        label = var["label"].split(": ", 1)[-1]
        numbers.append({"option": label, "percentage": np.nan if hidden else 100 * row["estimate"],
                        "ci_low": 100 * row["ci_low"], "ci_high": 100 * row["ci_high"],
                        "n": int(row["n"])})
        cells.append({"Antwoord": label,
                      "% van de respondenten": SUPPRESSED if hidden else
                      f"{dutch(100 * row['estimate'], 0)}%", "n": int(row["n"])})
        sheet.append({"Antwoord": label,
                      "% van de respondenten": SUPPRESSED if hidden else
                      Number(row["estimate"], PERCENT), "n": Number(float(row["n"]), WHOLE)})
    notes = [f"Meting {wave['label']}. Meerdere antwoorden mogelijk: percentage van de "
             "respondenten die de vraag beantwoordden; de som is meer dan 100%."] \
        + _suppression_note(wave, suppressed)
    return Table("Meerdere antwoorden", pd.DataFrame(cells), pd.DataFrame(numbers), notes=notes,
                 excel=pd.DataFrame(sheet))


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
    assert mon is not None  # its data was read above
    records, sheet = [], []
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

        def shown(part, figure: bool = False):
            if part.empty or part["n"].iloc[0] < mon["min_n"]:
                return SUPPRESSED
            row = part.iloc[0]
            return _figure(row["estimate"], row["statistic"]) if figure else \
                _format(row, row["statistic"])

        records.append({"Vraag": var["label"], "Eigen antwoord": answer,
                        "Alle gemeenten": shown(every), "Zelfde grootteklasse": shown(same)})
        sheet.append({"Vraag": var["label"], "Eigen antwoord": answer,
                      "Alle gemeenten": shown(every, True),
                      "Zelfde grootteklasse": shown(same, True)})
    notes = ["Bij keuzevragen: het percentage dat hetzelfde antwoord gaf; bij getallen: het "
             "gemiddelde.", f"Grootteklasse: {own['size_class'] or 'onbekend'}."]
    return Table(f"Benchmark {unit_code}", pd.DataFrame(records), pd.DataFrame(records),
                 notes=notes, excel=pd.DataFrame(sheet))
