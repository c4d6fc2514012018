"""Knowledge links from questions and ontwikkelvragen to codes, memos, indicators, addresses;
the published Amsterdam figures as an area monitor."""

from __future__ import annotations

from datetime import date

import pytest

from research.accounts import SYSTEM_USER, PermissionDenied
from research.qual import codebook, memos, projects
from research.survey import published
from research.tracker import knowledge, questions
from research.tracker.knowledge import KnowledgeError


@pytest.fixture
def question(store, users):
    return questions.log_question(store, users["coordinator"], wijk_id="noord",
                                  asked_on=date(2026, 3, 2), text="Waarom is alles zo duur?",
                                  asker_group="bewoner", today=date(2026, 3, 2))


def test_published_figures_as_an_area_monitor(store):
    monitor_id = published.load_amsterdam(store, SYSTEM_USER)
    assert published.load_amsterdam(store, SYSTEM_USER) is None
    assert store.value("SELECT count(*) FROM frame_units WHERE monitor_id = ?", [monitor_id]) == 23
    variable = store.value("SELECT id FROM variables WHERE name = 'moeilijk_rondkomen_pct'")
    # Published figures about whole gebieden: nothing to suppress, so the minimum n is 1.
    assert store.value("SELECT min_n FROM monitors WHERE id = ?", [monitor_id]) == 1
    assert knowledge.indicator_value(store, variable, "Noord-Oost") == {
        "wave": "2025", "value": 33.0, "n": 1, "min_n": 1}
    # A stadsdeel: the (unweighted) mean of its gebieden.
    assert knowledge.indicator_value(store, variable, "Noord")["n"] == 3


def test_links_of_every_kind(store, users, question):
    coby, olga, lex = users["coordinator"], users["onderzoeker"], users["lezer"]
    published.load_amsterdam(store, SYSTEM_USER)
    variable = store.value("SELECT id FROM variables WHERE name = 'moeilijk_rondkomen_pct'")
    knowledge.add_link(store, coby, "vraag", question, "indicator", variable_id=variable,
                       area="Noord-Oost")
    knowledge.add_link(store, coby, "vraag", question, "url",
                       url="https://www.amsterdam.nl/armoede", note="Regelingen")
    with pytest.raises(KnowledgeError, match="^Een webadres begint met http"):
        knowledge.add_link(store, coby, "vraag", question, "url", url="javascript:alert(1)")
    project = projects.create_project(store, olga, "Armoede")
    code = codebook.add_code(store, olga, project, "Rondkomen", description="Geldzorgen")
    memo = memos.add_memo(store, olga, project, "Schaamte", "Niet delen")
    # The coordinator is not a member of the project: no code link from them.
    with pytest.raises(KnowledgeError, match="^Kies een code of memo uit een project"):
        knowledge.add_link(store, coby, "vraag", question, "code", code_id=code)
    knowledge.add_link(store, olga, "vraag", question, "code", code_id=code)
    knowledge.add_link(store, olga, "vraag", question, "memo", memo_id=memo)
    with pytest.raises(PermissionDenied):
        knowledge.add_link(store, lex, "vraag", question, "url", url="https://x.nl")
    shown = knowledge.links(store, lex, "vraag", question)
    assert [(r["kind"], r["title"], r["detail"]) for r in shown] == [
        ("indicator", "(Zeer) moeilijk rondkomen (% 18-plussers), Noord-Oost",
         "33 (meting 2025)"),
        ("url", "https://www.amsterdam.nl/armoede", ""),
        ("code", "Rondkomen (Armoede)", "0 fragmenten; Geldzorgen"),
        ("memo", "Schaamte (Armoede)", "")]
    knowledge.remove_link(store, coby, shown[1]["id"])
    assert len(knowledge.links(store, lex, "vraag", question)) == 3


def test_an_indicator_link_keeps_the_monitors_minimum_n(store, users, question):
    """A link to one municipality's figure in a monitor of municipalities would show that
    municipality's own answer: below the monitor's minimum n it is suppressed, as on every
    monitor table."""
    import pandas as pd

    from research.survey import monitors, waves

    monitor_id = monitors.create_monitor(store, SYSTEM_USER, "Gemeentemonitor", "gemeente")
    names = [f"Gemeente {i}" for i in range(12)]
    monitors.set_frame(store, SYSTEM_USER, monitor_id, [
        {"code": f"GM{i:04d}", "name": name, "region": "Noord-Holland"}
        for i, name in enumerate(names)])
    waves.import_wave(store, SYSTEM_USER, monitor_id, "2026", 2026,
                      [{"name": "tevreden", "label": "Tevreden over de wijk", "type": "getal"}],
                      pd.DataFrame({"eenheid": [f"GM{i:04d}" for i in range(12)],
                                    "tevreden": [float(i) for i in range(12)]}))
    variable = store.value("SELECT id FROM variables WHERE name = 'tevreden'")
    assert knowledge.indicator_value(store, variable, "Gemeente 3") == {
        "wave": "2026", "n": 1, "min_n": 10, "value": None}
    assert knowledge.indicator_value(store, variable, "Noord-Holland") == {
        "wave": "2026", "n": 12, "min_n": 10, "value": 5.5}

    coby, lex = users["coordinator"], users["lezer"]
    knowledge.add_link(store, coby, "vraag", question, "indicator", variable_id=variable,
                       area="Gemeente 3")
    knowledge.add_link(store, coby, "vraag", question, "indicator", variable_id=variable,
                       area="Noord-Holland")
    assert [r["detail"] for r in knowledge.links(store, lex, "vraag", question)] == [
        ". (minder dan 10 antwoorden: te onbetrouwbaar om te tonen; meting 2026)",
        "5.5 (meting 2026)"]
    # An analyst who lowers the minimum n sees the figure appear.
    monitors.set_thresholds(store, SYSTEM_USER, monitor_id, 1, 20)
    assert knowledge.links(store, lex, "vraag", question)[0]["detail"] == "3 (meting 2026)"
