"""Stapeling: the tables. Reading and checking an indicator table and its metadata (a CSV as a
path, bytes or upload, read as hostile input through `untrusted`), the shipped Amsterdam tables,
and a wave's results as such a table (`from_monitor`); `StapelingError` and Dutch numbers."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pandas as pd

from research import untrusted
from research.config import DATA_DIR
from research.errors import UserError

FOLDER = DATA_DIR / "amsterdam"
# The shipped Amsterdam files (see data/README.md: their source, and what they leave out).
GEBIEDEN_FILE = "gebieden_indicatoren.csv"
META_FILE = "indicatoren_meta.csv"
SES_FILE = "ses_indicatoren.csv"
BIBLIOTHEKEN_FILE = "bibliotheken_stadsdelen.csv"
JGZ_FILE = "jgz_gebieden.csv"
PUBLISHED_COLUMN = "aantal_ondergemiddeld_gepubliceerd"

DIRECTIONS = {"hoger_is_beter": 1.0, "lager_is_beter": -1.0}
META_DEFAULTS = {"domein": "", "label": None, "eenheid": "", "populatie": ""}

# Distances closer to zero than this count as exactly on the reference (float noise).
TOLERANCE = 1e-9

NO_VALUE = "–"


class StapelingError(UserError):
    """A table, metadata file or setting that stapeling cannot use, with a Dutch message."""




# -- formatting --------------------------------------------------------------------------------

def nl_number(value, digits: int = 2) -> str:
    """A number the Dutch way: decimal comma, at most `digits` decimals, no trailing zeros."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NO_VALUE
    text = f"{float(value):.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text.replace(".", ",")


def _cap(text: str) -> str:
    """The text with its first letter upper case (the rest, such as a file name, untouched)."""
    return text[:1].upper() + text[1:]


# -- reading files -----------------------------------------------------------------------------

def _source_name(source, default: str) -> str:
    """How a message names the file: "'naam.csv'" or the default description."""
    name = getattr(source, "name", None) if not isinstance(source, (str, Path)) else source
    if isinstance(name, (str, Path)) and str(name).strip():
        return f"{default} '{Path(str(name)).name}'"
    return default


def _read_text(source, what: str) -> str:
    """The text of a CSV given as a path, bytes or a file-like object (`untrusted.decode`)."""
    if isinstance(source, (str, Path)):
        try:
            raw = Path(source).read_bytes()
        except OSError:
            raise StapelingError(f"{_cap(what)} is niet te openen.") from None
    elif isinstance(source, (bytes, bytearray)):
        raw = bytes(source)
    elif hasattr(source, "read"):
        if hasattr(source, "seek"):
            source.seek(0)
        raw = source.read()
        if isinstance(raw, str):
            return raw
    else:
        raise StapelingError(f"{_cap(what)} is geen bestand of tekst.")
    return untrusted.decode(raw).text


def read_csv(source, what: str = "het bestand") -> tuple[pd.DataFrame, bool]:
    """All cells of a CSV as text, and whether it uses a decimal comma (';'-separated).

    Accepts a path, bytes or a file-like object (such as an uploaded file).
    """
    text = _read_text(source, what)
    if not text.strip():
        raise StapelingError(f"{_cap(what)} is leeg.")
    sep = untrusted.sniff_delimiter(text)
    try:
        table = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                            skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise StapelingError(f"{_cap(what)} is geen leesbare CSV ({exc}).") from None
    table.columns = [str(column).strip() for column in table.columns]
    return table, sep == ";"


def numeric_column(values: pd.Series, decimal_comma: bool) -> pd.Series | None:
    """The column as floats, or None when a cell is not a number."""
    try:
        return values.map(lambda cell: untrusted.parse_number(cell, decimal_comma)).astype(float)
    except (TypeError, ValueError):
        return None


def _checked_numbers(values: pd.Series, indicator: str, what: str,
                     decimal_comma: bool = False) -> pd.Series:
    """An indicator column as floats; a non-numeric cell names its area and indicator."""
    out = []
    for area, cell in values.items():
        try:
            out.append(untrusted.parse_number(cell, decimal_comma))
        except (TypeError, ValueError):
            raise StapelingError(
                f"In {what} is de waarde '{cell}' bij gebied '{area}' en indicator "
                f"'{indicator}' geen getal. Laat een cel leeg als er geen waarde is.") from None
    return pd.Series(out, index=values.index, name=indicator, dtype=float)


def checked_meta(meta: pd.DataFrame, what: str = "de metadata") -> pd.DataFrame:
    """Metadata indexed by indicator with richting, label, domein, eenheid and populatie.

    Accepts an 'indicator' column or an index of indicators. Checks that every indicator is
    named once and has a known direction; fills a missing label with the indicator name.
    """
    meta = meta.copy()
    meta.columns = [str(column).strip() for column in meta.columns]
    if "indicator" in meta.columns:
        meta = meta.set_index("indicator")
    meta.index = [str(name).strip() for name in meta.index]
    meta.index.name = "indicator"
    if "richting" not in meta.columns:
        raise StapelingError(f"In {what} ontbreekt de kolom 'richting'.")
    if meta.empty:
        raise StapelingError(f"{_cap(what)} noemt geen indicatoren.")
    if "" in meta.index:
        raise StapelingError(f"In {what} staat een regel zonder indicatornaam.")
    duplicates = meta.index[meta.index.duplicated()].unique().tolist()
    if duplicates:
        raise StapelingError(f"Indicator '{duplicates[0]}' staat twee keer in {what}.")
    for name, direction in meta["richting"].items():
        key = str(direction).strip().lower()
        if key not in DIRECTIONS:
            raise StapelingError(
                f"Richting '{direction}' (indicator '{name}') is onbekend; gebruik "
                "hoger_is_beter of lager_is_beter.")
        meta.loc[name, "richting"] = key
    for column, default in META_DEFAULTS.items():
        if column not in meta.columns:
            meta[column] = default
        meta[column] = meta[column].fillna("").astype(str).str.strip()
    empty_label = meta["label"] == ""
    meta.loc[empty_label, "label"] = meta.index[empty_label]
    return meta


def _read_meta(meta_source) -> pd.DataFrame:
    """The metadata file, checked."""
    what = _source_name(meta_source, "het metadatabestand")
    table, _ = read_csv(meta_source, what)
    if "indicator" not in table.columns:
        raise StapelingError(f"In {what} ontbreekt de kolom 'indicator'.")
    return checked_meta(table, what)


def load_table(data_source, meta_source, area_column: str | None = None
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read an indicator table and its metadata from CSV (path, bytes or file-like).

    The data file has an area column (default: the first column), optional grouping columns
    (stadsdeel), one column per indicator and possibly other columns (lage_ses_pct, the
    published count). The indicators are the metadata's rows; each must be a column. Both ','
    and ';' with a decimal comma are read. Returns (data indexed by area with every other
    column, indicator columns as floats; metadata indexed by indicator).
    """
    meta = _read_meta(meta_source)
    what = _source_name(data_source, "het gegevensbestand")
    table, decimal_comma = read_csv(data_source, what)
    area_column = area_column or table.columns[0]
    if area_column not in table.columns:
        raise StapelingError(f"Kolom '{area_column}' staat niet in {what}.")
    for indicator in meta.index:
        if indicator not in table.columns:
            raise StapelingError(
                f"Kolom '{indicator}' uit de metadata staat niet in {what}.")
        if indicator == area_column:
            raise StapelingError(f"Kolom '{indicator}' is de gebiedskolom en geen indicator.")
    table[area_column] = table[area_column].str.strip()
    _check_areas(table[area_column], what)
    data = table.set_index(area_column)
    for column in data.columns:
        if column in meta.index:
            data[column] = _checked_numbers(data[column], column, what, decimal_comma)
        else:
            numbers = numeric_column(data[column], decimal_comma)
            if numbers is not None and data[column].str.strip().ne("").any():
                data[column] = numbers
    return data, meta


def _check_areas(areas: pd.Series, what: str) -> None:
    """Every row has an area name, and no name occurs twice."""
    if (areas == "").any():
        raise StapelingError(f"In {what} staat een regel zonder gebiedsnaam.")
    duplicates = areas[areas.duplicated()].unique().tolist()
    if duplicates:
        raise StapelingError(f"Gebied '{duplicates[0]}' staat twee keer in {what}.")


def load_amsterdam(kind: str = "gebieden") -> tuple[pd.DataFrame, pd.DataFrame]:
    """The shipped Amsterdam table ('gebieden' or 'ses') with its metadata."""
    files = {"gebieden": GEBIEDEN_FILE, "ses": SES_FILE}
    if kind not in files:
        raise StapelingError(f"Tabel '{kind}' is onbekend; kies gebieden of ses.")
    return load_table(FOLDER / files[kind], FOLDER / META_FILE)


def indicator_data(data: pd.DataFrame, meta: pd.DataFrame, what: str = "de tabel"
                    ) -> pd.DataFrame:
    """The meta indicators of `data` as floats (areas as index, names as text)."""
    if not isinstance(data, pd.DataFrame) or data.empty:
        raise StapelingError(f"{_cap(what)} bevat geen gebieden.")
    table = data.copy()
    table.index = [str(area).strip() for area in table.index]
    _check_areas(pd.Series(table.index), what)
    for indicator in meta.index:
        if indicator not in table.columns:
            raise StapelingError(f"Kolom '{indicator}' uit de metadata staat niet in {what}.")
    columns = {name: (table[name].astype(float) if pd.api.types.is_numeric_dtype(table[name])
                      else _checked_numbers(table[name], name, what))
               for name in meta.index}
    return pd.DataFrame(columns, index=table.index)


# -- from a monitor's results ------------------------------------------------------------------

def from_monitor(store, user, wave_id: int, breakdown: str
                 ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A wave's results as a stapeling table: a row per group of a frame breakdown (regions,
    provinces, size classes), a column per indicator with a direction (hoger of lager is
    beter): a mark's or number's mean, a Likert item's top-2 box (%), a multiple-response
    item's share (%). Groups below the monitor's minimum n have no value. Returns (data,
    metadata, standard errors; NaN where the results store has none, as for a top-2 box)."""
    from research.accounts import require
    from research.survey import monitors, results
    from research.survey.monitors import FRAME_BREAKDOWNS, NUMERIC
    from research.survey.ordering import natural_order

    require(user, "survey.read")
    if breakdown not in FRAME_BREAKDOWNS:
        raise StapelingError("Uitsplitsen kan naar regio, grootteklasse of provincie; "
                             f"'{breakdown}' is geen van die.")
    wave = store.one("SELECT w.label, w.monitor_id, m.min_n FROM waves w JOIN monitors m"
                     " ON m.id = w.monitor_id WHERE w.id = ?", [wave_id])
    if wave is None:
        raise StapelingError("Deze meting bestaat niet.")
    if results.run(store, user, wave_id) is None:
        raise StapelingError(f"De resultaten van meting {wave['label']} zijn nog niet "
                             "berekend (onder Resultaten).")
    stored = results.stored(store, user, wave_id, breakdown=breakdown)
    values, errors, meta = {}, {}, []
    for var in monitors.variables(store, user, wave["monitor_id"]):
        rows = stored[stored["variable_id"] == var["id"]]
        if var["higher_is_better"] is None or rows.empty:
            continue
        if var["type"] in NUMERIC:
            rows = rows[rows["statistic"] == "gemiddelde"]
            scale, unit = 1.0, "rapportcijfer" if var["type"] == "rapportcijfer" else ""
            estimate, se = rows.set_index("grp")["estimate"], rows.set_index("grp")["se"]
        elif var["type"] == "meervoudig":
            rows = rows[rows["category"] == 1.0]
            scale, unit = 100.0, "%"
            estimate, se = rows.set_index("grp")["estimate"], rows.set_index("grp")["se"]
        elif var["type"] == "likert":
            codes = sorted(rows["category"].dropna().unique())
            top = codes[-2:] if var["higher_is_better"] else codes[:2]
            rows = rows[rows["category"].isin(top)]
            scale, unit = 100.0, "% top-2"
            estimate = rows.groupby("grp", sort=False)["estimate"].sum()
            se = pd.Series(np.nan, index=estimate.index)
        else:
            continue
        n = rows.groupby("grp", sort=False)["n"].min()
        shown = n >= wave["min_n"]
        values[var["name"]] = (scale * estimate).where(shown.reindex(estimate.index,
                                                                     fill_value=False))
        errors[var["name"]] = (scale * se).where(shown.reindex(se.index, fill_value=False))
        meta.append({"indicator": var["name"], "domein": var["topic"] or "",
                     "label": var["label"], "eenheid": unit, "populatie": "",
                     "richting": "hoger_is_beter" if var["higher_is_better"]
                     else "lager_is_beter"})
    if not meta:
        raise StapelingError(f"Meting {wave['label']} heeft geen indicatoren met een richting "
                             "(hoger of lager is beter); stel die in onder Vragenlijst en "
                             "ontwerp.")
    data = pd.DataFrame(values)
    data = data.reindex(natural_order(data.index))
    data.index.name = "gebied"
    return data, checked_meta(pd.DataFrame(meta)), pd.DataFrame(errors).reindex(data.index)
