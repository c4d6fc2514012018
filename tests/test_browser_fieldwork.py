"""In Chromium, issue 22's 'done when': an analyst starts fieldwork for a wave of five
gemeenten; one contact fills in the questionnaire on a phone, leaves halfway, resumes on the
same link and sends it; the Respons page shows it; the analyst closes the fieldwork and
Resultaten shows estimates from those answers; the raw answers read back in SPSS with the
questionnaire's labels."""

from __future__ import annotations

import pyreadstat

from browser import PAGE_TITLE, PHONE, log_in, phone_context, require_browser, wait_until_idle
from conftest import PASSWORD
from fieldwork_files import FRAME, QUESTIONNAIRE
from research import accounts
from research.accounts import SYSTEM_USER
from research.schema import open_store
from research.survey import intake, invitations, monitors
from test_browser_survey import choose, go

MONITOR = "Veldwerkmonitor"


def _analyst_and_monitor(app_db) -> int:
    """An analyst and a monitor with a frame of five gemeenten (figures shown from n = 1)."""
    store = open_store(app_db)
    try:
        vera = accounts.create_user(store, SYSTEM_USER, "vera", "analist", PASSWORD)
        monitor_id = monitors.create_monitor(store, vera, MONITOR, "gemeente")
        intake.set_frame_from_file(store, vera, monitor_id, FRAME, "kader.csv")
        monitors.set_thresholds(store, vera, monitor_id, 1, 1)
        return monitor_id
    finally:
        store.close()


def _link_of(app_db, monitor_id: int, name: str) -> str:
    """The code of a gemeente's link (what the mail merge gives the analyst)."""
    store = open_store(app_db)
    try:
        [current] = invitations.of_monitor(store, SYSTEM_USER, monitor_id)
        table = invitations.links(store, SYSTEM_USER, current["id"])
        return table.loc[table["name"] == name, "link"].iloc[0].rsplit("/", 1)[1]
    finally:
        store.close()


def _fits_the_phone(page) -> None:
    """Nothing wider than the phone: no sideways scrolling."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_fieldwork_from_start_to_results(browser, app_url, app_db, public_url, sync_api,
                                         tmp_path, screenshots):
    require_browser()
    expect = sync_api.expect
    monitor_id = _analyst_and_monitor(app_db)
    (tmp_path / "vragenlijst.csv").write_bytes(QUESTIONNAIRE)

    analyst = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL",
                                  accept_downloads=True)
    phone = phone_context(browser)
    analyst.set_default_timeout(30_000)
    try:
        page = analyst.new_page()
        page.goto(app_url + "/survey_fieldwork")
        log_in(page, "vera", PASSWORD)
        expect(page.locator(PAGE_TITLE)).to_have_text("Veldwerk")
        wait_until_idle(page)
        choose(page, "Monitor", MONITOR)
        page.get_by_label("Naam van de meting").fill("2026")
        page.locator('input[type="file"]').first.set_input_files(str(tmp_path / "vragenlijst.csv"))
        expect(page.get_by_text("vragenlijst.csv")).to_be_visible()
        page.get_by_role("button", name="Veldwerk starten").click()
        expect(page.get_by_text("Veldwerk voor meting 2026 gestart.")).to_be_visible(
            timeout=60_000)
        wait_until_idle(page)
        expect(page.get_by_test_id("stMetric").filter(has_text="Uitnodigingen")
               ).to_contain_text("5")
        page.screenshot(path=str(screenshots / "fieldwork-started.png"), full_page=True)

        # The contact of Beekveld, on a phone: the first page, then half of the next.
        address = f"{public_url}/m/{_link_of(app_db, monitor_id, 'Beekveld')}"
        contact = phone.new_page()
        contact.goto(address)
        expect(contact.get_by_role("heading", level=1)).to_have_text(f"{MONITOR} 2026")
        expect(contact.get_by_text("Beekveld")).to_be_visible()
        _fits_the_phone(contact)
        contact.get_by_label("Ja", exact=True).check()
        contact.get_by_role("button", name="Opslaan en verder").click()
        expect(contact.get_by_role("heading", name="Deel 2 van 4")).to_be_visible()
        contact.get_by_label("Hoeveel fte zet uw gemeente in?").fill("2,5")
        contact.screenshot(path=str(screenshots / "fieldwork-phone.png"), full_page=True)
        contact.get_by_role("button", name="Later verder").click()
        expect(contact.get_by_role("heading", name="Uw antwoorden zijn bewaard")).to_be_visible()
        contact.close()

        # Later, the same link from the invitation: on where it stopped.
        contact = phone.new_page()
        contact.goto(address)
        expect(contact.get_by_role("heading", name="Deel 2 van 4")).to_be_visible()
        expect(contact.get_by_label("Hoeveel fte zet uw gemeente in?")).to_have_value("2,5")
        contact.get_by_role("button", name="Opslaan en verder").click()
        contact.get_by_label("Tevreden", exact=True).check()
        contact.get_by_label("8", exact=True).check()
        _fits_the_phone(contact)
        contact.get_by_role("button", name="Opslaan en verder").click()
        contact.get_by_label("Taalles").check()
        contact.get_by_label("Wilt u nog iets toelichten?").fill("<b>Goede</b> samenwerking")
        contact.get_by_role("button", name="Versturen").click()
        expect(contact.get_by_role("heading", name="Bedankt!")).to_be_visible()
        contact.screenshot(path=str(screenshots / "fieldwork-sent.png"), full_page=True)

        # The analyst sees it come in on Respons.
        go(page, "Respons", sync_api)
        expect(page.get_by_text("1 link verstuurd")).to_be_visible()
        expect(page.get_by_test_id("stMetric").filter(has_text="Respons 2026")
               ).to_contain_text("20%")

        # Closing makes the answers the wave.
        go(page, "Veldwerk", sync_api)
        page.get_by_role("tab", name="Sluiten").click()
        page.get_by_text("Ik wil het veldwerk nu sluiten").click()
        page.get_by_role("button", name="Veldwerk sluiten en berekenen").click()
        expect(page.get_by_text("Veldwerk gesloten: meting 2026 geladen")).to_be_visible(
            timeout=60_000)
        wait_until_idle(page)
        with page.expect_download() as download:
            page.get_by_role("button", name="SPSS (.sav)").click()
        download.value.save_as(tmp_path / "antwoorden.sav")
        data, meta = pyreadstat.read_sav(str(tmp_path / "antwoorden.sav"))
        assert data[["eenheid", "beleid", "budget", "tevreden", "cijfer", "hulp_1"]].to_dict(
            "records") == [{"eenheid": "GM0002", "beleid": 1.0, "budget": 2.5,
                            "tevreden": 4.0, "cijfer": 8.0, "hulp_1": 1.0}]
        assert meta.column_names_to_labels["tevreden"] == "Tevredenheid"
        assert meta.variable_value_labels["beleid"] == {1.0: "Ja", 2.0: "Nee",
                                                        9.0: "Weet niet"}
        assert meta.variable_value_labels["tevreden"][4.0] == "Tevreden"
        # The link no longer works.
        contact = phone.new_page()
        contact.goto(address)
        expect(contact.get_by_role("heading", level=1)).to_have_text(
            "Deze link werkt niet (meer).")

        go(page, "Resultaten", sync_api)
        choose(page, "Vraag", "Oordeel · Rapportcijfer")
        wait_until_idle(page)
        # The table (a canvas grid) holds the mean of the one answer.
        expect(page.get_by_text("8,0", exact=True).first).to_be_attached()
        page.screenshot(path=str(screenshots / "fieldwork-results.png"), full_page=True)
    finally:
        analyst.close()
        phone.close()
