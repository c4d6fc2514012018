"""Reading a wave: the questionnaire. `parse_questionnaire` reads the rows of a questionnaire
table (Dutch headers, the routing column 'voorwaarde'); `apply_questionnaire` lays its entries
over what was inferred from the data."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from research import untrusted
from research.public import conditions
from research.survey.readers.model import (
    VARIABLE_TYPES,
    ReadError,
    WaveFile,
    cell_text,
    is_blank,
    normal_name,
)
from research.survey.readers.tables import (
    variable_warnings,
)
from research.survey.readers.types import (
    fit_type,
    guess_higher_is_better,
    infer_type,
    mr_prefix,
    without_missing,
)

YES = {"ja", "j", "yes", "y", "true", "waar", "1"}
NO = {"nee", "n", "no", "false", "onwaar", "0"}
# Questionnaire headers (normalised) -> entry key.
QUESTIONNAIRE_HEADERS = {
    "naam": "name", "name": "name", "variabele": "name", "variabelenaam": "name",
    "label": "label", "vraag": "question", "vraagtekst": "question", "question": "question",
    "type": "type", "waarden": "value_labels", "waardelabels": "value_labels",
    "labels": "value_labels", "ontbrekend": "missing_codes", "ontbrekendewaarden": "missing_codes",
    "missing": "missing_codes", "thema": "topic", "onderwerp": "topic", "topic": "topic",
    "hogerisbeter": "higher_is_better", "set": "mr_set", "mrset": "mr_set",
    "voorwaarde": "condition", "conditie": "condition", "routing": "condition",
}


# -- reading a questionnaire -------------------------------------------------------------------

def parse_questionnaire(rows: list[list], filename: str, sheet: str | None) -> list[dict]:
    """Entries from the rows of a questionnaire table (first non-empty row = header)."""
    where = f"Bestand '{filename}'" + (f", werkblad '{sheet}'" if sheet else "")
    start = next((i for i, row in enumerate(rows) if any(not is_blank(v) for v in row)), None)
    if start is None:
        raise ReadError(f"{where}: de vragenlijst is leeg.")
    header = [QUESTIONNAIRE_HEADERS.get(normal_name(cell_text(v))) for v in rows[start]]
    if "name" not in header:
        found = ", ".join(cell_text(v) for v in rows[start] if not is_blank(v))
        raise ReadError(f"{where}: de vragenlijst mist de kolom 'naam' (gevonden: {found}).")
    entries: list[dict] = []
    seen: dict[str, int] = {}
    for index in range(start + 1, len(rows)):
        row = rows[index]
        if all(is_blank(v) for v in row):
            continue
        cells = {key: row[i] for i, key in enumerate(header) if key and i < len(row)}
        entry = _questionnaire_entry(cells, f"{where}, rij {index + 1}")
        if entry["name"] in seen:
            raise ReadError(f"{where}, rij {index + 1}: variabele '{entry['name']}' staat al in "
                            f"rij {seen[entry['name']]}.")
        seen[entry["name"]] = index + 1
        entries.append(entry)
    if not entries:
        raise ReadError(f"{where}: de vragenlijst bevat alleen een kopregel en geen variabelen.")
    return entries


def _questionnaire_entry(cells: dict, where: str) -> dict:
    """One questionnaire row as an entry (None = not given)."""
    # Texts, and the booleans of yes/no cells as they are.
    text: dict[str, Any] = {key: cell_text(value) if not isinstance(value, bool) else value
                            for key, value in cells.items()}
    name = text.get("name") or ""
    if not name:
        raise ReadError(f"{where}: de kolom 'naam' is leeg.")
    where = f"{where} ({name})"
    kind = (text.get("type") or "").lower() or None
    if kind is not None and kind not in VARIABLE_TYPES:
        raise ReadError(f"{where}: onbekend type '{text['type']}'. Kies uit: "
                        f"{', '.join(VARIABLE_TYPES)}.")
    return {"name": name, "label": text.get("label") or None,
            "question": text.get("question") or None, "type": kind,
            "value_labels": _parse_value_labels(text.get("value_labels") or "", where),
            "missing_codes": _parse_missing(text.get("missing_codes") or "", where),
            "topic": text.get("topic") or None,
            "higher_is_better": _parse_flag(text.get("higher_is_better"), where),
            "mr_set": text.get("mr_set") or None, **_parse_condition(text.get("condition"), where)}


def _parse_condition(text: str | None, where: str) -> dict:
    """{'condition': text} for a routing condition in the column 'voorwaarde' (checked with
    `research.public.conditions`, the door's own parser), {} when there is none."""
    if not text or not text.strip():
        return {}
    try:
        conditions.parse(text.strip())
    except conditions.ConditionError as error:
        raise ReadError(f"{where}: {error} (kolom 'voorwaarde').") from None
    return {"condition": text.strip()}


def _split_list(text: str) -> list[str]:
    """Items separated by ';', '|', a new line, or ', ' (comma and space)."""
    return [item.strip() for item in re.split(r"[;|\n]|,\s+", text) if item.strip()]


def _parse_code(text: str, where: str, column: str) -> float:
    """A code such as '9', '-1' or '1,5'."""
    try:
        value = untrusted.parse_number(text)
    except ValueError:
        raise ReadError(f"{where}: '{text.strip()}' in de kolom '{column}' is geen code "
                        "(een getal).") from None
    if not np.isfinite(value):
        raise ReadError(f"{where}: '{text.strip()}' in de kolom '{column}' is geen code "
                        "(een getal).")
    return value


def _parse_value_labels(text: str, where: str) -> dict | None:
    """'1=Ja; 2=Nee; 9=Weet niet' -> {1.0: 'Ja', 2.0: 'Nee', 9.0: 'Weet niet'}."""
    if not text.strip():
        return None
    labels = {}
    for item in re.split(r"[;|\n]", text):
        if not item.strip():
            continue
        if "=" not in item:
            raise ReadError(f"{where}: '{item.strip()}' in de kolom 'waarden' heeft niet de vorm "
                            "code=label (bijvoorbeeld 1=Ja; 2=Nee).")
        code, label = item.split("=", 1)
        labels[_parse_code(code, where, "waarden")] = label.strip()
    return labels


def _parse_missing(text: str, where: str) -> list[float] | None:
    """'9; 99' or '97 t/m 99' -> sorted codes."""
    if not text.strip():
        return None
    codes: set[float] = set()
    for item in _split_list(text):
        span = re.fullmatch(r"(-?\d+)\s*(?:t/m|tot en met|\.\.)\s*(-?\d+)", item)
        if span:
            low, high = int(span.group(1)), int(span.group(2))
            if high < low or high - low > 1000:
                raise ReadError(f"{where}: '{item}' in de kolom 'ontbrekend' is geen bruikbaar "
                                "bereik.")
            codes.update(float(c) for c in range(low, high + 1))
        else:
            codes.add(_parse_code(item, where, "ontbrekend"))
    return sorted(codes)


def _parse_flag(value, where: str) -> bool | None:
    """ja/nee (and yes/no, true/false, 1/0) or empty."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if not text:
        return None
    if text in YES:
        return True
    if text in NO:
        return False
    raise ReadError(f"{where}: '{value}' in de kolom 'hoger_is_beter' moet ja, nee of leeg zijn.")


def merge_entries(first: list[dict], second: list[dict] | None) -> list[dict]:
    """Questionnaire entries of both lists; per name the second one wins."""
    merged = {e["name"]: e for e in first}
    merged.update({e["name"]: e for e in second or []})
    return list(merged.values())




# -- applying a questionnaire ------------------------------------------------------------------

def apply_questionnaire(wave: WaveFile, questionnaire: list[dict]) -> WaveFile:
    """A new WaveFile with the questionnaire's metadata laid over the inferred metadata.

    Per name: given fields replace inferred ones; a given type must fit the data (numbers for
    every type but 'open'; 1..10 for 'rapportcijfer'); 'open' turns numbers into text. When
    labels or missing codes are given without a type, the type is inferred again. A design or
    date column named in the questionnaire also becomes a variable. Names not in the data give
    a warning.
    """
    data = wave.data.copy()
    variables = {v["name"]: dict(v) for v in wave.variables}
    warnings = list(wave.warnings)
    for entry in questionnaire:
        name = entry["name"]
        if name not in data.columns:
            warnings.append(f"Variabele '{name}' uit de vragenlijst staat niet in het "
                            "databestand.")
            continue
        var = variables.get(name) or _new_variable(data[name], name)
        data[name], var = _apply_entry(wave, data[name], var, entry)
        warnings = [w for w in warnings if not w.startswith((f"Kolom '{name}': labels voor ",
                                                             f"Kolom '{name}' is leeg"))]
        warnings.extend(variable_warnings(var, without_missing(data[name], var["missing_codes"])))
        variables[name] = var
    ordered = [variables[c] for c in data.columns if c in variables]
    return WaveFile(data, ordered, warnings, dict(wave.design_columns), wave.filename, wave.rows)


def _new_variable(values: pd.Series, name: str) -> dict:
    """A description for a column that was not a variable (a design or date column)."""
    kind = infer_type(values.rename(name), {})
    return {"name": name, "label": name, "question": None, "type": kind, "value_labels": {},
            "missing_codes": [], "topic": None, "higher_is_better": None, "mr_set": None}


def _apply_entry(wave: WaveFile, values: pd.Series, var: dict, entry: dict):
    """The column and its description after one questionnaire entry."""
    name = var["name"]
    for key in ("label", "question", "topic", "mr_set"):
        if entry.get(key) is not None:
            var[key] = entry[key]
    if entry.get("value_labels") is not None:
        var["value_labels"] = {float(k): str(v) for k, v in entry["value_labels"].items()}
    if entry.get("missing_codes") is not None:
        var["missing_codes"] = sorted(float(c) for c in entry["missing_codes"])
    kind = entry.get("type")
    if kind is None and (entry.get("value_labels") is not None
                         or entry.get("missing_codes") is not None) and var["type"] != "meervoudig":
        substantive = {k: v for k, v in var["value_labels"].items()
                       if k not in var["missing_codes"]}
        kind = infer_type(without_missing(values, var["missing_codes"]).rename(name), substantive,
                          label=var["label"])
    kind = kind or var["type"]
    values = fit_type(wave, values, name, kind, var["missing_codes"])
    if kind != var["type"] and entry.get("higher_is_better") is None:
        substantive = {k: v for k, v in var["value_labels"].items()
                       if k not in var["missing_codes"]}
        var["higher_is_better"] = guess_higher_is_better(kind, substantive)
    if entry.get("higher_is_better") is not None:
        var["higher_is_better"] = entry["higher_is_better"]
    var["type"] = kind
    if kind == "meervoudig":
        var["mr_set"] = var.get("mr_set") or mr_prefix(name) or name
    elif entry.get("mr_set") is None:
        var["mr_set"] = None
    return values, var
