"""In Chromium on a phone: a coordinator publishes a question for residents (refused while it
names a street address), an anonymous visitor opens the QR code's address and sees the
status, and after withdrawing the same address says it is no longer public (issue 21)."""

from __future__ import annotations

from datetime import date

from browser import PAGE_TITLE, log_in, phone_context, require_browser, wait_until_idle
from conftest import PASSWORD
from research import accounts
from research.accounts import SYSTEM_USER
from research.schema import open_store
from research.tracker import questions

TEXT = "Waarom is de speeltuin bij ons achter al weken dicht? Mijn kinderen vragen het elke dag."


def test_a_coordinator_publishes_and_a_resident_follows_the_question(
        browser, app_url, app_db, public_url, sync_api, screenshots):
    require_browser()
    expect = sync_api.expect
    store = open_store(app_db)
    try:
        pia = accounts.create_user(store, SYSTEM_USER, "pia", "coordinator", PASSWORD,
                                   wijken=["noord"])
        questions.log_question(store, pia, wijk_id="noord", asked_on=date.today(), text=TEXT,
                               asker_group="bewoner", place="Buurthuis Banne")
    finally:
        store.close()
    context = phone_context(browser)
    visitor = phone_context(browser)
    try:
        page = context.new_page()
        page.goto(app_url + "/tracker_public")
        log_in(page, "pia", PASSWORD)
        expect(page.locator(PAGE_TITLE)).to_have_text("Openbaar maken")
        wait_until_idle(page)
        expect(page.get_by_text(TEXT)).to_be_visible()
        summary = page.get_by_label("Samenvatting voor bewoners")
        summary.fill("De speeltuin aan de Kinkerstraat 12 is al weken dicht.")
        page.get_by_role("button", name="Publiceren").click()
        expect(page.get_by_text("bevat een adres: ‘Kinkerstraat 12’")).to_be_visible()
        wait_until_idle(page)
        summary.fill("De speeltuin achter de flats is al weken dicht.")
        page.get_by_role("button", name="Publiceren").click()
        expect(page.get_by_text("Gepubliceerd met code")).to_be_visible()
        wait_until_idle(page)
        page.screenshot(path=str(screenshots / "public-published.png"), full_page=True)
        store = open_store(app_db)
        try:
            code = store.value("SELECT code FROM publications p JOIN questions q ON"
                               " q.id = p.question_id WHERE q.text = ?", [TEXT])
        finally:
            store.close()

        # The QR code's address, opened by a resident without an account.
        resident = visitor.new_page()
        resident.goto(f"{public_url}/v/{code}")
        expect(resident.get_by_role("heading", level=1)).to_have_text(
            "De speeltuin achter de flats is al weken dicht.")
        expect(resident.get_by_text("Stand van zaken: Open")).to_be_visible()
        assert "Kinderen" not in resident.content() and TEXT not in resident.content()
        resident.screenshot(path=str(screenshots / "public-question.png"), full_page=True)

        # Withdrawn: the same address says so at once.
        page.reload()
        expect(page.locator(PAGE_TITLE)).to_have_text("Openbaar maken")
        wait_until_idle(page)
        page.get_by_role("button", name="Intrekken").click()
        # Exact: "Opnieuw publiceren", shown while the question is public, contains the name.
        expect(page.get_by_role("button", name="Publiceren", exact=True)).to_be_visible()
        wait_until_idle(page)
        resident.reload()
        expect(resident.get_by_role("heading", level=1)).to_have_text(
            "Deze vraag is niet (meer) openbaar.")
    finally:
        context.close()
        visitor.close()
