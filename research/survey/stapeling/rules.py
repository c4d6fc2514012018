"""Stapeling: the rules. Per indicator and area the distance to the chosen reference (mean,
given, rest with a z-test, sd), whether it is unfavourable, the count per area with the rule in
a Dutch sentence (`Stapeling`), and how close each rule comes to the published counts."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from research import untrusted
from research.survey.stapeling.data import (
    DIRECTIONS,
    TOLERANCE,
    StapelingError,
    checked_meta,
    indicator_data,
    nl_number,
)

REFERENCES = {
    "mean": "Ongewogen gemiddelde van de gebieden",
    "given": "Opgegeven referentiewaarde (bijv. het stedelijk gemiddelde)",
    "rest": "De overige gebieden (met toets)",
    "sd": "Eén standaardafwijking (OIS-regel)",
}

# Margins tried by best_matching_rule, in standard deviations of the areas.
CANDIDATE_MARGINS_SD = (0.25, 0.5, 0.75)

# Plural -> singular of the words a rule sentence may use for its rows.
NOUNS = {"gebieden": "gebied", "groepen": "groep", "stadsdelen": "stadsdeel", "wijken": "wijk"}


def _area_noun(count: int, noun: str) -> str:
    """'23 gebieden' (the noun is given in the plural)."""
    return f"{count} {noun}"


def _singular(noun: str) -> str:
    """'gebied' for 'gebieden'; an unknown plural becomes 'rij'."""
    return NOUNS.get(noun, "rij")


# -- the computation ---------------------------------------------------------------------------

@dataclass
class Stapeling:
    """The result of one stapeling: cells, counts per area and the rule used.

    long: one row per area x indicator (gebied, indicator, label, domein, eenheid, richting,
    waarde, referentie, afstand, z, ongunstig, niveau, p). `afstand` is direction-aware:
    negative = unfavourable. counts: per area `area`, `unfavourable` (how many), `indicators`
    (the Dutch labels of the unfavourable indicators), `measured`. rule: one Dutch sentence.
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
    table = indicator_data(se, meta, "de tabel met standaardfouten")
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
    return distance.mask(distance.abs() < TOLERANCE, 0.0)


def _levels_margin(distance: float, margin: float) -> str:
    """Dutch level for the mean, given and untested rest rules."""
    if distance < -margin:
        return "ongunstig"
    if distance > margin:
        return "gunstig"
    return "binnen de marge" if margin > 0 else "gelijk aan de referentie"


def _level_sd(z: float) -> str:
    """Dutch level for the OIS rule on the z-score."""
    if z <= -1 + TOLERANCE:
        return "ruim ongunstig"
    if z < 0:
        return "ongunstig"
    if z < 1 - TOLERANCE:
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
    values = indicator_data(data, meta)[list(meta.index)]
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
    """One row per area x indicator, areas in order, indicators in metadata order.
    The frames are read as arrays once: a scalar lookup (`.at`) per cell and frame took
    three quarters of a second for the Amsterdam areas, on every run of the page."""
    indicators = list(meta.index)

    def grid(frame) -> np.ndarray:
        if frame is None:
            return np.full((len(values.index), len(indicators)), math.nan)
        return frame.reindex(index=values.index, columns=indicators).to_numpy(dtype=float)

    cells = [grid(frame) for frame in (values, reference_values, distance, z, p)]
    described = meta[["label", "domein", "eenheid", "richting"]].to_dict("index")
    limits = [float(margins[indicator]) for indicator in indicators]
    rows = []
    for i, area in enumerate(values.index):
        for j, indicator in enumerate(indicators):
            value, ref, gap, z_value, p_value = (float(c[i, j]) for c in cells)
            rows.append({"gebied": area, "indicator": indicator, **described[indicator],
                         "waarde": value, "referentie": ref, "afstand": gap, "z": z_value,
                         **_judged(value, ref, gap, z_value, p_value, limits[j], reference,
                                   tested=p is not None, alpha=alpha),
                         "p": p_value})
    return pd.DataFrame(rows)


def _judged(value: float, ref: float, gap: float, z_value: float, p_value: float,
            margin: float, reference: str, *, tested: bool, alpha: float) -> dict:
    """The level and whether it is unfavourable, for one area and one indicator."""
    if math.isnan(value):
        level, unfavourable = "geen waarde", False
    elif math.isnan(ref) or math.isnan(gap):
        level, unfavourable = "geen referentie", False
    elif reference == "sd":
        level = _level_sd(z_value) if not math.isnan(z_value) else "geen spreiding"
        unfavourable = level == "ruim ongunstig"
    elif tested:
        level = _level_tested(gap, margin, p_value, alpha)
        unfavourable = level == "ongunstig (significant)"
    else:
        level = _levels_margin(gap, margin)
        unfavourable = level == "ongunstig"
    return {"ongunstig": bool(unfavourable), "niveau": level}


def _counts(long: pd.DataFrame) -> pd.DataFrame:
    """Per area the number and labels of unfavourable scores and the number measured.
    One pass over the rows: a group frame per area cost a quarter of a second a page run."""
    counted: dict = {}
    for area, unfavourable, label, value in zip(long["gebied"], long["ongunstig"],
                                                long["label"], long["waarde"], strict=True):
        row = counted.setdefault(area, {"area": area, "unfavourable": 0, "indicators": [],
                                        "measured": 0})
        if unfavourable:
            row["unfavourable"] += 1
            row["indicators"].append(label)
        row["measured"] += not pd.isna(value)
    return pd.DataFrame([{**row, "indicators": ", ".join(row["indicators"])}
                         for row in counted.values()],
                        columns=["area", "unfavourable", "indicators", "measured"])


def by_group(ses_data: pd.DataFrame, meta: pd.DataFrame, reference: str = "mean",
             given=None) -> Stapeling:
    """Stapeling for groups (e.g. SES laag / midden / hoog as rows) instead of areas.

    The columns of the result are the same as for areas (the group is in 'gebied' of `long`
    and 'area' of `counts`).
    """
    return stapeling(ses_data, meta, reference=reference, given=given, noun="groepen")




# -- the published counts ----------------------------------------------------------------------

def _published_counts(published) -> pd.Series:
    """The published count per area as floats (NaN where none was published)."""
    series = pd.Series(published).copy()
    series.index = [str(area).strip() for area in series.index]
    try:
        return series.map(untrusted.parse_number).astype(float)
    except (TypeError, ValueError):
        raise StapelingError("De gepubliceerde aantallen moeten getallen zijn.") from None


def compare_published(result: Stapeling, published) -> pd.DataFrame:
    """Computed against published counts per area: area, computed, published, difference.

    difference = computed - published. attrs: equal (areas equal), total (areas with a
    published count), total_difference (sum of absolute differences) and agreement (Dutch:
    "14 van 23 gebieden gelijk").
    """
    counts = _published_counts(published)
    table = result.counts[["area", "unfavourable"]].rename(columns={"unfavourable": "computed"})
    table["published"] = table["area"].map(counts).astype(float)
    table["difference"] = table["computed"] - table["published"]
    compared = table["published"].notna()
    equal = int((table["difference"] == 0).sum())
    table.attrs["equal"] = equal
    table.attrs["total"] = int(compared.sum())
    table.attrs["total_difference"] = float(table["difference"].abs().sum())
    table.attrs["agreement"] = f"{equal} van {int(compared.sum())} gebieden gelijk"
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

    Each dict: name, reference, margin_sd, rule (the Dutch rule sentence), equal, total,
    total_difference (sum of absolute differences), agreement (Dutch) and counts (area ->
    computed count). Ties are broken by the smaller total difference.
    """
    found = []
    for name, reference, margin in _candidate_rules():
        result = stapeling(data, meta, reference=reference, threshold=margin,
                           threshold_in_sd=True)
        compared = compare_published(result, published)
        found.append({"name": name, "reference": reference, "margin_sd": margin,
                      "rule": result.rule, "equal": compared.attrs["equal"],
                      "total": compared.attrs["total"],
                      "total_difference": int(compared.attrs["total_difference"]),
                      "agreement": compared.attrs["agreement"],
                      "counts": dict(zip(compared["area"], compared["computed"], strict=True))})
    return sorted(found, key=lambda rule: (-rule["equal"], rule["total_difference"]))
