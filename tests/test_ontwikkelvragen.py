"""Ontwikkelvragen: formulated from questions, statuses as data, milestones, partners, budget."""

from datetime import date

import pytest

from conftest import PASSWORD
from research.accounts import SYSTEM_USER, PermissionDenied, create_user
from research.tracker import ontwikkelvragen as ov
from research.tracker import questions
from research.tracker.ontwikkelvragen import OntwikkelvraagError


def ask(store, user, wijk, text):
    return questions.log_question(store, user, wijk_id=wijk, asked_on=date(2026, 2, 1),
                                  text=text, asker_group="bewoner")


@pytest.fixture
def noord(store, users):
    """An ontwikkelvraag of Noord for 2026, formulated from two questions."""
    coby = users["coordinator"]
    first = ask(store, coby, "noord", "Waarom zijn er zo weinig speelplekken?")
    second = ask(store, coby, "noord", "Waar kunnen tieners 's avonds heen?")
    return ov.create(store, coby, wijk_id="noord", year=2026, title="Ruimte voor jeugd",
                     question="Hoe krijgen kinderen en tieners in Noord meer plek om te spelen?",
                     rationale="Vaak gevraagd op bijeenkomsten.", programme_id="wijk-wonen",
                     question_ids=[second, first])


def test_workflow_comes_from_the_codebook(store):
    assert list(ov.statuses(store)) == ["verkenning", "geformuleerd", "in-uitvoering",
                                        "afgerond", "gestopt"]
    assert ov.next_statuses(store, "verkenning") == ["geformuleerd", "gestopt"]
    assert ov.next_statuses(store, "afgerond") == []


def test_create_links_the_questions_and_records_the_first_status(store, users, noord):
    found = ov.get(store, users["lezer"], noord)
    assert (found["wijk_id"], found["year"], found["status"]) == ("noord", 2026, "verkenning")
    assert [q["text"] for q in found["questions"]] == [
        "Waarom zijn er zo weinig speelplekken?", "Waar kunnen tieners 's avonds heen?"]
    assert [(c["from_status"], c["to_status"], c["note"]) for c in found["changes"]] == [
        (None, "verkenning", "Aangemaakt")]
    assert found["progress"] == 10


def test_one_ontwikkelvraag_per_wijk_and_year(store, users, noord):
    with pytest.raises(OntwikkelvraagError,
                       match="^Deze wijkwerkplaats heeft al een ontwikkelvraag voor 2026.$"):
        ov.create(store, users["coordinator"], wijk_id="noord", year=2026, title="x", question="y")


def test_questions_of_another_wijk_are_refused(store, users):
    other = ask(store, users["beheerder"], "zuidoost", "Waarom is het buurthuis dicht?")
    with pytest.raises(OntwikkelvraagError,
                       match=f"^Vraag {other} hoort bij een andere wijkwerkplaats.$"):
        ov.create(store, users["coordinator"], wijk_id="noord", year=2027, title="x",
                  question="y", question_ids=[other])
    assert ov.list_all(store, users["lezer"]) == []


def test_only_allowed_status_changes_with_a_text(store, users, noord):
    coby = users["coordinator"]
    with pytest.raises(OntwikkelvraagError, match="^Van 'Verkenning' kan niet naar 'Afgerond'.$"):
        ov.change_status(store, coby, noord, "afgerond", "klaar")
    with pytest.raises(OntwikkelvraagError, match="^Schrijf bij een statuswijziging kort waarom.$"):
        ov.change_status(store, coby, noord, "geformuleerd", "  ")
    ov.change_status(store, coby, noord, "geformuleerd", "Met bewoners vastgesteld",
                     on=date(2026, 3, 1))
    ov.change_status(store, coby, noord, "in-uitvoering", "Start traject", on=date(2026, 4, 1))
    found = ov.get(store, coby, noord)
    assert found["status"] == "in-uitvoering"
    assert [(c["from_status"], c["to_status"], c["changed_on"]) for c in found["changes"]][1:] == [
        ("verkenning", "geformuleerd", "2026-03-01"),
        ("geformuleerd", "in-uitvoering", "2026-04-01")]
    assert found["progress"] == 50


def test_closing_needs_confirmation_and_reopening_a_reason(store, users, noord):
    coby = users["coordinator"]
    ov.add_milestone(store, coby, noord, "Buurtgesprek")
    ov.change_status(store, coby, noord, "geformuleerd", "Vastgesteld", on=date(2026, 3, 1))
    ov.change_status(store, coby, noord, "in-uitvoering", "Start", on=date(2026, 4, 1))
    with pytest.raises(OntwikkelvraagError,
                       match="^'Afgerond' sluit de ontwikkelvraag af; bevestig dat eerst.$"):
        ov.change_status(store, coby, noord, "afgerond", "Klaar")
    assert ov.get(store, coby, noord)["status"] == "in-uitvoering"
    ov.change_status(store, coby, noord, "afgerond", "Klaar", on=date(2026, 11, 1),
                     confirmed=True)
    found = ov.get(store, coby, noord)
    # Closed: the status's own progress, though a milestone was never reached.
    assert (found["status"], found["progress"]) == ("afgerond", 100)
    with pytest.raises(OntwikkelvraagError, match="^Schrijf waarom de ontwikkelvraag weer "
                                                  "opengaat.$"):
        ov.reopen(store, coby, noord, " ")
    with pytest.raises(PermissionDenied):
        ov.reopen(store, users["lezer"], noord, "Toch niet klaar")
    assert ov.reopen(store, coby, noord, "Bewoners willen een vervolg",
                     on=date(2026, 11, 20)) == "in-uitvoering"
    found = ov.get(store, coby, noord)
    assert (found["status"], found["progress"]) == ("in-uitvoering", 0)
    assert [(c["from_status"], c["to_status"], c["note"]) for c in found["changes"]][-2:] == [
        ("in-uitvoering", "afgerond", "Klaar"),
        ("afgerond", "in-uitvoering", "Heropend: Bewoners willen een vervolg")]
    with pytest.raises(OntwikkelvraagError, match="^Deze ontwikkelvraag is niet afgesloten.$"):
        ov.reopen(store, coby, noord, "nogmaals")
    # A beheerder may reopen too.
    ov.change_status(store, coby, noord, "gestopt", "Geen partner", confirmed=True)
    assert ov.reopen(store, users["beheerder"], noord, "Partner gevonden") == "in-uitvoering"


def test_milestones_drive_progress(store, users, noord):
    coby = users["coordinator"]
    first = ov.add_milestone(store, coby, noord, "Buurtgesprek", date(2026, 4, 1))
    ov.add_milestone(store, coby, noord, "Onderzoeksopzet", date(2026, 6, 1))
    ov.add_milestone(store, coby, noord, "Terugkoppeling aan bewoners")
    assert ov.get(store, coby, noord)["progress"] == 0
    ov.complete_milestone(store, coby, first, date(2026, 4, 2))
    found = ov.get(store, coby, noord)
    assert found["progress"] == 33
    assert [(m["title"], m["due_on"], m["done_on"]) for m in found["milestones"]] == [
        ("Buurtgesprek", "2026-04-01", "2026-04-02"), ("Onderzoeksopzet", "2026-06-01", None),
        ("Terugkoppeling aan bewoners", None, None)]


def test_partners_and_budget(store, users, noord):
    coby = users["coordinator"]
    school = ov.add_partner(store, coby, noord, "Speeltuinvereniging De Banne",
                            "bewonersinitiatief", 5000)
    ov.add_partner(store, coby, noord, "Hogeschool van Amsterdam", "onderzoekspartner", 12500.5)
    ov.set_budget(store, coby, school, spent=1200)
    found = ov.get(store, coby, noord)
    assert (found["budget_granted"], found["budget_spent"]) == (17500.5, 1200.0)
    with pytest.raises(OntwikkelvraagError, match="^Speeltuinvereniging De Banne is al partner.$"):
        ov.add_partner(store, coby, noord, "Speeltuinvereniging De Banne", "praktijkpartner")
    with pytest.raises(OntwikkelvraagError, match="^Kies de rol praktijkpartner"):
        ov.add_partner(store, coby, noord, "Gemeente", "financier")
    with pytest.raises(OntwikkelvraagError, match="^Een budget kan niet negatief zijn.$"):
        ov.set_budget(store, coby, school, granted=-1)


def test_other_wijk_coordinator_and_lezer_cannot_write(store, users, noord):
    zuid = create_user(store, SYSTEM_USER, "zoe", "coordinator", PASSWORD, wijken=["zuidoost"])
    for user in (zuid, users["lezer"]):
        with pytest.raises(PermissionDenied):
            ov.change_status(store, user, noord, "geformuleerd", "x")
        with pytest.raises(PermissionDenied):
            ov.add_partner(store, user, noord, "X", "praktijkpartner")
    # ... but they read it.
    assert ov.get(store, zuid, noord)["title"] == "Ruimte voor jeugd"


def test_list_and_events(store, users, noord):
    rows = ov.list_all(store, users["lezer"])
    assert [(r["wijkwerkplaats"], r["year"], r["status_name"], r["questions"], r["progress"])
            for r in rows] == [("Noord", 2026, "Verkenning", 2, 10)]
    assert ov.list_all(store, users["analist"]) == []
    assert store.value("SELECT count(*) FROM events WHERE entity = 'ov_questions'") == 2
