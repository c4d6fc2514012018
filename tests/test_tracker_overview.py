"""Overviews of the bewonersvragen: timeline, themes per period, open and answered, and the
aggregates of the year report (counts only)."""

from datetime import date

import pytest

from figures import ESCAPED, HOSTILE, markup_from_users
from research.accounts import PermissionDenied
from research.storage import SYSTEM
from research.tracker import ontwikkelvragen as ov
from research.tracker import overview, questions, reportback
from research.tracker.overview import OverviewError

TODAY = date(2026, 6, 1)


class CreatedOn(date):
    """`date` whose today() is the day the ontwikkelvraag is created in these tests."""

    @classmethod
    def today(cls):
        return date(2026, 1, 20)


def ask(store, user, wijk, asked_on, text, group="bewoner", programme=None, domain=None):
    return questions.log_question(store, user, wijk_id=wijk, asked_on=asked_on, text=text,
                                  asker_group=group, programme_id=programme, domain_id=domain,
                                  today=TODAY)


@pytest.fixture
def world(store, users, monkeypatch):
    """Five questions (four in 2026), three report-backs and the 2026 ontwikkelvraag of Noord
    with a status change, two milestones and two partners; returns the ids."""
    coby, admin = users["coordinator"], users["beheerder"]
    ids = {
        "q5": ask(store, coby, "noord", date(2025, 12, 1), "Vraag van vorig jaar",
                  programme="gezondheid-welzijn", domain="gezondheid"),
        "q1": ask(store, coby, "noord", date(2026, 1, 15), "Waarom is de speeltuin dicht?",
                  programme="wijk-wonen", domain="leefbaarheid"),
        "q2": ask(store, coby, "noord", date(2026, 2, 3), "Wanneer komt er een zebrapad?",
                  group="bewonersinitiatief"),
        "q3": ask(store, coby, "noord", date(2026, 4, 20), "Hoe vinden we vrijwilligers?",
                  group="bewonersinitiatief", programme="participatie-inclusie",
                  domain="participatie"),
        "q4": ask(store, admin, "zuidoost", date(2026, 3, 5), "Vraag in Zuidoost",
                  group="praktijkpartner", programme="wijk-wonen", domain="wonen"),
    }
    reportback.record(store, coby, ids["q1"], how="nieuwsbrief", text="In de nieuwsbrief gezet.",
                      reported_on=date(2026, 2, 14), today=TODAY)
    reportback.record(store, coby, ids["q2"], how="bijeenkomst", text="Zebrapad komt in mei.",
                      reported_on=date(2026, 2, 13), today=TODAY)
    reportback.record(store, admin, ids["q4"], how="bijeenkomst", text="Besproken.",
                      reported_on=date(2026, 3, 25), today=TODAY)
    questions.close_question(store, coby, ids["q2"], today=date(2026, 2, 20))
    # No domain function sets 'gekoppeld' yet; set it directly to count it.
    store.write(SYSTEM, lambda tx: tx.update("questions", ids["q3"], {"status": "gekoppeld"}))
    monkeypatch.setattr(ov, "date", CreatedOn)
    ids["ov"] = ov.create(store, coby, wijk_id="noord", year=2026, title="Ruimte voor jeugd",
                          question="Hoe krijgen kinderen in Noord meer plek om te spelen?",
                          question_ids=[ids["q1"]])
    ov.change_status(store, coby, ids["ov"], "geformuleerd", "Met bewoners besproken",
                     on=date(2026, 2, 3))
    start = ov.add_milestone(store, coby, ids["ov"], "Startbijeenkomst", date(2026, 3, 1))
    ov.complete_milestone(store, coby, start, date(2026, 3, 3))
    ov.add_milestone(store, coby, ids["ov"], "Eindpresentatie", date(2026, 11, 30))
    banne = ov.add_partner(store, coby, ids["ov"], "Buurthuis Banne", "praktijkpartner", 5000)
    ov.set_budget(store, coby, banne, spent=1200)
    ov.add_partner(store, coby, ids["ov"], "UvA", "onderzoekspartner", 2500)
    return ids


# -- timeline ---------------------------------------------------------------------------------

def test_timeline_in_date_order(store, users, world):
    q1, q2, ov_id = world["q1"], world["q2"], world["ov"]
    found = overview.timeline(store, users["lezer"], "noord", since=date(2026, 1, 1),
                              until=date(2026, 3, 31))
    assert found == [
        {"date": "2026-01-15", "kind": "vraag", "title": "Waarom is de speeltuin dicht?",
         "detail": "Wijk & Wonen · Open", "wijk": "Noord", "question_id": q1},
        {"date": "2026-01-20", "kind": "status",
         "title": "Ontwikkelvraag 'Ruimte voor jeugd' aangemaakt (Verkenning)",
         "detail": "Aangemaakt", "wijk": "Noord", "ov_id": ov_id},
        # same day: the question before the status change
        {"date": "2026-02-03", "kind": "vraag", "title": "Wanneer komt er een zebrapad?",
         "detail": "Geen programma · Gesloten", "wijk": "Noord", "question_id": q2},
        {"date": "2026-02-03", "kind": "status",
         "title": "Ontwikkelvraag 'Ruimte voor jeugd': Verkenning → Geformuleerd",
         "detail": "Met bewoners besproken", "wijk": "Noord", "ov_id": ov_id},
        {"date": "2026-02-13", "kind": "terugkoppeling",
         "title": f"Terugkoppeling op vraag {q2} (op een bijeenkomst)",
         "detail": "Zebrapad komt in mei.", "wijk": "Noord", "question_id": q2},
        {"date": "2026-02-14", "kind": "terugkoppeling",
         "title": f"Terugkoppeling op vraag {q1} (nieuwsbrief of website)",
         "detail": "In de nieuwsbrief gezet.", "wijk": "Noord", "question_id": q1},
        {"date": "2026-03-01", "kind": "mijlpaal", "title": "Mijlpaal gepland: Startbijeenkomst",
         "detail": "Ontwikkelvraag 'Ruimte voor jeugd'", "wijk": "Noord", "ov_id": ov_id},
        {"date": "2026-03-03", "kind": "mijlpaal", "title": "Mijlpaal bereikt: Startbijeenkomst",
         "detail": "Ontwikkelvraag 'Ruimte voor jeugd'", "wijk": "Noord", "ov_id": ov_id},
    ]


def test_timeline_of_all_wijken_and_without_bounds(store, users, world):
    everything = overview.timeline(store, users["coordinator"], None)
    assert [(e["date"], e["kind"], e["wijk"]) for e in everything] == [
        ("2025-12-01", "vraag", "Noord"),
        ("2026-01-15", "vraag", "Noord"),
        ("2026-01-20", "status", "Noord"),
        ("2026-02-03", "vraag", "Noord"),
        ("2026-02-03", "status", "Noord"),
        ("2026-02-13", "terugkoppeling", "Noord"),
        ("2026-02-14", "terugkoppeling", "Noord"),
        ("2026-03-01", "mijlpaal", "Noord"),
        ("2026-03-03", "mijlpaal", "Noord"),
        ("2026-03-05", "vraag", "Zuidoost"),
        ("2026-03-25", "terugkoppeling", "Zuidoost"),
        ("2026-04-20", "vraag", "Noord"),
        ("2026-11-30", "mijlpaal", "Noord"),
    ]
    # a coordinator reads other wijken too; without tracker.read there is nothing
    assert [e["title"] for e in overview.timeline(store, users["coordinator"], "zuidoost")] == [
        "Vraag in Zuidoost", f"Terugkoppeling op vraag {world['q4']} (op een bijeenkomst)"]
    assert overview.timeline(store, users["analist"], "noord") == []
    assert overview.timeline(store, users["lezer"], "nieuw-west") == []


# -- themes over time -------------------------------------------------------------------------

def rows(frame):
    return [tuple(r) for r in frame.itertuples(index=False)]


def test_themes_per_quarter(store, users, world):
    frame = overview.themes_over_time(store, users["lezer"], period="kwartaal")
    assert list(frame.columns) == ["period", "theme", "count"]
    assert rows(frame) == [("2025-K4", "Gezondheid & Welzijn", 1),
                           ("2026-K1", "Geen thema", 1), ("2026-K1", "Wijk & Wonen", 2),
                           ("2026-K2", "Participatie & Inclusie", 1)]


def test_themes_per_month_by_life_domain_and_per_year(store, users, world):
    lezer = users["lezer"]
    assert rows(overview.themes_over_time(store, lezer, wijk_id="noord", by="leefdomein")) == [
        ("2025-12", "Gezondheid", 1), ("2026-01", "Leefbaarheid", 1),
        ("2026-02", "Geen thema", 1), ("2026-04", "Participatie", 1)]
    assert rows(overview.themes_over_time(store, lezer, by="leefdomein", period="jaar")) == [
        ("2025", "Gezondheid", 1), ("2026", "Geen thema", 1), ("2026", "Leefbaarheid", 1),
        ("2026", "Participatie", 1), ("2026", "Wonen", 1)]


def test_themes_without_questions_and_refusals(store, users):
    assert overview.themes_over_time(store, users["lezer"]).empty
    assert overview.themes_over_time(store, users["analist"]).empty
    with pytest.raises(OverviewError, match="Kies een indeling naar programma of leefdomein."):
        overview.themes_over_time(store, users["lezer"], by="kleur")
    with pytest.raises(OverviewError, match="Kies per maand, kwartaal of jaar."):
        overview.themes_over_time(store, users["lezer"], period="week")


def test_period_labels():
    assert [overview.period_label("2026-03-31", p) for p in ("maand", "kwartaal", "jaar")] == [
        "2026-03", "2026-K1", "2026"]
    assert [overview.period_label(f"2026-{m:02d}-01", "kwartaal") for m in (4, 6, 7, 10, 12)] \
        == ["2026-K2", "2026-K2", "2026-K3", "2026-K4", "2026-K4"]


def test_themes_figure_stacks_per_period(store, users, world):
    figure = overview.themes_figure(overview.themes_over_time(store, users["lezer"],
                                                              period="kwartaal"))
    assert figure.layout.barmode == "stack"
    # Names reach plotly escaped ('&' as '&amp;'), and plotly shows them as written.
    assert sorted(trace.name for trace in figure.data) == [
        "Geen thema", "Gezondheid &amp; Welzijn", "Participatie &amp; Inclusie",
        "Wijk &amp; Wonen"]


# -- open and answered ------------------------------------------------------------------------

def test_open_answered_counts(store, users, world):
    keys = ["wijk_id", "wijk", "total", "open", "gekoppeld", "gesloten", "with_reportback",
            "without_reportback"]
    found = overview.open_answered(store, users["lezer"], year=2026)
    assert [[r[k] for k in keys] for r in found] == [
        ["nieuw-west", "Nieuw-West", 0, 0, 0, 0, 0, 0],
        ["noord", "Noord", 3, 1, 1, 1, 2, 1],
        ["zuidoost", "Zuidoost", 1, 1, 0, 0, 1, 0],
    ]
    assert set(found[0]) == set(keys)
    every_year = overview.open_answered(store, users["lezer"], wijk_id="noord")
    assert [[r[k] for k in keys] for r in every_year] == [
        ["noord", "Noord", 4, 2, 1, 1, 2, 2]]
    assert overview.open_answered(store, users["analist"]) == []


def test_open_answered_figure(store, users, world):
    figure = overview.open_answered_figure(overview.open_answered(store, users["lezer"]))
    assert [trace.name for trace in figure.data] == [
        "Open", "Gekoppeld", "Gesloten", "Met terugkoppeling", "Zonder terugkoppeling"]
    assert list(figure.data[0].y) == [0, 2, 1]


def test_names_in_the_overview_charts_are_text():
    """Theme, programme and wijk names come from taxonomy files a beheerder edits: plotly would
    draw a link or bold in them, so they reach it escaped."""
    import pandas as pd

    themes = overview.themes_figure(pd.DataFrame({"period": ["2026-K1"], "theme": [HOSTILE],
                                                  "count": [2]}))
    assert markup_from_users(themes) == []
    assert [t.name for t in themes.data] == [ESCAPED]
    rows = [{"wijk": HOSTILE, "total": 1, "open": 1, "gekoppeld": 0, "gesloten": 0,
             "with_reportback": 0, "without_reportback": 1}]
    answered = overview.open_answered_figure(rows)
    assert markup_from_users(answered) == []
    assert list(answered.data[0].x) == [ESCAPED]
    programmes = overview.programmes_figure([{"programme": HOSTILE, "wijk": HOSTILE,
                                              "questions": 3}])
    assert markup_from_users(programmes) == []
    assert [(t.name, list(t.y)) for t in programmes.data] == [(ESCAPED, [ESCAPED])]


def test_the_programme_figure_is_built_once_per_set_of_counts():
    rows = [{"wijk": "Noord", "programme": "Wijk & Wonen", "questions": 3},
            {"wijk": "Zuidoost", "programme": "Werk & Inkomen", "questions": 1}]
    first = overview.programmes_figure(rows)
    assert overview.programmes_figure([dict(r) for r in rows]) is first
    changed = overview.programmes_figure([rows[0], {**rows[1], "questions": 2}])
    assert changed is not first
    assert [(t.name, list(t.x)) for t in changed.data] == [("Noord", [3]), ("Zuidoost", [2])]


# -- year report data -------------------------------------------------------------------------

def test_year_report_data(store, users, world):
    data = overview.year_report_data(store, users["lezer"], 2026)
    assert data["year"] == 2026
    assert [w["wijk"] for w in data["wijken"]] == ["Nieuw-West", "Noord", "Zuidoost"]
    noord = data["wijken"][1]
    assert {k: v for k, v in noord.items() if k != "ontwikkelvraag"} == {
        "wijk_id": "noord", "wijk": "Noord", "questions": 3,
        "by_programme": {"Geen thema": 1, "Participatie & Inclusie": 1, "Wijk & Wonen": 1},
        "by_life_domain": {"Geen thema": 1, "Leefbaarheid": 1, "Participatie": 1},
        "by_asker_group": {"Bewonersinitiatief": 2, "Bewoner": 1},
        "open": 1, "gekoppeld": 1, "gesloten": 1,
        "with_reportback": 2, "without_reportback": 1,
        "reportback_share": 66.7, "median_days_to_reportback": 20.0,
    }
    assert noord["ontwikkelvraag"] == {
        "title": "Ruimte voor jeugd",
        "question": "Hoe krijgen kinderen in Noord meer plek om te spelen?",
        "status": "Geformuleerd", "progress": 50,
        "partners": [
            {"name": "Buurthuis Banne", "role": "praktijkpartner", "role_name": "Praktijkpartner",
             "budget_granted": 5000.0, "budget_spent": 1200.0},
            {"name": "UvA", "role": "onderzoekspartner", "role_name": "Onderzoekspartner",
             "budget_granted": 2500.0, "budget_spent": 0.0}],
        "budget_granted": 7500.0, "budget_spent": 1200.0,
        "milestones": [
            {"title": "Startbijeenkomst", "due_on": "2026-03-01", "done_on": "2026-03-03"},
            {"title": "Eindpresentatie", "due_on": "2026-11-30", "done_on": None}],
    }
    assert data["wijken"][0]["questions"] == 0
    assert data["wijken"][0]["reportback_share"] is None
    assert data["wijken"][0]["median_days_to_reportback"] is None
    assert data["wijken"][0]["ontwikkelvraag"] is None
    total = data["total"]
    assert (total["questions"], total["with_reportback"], total["reportback_share"],
            total["median_days_to_reportback"]) == (4, 3, 75.0, 20)
    assert total["by_programme"] == {"Wijk & Wonen": 2, "Geen thema": 1,
                                     "Participatie & Inclusie": 1}


def test_year_report_data_holds_no_question_text(store, users, world):
    text = repr(overview.year_report_data(store, users["beheerder"], 2026))
    for question_id in ("q1", "q2", "q3", "q4"):
        question = questions.get_question(store, users["beheerder"], world[question_id])
        assert question["text"] not in text
    assert "Zebrapad komt in mei." not in text  # nor what was reported back


def test_year_report_data_refusals(store, users):
    with pytest.raises(PermissionDenied):
        overview.year_report_data(store, users["analist"], 2026)
    with pytest.raises(OverviewError, match="1850 is geen geldig jaar."):
        overview.year_report_data(store, users["lezer"], 1850)


def test_years(store, users, world):
    this_year = date.today().year
    assert overview.years(store, users["lezer"]) == sorted({2025, 2026, this_year}, reverse=True)
    assert overview.years(store, users["analist"]) == [this_year]
