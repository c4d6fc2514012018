"""The one path from an uploaded file to a stored wave with its results (page and command
line): read the file and its questionnaire, keep the design columns out of the questions,
store the wave whole, compute its results store. Also reads a frame file."""

from __future__ import annotations

import io
import math
import re
from typing import Any

import pandas as pd

from research import untrusted
from research.accounts import User, require
from research.storage import Store
from research.survey import monitors, readers, results, waves
from research.survey.monitors import MonitorError

# Frame file headings (Dutch and English) -> frame_units columns.
FRAME_HEADINGS = {"code": "code", "gemeentecode": "code", "gebiedcode": "code",
                  "naam": "name", "name": "name", "gemeente": "name", "gebied": "name",
                  "regio": "region", "region": "region", "landsdeel": "region",
                  "stadsdeel": "region", "grootteklasse": "size_class",
                  "size_class": "size_class", "provincie": "province", "province": "province",
                  "populatie": "population", "inwoners": "population",
                  "population": "population"}


CHOICE_TEXTS = readers.CHOICE_TEXTS
choice_rule = readers.choice_rule


def read(source, filename: str, questionnaire=None,
         questionnaire_name: str | None = None,
         choice_limit: int = readers.CHOICE_TEXTS) -> readers.WaveFile:
    """A wave file read with its questionnaire (which may declare a column an open answer
    before its cells are checked as numbers), or a Dutch ReadError. A text column of at most
    `choice_limit` short answers becomes a single-choice question (`readers.choice_rule`)."""
    entries = None if questionnaire is None else readers.read_questionnaire(
        questionnaire, questionnaire_name or "vragenlijst")
    return readers.read_wave(source, filename, entries, choice_limit)


def answers_text(var: dict, limit: int = 80) -> str:
    """A variable's answers for the preview: 'klein, groot' (at most `limit` characters)."""
    labels = [str(v) for k, v in var.get("value_labels", {}).items()
              if k not in var.get("missing_codes", [])]
    text = ", ".join(labels)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def default_roles(wave: readers.WaveFile) -> dict:
    """The design columns the reader recognised, as import roles."""
    guessed = wave.design_columns
    return {"unit": guessed.get("unit"), "completed": guessed.get("completed"),
            "weight": guessed.get("weight"), "strata": guessed.get("strata"),
            "psu": guessed.get("psu"), "fpc": guessed.get("fpc"),
            "respondent": guessed.get("respondent")}


def load(store: Store, user: User, monitor_id: int, label: str, year: int | None,
         wave: readers.WaveFile, roles: dict | None = None, types: dict | None = None,
         source: str | None = None, compute: bool = True,
         wave_id: int | None = None) -> tuple[int, int]:
    """Store the wave (design columns as roles, not questions; `types` overrides a
    variable's type by name) and, when `compute`, its results; returns (wave id, result
    rows, 0 without computing). `wave_id` fills an existing empty wave (a closed fieldwork)."""
    require(user, "survey.write")
    roles = {**waves.DEFAULT_ROLES, **default_roles(wave), **(roles or {})}
    for role, column in roles.items():
        if column and column not in wave.data.columns:
            raise MonitorError(f"Kolom '{column}' ({role}) staat niet in "
                               f"{source or 'het bestand'}.")
    design = {c for c in roles.values() if c}
    chosen = {k: v for k, v in (types or {}).items() if k not in design}
    # A design column keeps its texts (a stratum named 'klein', not '1').
    chosen.update({v["name"]: "open" for v in wave.variables
                   if v.get("from_text") and v["name"] in design})
    try:
        wave = readers.retype(wave, chosen)
    except readers.ReadError as error:
        raise MonitorError(error.message) from None
    variables = [v for v in wave.variables if v["name"] not in design]
    if not variables:
        raise MonitorError(f"Bestand '{source or wave.filename}' bevat geen vragen naast de "
                           "ontwerpkolommen.")
    try:
        wave_id = waves.import_wave(store, user, monitor_id, label, year, variables, wave.data,
                                    roles=roles, source=source, wave_id=wave_id)
    except MonitorError as error:
        # Name the file, so the analyst knows which upload the row and column refer to.
        raise MonitorError(f"Bestand '{source or wave.filename}': {error.message}") from None
    return wave_id, (results.compute(store, user, wave_id) if compute else 0)


def read_frame(source, filename: str) -> list[dict]:
    """Frame units from a CSV (',' or ';') or Excel file with Dutch headings (code, naam,
    regio, grootteklasse, provincie, populatie)."""
    raw = source if isinstance(source, bytes) else readers.as_input(source, filename).content()
    if not raw.strip():
        raise MonitorError(f"Bestand '{filename}' is leeg.")
    if raw[:2] == b"PK":
        readers.check_workbook(raw, filename)   # not Excel, or a zip bomb: a Dutch ReadError
    else:
        text = readers.decode_text(raw, filename)   # UTF-8, UTF-16/32 with BOM, or Windows-1252
        readers.check_table_text(text, filename)
    try:
        if raw[:2] == b"PK":
            table = pd.read_excel(io.BytesIO(raw), dtype=str)
        else:
            table = pd.read_csv(io.StringIO(text), sep=untrusted.sniff_delimiter(text),
                                dtype=str)
    except Exception as error:  # any reader failure becomes one Dutch message
        raise MonitorError(f"Bestand '{filename}' is geen leesbaar steekproefkader "
                           f"({type(error).__name__}).") from None
    if not isinstance(table.index, pd.RangeIndex):
        # A row with more fields than the header: pandas would shift its values one column on.
        raise MonitorError(f"Bestand '{filename}': een rij heeft meer velden dan de kopregel.")
    table.columns = [FRAME_HEADINGS.get(re.sub(r"\s+", "_", str(c).strip().lower()), c)
                     for c in table.columns]
    if not {"code", "name"} <= set(table.columns):
        raise MonitorError(f"Bestand '{filename}': het kader heeft de kolommen 'code' en 'naam' "
                           "nodig.")
    units = []
    for row in table.to_dict("records"):
        unit: dict[str, Any] = {k: (None if pd.isna(v) else str(v).strip())
                                for k, v in row.items() if k in FRAME_HEADINGS.values()}
        if not any(unit.values()):
            continue   # an empty row
        if not unit.get("code"):
            raise MonitorError(f"Bestand '{filename}': eenheid '{unit.get('name') or ''}' heeft "
                               "geen code.")
        if unit.get("population") is not None:
            try:
                unit["population"] = _number(unit["population"])
            except ValueError:
                raise MonitorError(f"Bestand '{filename}', eenheid {unit['code']}: populatie "
                                   f"'{unit['population']}' is geen getal.") from None
        units.append(unit)
    if not units:
        raise MonitorError(f"Bestand '{filename}' bevat geen eenheden.")
    return units


def _number(text: str) -> float:
    """A count as written in Dutch or English: '12.345', '12345', '12345,0', '12345.0'."""
    value = untrusted.parse_number(text, decimal_comma=True)
    if math.isnan(value):
        raise ValueError(text)
    return value


def set_frame_from_file(store: Store, user: User, monitor_id: int, source,
                        filename: str) -> int:
    """Read a frame file and add or update its units; returns how many."""
    return monitors.set_frame(store, user, monitor_id, read_frame(source, filename))
