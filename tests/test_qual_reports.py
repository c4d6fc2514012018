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
    assert page.count("<blockquote>") == 3 and "3 fragmenten in 1 documenten" in page
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
