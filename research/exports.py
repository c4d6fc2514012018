"""What every export shares: spreadsheet cells that can never run as formulas."""

from __future__ import annotations

import io

import pandas as pd
from openpyxl import Workbook


def text_cell(sheet, row: int, column: int, value) -> None:
    """Write a value into an openpyxl sheet; text stays text, even when it starts with '=',
    '+', '-' or '@' (openpyxl would store '=...' as a formula)."""
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"


def _cell_value(value):
    """A table value as openpyxl takes it: numbers and text as they are, a missing value as an
    empty cell, a numpy number as a Python one, anything else as its text."""
    if value is None or (not isinstance(value, (list, dict)) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        value = value.item()
    return value if isinstance(value, (str, int, float, bool)) else str(value)


def table_xlsx(frame: pd.DataFrame, title: str = "Tabel") -> bytes:
    """A table as shown on a page (its columns, not its index) as an Excel file: one header row
    and a row per record, every text written as text (`text_cell`)."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    for column, heading in enumerate(frame.columns, 1):
        text_cell(sheet, 1, column, str(heading))
    for row, record in enumerate(frame.itertuples(index=False), 2):
        for column, value in enumerate(record, 1):
            text_cell(sheet, row, column, _cell_value(value))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
