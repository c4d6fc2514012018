"""Reading one wave of a monitor from an uploaded file: SPSS (.sav), Excel (.xlsx) or CSV.

`read_wave` turns the file into a `WaveFile`: a DataFrame with one row per respondent (numbers
as float64 with NaN for an empty answer and user-missing codes kept as their codes; open answers
and dates as text) plus one description per substantive column (label, type, value labels,
missing codes, multiple-response set). The format is recognised from the content (magic bytes),
not only from the name. `read_questionnaire` reads a separate questionnaire (Dutch headers) and
`apply_questionnaire` lets it override what was inferred.

Every problem with the input is a `ReadError` with a Dutch sentence naming the file (and the
column and row where that helps); the read is all or nothing. Row numbers in messages are the
rows the user sees: the spreadsheet row (the header is row 1) for Excel and CSV, the case number
for SPSS.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Set
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyreadstat

from research import untrusted
from research.errors import UserError
from research.public import conditions
from research.survey import ordering

VARIABLE_TYPES = ("enkelvoudig", "meervoudig", "likert", "rapportcijfer", "getal", "open")
NUMERIC_TYPES = frozenset(VARIABLE_TYPES) - {"open"}
DESIGN_ROLES = ("weight", "strata", "psu", "fpc", "unit", "completed", "respondent")

MAX_BYTES = 500 * 1024 * 1024          # refuse larger uploads
MAX_UNZIPPED = untrusted.MAX_UNPACKED_BYTES   # an xlsx unpacked (here so tests can change it)
NUMERIC_SHARE = 0.8                    # a column with this share of numbers is numeric
HEAD_BYTES = 65536                     # bytes looked at to recognise a format
MAX_COLUMNS = 20_000                   # fields in a CSV header (SPSS allows ~32,000 variables)
MAX_HEADER_CHARS = 1024 * 1024         # characters in a CSV header line
CHOICE_TEXTS = 12                      # a text column with at most this many answers ...
CHOICE_TEXT_CHARS = 40                 # ... each this short and not a sentence: single choice
CHOICE_TEXT_WORDS = 6

SAV_MAGIC = (b"$FL2", b"$FL3")
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
EXTENSIONS = {".sav": "sav", ".zsav": "sav", ".xlsx": "xlsx", ".xlsm": "xlsx", ".csv": "csv",
              ".txt": "csv", ".tsv": "csv", ".xls": "ole"}
KIND_NAMES = {"sav": "SPSS-bestand", "xlsx": "Excel-bestand", "csv": "CSV-bestand",
              "zip": "ZIP-bestand", "ole": "oud Excel-bestand (.xls)", "pdf": "PDF-bestand",
              "binary": "binair bestand"}
QUESTIONNAIRE_SHEETS = ("vragenlijst", "variabelen")
MISSING_MARKERS = ("", "#NULL!")       # empty cells; #NULL! is SPSS's empty cell in Excel

# Column names (lower case, letters and digits only) that suggest a design role, best first.
DESIGN_NAMES = {
    "weight": ("gewicht", "weegfactor", "weight", "weegfac", "weging", "wgt"),
    # Not 'grootteklasse': a size class in the data is a question to break results down by
    # (a text column of a few answers becomes a single-choice question); it can still be
    # chosen as the stratum when loading.
    "strata": ("stratum", "strata", "strat"),
    "psu": ("psu", "cluster", "clusterid"),
    "fpc": ("fpc", "populatiegrootte", "populatie"),
    "unit": ("gemeentecode", "gemcode", "gmcode", "eenheid", "unit", "gebiedscode",
             "gebiedcode", "gebied", "wijkcode", "buurtcode"),
    "completed": ("ingevuld", "datumingevuld", "einddatum", "enddate", "completed",
                  "afgerond", "submitdate", "recordeddate", "datum"),
    "respondent": ("respondentnummer", "respondentid", "respondent", "respnr", "respid",
                   "responseid", "id"),
}
NUMERIC_ROLES = ("weight", "fpc")

# Value-label vocabulary.
SCALE_WORDS = re.compile(
    r"\b(mee\s+)?(on)?eens\b|(on)?tevreden|(on)?belangrijk|(on)?veilig|(on)?waarschijnlijk"
    r"|\b(nooit|zelden|soms|vaak|regelmatig|geregeld|meestal|altijd|neutraal|noch|goed"
    r"|slecht|matig|redelijk|uitstekend)\b"
    r"|agree|satisf|important|\b(never|rarely|sometimes|often|always|neutral)\b", re.I)
OFF_SCALE = re.compile(r"weet\s*(ik\s*)?niet|geen\s+(mening|antwoord|idee)|n\.?\s*v\.?\s*t\b"
                       r"|niet\s+van\s+toepassing|wil\s+ik\s+niet|onbekend|don.?t\s+know"
                       r"|not\s+applicable|refused", re.I)
POSITIVE = re.compile(r"\b(tevreden|goed|uitstekend|veilig)\b", re.I)
NEGATIVE = re.compile(r"\b(ontevreden|slecht|onveilig)\b|\bniet\s+(tevreden|goed|veilig)\b", re.I)
MENTIONED = re.compile(r"^\s*(niet\s+|not\s+)?(genoemd|aangekruist|aangevinkt|gekozen"
                       r"|geselecteerd|selected|checked|mentioned)\s*$", re.I)
CIJFER = re.compile(r"cijfer", re.I)
MR_ITEM = re.compile(r"^(?P<prefix>.+)[_.](?P<item>\d{1,3}|[a-z])$", re.I)
DATE_TEXT = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4})"
                       r"([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?$")

YES = {"ja", "j", "yes", "y", "true", "waar", "1"}
NO = {"nee", "n", "no", "false", "onwaar", "0"}
# Questionnaire headers (normalised) -> entry key.
QUESTIONNAIRE_HEADERS = {
    "naam": "name", "name": "name", "variabele": "name", "variabelenaam": "name",
    "label": "label", "vraag": "question", "vraagtekst": "question", "question": "question",
    "type": "type", "waarden": "value_labels", "waardelabels": "value_labels",
    "labels": "value_labels", "ontbrekend": "missing_codes", "ontbrekendewaarden": "missing_codes",
    "missing": "missing_codes", "thema": "topic", "onderwerp": "topic", "topic": "topic",
    "hogerisbeter": "higher_is_better", "set": "mr_set", "mrset": "mr_set",
    "voorwaarde": "condition", "conditie": "condition", "routing": "condition",
}


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
class _Column:
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
class _Input:
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


def _input(source, filename: str) -> _Input:
    """The source as an _Input, refused when missing or over MAX_BYTES."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            size = path.stat().st_size
        except OSError:
            raise ReadError(f"Bestand '{filename}' bestaat niet of kan niet worden geopend.") \
                from None
        _check_size(size, filename)
        return _Input(filename, path, None)
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
    return _Input(filename, None, bytes(raw))


def _check_size(size: int, filename: str) -> None:
    """Refuse empty files and files over MAX_BYTES."""
    if size == 0:
        raise ReadError(f"Bestand '{filename}' is leeg.")
    if size > MAX_BYTES:
        raise ReadError(f"Bestand '{filename}' is te groot ({size / 1024 ** 2:.0f} MB); "
                        f"het maximum is {MAX_BYTES // 1024 ** 2} MB.")


def _content_kind(head: bytes) -> str:
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


def _expected_kind(filename: str) -> str | None:
    """The format the file's extension promises, or None for an unknown extension."""
    return EXTENSIONS.get(Path(filename).suffix.lower())


# -- the entry points ----------------------------------------------------------------------------

def read_wave(source, filename: str, questionnaire: list[dict] | None = None,
              choice_limit: int = CHOICE_TEXTS) -> WaveFile:
    """Read one wave from a path, bytes or file-like object; the format is taken from the content.

    `questionnaire` (optional, from `read_questionnaire`) is applied at the end; its 'open'
    columns are kept as text even when they look mostly numeric. An Excel workbook's own
    'vragenlijst' or 'variabelen' sheet is applied the same way (the argument wins per name).
    A text column of at most `choice_limit` short answers becomes a single-choice question
    (`choice_rule`), unless the questionnaire calls it open.
    """
    inp = _input(source, filename)
    kind = _content_kind(inp.head())
    expected = _expected_kind(filename)
    force_text = {e["name"] for e in questionnaire or [] if e.get("type") == "open"}
    warnings: list[str] = []
    if kind == "sav":
        wave = _read_sav(inp, warnings)
    elif kind == "zip" and (expected in (None, "xlsx") or _is_xlsx(inp.content())):
        wave, sheet_entries = _read_xlsx(inp, warnings, force_text)
        questionnaire = _merge_entries(sheet_entries, questionnaire)
        kind = "xlsx"
    elif kind == "text" and expected not in ("sav", "xlsx"):
        wave = _read_csv(inp, warnings, force_text)
        kind = "csv"
    else:
        raise _wrong_format(filename, kind, expected)
    if expected not in (None, kind):
        wave.warnings.insert(0, f"Bestand '{filename}' is een {KIND_NAMES[kind]}, geen "
                                f"{KIND_NAMES[expected]}; het is als {KIND_NAMES[kind]} "
                                "gelezen.")
    declared_open = {e["name"] for e in questionnaire or [] if e.get("type") == "open"}
    wave = choices_from_text(wave, choice_limit, keep_open=declared_open)
    if questionnaire:
        wave = apply_questionnaire(wave, questionnaire)
    return wave


# -- text columns as single-choice questions ---------------------------------------------------

def choice_rule(limit: int = CHOICE_TEXTS) -> str:
    """The rule that makes a text column a single-choice question, in Dutch (for the
    preview, where the analyst can change the limit and every column's type)."""
    if limit <= 0:
        return "Tekstkolommen worden open vragen."
    return (f"Een tekstkolom met hoogstens {limit} verschillende korte antwoorden (elk "
            f"hoogstens {CHOICE_TEXT_CHARS} tekens en geen zin), waarvan er minstens één vaker "
            "voorkomt, wordt een keuzevraag: de teksten worden de antwoorden, in hun "
            "natuurlijke volgorde (een schaal van laag naar hoog, anders op alfabet); 'weet "
            "niet' en dergelijke tellen als ontbrekend. Andere tekstkolommen zijn open vragen.")


def _label_like(text: str) -> bool:
    """Whether a text reads as an answer category rather than an open answer."""
    words = text.split()
    if len(text) > CHOICE_TEXT_CHARS or len(words) > CHOICE_TEXT_WORDS \
            or not text.isprintable():      # a control character: not an answer category
        return False
    return not (text.endswith((".", "!", "?")) and len(words) > 2) or ordering.off_scale(text)


def choice_texts(values: pd.Series, limit: int = CHOICE_TEXTS) -> list[str] | None:
    """The answers of a text column in their natural order when `choice_rule` makes it a
    single-choice question; None when it stays an open question."""
    if limit <= 0:
        return None
    texts = [str(v).strip() for v in values if not _blank(v)]
    texts = [t for t in texts if t]
    distinct = list(dict.fromkeys(texts))
    if not texts or len(distinct) > limit or len(distinct) >= len(texts):
        return None
    if not all(_label_like(t) for t in distinct):
        return None
    return ordering.natural_order(distinct)


def _text_choice(values: pd.Series, texts: list[str]) -> tuple[pd.Series, dict, list]:
    """A text column as codes 1..k for `texts` in their order, with the value labels and the
    codes of the off-scale answers ('weet niet') as missing codes."""
    codes = {text: float(i) for i, text in enumerate(texts, start=1)}
    numbers = values.map(lambda v: codes.get(str(v).strip()) if not _blank(v) else np.nan)
    missing = [code for text, code in codes.items() if ordering.off_scale(text)]
    return numbers.astype("float64"), {code: text for text, code in codes.items()}, missing


def _as_choice(var: dict, values: pd.Series, texts: list[str]) -> tuple[pd.Series, dict]:
    """The column and description of a text column read as a single-choice (or Likert)
    question."""
    numbers, labels, missing = _text_choice(values, texts)
    substantive = {k: v for k, v in labels.items() if k not in missing}
    kind = "likert" if _is_likert(substantive) else "enkelvoudig"
    return numbers, {**var, "type": kind, "value_labels": labels, "missing_codes": missing,
                     "higher_is_better": _higher_is_better(kind, substantive),
                     "mr_set": None, "from_text": True}


def _is_text(values: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(values) and \
        not pd.api.types.is_datetime64_any_dtype(values)


def choices_from_text(wave: WaveFile, limit: int = CHOICE_TEXTS,
                      keep_open: Set[str] = frozenset()) -> WaveFile:
    """The wave with its open questions whose texts `choice_rule` makes single choice as
    such questions (their data codes, the texts their labels); columns in `keep_open` stay
    open."""
    data, variables = wave.data, []
    changed = {}
    for var in wave.variables:
        values = data[var["name"]]
        texts = None if var["type"] != "open" or var["name"] in keep_open \
            or not _is_text(values) else choice_texts(values, limit)
        if texts is None:
            variables.append(var)
            continue
        changed[var["name"]], var = _as_choice(var, values, texts)
        variables.append(var)
    if changed:
        data = data.assign(**changed)
    return WaveFile(data, variables, list(wave.warnings), dict(wave.design_columns),
                    wave.filename, wave.rows)


def retype(wave: WaveFile, types: dict[str, str]) -> WaveFile:
    """The wave with the types the analyst chose in the preview (name -> type): a text
    column made single choice gets its texts as answers (in their natural order), a column
    read from text as single choice made open gets its texts back, numbers made open become
    text; a type the data cannot have is refused (ReadError)."""
    data = wave.data.copy()
    variables = []
    for var in wave.variables:
        kind = types.get(var["name"], var["type"])
        if kind == var["type"]:
            variables.append(var)
            continue
        name, values = var["name"], data[var["name"]]
        if kind == "open" and var.get("from_text"):
            labels = var["value_labels"]
            data[name] = values.map(
                lambda v, labels=labels: labels.get(float(v)) if pd.notna(v) else None) \
                .astype(object)
            var = {**var, "type": "open", "value_labels": {}, "missing_codes": [],
                   "higher_is_better": None, "from_text": False}
        elif kind in ("enkelvoudig", "likert") and _is_text(values):
            texts = ordering.natural_order(dict.fromkeys(
                str(v).strip() for v in values if not _blank(v) and str(v).strip()))
            data[name], var = _as_choice(var, values, texts)
            var["type"] = kind
        elif _is_text(values) and kind != "open" and var["type"] == "open":
            raise ReadError(f"Bestand '{wave.filename}', kolom '{name}': tekst kan geen type "
                            f"'{kind}' hebben; kies enkelvoudig, likert of open.")
        else:
            data[name] = _fit(wave, values, name, kind, var["missing_codes"])
            var = {**var, "type": kind}
            if kind == "open":
                var.update(value_labels={}, missing_codes=[], higher_is_better=None)
        variables.append(var)
    return WaveFile(data, variables, list(wave.warnings), dict(wave.design_columns),
                    wave.filename, wave.rows)


def _wrong_format(filename: str, kind: str, expected: str | None) -> ReadError:
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


def read_questionnaire(source, filename: str) -> list[dict]:
    """A questionnaire from an Excel or CSV file with the Dutch headers naam, label, vraag,
    type, waarden ("1=Ja; 2=Nee"), ontbrekend ("9; 99"), thema and hoger_is_beter (ja/nee).

    Each entry has the keys name, label, question, type, value_labels, missing_codes, topic,
    higher_is_better and mr_set (optional column 'set'); None means "not given, keep what the
    data says". A routing condition (optional column 'voorwaarde', `v3 = 1`, see
    `research.public.conditions`) adds the key condition.
    """
    inp = _input(source, filename)
    kind = _content_kind(inp.head())
    if kind == "zip":
        book = _open_workbook(inp.content(), filename)
        names = book.sheetnames
        sheet = next((n for n in names if n.strip().lower() in QUESTIONNAIRE_SHEETS), names[0])
        try:
            rows = _sheet_rows(book, sheet, filename)
        finally:
            book.close()
        return _parse_questionnaire(rows, filename, sheet if len(names) > 1 else None)
    if kind == "text":
        text = decode_text(inp.content(), filename)
        check_table_text(text, filename)
        delimiter = untrusted.sniff_delimiter(text)
        try:
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error as error:
            raise ReadError(f"Bestand '{filename}' is geen geldige vragenlijst (technische "
                            f"melding: {error}).") from None
        return _parse_questionnaire(rows, filename, None)
    name = KIND_NAMES.get(kind, "binair bestand")
    raise ReadError(f"Bestand '{filename}' is geen vragenlijst: een vragenlijst moet een Excel-"
                    f"bestand (.xlsx) of een CSV-bestand zijn, dit is een {name}.")


# -- SPSS ------------------------------------------------------------------------------------------

def _call_read_sav(path: str, encoding: str | None):
    """pyreadstat.read_sav with the options this module needs (a seam for tests)."""
    return pyreadstat.read_sav(path, user_missing=True, apply_value_formats=False,
                               encoding=encoding)


def _read_sav(inp: _Input, warnings: list[str]) -> WaveFile:
    """A .sav file: data, labels, user-missing values and ranges, multiple-response sets."""
    if inp.path is not None:
        frame, meta = _sav_with_fallback(str(inp.path), inp.filename, warnings)
    else:
        assert inp.raw is not None  # a path or the bytes
        handle = tempfile.NamedTemporaryFile(suffix=".sav", delete=False)
        try:
            with handle:
                handle.write(inp.raw)
            frame, meta = _sav_with_fallback(handle.name, inp.filename, warnings)
        finally:
            os.unlink(handle.name)
    columns = [_sav_column(frame[name], name, meta, warnings) for name in frame.columns]
    _apply_sav_mr_sets(columns, meta, warnings)
    return _build(columns, inp.filename, np.arange(1, len(frame) + 1), warnings)


def _sav_with_fallback(path: str, filename: str, warnings: list[str]):
    """Read with the file's own encoding; on a decoding error retry cp1252, then latin1."""
    first_error = None
    for encoding in (None, "cp1252", "latin1"):
        try:
            frame, meta = _call_read_sav(path, encoding)
        except Exception as error:  # pyreadstat raises several types for one bad file
            first_error = first_error or error
            continue
        if encoding is not None:
            warnings.append(f"Bestand '{filename}': de tekst in het bestand past niet bij de "
                            f"opgegeven tekenset; gelezen als {encoding}. Controleer letters "
                            "met accenten (ë, é) in labels en antwoorden.")
        if len(frame) == 0:
            raise ReadError(f"Bestand '{filename}' bevat geen respondenten (0 rijen).")
        _check_unique([str(c) for c in frame.columns], filename)
        return frame, meta
    raise ReadError(f"Bestand '{filename}' is beschadigd of onvolledig en kan niet als SPSS-"
                    f"bestand worden gelezen (technische melding: {first_error}).")


def _sav_column(values: pd.Series, name: str, meta, warnings: list[str]) -> _Column:
    """One SPSS column with its labels and missing codes."""
    label = (meta.column_names_to_labels or {}).get(name) or None
    if _is_date_series(values):
        return _Column(name, _iso_dates(values), "date", label)
    if not pd.api.types.is_numeric_dtype(values):
        labels = (meta.variable_value_labels or {}).get(name)
        if labels:
            # Text codes with labels ('A' = 'Amsterdam'): the labels are the answers (a few
            # of them make a single-choice question, see choice_rule).
            values = values.map(lambda v: labels.get(v, v) if isinstance(v, str) else v)
            warnings.append(f"Kolom '{name}': tekstcodes met labels; de labels zijn als "
                            "antwoorden gelezen.")
        return _Column(name, _clean_text(values), "text", label)
    numbers = values.astype("float64")
    labels = {float(k): str(v) for k, v in (meta.variable_value_labels or {}).get(name, {}).items()
              if _is_number(k)}
    specs = list((meta.missing_ranges or {}).get(name, [])) \
        + list((meta.missing_user_values or {}).get(name, []))
    missing = _missing_codes(specs, numbers.to_numpy(), labels)
    return _Column(name, numbers, "number", label, labels, missing)


def _missing_codes(specs: list, values: np.ndarray, labels: dict) -> list[float]:
    """User-missing codes from SPSS specs: single values, and for a range lo..hi every labelled
    or present code within it."""
    codes: set[float] = set()
    for spec in specs:
        if isinstance(spec, dict):
            low, high = float(spec["lo"]), float(spec["hi"])
            if low == high:
                codes.add(low)
                continue
            codes.update(c for c in labels if low <= c <= high)
            inside = values[(values >= low) & (values <= high)]
            codes.update(float(c) for c in pd.unique(inside))
        elif _is_number(spec):
            codes.add(float(spec))
    return sorted(codes)


def _apply_sav_mr_sets(columns: list[_Column], meta, warnings: list[str]) -> None:
    """Mark the members of SPSS multiple-response sets (meta.mr_sets)."""
    by_name = {c.name: c for c in columns}
    for set_name, spec in (getattr(meta, "mr_sets", None) or {}).items():
        name = str(set_name).lstrip("$")
        members = [by_name[v] for v in spec.get("variable_list", []) if v in by_name]
        for column in members:
            if column.kind == "number":
                column.mr_set = name
                column.question = spec.get("label") or column.question
        if spec.get("type") == "C":
            warnings.append(f"Set '{name}' is een categorieënset: elke kolom bevat een "
                            "antwoordcode in plaats van 0/1 (genoemd/niet genoemd).")
        elif spec.get("counted_value") not in (None, 1):
            warnings.append(f"Set '{name}' telt de waarde {spec['counted_value']} als genoemd; "
                            "de analyse telt elke waarde boven 0 als genoemd.")


# -- Excel -------------------------------------------------------------------------------------

def _is_xlsx(raw: bytes) -> bool:
    """Whether the bytes are a readable zip holding an Excel workbook."""
    try:
        with untrusted.open_zip(raw) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except untrusted.Refused:
        return False


def _open_workbook(raw: bytes, filename: str):
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


def _sheet_rows(book, sheet: str, filename: str) -> list[list]:
    """All rows of a sheet as lists of cell values."""
    try:
        return [list(row) for row in book[sheet].iter_rows(min_row=1, min_col=1,
                                                            values_only=True)]
    except Exception:
        raise ReadError(f"Bestand '{filename}', werkblad '{sheet}': het werkblad is beschadigd "
                        "en kan niet worden gelezen.") from None


def _read_xlsx(inp: _Input, warnings: list[str], force_text: set):
    """The first data sheet of a workbook, plus the entries of a 'vragenlijst' sheet if any."""
    filename = inp.filename
    book = _open_workbook(inp.content(), filename)
    names = book.sheetnames
    data_sheets = [n for n in names if n.strip().lower() not in QUESTIONNAIRE_SHEETS]
    q_sheets = [n for n in names if n.strip().lower() in QUESTIONNAIRE_SHEETS]
    if not data_sheets:
        raise ReadError(f"Bestand '{filename}' bevat alleen een vragenlijst en geen gegevens.")
    try:
        q_rows = _sheet_rows(book, q_sheets[0], filename) if q_sheets else None
        rows = _sheet_rows(book, data_sheets[0], filename)
    finally:
        book.close()
    entries = _parse_questionnaire(q_rows, filename, q_sheets[0]) if q_rows is not None else []
    force_text = force_text | {e["name"] for e in entries if e.get("type") == "open"}
    start = next((i for i, row in enumerate(rows) if any(not _blank(v) for v in row)), None)
    if start is None:
        raise ReadError(f"Bestand '{filename}' is leeg: het werkblad '{data_sheets[0]}' bevat "
                        "geen gegevens.")
    width = max(len(row) for row in rows)
    header = [_cell_text(v) for v in rows[start]] + [""] * (width - len(rows[start]))
    body = [row + [None] * (width - len(row)) for row in rows[start + 1:]]
    frame = pd.DataFrame(body, columns=range(width), dtype=object)
    frame.index = np.arange(start + 2, start + 2 + len(frame))
    columns = []
    for position, name in _named_columns(header, frame, filename):
        columns.append(_excel_column(frame[position], name, filename, force_text))
    return _finish_table(columns, frame, filename, warnings), entries


def _excel_column(values: pd.Series, name: str, filename: str, force_text: set) -> _Column:
    """An Excel column: numbers, dates, or text (which may still hold numbers as text)."""
    blank = values.map(lambda v: isinstance(v, str) and not v.strip(), na_action="ignore")
    values = values.where(~blank.fillna(False).astype(bool), None)
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind in ("integer", "floating", "mixed-integer-float", "boolean", "empty", "decimal") \
            and name not in force_text:
        return _Column(name, pd.to_numeric(values).astype("float64"), "number")
    if kind in ("datetime", "datetime64", "date", "time"):
        return _Column(name, _iso_dates(values), "date")
    as_text = values.map(_cell_text, na_action="ignore")
    return _text_column(as_text, name, filename, decimal_comma=True,
                        force_text=name in force_text)


def _cell_text(value) -> str:
    """A cell as text: 3.0 -> '3'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _blank(value) -> bool:
    """Whether a cell is empty (None, NaN or only blanks)."""
    return value is None or (isinstance(value, float) and value != value) \
        or (isinstance(value, str) and not value.strip())


# -- CSV ---------------------------------------------------------------------------------------

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


def _read_csv(inp: _Input, warnings: list[str], force_text: set) -> WaveFile:
    """A delimited text file (also Dutch Excel CSV: ';' and decimal comma).

    The C parser reads the numbers itself (fast); only columns it leaves as text go through
    `_text_column` (numbers with the other decimal mark, mistakes, dates, open answers).
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
    for position, name in _named_columns(header, frame, filename):
        values = frame[position]
        if pd.api.types.is_numeric_dtype(values) and position not in text_columns:
            columns.append(_parsed_numbers(values.astype("float64"), name, filename))
        else:
            columns.append(_text_column(values, name, filename, decimal_comma,
                                        name in force_text))
    return _finish_table(columns, frame, filename, warnings)


def _parsed_numbers(values: pd.Series, name: str, filename: str) -> _Column:
    """A column the CSV parser read as numbers; infinities are refused."""
    infinite = np.isinf(values.to_numpy())
    if infinite.any():
        first = int(np.flatnonzero(infinite)[0])
        raise ReadError(f"Bestand '{filename}', kolom '{name}': '{values.iloc[first]}' is geen "
                        f"getal (rij {values.index[first]}).")
    return _Column(name, values, "number")


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


# -- shared table handling ---------------------------------------------------------------------

def _named_columns(header: list[str], frame: pd.DataFrame, filename: str):
    """(position, name) of the columns to keep: nameless empty columns are dropped, nameless
    filled ones and duplicate names refused."""
    kept = []
    for position, name in enumerate(header):
        if not name:
            filled = frame[frame.columns[position]].map(lambda v: not _blank(v)).any() \
                if len(frame) else False
            if filled:
                raise ReadError(f"Bestand '{filename}': kolom {position + 1} heeft geen naam in "
                                "de kopregel maar bevat wel gegevens.")
            continue
        kept.append((frame.columns[position], name))
    _check_unique([name for _, name in kept], filename)
    return kept


def _check_unique(names: list[str], filename: str) -> None:
    """Refuse a header with a name twice."""
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if name in seen:
            count = names.count(name)
            raise ReadError(f"Bestand '{filename}': de kolomnaam '{name}' komt {count} keer voor "
                            f"(kolom {seen[name]} en {position}). Geef elke kolom een eigen "
                            "naam.")
        seen[name] = position


def _finish_table(columns: list[_Column], frame: pd.DataFrame, filename: str,
                  warnings: list[str]) -> WaveFile:
    """Drop rows without any answer, refuse a file without respondents, build the wave."""
    if not columns:
        raise ReadError(f"Bestand '{filename}' bevat geen kolommen met een naam.")
    filled = np.zeros(len(frame), dtype=bool)
    for column in columns:
        filled |= column.values.notna().to_numpy()
    if not filled.any():
        raise ReadError(f"Bestand '{filename}' bevat alleen een kopregel en geen respondenten.")
    rows = frame.index.to_numpy()[filled]
    for column in columns:
        column.values = column.values[filled].reset_index(drop=True)
    return _build(columns, filename, rows, warnings)


def _text_column(values: pd.Series, name: str, filename: str, decimal_comma: bool,
                 force_text: bool) -> _Column:
    """A column read as text, turned into numbers when (nearly) all cells are numbers.

    All numbers -> number column. At least NUMERIC_SHARE numbers -> ReadError naming the first
    cell that is not (a mistake in a numeric column). Otherwise dates or open text.
    """
    stripped = values.astype("str").str.strip().where(values.notna(), "")
    empty = stripped.isin(MISSING_MARKERS).to_numpy()
    if empty.all():
        return _Column(name, pd.Series(np.nan, index=values.index, dtype="float64"), "number")
    numbers = untrusted.parse_numbers(stripped.where(~empty), decimal_comma)
    good = np.isfinite(numbers.to_numpy())
    bad = ~empty & ~good
    filled = int((~empty).sum())
    n_bad = int(bad.sum())
    if n_bad == 0 and not force_text:
        return _Column(name, numbers, "number")
    if not force_text and (filled - n_bad) / filled >= NUMERIC_SHARE:
        first = int(np.flatnonzero(bad)[0])
        message = (f"Bestand '{filename}', kolom '{name}': '{stripped.iloc[first]}' is geen getal "
                   f"(rij {values.index[first]}).")
        if n_bad > 1:
            message += f" In deze kolom zijn nog {n_bad - 1} andere cellen geen getal."
        raise ReadError(message)
    texts = stripped.astype(object).where(~empty, None)
    dates = _text_dates(texts) if not force_text else None
    if dates is not None:
        return _Column(name, dates, "date")
    return _Column(name, texts, "text")


def _text_dates(texts: pd.Series) -> pd.Series | None:
    """ISO strings when every filled cell is a date (2025-03-12, 12-3-2025, with a time), else
    None."""
    filled = texts.dropna()
    if filled.empty or not filled.str.fullmatch(DATE_TEXT).all():
        return None
    iso = filled.str.match(r"^\d{4}-")
    parsed = pd.Series(pd.NaT, index=filled.index, dtype="datetime64[ns]")
    if iso.any():
        parsed[iso] = pd.to_datetime(filled[iso], errors="coerce", format="ISO8601")
    if (~iso).any():
        parsed[~iso] = pd.to_datetime(filled[~iso].str.replace(r"[/.]", "-", regex=True),
                                      errors="coerce", dayfirst=True, format="mixed")
    if parsed.isna().any():
        return None
    result = pd.Series(None, index=texts.index, dtype=object)
    result.loc[filled.index] = _iso_dates(parsed).to_numpy()
    return result


def _is_date_series(values: pd.Series) -> bool:
    """Whether a column holds dates or times (SPSS date formats)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return True
    if values.dtype == object:
        return pd.api.types.infer_dtype(values, skipna=True) in ("date", "datetime", "time")
    return False


def _iso_dates(values: pd.Series) -> pd.Series:
    """Dates as ISO text ('2025-03-12', with 'T10:15:00' when any value has a time)."""
    if values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) == "time":
        return values.map(lambda t: t.isoformat(), na_action="ignore").astype(object) \
            .where(values.notna(), None)
    stamps = pd.to_datetime(values, errors="coerce")
    has_time = bool(((stamps - stamps.dt.normalize()).dt.total_seconds().fillna(0) != 0).any())
    text = stamps.dt.strftime("%Y-%m-%dT%H:%M:%S" if has_time else "%Y-%m-%d")
    return text.astype(object).where(stamps.notna(), None)


def _clean_text(values: pd.Series) -> pd.Series:
    """Text values with trailing blanks removed and empty strings as None."""
    text = values.astype("str").str.rstrip()
    keep = (text.str.strip() != "").fillna(False).astype(bool) & text.notna()
    return text.astype(object).where(keep, None)


def _is_number(value) -> bool:
    """Whether a value is a real number (not bool, not text)."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


# -- building the WaveFile ---------------------------------------------------------------------

def _build(columns: list[_Column], filename: str, rows: np.ndarray,
           warnings: list[str]) -> WaveFile:
    """The WaveFile: design guesses, variable descriptions, multiple-response sets, warnings."""
    design = _guess_design(columns)
    skip = {c for c in design.values() if c} | {c.name for c in columns if c.kind == "date"}
    substantive = [c for c in columns if c.name not in skip]
    prefixes = _prefix_mr_sets([c for c in substantive if c.kind == "number" and not c.mr_set])
    variables = []
    for column in substantive:
        column.mr_set = column.mr_set or prefixes.get(column.name)
        variables.append(_describe(column, warnings))
    data = pd.DataFrame({c.name: c.values.reset_index(drop=True) for c in columns})
    return WaveFile(data, variables, warnings, design, filename, np.asarray(rows))


def _valid(values: pd.Series, missing_codes: list) -> pd.Series:
    """The values with user-missing codes set to NaN."""
    if not missing_codes or not pd.api.types.is_numeric_dtype(values):
        return values
    return values.mask(np.isin(values.to_numpy(), missing_codes))


def _describe(column: _Column, warnings: list[str]) -> dict:
    """The variable description of one substantive column."""
    missing = [float(c) for c in column.missing_codes]
    labels = dict(column.value_labels)
    valid = _valid(column.values.rename(column.name), missing)
    substantive_labels = {k: v for k, v in labels.items() if k not in missing}
    if column.kind == "text":
        kind = "open"
    elif column.mr_set:
        kind = "meervoudig"
    else:
        kind = infer_type(valid, substantive_labels, label=column.label)
    var = {"name": column.name, "label": column.label or column.name,
           "question": column.question, "type": kind, "value_labels": labels,
           "missing_codes": missing, "topic": None,
           "higher_is_better": _higher_is_better(kind, substantive_labels),
           "mr_set": column.mr_set}
    if kind == "meervoudig" and not var["mr_set"]:
        var["mr_set"] = _mr_prefix(column.name) or column.name
    warnings.extend(_variable_warnings(var, valid))
    return var


def _variable_warnings(var: dict, valid: pd.Series) -> list[str]:
    """Remarks on one variable: empty, or labels for only some of its values."""
    name = var["name"]
    if valid.isna().all():
        return [f"Kolom '{name}' is leeg: niemand heeft deze vraag beantwoord."]
    if var["type"] not in ("enkelvoudig", "likert") or not var["value_labels"]:
        return []
    present = pd.unique(valid.dropna().to_numpy())
    labelled = sum(1 for v in present if float(v) in var["value_labels"])
    if labelled < len(present):
        return [f"Kolom '{name}': labels voor {labelled} van de {len(present)} waarden."]
    return []


def _higher_is_better(kind: str, labels: dict) -> bool | None:
    """True for rapportcijfers and for satisfaction/quality scales coded low = bad; False when
    coded the other way round; None when the labels do not say."""
    if kind == "rapportcijfer":
        return True
    if kind != "likert":
        return None
    scale = sorted((k, v) for k, v in labels.items() if not OFF_SCALE.search(v))
    if len(scale) < 2:
        return None
    low, high = scale[0][1], scale[-1][1]

    def good(text):
        return bool(POSITIVE.search(text)) and not NEGATIVE.search(text)

    if good(high) and NEGATIVE.search(low):
        return True
    if good(low) and NEGATIVE.search(high):
        return False
    return None


def _mr_prefix(name: str) -> str | None:
    """'v5' for 'v5_1' or 'v5.1', else None."""
    match = MR_ITEM.match(name)
    return match.group("prefix") if match else None


def _prefix_mr_sets(columns: list[_Column]) -> dict[str, str]:
    """Column name -> set name for 0/1 columns sharing a prefix (v5_1, v5_2, ...) whose labels,
    if any, read 'genoemd'/'niet genoemd' (not Ja/Nee: those are separate questions)."""
    groups: dict[str, list[str]] = {}
    for column in columns:
        prefix = _mr_prefix(column.name)
        if prefix is None:
            continue
        valid = _valid(column.values, column.missing_codes).dropna()
        labels = {k: v for k, v in column.value_labels.items() if k not in column.missing_codes}
        if not np.isin(pd.unique(valid.to_numpy()), (0.0, 1.0)).all():
            continue
        if labels and not (set(labels) <= {0.0, 1.0}
                           and all(MENTIONED.match(v) for v in labels.values())):
            continue
        groups.setdefault(prefix, []).append(column.name)
    return {name: prefix for prefix, names in groups.items() if len(names) >= 2
            for name in names}


# -- type inference ------------------------------------------------------------------------------

def infer_type(values: pd.Series, value_labels: dict, *, label: str | None = None) -> str:
    """The variable type a column's values and value labels suggest (one of VARIABLE_TYPES).

    Pass values and labels without the user-missing codes. The column name is `values.name`;
    `label` is the variable label (both are searched for 'cijfer').

    - open: text;
    - meervoudig: 0/1 labelled 'genoemd'/'niet genoemd' (sets by prefix are found elsewhere);
    - rapportcijfer: values within 1..10 and 'cijfer' in name, label or value labels; or
      whole numbers 1..10 reaching at least 8 (so not an unlabelled 1-7 scale), without
      labels other than at 1 and 10;
    - likert: 4 to 7 labelled points reading like an agreement, satisfaction, importance,
      frequency, quality or safety scale ('weet niet'-like labels not counted);
    - enkelvoudig: labelled categories (at least half of the values present have a label);
    - getal: anything else.
    """
    labels = {float(k): str(v) for k, v in (value_labels or {}).items()}
    numbers = _as_numbers(values)
    if numbers is None:
        return "open"
    present = pd.unique(numbers.dropna().to_numpy())
    if labels and set(labels) <= {0.0, 1.0} and np.isin(present, (0.0, 1.0)).all() \
            and all(MENTIONED.match(v) for v in labels.values()):
        return "meervoudig"
    if _is_rapportcijfer(present, labels, str(values.name or ""), label or ""):
        return "rapportcijfer"
    if _is_likert(labels):
        return "likert"
    if labels:
        labelled = np.isin(present, list(labels)).sum()
        if present.size == 0 or labelled >= present.size / 2:
            return "enkelvoudig"
    return "getal"


def _as_numbers(values: pd.Series) -> pd.Series | None:
    """The values as float64, or None when they are text."""
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        return values.astype("float64")
    filled = values.dropna()
    if filled.empty:
        return pd.Series(np.nan, index=values.index, name=values.name, dtype="float64")
    converted = pd.to_numeric(filled.astype(str).str.strip().str.replace(",", ".", regex=False),
                              errors="coerce")
    if converted.isna().any():
        return None
    return pd.to_numeric(values.astype(str).str.replace(",", ".", regex=False), errors="coerce") \
        .astype("float64").where(values.notna())


def _is_rapportcijfer(present: np.ndarray, labels: dict, name: str, label: str) -> bool:
    """See infer_type."""
    in_range = present.size == 0 or (present.min() >= 1 and present.max() <= 10)
    hinted = bool(CIJFER.search(name) or CIJFER.search(label)
                  or any(CIJFER.search(v) for v in labels.values()))
    if hinted and in_range:
        return True
    return bool(present.size and in_range and np.all(present == np.round(present))
                and present.max() >= 8 and set(labels) <= {1.0, 10.0})


def _is_likert(labels: dict) -> bool:
    """See infer_type: 4-7 scale points, both ends and most points in the scale vocabulary."""
    scale = [text for _, text in sorted(labels.items()) if not OFF_SCALE.search(text)]
    if not 4 <= len(scale) <= 7:
        return False
    matched = [bool(SCALE_WORDS.search(text)) for text in scale]
    return matched[0] and matched[-1] and sum(matched) >= 0.75 * len(scale)


# -- design columns ----------------------------------------------------------------------------

def _normal(name: str) -> str:
    """A column name in lower case with only letters and digits."""
    return re.sub(r"[^0-9a-z]", "", str(name).lower())


def _guess_design(columns: list[_Column]) -> dict:
    """Per design role (weight, strata, psu, fpc, unit, completed, respondent) the column whose
    name suggests it, or None; weight and fpc must be numeric. Without a name match the last
    date column is the completion date."""
    pairs = [(c.name, c.kind) for c in columns]
    normal = [(_normal(name), name, kind) for name, kind in pairs]
    taken: set[str] = set()
    design: dict = {}
    for role in DESIGN_ROLES:
        design[role] = None
        allowed = [(n, name, kind) for n, name, kind in normal if name not in taken
                   and (role not in NUMERIC_ROLES or kind == "number")]
        for candidate in DESIGN_NAMES[role]:
            found = next((name for n, name, _ in allowed if n == candidate), None) or next(
                (name for n, name, _ in allowed if len(candidate) >= 4
                 and n.startswith(candidate)), None)
            if found:
                design[role] = found
                taken.add(found)
                break
    if design["completed"] is None:
        dates = [c.name for c in columns if c.kind == "date" and c.name not in taken
                 and c.values.dropna().str.match(r"^\d{4}-").all()]  # not a time of day
        design["completed"] = dates[-1] if dates else None
    return design


# -- questionnaire -----------------------------------------------------------------------------

def _parse_questionnaire(rows: list[list], filename: str, sheet: str | None) -> list[dict]:
    """Entries from the rows of a questionnaire table (first non-empty row = header)."""
    where = f"Bestand '{filename}'" + (f", werkblad '{sheet}'" if sheet else "")
    start = next((i for i, row in enumerate(rows) if any(not _blank(v) for v in row)), None)
    if start is None:
        raise ReadError(f"{where}: de vragenlijst is leeg.")
    header = [QUESTIONNAIRE_HEADERS.get(_normal(_cell_text(v))) for v in rows[start]]
    if "name" not in header:
        found = ", ".join(_cell_text(v) for v in rows[start] if not _blank(v))
        raise ReadError(f"{where}: de vragenlijst mist de kolom 'naam' (gevonden: {found}).")
    entries: list[dict] = []
    seen: dict[str, int] = {}
    for index in range(start + 1, len(rows)):
        row = rows[index]
        if all(_blank(v) for v in row):
            continue
        cells = {key: row[i] for i, key in enumerate(header) if key and i < len(row)}
        entry = _questionnaire_entry(cells, f"{where}, rij {index + 1}")
        if entry["name"] in seen:
            raise ReadError(f"{where}, rij {index + 1}: variabele '{entry['name']}' staat al in "
                            f"rij {seen[entry['name']]}.")
        seen[entry["name"]] = index + 1
        entries.append(entry)
    if not entries:
        raise ReadError(f"{where}: de vragenlijst bevat alleen een kopregel en geen variabelen.")
    return entries


def _questionnaire_entry(cells: dict, where: str) -> dict:
    """One questionnaire row as an entry (None = not given)."""
    # Texts, and the booleans of yes/no cells as they are.
    text: dict[str, Any] = {key: _cell_text(value) if not isinstance(value, bool) else value
                            for key, value in cells.items()}
    name = text.get("name") or ""
    if not name:
        raise ReadError(f"{where}: de kolom 'naam' is leeg.")
    where = f"{where} ({name})"
    kind = (text.get("type") or "").lower() or None
    if kind is not None and kind not in VARIABLE_TYPES:
        raise ReadError(f"{where}: onbekend type '{text['type']}'. Kies uit: "
                        f"{', '.join(VARIABLE_TYPES)}.")
    return {"name": name, "label": text.get("label") or None,
            "question": text.get("question") or None, "type": kind,
            "value_labels": _parse_value_labels(text.get("value_labels") or "", where),
            "missing_codes": _parse_missing(text.get("missing_codes") or "", where),
            "topic": text.get("topic") or None,
            "higher_is_better": _parse_flag(text.get("higher_is_better"), where),
            "mr_set": text.get("mr_set") or None, **_parse_condition(text.get("condition"), where)}


def _parse_condition(text: str | None, where: str) -> dict:
    """{'condition': text} for a routing condition in the column 'voorwaarde' (checked with
    `research.public.conditions`, the door's own parser), {} when there is none."""
    if not text or not text.strip():
        return {}
    try:
        conditions.parse(text.strip())
    except conditions.ConditionError as error:
        raise ReadError(f"{where}: {error} (kolom 'voorwaarde').") from None
    return {"condition": text.strip()}


def _split_list(text: str) -> list[str]:
    """Items separated by ';', '|', a new line, or ', ' (comma and space)."""
    return [item.strip() for item in re.split(r"[;|\n]|,\s+", text) if item.strip()]


def _parse_code(text: str, where: str, column: str) -> float:
    """A code such as '9', '-1' or '1,5'."""
    try:
        value = untrusted.parse_number(text)
    except ValueError:
        raise ReadError(f"{where}: '{text.strip()}' in de kolom '{column}' is geen code "
                        "(een getal).") from None
    if not np.isfinite(value):
        raise ReadError(f"{where}: '{text.strip()}' in de kolom '{column}' is geen code "
                        "(een getal).")
    return value


def _parse_value_labels(text: str, where: str) -> dict | None:
    """'1=Ja; 2=Nee; 9=Weet niet' -> {1.0: 'Ja', 2.0: 'Nee', 9.0: 'Weet niet'}."""
    if not text.strip():
        return None
    labels = {}
    for item in re.split(r"[;|\n]", text):
        if not item.strip():
            continue
        if "=" not in item:
            raise ReadError(f"{where}: '{item.strip()}' in de kolom 'waarden' heeft niet de vorm "
                            "code=label (bijvoorbeeld 1=Ja; 2=Nee).")
        code, label = item.split("=", 1)
        labels[_parse_code(code, where, "waarden")] = label.strip()
    return labels


def _parse_missing(text: str, where: str) -> list[float] | None:
    """'9; 99' or '97 t/m 99' -> sorted codes."""
    if not text.strip():
        return None
    codes: set[float] = set()
    for item in _split_list(text):
        span = re.fullmatch(r"(-?\d+)\s*(?:t/m|tot en met|\.\.)\s*(-?\d+)", item)
        if span:
            low, high = int(span.group(1)), int(span.group(2))
            if high < low or high - low > 1000:
                raise ReadError(f"{where}: '{item}' in de kolom 'ontbrekend' is geen bruikbaar "
                                "bereik.")
            codes.update(float(c) for c in range(low, high + 1))
        else:
            codes.add(_parse_code(item, where, "ontbrekend"))
    return sorted(codes)


def _parse_flag(value, where: str) -> bool | None:
    """ja/nee (and yes/no, true/false, 1/0) or empty."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if not text:
        return None
    if text in YES:
        return True
    if text in NO:
        return False
    raise ReadError(f"{where}: '{value}' in de kolom 'hoger_is_beter' moet ja, nee of leeg zijn.")


def _merge_entries(first: list[dict], second: list[dict] | None) -> list[dict]:
    """Questionnaire entries of both lists; per name the second one wins."""
    merged = {e["name"]: e for e in first}
    merged.update({e["name"]: e for e in second or []})
    return list(merged.values())


# -- applying a questionnaire ------------------------------------------------------------------

def apply_questionnaire(wave: WaveFile, questionnaire: list[dict]) -> WaveFile:
    """A new WaveFile with the questionnaire's metadata laid over the inferred metadata.

    Per name: given fields replace inferred ones; a given type must fit the data (numbers for
    every type but 'open'; 1..10 for 'rapportcijfer'); 'open' turns numbers into text. When
    labels or missing codes are given without a type, the type is inferred again. A design or
    date column named in the questionnaire also becomes a variable. Names not in the data give
    a warning.
    """
    data = wave.data.copy()
    variables = {v["name"]: dict(v) for v in wave.variables}
    warnings = list(wave.warnings)
    for entry in questionnaire:
        name = entry["name"]
        if name not in data.columns:
            warnings.append(f"Variabele '{name}' uit de vragenlijst staat niet in het "
                            "databestand.")
            continue
        var = variables.get(name) or _new_variable(data[name], name)
        data[name], var = _apply_entry(wave, data[name], var, entry)
        warnings = [w for w in warnings if not w.startswith((f"Kolom '{name}': labels voor ",
                                                             f"Kolom '{name}' is leeg"))]
        warnings.extend(_variable_warnings(var, _valid(data[name], var["missing_codes"])))
        variables[name] = var
    ordered = [variables[c] for c in data.columns if c in variables]
    return WaveFile(data, ordered, warnings, dict(wave.design_columns), wave.filename, wave.rows)


def _new_variable(values: pd.Series, name: str) -> dict:
    """A description for a column that was not a variable (a design or date column)."""
    kind = infer_type(values.rename(name), {})
    return {"name": name, "label": name, "question": None, "type": kind, "value_labels": {},
            "missing_codes": [], "topic": None, "higher_is_better": None, "mr_set": None}


def _apply_entry(wave: WaveFile, values: pd.Series, var: dict, entry: dict):
    """The column and its description after one questionnaire entry."""
    name = var["name"]
    for key in ("label", "question", "topic", "mr_set"):
        if entry.get(key) is not None:
            var[key] = entry[key]
    if entry.get("value_labels") is not None:
        var["value_labels"] = {float(k): str(v) for k, v in entry["value_labels"].items()}
    if entry.get("missing_codes") is not None:
        var["missing_codes"] = sorted(float(c) for c in entry["missing_codes"])
    kind = entry.get("type")
    if kind is None and (entry.get("value_labels") is not None
                         or entry.get("missing_codes") is not None) and var["type"] != "meervoudig":
        substantive = {k: v for k, v in var["value_labels"].items()
                       if k not in var["missing_codes"]}
        kind = infer_type(_valid(values, var["missing_codes"]).rename(name), substantive,
                          label=var["label"])
    kind = kind or var["type"]
    values = _fit(wave, values, name, kind, var["missing_codes"])
    if kind != var["type"] and entry.get("higher_is_better") is None:
        substantive = {k: v for k, v in var["value_labels"].items()
                       if k not in var["missing_codes"]}
        var["higher_is_better"] = _higher_is_better(kind, substantive)
    if entry.get("higher_is_better") is not None:
        var["higher_is_better"] = entry["higher_is_better"]
    var["type"] = kind
    if kind == "meervoudig":
        var["mr_set"] = var.get("mr_set") or _mr_prefix(name) or name
    elif entry.get("mr_set") is None:
        var["mr_set"] = None
    return values, var


def _fit(wave: WaveFile, values: pd.Series, name: str, kind: str, missing: list) -> pd.Series:
    """The column converted to what `kind` needs, or a ReadError when it does not fit."""
    where = f"Bestand '{wave.filename}', kolom '{name}'"
    if kind == "open":
        if not pd.api.types.is_numeric_dtype(values):
            return values
        return values.map(_number_text, na_action="ignore").astype(object) \
            .where(values.notna(), None)
    if not pd.api.types.is_numeric_dtype(values):
        numbers = pd.to_numeric(values.astype(str).str.strip().str.replace(",", ".", regex=False),
                                errors="coerce").astype("float64").where(values.notna())
        bad = values.notna().to_numpy() & ~np.isfinite(numbers.to_numpy())
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise ReadError(f"{where}: type '{kind}' uit de vragenlijst past niet bij de "
                            f"gegevens: '{values.iloc[first]}' is geen getal "
                            f"(rij {_row(wave, first)}).")
        values = numbers
    if kind == "rapportcijfer":
        valid = _valid(values, missing).to_numpy()
        outside = ~np.isnan(valid) & ((valid < 1) | (valid > 10))
        if outside.any():
            first = int(np.flatnonzero(outside)[0])
            raise ReadError(f"{where}: type 'rapportcijfer' uit de vragenlijst past niet bij de "
                            f"gegevens: {_number_text(valid[first])} ligt niet tussen 1 en 10 "
                            f"(rij {_row(wave, first)}).")
    return values


def _row(wave: WaveFile, position: int) -> int:
    """The row number the user sees for a data row."""
    if wave.rows is not None and position < len(wave.rows):
        return int(wave.rows[position])
    return position + 1


def _number_text(value) -> str:
    """3.0 -> '3', 7.5 -> '7.5'."""
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)
