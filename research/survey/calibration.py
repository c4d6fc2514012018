"""Calibrating a wave's weights to the frame: post-stratification on one frame attribute or
raking on several, computed in the app and stored per response as `calibrated_weight`."""

from __future__ import annotations

import json

from research.accounts import User, require
from research.storage import Store, Tx, utcnow
from research.survey import waves, weights
from research.survey.monitors import FRAME_BREAKDOWNS, MonitorError

MEASURES = {"eenheden": "Aantal eenheden in het kader", "inwoners": "Inwoners (populatie)"}
# The summary's keys in the code -> as stored in waves.weighting and in the audit event: those
# keep the Dutch keys older databases and events have.
STORED_KEYS = {"method": "methode", "attributes": "kenmerken", "measure": "maat",
               "minimum": "minimum", "maximum": "maximum", "ratio": "verhouding",
               "efficiency": "efficientie", "iterations": "rondes", "computed_at": "berekend"}


def frame_margin(store: Store, monitor_id: int, attribute: str,
                 measure: str = "eenheden") -> dict[str, float]:
    """Population count per value of a frame attribute: the number of units, or the sum of
    their population."""
    if attribute not in FRAME_BREAKDOWNS:
        raise MonitorError(f"Wegen kan op regio, grootteklasse of provincie, niet op "
                           f"'{attribute}'.")
    amount = "count(*)" if measure == "eenheden" else "sum(population)"
    rows = store.rows(f"SELECT {attribute} AS grp, {amount} AS n FROM frame_units"
                      f" WHERE monitor_id = ? AND {attribute} IS NOT NULL GROUP BY 1",
                      [monitor_id])
    if measure == "inwoners" and any(r["n"] is None for r in rows):
        raise MonitorError("Het steekproefkader heeft niet voor elke eenheid een populatie.")
    return {r["grp"]: float(r["n"]) for r in rows}


def calibrate(store: Store, user: User, wave_id: int, attributes: list[str],
              measure: str = "eenheden") -> dict:
    """Post-stratify (one attribute) or rake (several) the wave's file weights to the
    frame's margins and store the result; returns the summary (method, attributes, measure,
    minimum, maximum, ratio, efficiency, iterations, computed_at)."""
    require(user, "survey.write")
    if measure not in MEASURES:
        raise MonitorError(f"Onbekende maat '{measure}'.")
    if not attributes:
        raise MonitorError("Kies minstens één kenmerk van het kader om op te wegen.")
    wave = store.one("SELECT monitor_id FROM waves WHERE id = ?", [wave_id])
    if wave is None:
        raise MonitorError("Deze meting bestaat niet.")
    frame = waves.wave_data(store, user, wave_id, []).frame
    margins = {FRAME_BREAKDOWNS[a]: (frame[a], frame_margin(store, wave["monitor_id"], a, measure))
               for a in attributes}
    base = frame["_weight"].to_numpy(float)
    if len(margins) == 1:
        labels, population = next(iter(margins.values()))
        result = weights.poststratify(base, labels, population)
        method = "poststratificatie"
    else:
        result = weights.rake(base, margins)
        method = "raking"
        if not result.converged:
            raise MonitorError(f"Raking convergeerde niet na {result.iterations} rondes; kies "
                               "minder of grovere kenmerken.")
    summary = {"methode": method, "kenmerken": [FRAME_BREAKDOWNS[a] for a in attributes],
               "maat": measure, "minimum": round(result.min_weight, 4),
               "maximum": round(result.max_weight, 4), "verhouding": round(result.ratio, 2),
               "efficientie": round(result.efficiency, 3), "rondes": result.iterations,
               "berekend": utcnow()}

    def apply(tx: Tx) -> dict:
        tx.db.conn.executemany("UPDATE responses SET calibrated_weight = ? WHERE id = ?",
                          zip(result.weights.tolist(), frame["_id"].tolist(), strict=True))
        tx.db.execute("UPDATE waves SET weighting = ? WHERE id = ?",
                      [json.dumps(summary, ensure_ascii=False), wave_id])
        tx.event("wave", wave_id, "calibrate", after=summary)
        return _readable(summary)

    return store.write(user.actor, apply)


def _readable(stored: dict) -> dict:
    """A stored summary with the code's keys (STORED_KEYS)."""
    return {key: stored[dutch] for key, dutch in STORED_KEYS.items() if dutch in stored}


def weighting(store: Store, user: User, wave_id: int) -> dict | None:
    """The stored calibration of a wave, as `calibrate` returns it (None when it has none)."""
    require(user, "survey.read")
    text = store.value("SELECT weighting FROM waves WHERE id = ?", [wave_id])
    return _readable(json.loads(text)) if text else None
