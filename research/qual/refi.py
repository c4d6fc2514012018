"""REFI-QDA 1.5 exchange: projects (.qdpx) and codebooks (.qdc) <-> plain dataclasses.

A pure translation layer: no database, no streamlit. The caller maps the dataclasses onto its
own tables and keeps the GUIDs stable from one export to the next.

Export is strict: a `.qdpx` holds exactly `project.qde` and a flat `sources/` folder of UTF-8
texts (no BOM, `\\n` line ends); positions count code points, end exclusive; the XML is
validated against the REFI schema before anything is written, and the file is replaced
atomically. No `basePath` or other local path is ever written.

Import is lenient and treats its input as hostile (through `research.untrusted`): XML is parsed
with DTDs, entities and external references forbidden, the zip is checked for unsafe member
names and zip bombs and never extracted to disk, and every selection is checked against the
text it claims to cover. Vendor quirks, as real exports show them, are handled per `origin`:

- NVivo counts positions in UTF-16 code units with CRLF counted as 2 and writes `Sources/`;
- ATLAS.ti and MAXQDA count a line break as 1 although their `.txt` holds CRLF; ATLAS.ti writes
  zero-length selections and names the XML after the project;
- MAXQDA writes passage memos as selections with a `Description` and no `Coding`, and cases
  without a name.

What could not be carried over is reported as Dutch warnings.

What REFI (or this dataclass model) cannot carry, so that a round trip loses it:
- a selection without codes whose `note` is set comes back with `note=None` plus a separate
  RefiNote attached to it (that shape is how MAXQDA writes passage memos);
- a note attached to a case: the project schema allows no NoteRef in a Case, so it is written
  as a project-level note plus a `Link` from the note to the case (read back as a target);
- note targets come back in document order (codes, sources and their selections, then cases);
- codes come back in tree pre-order; an empty non-Text variable value is not written;
- a timestamp that is not ISO 8601 is not written; characters that XML 1.0 cannot hold
  (control characters) are dropped from names, descriptions and notes.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import threading
import uuid
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from lxml import etree

from research import untrusted
from research.errors import UserError

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
DEFAULT_ORIGIN = "Onderzoekstoolkit"
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"

# The GUIDType pattern of both XSDs (bare or in braces).
GUID_RE = re.compile(
    r"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
    r"|(\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\})")
COLOUR_RE = re.compile(r"#([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})")
VARIABLE_TYPES = ("Text", "Boolean", "Integer", "Float", "Date", "DateTime")
VENDORS = ("ATLAS.ti", "NVivo", "MAXQDA", "QualCoder", "Taguette", "other")

# Zip-bomb limits (untrusted's; here so that tests can make them small).
MAX_TOTAL_BYTES = untrusted.MAX_UNPACKED_BYTES
RATIO_CHECK_BYTES = untrusted.RATIO_CHECK_BYTES
# Limits on what is read at all: more codes or deeper nesting is no real codebook and would
# only cost time (each code is stored on its own) or overflow recursive tree walks later.
MAX_CODES = 10_000
MAX_CODE_DEPTH = 100
MAX_CODEBOOK_BYTES = 20 * 1024 * 1024   # a .qdc is parsed whole in memory

# Namespace of the GUIDs this module derives (codings, links, repaired GUIDs): same input,
# same GUID, so exports stay stable.
_GUID_NAMESPACE = uuid.UUID("6f1d3c2e-52a4-4b8e-9a57-0d5b3e1c9f20")
_INVALID_XML_CHARS = re.compile(
    "[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_XSD_DATETIME = re.compile(
    r"-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?")
_XSD_DATE = re.compile(r"-?\d{4,}-\d{2}-\d{2}(Z|[+-]\d{2}:\d{2})?")
_XSD_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")   # two UTF-16 code units each
_NON_TEXT_SOURCES = {"PictureSource": "afbeelding", "PDFSource": "PDF",
                     "AudioSource": "audio", "VideoSource": "video"}


class RefiError(UserError):
    """A REFI file that cannot be read or written; the Dutch message names file and problem."""


class RefiInternalError(RuntimeError):
    """An export that would not be valid REFI: a bug in the caller or in this module."""


# -- the dataclasses ---------------------------------------------------------------------------

@dataclass
class RefiUser:
    guid: str
    name: str


@dataclass
class RefiCode:
    guid: str
    name: str
    colour: str | None
    description: str
    parent: str | None
    codable: bool = True


@dataclass
class RefiSet:
    """A group of codes (a code set) and/or of sources (a document set, as MAXQDA writes)."""
    guid: str
    name: str
    description: str
    codes: list[str]
    sources: list[str] = field(default_factory=list)


@dataclass
class RefiCoding:
    """One code applied to a selection, by whom (a user GUID) and when."""
    code: str
    created_by: str | None
    created_at: str | None = None


@dataclass
class RefiSelection:
    """A coded passage: `start`/`end` are Python str indices into RefiSource.text.

    `codes` are the distinct codes applied; `codings`, when given, says per coding who applied
    which code (several coders may code one selection, as in a merged ATLAS.ti project). Left
    None, every code counts as applied by `created_by`."""
    guid: str
    start: int
    end: int
    codes: list[str]
    created_by: str | None
    created_at: str | None
    note: str | None = None
    codings: list[RefiCoding] | None = None

    def applied(self) -> list[RefiCoding]:
        """Every coding of the selection with its coder."""
        if self.codings is not None:
            return self.codings
        return [RefiCoding(code, self.created_by, self.created_at) for code in self.codes]


@dataclass
class RefiSource:
    guid: str
    name: str
    text: str
    created_by: str | None
    created_at: str | None
    selections: list[RefiSelection]


@dataclass
class RefiVariable:
    guid: str
    name: str
    type: str


@dataclass
class RefiCase:
    guid: str
    name: str
    description: str
    values: dict[str, str]
    sources: list[str]
    selections: list[str]


@dataclass
class RefiNote:
    """A memo; `targets` are the GUIDs it is attached to ([] = the project as a whole)."""
    guid: str
    name: str
    text: str
    created_by: str | None
    created_at: str | None
    targets: list[str]


@dataclass
class RefiProject:
    name: str
    description: str
    origin: str
    users: list[RefiUser]
    codes: list[RefiCode]
    sets: list[RefiSet]
    sources: list[RefiSource]
    variables: list[RefiVariable]
    cases: list[RefiCase]
    notes: list[RefiNote]


# -- small shared helpers ------------------------------------------------------------------------

def detect_vendor(origin: str | None) -> str:
    """The tool that wrote a file, from its `origin` attribute (one of VENDORS)."""
    text = (origin or "").lower()
    for needle, vendor in (("atlas", "ATLAS.ti"), ("nvivo", "NVivo"), ("maxqda", "MAXQDA"),
                           ("qualcoder", "QualCoder"), ("taguette", "Taguette")):
        if needle in text:
            return vendor
    return "other"


def is_guid(value: str | None) -> bool:
    """Whether the value matches the REFI GUIDType pattern."""
    if not value:
        return False
    return GUID_RE.fullmatch(value) is not None


def derived_guid(*parts: str) -> str:
    """A stable GUID derived from the given strings (same input, same GUID)."""
    return str(uuid.uuid5(_GUID_NAMESPACE, "\x1f".join(parts))).upper()


def _guid_key(guid: str) -> str:
    """Comparison key of a GUID: case and braces do not matter."""
    return guid.strip().strip("{}").lower()


def _xml_safe(text: str | None) -> str:
    """The text without the characters XML 1.0 cannot hold."""
    return _INVALID_XML_CHARS.sub("", text or "")


def _normalise_newlines(text: str) -> str:
    """Every line end `\\n`."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _plural(count: int, singular: str, plural: str) -> str:
    """The singular or plural sentence, with {n} filled in."""
    return (singular if count == 1 else plural).format(n=count)


# -- position counting ------------------------------------------------------------------------

@dataclass(frozen=True)
class _Counting:
    """How a tool counts positions in a text."""
    utf16: bool        # UTF-16 code units (an emoji counts 2) instead of code points
    crlf_units: int    # what a CRLF pair counts (2 as in the file, or 1 as one line break)
    label: str         # Dutch description for warnings


COUNTINGS = {
    "codepoints": _Counting(False, 2, "tekens (code points) met CRLF als 2"),
    "codepoints_lf": _Counting(False, 1, "tekens (code points) met een regeleinde als 1"),
    "utf16": _Counting(True, 2, "UTF-16-eenheden met CRLF als 2"),
    "utf16_lf": _Counting(True, 1, "UTF-16-eenheden met een regeleinde als 1"),
}
VENDOR_COUNTING = {"NVivo": "utf16", "ATLAS.ti": "codepoints_lf", "MAXQDA": "codepoints_lf"}


class OffsetMap:
    """Maps positions counted one way on the original text to indices into the normalised text.

    The original is the decoded text with its BOM stripped; the normalised text has every line
    end made `\\n`. A position inside one character (between the halves of a surrogate pair,
    or between CR and LF when CRLF counts 2) snaps outward: a start down, an end up.
    """

    def __init__(self, original: str, counting: _Counting):
        self.identity = "\r" not in original and not (
            counting.utf16 and _ASTRAL.search(original))
        self.table: list[int] = []
        if self.identity:
            self.total = len(original)
            return
        table = self.table
        index = 0
        position = 0
        length = len(original)
        while position < length:
            char = original[position]
            if char == "\r" and position + 1 < length and original[position + 1] == "\n":
                units = counting.crlf_units
                position += 2
            else:
                units = 2 if counting.utf16 and ord(char) > 0xFFFF else 1
                position += 1
            table.append(index)
            table.extend([-1] * (units - 1))
            index += 1
        table.append(index)
        self.total = len(table) - 1

    def index(self, offset: int, *, is_end: bool) -> int:
        """The normalised index of an in-range offset."""
        if self.identity:
            return offset
        step = 1 if is_end else -1
        while self.table[offset] < 0:
            offset += step
        return self.table[offset]


def counting_total(original: str, counting: _Counting) -> int:
    """Length of the original text counted the given way."""
    total = len(original)
    if counting.utf16:
        total += len(_ASTRAL.findall(original))
    if counting.crlf_units == 1:
        total -= original.count("\r\n")
    return total


# -- warnings ---------------------------------------------------------------------------------

_COUNTED = {
    "zero_length": ("{n} selectie van lengte 0 overgeslagen{vendor}.",
                    "{n} selecties van lengte 0 overgeslagen{vendor}."),
    "out_of_range": ("{n} selectie valt buiten de tekst van haar bron en is overgeslagen.",
                     "{n} selecties vallen buiten de tekst van hun bron en zijn overgeslagen."),
    "reversed": ("{n} selectie met een eindpositie vóór de beginpositie is overgeslagen.",
                 "{n} selecties met een eindpositie vóór de beginpositie zijn overgeslagen."),
    "bad_position": ("{n} selectie zonder geldige begin- of eindpositie is overgeslagen.",
                     "{n} selecties zonder geldige begin- of eindpositie zijn overgeslagen."),
    "unknown_code": ("{n} codering verwijst naar een onbekende code en is weggelaten.",
                     "{n} coderingen verwijzen naar een onbekende code en zijn weggelaten."),
    "passage_memo": ("{n} notitie bij een passage zonder codering is overgenomen als memo bij "
                     "die selectie.",
                     "{n} notities bij passages zonder codering zijn overgenomen als memo bij "
                     "die selecties."),
    "unnamed_case": ("{n} casus zonder naam heet nu {details}.",
                     "{n} casussen zonder naam heten nu {details}."),
    "unnamed": ("{n} onderdeel zonder naam heeft een naam gekregen: {details}.",
                "{n} onderdelen zonder naam hebben een naam gekregen: {details}."),
    "links": ("{n} koppeling (Link) is niet overgenomen.",
              "{n} koppelingen (Links) zijn niet overgenomen."),
    "graphs": ("{n} netwerkweergave (Graph) is niet overgenomen.",
               "{n} netwerkweergaven (Graphs) zijn niet overgenomen."),
    "set_members": ("{n} notitie in een set is niet overgenomen (een set bevat hier codes of "
                    "documenten).",
                    "{n} notities in sets zijn niet overgenomen (een set bevat hier codes of "
                    "documenten)."),
    "case_codes": ("{n} code bij een casus is niet overgenomen.",
                   "{n} codes bij casussen zijn niet overgenomen."),
    "source_values": ("{n} variabelewaarde van een bron is niet overgenomen (alleen casussen "
                      "hebben hier variabelen).",
                      "{n} variabelewaarden van bronnen zijn niet overgenomen (alleen casussen "
                      "hebben hier variabelen)."),
    "source_codings": ("{n} codering van een hele bron is niet overgenomen.",
                       "{n} coderingen van een hele bron zijn niet overgenomen."),
    "descriptions": ("{n} beschrijving van een bron of variabele is niet overgenomen.",
                     "{n} beschrijvingen van bronnen en variabelen zijn niet overgenomen."),
    "unknown_refs": ("{n} verwijzing naar een onbekend of niet overgenomen onderdeel is "
                     "weggelaten.",
                     "{n} verwijzingen naar onbekende of niet overgenomen onderdelen zijn "
                     "weggelaten."),
    "unknown_users": ("{n} verwijzing naar een onbekende gebruiker is weggelaten.",
                      "{n} verwijzingen naar onbekende gebruikers zijn weggelaten."),
    "bad_colour": ("{n} ongeldige kleur is genegeerd.", "{n} ongeldige kleuren zijn genegeerd."),
    "bad_guid": ("{n} ontbrekende of ongeldige GUID is vervangen door een nieuwe.",
                 "{n} ontbrekende of ongeldige GUID's zijn vervangen door nieuwe."),
    "duplicate_guid": ("{n} dubbele GUID is vervangen door een nieuwe.",
                       "{n} dubbele GUID's zijn vervangen door nieuwe."),
    "bad_type": ("{n} variabele met een onbekend type is als tekst overgenomen.",
                 "{n} variabelen met een onbekend type zijn als tekst overgenomen."),
    "bad_date": ("{n} ongeldige datum/tijd is weggelaten.",
                 "{n} ongeldige datums/tijden zijn weggelaten."),
    "missing_note_text": ("{n} notitie zonder leesbare tekst is leeg overgenomen.",
                          "{n} notities zonder leesbare tekst zijn leeg overgenomen."),
}


class _Report:
    """Dutch warnings in order of first occurrence; repeated problems are counted."""

    def __init__(self, vendor: str = "other"):
        self.vendor = vendor
        self.entries: list[str] = []
        self.counts: dict[str, int] = {}
        self.details: dict[str, list[str]] = {}

    def add(self, message: str) -> None:
        """One warning as it is."""
        self.entries.append(message)

    def count(self, key: str, detail: str | None = None) -> None:
        """One more occurrence of a counted problem (a key of _COUNTED)."""
        if key not in self.counts:
            self.entries.append("\0" + key)
            self.counts[key] = 0
            self.details[key] = []
        self.counts[key] += 1
        if detail is not None:
            self.details[key].append(detail)

    def messages(self) -> list[str]:
        """The warnings as sentences."""
        vendor = f" ({self.vendor})" if self.vendor != "other" else ""
        result = []
        for entry in self.entries:
            if not entry.startswith("\0"):
                result.append(entry)
                continue
            key = entry[1:]
            details = self.details[key]
            shown = ", ".join(details[:5]) + (", …" if len(details) > 5 else "")
            singular, plural = _COUNTED[key]
            template = singular if self.counts[key] == 1 else plural
            result.append(template.format(n=self.counts[key], vendor=vendor, details=shown))
        return result


# -- schema validation -------------------------------------------------------------------------

_SCHEMA_LOCK = threading.Lock()


@lru_cache(maxsize=2)
def _schema(name: str) -> etree.XMLSchema:
    """The XSD shipped in research/qual/schemas/."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / name), _hardened_lxml_parser()))


def _hardened_lxml_parser() -> etree.XMLParser:
    """An lxml parser that loads no DTD, resolves no entities and never uses the network."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False)


def _validate(xml: bytes, schema_name: str) -> list[str]:
    """Schema errors of the document as 'line N: message' (empty: valid)."""
    try:
        document = etree.fromstring(xml, _hardened_lxml_parser())
    except etree.XMLSyntaxError as error:
        return [f"line {error.lineno}: {error.msg}"]
    schema = _schema(schema_name)
    with _SCHEMA_LOCK:
        if schema.validate(document):
            return []
        return [f"line {e.line}: {e.message}" for e in schema.error_log]


def validate_project_xml(xml: bytes) -> list[str]:
    """Errors of a project.qde against Project.xsd (empty list: valid)."""
    return _validate(xml, "Project.xsd")


def validate_codebook_xml(xml: bytes) -> list[str]:
    """Errors of a .qdc against Codebook.xsd (empty list: valid)."""
    return _validate(xml, "Codebook.xsd")


# == export ====================================================================================

def _check_guid(guid: str, what: str, seen: dict[str, str], problems: list[str]) -> None:
    """Record a problem if the GUID is malformed or already used."""
    if not is_guid(guid):
        problems.append(f"{what}: GUID {guid!r} does not match the REFI GUIDType")
        return
    key = _guid_key(guid)
    if key in seen:
        problems.append(f"{what}: GUID {guid} already used by {seen[key]}")
    seen[key] = what


def _colour(value: str | None) -> str | None:
    """#RRGGBB for a valid #RRGGBB or #RGB colour, None for anything else."""
    value = (value or "").strip()
    if not COLOUR_RE.fullmatch(value):
        return None
    if len(value) == 4:
        value = "#" + "".join(ch * 2 for ch in value[1:])
    return value


def _code_order(codes: list[RefiCode], problems: list[str]) -> dict[str | None, list[RefiCode]]:
    """Children per parent GUID (None: top level); records unknown parents and cycles."""
    by_key = {_guid_key(c.guid): c for c in codes}
    children: dict[str | None, list[RefiCode]] = {}
    for code in codes:
        parent = None
        if code.parent is not None:
            parent_code = by_key.get(_guid_key(code.parent))
            if parent_code is None:
                problems.append(f"code {code.name!r}: unknown parent {code.parent}")
                continue
            parent = _guid_key(parent_code.guid)
        children.setdefault(parent, []).append(code)
    reached = 0
    stack: list[str | None] = [None]
    while stack:
        for child in children.get(stack.pop(), []):
            reached += 1
            stack.append(_guid_key(child.guid))
    if reached != len(codes) and not problems:
        problems.append("codes: the parent links form a cycle")
    return children


def _check_codes(codes: list[RefiCode], sets: list[RefiSet], seen: dict[str, str],
                 problems: list[str]) -> None:
    """GUIDs, colours and set members of a codebook."""
    for code in codes:
        _check_guid(code.guid, f"code {code.name!r}", seen, problems)
        if code.colour is not None and _colour(code.colour) is None:
            problems.append(f"code {code.name!r}: colour {code.colour!r} is not #RRGGBB")
    code_keys = {_guid_key(c.guid) for c in codes}
    for code_set in sets:
        _check_guid(code_set.guid, f"set {code_set.name!r}", seen, problems)
        for member in code_set.codes:
            if _guid_key(member) not in code_keys:
                problems.append(f"set {code_set.name!r}: unknown code {member}")


def _check_project(project: RefiProject) -> list[str]:
    """Everything that would make the export invalid or dangling, as developer messages."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    for user in project.users:
        _check_guid(user.guid, f"user {user.name!r}", seen, problems)
    _check_codes(project.codes, project.sets, seen, problems)
    code_keys = {_guid_key(c.guid) for c in project.codes}
    user_keys = {_guid_key(u.guid) for u in project.users}
    for source in project.sources:
        _check_guid(source.guid, f"source {source.name!r}", seen, problems)
        if source.created_by and _guid_key(source.created_by) not in user_keys:
            problems.append(f"source {source.name!r}: unknown user {source.created_by}")
        for sel in source.selections:
            what = f"selection {sel.guid} in {source.name!r}"
            _check_guid(sel.guid, what, seen, problems)
            if not 0 <= sel.start < sel.end <= len(source.text):
                problems.append(f"{what}: [{sel.start}, {sel.end}) not inside the text "
                                f"(length {len(source.text)}) or empty")
            problems.extend(f"{what}: unknown code {c.code}" for c in sel.applied()
                            if _guid_key(c.code) not in code_keys)
            problems.extend(f"{what}: unknown user {u}" for u in dict.fromkeys(
                [sel.created_by, *(c.created_by for c in sel.applied())])
                if u and _guid_key(u) not in user_keys)
    source_keys = {_guid_key(s.guid) for s in project.sources}
    for code_set in project.sets:
        problems.extend(f"set {code_set.name!r}: unknown source {g}" for g in code_set.sources
                        if _guid_key(g) not in source_keys)
    for variable in project.variables:
        _check_guid(variable.guid, f"variable {variable.name!r}", seen, problems)
        if variable.type not in VARIABLE_TYPES:
            problems.append(f"variable {variable.name!r}: type {variable.type!r} is not one of "
                            f"{VARIABLE_TYPES}")
    _check_cases(project, seen, problems)
    for note in project.notes:
        _check_guid(note.guid, f"note {note.name!r}", seen, problems)
    known = set(seen)
    for note in project.notes:
        for target in note.targets:
            if _guid_key(target) not in known:
                problems.append(f"note {note.name!r}: unknown target {target}")
        if note.created_by and _guid_key(note.created_by) not in user_keys:
            problems.append(f"note {note.name!r}: unknown user {note.created_by}")
    return problems


def _check_cases(project: RefiProject, seen: dict[str, str], problems: list[str]) -> None:
    """GUIDs and references of the cases."""
    variables = {_guid_key(v.guid) for v in project.variables}
    sources = {_guid_key(s.guid) for s in project.sources}
    selections = {_guid_key(sel.guid) for s in project.sources for sel in s.selections}
    for case in project.cases:
        _check_guid(case.guid, f"case {case.name!r}", seen, problems)
        problems.extend(f"case {case.name!r}: unknown variable {g}" for g in case.values
                        if _guid_key(g) not in variables)
        problems.extend(f"case {case.name!r}: unknown source {g}" for g in case.sources
                        if _guid_key(g) not in sources)
        problems.extend(f"case {case.name!r}: unknown selection {g}" for g in case.selections
                        if _guid_key(g) not in selections)


def _xsd_datetime(value: str | None) -> str | None:
    """The timestamp as xsd:dateTime, or None if it is not ISO 8601."""
    value = (value or "").strip()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return value if _XSD_DATETIME.fullmatch(value) else parsed.isoformat()


def typed_value(var_type: str, value: str) -> tuple[str, str] | None:
    """(element name, text) of a VariableValue; None for an empty non-text value.

    Raises ValueError with a Dutch reason if the value does not fit the type.
    """
    if var_type == "Text":
        return "TextValue", _xml_safe(value)
    text = value.strip()
    if not text:
        return None
    if var_type == "Boolean":
        lowered = text.lower()
        if lowered in ("true", "1", "ja", "waar", "yes"):
            return "BooleanValue", "true"
        if lowered in ("false", "0", "nee", "onwaar", "no"):
            return "BooleanValue", "false"
        raise ValueError("is geen ja/nee-waarde")
    if var_type == "Integer":
        if not re.fullmatch(r"[+-]?\d+", text):
            raise ValueError("is geen geheel getal")
        return "IntegerValue", text
    if var_type == "Float":
        return "FloatValue", _decimal_text(text)
    if var_type == "Date":
        return "DateValue", _date_text(text)
    stamp = _xsd_datetime(text)
    if stamp is None:
        raise ValueError("is geen datum met tijd (zoals 2024-03-01T10:00:00)")
    return "DateTimeValue", stamp


def _decimal_text(text: str) -> str:
    """A number as xsd:decimal (a Dutch decimal comma is accepted)."""
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    if _XSD_DECIMAL.fullmatch(text):
        return text
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError("is geen getal") from None
    if not number.is_finite():
        raise ValueError("is geen eindig getal")
    return format(number, "f")


def _date_text(text: str) -> str:
    """A date as xsd:date (YYYY-MM-DD; DD-MM-YYYY is accepted)."""
    if _XSD_DATE.fullmatch(text):
        try:
            date.fromisoformat(text[:10])
            return text
        except ValueError:
            pass
    for pattern in ("%d-%m-%Y", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text, pattern).date().isoformat()
        except ValueError:
            continue
    raise ValueError("is geen datum (zoals 2024-03-01)")


class _Builder:
    """Creates namespaced elements, leaving out attributes that are None."""

    def __init__(self, namespace: str):
        self.namespace = namespace

    def root(self, tag: str, **attrs: str | None) -> etree._Element:
        """The root element, declaring the namespace as default."""
        element = etree.Element(f"{{{self.namespace}}}{tag}", nsmap={None: self.namespace})
        self._set(element, attrs)
        return element

    def sub(self, parent: etree._Element, tag: str, text: str | None = None,
            **attrs: str | None) -> etree._Element:
        """A child element with optional text."""
        element = etree.SubElement(parent, f"{{{self.namespace}}}{tag}")
        self._set(element, attrs)
        if text is not None:
            element.text = _xml_safe(text)
        return element

    @staticmethod
    def _set(element: etree._Element, attrs: dict[str, str | None]) -> None:
        """Set the attributes that are not None."""
        for name, value in attrs.items():
            if value is not None:
                element.set(name, _xml_safe(value))


def _serialise(root: etree._Element) -> bytes:
    """UTF-8 XML with declaration."""
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _export_text(source: RefiSource) -> tuple[str, list[tuple[int, int]]]:
    """The text as written (no BOM, `\\n` line ends) and the selections' offsets into it."""
    text = source.text
    spans = [(sel.start, sel.end) for sel in source.selections]
    if text.startswith("\ufeff"):
        # Every leading U+FEFF goes: a reader takes the first for a byte-order mark, and one
        # left behind would become the file's BOM and shift every position after it.
        cut = len(text) - len(text.lstrip("\ufeff"))
        text = text[cut:]
        spans = [(max(s - cut, 0), max(e - cut, 0)) for s, e in spans]
    if "\r" in text:
        offsets = OffsetMap(text, COUNTINGS["codepoints"])
        spans = [(offsets.index(s, is_end=False), offsets.index(e, is_end=True))
                 for s, e in spans]
        text = _normalise_newlines(text)
    return text, spans


def _source_file(guid: str) -> str:
    """File name of a source's text inside sources/."""
    return guid.strip("{}") + ".txt"


def _write_codes(build: _Builder, parent: etree._Element,
                 children: dict[str | None, list[RefiCode]],
                 notes_of: dict[str, list[str]] | None) -> None:
    """Nested Code elements under `parent` (iteratively, so depth is no limit)."""
    stack = [(parent, code) for code in reversed(children.get(None, []))]
    while stack:
        into, code = stack.pop()
        element = build.sub(into, "Code", guid=code.guid, name=code.name,
                            isCodable="true" if code.codable else "false",
                            color=_colour(code.colour))
        if code.description:
            build.sub(element, "Description", code.description)
        for note in (notes_of or {}).get(_guid_key(code.guid), []):
            build.sub(element, "NoteRef", targetGUID=note)
        for child in reversed(children.get(_guid_key(code.guid), [])):
            stack.append((element, child))


def _notes_by_target(project: RefiProject) -> tuple[dict[str, list[str]], list[str],
                                                     list[tuple[str, str]]]:
    """Where each note goes: NoteRefs per target key, project-level notes, note-case links.

    Project.xsd allows a NoteRef in a Code, a TextSource and a PlainTextSelection (and the
    Project). A note on anything else (a case, user, variable, set or note) is kept as a
    project-level note; for a case a Link note -> case is added as well, which we read back.
    """
    attachable = {_guid_key(c.guid) for c in project.codes}
    attachable |= {_guid_key(s.guid) for s in project.sources}
    attachable |= {_guid_key(sel.guid) for s in project.sources for sel in s.selections}
    case_keys = {_guid_key(c.guid) for c in project.cases}
    notes_of: dict[str, list[str]] = {}
    project_notes: list[str] = []
    case_links: list[tuple[str, str]] = []
    for note in project.notes:
        for target in note.targets:
            key = _guid_key(target)
            if key in attachable:
                notes_of.setdefault(key, []).append(note.guid)
                continue
            if key in case_keys:
                case_links.append((note.guid, target))
            if note.guid not in project_notes:
                project_notes.append(note.guid)
        if not note.targets:
            project_notes.append(note.guid)
    return notes_of, project_notes, case_links


def _project_xml(project: RefiProject) -> tuple[bytes, list[tuple[str, bytes]]]:
    """project.qde and the source files of a checked project."""
    build = _Builder(PROJECT_NS)
    origin = project.origin or DEFAULT_ORIGIN
    if detect_vendor(origin) != "other":
        # Another tool's name would make importers apply that tool's position counting.
        origin = DEFAULT_ORIGIN
    root = build.root("Project", name=project.name, origin=origin)
    notes_of, project_notes, case_links = _notes_by_target(project)
    variable_types = {_guid_key(v.guid): v for v in project.variables}
    if project.users:
        users = build.sub(root, "Users")
        for user in project.users:
            build.sub(users, "User", guid=user.guid, name=user.name)
    if project.codes:
        codes = build.sub(build.sub(root, "CodeBook"), "Codes")
        _write_codes(build, codes, _code_order(project.codes, []), notes_of)
    if project.variables:
        variables = build.sub(root, "Variables")
        for variable in project.variables:
            build.sub(variables, "Variable", guid=variable.guid, name=variable.name,
                      typeOfVariable=variable.type)
    if project.cases:
        cases = build.sub(root, "Cases")
        for case in project.cases:
            _write_case(build, cases, case, variable_types)
    files: list[tuple[str, bytes]] = []
    if project.sources:
        sources = build.sub(root, "Sources")
        for source in project.sources:
            files.append(_write_source(build, sources, source, notes_of))
    if project.notes:
        notes = build.sub(root, "Notes")
        for note in project.notes:
            element = build.sub(notes, "Note", guid=note.guid, name=note.name,
                                creatingUser=note.created_by or None,
                                creationDateTime=_xsd_datetime(note.created_at))
            build.sub(element, "PlainTextContent", note.text)
    if case_links:
        links = build.sub(root, "Links")
        for note_guid, case_guid in case_links:
            build.sub(links, "Link", guid=derived_guid("link", note_guid, case_guid),
                      name="Notitie bij casus", direction="OneWay", originGUID=note_guid,
                      targetGUID=case_guid)
    if project.sets:
        sets = build.sub(root, "Sets")
        for code_set in project.sets:
            element = build.sub(sets, "Set", guid=code_set.guid, name=code_set.name)
            if code_set.description:
                build.sub(element, "Description", code_set.description)
            for member in code_set.codes:
                build.sub(element, "MemberCode", targetGUID=member)
            for member in code_set.sources:
                build.sub(element, "MemberSource", targetGUID=member)
    if project.description:
        build.sub(root, "Description", project.description)
    for note_guid in project_notes:
        build.sub(root, "NoteRef", targetGUID=note_guid)
    return _serialise(root), files


def _write_case(build: _Builder, parent: etree._Element, case: RefiCase,
                variables: dict[str, RefiVariable]) -> None:
    """One Case with typed VariableValues, SourceRefs and SelectionRefs."""
    element = build.sub(parent, "Case", guid=case.guid, name=case.name)
    if case.description:
        build.sub(element, "Description", case.description)
    for variable_guid, value in case.values.items():
        variable = variables[_guid_key(variable_guid)]
        try:
            typed = typed_value(variable.type, value)
        except ValueError as error:
            raise RefiError(f"Casus '{case.name}': de waarde '{value}' van variabele "
                            f"'{variable.name}' {error}. Pas de waarde aan of kies een ander "
                            "type voor de variabele, en exporteer opnieuw.") from None
        if typed is None:
            continue
        value_element = build.sub(element, "VariableValue")
        build.sub(value_element, "VariableRef", targetGUID=variable_guid)
        build.sub(value_element, typed[0], typed[1])
    for source in case.sources:
        build.sub(element, "SourceRef", targetGUID=source)
    for selection in case.selections:
        build.sub(element, "SelectionRef", targetGUID=selection)


def _write_source(build: _Builder, parent: etree._Element, source: RefiSource,
                  notes_of: dict[str, list[str]]) -> tuple[str, bytes]:
    """One TextSource with its selections; returns the zip member of its text."""
    text, spans = _export_text(source)
    file_name = _source_file(source.guid)
    element = build.sub(parent, "TextSource", guid=source.guid, name=source.name,
                        plainTextPath=f"internal://{file_name}",
                        creatingUser=source.created_by or None,
                        creationDateTime=_xsd_datetime(source.created_at))
    for sel, (start, end) in zip(source.selections, spans, strict=True):
        stamp = _xsd_datetime(sel.created_at)
        user = sel.created_by or None
        sel_element = build.sub(element, "PlainTextSelection", guid=sel.guid,
                                startPosition=str(start), endPosition=str(end),
                                creatingUser=user, creationDateTime=stamp)
        if sel.note:
            build.sub(sel_element, "Description", sel.note)
        for applied in sel.applied():
            coder = applied.created_by or None
            parts = ("coding", sel.guid, applied.code) if coder == user else \
                ("coding", sel.guid, applied.code, coder or "")
            coding = build.sub(sel_element, "Coding", guid=derived_guid(*parts),
                               creatingUser=coder,
                               creationDateTime=_xsd_datetime(applied.created_at) or stamp)
            build.sub(coding, "CodeRef", targetGUID=applied.code)
        for note in notes_of.get(_guid_key(sel.guid), []):
            build.sub(sel_element, "NoteRef", targetGUID=note)
    for note in notes_of.get(_guid_key(source.guid), []):
        build.sub(element, "NoteRef", targetGUID=note)
    return f"sources/{file_name}", text.encode("utf-8")


def _write_atomically(path: Path, write) -> None:
    """Call write(binary file) on a temporary file beside `path`, then replace `path` by it."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                         dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _zip_writer(members: list[tuple[str, bytes]]):
    """A write function for _write_atomically that stores the members in a zip."""
    def write(stream) -> None:
        with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members:
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, data)
    return write


def write_qdpx(project: RefiProject, path) -> None:
    """Write the project as a REFI-QDA .qdpx (validated against Project.xsd first).

    Raises RefiInternalError for data that cannot be valid REFI (a bug in the caller) and
    RefiError for a case value that does not fit its variable's type.
    """
    problems = _check_project(project)
    if problems:
        raise RefiInternalError("REFI export refused: " + "; ".join(problems[:10]))
    xml, files = _project_xml(project)
    errors = validate_project_xml(xml)
    if errors:
        raise RefiInternalError("generated project.qde is not valid: " + "; ".join(errors[:10]))
    _write_atomically(Path(path), _zip_writer([("project.qde", xml), *files]))


def codebook_xml(codes: list[RefiCode], sets: list[RefiSet],
                 origin: str = DEFAULT_ORIGIN) -> bytes:
    """The .qdc XML of a codebook (not yet validated)."""
    build = _Builder(CODEBOOK_NS)
    root = build.root("CodeBook", origin=origin)
    _write_codes(build, build.sub(root, "Codes"), _code_order(codes, []), None)
    if sets:
        sets_element = build.sub(root, "Sets")
        for code_set in sets:
            element = build.sub(sets_element, "Set", guid=code_set.guid, name=code_set.name)
            if code_set.description:
                build.sub(element, "Description", code_set.description)
            for member in code_set.codes:
                build.sub(element, "MemberCode", guid=member)
    return _serialise(root)


def write_qdc(codes: list[RefiCode], sets: list[RefiSet], path,
              origin: str = DEFAULT_ORIGIN) -> None:
    """Write a REFI-QDA codebook (.qdc), validated against Codebook.xsd first."""
    if not codes:
        raise RefiError(f"Het codeboek '{Path(path).name}' is niet gemaakt: er zijn geen codes "
                        "om te exporteren.")
    problems: list[str] = []
    _check_codes(codes, [s for s in sets if s.codes], {}, problems)
    _code_order(codes, problems)
    if problems:
        raise RefiInternalError("REFI codebook export refused: " + "; ".join(problems[:10]))
    xml = codebook_xml(codes, [s for s in sets if s.codes], origin)
    errors = validate_codebook_xml(xml)
    if errors:
        raise RefiInternalError("generated codebook is not valid: " + "; ".join(errors[:10]))
    _write_atomically(Path(path), lambda stream: stream.write(xml))


# == import ====================================================================================

def _local(tag) -> str:
    """Element name without namespace ('' for comments and processing instructions)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _namespace(tag: str) -> str:
    """The namespace URI of a tag ('' if none)."""
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def _kids(element, name: str) -> list:
    """Child elements with the given local name."""
    return [child for child in element if _local(child.tag) == name]


def _kid(element, name: str):
    """The first child element with the given local name, or None."""
    return next((child for child in element if _local(child.tag) == name), None)


def _kid_text(element, name: str) -> str:
    """Text of the first such child ('' if absent)."""
    child = _kid(element, name)
    return (child.text or "") if child is not None else ""


def parse_untrusted_xml(data: bytes, label: str):
    """Parse XML from outside (`untrusted.parse_xml`: no DTD, entity or external reference).

    `label` names the file in the Dutch error message.
    """
    try:
        return untrusted.parse_xml(data)
    except untrusted.Refused as refused:
        if refused.reason == "dtd":
            raise RefiError(f"{label} bevat een DTD of entiteiten; uit veiligheid niet "
                            "geopend.") from None
        line = refused.line if refused.line is not None else "?"
        raise RefiError(f"{label} is geen geldige XML (fout op regel {line}); het bestand is "
                        "niet geopend.") from None


def _schema_warning(data: bytes, root, expected_ns: str, label: str, report: _Report) -> None:
    """Warn about an unknown namespace, or about deviations from the schema (leniently read)."""
    namespace = _namespace(root.tag)
    family = expected_ns.rsplit(":", 1)[0] + ":"   # urn:QDA-XML:project: and its drafts
    if namespace and not namespace.startswith(family):
        report.add(f"{label} gebruikt een onbekende XML-naamruimte ('{namespace}'); het is zo "
                   "goed mogelijk ingelezen.")
        return
    if namespace != expected_ns:
        return
    errors = _validate(data, "Project.xsd" if expected_ns == PROJECT_NS else "Codebook.xsd")
    if errors:
        first = errors[0].split(":", 1)[0].replace("line", "regel")
        report.add(f"{label} volgt het REFI-QDA-schema niet helemaal "
                   f"({_plural(len(errors), '{n} afwijking', '{n} afwijkingen')}, de eerste op "
                   f"{first}); het is zo goed mogelijk ingelezen.")


def _parse_bool(value: str | None, default: bool) -> bool:
    """An xsd:boolean attribute (default when absent)."""
    if value is None:
        return default
    return value.strip().lower() in ("true", "1")


class _Guids:
    """The GUIDs of one kind of object (codes, sources, ...) met so far in a file."""

    def __init__(self, kind: str, report: _Report):
        self.kind = kind
        self.report = report
        self.known: dict[str, str] = {}
        self.made = 0

    def define(self, raw: str | None) -> str:
        """The GUID to keep for a defining element (repairing missing, bad and duplicate ones).

        A repaired GUID is derived from the original text, so references that use the same
        malformed text still find it.
        """
        raw = (raw or "").strip()
        alias = None
        if is_guid(raw):
            guid = raw
        else:
            self.report.count("bad_guid")
            self.made += 1
            guid = derived_guid(self.kind, raw) if raw else derived_guid(self.kind,
                                                                         f"#{self.made}")
            alias = "x:" + raw if raw else None
        if _guid_key(guid) in self.known:
            self.report.count("duplicate_guid")
            self.made += 1
            guid = derived_guid(self.kind, guid, f"#{self.made}")
        self.known[_guid_key(guid)] = guid
        if alias is not None:
            self.known.setdefault(alias, guid)
        return guid

    def ref(self, raw: str | None) -> str | None:
        """The kept GUID a reference points at, or None if unknown."""
        raw = (raw or "").strip()
        if not raw:
            return None
        if is_guid(raw):
            return self.known.get(_guid_key(raw))
        return self.known.get("x:" + raw)

    def forget(self, guid: str) -> None:
        """Drop an object that was not taken over (references to it become unknown)."""
        self.known.pop(_guid_key(guid), None)


@dataclass
class _RawSelection:
    """A PlainTextSelection as read, positions still in the vendor's counting."""
    guid: str
    start: int
    end: int
    codes: list[str]
    created_by: str | None
    created_at: str | None
    description: str
    has_coding: bool
    name: str
    codings: list[tuple[str, str | None, str | None]] = field(default_factory=list)


class _Archive:
    """A checked .qdpx zip whose members are read into memory on demand."""

    def __init__(self, path, label: str):
        self.label = label
        try:
            self.zip = untrusted.open_zip(path)
        except FileNotFoundError:
            raise RefiError(f"{label} is niet gevonden.") from None
        except untrusted.Refused:
            raise RefiError(f"{label} is geen zip-bestand en dus geen REFI-QDA-project "
                            "(.qdpx).") from None
        try:
            self.names = self._check()
            # Case-insensitive lookup (NVivo writes Sources/); the first of equal names wins.
            self.lower = {name.lower(): name for name in reversed(list(self.names))}
        except BaseException:
            self.zip.close()
            raise

    def _check(self) -> dict[str, str]:
        """Refuse unsafe names and zip bombs; map normalised names ('/') to member names."""
        try:
            return untrusted.check_zip(self.zip, max_unpacked=MAX_TOTAL_BYTES,
                                       ratio_from=RATIO_CHECK_BYTES, check_names=True)
        except untrusted.Refused as refused:
            raise RefiError(self._refusal(refused)) from None

    def _refusal(self, refused: untrusted.Refused) -> str:
        """The Dutch message for a refused zip check."""
        if refused.reason == "members":
            return (f"{self.label} bevat meer dan {untrusted.MAX_MEMBERS} bestanden; uit "
                    "veiligheid niet geopend.")
        if refused.reason == "unsafe_name":
            return (f"{self.label} bevat een onveilige bestandsnaam ('{refused.member}'); uit "
                    "veiligheid niet geopend.")
        if refused.reason == "ratio" and refused.member:
            return (f"{self.label} bevat een verdacht sterk ingepakt bestand "
                    f"('{refused.member}'), mogelijk een zip-bom; uit veiligheid niet geopend.")
        if refused.reason == "ratio":
            return (f"{self.label} bevat verdacht sterk ingepakte bestanden, mogelijk een "
                    "zip-bom; uit veiligheid niet geopend.")
        return (f"{self.label} is uitgepakt groter dan {MAX_TOTAL_BYTES // (1024 * 1024)} MB; "
                "uit veiligheid niet geopend.")

    def read(self, name: str) -> bytes:
        """A member's content (bounded by its checked size)."""
        try:
            return self.zip.read(self.names[name])
        except RuntimeError:
            raise RefiError(f"{self.label} is versleuteld en kan niet worden "
                            "geopend.") from None
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError):
            raise RefiError(f"{self.label} is beschadigd ('{name}' is niet te "
                            "lezen).") from None

    def project_xml(self) -> tuple[str, str]:
        """(member name, folder prefix) of the project XML: project.qde or the only *.qde."""
        top = [n for n in self.names if "/" not in n and n.lower().endswith(".qde")]
        exact = [n for n in top if n.lower() == "project.qde"]
        if exact:
            return exact[0], ""
        if len(top) == 1:
            return top[0], ""
        if len(top) > 1:
            raise RefiError(f"{self.label} bevat meerdere projectbestanden (.qde) en geen "
                            "project.qde; het is niet duidelijk welke te lezen.")
        nested = [n for n in self.names if n.count("/") == 1 and n.lower().endswith(".qde")]
        if len(nested) == 1:
            return nested[0], nested[0].split("/")[0] + "/"
        raise RefiError(f"{self.label} bevat geen project.qde; is het wel een REFI-QDA-project "
                        "(.qdpx)?")

    def source_member(self, prefix: str, reference: str) -> str | None:
        """The member an `internal://` path points at, in sources/ or Sources/."""
        file_name = unquote(reference[len("internal://"):]).replace("\\", "/").lstrip("/")
        for wanted in (f"{prefix}sources/{file_name}", f"{prefix}{file_name}"):
            found = self.lower.get(wanted.lower())
            if found is not None and not found.endswith("/"):
                return found
        return None

    def close(self) -> None:
        """Close the zip."""
        self.zip.close()


class _ProjectReader:
    """Reads one project.qde (already parsed) into a RefiProject, collecting warnings."""

    def __init__(self, root, archive: _Archive | None, prefix: str, label: str, report: _Report):
        self.root = root
        self.archive = archive
        self.prefix = prefix
        self.label = label
        self.report = report
        self.origin = root.get("origin") or ""
        self.vendor = detect_vendor(self.origin)
        report.vendor = self.vendor
        kinds = ("users", "codes", "sources", "selections", "variables", "cases", "notes", "sets")
        self.guids = {kind: _Guids(kind, report) for kind in kinds}
        # (raw note GUID, kind of target, target GUID) of every NoteRef met
        self.note_refs: list[tuple[str | None, str, str]] = []
        self.memos: list[RefiNote] = []

    # -- small readers --

    def user(self, raw: str | None) -> str | None:
        """A known user's GUID, or None (unknown users are counted)."""
        if not raw:
            return None
        found = self.guids["users"].ref(raw)
        if found is None:
            self.report.count("unknown_users")
        return found

    def stamp(self, raw: str | None) -> str | None:
        """An ISO 8601 timestamp as given, or None (invalid ones are counted)."""
        if not raw:
            return None
        try:
            datetime.fromisoformat(raw.strip())
        except ValueError:
            self.report.count("bad_date")
            return None
        return raw.strip()

    def name(self, element, fallback: str) -> str:
        """The element's name, or the fallback (counted)."""
        name = element.get("name")
        if name:
            return name
        self.report.count("unnamed", f"'{fallback}'")
        return fallback

    def collect_note_refs(self, element, kind: str, target: str) -> None:
        """Remember the NoteRefs of an element as attachments to `target` (a GUID of `kind`)."""
        for ref in _kids(element, "NoteRef"):
            self.note_refs.append((ref.get("targetGUID"), kind, target))

    # -- sections --

    def read(self) -> RefiProject:
        """The whole project."""
        root = self.root
        users = self.read_users()
        codes = self.read_codes()
        variables = self.read_variables()
        sources = self.read_sources()
        sets = self.read_sets()
        cases = self.read_cases()
        notes = self.read_notes()
        self.read_links(notes)
        graphs = _kid(root, "Graphs")
        for _ in _kids(graphs, "Graph") if graphs is not None else []:
            self.report.count("graphs")
        notes.extend(self.memos)
        return RefiProject(name=root.get("name") or Path(self.label.strip("'")).stem,
                           description=_kid_text(root, "Description"), origin=self.origin,
                           users=users, codes=codes, sets=sets, sources=sources,
                           variables=variables, cases=cases, notes=notes)

    def read_users(self) -> list[RefiUser]:
        """Users/User."""
        users = []
        section = _kid(self.root, "Users")
        for element in _kids(section, "User") if section is not None else []:
            guid = self.guids["users"].define(element.get("guid"))
            users.append(RefiUser(guid=guid, name=element.get("name") or element.get("id") or ""))
        return users

    def read_codes(self) -> list[RefiCode]:
        """CodeBook/Codes as a flat list with parents."""
        book = _kid(self.root, "CodeBook")
        section = _kid(book, "Codes") if book is not None else None
        if section is None:
            return []
        return _read_code_tree(section, self.guids["codes"], self.report,
                               lambda element, guid: self.collect_note_refs(element, "codes", guid),
                               f"Het project {self.label}")

    def read_variables(self) -> list[RefiVariable]:
        """Variables/Variable."""
        variables: list[RefiVariable] = []
        section = _kid(self.root, "Variables")
        for element in _kids(section, "Variable") if section is not None else []:
            guid = self.guids["variables"].define(element.get("guid"))
            var_type = (element.get("typeOfVariable") or "").strip()
            if var_type not in VARIABLE_TYPES:
                self.report.count("bad_type")
                var_type = "Text"
            if _kid_text(element, "Description"):
                self.report.count("descriptions")
            name = self.name(element, f"Variabele {len(variables) + 1}")
            variables.append(RefiVariable(guid=guid, name=name, type=var_type))
        return variables

    def read_sources(self) -> list[RefiSource]:
        """The text sources; other media are skipped with a warning."""
        sources = []
        section = _kid(self.root, "Sources")
        for position, element in enumerate(list(section) if section is not None else [], 1):
            kind = _local(element.tag)
            if kind == "TextSource":
                source = self.read_text_source(element, position)
                if source is not None:
                    sources.append(source)
            elif kind in _NON_TEXT_SOURCES:
                name = element.get("name") or f"Bron {position}"
                self.report.add(f"Bron '{name}' is geen tekst ({_NON_TEXT_SOURCES[kind]}) en is "
                                "niet overgenomen.")
        return sources

    def source_text(self, element, name: str) -> str | None:
        """The decoded text of a TextSource (from sources/ or inline), or None with a warning."""
        path = (element.get("plainTextPath") or "").strip()
        inline = _kid(element, "PlainTextContent")
        if _bare(path) and self.archive is not None:
            # QualCoder-style exporters write the file's name alone: look for it in sources/.
            member = self.archive.source_member(self.prefix, "internal://" + path)
            if member is not None:
                path = "internal://" + path
        if path.lower().startswith("internal://") and self.archive is not None:
            member = self.archive.source_member(self.prefix, path)
            if member is not None:
                decoded = untrusted.decode(self.archive.read(member))
                text = decoded.text
                if decoded.legacy:
                    self.report.add(f"Bron '{name}' is geen UTF-8; de tekst is gelezen als "
                                    "Windows-1252.")
                return text
        if inline is not None:
            return inline.text or ""
        if path and not path.lower().startswith("internal://"):
            self.report.add(f"Bron '{name}' verwijst naar een bestand buiten het project en is "
                            "niet overgenomen.")
        elif path:
            self.report.add(f"Bron '{name}': het tekstbestand ontbreekt in het project; de bron "
                            "is niet overgenomen.")
        else:
            self.report.add(f"Bron '{name}' heeft geen tekst en is niet overgenomen.")
        return None

    def read_text_source(self, element, position: int) -> RefiSource | None:
        """One TextSource with its selections placed on the normalised text."""
        name = element.get("name") or f"Bron {position}"
        original = self.source_text(element, name)
        if original is None:
            return None
        guid = self.guids["sources"].define(element.get("guid"))
        if _kid_text(element, "Description"):
            self.report.count("descriptions")
        for _ in _kids(element, "Coding"):
            self.report.count("source_codings")
        for _ in _kids(element, "VariableValue"):
            self.report.count("source_values")
        raw = [sel for sel in (self.read_selection(e) for e in
                               _kids(element, "PlainTextSelection")) if sel is not None]
        text = _normalise_newlines(original)
        placed = _place_selections(raw, original, self.vendor, name, self.report)
        kept_guids = {sel.guid for sel, _, _ in placed}
        for sel in raw:
            if sel.guid not in kept_guids:
                self.guids["selections"].forget(sel.guid)
        self.collect_note_refs(element, "sources", guid)
        selections = [self.finish_selection(sel, start, end) for sel, start, end in placed]
        return RefiSource(guid=guid, name=name, text=text,
                          created_by=self.user(element.get("creatingUser")),
                          created_at=self.stamp(element.get("creationDateTime")),
                          selections=selections)

    def read_selection(self, element) -> _RawSelection | None:
        """A PlainTextSelection as written (codes resolved, positions not yet)."""
        guid = self.guids["selections"].define(element.get("guid"))
        try:
            start = int(element.get("startPosition", "").strip())
            end = int(element.get("endPosition", "").strip())
        except ValueError:
            self.report.count("bad_position")
            self.guids["selections"].forget(guid)
            return None
        codes: list[str] = []
        applied: list[tuple[str, str | None, str | None]] = []
        codings = _kids(element, "Coding")
        for coding in codings:
            code_ref = _kid(coding, "CodeRef")
            code = self.guids["codes"].ref(code_ref.get("targetGUID")
                                           if code_ref is not None else None)
            if code is None:
                self.report.count("unknown_code")
            else:
                if code not in codes:
                    codes.append(code)
                # Who applied the code: the coding's own user (merged multi-coder projects
                # hold codings of several coders in one selection), else the selection's.
                applied.append((code, coding.get("creatingUser")
                                or element.get("creatingUser"),
                                coding.get("creationDateTime")
                                or element.get("creationDateTime")))
            self.collect_note_refs(coding, "selections", guid)
        self.collect_note_refs(element, "selections", guid)
        first = codings[0] if codings else None
        created_by = element.get("creatingUser") or (first.get("creatingUser")
                                                     if first is not None else None)
        created_at = element.get("creationDateTime") or (first.get("creationDateTime")
                                                         if first is not None else None)
        return _RawSelection(guid=guid, start=start, end=end, codes=codes,
                             created_by=created_by, created_at=created_at,
                             description=_kid_text(element, "Description"),
                             has_coding=bool(codings), name=element.get("name") or "",
                             codings=applied)

    def finish_selection(self, raw: _RawSelection, start: int, end: int) -> RefiSelection:
        """The RefiSelection of a kept selection; a passage memo becomes a RefiNote."""
        created_by = self.user(raw.created_by)
        created_at = self.stamp(raw.created_at)
        note = raw.description or None
        if note and not raw.has_coding:
            self.report.count("passage_memo")
            self.memos.append(RefiNote(guid=derived_guid("memo", raw.guid),
                                       name=raw.name or "Memo bij passage", text=note,
                                       created_by=created_by, created_at=created_at,
                                       targets=[raw.guid]))
            note = None
        codings: list[RefiCoding] = []
        seen: set[tuple[str, str | None]] = set()
        for code, user, stamp in raw.codings:
            coder = self.user(user) if user else None
            if (code, coder) not in seen:
                seen.add((code, coder))
                codings.append(RefiCoding(code, coder, self.stamp(stamp)))
        # One coder, as most files: `codes` and `created_by` say it all (no codings).
        one_coder = all(c.created_by == created_by and c.created_at == created_at
                        for c in codings)
        return RefiSelection(guid=raw.guid, start=start, end=end, codes=raw.codes,
                             created_by=created_by, created_at=created_at, note=note,
                             codings=None if one_coder else codings)

    def read_sets(self) -> list[RefiSet]:
        """Project-level Sets (and, leniently, Sets inside the CodeBook)."""
        sets: list[RefiSet] = []
        elements = []
        for holder in (self.root, _kid(self.root, "CodeBook")):
            section = _kid(holder, "Sets") if holder is not None else None
            elements += _kids(section, "Set") if section is not None else []
        for element in elements:
            sets.append(_read_set(element, self.guids["codes"], self.guids["sets"], self.report,
                                  self.name(element, f"Set {len(sets) + 1}"),
                                  self.guids["sources"]))
        return sets

    def read_cases(self) -> list[RefiCase]:
        """Cases/Case; a case without name gets 'Casus N' (N: its position)."""
        cases = []
        section = _kid(self.root, "Cases")
        for position, element in enumerate(_kids(section, "Case") if section is not None
                                           else [], 1):
            guid = self.guids["cases"].define(element.get("guid"))
            name = element.get("name")
            if not name:
                name = f"Casus {position}"
                self.report.count("unnamed_case", f"'{name}'")
            cases.append(RefiCase(guid=guid, name=name,
                                  description=_kid_text(element, "Description"),
                                  values=self.case_values(element),
                                  sources=self.refs(element, "SourceRef", "sources"),
                                  selections=self.refs(element, "SelectionRef", "selections")))
            for _ in _kids(element, "CodeRef"):
                self.report.count("case_codes")
            self.collect_note_refs(element, "cases", guid)   # not in the schema; harmless
        return cases

    def case_values(self, element) -> dict[str, str]:
        """Variable GUID -> value text of a case's VariableValues."""
        values: dict[str, str] = {}
        for value in _kids(element, "VariableValue"):
            ref = _kid(value, "VariableRef")
            variable = self.guids["variables"].ref(ref.get("targetGUID")
                                                   if ref is not None else None)
            typed = next((c for c in value if _local(c.tag).endswith("Value")), None)
            if variable is None:
                self.report.count("unknown_refs")
                continue
            if typed is None:
                continue
            text = typed.text or ""
            if _local(typed.tag) == "BooleanValue":
                text = "true" if _parse_bool(text, False) else "false"
            values[variable] = text
        return values

    def refs(self, element, tag: str, kind: str) -> list[str]:
        """Resolved targetGUIDs of the element's `tag` children; unknown ones are counted."""
        found: list[str] = []
        for ref in _kids(element, tag):
            guid = self.guids[kind].ref(ref.get("targetGUID"))
            if guid is None:
                self.report.count("unknown_refs")
            elif guid not in found:
                found.append(guid)
        return found

    def read_notes(self) -> list[RefiNote]:
        """Notes/Note with the targets of the NoteRefs met so far."""
        notes = []
        section = _kid(self.root, "Notes")
        for position, element in enumerate(_kids(section, "Note") if section is not None
                                           else [], 1):
            guid = self.guids["notes"].define(element.get("guid"))
            notes.append(RefiNote(guid=guid, name=self.name(element, f"Notitie {position}"),
                                  text=self.note_text(element),
                                  created_by=self.user(element.get("creatingUser")),
                                  created_at=self.stamp(element.get("creationDateTime")),
                                  targets=[]))
        by_guid = {note.guid: note for note in notes}
        for raw_note, kind, target in self.note_refs:
            note = self.guids["notes"].ref(raw_note)
            if note is None or self.guids[kind].ref(target) is None:
                self.report.count("unknown_refs")
            elif target not in by_guid[note].targets:
                by_guid[note].targets.append(target)
        return notes

    def note_text(self, element) -> str:
        """A note's text: inline PlainTextContent or its internal:// file."""
        inline = _kid(element, "PlainTextContent")
        if inline is not None:
            return _normalise_newlines(inline.text or "")
        path = (element.get("plainTextPath") or "").strip()
        if path.lower().startswith("internal://") and self.archive is not None:
            member = self.archive.source_member(self.prefix, path)
            if member is not None:
                return _normalise_newlines(untrusted.decode(self.archive.read(member)).text)
        self.report.count("missing_note_text")
        return ""

    def read_links(self, notes: list[RefiNote]) -> None:
        """Links between a note and a code, source, selection or case attach the note."""
        section = _kid(self.root, "Links")
        by_guid = {note.guid: note for note in notes}
        for link in _kids(section, "Link") if section is not None else []:
            origin, target = link.get("originGUID"), link.get("targetGUID")
            note, other = self.guids["notes"].ref(origin), self.object_ref(target)
            if note is None or other is None:
                note, other = self.guids["notes"].ref(target), self.object_ref(origin)
            if note is None or other is None:
                self.report.count("links")
            elif other not in by_guid[note].targets:
                by_guid[note].targets.append(other)

    def object_ref(self, raw: str | None) -> str | None:
        """A known code, source, selection or case GUID, or None."""
        for kind in ("codes", "sources", "selections", "cases"):
            found = self.guids[kind].ref(raw)
            if found is not None:
                return found
        return None


def _read_code_tree(section, guids: _Guids, report: _Report, on_note_refs=None,
                    label: str = "Het bestand") -> list[RefiCode]:
    """The nested Code elements as a flat pre-order list with parent GUIDs (iteratively).

    Refuses (RefiError, `label` names the file) more than MAX_CODES codes or nesting deeper
    than MAX_CODE_DEPTH levels."""
    codes: list[RefiCode] = []
    stack: list[tuple[Any, str | None, int]] = [
        (element, None, 1) for element in reversed(_kids(section, "Code"))]
    while stack:
        element, parent, depth = stack.pop()
        if len(codes) >= MAX_CODES:
            raise RefiError(f"{label} bevat meer dan {MAX_CODES:,} codes; zo'n codeboek wordt "
                            "niet ingelezen.".replace(",", "."))
        if depth > MAX_CODE_DEPTH:
            raise RefiError(f"{label} bevat codes die meer dan {MAX_CODE_DEPTH} niveaus diep "
                            "genest zijn; zo'n codeboek wordt niet ingelezen.")
        guid = guids.define(element.get("guid"))
        colour = element.get("color")
        if colour is not None and _colour(colour) is None:
            report.count("bad_colour")
        name = element.get("name")
        if not name:
            name = f"Code {len(codes) + 1}"
            report.count("unnamed", f"'{name}'")
        codes.append(RefiCode(guid=guid, name=name, colour=_colour(colour),
                              description=_kid_text(element, "Description"), parent=parent,
                              codable=_parse_bool(element.get("isCodable"), True)))
        if on_note_refs is not None:
            on_note_refs(element, guid)
        for child in reversed(_kids(element, "Code")):
            stack.append((child, guid, depth + 1))
    return codes


def _read_set(element, codes: _Guids, sets: _Guids, report: _Report, name: str,
              sources: _Guids | None = None) -> RefiSet:
    """One Set; MemberCode may carry `guid` (codebook schema) or `targetGUID` (project).
    MemberSource makes it a document set (MAXQDA's document sets) when sources are known."""
    members: list[str] = []
    for member in _kids(element, "MemberCode"):
        code = codes.ref(member.get("targetGUID") or member.get("guid"))
        if code is None:
            report.count("unknown_refs")
        elif code not in members:
            members.append(code)
    in_set: list[str] = []
    for member in _kids(element, "MemberSource"):
        source = sources.ref(member.get("targetGUID") or member.get("guid")) \
            if sources is not None else None
        if sources is None:
            report.count("set_members")
        elif source is None:
            report.count("unknown_refs")
        elif source not in in_set:
            in_set.append(source)
    for _ in _kids(element, "MemberNote"):
        report.count("set_members")
    return RefiSet(guid=sets.define(element.get("guid")), name=name,
                   description=_kid_text(element, "Description"), codes=members,
                   sources=in_set)


def _bare(path: str) -> bool:
    """Whether a plainTextPath is a file name (or relative path) without a scheme and not
    absolute: 'Interview 1.txt', as some exporters write a file they put in sources/."""
    return bool(path) and "://" not in path and not path.startswith(("/", "\\")) \
        and not re.match(r"[A-Za-z]:", path)


def _fits(raw: list[_RawSelection], total: int) -> bool:
    """Whether every selection lies within a text of `total` units."""
    return all(0 <= sel.start <= total and 0 <= sel.end <= total for sel in raw)


def _choose_counting(raw: list[_RawSelection], original: str, vendor: str) -> tuple[str, bool]:
    """The counting to read positions with: (name, True if it is not the vendor's own).

    The vendor's counting unless it leaves selections outside the text while another counting
    fits them all.
    """
    guess = VENDOR_COUNTING.get(vendor, "codepoints")
    if _fits(raw, counting_total(original, COUNTINGS[guess])):
        return guess, False
    for name, counting in COUNTINGS.items():
        if name != guess and _fits(raw, counting_total(original, counting)):
            return name, True
    return guess, False


def _place_selections(raw: list[_RawSelection], original: str, vendor: str, source_name: str,
                     report: _Report) -> list[tuple[_RawSelection, int, int]]:
    """Selections checked and converted to indices into the normalised text.

    Zero-length, reversed and out-of-range selections are skipped and counted.
    """
    if not raw:
        return []
    name, switched = _choose_counting(raw, original, vendor)
    counting = COUNTINGS[name]
    if switched:
        guess = COUNTINGS[VENDOR_COUNTING.get(vendor, "codepoints")]
        whose = f"van {vendor}" if vendor != "other" else "van de standaard"
        report.add(f"Bron '{source_name}': de posities passen niet bij de telling {whose} "
                   f"({guess.label}); ze zijn gelezen als {counting.label}.")
    offsets = OffsetMap(original, counting)
    placed = []
    for sel in raw:
        if sel.start == sel.end:
            report.count("zero_length")
        elif sel.start > sel.end:
            report.count("reversed")
        elif sel.start < 0 or sel.end > offsets.total:
            report.count("out_of_range")
        else:
            placed.append((sel, offsets.index(sel.start, is_end=False),
                           offsets.index(sel.end, is_end=True)))
    return placed


def read_qdpx(path) -> tuple[RefiProject, list[str]]:
    """Read a REFI-QDA project (.qdpx) leniently; returns the project and Dutch warnings.

    Raises RefiError (Dutch, naming the file) for a file that is unsafe or cannot be read.
    """
    label = f"Het project '{Path(path).name}'"
    archive = _Archive(path, label)
    try:
        member, prefix = archive.project_xml()
        data = archive.read(member)
        root = parse_untrusted_xml(data, f"{label} ({member})")
        if _local(root.tag) != "Project":
            raise RefiError(f"{label} is geen REFI-QDA-project: '{member}' begint met "
                            f"'{_local(root.tag)}' in plaats van 'Project'.")
        report = _Report()
        _schema_warning(data, root, PROJECT_NS, f"'{member}' in '{Path(path).name}'", report)
        project = _ProjectReader(root, archive, prefix, f"'{Path(path).name}'", report).read()
    finally:
        archive.close()
    return project, report.messages()


def read_qdc(path) -> tuple[list[RefiCode], list[RefiSet], list[str]]:
    """Read a REFI-QDA codebook (.qdc) leniently; returns codes, sets and Dutch warnings."""
    file_name = Path(path).name
    label = f"Het codeboek '{file_name}'"
    try:
        size = os.path.getsize(path)
        if size > MAX_CODEBOOK_BYTES:
            raise RefiError(f"{label} is groter dan {MAX_CODEBOOK_BYTES // (1024 * 1024)} MB; "
                            "uit veiligheid niet geopend.")
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise RefiError(f"{label} is niet gevonden.") from None
    except IsADirectoryError:
        raise RefiError(f"{label} is een map en geen bestand.") from None
    except OSError:
        raise RefiError(f"{label} kan niet worden gelezen.") from None
    root = parse_untrusted_xml(data, label)
    if _local(root.tag) != "CodeBook":
        raise RefiError(f"{label} is geen REFI-QDA-codeboek: het begint met "
                        f"'{_local(root.tag)}' in plaats van 'CodeBook'.")
    report = _Report(detect_vendor(root.get("origin")))
    _schema_warning(data, root, CODEBOOK_NS, f"'{file_name}'", report)
    code_guids, set_guids = _Guids("codes", report), _Guids("sets", report)
    section = _kid(root, "Codes")
    codes = _read_code_tree(section, code_guids, report, label=label) if section is not None \
        else []
    sets_section = _kid(root, "Sets")
    sets = []
    for position, element in enumerate(_kids(sets_section, "Set") if sets_section is not None
                                       else [], 1):
        name = element.get("name") or f"Set {position}"
        sets.append(_read_set(element, code_guids, set_guids, report, name))
    if not codes:
        report.add(f"'{file_name}' bevat geen codes.")
    return codes, sets, report.messages()
