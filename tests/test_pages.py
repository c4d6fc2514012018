"""Page tests with Streamlit's AppTest: every page for every role, the router, real form
interactions, storage problems and the escaping of user text.

Every check compares literal Dutch texts, so a changed message shows up here on purpose.
"""

from __future__ import annotations

import json
import os
import time
from datetime import date, timedelta

import pytest
import streamlit
from streamlit.testing.v1 import AppTest

from conftest import PASSWORD, logged_in
from pages import (
    NO_ACCESS,
    ROLES,
    ROUTER,
    TIMEOUT,
    assert_login_form,
    errors,
    form_button,
    login,
    no_exception,
    page_file,
    run_page,
    run_router,
    titles,
    widget,
)
from research import accounts
from research.accounts import SYSTEM_USER
from research.qual import (
    axial,
    cases,
    codebook,
    codings,
    documents,
    projects,
    pseudonyms,
    transcripts,
)
from research.tracker import contacts, dates, questions
from research.ui import shell

# The caption of the overdue report-back list after its count.
WAITING = (" vragen zonder terugkoppeling (met een uiterste datum: als die voorbij is; "
           "zonder: na zoveel weken)")


# -- every page for every role ----------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("spec", shell.PAGES, ids=[p.file.removesuffix(".py") for p in shell.PAGES])
def test_page_for_role(spec, role, demo_users, demo_store):
    """Every page opens (or refuses) for every role, and merely looking writes nothing: no
    audit event (a download is built, and its export logged, only when clicked; the pseudonym
    key's view is logged only when it is shown; issue 17)."""
    user = demo_users[role]
    events = demo_store.value("SELECT max(id) FROM events")
    at = run_page(spec.file, user)
    no_exception(at)
    # The daily upkeep (contact details past retention erased, once a day per server
    # process) is the server's own work, not the page's.
    assert demo_store.rows("SELECT entity, action FROM events WHERE id > ? AND NOT"
                           " (entity = 'contact' AND action = 'purge')", [events]) == []
    if spec.permission is None or accounts.can(user, spec.permission):
        assert titles(at) == [spec.title]
        assert NO_ACCESS not in errors(at)
    else:
        assert errors(at) == [NO_ACCESS]
        assert titles(at) == []


def test_the_permission_matrix_is_what_the_roles_promise():
    """A guard on the test above: it must cover both outcomes for some pages."""
    role_user = {role: accounts.User(1, role, role, wijken=("noord",)) for role in ROLES}
    allowed = {(p.file, r) for p in shell.PAGES for r in ROLES
               if p.permission is None or accounts.can(role_user[r], p.permission)}
    assert ("admin_users.py", "beheerder") in allowed
    assert ("admin_users.py", "lezer") not in allowed
    assert ("tracker_log.py", "coordinator") in allowed
    assert ("tracker_log.py", "onderzoeker") not in allowed
    assert ("qual_projects.py", "analist") not in allowed
    assert all(("account.py", r) in allowed for r in ROLES)


def test_a_page_without_login_shows_the_login_form(demo_store):
    at = AppTest.from_file(page_file("admin_users.py"), default_timeout=TIMEOUT).run()
    no_exception(at)
    assert_login_form(at)


# -- the router -------------------------------------------------------------------------------

def test_router_not_logged_in_shows_login_form(demo_store):
    at = run_router()
    no_exception(at)
    assert_login_form(at)
    assert errors(at) == []


def test_router_wrong_password_is_refused(demo_store):
    at = run_router()
    at = login(at, "admin", "niet-het-wachtwoord")
    no_exception(at)
    assert errors(at) == [accounts.BAD_LOGIN]
    assert errors(at) == ["Gebruikersnaam of wachtwoord onjuist."]
    assert_login_form(at)
    # The name stays for another try; the password is gone from the field and the session.
    assert [t.value for t in at.text_input] == ["admin", ""]
    assert at.session_state["login_password"] == ""


def test_router_unknown_user_gets_the_same_message(demo_store):
    at = login(run_router(), "niemand", PASSWORD)
    no_exception(at)
    assert errors(at) == ["Gebruikersnaam of wachtwoord onjuist."]
    assert_login_form(at)


def test_router_right_password_runs_the_start_page(demo_store, monkeypatch):
    reruns = []
    rerun = streamlit.rerun

    def counted(*args, **kwargs):
        reruns.append(args)
        rerun(*args, **kwargs)

    monkeypatch.setattr(streamlit, "rerun", counted)
    at = login(run_router(), "admin", PASSWORD)
    no_exception(at)
    assert errors(at) == []
    assert titles(at) == ["Start"]
    # One card per section the beheerder may open, each with a figure from the demo data.
    assert [h.value for h in at.subheader] == ["Kwalitatief", "Monitor", "Wijk", "Beheer"]
    assert [m.value for m in at.markdown][-4:] == [
        "1 project, 30 gecodeerde fragmenten", "2 monitors, 4 metingen", "19 bewonersvragen",
        "1 account"]
    assert at.session_state["auth"]["user_id"] == accounts.find_user(demo_store, "admin").id
    assert [c.value for c in at.sidebar.caption] == ["Ingelogd als **Beheerder** · Beheerder"]
    # The login's own run showed the start page: the password was checked before it, with
    # no second run.
    assert reruns == []


def test_router_start_page_for_an_analist_shows_only_the_monitor(demo_users):
    at = login(run_router(), "anna", PASSWORD)
    no_exception(at)
    assert titles(at) == ["Start"]
    assert [h.value for h in at.subheader] == ["Monitor"]


def oidc_router(email: str, **claims) -> AppTest:
    at = AppTest.from_file(str(ROUTER), default_timeout=TIMEOUT)
    at.secrets["auth"] = {"redirect_uri": "http://localhost/oauth2callback",
                          "cookie_secret": "x" * 32, "client_id": "app",
                          "client_secret": "geheim",
                          "server_metadata_url": "http://localhost/.well-known/openid"}
    at.user = {"is_logged_in": True, "email": email, **claims}
    return at.run()


def test_oidc_login_with_a_verified_email_opens_the_app(demo_users, demo_store):
    accounts.update_user(demo_store, SYSTEM_USER, demo_users["lezer"].id,
                         email="lex@example.nl")
    at = oidc_router("lex@example.nl", email_verified=True)
    no_exception(at)
    assert titles(at) == ["Start"]
    assert at.session_state["auth"]["user_id"] == demo_users["lezer"].id


@pytest.mark.parametrize("claims", [{}, {"email_verified": False}])
def test_oidc_login_without_a_verified_email_is_refused(demo_users, demo_store, claims):
    accounts.update_user(demo_store, SYSTEM_USER, demo_users["beheerder"].id,
                         email="admin@example.nl")
    at = oidc_router("admin@example.nl", **claims)
    no_exception(at)
    assert titles(at) == ["Onderzoekswerkplaats"]
    assert "auth" not in at.session_state
    assert errors(at) == [
        "Je organisatie heeft je e-mailadres niet als bevestigd doorgegeven, dus hoort het niet "
        "met zekerheid bij jou. Inloggen via de organisatie kan zo niet; log in met een lokaal "
        "account of vraag een beheerder."]


def test_router_a_page_the_role_may_not_open_refuses_by_its_address(demo_users):
    """Every page is registered, those the role may not open hidden from the menu: their
    address shows the page's own refusal (the browser matrix types them all in
    test_browser.py) instead of falling back to the start page."""
    at = run_router(auth=logged_in(demo_users["lezer"]))
    assert titles(at) == ["Start"]
    at.switch_page(page_file("admin_users.py")).run()
    no_exception(at)
    assert errors(at) == [NO_ACCESS]
    assert titles(at) == []

def test_router_logout_returns_to_the_login_form(demo_users):
    at = run_router(auth=logged_in(demo_users["lezer"]))
    assert titles(at) == ["Start"]
    widget(at.sidebar.button, "Uitloggen").click().run()
    no_exception(at)
    assert_login_form(at)
    assert [i.value for i in at.info] == ["Je bent uitgelogd."]


def test_session_expires_after_inactivity(demo_users, monkeypatch):
    monkeypatch.setenv("RESEARCH_SESSION_MINUTES", "1")
    auth = {"user_id": demo_users["beheerder"].id, "last_seen": time.time() - 3700}
    at = run_router(auth=auth)
    no_exception(at)
    assert_login_form(at)
    assert [i.value for i in at.info] == ["Je sessie is verlopen. Log opnieuw in."]


def test_recent_session_is_kept_and_refreshed(demo_users, monkeypatch):
    monkeypatch.setenv("RESEARCH_SESSION_MINUTES", "1")
    seen = time.time() - 30
    at = run_router(auth={"user_id": demo_users["beheerder"].id, "epoch": 0, "last_seen": seen})
    no_exception(at)
    assert titles(at) == ["Start"]
    assert at.session_state["auth"]["last_seen"] > seen


def test_a_disabled_users_session_is_ended(demo_users, demo_store):
    lezer = demo_users["lezer"]
    at = run_router(auth=logged_in(lezer))
    assert titles(at) == ["Start"]
    accounts.update_user(demo_store, demo_users["beheerder"], lezer.id, active=False)
    at.run()
    no_exception(at)
    assert_login_form(at)
    assert [i.value for i in at.info] == [
        "Je account is uitgeschakeld. Neem contact op met een beheerder."]


def test_a_disabled_user_cannot_log_in(demo_users, demo_store):
    accounts.update_user(demo_store, demo_users["beheerder"], demo_users["lezer"].id, active=False)
    at = login(run_router(), "lex", PASSWORD)
    no_exception(at)
    assert errors(at) == ["Gebruikersnaam of wachtwoord onjuist."]
    assert_login_form(at)


def test_a_page_reached_directly_ends_a_disabled_session(demo_users, demo_store):
    lezer = demo_users["lezer"]
    accounts.update_user(demo_store, demo_users["beheerder"], lezer.id, active=False)
    at = run_page("account.py", lezer)
    no_exception(at)
    assert_login_form(at)


# -- tracker_log ------------------------------------------------------------------------------

def button(at: AppTest, label: str):
    (found,) = [b for b in at.button if b.label == label]
    return found


def test_coordinator_logs_a_question(demo_users, demo_store):
    coby = demo_users["coordinator"]
    before = questions.list_questions(demo_store, coby)
    at = run_page("tracker_log.py", coby)
    no_exception(at)
    assert widget(at.selectbox, "Wijkwerkplaats").options == ["Noord"]
    text = "Waarom sluit de bibliotheek in de Banne om vier uur?"
    widget(at.text_area, "Vraag, in de woorden van de bewoner").input(text)
    widget(at.text_input, "Bijeenkomst of plek").input("Buurthuis Banne")
    widget(at.selectbox, "Gesteld door").set_value("praktijkpartner")
    widget(at.text_input, "Datum").input("gisteren")
    at.run()
    yesterday = date.today() - timedelta(days=1)
    assert dates.format_date(yesterday) in [c.value for c in at.caption]
    button(at, "Vastleggen").click().run()
    no_exception(at)
    assert errors(at) == []
    after = questions.list_questions(demo_store, coby)
    new = [q for q in after if q["text"] == text]
    assert [s.value for s in at.success] == [f"Vraag {new[0]['id']} vastgelegd."]
    assert len(after) == len(before) + 1
    assert new[0]["asker_group"] == "praktijkpartner"
    assert new[0]["place"] == "Buurthuis Banne"
    assert new[0]["wijkwerkplaats"] == "Noord"
    assert new[0]["asked_on"] == yesterday.isoformat()
    assert new[0]["status"] == "open"
    # The page is empty again for the next question of the gathering.
    assert widget(at.text_area, "Vraag, in de woorden van de bewoner").value == ""
    assert widget(at.text_input, "Datum").value == "vandaag"


@pytest.mark.parametrize("ended", ["verlopen", "uitgeschakeld"])
def test_a_question_is_not_logged_by_an_ended_session(demo_users, demo_store, ended,
                                                      monkeypatch):
    """"Vastleggen" saves in a callback, which runs before the page's guard: it checks the
    session itself (the write path alone does not know a session expired)."""
    coby = demo_users["coordinator"]
    before = len(questions.list_questions(demo_store, SYSTEM_USER))
    at = run_page("tracker_log.py", coby)
    widget(at.text_area, "Vraag, in de woorden van de bewoner").input(
        "Waarom is het zwembad in Noord dicht?")
    at.run()
    if ended == "verlopen":
        monkeypatch.setenv("RESEARCH_SESSION_MINUTES", "1")
        at.session_state["auth"] = {**logged_in(coby), "last_seen": time.time() - 120}
    else:
        accounts.update_user(demo_store, SYSTEM_USER, coby.id, active=False)
    button(at, "Vastleggen").click().run()
    no_exception(at)
    assert_login_form(at)
    assert [i.value for i in at.info] == [
        "Je sessie is verlopen. Log opnieuw in." if ended == "verlopen" else
        "Je account is uitgeschakeld. Neem contact op met een beheerder."]
    assert len(questions.list_questions(demo_store, SYSTEM_USER)) == before


def test_similar_question_and_theme_are_suggested(demo_users, demo_store):
    at = run_page("tracker_log.py", demo_users["coordinator"])
    widget(at.text_area, "Vraag, in de woorden van de bewoner").input(
        "kan de speeltuin bij de Waterlandplein weer open.  De kinderen spelen nu op straat!")
    at.run()
    no_exception(at)
    # The demo question with other punctuation and case is recognised as the same one.
    assert [w.value for w in at.warning] == [
        "Deze vraag is al vastgelegd op 28-01-2026 (vraag 10)."]
    assert "28-01-2026 · Kan de speeltuin bij de Waterlandplein weer open, de kinderen spelen " \
           "nu op straat?" in [t.value for t in at.text]
    hint = at.get("button_group")[0]
    assert hint.options[0] == "Wijk & Wonen"
    hint.set_value("wijk-wonen").run()
    assert widget(at.selectbox, "Onderzoeksprogramma").value == "wijk-wonen"


def test_a_duplicate_is_linked_at_intake(demo_users, demo_store):
    coby = demo_users["coordinator"]
    at = run_page("tracker_log.py", coby)
    text = "Gaat de speeltuin bij het Waterlandplein weer open voor de kinderen?"
    widget(at.text_area, "Vraag, in de woorden van de bewoner").input(text)
    at.run()
    widget(at.selectbox, "Dit is dezelfde vraag als").set_value(10)
    button(at, "Vastleggen").click().run()
    no_exception(at)
    [new] = [q for q in questions.list_questions(demo_store, coby) if q["text"] == text]
    assert [s.value for s in at.success] == [
        f"Vraag {new['id']} vastgelegd, als dezelfde vraag als vraag 10."]
    assert [(link["id"], link["kind"]) for link in questions.links_of(demo_store, coby,
                                                                       new["id"])] == \
        [(10, "zelfde")]


def test_unreadable_date_is_asked_again_not_guessed(demo_users, demo_store):
    coby = demo_users["coordinator"]
    before = questions.list_questions(demo_store, coby)
    at = run_page("tracker_log.py", coby)
    widget(at.text_area, "Vraag, in de woorden van de bewoner").input("Wie maakt de stoep schoon?")
    widget(at.text_input, "Datum").input("ergens in het voorjaar")
    at.run()
    assert errors(at)[0].startswith("Datum niet herkend: 'ergens in het voorjaar'.")
    button(at, "Vastleggen").click().run()
    no_exception(at)
    assert not at.success
    assert questions.list_questions(demo_store, coby) == before
    # Nothing typed is lost.
    assert widget(at.text_area, "Vraag, in de woorden van de bewoner").value == \
        "Wie maakt de stoep schoon?"


def test_contact_needs_consent_but_the_question_is_kept(demo_users, demo_store):
    coby = demo_users["coordinator"]
    at = run_page("tracker_log.py", coby)
    widget(at.text_area, "Vraag, in de woorden van de bewoner").input("Komt er een zebrapad?")
    widget(at.checkbox, "De bewoner wil horen wat er met de vraag gebeurt").check().run()
    widget(at.text_input, "Telefoon").input("06 12345678")
    button(at, "Vastleggen").click().run()
    no_exception(at)
    (question,) = [q for q in questions.list_questions(demo_store, coby)
                   if q["text"] == "Komt er een zebrapad?"]
    assert errors(at) == [
        f"De vraag is vastgelegd (vraag {question['id']}), maar de contactgegevens niet: "
        "Leg vast hoe de bewoner toestemming gaf; zonder toestemming worden geen "
        "contactgegevens bewaard."]
    assert contacts.get_contact(demo_store, coby, question["id"]) is None


def test_contact_with_consent_is_stored_apart(demo_users, demo_store):
    coby = demo_users["coordinator"]
    at = run_page("tracker_log.py", coby)
    widget(at.text_area, "Vraag, in de woorden van de bewoner").input("Komt er een zebrapad?")
    widget(at.checkbox, "De bewoner wil horen wat er met de vraag gebeurt").check().run()
    widget(at.text_input, "Telefoon").input("06 12345678")
    widget(at.text_input, "Toestemming: hoe gegeven").input("mondeling")
    button(at, "Vastleggen").click().run()
    assert errors(at) == []
    (question,) = [q for q in questions.list_questions(demo_store, coby)
                   if q["text"] == "Komt er een zebrapad?"]
    contact = contacts.get_contact(demo_store, coby, question["id"])
    assert (contact["phone"], contact["consent_text"]) == ("06 12345678", "mondeling")


def test_empty_question_is_refused_and_nothing_saved(demo_users, demo_store):
    coby = demo_users["coordinator"]
    before = questions.list_questions(demo_store, coby)
    at = run_page("tracker_log.py", coby)
    widget(at.text_area, "Vraag, in de woorden van de bewoner").input("   ")
    button(at, "Vastleggen").click().run()
    no_exception(at)
    assert errors(at) == ["Schrijf de vraag op in de woorden van de bewoner."]
    assert not at.success
    assert questions.list_questions(demo_store, coby) == before


# -- admin_users ------------------------------------------------------------------------------

def test_admin_creates_an_account_and_sees_its_password_once(demo_users, demo_store):
    at = run_page("admin_users.py", demo_users["beheerder"])
    no_exception(at)
    assert not at.code
    widget(at.text_input, "Gebruikersnaam").input("nina")
    widget(at.text_input, "Volledige naam", form="add_user").input("Nina de Vries")
    widget(at.selectbox, "Rol", form="add_user").set_value("coordinator")
    widget(at.multiselect, "Wijkwerkplaatsen (voor een coördinator)").set_value(["zuidoost"])
    form_button(at, "Account aanmaken").click().run()
    no_exception(at)
    assert errors(at) == []
    assert [s.value for s in at.success] == [
        "Wachtwoord voor nina (wordt maar één keer getoond):"]
    assert len(at.code) == 1
    password = at.code[0].value
    assert len(password) >= accounts.MIN_PASSWORD_LENGTH
    created = accounts.find_user(demo_store, "nina")
    assert created is not None
    assert (created.role, created.display_name, created.wijken) == (
        "coordinator", "Nina de Vries", ("zuidoost",))
    assert accounts.authenticate(demo_store, "nina", password).id == created.id
    # Shown once: the next run no longer shows it.
    at.run()
    no_exception(at)
    assert not at.code


def test_admin_create_account_error_is_dutch(demo_users, demo_store):
    at = run_page("admin_users.py", demo_users["beheerder"])
    widget(at.text_input, "Gebruikersnaam").input("olga")  # exists already
    form_button(at, "Account aanmaken").click().run()
    no_exception(at)
    assert errors(at) == ["De gebruikersnaam 'olga' bestaat al."]
    assert not at.code


# -- account ----------------------------------------------------------------------------------

def test_change_password_with_mismatching_repeat(demo_users, demo_store):
    at = run_page("account.py", demo_users["lezer"])
    no_exception(at)
    assert [t.value for t in at.text] == ["Gebruikersnaam: lex", "Rol: Lezer"]
    widget(at.text_input, "Huidig wachtwoord").input(PASSWORD)
    widget(at.text_input, "Nieuw wachtwoord").input("een-nieuw-wachtwoord")
    widget(at.text_input, "Nieuw wachtwoord (nogmaals)").input("een-ander-wachtwoord")
    form_button(at, "Wachtwoord wijzigen").click().run()
    no_exception(at)
    assert errors(at) == ["De twee nieuwe wachtwoorden zijn niet gelijk."]
    assert not at.success
    assert accounts.authenticate(demo_store, "lex", PASSWORD).username == "lex"


def test_change_password_succeeds(demo_users, demo_store):
    at = run_page("account.py", demo_users["lezer"])
    widget(at.text_input, "Huidig wachtwoord").input(PASSWORD)
    widget(at.text_input, "Nieuw wachtwoord").input("een-nieuw-wachtwoord")
    widget(at.text_input, "Nieuw wachtwoord (nogmaals)").input("een-nieuw-wachtwoord")
    form_button(at, "Wachtwoord wijzigen").click().run()
    no_exception(at)
    assert errors(at) == []
    assert [s.value for s in at.success] == [
        "Je wachtwoord is gewijzigd. Andere sessies van je account zijn beëindigd."]
    assert accounts.authenticate(demo_store, "lex", "een-nieuw-wachtwoord").username == "lex"
    at.run()  # this session stays
    assert titles(at) == ["Mijn account"]


def test_own_password_change_ends_the_accounts_other_sessions(demo_users, demo_store):
    lex = demo_users["lezer"]
    other = run_router(auth=logged_in(lex))
    assert titles(other) == ["Start"]
    accounts.change_own_password(demo_store, lex, PASSWORD, "een-nieuw-wachtwoord")
    other.run()
    no_exception(other)
    assert_login_form(other)
    assert [i.value for i in other.info] == ["Je wachtwoord is gewijzigd. Log opnieuw in."]


@pytest.mark.parametrize("by", ["pagina", "opdrachtregel"])
def test_a_password_reset_ends_the_open_sessions(demo_users, demo_store, by, capsys):
    lex = demo_users["lezer"]
    at = run_router(auth=logged_in(lex))
    assert titles(at) == ["Start"]
    if by == "pagina":
        admin = run_page("admin_users.py", demo_users["beheerder"])
        widget(admin.selectbox, "Account").set_value(lex.id).run()
        admin.checkbox[-1].check().run()
        widget(admin.button, "Nieuw wachtwoord instellen").click().run()
        no_exception(admin)
    else:
        from research.cli import main
        assert main(["--db", str(demo_store.path), "user", "reset-password", "lex"]) == 0
        capsys.readouterr()
    at.run()
    no_exception(at)
    assert_login_form(at)
    assert [i.value for i in at.info] == ["Je wachtwoord is gewijzigd. Log opnieuw in."]


def test_coordinator_account_lists_wijken(demo_users):
    at = run_page("account.py", demo_users["coordinator"])
    no_exception(at)
    assert [t.value for t in at.text] == [
        "Gebruikersnaam: coby", "Rol: Coördinator", "Wijkwerkplaatsen: Noord"]


# -- qual_projects ----------------------------------------------------------------------------

DEMO_PROJECT = "Buurtkamers Nieuw-West en Noord (demo, verzonnen)"


def test_beheerder_sees_the_demo_project(demo_users, demo_store):
    admin = demo_users["beheerder"]
    at = run_page("qual_projects.py", admin)
    no_exception(at)
    assert titles(at) == ["Projecten"]
    assert not at.info
    assert list(at.dataframe[0].value["Project"]) == [DEMO_PROJECT]
    assert widget(at.selectbox, "Project openen").options == [DEMO_PROJECT]
    docs = at.dataframe[1].value
    assert list(docs["Document"]) == [
        "Interview 01 - bewoner Geuzenveld", "Interview 02 - jongerenwerker Slotermeer",
        "Focusgroep 01 - ouders Noord", "Interview 03 - vrijwilliger Geuzenveld",
        "Interview 04 - moeder Noord", "Interview 05 - buurtwerker Zuidoost",
        "Interview 06 - bewoner Noord"]
    assert list(docs["Sprekers"]) == [2, 2, 4, 2, 2, 2, 2]
    assert list(docs["Gepseudonimiseerd"]) == ["nee"] * 7
    assert [b.label for b in at.get("download_button")] == ["Exporteren als REFI-QDA (.qdpx)"]


def test_a_blind_projects_export_page_tells_a_member_it_holds_their_own_codings(
        demo_users, demo_store):
    admin, lex = demo_users["beheerder"], demo_users["lezer"]
    [project] = projects.list_projects(demo_store, admin)
    projects.add_member(demo_store, admin, project["id"], lex.id)
    projects.set_blind(demo_store, admin, project["id"], True)
    caption = ("Blind coderen: de export bevat alleen jouw eigen coderingen. De projectleider "
               "exporteert die van alle codeurs.")
    at = run_page("qual_projects.py", lex)
    no_exception(at)
    assert [b.label for b in at.get("download_button")] == ["Exporteren als REFI-QDA (.qdpx)"]
    assert caption in [c.value for c in at.caption]
    assert caption not in [c.value for c in run_page("qual_projects.py", admin).caption]


def test_project_lead_switches_blind_coding_and_manages_the_key(demo_users, demo_store):
    admin = demo_users["beheerder"]
    [project] = projects.list_projects(demo_store, admin)
    at = run_page("qual_projects.py", admin)
    at.toggle[0].set_value(True).run()
    no_exception(at)
    assert projects.project(demo_store, admin, project["id"])["blind"] == 1
    at.toggle[1].set_value(True).run()
    no_exception(at)
    assert at.dataframe[-1].value.empty  # the demo was not pseudonymised: an empty key
    at.checkbox[0].check().run()
    form_button(at, "Sleutel verwijderen").click().run()
    assert [s.value for s in at.success] == [
        "0 koppelingen verwijderd; de gegevens van dit project zijn nu anoniem."]


@pytest.mark.xdist_group("deduce")  # see test_qual_pseudonyms.py
def test_the_lead_is_warned_when_the_key_misses_pseudonyms_of_documents(demo_users,
                                                                        demo_store):
    from research.qual import intake

    admin = demo_users["beheerder"]
    [project] = projects.list_projects(demo_store, admin)
    transcript = transcripts.read("Gesprek.txt", "Kees: Hallo.\nINT: Dag.\nKees: Ja.\n".encode())
    intake.save(demo_store, admin, project["id"], transcript,
                accepted=pseudonyms.suggest(demo_store, admin, project["id"], transcript))
    assert not run_page("qual_projects.py", admin).warning
    pseudonyms.key_path(demo_store).unlink()  # the key file is lost
    at = run_page("qual_projects.py", admin)
    no_exception(at)
    assert [w.value for w in at.warning] == [
        "De sleutel mist 1 pseudoniem die in documenten staan \\(\\[Deelnemer 1\\]\\)\\: de "
        "sleutel is verwijderd of de database komt uit een andere back\\-up dan de sleutel\\. "
        "Nieuwe pseudoniemen krijgen nooit een nummer dat al in een document staat\\."]


def test_non_member_onderzoeker_is_told_to_ask_the_lead(demo_users):
    at = run_page("qual_projects.py", demo_users["onderzoeker"])
    no_exception(at)
    assert titles(at) == ["Projecten"]
    assert [i.value for i in at.info] == [
        "Je bent nog geen lid van een project. Vraag de projectleider om je toe te voegen."]
    assert not at.dataframe


def test_onderzoeker_creates_a_project_and_becomes_its_lead(demo_users):
    at = run_page("qual_projects.py", demo_users["onderzoeker"])
    widget(at.text_input, "Naam van het project").input("Mijn studie")
    form_button(at, "Project aanmaken").click().run()
    no_exception(at)
    assert [s.value for s in at.success] == ["Project aangemaakt; jij bent de projectleider."]
    assert list(at.dataframe[0].value["Project"]) == ["Mijn studie"]


def test_tracker_questions_coordinator_starts_in_own_wijk(demo_users, demo_store):
    at = run_page("tracker_questions.py", demo_users["coordinator"], waiting=True)
    no_exception(at)
    choice = widget(at.selectbox, "Wijkwerkplaats")
    assert choice.options == ["Nieuw-West", "Noord", "Zuidoost"]
    assert choice.value == "noord"
    table = at.dataframe[0].value
    assert set(table["Wijkwerkplaats"]) == {"Noord"}
    assert [c.value for c in at.caption] == ["6 vragen", f"6{WAITING}"]
    # ... and reads the other wijkwerkplaatsen too.
    choice.set_value("zuidoost").run()
    assert set(at.dataframe[0].value["Wijkwerkplaats"]) == {"Zuidoost"}


def test_tracker_questions_period_filter(demo_users):
    at = run_page("tracker_questions.py", demo_users["lezer"], waiting=True)
    assert [c.value for c in at.caption] == ["19 vragen", f"19{WAITING}"]
    widget(at.date_input, "Periode").set_value((date(2026, 2, 1), date(2026, 2, 28))).run()
    no_exception(at)
    table = at.dataframe[0].value
    assert sorted(set(table["Datum"].dt.strftime("%Y-%m-%d"))) == [
        "2026-02-02", "2026-02-05", "2026-02-11", "2026-02-20", "2026-02-25"]
    # The period filters the list; the report-back overview counts the whole wijk selection.
    assert [c.value for c in at.caption] == [f"{len(table)} vragen",
                                             f"19{WAITING}"]
    # A range with only its first day chosen yet: from that day on.
    widget(at.date_input, "Periode").set_value((date(2026, 3, 10),)).run()
    no_exception(at)
    assert sorted(set(at.dataframe[0].value["Datum"].dt.strftime("%Y-%m-%d"))) == [
        "2026-03-12", "2026-03-18"]


# -- admin_audit and admin_backup -------------------------------------------------------------

def test_admin_audit_shows_events(demo_users):
    at = run_page("admin_audit.py", demo_users["beheerder"])
    no_exception(at)
    table = at.dataframe[0].value
    assert len(table) > 0
    assert list(table.columns) == ["Tijdstip", "Gebruiker", "Onderdeel", "Id", "Actie",
                                   "Voor", "Na"]
    assert f"{len(table)} gebeurtenissen (de nieuwste 500 hoogstens)" in [
        c.value for c in at.caption]
    # Filtering by entity narrows the table to that entity.
    entity = widget(at.selectbox, "Onderdeel")
    assert "users" in entity.options
    entity.set_value("users").run()
    no_exception(at)
    filtered = at.dataframe[0].value
    assert 0 < len(filtered) < len(table)
    assert set(filtered["Onderdeel"]) == {"users"}
    hashes = [v for v in filtered["Na"].dropna() if "password_hash" in v]
    assert hashes and all('"password_hash": "***"' in v for v in hashes)


BACKUP_PASSWORD = "kluis-sleutel-voor-back-up"


def make_backup(at: AppTest, passphrase: str = BACKUP_PASSWORD,
                again: str | None = None) -> AppTest:
    widget(at.text_input, "Wachtwoord voor de back-up").input(passphrase)
    widget(at.text_input, "Wachtwoord voor de back-up (nogmaals)").input(
        passphrase if again is None else again)
    return form_button(at, "Versleutelde back-up maken").click().run()


def test_admin_backup_is_downloaded_only_encrypted(demo_users, tmp_path):
    from research import sealed

    at = run_page("admin_backup.py", demo_users["beheerder"])
    no_exception(at)
    assert not at.get("download_button")
    assert [i.value for i in at.info] == [
        "Via de browser verlaat een back-up de server alleen **versleuteld**: een download is "
        "voor iedereen met het adres ervan op te halen, ook zonder in te loggen. Kies een "
        "wachtwoord voor de back-up en bewaar het apart van het bestand; de app bewaart het "
        "niet, en zonder wachtwoord is de back-up niet te openen."]
    at = make_backup(at)
    no_exception(at)
    assert errors(at) == []
    downloads = at.get("download_button")
    assert [d.proto.label for d in downloads] == ["Versleutelde back-up downloaden"]
    data, name = at.session_state["backup"]
    assert name.startswith("onderzoekswerkplaats-") and name.endswith(".db.versleuteld")
    assert data.startswith(sealed.MAGIC)
    assert b"SQLite format 3" not in data and b"Buurtkamers" not in data
    encrypted = tmp_path / name
    encrypted.write_bytes(data)
    plain = sealed.decrypt_file(encrypted, tmp_path / "terug.db", BACKUP_PASSWORD)
    assert plain.read_bytes().startswith(b"SQLite format 3\x00")
    assert any(c.value.endswith(" MB") for c in at.caption)


@pytest.mark.parametrize("passphrase, again, message", [
    ("kort-1", None, "Een wachtwoord heeft minstens 12 tekens."),
    ("welkom123456", None, "Dit wachtwoord staat op de lijst van veelgebruikte wachtwoorden "
                           "(eventueel met cijfers of tekens erbij). Kies bijvoorbeeld een paar "
                           "losse woorden achter elkaar."),
    (BACKUP_PASSWORD, "iets-anders-dan-dat", "De twee wachtwoorden zijn niet gelijk."),
])
def test_admin_backup_needs_a_strong_password(demo_users, passphrase, again, message):
    at = make_backup(run_page("admin_backup.py", demo_users["beheerder"]), passphrase, again)
    no_exception(at)
    assert errors(at) == [message]
    assert not at.get("download_button")
    assert "backup" not in at.session_state


# -- storage problems -------------------------------------------------------------------------

def test_a_weak_first_admin_password_gives_a_clear_page(db_path, monkeypatch):
    monkeypatch.setenv("RESEARCH_ADMIN_PASSWORD", "aaaaaaaaaa")
    at = run_router()
    no_exception(at)
    assert titles(at) == ["De app kan niet starten"]
    assert errors(at) == [
        "Dit wachtwoord is te makkelijk te raden: het heeft te weinig verschillende tekens. "
        "Kies bijvoorbeeld een paar losse woorden achter elkaar."]
    assert not at.text_input


def test_change_password_refuses_a_common_one_in_dutch(demo_users, demo_store):
    at = run_page("account.py", demo_users["lezer"])
    widget(at.text_input, "Huidig wachtwoord").input(PASSWORD)
    widget(at.text_input, "Nieuw wachtwoord").input("Welkom2026!")
    widget(at.text_input, "Nieuw wachtwoord (nogmaals)").input("Welkom2026!")
    form_button(at, "Wachtwoord wijzigen").click().run()
    no_exception(at)
    assert errors(at) == [
        "Dit wachtwoord staat op de lijst van veelgebruikte wachtwoorden (eventueel met cijfers "
        "of tekens erbij). Kies bijvoorbeeld een paar losse woorden achter elkaar."]
    assert accounts.authenticate(demo_store, "lex", PASSWORD).username == "lex"


def test_garbage_database_file_gives_a_clear_page(db_path):
    garbage = os.urandom(8192)
    while garbage.startswith(b"SQLite format 3"):
        garbage = os.urandom(8192)
    db_path.write_bytes(garbage)
    at = run_router()
    no_exception(at)
    assert titles(at) == ["De database kan niet worden geopend"]
    assert errors(at) == [
        "research.db is geen SQLite-database of is beschadigd. Het bestand is niet aangeraakt; "
        "zet een back-up terug met `python -m research restore`."]
    # The path is shown escaped for markdown (shell.plain), so it reads literally.
    assert [c.value for c in at.caption] == [f"Bestand: {shell.plain(db_path)}"]
    assert not at.text_input  # no login form
    assert db_path.read_bytes() == garbage
    assert sorted(p.name for p in db_path.parent.iterdir()) == ["research.db"]


def test_garbage_database_file_on_a_page_reached_directly(db_path):
    garbage = b"\x00garbage" * 1000
    db_path.write_bytes(garbage)
    at = AppTest.from_file(page_file("tracker_questions.py"), default_timeout=TIMEOUT)
    at.session_state["auth"] = {"user_id": 1, "epoch": 0, "last_seen": time.time()}
    at.run()
    no_exception(at)
    assert titles(at) == ["De database kan niet worden geopend"]
    assert len(at.error) == 1
    assert db_path.read_bytes() == garbage


def test_missing_folder_gives_a_clear_page(tmp_path, monkeypatch):
    missing = tmp_path / "bestaat-niet" / "research.db"
    monkeypatch.setenv("RESEARCH_DB", str(missing))
    at = run_router()
    no_exception(at)
    assert titles(at) == ["De database kan niet worden geopend"]
    assert errors(at) == [f"De map {missing.parent} bestaat niet of is niet schrijfbaar; "
                          "de database kan daar niet worden aangemaakt."]
    assert not missing.parent.exists()


# -- escaping user text -----------------------------------------------------------------------

def test_each_role_menu_starts_with_its_own_section(users, store, qual):
    def sections(role):
        return list(dict.fromkeys(p.section for p in shell.menu(store, users[role])))

    assert sections("beheerder") == ["", "Kwalitatief", "Monitor", "Wijkwerkplaats", "Beheer",
                                     "Account"]
    assert sections("onderzoeker") == ["", "Kwalitatief", "Monitor", "Wijkwerkplaats",
                                       "Account"]
    assert sections("analist") == ["", "Monitor", "Account"]
    # The coordinator is in no project: no eleven pages saying "Je bent nog geen lid".
    assert sections("coordinator") == ["", "Wijkwerkplaats", "Monitor", "Account"]
    assert [p.title for p in shell.menu(store, users["coordinator"])][:3] == [
        "Start", "Vraag vastleggen", "Bewonersvragen"]
    # The lezer is a member of the qual fixture's project.
    assert sections("lezer") == ["", "Kwalitatief", "Monitor", "Wijkwerkplaats", "Account"]
    from research.qual import projects as qual_projects
    qual_projects.add_member(store, users["onderzoeker"], qual, users["coordinator"].id)
    assert sections("coordinator") == ["", "Wijkwerkplaats", "Kwalitatief", "Monitor",
                                       "Account"]


def test_display_name_is_escaped_in_the_sidebar(store):
    nasty = "<img src=x onerror=alert(1)> **vet**"
    user = accounts.create_user(store, SYSTEM_USER, "mallory", "lezer", PASSWORD,
                                display_name=nasty)
    assert shell.plain(nasty) == r"\<img src=x onerror=alert\(1\)\> \*\*vet\*\*"
    at = run_router(auth=logged_in(user))
    no_exception(at)
    captions = [c.value for c in at.sidebar.caption]
    assert captions == [r"Ingelogd als **\<img src=x onerror=alert\(1\)\> \*\*vet\*\*** · Lezer"]
    assert "<img" not in captions[0].replace(r"\<img", "")


def test_escaped_username_in_shown_password_message(store):
    admin = accounts.find_user(store, "admin")
    at = run_page("admin_users.py", admin, shown_password=("a_b*c", "geheim-wachtwoord"))
    no_exception(at)
    assert [s.value for s in at.success] == [
        r"Wachtwoord voor a\_b\*c (wordt maar één keer getoond):"]
    assert [c.value for c in at.code] == ["geheim-wachtwoord"]



def test_addresses_in_user_text_stay_text():
    """GFM links web and e-mail addresses after escapes are read; a word joiner (U+2060) in
    each keeps them text (the browser check is in test_browser_escaping.py)."""
    assert shell.plain("zie www.a.nl, https://b.nl/x en c@d.nl") == (
        "zie www\u2060\\.a\\.nl, https\\:\u2060//b\\.nl/x en c@\u2060d\\.nl")

# -- more admin_users and login interactions --------------------------------------------------

def test_admin_cannot_disable_own_account(demo_users, demo_store):
    admin = demo_users["beheerder"]
    at = run_page("admin_users.py", admin)
    assert widget(at.selectbox, "Account").value == admin.id  # first in the list: admin
    widget(at.checkbox, "Actief").uncheck()
    form_button(at, "Wijzigingen opslaan").click().run()
    no_exception(at)
    assert errors(at) == ["Je kunt je eigen beheerdersrechten niet intrekken."]
    assert accounts.find_user(demo_store, "admin").active


def test_admin_resets_a_password(demo_users, demo_store):
    lex = demo_users["lezer"]
    at = run_page("admin_users.py", demo_users["beheerder"])
    widget(at.selectbox, "Account").set_value(lex.id).run()
    assert widget(at.button, "Nieuw wachtwoord instellen").disabled  # not without confirming
    at.checkbox[-1].check().run()
    widget(at.button, "Nieuw wachtwoord instellen").click().run()
    no_exception(at)
    assert [s.value for s in at.success] == ["Wachtwoord voor lex (wordt maar één keer getoond):"]
    password = at.code[0].value
    assert accounts.authenticate(demo_store, "lex", password).id == lex.id


def test_admin_changes_a_role(demo_users, demo_store):
    lex = demo_users["lezer"]
    at = run_page("admin_users.py", demo_users["beheerder"])
    widget(at.selectbox, "Account").set_value(lex.id).run()
    widget(at.selectbox, "Rol", form="edit_user").set_value("analist")
    form_button(at, "Wijzigingen opslaan").click().run()
    no_exception(at)
    assert errors(at) == []
    assert [s.value for s in at.success] == ["Opgeslagen."]
    assert accounts.find_user(demo_store, "lex").role == "analist"


def test_user_table_shows_the_saved_role(demo_users, demo_store):
    lex = demo_users["lezer"]
    at = run_page("admin_users.py", demo_users["beheerder"])
    widget(at.selectbox, "Account").set_value(lex.id).run()
    widget(at.selectbox, "Rol", form="edit_user").set_value("analist")
    form_button(at, "Wijzigingen opslaan").click().run()
    assert [s.value for s in at.success] == ["Opgeslagen."]
    table = at.dataframe[0].value.set_index("Gebruikersnaam")
    assert table.loc["lex", "Rol"] == "Analist"


def test_repeated_wrong_passwords_lock_the_name(demo_store):
    at = run_router()
    messages = []
    for _ in range(8):
        at = login(at, "admin", "niet-het-wachtwoord")
        messages.append(errors(at)[0])
        if messages[-1].startswith("Te veel"):
            break
    assert messages[:accounts.FREE_ATTEMPTS] == ["Gebruikersnaam of wachtwoord onjuist."] * 3
    assert messages[-1].startswith("Te veel mislukte pogingen. Probeer het over ")
    assert messages[-1].endswith(" seconden opnieuw.")
    # While locked, even the right password is refused, with the same lock message.
    at = login(at, "admin", PASSWORD)
    no_exception(at)
    assert errors(at)[0].startswith("Te veel mislukte pogingen.")
    assert_login_form(at)


def test_logout_forgets_the_backup(demo_users):
    at = run_router(auth=logged_in(demo_users["beheerder"]))
    at.switch_page("research/ui/admin_backup.py").run()
    assert titles(at) == ["Back-up"]
    make_backup(at)
    assert len(at.get("download_button")) == 1
    widget(at.sidebar.button, "Uitloggen").click().run()
    assert_login_form(at)
    assert "backup" not in at.session_state


# -- tracker_questions: search and one question -----------------------------------------------

def test_questions_search_by_lemma(demo_users):
    at = run_page("tracker_questions.py", demo_users["lezer"])
    widget(at.text_input, "Zoeken").input("speeltuinen").run()
    no_exception(at)
    assert list(at.dataframe[0].value["Vraag"]) == [
        "Kan de speeltuin bij de Waterlandplein weer open, de kinderen spelen nu op straat?"]
    assert [c.value for c in at.caption][0] == "1 vraag"


def test_coordinator_links_closes_and_sees_the_contact(demo_users, demo_store):
    coby = demo_users["coordinator"]
    similar_id = questions.log_question(
        demo_store, coby, wijk_id="noord", asked_on=date(2026, 3, 1),
        text="Wanneer gaat de speeltuin bij het Waterlandplein weer open?", asker_group="bewoner")
    contacts.save_contact(demo_store, coby, 10, consent_text="mondeling", phone="0201234567")
    at = run_page("tracker_questions.py", coby)
    widget(at.selectbox, "Vraag openen").set_value(10).run()
    no_exception(at)
    assert "Contact: 0201234567" in [t.value for t in at.text]
    button(at, "Zelfde vraag").click().run()
    no_exception(at)
    assert questions.links_of(demo_store, coby, 10)[0]["id"] == similar_id
    assert "Zelfde vraag: 2026-03-01 · Wanneer gaat de speeltuin bij het Waterlandplein weer " \
           "open?" in [t.value for t in at.text]
    button(at, "Vraag sluiten").click().run()
    no_exception(at)
    assert questions.get_question(demo_store, coby, 10)["status"] == "gesloten"


def test_the_questions_come_a_hundred_at_a_time(users, store):
    """With more questions than a page holds, the table and 'Vraag openen' show one page of
    them (newest first), the caption says which; the report-back overview waits until opened."""
    coby = users["coordinator"]
    for day in range(120):
        questions.log_question(store, coby, wijk_id="noord",
                               asked_on=date(2026, 1, 1) + timedelta(days=day),
                               text=f"Vraag nummer {day + 1} over de buurt", asker_group="bewoner")
    at = run_page("tracker_questions.py", coby)
    no_exception(at)
    assert widget(at.number_input, "Pagina (van 2)").value == 1
    assert [c.value for c in at.caption][0] == "120 vragen, nieuwste eerst; hier 1–100."
    table = at.dataframe[0].value
    assert (len(table), table["Vraag"].iloc[0]) == (100, "Vraag nummer 120 over de buurt")
    assert len(widget(at.selectbox, "Vraag openen").options) == 100
    assert not any(WAITING in c.value for c in at.caption)
    widget(at.number_input, "Pagina (van 2)").set_value(2).run()
    assert [c.value for c in at.caption][0] == "120 vragen, nieuwste eerst; hier 101–120."
    assert list(at.dataframe[0].value["Vraag"])[-1] == "Vraag nummer 1 over de buurt"
    opened = widget(at.selectbox, "Vraag openen")
    assert opened.options[-1].endswith("Vraag nummer 1 over de buurt")
    opened.set_value(min(q["id"] for q in questions.list_questions(store, coby))).run()
    assert "Vraag nummer 1 over de buurt" in [t.value for t in at.text]


def test_lezer_sees_no_contact_and_no_write_buttons(demo_users, demo_store):
    contacts.save_contact(demo_store, demo_users["coordinator"], 10, consent_text="mondeling",
                          phone="0201234567")
    at = run_page("tracker_questions.py", demo_users["lezer"])
    widget(at.selectbox, "Vraag openen").set_value(10).run()
    no_exception(at)
    assert not any(t.value.startswith("Contact:") for t in at.text)
    assert [b.label for b in at.button] == []


def test_the_app_erases_contacts_past_retention_by_itself(demo_users, demo_store):
    coby = demo_users["coordinator"]
    contacts.save_contact(demo_store, coby, 10, consent_text="mondeling", phone="0201234567")
    questions.close_question(demo_store, coby, 10, today=date(2020, 1, 1))
    shell._daily_upkeep.clear()
    at = run_page("tracker_questions.py", coby)
    no_exception(at)
    assert contacts.get_contact(demo_store, coby, 10) is None
    event = demo_store.one("SELECT actor, after FROM events WHERE action = 'purge'")
    assert event["actor"] == "systeem"
    assert json.loads(event["after"])["verwijderd"] == 1


# -- tracker_ontwikkelvraag -------------------------------------------------------------------

def test_coordinator_formulates_and_follows_the_ontwikkelvraag(demo_users, demo_store):
    from research.tracker import ontwikkelvragen as ov

    coby = demo_users["coordinator"]
    at = run_page("tracker_ontwikkelvraag.py", coby)
    no_exception(at)
    # The demo holds the 2026 ontwikkelvragen; the coordinator formulates next year's.
    assert list(at.dataframe[0].value["Jaar"]) == [2026, 2026, 2026]
    widget(at.number_input, "Jaar").set_value(2027)
    widget(at.text_input, "Korte titel").input("Ruimte voor jeugd")
    widget(at.text_area, "De ontwikkelvraag").input("Hoe krijgen kinderen meer plek om te spelen?")
    widget(at.multiselect, "Bewonersvragen waar deze vraag uit voortkomt").set_value([10, 13])
    form_button(at, "Ontwikkelvraag opslaan").click().run()
    no_exception(at)
    assert errors(at) == []
    [made] = [o for o in ov.list_all(demo_store, coby) if o["year"] == 2027]
    assert (made["title"], made["questions"], made["status"]) == ("Ruimte voor jeugd", 2,
                                                                   "verkenning")
    widget(at.selectbox, "Ontwikkelvraag openen").set_value(made["id"]).run()
    widget(at.text_input, "Waarom").input("Met bewoners besproken")
    widget(at.selectbox, "Nieuwe status").set_value("geformuleerd")
    form_button(at, "Status wijzigen").click().run()
    widget(at.text_input, "Nieuwe mijlpaal").input("Buurtgesprek")
    form_button(at, "Mijlpaal toevoegen").click().run()
    widget(at.text_input, "Partner").input("Speeltuinvereniging")
    widget(at.number_input, "Toegekend budget (€)").set_value(2500.0)
    form_button(at, "Partner toevoegen").click().run()
    no_exception(at)
    assert errors(at) == []
    found = ov.get(demo_store, coby, made["id"])
    assert found["status"] == "geformuleerd"
    assert [m["title"] for m in found["milestones"]] == ["Buurtgesprek"]
    assert [(p["name"], p["role"], p["budget_granted"]) for p in found["partners"]] == [
        ("Speeltuinvereniging", "praktijkpartner", 2500.0)]
    assert [m.value for m in at.metric] == ["Geformuleerd", "0%", "€ 0"]


def test_closing_an_ontwikkelvraag_asks_for_confirmation_and_it_can_be_reopened(
        demo_users, demo_store):
    from research.tracker import ontwikkelvragen as ov

    coby = demo_users["coordinator"]
    [noord] = [o for o in ov.list_all(demo_store, coby, wijk_id="noord")]
    assert noord["status"] == "in-uitvoering"
    at = run_page("tracker_ontwikkelvraag.py", coby)
    widget(at.selectbox, "Ontwikkelvraag openen").set_value(noord["id"]).run()
    status = widget(at.selectbox, "Nieuwe status")
    assert status.value is None  # nothing preselected
    widget(at.text_input, "Waarom").input("Klaar")
    status.set_value("afgerond")
    form_button(at, "Status wijzigen").click().run()
    assert errors(at) == ["'Afgerond' sluit de ontwikkelvraag af; bevestig dat eerst."]
    assert ov.get(demo_store, coby, noord["id"])["status"] == "in-uitvoering"
    widget(at.text_input, "Waarom").input("Klaar")
    widget(at.selectbox, "Nieuwe status").set_value("afgerond")
    widget(at.checkbox, "Ik weet dat 'Afgerond' en 'Gestopt' de ontwikkelvraag afsluit").check()
    form_button(at, "Status wijzigen").click().run()
    no_exception(at)
    assert ov.get(demo_store, coby, noord["id"])["status"] == "afgerond"
    assert [m.value for m in at.metric][:2] == ["Afgerond", "100%"]
    widget(at.text_input, "Waarom gaat ze weer open?").input("Vervolg met bewoners")
    form_button(at, "Heropenen").click().run()
    no_exception(at)
    found = ov.get(demo_store, coby, noord["id"])
    assert (found["status"], found["changes"][-1]["note"]) == (
        "in-uitvoering", "Heropend: Vervolg met bewoners")


def test_lezer_reads_the_ontwikkelvraag_without_forms(demo_users, demo_store):
    from research.tracker import ontwikkelvragen as ov

    [noord] = [o["id"] for o in ov.list_all(demo_store, demo_users["lezer"], wijk_id="noord")]
    at = run_page("tracker_ontwikkelvraag.py", demo_users["lezer"])
    widget(at.selectbox, "Ontwikkelvraag openen").set_value(noord).run()
    no_exception(at)
    # Progress from the milestones: one of two reached.
    assert [m.value for m in at.metric][:2] == ["In uitvoering", "50%"]
    assert not at.get("form")
    # The knowledge it links to: a published figure for Noord, read from the monitor.
    assert "Monitorindicator voor een gebied: (Zeer) moeilijk rondkomen (% 18-plussers), " \
           "Noord — 37.7 (meting 2025)\nGemiddelde van de gebieden in Noord (gepubliceerde " \
           "cijfers)." in [t.value for t in at.text]


def test_coordinator_records_a_report_back(demo_users, demo_store):
    from research.tracker import reportback

    coby = demo_users["coordinator"]
    at = run_page("tracker_questions.py", coby, waiting=True)
    assert f"6{WAITING}" in [c.value for c in at.caption]  # Noord
    widget(at.selectbox, "Vraag openen").set_value(10).run()
    widget(at.text_input, "Wat is er teruggekoppeld").input("Speeltuin gaat in mei weer open.")
    form_button(at, "Terugkoppeling vastleggen").click().run()
    no_exception(at)
    assert errors(at) == []
    assert [r["text"] for r in reportback.of_question(demo_store, coby, 10)] == [
        "Speeltuin gaat in mei weer open."]
    assert f"5{WAITING}" in [c.value for c in at.caption]


def test_coordinator_plans_who_reports_back_and_by_when(demo_users, demo_store):
    from research.tracker import reportback

    coby = demo_users["coordinator"]
    at = run_page("tracker_questions.py", coby, waiting=True)
    widget(at.selectbox, "Vraag openen").set_value(11).run()
    widget(at.selectbox, "Wie koppelt terug").set_value(coby.id)
    widget(at.date_input, "Uiterlijk").set_value(date(2030, 1, 31))
    form_button(at, "Opslaan", form="reportback_plan").click().run()
    no_exception(at)
    assert errors(at) == []
    assert reportback.plan_of(demo_store, coby, 11) == {"owner_id": coby.id, "owner": "coby",
                                                         "due_on": "2030-01-31"}
    assert "Terugkoppeling door coby, uiterlijk 31\\-01\\-2030" in [c.value for c in at.caption]
    # Its due date lies ahead, so it leaves the overdue list.
    assert f"5{WAITING}" in [c.value for c in at.caption]


# -- Coderen ----------------------------------------------------------------------------------

def _demo_document(demo_store, admin):
    [project] = projects.list_projects(demo_store, admin)
    doc = documents.documents(demo_store, admin, project["id"])[0]
    return project["id"], doc["id"], documents.document(demo_store, admin, doc["id"])["text"]


def test_coding_page_codes_a_selection_with_one_pick_and_offers_recent_codes(demo_users,
                                                                             demo_store):
    admin = demo_users["beheerder"]
    project_id, doc_id, text = _demo_document(demo_store, admin)
    start = text.index("Via mijn buurvrouw")
    end = start + len("Via mijn buurvrouw")
    at = run_page("qual_code.py", admin, **{f"qual_sel_{doc_id}": (start, end)})
    no_exception(at)
    assert titles(at) == ["Coderen"]
    assert "Via mijn buurvrouw" in [t.value for t in at.text]
    picker = widget(at.selectbox, "Code")
    # One code per pick: no 'select all', nothing chosen before the user picks.
    assert picker.value is None
    assert picker.placeholder == "Typ om te zoeken; Enter codeert"
    steun = next(c["id"] for c in codebook.codes(demo_store, admin, project_id)
                 if c["name"] == "Informele steun")
    picker.set_value(steun).run()
    no_exception(at)
    assert [(c["code"], c["start_pos"], c["end_pos"])
            for c in codings.codings(demo_store, admin, doc_id)
            if (c["start_pos"], c["end_pos"]) == (start, end)] == [("Informele steun", start, end)]
    # The selection is done with; the next one offers the code just used first, as a button.
    assert f"qual_sel_{doc_id}" not in at.session_state
    second = text.index("Ik durfde eerst niet")
    at.session_state[f"qual_sel_{doc_id}"] = (second, second + 20)
    at.run()
    assert widget(at.selectbox, "Code").options[0] == "Informele steun"
    form_button(at, "Informele steun").click().run()
    no_exception(at)
    assert [(c["code"], c["start_pos"], c["end_pos"])
            for c in codings.codings(demo_store, admin, doc_id)
            if c["start_pos"] == second] == [("Informele steun", second, second + 20)]
    # A new code from the form; undo takes back that action (the code and its coding).
    at.session_state[f"qual_sel_{doc_id}"] = (start, end)
    at.run()
    widget(at.text_input, "Of een nieuwe code").input("Buren")
    form_button(at, "Coderen").click().run()
    no_exception(at)
    assert sorted(c["code"] for c in codings.codings(demo_store, admin, doc_id)
                  if (c["start_pos"], c["end_pos"]) == (start, end)) == ["Buren",
                                                                         "Informele steun"]
    form_button(at, "Ongedaan maken (1 × code toegevoegd, 1 × codering toegevoegd)").click().run()
    no_exception(at)
    assert "Buren" not in [c["name"] for c in codebook.codes(demo_store, admin, project_id)]
    assert [i.value for i in at.info] == [
        "Ongedaan gemaakt: 1 × code toegevoegd, 1 × codering toegevoegd"]


def test_recent_codes_are_the_users_own_newest_first(demo_users, demo_store):
    admin = demo_users["beheerder"]
    project_id, doc_id, text = _demo_document(demo_store, admin)
    ids = {c["name"]: c["id"] for c in codebook.codes(demo_store, admin, project_id)}
    assert codings.recent_codes(demo_store, admin, project_id) == []
    codings.add_coding(demo_store, admin, doc_id, ids["Wachtlijsten"], 0, 5)
    codings.add_coding(demo_store, admin, doc_id, ids["Taalbarrière"], 0, 6)
    codings.add_coding(demo_store, admin, doc_id, ids["Wachtlijsten"], 0, 7)
    assert codings.recent_codes(demo_store, admin, project_id) == [ids["Wachtlijsten"],
                                                                   ids["Taalbarrière"]]


def test_coding_page_undo_keeps_a_code_another_coder_used(demo_users, demo_store):
    admin, olga = demo_users["beheerder"], demo_users["onderzoeker"]
    project_id, doc_id, text = _demo_document(demo_store, admin)
    projects.add_member(demo_store, admin, project_id, olga.id)
    at = run_page("qual_code.py", admin, **{f"qual_sel_{doc_id}": (0, 11)})
    widget(at.text_input, "Of een nieuwe code").input("Buren")
    form_button(at, "Coderen").click().run()
    buren = [c["id"] for c in codebook.codes(demo_store, olga, project_id) if c["name"] == "Buren"]
    codings.add_coding(demo_store, olga, doc_id, buren[0], 20, 30)
    form_button(at, "Ongedaan maken (1 × code toegevoegd, 1 × codering toegevoegd)").click().run()
    no_exception(at)
    assert [i.value for i in at.info] == [
        "Ongedaan gemaakt: 1 × code toegevoegd, 1 × codering toegevoegd. De code ‘Buren’ "
        "blijft bestaan: die wordt inmiddels ook elders gebruikt."]
    assert [(c["code"], c["coder"]) for c in codings.codings(demo_store, admin, doc_id)
            if c["code"] == "Buren"] == [("Buren", "olga")]


def test_coding_page_in_vivo_code_and_chosen_coding(demo_users, demo_store):
    admin = demo_users["beheerder"]
    project_id, doc_id, text = _demo_document(demo_store, admin)
    start = text.index("Ik durfde eerst niet")
    end = start + len("Ik durfde eerst niet")
    at = run_page("qual_code.py", admin, **{f"qual_sel_{doc_id}": (start, end)})
    form_button(at, "In-vivo code: “Ik durfde eerst niet”").click().run()
    no_exception(at)
    [made] = [c for c in codings.codings(demo_store, admin, doc_id) if c["start_pos"] == start]
    assert made["code"] == "Ik durfde eerst niet"
    at = run_page("qual_code.py", admin, **{f"qual_coding_{doc_id}": made["id"]})
    assert "Ik durfde eerst niet · admin" in [t.value for t in at.text]
    form_button(at, "Codering verwijderen").click().run()
    no_exception(at)
    assert [c for c in codings.codings(demo_store, admin, doc_id) if c["start_pos"] == start] == []


def test_coding_page_for_a_reader_has_no_coding_actions(demo_users, demo_store):
    admin = demo_users["beheerder"]
    project_id, doc_id, text = _demo_document(demo_store, admin)
    projects.add_member(demo_store, admin, project_id, demo_users["lezer"].id)
    at = run_page("qual_code.py", demo_users["lezer"], **{f"qual_sel_{doc_id}": (0, 11)})
    no_exception(at)
    assert "Interviewer" in [t.value for t in at.text]
    assert "Code" not in [s.label for s in at.selectbox]
    assert [b.label for b in at.button] == ["Selectie opheffen"]


# -- Importeren -------------------------------------------------------------------------------

@pytest.mark.xdist_group("deduce")  # see test_qual_pseudonyms.py
def test_import_page_pastes_renames_and_pseudonymises(demo_users, demo_store):
    admin = demo_users["beheerder"]
    [project] = projects.list_projects(demo_store, admin)
    at = run_page("qual_import.py", admin)
    no_exception(at)
    assert titles(at) == ["Importeren"]
    widget(at.text_input, "Naam van het document").input("Gesprek met Fatima")
    widget(at.text_area, "Tekst").input(
        "INT: Hoe gaat het, Fatima?\nFatima: Goed. Ans Bakker helpt me.\nINT: Fijn.\n"
        "Fatima: Ja.\n").run()
    no_exception(at)
    # Data editors show as dataframes in AppTest: speakers, preview, pseudonym suggestions.
    speakers, preview, pseudo = (d.value for d in at.dataframe)
    assert list(speakers["Spreker"]) == ["INT", "Fatima"]
    assert list(preview["Spreker"]) == ["INT", "Fatima", "INT", "Fatima"]
    assert pseudo[["Origineel", "Door", "Aantal"]].values.tolist() == [
        ["Fatima", "[Deelnemer 1]", 3], ["Ans Bakker", "[Persoon 1]", 1]]
    form_button(at, "1 document(en) importeren").click().run()
    no_exception(at)
    assert [s.value for s in at.success] == ["Gesprek met \\[Deelnemer 1\\] geïmporteerd."]
    doc = [d for d in documents.documents(demo_store, admin, project["id"])
           if d["name"] == "Gesprek met [Deelnemer 1]"][0]
    assert doc["pseudonymised"] == 1
    assert documents.document(demo_store, admin, doc["id"])["text"] == (
        "INT: Hoe gaat het, [Deelnemer 1]?\n\n[Deelnemer 1]: Goed. [Persoon 1] helpt me.\n\n"
        "INT: Fijn.\n\n[Deelnemer 1]: Ja.")


def test_import_page_reports_an_unreadable_paste_and_refuses_readers(demo_users, demo_store):
    assert errors(run_page("qual_import.py", demo_users["lezer"])) == [NO_ACCESS]
    admin = demo_users["beheerder"]
    at = run_page("qual_import.py", admin)
    widget(at.text_area, "Tekst").input("\x00\x01\x02\x03" * 40).run()
    no_exception(at)
    # Shown escaped (shell.plain), so the markdown source carries backslashes.
    assert errors(at) == ["Het bestand 'Geplakt transcript\\.txt' lijkt geen tekstbestand; "
                          "kies een transcript als \\.txt, \\.docx, \\.vtt, \\.srt of \\.md\\."]
    assert not [b for b in at.button if b.label.endswith("importeren")]


# -- Fragmenten and Zoeken --------------------------------------------------------------------

def _demo_code(demo_store, admin, name):
    [project] = projects.list_projects(demo_store, admin)
    return project["id"], next(c["id"] for c in codebook.codes(demo_store, admin, project["id"])
                               if c["name"] == name)


def test_passages_page_shows_a_code_with_context_and_compares_groups(demo_users, demo_store):
    admin = demo_users["beheerder"]
    project_id, wacht = _demo_code(demo_store, admin, "Wachtlijsten")
    at = run_page("qual_passages.py", admin)
    no_exception(at)
    assert titles(at) == ["Fragmenten"]
    widget(at.selectbox, "Code").set_value(wacht).run()
    no_exception(at)
    assert "7 fragmenten in 6 documenten" in [c.value for c in at.caption]
    assert "**Ik wacht al acht maanden op schuldhulp\\. Ze zeggen steeds dat er een " \
           "wachtlijst is\\.**" in [m.value for m in at.markdown]
    # One code in two groups of cases: professionals against residents.
    at.radio[0].set_value("twee groepen").run()
    widget(at.selectbox, "Code").set_value(wacht).run()
    widget(at.selectbox, "Waarde links").set_value("bewoner").run()
    widget(at.selectbox, "Waarde rechts").set_value("professional").run()
    no_exception(at)
    assert [c.value for c in at.caption if "fragment" in c.value] == [
        "4 fragmenten in 4 documenten", "3 fragmenten in 2 documenten"]


def test_search_page_finds_by_lemma_and_autocodes(demo_users, demo_store):
    admin = demo_users["beheerder"]
    project_id, _ = _demo_code(demo_store, admin, "Wachtlijsten")
    at = run_page("qual_search.py", admin)
    no_exception(at)
    widget(at.text_input, "Zoek naar").input("wachten").run()
    no_exception(at)
    kwic = at.dataframe[0].value
    # "wacht" is not in spaCy's lookup table; the lemma search still finds it as a form
    # of "wachten".
    assert list(kwic["Woord"]) == ["wacht", "wacht", "wachten", "wacht"]
    widget(at.text_input, "Of een nieuwe code").input("Wachten").run()
    form_button(at, "Toepassen").click().run()
    no_exception(at)
    assert [s.value for s in at.success] == ["4 fragmenten gecodeerd."]
    wachten = next(c for c in codebook.codes(demo_store, admin, project_id)
                   if c["name"] == "Wachten")
    assert wachten["passages"] == 4
    # The same search with that code: every fragment has it already; nothing to apply.
    widget(at.text_input, "Of een nieuwe code").input("").run()
    widget(at.selectbox, "Met code").set_value(wachten["id"]).run()
    no_exception(at)
    preview = at.dataframe[1].value
    assert list(preview.columns) == ["Coderen", "Document", "Fragment", "Al gecodeerd"]
    assert list(preview["Al gecodeerd"]) == ["ja"] * 4 and not any(preview["Coderen"])
    assert "0 fragmenten in 0 documenten worden gecodeerd; 4 fragmenten hebben de code al." in [
        c.value for c in at.caption]
    assert form_button(at, "Toepassen").disabled
    # The word counts run only when their tab is open (as from an address naming it).
    assert [r.label for r in at.radio] == ["Zoekwijze", "Codeer per vondst"]
    at.query_params["tab"] = "Woordfrequenties"
    at.run()
    widget(at.radio, "Tellen als").set_value("woord").run()
    no_exception(at)
    freq = at.dataframe[-1].value
    assert list(freq.columns) == ["Woord", "Aantal", "Documenten"]
    assert freq.iloc[0].tolist() == ["via", 8, 4]


# -- Codeboek, Memo's, Casussen ---------------------------------------------------------------

def test_codebook_page_creates_edits_merges_and_loads(demo_users, demo_store):
    admin = demo_users["beheerder"]
    project_id, steun = _demo_code(demo_store, admin, "Informele steun")
    at = run_page("qual_codebook.py", admin)
    no_exception(at)
    assert list(at.dataframe[0].value["Code"])[:2] == ["Informele steun", "Ontmoetingsplek"]
    widget(at.text_input, "Naam", form="code_form_None").input("Buren")
    widget(at.text_area, "Definitie").input("Hulp van mensen in de straat.")
    form_button(at, "Opslaan").click().run()
    no_exception(at)
    buren = next(c for c in codebook.codes(demo_store, admin, project_id) if c["name"] == "Buren")
    assert buren["description"] == "Hulp van mensen in de straat."
    widget(at.selectbox, "Code om te wijzigen").set_value(buren["id"]).run()
    widget(at.selectbox, "Valt onder").set_value(steun)
    form_button(at, "Opslaan").click().run()
    no_exception(at)
    assert store_parent(demo_store, buren["id"]) == steun
    widget(at.selectbox, "Voeg deze code").set_value(buren["id"]).run()
    widget(at.selectbox, "samen met").set_value(steun).run()
    form_button(at, "Samenvoegen").click().run()
    no_exception(at)
    assert "Buren" not in [c["name"] for c in codebook.codes(demo_store, admin, project_id)]
    widget(at.selectbox, "Codeboek uit codebooks/").set_value("codeboek_sociale_basis.yaml").run()
    form_button(at, "Codes uit dit codeboek toevoegen").click().run()
    no_exception(at)
    assert [s.value for s in at.success] == ["3 codes toegevoegd, 5 bestonden al."]


def store_parent(store, code_id):
    return store.value("SELECT parent_id FROM codes WHERE id = ?", [code_id])


def test_memos_page_lists_filters_and_writes(demo_users, demo_store):
    admin = demo_users["beheerder"]
    at = run_page("qual_memos.py", admin)
    no_exception(at)
    assert [e.label for e in at.expander] == [
        "Informele steun als brug · Theorie · Code: Informele steun",
        "Opzet van de studie · Methode · Project: Buurtkamers Nieuw\\-West en Noord "
        "\\(demo, verzonnen\\)"]
    at.selectbox[1].set_value("theorie").run()
    assert at.caption[0].value == "1 memo"
    assert at.caption[1].value.startswith("onbekend, ")  # the demo's memos are the system's
    widget(at.text_input, "Titel", form="new_memo").input("Steekproef")
    widget(at.text_area, "Tekst (markdown)", form="new_memo").input("Nog twee <b>jongeren</b>.")
    form_button(at, "Memo opslaan").click().run()
    no_exception(at)
    [project] = projects.list_projects(demo_store, admin)
    from research.qual import memos as memo_module
    assert [m["title"] for m in memo_module.memos(demo_store, admin, project["id"])][0] == \
        "Steekproef"


def test_cases_page_edits_typed_attributes(demo_users, demo_store):
    admin = demo_users["beheerder"]
    at = run_page("qual_cases.py", admin)
    no_exception(at)
    cases_table = at.dataframe[0].value
    assert list(cases_table["Casus"]) == ["Deelnemer A", "Deelnemer B", "Deelnemer C",
                                          "Interviewer", "Moderator", "Respondent 1",
                                          "Respondent 2", "Respondent 3", "Respondent 4",
                                          "Respondent 5", "Respondent 6"]
    values = at.dataframe[1].value
    assert list(values.columns) == ["id", "name", "Rol", "Stadsdeel"]
    assert list(values["Rol"]) == ["bewoner", "bewoner", "bewoner", "onderzoeker",
                                   "onderzoeker", "bewoner", "professional", "professional",
                                   "bewoner", "professional", "bewoner"]
    widget(at.text_input, "Naam van het kenmerk", form="new_attribute_case").input("Leeftijd")
    widget(at.selectbox, "Type", form="new_attribute_case").set_value("getal")
    form_button(at, "Kenmerk toevoegen", form="new_attribute_case").click().run()
    no_exception(at)
    assert list(at.dataframe[1].value.columns) == ["id", "name", "Rol", "Stadsdeel", "Leeftijd"]


def test_coding_page_memo_on_a_passage_and_text_correction(demo_users, demo_store):
    admin = demo_users["beheerder"]
    project_id, doc_id, text = _demo_document(demo_store, admin)
    start = text.index("Via mijn buurvrouw")
    at = run_page("qual_code.py", admin, **{f"qual_sel_{doc_id}": (start, start + 18)})
    widget(at.text_input, "Titel", form=f"memo_{doc_id}").input("Brugfiguur")
    form_button(at, "Memo opslaan").click().run()
    no_exception(at)
    from research.qual import memos as memo_module
    assert [(m["title"], m["target_kind"], m["start_pos"]) for m in memo_module.memos(
        demo_store, admin, project_id, target="passage")] == [("Brugfiguur", "passage", start)]
    widget(at.text_area, "Tekst", form=f"correct_{doc_id}").input(
        text.replace("Fijn dat u tijd heeft.", "Fijn dat u er bent."))
    form_button(at, "Correctie opslaan").click().run()
    no_exception(at)
    assert [s.value for s in at.success][-1] == "Opgeslagen: 7 coderingen verschoven, 0 vervallen."
    stored = documents.document(demo_store, admin, doc_id)["text"]
    assert [stored[c["start_pos"]:c["end_pos"]] for c in codings.codings(
        demo_store, admin, doc_id)][0] == "Via mijn buurvrouw. Zij nam me mee naar de koffieochtend"


def test_passages_page_filters_by_speaker_attribute(demo_users, demo_store):
    admin = demo_users["beheerder"]
    project_id, wacht = _demo_code(demo_store, admin, "Wachtlijsten")
    at = run_page("qual_passages.py", admin)
    widget(at.selectbox, "Code").set_value(wacht).run()
    widget(at.sidebar.selectbox, "Kenmerk van de spreker").set_value("Stadsdeel").run()
    widget(at.sidebar.selectbox, "Waarde").set_value("Noord").run()
    no_exception(at)
    assert "3 fragmenten in 3 documenten" in [c.value for c in at.caption]


# -- Axiaal en selectief, Vergelijken ---------------------------------------------------------

def test_axial_page_relates_codes_and_marks_the_core(demo_users, demo_store):
    admin = demo_users["beheerder"]
    project_id, taal = _demo_code(demo_store, admin, "Taalbarrière")
    _, trust = _demo_code(demo_store, admin, "Vertrouwen in instanties")
    at = run_page("qual_axial.py", admin)
    no_exception(at)
    assert titles(at) == ["Axiaal en selectief"]
    # The demo already relates two codes to the phenomenon; add a third.
    assert list(at.dataframe[1].value["Relatie"]) == ["is strategie voor", "is oorzaak van"]
    widget(at.selectbox, "Code").set_value(taal).run()
    widget(at.selectbox, "Met code").set_value(trust).run()
    types = {t["name"]: t["id"] for t in axial.relation_types(demo_store, admin, project_id)}
    widget(at.selectbox, "Relatie").set_value(types["is intervenierende voorwaarde voor"]).run()
    widget(at.text_area, "Memo bij de relatie").input("Taal maakt het wachten zwaarder.")
    form_button(at, "Relatie opslaan").click().run()
    no_exception(at)
    assert list(at.dataframe[1].value["Relatie"]) == [
        "is strategie voor", "is intervenierende voorwaarde voor", "is oorzaak van"]
    widget(at.selectbox, "Fenomeen").set_value(trust).run()
    no_exception(at)
    assert {"Wachtlijsten (is oorzaak van)", "Informele steun (is strategie voor)",
            "Taalbarrière (is intervenierende voorwaarde voor)"} <= {t.value for t in at.text}
    widget(at.selectbox, "Kerncategorie").set_value(trust).run()
    no_exception(at)
    assert projects.project(demo_store, admin, project_id)["core_code_id"] == trust
    assert [b.label for b in at.get("download_button")] == ["Model als tekst",
                                                            "Model als afbeelding (PNG)"]


def test_compare_page_tables_and_saturation(demo_users, demo_store):
    admin = demo_users["beheerder"]
    at = run_page("qual_compare.py", admin)
    no_exception(at)
    co = at.dataframe[0].value
    assert list(co.index) == ["Informele steun", "Ontmoetingsplek", "Taalbarrière",
                              "Vertrouwen in instanties", "Wachtlijsten"]
    assert co.loc["Informele steun", "Informele steun"] == 8
    per_case = at.dataframe[1].value
    assert per_case.loc["Wachtlijsten"].tolist() == [0, 0, 1, 0, 0, 1, 2, 1, 1, 0, 1]
    at.selectbox[1].set_value("Rol").run()
    no_exception(at)
    # Per role (bewoner, onderzoeker, professional): passages.
    assert at.dataframe[1].value.loc["Wachtlijsten"].tolist() == [4, 0, 3]
    assert [i.value for i in at.success] == [
        "Verzadiging bereikt bij interview 6 \\(Interview 05 \\- buurtwerker Zuidoost\\)\\: de "
        "run van interview 5 tot en met 6 leverde 0 nieuwe codes op, 0,0% van de 5 codes in "
        "de basis \\(basis 4 interviews, run 2, drempel ≤5% nieuwe informatie\\)\\."]


def test_reports_page_makes_a_word_report(demo_users, demo_store):
    at = run_page("qual_reports.py", demo_users["beheerder"])
    no_exception(at)
    form_button(at, "Rapport maken").click().run()
    no_exception(at)
    assert [b.label for b in at.get("download_button")] == ["Download Word (.docx)"]
    # From chosen coders: none chosen is refused in Dutch; the consensus may be empty.
    widget(at.radio, "Uit de coderingen van").set_value("kies").run()
    assert widget(at.multiselect, "Codeurs").options == []   # the demo codings have no coder
    form_button(at, "Rapport maken").click().run()
    assert errors(at) == ["Kies minstens één codeur."]
    widget(at.radio, "Uit de coderingen van").set_value("consensus").run()
    form_button(at, "Rapport maken").click().run()
    no_exception(at)
    assert errors(at) == []


# -- Overeenstemming --------------------------------------------------------------------------

def test_agreement_page_reports_and_settles(demo_users, demo_store):
    admin, olga = demo_users["beheerder"], demo_users["onderzoeker"]
    project_id, doc_id, text = _demo_document(demo_store, admin)
    assert [i.value for i in run_page("qual_agreement.py", admin).info][0].startswith(
        "Overeenstemming vraagt om minstens twee codeurs")
    projects.add_member(demo_store, admin, project_id, olga.id)
    steun = next(c["id"] for c in codebook.codes(demo_store, admin, project_id)
                 if c["name"] == "Informele steun")
    for who, quote in ((admin, "Via mijn buurvrouw."), (olga, "Via mijn buurvrouw."),
                       (olga, "Ik durfde eerst niet, mijn Nederlands is niet zo goed.")):
        start = text.index(quote)
        codings.add_coding(demo_store, who, doc_id, steun, start, start + len(quote))
    at = run_page("qual_agreement.py", admin)
    no_exception(at)
    table = at.dataframe[0].value
    assert list(table["Code"]) == ["Informele steun", "Ontmoetingsplek", "Taalbarrière",
                                   "Vertrouwen in instanties", "Wachtlijsten", "Alle codes samen"]
    steun_row = table.iloc[0]
    # Numbers (a heading sorts them as numbers), shown as percentages and decimals in the
    # browser's language ('94,1%' in Dutch).
    assert (steun_row["Eenheden"], round(steun_row["% overeenstemming"], 3)) == (17, 0.941)
    assert -1 <= steun_row["Krippendorffs alfa"] <= 1
    shown = json.loads(at.dataframe[0].proto.columns)
    assert (shown["% overeenstemming"]["type_config"]["format"],
            shown["Cohens kappa"]["type_config"]["format"]) == ("percent", "localized")
    widget(at.selectbox, "Code").set_value(steun).run()
    no_exception(at)
    assert "Ik durfde eerst niet, mijn Nederlands is niet zo goed." in [t.value for t in at.text]
    form_button(at, "Besluit: niet deze code").click().run()
    no_exception(at)
    assert [s.value for s in at.success] == ["Vastgelegd als consensus."]


def test_a_blind_member_is_told_what_applies_not_to_turn_blind_coding_on(demo_users,
                                                                          demo_store):
    admin, olga = demo_users["beheerder"], demo_users["onderzoeker"]
    project_id, doc_id, text = _demo_document(demo_store, admin)
    projects.add_member(demo_store, admin, project_id, olga.id)
    projects.set_blind(demo_store, admin, project_id, True)
    at = run_page("qual_agreement.py", olga)
    no_exception(at)
    assert [i.value for i in at.info] == [
        "Dit project codeert blind: je ziet alleen je eigen coderingen. De projectleider "
        "vergelijkt de codeurs hier zodra minstens twee leden hetzelfde document hebben "
        "gecodeerd."]


# -- Groeperen --------------------------------------------------------------------------------

def test_groups_page_confirms_a_proposal_and_it_feeds_an_ontwikkelvraag(demo_users, demo_store):
    from research.tracker import grouping, questions
    from research.tracker import ontwikkelvragen as ov

    coby = demo_users["coordinator"]
    for text in ("Gaat de speeltuin bij het Waterlandplein weer open?",
                 "Wanneer is de speeltuin aan het Waterlandplein weer open?"):
        questions.log_question(demo_store, coby, wijk_id="noord", asked_on=date(2026, 3, 20),
                               text=text, asker_group="bewoner", today=date(2026, 3, 20))
    at = run_page("tracker_groups.py", coby)
    no_exception(at)
    assert widget(at.selectbox, "Wijkwerkplaats").value == "noord"
    [proposal] = [p for p in grouping.proposals(demo_store, coby, "noord")
                  if "speeltuin" in p["questions"][0]["text"].lower()]
    form = f"proposal_{proposal['key']}"
    widget(at.text_input, "Titel van de groep", form=form).input("Speeltuin Waterlandplein")
    form_button(at, "Bevestigen", form=form).click().run()
    no_exception(at)
    [group] = grouping.groups(demo_store, coby, "noord")
    assert (group["title"], len(group["questions"])) == ("Speeltuin Waterlandplein", 3)
    at = run_page("tracker_ontwikkelvraag.py", coby)
    widget(at.number_input, "Jaar").set_value(2027)
    widget(at.text_input, "Korte titel").input("Spelen in Noord")
    widget(at.text_area, "De ontwikkelvraag").input("Hoe krijgen kinderen weer een speelplek?")
    widget(at.multiselect, "Of uit bevestigde groepen").set_value([group["id"]])
    form_button(at, "Ontwikkelvraag opslaan").click().run()
    no_exception(at)
    [made] = [o for o in ov.list_all(demo_store, coby) if o["year"] == 2027]
    assert made["questions"] == 3


# -- Overzichten ------------------------------------------------------------------------------

def test_overview_page_runs_for_the_beheerder_with_all_tabs(demo_users):
    at = run_page("tracker_overview.py", demo_users["beheerder"])
    no_exception(at)
    assert [t.value for t in at.title] == ["Overzichten"]
    assert [t.label for t in at.tabs] == ["Tijdlijn", "Thema's door de tijd",
                                          "Open en beantwoord", "Jaarverslag"]
    assert not at.error
    # the timeline table, the themes chart and the open/answered chart
    assert len(at.dataframe) == 3
    assert len(at.get("plotly_chart")) == 2


def test_overview_year_report_tab_has_both_downloads(demo_users):
    at = run_page("tracker_overview.py", demo_users["beheerder"])
    no_exception(at)
    [year] = [s for s in at.selectbox if s.key == "report_year"]
    year.set_value(2026).run()
    no_exception(at)
    assert [b.label for b in at.get("download_button")] == [
        "Jaarverslag als Word (.docx)", "Jaarverslag als Excel (.xlsx)"]
    assert [m.label for m in at.metric] == ["Vragen", "Met terugkoppeling",
                                           "Mediaan dagen tot terugkoppeling"]


def test_overview_filters_change_the_tables(demo_users):
    at = run_page("tracker_overview.py", demo_users["lezer"])
    widget(at.selectbox, "Wijkwerkplaats").set_value("noord").run()
    widget(at.selectbox, "Per").set_value("kwartaal").run()
    widget(at.radio, "Indeling").set_value("leefdomein").run()
    no_exception(at)
    timeline, themes, open_answered = (t.value for t in at.dataframe)
    assert set(timeline["Wijkwerkplaats"]) == {"Noord"}
    assert list(themes.columns) == ["Periode", "Thema", "Aantal"]
    assert all("-K" in p for p in themes["Periode"])
    assert list(open_answered["Wijkwerkplaats"]) == ["Noord"]


def test_overview_page_refuses_the_analist(demo_users):
    at = run_page("tracker_overview.py", demo_users["analist"])
    no_exception(at)
    assert [e.value for e in at.error] == ["Je hebt geen toegang tot deze pagina."]


# -- coders without a login (issue 17) -------------------------------------------------------

def test_imported_coders_are_shown_and_linked_by_a_beheerder(demo_users, demo_store, tmp_path):
    import refi_files
    from research.qual import exchange
    admin = demo_users["beheerder"]
    project_id = exchange.import_qdpx(demo_store, admin, refi_files.atlas_three_coders(
        tmp_path / "a.qdpx"))["project_id"]
    at = run_page("qual_projects.py", admin)
    widget(at.selectbox, "Project openen").set_value(project_id).run()
    no_exception(at)
    shown = [d.value for d in at.dataframe if "Codeur zonder login" in d.value.columns][0]
    assert list(shown["Codeur zonder login"]) == ["Anne Jansen", "Bart de Boer",
                                                  "Chris Visser"]
    assert list(shown["Coderingen"]) == [6, 5, 6]
    at = run_page("qual_agreement.py", admin)
    widget(at.selectbox, "Project").set_value(project_id).run()
    no_exception(at)
    assert widget(at.multiselect, "Codeurs").options == [
        "Anne Jansen (zonder login)", "Bart de Boer (zonder login)",
        "Chris Visser (zonder login)"]
    at = run_page("admin_users.py", admin)
    no_exception(at)
    assert "Anne Jansen" not in list(at.dataframe[0].value["Gebruikersnaam"])
    assert list(at.dataframe[1].value["Codeur"]) == ["Anne Jansen", "Bart de Boer",
                                                    "Chris Visser"]
    widget(at.selectbox, "Codeur", form="link_coder").set_value(
        demo_store.value("SELECT id FROM users WHERE username = 'Bart de Boer'"))
    widget(at.selectbox, "hoort bij account", form="link_coder").set_value(
        demo_users["onderzoeker"].id)
    form_button(at, "Koppelen").click().run()
    no_exception(at)
    assert [s.value for s in at.success] == ["Bart de Boer gekoppeld aan olga: 5 coderingen "
                                             "overgezet."]
    assert list(at.dataframe[1].value["Codeur"]) == ["Anne Jansen", "Chris Visser"]


# -- cases per document (issue 17) ----------------------------------------------------------

def test_import_preview_says_a_speaker_joins_an_existing_case_and_lets_the_user_choose(
        demo_users, demo_store):
    """In the demo, 'Interviewer' is one case across the interviews: the preview says that a
    new interview's 'Interviewer' could join it (by default a role is a case of its own
    document) and lets the user choose; 'Respondent' gets a case of this document."""
    admin = demo_users["beheerder"]
    [project] = projects.list_projects(demo_store, admin)
    at = run_page("qual_import.py", admin)
    widget(at.text_input, "Naam van het document").input("Interview 7")
    widget(at.text_area, "Tekst").input(
        "Interviewer: Hoe gaat het?\nRespondent: Goed.\nInterviewer: Fijn.\n"
        "Respondent: Ja.\n")
    at.toggle[0].set_value(False).run()   # no pseudonymisation: no deduce here
    no_exception(at)
    choice = widget(at.radio, "Casus van Interviewer")
    assert choice.options == ["Bij de bestaande casus Interviewer (al in 6 documenten)",
                              "Een eigen casus: Interviewer — Interview 7"]
    assert choice.value == "eigen"
    assert [c.value for c in at.caption if c.value.startswith("Casussen:")] == [
        "Casussen: Interviewer → Interviewer — Interview 7 (nieuw); Respondent → Respondent — "
        "Interview 7 (nieuw). Een rol als Respondent of INT is in elk document een eigen casus."]
    choice.set_value("gedeeld").run()
    assert [c.value for c in at.caption if c.value.startswith("Casussen:")] == [
        "Casussen: Interviewer → Interviewer; Respondent → Respondent — Interview 7 (nieuw). "
        "Een rol als Respondent of INT is in elk document een eigen casus."]
    form_button(at, "1 document(en) importeren").click().run()
    no_exception(at)
    listed = {c["name"]: c["documents"] for c in cases.cases(demo_store, admin, project["id"])}
    assert (listed["Interviewer"], listed["Respondent — Interview 7"]) == (7, 1)


def test_cases_page_splits_a_case_by_document(demo_users, demo_store):
    admin = demo_users["beheerder"]
    [project] = projects.list_projects(demo_store, admin)
    at = run_page("qual_cases.py", admin)
    no_exception(at)
    interviewer = next(c["id"] for c in cases.cases(demo_store, admin, project["id"])
                       if c["name"] == "Interviewer")
    widget(at.selectbox, "Casus", form="split_case").set_value(interviewer)
    form_button(at, "Splitsen").click().run()
    no_exception(at)
    assert [s.value for s in at.success] == ["Gesplitst in 6 casussen."]
    assert "Interviewer — Interview 01 - bewoner Geuzenveld" in list(
        at.dataframe[0].value["Casus"])


# -- Dutch for Streamlit's own English (issue 17, item 8) -----------------------------------------

def test_every_page_emits_the_dutch_style_sheet_once(demo_users, demo_store):
    at = run_page("qual_import.py", demo_users["beheerder"])
    no_exception(at)
    [sheet] = [h.proto.body for h in at.get("html")]
    assert sheet == "<style>" + shell.CSS.replace("LIMIT", "200 MB") + "</style>"
    for dutch in ('content: "Enter om toe te passen"', 'content: "Bladeren"',
                  'content: "Sleep bestanden hierheen; maximaal 200 MB per bestand"',
                  'content: "Geen resultaten"', ".st-key-qual_coding_panel"):
        assert dutch in sheet


def test_dutch_numbers_and_percentages():
    assert shell.percent(0.886) == "88,6%"
    assert shell.percent(1) == "100,0%"
    assert shell.percent(None) == "—"
    assert shell.percent(float("nan")) == "—"
    assert shell.number(0.8861) == "0,886"
    assert shell.number(-0.05, 2) == "-0,05"
    assert shell.number(None) == "—"
    assert shell.count(1, "fragment", "fragmenten") == "1 fragment"
    assert shell.count(2, "fragment", "fragmenten") == "2 fragmenten"
