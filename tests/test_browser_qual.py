"""Qualitative work in a real browser: transcripts uploaded and pseudonymised, a passage
coded by dragging the mouse over it in the coding view; a memo's markdown fetches nothing from
outside; a code name with a link in it is text in the network chart; a long document is drawn
in slices."""

from __future__ import annotations

import re
import sqlite3
from urllib.parse import urlsplit

from browser import (
    NAV_LINK,
    PAGE_TITLE,
    PLOTLY_CHART,
    log_in,
    require_browser,
    settled,
    settled_box,
    wait_for_charts,
    wait_until_idle,
)
from conftest import PASSWORD
from research import accounts
from research.accounts import SYSTEM_USER
from research.qual import axial, codebook, documents, memos, projects
from research.schema import open_store
from research.ui.coding_component import JS as coding_view_js_source

VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
<v Jan de Vries>Welkom bij de focusgroep over de buurtkamer.</v>

00:00:04.500 --> 00:00:09.000
<v Samira Bakker>Ik kom er elke week, mijn buurvrouw Ans nam me mee.</v>

00:00:09.500 --> 00:00:12.000
<v Samira Bakker>Zonder haar was ik nooit gegaan.</v>

00:00:12.500 --> 00:00:15.000
<v Jan de Vries>Wat maakt de plek voor u belangrijk?</v>

00:00:15.500 --> 00:00:19.000
<v Samira Bakker>De mensen. Ik durfde eerst niets te vragen.</v>

00:00:19.500 --> 00:00:22.000
<v Jan de Vries>Zie <img src=x onerror="window.__xss=1"> en <script>window.__xss=2</script></v>
"""

# JavaScript: the screen points of the first and last character of `needle` in the coding
# view (inside the component's shadow root), so the test can drag the real mouse over them.
FIND = """(needle) => {
  const host = [...document.querySelectorAll('*')].find(
      (e) => e.shadowRoot && e.shadowRoot.querySelector('.qv'));
  if (!host) return null;  // the component has not mounted yet
  for (const seg of host.shadowRoot.querySelectorAll('.qv-seg')) {
    const at = seg.textContent.indexOf(needle);
    if (at < 0) continue;
    const node = seg.firstChild;
    const rect = (i) => { const r = document.createRange(); r.setStart(node, i);
                          r.setEnd(node, i + 1); return r.getBoundingClientRect(); };
    const first = rect(at), last = rect(at + needle.length - 1);
    return [first.left + 1, first.top + first.height / 2,
            last.right - 1, last.top + last.height / 2];
  }
  return null;
}"""


def find_settled(page, sync_api, needle: str, tries: int = 100):
    """Where `needle` stands in the coding view, once the fonts are in and two looks 250 ms
    apart agree: a drag made while the text still moves (a late web font reflowing the
    lines, a redraw) selects other words than the ones found."""
    page.evaluate("() => document.fonts.ready.then(() => true)")

    def look():
        try:
            return page.evaluate(FIND, needle)
        except sync_api.Error:  # the component has not drawn its shadow root yet
            return None

    return settled(page, look, tries, 250)


def make_docx(path, turns):
    from docx import Document
    document = Document()
    for speaker, text in turns:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{speaker}:").bold = True
        paragraph.add_run(f" {text}")
    document.save(path)


def test_upload_pseudonymise_and_code_with_the_mouse(page, app_url, app_db, sync_api, tmp_path,
                                                      screenshots):
    require_browser()
    expect = sync_api.expect
    vtt = tmp_path / "Focusgroep Noord.vtt"
    vtt.write_text(VTT, encoding="utf-8")
    first, second = tmp_path / "Interview 1.docx", tmp_path / "Interview 2.docx"
    make_docx(first, [("Interviewer", "Hoe gaat het met u?"),
                      ("Kees Jansen", "Goed. Ik woon aan de Dapperstraat 12."),
                      ("Interviewer", "Fijn."), ("Kees Jansen", "Ja, echt.")])
    make_docx(second, [("Interviewer", "Wat doet u in de buurt?"),
                       ("Fatima El Amrani", "Ik help bij de voedselbank."),
                       ("Interviewer", "Sinds wanneer?"), ("Fatima El Amrani", "Sinds 2019.")])

    page.goto(app_url + "/qual_import")
    log_in(page, "admin", PASSWORD)
    expect(page.locator(PAGE_TITLE)).to_have_text("Importeren")
    wait_until_idle(page)
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Transcripten")
    uploader.locator('input[type="file"]').set_input_files([str(vtt), str(first), str(second)])
    button = page.get_by_role("button", name="3 document(en) importeren")
    expect(button).to_be_visible(timeout=30_000)
    wait_until_idle(page)
    page.screenshot(path=str(screenshots / "qual-import.png"), full_page=True)
    button.click()
    wait_until_idle(page)
    expect(page.get_by_text("geïmporteerd.")).to_have_count(3, timeout=30_000)
    wait_until_idle(page)

    db = sqlite3.connect(app_db)
    try:
        names = [r[0] for r in db.execute(
            "SELECT name FROM documents WHERE pseudonymised = 1 ORDER BY name")]
        texts = " ".join(r[0] for r in db.execute(
            "SELECT text FROM documents WHERE pseudonymised = 1"))
    finally:
        db.close()
    assert names == ["Focusgroep Noord", "Interview 1", "Interview 2"]
    for original in ("Jan de Vries", "Samira Bakker", "Kees Jansen", "Fatima El Amrani",
                     "Dapperstraat"):
        assert original not in texts
    assert "[Deelnemer 1]: Welkom bij de focusgroep" in texts

    # Code a passage of the first demo interview by dragging the mouse over it.
    # Through the menu: a new page load would start a new session (and ask to log in again).
    page.locator(NAV_LINK).filter(has_text="Coderen").click()
    expect(page.locator(PAGE_TITLE)).to_have_text("Coderen")
    wait_until_idle(page)
    points = find_settled(page, sync_api, "Via mijn buurvrouw")
    assert points, "the coding view did not show the transcript"
    x0, y0, x1, y1 = points
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=5)
    page.mouse.move(x1, y1, steps=5)
    page.mouse.up()
    # The side panel shows the selected words, and the view marks them as selected.
    expect(page.get_by_test_id("stText").get_by_text("Via mijn buurvrouw", exact=True)
           ).to_be_visible(timeout=15_000)
    expect(page.locator(".qv-seg.sel")).to_have_text("Via mijn buurvrouw")
    wait_until_idle(page)
    page.get_by_label("Of een nieuwe code").fill("Buurvrouw als brug")
    page.get_by_role("button", name="Coderen").click()
    wait_until_idle(page)
    page.screenshot(path=str(screenshots / "qual-coded.png"), full_page=True)
    db = sqlite3.connect(app_db)
    try:
        coded = db.execute(
            "SELECT substr(d.text, g.start_pos + 1, g.end_pos - g.start_pos), u.username"
            " FROM codings g JOIN codes c ON c.id = g.code_id JOIN documents d"
            " ON d.id = g.document_id LEFT JOIN users u ON u.id = g.created_by"
            " WHERE c.name = 'Buurvrouw als brug'").fetchall()
    finally:
        db.close()
    assert coded == [("Via mijn buurvrouw", "admin")]

    # Transcript text with HTML in it is shown as text; nothing in it runs.
    page.get_by_test_id("stSelectbox").filter(has_text="Document").click()
    page.get_by_role("option", name="Focusgroep Noord").click()
    wait_until_idle(page)
    expect(page.locator(".qv-seg").filter(has_text="<img src=x onerror=")).to_have_count(
        1, timeout=15_000)
    assert page.evaluate("() => window.__xss") is None
    page.screenshot(path=str(screenshots / "qual-html-as-text.png"), full_page=True)


def test_the_coding_panel_checks_the_login_on_every_rerun(page, app_url, app_db, sync_api):
    """The coding panel is a fragment: it reruns without the page's guard. An account
    disabled on the command line while its tab is open codes nothing there any more."""
    require_browser()
    expect = sync_api.expect
    import subprocess
    import sys

    from browser import ROOT
    from research import accounts
    from research.accounts import SYSTEM_USER
    from research.qual import projects
    from research.schema import open_store

    store = open_store(app_db)
    try:
        fenna = accounts.create_user(store, SYSTEM_USER, "fenna", "onderzoeker", PASSWORD)
        for project in projects.list_projects(store, SYSTEM_USER):
            projects.add_member(store, SYSTEM_USER, project["id"], fenna.id)
    finally:
        store.close()

    page.goto(app_url + "/qual_code")
    log_in(page, "fenna", PASSWORD)
    expect(page.locator(PAGE_TITLE)).to_have_text("Coderen", timeout=30_000)
    wait_until_idle(page)
    points = find_settled(page, sync_api, "Via mijn buurvrouw")
    assert points, "the coding view did not show the transcript"
    x0, y0, x1, y1 = points
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x1, y1, steps=5)
    page.mouse.up()
    expect(page.get_by_test_id("stText").get_by_text("Via mijn buurvrouw", exact=True)
           ).to_be_visible(timeout=15_000)
    wait_until_idle(page)

    done = subprocess.run([sys.executable, "-m", "research", "--db", str(app_db), "user",
                           "disable", "fenna"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.stdout == "Account 'fenna' uitgeschakeld.\n", done.stderr
    db = sqlite3.connect(app_db)
    try:
        codes_before = db.execute("SELECT count(*) FROM codes").fetchone()
    finally:
        db.close()
    # A plain button inside the fragment (the in-vivo code): its click reruns the fragment only.
    page.get_by_role("button", name="In-vivo code").click()
    wait_until_idle(page)

    # The whole app reran into the login page; the fragment saved nothing.
    expect(page.get_by_role("button", name="Inloggen")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Je account is uitgeschakeld. Neem contact op met een "
                            "beheerder.")).to_be_visible()
    db = sqlite3.connect(app_db)
    try:
        assert db.execute("SELECT count(*) FROM codes").fetchone() == codes_before
        assert db.execute("SELECT count(*) FROM codings WHERE created_by = ?",
                          [fenna.id]).fetchone() == (0,)
    finally:
        db.close()


# Every way markdown can point outside: an image, a reference image, a link, an autolink, bare
# web and e-mail addresses; and formatting that must survive.
OUTSIDE_MEMO = ("Zie ![pixel](http://outside.example/track.png) en ![ref][p], "
                "[klik](https://outside.example/doc) of <https://outside.example/auto>, "
                "www.outside.example/www, https://outside.example/bare en "
                "info@outside.example.\n\n[p]: http://outside.example/ref.png\n\n"
                "**Vet** blijft vet.")


def test_a_memo_makes_the_browser_fetch_nothing_from_outside(page, app_url, app_db, sync_api):
    require_browser()
    expect = sync_api.expect
    store = open_store(app_db)
    try:
        admin = accounts.find_user(store, "admin")
        project_id = projects.list_projects(store, admin)[0]["id"]
        memos.add_memo(store, SYSTEM_USER, project_id, "Volgpixel", OUTSIDE_MEMO)
    finally:
        store.close()
    local = urlsplit(app_url).netloc
    outside = []
    page.on("request", lambda request: urlsplit(request.url).netloc not in ("", local)
            and outside.append(request.url))

    page.goto(app_url + "/qual_memos")
    log_in(page, "admin", PASSWORD)
    expect(page.locator(PAGE_TITLE)).to_have_text("Memo's", timeout=30_000)
    wait_until_idle(page)
    memo = page.get_by_test_id("stExpander").filter(has_text="Volgpixel")
    memo.locator("summary").click()
    body = memo.get_by_test_id("stMarkdownContainer").filter(has_text="blijft vet")
    expect(body).to_be_visible(timeout=15_000)
    page.wait_for_timeout(1_000)  # time for an image request to leave, if one would

    assert outside == []
    assert body.locator("img, a").count() == 0
    # The addresses read as text (with an invisible word joiner in them); formatting stays.
    shown = body.inner_text().replace("\u2060", "")
    assert "![pixel](http://outside.example/track.png)" in shown
    assert "<https://outside.example/auto>" in shown
    assert "info@outside.example" in shown
    expect(body.locator("strong")).to_have_text("Vet")


LINKED = '<a href="http://outside.example/">klik</a>'


def test_a_code_name_with_a_link_is_text_in_the_network_chart(page, app_url, app_db, sync_api):
    require_browser()
    expect = sync_api.expect
    store = open_store(app_db)
    try:
        admin = accounts.find_user(store, "admin")
        project_id = projects.list_projects(store, admin)[0]["id"]
        linked = codebook.add_code(store, admin, project_id, f"Code {LINKED}")
        other = next(c["id"] for c in codebook.codes(store, admin, project_id)
                     if c["id"] != linked)
        kind = axial.add_relation_type(store, admin, project_id, f"leidt tot {LINKED}", True)
        axial.add_relation(store, admin, linked, other, kind)
    finally:
        store.close()

    page.goto(app_url + "/qual_axial")
    log_in(page, "admin", PASSWORD)
    expect(page.locator(PAGE_TITLE)).to_have_text("Axiaal en selectief", timeout=30_000)
    wait_until_idle(page)
    page.get_by_role("tab", name="Netwerk").click()
    wait_until_idle(page)
    wait_for_charts(page)
    chart = page.locator(PLOTLY_CHART)
    # Plotly would draw the name's <a> as a link inside the chart; it shows the text instead.
    # (A long name is drawn over lines: the text's lines follow each other without a space.)
    expect(chart.locator("svg text").filter(has_text="Code <a").filter(
        has_text='href="http://outside.example/">klik</a>')).to_have_count(1, timeout=15_000)
    assert chart.locator("svg a").count() == 0


# -- a three-coder ATLAS.ti project, agreement, a round trip; two interviews (issue 17) ------

def coded_by(db_path, project: str) -> list[tuple]:
    """(document, passage, code, coder) of every coding of a project, sorted."""
    db = sqlite3.connect(db_path)
    try:
        return sorted(db.execute(
            "SELECT d.name, substr(d.text, g.start_pos + 1, g.end_pos - g.start_pos),"
            " c.name, u.username FROM codings g JOIN documents d ON d.id = g.document_id"
            " JOIN projects p ON p.id = d.project_id JOIN codes c ON c.id = g.code_id"
            " LEFT JOIN users u ON u.id = g.created_by WHERE p.name = ?", [project]).fetchall())
    finally:
        db.close()


def choose(page, label: str, option: str) -> None:
    """Pick an option of a Streamlit selectbox or multiselect by its label."""
    page.get_by_label(label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")   # a multiselect stays open after a pick
    wait_until_idle(page)


def test_three_coders_from_atlas_agreement_and_a_round_trip(page, app_url, app_db, sync_api,
                                                             tmp_path, screenshots):
    """A merged three-coder project written as ATLAS.ti does (users by GUID, none with an
    account here) comes in with every coder; agreement runs between all three; exported and
    imported again, every coding has the same coder. Two interviews with 'Respondent:' are
    two cases."""
    require_browser()
    import refi_files
    expect = sync_api.expect
    atlas = refi_files.atlas_three_coders(tmp_path / "Buurtkamers ATLAS.qdpx")

    page.goto(app_url + "/qual_import")
    log_in(page, "admin", PASSWORD)
    expect(page.locator(PAGE_TITLE)).to_have_text("Importeren")
    wait_until_idle(page)
    page.get_by_role("tab", name="REFI-QDA (ATLAS.ti, NVivo, MAXQDA, ...)").click()
    page.locator('input[type="file"]').nth(1).set_input_files(str(atlas))
    wait_until_idle(page)
    page.get_by_role("button", name="Inlezen").click()
    expect(page.get_by_text("Nieuw project met 2 documenten, 5 codes, 17 coderingen en 0 "
                            "memo's.")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("3 codeur(s) zonder account hier zijn overgenomen als codeur "
                            "zonder login")).to_be_visible()
    wait_until_idle(page)
    original = coded_by(app_db, "Buurtkamers (ATLAS.ti)")
    assert len(original) == 17
    assert {row[3] for row in original} == {"Anne Jansen", "Bart de Boer", "Chris Visser"}

    # Agreement between the three coders.
    page.locator(NAV_LINK).filter(has_text="Overeenstemming").click()
    expect(page.locator(PAGE_TITLE)).to_have_text("Overeenstemming")
    wait_until_idle(page)
    choose(page, "Project", "Buurtkamers (ATLAS.ti)")
    choose(page, "Codeurs", "Chris Visser (zonder login)")
    choose(page, "Code", "Eenzaamheid")
    expect(page.get_by_text("2 eenheden waarop de codeurs verschillen")).to_be_visible(
        timeout=30_000)
    expect(page.get_by_text("Chris Visser: gecodeerd")).to_have_count(1)
    expect(page.get_by_text("Anne Jansen: niet gecodeerd")).to_have_count(1)
    page.screenshot(path=str(screenshots / "qual-agreement-atlas.png"), full_page=True)

    # Export (built when clicked) and import the file again: the same coder on every coding.
    page.locator(NAV_LINK).filter(has_text="Projecten").click()
    expect(page.locator(PAGE_TITLE)).to_have_text("Projecten")
    wait_until_idle(page)
    choose(page, "Project openen", "Buurtkamers (ATLAS.ti)")
    page.get_by_role("tab", name="Instellingen en export").click()
    with page.expect_download(timeout=30_000) as download:
        page.get_by_role("button", name="Exporteren als REFI-QDA (.qdpx)").click()
    exported = tmp_path / "terug.qdpx"
    download.value.save_as(exported)
    page.locator(NAV_LINK).filter(has_text="Importeren").click()
    expect(page.locator(PAGE_TITLE)).to_have_text("Importeren")
    wait_until_idle(page)
    page.get_by_role("tab", name="REFI-QDA (ATLAS.ti, NVivo, MAXQDA, ...)").click()
    page.locator('input[type="file"]').nth(1).set_input_files(str(exported))
    wait_until_idle(page)
    page.get_by_role("button", name="Inlezen").click()
    expect(page.get_by_text("Nieuw project met 2 documenten, 5 codes, 17 coderingen")
           ).to_be_visible(timeout=30_000)
    wait_until_idle(page)
    assert coded_by(app_db, "Buurtkamers (ATLAS.ti) (2)") == original

    # Two interviews with 'Respondent:' are two cases.
    page.get_by_role("tab", name="Transcripten").click()
    interviews = []
    for name, answer in (("Interview Noord", "Ik woon hier al lang."),
                         ("Interview Zuid", "Ik ben net verhuisd.")):
        path = tmp_path / f"{name}.txt"
        path.write_text(f"Interviewer: Hoe bevalt de buurt?\nRespondent: {answer}\n"
                        "Interviewer: Dank u.\nRespondent: Graag gedaan.\n", encoding="utf-8")
        interviews.append(str(path))
    page.get_by_text("Pseudonimiseren vóór het opslaan").click()   # the switch's label
    expect(page.get_by_label("Pseudonimiseren vóór het opslaan")).not_to_be_checked()
    wait_until_idle(page)
    page.locator('input[type="file"]').first.set_input_files(interviews)
    button = page.get_by_role("button", name="2 document(en) importeren")
    expect(button).to_be_visible(timeout=30_000)
    wait_until_idle(page)
    button.click()
    expect(page.get_by_text("geïmporteerd.")).to_have_count(2, timeout=30_000)
    db = sqlite3.connect(app_db)
    try:
        cases = sorted(r[0] for r in db.execute(
            "SELECT DISTINCT c.name FROM turns t JOIN cases c ON c.id = t.case_id JOIN"
            " documents d ON d.id = t.document_id WHERE d.name IN ('Interview Noord',"
            " 'Interview Zuid')"))
    finally:
        db.close()
    assert cases == ["Interviewer — Interview Noord", "Interviewer — Interview Zuid",
                     "Respondent — Interview Noord", "Respondent — Interview Zuid"]


# -- coding at hand: the panel stays beside a long document (issue 17, item 3) ---------------

# JavaScript: scroll the segment holding `needle` to the middle of the window; returns how far
# below the top of the window it was.
SCROLL_TO = """(needle) => {
  const host = [...document.querySelectorAll('*')].find(
      (e) => e.shadowRoot && e.shadowRoot.querySelector('.qv'));
  if (!host) return null;
  const seg = [...host.shadowRoot.querySelectorAll('.qv-seg')].find(
      (s) => s.textContent.includes(needle));
  if (!seg) return null;
  const before = seg.getBoundingClientRect().top;  // how far down the page it lies
  seg.scrollIntoView({block: 'center'});
  return before;
}"""

LAST_WORDS = "de buurtkamer heeft mij echt gered"
DEMO = "Buurtkamers Nieuw-West en Noord (demo, verzonnen)"  # other tests add projects


def long_interview(words: int = 25_000) -> str:
    """A transcript of `words` words in turns, ending with a sentence to code."""
    question = "Interviewer: Kunt u daar iets meer over vertellen, over de buurt en de mensen?"
    answer = ("Respondent: Ja, in de buurt waar ik woon komen veel mensen samen in het "
              "buurthuis, we drinken koffie en praten over wat er speelt in de straat en "
              "wie er hulp nodig heeft bij de boodschappen of bij een formulier van de "
              "gemeente, en dan helpen we elkaar zo goed als het gaat.")
    per_pair = len(question.split()) + len(answer.split())
    pairs = [question + "\n\n" + answer for _ in range(words // per_pair)]
    return "\n\n".join(pairs) + f"\n\nRespondent: Tot slot wil ik zeggen dat {LAST_WORDS}."


def test_code_the_end_of_a_long_document_with_the_panel_in_view(page, app_url, app_db,
                                                                 sync_api, screenshots):
    """A passage at the bottom of a 25,000-word interview: after the selection the code
    picker is in the window, and one pick codes the passage with its exact offsets: three
    clicks (the drag, the picker, the code)."""
    require_browser()
    expect = sync_api.expect
    text = long_interview()
    assert len(text.split()) >= 25_000
    store = open_store(app_db)
    try:
        admin = accounts.find_user(store, "admin")
        project_id = next(p["id"] for p in projects.list_projects(store, admin)
                          if p["name"] == DEMO)
        doc_id = documents.add_document(store, admin, project_id, "Lang interview", text)
        stored = documents.document(store, admin, doc_id)["text"]
    finally:
        store.close()
    start = stored.index(LAST_WORDS)

    page.goto(app_url + "/qual_code")
    log_in(page, "admin", PASSWORD)
    expect(page.locator(PAGE_TITLE)).to_have_text("Coderen", timeout=30_000)
    wait_until_idle(page)
    choose(page, "Project", DEMO)
    choose(page, "Document", "Lang interview")
    found = None
    for _ in range(150):
        try:
            found = page.evaluate(SCROLL_TO, LAST_WORDS)
        except sync_api.Error:  # the component has not drawn its shadow root yet
            found = None
        if found:
            break
        page.wait_for_timeout(200)
    assert found, "the coding view did not show the long transcript"
    x0, y0, x1, y1 = find_settled(page, sync_api, LAST_WORDS)
    assert found > 50_000, "the passage should lie far down the page"
    # Click 1: the drag.
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x1, y1, steps=5)
    page.mouse.up()
    picker = page.get_by_role("combobox", name="Code", exact=True)
    expect(picker).to_be_in_viewport(timeout=15_000)
    expect(page.get_by_test_id("stText").get_by_text(LAST_WORDS, exact=True)).to_be_in_viewport()
    wait_until_idle(page)
    page.screenshot(path=str(screenshots / "qual-long-selection.png"))
    expect(picker).to_be_in_viewport()
    # Clicks 2 and 3: open the picker, take the code. No 'select all' is offered.
    picker.click()
    expect(page.get_by_role("option", name="Wachtlijsten", exact=True)).to_be_visible()
    assert page.get_by_role("option", name="Select all").count() == 0
    page.get_by_role("option", name="Wachtlijsten", exact=True).click()
    expect(page.locator(".qv-seg.coded").filter(has_text=LAST_WORDS)).to_have_count(
        1, timeout=15_000)
    wait_until_idle(page)
    db = sqlite3.connect(app_db)
    try:
        coded = db.execute(
            "SELECT g.start_pos, g.end_pos, u.username FROM codings g JOIN codes c"
            " ON c.id = g.code_id LEFT JOIN users u ON u.id = g.created_by"
            " WHERE g.document_id = ? AND c.name = 'Wachtlijsten'", [doc_id]).fetchall()
    finally:
        db.close()
    assert coded == [(start, start + len(LAST_WORDS), "admin")]
    page.screenshot(path=str(screenshots / "qual-long-coded.png"))

    # The next selection: typing filters the list and Enter applies the first match.
    wait_until_idle(page)
    x0, y0, x1, y1 = find_settled(page, sync_api, "Tot slot")
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x1, y1, steps=5)
    page.mouse.up()
    picker = page.get_by_role("combobox", name="Code", exact=True)
    expect(page.get_by_test_id("stText").get_by_text("Tot slot", exact=True)
           ).to_be_in_viewport(timeout=15_000)
    wait_until_idle(page)
    expect(picker).to_be_in_viewport()
    # The code just used is offered first, as a one-click button.
    expect(page.get_by_test_id("stBaseButton-tertiary").filter(has_text="Wachtlijsten")
           ).to_be_in_viewport()
    picker.click()
    page.keyboard.type("taalbar")
    expect(page.get_by_role("option", name="Taalbarrière", exact=True)).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator(".qv-seg.coded").filter(has_text="Tot slot")).to_have_count(
        1, timeout=15_000)
    wait_until_idle(page)
    second = stored.index("Tot slot")
    db = sqlite3.connect(app_db)
    try:
        coded = db.execute(
            "SELECT c.name, g.start_pos, g.end_pos FROM codings g JOIN codes c"
            " ON c.id = g.code_id WHERE g.document_id = ? ORDER BY g.start_pos", [doc_id]
        ).fetchall()
    finally:
        db.close()
    assert coded == [("Taalbarrière", second, second + len("Tot slot")),
                     ("Wachtlijsten", start, start + len(LAST_WORDS))]


# -- Dutch everywhere: Streamlit's own English is not shown (issue 17, item 8) ---------------

AFTER = "(selector) => [...document.querySelectorAll(selector)].map((e) => " \
        "getComputedStyle(e, '::after').content)"
ENGLISH = ("per file", "Upload", "Browse files", "Drag and drop", "Press Enter",
           "Choose an option", "Choose options", "No results", "Select all")


def shown_text(page) -> str:
    """The text a reader sees (innerText leaves out what CSS hides)."""
    return page.locator("body").inner_text()


def test_streamlit_widgets_speak_dutch(page, app_url, app_db, sync_api, screenshots):
    """The file uploader, a text input's hint and a choice list without a match show Dutch;
    the English Streamlit writes is hidden. A co-occurrence cell opens with one click."""
    require_browser()
    expect = sync_api.expect
    page.goto(app_url + "/qual_import")
    log_in(page, "admin", PASSWORD)
    expect(page.locator(PAGE_TITLE)).to_have_text("Importeren", timeout=30_000)
    wait_until_idle(page)
    expect(page.get_by_test_id("stFileUploader").first).to_be_visible()
    text = shown_text(page)
    assert [word for word in ENGLISH if word in text] == []
    assert page.evaluate(AFTER, '[data-testid="stFileUploaderDropzoneInstructions"] > div > span'
                         )[0] == '"Sleep bestanden hierheen; maximaal 200 MB per bestand"'
    assert page.evaluate(AFTER, '[data-testid="stFileUploaderDropzone"] button p')[0] == \
        '"Bladeren"'
    page.screenshot(path=str(screenshots / "dutch-uploader.png"))
    # While a file is dragged over it, the drop zone says so in Dutch.
    dragged = page.evaluate_handle("() => { const d = new DataTransfer(); d.items.add(new File("
                                   "['x'], 'a.txt', {type: 'text/plain'})); return d; }")
    page.get_by_test_id("stFileUploaderDropzone").first.dispatch_event(
        "dragenter", {"dataTransfer": dragged})
    expect(page.get_by_text("Drag and drop files here")).to_have_count(1)
    assert "Drag and drop" not in shown_text(page)
    assert page.evaluate(AFTER, '[data-testid="stFileUploaderDropzone"] > div:not([data-testid])'
                         ' > span') == ['"Laat de bestanden hier los"']
    page.get_by_test_id("stFileUploaderDropzone").first.dispatch_event(
        "dragleave", {"dataTransfer": dragged})

    page.locator(NAV_LINK).filter(has_text="Zoeken").click()
    expect(page.locator(PAGE_TITLE)).to_have_text("Zoeken")
    wait_until_idle(page)
    page.get_by_label("Zoek naar").fill("buurvrouw")
    expect(page.get_by_test_id("InputInstructions")).to_have_count(1)
    assert "Press Enter" not in shown_text(page)
    assert page.evaluate(AFTER, '[data-testid="InputInstructions"] > span') == [
        '"Enter om toe te passen"']
    page.get_by_label("Zoek naar").press("Enter")
    wait_until_idle(page)
    # A chosen option's remove button is named after the option, in Dutch.
    page.get_by_label("Alleen in", exact=True).click()
    option = page.get_by_role("option").first
    chosen = option.inner_text().strip()
    option.click()
    page.keyboard.press("Escape")
    wait_until_idle(page)
    expect(page.get_by_role("button", name=f"{chosen} verwijderen", exact=True)).to_have_count(1)
    assert page.get_by_role("button", name=f"Remove {chosen}").count() == 0
    # A choice list filtered to nothing says so in Dutch.
    page.get_by_role("combobox", name="Project").click()
    page.keyboard.type("zzzz")
    expect(page.get_by_role("listbox")).to_be_visible()
    assert "No results" not in shown_text(page)
    assert page.evaluate(AFTER, '[role="listbox"] > [role="option"] > span') == [
        '"Geen resultaten"']
    page.keyboard.press("Escape")
    assert page.locator('input[placeholder="Choose an option"], '
                        'input[placeholder="Choose options"]').count() == 0

    # Vergelijken: one click on a cell of the co-occurrence table opens its passages.
    page.locator(NAV_LINK).filter(has_text="Vergelijken").click()
    expect(page.locator(PAGE_TITLE)).to_have_text("Vergelijken")
    wait_until_idle(page)
    page.get_by_role("combobox", name="Project", exact=True).click()
    page.get_by_role("option", name=DEMO, exact=True).click()
    wait_until_idle(page)
    grid = page.get_by_test_id("stDataFrame").first
    expect(grid).to_be_visible()
    box = settled_box(page, grid)
    # The last code's own cell: the last row of the last column (codes in name order). The
    # pointer gets there first, as a hand's would: the grid, drawn anew by the last run,
    # takes a click only at a point it has seen the pointer over.
    page.mouse.move(box["x"] + box["width"] - 30, box["y"] + box["height"] - 15, steps=5)
    page.wait_for_timeout(300)
    page.mouse.down()
    page.mouse.up()
    expect(page.get_by_role("heading", name=re.compile(r"^Wachtlijsten: \d+ fragmenten$"))
           ).to_be_visible(timeout=15_000)
    page.screenshot(path=str(screenshots / "dutch-cooccurrence.png"))
    # The table's toolbar names its buttons in Dutch, its tooltip too; its column menu offers
    # its 'Select all' in Dutch.
    grid.hover()
    toolbar = page.get_by_test_id("stElementToolbar").first
    assert toolbar.get_by_role("button", name="Show/hide columns").count() == 0
    toolbar.get_by_role("button", name="In de tabel zoeken").hover()
    expect(page.get_by_role("tooltip").filter(has_text="In de tabel zoeken")).to_be_visible()
    assert "Search" not in shown_text(page)
    page.get_by_role("button", name="Kolommen tonen of verbergen").click()
    menu = page.get_by_test_id("stDataFrameColumnVisibilityMenu")
    expect(menu).to_be_visible()
    assert "Select all" not in menu.inner_text()
    assert page.evaluate(AFTER, '[data-testid="stDataFrameColumnVisibilityMenu"] label > '
                         'span:last-child')[0] == '"Alle kolommen"'


MOUNT = """(data) => { const host = document.getElementById('host');
  window.mount({data, parentElement: host, setTriggerValue: () => {}});
  return host.querySelectorAll('.qv-block').length; }"""
TEXTS = "() => [...document.querySelectorAll('.qv-text')].map((t) => t.textContent)"


def _document(blocks: int, word: str, version: str) -> dict:
    return {"blocks": [{"segments": [[i * 10, f"{word} {i}.", [], False]], "margin": [],
                        "turn": [i * 10, i * 10 + 9]} for i in range(blocks)],
            "version": version, "editable": False, "codings": [],
            "labels": {"turn": "Codeer beurt"}}


def test_the_coding_view_draws_a_long_document_in_slices(browser):
    """The first 40 blocks before the first paint, the rest after it; a newer document
    (another version) takes over from slices still to come."""
    require_browser()
    js = coding_view_js_source.replace("export default function (component)",
                                       "function mount(component)")
    page = browser.new_page()
    try:
        page.set_content(f"<div id='host'></div><script>{js}\nwindow.mount = mount;</script>")
        assert page.evaluate(MOUNT, _document(500, "Zin", "1")) == 40
        page.wait_for_function("() => document.querySelectorAll('.qv-block').length == 500")
        texts = page.evaluate(TEXTS)
        assert (texts[0], texts[-1]) == ("Zin 0.", "Zin 499.")
        assert page.evaluate("""([first, second]) => { window.mount({data: first,
            parentElement: document.getElementById('host'), setTriggerValue: () => {}});
            window.mount({data: second, parentElement: document.getElementById('host'),
            setTriggerValue: () => {}});
            return document.querySelectorAll('.qv-block').length; }""",
                             [_document(400, "Zin", "2"), _document(300, "Regel", "3")]) == 500
        page.wait_for_function("() => document.querySelectorAll('.qv-block').length == 300")
        page.wait_for_timeout(300)   # no slice of the superseded render comes after
        assert page.evaluate(TEXTS) == [f"Regel {i}." for i in range(300)]
    finally:
        page.close()
