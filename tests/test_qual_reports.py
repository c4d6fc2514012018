"""Reports: Word with definitions and quotes, Excel with code paths and a case x code
matrix, HTML with everything escaped; never the pseudonym key."""

from __future__ import annotations

import io

import pytest
from docx import Document
from openpyxl import load_workbook

from research.qual import (
    cases,
    codebook,
    codings,
    documents,
    projects,
    pseudonyms,
    reports,
    transcripts,
)
from research.qual.projects import ProjectError

# Loads deduce (11 s and a GB per process): `make test-fast` keeps these on one worker.
pytestmark = pytest.mark.xdist_group("deduce")


@pytest.fixture
def reported(store, users, qual):
    olga = users["onderzoeker"]
    transcript = transcripts.read("Gesprek.txt", (
        "INT: Hoe gaat het?\nFatima Bakker: =1+1 en <b>wachten</b> duurt lang.\n"
        "INT: En verder?\nFatima Bakker: Mijn buurvrouw helpt.\n").encode())
    found = pseudonyms.suggest(store, olga, qual, transcript)
    from research.qual import intake
    doc = intake.save(store, olga, qual, transcript, accepted=found)
    text = documents.document(store, olga, doc)["text"]
    top = codebook.add_code(store, olga, qual, "Drempels", description="Wat tegenhoudt.")
    wait = codebook.add_code(store, olga, qual, "Wachten", parent_id=top)
    steun = codebook.add_code(store, olga, qual, "Steun")
    for code, quote in ((wait, "=1+1 en <b>wachten</b> duurt lang."),
                        (steun, "Mijn buurvrouw helpt.")):
        start = text.index(quote)
        codings.add_coding(store, olga, doc, code, start, start + len(quote))
    cases.add_attribute(store, olga, qual, "case", "Rol", "keuze", ["bewoner", "onderzoeker"])
    ids = {c["name"]: c["id"] for c in cases.cases(store, olga, qual)}
    cases.set_values(store, olga, qual, "case", [{"id": ids["[Deelnemer 1]"], "Rol": "bewoner"}])
    return top


def test_word_report_of_a_category(store, users, qual, reported):
    data = reports.render(store, users["onderzoeker"], qual, "docx", reported)
    text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    assert "Rapport code Drempels — Buurtkamers" in text
    assert "Definitie: Wat tegenhoudt." in text
    assert "=1+1 en <b>wachten</b> duurt lang." in text
    assert "— [Deelnemer 1] (Rol: bewoner), Gesprek" in text
    assert "Steun" not in text and "Fatima" not in text


def test_excel_report_paths_matrix_and_no_formulas(store, users, qual, reported):
    book = load_workbook(io.BytesIO(reports.render(store, users["onderzoeker"], qual, "xlsx")))
    rows = list(book["Fragmenten"].values)
    assert rows[0] == ("Document", "Spreker", "Niveau 1", "Niveau 2", "Code", "Fragment",
                       "Begin", "Eind", "Codeur")
    assert [r[:5] for r in rows[1:]] == [
        ("Gesprek", "[Deelnemer 1]", "Drempels", "Wachten", "Wachten"),
        ("Gesprek", "[Deelnemer 1]", "Steun", None, "Steun")]
    formula_cell = book["Fragmenten"].cell(row=2, column=6)
    assert (formula_cell.value, formula_cell.data_type) == (
        "=1+1 en <b>wachten</b> duurt lang.", "s")
    assert list(book["Casus x code"].values) == [
        ("Casus", "Drempels", "Wachten", "Steun"), ("[Deelnemer 1]", 0, 1, 1),
        ("INT — Gesprek", 0, 0, 0)]


def test_html_report_escapes_and_never_holds_the_key(store, users, qual, reported):
    page = reports.render(store, users["onderzoeker"], qual, "html").decode()
    assert "&lt;b&gt;wachten&lt;/b&gt;" in page and "<b>wachten" not in page
    assert "Fatima" not in page
    assert page.count("<blockquote>") == 2
    with pytest.raises(ProjectError, match="^Onbekend formaat 'pdf'"):
        reports.render(store, users["onderzoeker"], qual, "pdf")


CONTROLS = "a\x0bb\x00c\x01d\x0ce\x1ff\ufffeg"     # pasted from Word, typed, or imported
CLEAN = "a\nbcd\nefg"                                 # as every export writes it


def test_control_characters_in_any_text_are_left_out_of_every_report(store, users):
    """XML (Word, Excel) cannot hold most control characters; python-docx and openpyxl
    raised on them. Every report leaves them out (vertical tab and form feed are line ends)."""
    olga = users["onderzoeker"]
    qual = projects.create_project(store, olga, "Stuurtekens", f"Project {CONTROLS}")
    text = CONTROLS.replace("\x00", "")      # documents refuse a NUL; other controls stay
    doc = documents.add_document(store, olga, qual, f"Gesprek {text}", f"R1: {text}")
    code = codebook.add_code(store, olga, qual, f"Code {CONTROLS}",
                             description=f"Definitie {CONTROLS}", example=f"Voorbeeld {CONTROLS}")
    codings.add_coding(store, olga, doc, code, 4, 4 + len(text))
    word = Document(io.BytesIO(reports.render(store, olga, qual, "docx")))
    text = "\n".join(p.text for p in word.paragraphs)
    for expected in (f"Project {CLEAN}", "Code a bcd e fg", f"Definitie: Definitie {CLEAN}",
                     f"Voorbeeld: Voorbeeld {CLEAN}", CLEAN, f"Gesprek {CLEAN}"):
        assert expected in text
    book = load_workbook(io.BytesIO(reports.render(store, olga, qual, "xlsx")))
    assert [r[0] for r in book["Fragmenten"].values][1:] == [f"Gesprek {CLEAN}"]
    assert [r[4] for r in book["Fragmenten"].values][1:] == [CLEAN]
    # Code names have their whitespace (vertical tab and form feed too) made single spaces.
    assert list(book["Codes"].values)[1][1] == "Code a bcd e fg"
    page = reports.render(store, olga, qual, "html").decode()
    assert f"<blockquote>{CLEAN}<div" in page and "\x00" not in page


# -- passages, not coder copies; coders or consensus (issue 17) -------------------------------

def test_a_passage_coded_by_three_coders_counts_once(store, users, qual, tmp_path):
    """Two coders coding three passages made '7 fragmenten'; a passage counts once, quoted
    once with its coders; the report is made from all, chosen coders or the consensus."""
    from research.qual import intercoder
    olga, admin = users["onderzoeker"], users["beheerder"]
    text = "R: Mijn zus helpt. De buurvrouw kookt. Een vrijwilliger leest mee."
    doc = documents.add_document(store, olga, qual, "Gesprek", text)
    steun = codebook.add_code(store, olga, qual, "Steun")
    projects.add_member(store, olga, qual, admin.id)
    passages = ["Mijn zus helpt.", "De buurvrouw kookt.", "Een vrijwilliger leest mee."]
    for coder in (olga, admin):
        for passage in passages:
            start = text.index(passage)
            codings.add_coding(store, coder, doc, steun, start, start + len(passage))
    # Boundaries that differ a little (a coder took the label too): still the same passage.
    start = text.index("zus helpt")
    codings.add_coding(store, admin, doc, steun, start - 5, start + 9)
    data = reports.report_data(store, olga, qual)
    [code] = data["codes"]
    assert (code["passages"], code["documents"], data["coders"]) == (3, 1, "alle codeurs")
    assert [(q["passage"], q["coder"]) for q in code["quotes"]] == [
        ("Mijn zus helpt.", "admin, olga"), ("De buurvrouw kookt.", "admin, olga"),
        ("Een vrijwilliger leest mee.", "admin, olga")]
    page = reports.render(store, olga, qual, "html").decode()
    assert page.count("<blockquote>") == 3 and "3 fragmenten in 1 document," in page
    assert "(gecodeerd door admin, olga)" in page
    only_olga = reports.report_data(store, olga, qual, coder_ids=[olga.id])
    assert (only_olga["codes"][0]["passages"], only_olga["coders"]) == (3, "de codeurs olga")
    assert [q["coder"] for q in only_olga["codes"][0]["quotes"]] == ["olga"] * 3
    # The consensus: nothing settled yet, then one decision.
    assert reports.report_data(store, olga, qual, consensus=True)["codes"][0]["passages"] == 0
    start = text.index("De buurvrouw")
    intercoder.settle(store, olga, doc, start, start + 19, steun, True)
    settled = reports.report_data(store, olga, qual, consensus=True)
    assert (settled["coders"], [q["passage"] for q in settled["codes"][0]["quotes"]]) == (
        "de vastgelegde besluiten van het team (consensus)", ["De buurvrouw kookt."])
    word = Document(io.BytesIO(reports.render(store, olga, qual, "docx", consensus=True)))
    assert "uit de coderingen van de vastgelegde besluiten van het team (consensus)" in \
        "\n".join(p.text for p in word.paragraphs)


STORYLINE = ("# Kern\n\n**Wantrouwen** groeit door *wachten*;\nde buurtkamer helpt.\n\n"
             "- eerste **punt**\n- tweede _punt_\n\n1. stap een\n2. stap twee\n\n"
             "> Een citaat\n\nsnake_case_naam en 2 * 3 = 6 blijven staan.")


def test_markdown_becomes_blocks_and_runs():
    assert reports.inline_runs("**a** en *b* en __c__ en _d_, x_y_z") == [
        ("a", True, False), (" en ", False, False), ("b", False, True), (" en ", False, False),
        ("c", True, False), (" en ", False, False), ("d", False, True),
        (", x_y_z", False, False)]
    assert reports.inline_runs("**vet met *schuin* erin**") == [
        ("vet met ", True, False), ("schuin", True, True), (" erin", True, False)]
    assert [(b["kind"], b["level"], b["text"]) for b in reports.markdown_blocks(STORYLINE)] == [
        ("heading", 1, "Kern"),
        ("paragraph", 0, "**Wantrouwen** groeit door *wachten*; de buurtkamer helpt."),
        ("bullet", 0, "eerste **punt**"), ("bullet", 0, "tweede _punt_"),
        ("number", 0, "stap een"), ("number", 0, "stap twee"), ("quote", 0, "Een citaat"),
        ("paragraph", 0, "snake_case_naam en 2 * 3 = 6 blijven staan.")]


def test_the_storyline_is_formatted_in_word_and_html(store, users, qual, reported):
    from research.qual import axial
    olga = users["onderzoeker"]
    axial.set_storyline(store, olga, qual, STORYLINE)
    document = Document(io.BytesIO(reports.render(store, olga, qual, "docx")))
    paragraphs = document.paragraphs
    at = next(i for i, p in enumerate(paragraphs) if p.text == "Verhaallijn")
    shown = [(p.style.name, p.text) for p in paragraphs[at + 1:at + 9]]
    assert shown == [
        ("Heading 3", "Kern"),
        ("Normal", "Wantrouwen groeit door wachten; de buurtkamer helpt."),
        ("List Bullet", "eerste punt"), ("List Bullet", "tweede punt"),
        ("List Number", "stap een"), ("List Number", "stap twee"), ("Quote", "Een citaat"),
        ("Normal", "snake_case_naam en 2 * 3 = 6 blijven staan.")]
    body = paragraphs[at + 2]
    assert [(r.text, bool(r.bold), bool(r.italic)) for r in body.runs] == [
        ("Wantrouwen", True, False), (" groeit door ", False, False), ("wachten", False, True),
        ("; de buurtkamer helpt.", False, False)]
    assert "**" not in "\n".join(p.text for p in paragraphs)
    page = reports.render(store, olga, qual, "html")
    page = page.decode() if isinstance(page, bytes) else page
    assert ("<h3>Verhaallijn</h3><h4>Kern</h4><p><b>Wantrouwen</b> groeit door <i>wachten</i>; "
            "de buurtkamer helpt.</p><ul><li>eerste <b>punt</b></li><li>tweede <i>punt</i></li>"
            "</ul><ol><li>stap een</li><li>stap twee</li></ol><blockquote>Een citaat"
            "</blockquote><p>snake_case_naam en 2 * 3 = 6 blijven staan.</p>") in page


def test_counts_in_reports_are_singular_or_plural(store, users, qual, reported):
    data = reports.render(store, users["onderzoeker"], qual, "docx", reported)
    text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    assert "1 fragment in 1 document, 1 casus; fase: open." in text
    assert "0 fragmenten in 0 documenten, 0 casussen; fase: open." in text
    assert "1 fragmenten" not in text and "1 documenten" not in text
