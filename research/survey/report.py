"""Exports of monitor results: tables to Excel with their notes, and the wave report
(.docx) with text blocks, tables, charts and quotes. The text blocks are kept per wave as
drafts (`drafts`, `save_draft`), saved as the analyst types them."""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
from docx import Document
from docx.shared import Cm, Pt
from openpyxl import Workbook
from openpyxl.styles import Font

from research.accounts import User, require
from research.exports import text_cell, xml_safe, xml_text
from research.storage import Store, Tx, utcnow
from research.survey import charts, monitors, quotes, tables
from research.survey.monitors import CATEGORICAL, MonitorError

MAX_QUOTES = 5  # per open question in the report
MAX_DRAFT = 20_000  # characters in one text block
INTRODUCTION = "inleiding"  # the block before the first topic; the others are named by topic


# -- the analyst's text blocks ----------------------------------------------------------------

def drafts(store: Store, user: User, wave_id: int) -> dict[str, str]:
    """The wave report's saved text blocks by name ('inleiding', then topics)."""
    require(user, "survey.read")
    return {r["block"]: r["text"] for r in store.rows(
        "SELECT block, text FROM report_drafts WHERE wave_id = ? ORDER BY id", [wave_id])}


def save_draft(store: Store, user: User, wave_id: int, block: str, text: str) -> None:
    """Save one text block of a wave's report as it stands (an audited write; nothing is
    written when it did not change). Text blocks are shared by everyone who writes the
    report of that wave."""
    require(user, "survey.write")
    block, text = str(block).strip(), str(text or "")
    if not block:
        raise MonitorError("Een tekstblok heeft een naam nodig.")
    if len(text) > MAX_DRAFT:
        raise MonitorError(f"Een tekstblok is hoogstens {MAX_DRAFT:,} tekens lang; dit zijn er "
                           f"{len(text):,}.".replace(",", "."))
    if store.one("SELECT 1 FROM waves WHERE id = ?", [wave_id]) is None:
        raise MonitorError("Deze meting bestaat niet.")

    def apply(tx: Tx) -> None:
        row = tx.db.execute("SELECT id, text FROM report_drafts WHERE wave_id = ? AND block = ?",
                            [wave_id, block]).fetchone()
        if row is None:
            if text:
                tx.insert("report_drafts", {"wave_id": wave_id, "block": block, "text": text,
                                            "updated_by": user.id, "updated_at": utcnow()},
                          entity="report_draft")
        elif row[1] != text:
            tx.update("report_drafts", row[0], {"text": text, "updated_by": user.id,
                                                "updated_at": utcnow()}, entity="report_draft")

    store.write(user.actor, apply)


def tables_xlsx(items: list[tables.Table]) -> bytes:
    """Tables on one sheet each, with their notes under them: figures as numbers with their
    number format (a percentage is a fraction shown as 45%, a significant cell keeps its
    arrow in the format), everything else as text that never becomes a formula."""
    book = Workbook()
    first = book.active
    assert first is not None  # a new workbook has one sheet
    book.remove(first)
    for index, table in enumerate(items, start=1):
        sheet = book.create_sheet(f"Tabel {index}")
        text_cell(sheet, 1, 1, table.title)
        sheet.cell(row=1, column=1).font = Font(bold=True)
        frame = table.excel if table.excel is not None else table.cells
        if not isinstance(frame.index, pd.RangeIndex):
            frame = frame.reset_index(names="")
        for column, heading in enumerate(frame.columns, start=1):
            text_cell(sheet, 3, column, str(heading))
            sheet.cell(row=3, column=column).font = Font(bold=True)
        for row_number, row in enumerate(frame.itertuples(index=False), start=4):
            for column, value in enumerate(row, start=1):
                _sheet_value(sheet, row_number, column, value)
        below = 5 + len(frame)
        for offset, note in enumerate(table.notes):
            text_cell(sheet, below + offset, 1, note)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_value(sheet, row: int, column: int, value) -> None:
    """One cell: a `tables.Number` as a number with its format, a count as a number, text
    (labels, the suppression dot) as text."""
    if isinstance(value, tables.Number):
        if math.isfinite(value.value):
            cell = sheet.cell(row=row, column=column, value=value.value)
            cell.number_format = value.format
        return
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        if math.isfinite(float(value)):
            sheet.cell(row=row, column=column, value=float(value) if isinstance(
                value, (float, np.floating)) else int(value))
        return
    text_cell(sheet, row, column, None if value is None or value == "" else str(value))


def _docx_table(document, table: tables.Table) -> None:
    frame = charts.table_frame(table)
    grid = document.add_table(rows=1, cols=len(frame.columns))
    grid.style = "Light Grid Accent 1"
    for cell, heading in zip(grid.rows[0].cells, frame.columns, strict=True):
        cell.text = xml_text(str(heading))
    for row in frame.itertuples(index=False):
        for cell, value in zip(grid.add_row().cells, row, strict=True):
            cell.text = "" if pd.isna(value) else xml_text(str(value))
    for note in table.notes:
        paragraph = document.add_paragraph(xml_text(note))
        paragraph.runs[0].font.size = Pt(8)


def wave_report(store: Store, user: User, wave_id: int, texts: dict[str, str] | None = None,
                breakdown: str = "size_class") -> bytes:
    """The wave report: an introduction, per topic the tables and charts of its questions
    (by `breakdown`, with the trend when earlier waves exist), quotes of the open questions
    under the quote threshold, and coded quotes from qualitative projects. `texts` holds
    the analyst's text blocks by topic ('inleiding' first); None: the wave's saved drafts."""
    require(user, "survey.read")
    texts = xml_safe(drafts(store, user, wave_id) if texts is None else texts)
    wave = store.one("SELECT w.*, m.name AS monitor, m.description FROM waves w JOIN monitors m"
                     " ON m.id = w.monitor_id WHERE w.id = ?", [wave_id])
    if wave is None:
        raise MonitorError("Deze meting bestaat niet.")
    wave = xml_safe(wave)
    earlier = [w for w in monitors.waves(store, user, wave["monitor_id"])
               if w["id"] != wave_id]
    document = Document()
    document.add_heading(f"{wave['monitor']}: meting {wave['label']}", 0)
    if texts.get("inleiding"):
        document.add_paragraph(texts["inleiding"])
    if wave["description"]:
        document.add_paragraph(wave["description"]).runs[0].italic = True
    by_topic: dict[str, list[dict]] = {}
    for var in xml_safe(monitors.variables(store, user, wave["monitor_id"])):
        by_topic.setdefault(var["topic"] or "Overig", []).append(var)
    for topic, items in by_topic.items():
        document.add_heading(topic, 1)
        if texts.get(topic):
            document.add_paragraph(texts[topic])
        shown_sets: set[str] = set()
        for var in items:
            try:
                _report_variable(store, user, document, wave, var, breakdown, earlier,
                                 shown_sets)
            except MonitorError:
                continue  # not in this wave
    coded = quotes.coded_quotes(store, user, wave["monitor_id"])
    coded = coded[coded["wave"] == wave["label"]]
    if not coded.empty:
        document.add_heading("Gecodeerde citaten", 1)
        for code, part in coded.groupby("code", sort=True):
            document.add_heading(xml_text(code), 2)
            for quote in part["quote"].head(MAX_QUOTES):
                document.add_paragraph(xml_text(quote), style="Quote")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _report_variable(store, user, document, wave, var, breakdown, earlier, shown_sets):
    """One question's part of the report."""
    if var["type"] == "open":
        found, withheld = quotes.quotes(store, user, wave["id"], var["id"])
        document.add_heading(var["label"], 2)
        if withheld:
            document.add_paragraph(xml_text(withheld))
        for quote in found["answer"].head(MAX_QUOTES):
            document.add_paragraph(xml_text(quote), style="Quote")
        return
    if var["type"] == "meervoudig":
        if var["mr_set"] in shown_sets:
            return
        shown_sets.add(var["mr_set"])
        members = [v["id"] for v in monitors.variables(store, user, wave["monitor_id"])
                   if v["mr_set"] == var["mr_set"]]
        table = tables.multiple_response(store, user, wave["id"], members)
        table.title = var["question"] or var["mr_set"]
        _docx_table(document, table)
        document.add_picture(io.BytesIO(charts.static(table, "mr")), width=Cm(15))
        return
    table = tables.crosstab(store, user, wave["id"], var["id"], breakdown)
    document.add_heading(var["label"], 2)
    if var["question"]:
        document.add_paragraph(var["question"]).runs[0].italic = True
    _docx_table(document, table)
    if var["type"] in CATEGORICAL:
        document.add_picture(io.BytesIO(charts.static(table, "crosstab")), width=Cm(15))
    if earlier:
        category = None
        if var["type"] in CATEGORICAL:
            codes = sorted(float(k) for k in var["value_labels"]
                           if float(k) not in {float(c) for c in var["missing_codes"]})
            category = codes[-1] if codes and var["higher_is_better"] != 0 else \
                (codes[0] if codes else None)
        trend = tables.trend(store, user, wave["monitor_id"], var["id"], category)
        if len(trend.numbers) > 1:
            _docx_table(document, trend)
