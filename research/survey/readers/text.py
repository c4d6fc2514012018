"""Reading a wave from delimited text (CSV, also Dutch Excel CSV with ';' and a decimal comma):
decoding, the refusal of text that cannot be a table, and pandas' errors in Dutch."""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd

from research import untrusted
from research.survey.readers.model import (
    Column,
    Input,
    ReadError,
    WaveFile,
)
from research.survey.readers.tables import (
    finish_table,
    named_columns,
    text_column,
)

MAX_COLUMNS = 20_000                   # fields in a CSV header (SPSS allows ~32,000 variables)
MAX_HEADER_CHARS = 1024 * 1024         # characters in a CSV header line


def decode_text(raw: bytes, filename: str) -> str:
    """Text of a CSV (`untrusted.decode`: UTF-32, UTF-8 or UTF-16 with a BOM, UTF-8, else
    Windows-1252); ReadError for bytes that none of these can read."""
    decoded = untrusted.decode(raw)
    byte = (decoded.first_bad or 0) + 1
    if decoded.replaced and decoded.encoding in ("utf-16", "utf-32"):
        raise ReadError(f"Bestand '{filename}' lijkt {decoded.encoding.upper()}-tekst maar is "
                        f"beschadigd (byte {byte}); het is geen leesbaar CSV-"
                        "bestand.")
    if decoded.replaced:
        raise ReadError(f"Bestand '{filename}' bevat tekens die niet als UTF-8 of Windows-1252 "
                        f"te lezen zijn (byte {byte}); het is geen leesbaar CSV-"
                        "bestand.")
    return decoded.text


def _mb(size: int) -> str:
    """Megabytes with one decimal and a decimal comma."""
    return f"{size / 1024 ** 2:.1f}".replace(".", ",")


def _thousands(count: int) -> str:
    """A count with Dutch thousands dots."""
    return f"{count:,}".replace(",", ".")


def check_table_text(text: str, filename: str) -> None:
    """Refuse text that cannot be a table before any parsing: one very long line without line
    ends (a lost line end, or no CSV at all), or a header line too long or too wide. Without
    this, pandas spends minutes on millions of columns and the message that follows is about
    whatever check fails first (a duplicate name, a design column)."""
    ends = [index for index in (text.find("\n"), text.find("\r")) if index >= 0]
    header_end = min(ends) if ends else len(text)
    header = text[:header_end]
    single = not text[header_end:].strip()
    fields = max(header.count(d) for d in (";", "\t", ",")) + 1
    if len(header) <= MAX_HEADER_CHARS and fields <= MAX_COLUMNS:
        return
    if single:
        raise ReadError(f"Bestand '{filename}' is één regel van {_mb(len(header))} MB zonder "
                        "regeleinden: dat is geen tabel met een kopregel en een regel per "
                        "respondent. Zijn de regeleinden verloren gegaan bij het opslaan?")
    raise ReadError(f"Bestand '{filename}': de kopregel heeft {_thousands(fields)} kolommen "
                    f"en is {_mb(len(header))} MB; meer dan {_thousands(MAX_COLUMNS)} kolommen "
                    f"of {MAX_HEADER_CHARS // 1024 ** 2} MB kan niet. Is het wel een tabel met "
                    "één regel per respondent?")


def read_text_table(inp: Input, warnings: list[str], force_text: set) -> WaveFile:
    """A delimited text file (also Dutch Excel CSV: ';' and decimal comma).

    The C parser reads the numbers itself (fast); only columns it leaves as text go through
    `text_column` (numbers with the other decimal mark, mistakes, dates, open answers).
    """
    filename = inp.filename
    text = decode_text(inp.content(), filename)
    if not text.strip():
        raise ReadError(f"Bestand '{filename}' is leeg.")
    check_table_text(text, filename)
    delimiter = untrusted.sniff_delimiter(text)
    decimal_comma = delimiter != ","
    options = {"sep": delimiter, "header": None, "quotechar": '"', "engine": "c"}
    try:
        first = pd.read_csv(io.StringIO(text), nrows=1, dtype=str, keep_default_na=False,
                            na_filter=False, **options)
        header = [str(v).strip() for v in first.iloc[0]]
        text_columns = {i for i, name in enumerate(header) if name in force_text}
        frame = pd.read_csv(io.StringIO(text), names=range(len(header)), skiprows=1,
                            decimal="," if decimal_comma else ".", keep_default_na=False,
                            na_values=[""], skip_blank_lines=False, low_memory=False,
                            dtype={i: str for i in text_columns}, **options)
    except pd.errors.ParserError as error:
        raise _csv_parse_error(str(error), filename, delimiter) from None
    if not isinstance(frame.index, pd.RangeIndex):
        # The first data line has more fields than the header: pandas silently makes the
        # extra leading fields an index and shifts every value one column on.
        raise _csv_parse_error(f"Expected {len(header)} fields in line 2, saw "
                               f"{len(header) + frame.index.nlevels}", filename, delimiter)
    frame.index = np.arange(2, 2 + len(frame))  # spreadsheet row = line (without multi-line cells)
    columns = []
    for position, name in named_columns(header, frame, filename):
        values = frame[position]
        if pd.api.types.is_numeric_dtype(values) and position not in text_columns:
            columns.append(_parsed_numbers(values.astype("float64"), name, filename))
        else:
            columns.append(text_column(values, name, filename, decimal_comma,
                                        name in force_text))
    return finish_table(columns, frame, filename, warnings)


def _parsed_numbers(values: pd.Series, name: str, filename: str) -> Column:
    """A column the CSV parser read as numbers; infinities are refused."""
    infinite = np.isinf(values.to_numpy())
    if infinite.any():
        first = int(np.flatnonzero(infinite)[0])
        raise ReadError(f"Bestand '{filename}', kolom '{name}': '{values.iloc[first]}' is geen "
                        f"getal (rij {values.index[first]}).")
    return Column(name, values, "number")


def _csv_parse_error(detail: str, filename: str, delimiter: str) -> ReadError:
    """A Dutch message for pandas' tokenizer errors."""
    shown = "tab" if delimiter == "\t" else delimiter
    fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", detail)
    if fields:
        expected, line, saw = fields.groups()
        return ReadError(f"Bestand '{filename}': regel {line} heeft {saw} velden, de kopregel "
                         f"{expected}. Staat er een scheidingsteken ('{shown}') in een antwoord "
                         "zonder aanhalingstekens?")
    quote = re.search(r"EOF inside string starting at row (\d+)", detail)
    if quote:
        return ReadError(f"Bestand '{filename}': een aanhalingsteken vanaf regel "
                         f"{int(quote.group(1)) + 1} wordt nergens gesloten.")
    return ReadError(f"Bestand '{filename}' is geen geldig CSV-bestand (technische melding: "
                     f"{detail}).")
