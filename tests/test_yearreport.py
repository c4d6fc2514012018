"""The year report (Word, Excel) and the questions export: counts only in the report, never
contact details anywhere, text cells that never become formulas."""

import io
import zipfile
from datetime import date

import pytest
from docx import Document
from openpyxl import load_workbook

from research.accounts import PermissionDenied
from research.tracker import contacts, overview, questions, reportback, yearreport
from research.tracker import ontwikkelvragen as ov

TODAY = date(2026, 6, 1)
CONTACT = {"name": "Fatima Yilmaz", "phone": "06-12345678", "email": "fatima@example.nl"}
FORMULA_TEXT = "=1+1 klopt de rekening van de energie wel?"


def ask(store, user, wijk, asked_on, text, **extra):
    return questions.log_question(store, user, wijk_id=wijk, asked_on=asked_on, text=text,
                                  asker_group=extra.pop("group", "bewoner"), today=TODAY, **extra)


@pytest.fixture
def world(store, users):
    """Noord: two 2026 questions (one with a resident's contact details, one starting with
    '='), a report-back and an ontwikkelvraag with a partner and a milestone; Zuidoost: one
    question and an ontwikkelvraag whose title starts with '='."""
    coby, admin = users["coordinator"], users["beheerder"]
    ids = {
        "speeltuin": ask(store, coby, "noord", date(2026, 1, 15),
                         "Waarom is de speeltuin bij ons dicht?", place="Speeltuin Waterland",
                         programme_id="wijk-wonen", domain_id="leefbaarheid"),
        "formula": ask(store, coby, "noord", date(2026, 2, 10), FORMULA_TEXT,
                       group="praktijkpartner", programme_id="werk-inkomen"),
        "zuidoost": ask(store, admin, "zuidoost", date(2026, 3, 5), "Vraag uit Gaasperdam",
                        programme_id="wijk-wonen"),
    }
    contacts.save_contact(store, coby, ids["speeltuin"], consent_text="Mondeling gegeven",
                          note="Belt liever 's avonds", today=TODAY, **CONTACT)
    reportback.record(store, coby, ids["speeltuin"], how="bijeenkomst",
                      text="Speeltuin gaat in april open.", reported_on=date(2026, 2, 4),
                      today=TODAY)
    ids["ov"] = ov.create(store, coby, wijk_id="noord", year=2026, title="Ruimte voor jeugd",
                          question="Hoe krijgen kinderen in Noord meer plek om te spelen?",
                          question_ids=[ids["speeltuin"]])
    ov.add_partner(store, coby, ids["ov"], "Buurthuis Banne", "praktijkpartner", 4000)
    ov.add_milestone(store, coby, ids["ov"], "Startbijeenkomst", date(2026, 3, 1))
    ids["ov_zuidoost"] = ov.create(store, admin, wijk_id="zuidoost", year=2026,
                                   title="=Samen sterk", question="Hoe doen meer bewoners mee?")
    ov.add_partner(store, admin, ids["ov_zuidoost"], "=Buurtteam", "bewonersinitiatief", 1000)
    return ids


def docx_text(content: bytes) -> str:
    """Every paragraph and table cell of a Word document, one per line."""
    document = Document(io.BytesIO(content))
    lines = [p.text for p in document.paragraphs]
    lines += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(lines)


def package_text(content: bytes) -> str:
    """All XML parts of an Office file as text (for what must never be in it)."""
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        return "\n".join(package.read(name).decode("utf-8", "replace")
                         for name in package.namelist() if name.endswith(".xml"))


def cells(content: bytes) -> list:
    book = load_workbook(io.BytesIO(content))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def sheet_rows(content: bytes, name: str) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content))[name].iter_rows(values_only=True))


def forbidden(store, users, ids) -> list[str]:
    """Contact details, place and question texts: none may be in the year report."""
    texts = [questions.get_question(store, users["beheerder"], ids[k])["text"]
             for k in ("speeltuin", "formula", "zuidoost")]
    return [*CONTACT.values(), "Mondeling gegeven", "Belt liever", "Speeltuin Waterland",
            "Speeltuin gaat in april open.", *texts]


# -- Word -------------------------------------------------------------------------------------

def test_docx_has_title_sections_tables_and_chart(store, users, world):
    content = yearreport.to_docx(overview.year_report_data(store, users["lezer"], 2026))
    document = Document(io.BytesIO(content))
    assert document.paragraphs[0].text == "Jaarverslag wijkwerkplaatsen 2026"
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == ["Alle wijkwerkplaatsen", "Wijkwerkplaats Nieuw-West", "Ontwikkelvraag",
                        "Wijkwerkplaats Noord", "Ontwikkelvraag", "Wijkwerkplaats Zuidoost",
                        "Ontwikkelvraag"]
    assert len(document.inline_shapes) == 1
    assert [[c.text for c in row.cells] for row in document.tables[0].rows] == [
        ["", "Aantal"], ["Vragen", "3"], ["Open", "3"], ["Gekoppeld", "0"], ["Gesloten", "0"],
        ["Met terugkoppeling", "1"], ["Zonder terugkoppeling", "2"],
        ["Aandeel met terugkoppeling (%)", "33,3"], ["Mediaan dagen tot terugkoppeling", "20"]]
    text = docx_text(content)
    assert "Geen ontwikkelvraag vastgelegd voor 2026." in text
    assert "Status: Verkenning; voortgang 0%. Ontwikkelbudget: € 0 besteed van € 4.000 " \
           "toegekend." in text
    assert "Hoe krijgen kinderen in Noord meer plek om te spelen?" in text


def test_docx_without_questions_has_no_chart(store, users):
    content = yearreport.to_docx(overview.year_report_data(store, users["lezer"], 2024))
    document = Document(io.BytesIO(content))
    assert document.paragraphs[0].text == "Jaarverslag wijkwerkplaatsen 2024"
    assert len(document.inline_shapes) == 0


def test_year_report_holds_no_question_text_and_no_contact_details(store, users, world):
    data = overview.year_report_data(store, users["beheerder"], 2026)
    word, excel = yearreport.to_docx(data), yearreport.to_xlsx(data)
    text, package = docx_text(word), package_text(word)
    values = [str(cell.value) for cell in cells(excel) if cell.value is not None]
    for secret in forbidden(store, users, world):
        assert secret not in text
        assert secret not in package
        assert all(secret not in value for value in values), secret
    assert "06-12345678" not in package_text(excel)


# -- Excel ------------------------------------------------------------------------------------

def test_xlsx_sheets_and_rows(store, users, world):
    content = yearreport.to_xlsx(overview.year_report_data(store, users["lezer"], 2026))
    assert load_workbook(io.BytesIO(content)).sheetnames == [
        "Overzicht", "Thema's", "Ontwikkelvragen", "Partners", "Mijlpalen"]
    assert sheet_rows(content, "Overzicht") == [
        tuple(yearreport.OVERVIEW_HEADER),
        ("Nieuw-West", 0, 0, 0, 0, 0, 0, None, None, None, None, None),
        ("Noord", 2, 2, 0, 0, 1, 1, 50, 20, "Ruimte voor jeugd", "Verkenning", 0),
        ("Zuidoost", 1, 1, 0, 0, 0, 1, 0, None, "=Samen sterk", "Verkenning", 10),
        ("Totaal", 3, 3, 0, 0, 1, 2, 33.3, 20, None, None, None),
    ]
    assert sheet_rows(content, "Thema's")[:6] == [
        ("Wijkwerkplaats", "Indeling", "Thema", "Aantal"),
        ("Noord", "Programma", "Werk & Inkomen", 1),
        ("Noord", "Programma", "Wijk & Wonen", 1),
        ("Noord", "Leefdomein", "Geen thema", 1),
        ("Noord", "Leefdomein", "Leefbaarheid", 1),
        ("Noord", "Gesteld door", "Bewoner", 1),
    ]
    assert sheet_rows(content, "Partners") == [
        ("Wijkwerkplaats", "Ontwikkelvraag", "Partner", "Rol", "Budget toegekend (€)",
         "Budget besteed (€)"),
        ("Noord", "Ruimte voor jeugd", "Buurthuis Banne", "Praktijkpartner", 4000, 0),
        ("Zuidoost", "=Samen sterk", "=Buurtteam", "Bewonersinitiatief", 1000, 0),
    ]
    assert sheet_rows(content, "Mijlpalen") == [
        ("Wijkwerkplaats", "Ontwikkelvraag", "Mijlpaal", "Gepland", "Bereikt"),
        ("Noord", "Ruimte voor jeugd", "Startbijeenkomst", "2026-03-01", None),
    ]


def test_xlsx_text_starting_with_equals_stays_text(store, users, world):
    content = yearreport.to_xlsx(overview.year_report_data(store, users["lezer"], 2026))
    starting = [c for c in cells(content) if isinstance(c.value, str) and c.value.startswith("=")]
    assert sorted(c.value for c in starting) == ["=Buurtteam", "=Samen sterk", "=Samen sterk",
                                                 "=Samen sterk"]
    assert {c.data_type for c in starting} == {"s"}


# -- export of the questions ------------------------------------------------------------------

def test_export_questions(store, users, world, tmp_path):
    out = tmp_path / "vragen.xlsx"
    content = yearreport.export_questions_xlsx(store, users["lezer"], out)
    assert out.read_bytes() == content
    assert sheet_rows(content, "Bewonersvragen") == [
        tuple(yearreport.EXPORT_HEADER),
        (world["speeltuin"], "2026-01-15", "Noord", "Speeltuin Waterland",
         "Waarom is de speeltuin bij ons dicht?", "Bewoner", "Wijk & Wonen", "Leefbaarheid",
         "Open", "2026-02-04 (op een bijeenkomst): Speeltuin gaat in april open."),
        (world["formula"], "2026-02-10", "Noord", None, FORMULA_TEXT, "Praktijkpartner",
         "Werk & Inkomen", None, "Open", None),
        (world["zuidoost"], "2026-03-05", "Zuidoost", None, "Vraag uit Gaasperdam", "Bewoner",
         "Wijk & Wonen", None, "Open", None),
    ]
    formula = [c for c in cells(content) if c.value == FORMULA_TEXT]
    assert [c.data_type for c in formula] == ["s"]


def test_export_never_holds_contact_details(store, users, world):
    # the beheerder may see the contact details on screen, yet the export leaves them out
    content = yearreport.export_questions_xlsx(store, users["beheerder"], None)
    values = [str(c.value) for c in cells(content) if c.value is not None]
    for secret in [*CONTACT.values(), "Mondeling gegeven", "Belt liever"]:
        assert all(secret not in value for value in values), secret
        assert secret not in package_text(content)


def test_export_of_one_wijk_and_refusal(store, users, world):
    content = yearreport.export_questions_xlsx(store, users["coordinator"], None,
                                               wijk_id="zuidoost")
    assert [r[4] for r in sheet_rows(content, "Bewonersvragen")] == ["Vraag",
                                                                     "Vraag uit Gaasperdam"]
    with pytest.raises(PermissionDenied):
        yearreport.export_questions_xlsx(store, users["analist"], None)


CONTROLS = "a\x0bb\x00c\x01d\x0ce\x1ff\ufffeg"     # pasted from Word, typed, or imported
CLEAN = "a\nbcd\nefg"                                 # as every export writes it


def test_control_characters_are_left_out_of_the_report_and_the_export(store, users):
    """XML (Word, Excel) cannot hold most control characters: python-docx and openpyxl raised
    on a vertical tab pasted from Word. Every export leaves them out (vertical tab and form
    feed are line ends)."""
    coby = users["coordinator"]
    asked = ask(store, coby, "noord", date(2026, 1, 15), f"Vraag {CONTROLS}",
                place=f"Plek {CONTROLS}", programme_id="wijk-wonen")
    reportback.record(store, coby, asked, how="bijeenkomst", text=f"Antwoord {CONTROLS}",
                      reported_on=date(2026, 2, 4), today=TODAY)
    item = ov.create(store, coby, wijk_id="noord", year=2026, title=f"Titel {CONTROLS}",
                     question=f"Ontwikkelvraag {CONTROLS}", question_ids=[asked])
    ov.add_partner(store, coby, item, f"Partner {CONTROLS}", "praktijkpartner", 4000)
    ov.add_milestone(store, coby, item, f"Mijlpaal {CONTROLS}", date(2026, 3, 1))
    data = overview.year_report_data(store, users["lezer"], 2026)
    text = docx_text(yearreport.to_docx(data))
    for expected in (f"Titel {CLEAN}", f"Ontwikkelvraag {CLEAN}", f"Partner {CLEAN}",
                     f"Mijlpaal {CLEAN}"):
        assert expected in text
    assert sheet_rows(yearreport.to_xlsx(data), "Mijlpalen")[1][1:3] == (
        f"Titel {CLEAN}", f"Mijlpaal {CLEAN}")
    [row] = sheet_rows(yearreport.export_questions_xlsx(store, users["lezer"], None),
                       "Bewonersvragen")[1:]
    assert (row[3], row[4], row[9]) == (f"Plek {CLEAN}", f"Vraag {CLEAN}",
                                        f"2026-02-04 (op een bijeenkomst): Antwoord {CLEAN}")
