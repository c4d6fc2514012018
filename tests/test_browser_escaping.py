"""Escaping in a real browser: HTML, script and web and e-mail addresses planted in every kind
of user text (code names, memos, document names, questions, ontwikkelvragen, monitor names,
question labels, open answers, frame units, notes) are shown as text on every page: nothing
runs and nothing becomes a link."""

from __future__ import annotations

from datetime import date

import pandas as pd

from browser import EXCEPTION, NAV_LINK, PAGE_TITLE, log_in, require_browser, wait_until_idle
from conftest import PASSWORD
from research.accounts import SYSTEM_USER
from research.qual import codebook, documents, memos, projects
from research.schema import open_store
from research.survey import fieldwork, monitors, results, waves
from research.tracker import ontwikkelvragen, questions
from research.ui import shell

IMG = '<img src=x onerror="window.__xss=1">'
SCRIPT = "<script>window.__xss=2</script>"
ADDRESS = "www.outside.example"
BAD = (f"Let op {IMG} en {SCRIPT}, zie {ADDRESS}, https://outside.example/x of "
       "a@outside.example")


def plant(db) -> None:
    """Hostile text in every place a user can type or upload text."""
    store = open_store(db)
    try:
        project = projects.create_project(store, SYSTEM_USER, f"Project {IMG}")
        document = documents.add_document(store, SYSTEM_USER, project, f"Interview {SCRIPT}.docx",
                                          f"Int: {BAD}\nR1: {BAD}\n")
        code = codebook.add_code(store, SYSTEM_USER, project, f"Code {IMG} {ADDRESS}",
                                 description=BAD)
        memos.add_memo(store, SYSTEM_USER, project, f"Memo {SCRIPT} {ADDRESS}", BAD)
        from research.qual import codings
        codings.add_codings(store, SYSTEM_USER, document, [code], 5, 20)
        question = questions.log_question(store, SYSTEM_USER, wijk_id="noord",
                                          asked_on=date(2026, 11, 1), text=BAD,
                                          asker_group="bewoner", place=IMG)
        ontwikkelvragen.create(store, SYSTEM_USER, wijk_id="noord", year=2030,
                               title=f"Titel {IMG}", question=BAD, rationale=SCRIPT,
                               question_ids=[question])
        monitor = monitors.create_monitor(store, SYSTEM_USER, f"Monitor {IMG}", "gemeente", BAD)
        monitors.set_frame(store, SYSTEM_USER, monitor, [
            {"code": f"X{i}", "name": f"Gemeente {SCRIPT} {i}", "region": IMG,
             "size_class": SCRIPT} for i in range(30)])
        variables = [{"name": "cijfer", "label": f"Cijfer {IMG}", "type": "rapportcijfer",
                      "question": BAD, "topic": SCRIPT},
                     {"name": "open", "label": f"Open {SCRIPT}", "type": "open",
                      "question": BAD}]
        data = pd.DataFrame({"eenheid": [f"X{i}" for i in range(25)], "cijfer": [7] * 25,
                             "open": [BAD] * 25})
        wave = waves.import_wave(store, SYSTEM_USER, monitor, f"2026 {IMG} {ADDRESS}", 2026,
                                 variables,
                                 data)
        results.compute(store, SYSTEM_USER, wave)
        unit = store.value("SELECT id FROM frame_units WHERE code = 'X29'")
        fieldwork.add_note(store, SYSTEM_USER, wave, unit, BAD)
    finally:
        store.close()


def test_planted_html_is_text_on_every_page(page, app_url, app_db, sync_api):
    require_browser()
    expect = sync_api.expect
    plant(app_db)
    page.goto(app_url)
    log_in(page, "admin", PASSWORD)
    wait_until_idle(page)
    links = page.locator(NAV_LINK)
    for index, spec in enumerate(shell.PAGES):
        links.nth(index).click()
        expect(page.locator(PAGE_TITLE)).to_have_text(spec.title)
        wait_until_idle(page)
        assert page.locator(EXCEPTION).count() == 0, spec.title
        # No element was made from the planted markup, no address became a link, and no
        # script ran.
        assert page.locator('img[src="x"]').count() == 0, spec.title
        assert page.locator('a[href*="outside.example"]').count() == 0, spec.title
        assert page.evaluate("() => window.__xss") is None, spec.title
    # The planted texts are on screen, literally, where a user would meet them.
    pages = [s.file for s in shell.PAGES]
    views = [("survey_results.py", [("Monitor", f"Monitor {IMG}"),
                                    ("Vraag", f"{SCRIPT} · Cijfer {IMG}")], f"Cijfer {IMG}"),
             ("survey_quotes.py", [("Monitor", f"Monitor {IMG}")], "Let op <img"),
             ("survey_setup.py", [("Monitor", f"Monitor {IMG}")], f"Cijfer {IMG}"),
             ("qual_memos.py", [("Project", f"Project {IMG}")], f"Memo {SCRIPT}"),
             ("qual_codebook.py", [("Project", f"Project {IMG}")], f"Code {IMG}"),
             ("qual_code.py", [("Project", f"Project {IMG}")], "R1: Let op <img")]
    for file, choices, literal in views:
        links.nth(pages.index(file)).click()
        wait_until_idle(page)
        for label, option in choices:
            choose(page, label, option, expect)
        expect(page.get_by_text(literal, exact=False).first).to_be_attached(timeout=15_000)
        assert page.locator('img[src="x"]').count() == 0, file
        assert page.locator('a[href*="outside.example"]').count() == 0, file
        assert page.evaluate("() => window.__xss") is None, file


def choose(page, label: str, option: str, expect) -> None:
    """Pick a selectbox option by typing it (the options hold the planted markup as text)."""
    page.get_by_role("combobox", name=label).first.click()
    page.get_by_role("option", name=option, exact=True).click()
    expect(page.get_by_role("combobox", name=label).first).to_have_value(option)
    page.wait_for_timeout(300)
    wait_until_idle(page)
