"""Exports of monitor results: a table to Excel with its notes, charts as PNG and SVG (and on
screen, with user text never drawn as plotly markup), and the wave report as Word with tables,
charts, quotes and coded quotes."""

from __future__ import annotations

import io
from xml.dom import minidom

import docx
import pandas as pd
import pytest
from openpyxl import load_workbook

from figures import ESCAPED, HOSTILE, markup_from_users
from research.accounts import PermissionDenied
from research.survey import charts, monitors, report, results, tables, waves
from research.survey.monitors import MonitorError

FRAME = [{"code": f"G{i}", "name": f"Gemeente {i}", "region": "Noord" if i <= 5 else "Zuid",
          "size_class": "klein" if i % 2 else "groot"} for i in range(1, 11)]
VARIABLES = [
    {"name": "tevreden", "label": "=Tevredenheid", "type": "enkelvoudig", "topic": "Samenwerking",
     "question": "Bent u tevreden?", "value_labels": {1: "Ja", 2: "Nee"}},
    {"name": "cijfer", "label": "Rapportcijfer", "type": "rapportcijfer", "topic": "Uitvoering"},
    {"name": "opmerking", "label": "Toelichting", "type": "open", "topic": "Uitvoering"},
]


@pytest.fixture
def wave(store, users):
    anna = users["analist"]
    monitor = monitors.create_monitor(store, anna, "Testmonitor", "gemeente")
    monitors.set_frame(store, anna, monitor, FRAME)
    monitors.set_thresholds(store, anna, monitor, 2, 3)
    data = pd.DataFrame({"eenheid": [f"G{i}" for i in range(1, 9)],
                         "tevreden": [1, 1, 2, 1, 2, 1, 1, 2], "cijfer": [7, 8, 6, 7, 8, 9, 6, 7],
                         "opmerking": ["Prima", None, "Te druk", None, None, "Goed", None, None]})
    wave_id = waves.import_wave(store, anna, monitor, "2025", 2025, VARIABLES, data)
    results.compute(store, anna, wave_id)
    return wave_id


def test_table_to_excel_keeps_its_notes_and_no_formulas(store, users, wave):
    table = tables.crosstab(store, users["lezer"], wave, 1, "region")
    sheet = load_workbook(io.BytesIO(report.tables_xlsx([table]))).active
    assert sheet["A1"].value == "=Tevredenheid naar regio"
    assert sheet["A1"].data_type == "s"
    assert [c.value for c in sheet[3]] == [None, "Noord", "Zuid", "Totaal"]
    # Figures are numbers with a number format (a percentage is a fraction shown as 60%);
    # the answer labels and headings stay text.
    assert [c.value for c in sheet[4]] == ["Ja", 0.6, pytest.approx(2 / 3), 0.625]
    assert [c.number_format for c in sheet[4]][1:] == ["0%", "0%", "0%"]
    assert [c.data_type for c in sheet[4]] == ["s", "n", "n", "n"]
    assert [c.value for c in sheet[6]] == ["Totaal", 1.0, 1.0, 1.0]
    assert [c.value for c in sheet[7]] == ["n", 5, 3, 8]
    assert [c.number_format for c in sheet[7]][1:] == ["#,##0"] * 3
    assert sheet["A9"].value == "Meting 2025. Ongewogen (geen gewicht in het bestand)."


def test_excel_keeps_the_arrow_of_a_significant_cell_in_its_number_format(store, users):
    anna = users["analist"]
    monitor = monitors.create_monitor(store, anna, "Scheef", "gemeente")
    monitors.set_frame(store, anna, monitor, FRAME)
    monitors.set_thresholds(store, anna, monitor, 2, 3)
    data = pd.DataFrame({"eenheid": [f"G{i}" for i in range(1, 11)],
                         "cijfer": [9, 9, 8, 9, 9, 5, 4, 5, 5, 4]})
    wave_id = waves.import_wave(store, anna, monitor, "2025", 2025, [VARIABLES[1]], data)
    results.compute(store, anna, wave_id)
    variable = monitors.variables(store, anna, monitor)[0]["id"]
    table = tables.crosstab(store, anna, wave_id, variable, "region")
    assert table.cells.loc["Gemiddelde"].to_list() == ["8,8 ▲", "4,6 ▼", "6,7"]
    sheet = load_workbook(io.BytesIO(report.tables_xlsx([table]))).active
    assert [c.value for c in sheet[4]] == ["Gemiddelde", 8.8, 4.6, 6.7]
    assert [c.number_format for c in sheet[4]][1:] == ['0.0" ▲"', '0.0" ▼"', "0.0"]
    trend = tables.trend(store, anna, monitor, variable)
    sheet = load_workbook(io.BytesIO(report.tables_xlsx([trend]))).active
    assert [c.value for c in sheet[3]] == ["Meting", "Schatting", "Ondergrens 95%",
                                           "Bovengrens 95%", "Verandering", "n"]
    assert [c.value for c in sheet[4]][:2] == ["2025", 6.7]
    assert sheet["A4"].data_type == "s"     # a wave's name is text, even when it is a year


def test_charts_as_png_and_svg(store, users, wave):
    table = tables.frequencies(store, users["lezer"], wave, 1)
    assert charts.static(table, "bars", "png")[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in charts.static(table, "bars", "svg")[:400]
    figure = charts.bars(table)
    assert list(figure.data[0].y) == ["Ja", "Nee"]



def test_user_text_in_the_interactive_charts_is_text():
    """Answer labels, groups, waves, items, titles and notes come from users' files; plotly
    would draw a link or bold in them, so they reach it escaped (and read as typed)."""
    notes = [f"Meting {HOSTILE}.", "Ongewogen."]
    frequencies = tables.Table(f"Vraag {HOSTILE}", pd.DataFrame(), pd.DataFrame({
        "answer": [HOSTILE, "Nee"], "estimate": [60.0, 40.0], "ci_low": [50.0, 30.0],
        "ci_high": [70.0, 50.0]}), notes=notes)
    figure = charts.bars(frequencies)
    assert markup_from_users(figure) == []
    assert list(figure.data[0].y) == [ESCAPED, "Nee"]
    assert figure.layout.title.text == f"Vraag {ESCAPED}"
    assert figure.layout.annotations[0].text == f"Meting {ESCAPED}.<br>Ongewogen."

    numbers = pd.DataFrame({HOSTILE: [60.0, 40.0, 5], "Zuid": [50.0, 50.0, 4]},
                           index=[HOSTILE, "Nee", "n"])
    markers = pd.DataFrame({HOSTILE: ["hoger", ""], "Zuid": ["", "lager"]}, index=[HOSTILE, "Nee"])
    figure = charts.crosstab_bars(tables.Table(HOSTILE, pd.DataFrame(), numbers, markers, notes))
    assert markup_from_users(figure) == []
    assert [(t.name, list(t.x), list(t.text)) for t in figure.data] == [
        (ESCAPED, [ESCAPED, "Zuid"], ["▲", ""]), ("Nee", [ESCAPED, "Zuid"], ["", "▼"])]

    trend = pd.DataFrame({"wave": [HOSTILE, "2026"], "estimate": [7.0, 7.5],
                          "ci_low": [6.5, 7.0], "ci_high": [7.5, 8.0]})
    figure = charts.trend_line(tables.Table(HOSTILE, pd.DataFrame(), trend, notes=notes))
    assert markup_from_users(figure) == []
    assert list(figure.data[0].x) == [ESCAPED, "2026"]

    likert = pd.DataFrame({"item": [HOSTILE], "Oneens": [20.0], HOSTILE: [30.0], "Eens": [50.0],
                           "top-2": [80.0], "n": [10]})
    figure = charts.likert_bars(tables.Table("Stellingen", pd.DataFrame(), likert, notes=notes))
    assert markup_from_users(figure) == []
    assert sorted(t.name for t in figure.data) == [ESCAPED, ESCAPED, "Eens", "Oneens"]
    assert [list(t.y) for t in figure.data] == [[ESCAPED]] * 4

    response = pd.DataFrame({"group": [HOSTILE, "Zuid"], "in_frame": [10, 10],
                             "responded": [5, 8], "response_rate": [50.0, 80.0]})
    figure = charts.response_bars(response)
    assert markup_from_users(figure) == []
    assert list(figure.data[0].x) == [ESCAPED, "Zuid"]

def test_wave_report_has_text_tables_and_quotes(store, users, wave):
    data = report.wave_report(store, users["lezer"], wave, {"inleiding": "Welkom.",
                                                             "Uitvoering": "Over de uitvoering."},
                              breakdown="region")
    document = docx.Document(io.BytesIO(data))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[:3] == ["Testmonitor: meting 2025", "Welkom.", "Samenwerking"]
    assert "Over de uitvoering." in paragraphs
    assert ["Prima", "Te druk", "Goed"] == [p.text for p in document.paragraphs
                                           if p.style.name == "Quote"]
    first = document.tables[0]
    assert [c.text for c in first.rows[0].cells] == ["", "Noord", "Zuid", "Totaal"]
    assert len(document.inline_shapes) == 1  # the chart of the categorical question


def test_exports_keep_small_groups_suppressed(store, users, wave):
    anna = users["analist"]
    monitors.set_thresholds(store, anna, 1, 4, 5)  # Zuid has 3 respondents
    table = tables.crosstab(store, anna, wave, 1, "region")
    sheet = load_workbook(io.BytesIO(report.tables_xlsx([table]))).active
    assert [c.value for c in sheet[4]] == ["Ja", 0.6, ".", 0.625]
    assert [c.value for c in sheet[6]] == ["Totaal", 1.0, ".", 1.0]
    assert sheet["A13"].value == ". = minder dan 4 antwoorden: te onbetrouwbaar om te tonen."
    data = report.wave_report(store, anna, wave, breakdown="region")
    first = docx.Document(io.BytesIO(data)).tables[0]
    assert [c.text for c in first.rows[1].cells] == ["Ja", "60%", ".", "62%"]


CONTROLS = "a\x0bb\x00c\x01d\x0ce\x1ff\ufffeg"     # pasted from Word, typed, or imported
CLEAN = "a\nbcd\nefg"                                 # as every export writes it


def test_control_characters_are_left_out_of_excel_and_word(store, users):
    """XML (Word, Excel) cannot hold most control characters: python-docx and openpyxl raised
    on a vertical tab pasted from Word into a label. Every export leaves them out (vertical tab
    and form feed are line ends)."""
    anna = users["analist"]
    monitor = monitors.create_monitor(store, anna, f"Monitor {CONTROLS}", "gemeente",
                                      description=f"Over {CONTROLS}")
    monitors.set_frame(store, anna, monitor, FRAME)
    monitors.set_thresholds(store, anna, monitor, 2, 3)
    variables = [
        {"name": "tevreden", "label": f"Label {CONTROLS}", "type": "enkelvoudig",
         "topic": f"Thema {CONTROLS}", "question": f"Vraag {CONTROLS}",
         "value_labels": {1: f"Ja {CONTROLS}", 2: "Nee"}},
        {"name": "opmerking", "label": f"Open {CONTROLS}", "type": "open", "topic": "Overig"}]
    data = pd.DataFrame({"eenheid": [f"G{i}" for i in range(1, 9)],
                         "tevreden": [1, 1, 2, 1, 2, 1, 1, 2],
                         "opmerking": [f"Citaat {CONTROLS}", None, None, None, None, None,
                                       None, None]})
    wave_id = waves.import_wave(store, anna, monitor, f"2025 {CONTROLS}", 2025, variables, data)
    results.compute(store, anna, wave_id)
    table = tables.crosstab(store, anna, wave_id, 1, "region")
    sheet = load_workbook(io.BytesIO(report.tables_xlsx([table]))).active
    assert sheet["A1"].value == f"Label {CLEAN} naar regio"
    assert sheet["A4"].value == f"Ja {CLEAN}"
    document = docx.Document(io.BytesIO(report.wave_report(
        store, anna, wave_id, {"inleiding": f"Welkom {CONTROLS}",
                               f"Thema {CONTROLS}": f"Toelichting {CONTROLS}"})))
    paragraphs = [p.text for p in document.paragraphs]
    for expected in (f"Monitor {CLEAN}: meting 2025 {CLEAN}", f"Welkom {CLEAN}",
                     f"Over {CLEAN}", f"Thema {CLEAN}", f"Toelichting {CLEAN}",
                     f"Label {CLEAN}", f"Vraag {CLEAN}", f"Open {CLEAN}"):
        assert expected in paragraphs
    assert document.tables[0].rows[1].cells[0].text == f"Ja {CLEAN}"
    svg = charts.static(table, "crosstab", "svg")
    assert minidom.parseString(svg).documentElement.tagName == "svg"     # well-formed XML
    for control in (b"\x00", b"\x01", b"\x0b", b"\x0c", b"\x1f"):
        assert control not in svg


# -- the text blocks, kept per wave ------------------------------------------------------------

def test_text_blocks_are_kept_per_wave_and_audited(store, users, wave):
    anna, lex = users["analist"], users["lezer"]
    assert report.drafts(store, lex, wave) == {}
    report.save_draft(store, anna, wave, "inleiding", "Eerste versie.")
    report.save_draft(store, anna, wave, "inleiding", "Tweede versie.")
    report.save_draft(store, anna, wave, "inleiding", "Tweede versie.")   # unchanged: no event
    report.save_draft(store, anna, wave, "Uitvoering", "Over de uitvoering.")
    report.save_draft(store, anna, wave, "Samenwerking", "")               # empty, new: nothing
    assert report.drafts(store, lex, wave) == {"inleiding": "Tweede versie.",
                                               "Uitvoering": "Over de uitvoering."}
    events = store.rows("SELECT actor, action, before, after FROM events"
                        " WHERE entity = 'report_draft' ORDER BY id")
    assert [(e["actor"], e["action"]) for e in events] == [("anna", "create"), ("anna", "update"),
                                                           ("anna", "create")]
    assert '"text": "Eerste versie."' in events[1]["before"]
    assert '"text": "Tweede versie."' in events[1]["after"]
    # The report made without texts takes the saved ones.
    paragraphs = [p.text for p in docx.Document(io.BytesIO(
        report.wave_report(store, lex, wave, breakdown="region"))).paragraphs]
    assert paragraphs[:2] == ["Testmonitor: meting 2025", "Tweede versie."]
    assert "Over de uitvoering." in paragraphs
    # Another wave has its own blocks; a reader cannot write; a block has a size limit.
    other = waves.import_wave(store, anna, 1, "2026", 2026, VARIABLES[:1],
                              pd.DataFrame({"eenheid": ["G1", "G2"], "tevreden": [1, 2]}))
    assert report.drafts(store, lex, other) == {}
    with pytest.raises(PermissionDenied):
        report.save_draft(store, lex, wave, "inleiding", "Van de lezer.")
    with pytest.raises(MonitorError, match=r"^Een tekstblok is hoogstens 20\.000 tekens lang; "
                                           r"dit zijn er 20\.001\.$"):
        report.save_draft(store, anna, wave, "inleiding", "x" * 20_001)
    # Removing the wave removes its blocks.
    waves.delete_wave(store, anna, wave)
    assert store.value("SELECT count(*) FROM report_drafts") == 0
