"""Reading a wave from Excel (.xlsx, through openpyxl, after the zip checks of `untrusted`): the
first data sheet, and the entries of a 'vragenlijst' or 'variabelen' sheet."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from research import untrusted
from research.survey.readers.model import (
    QUESTIONNAIRE_SHEETS,
    Column,
    Input,
    ReadError,
    cell_text,
    is_blank,
)
from research.survey.readers.questionnaire import (
    parse_questionnaire,
)
from research.survey.readers.tables import (
    finish_table,
    iso_dates,
    named_columns,
    text_column,
)

MAX_UNZIPPED = untrusted.MAX_UNPACKED_BYTES   # an xlsx unpacked (here so tests can change it)


def is_xlsx(raw: bytes) -> bool:
    """Whether the bytes are a readable zip holding an Excel workbook."""
    try:
        with untrusted.open_zip(raw) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except untrusted.Refused:
        return False


def open_workbook(raw: bytes, filename: str):
    """The openpyxl workbook (read-only), after the zip checks (corrupt, not Excel, zip bomb)."""
    check_workbook(raw, filename)
    import openpyxl  # imported here: only Excel uploads need it
    try:
        return openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a damaged workbook
        raise ReadError(f"Bestand '{filename}' is beschadigd of onvolledig: het is geen geldig "
                        "Excel-bestand (.xlsx).") from None


def check_workbook(raw: bytes, filename: str) -> None:
    """Refuse (ReadError) what is not an Excel zip, zip bombs, and XML with a DTD, before
    anything unpacks it. Excel never writes a DTD (OOXML forbids it): refuse one instead of
    relying on every parser openpyxl uses to ignore external entities, entity expansion and
    remote DTDs."""
    damaged = ReadError(f"Bestand '{filename}' is beschadigd of onvolledig: het is geen geldig "
                        "Excel-bestand (.xlsx).")
    try:
        with untrusted.open_zip(raw) as archive:
            untrusted.check_zip(archive, required=("xl/workbook.xml",),
                                max_unpacked=MAX_UNZIPPED,
                                dtd_suffixes=(".xml", ".rels", ".vml"))
    except untrusted.Refused as refused:
        if refused.reason == "missing":
            raise ReadError(f"Bestand '{filename}' is een ZIP-bestand maar geen Excel-werkmap "
                            "(.xlsx).") from None
        if refused.reason == "members":
            raise ReadError(f"Bestand '{filename}' bevat meer dan {untrusted.MAX_MEMBERS} "
                            "onderdelen; zo'n bestand wordt uit voorzorg niet geopend.") from None
        if refused.reason in ("ratio", "unpacked"):
            raise ReadError(f"Bestand '{filename}' pakt uit tot "
                            f"{refused.unpacked / 1024 ** 2:.0f} MB "
                            f"({refused.unpacked / max(refused.packed, 1):.0f} keer zo groot); "
                            "zo'n bestand wordt uit voorzorg niet geopend.") from None
        if refused.reason == "dtd":
            raise ReadError(f"Bestand '{filename}' bevat een DTD of entiteiten; uit "
                            "veiligheid niet geopend.") from None
        raise damaged from None


def sheet_rows(book, sheet: str, filename: str) -> list[list]:
    """All rows of a sheet as lists of cell values."""
    try:
        return [list(row) for row in book[sheet].iter_rows(min_row=1, min_col=1,
                                                            values_only=True)]
    except Exception:
        raise ReadError(f"Bestand '{filename}', werkblad '{sheet}': het werkblad is beschadigd "
                        "en kan niet worden gelezen.") from None


def read_xlsx(inp: Input, warnings: list[str], force_text: set):
    """The first data sheet of a workbook, plus the entries of a 'vragenlijst' sheet if any."""
    filename = inp.filename
    book = open_workbook(inp.content(), filename)
    names = book.sheetnames
    data_sheets = [n for n in names if n.strip().lower() not in QUESTIONNAIRE_SHEETS]
    q_sheets = [n for n in names if n.strip().lower() in QUESTIONNAIRE_SHEETS]
    if not data_sheets:
        raise ReadError(f"Bestand '{filename}' bevat alleen een vragenlijst en geen gegevens.")
    try:
        q_rows = sheet_rows(book, q_sheets[0], filename) if q_sheets else None
        rows = sheet_rows(book, data_sheets[0], filename)
    finally:
        book.close()
    entries = parse_questionnaire(q_rows, filename, q_sheets[0]) if q_rows is not None else []
    force_text = force_text | {e["name"] for e in entries if e.get("type") == "open"}
    start = next((i for i, row in enumerate(rows) if any(not is_blank(v) for v in row)), None)
    if start is None:
        raise ReadError(f"Bestand '{filename}' is leeg: het werkblad '{data_sheets[0]}' bevat "
                        "geen gegevens.")
    width = max(len(row) for row in rows)
    header = [cell_text(v) for v in rows[start]] + [""] * (width - len(rows[start]))
    body = [row + [None] * (width - len(row)) for row in rows[start + 1:]]
    frame = pd.DataFrame(body, columns=range(width), dtype=object)
    frame.index = np.arange(start + 2, start + 2 + len(frame))
    columns = []
    for position, name in named_columns(header, frame, filename):
        columns.append(_excel_column(frame[position], name, filename, force_text))
    return finish_table(columns, frame, filename, warnings), entries


def _excel_column(values: pd.Series, name: str, filename: str, force_text: set) -> Column:
    """An Excel column: numbers, dates, or text (which may still hold numbers as text)."""
    blank = values.map(lambda v: isinstance(v, str) and not v.strip(), na_action="ignore")
    values = values.where(~blank.fillna(False).astype(bool), None)
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind in ("integer", "floating", "mixed-integer-float", "boolean", "empty", "decimal") \
            and name not in force_text:
        return Column(name, pd.to_numeric(values).astype("float64"), "number")
    if kind in ("datetime", "datetime64", "date", "time"):
        return Column(name, iso_dates(values), "date")
    as_text = values.map(cell_text, na_action="ignore")
    return text_column(as_text, name, filename, decimal_comma=True,
                        force_text=name in force_text)
