"""Linking bewonersvragen as the same or a related question, and closing them."""

from __future__ import annotations

import json
from datetime import date

import pytest

from conftest import PASSWORD
from research import accounts
from research.accounts import SYSTEM_USER, PermissionDenied
from research.tracker import questions
from research.tracker.questions import QuestionError

TODAY = date(2026, 6, 1)


def log(store, user, wijk, asked_on, text="Waarom is de speeltuin dicht?"):
    return questions.log_question(store, user, wijk_id=wijk, asked_on=asked_on, text=text,
                                  asker_group="bewoner", today=TODAY)


@pytest.fixture
def ids(store, users):
    """Five questions: 1-3 and 5 in Noord, 4 in Zuidoost (ids in order of logging)."""
    coby, admin = users["coordinator"], users["beheerder"]
    made = [
        log(store, coby, "noord", date(2026, 3, 1), "Waarom is de speeltuin dicht?"),
        log(store, coby, "noord", date(2026, 2, 1), "Hoeveel gezinnen hebben schulden?"),
        log(store, coby, "noord", date(2026, 4, 1), "Wanneer gaat de speeltuin weer open?"),
        log(store, admin, "zuidoost", date(2026, 4, 2), "Waarom is de speeltuin dicht?"),
        log(store, coby, "noord", date(2026, 1, 1), "Is de speeltuin nog steeds dicht?"),
    ]
    assert made == [1, 2, 3, 4, 5]
    return made


@pytest.fixture
def zoe(store):
    return accounts.create_user(store, SYSTEM_USER, "zoe", "coordinator", PASSWORD,
                                wijken=("zuidoost",))


def link_rows(store):
    return store.rows("SELECT question_id, other_id, kind, created_by FROM question_links"
                      " ORDER BY question_id, other_id")


def brief(rows):
    return [(r["id"], r["kind"]) for r in rows]


@pytest.mark.parametrize("kind", ["zelfde", "verwant"])
def test_link_is_seen_from_both_sides(store, users, ids, kind):
    coby = users["coordinator"]
    questions.link_questions(store, coby, 5, 3, kind)
    assert link_rows(store) == [{"question_id": 3, "other_id": 5, "kind": kind,
                                 "created_by": coby.id}]
    assert questions.links_of(store, coby, 3) == [
        {"id": 5, "text": "Is de speeltuin nog steeds dicht?", "asked_on": "2026-01-01",
         "kind": kind}]
    assert questions.links_of(store, coby, 5) == [
        {"id": 3, "text": "Wanneer gaat de speeltuin weer open?", "asked_on": "2026-04-01",
         "kind": kind}]
    assert questions.links_of(store, coby, 1) == []


def test_links_of_lists_every_link_oldest_question_first(store, users, ids):
    coby = users["coordinator"]
    questions.link_questions(store, coby, 1, 3, "zelfde")
    questions.link_questions(store, coby, 5, 1, "zelfde")
    questions.link_questions(store, coby, 2, 1, "verwant")
    # Ordered by asked_on: 5 (January), 2 (February), 3 (April).
    assert brief(questions.links_of(store, coby, 1)) == [(5, "zelfde"), (2, "verwant"),
                                                          (3, "zelfde")]
    assert brief(questions.links_of(store, coby, 3)) == [(1, "zelfde")]
    # Any reader may see the links.
    assert brief(questions.links_of(store, users["lezer"], 5)) == [(1, "zelfde")]


def test_relinking_changes_the_kind(store, users, ids):
    coby, admin = users["coordinator"], users["beheerder"]
    questions.link_questions(store, coby, 3, 5, "zelfde")
    questions.link_questions(store, admin, 5, 3, "verwant")
    assert link_rows(store) == [{"question_id": 3, "other_id": 5, "kind": "verwant",
                                 "created_by": admin.id}]
    questions.link_questions(store, coby, 3, 5, "verwant")
    assert store.value("SELECT count(*) FROM question_links") == 1


def test_unlink_in_either_order(store, users, ids):
    coby = users["coordinator"]
    questions.link_questions(store, coby, 1, 3, "zelfde")
    questions.link_questions(store, coby, 1, 5, "verwant")
    questions.unlink_questions(store, coby, 3, 1)
    assert brief(questions.links_of(store, coby, 1)) == [(5, "verwant")]
    assert questions.links_of(store, coby, 3) == []
    questions.unlink_questions(store, users["beheerder"], 1, 5)
    assert link_rows(store) == []


def test_unlinking_what_is_not_linked_changes_nothing(store, users, ids):
    before = store.value("SELECT count(*) FROM events")
    questions.unlink_questions(store, users["coordinator"], 1, 2)
    assert store.value("SELECT count(*) FROM events") == before


def test_link_and_unlink_are_logged(store, users, ids):
    coby = users["coordinator"]
    start = store.value("SELECT max(id) FROM events")
    questions.link_questions(store, coby, 5, 3, "zelfde")
    questions.link_questions(store, coby, 3, 5, "verwant")
    questions.unlink_questions(store, coby, 5, 3)
    events = store.rows("SELECT actor, entity, entity_id, action, before, after FROM events"
                        " WHERE id > ? ORDER BY id", [start])
    assert [(e["actor"], e["entity"], e["entity_id"], e["action"]) for e in events] == [
        ("coby", "question_links", None, "create"),
        ("coby", "question_links", None, "delete"),
        ("coby", "question_links", None, "create"),
        ("coby", "question_links", None, "delete"),
    ]

    def core(value):
        row = json.loads(value)
        return {k: row[k] for k in ("question_id", "other_id", "kind", "created_by")}

    link = {"question_id": 3, "other_id": 5, "created_by": coby.id}
    assert core(events[0]["after"]) == {**link, "kind": "zelfde"}
    assert core(events[1]["before"]) == {**link, "kind": "zelfde"}
    assert core(events[2]["after"]) == {**link, "kind": "verwant"}
    assert core(events[3]["before"]) == {**link, "kind": "verwant"}
    assert (events[0]["before"], events[3]["after"]) == (None, None)


def test_self_link_is_refused(store, users, ids):
    with pytest.raises(QuestionError) as raised:
        questions.link_questions(store, users["coordinator"], 3, 3, "zelfde")
    assert raised.value.message == "Een vraag kan niet aan zichzelf worden gekoppeld."
    assert link_rows(store) == []


def test_unknown_kind_is_refused(store, users, ids):
    with pytest.raises(QuestionError) as raised:
        questions.link_questions(store, users["coordinator"], 1, 3, "dubbel")
    assert raised.value.message == "Kies 'zelfde vraag' of 'verwante vraag'."
    assert link_rows(store) == []


def test_unknown_question_is_refused(store, users, ids):
    with pytest.raises(QuestionError) as raised:
        questions.link_questions(store, users["coordinator"], 1, 99, "zelfde")
    assert raised.value.message == "Vraag 99 bestaat niet."
    assert link_rows(store) == []


@pytest.mark.parametrize("first, second", [(1, 4), (4, 1), (4, 5)])
def test_questions_of_different_wijken_are_not_linked(store, users, ids, first, second):
    with pytest.raises(QuestionError) as raised:
        questions.link_questions(store, users["beheerder"], first, second, "zelfde")
    assert raised.value.message == \
        "Alleen vragen van dezelfde wijkwerkplaats kunnen worden gekoppeld."
    assert link_rows(store) == []


@pytest.mark.parametrize("first, second, refusal", [(3, 4, QuestionError),
                                                     (4, 5, PermissionDenied)])
def test_noord_coordinator_cannot_link_noord_to_zuidoost(store, users, ids, first, second,
                                                         refusal):
    # Which refusal depends on which question has the lower id; refused either way.
    with pytest.raises(refusal):
        questions.link_questions(store, users["coordinator"], first, second, "verwant")
    assert link_rows(store) == []


def test_coordinator_of_another_wijk_may_not_link(store, users, ids, zoe):
    with pytest.raises(PermissionDenied) as raised:
        questions.link_questions(store, zoe, 1, 3, "zelfde")
    assert raised.value.message == "Je kunt alleen vragen van je eigen wijkwerkplaats koppelen."
    assert link_rows(store) == []


def test_coordinator_of_another_wijk_may_not_unlink(store, users, ids, zoe):
    questions.link_questions(store, users["coordinator"], 1, 3, "zelfde")
    with pytest.raises(PermissionDenied) as raised:
        questions.unlink_questions(store, zoe, 3, 1)
    assert raised.value.message == \
        "Je kunt alleen vragen van je eigen wijkwerkplaats ontkoppelen."
    assert len(link_rows(store)) == 1


@pytest.mark.parametrize("role", ["lezer", "onderzoeker", "analist"])
def test_roles_without_tracker_write_may_not_link_or_unlink(store, users, ids, role):
    with pytest.raises(PermissionDenied):
        questions.link_questions(store, users[role], 1, 3, "zelfde")
    questions.link_questions(store, users["coordinator"], 1, 3, "zelfde")
    with pytest.raises(PermissionDenied):
        questions.unlink_questions(store, users[role], 1, 3)
    assert len(link_rows(store)) == 1


def test_links_of_needs_tracker_read(store, users, ids):
    with pytest.raises(PermissionDenied):
        questions.links_of(store, users["analist"], 1)


def test_linking_keeps_both_questions_as_logged(store, users, ids):
    before = store.rows("SELECT * FROM questions ORDER BY id")
    questions.link_questions(store, users["coordinator"], 1, 3, "zelfde")
    assert store.rows("SELECT * FROM questions ORDER BY id") == before


def test_deleting_a_question_removes_its_links(store, users, ids):
    questions.link_questions(store, users["coordinator"], 1, 3, "zelfde")
    store.write(SYSTEM_USER.actor, lambda tx: tx.delete("questions", 3))
    assert link_rows(store) == []


# -- closing ----------------------------------------------------------------------------------

def test_close_question(store, users, ids):
    coby = users["coordinator"]
    questions.close_question(store, coby, 3, today=date(2026, 5, 20))
    assert store.one("SELECT status, closed_at FROM questions WHERE id = ?", [3]) == {
        "status": "gesloten", "closed_at": "2026-05-20"}
    assert store.value("SELECT count(*) FROM questions WHERE status = 'gesloten'") == 1
    event = store.one("SELECT actor, entity, entity_id, action, before, after FROM events"
                      " ORDER BY id DESC LIMIT 1")
    assert (event["actor"], event["entity"], event["entity_id"], event["action"]) == (
        "coby", "question", "3", "update")
    assert json.loads(event["before"]) == {"status": "open", "closed_at": None}
    assert json.loads(event["after"]) == {"status": "gesloten", "closed_at": "2026-05-20"}


def test_close_question_defaults_to_today(store, users, ids):
    before = date.today().isoformat()
    questions.close_question(store, users["beheerder"], 4)
    after = date.today().isoformat()
    assert store.value("SELECT closed_at FROM questions WHERE id = 4") in {before, after}


def test_closing_twice_is_refused(store, users, ids):
    coby = users["coordinator"]
    questions.close_question(store, coby, 3, today=date(2026, 5, 20))
    events = store.value("SELECT count(*) FROM events")
    with pytest.raises(QuestionError) as raised:
        questions.close_question(store, coby, 3, today=date(2026, 5, 21))
    assert raised.value.message == "Deze vraag is al gesloten."
    assert store.value("SELECT closed_at FROM questions WHERE id = 3") == "2026-05-20"
    assert store.value("SELECT count(*) FROM events") == events


def test_coordinator_of_another_wijk_may_not_close(store, users, ids, zoe):
    with pytest.raises(PermissionDenied) as raised:
        questions.close_question(store, zoe, 3, today=date(2026, 5, 20))
    assert raised.value.message == "Je kunt alleen vragen van je eigen wijkwerkplaats sluiten."
    questions.close_question(store, zoe, 4, today=date(2026, 5, 20))
    assert store.rows("SELECT id, status FROM questions WHERE id IN (3, 4) ORDER BY id") == [
        {"id": 3, "status": "open"}, {"id": 4, "status": "gesloten"}]


@pytest.mark.parametrize("role", ["lezer", "onderzoeker", "analist"])
def test_roles_without_tracker_write_may_not_close(store, users, ids, role):
    with pytest.raises(PermissionDenied):
        questions.close_question(store, users[role], 1, today=date(2026, 5, 20))
    assert store.value("SELECT status FROM questions WHERE id = 1") == "open"


def test_close_unknown_question(store, users, ids):
    with pytest.raises(QuestionError, match="^Vraag 42 bestaat niet.$"):
        questions.close_question(store, users["beheerder"], 42)


def test_closed_questions_can_still_be_linked(store, users, ids):
    coby = users["coordinator"]
    questions.close_question(store, coby, 1, today=date(2026, 5, 20))
    questions.link_questions(store, coby, 1, 5, "zelfde")
    assert brief(questions.links_of(store, coby, 5)) == [(1, "zelfde")]
