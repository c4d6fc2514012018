"""Similar-question hints that survive rewording, in the browser (issue 20): a coordinator of
Noord logs one question of a paraphrase pair, types the other (it shares no content word with
the first) and sees the earlier one among the five hints. The pair is one of the project's
own (tests/data/bewonersvragen_herformuleerd.yaml), never one of the independent set's."""

from __future__ import annotations

from pathlib import Path

import yaml

from browser import PAGE_TITLE, log_in, require_browser, wait_until_idle
from conftest import PASSWORD
from research import accounts
from research.accounts import SYSTEM_USER
from research.schema import open_store

OWN_PAIRS = Path(__file__).parent / "data" / "bewonersvragen_herformuleerd.yaml"
FIELD = "Vraag, in de woorden van de bewoner"


def pair(group: int) -> tuple[str, str]:
    """The two wordings of one of our own paraphrase groups."""
    with open(OWN_PAIRS, encoding="utf-8") as handle:
        rows = [q for q in yaml.safe_load(handle)["vragen"] if q["groep"] == group]
    assert len(rows) == 2 and rows[0]["wijk"] == "noord"
    return rows[0]["tekst"], rows[1]["tekst"]


def test_the_paraphrase_of_an_earlier_question_is_among_the_hints(
        browser, app_url, app_db, sync_api, screenshots):
    require_browser()
    expect = sync_api.expect
    store = open_store(app_db)
    try:
        accounts.create_user(store, SYSTEM_USER, "hanna", "coordinator", PASSWORD,
                             wijken=["noord"])
    finally:
        store.close()
    earlier, later = pair(2)   # the rent rise, said twice in other words
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

        page.get_by_label(FIELD).fill(later)
        page.get_by_label(FIELD).press("Tab")
        # The lexical hints come at once; those by meaning when the model worker has them
        # (the page looks again every half second). The first answer may wait for the
        # worker's warm-up (deduce) and for the demo's questions to be embedded.
        wait_until_idle(page)
        expect(page.get_by_text("Lijkt op", exact=False).first).to_be_visible(timeout=180_000)
        for _ in range(360):
            if page.get_by_text("worden nog gezocht", exact=False).count() == 0:
                break
            page.wait_for_timeout(500)
        wait_until_idle(page)
        page.get_by_text("Lijkt op", exact=False).first.click()
        expect(page.get_by_text(earlier, exact=False).first).to_be_visible()
        listed = page.get_by_test_id("stExpander").first.get_by_test_id("stText")
        texts = [t.strip() for t in listed.all_inner_texts()]
        assert len(texts) <= 5
        assert any(t.endswith(earlier) for t in texts), texts
        page.screenshot(path=str(screenshots / "hints-by-meaning.png"), full_page=True)
    finally:
        context.close()
