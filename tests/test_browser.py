"""The real app in a real browser: Streamlit in a subprocess, driven by headless Chromium.

Logs in as admin (after one wrong password), opens every page from the sidebar and checks that
each one finishes its run without an exception or an error message. Screenshots go to a
temporary folder (printed; set RESEARCH_SCREENSHOTS to keep them elsewhere).

The role matrix: every role types the address of every page, with every query parameter a
page binds set to a hostile value; a page the role may not open refuses and shows nothing
else, the others run with a Dutch notice per unknown value, and nobody sees another's data.
"""

from __future__ import annotations

import ast
import re
import time
from urllib.parse import urlencode, urlsplit

import pytest
from argon2 import PasswordHasher

from browser import (
    APP_IDLE,
    ERROR_ALERT,
    EXCEPTION,
    NAV_LINK,
    NAV_LINK_LABEL,
    PAGE_TITLE,
    SIDEBAR_NAV,
    log_in,
    phone_context,
    require_browser,
    wait_for_charts,
    wait_until_idle,
)
from conftest import PASSWORD
from pages import NO_ACCESS, ROLES
from research import accounts
from research.accounts import SYSTEM_USER
from research.schema import open_store
from research.ui import shell, widgets

# What a screen reader reads of Streamlit's own controls, in the English Streamlit gives them
# (`shell.DUTCH_UI` renames them).
ACCESSIBLE_NAMES = ("() => [...document.querySelectorAll('[aria-label], [title]')].flatMap("
                    "(e) => [e.getAttribute('aria-label'), e.getAttribute('title')])"
                    ".filter(Boolean)")
ENGLISH_NAME = re.compile(r"(Remove |Show |Hide |Link to |Skip to |Collapse |Expand |Open$|"
                          r"Close$|Increment$|Decrement$|Clear |Choose |Download |"
                          r"(day|month|year), )")


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
        english = [name for name in page.evaluate(ACCESSIBLE_NAMES) if ENGLISH_NAME.match(name)]
        assert english == [], f"{spec.title}: {english}"
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


# The chunks of `names` (paths under Streamlit's static folder) this document has loaded.
LAZY_LOADED = ("(names) => names.filter((n) => performance.getEntriesByType('resource').some("
               "(e) => e.name.endsWith('/static/' + n) && e.responseEnd > 0))")
ALL_LAZY_LOADED = f"(names) => ({LAZY_LOADED})(names).length === names.length"


def test_the_code_of_charts_and_tables_loads_on_the_login_page_or_when_the_first_page_is_idle(
        page, app_url, sync_api):
    """Streamlit fetches its chart code (4.7 MB) when a page first shows a chart, and
    evaluating it holds the page for about a second. The login page has the browser load it
    at once, while the user types; a page opened already logged in (a refresh, the session
    cookie) only once the user has left it alone for two seconds, never while they are busy."""
    require_browser()
    page.goto(app_url)
    sync_api.expect(page.get_by_label("Gebruikersnaam")).to_be_visible()
    page.wait_for_function(ALL_LAZY_LOADED, arg=shell.LAZY_CHUNKS, timeout=15_000)
    log_in(page, "admin", PASSWORD)
    sync_api.expect(page.locator(PAGE_TITLE)).to_have_text(shell.PAGES[0].title)
    wait_until_idle(page)
    # The table's style sheet, linked ahead, is the one Streamlit's loader finds: it links
    # no second one when a table first shows.
    page.locator('[data-testid="stSidebarNavLink"]').filter(has_text="Gebruikers").click()
    sync_api.expect(page.locator('[data-testid="stDataFrame"]').first).to_be_visible()
    assert page.locator('link[rel="stylesheet"][href*="/static/css/DataFrame."]').count() == 1
    page.locator('[data-testid="stSidebarNavLink"]').filter(has_text="Start").click()
    sync_api.expect(page.locator(PAGE_TITLE)).to_have_text(shell.PAGES[0].title)
    wait_until_idle(page)

    page.reload()                   # a new document, logged in by its cookie
    sync_api.expect(page.locator(PAGE_TITLE)).to_have_text(shell.PAGES[0].title)
    wait_until_idle(page)
    for _ in range(8):              # a user typing: a key every half second
        page.keyboard.press("Shift")
        page.wait_for_timeout(500)
    assert page.evaluate(LAZY_LOADED, shell.LAZY_CHUNKS) == []
    page.wait_for_function(ALL_LAZY_LOADED, arg=shell.LAZY_CHUNKS, timeout=15_000)
    # The chart, the table and its style sheet, and twelve widgets' code.
    assert len(shell.LAZY_CHUNKS) == 15
    assert sum(name.endswith(".css") for name in shell.LAZY_CHUNKS) == 1


def test_the_login_page_speaks_dutch_and_keeps_its_title_whole_on_a_phone(browser, app_url,
                                                                          sync_api):
    """The first page every user sees: the form's hint, the password field's eye, the
    heading's link and the link that skips to the content are Dutch (they were Streamlit's
    English), and on a phone the app's name stays on one line (it broke into
    "Onderzoekswerkp" and "laats")."""
    require_browser()
    context = phone_context(browser)
    try:
        page = context.new_page()
        page.goto(app_url)
        page.get_by_label("Gebruikersnaam").press_sequentially("ab")
        sync_api.expect(page.get_by_test_id("InputInstructions")).to_have_count(1)
        sync_api.expect(page.get_by_test_id("stSkipToContent")).to_have_text("Naar de inhoud")
        text = page.locator("body").inner_text()
        assert [english for english in ("Press Enter", "Skip to") if english in text] == []
        assert page.get_by_role("button", name="Wachtwoord tonen").count() == 1
        assert page.get_by_role("link", name="Link naar deze kop").count() == 1
        assert page.evaluate(
            "() => getComputedStyle(document.querySelector("
            "'[data-testid=\"InputInstructions\"] > span'), '::after').content"
        ) == '"Enter om te verzenden"'
        title = page.locator(PAGE_TITLE)
        sync_api.expect(title).to_have_text("Onderzoekswerkplaats")
        lines = page.evaluate(
            "(h) => { const r = document.createRange();"
            " r.selectNodeContents(h.querySelector('[data-heading-text]'));"
            " return new Set([...r.getClientRects()].map((b) => Math.round(b.top))).size; }",
            title.element_handle())
        assert lines == 1
    finally:
        context.close()


def test_a_deep_link_survives_the_login(page, app_url, sync_api):
    require_browser()
    page.goto(app_url + "/tracker_questions")
    sync_api.expect(page.locator(PAGE_TITLE)).to_have_text("Onderzoekswerkplaats")
    log_in(page, "admin", PASSWORD)
    sync_api.expect(page.locator(SIDEBAR_NAV)).to_be_visible()
    wait_until_idle(page)
    sync_api.expect(page.locator(PAGE_TITLE)).to_have_text("Bewonersvragen", timeout=5_000)



# -- every page x every role x every query parameter, typed into the address ------------------

# Every query parameter a page binds, with the label its notice names (kept complete by
# test_the_matrix_knows_every_bound_query_parameter).
BOUND = {"survey_results.py": ["monitor", "meting", "vraag", "naar", "tab"],
         "qual_search.py": ["tab"],
         "survey_quotes.py": ["monitor", "meting", "open", "naar"],
         "survey_report.py": ["monitor", "meting"],
         # The monitor named in the address makes the monitor the source of the page.
         "survey_stapeling.py": ["monitor", "meting", "groepen", "tab"],
         "survey_response.py": ["monitor", "meting"],
         "survey_setup.py": ["monitor"],
         "survey_load.py": ["monitor"],
         "survey_fieldwork.py": ["monitor"]}
LABELS = {"monitor": "Monitor", "meting": "Meting", "vraag": "Vraag", "naar": "Uitsplitsen naar",
          "open": "Open vraag", "tab": "Tabblad", "groepen": "Groepen"}
# Ids of other people's things that no page binds: typed anyway, they must change nothing.
UNBOUND = {"project": "1", "wijk": "zuidoost", "document": "1", "id": "1"}
ACCOUNTS = {"beheerder": "admin", "onderzoeker": "olga", "analist": "anna",
            "coordinator": "coby", "lezer": "lex"}
DEMO_PROJECT = "Buurtkamers Nieuw-West en Noord"  # only admin is a member
# Navigate inside the session, as a click on a link does (a page load would log out).
GO = """(path) => { history.pushState({}, "", path);
                    window.dispatchEvent(new PopStateEvent("popstate", {state: {}})); }"""
# The run of a navigation is over: two changes of run state, or the page's title on an idle app.
ARRIVED = f"""([runs, title]) => window.__runStates >= runs || (
  document.querySelector('{APP_IDLE}') !== null &&
  document.querySelector('{PAGE_TITLE}')?.innerText.trim() === title)"""
# Count the app's changes of run state, so a navigation can wait for its own run.
COUNT_RUNS = """() => { window.__runStates = 0;
  const app = document.querySelector('[data-testid="stApp"]');
  new MutationObserver((records) => { window.__runStates += records.length; })
    .observe(app, {attributes: true, attributeFilter: ["data-test-script-state"]}); }"""


@pytest.fixture(scope="module")
def role_accounts(app_db):
    """An account for every role on the module's app (the coordinator of Noord); none of them
    but admin is a member of the demo project. Cheap hashes, so that logging in is quick."""
    if app_db is None:
        return None
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=8,
                                                          parallelism=1))
        store = open_store(app_db)
        try:
            for role, name in ACCOUNTS.items():
                if role != "beheerder":
                    accounts.create_user(store, SYSTEM_USER, name, role, PASSWORD,
                                         wijken=("noord",) if role == "coordinator" else ())
            # A value "of someone else" per parameter: another monitor's wave and question.
            foreign = {"monitor": "0",
                       "meting": str(store.value("SELECT max(id) FROM waves WHERE monitor_id = 2")),
                       "vraag": str(store.value("SELECT max(id) FROM variables")),
                       "open": str(store.value("SELECT max(id) FROM variables")),
                       "naar": "gemeente", "tab": "tabel"}
        finally:
            store.close()
    return foreign


def hostile_values(foreign: dict[str, str]) -> list[dict[str, str]]:
    """Five kinds of hostile value for every bound parameter: an unknown id, someone else's
    id, script, a very long text and NUL."""
    kinds = [lambda p: "999999", foreign.get, lambda p: "<script>window.__xss=1</script>",
             lambda p: "x" * 3000, lambda p: "\x00"]
    return [{p: kind(p) for p in LABELS} for kind in kinds]


def go(page, path: str, title: str) -> None:
    """Type `path` into the address, as a link inside the session does, and wait for its run.
    Now and then Streamlit's page ignores a history navigation that comes right after a run
    (no message leaves, and the address may be rewritten to the last run's values; a late
    run of the page before may even change the run state meanwhile): the navigation is then
    made again. Repeating it is harmless: a second run of the same address
    sees the same values. A run so short that the browser never paints it as running changes
    no state either: the page is then there when its title shows (every page has another
    title) and the app is idle."""
    for attempt in range(3):
        before = page.evaluate("() => window.__runStates")
        page.evaluate(GO, path)
        try:
            page.wait_for_function(ARRIVED, arg=[before + 2, title],
                                   timeout=10_000 if attempt < 2 else 30_000)
            break
        except Exception:  # playwright's TimeoutError: the navigation was ignored
            if attempt == 2:
                raise
    wait_until_idle(page)


def address(spec, values: dict[str, str]) -> str:
    path = "/" if spec.file == shell.PAGES[0].file else "/" + spec.file.removesuffix(".py")
    return path + "?" + urlencode({**values, **UNBOUND})


@pytest.mark.parametrize("role", ROLES)
def test_every_page_and_query_parameter_for_role(role, page, app_url, role_accounts, sync_api):
    """Each (page, parameter) gets the hostile kinds in turn, shifted per role, so every role
    meets every parameter hostile and every parameter meets every kind of hostile value."""
    require_browser()
    expect = sync_api.expect
    kinds = hostile_values(role_accounts)
    user = accounts.User(0, ACCOUNTS[role], role, wijken=("noord",))
    page.goto(app_url)
    log_in(page, ACCOUNTS[role], PASSWORD)
    expect(page.locator(SIDEBAR_NAV)).to_be_visible(timeout=30_000)
    wait_until_idle(page)
    page.evaluate(COUNT_RUNS)
    started = time.monotonic()
    role_index = ROLES.index(role)
    # The start page last: the login left the session on it, and typing the address of the
    # page one is on starts no run.
    for index, spec in enumerate(shell.PAGES[1:] + shell.PAGES[:1]):
        values = {p: kinds[(role_index + index + n) % len(kinds)][p]
                  for n, p in enumerate(LABELS)}
        go(page, address(spec, values), spec.title)
        where = f"{role} on {spec.file}"
        assert page.locator(EXCEPTION).count() == 0, (
            f"{where}: {page.locator(EXCEPTION).first.inner_text()}")
        assert page.evaluate("() => window.__xss") is None, where
        main = page.locator('[data-testid="stMain"]').inner_text()
        if spec.permission is None or accounts.can(user, spec.permission):
            expect(page.locator(PAGE_TITLE)).to_have_text(spec.title)
            assert page.locator(ERROR_ALERT).all_inner_texts() == [], where
            notices = page.get_by_test_id("stAlertContentWarning").all_inner_texts()
            bound = BOUND.get(spec.file, []) if spec.section != "Kwalitatief" or \
                role == "beheerder" else []   # a non-member's qual page stops before them
            assert sorted(n for n in notices if n.startswith("Het adres")) == sorted(
                widgets.unknown_in_url(LABELS[p]).replace("\\", "") for p in bound), where
        else:
            # The refusal and nothing else: no title, no widget, no data.
            assert page.locator(PAGE_TITLE).count() == 0, where
            assert main.strip() == NO_ACCESS, where
        if role != "beheerder":  # a member of no project sees none of the demo project
            assert DEMO_PROJECT not in main + page.locator(SIDEBAR_NAV).inner_text(), where
        assert "<script>" not in main, where
    # Reported, never asserted.
    print(f"{role}: {len(shell.PAGES)} pages typed into the address in "
          f"{time.monotonic() - started:.1f} s")


def test_the_matrix_knows_every_bound_query_parameter():
    """Pages bind query parameters only through widgets (url_choice, url_tabs, pick_monitor,
    pick_wave); this reads every page and checks that BOUND lists exactly what each binds."""
    found: dict[str, list[str]] = {}
    for path in sorted(shell.UI_DIR.glob("*.py")):
        if path.name in ("shell.py", "widgets.py", "__init__.py"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # A page may only put a value into the address (after creating something).
        written = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Subscript)
                   and isinstance(n.ctx, ast.Store)}
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "bind":
                pytest.fail(f"{path.name} binds to the address itself (use widgets.url_tabs)")
            if (isinstance(node, ast.Attribute) and node.attr == "query_params"
                    and id(node) not in written):
                pytest.fail(f"{path.name} reads the address itself (use widgets.url_choice)")
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            name = node.func.attr
            key = None
            if name == "pick_monitor":
                key = "monitor"
            elif name == "pick_wave":
                key = "meting"
            elif name == "url_choice":
                key = node.args[2].value
            elif name == "url_tabs":
                key = node.args[1].value
            if key is not None:
                found.setdefault(path.name, []).append(key)
    assert {page: sorted(keys) for page, keys in found.items()} == {
        page: sorted(keys) for page, keys in BOUND.items()}
    assert set(LABELS) == {key for keys in BOUND.values() for key in keys}
