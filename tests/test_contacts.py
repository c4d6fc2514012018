"""Contact details of residents: only with consent, only for the wijk's coordinator and beheerders,
never in the audit log, erased a set time after the question is closed."""

from __future__ import annotations

import json
from datetime import date

import pytest

from conftest import PASSWORD
from research import accounts
from research.accounts import SYSTEM_USER, PermissionDenied
from research.storage import SYSTEM
from research.tracker import contacts, questions
from research.tracker.contacts import ContactError
from research.tracker.questions import QuestionError

TODAY = date(2026, 6, 1)
CONSENT = "Mondeling toestemming gegeven tijdens de bijeenkomst in het buurthuis"

# Distinctive values, so that a search of the whole audit log can only find them if they leaked.
NAME = "Fatima Zwanenburg-Oukili"
PHONE = "06-87654321"
EMAIL = "fatima.zwanenburg@voorbeeld.nl"
NOTE = "Liever bellen na half zes, niet op vrijdag"


def log(store, user, wijk, asked_on=date(2026, 5, 1), text="Waarom is de speeltuin dicht?"):
    return questions.log_question(store, user, wijk_id=wijk, asked_on=asked_on, text=text,
                                  asker_group="bewoner", today=TODAY)


def save(store, user, question_id, **extra):
    arguments = {"consent_text": CONSENT, "name": NAME, "phone": PHONE, "email": EMAIL,
                 "note": NOTE, "today": TODAY, **extra}
    return contacts.save_contact(store, user, question_id, **arguments)


def stored(store, question_id):
    row = store.one("SELECT * FROM question_contacts WHERE question_id = ?", [question_id])
    return None if row is None else {k: v for k, v in row.items() if k != "created_at"}


def events_text(store) -> str:
    """Every column of every audit event as one text."""
    return "\n".join(json.dumps(row, ensure_ascii=False, default=str)
                     for row in store.rows("SELECT * FROM events ORDER BY id"))


@pytest.fixture
def noord_question(store, users):
    return log(store, users["coordinator"], "noord")


@pytest.fixture
def zoe(store):
    """A coordinator bound to Zuidoost only."""
    return accounts.create_user(store, SYSTEM_USER, "zoe", "coordinator", PASSWORD,
                                wijken=("zuidoost",))


@pytest.mark.parametrize("role", ["coordinator", "beheerder"])
def test_coordinator_of_the_wijk_and_beheerder_save_read_and_delete(store, users, noord_question,
                                                                     role):
    user = users[role]
    save(store, user, noord_question, name=f"  {NAME} ", phone=f" {PHONE}  ", email=f" {EMAIL} ",
         note=f"\n{NOTE} ")
    expected = {"question_id": noord_question, "name": NAME, "phone": PHONE, "email": EMAIL,
                "note": NOTE, "consent_on": "2026-06-01", "consent_text": CONSENT,
                "created_by": user.id}
    assert stored(store, noord_question) == expected
    found = contacts.get_contact(store, user, noord_question)
    assert {k: v for k, v in found.items() if k != "created_at"} == expected
    contacts.delete_contact(store, user, noord_question)
    assert stored(store, noord_question) is None
    assert contacts.get_contact(store, user, noord_question) is None
    # The question itself is not touched.
    assert store.value("SELECT text FROM questions WHERE id = ?", [noord_question]) == \
        "Waarom is de speeltuin dicht?"


def test_get_contact_without_details_is_none(store, users, noord_question):
    assert contacts.get_contact(store, users["coordinator"], noord_question) is None


def test_may_see(store, users, zoe):
    assert contacts.may_see(users["coordinator"], "noord") is True
    assert contacts.may_see(users["coordinator"], "zuidoost") is False
    assert contacts.may_see(zoe, "zuidoost") is True
    assert contacts.may_see(zoe, "noord") is False
    assert contacts.may_see(users["beheerder"], "nieuw-west") is True
    assert contacts.may_see(SYSTEM_USER, "noord") is True
    for role in ("onderzoeker", "analist", "lezer"):
        assert contacts.may_see(users[role], "noord") is False


@pytest.mark.parametrize("who", ["zoe", "lezer", "onderzoeker"])
def test_others_may_not_read_contact_details(store, users, zoe, noord_question, who):
    save(store, users["coordinator"], noord_question)
    user = zoe if who == "zoe" else users[who]
    with pytest.raises(PermissionDenied) as raised:
        contacts.get_contact(store, user, noord_question)
    assert raised.value.message == ("Contactgegevens zijn alleen zichtbaar voor de coördinator "
                                    "van deze wijkwerkplaats en voor beheerders.")


def test_analist_may_not_read_contact_details(store, users, noord_question):
    save(store, users["coordinator"], noord_question)
    with pytest.raises(PermissionDenied) as raised:
        contacts.get_contact(store, users["analist"], noord_question)
    assert raised.value.message == "Je hebt geen toegang tot dit onderdeel."


@pytest.mark.parametrize("who", ["zoe", "lezer", "onderzoeker"])
def test_others_may_not_save_contact_details(store, users, zoe, noord_question, who):
    user = zoe if who == "zoe" else users[who]
    with pytest.raises(PermissionDenied) as raised:
        save(store, user, noord_question)
    assert raised.value.message == \
        "Alleen de coördinator van deze wijkwerkplaats legt contactgegevens vast."
    assert store.value("SELECT count(*) FROM question_contacts") == 0


@pytest.mark.parametrize("who", ["zoe", "lezer", "onderzoeker", "analist"])
def test_others_may_not_delete_contact_details(store, users, zoe, noord_question, who):
    save(store, users["coordinator"], noord_question)
    user = zoe if who == "zoe" else users[who]
    with pytest.raises(PermissionDenied):
        contacts.delete_contact(store, user, noord_question)
    assert stored(store, noord_question)["name"] == NAME


def test_coordinator_of_zuidoost_handles_zuidoost_contacts(store, users, zoe):
    question_id = log(store, users["beheerder"], "zuidoost")
    save(store, zoe, question_id, name="", email="", note="")
    assert contacts.get_contact(store, zoe, question_id)["phone"] == PHONE
    with pytest.raises(PermissionDenied):
        contacts.get_contact(store, users["coordinator"], question_id)


def test_unknown_question(store, users):
    with pytest.raises(QuestionError, match="^Vraag 99 bestaat niet.$"):
        save(store, users["beheerder"], 99)


@pytest.mark.parametrize("consent", ["", "   \n\t "])
def test_consent_text_is_required(store, users, noord_question, consent):
    with pytest.raises(ContactError) as raised:
        save(store, users["coordinator"], noord_question, consent_text=consent)
    assert raised.value.message == ("Leg vast hoe de bewoner toestemming gaf; zonder toestemming "
                                    "worden geen contactgegevens bewaard.")
    assert store.value("SELECT count(*) FROM question_contacts") == 0


def test_phone_or_email_is_required(store, users, noord_question):
    with pytest.raises(ContactError) as raised:
        save(store, users["coordinator"], noord_question, phone="  ", email=" ")
    assert raised.value.message == "Geef een telefoonnummer of e-mailadres."
    assert store.value("SELECT count(*) FROM question_contacts") == 0


@pytest.mark.parametrize("phone, email", [("", "fatima@example.nl"), ("020 123 45 67", ""),
                                          ("+31 (0)6 1234-5678", "")])
def test_phone_or_email_alone_is_enough(store, users, noord_question, phone, email):
    save(store, users["coordinator"], noord_question, name="", note="", phone=phone, email=email)
    row = stored(store, noord_question)
    assert (row["name"], row["phone"], row["email"], row["note"]) == (
        None, phone or None, email or None, None)


@pytest.mark.parametrize("email", ["fatima", "fatima@voorbeeld", "fatima@@voorbeeld.nl",
                                   "fatima zwanenburg@voorbeeld.nl", "@voorbeeld.nl"])
def test_bad_email_is_refused(store, users, noord_question, email):
    with pytest.raises(ContactError) as raised:
        save(store, users["coordinator"], noord_question, email=email)
    assert raised.value.message == f"'{email}' is geen geldig e-mailadres."
    assert store.value("SELECT count(*) FROM question_contacts") == 0


@pytest.mark.parametrize("phone", ["bel me maar", "06-1234x678", "12345", "0" * 21, "06/12345678"])
def test_bad_phone_is_refused(store, users, noord_question, phone):
    with pytest.raises(ContactError) as raised:
        save(store, users["coordinator"], noord_question, phone=phone)
    assert raised.value.message == f"'{phone}' is geen geldig telefoonnummer."
    assert store.value("SELECT count(*) FROM question_contacts") == 0


@pytest.mark.parametrize("phone", ["------", "(( ))+"])
def test_phone_without_digits_is_refused(store, users, noord_question, phone):
    with pytest.raises(ContactError):
        save(store, users["coordinator"], noord_question, phone=phone, email="")


def test_saving_again_replaces(store, users, noord_question):
    coby, admin = users["coordinator"], users["beheerder"]
    save(store, coby, noord_question)
    save(store, admin, noord_question, consent_text="Per e-mail", name="", phone="",
         email="f.z@voorbeeld.nl", note="", today=date(2026, 6, 3))
    assert store.value("SELECT count(*) FROM question_contacts") == 1
    assert stored(store, noord_question) == {
        "question_id": noord_question, "name": None, "phone": None, "email": "f.z@voorbeeld.nl",
        "note": None, "consent_on": "2026-06-03", "consent_text": "Per e-mail",
        "created_by": admin.id}


def test_contact_details_never_enter_the_audit_log(store, users, noord_question):
    coby = users["coordinator"]
    save(store, coby, noord_question)
    # Replacing logs the old row as deleted and the new one as created.
    save(store, coby, noord_question, name=NAME + " (2)", note=NOTE + " (2)")
    contacts.delete_contact(store, coby, noord_question)
    other = log(store, coby, "noord", text="Wanneer gaat de speeltuin weer open?")
    save(store, coby, other)
    questions.close_question(store, coby, other, today=date(2024, 1, 1))
    assert contacts.purge(store, SYSTEM, today=TODAY) == 1

    text = events_text(store)
    for value in (NAME, PHONE, EMAIL, NOTE, "Zwanenburg", "87654321", "voorbeeld.nl"):
        assert value not in text
    assert "***" in text
    contact_events = store.rows("SELECT action, before, after FROM events WHERE entity = 'contact'"
                                " ORDER BY id")
    # save, save again (delete + create), delete, save on the other question, purge.
    assert [e["action"] for e in contact_events] == [
        "create", "delete", "create", "delete", "create", "purge"]
    created = json.loads(contact_events[0]["after"])
    assert {k: created[k] for k in ("name", "phone", "email", "note", "consent_text")} == {
        "name": "***", "phone": "***", "email": "***", "note": "***", "consent_text": CONSENT}


def test_absent_fields_are_not_masked_in_the_audit_log(store, users, noord_question):
    save(store, users["coordinator"], noord_question, name="", phone="", note="")
    after = json.loads(store.value("SELECT after FROM events WHERE entity = 'contact'"
                                   " AND action = 'create'"))
    assert {k: after[k] for k in ("name", "phone", "email", "note")} == {
        "name": None, "phone": None, "email": "***", "note": None}


@pytest.fixture
def closed_on_known_dates(store, users):
    """Questions with contact details, closed on known dates; the keys say what purge does."""
    coby = users["coordinator"]
    made = {}
    for key, closed in [("367 dagen", date(2025, 5, 30)), ("366 dagen", date(2025, 5, 31)),
                        ("365 dagen", date(2025, 6, 1)), ("364 dagen", date(2025, 6, 2)),
                        ("2 jaar", date(2024, 6, 1)), ("recent", date(2026, 5, 1)),
                        ("open", None)]:
        question_id = log(store, coby, "noord", asked_on=date(2024, 1, 2),
                          text=f"Vraag die {key} geleden is gesloten")
        save(store, coby, question_id, name=f"{NAME} {key}")
        if closed:
            questions.close_question(store, coby, question_id, today=closed)
        made[key] = question_id
    # Closed long ago, but without contact details: nothing to erase.
    made["zonder contact"] = log(store, coby, "noord", asked_on=date(2024, 1, 2))
    questions.close_question(store, coby, made["zonder contact"], today=date(2024, 1, 3))
    return made


def test_purge_erases_only_contacts_of_questions_closed_more_than_the_retention_ago(
        store, closed_on_known_dates):
    made = closed_on_known_dates
    events_before = store.value("SELECT count(*) FROM events")
    assert contacts.purge(store, SYSTEM, today=TODAY, retention_days=365) == 3

    remaining = [r["question_id"] for r in
                 store.rows("SELECT question_id FROM question_contacts ORDER BY question_id")]
    assert remaining == [made["365 dagen"], made["364 dagen"], made["recent"], made["open"]]
    # The questions themselves stay, with their status and closing date.
    assert store.value("SELECT count(*) FROM questions") == 8
    assert store.one("SELECT status, closed_at, text FROM questions WHERE id = ?",
                     [made["2 jaar"]]) == {
        "status": "gesloten", "closed_at": "2024-06-01",
        "text": "Vraag die 2 jaar geleden is gesloten"}
    assert store.value("SELECT status FROM questions WHERE id = ?", [made["open"]]) == "open"

    # Exactly one event, with the count and no contact data.
    assert store.value("SELECT count(*) FROM events") == events_before + 1
    event = store.one("SELECT actor, entity, entity_id, action, before, after FROM events"
                      " ORDER BY id DESC LIMIT 1")
    assert {k: v for k, v in event.items() if k != "after"} == {
        "actor": "systeem", "entity": "contact", "entity_id": None, "action": "purge",
        "before": None}
    assert json.loads(event["after"]) == {"verwijderd": 3, "gesloten_voor": "2025-06-01",
                                          "bewaartermijn_dagen": 365}
    assert NAME not in event["after"]


def test_purge_again_erases_nothing_but_is_logged(store, closed_on_known_dates):
    assert contacts.purge(store, SYSTEM, today=TODAY, retention_days=365) == 3
    assert contacts.purge(store, SYSTEM, today=TODAY, retention_days=365) == 0
    assert store.value("SELECT count(*) FROM question_contacts") == 4
    afters = [json.loads(r["after"]) for r in store.rows(
        "SELECT after FROM events WHERE action = 'purge' ORDER BY id")]
    assert [a["verwijderd"] for a in afters] == [3, 0]


def test_purge_with_a_shorter_retention(store, closed_on_known_dates):
    made = closed_on_known_dates
    # 31 days before 2026-06-01 is 2026-05-01, the day "recent" was closed: it stays.
    assert contacts.purge(store, SYSTEM, today=TODAY, retention_days=31) == 5
    assert [r["question_id"] for r in store.rows(
        "SELECT question_id FROM question_contacts ORDER BY question_id")] == [
        made["recent"], made["open"]]
    # One day later it is due; the open question never is.
    assert contacts.purge(store, SYSTEM, today=TODAY, retention_days=30) == 1
    assert contacts.purge(store, SYSTEM, today=date(2030, 1, 1), retention_days=0) == 0
    assert [r["question_id"] for r in store.rows("SELECT question_id FROM question_contacts")] \
        == [made["open"]]


def test_purge_default_retention_is_a_year(store, closed_on_known_dates):
    assert contacts.RETENTION_DAYS == 365
    assert contacts.purge(store, SYSTEM, today=TODAY) == 3
