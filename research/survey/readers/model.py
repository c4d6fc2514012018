"""Reading a wave: what every reader shares. The variable types and design roles, `ReadError`,
`WaveFile` and the `Column` record a column travels in, the upload as an `Input` (refused when
empty or over MAX_BYTES), the format recognised from the first bytes, and the cell helpers."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from research import untrusted
from research.errors import UserError

VARIABLE_TYPES = ("enkelvoudig", "meervoudig", "likert", "rapportcijfer", "getal", "open")
NUMERIC_TYPES = frozenset(VARIABLE_TYPES) - {"open"}
DESIGN_ROLES = ("weight", "strata", "psu", "fpc", "unit", "completed", "respondent")

MAX_BYTES = 500 * 1024 * 1024          # refuse larger uploads

HEAD_BYTES = 65536                     # bytes looked at to recognise a format

SAV_MAGIC = (b"$FL2", b"$FL3")
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
EXTENSIONS = {".sav": "sav", ".zsav": "sav", ".xlsx": "xlsx", ".xlsm": "xlsx", ".csv": "csv",
              ".txt": "csv", ".tsv": "csv", ".xls": "ole"}
KIND_NAMES = {"sav": "SPSS-bestand", "xlsx": "Excel-bestand", "csv": "CSV-bestand",
              "zip": "ZIP-bestand", "ole": "oud Excel-bestand (.xls)", "pdf": "PDF-bestand",
              "binary": "binair bestand"}
QUESTIONNAIRE_SHEETS = ("vragenlijst", "variabelen")


class ReadError(UserError):
    """A file that cannot be read as a wave or questionnaire, with a Dutch message."""


@dataclass
class WaveFile:
    """One wave as read from a file: the data, its variables and what was noticed on the way.

    `filename` and `rows` (per data row the row number the user sees in the file) are kept
    so that `apply_questionnaire` can name the file and row in its messages.
    """
    data: pd.DataFrame
    variables: list[dict]
    warnings: list[str] = field(default_factory=list)
    design_columns: dict = field(default_factory=dict)
    filename: str = ""
    rows: np.ndarray | None = None


@dataclass
class Column:
    """A column on its way into a WaveFile."""
    name: str
    values: pd.Series          # float64 ("number") or object str/None ("text", "date")
    kind: str                  # "number" | "text" | "date"
    label: str | None = None
    value_labels: dict = field(default_factory=dict)
    missing_codes: list = field(default_factory=list)
    mr_set: str | None = None
    question: str | None = None




# -- input -------------------------------------------------------------------------------------

@dataclass
class Input:
    """An uploaded file: a path on disk or the bytes themselves."""
    filename: str
    path: Path | None
    raw: bytes | None

    def head(self) -> bytes:
        """The first bytes, to recognise the format."""
        if self.raw is not None:
            return self.raw[:HEAD_BYTES]
        assert self.path is not None  # a path or the bytes
        with open(self.path, "rb") as handle:
            return handle.read(HEAD_BYTES)

    def content(self) -> bytes:
        """All bytes (read once)."""
        if self.raw is None:
            assert self.path is not None  # a path or the bytes
            self.raw = self.path.read_bytes()
        return self.raw


def as_input(source, filename: str) -> Input:
    """The source as an Input, refused when missing or over MAX_BYTES."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            size = path.stat().st_size
        except OSError:
            raise ReadError(f"Bestand '{filename}' bestaat niet of kan niet worden geopend.") \
                from None
        _check_size(size, filename)
        return Input(filename, path, None)
    if isinstance(source, (bytes, bytearray, memoryview)):
        raw = bytes(source)
    elif hasattr(source, "getvalue"):
        raw = source.getvalue()
    elif hasattr(source, "read"):
        if hasattr(source, "seek"):
            source.seek(0)
        raw = source.read(MAX_BYTES + 1)
    else:
        raise TypeError(f"cannot read a wave from {type(source).__name__}")
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    _check_size(len(raw), filename)
    return Input(filename, None, bytes(raw))


def _check_size(size: int, filename: str) -> None:
    """Refuse empty files and files over MAX_BYTES."""
    if size == 0:
        raise ReadError(f"Bestand '{filename}' is leeg.")
    if size > MAX_BYTES:
        raise ReadError(f"Bestand '{filename}' is te groot ({size / 1024 ** 2:.0f} MB); "
                        f"het maximum is {MAX_BYTES // 1024 ** 2} MB.")


def content_kind(head: bytes) -> str:
    """What the first bytes say the file is: sav, zip, ole, pdf, text or binary."""
    if head.startswith(SAV_MAGIC):
        return "sav"
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(OLE_MAGIC):
        return "ole"
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")):
        return "text"  # UTF-16 (Excel's "Unicode text") or UTF-32 with a byte-order mark
    return "binary" if untrusted.looks_binary(head, untrusted.CONTROL_SHARE_TABLE) else "text"


def expected_kind(filename: str) -> str | None:
    """The format the file's extension promises, or None for an unknown extension."""
    return EXTENSIONS.get(Path(filename).suffix.lower())


def wrong_format(filename: str, kind: str, expected: str | None) -> ReadError:
    """The refusal for content that is not (or not the promised) supported format."""
    if kind == "ole":
        return ReadError(f"Bestand '{filename}' is een oud Excel-bestand (.xls) of een Excel-"
                         "bestand met een wachtwoord. Sla het in Excel op als .xlsx, zonder "
                         "wachtwoord.")
    seems = {"text": "het lijkt een CSV-bestand", "zip": "het lijkt een ZIP-bestand",
             "pdf": "het lijkt een PDF-bestand", "sav": "het lijkt een SPSS-bestand",
             "binary": "het is beschadigd of heeft een onbekend formaat"}[kind]
    if expected == "csv":
        return ReadError(f"Bestand '{filename}' is geen CSV-bestand: het bevat geen tekst "
                         f"({seems}).")
    if expected in ("sav", "xlsx"):
        return ReadError(f"Bestand '{filename}' is geen {KIND_NAMES[expected]} ({seems}).")
    return ReadError(f"Bestand '{filename}' is geen SPSS-, Excel- of CSV-bestand ({seems}).")


# -- cells -------------------------------------------------------------------------------------

def cell_text(value) -> str:
    """A cell as text: 3.0 -> '3'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def is_blank(value) -> bool:
    """Whether a cell is empty (None, NaN or only blanks)."""
    return value is None or (isinstance(value, float) and value != value) \
        or (isinstance(value, str) and not value.strip())


def is_number(value) -> bool:
    """Whether a value is a real number (not bool, not text)."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def normal_name(name: str) -> str:
    """A column name in lower case with only letters and digits."""
    return re.sub(r"[^0-9a-z]", "", str(name).lower())
