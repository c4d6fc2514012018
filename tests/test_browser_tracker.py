"""The wijkwerkplaats on a phone-sized screen, as a coordinator of Noord would use it: three
questions from one gathering, the similar one suggested, a group confirmed and grown into an
ontwikkelvraag with a partner, budget and a milestone, a monitor indicator and a qualitative
finding linked, a report-back recorded and the year report downloaded. And a question that
reads like a spreadsheet formula leaves the app only as text."""

from __future__ import annotations

import io
import re
import time
from datetime import date

import docx
from openpyxl import load_workbook

from browser import (
    PAGE_TITLE,
    log_in,
    phone_context,
    require_browser,
    settled_box,
    wait_until_idle,
)
from conftest import PASSWORD
from research import accounts
from research.accounts import SYSTEM_USER
from research.qual import projects
from research.schema import open_store
from research.tracker import questions

QUESTIONS = ["Waarom moeten we zo lang wachten op een afspraak bij de huisarts?",
             "Kan de speeltuin aan het Waterlandplein weer open?",
             "Hoe lang is de wachttijd bij de huisarts in Noord nu?"]


def coordinator(app_db) -> None:
    """Coby, coordinator of Noord, admitted to the demo project to link its findings."""
    store = open_store(app_db)
    try:
        coby = accounts.create_user(store, SYSTEM_USER, "coby", "coordinator", PASSWORD,
                                    wijken=["noord"])
        project = store.value("SELECT id FROM projects ORDER BY id LIMIT 1")
        projects.add_member(store, SYSTEM_USER, project, coby.id)
    finally:
        store.close()


def open_page(page, app_url: str, path: str, title: str, sync_api,
              first: bool = False) -> None:
    """Open a page by its address, as from a phone's bookmark: a new Streamlit session that
    the session cookie logs in; only the first visit shows the login form."""
    page.goto(f"{app_url}/{path}")
    if first:
        log_in(page, "coby", PASSWORD)
    sync_api.expect(page.locator(PAGE_TITLE)).to_have_text(title, timeout=30_000)
    assert page.get_by_label("Gebruikersnaam").count() == 0
    wait_until_idle(page)


def choose(page, label: str, option: str, sync_api, scope=None, multi: bool = False) -> None:
    """Pick an option of a selectbox (or a multiselect) by its label."""
    # Typed and entered: on a small screen an open list can lie under other elements. The
    # list highlights its first match, except in a selectbox that has no value yet.
    box = (scope or page).get_by_role("combobox", name=label)
    empty = not multi and box.input_value() == ""
    box.click()
    page.keyboard.type(option)
    page.wait_for_timeout(200)
    if empty:
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    if multi:  # its list stays open after a choice
        page.keyboard.press("Escape")
    page.wait_for_timeout(300)  # the rerun the choice starts is not visible at once
    wait_until_idle(page)


def test_a_coordinator_on_a_phone_grows_questions_into_an_ontwikkelvraag(
        browser, app_url, app_db, sync_api, screenshots):
    require_browser()
    expect = sync_api.expect
    coordinator(app_db)
    context = phone_context(browser)
    page = context.new_page()
    try:
        # Three questions from one gathering.
        open_page(page, app_url, "tracker_log", "Vraag vastleggen", sync_api, first=True)
        started = time.monotonic()
        for number, text in enumerate(QUESTIONS):
            page.get_by_label("Vraag, in de woorden van de bewoner").fill(text)
            page.get_by_label("Vraag, in de woorden van de bewoner").press("Tab")
            wait_until_idle(page)
            if number == 2:  # the first one is now in the wijk: it is suggested
                expect(page.get_by_text("Lijkt op", exact=False).first).to_be_visible()
                page.screenshot(path=str(screenshots / "phone-similar.png"), full_page=True)
            page.get_by_label("Bijeenkomst of plek").fill("Buurthuis Banne")
            page.get_by_label("Bijeenkomst of plek").press("Tab")
            wait_until_idle(page)
            page.get_by_role("button", name="Vastleggen").click()
            expect(page.get_by_text("vastgelegd.", exact=False)).to_be_visible()
            wait_until_idle(page)
        print(f"three questions logged in {time.monotonic() - started:.1f} s")

        # The grouping job proposes the huisarts questions together; Coby confirms.
        open_page(page, app_url, "tracker_groups", "Groeperen", sync_api)
        form = page.get_by_test_id("stForm").filter(has_text="huisarts").first
        form.get_by_label("Titel van de groep").fill("Wachttijd huisarts")
        form.get_by_role("button", name="Bevestigen").click()
        wait_until_idle(page)
        page.get_by_role("tab", name="Bevestigde groepen").click()
        expect(page.get_by_text("Wachttijd huisarts (3 vragen)")).to_be_visible()

        # The group becomes next year's ontwikkelvraag.
        open_page(page, app_url, "tracker_ontwikkelvraag", "Ontwikkelvraag", sync_api)
        page.get_by_text("Nieuwe ontwikkelvraag formuleren").click()
        form = page.get_by_test_id("stForm").filter(has_text="Korte titel")
        form.get_by_label("Jaar").fill("2027")
        form.get_by_label("Korte titel").fill("Huisartsenzorg in Noord")
        form.get_by_label("De ontwikkelvraag").fill(
            "Hoe worden bewoners van Noord sneller geholpen bij de huisarts?")
        form.get_by_label("Waarom deze vraag (onderbouwing)").fill(
            "Drie bewoners vroegen ernaar op één bijeenkomst.")
        choose(page, "Of uit bevestigde groepen", "Wachttijd huisarts", sync_api, scope=form,
               multi=True)
        form.get_by_role("button", name="Ontwikkelvraag opslaan").click()
        wait_until_idle(page)
        choose(page, "Ontwikkelvraag openen", "2027 · Noord · Huisartsenzorg in Noord", sync_api)
        expect(page.get_by_role("heading", name="Huisartsenzorg in Noord")).to_be_visible()

        page.get_by_role("tab", name="Partners en budget").click()
        form = page.get_by_test_id("stForm").filter(has_text="Partner toevoegen")
        form.get_by_label("Partner").fill("Huisartsenpost Noord")
        form.get_by_label("Toegekend budget (€)").fill("5000")
        form.get_by_role("button", name="Partner toevoegen").click()
        wait_until_idle(page)
        page.get_by_role("tab", name="Mijlpalen").click()
        form = page.get_by_test_id("stForm").filter(has_text="Mijlpaal toevoegen")
        form.get_by_label("Nieuwe mijlpaal").fill("Gesprek met de huisartsen")
        form.get_by_role("button", name="Mijlpaal toevoegen").click()
        wait_until_idle(page)
        page.get_by_role("tab", name="Mijlpalen").click()
        expect(page.get_by_text("Gesprek met de huisartsen")).to_be_visible()

        page.get_by_role("tab", name="Kennis").click()
        choose(page, "Kennis koppelen", "Monitorindicator voor een gebied", sync_api)
        choose(page, "Monitor", "Wijkcijfers Amsterdam: indicatoren per gebied (gepubliceerd, "
               "2025)", sync_api)
        form = page.get_by_test_id("stForm").filter(has_text="Koppelen")
        choose(page, "Indicator", "Eigen gezondheid (zeer) goed (% 18-plussers)", sync_api,
               scope=form)
        choose(page, "Gebied", "Noord", sync_api, scope=form)
        form.get_by_role("button", name="Koppelen").click()
        wait_until_idle(page)
        page.get_by_role("tab", name="Kennis").click()
        expect(page.get_by_text("Eigen gezondheid (zeer) goed", exact=False).first
               ).to_be_visible()
        choose(page, "Kennis koppelen", "Code uit een kwalitatief project", sync_api)
        form = page.get_by_test_id("stForm").filter(has_text="Koppelen")
        form.get_by_role("combobox", name="Code").click()
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        form.get_by_role("button", name="Koppelen").click()
        wait_until_idle(page)
        page.screenshot(path=str(screenshots / "phone-ontwikkelvraag.png"), full_page=True)

        # Stopped by mistake (a final status asks for confirmation), then reopened with a reason.
        page.get_by_role("tab", name="Status").click()
        form = page.get_by_test_id("stForm").filter(has_text="Nieuwe status")
        choose(page, "Nieuwe status", "Gestopt", sync_api, scope=form)
        form.get_by_label("Waarom").fill("Geen partner gevonden.")
        form.get_by_text("de ontwikkelvraag afsluit").click()
        form.get_by_role("button", name="Status wijzigen").click()
        wait_until_idle(page)
        expect(page.get_by_test_id("stMetric").filter(has_text="Gestopt")).to_be_visible()
        page.get_by_role("tab", name="Status").click()
        form = page.get_by_test_id("stForm").filter(has_text="Heropenen")
        form.get_by_label("Waarom gaat ze weer open?").fill("De huisartsenpost doet toch mee.")
        form.get_by_role("button", name="Heropenen").click()
        wait_until_idle(page)
        expect(page.get_by_test_id("stMetric").filter(has_text="Verkenning")).to_be_visible()

        # Report back to the resident of the first question.
        open_page(page, app_url, "tracker_questions", "Bewonersvragen", sync_api)
        # As cards (the default where the browser says it is a phone), each opens with its
        # button.
        page.get_by_text("Als kaarten").click()
        wait_until_idle(page)
        page.get_by_label("Zoeken", exact=True).fill("afspraak huisarts")
        page.keyboard.press("Enter")
        wait_until_idle(page)
        expect(page.get_by_text("1 vraag", exact=True)).to_be_visible()
        # The other cards stay on the page, stale, until the run that filtered them ends.
        wait_until_idle(page)
        opening = page.get_by_role("button", name="Openen")
        expect(opening).to_have_count(1)
        opening.click()
        wait_until_idle(page)
        expect(page.get_by_role("combobox", name="Vraag openen")).to_have_value(
            re.compile(re.escape(QUESTIONS[0][:40])))
        form = page.get_by_test_id("stForm").filter(has_text="Terugkoppeling vastleggen")
        form.get_by_label("Wat is er teruggekoppeld").fill(
            "Verteld dat dit de ontwikkelvraag voor 2027 wordt.")
        form.get_by_role("button", name="Terugkoppeling vastleggen").click()
        wait_until_idle(page)
        expect(page.get_by_text("Verteld dat dit de ontwikkelvraag", exact=False)).to_be_visible()

        # The year report for the programme council.
        open_page(page, app_url, "tracker_overview", "Overzichten", sync_api)
        page.get_by_role("tab", name="Jaarverslag").click()
        choose(page, "Jaar", "2026", sync_api, scope=page.get_by_role("tabpanel"))
        with page.expect_download() as download:
            page.get_by_role("button", name="Jaarverslag als Word (.docx)").click()
        report = docx.Document(io.BytesIO(open(download.value.path(), "rb").read()))
        text = "\n".join(p.text for p in report.paragraphs)
        assert "2026" in text
        assert QUESTIONS[0] not in text  # aggregates only
    finally:
        context.close()


PHONE_AGENT = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
               "Chrome/126.0 Mobile Safari/537.36")


def test_on_a_phone_the_menu_leads_to_the_questions_in_one_tap_and_closes(
        browser, app_url, app_db, sync_api, screenshots):
    require_browser()
    expect = sync_api.expect
    store = open_store(app_db)
    try:
        if accounts.find_user(store, "cora") is None:
            accounts.create_user(store, SYSTEM_USER, "cora", "coordinator", PASSWORD,
                                 wijken=["noord"])
    finally:
        store.close()
    context = phone_context(browser, user_agent=PHONE_AGENT)
    page = context.new_page()
    try:
        page.goto(app_url)
        log_in(page, "cora", PASSWORD)
        expect(page.locator(PAGE_TITLE)).to_have_text("Start")
        wait_until_idle(page)
        # The menu's button is named in Dutch (Streamlit calls it "Expand sidebar").
        expect(page.get_by_test_id("stExpandSidebarButton")).to_have_accessible_name(
            "Menu uitklappen")
        page.get_by_test_id("stExpandSidebarButton").click()
        links = page.get_by_test_id("stSidebarNavLink")
        # Her own section right under Start; no project pages for a coordinator in none.
        expect(links.nth(1)).to_have_accessible_name("Vraag vastleggen")
        expect(links.nth(2)).to_have_accessible_name("Bewonersvragen")
        expect(links.filter(has_text="Coderen")).to_have_count(0)
        links.nth(2).click()
        expect(page.locator(PAGE_TITLE)).to_have_text("Bewonersvragen")
        wait_until_idle(page)
        # The menu closed itself over the page, and the questions read as cards.
        expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "true")
        expect(page.get_by_test_id("stDataFrame")).to_have_count(0)
        expect(page.get_by_text("Kan de speeltuin bij de Waterlandplein weer open", exact=False)
               ).to_be_visible()
        page.screenshot(path=str(screenshots / "telefoon-bewonersvragen.png"), full_page=True)
    finally:
        context.close()


FORMULA = '=HYPERLINK("http://outside.example","klik") staat dit in de vraag?'


def test_a_table_leaves_the_app_only_with_text_cells(page, app_url, app_db, sync_api):
    """The table toolbar's own CSV download wrote user text as it was, so a spreadsheet ran
    '=HYPERLINK(...)' as a formula: it is switched off (client.disableDataExport), and the
    page's own Excel download writes every text as text."""
    require_browser()
    expect = sync_api.expect
    store = open_store(app_db)
    try:
        questions.log_question(store, SYSTEM_USER, wijk_id="noord", asked_on=date(2026, 11, 30),
                               text=FORMULA, asker_group="bewoner")
    finally:
        store.close()
    page.goto(app_url + "/tracker_questions")
    log_in(page, "admin", PASSWORD)
    expect(page.locator(PAGE_TITLE)).to_have_text("Bewonersvragen", timeout=30_000)
    wait_until_idle(page)
    page.get_by_test_id("stDataFrame").first.hover()
    toolbar = page.get_by_test_id("stElementToolbar").first
    expect(toolbar.get_by_role("button", name="Kolommen tonen of verbergen")).to_be_visible()
    assert toolbar.get_by_role("button", name="Downloaden als CSV").count() == 0

    with page.expect_download() as download:
        page.get_by_role("button", name="Tabel downloaden (Excel)").first.click()
    assert download.value.suggested_filename == "bewonersvragen.xlsx"
    sheet = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active
    assert [c.value for c in sheet[1]] == ["Datum", "Wijkwerkplaats", "Vraag", "Gesteld door",
                                           "Programma", "Leefdomein", "Plek", "Status"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value == FORMULA]
    assert [c.data_type for c in cells] == ["s"]

    # A click on a cell of a row opens its question. The pointer gets there first, as a
    # hand's would: the grid, drawn anew by the last run, takes a click only at a point it has
    # seen the pointer over. The first row lies below the header row (35 px each).
    page.get_by_label("Zoeken", exact=True).fill("klik")
    page.keyboard.press("Enter")
    wait_until_idle(page)
    expect(page.get_by_text("1 vraag", exact=True)).to_be_visible()
    box = settled_box(page, page.get_by_test_id("stDataFrame").first)
    page.mouse.move(box["x"] + 60, box["y"] + 35 + 17, steps=5)
    page.wait_for_timeout(300)
    page.mouse.down()
    page.mouse.up()
    expect(page.get_by_role("combobox", name="Vraag openen")).to_have_value(
        re.compile(re.escape(FORMULA[:40])), timeout=15_000)
