"""Monitors: a sample frame of units, a questionnaire of variables, and waves of responses.

A wave is stored long (one row per response and variable) so that waves with different
questionnaires share one schema. Results here are unweighted counts and percentages with
their base stated; the design-based estimator is the survey module's next part.
"""

from __future__ import annotations

import json
import math
from typing import Iterable

import pandas as pd

from research.accounts import User, require
from research.errors import UserError
from research.storage import Store, Tx, utcnow

VARIABLE_TYPES = {
    "enkelvoudig": "Enkele keuze",
    "meervoudig": "Meerdere antwoorden",
    "likert": "Likertschaal",
    "rapportcijfer": "Rapportcijfer",
    "getal": "Getal",
    "open": "Open antwoord",
}
CATEGORICAL = {"enkelvoudig", "meervoudig", "likert"}
NUMERIC = {"rapportcijfer", "getal"}
UNIT_KINDS = {"gemeente": "Gemeenten", "gebied": "Gebieden", "persoon": "Inwoners"}


class MonitorError(UserError):
    """A refused monitor action, with a Dutch message."""


# -- writing ----------------------------------------------------------------------------------

def create_monitor(store: Store, user: User, name: str, unit_kind: str,
                   description: str = "") -> int:
    """Create a monitor; returns its id."""
    require(user, "survey.write")
    name = name.strip()
    if not name:
        raise MonitorError("Geef de monitor een naam.")
    if unit_kind not in UNIT_KINDS:
        raise MonitorError(f"Onbekende eenheid '{unit_kind}'.")
    if store.value("SELECT 1 FROM monitors WHERE name = ?", [name]):
        raise MonitorError(f"Er bestaat al een monitor '{name}'.")
    return store.write(user.actor, lambda tx: tx.insert("monitors", {
        "name": name, "unit_kind": unit_kind, "description": description, "created_at": utcnow()}))


def set_frame(store: Store, user: User, monitor_id: int, units: Iterable[dict]) -> int:
    """Add or update the frame's units (code, name, region, size_class); returns how many."""
    require(user, "survey.write")
    rows = [{"monitor_id": monitor_id, "code": str(u["code"]), "name": u["name"],
             "region": u.get("region"), "size_class": u.get("size_class")} for u in units]
    if any(not r["code"] or not r["name"] for r in rows):
        raise MonitorError("Elke eenheid in het steekproefkader heeft een code en een naam.")

    def apply(tx: Tx) -> int:
        for row in rows:
            existing = tx.db.execute("SELECT id FROM frame_units WHERE monitor_id = ? AND code = ?",
                                     [monitor_id, row["code"]]).fetchone()
            if existing:
                tx.db["frame_units"].update(existing[0], row)
            else:
                tx.db["frame_units"].insert(row)
        tx.event("frame", monitor_id, "set", after={"units": len(rows)})
        return len(rows)

    return store.write(user.actor, apply)


def import_wave(store: Store, user: User, monitor_id: int, label: str, year: int | None,
                variables: list[dict], data: pd.DataFrame) -> int:
    """Store a wave: its variables (created or matched by name) and one response per row.

    `data` has a column `eenheid` (frame unit code, optional), `ingevuld` (completion date,
    optional), `gewicht` (weight, optional, default 1) and one column per variable name.
    All of it is written in one transaction, logged as one event; returns the wave id.
    """
    require(user, "survey.write")
    label = label.strip()
    if not label:
        raise MonitorError("Geef de meting een naam, bijvoorbeeld het jaartal.")
    if store.value("SELECT 1 FROM waves WHERE monitor_id = ? AND label = ?", [monitor_id, label]):
        raise MonitorError(f"Er bestaat al een meting '{label}' in deze monitor.")
    for var in variables:
        if var["type"] not in VARIABLE_TYPES:
            raise MonitorError(f"Variabele {var['name']}: onbekend type '{var['type']}'.")
        if var["name"] not in data.columns:
            raise MonitorError(f"Variabele {var['name']} ontbreekt in het databestand.")
    units = {r["code"]: r["id"] for r in store.rows(
        "SELECT id, code FROM frame_units WHERE monitor_id = ?", [monitor_id])}
    if "eenheid" in data.columns:
        unknown = sorted({str(c) for c in data["eenheid"].dropna()} - set(units))
        if unknown:
            raise MonitorError(f"{len(unknown)} eenheden staan niet in het steekproefkader, "
                               f"bijvoorbeeld {', '.join(unknown[:3])}.")

    def apply(tx: Tx) -> int:
        wave_id = tx.insert("waves", {"monitor_id": monitor_id, "label": label, "year": year})
        var_ids = {var["name"]: _upsert_variable(tx, monitor_id, var) for var in variables}
        answers = []
        for row_number, record in enumerate(data.to_dict("records"), start=1):
            unit = record.get("eenheid")
            weight = _number(record.get("gewicht"), "gewicht", row_number)
            if weight is not None and weight <= 0:
                raise MonitorError(f"Rij {row_number}: het gewicht moet groter dan 0 zijn.")
            response_id = tx.db["responses"].insert({
                "wave_id": wave_id,
                "unit_id": None if _empty(unit) else units.get(str(unit)),
                "completed_on": None if _empty(record.get("ingevuld")) else record["ingevuld"],
                "weight": 1.0 if weight is None else weight}).last_pk
            for var in variables:
                value = record[var["name"]]
                if _empty(value):
                    continue
                if var["type"] == "open":
                    answers.append({"response_id": response_id, "variable_id": var_ids[var["name"]],
                                    "value": None, "text": str(value)})
                else:
                    answers.append({"response_id": response_id, "variable_id": var_ids[var["name"]],
                                    "value": _number(value, var["name"], row_number),
                                    "text": None})
        tx.db["answers"].insert_all(answers, batch_size=5000)
        tx.event("wave", wave_id, "import", after={
            "monitor_id": monitor_id, "label": label, "responses": len(data),
            "variables": len(variables), "answers": len(answers)})
        return wave_id

    return store.write(user.actor, apply)


def _empty(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def _number(value, column: str, row_number: int) -> float | None:
    """A cell as a number (None when empty), or a Dutch refusal naming the cell."""
    if _empty(value):
        return None
    try:
        number = float(str(value).replace(",", ".")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise MonitorError(f"Rij {row_number}, kolom {column}: '{value}' is geen getal.") from None
    if math.isnan(number) or math.isinf(number):
        raise MonitorError(f"Rij {row_number}, kolom {column}: '{value}' is geen getal.")
    return number


def _upsert_variable(tx: Tx, monitor_id: int, var: dict) -> int:
    row = {"monitor_id": monitor_id, "name": var["name"], "label": var.get("label") or var["name"],
           "question": var.get("question"), "type": var["type"],
           "value_labels": json.dumps({str(k): v for k, v in var.get("value_labels", {}).items()},
                                      ensure_ascii=False),
           "missing_codes": json.dumps(var.get("missing_codes", [])),
           "topic": var.get("topic"), "higher_is_better": var.get("higher_is_better")}
    existing = tx.db.execute("SELECT id FROM variables WHERE monitor_id = ? AND name = ?",
                             [monitor_id, var["name"]]).fetchone()
    if existing:
        tx.update("variables", existing[0], row, entity="variable")
        return existing[0]
    return tx.insert("variables", row, entity="variable")


# -- reading ----------------------------------------------------------------------------------

def list_monitors(store: Store, user: User) -> list[dict]:
    """Every monitor with its number of waves and frame units."""
    require(user, "survey.read")
    return store.rows(
        "SELECT m.id, m.name, m.unit_kind, m.description,"
        " (SELECT count(*) FROM waves w WHERE w.monitor_id = m.id) AS waves,"
        " (SELECT count(*) FROM frame_units f WHERE f.monitor_id = m.id) AS units"
        " FROM monitors m ORDER BY m.name")


def waves(store: Store, user: User, monitor_id: int) -> list[dict]:
    """The monitor's waves, oldest first, with their number of responses."""
    require(user, "survey.read")
    return store.rows(
        "SELECT w.id, w.label, w.year, (SELECT count(*) FROM responses r WHERE r.wave_id = w.id)"
        " AS responses FROM waves w WHERE w.monitor_id = ? ORDER BY w.year, w.label", [monitor_id])


def variables(store: Store, user: User, monitor_id: int) -> list[dict]:
    """The monitor's questionnaire, with value labels and missing codes decoded."""
    require(user, "survey.read")
    rows = store.rows("SELECT * FROM variables WHERE monitor_id = ? ORDER BY topic, id",
                      [monitor_id])
    for row in rows:
        row["value_labels"] = json.loads(row["value_labels"] or "{}")
        row["missing_codes"] = json.loads(row["missing_codes"] or "[]")
    return rows


def _variable(store: Store, user: User, variable_id: int) -> dict:
    require(user, "survey.read")
    row = store.one("SELECT * FROM variables WHERE id = ?", [variable_id])
    if row is None:
        raise MonitorError("Deze variabele bestaat niet.")
    row["value_labels"] = json.loads(row["value_labels"] or "{}")
    row["missing_codes"] = json.loads(row["missing_codes"] or "[]")
    return row


def _label(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def frequencies(store: Store, user: User, variable_id: int) -> pd.DataFrame:
    """Unweighted counts per wave and answer, with percentages of the valid answers.

    Columns: meting, code, antwoord, n, percentage, basis. Missing codes ("weet niet") stay
    in the table with their n but are left out of the base, and their percentage is empty.
    """
    var = _variable(store, user, variable_id)
    if var["type"] not in CATEGORICAL:
        raise MonitorError(f"{var['label']} is geen keuzevraag.")
    counts = pd.DataFrame(store.rows(
        "SELECT w.label AS meting, w.year, a.value AS code, count(*) AS n FROM answers a"
        " JOIN responses r ON r.id = a.response_id JOIN waves w ON w.id = r.wave_id"
        " WHERE a.variable_id = ? GROUP BY w.id, a.value ORDER BY w.year, w.label, a.value",
        [variable_id]), columns=["meting", "year", "code", "n"])
    missing = {float(c) for c in var["missing_codes"]}
    counts["antwoord"] = [var["value_labels"].get(_label(c), _label(c)) for c in counts["code"]]
    valid = counts[~counts["code"].isin(missing)]
    base = valid.groupby("meting")["n"].sum()
    counts["basis"] = counts["meting"].map(base).fillna(0).astype(int)
    counts["percentage"] = [
        None if code in missing or not b else round(100 * n / b, 1)
        for code, n, b in zip(counts["code"], counts["n"], counts["basis"])]
    return counts[["meting", "code", "antwoord", "n", "percentage", "basis"]]


def numeric_summary(store: Store, user: User, variable_id: int) -> pd.DataFrame:
    """Unweighted n, mean, minimum and maximum per wave of a numeric variable (missing codes out)."""
    var = _variable(store, user, variable_id)
    if var["type"] not in NUMERIC:
        raise MonitorError(f"{var['label']} is geen getalvraag.")
    values = pd.DataFrame(store.rows(
        "SELECT w.id AS wave, w.label AS meting, a.value FROM answers a"
        " JOIN responses r ON r.id = a.response_id JOIN waves w ON w.id = r.wave_id"
        " WHERE a.variable_id = ? AND a.value IS NOT NULL ORDER BY w.year, w.label",
        [variable_id]), columns=["wave", "meting", "value"])
    values = values[~values["value"].isin({float(c) for c in var["missing_codes"]})]
    # Grouped by wave id in query order: a wave without a year must not drop out.
    summary = values.groupby(["wave", "meting"], sort=False)["value"].agg(
        n="count", gemiddelde="mean", minimum="min", maximum="max").reset_index()
    summary["gemiddelde"] = summary["gemiddelde"].round(2)
    return summary.drop(columns="wave")


def open_answers(store: Store, user: User, variable_id: int) -> pd.DataFrame:
    """The texts given to an open question, per wave (no unit names: answers may identify)."""
    var = _variable(store, user, variable_id)
    if var["type"] != "open":
        raise MonitorError(f"{var['label']} is geen open vraag.")
    return pd.DataFrame(store.rows(
        "SELECT w.label AS meting, a.text AS antwoord FROM answers a"
        " JOIN responses r ON r.id = a.response_id JOIN waves w ON w.id = r.wave_id"
        " WHERE a.variable_id = ? AND a.text IS NOT NULL AND trim(a.text) != ''"
        " ORDER BY w.year, w.label, r.id", [variable_id]), columns=["meting", "antwoord"])


def response_by_region(store: Store, user: User, monitor_id: int) -> pd.DataFrame:
    """Per wave and region: units in the frame, units that answered, and the response rate."""
    require(user, "survey.read")
    rows = store.rows(
        "SELECT w.label AS meting, w.year, f.region AS regio, count(DISTINCT f.id) AS kader,"
        " count(DISTINCT r.unit_id) AS respons"
        " FROM waves w JOIN frame_units f ON f.monitor_id = w.monitor_id"
        " LEFT JOIN responses r ON r.wave_id = w.id AND r.unit_id = f.id"
        " WHERE w.monitor_id = ? GROUP BY w.id, f.region ORDER BY w.year, w.label, f.region",
        [monitor_id])
    table = pd.DataFrame(rows, columns=["meting", "year", "regio", "kader", "respons"])
    table["responspercentage"] = (100 * table["respons"] / table["kader"]).round(1)
    return table.drop(columns="year")


def areas(store: Store, user: User, monitor_id: int) -> list[str]:
    """The names of a monitor's frame units and their regions (for choosing an area)."""
    require(user, "survey.read")
    rows = store.rows("SELECT name, region FROM frame_units WHERE monitor_id = ? ORDER BY name",
                      [monitor_id])
    return sorted({r["region"] for r in rows if r["region"]}) + [r["name"] for r in rows]
