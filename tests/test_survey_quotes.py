"""Open answers: quotes under the quote threshold, sent to a qualitative project as one
document with respondents as cases, and their coded passages back for the monitor."""

from __future__ import annotations

import pandas as pd
import pytest

from research.accounts import PermissionDenied
from research.qual import cases, codebook, codings, documents, projects
from research.survey import monitors, quotes, waves
from research.survey.monitors import MonitorError

FRAME = [{"code": f"G{i}", "name": f"Gemeente {i}", "region": "Noord" if i <= 4 else "Zuid",
          "size_class": "klein"} for i in range(1, 7)]
VARIABLES = [{"name": "opmerking", "label": "Toelichting", "type": "open",
              "question": "Wilt u iets toelichten?"},
             {"name": "cijfer", "label": "Cijfer", "type": "rapportcijfer"}]
DATA = pd.DataFrame({"eenheid": ["G1", "G2", "G3", "G5", "G6"],
                     "opmerking": ["Te weinig <b>taalaanbod</b>", None, "Goede samenwerking",
                                   "Wachtlijsten", "Geen woningen"],
                     "cijfer": [6, 7, 8, 5, 6]})


@pytest.fixture
def wave(store, users):
    anna = users["analist"]
    monitor = monitors.create_monitor(store, anna, "Testmonitor", "gemeente")
    monitors.set_frame(store, anna, monitor, FRAME)
    monitors.set_thresholds(store, anna, monitor, 2, 3)
    return waves.import_wave(store, anna, monitor, "2025", 2025, VARIABLES, DATA)


def open_id(store, user) -> int:
    return next(v["id"] for v in monitors.variables(store, user, 1) if v["type"] == "open")


def test_quotes_with_their_group_and_no_unit_names(store, users, wave):
    lex = users["lezer"]
    table, withheld = quotes.quotes(store, lex, wave, open_id(store, lex), "region")
    assert withheld is None
    assert table.to_dict("records") == [
        {"answer": "Te weinig <b>taalaanbod</b>", "group": "Noord"},
        {"answer": "Goede samenwerking", "group": "Noord"},
        {"answer": "Wachtlijsten", "group": "Zuid"},
        {"answer": "Geen woningen", "group": "Zuid"}]


def test_quotes_of_a_small_group_are_withheld(store, users, wave):
    lex = users["lezer"]
    table, withheld = quotes.quotes(store, lex, wave, open_id(store, lex), "region", "Zuid")
    assert table.empty
    assert withheld == ("Citaten niet getoond: deze groep telt 2 respondenten, minder dan de "
                        "drempel van 3 voor citaten.")
    with pytest.raises(MonitorError, match="^Cijfer is geen open vraag.$"):
        quotes.quotes(store, lex, wave, open_id(store, lex) + 1)


def test_answers_go_to_a_project_and_come_back_coded(store, users, wave):
    olga = users["onderzoeker"]
    project = projects.create_project(store, olga, "Open antwoorden")
    document_id = quotes.to_qual(store, olga, wave, open_id(store, olga), project)
    document = documents.document(store, olga, document_id)
    assert document["name"] == "Testmonitor · 2025 · Toelichting"
    assert document["text"] == ("Gemeente G1: Te weinig <b>taalaanbod</b>\n"
                                "Gemeente G3: Goede samenwerking\n"
                                "Gemeente G5: Wachtlijsten\nGemeente G6: Geen woningen\n")
    assert [(t["start_pos"], t["end_pos"]) for t in documents.turns(store, olga, document_id)][:2] \
        == [(13, 40), (54, 72)]
    table = cases.values_table(store, olga, project, "case")
    assert [(r["name"], r["Regio"], r["Grootteklasse"]) for r in table] == [
        ("Gemeente G1", "Noord", "klein"), ("Gemeente G3", "Noord", "klein"),
        ("Gemeente G5", "Zuid", "klein"), ("Gemeente G6", "Zuid", "klein")]
    code = codebook.add_code(store, olga, project, "Capaciteit")
    codings.add_codings(store, olga, document_id, [code], 86, 98)
    codings.add_codings(store, olga, document_id, [code], 54, 72)
    assert quotes.coded_quotes(store, olga, 1).to_dict("records") == [
        {"code": "Capaciteit", "wave": "2025", "question": "Toelichting",
         "quote": "Goede samenwerking"},
        {"code": "Capaciteit", "wave": "2025", "question": "Toelichting",
         "quote": "Wachtlijsten"}]
    # A monitor reader outside the project sees no coded quotes.
    assert quotes.coded_quotes(store, users["analist"], 1).empty
    with pytest.raises(MonitorError, match="^Deze antwoorden staan al in dit project.$"):
        quotes.to_qual(store, olga, wave, open_id(store, olga), project)


def test_sending_needs_write_access_to_the_project(store, users, wave):
    olga = users["onderzoeker"]
    project = projects.create_project(store, olga, "Open antwoorden")
    with pytest.raises(PermissionDenied):
        quotes.to_qual(store, users["analist"], wave, open_id(store, olga), project)
    assert store.value("SELECT count(*) FROM documents") == 0
