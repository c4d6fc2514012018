"""Reading a wave: what the Excel and CSV readers share (named columns, text columns that turn
out to be numbers or dates, dropping empty rows) and building the `WaveFile` from the columns
(variable descriptions, multiple-response sets by prefix, the design columns by name)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from research import untrusted
from research.survey.readers.model import (
    DESIGN_ROLES,
    Column,
    ReadError,
    WaveFile,
    is_blank,
    normal_name,
)
from research.survey.readers.types import (
    MENTIONED,
    guess_higher_is_better,
    infer_type,
    mr_prefix,
    without_missing,
)

NUMERIC_SHARE = 0.8                    # a column with this share of numbers is numeric

MISSING_MARKERS = ("", "#NULL!")       # empty cells; #NULL! is SPSS's empty cell in Excel

# Column names (lower case, letters and digits only) that suggest a design role, best first.
DESIGN_NAMES = {
    "weight": ("gewicht", "weegfactor", "weight", "weegfac", "weging", "wgt"),
    # Not 'grootteklasse': a size class in the data is a question to break results down by
    # (a text column of a few answers becomes a single-choice question); it can still be
    # chosen as the stratum when loading.
    "strata": ("stratum", "strata", "strat"),
    "psu": ("psu", "cluster", "clusterid"),
    "fpc": ("fpc", "populatiegrootte", "populatie"),
    "unit": ("gemeentecode", "gemcode", "gmcode", "eenheid", "unit", "gebiedscode",
             "gebiedcode", "gebied", "wijkcode", "buurtcode"),
    "completed": ("ingevuld", "datumingevuld", "einddatum", "enddate", "completed",
                  "afgerond", "submitdate", "recordeddate", "datum"),
    "respondent": ("respondentnummer", "respondentid", "respondent", "respnr", "respid",
                   "responseid", "id"),
}
NUMERIC_ROLES = ("weight", "fpc")

DATE_TEXT = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4})"
                       r"([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?$")


# -- shared table handling ---------------------------------------------------------------------

def named_columns(header: list[str], frame: pd.DataFrame, filename: str):
    """(position, name) of the columns to keep: nameless empty columns are dropped, nameless
    filled ones and duplicate names refused."""
    kept = []
    for position, name in enumerate(header):
        if not name:
            filled = frame[frame.columns[position]].map(lambda v: not is_blank(v)).any() \
                if len(frame) else False
            if filled:
                raise ReadError(f"Bestand '{filename}': kolom {position + 1} heeft geen naam in "
                                "de kopregel maar bevat wel gegevens.")
            continue
        kept.append((frame.columns[position], name))
    check_unique([name for _, name in kept], filename)
    return kept


def check_unique(names: list[str], filename: str) -> None:
    """Refuse a header with a name twice."""
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if name in seen:
            count = names.count(name)
            raise ReadError(f"Bestand '{filename}': de kolomnaam '{name}' komt {count} keer voor "
                            f"(kolom {seen[name]} en {position}). Geef elke kolom een eigen "
                            "naam.")
        seen[name] = position


def finish_table(columns: list[Column], frame: pd.DataFrame, filename: str,
                  warnings: list[str]) -> WaveFile:
    """Drop rows without any answer, refuse a file without respondents, build the wave."""
    if not columns:
        raise ReadError(f"Bestand '{filename}' bevat geen kolommen met een naam.")
    filled = np.zeros(len(frame), dtype=bool)
    for column in columns:
        filled |= column.values.notna().to_numpy()
    if not filled.any():
        raise ReadError(f"Bestand '{filename}' bevat alleen een kopregel en geen respondenten.")
    rows = frame.index.to_numpy()[filled]
    for column in columns:
        column.values = column.values[filled].reset_index(drop=True)
    return build_wave(columns, filename, rows, warnings)


def text_column(values: pd.Series, name: str, filename: str, decimal_comma: bool,
                 force_text: bool) -> Column:
    """A column read as text, turned into numbers when (nearly) all cells are numbers.

    All numbers -> number column. At least NUMERIC_SHARE numbers -> ReadError naming the first
    cell that is not (a mistake in a numeric column). Otherwise dates or open text.
    """
    stripped = values.astype("str").str.strip().where(values.notna(), "")
    empty = stripped.isin(MISSING_MARKERS).to_numpy()
    if empty.all():
        return Column(name, pd.Series(np.nan, index=values.index, dtype="float64"), "number")
    numbers = untrusted.parse_numbers(stripped.where(~empty), decimal_comma)
    good = np.isfinite(numbers.to_numpy())
    bad = ~empty & ~good
    filled = int((~empty).sum())
    n_bad = int(bad.sum())
    if n_bad == 0 and not force_text:
        return Column(name, numbers, "number")
    if not force_text and (filled - n_bad) / filled >= NUMERIC_SHARE:
        first = int(np.flatnonzero(bad)[0])
        message = (f"Bestand '{filename}', kolom '{name}': '{stripped.iloc[first]}' is geen getal "
                   f"(rij {values.index[first]}).")
        if n_bad > 1:
            message += f" In deze kolom zijn nog {n_bad - 1} andere cellen geen getal."
        raise ReadError(message)
    texts = stripped.astype(object).where(~empty, None)
    dates = _text_dates(texts) if not force_text else None
    if dates is not None:
        return Column(name, dates, "date")
    return Column(name, texts, "text")


def _text_dates(texts: pd.Series) -> pd.Series | None:
    """ISO strings when every filled cell is a date (2025-03-12, 12-3-2025, with a time), else
    None."""
    filled = texts.dropna()
    if filled.empty or not filled.str.fullmatch(DATE_TEXT).all():
        return None
    iso = filled.str.match(r"^\d{4}-")
    parsed = pd.Series(pd.NaT, index=filled.index, dtype="datetime64[ns]")
    if iso.any():
        parsed[iso] = pd.to_datetime(filled[iso], errors="coerce", format="ISO8601")
    if (~iso).any():
        parsed[~iso] = pd.to_datetime(filled[~iso].str.replace(r"[/.]", "-", regex=True),
                                      errors="coerce", dayfirst=True, format="mixed")
    if parsed.isna().any():
        return None
    result = pd.Series(None, index=texts.index, dtype=object)
    result.loc[filled.index] = iso_dates(parsed).to_numpy()
    return result


def iso_dates(values: pd.Series) -> pd.Series:
    """Dates as ISO text ('2025-03-12', with 'T10:15:00' when any value has a time)."""
    if values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) == "time":
        return values.map(lambda t: t.isoformat(), na_action="ignore").astype(object) \
            .where(values.notna(), None)
    stamps = pd.to_datetime(values, errors="coerce")
    has_time = bool(((stamps - stamps.dt.normalize()).dt.total_seconds().fillna(0) != 0).any())
    text = stamps.dt.strftime("%Y-%m-%dT%H:%M:%S" if has_time else "%Y-%m-%d")
    return text.astype(object).where(stamps.notna(), None)


# -- building the WaveFile ---------------------------------------------------------------------

def build_wave(columns: list[Column], filename: str, rows: np.ndarray,
           warnings: list[str]) -> WaveFile:
    """The WaveFile: design guesses, variable descriptions, multiple-response sets, warnings."""
    design = _guess_design(columns)
    skip = {c for c in design.values() if c} | {c.name for c in columns if c.kind == "date"}
    substantive = [c for c in columns if c.name not in skip]
    prefixes = _prefix_mr_sets([c for c in substantive if c.kind == "number" and not c.mr_set])
    variables = []
    for column in substantive:
        column.mr_set = column.mr_set or prefixes.get(column.name)
        variables.append(_describe(column, warnings))
    data = pd.DataFrame({c.name: c.values.reset_index(drop=True) for c in columns})
    return WaveFile(data, variables, warnings, design, filename, np.asarray(rows))


def _describe(column: Column, warnings: list[str]) -> dict:
    """The variable description of one substantive column."""
    missing = [float(c) for c in column.missing_codes]
    labels = dict(column.value_labels)
    valid = without_missing(column.values.rename(column.name), missing)
    substantive_labels = {k: v for k, v in labels.items() if k not in missing}
    if column.kind == "text":
        kind = "open"
    elif column.mr_set:
        kind = "meervoudig"
    else:
        kind = infer_type(valid, substantive_labels, label=column.label)
    var = {"name": column.name, "label": column.label or column.name,
           "question": column.question, "type": kind, "value_labels": labels,
           "missing_codes": missing, "topic": None,
           "higher_is_better": guess_higher_is_better(kind, substantive_labels),
           "mr_set": column.mr_set}
    if kind == "meervoudig" and not var["mr_set"]:
        var["mr_set"] = mr_prefix(column.name) or column.name
    warnings.extend(variable_warnings(var, valid))
    return var


def variable_warnings(var: dict, valid: pd.Series) -> list[str]:
    """Remarks on one variable: empty, or labels for only some of its values."""
    name = var["name"]
    if valid.isna().all():
        return [f"Kolom '{name}' is leeg: niemand heeft deze vraag beantwoord."]
    if var["type"] not in ("enkelvoudig", "likert") or not var["value_labels"]:
        return []
    present = pd.unique(valid.dropna().to_numpy())
    labelled = sum(1 for v in present if float(v) in var["value_labels"])
    if labelled < len(present):
        return [f"Kolom '{name}': labels voor {labelled} van de {len(present)} waarden."]
    return []


def _prefix_mr_sets(columns: list[Column]) -> dict[str, str]:
    """Column name -> set name for 0/1 columns sharing a prefix (v5_1, v5_2, ...) whose labels,
    if any, read 'genoemd'/'niet genoemd' (not Ja/Nee: those are separate questions)."""
    groups: dict[str, list[str]] = {}
    for column in columns:
        prefix = mr_prefix(column.name)
        if prefix is None:
            continue
        valid = without_missing(column.values, column.missing_codes).dropna()
        labels = {k: v for k, v in column.value_labels.items() if k not in column.missing_codes}
        if not np.isin(pd.unique(valid.to_numpy()), (0.0, 1.0)).all():
            continue
        if labels and not (set(labels) <= {0.0, 1.0}
                           and all(MENTIONED.match(v) for v in labels.values())):
            continue
        groups.setdefault(prefix, []).append(column.name)
    return {name: prefix for prefix, names in groups.items() if len(names) >= 2
            for name in names}


# -- design columns ----------------------------------------------------------------------------

def _guess_design(columns: list[Column]) -> dict:
    """Per design role (weight, strata, psu, fpc, unit, completed, respondent) the column whose
    name suggests it, or None; weight and fpc must be numeric. Without a name match the last
    date column is the completion date."""
    pairs = [(c.name, c.kind) for c in columns]
    normal = [(normal_name(name), name, kind) for name, kind in pairs]
    taken: set[str] = set()
    design: dict = {}
    for role in DESIGN_ROLES:
        design[role] = None
        allowed = [(n, name, kind) for n, name, kind in normal if name not in taken
                   and (role not in NUMERIC_ROLES or kind == "number")]
        for candidate in DESIGN_NAMES[role]:
            found = next((name for n, name, _ in allowed if n == candidate), None) or next(
                (name for n, name, _ in allowed if len(candidate) >= 4
                 and n.startswith(candidate)), None)
            if found:
                design[role] = found
                taken.add(found)
                break
    if design["completed"] is None:
        dates = [c.name for c in columns if c.kind == "date" and c.name not in taken
                 and c.values.dropna().str.match(r"^\d{4}-").all()]  # not a time of day
        design["completed"] = dates[-1] if dates else None
    return design
