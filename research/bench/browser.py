"""What users feel: clicks timed in Chromium against the app as `make run` starts it, on the
benchmark's invented data, before and after a pseudonymised import.

Functions and AppTest runs miss what a real session pays: Streamlit's garbage collection after
every run walks every object of the server process, so a model loaded once (deduce) slowed
every click of every user for the rest of the server's life. Here every action is timed from
the click until its result is on screen (the script run it started has ended and the element
it promised is visible), with the CPU the app's process spent on it, beside the same-run
baseline of a trivial page (Mijn account). Then the same actions again after a pseudonymised
import; then whether one user's long computation holds up another user's page; then the
first import on a server that has just started.
"""

from __future__ import annotations

import secrets
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from research import accounts
from research.accounts import SYSTEM_USER, User
from research.bench import invent, qual, server, survey, tracker
from research.bench.context import Context
from research.bench.measure import Record
from research.errors import UserError
from research.qual import documents
from research.schema import open_store
from research.startup import prepare

MEDIAN_TARGET, SLOWEST_TARGET = 0.5, 1.0
PREVIEW_TARGET, FIRST_IMPORT_TARGET, BUSY_TARGET = 3.0, 10.0, 1.0
REPEATS = 5
LOGINS = 3      # per phase: the round's own and two in new browser contexts
TYPING_MS = 80  # between two keys of the name and password at login
IMPORT_WORDS = 5_000
TIMEOUT_MS = 120_000

# What Streamlit 1.67 renders (see tests/browser.py).
APP = '[data-testid="stApp"]'
TITLE = '[data-testid="stMain"] h1'
NAV_LINK = '[data-testid="stSidebarNavLink"]'
DATAFRAME = '[data-testid="stDataFrame"]'
CHART_DRAWN = '[data-testid="stPlotlyChart"] svg.main-svg'

# The screen point of the middle of a sentence in the coding view (inside its shadow root).
SENTENCE_POINT = """(index) => {
  const host = [...document.querySelectorAll('*')].find(
      (e) => e.shadowRoot && e.shadowRoot.querySelector('.qv'));
  if (!host) return null;
  const segs = [...host.shadowRoot.querySelectorAll('.qv-seg')].filter(
      (s) => s.textContent.trim().length > 40);
  const seg = segs[index % segs.length];
  if (!seg) return null;
  seg.scrollIntoView({block: 'center'});
  const range = document.createRange();
  range.setStart(seg.firstChild, 10); range.setEnd(seg.firstChild, 11);
  const r = range.getBoundingClientRect();
  return [r.left + r.width / 2, r.top + r.height / 2];
}"""

ACTIONS = {
    "inloggen": "inloggen (formulier versturen tot de startpagina; drie keer per fase)",
    "start": "Start openen",
    "resultaten": "Resultaten openen (tabel en grafiek getekend)",
    "uitsplitsing": "uitsplitsing wisselen op Resultaten (keuze in de lijst tot tabel en grafiek)",
    "coderen": "Coderen openen op een document van 25.000 woorden",
    "zin_tikken": "een zin aantikken in Coderen (fragment-run)",
    "code_toepassen": "een code toepassen op de selectie",
    "zoeken": "zoeken in het project (Zoeken)",
    "vraag_vastleggen": "een bewonersvraag vastleggen",
    "bewonersvragen": "Bewonersvragen openen",
    "basislijn": "Mijn account openen (triviale pagina)",
}


class BrowserBenchError(UserError):
    """The browser benchmark cannot run here, with a Dutch message."""


@dataclass
class BrowserData:
    """The benchmark's app database (its own, so the app runs on nothing else) and logins."""

    context: Context
    password: str
    focus_words: int
    respondents: int
    files: list[Path]
    cold_file: Path


# -- building ---------------------------------------------------------------------------------

def _user(ctx: Context, name: str, password: str) -> User:
    return accounts.create_user(ctx.store, SYSTEM_USER, name, "beheerder", password,
                                display_name=name.capitalize())


def _import_files(folder: Path, count: int) -> list[Path]:
    """Interviews of IMPORT_WORDS words whose respondent has a name (to pseudonymise)."""
    rng = np.random.default_rng(invent.SEED + 40)
    made = []
    for index in range(count):
        name, data = invent.interview(rng, 500 + index, IMPORT_WORDS)
        path = folder / name
        path.write_bytes(data)
        made.append(path)
    return made


def build(ctx: Context) -> BrowserData:
    """The app's database with the qualitative, monitor and wijkwerkplaats data of this scale
    (built as those benchmarks build them), the focus group first in the document order, two
    accounts to log in with, and transcripts to import."""
    folder = ctx.folder / "browser"
    folder.mkdir()
    store = open_store(folder / "app.db")
    prepare(store)
    own = Context(store, folder, ctx.scale, ctx.notes)
    made = qual.build(own)
    lead = made.lead
    order = [made.focus_id] + [d for d in made.document_ids if d != made.focus_id]
    documents.reorder(store, lead, made.project_id, order)
    survey.build(own)
    tracker.build(own)
    password = secrets.token_urlsafe(12)
    for name in ("bank", "bank2"):
        _user(own, name, password)
    files = _import_files(folder, 3)
    return BrowserData(own, password, ctx.scale.focus_words, ctx.scale.respondents,
                       files[:2], files[2])


# -- driving ----------------------------------------------------------------------------------

class Driver:
    """One user's browser tab against the running app, timing what they do."""

    def __init__(self, browser, base: str, pid: int):
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.base, self.pid = base, pid

    def close(self) -> None:
        self.context.close()

    def _idle(self) -> None:
        self.page.wait_for_function(
            """() => { const a = document.querySelector('[data-testid="stApp"]');
                       return a && a.getAttribute('data-test-script-state') === 'notRunning'
                         && !document.querySelector('[data-testid="stStatusWidget"]'); }""",
            timeout=TIMEOUT_MS)

    def timed(self, act: Callable[[], None], ready: Callable[[], None]) -> tuple[float, float]:
        """(seconds, server CPU seconds) from `act` until `ready` has seen its result and the
        run has ended. `ready` must wait for something that only the new run shows (a new
        page's title, a panel that appears or goes): elements of the previous run stay on
        screen while a run works, and a fast run can start and end between two looks at the
        app's running state."""
        self._idle()
        cpu = server.cpu_seconds(self.pid)
        started = time.perf_counter()
        act()
        ready()
        self._idle()
        seconds = time.perf_counter() - started
        return seconds, server.cpu_seconds(self.pid) - cpu

    def visible(self, selector: str, text: str | None = None) -> Callable[[], None]:
        def ready() -> None:
            found = self.page.locator(selector)
            if text is not None:
                found = found.filter(has_text=text)
            found.first.wait_for(state="visible", timeout=TIMEOUT_MS)
        return ready

    def title(self, text: str) -> Callable[[], None]:
        def ready() -> None:
            self.page.locator(TITLE, has_text=text).first.wait_for(state="visible",
                                                                   timeout=TIMEOUT_MS)
        return ready

    def nav(self, label: str) -> Callable[[], None]:
        return lambda: self.page.locator(NAV_LINK).filter(has_text=label).first.click()

    # -- the actions --------------------------------------------------------------------------

    def log_in(self, username: str, password: str) -> tuple[float, float]:
        self.page.goto(self.base)
        self.page.get_by_label("Gebruikersnaam").wait_for(state="visible")
        # Typed as a fast typist types, not filled in at once: the login page has the browser
        # load the chart code while the user types (`shell.page_helpers`), and no one logs in
        # within a tenth of a second of seeing the form.
        self.page.get_by_label("Gebruikersnaam").press_sequentially(username, delay=TYPING_MS)
        # Exact: the field's eye button is called "Wachtwoord tonen".
        self.page.get_by_label("Wachtwoord", exact=True).press_sequentially(password,
                                                                           delay=TYPING_MS)
        result = self.timed(lambda: self.page.get_by_role("button", name="Inloggen").click(),
                            self.title("Start"))
        self._idle()
        return result

    def open_page(self, label: str, title: str, ready: Callable | None = None):
        def both() -> None:
            self.title(title)()
            if ready:
                ready()
        return self.timed(self.nav(label), both)

    def change_breakdown(self, option: str) -> tuple[float, float]:
        # Opening the list is the browser's alone (no run): the clock starts at the choice,
        # as it starts at the click on "Coderen" after the name is typed.
        self.page.get_by_test_id("stSelectbox").filter(has_text="Uitsplitsen naar").click()
        choice = self.page.get_by_role("option", name=option, exact=True)
        choice.wait_for(state="visible")

        def ready() -> None:
            # The table's title names the breakdown; then its chart is drawn anew.
            self.visible('[data-testid="stMain"] h3', f"naar {option.lower()}")()
            self.visible(CHART_DRAWN)()
        return self.timed(choice.click, ready)

    def tap_sentence(self, index: int) -> tuple[float, float]:
        point = None
        for _ in range(100):
            point = self.page.evaluate(SENTENCE_POINT, index)
            if point:
                break
            self.page.wait_for_timeout(100)
        if not point:
            raise BrowserBenchError("De codeerweergave toonde geen tekst.")
        return self.timed(lambda: self.page.mouse.click(*point),
                          self.visible('[data-testid="stMain"] h3', "Selectie"))

    def apply_code(self, name: str) -> tuple[float, float]:
        # Typing the name is the user's time, and finding the button by its accessible name
        # walks the whole document (Playwright's cost, not the app's): both before the clock.
        self.page.get_by_label("Of een nieuwe code").fill(name)
        button = self.page.get_by_role("button", name="Coderen", exact=True).element_handle()
        return self.timed(button.click, lambda: self.page.locator(
            '[data-testid="stMain"] h3', has_text="Selectie").wait_for(state="hidden"))

    def search(self, words: str) -> tuple[float, float]:
        def act() -> None:
            box = self.page.get_by_label("Zoek naar")
            box.fill(words)
            box.press("Enter")
        return self.timed(act, self.visible(DATAFRAME))

    def log_question(self, text: str) -> tuple[float, float]:
        self.page.get_by_label("Vraag, in de woorden van de bewoner").fill(text)
        self.page.get_by_label("Vraag, in de woorden van de bewoner").press("Tab")
        self._idle()
        return self.timed(lambda: self.page.get_by_role("button", name="Vastleggen").click(),
                          self.visible('[data-testid="stAlertContentSuccess"]', "vastgelegd"))

    def import_file(self, path: Path) -> tuple[float, float, float]:
        """(seconds to the preview, seconds of the import click, server CPU of both) for one
        transcript, pseudonymised (the page's default)."""
        self._idle()
        cpu = server.cpu_seconds(self.pid)
        started = time.perf_counter()
        self.page.get_by_test_id("stFileUploader").filter(
            has_text="Transcripten").locator('input[type="file"]').set_input_files(str(path))
        button = self.page.get_by_role("button", name="1 document(en) importeren")
        button.wait_for(state="visible")
        self.page.locator('[data-testid="stExpander"]').filter(has_text="Door").first.wait_for(
            state="visible")
        self._idle()
        preview = time.perf_counter() - started
        saved = self.timed(button.click, self.visible('[data-testid="stAlertContentSuccess"]',
                                                      "geïmporteerd"))
        return preview, saved[0], server.cpu_seconds(self.pid) - cpu


def _round(driver: Driver, username: str, password: str, repeats: int, label: str
           ) -> dict[str, list[tuple[float, float]]]:
    """Every action `repeats` times in one session (the first login included)."""
    timings: dict[str, list[tuple[float, float]]] = {name: [] for name in ACTIONS}
    timings["inloggen"].append(driver.log_in(username, password))
    options = ["Regio", "Grootteklasse"]
    for repeat in range(repeats):
        timings["basislijn"].append(driver.open_page("Mijn account", "Mijn account"))
        timings["start"].append(driver.open_page("Start", "Start"))
        timings["resultaten"].append(driver.open_page("Resultaten", "Resultaten",
                                                      driver.visible(CHART_DRAWN)))
        timings["uitsplitsing"].append(driver.change_breakdown(options[repeat % 2]))
        timings["coderen"].append(driver.open_page(
            "Coderen", "Coderen", lambda: driver.page.wait_for_function(
                "() => [...document.querySelectorAll('*')].some("
                "(e) => e.shadowRoot && e.shadowRoot.querySelector('.qv-seg'))")))
        timings["zin_tikken"].append(driver.tap_sentence(repeat * 7 + 3))
        timings["code_toepassen"].append(driver.apply_code(
            f"Benchmark {label} {repeat} {secrets.token_hex(3)}"))
        timings["zoeken"].append(_search(driver, ["wachtlijst gemeente", "buurthuis",
                                                  "vertrouwen"][repeat % 3]))
        driver.open_page("Vraag vastleggen", "Vraag vastleggen")
        timings["vraag_vastleggen"].append(driver.log_question(
            f"Waarom duurt de wachtlijst voor het buurthuis zo lang ({label} {repeat})?"))
        timings["bewonersvragen"].append(driver.open_page("Bewonersvragen", "Bewonersvragen",
                                                          driver.visible(DATAFRAME)))
    return timings


def _logins(browser, base: str, pid: int, username: str, password: str, count: int
            ) -> list[tuple[float, float]]:
    """`count` more logins, each in a new browser context (a round logs in only once)."""
    timed = []
    for _ in range(count):
        driver = Driver(browser, base, pid)
        timed.append(driver.log_in(username, password))
        driver.close()
    return timed


def _search(driver: Driver, words: str) -> tuple[float, float]:
    driver.open_page("Zoeken", "Zoeken")
    return driver.search(words)


def _records(timings: dict, phase: str, scale: str, baseline: list[tuple[float, float]],
             size: dict[str, tuple[int, str]]) -> list[Record]:
    """One record per action of a round: median and slowest click, CPU per click."""
    base = statistics.median(s for s, _ in baseline)
    made = []
    for name, measured in timings.items():
        if not measured:
            continue
        seconds = [s for s, _ in measured]
        cpu = statistics.median(c for _, c in measured)
        median, slowest = statistics.median(seconds), max(seconds)
        count, unit = size.get(name, (None, ""))
        made.append(Record(
            name=f"browser.{name}", scale=scale, seconds=round(median, 4),
            baseline_seconds=round(base, 4), ratio=round(median / base, 2) if base else None,
            target_seconds=MEDIAN_TARGET,
            meets=median <= MEDIAN_TARGET and slowest <= SLOWEST_TARGET,
            spread_seconds=[round(min(seconds), 4), round(slowest, 4)],
            runs=len(seconds), size=count, size_unit=unit, phase=phase,
            cpu_seconds=round(cpu, 4), baseline="Mijn account openen in dezelfde sessie",
            note=f"{ACTIONS[name]}; {phase}; klik tot zichtbaar, traagste ≤ "
                 f"{SLOWEST_TARGET:g} s; CPU van het app-proces per klik (mediaan) "
                 f"{cpu:.3f} s"))
    return made


def _busy(browser, base: str, pid: int, password: str, repeats: int) -> list[tuple[float, float]]:
    """Another user's page opens while one user recomputes a wave's results or computes
    agreement: the heavy user clicks, and the other opens a page at once."""
    heavy, other = Driver(browser, base, pid), Driver(browser, base, pid)
    try:
        heavy.log_in("bank2", password)
        other.log_in("bank", password)
        measured = []
        for repeat in range(repeats):
            if repeat % 2 == 0:
                heavy.open_page("Resultaten", "Resultaten")
                heavy.page.get_by_role("button", name="Opnieuw berekenen").click()
            else:
                heavy.open_page("Start", "Start")
                heavy.nav("Overeenstemming")()
            target = ("Bewonersvragen", "Start", "Mijn account")[repeat % 3]
            measured.append(other.open_page(target, target))
            heavy._idle()
        return measured
    finally:
        heavy.close()
        other.close()


def clicks(ctx: Context, data: BrowserData) -> list[Record]:
    """The whole browser benchmark at this scale (see the module's docstring)."""
    try:
        from playwright import sync_api
    except ImportError as error:
        raise BrowserBenchError("De browserbenchmark heeft Playwright nodig (`make bench` "
                                "installeert het).") from error
    chromium = server.find_chromium()
    if chromium is None:
        raise BrowserBenchError("Chromium ontbreekt (/usr/bin/chromium of RESEARCH_CHROMIUM); "
                                "installeer Debians pakket chromium.")
    scale = ctx.scale.name
    size = {"coderen": (data.focus_words, "woorden in het document"),
            "zin_tikken": (data.focus_words, "woorden in het document"),
            "code_toepassen": (data.focus_words, "woorden in het document"),
            "resultaten": (data.respondents, "respondenten"),
            "uitsplitsing": (data.respondents, "respondenten")}
    records: list[Record] = []
    db, log = data.context.path, data.context.folder / "app.log"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True,
                                             args=server.LAUNCH_ARGS)
        with server.serving(db, log) as (base, process):
            driver = Driver(browser, base, process.pid)
            before = _shot_on_failure(driver, data, lambda: _round(
                driver, "bank", data.password, REPEATS, "voor"))
            before["inloggen"] += _logins(browser, base, process.pid, "bank", data.password,
                                        LOGINS - 1)
            records += _records(before, "voor de import", scale, before["basislijn"], size)
            driver.open_page("Importeren", "Importeren")
            imported = _shot_on_failure(driver, data, lambda: [
                driver.import_file(path) for path in data.files])
            driver.close()
            records += _import_records(imported, scale, before["basislijn"])
            after_driver = Driver(browser, base, process.pid)
            after = _round(after_driver, "bank", data.password, REPEATS, "na")
            after_driver.close()
            after["inloggen"] += _logins(browser, base, process.pid, "bank", data.password,
                                        LOGINS - 1)
            records += _records(after, "na een gepseudonimiseerde import", scale,
                                after["basislijn"], size)
            busy = _busy(browser, base, process.pid, data.password, REPEATS * 2)
            records.append(_busy_record(busy, scale, after["basislijn"]))
        # Not warm: the first import right after the start is what is measured here.
        with server.serving(db, data.context.folder / "app-koud.log", warm=False) as (
                base, process):
            cold = Driver(browser, base, process.pid)
            cold.log_in("bank", data.password)
            cold.open_page("Importeren", "Importeren")
            first = cold.import_file(data.cold_file)
            cold.close()
            records.append(_first_import_record(first, scale))
        browser.close()
    return records


def _shot_on_failure(driver: Driver, data: BrowserData, work: Callable):
    """Run `work`; when it fails, keep a screenshot of the page beside the app's log."""
    try:
        return work()
    except Exception:
        driver.page.screenshot(path=str(data.context.folder / "mislukt.png"), full_page=True)
        raise


def _import_records(imported: list[tuple[float, float, float]], scale: str,
                    baseline: list[tuple[float, float]]) -> list[Record]:
    """The preview of a 5,000-word transcript with a warm model, and the import click."""
    base = statistics.median(s for s, _ in baseline)
    previews = [p for p, _, _ in imported]
    saves = [s for _, s, _ in imported]
    made = []
    for name, seconds, target, what in [
            ("browser.import_voorbeeld", previews, PREVIEW_TARGET,
             "uploaden tot het voorbeeld met voorgestelde pseudoniemen (model warm)"),
            ("browser.import_opslaan", saves, None,
             "klik op importeren tot de melding (slaat op wat het voorbeeld liet zien)")]:
        median = statistics.median(seconds)
        made.append(Record(
            name=name, scale=scale, seconds=round(median, 4), baseline_seconds=round(base, 4),
            ratio=round(median / base, 2), target_seconds=target,
            meets=None if target is None else max(seconds) <= target,
            spread_seconds=[round(min(seconds), 4), round(max(seconds), 4)],
            runs=len(seconds), size=IMPORT_WORDS, size_unit="woorden", phase="import",
            cpu_seconds=round(statistics.median(c for _, _, c in imported), 4),
            baseline="Mijn account openen", note=what))
    return made


def _first_import_record(first: tuple[float, float, float], scale: str) -> Record:
    total = first[0] + first[1]
    return Record(
        name="browser.eerste_import", scale=scale, seconds=round(total, 4),
        baseline_seconds=None, ratio=None, target_seconds=FIRST_IMPORT_TARGET,
        meets=total <= FIRST_IMPORT_TARGET, spread_seconds=[round(total, 4)] * 2, runs=1,
        size=IMPORT_WORDS, size_unit="woorden", phase="net gestart", cpu_seconds=round(first[2], 4),
        baseline="–", note=f"eerste import na het starten van de server: inloggen, uploaden tot "
                           f"het voorbeeld ({first[0]:.1f} s) en importeren ({first[1]:.1f} s)")


def _busy_record(measured: list[tuple[float, float]], scale: str,
                 baseline: list[tuple[float, float]]) -> Record:
    seconds = [s for s, _ in measured]
    base = statistics.median(s for s, _ in baseline)
    median = statistics.median(seconds)
    return Record(
        name="browser.pagina_naast_rekenwerk", scale=scale, seconds=round(median, 4),
        baseline_seconds=round(base, 4), ratio=round(median / base, 2),
        target_seconds=BUSY_TARGET, meets=max(seconds) <= BUSY_TARGET,
        spread_seconds=[round(min(seconds), 4), round(max(seconds), 4)], runs=len(seconds),
        phase="twee gebruikers", cpu_seconds=round(statistics.median(c for _, c in measured), 4),
        baseline="Mijn account openen zonder ander werk",
        note="een pagina openen terwijl een andere gebruiker de resultaten van een meting "
             "opnieuw berekent of de overeenstemming laat berekenen; traagste ≤ 1 s")


OPERATIONS = {"browser.clicks": clicks}
