"""Monitors: a sample frame of units, a questionnaire of variables, a design, and waves.

A monitor is the gemeentemonitor (units = municipalities) or an area monitor (units =
gebieden, or residents grouped by area). Its waves and their data live in `waves.py`; the
design (weights, strata, clusters, finite-population correction) and the suppression
thresholds are settings of the monitor, used by `results.py`.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

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
# Frame attributes a result can be broken down by, with their Dutch names.
FRAME_BREAKDOWNS = {"region": "Regio", "size_class": "Grootteklasse", "province": "Provincie"}
# The design a monitor starts with: every response its own PSU, the file's weights. A
# two-stage design adds the secondary units within the PSUs (ssu) and their population per
# PSU (fpc2).
DEFAULT_DESIGN = {"weight": "bestand", "strata": None, "psu": None, "fpc": None, "ssu": None,
                  "fpc2": None}
WEIGHT_SOURCES = {"bestand": "Gewicht uit het bestand", "kalibratie": "Gekalibreerd gewicht",
                  "geen": "Ongewogen"}


class MonitorError(UserError):
    """A refused monitor action, with a Dutch message."""


# -- writing ----------------------------------------------------------------------------------

def create_monitor(store: Store, user: User, name: str, unit_kind: str,
                   description: str = "", design: dict | None = None) -> int:
    """Create a monitor; returns its id."""
    require(user, "survey.write")
    name = name.strip()
    if not name:
        raise MonitorError("Geef de monitor een naam.")
    if unit_kind not in UNIT_KINDS:
        raise MonitorError(f"Onbekende eenheid '{unit_kind}'.")
    if store.value("SELECT 1 FROM monitors WHERE name = ?", [name]):
        raise MonitorError(f"Er bestaat al een monitor '{name}'.")
    settings = _checked_design({**DEFAULT_DESIGN, **(design or {})})
    return store.write(user.actor, lambda tx: tx.insert("monitors", {
        "name": name, "unit_kind": unit_kind, "description": description,
        "design": json.dumps(settings), "created_at": utcnow()}))


def _checked_design(design: dict) -> dict:
    """A design setting, or a Dutch refusal.

    strata / psu name a frame attribute (region, size_class, province), `unit` (each
    responding unit its own PSU) or a variable of the monitor; fpc is `kader` (the number of
    frame units in the stratum, for a census-like frame such as all municipalities) or a
    variable holding the population count of PSUs per stratum. A two-stage design names the
    secondary units within the PSUs (ssu, a variable or `unit`) and the variable holding
    their number in each PSU (fpc2).
    """
    unknown = set(design) - set(DEFAULT_DESIGN)
    if unknown:
        raise MonitorError(f"Onbekende ontwerpinstelling: {', '.join(sorted(unknown))}.")
    if design["weight"] not in WEIGHT_SOURCES:
        raise MonitorError(f"Onbekende weging '{design['weight']}'.")
    if design.get("ssu") and not design.get("psu"):
        raise MonitorError("Een tweede trap (secundaire eenheden) vraagt om clusters (PSU's) "
                           "in de eerste trap.")
    if design.get("fpc2") and not design.get("ssu"):
        raise MonitorError("De populatie per PSU (fpc van de tweede trap) vraagt om secundaire "
                           "eenheden.")
    return {key: (design[key] or None) if key != "weight" else design[key]
            for key in DEFAULT_DESIGN}


def set_design(store: Store, user: User, monitor_id: int, design: dict) -> dict:
    """Change the monitor's design; results must be recomputed afterwards."""
    require(user, "survey.write")
    settings = _checked_design({**DEFAULT_DESIGN, **design})
    store.write(user.actor, lambda tx: tx.update(
        "monitors", monitor_id, {"design": json.dumps(settings)}, entity="monitor"))
    return settings


def set_thresholds(store: Store, user: User, monitor_id: int, min_n: int,
                   min_n_quotes: int) -> None:
    """Set the minimum n below which figures are suppressed, and the higher one for quotes."""
    require(user, "survey.write")
    if not 1 <= int(min_n) <= int(min_n_quotes):
        raise MonitorError("De minimale n voor citaten is minstens die voor cijfers, en beide "
                           "zijn minstens 1.")
    store.write(user.actor, lambda tx: tx.update(
        "monitors", monitor_id, {"min_n": int(min_n), "min_n_quotes": int(min_n_quotes)},
        entity="monitor"))


def set_frame(store: Store, user: User, monitor_id: int, units: Iterable[dict]) -> int:
    """Add or update the frame's units (code, name, region, size_class, province,
    population); returns how many."""
    require(user, "survey.write")
    rows: list[dict[str, Any]] = [{"monitor_id": monitor_id, "code": str(u["code"]).strip(),
             "name": str(u.get("name") or "").strip(), "region": u.get("region"),
             "size_class": u.get("size_class"), "province": u.get("province"),
             "population": u.get("population")} for u in units]
    if any(not r["code"] or not r["name"] for r in rows):
        raise MonitorError("Elke eenheid in het steekproefkader heeft een code en een naam.")
    codes = [r["code"] for r in rows]
    if len(set(codes)) != len(codes):
        double = sorted({c for c in codes if codes.count(c) > 1})
        raise MonitorError(f"Dubbele codes in het steekproefkader: {', '.join(double[:5])}.")

    def apply(tx: Tx) -> int:
        existing = dict(tx.db.execute("SELECT code, id FROM frame_units WHERE monitor_id = ?",
                                      [monitor_id]).fetchall())
        for row in rows:
            if row["code"] in existing:
                tx.db.table("frame_units").update(existing[row["code"]], row)
            else:
                tx.db.table("frame_units").insert(row)
        tx.event("frame", monitor_id, "set", after={"units": len(rows)})
        return len(rows)

    return store.write(user.actor, apply)


# -- reading ----------------------------------------------------------------------------------

def list_monitors(store: Store, user: User) -> list[dict]:
    """Every monitor with its number of waves and frame units."""
    require(user, "survey.read")
    return store.rows(
        "SELECT m.id, m.name, m.unit_kind, m.description,"
        " (SELECT count(*) FROM waves w WHERE w.monitor_id = m.id) AS waves,"
        " (SELECT count(*) FROM frame_units f WHERE f.monitor_id = m.id) AS units"
        " FROM monitors m ORDER BY m.name")


def monitor(store: Store, user: User, monitor_id: int) -> dict:
    """One monitor with its design decoded."""
    require(user, "survey.read")
    row = store.one("SELECT * FROM monitors WHERE id = ?", [monitor_id])
    if row is None:
        raise MonitorError("Deze monitor bestaat niet.")
    row["design"] = {**DEFAULT_DESIGN, **json.loads(row["design"] or "{}")}
    return row


def find(store: Store, user: User, name_or_id: str) -> int:
    """A monitor's id from its name or id (for the command line)."""
    require(user, "survey.read")
    row = store.one("SELECT id FROM monitors WHERE name = ? OR CAST(id AS TEXT) = ?",
                    [name_or_id, str(name_or_id)])
    if row is None:
        raise MonitorError(f"Er is geen monitor '{name_or_id}'.")
    return row["id"]


def waves(store: Store, user: User, monitor_id: int) -> list[dict]:
    """The monitor's waves, oldest first, with their number of responses."""
    require(user, "survey.read")
    return store.rows(
        "SELECT w.id, w.label, w.year, w.source, w.loaded_at,"
        " (SELECT count(*) FROM responses r WHERE r.wave_id = w.id) AS responses"
        " FROM waves w WHERE w.monitor_id = ? ORDER BY w.year, w.label", [monitor_id])


def find_wave(store: Store, user: User, monitor_id: int, label: str) -> int:
    """A wave's id from its label."""
    require(user, "survey.read")
    row = store.one("SELECT id FROM waves WHERE monitor_id = ? AND label = ?",
                    [monitor_id, str(label)])
    if row is None:
        raise MonitorError(f"Deze monitor heeft geen meting '{label}'.")
    return row["id"]


def _decoded(row: dict) -> dict:
    row["value_labels"] = json.loads(row["value_labels"] or "{}")
    row["missing_codes"] = json.loads(row["missing_codes"] or "[]")
    return row


def variables(store: Store, user: User, monitor_id: int) -> list[dict]:
    """The monitor's questionnaire, with value labels and missing codes decoded."""
    require(user, "survey.read")
    return [_decoded(r) for r in store.rows(
        "SELECT * FROM variables WHERE monitor_id = ? ORDER BY topic, id", [monitor_id])]


def variable(store: Store, user: User, variable_id: int) -> dict:
    """One variable, decoded."""
    require(user, "survey.read")
    row = store.one("SELECT * FROM variables WHERE id = ?", [variable_id])
    if row is None:
        raise MonitorError("Deze variabele bestaat niet.")
    return _decoded(row)


def frame(store: Store, user: User, monitor_id: int) -> list[dict]:
    """The frame's units."""
    require(user, "survey.read")
    return store.rows("SELECT id, code, name, region, size_class, province, population"
                      " FROM frame_units WHERE monitor_id = ? ORDER BY code", [monitor_id])


def areas(store: Store, user: User, monitor_id: int) -> list[str]:
    """The names of a monitor's frame units and their regions (for choosing an area)."""
    require(user, "survey.read")
    rows = store.rows("SELECT name, region FROM frame_units WHERE monitor_id = ? ORDER BY name",
                      [monitor_id])
    return sorted({r["region"] for r in rows if r["region"]}) + [r["name"] for r in rows]


def value_label(var: dict, code: float) -> str:
    """The label of an answer code ("7" when the code has none)."""
    key = str(int(code)) if float(code).is_integer() else str(code)
    return var["value_labels"].get(key, key)
