"""Stapeling: inzet versus opgave. Effort (inzet, e.g. library floor space) set against need
(opgave, e.g. reading level) per area, with a rank correlation and a quadrant per area."""

from __future__ import annotations

import math

import pandas as pd
from scipy import stats

from research.survey.stapeling.data import (
    TOLERANCE,
    StapelingError,
    numeric_column,
)


def _numeric_frame_column(df: pd.DataFrame, column: str) -> pd.Series:
    """A column of a table as floats, with a Dutch error naming the column."""
    if column not in df.columns:
        raise StapelingError(f"Kolom '{column}' staat niet in de tabel.")
    if pd.api.types.is_numeric_dtype(df[column]):
        return df[column].astype(float)
    numbers = numeric_column(df[column].astype(str), decimal_comma=False)
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
    if math.isclose(value, border, abs_tol=TOLERANCE):
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
