"""Report-back: recorded per question; questions waiting too long are listed."""

from datetime import date

import pytest

from research.accounts import PermissionDenied
from research.tracker import questions, reportback
from research.tracker.reportback import ReportBackError

TODAY = date(2026, 6, 1)


def ask(store, user, wijk, asked_on, text):
    return questions.log_question(store, user, wijk_id=wijk, asked_on=asked_on, text=text,
                                  asker_group="bewoner", today=TODAY)


def test_record_and_overdue(store, users):
    coby, admin = users["coordinator"], users["beheerder"]
    old = ask(store, coby, "noord", date(2026, 3, 1), "Waarom is de speeltuin dicht?")
    answered = ask(store, coby, "noord", date(2026, 3, 2), "Wanneer komt er een zebrapad?")
    ask(store, coby, "noord", date(2026, 5, 20), "Recente vraag")
    other = ask(store, admin, "zuidoost", date(2026, 2, 1), "Vraag in Zuidoost")
    told = reportback.record(store, coby, answered, how="bijeenkomst",
                             text="Verteld dat het zebrapad in september komt.",
                             reported_on=date(2026, 4, 1), today=TODAY)
    assert reportback.of_question(store, users["lezer"], answered) == [
        {"id": told, "reported_on": "2026-04-01", "how": "bijeenkomst",
         "text": "Verteld dat het zebrapad in september komt."}]
    waiting = reportback.overdue(store, coby, weeks=6, today=TODAY)
    assert [(q["id"], q["wijkwerkplaats"]) for q in waiting] == [(other, "Zuidoost"),
                                                                  (old, "Noord")]
    assert [q["id"] for q in reportback.overdue(store, coby, wijk_id="noord", today=TODAY)] == [old]
    assert reportback.overdue(store, users["analist"], today=TODAY) == []
    event = store.one("SELECT entity, action FROM events ORDER BY id DESC LIMIT 1")
    assert event == {"entity": "reportback", "action": "create"}


@pytest.mark.parametrize("arguments, message", [
    ({"how": "duif"}, "Kies hoe de bewoners het antwoord kregen."),
    ({"text": "  "}, "Schrijf kort op wat er is teruggekoppeld."),
    ({"reported_on": date(2026, 6, 2)}, "Een terugkoppeling kan niet in de toekomst liggen."),
    ({"reported_on": date(2026, 2, 28)}, "De terugkoppeling ligt vóór de datum van de vraag."),
])
def test_refusals(store, users, arguments, message):
    coby = users["coordinator"]
    question = ask(store, coby, "noord", date(2026, 3, 1), "Waarom is de speeltuin dicht?")
    values = {"how": "persoonlijk", "text": "Gebeld.", **arguments}
    with pytest.raises(ReportBackError) as raised:
        reportback.record(store, coby, question, today=TODAY, **values)
    assert raised.value.message == message
    assert reportback.of_question(store, coby, question) == []


def test_only_the_wijk_writes(store, users):
    question = ask(store, users["beheerder"], "zuidoost", date(2026, 3, 1), "Vraag")
    for role in ("coordinator", "lezer", "onderzoeker"):
        with pytest.raises(PermissionDenied):
            reportback.record(store, users[role], question, how="anders", text="x", today=TODAY)


def test_an_owner_and_a_due_date_drive_the_overdue_list(store, users):
    coby, admin = users["coordinator"], users["beheerder"]
    early = ask(store, coby, "noord", date(2026, 3, 1), "Waarom is de speeltuin dicht?")
    recent = ask(store, coby, "noord", date(2026, 5, 20), "Wanneer komt er een bankje?")
    planned_later = ask(store, coby, "noord", date(2026, 3, 5), "Waar blijft de huisarts?")
    assert [o["name"] for o in reportback.owners(store, coby, "noord")] == ["coby", "Beheerder"]
    # A recent question with a due date that has passed is overdue before the six weeks...
    reportback.plan(store, coby, recent, owner_id=coby.id, due_on=date(2026, 5, 25),
                    today=TODAY)
    # ... and an old one whose due date lies ahead is not.
    reportback.plan(store, coby, planned_later, owner_id=admin.id, due_on=date(2026, 7, 1),
                    today=TODAY)
    assert reportback.plan_of(store, users["lezer"], recent) == {
        "owner_id": coby.id, "owner": "coby", "due_on": "2026-05-25"}
    waiting = reportback.overdue(store, coby, weeks=6, today=TODAY)
    assert [(q["id"], q["owner"], q["due_on"], q["deadline"]) for q in waiting] == [
        (early, None, None, "2026-04-12"), (recent, "coby", "2026-05-25", "2026-05-25")]
    # Changing the plan is one more audited update.
    reportback.plan(store, coby, recent, owner_id=None, due_on=None, today=TODAY)
    assert reportback.plan_of(store, coby, recent) == {"owner_id": None, "owner": None,
                                                        "due_on": None}
    assert [q["id"] for q in reportback.overdue(store, coby, weeks=6, today=TODAY)] == [early]
    assert store.value("SELECT count(*) FROM events WHERE entity = 'reportback_plan'") == 3


@pytest.mark.parametrize("arguments, message", [
    ({"owner_id": "lezer"}, "Kies als eigenaar een coördinator van deze wijkwerkplaats of een "
                            "beheerder."),
    ({"due_on": date(2026, 2, 1)}, "De uiterste datum ligt vóór de datum van de vraag."),
])
def test_plan_refusals(store, users, arguments, message):
    coby = users["coordinator"]
    question = ask(store, coby, "noord", date(2026, 3, 1), "Waarom is de speeltuin dicht?")
    values = {"owner_id": coby.id, "due_on": None, **arguments}
    if values["owner_id"] == "lezer":
        values["owner_id"] = users["lezer"].id
    with pytest.raises(ReportBackError) as raised:
        reportback.plan(store, coby, question, today=TODAY, **values)
    assert raised.value.message == message
    with pytest.raises(PermissionDenied):
        reportback.plan(store, users["lezer"], question, owner_id=None, due_on=None)
