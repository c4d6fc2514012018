"""The real app in a real browser: Streamlit in a subprocess, driven by headless Chromium.

Logs in as admin (after one wrong password), opens every page from the sidebar and checks that
each one finishes its run without an exception or an error message. Screenshots go to a
temporary folder (printed; set RESEARCH_SCREENSHOTS to keep them elsewhere).
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from browser import (ERROR_ALERT, EXCEPTION, NAV_LINK, NAV_LINK_LABEL, PAGE_TITLE,
                     SIDEBAR_NAV, log_in, require_browser, wait_for_charts, wait_until_idle)
from conftest import PASSWORD
from research import accounts
from research.ui import shell

def test_login_then_every_page_runs_cleanly(page, app_url, sync_api, screenshots):
    require_browser()
    expect = sync_api.expect
    started = time.monotonic()

    page.goto(app_url)
    expect(page.locator(PAGE_TITLE)).to_have_text("Onderzoekswerkplaats")
    wait_until_idle(page)
    expect(page.locator(SIDEBAR_NAV)).to_have_count(0)

    # A wrong password: the Dutch message, and still no navigation.
    log_in(page, "admin", "niet-het-wachtwoord")
    expect(page.locator(ERROR_ALERT)).to_have_text(accounts.BAD_LOGIN)
    expect(page.locator(ERROR_ALERT)).to_have_text("Gebruikersnaam of wachtwoord onjuist.")
    wait_until_idle(page)
    expect(page.locator(SIDEBAR_NAV)).to_have_count(0)
    page.screenshot(path=str(screenshots / "00-login-fout.png"), full_page=True)

    # The right password.
    log_in(page, "admin", PASSWORD)
    nav = page.locator(SIDEBAR_NAV)
    expect(nav).to_be_visible()
    expect(page.locator(PAGE_TITLE)).to_have_text(shell.PAGES[0].title)
    wait_until_idle(page)
    expect(page.locator(ERROR_ALERT)).to_have_count(0)

    links = nav.locator(NAV_LINK)
    # The beheerder may open every page, in the order of PAGES.
    expect(links).to_have_count(len(shell.PAGES))
    labels = [links.nth(i).locator(NAV_LINK_LABEL).inner_text().strip()
              for i in range(links.count())]
    assert labels == [spec.title for spec in shell.PAGES]

    for index, spec in enumerate(shell.PAGES):
        links.nth(index).click()
        expect(page.locator(PAGE_TITLE)).to_have_text(spec.title)
        wait_until_idle(page)
        expect(links.nth(index)).to_have_attribute("aria-current", "page")
        path = "/" if index == 0 else "/" + spec.file.removesuffix(".py")
        # Monitor pages keep their filters in the address (?monitor=...&meting=...).
        assert page.url.split("?")[0] == app_url + path
        assert page.locator(EXCEPTION).count() == 0, (
            f"{spec.title}: {page.locator(EXCEPTION).first.inner_text()}")
        errors = page.locator(ERROR_ALERT).all_inner_texts()
        assert errors == [], f"{spec.title}: {errors}"
        wait_until_idle(page)  # a page may rerun once (a fragment, a component) after loading
        wait_for_charts(page)
        page.screenshot(path=str(screenshots / f"{index + 1:02d}-{spec.file[:-3]}.png"),
                        full_page=True)

    # Reported, never asserted: speed is measured by the benchmarks.
    print(f"browser walk through {len(shell.PAGES)} pages took "
          f"{time.monotonic() - started:.1f} s")


def test_no_request_leaves_the_machine(page, app_url, sync_api):
    require_browser()
    local = urlsplit(app_url).netloc
    outside = []
    page.on("request", lambda request: urlsplit(request.url).netloc != local
            and not request.url.startswith(("data:", "blob:"))
            and outside.append(request.url))
    page.goto(app_url)
    sync_api.expect(page.locator(PAGE_TITLE)).to_have_text("Onderzoekswerkplaats")
    log_in(page, "admin", PASSWORD)
    sync_api.expect(page.locator(PAGE_TITLE)).to_have_text(shell.PAGES[0].title)
    wait_until_idle(page)
    page.wait_for_timeout(500)
    assert outside == []


def test_a_deep_link_survives_the_login(page, app_url, sync_api):
    require_browser()
    page.goto(app_url + "/tracker_questions")
    sync_api.expect(page.locator(PAGE_TITLE)).to_have_text("Onderzoekswerkplaats")
    log_in(page, "admin", PASSWORD)
    sync_api.expect(page.locator(SIDEBAR_NAV)).to_be_visible()
    wait_until_idle(page)
    sync_api.expect(page.locator(PAGE_TITLE)).to_have_text("Bewonersvragen", timeout=5_000)
