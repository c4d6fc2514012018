"""Accumulation of disadvantage ("stapeling"): where unfavourable scores pile up.

The way Amsterdam's research office (OIS) shows it: an indicator x area table, each cell
coloured by the area's distance to a reference, direction-aware (for a "lager_is_beter"
indicator a higher value is unfavourable), and per area the number of unfavourable scores.

The reference is the analyst's choice and every result says which one it used (`rule`):

- "mean": the unweighted mean of the areas; unfavourable = on the unfavourable side of it,
  optionally by more than a margin (`threshold`, in the indicator's unit or, with
  `threshold_in_sd=True`, in standard deviations of the areas);
- "given": a reference value per indicator (e.g. the city average, weighted by population);
- "rest": each area against the mean of the other areas, with a two-sided z-test when
  standard errors are known;
- "sd": the OIS rule with one standard deviation of the areas as the unit (z-scores).

The published Amsterdam counts (`aantal_ondergemiddeld_gepubliceerd`) came from an
unpublished rule; `best_matching_rule` shows how close each built-in rule comes.

Also here: `inzet_opgave`, which sets effort (inzet, e.g. library floor space) against need
(opgave, e.g. reading level) per area, with a rank correlation and a quadrant per area.
No streamlit here; pages render the tables and figures this module returns.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy import stats

from research import untrusted
from research.config import DATA_DIR
from research.errors import UserError
from research.plotly_text import escape, escape_all

FOLDER = DATA_DIR / "amsterdam"
# The shipped Amsterdam files (see data/README.md: their source, and what they leave out).
GEBIEDEN_FILE = "gebieden_indicatoren.csv"
META_FILE = "indicatoren_meta.csv"
SES_FILE = "ses_indicatoren.csv"
BIBLIOTHEKEN_FILE = "bibliotheken_stadsdelen.csv"
JGZ_FILE = "jgz_gebieden.csv"
PUBLISHED_COLUMN = "aantal_ondergemiddeld_gepubliceerd"

REFERENCES = {
    "mean": "Ongewogen gemiddelde van de gebieden",
    "given": "Opgegeven referentiewaarde (bijv. het stedelijk gemiddelde)",
    "rest": "De overige gebieden (met toets)",
    "sd": "Eén standaardafwijking (OIS-regel)",
}
DIRECTIONS = {"hoger_is_beter": 1.0, "lager_is_beter": -1.0}
META_DEFAULTS = {"domein": "", "label": None, "eenheid": "", "populatie": ""}
# Margins tried by best_matching_rule, in standard deviations of the areas.
CANDIDATE_MARGINS_SD = (0.25, 0.5, 0.75)
# Distances closer to zero than this count as exactly on the reference (float noise).
_TOLERANCE = 1e-9
# Diverging colours: red = unfavourable, white = reference, blue = favourable.
COLORSCALE = [[0.0, "#b2182b"], [0.25, "#ef8a62"], [0.5, "#f7f7f7"], [0.75, "#67a9cf"],
              [1.0, "#2166ac"]]
COUNT_COLORSCALE = [[0.0, "#ffffff"], [1.0, "#d6604d"]]
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


# Plural -> singular of the words a rule sentence may use for its rows.
NOUNS = {"gebieden": "gebied", "groepen": "groep", "stadsdelen": "stadsdeel", "wijken": "wijk"}


def _area_noun(count: int, noun: str) -> str:
    """'23 gebieden' (the noun is given in the plural)."""
    return f"{count} {noun}"


def _singular(noun: str) -> str:
    """'gebied' for 'gebieden'; an unknown plural becomes 'rij'."""
    return NOUNS.get(noun, "rij")


# -- reading files -------------------------------------------------------------------------------

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


def _numeric_column(values: pd.Series, decimal_comma: bool) -> pd.Series | None:
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
            numbers = _numeric_column(data[column], decimal_comma)
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


# -- the computation -----------------------------------------------------------------------------

@dataclass
class Stapeling:
    """The result of one stapeling: cells, counts per area and the rule used.

    long: one row per area x indicator (gebied, indicator, label, domein, eenheid, richting,
    waarde, referentie, afstand, z, ongunstig, niveau, p). `afstand` is direction-aware:
    negative = unfavourable. counts: per area gebied, aantal_ongunstig, indicatoren (the
    Dutch labels of the unfavourable indicators), aantal_gemeten. rule: one Dutch sentence.
    reference: the key of REFERENCES that was used.
    """

    long: pd.DataFrame
    counts: pd.DataFrame
    rule: str
    reference: str = "mean"

    def pivot(self, column: str) -> pd.DataFrame:
        """Areas x indicator labels of one column of `long`, in the original order."""
        areas = list(dict.fromkeys(self.long["gebied"]))
        indicators = list(dict.fromkeys(self.long["indicator"]))
        labels = self.long.drop_duplicates("indicator").set_index("indicator")["label"]
        wide = self.long.pivot(index="gebied", columns="indicator", values=column)
        wide = wide.reindex(index=areas, columns=indicators)
        wide.columns = [labels[name] for name in indicators]
        wide.index.name = "gebied"
        return wide

    def heatmap_matrix(self) -> pd.DataFrame:
        """Areas x indicator labels of the value to colour by.

        For the sd rule the z-score; otherwise the distance scaled per indicator to -1..1 by
        that indicator's largest absolute distance (negative = unfavourable).
        """
        if self.reference == "sd":
            return self.pivot("z").astype(float)
        distance = self.pivot("afstand").astype(float)
        largest = distance.abs().max()
        return distance / largest.where(largest > 0, 1.0)


def _indicator_data(data: pd.DataFrame, meta: pd.DataFrame, what: str = "de tabel"
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


def _per_indicator(values, meta: pd.DataFrame, missing: str) -> pd.Series:
    """A number per indicator from a scalar, dict or Series; `missing` names what is absent."""
    if values is None:
        raise StapelingError(f"Voor de indicatoren is geen {missing} opgegeven.")
    if isinstance(values, (int, float, np.integer, np.floating)) and not isinstance(values, bool):
        return pd.Series(float(values), index=meta.index)
    if not isinstance(values, (Mapping, pd.Series)):
        raise StapelingError(f"De {missing} moet een getal per indicator zijn.")
    out = {}
    for indicator in meta.index:
        if indicator not in values:
            raise StapelingError(f"Voor indicator '{indicator}' is geen {missing} opgegeven.")
        try:
            out[indicator] = untrusted.parse_number(values[indicator])
        except (TypeError, ValueError):
            raise StapelingError(f"De {missing} '{values[indicator]}' voor indicator "
                                 f"'{indicator}' is geen getal.") from None
        if math.isnan(out[indicator]):
            raise StapelingError(f"Voor indicator '{indicator}' is geen {missing} opgegeven.")
    return pd.Series(out, dtype=float)


def _margins(threshold, values: pd.DataFrame, meta: pd.DataFrame, in_sd: bool) -> pd.Series:
    """The margin per indicator in its own unit (threshold x sd of the areas when in_sd)."""
    margins = _per_indicator(threshold, meta, "marge")
    if (margins < 0).any():
        raise StapelingError("De marge kan niet negatief zijn.")
    if in_sd:
        margins = margins * values.std(ddof=1).fillna(0.0)
    return margins


def _others(values: pd.DataFrame, area: str) -> pd.DataFrame:
    """All areas except one."""
    return values.drop(index=area)


def _rest_reference(values: pd.DataFrame) -> pd.DataFrame:
    """Per area and indicator the unweighted mean of the other areas."""
    return pd.DataFrame([_others(values, area).mean() for area in values.index],
                        index=values.index)


def _rest_se(values: pd.DataFrame, se: pd.DataFrame) -> pd.DataFrame:
    """Per area the SE of the mean of the other areas' values, assuming independence.

    sqrt(sum of their squared SEs) / their number; NaN when one of them has no SE.
    """
    rows = []
    for area in values.index:
        others_values, others_se = _others(values, area), _others(se, area)
        measured = others_values.notna()
        complete = ~(measured & others_se.isna()).any()
        count = measured.sum()
        variance = (others_se.where(measured) ** 2).sum()
        rows.append((np.sqrt(variance) / count.where(count > 0)).where(complete))
    return pd.DataFrame(rows, index=values.index)


def _se_from_n(values: pd.DataFrame, meta: pd.DataFrame, n) -> pd.DataFrame:
    """Standard errors of percentage indicators from the number of respondents.

    sqrt(p (1 - p) / n) x 100 for indicators whose unit starts with '%' (or whose name ends
    in _pct); other indicators get no SE (they cannot be tested without one).
    """
    if isinstance(n, pd.DataFrame):
        counts = n.reindex(index=values.index, columns=values.columns).astype(float)
    elif isinstance(n, (pd.Series, Mapping)):
        per_area = pd.Series(n, dtype=float).reindex(values.index)
        counts = pd.DataFrame({name: per_area for name in values.columns})
    else:
        counts = pd.DataFrame(float(n), index=values.index, columns=values.columns)
    percentage = [name for name in values.columns
                  if meta.loc[name, "eenheid"].startswith("%") or name.endswith("_pct")]
    share = values / 100
    se = np.sqrt(share * (1 - share) / counts.where(counts > 0)) * 100
    return se.where(pd.DataFrame({name: name in percentage for name in values.columns},
                                 index=values.index))


def _checked_se(se: pd.DataFrame, values: pd.DataFrame, meta: pd.DataFrame) -> pd.DataFrame:
    """The standard errors as floats aligned with the values; none negative."""
    table = _indicator_data(se, meta, "de tabel met standaardfouten")
    missing = [area for area in values.index if area not in table.index]
    if missing:
        raise StapelingError(f"Gebied '{missing[0]}' staat niet in de tabel met "
                             "standaardfouten.")
    table = table.reindex(values.index)
    if (table < 0).any().any():
        raise StapelingError("Een standaardfout kan niet negatief zijn.")
    return table


def _direction_aware(values: pd.DataFrame, reference: pd.DataFrame, meta: pd.DataFrame
                     ) -> pd.DataFrame:
    """value - reference, sign flipped for lager_is_beter: negative = unfavourable."""
    signs = meta["richting"].map(DIRECTIONS)
    distance = (values - reference) * signs
    return distance.mask(distance.abs() < _TOLERANCE, 0.0)


def _levels_margin(distance: float, margin: float) -> str:
    """Dutch level for the mean, given and untested rest rules."""
    if distance < -margin:
        return "ongunstig"
    if distance > margin:
        return "gunstig"
    return "binnen de marge" if margin > 0 else "gelijk aan de referentie"


def _level_sd(z: float) -> str:
    """Dutch level for the OIS rule on the z-score."""
    if z <= -1 + _TOLERANCE:
        return "ruim ongunstig"
    if z < 0:
        return "ongunstig"
    if z < 1 - _TOLERANCE:
        return "gunstig"
    return "ruim gunstig"


def _level_tested(distance: float, margin: float, p: float, alpha: float) -> str:
    """Dutch level for the rest rule with a test."""
    if math.isnan(p):
        return "niet getoetst"
    if p < alpha and distance < -margin:
        return "ongunstig (significant)"
    if p < alpha and distance > margin:
        return "gunstig (significant)"
    return "geen significant verschil"


def _margin_phrase(threshold, in_sd: bool) -> str:
    """'' or ' meer dan 0,5 standaardafwijking' for the rule sentence."""
    if isinstance(threshold, (Mapping, pd.Series)):
        return " meer dan de opgegeven marge per indicator"
    if not threshold:
        return ""
    if in_sd:
        unit = "standaardafwijking" if float(threshold) <= 1 else "standaardafwijkingen"
        return f" meer dan {nl_number(threshold)} {unit}"
    return f" meer dan {nl_number(threshold)} (in de eenheid van de indicator)"


def _rule(reference: str, count: int, noun: str, threshold, in_sd: bool, tested: bool,
          alpha: float, untested: int) -> str:
    """The one Dutch sentence that states reference and rule."""
    margin = _margin_phrase(threshold, in_sd)
    if reference == "mean":
        return (f"Referentie: ongewogen gemiddelde van {_area_noun(count, noun)}; ongunstig ="
                f"{margin} aan de ongunstige kant van het gemiddelde (richting per indicator).")
    if reference == "given":
        return ("Referentie: opgegeven referentiewaarde per indicator (bijv. het stedelijk "
                f"gemiddelde); ongunstig ={margin} aan de ongunstige kant van die waarde "
                "(richting per indicator).")
    if reference == "sd":
        return (f"Referentie: ongewogen gemiddelde van {_area_noun(count, noun)} met één "
                f"standaardafwijking van de {noun} als maat (OIS-regel); ongunstig = "
                "minstens één standaardafwijking aan de ongunstige kant (richting per "
                "indicator).")
    base = (f"Referentie: per {_singular(noun)} het ongewogen gemiddelde van de {count - 1} "
            f"overige {noun}; ongunstig ={margin} aan de ongunstige kant daarvan (richting per "
            "indicator)")
    if not tested:
        return base + "; zonder standaardfouten was geen toets mogelijk."
    sentence = (base + f" en significant verschillend (tweezijdige z-toets, "
                f"alfa = {nl_number(alpha, 3)})")
    if untested:
        sentence += f"; {untested} scores zonder standaardfout zijn niet getoetst"
    return sentence + "."


def _check_settings(reference: str, alpha: float, areas: int) -> None:
    """A known reference, a sensible alpha and enough areas for the rule."""
    if reference not in REFERENCES:
        raise StapelingError(f"Referentie '{reference}' is onbekend; kies "
                             f"{', '.join(list(REFERENCES)[:-1])} of {list(REFERENCES)[-1]}.")
    if not 0 < alpha < 1:
        raise StapelingError("Alfa moet tussen 0 en 1 liggen (bijvoorbeeld 0,05).")
    if reference in ("sd", "rest") and areas < 2:
        raise StapelingError(f"Voor de referentie '{REFERENCES[reference]}' zijn minstens "
                             "twee gebieden nodig.")


def stapeling(data: pd.DataFrame, meta: pd.DataFrame, reference: str = "mean",
              given=None, se: pd.DataFrame | None = None, n=None, threshold=0.0,
              alpha: float = 0.05, *, threshold_in_sd: bool = False,
              noun: str = "gebieden") -> Stapeling:
    """Unfavourable scores per area against the chosen reference (see REFERENCES).

    data: areas as index, one column per indicator of `meta` (other columns are ignored).
    given: reference value per indicator (reference "given"). se: standard errors shaped like
    data (reference "rest"); n: respondents (number, per area, or shaped like data), used for
    the SE of percentage indicators when `se` is missing. threshold: a margin (number or per
    indicator) that the distance must exceed; with threshold_in_sd in standard deviations of
    the areas. The sd rule has its own fixed cut-off of one standard deviation. noun names
    the rows in the rule sentence ("gebieden", "SES-groepen").
    """
    meta = checked_meta(meta)
    values = _indicator_data(data, meta)[list(meta.index)]
    _check_settings(reference, alpha, len(values.index))
    margins = _margins(threshold, values, meta, threshold_in_sd)
    reference_values, z, p = _reference_values(reference, values, meta, given, se, n)
    distance = _direction_aware(values, reference_values, meta)
    if reference == "sd":
        spread = values.std(ddof=1)
        z = distance.div(spread.where(spread > 0)).mask(distance == 0, 0.0)
    tested = p is not None
    long = _long_table(values, reference_values, distance, z, p, meta, margins, reference,
                       alpha)
    untested = int((values.notna() & p.isna()).sum().sum()) if tested else 0
    rule = _rule(reference, len(values.index), noun, threshold, threshold_in_sd, tested,
                 alpha, untested)
    return Stapeling(long=long, counts=_counts(long), rule=rule, reference=reference)


def _reference_values(reference: str, values: pd.DataFrame, meta: pd.DataFrame, given, se, n):
    """(reference per cell, test z or None, p or None) for the chosen rule."""
    if reference in ("mean", "sd"):
        means = values.mean()
        return pd.DataFrame([means] * len(values.index), index=values.index), None, None
    if reference == "given":
        city = _per_indicator(given, meta, "referentiewaarde")
        return pd.DataFrame([city] * len(values.index), index=values.index), None, None
    rest = _rest_reference(values)
    if se is None and n is None:
        return rest, None, None
    errors = _checked_se(se, values, meta) if se is not None else _se_from_n(values, meta, n)
    combined = np.sqrt(errors ** 2 + _rest_se(values, errors) ** 2)
    statistic = _direction_aware(values, rest, meta).div(combined.where(combined > 0))
    p = pd.DataFrame(2 * stats.norm.sf(statistic.abs()), index=values.index,
                     columns=values.columns).where(statistic.notna())
    return rest, statistic, p


def _long_table(values, reference_values, distance, z, p, meta, margins, reference, alpha
                ) -> pd.DataFrame:
    """One row per area x indicator, areas in order, indicators in metadata order."""
    rows = []
    for area in values.index:
        for indicator in meta.index:
            rows.append(_cell(area, indicator, values, reference_values, distance, z, p, meta,
                              margins, reference, alpha))
    return pd.DataFrame(rows)


def _cell(area, indicator, values, reference_values, distance, z, p, meta, margins, reference,
          alpha) -> dict:
    """The row of one area and one indicator."""
    value = float(values.at[area, indicator])
    ref = float(reference_values.at[area, indicator])
    gap = float(distance.at[area, indicator])
    z_value = float(z.at[area, indicator]) if z is not None else math.nan
    p_value = float(p.at[area, indicator]) if p is not None else math.nan
    margin = float(margins[indicator])
    if math.isnan(value):
        level, unfavourable = "geen waarde", False
    elif math.isnan(ref) or math.isnan(gap):
        level, unfavourable = "geen referentie", False
    elif reference == "sd":
        level = _level_sd(z_value) if not math.isnan(z_value) else "geen spreiding"
        unfavourable = level == "ruim ongunstig"
    elif p is not None:
        level = _level_tested(gap, margin, p_value, alpha)
        unfavourable = level == "ongunstig (significant)"
    else:
        level = _levels_margin(gap, margin)
        unfavourable = level == "ongunstig"
    row = meta.loc[indicator]
    return {"gebied": area, "indicator": indicator, "label": row["label"],
            "domein": row["domein"], "eenheid": row["eenheid"], "richting": row["richting"],
            "waarde": value, "referentie": ref, "afstand": gap, "z": z_value,
            "ongunstig": bool(unfavourable), "niveau": level, "p": p_value}


def _counts(long: pd.DataFrame) -> pd.DataFrame:
    """Per area the number and labels of unfavourable scores and the number measured."""
    rows = []
    for area, cells in long.groupby("gebied", sort=False):
        bad = cells[cells["ongunstig"]]
        rows.append({"gebied": area, "aantal_ongunstig": len(bad),
                     "indicatoren": ", ".join(bad["label"]),
                     "aantal_gemeten": int(cells["waarde"].notna().sum())})
    return pd.DataFrame(rows)


def by_group(ses_data: pd.DataFrame, meta: pd.DataFrame, reference: str = "mean",
             given=None) -> Stapeling:
    """Stapeling for groups (e.g. SES laag / midden / hoog as rows) instead of areas.

    The columns of the result are the same as for areas (the group is in 'gebied').
    """
    return stapeling(ses_data, meta, reference=reference, given=given, noun="groepen")


# -- the published counts ------------------------------------------------------------------------

def _published_counts(published) -> pd.Series:
    """The published count per area as floats (NaN where none was published)."""
    series = pd.Series(published).copy()
    series.index = [str(area).strip() for area in series.index]
    try:
        return series.map(untrusted.parse_number).astype(float)
    except (TypeError, ValueError):
        raise StapelingError("De gepubliceerde aantallen moeten getallen zijn.") from None


def compare_published(result: Stapeling, published) -> pd.DataFrame:
    """Computed against published counts per area: gebied, berekend, gepubliceerd, verschil.

    verschil = berekend - gepubliceerd. attrs: gelijk (areas equal), totaal (areas with a
    published count) and overeenkomst ("14 van 23 gebieden gelijk").
    """
    counts = _published_counts(published)
    table = result.counts[["gebied", "aantal_ongunstig"]].rename(
        columns={"aantal_ongunstig": "berekend"})
    table["gepubliceerd"] = table["gebied"].map(counts).astype(float)
    table["verschil"] = table["berekend"] - table["gepubliceerd"]
    compared = table["gepubliceerd"].notna()
    equal = int((table["verschil"] == 0).sum())
    table.attrs["gelijk"] = equal
    table.attrs["totaal"] = int(compared.sum())
    table.attrs["totale_afwijking"] = float(table["verschil"].abs().sum())
    table.attrs["overeenkomst"] = f"{equal} van {int(compared.sum())} gebieden gelijk"
    return table


def _candidate_rules() -> list[tuple[str, str, float]]:
    """(name, reference, margin in sd) of the built-in rules that best_matching_rule tries."""
    rules = [("Gemiddelde van de gebieden, geen marge", "mean", 0.0)]
    rules += [(f"Gemiddelde van de gebieden, marge {nl_number(m)} standaardafwijking",
               "mean", m) for m in CANDIDATE_MARGINS_SD]
    rules.append(("Eén standaardafwijking (OIS-regel)", "sd", 0.0))
    return rules


def best_matching_rule(data: pd.DataFrame, meta: pd.DataFrame, published) -> list[dict]:
    """How many areas each built-in rule gives the published count; best first.

    Each dict: naam, referentie, marge_sd, regel (the rule sentence), gelijk, totaal,
    totale_afwijking (sum of absolute differences), overeenkomst and aantallen (area ->
    computed count). Ties are broken by the smaller total difference.
    """
    found = []
    for name, reference, margin in _candidate_rules():
        result = stapeling(data, meta, reference=reference, threshold=margin,
                           threshold_in_sd=True)
        compared = compare_published(result, published)
        found.append({"naam": name, "referentie": reference, "marge_sd": margin,
                      "regel": result.rule, "gelijk": compared.attrs["gelijk"],
                      "totaal": compared.attrs["totaal"],
                      "totale_afwijking": int(compared.attrs["totale_afwijking"]),
                      "overeenkomst": compared.attrs["overeenkomst"],
                      "aantallen": dict(zip(compared["gebied"], compared["berekend"],
                                            strict=True))})
    return sorted(found, key=lambda rule: (-rule["gelijk"], rule["totale_afwijking"]))


# -- inzet versus opgave -------------------------------------------------------------------------

def _numeric_frame_column(df: pd.DataFrame, column: str) -> pd.Series:
    """A column of a table as floats, with a Dutch error naming the column."""
    if column not in df.columns:
        raise StapelingError(f"Kolom '{column}' staat niet in de tabel.")
    if pd.api.types.is_numeric_dtype(df[column]):
        return df[column].astype(float)
    numbers = _numeric_column(df[column].astype(str), decimal_comma=False)
    if numbers is None:
        raise StapelingError(f"Kolom '{column}' bevat waarden die geen getal zijn.")
    return numbers


def _reference_mask(areas: pd.Series, reference_area: str | None) -> pd.Series:
    """Rows that are a reference (given name, else names starting with 'Gemiddelde')."""
    if reference_area is not None:
        mask = areas == reference_area
        if not mask.any():
            raise StapelingError(f"Referentieregel '{reference_area}' staat niet in de tabel.")
        return mask
    return areas.str.lower().str.startswith("gemiddelde")


def _side(value: float, border: float, more: str, less: str, middle: str) -> str:
    """Which side of the border a value is on, in words."""
    if math.isnan(value) or math.isnan(border):
        return "onbekend"
    if math.isclose(value, border, abs_tol=_TOLERANCE):
        return middle
    return more if value > border else less


def _inzet_opgave_part(part: pd.DataFrame, reference: pd.DataFrame, worse_sign: float
                       ) -> tuple[pd.DataFrame, float, float]:
    """Ranks, borders and quadrants for one set of areas; returns (table, rho, p)."""
    part = part.copy()
    size = part["opgave"] * worse_sign
    if len(reference.index):
        border_inzet = float(reference["inzet"].iloc[0])
        border_opgave = float(reference["opgave"].iloc[0])
    else:
        border_inzet, border_opgave = float(part["inzet"].median()), float(part["opgave"].median())
    part["rang_inzet"] = part["inzet"].rank(ascending=False, method="min")
    part["rang_opgave"] = size.rank(ascending=False, method="min")
    part["grens_inzet"] = border_inzet
    part["grens_opgave"] = border_opgave
    part["kwadrant"] = [
        _side(i, border_inzet, "veel inzet", "weinig inzet", "gemiddelde inzet") + ", "
        + _side(s, border_opgave * worse_sign, "grote opgave", "kleine opgave",
                "gemiddelde opgave")
        for i, s in zip(part["inzet"], size, strict=True)]
    complete = part["inzet"].notna() & size.notna()
    if complete.sum() >= 3:
        rho, p = stats.spearmanr(part.loc[complete, "inzet"], size[complete])
    else:
        rho, p = math.nan, math.nan
    return part, float(rho), float(p)


def inzet_opgave(df: pd.DataFrame, area: str, inzet: str, opgave: str, inzet_label: str,
                 opgave_label: str, higher_opgave_is_worse: bool = False, *,
                 group: str | None = None, reference_area: str | None = None
                 ) -> pd.DataFrame:
    """Effort (inzet) against need (opgave) per area.

    higher_opgave_is_worse: True when a higher value of `opgave` means a bigger task (low-SES
    children per 1,000); False when a higher value is better (reading level), so a lower
    value is the bigger task. Rows named `reference_area` (default: names starting with
    'Gemiddelde') are the reference, not areas: their values are the borders of the
    quadrants; without one the borders are the medians of the areas. With `group` (e.g.
    leeftijdsgroep) everything is done per group.

    Columns: gebied, [groep], inzet, opgave, rang_inzet (1 = most effort), rang_opgave
    (1 = biggest task), grens_inzet, grens_opgave, kwadrant ("veel inzet, grote opgave", ...).
    attrs: spearman (rank correlation of inzet with the size of the task: positive = more
    effort where the task is bigger; a dict per group with `group`), spearman_p, labels,
    grens (what the borders are) and hoger_is_erger.
    """
    if area not in df.columns:
        raise StapelingError(f"Kolom '{area}' staat niet in de tabel.")
    table = pd.DataFrame({"gebied": df[area].astype(str).str.strip(),
                          "inzet": _numeric_frame_column(df, inzet),
                          "opgave": _numeric_frame_column(df, opgave)})
    if group is not None:
        if group not in df.columns:
            raise StapelingError(f"Kolom '{group}' staat niet in de tabel.")
        table.insert(1, "groep", df[group].astype(str).str.strip())
    is_reference = _reference_mask(table["gebied"], reference_area)
    worse_sign = 1.0 if higher_opgave_is_worse else -1.0
    keys = list(dict.fromkeys(table["groep"])) if group is not None else [None]
    parts, rhos, ps = [], {}, {}
    for key in keys:
        in_part = table["groep"] == key if key is not None else pd.Series(True, table.index)
        areas = table[in_part & ~is_reference]
        if areas.empty:
            raise StapelingError("De tabel bevat geen gebieden naast de referentie.")
        part, rhos[key], ps[key] = _inzet_opgave_part(areas, table[in_part & is_reference],
                                                      worse_sign)
        parts.append(part)
    result = pd.concat(parts, ignore_index=True)
    names = table.loc[is_reference, "gebied"].unique().tolist()
    result.attrs.update({
        "spearman": rhos if group is not None else rhos[None],
        "spearman_p": ps if group is not None else ps[None],
        "inzet_label": inzet_label, "opgave_label": opgave_label,
        "grens": f"'{names[0]}'" if names else "mediaan van de gebieden",
        "hoger_is_erger": bool(higher_opgave_is_worse), "groep": group})
    return result


# -- figures ---------------------------------------------------------------------------------------

def _hover_data(result: Stapeling) -> np.ndarray:
    """Per cell [label, waarde, referentie, afstand, niveau] as Dutch text."""
    text = {column: result.pivot(column) for column in ("waarde", "referentie", "afstand",
                                                          "niveau")}
    labels = text["waarde"].columns
    cells = np.empty(text["waarde"].shape + (5,), dtype=object)
    for i in range(cells.shape[0]):
        for j in range(cells.shape[1]):
            cells[i, j] = [escape(labels[j]), nl_number(text["waarde"].iat[i, j]),
                           nl_number(text["referentie"].iat[i, j]),
                           nl_number(text["afstand"].iat[i, j]), text["niveau"].iat[i, j]]
    return cells


def heatmap_figure(result: Stapeling, title: str) -> go.Figure:
    """Areas x indicators coloured by distance to the reference, with the count per area.

    Red = unfavourable, white = the reference, blue = favourable; the cells show the values,
    the hover the label, value, reference, distance and level. The rule is the subtitle; the
    last column (second trace) holds aantal_ongunstig. Area and indicator names and the title
    reach plotly escaped (plotly_text).
    """
    matrix = result.heatmap_matrix()
    values = result.pivot("waarde")
    limit = 2.0 if result.reference == "sd" else 1.0
    figure = make_subplots(rows=1, cols=2, shared_yaxes=True, column_widths=[0.9, 0.1],
                           horizontal_spacing=0.01)
    figure.add_trace(go.Heatmap(
        z=matrix.to_numpy(), x=escape_all(matrix.columns), y=escape_all(matrix.index),
        text=[[nl_number(v) for v in row] for row in values.to_numpy()],
        texttemplate="%{text}", customdata=_hover_data(result),
        hovertemplate=("<b>%{y}</b><br>%{customdata[0]}<br>Waarde: %{customdata[1]}<br>"
                       "Referentie: %{customdata[2]}<br>Afstand: %{customdata[3]}<br>"
                       "%{customdata[4]}<extra></extra>"),
        colorscale=COLORSCALE, zmin=-limit, zmid=0, zmax=limit, xgap=1, ygap=1,
        colorbar=dict(title="z" if result.reference == "sd" else "Afstand",
                      tickvals=[-0.85 * limit, 0, 0.85 * limit],
                      ticktext=["ongunstig", "referentie", "gunstig"], x=1.02),
    ), row=1, col=1)
    counts = result.counts.set_index("gebied").reindex(matrix.index)["aantal_ongunstig"]
    figure.add_trace(go.Heatmap(
        z=counts.to_numpy().reshape(-1, 1), x=["Aantal ongunstig"],
        y=escape_all(matrix.index),
        text=counts.astype(int).astype(str).to_numpy().reshape(-1, 1), texttemplate="%{text}",
        colorscale=COUNT_COLORSCALE, zmin=0, zmax=max(len(matrix.columns), 1),
        showscale=False, xgap=1, ygap=1,
        hovertemplate="<b>%{y}</b><br>Aantal ongunstig: %{z}<extra></extra>",
    ), row=1, col=2)
    figure.update_yaxes(autorange="reversed", row=1, col=1)
    figure.update_xaxes(tickangle=-40)
    figure.update_layout(title=dict(text=escape(title), subtitle=dict(text=escape(result.rule))),
                         height=max(400, 28 * len(matrix.index) + 320),
                         margin=dict(t=90, b=230), plot_bgcolor="white")
    return figure


def _quadrant_annotations(figure: go.Figure, axis: str) -> None:
    """The four quadrant names in the corners of one subplot."""
    corners = [(0.99, 0.99, "right", "top", "veel inzet, grote opgave"),
               (0.01, 0.99, "left", "top", "weinig inzet, grote opgave"),
               (0.99, 0.01, "right", "bottom", "veel inzet, kleine opgave"),
               (0.01, 0.01, "left", "bottom", "weinig inzet, kleine opgave")]
    for x, y, xanchor, yanchor, text in corners:
        figure.add_annotation(x=x, y=y, xref=f"x{axis} domain", yref=f"y{axis} domain",
                              xanchor=xanchor, yanchor=yanchor, text=text, showarrow=False,
                              font=dict(size=10, color="#777777"))


def _padded_range(values: pd.Series, border: float) -> list[float]:
    """An axis range around the values and the border line, with room for the names."""
    numbers = pd.concat([values, pd.Series([border])]).dropna()
    low, high = float(numbers.min()), float(numbers.max())
    pad = (high - low) * 0.12 or 1.0
    return [low - pad, high + pad]


def inzet_opgave_figure(table: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Scatter of inzet (x) against opgave (y) with area names and the border lines.

    The y axis is reversed when a higher value is a smaller task, so that the bigger task is
    always at the top: top right = much effort where the task is big. One panel per group.
    """
    grouped = "groep" in table.columns
    keys = list(dict.fromkeys(table["groep"])) if grouped else [None]
    figure = make_subplots(rows=1, cols=len(keys),
                           subplot_titles=[escape(str(k)) for k in keys] if grouped else None)
    rhos = table.attrs.get("spearman")
    for index, key in enumerate(keys, start=1):
        part = table[table["groep"] == key] if grouped else table
        figure.add_trace(go.Scatter(
            x=part["inzet"], y=part["opgave"], mode="markers+text",
            text=escape_all(part["gebied"]),
            textposition="top center", marker=dict(size=10, color="#2166ac"), showlegend=False,
            cliponaxis=False,
            customdata=part["kwadrant"],
            hovertemplate="<b>%{text}</b><br>Inzet: %{x}<br>Opgave: %{y}<br>%{customdata}"
                          "<extra></extra>"), row=1, col=index)
        figure.add_vline(x=float(part["grens_inzet"].iloc[0]), line_dash="dash",
                         line_color="#999999", row=1, col=index)
        figure.add_hline(y=float(part["grens_opgave"].iloc[0]), line_dash="dash",
                         line_color="#999999", row=1, col=index)
        _quadrant_annotations(figure, "" if index == 1 else str(index))
        y_range = _padded_range(part["opgave"], part["grens_opgave"].iloc[0])
        if not table.attrs.get("hoger_is_erger", False):
            y_range = y_range[::-1]
        figure.update_xaxes(range=_padded_range(part["inzet"], part["grens_inzet"].iloc[0]),
                            row=1, col=index)
        figure.update_yaxes(range=y_range, row=1, col=index)
    figure.update_xaxes(title_text=escape(table.attrs.get("inzet_label", "Inzet")))
    figure.update_yaxes(title_text=escape(table.attrs.get("opgave_label", "Opgave")), col=1)
    rho_text = (", ".join(f"{k}: {nl_number(v)}" for k, v in rhos.items())
                if isinstance(rhos, dict) else nl_number(rhos))
    subtitle = (f"Spearman-rangcorrelatie (inzet met de grootte van de opgave): {rho_text}; "
                f"lijnen = {table.attrs.get('grens', 'mediaan van de gebieden')}.")
    figure.update_layout(title=dict(text=escape(title or "Inzet en opgave"),
                                    subtitle=dict(text=escape(subtitle))),
                         margin=dict(t=120), plot_bgcolor="white", height=520)
    return figure


# -- from a monitor's results --------------------------------------------------------------------

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
