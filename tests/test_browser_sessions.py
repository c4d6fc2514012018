"""The login that survives a refresh and a new tab, in a real browser against the app as
`python -m research serve` runs it (st.App with the /sessie route and the download check):
the session cookie, a shared results link with its query, logout, `user disable`, and /media
refused without the cookie."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from browser import PAGE_TITLE, ROOT, SIDEBAR_NAV, log_in, require_browser, wait_until_idle
from conftest import PASSWORD
from research import accounts
from research.accounts import SYSTEM_USER
from research.schema import open_store

# A results view that is not the default one: the first wave (not the newest), the third
# question (not the first), by region.
SHARED = "/survey_results?monitor=1&meting=1&vraag=3&naar=region"
COOKIE = "werkplaats_sessie"


@pytest.fixture(scope="module")
def analysts(app_db):
    """Two analysts on the browser tests' app (one is disabled by a test)."""
    if app_db is None:
        return None
    store = open_store(app_db)
    try:
        for name in ("anja", "dirk", "mila"):
            accounts.create_user(store, SYSTEM_USER, name, "analist", PASSWORD)
    finally:
        store.close()
    return app_db


def cli(db, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "research", "--db", str(db), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


def session_cookie(context, timeout: float = 15) -> dict | None:
    """The session cookie once the browser holds it (the login page posts its code)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [c for c in context.cookies() if c["name"] == COOKIE]
        if found:
            return found[0]
        time.sleep(0.1)
    return None


def no_session_cookie(context, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not [c for c in context.cookies() if c["name"] == COOKIE]:
            return True
        time.sleep(0.1)
    return False


def logged_in_as(page, sync_api, title: str, who: str) -> None:
    sync_api.expect(page.locator(PAGE_TITLE)).to_have_text(title)
    sync_api.expect(page.locator(SIDEBAR_NAV)).to_be_visible()
    sync_api.expect(page.get_by_text(f"Ingelogd als {who} · Analist")).to_be_visible()
    wait_until_idle(page)


def at_login_form(page, sync_api) -> None:
    sync_api.expect(page.locator(PAGE_TITLE)).to_have_text("Onderzoekswerkplaats")
    sync_api.expect(page.get_by_label("Gebruikersnaam")).to_be_visible()
    sync_api.expect(page.locator(SIDEBAR_NAV)).to_have_count(0)


def the_shared_view(page, sync_api, who: str) -> None:
    """The results page shows the linked wave and question, and keeps them in the address."""
    logged_in_as(page, sync_api, "Resultaten", who)
    # Widgets draw once their code has loaded, which may follow the run's end.
    expect = sync_api.expect
    expect(page.get_by_role("combobox", name="Meting")).to_have_value("2024 (n = 202)",
                                                                      timeout=30_000)
    expect(page.get_by_role("combobox", name="Vraag")).to_have_value(
        "Inburgering · Tevredenheid taalaanbod", timeout=30_000)
    expect(page.get_by_role("combobox", name="Uitsplitsen naar")).to_have_value(
        "Regio", timeout=30_000)
    for part in ("monitor=1", "meting=1", "vraag=3", "naar=region"):
        assert part in page.url, page.url


def test_an_analyst_stays_logged_in_after_a_refresh_and_in_a_new_tab(page, app_url, analysts,
                                                                       sync_api):
    require_browser()
    page.goto(app_url)
    at_login_form(page, sync_api)
    log_in(page, "anja", PASSWORD)
    logged_in_as(page, sync_api, "Start", "anja")
    cookie = session_cookie(page.context)
    assert cookie is not None
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"], cookie["secure"],
            cookie["expires"]) == (True, "Strict", "/", False, -1)
    assert len(cookie["value"]) == 43
    # Scripts in the page cannot read it.
    assert COOKIE not in page.evaluate("document.cookie")

    page.reload()
    logged_in_as(page, sync_api, "Start", "anja")

    # A shared link in a new tab lands on its view at once.
    tab = page.context.new_page()
    tab.goto(app_url + SHARED)
    the_shared_view(tab, sync_api, "anja")

    # Also when followed from another site (an e-mail, a chat): SameSite=Strict keeps the
    # cookie off that first request, but the page's own websocket carries it.
    elsewhere = page.context.new_page()
    elsewhere.set_content(f'<a href="{app_url + SHARED}">de resultaten</a>')
    elsewhere.get_by_role("link", name="de resultaten").click()
    the_shared_view(elsewhere, sync_api, "anja")


def test_a_shared_link_without_the_cookie_lands_on_its_view_after_the_login(page, app_url,
                                                                            analysts, sync_api):
    require_browser()
    page.goto(app_url + SHARED)
    at_login_form(page, sync_api)
    assert page.url == app_url + SHARED
    log_in(page, "anja", PASSWORD)
    the_shared_view(page, sync_api, "anja")
    assert session_cookie(page.context) is not None
    page.reload()
    the_shared_view(page, sync_api, "anja")


def test_after_logout_the_cookie_no_longer_logs_in(page, app_url, analysts, browser, sync_api):
    require_browser()
    page.goto(app_url)
    log_in(page, "mila", PASSWORD)
    logged_in_as(page, sync_api, "Start", "mila")
    cookie = session_cookie(page.context)
    assert cookie is not None
    tab = page.context.new_page()
    tab.goto(app_url)
    logged_in_as(tab, sync_api, "Start", "mila")

    page.get_by_role("button", name="Uitloggen").click()
    at_login_form(page, sync_api)
    sync_api.expect(page.get_by_text("Je bent uitgelogd.")).to_be_visible()
    assert no_session_cookie(page.context)  # the browser dropped it too
    # The other tab's session ended with it, at its next step.
    tab.reload()
    at_login_form(tab, sync_api)

    # The old cookie, presented by another browser, logs nobody in.
    other = browser.new_context(locale="nl-NL")
    try:
        other.add_cookies([{k: cookie[k] for k in ("name", "value", "domain", "path",
                                                   "httpOnly", "sameSite")}])
        stale = other.new_page()
        stale.goto(app_url + SHARED)
        at_login_form(stale, sync_api)
        wait_until_idle(stale)
        at_login_form(stale, sync_api)
    finally:
        other.close()


def test_user_disable_ends_the_cookie_at_once(page, app_url, analysts, sync_api):
    require_browser()
    page.goto(app_url)
    log_in(page, "dirk", PASSWORD)
    logged_in_as(page, sync_api, "Start", "dirk")
    assert session_cookie(page.context) is not None

    assert cli(analysts, "user", "disable", "dirk") == "Account 'dirk' uitgeschakeld.\n"
    page.reload()
    at_login_form(page, sync_api)
    cli(analysts, "user", "enable", "dirk")
    page.reload()
    at_login_form(page, sync_api)  # enabled again, the old session stays ended


def test_a_download_needs_the_session_cookie(page, app_url, analysts, sync_api):
    require_browser()
    media = []
    page.on("request", lambda request: "/media/" in request.url and media.append(request.url))
    page.goto(app_url + SHARED)
    log_in(page, "anja", PASSWORD)
    the_shared_view(page, sync_api, "anja")
    with page.expect_download() as download:
        page.get_by_role("button", name="Tabel (Excel)").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    assert open(download.value.path(), "rb").read(2) == b"PK"
    assert media, "the download did not come from /media/"

    # The same address without the cookie: refused.
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(media[-1], timeout=10)
    assert refused.value.code == 403
    assert refused.value.read().decode() == "Geen toegang: log in om dit bestand te openen."
    # With the browser's cookies it is served.
    assert page.request.get(media[-1]).status == 200
