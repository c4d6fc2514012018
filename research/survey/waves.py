"""Waves: one year's answers of a monitor, stored whole or not at all, read back as a table.

`import_wave` takes a DataFrame (from `readers.read_wave` or made in code) and stores its
respondents, the frame units each speaks for, the design fields and one compressed column
per variable (`columns.py`), in one transaction with one summary event. Variables are matched
to the monitor's questionnaire by name; what a wave asked differently (wording, codes) is kept
per wave in `wave_variables` and can be mapped onto the monitor's variable afterwards.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Set
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
from dateutil import parser as dateparser

from research import untrusted
from research.accounts import User, require
from research.dutch_calendar import DutchParserInfo  # Dutch month names, day first
from research.public import fieldwork as door
from research.storage import Store, Tx, utcnow
from research.survey import columns
from research.survey.monitors import CATEGORICAL, VARIABLE_TYPES, MonitorError, variable

# Columns of the data that describe the respondent rather than answer a question.
DEFAULT_ROLES = {"unit": "eenheid", "completed": "ingevuld", "weight": "gewicht",
                 "strata": None, "psu": None, "fpc": None, "respondent": None}
# A partnership's response names its units in one cell: "GM0014; GM0037".
UNIT_SEPARATOR = re.compile(r"\s*[;,|]\s*")


@dataclass
class WaveData:
    """A wave as one table: a row per response, a column per variable (monitor names, codes
    recoded), plus the design and frame fields: _weight, _calibrated, _stratum, _psu, _fpc,
    _unit, _unit_code, region, size_class, province, _completed. Read by `wave_design`, the
    frame holds only design fields and the columns stay compressed in `stored`."""
    frame: pd.DataFrame
    variables: dict  # name -> variable row (decoded), only those in the wave
    stored: dict = field(default_factory=dict)  # name -> StoredColumn (wave_design)

    def codes(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """A numeric variable's answers as codes: the value of each code (NaN: no answer) and
        per response its code (-1: no answer), recoded; see `columns.codes`."""
        if name in self.frame.columns:
            return columns.distinct_values(self.frame[name].to_numpy(float))
        return self.stored[name].codes()


# -- writing ----------------------------------------------------------------------------------

def import_wave(store: Store, user: User, monitor_id: int, label: str, year: int | None,
                variables: list[dict], data: pd.DataFrame, roles: dict | None = None,
                source: str | None = None, wave_id: int | None = None) -> int:
    """Store a wave: its variables (created or matched by name) and one response per row.
    With `wave_id` the rows fill that existing wave of the monitor, which must still be empty
    (a wave fielded from the app exists from the start of its fieldwork).

    `roles` names the data's design columns (see DEFAULT_ROLES): the frame unit code(s), the
    completion date (any format python-dateutil reads, day first), the weight, stratum, PSU,
    fpc and a respondent id. Everything is checked before anything is written; the whole wave
    is one transaction and one event. Returns the wave id.
    """
    require(user, "survey.write")
    label = str(label).strip()
    roles = {**DEFAULT_ROLES, **(roles or {})}
    if not label:
        raise MonitorError("Geef de meting een naam, bijvoorbeeld het jaartal.")
    if wave_id is not None:
        if not store.value("SELECT 1 FROM waves WHERE id = ? AND monitor_id = ?",
                           [wave_id, monitor_id]):
            raise MonitorError("Deze meting bestaat niet.")
        if store.value("SELECT 1 FROM responses WHERE wave_id = ?", [wave_id]):
            raise MonitorError(f"Meting '{label}' heeft al respondenten.")
    elif store.value("SELECT 1 FROM waves WHERE monitor_id = ? AND label = ?",
                     [monitor_id, label]):
        raise MonitorError(f"Er bestaat al een meting '{label}' in deze monitor.")
    if data.empty:
        raise MonitorError("Het databestand bevat geen respondenten.")
    names = [var["name"] for var in variables]
    if len(set(names)) != len(names):
        raise MonitorError("Een variabele staat twee keer in de vragenlijst.")
    for var in variables:
        if var["type"] not in VARIABLE_TYPES:
            raise MonitorError(f"Variabele {var['name']}: onbekend type '{var['type']}'.")
        if var["name"] not in data.columns:
            raise MonitorError(f"Variabele {var['name']} ontbreekt in het databestand.")
    for role, column in roles.items():
        if column is not None and role in ("strata", "psu", "fpc", "respondent") \
                and column not in data.columns:
            raise MonitorError(f"Kolom '{column}' ({role}) ontbreekt in het databestand.")

    design = _design_fields(data, roles)
    unit_lists = _unit_lists(store, monitor_id, data, roles["unit"])
    encoded = {var["name"]: _encode(var, data[var["name"]]) for var in variables}

    def apply(tx: Tx) -> int:
        fields = {"monitor_id": monitor_id, "label": label, "year": year, "source": source,
                  "loaded_at": utcnow()}
        if wave_id is None:
            new_id = tx.db.table("waves").insert(fields).last_pk
        else:
            tx.db.table("waves").update(wave_id, fields)
            new_id = wave_id
        first = tx.db.execute("SELECT coalesce(max(id), 0) + 1 FROM responses").fetchone()[0]
        ids = list(range(first, first + len(data)))
        tx.db.table("responses").insert_all(
            ({"id": rid, "wave_id": new_id, "unit_id": units[0] if units else None,
              **{key: values[i] for key, values in design.items()}}
             for i, (rid, units) in enumerate(zip(ids, unit_lists, strict=True))), batch_size=5000)
        tx.db.table("response_units").insert_all(
            ({"response_id": rid, "unit_id": unit}
             for rid, units in zip(ids, unit_lists, strict=True)
             for unit in units), batch_size=5000)
        for var in variables:
            var_id = _upsert_variable(tx, monitor_id, var)
            tx.db.table("wave_variables").insert({
                "wave_id": new_id, "variable_id": var_id, "source_name": var["name"],
                "label": var.get("label") or var["name"], "question": var.get("question"),
                "value_labels": _labels_json(var), "missing_codes": _missing_json(var)})
            tx.db.table("wave_columns").insert({"wave_id": new_id, "variable_id": var_id,
                                          "data": encoded[var["name"]]})
        tx.event("wave", new_id, "import", after={
            "monitor_id": monitor_id, "label": label, "responses": len(data),
            "variables": len(variables), "source": source})
        assert new_id is not None  # the row just inserted
        return new_id

    return store.write(user.actor, apply)


def _design_fields(data: pd.DataFrame, roles: dict) -> dict[str, list]:
    """The per-response design columns, checked: weights > 0, dates readable, fpc numeric."""
    n = len(data)
    weight = _numbers(data, roles["weight"]) if roles["weight"] in data.columns \
        else np.ones(n)
    weight = np.where(np.isnan(weight), 1.0, weight)
    bad = np.flatnonzero(weight <= 0)
    if bad.size:
        rows = "1 rij heeft" if bad.size == 1 else f"{bad.size} rijen hebben"
        raise MonitorError(f"Kolom '{roles['weight']}': {rows} een gewicht van 0 of minder "
                           f"(eerste: rij {bad[0] + 1}). Gewichten moeten groter dan 0 zijn.")
    fields = {"weight": weight.tolist(),
              "completed_on": _dates(data, roles["completed"]),
              "stratum": _labels(data, roles["strata"]),
              "psu": _labels(data, roles["psu"]),
              "respondent": _labels(data, roles["respondent"])}
    fpc = _numbers(data, roles["fpc"]) if roles["fpc"] else np.full(n, np.nan)
    fields["fpc"] = [None if math.isnan(v) else float(v) for v in fpc]
    return fields


def _numbers(data: pd.DataFrame, column: str) -> np.ndarray:
    """A column as float64, or a Dutch refusal naming the first cell that is not a number."""
    values = data[column]
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        # Already numbers (a .sav column): no text to check, and a per-cell pass over 300
        # columns of 100,000 rows would take most of a load's time.
        result = values.to_numpy(dtype="float64", na_value=np.nan)
        return _finite(result, values, column)
    converted = untrusted.parse_numbers(values)
    bad = converted.isna() & values.notna() & (values.astype(str).str.strip() != "")
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise MonitorError(f"Rij {row + 1}, kolom {column}: '{values.iloc[row]}' is geen getal.")
    return _finite(converted.to_numpy(dtype="float64", na_value=np.nan), values, column)


def _finite(result: np.ndarray, values: pd.Series, column: str) -> np.ndarray:
    """`result`, or a Dutch refusal naming the first infinite cell."""
    if np.isinf(result).any():
        row = int(np.flatnonzero(np.isinf(result))[0])
        raise MonitorError(f"Rij {row + 1}, kolom {column}: '{values.iloc[row]}' is geen getal.")
    return result


def _labels(data: pd.DataFrame, column: str | None) -> list:
    if not column or column not in data.columns:
        return [None] * len(data)
    return [None if _empty(v) else _code_text(v) for v in data[column]]


def _code_text(value) -> str:
    """A code as text: 3.0 -> '3' (SPSS stores codes as floats)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _dates(data: pd.DataFrame, column: str | None) -> list:
    """Completion dates as ISO dates; Dutch order (day first) for ambiguous ones."""
    if not column or column not in data.columns:
        return [None] * len(data)
    result: list[str | None] = []
    info = DutchParserInfo(date.today())
    for row, value in enumerate(data[column], start=1):
        if _empty(value):
            result.append(None)
            continue
        if hasattr(value, "date"):
            result.append(value.date().isoformat())
            continue
        text = str(value).strip()
        try:
            iso = re.fullmatch(r"\d{4}-\d{2}-\d{2}([ T].*)?", text)
            parsed = dateparser.parse(text, yearfirst=True) if iso else \
                dateparser.parse(text, parserinfo=info)
            result.append(parsed.date().isoformat())
        except (ValueError, OverflowError):
            raise MonitorError(f"Rij {row}, kolom {column}: '{text}' is geen datum.") from None
    return result


def _unit_lists(store: Store, monitor_id: int, data: pd.DataFrame, column: str | None) -> list:
    """Per response the ids of the frame units it speaks for (several for a partnership)."""
    if not column or column not in data.columns:
        return [[] for _ in range(len(data))]
    units = dict(store.db.execute("SELECT code, id FROM frame_units WHERE monitor_id = ?",
                                  [monitor_id]).fetchall())
    lists: list[list[int]] = []
    unknown: set[str] = set()
    for value in data[column]:
        codes = [] if _empty(value) else [c for c in UNIT_SEPARATOR.split(_code_text(value)) if c]
        unknown.update(c for c in codes if c not in units)
        lists.append(list(dict.fromkeys(units[c] for c in codes if c in units)))
    if unknown:
        raise MonitorError(f"{len(unknown)} eenheden staan niet in het steekproefkader, "
                           f"bijvoorbeeld {', '.join(sorted(unknown)[:3])}.")
    return lists


def _encode(var: dict, values: pd.Series) -> bytes:
    if var["type"] == "open":
        return columns.encode_texts(None if _empty(v) or not str(v).strip() else str(v)
                                    for v in values)
    return columns.encode_numbers(_numbers(values.to_frame(var["name"]), var["name"]))


def _empty(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) \
        or (isinstance(value, str) and not value.strip())


def _labels_json(var: dict) -> str:
    return json.dumps({_code_text(k) if isinstance(k, float) else str(k): v
                       for k, v in (var.get("value_labels") or {}).items()}, ensure_ascii=False)


def _missing_json(var: dict) -> str:
    return json.dumps([int(c) if float(c).is_integer() else float(c)
                       for c in var.get("missing_codes") or []])


def _upsert_variable(tx: Tx, monitor_id: int, var: dict) -> int:
    """The monitor's variable of this name: created from the first wave that has it; later
    waves keep their own wording in wave_variables and only fill what the monitor lacks."""
    row = {"monitor_id": monitor_id, "name": var["name"], "label": var.get("label") or var["name"],
           "question": var.get("question"), "type": var["type"],
           "value_labels": _labels_json(var), "missing_codes": _missing_json(var),
           "topic": var.get("topic"), "higher_is_better": _flag(var.get("higher_is_better")),
           "mr_set": var.get("mr_set")}
    existing = tx.db.execute("SELECT * FROM variables WHERE monitor_id = ? AND name = ?",
                             [monitor_id, var["name"]]).fetchone()
    if existing is None:
        return tx.insert("variables", row, entity="variable")
    current = dict(zip([d[0] for d in tx.db.execute("SELECT * FROM variables LIMIT 0")
                        .description], existing, strict=True))
    merged = json.loads(current["value_labels"] or "{}")
    merged.update({k: v for k, v in json.loads(row["value_labels"]).items() if k not in merged})
    missing = sorted(set(json.loads(current["missing_codes"] or "[]"))
                     | set(json.loads(row["missing_codes"])))
    changes = {"value_labels": json.dumps(merged, ensure_ascii=False),
               "missing_codes": json.dumps(missing)}
    for key in ("question", "topic", "higher_is_better", "mr_set"):
        if current[key] is None and row[key] is not None:
            changes[key] = row[key]
    tx.update("variables", current["id"], changes, entity="variable")
    return current["id"]


def _flag(value) -> int | None:
    return None if value is None else int(bool(value))


# -- the questionnaire editor -----------------------------------------------------------------

def update_variable(store: Store, user: User, variable_id: int, changes: dict) -> dict:
    """Edit a monitor variable's label, question, type, topic, direction, value labels or
    missing codes (applies to every wave)."""
    require(user, "survey.write")
    allowed = {"label", "question", "type", "topic", "higher_is_better", "value_labels",
               "missing_codes"}
    unknown = set(changes) - allowed
    if unknown:
        raise MonitorError(f"Dit kun je niet wijzigen: {', '.join(sorted(unknown))}.")
    row = dict(changes)
    if "type" in row and row["type"] not in VARIABLE_TYPES:
        raise MonitorError(f"Onbekend type '{row['type']}'.")
    if "label" in row and not str(row["label"]).strip():
        raise MonitorError("Een variabele heeft een label nodig.")
    if "value_labels" in row:
        row["value_labels"] = _labels_json({"value_labels": row["value_labels"]})
    if "missing_codes" in row:
        row["missing_codes"] = _missing_json({"missing_codes": row["missing_codes"]})
    if "higher_is_better" in row:
        row["higher_is_better"] = _flag(row["higher_is_better"])
    variable(store, user, variable_id)
    return store.write(user.actor, lambda tx: tx.update("variables", variable_id, row,
                                                        entity="variable"))


def set_recode(store: Store, user: User, wave_id: int, variable_id: int,
               mapping: dict) -> None:
    """Map one wave's answer codes onto the monitor's codes (e.g. 2024 used 1-4 where the
    monitor uses 1-5); an empty mapping removes it."""
    require(user, "survey.write")
    clean = {}
    for old, new in mapping.items():
        try:
            clean[_code_text(float(old))] = None if new in (None, "") else float(new)
        except (TypeError, ValueError):
            raise MonitorError(f"Hercodering '{old}' -> '{new}': gebruik getallen.") from None
    if not store.value("SELECT 1 FROM wave_variables WHERE wave_id = ? AND variable_id = ?",
                       [wave_id, variable_id]):
        raise MonitorError("Deze vraag zit niet in deze meting.")
    store.write(user.actor, lambda tx: _set_wave_variable(tx, wave_id, variable_id,
                                                          {"recode": json.dumps(clean)}))


def _set_wave_variable(tx: Tx, wave_id: int, variable_id: int, changes: dict) -> None:
    """Change a wave's variable row and log it."""
    tx.db.table("wave_variables").update((wave_id, variable_id), changes)
    tx.event("wave_variable", f"{wave_id}:{variable_id}", "update", None, changes)


def link_variable(store: Store, user: User, wave_id: int, source_id: int, target_id: int) -> None:
    """Treat a wave's variable as another monitor variable (the same question under another
    name); the now unused variable is removed. Refused when the target is in the wave."""
    require(user, "survey.write")
    source, target = variable(store, user, source_id), variable(store, user, target_id)
    if source["monitor_id"] != target["monitor_id"] or source_id == target_id:
        raise MonitorError("Kies een andere vraag van dezelfde monitor.")
    if source["type"] != target["type"]:
        raise MonitorError(f"{source['name']} ({VARIABLE_TYPES[source['type']]}) en "
                           f"{target['name']} ({VARIABLE_TYPES[target['type']]}) zijn niet "
                           "van hetzelfde type.")
    if store.value("SELECT 1 FROM wave_columns WHERE wave_id = ? AND variable_id = ?",
                   [wave_id, target_id]):
        raise MonitorError(f"{target['name']} zit al in deze meting.")

    def apply(tx: Tx) -> None:
        for table in ("wave_columns", "wave_variables", "results"):
            tx.db.execute(f"UPDATE {table} SET variable_id = ? WHERE wave_id = ?"
                          " AND variable_id = ?", [target_id, wave_id, source_id])
        tx.event("wave_variable", f"{wave_id}:{source_id}", "link", {"variable": source["name"]},
                 {"variable": target["name"]})
        if not tx.db.execute("SELECT 1 FROM wave_columns WHERE variable_id = ?",
                             [source_id]).fetchone():
            tx.db.execute("UPDATE knowledge_links SET variable_id = ? WHERE variable_id = ?",
                          [target_id, source_id])
            tx.delete("variables", source_id, entity="variable")

    store.write(user.actor, apply)


def comparability(store: Store, user: User, monitor_id: int) -> pd.DataFrame:
    """Per variable and wave: present, and whether the wording or codes differ from the
    monitor's; the editor's overview of what needs a decision."""
    require(user, "survey.read")
    rows = store.rows(
        "SELECT v.id AS variable_id, v.name, v.label AS monitor_label, w.label AS wave,"
        " wv.source_name, wv.label, wv.question, v.question AS monitor_question,"
        " wv.value_labels, v.value_labels AS monitor_labels, wv.recode"
        " FROM variables v JOIN wave_variables wv ON wv.variable_id = v.id"
        " JOIN waves w ON w.id = wv.wave_id WHERE v.monitor_id = ?"
        " ORDER BY v.topic, v.id, w.year, w.label", [monitor_id])
    for row in rows:
        wave_labels = json.loads(row.pop("value_labels") or "{}")
        monitor_labels = json.loads(row.pop("monitor_labels") or "{}")
        recode = json.loads(row.pop("recode") or "{}")
        row["other_wording"] = bool(row["question"] and row["monitor_question"]
                                    and row["question"] != row["monitor_question"])
        row["other_codes"] = bool(wave_labels and wave_labels != monitor_labels)
        # What users read: 'leeg' for a code recoded to missing.
        row["recoding"] = ", ".join(f"{k}→{_code_text(v) if v is not None else 'leeg'}"
                                    for k, v in recode.items())
        row.pop("monitor_question")
    return pd.DataFrame(rows, columns=["variable_id", "name", "monitor_label", "wave",
                                       "source_name", "label", "question", "other_wording",
                                       "other_codes", "recoding"])


def delete_wave(store: Store, user: User, wave_id: int) -> None:
    """Remove a wave with its responses, columns and results (the event keeps its summary)."""
    require(user, "survey.write")
    wave = store.one("SELECT id, label, monitor_id FROM waves WHERE id = ?", [wave_id])
    if wave is None:
        raise MonitorError("Deze meting bestaat niet.")
    responses = store.value("SELECT count(*) FROM responses WHERE wave_id = ?", [wave_id])
    # An online fieldwork of the wave goes with it; its links stop first.
    for row in store.rows("SELECT id FROM fieldworks WHERE wave_id = ?", [wave_id]):
        door.remove_fieldwork(door.path_beside(store.path), row["id"])

    def apply(tx: Tx) -> None:
        tx.db.execute("DELETE FROM waves WHERE id = ?", [wave_id])
        tx.event("wave", wave_id, "delete", {**wave, "responses": responses}, None)

    store.write(user.actor, apply)


# -- reading ----------------------------------------------------------------------------------

def wave_data(store: Store, user: User, wave_id: int, names: list[str] | None = None) -> WaveData:
    """The wave as a table (see WaveData), with each variable's recoding applied and the
    monitor's metadata; `names` limits the variables read."""
    require(user, "survey.read")
    _monitor_of(store, wave_id)
    headings, rows = store.table(
        "SELECT r.id AS _id, r.weight AS _weight, r.calibrated_weight AS _calibrated,"
        " r.stratum AS _stratum, r.psu AS _psu, r.fpc AS _fpc, r.completed_on AS _completed,"
        " r.respondent AS _respondent, u.id AS _unit, u.code AS _unit_code,"
        " u.name AS _unit_name, u.region, u.size_class, u.province"
        " FROM responses r LEFT JOIN frame_units u ON u.id = r.unit_id"
        " WHERE r.wave_id = ? ORDER BY r.id", [wave_id])
    table = pd.DataFrame.from_records(rows, columns=headings)
    found, added = {}, {}
    for column in _stored_columns(store, wave_id, names).values():
        var, values = column.variable, column.values()
        # Texts stay Python objects: None, not a string dtype's NaN, marks no answer.
        added[var["name"]] = values if isinstance(values, np.ndarray) else \
            pd.Series(values, dtype=object, index=table.index)
        found[var["name"]] = var
    if added:   # joined at once: a column at a time fragments the frame (slow with 300)
        table = pd.concat([table, pd.DataFrame(added, index=table.index)], axis=1)
    return WaveData(table, found)


# Design fields `wave_design` can read, by their name in WaveData.frame: numbers, texts.
NUMBER_FIELDS = {"_weight": "weight", "_calibrated": "calibrated_weight", "_fpc": "fpc"}
TEXT_FIELDS = {"_stratum": "stratum", "_psu": "psu"}
UNIT_ATTRIBUTES = ["region", "size_class", "province"]


def wave_design(store: Store, user: User, wave_id: int, fields: Set[str] = frozenset()
                ) -> WaveData:
    """The wave for one pass over all its answers (the results store): per response only the
    asked design `fields` (of NUMBER_FIELDS and TEXT_FIELDS, or variable names), the frame
    unit (_unit) and its region, size class and province; every variable's metadata, and its
    column kept compressed in `WaveData.stored` until it is used (open questions' texts are
    not read).

    At a million respondents the whole table of `wave_data` is gigabytes of Python objects and
    most of the time of a results table; two numbers per response and compressed columns
    are not.
    """
    require(user, "survey.read")
    monitor_id = _monitor_of(store, wave_id)
    numbers = [f for f in NUMBER_FIELDS if f in fields]
    table = _response_numbers(store, wave_id, ["unit_id"] + [NUMBER_FIELDS[f] for f in numbers],
                              ["_unit"] + numbers)
    for name in (f for f in TEXT_FIELDS if f in fields):
        _, rows = store.table(f"SELECT {TEXT_FIELDS[name]} FROM responses WHERE wave_id = ?"
                              " ORDER BY id", [wave_id])
        table[name] = pd.Series([row[0] for row in rows], dtype=object, index=table.index)
    for name, values in _unit_attributes(store, monitor_id, table["_unit"].to_numpy()).items():
        table[name] = values
    table["_unit"] = pd.array(table["_unit"].to_numpy(), dtype="Int64")
    stored = _stored_columns(store, wave_id, texts=False)
    for name in sorted(fields & set(stored)):
        values = stored[name].values()
        table[name] = values if isinstance(values, np.ndarray) else \
            pd.Series(values, dtype=object, index=table.index)
    return WaveData(table, {name: column.variable for name, column in stored.items()}, stored)


def _response_numbers(store: Store, wave_id: int, selected: list[str],
                      names: list[str]) -> pd.DataFrame:
    """Numeric fields of the wave's responses (NULL as NaN), in response order: straight
    from the cursor into an array, without a list of a million tuples in between."""
    cursor = store.db.execute(f"SELECT {', '.join(selected)} FROM responses WHERE wave_id = ?"
                              " ORDER BY id", [wave_id])
    array = np.fromiter(cursor, dtype=[(name, np.float64) for name in names])
    return pd.DataFrame({name: array[name] for name in names})


def _unit_attributes(store: Store, monitor_id: int, unit: np.ndarray) -> dict[str, pd.Series]:
    """Per response (by its unit id, NaN for none) the unit's region, size class and
    province, looked up in the small frame table, as categoricals (categories sorted): a
    million texts, where every pass over them (notna, factorize) is a loop in Python."""
    headings, rows = store.table(f"SELECT id, {', '.join(UNIT_ATTRIBUTES)} FROM frame_units"
                                 " WHERE monitor_id = ? ORDER BY id", [monitor_id])
    ids = np.array([row[0] for row in rows], dtype=np.float64)
    position = np.minimum(np.searchsorted(ids, unit), max(len(ids) - 1, 0))
    found = (ids[position] == unit) if len(ids) else np.zeros(len(unit), dtype=bool)
    index = np.where(found, position, len(ids))     # one past the units: no unit
    attributes = {}
    for column, name in enumerate(headings[1:], start=1):
        codes, labels = pd.factorize(np.array([row[column] for row in rows], dtype=object),
                                     sort=True)
        attributes[name] = pd.Series(pd.Categorical.from_codes(
            np.append(codes, -1)[index], categories=labels))
    return attributes


def _monitor_of(store: Store, wave_id: int) -> int:
    """The wave's monitor; refused in Dutch when the wave does not exist."""
    wave = store.one("SELECT monitor_id FROM waves WHERE id = ?", [wave_id])
    if wave is None:
        raise MonitorError("Deze meting bestaat niet.")
    return wave["monitor_id"]


@dataclass
class StoredColumn:
    """A variable of a wave with its column as stored (compressed), decoded on demand."""
    variable: dict
    blob: bytes | None     # None: not read (an open question's texts, for `wave_design`)
    recode: dict

    def values(self) -> np.ndarray | list:
        """The decoded column, recoded (texts: a list of str or None)."""
        assert self.blob is not None, "a column left unread"
        values = columns.decode(self.blob)
        if self.recode and isinstance(values, np.ndarray):
            values = _recoded(values, self.recode)
        return values

    def codes(self) -> tuple[np.ndarray, np.ndarray]:
        """`columns.codes` of the column, the recoding applied to the values of the codes."""
        assert self.blob is not None, "a column left unread"
        values, codes = columns.codes(self.blob)
        if self.recode:
            values = _recoded(values, self.recode)
        return values, codes


def _stored_columns(store: Store, wave_id: int, names: list[str] | None = None,
                    texts: bool = True) -> dict[str, StoredColumn]:
    """The wave's variables (all, or those in `names`) in monitor order, with the monitor's
    metadata, the wave's missing codes added, and their stored columns (without `texts`, the
    open questions' columns are left unread: None)."""
    params: list[int | str] = [wave_id]
    where = ""
    if names is not None:
        where = f" AND v.name IN ({', '.join('?' * len(names))})"
        params += list(names)
    found = {}
    for row in store.rows(
            "SELECT v.*, CASE WHEN ? OR v.type != 'open' THEN c.data END AS data, wv.recode,"
            " wv.missing_codes AS wave_missing FROM wave_columns c"
            " JOIN variables v ON v.id = c.variable_id JOIN wave_variables wv"
            " ON wv.wave_id = c.wave_id AND wv.variable_id = c.variable_id"
            f" WHERE c.wave_id = ?{where} ORDER BY v.id", [texts] + params):
        blob = row.pop("data")
        recode = json.loads(row.pop("recode") or "{}")
        wave_missing = json.loads(row.pop("wave_missing") or "[]")
        var = {**row, "value_labels": json.loads(row["value_labels"] or "{}"),
               "missing_codes": sorted(set(json.loads(row["missing_codes"] or "[]"))
                                       | set(wave_missing))}
        found[var["name"]] = StoredColumn(var, blob, recode)
    return found


def _recoded(values: np.ndarray, recode: dict) -> np.ndarray:
    """Apply {old code: new code or None} to a numeric column, vectorised."""
    result = values.copy()
    for old, new in recode.items():
        result[values == float(old)] = np.nan if new is None else new
    return result


def valid_values(var: dict, values: np.ndarray) -> np.ndarray:
    """Values with the variable's missing codes ("weet niet", 99) set to NaN."""
    missing = np.array([float(c) for c in var["missing_codes"]], dtype=float)
    result = np.asarray(values, dtype=float).copy()
    if missing.size:
        result[np.isin(result, missing)] = np.nan
    return result


def categories(var: dict, values: np.ndarray) -> list[float]:
    """The answer codes of a categorical variable to report: labelled and present codes,
    missing codes excluded, in code order."""
    labelled = {float(k) for k in var["value_labels"]}
    present = set(np.unique(values[~np.isnan(values)]).tolist()) if len(values) else set()
    missing = {float(c) for c in var["missing_codes"]}
    return sorted((labelled | present) - missing) if var["type"] in CATEGORICAL else []
