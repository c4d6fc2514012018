"""Saturation: new codes per document in interview order, the cumulative curve, and the
assessment of Guest, Namey & Chen (2020).

Their method: the *base* is the number of distinct codes found in the first `base` interviews;
a *run* is the next `run` interviews; the new information in a run is the number of codes
first seen in it divided by the base. Saturation is reached at the last interview of the first
run whose new information is at or below the threshold (5% by default); if a run is above it,
the run moves one interview on. The base stays the first interviews, as in their paper.
"""

from __future__ import annotations

from research.accounts import User
from research.qual import codings as codings_module
from research.qual.projects import ProjectError, require_read
from research.storage import Store

ORDERS = {"datum": "Datum van het gesprek", "eigen": "Eigen volgorde (Casussen → Documenten)"}


def curve(store: Store, user: User, project_id: int, *, order: str = "datum",
          coders: list[int] | None = None) -> list[dict]:
    """Per document in interview order (by date, or in the project's own order): the codes
    first seen there, their number and the cumulative number of distinct codes."""
    if order not in ORDERS:
        raise ProjectError(f"Onbekende volgorde '{order}'.")
    require_read(store, user, project_id)
    visible = codings_module.visible_coders(store, user, project_id)
    chosen = visible if coders is None else [c for c in coders if visible is None or c in visible]
    where, params = "", []
    if chosen is not None:
        where = f" AND g.created_by IN ({', '.join('?' * len(chosen)) or 'NULL'})"
        params = chosen
    sort = "held_on IS NULL, held_on, position, name" if order == "datum" else "position, name"
    docs = store.rows("SELECT id, name, held_on FROM documents WHERE project_id = ?"
                      f" ORDER BY {sort}", [project_id])
    seen: set[int] = set()
    result = []
    for doc in docs:
        rows = store.rows(
            "SELECT DISTINCT c.id, c.name FROM codings g JOIN codes c ON c.id = g.code_id"
            f" WHERE g.document_id = ?{where} ORDER BY c.name", [doc["id"], *params])
        new = [r["name"] for r in rows if r["id"] not in seen]
        seen.update(r["id"] for r in rows)
        result.append({"document_id": doc["id"], "document": doc["name"],
                       "held_on": doc["held_on"], "new_codes": new, "new": len(new),
                       "cumulative": len(seen)})
    return result


def _percent(ratio: float) -> str:
    """'0,0%': a share the Dutch way, one decimal."""
    return f"{ratio:.1%}".replace(".", ",")


def _new_codes(n: int) -> str:
    return f"{n} nieuwe {'code' if n == 1 else 'codes'}"


def assess(points: list[dict], *, base: int = 4, run: int = 2,
           threshold: float = 0.05) -> dict:
    """The Guest, Namey & Chen verdict on a curve, with every run and a Dutch statement."""
    if base < 1 or run < 1 or not 0 <= threshold < 1:
        raise ProjectError("Kies een basis en een run van minstens 1 en een drempel tussen 0 "
                           "en 100%.")
    settings = (f"basis {base} interviews, run {run}, drempel ≤{threshold:.0%} "
                "nieuwe informatie")
    if len(points) < base + run:
        return {"reached": False, "at": None, "base_codes": None, "runs": [],
                "statement": f"Nog geen oordeel: er zijn {len(points)} documenten, nodig zijn "
                             f"er minstens {base + run} ({settings})."}
    base_codes = points[base - 1]["cumulative"]
    if base_codes == 0:
        return {"reached": False, "at": None, "base_codes": 0, "runs": [],
                "statement": f"Nog geen oordeel: de eerste {base} documenten hebben geen codes."}
    runs = []
    for start in range(base, len(points) - run + 1):
        window = points[start:start + run]
        new = sum(p["new"] for p in window)
        ratio = new / base_codes
        runs.append({"from": start + 1, "to": start + run, "new": new,
                     "ratio": round(ratio, 4), "met": ratio <= threshold})
        if ratio <= threshold:
            at = start + run
            return {"reached": True, "at": at, "base_codes": base_codes, "runs": runs,
                    "statement": f"Verzadiging bereikt bij interview {at} "
                                 f"({points[at - 1]['document']}): de run van interview "
                                 f"{start + 1} tot en met {at} leverde {_new_codes(new)} op, "
                                 f"{_percent(ratio)} van de {base_codes} codes in de basis "
                                 f"({settings})."}
    last = runs[-1]
    return {"reached": False, "at": None, "base_codes": base_codes, "runs": runs,
            "statement": f"Nog geen verzadiging: de laatste run (interview {last['from']} tot "
                         f"en met {last['to']}) leverde {_new_codes(last['new'])} op, "
                         f"{_percent(last['ratio'])} van de {base_codes} codes in de basis "
                         f"({settings})."}
