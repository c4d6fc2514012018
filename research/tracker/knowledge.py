"""Knowledge links: a bewonersvraag or an ontwikkelvraag linked to what is known about it.

The coordinator acts as a knowledge broker: a question links to a code or memo of a
qualitative project, to a monitor indicator for the area concerned (its value is read from
the monitor when shown), to a web address or to a document. Coordinators link within their own
wijkwerkplaats; researchers may link anywhere (they bring the qualitative findings), but a
code or memo only from a project they can read. Anyone who reads the question sees the link;
of a code they see its name, definition and number of passages, never the passages.
"""

from __future__ import annotations

import re

import numpy as np

from research.accounts import SYSTEM_USER, PermissionDenied, User, can
from research.errors import UserError
from research.qual import projects as qual_projects
from research.storage import Store, utcnow
from research.survey import waves
from research.survey.tables import SUPPRESSED
from research.tracker.questions import visible_wijken

KINDS = {"code": "Code uit een kwalitatief project", "memo": "Memo uit een kwalitatief project",
         "indicator": "Monitorindicator voor een gebied", "url": "Webadres",
         "document": "Document"}
TARGETS = {"vraag": "questions", "ontwikkelvraag": "ontwikkelvragen"}
URL = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)


class KnowledgeError(UserError):
    """A refused knowledge link, with a Dutch message."""


def _wijk_of(store: Store, target: str, target_id: int) -> str:
    if target not in TARGETS:
        raise KnowledgeError(f"Onbekend doel '{target}'.")
    wijk = store.value(f"SELECT wijk_id FROM {TARGETS[target]} WHERE id = ?", [target_id])
    if wijk is None:
        raise KnowledgeError("Deze vraag bestaat niet." if target == "vraag"
                             else "Deze ontwikkelvraag bestaat niet.")
    return wijk


def can_link(store: Store, user: User, target: str, target_id: int) -> bool:
    """Coordinators for their own wijkwerkplaats, researchers and beheerders everywhere."""
    wijk = _wijk_of(store, target, target_id)
    return can(user, "tracker.write", wijk) or (can(user, "qual.write")
                                                 and can(user, "tracker.read"))


def linkable_codes(store: Store, user: User) -> list[dict]:
    """Codes of the qualitative projects this user can read, with their project."""
    return [{**row, "project": p["name"]} for p in qual_projects.list_projects(store, user)
            for row in store.rows("SELECT id, name FROM codes WHERE project_id = ? ORDER BY name",
                                  [p["id"]])]


def linkable_memos(store: Store, user: User) -> list[dict]:
    """Memos of the qualitative projects this user can read."""
    return [{**row, "project": p["name"]} for p in qual_projects.list_projects(store, user)
            for row in store.rows("SELECT id, title FROM memos WHERE project_id = ? ORDER BY title",
                                  [p["id"]])]


def add_link(store: Store, user: User, target: str, target_id: int, kind: str, *,
             title: str = "", code_id: int | None = None, memo_id: int | None = None,
             variable_id: int | None = None, area: str | None = None, url: str | None = None,
             note: str = "") -> int:
    """Link a question or ontwikkelvraag to a piece of knowledge; returns the link's id."""
    if not can_link(store, user, target, target_id):
        raise PermissionDenied("Je kunt hier geen kennis koppelen.")
    if kind not in KINDS:
        raise KnowledgeError(f"Onbekende soort koppeling '{kind}'.")
    row = {"target_kind": target, "target_id": target_id, "kind": kind, "note": note.strip(),
           "created_by": user.id, "created_at": utcnow()}
    if kind in ("code", "memo"):
        table, ref = ("codes", code_id) if kind == "code" else ("memos", memo_id)
        project_id = store.value(f"SELECT project_id FROM {table} WHERE id = ?", [ref])
        if project_id is None or not qual_projects.can_read(store, user, project_id):
            raise KnowledgeError("Kies een code of memo uit een project waarvan je lid bent.")
        name = store.value(f"SELECT {'name' if kind == 'code' else 'title'} FROM {table}"
                           " WHERE id = ?", [ref])
        project = store.value("SELECT name FROM projects WHERE id = ?", [project_id])
        row.update({f"{kind}_id": ref, "title": title.strip() or f"{name} ({project})"})
    elif kind == "indicator":
        label = store.value("SELECT label FROM variables WHERE id = ?", [variable_id])
        if label is None or area is None or not area.strip():
            raise KnowledgeError("Kies een indicator en het gebied.")
        row.update({"variable_id": variable_id, "area": area.strip(),
                    "title": title.strip() or f"{label}, {area.strip()}"})
    else:
        url = (url or "").strip()
        if kind == "url" and not URL.match(url):
            raise KnowledgeError("Een webadres begint met http:// of https://.")
        if not (title.strip() or url):
            raise KnowledgeError("Geef de koppeling een titel.")
        row.update({"url": url or None, "title": title.strip() or url})
    return store.write(user.actor, lambda tx: tx.insert("knowledge_links", row,
                                                        entity="knowledge_link"))


def remove_link(store: Store, user: User, link_id: int) -> None:
    """Remove a knowledge link."""
    row = store.one("SELECT target_kind, target_id FROM knowledge_links WHERE id = ?", [link_id])
    if row is None:
        raise KnowledgeError("Deze koppeling bestaat niet.")
    if not can_link(store, user, row["target_kind"], row["target_id"]):
        raise PermissionDenied("Je kunt deze koppeling niet verwijderen.")
    store.write(user.actor, lambda tx: tx.delete("knowledge_links", link_id,
                                                 entity="knowledge_link"))


def indicator_value(store: Store, variable_id: int, area: str) -> dict | None:
    """The newest value of a monitor indicator for an area (a frame unit by name, or a
    region): the weighted mean of that area's answers in the latest wave that has any.

    The monitor's suppression applies as on every table (`survey.tables`): with fewer than
    its minimum n answers the value is None, so that a link to one municipality never shows
    that municipality's own answer."""
    var = store.one("SELECT v.name, m.min_n FROM variables v JOIN monitors m"
                    " ON m.id = v.monitor_id WHERE v.id = ?", [variable_id])
    if var is None:
        return None
    for wave in store.rows(
            "SELECT w.id, w.label FROM waves w JOIN wave_columns c ON c.wave_id = w.id"
            " WHERE c.variable_id = ? ORDER BY w.year DESC, w.id DESC", [variable_id]):
        data = waves.wave_data(store, SYSTEM_USER, wave["id"], [var["name"]])
        rows = data.frame[(data.frame["_unit_name"] == area) | (data.frame["region"] == area)]
        values = waves.valid_values(data.variables[var["name"]], rows[var["name"]].to_numpy())
        valid = ~np.isnan(values)
        if valid.any():
            n = int(valid.sum())
            if n < var["min_n"]:
                return {"wave": wave["label"], "n": n, "min_n": var["min_n"], "value": None}
            weights = rows["_weight"].to_numpy(float)[valid]
            return {"wave": wave["label"], "n": n, "min_n": var["min_n"],
                    "value": round(float(np.average(values[valid], weights=weights)), 1)}
    return None


def links(store: Store, user: User, target: str, target_id: int) -> list[dict]:
    """The links of a question or ontwikkelvraag, each with what to show about it."""
    if _wijk_of(store, target, target_id) not in visible_wijken(store, user):
        raise PermissionDenied("Je kunt deze vraag niet lezen.")
    rows = store.rows("SELECT * FROM knowledge_links WHERE target_kind = ? AND target_id = ?"
                      " ORDER BY id", [target, target_id])
    for row in rows:
        row["detail"] = ""
        if row["kind"] == "code" and row["code_id"]:
            code = store.one("SELECT description, (SELECT count(*) FROM codings g WHERE"
                             " g.code_id = c.id) AS n FROM codes c WHERE c.id = ?",
                             [row["code_id"]])
            assert code is not None  # ON DELETE SET NULL: a linked code exists
            row["detail"] = f"{code['n']} fragmenten" + (f"; {code['description']}"
                                                        if code["description"] else "")
        elif row["kind"] == "indicator" and row["variable_id"]:
            found = indicator_value(store, row["variable_id"], row["area"])
            if found is None:
                row["detail"] = "geen waarde gevonden"
            elif found["value"] is None:
                row["detail"] = (f"{SUPPRESSED} (minder dan {found['min_n']} antwoorden: te "
                                 f"onbetrouwbaar om te tonen; meting {found['wave']})")
            else:
                row["detail"] = f"{found['value']:g} (meting {found['wave']})"
        elif row["kind"] in ("code", "memo") and not (row["code_id"] or row["memo_id"]):
            row["detail"] = "niet meer in het project"
    return rows
