"""Published Amsterdam figures per gebied, loaded as an area monitor (real example data).

`data/amsterdam/` holds nine monitor indicators for 23 gebieden, from a public presentation
of the Gemeente Amsterdam (2025; see data/README.md). They are aggregates: one "response" per
gebied carries the published value of each indicator, so the same monitor functions read them
as any monitor, and a bewonersvraag or ontwikkelvraag can link to "% moeilijk rondkomen in
Geuzenveld/Slotermeer".
"""

from __future__ import annotations

import re

import pandas as pd

from research.accounts import User
from research.config import DATA_DIR
from research.storage import Store
from research.survey import monitors, waves

FOLDER = DATA_DIR / "amsterdam"
NAME = "Wijkcijfers Amsterdam: indicatoren per gebied (gepubliceerd, 2025)"
SOURCE = ("Gepubliceerde cijfers van de Gemeente Amsterdam (presentatie 'ongelijk investeren', "
          "2025): negen indicatoren voor 23 gebieden. Geaggregeerd; geen personen.")


def _code(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def load_amsterdam(store: Store, user: User) -> int | None:
    """Create the area monitor from the shipped files (once); returns its id, or None when
    it exists already."""
    if store.value("SELECT 1 FROM monitors WHERE name = ?", [NAME]):
        return None
    figures = pd.read_csv(FOLDER / "gebieden_indicatoren.csv")
    meta = pd.read_csv(FOLDER / "indicatoren_meta.csv")
    monitor_id = monitors.create_monitor(store, user, NAME, "gebied", SOURCE)
    # Each "response" is a published figure about a whole gebied, not a person's answer:
    # nothing to suppress, so one is enough (the default 10 would hide every gebied).
    monitors.set_thresholds(store, user, monitor_id, 1, 20)
    monitors.set_frame(store, user, monitor_id, [
        {"code": _code(row.gebied), "name": row.gebied, "region": row.stadsdeel}
        for row in figures.itertuples()])
    variables = [{"name": row.indicator, "label": f"{row.label} ({row.eenheid})",
                  "type": "getal", "question": f"{row.label}, {row.populatie}",
                  "topic": row.domein, "higher_is_better": int(row.richting == "hoger_is_beter")}
                 for row in meta.itertuples()]
    data = figures.assign(eenheid=figures["gebied"].map(_code))
    waves.import_wave(store, user, monitor_id, "2025", 2025, variables,
                         data[["eenheid", *meta["indicator"]]], source="data/amsterdam")
    return monitor_id
