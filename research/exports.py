"""What every export shares: spreadsheet cells that can never run as formulas."""

from __future__ import annotations


def text_cell(sheet, row: int, column: int, value) -> None:
    """Write a value into an openpyxl sheet; text stays text, even when it starts with '=',
    '+', '-' or '@' (openpyxl would store '=...' as a formula)."""
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
