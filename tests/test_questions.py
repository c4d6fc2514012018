"""Bewonersvragen: logged per wijkwerkplaats; a coordinator writes in their own, reads all."""

from __future__ import annotations

import json
from datetime import date

import pytest

from research.accounts import PermissionDenied
from research.tracker import questions
from research.tracker.questions import QuestionError

TODAY = date(2026, 6, 1)



def log(store, user, wijk, asked_on, text="Waarom is de speeltuin dicht?", **extra):
    return questions.log_question(store, user, wijk_id=wijk, asked_on=asked_on, text=text,
                                  asker_group=extra.pop("asker_group", "bewoner"),
                                  today=extra.pop("today", TODAY), **extra)


@pytest.fixture
def logged(store, users):
    """Six questions in the three wijken, logged by the beheerder and the Noord coordinator."""
    admin, coby = users["beheerder"], users["coordinator"]
    log(store, admin, "nieuw-west", date(2026, 1, 14), "Schimmel in de flat",
        programme_id="wijk-wonen", domain_id="wonen")
    log(store, admin, "nieuw-west", date(2026, 2, 20), "Eenzame ouderen",
        programme_id="gezondheid-welzijn")
    log(store, admin, "zuidoost", date(2026, 2, 5), "Geen stageplek",
        programme_id="werk-inkomen", domain_id="werk-inkomen")
    log(store, coby, "noord", date(2026, 1, 28), "Speeltuin dicht", programme_id="wijk-wonen",
        place="Buurthuis Banne")
    log(store, coby, "noord", date(2026, 2, 25), "Schulden bij gezinnen",
        programme_id="werk-inkomen")
    log(store, coby, "noord", date(2026, 3, 18), "Vrijwilligers voor het taalcafé")


def test_coordinator_logs_a_question_for_their_wijk(store, users):
    coby = users["coordinator"]
    question_id = log(store, coby, "noord", date(2026, 5, 31), "  Wanneer gaat de speeltuin open? ",
                      place="  Buurthuis Banne ", programme_id="wijk-wonen",
                      domain_id="leefbaarheid", asker_group="bewonersinitiatief")
    row = store.one("SELECT * FROM questions WHERE id = ?", [question_id])
    assert {k: v for k, v in row.items() if k != "created_at"} == {
        "id": question_id, "wijk_id": "noord", "asked_on": "2026-05-31",
        "place": "Buurthuis Banne", "text": "Wanneer gaat de speeltuin open?",
        "asker_group": "bewonersinitiatief", "programme_id": "wijk-wonen",
        "domain_id": "leefbaarheid", "status": "open", "created_by": coby.id,
        "lemmas": "gaan speeltuin open", "closed_at": None}
    event = store.one("SELECT actor, entity, entity_id, action, after FROM events"
                      " ORDER BY id DESC LIMIT 1")
    assert (event["actor"], event["entity"], event["entity_id"], event["action"]) == (
        "coby", "question", str(question_id), "create")
    assert json.loads(event["after"])["text"] == "Wanneer gaat de speeltuin open?"


def test_empty_place_and_programme_are_stored_as_null(store, users):
    question_id = log(store, users["coordinator"], "noord", TODAY, place="   ",
                      programme_id="", domain_id="")
    assert store.one("SELECT place, programme_id, domain_id FROM questions WHERE id = ?",
                     [question_id]) == {"place": None, "programme_id": None, "domain_id": None}


def test_coordinator_is_refused_for_another_wijk(store, users):
    with pytest.raises(PermissionDenied) as raised:
        log(store, users["coordinator"], "zuidoost", date(2026, 5, 1))
    assert raised.value.message == "Je kunt alleen vragen vastleggen voor je eigen wijkwerkplaats."
    assert store.value("SELECT count(*) FROM questions") == 0


@pytest.mark.parametrize("role", ["onderzoeker", "analist", "lezer"])
def test_roles_without_tracker_write_are_refused(store, users, role):
    with pytest.raises(PermissionDenied):
        log(store, users[role], "noord", date(2026, 5, 1))
    assert store.value("SELECT count(*) FROM questions") == 0


def test_beheerder_may_log_for_any_wijk(store, users):
    log(store, users["beheerder"], "zuidoost", TODAY)
    assert store.value("SELECT wijk_id FROM questions") == "zuidoost"


@pytest.mark.parametrize("kwargs, message", [
    ({"asked_on": date(2026, 6, 2)}, "De datum ligt in de toekomst. Klopt dat? Bevestig het dan."),
    ({"text": "   \n "}, "Schrijf de vraag op in de woorden van de bewoner."),
    ({"text": "x" * 4001}, "Een vraag is hoogstens 4000 tekens."),
    ({"asker_group": "buurman"}, "Kies wie de vraag stelde."),
])
def test_refused_questions(store, users, kwargs, message):
    arguments = {"asked_on": TODAY, "text": "Waarom is de speeltuin dicht?", **kwargs}
    with pytest.raises(QuestionError) as raised:
        log(store, users["coordinator"], "noord", **arguments)
    assert raised.value.message == message
    assert store.value("SELECT count(*) FROM questions") == 0


def test_today_and_longest_text_are_accepted(store, users):
    log(store, users["coordinator"], "noord", TODAY, text="x" * 4000)
    assert store.value("SELECT length(text) FROM questions") == 4000


def test_unknown_wijk_is_refused(store, users):
    with pytest.raises(QuestionError, match="^Onbekende wijkwerkplaats.$"):
        log(store, users["beheerder"], "west", TODAY)


def test_coordinator_reads_every_wijk_but_writes_only_their_own(store, users, logged):
    coby = users["coordinator"]
    found = questions.list_questions(store, coby, wijk_id="noord")
    assert [(q["wijkwerkplaats"], q["asked_on"], q["text"]) for q in found] == [
        ("Noord", "2026-03-18", "Vrijwilligers voor het taalcafé"),
        ("Noord", "2026-02-25", "Schulden bij gezinnen"),
        ("Noord", "2026-01-28", "Speeltuin dicht"),
    ]
    assert found[2]["place"] == "Buurthuis Banne"
    assert found[2]["programme"] == "Wijk & Wonen"
    assert found[0]["programme"] is None
    assert [q["asked_on"] for q in questions.list_questions(store, coby, wijk_id="zuidoost")] == [
        "2026-02-05"]
    assert questions.visible_wijken(store, coby) == ["nieuw-west", "noord", "zuidoost"]
    assert questions.own_wijken(store, coby) == ["noord"]
    assert questions.own_wijken(store, users["beheerder"]) == ["nieuw-west", "noord", "zuidoost"]
    assert questions.own_wijken(store, users["lezer"]) == []


@pytest.mark.parametrize("role", ["lezer", "onderzoeker", "beheerder", "coordinator"])
def test_readers_see_every_wijk(store, users, logged, role):
    found = questions.list_questions(store, users[role])
    assert [q["asked_on"] for q in found] == [
        "2026-03-18", "2026-02-25", "2026-02-20", "2026-02-05", "2026-01-28", "2026-01-14"]
    assert questions.visible_wijken(store, users[role]) == ["nieuw-west", "noord", "zuidoost"]


def test_analist_sees_no_questions(store, users, logged):
    assert questions.visible_wijken(store, users["analist"]) == []
    assert questions.list_questions(store, users["analist"]) == []
    assert questions.count_by_programme(store, users["analist"]) == []


def test_filters_by_wijk_programme_and_dates(store, users, logged):
    lex, coby = users["lezer"], users["coordinator"]
    assert [q["text"] for q in questions.list_questions(store, lex, wijk_id="nieuw-west")] == [
        "Eenzame ouderen", "Schimmel in de flat"]
    assert [q["text"] for q in questions.list_questions(store, lex, programme_id="werk-inkomen")] \
        == ["Schulden bij gezinnen", "Geen stageplek"]
    found = questions.list_questions(store, coby, programme_id="werk-inkomen", wijk_id="noord")
    assert [q["text"] for q in found] == ["Schulden bij gezinnen"]
    # Both dates are inclusive.
    assert [q["asked_on"] for q in questions.list_questions(
        store, lex, since=date(2026, 2, 5), until=date(2026, 2, 25))] == [
        "2026-02-25", "2026-02-20", "2026-02-05"]
    assert [q["asked_on"] for q in questions.list_questions(store, lex, since=date(2026, 3, 1))] \
        == ["2026-03-18"]
    assert [q["asked_on"] for q in questions.list_questions(store, lex, until=date(2026, 1, 27))] \
        == ["2026-01-14"]
    assert questions.list_questions(store, lex, programme_id="wijk-wonen",
                                    since=date(2026, 1, 20), until=date(2026, 2, 28),
                                    wijk_id="noord")[0]["text"] == "Speeltuin dicht"


def test_a_page_of_the_list_and_the_count_follow_the_same_filters(store, users, logged):
    lex = users["lezer"]
    assert [q["asked_on"] for q in questions.list_questions(store, lex, limit=2, offset=1)] == [
        "2026-02-25", "2026-02-20"]
    assert [q["asked_on"] for q in questions.list_questions(store, lex, limit=4, offset=4)] == [
        "2026-01-28", "2026-01-14"]
    assert questions.count_questions(store, lex) == 6
    assert questions.count_questions(store, lex, programme_id="werk-inkomen") == 2
    assert questions.count_questions(store, lex, since=date(2026, 2, 5),
                                     until=date(2026, 2, 25)) == 3
    assert questions.count_questions(store, lex, search="schulden") == 1
    assert questions.count_questions(store, lex, search=" ?! ") == 0
    assert questions.count_questions(store, users["analist"]) == 0


def test_one_selection_serves_the_count_the_page_and_the_download(store, users, logged):
    """Bewonersvragen builds its filters once per click (the user's wijkwerkplaatsen read,
    the search lemmatised) for the count, the page of rows and the whole list."""
    selection = questions.select(store, users["lezer"], since=date(2026, 2, 5))
    assert selection.params == ("nieuw-west", "noord", "zuidoost", "2026-02-05")
    assert selection.count(store) == 4
    assert [q["asked_on"] for q in selection.rows(store, 2, 1)] == ["2026-02-25", "2026-02-20"]
    assert [q["asked_on"] for q in selection.rows(store)] == [
        "2026-03-18", "2026-02-25", "2026-02-20", "2026-02-05"]
    # Nothing can match: no query runs.
    nothing = questions.select(store, users["lezer"], search=" ?! ")
    assert nothing == questions.Selection(None)
    assert (nothing.count(store), nothing.rows(store)) == (0, [])


def test_search_by_lemma_with_control_characters(store, users, logged):
    """A NUL in the search box would end the FTS5 string early; it separates words instead."""
    lex = users["lezer"]
    assert [q["text"] for q in questions.list_questions(store, lex, search="schulden")] == [
        "Schulden bij gezinnen"]
    assert [q["text"] for q in questions.list_questions(
        store, lex, search="gezin\x00schulden\x0b")] == ["Schulden bij gezinnen"]
    assert questions.list_questions(store, lex, search="\x00") == []
    assert questions.list_questions(store, lex, search='"\x00 NOT') == []


def test_count_by_programme(store, users, logged):
    def key(row):
        return row["wijk"], row["programme"]

    # Sorted here: rows with equal counts have no defined order.
    assert [row for row in sorted(questions.count_by_programme(store, users["coordinator"]),
                                  key=key) if row["wijk"] == "Noord"] == [
        {"wijk": "Noord", "programme": "(geen programma)", "questions": 1},
        {"wijk": "Noord", "programme": "Werk & Inkomen", "questions": 1},
        {"wijk": "Noord", "programme": "Wijk & Wonen", "questions": 1},
    ]
    log(store, users["beheerder"], "nieuw-west", TODAY, programme_id="wijk-wonen")
    assert questions.count_by_programme(store, users["lezer"])[:2] == [
        {"wijk": "Nieuw-West", "programme": "Wijk & Wonen", "questions": 2},
        {"wijk": "Nieuw-West", "programme": "Gezondheid & Welzijn", "questions": 1},
    ]
    assert sum(r["questions"] for r in questions.count_by_programme(store, users["lezer"])) == 7


def test_a_confirmed_future_date_is_kept(store, users):
    question_id = log(store, users["coordinator"], "noord", date(2026, 6, 2),
                      future_confirmed=True)
    assert store.value("SELECT asked_on FROM questions WHERE id = ?", [question_id]) == "2026-06-02"
