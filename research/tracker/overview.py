"""Overviews of the bewonersvragen over time: a timeline per wijkwerkplaats, themes per period,
open and answered questions, and the aggregates of the yearly report to the programme council.

Everyone with `tracker.read` reads every wijkwerkplaats (questions.visible_wijken). The year
report holds counts only: no question in a resident's words and never contact details. Names
in the charts (themes, programmes, wijkwerkplaatsen: taxonomy files a beheerder edits) reach
plotly escaped (plotly_text).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from statistics import median

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from research.accounts import PermissionDenied, User, can
from research.errors import UserError
from research.plotly_text import escape_all
from research.storage import Store
from research.tracker import ontwikkelvragen as ov
from research.tracker import questions
from research.tracker.questions import ASKER_GROUPS, STATUSES
from research.tracker.reportback import CHANNELS

KINDS = {"vraag": "Vraag", "terugkoppeling": "Terugkoppeling", "status": "Status",
         "mijlpaal": "Mijlpaal"}
BY = {"programma": "Programma", "leefdomein": "Leefdomein"}
PERIODS = {"maand": "Maand", "kwartaal": "Kwartaal", "jaar": "Jaar"}
NO_THEME = "Geen thema"
_KIND_ORDER = {kind: n for n, kind in enumerate(KINDS)}


class OverviewError(UserError):
    """A refused overview request, with a Dutch message."""


def _wijken(store: Store, user: User, wijk_id: str | None) -> list[str]:
    """The readable wijkwerkplaatsen, narrowed to `wijk_id` when given."""
    return [w for w in questions.visible_wijken(store, user) if wijk_id in (None, w)]


def _marks(ids: list) -> str:
    return ", ".join("?" * len(ids))


def years(store: Store, user: User) -> list[int]:
    """The years with questions or an ontwikkelvraag, newest first (this year at least)."""
    found = {date.today().year}
    if can(user, "tracker.read"):
        found |= {int(r["y"]) for r in store.rows(
            "SELECT DISTINCT substr(asked_on, 1, 4) AS y FROM questions")}
        found |= {r["year"] for r in store.rows("SELECT DISTINCT year FROM ontwikkelvragen")}
    return sorted(found, reverse=True)


# -- timeline ---------------------------------------------------------------------------------

def _question_events(store: Store, wijken: list[str]) -> list[dict]:
    rows = store.rows(
        "SELECT q.id, q.asked_on, q.text, q.status, w.name AS wijk, p.name AS programme"
        " FROM questions q JOIN wijkwerkplaatsen w ON w.id = q.wijk_id"
        " LEFT JOIN programmes p ON p.id = q.programme_id"
        f" WHERE q.wijk_id IN ({_marks(wijken)})", wijken)
    return [{"date": r["asked_on"], "kind": "vraag", "title": r["text"],
             "detail": f"{r['programme'] or 'Geen programma'} · {STATUSES[r['status']]}",
             "wijk": r["wijk"], "question_id": r["id"], "_order": r["id"]} for r in rows]


def _reportback_events(store: Store, wijken: list[str]) -> list[dict]:
    rows = store.rows(
        "SELECT r.id, r.question_id, r.reported_on, r.how, r.text, w.name AS wijk"
        " FROM question_reportbacks r JOIN questions q ON q.id = r.question_id"
        " JOIN wijkwerkplaatsen w ON w.id = q.wijk_id"
        f" WHERE q.wijk_id IN ({_marks(wijken)})", wijken)
    return [{"date": r["reported_on"], "kind": "terugkoppeling",
             "title": f"Terugkoppeling op vraag {r['question_id']} "
                      f"({CHANNELS.get(r['how'], r['how']).lower()})",
             "detail": r["text"], "wijk": r["wijk"], "question_id": r["question_id"],
             "_order": r["id"]} for r in rows]


def _status_events(store: Store, wijken: list[str]) -> list[dict]:
    rows = store.rows(
        "SELECT c.id, c.ov_id, c.changed_on, c.note, o.title, w.name AS wijk,"
        " f.name AS van, t.name AS naar FROM ov_status_changes c"
        " JOIN ontwikkelvragen o ON o.id = c.ov_id JOIN wijkwerkplaatsen w ON w.id = o.wijk_id"
        " LEFT JOIN ov_statuses f ON f.id = c.from_status JOIN ov_statuses t ON t.id = c.to_status"
        f" WHERE o.wijk_id IN ({_marks(wijken)})", wijken)
    return [{"date": r["changed_on"], "kind": "status",
             "title": (f"Ontwikkelvraag '{r['title']}': {r['van']} → {r['naar']}" if r["van"]
                       else f"Ontwikkelvraag '{r['title']}' aangemaakt ({r['naar']})"),
             "detail": r["note"], "wijk": r["wijk"], "ov_id": r["ov_id"], "_order": r["id"]}
            for r in rows]


def _milestone_events(store: Store, wijken: list[str]) -> list[dict]:
    rows = store.rows(
        "SELECT m.id, m.ov_id, m.title, m.due_on, m.done_on, o.title AS ov_title,"
        " w.name AS wijk FROM ov_milestones m JOIN ontwikkelvragen o ON o.id = m.ov_id"
        " JOIN wijkwerkplaatsen w ON w.id = o.wijk_id"
        f" WHERE o.wijk_id IN ({_marks(wijken)})", wijken)
    events = []
    for r in rows:
        for field, label in (("due_on", "gepland"), ("done_on", "bereikt")):
            if r[field]:
                events.append({"date": r[field], "kind": "mijlpaal",
                               "title": f"Mijlpaal {label}: {r['title']}",
                               "detail": f"Ontwikkelvraag '{r['ov_title']}'", "wijk": r["wijk"],
                               "ov_id": r["ov_id"], "_order": r["id"]})
    return events


def timeline(store: Store, user: User, wijk_id: str | None, *, since: date | None = None,
             until: date | None = None) -> list[dict]:
    """What happened in a wijkwerkplaats (None: in all readable ones), oldest first.

    Each item: date (ISO), kind (vraag, terugkoppeling, status, mijlpaal), title, detail,
    wijk (the name) and question_id or ov_id. On one day questions come first, then
    report-backs, status changes and milestones, each in the order they were recorded.
    """
    wijken = _wijken(store, user, wijk_id)
    if not wijken:
        return []
    events = [*_question_events(store, wijken), *_reportback_events(store, wijken),
              *_status_events(store, wijken), *_milestone_events(store, wijken)]
    low, high = since.isoformat() if since else "", until.isoformat() if until else "9999"
    events = [e for e in events if low <= e["date"] <= high]
    events.sort(key=lambda e: (e["date"], _KIND_ORDER[e["kind"]], e["_order"]))
    for event in events:
        del event["_order"]
    return events


# -- themes over time -------------------------------------------------------------------------

def period_label(asked_on: str, period: str) -> str:
    """'2026-03' (maand), '2026-K1' (kwartaal) or '2026' (jaar) for an ISO date."""
    year, month = asked_on[:4], int(asked_on[5:7])
    if period == "maand":
        return f"{year}-{month:02d}"
    if period == "kwartaal":
        return f"{year}-K{(month - 1) // 3 + 1}"
    return year


def themes_over_time(store: Store, user: User, *, wijk_id: str | None = None,
                     by: str = "programma", period: str = "maand") -> pd.DataFrame:
    """Questions per period and theme (programme or life domain): columns period, theme,
    count, sorted by period and theme; questions without one count as 'Geen thema'."""
    if by not in BY:
        raise OverviewError("Kies een indeling naar programma of leefdomein.")
    if period not in PERIODS:
        raise OverviewError("Kies per maand, kwartaal of jaar.")
    wijken = _wijken(store, user, wijk_id)
    columns = ["period", "theme", "count"]
    if not wijken:
        return pd.DataFrame(columns=columns)
    table, key = ("programmes", "programme_id") if by == "programma" else ("life_domains",
                                                                          "domain_id")
    rows = store.rows(
        f"SELECT q.asked_on, t.name AS theme FROM questions q LEFT JOIN {table} t"
        f" ON t.id = q.{key} WHERE q.wijk_id IN ({_marks(wijken)})", wijken)
    if not rows:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame({"period": [period_label(r["asked_on"], period) for r in rows],
                          "theme": [r["theme"] or NO_THEME for r in rows]})
    counted = frame.groupby(["period", "theme"]).size().reset_index(name="count")
    return counted.sort_values(["period", "theme"]).reset_index(drop=True)[columns]


def themes_figure(df: pd.DataFrame) -> go.Figure:
    """Stacked bars: questions per period, coloured by theme."""
    figure = px.bar(df.assign(theme=escape_all(df["theme"])), x="period", y="count",
                    color="theme", barmode="stack",
                    labels={"period": "Periode", "count": "Aantal vragen", "theme": "Thema"})
    figure.update_xaxes(type="category", categoryorder="category ascending")
    return figure


# -- open and answered ------------------------------------------------------------------------

def open_answered(store: Store, user: User, *, wijk_id: str | None = None,
                  year: int | None = None) -> list[dict]:
    """Per readable wijkwerkplaats (by name): questions in total, per status, and with and
    without a report-back; `year` limits to questions asked in that year."""
    wijken = _wijken(store, user, wijk_id)
    if not wijken:
        return []
    where, params = f"w.id IN ({_marks(wijken)})", list(wijken)
    joined = "q.wijk_id = w.id"
    if year is not None:
        joined += " AND substr(q.asked_on, 1, 4) = ?"
        params.insert(0, f"{int(year):04d}")
    rows = store.rows(
        "SELECT w.id AS wijk_id, w.name AS wijk, count(q.id) AS total,"
        " coalesce(sum(q.status = 'open'), 0) AS open,"
        " coalesce(sum(q.status = 'gekoppeld'), 0) AS gekoppeld,"
        " coalesce(sum(q.status = 'gesloten'), 0) AS gesloten,"
        " coalesce(sum(EXISTS (SELECT 1 FROM question_reportbacks r"
        "   WHERE r.question_id = q.id)), 0) AS with_reportback"
        f" FROM wijkwerkplaatsen w LEFT JOIN questions q ON {joined}"
        f" WHERE {where} GROUP BY w.id, w.name ORDER BY w.name", params)
    for row in rows:
        row["without_reportback"] = row["total"] - row["with_reportback"]
    return rows


def open_answered_figure(rows: list[dict]) -> go.Figure:
    """Two stacked bar charts per wijkwerkplaats: by status, and with/without report-back."""
    figure = make_subplots(rows=1, cols=2, shared_yaxes=True,
                           subplot_titles=("Status", "Terugkoppeling"))
    names = escape_all(r["wijk"] for r in rows)
    for key, label in STATUSES.items():
        figure.add_trace(go.Bar(x=names, y=[r[key] for r in rows], name=label), row=1, col=1)
    for key, label in (("with_reportback", "Met terugkoppeling"),
                       ("without_reportback", "Zonder terugkoppeling")):
        figure.add_trace(go.Bar(x=names, y=[r[key] for r in rows], name=label), row=1, col=2)
    figure.update_layout(barmode="stack", yaxis_title="Aantal vragen")
    return figure



def programmes_figure(rows: list[dict]) -> go.Figure:
    """Questions per programme (bars), coloured by wijkwerkplaats (questions.count_by_programme).
    The same counts give the same figure object, which callers must not change: plotly
    express took 45 ms to build it, on every click in Bewonersvragen, where the counts change
    only when a question is logged."""
    return _programmes_figure(tuple((r["wijk"], r["programme"], r["questions"]) for r in rows))


@lru_cache(maxsize=16)
def _programmes_figure(rows: tuple[tuple[str, str, int], ...]) -> go.Figure:
    counts = pd.DataFrame(list(rows), columns=["wijk", "programme", "questions"])
    counts = counts.assign(wijk=escape_all(counts["wijk"]),
                           programme=escape_all(counts["programme"]))
    return px.bar(counts, x="questions", y="programme", color="wijk", orientation="h",
                  labels={"questions": "Aantal vragen", "programme": "",
                          "wijk": "Wijkwerkplaats"})


# -- the year report --------------------------------------------------------------------------

def _counts(rows: list[dict], key: str, names: dict | None = None) -> dict[str, int]:
    """Value -> count (most first, then by name); None counts as 'Geen thema'."""
    counted: dict[str, int] = {}
    for row in rows:
        value = row[key]
        label = NO_THEME if value is None else (names or {}).get(value, value)
        counted[label] = counted.get(label, 0) + 1
    return dict(sorted(counted.items(), key=lambda item: (-item[1], item[0])))


def _days_to_reportback(row: dict) -> int | None:
    if row["first_reportback"] is None:
        return None
    return (date.fromisoformat(row["first_reportback"]) - date.fromisoformat(row["asked_on"])).days


def _aggregate(rows: list[dict]) -> dict:
    """The counts of a set of questions (asked_on, status, asker_group, programme, life_domain,
    first_reportback); no text of any question."""
    days = [d for d in map(_days_to_reportback, rows) if d is not None]
    total = len(rows)
    return {
        "questions": total,
        "by_programme": _counts(rows, "programme"),
        "by_life_domain": _counts(rows, "life_domain"),
        "by_asker_group": _counts(rows, "asker_group", ASKER_GROUPS),
        **{status: sum(r["status"] == status for r in rows) for status in STATUSES},
        "with_reportback": len(days),
        "without_reportback": total - len(days),
        "reportback_share": round(100 * len(days) / total, 1) if total else None,
        "median_days_to_reportback": median(days) if days else None,
    }


def _ontwikkelvraag(store: Store, wijk_id: str, year: int) -> dict | None:
    """The ontwikkelvraag of a wijkwerkplaats in a year, for the report (no linked questions)."""
    row = store.one("SELECT o.id, o.title, o.question, o.status, s.name AS status_name"
                    " FROM ontwikkelvragen o JOIN ov_statuses s ON s.id = o.status"
                    " WHERE o.wijk_id = ? AND o.year = ?", [wijk_id, year])
    if row is None:
        return None
    roles = ov.partner_roles()
    partners = [{**p, "role_name": roles.get(p["role"], p["role"])} for p in store.rows(
        "SELECT name, role, budget_granted, budget_spent FROM ov_partners WHERE ov_id = ?"
        " ORDER BY name", [row["id"]])]
    return {
        "title": row["title"], "question": row["question"], "status": row["status_name"],
        "progress": ov.progress(store, row["id"], row["status"]),
        "partners": partners,
        "budget_granted": sum(p["budget_granted"] for p in partners),
        "budget_spent": sum(p["budget_spent"] for p in partners),
        "milestones": store.rows("SELECT title, due_on, done_on FROM ov_milestones"
                                 " WHERE ov_id = ? ORDER BY due_on IS NULL, due_on, id",
                                 [row["id"]]),
    }


def _year_questions(store: Store, wijken: list[str], year: int) -> list[dict]:
    """The questions of a year, without their text: only what is counted."""
    return store.rows(
        "SELECT q.wijk_id, q.asked_on, q.status, q.asker_group, p.name AS programme,"
        " d.name AS life_domain, (SELECT min(r.reported_on) FROM question_reportbacks r"
        "  WHERE r.question_id = q.id) AS first_reportback FROM questions q"
        " LEFT JOIN programmes p ON p.id = q.programme_id"
        " LEFT JOIN life_domains d ON d.id = q.domain_id"
        f" WHERE q.wijk_id IN ({_marks(wijken)}) AND substr(q.asked_on, 1, 4) = ?",
        [*wijken, f"{int(year):04d}"])


def year_report_data(store: Store, user: User, year: int) -> dict:
    """Aggregates for the programme council: per wijkwerkplaats the counts of that year's
    questions (per programme, life domain, asker group, status, report-back share and median
    days to the first report-back) and its ontwikkelvraag of that year; plus totals.

    Counts only: no question text, no place, no contact details.
    """
    if not can(user, "tracker.read"):
        raise PermissionDenied()
    if not 2000 <= int(year) <= 2100:
        raise OverviewError(f"{year} is geen geldig jaar.")
    wijken = questions.visible_wijken(store, user)
    names = {r["id"]: r["name"] for r in store.rows("SELECT id, name FROM wijkwerkplaatsen")}
    rows = _year_questions(store, wijken, int(year)) if wijken else []
    per_wijk = []
    for wijk_id in wijken:
        own = [r for r in rows if r["wijk_id"] == wijk_id]
        per_wijk.append({"wijk_id": wijk_id, "wijk": names[wijk_id], **_aggregate(own),
                         "ontwikkelvraag": _ontwikkelvraag(store, wijk_id, int(year))})
    return {"year": int(year), "made_on": date.today().isoformat(), "wijken": per_wijk,
            "total": _aggregate(rows)}
