"""Similar-question hints that survive rewording, in the browser (issue 20): a coordinator of
Noord logs one question of a paraphrase pair, types the other (it shares no content word with
the first, and the lexical ranking alone does not list it) and sees the earlier one among the
five hints. The pair is one of the project's
own (tests/data/bewonersvragen_herformuleerd.yaml), never one of the independent set's."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import yaml

from browser import PAGE_TITLE, log_in, require_browser, wait_until_idle
from conftest import PASSWORD
from research import accounts
from research.accounts import SYSTEM_USER
from research.schema import open_store
from research.tracker import questions, similarity

OWN_PAIRS = Path(__file__).parent / "data" / "bewonersvragen_herformuleerd.yaml"
FIELD = "Vraag, in de woorden van de bewoner"


def pair(group: int) -> tuple[str, str]:
    """The two wordings of one of our own paraphrase groups."""
    with open(OWN_PAIRS, encoding="utf-8") as handle:
        rows = [q for q in yaml.safe_load(handle)["vragen"] if q["groep"] == group]
    assert len(rows) == 2 and rows[0]["wijk"] == "noord"
    return rows[0]["tekst"], rows[1]["tekst"]


def earlier_questions(store, groups) -> None:
    """The first wording of some of our own Noord pairs, logged before the gathering."""
    for group in groups:
        questions.log_question(store, SYSTEM_USER, wijk_id="noord", asked_on=date(2026, 1, 5),
                               text=pair(group)[0], asker_group="bewoner",
                               today=date(2026, 6, 1))


def test_the_paraphrase_of_an_earlier_question_is_among_the_hints(
        browser, app_url, app_db, sync_api, screenshots):
    require_browser()
    expect = sync_api.expect
    store = open_store(app_db)
    try:
        hanna = accounts.create_user(store, SYSTEM_USER, "hanna", "coordinator", PASSWORD,
                                     wijken=["noord"])
        earlier_questions(store, range(1, 8))
    finally:
        store.close()
    # A wreck of a car left in the street, said twice in other words.
    earlier, later = pair(8)
    context = browser.new_context(viewport={"width": 1200, "height": 1400}, locale="nl-NL")
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        page.goto(f"{app_url}/tracker_log")
        log_in(page, "hanna", PASSWORD)
        expect(page.locator(PAGE_TITLE)).to_have_text("Vraag vastleggen")
        wait_until_idle(page)
        page.get_by_label(FIELD).fill(earlier)
        page.get_by_label(FIELD).press("Tab")
        wait_until_idle(page)
        page.get_by_role("button", name="Vastleggen").click()
        expect(page.get_by_text("vastgelegd.", exact=False)).to_be_visible()
        wait_until_idle(page)
        store = open_store(app_db)
        try:
            saved = store.rows("SELECT id, wijk_id FROM questions WHERE text = ?", [earlier])
            # By words alone it is not among the hints (no content word in common).
            lexical = similarity.similar(store, hanna, later, "noord")
        finally:
            store.close()
        assert [r["wijk_id"] for r in saved] == ["noord"], saved
        assert earlier not in [r["text"] for r in lexical]

        page.get_by_label(FIELD).fill(later)
        page.get_by_label(FIELD).press("Tab")
        # The lexical hints come at once; those by meaning when the model worker has them
        # (the page looks again every half second). The first answer may wait for the
        # worker's warm-up (deduce) and for the demo's questions to be embedded.
        wait_until_idle(page)
        expect(page.get_by_text("Lijkt op", exact=False).first).to_be_visible(timeout=180_000)
        # Wait until the page no longer says it is searching by meaning.
        quiet = 0
        for _ in range(360):
            searching = page.get_by_text("worden nog gezocht", exact=False).count()
            quiet = 0 if searching else quiet + 1
            if quiet >= 3:
                break
            page.wait_for_timeout(500)
        wait_until_idle(page)
        page.get_by_text("Lijkt op", exact=False).first.click()
        expander = page.get_by_test_id("stExpander").filter(has_text="Lijkt op").first
        expect(expander).to_contain_text(re.compile(r"Lijkt op [1-5] eerdere"))
        expect(expander.get_by_text(earlier, exact=False)).to_be_visible()
        page.screenshot(path=str(screenshots / "hints-by-meaning.png"), full_page=True)
    finally:
        context.close()
