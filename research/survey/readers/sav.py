"""Reading a wave from SPSS (.sav, through pyreadstat): labels, user-missing values and ranges,
multiple-response sets, and a retry with another encoding when the file's own does not fit."""

from __future__ import annotations

import os
import tempfile

import numpy as np
import pandas as pd
import pyreadstat

from research.survey.readers.model import (
    Column,
    Input,
    ReadError,
    WaveFile,
    is_number,
)
from research.survey.readers.tables import (
    build_wave,
    check_unique,
    iso_dates,
)


def _call_read_sav(path: str, encoding: str | None):
    """pyreadstat.read_sav with the options this module needs (a seam for tests)."""
    return pyreadstat.read_sav(path, user_missing=True, apply_value_formats=False,
                               encoding=encoding)


def read_spss(inp: Input, warnings: list[str]) -> WaveFile:
    """A .sav file: data, labels, user-missing values and ranges, multiple-response sets."""
    if inp.path is not None:
        frame, meta = _sav_with_fallback(str(inp.path), inp.filename, warnings)
    else:
        assert inp.raw is not None  # a path or the bytes
        handle = tempfile.NamedTemporaryFile(suffix=".sav", delete=False)
        try:
            with handle:
                handle.write(inp.raw)
            frame, meta = _sav_with_fallback(handle.name, inp.filename, warnings)
        finally:
            os.unlink(handle.name)
    columns = [_sav_column(frame[name], name, meta, warnings) for name in frame.columns]
    _apply_sav_mr_sets(columns, meta, warnings)
    return build_wave(columns, inp.filename, np.arange(1, len(frame) + 1), warnings)


def _sav_with_fallback(path: str, filename: str, warnings: list[str]):
    """Read with the file's own encoding; on a decoding error retry cp1252, then latin1."""
    first_error = None
    for encoding in (None, "cp1252", "latin1"):
        try:
            frame, meta = _call_read_sav(path, encoding)
        except Exception as error:  # pyreadstat raises several types for one bad file
            first_error = first_error or error
            continue
        if encoding is not None:
            warnings.append(f"Bestand '{filename}': de tekst in het bestand past niet bij de "
                            f"opgegeven tekenset; gelezen als {encoding}. Controleer letters "
                            "met accenten (ë, é) in labels en antwoorden.")
        if len(frame) == 0:
            raise ReadError(f"Bestand '{filename}' bevat geen respondenten (0 rijen).")
        check_unique([str(c) for c in frame.columns], filename)
        return frame, meta
    raise ReadError(f"Bestand '{filename}' is beschadigd of onvolledig en kan niet als SPSS-"
                    f"bestand worden gelezen (technische melding: {first_error}).")


def _sav_column(values: pd.Series, name: str, meta, warnings: list[str]) -> Column:
    """One SPSS column with its labels and missing codes."""
    label = (meta.column_names_to_labels or {}).get(name) or None
    if _is_date_series(values):
        return Column(name, iso_dates(values), "date", label)
    if not pd.api.types.is_numeric_dtype(values):
        labels = (meta.variable_value_labels or {}).get(name)
        if labels:
            # Text codes with labels ('A' = 'Amsterdam'): the labels are the answers (a few
            # of them make a single-choice question, see choice_rule).
            values = values.map(lambda v: labels.get(v, v) if isinstance(v, str) else v)
            warnings.append(f"Kolom '{name}': tekstcodes met labels; de labels zijn als "
                            "antwoorden gelezen.")
        return Column(name, _clean_text(values), "text", label)
    numbers = values.astype("float64")
    labels = {float(k): str(v) for k, v in (meta.variable_value_labels or {}).get(name, {}).items()
              if is_number(k)}
    specs = list((meta.missing_ranges or {}).get(name, [])) \
        + list((meta.missing_user_values or {}).get(name, []))
    missing = _missing_codes(specs, numbers.to_numpy(), labels)
    return Column(name, numbers, "number", label, labels, missing)


def _missing_codes(specs: list, values: np.ndarray, labels: dict) -> list[float]:
    """User-missing codes from SPSS specs: single values, and for a range lo..hi every labelled
    or present code within it."""
    codes: set[float] = set()
    for spec in specs:
        if isinstance(spec, dict):
            low, high = float(spec["lo"]), float(spec["hi"])
            if low == high:
                codes.add(low)
                continue
            codes.update(c for c in labels if low <= c <= high)
            inside = values[(values >= low) & (values <= high)]
            codes.update(float(c) for c in pd.unique(inside))
        elif is_number(spec):
            codes.add(float(spec))
    return sorted(codes)


def _apply_sav_mr_sets(columns: list[Column], meta, warnings: list[str]) -> None:
    """Mark the members of SPSS multiple-response sets (meta.mr_sets)."""
    by_name = {c.name: c for c in columns}
    for set_name, spec in (getattr(meta, "mr_sets", None) or {}).items():
        name = str(set_name).lstrip("$")
        members = [by_name[v] for v in spec.get("variable_list", []) if v in by_name]
        for column in members:
            if column.kind == "number":
                column.mr_set = name
                column.question = spec.get("label") or column.question
        if spec.get("type") == "C":
            warnings.append(f"Set '{name}' is een categorieënset: elke kolom bevat een "
                            "antwoordcode in plaats van 0/1 (genoemd/niet genoemd).")
        elif spec.get("counted_value") not in (None, 1):
            warnings.append(f"Set '{name}' telt de waarde {spec['counted_value']} als genoemd; "
                            "de analyse telt elke waarde boven 0 als genoemd.")


def _is_date_series(values: pd.Series) -> bool:
    """Whether a column holds dates or times (SPSS date formats)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return True
    if values.dtype == object:
        return pd.api.types.infer_dtype(values, skipna=True) in ("date", "datetime", "time")
    return False


def _clean_text(values: pd.Series) -> pd.Series:
    """Text values with trailing blanks removed and empty strings as None."""
    text = values.astype("str").str.rstrip()
    keep = (text.str.strip() != "").fillna(False).astype(bool) & text.notna()
    return text.astype(object).where(keep, None)
