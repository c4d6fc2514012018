"""The real app in a real browser: Streamlit in a subprocess, driven by headless Chromium.

Logs in as admin (after one wrong password), opens every page from the sidebar and checks that
each one finishes its run without an exception or an error message. Screenshots go to a
temporary folder (printed; set RESEARCH_SCREENSHOTS to keep them elsewhere).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from browser import (APP_IDLE, ERROR_ALERT, EXCEPTION, LAUNCH_ARGS, NAV_LINK, NAV_LINK_LABEL,
                     PAGE_TITLE, SIDEBAR_NAV, find_chromium, init_demo_db, log_in,
                     require_browser, running_app, wait_for_charts, wait_until_idle)
from conftest import PASSWORD
from research import accounts
from research.ui import shell

VIEWPORT = {"width": 1400, "height": 1600}


# Without Chromium or Playwright the fixtures yield None and each test's first line,
# require_browser(), skips it (workstation) or fails it (CI=true).

@pytest.fixture(scope="module")
def chromium():
    return find_chromium()


@pytest.fixture(scope="module")
def sync_api(chromium):
    try:
        from playwright import sync_api
    except ImportError:
        return None
    return sync_api


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, chromium, sync_api):
    if chromium is None or sync_api is None:
        yield None
        return
    folder = tmp_path_factory.mktemp("browser-app")
    db = folder / "research.db"
    init_demo_db(db, PASSWORD)
    with running_app(db, folder / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory):
    chosen = os.environ.get("RESEARCH_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {folder}")
    return folder


@pytest.fixture(scope="module")
def browser(sync_api, chromium, app_url):
    if app_url is None:
        yield None
        return
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, headless=True,
                                              args=LAUNCH_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser):
    """A fresh browser context per test: its own cookies, so its own Streamlit session."""
    if browser is None:
        yield None
        return
    context = browser.new_context(viewport=VIEWPORT, locale="nl-NL")
    context.set_default_timeout(30_000)
    try:
        yield context.new_page()
    finally:
        context.close()


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
        assert page.url == app_url + path
        assert page.locator(EXCEPTION).count() == 0, (
            f"{spec.title}: {page.locator(EXCEPTION).first.inner_text()}")
        errors = page.locator(ERROR_ALERT).all_inner_texts()
        assert errors == [], f"{spec.title}: {errors}"
        assert page.locator(APP_IDLE).count() == 1
        wait_for_charts(page)
        page.screenshot(path=str(screenshots / f"{index + 1:02d}-{spec.file[:-3]}.png"),
                        full_page=True)

    elapsed = time.monotonic() - started
    print(f"browser walk through {len(shell.PAGES)} pages took {elapsed:.1f} s")
    assert elapsed < 90


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
