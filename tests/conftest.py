"""Shared fixtures: a fresh database per test, and one account per role."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from browser import ROOT, BrowserApp, backup, find_chromium, init_demo_db
from research import accounts
from research.accounts import SYSTEM_USER
from research.bench.server import LAUNCH_ARGS, free_port
from research.schema import open_store

PASSWORD = "correct-paard-batterij"


def pytest_collection_modifyitems(items):
    """Every test of a test_browser*.py file drives Chromium: marked `browser`, so that
    `make test-fast` can leave them out, and run once more when it fails, on a fresh page and
    the app's database as the first attempt found it (pytest-rerunfailures, and
    `browser_app_as_before`; the summary lists each rerun): on a loaded two-core machine a
    click can land while the page still moves, as Playwright's own runner allows for with
    its retries in CI. A test that fails twice fails."""
    for item in items:
        if item.path.name.startswith("test_browser"):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.flaky(reruns=1))


@pytest.fixture(scope="session", autouse=True)
def xdist_groups_kept(request):
    """Fail a `--dist loadgroup` run (`make test-fast`) whose groups were lost: pytest-xdist
    keeps the tests of an `xdist_group` on one worker by adding `@group` to their node ids,
    which pytest 9.2 silently ignores (pytest-xdist#1386); deduce's tests would then load it
    on both cores again, 10 s each, with nothing failing."""
    if not getattr(request.config.option, "loadgroup", False):  # set only on xdist's workers
        return
    lost = [item.nodeid for item in request.session.items
            if item.get_closest_marker("xdist_group") and "@" not in item.nodeid]
    if lost:
        pytest.fail(f"--dist loadgroup ignored the xdist_group of {len(lost)} tests (first: "
                    f"{lost[0]}): pytest-xdist and this pytest disagree on node ids, see "
                    "requirements-dev.txt", pytrace=False)


@pytest.fixture(scope="session", autouse=True)
def components_scanned_once():
    """Each new AppTest has Streamlit scan the metadata of every installed package for
    components (a third of a second, as long as many a page's run); the packages do not
    change during a test run, so the scan runs once and its result is reused."""
    from streamlit.components.v2 import manifest_scanner

    found = manifest_scanner.scan_component_manifests()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(manifest_scanner, "scan_component_manifests",
                      lambda max_workers=None: list(found))
        yield


@pytest.fixture(scope="session", autouse=True)
def scripts_compiled_once():
    """AppTest gives every run a new script cache, so the router and the page were parsed,
    rewritten for Streamlit's magic and compiled again on each of the thousands of runs of
    the page tests (about a sixth of their time). The app's server keeps one cache for all its
    sessions; here each script is compiled once per version of its file as well."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache

    compiled: dict[tuple[str, int], object] = {}
    original = ScriptCache.get_bytecode

    def get_bytecode(self, script_path: str):
        key = (os.path.abspath(script_path), os.stat(script_path).st_mtime_ns)
        if key not in compiled:
            compiled[key] = original(self, script_path)
        return compiled[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ScriptCache, "get_bytecode", get_bytecode)
        yield


@pytest.fixture(scope="session", autouse=True)
def workers_inline():
    """Page tests run the workers' tasks in the test's own process, as `Worker.run` does when
    no worker was started. Opening the database in a page (`shell._open`) started the app's
    three workers in every test process, one of them loading deduce (11 s of CPU that the
    tests competed with on two cores, for a model few tests use). The workers are tested in
    test_worker.py, the app's own start in a process of its own there."""
    from research import worker

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(worker, "start_all", lambda: None)
        yield


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch):
    """Argon2id at minimal cost in tests, so that per-test accounts are quick to make
    (test_accounts checks the production parameters separately)."""
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=8,
                                                            parallelism=1))


@pytest.fixture
def db_path(tmp_path, monkeypatch):
    """Path of a new database file, also exported as RESEARCH_DB for pages and commands."""
    path = tmp_path / "research.db"
    monkeypatch.setenv("RESEARCH_DB", str(path))
    monkeypatch.setenv("RESEARCH_ADMIN_PASSWORD", PASSWORD)
    return path


def _template(folder: Path, *, demo: bool) -> Path:
    """A migrated and prepared database (with the demo data if `demo`), made once per run."""
    # Imported here: the demo brings the whole domain (2.4 s), and xdist's controller, which
    # runs no test, imports this file before it starts the workers.
    from research.startup import prepare

    path = folder / "research.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RESEARCH_ADMIN_PASSWORD", PASSWORD)
        patch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=8,
                                                          parallelism=1))
        store = open_store(path)
        prepare(store, with_demo=demo)
        store.close()
    return path


def _copy(template: Path, db_path: Path):
    """A store over a copy of `template` at `db_path` (SQLite's backup API, and the key file
    beside it if the template has one): copying is quicker than migrating anew per test."""
    backup(template, db_path)
    for extra in template.parent.glob(f"{template.stem}-*.db"):  # the pseudonym key
        shutil.copy(extra, db_path.with_name(extra.name.replace(template.stem, db_path.stem, 1)))
    return open_store(db_path)


@pytest.fixture(scope="session")
def store_template(tmp_path_factory) -> Path:
    return _template(tmp_path_factory.mktemp("store-template"), demo=False)


@pytest.fixture
def store(db_path, store_template):
    """A migrated database with the taxonomies and the account `admin` (no demo data): a
    copy of the session's template."""
    store = _copy(store_template, db_path)
    yield store
    store.close()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """The demo database built once per test run (loading the demo takes seconds); every
    demo_store test gets its own copy."""
    return _template(tmp_path_factory.mktemp("demo-template"), demo=True)


@pytest.fixture
def demo_store(db_path, demo_template):
    """A migrated database with the demo data loaded (a copy of the session's template)."""
    store = _copy(demo_template, db_path)
    yield store
    store.close()


def make_users(store) -> dict[str, accounts.User]:
    """One account per role (the coordinator belongs to Noord), all with PASSWORD."""
    made = {"beheerder": accounts.find_user(store, "admin")}
    for name, role, wijken in [("olga", "onderzoeker", ()), ("anna", "analist", ()),
                               ("coby", "coordinator", ("noord",)), ("lex", "lezer", ())]:
        made[role] = accounts.create_user(store, SYSTEM_USER, name, role, PASSWORD, wijken=wijken)
    return made


@pytest.fixture
def users(store):
    return make_users(store)


def logged_in(user: accounts.User) -> dict:
    """The session-state entry that the login gate leaves for a logged-in user."""
    return {"user_id": user.id, "epoch": user.session_epoch, "last_seen": time.time()}


@pytest.fixture
def qual(store, users):
    """A qualitative project led by the onderzoeker olga, with the lezer lex as a member;
    returns its id."""
    from research.qual import projects

    project_id = projects.create_project(store, users["onderzoeker"], "Buurtkamers", "Verkenning")
    projects.add_member(store, users["onderzoeker"], project_id, users["lezer"].id)
    return project_id


# -- browser tests: Chromium, the app in a subprocess, a page per test ------------------------
# Without Chromium or Playwright the fixtures yield None and each test's first line,
# require_browser(), skips it (workstation) or fails it (CI=true).

VIEWPORT = {"width": 1400, "height": 1600}


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
def browser_app(tmp_path_factory, chromium, sync_api):
    """The app the module's browser tests share, on the demo database (None without a
    browser)."""
    if chromium is None or sync_api is None:
        yield None
        return
    db = tmp_path_factory.mktemp("browser-app") / "research.db"
    init_demo_db(db, PASSWORD)
    app = BrowserApp(db)
    app.start()
    try:
        yield app
    finally:
        app.stop()


@pytest.fixture(scope="module")
def app_db(browser_app):
    return browser_app.db if browser_app else None


@pytest.fixture(scope="module")
def app_url(browser_app):
    return browser_app.url if browser_app else None


@pytest.fixture(autouse=True)
def browser_app_as_before(request):
    """A browser test runs once more when it fails (see pytest_collection_modifyitems); the
    second run starts from the app's databases as the first one found them, since most tests
    make their own accounts and data."""
    if "app_url" in request.fixturenames:
        app = request.getfixturevalue("browser_app")
        if app is not None:
            if getattr(request.node, "execution_count", 1) > 1:
                app.restore()
            else:
                app.remember()
    yield


@pytest.fixture
def public_url(app_db, tmp_path):
    """The public door on the browser tests' database, as `make run` starts it beside the app
    (test_browser_public.py, test_browser_fieldwork.py)."""
    if app_db is None:
        yield None
        return
    port = free_port()
    with open(tmp_path / "public.log", "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "research", "--db", str(app_db), "public", "--port",
             str(port), "--address", "127.0.0.1"], cwd=ROOT, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError((tmp_path / "public.log").read_text()) from None
                time.sleep(0.2)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)


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


@pytest.fixture(autouse=True)
def main_module_kept():
    """AppTest leaves sys.modules["__main__"] pointing at the page it ran; a process started
    later with "spawn" would then run that page (or fail on a deleted script) as its main
    module. Put the real one back after every test."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


@pytest.fixture(autouse=True)
def fresh_open_cache():
    """Each test opens its own database file; drop the app's cached stores of earlier tests."""
    from research.ui import shell

    shell._open.clear()
    yield
    shell._open.clear()


@pytest.fixture
def demo_users(demo_store):
    """One account per role on the demo database (the coordinator belongs to Noord)."""
    return make_users(demo_store)


def pytest_sessionfinish(session, exitstatus):
    """Freeze what lives before pytest's last collection: with deduce loaded (the
    pseudonymisation tests), one walk over its millions of objects held each test process
    for many seconds after its last test."""
    import gc

    gc.freeze()
