"""What every export shares: text that XML can hold, and spreadsheet cells that can never run
as formulas.

Word (python-docx) and Excel (openpyxl) files are XML, which cannot hold most control
characters: a vertical tab pasted from Word into a code name, or a NUL typed into a question,
made every export holding it fail with a traceback. `xml_text` removes them (a vertical tab or
form feed, Word's line and page break, becomes a line end); `text_cell` applies it to every
cell and the writers pass their data through `xml_safe` before they write.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used: the command line starts without them
    import pandas as pd

# Everything XML 1.0 cannot hold: C0 controls except tab, line feed and carriage return,
# surrogates (never valid alone), and U+FFFE / U+FFFF.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_BREAKS = str.maketrans({"\x0b": "\n", "\x0c": "\n"})


def xml_text(text: str) -> str:
    """The text without the characters XML cannot hold; vertical tab and form feed become
    line ends."""
    text = text.translate(_BREAKS)
    return _NOT_XML.sub("", text) if _NOT_XML.search(text) else text


def xml_safe(value):
    """`value` with `xml_text` applied to every string in it, through dicts (keys too), lists
    and tuples; other values are returned as they are."""
    if isinstance(value, str):
        return xml_text(value)
    if isinstance(value, dict):
        return {xml_safe(k): xml_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [xml_safe(v) for v in value]
    if isinstance(value, tuple):
        items = [xml_safe(v) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    return value


def xml_frame(frame):
    """A copy of a pandas DataFrame with `xml_text` applied to its text values, index and
    column labels (for charts drawn from it: an SVG is XML too)."""

    def clean(value):
        return xml_text(value) if isinstance(value, str) else value

    frame = frame.copy()
    frame.index = frame.index.map(clean)
    frame.columns = frame.columns.map(clean)
    for column in frame.columns[frame.dtypes.eq(object)]:
        frame[column] = frame[column].map(clean)
    return frame


def text_cell(sheet, row: int, column: int, value) -> None:
    """Write a value into an openpyxl sheet; text stays text, even when it starts with '=',
    '+', '-' or '@' (openpyxl would store '=...' as a formula), without the characters XML
    cannot hold."""
    if isinstance(value, str):
        value = xml_text(value)
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"


def csv_cell(value) -> str:
    """A value for a CSV a spreadsheet will open: text that starts with '=', '+', '-' or '@'
    gets a leading apostrophe, so it is shown and never run as a formula; no value is an
    empty cell."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _cell_value(value):
    """A table value as openpyxl takes it: numbers and text as they are, a missing value as an
    empty cell, a numpy number as a Python one, anything else as its text."""
    import pandas as pd

    if value is None or (not isinstance(value, (list, dict)) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        value = value.item()
    return value if isinstance(value, (str, int, float, bool)) else str(value)


def table_xlsx(frame: pd.DataFrame, title: str = "Tabel") -> bytes:
    """A table as shown on a page (its columns, not its index) as an Excel file: one header row
    and a row per record, every text written as text (`text_cell`)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = title[:31]
    for column, heading in enumerate(frame.columns, 1):
        text_cell(sheet, 1, column, str(heading))
    for row, record in enumerate(frame.itertuples(index=False), 2):
        for column, value in enumerate(record, 1):
            text_cell(sheet, row, column, _cell_value(value))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
