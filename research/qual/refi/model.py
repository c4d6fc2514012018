"""REFI-QDA: the dataclasses both directions share, and what both check: GUIDs, position
counting, the Dutch warnings, schema validation and the checks of a project before export."""

from __future__ import annotations

import re
import threading
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from lxml import etree

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
NON_TEXT_SOURCES = {"PictureSource": "afbeelding", "PDFSource": "PDF",
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


def guid_key(guid: str) -> str:
    """Comparison key of a GUID: case and braces do not matter."""
    return guid.strip().strip("{}").lower()


def xml_safe(text: str | None) -> str:
    """The text without the characters XML 1.0 cannot hold."""
    return _INVALID_XML_CHARS.sub("", text or "")


def normalise_newlines(text: str) -> str:
    """Every line end `\\n`."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def counted(count: int, singular: str, plural: str) -> str:
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


class Report:
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
    """The XSD shipped in research/qual/refi/schemas/."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / name), _hardened_lxml_parser()))


def _hardened_lxml_parser() -> etree.XMLParser:
    """An lxml parser that loads no DTD, resolves no entities and never uses the network."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False)


def schema_problems(xml: bytes, schema_name: str) -> list[str]:
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
    return schema_problems(xml, "Project.xsd")


def validate_codebook_xml(xml: bytes) -> list[str]:
    """Errors of a .qdc against Codebook.xsd (empty list: valid)."""
    return schema_problems(xml, "Codebook.xsd")


# == export ====================================================================================

def _check_guid(guid: str, what: str, seen: dict[str, str], problems: list[str]) -> None:
    """Record a problem if the GUID is malformed or already used."""
    if not is_guid(guid):
        problems.append(f"{what}: GUID {guid!r} does not match the REFI GUIDType")
        return
    key = guid_key(guid)
    if key in seen:
        problems.append(f"{what}: GUID {guid} already used by {seen[key]}")
    seen[key] = what


def valid_colour(value: str | None) -> str | None:
    """#RRGGBB for a valid #RRGGBB or #RGB colour, None for anything else."""
    value = (value or "").strip()
    if not COLOUR_RE.fullmatch(value):
        return None
    if len(value) == 4:
        value = "#" + "".join(ch * 2 for ch in value[1:])
    return value


def code_order(codes: list[RefiCode], problems: list[str]) -> dict[str | None, list[RefiCode]]:
    """Children per parent GUID (None: top level); records unknown parents and cycles."""
    by_key = {guid_key(c.guid): c for c in codes}
    children: dict[str | None, list[RefiCode]] = {}
    for code in codes:
        parent = None
        if code.parent is not None:
            parent_code = by_key.get(guid_key(code.parent))
            if parent_code is None:
                problems.append(f"code {code.name!r}: unknown parent {code.parent}")
                continue
            parent = guid_key(parent_code.guid)
        children.setdefault(parent, []).append(code)
    reached = 0
    stack: list[str | None] = [None]
    while stack:
        for child in children.get(stack.pop(), []):
            reached += 1
            stack.append(guid_key(child.guid))
    if reached != len(codes) and not problems:
        problems.append("codes: the parent links form a cycle")
    return children


def check_codes(codes: list[RefiCode], sets: list[RefiSet], seen: dict[str, str],
                 problems: list[str]) -> None:
    """GUIDs, colours and set members of a codebook."""
    for code in codes:
        _check_guid(code.guid, f"code {code.name!r}", seen, problems)
        if code.colour is not None and valid_colour(code.colour) is None:
            problems.append(f"code {code.name!r}: colour {code.colour!r} is not #RRGGBB")
    code_keys = {guid_key(c.guid) for c in codes}
    for code_set in sets:
        _check_guid(code_set.guid, f"set {code_set.name!r}", seen, problems)
        for member in code_set.codes:
            if guid_key(member) not in code_keys:
                problems.append(f"set {code_set.name!r}: unknown code {member}")


def check_project(project: RefiProject) -> list[str]:
    """Everything that would make the export invalid or dangling, as developer messages."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    for user in project.users:
        _check_guid(user.guid, f"user {user.name!r}", seen, problems)
    check_codes(project.codes, project.sets, seen, problems)
    code_keys = {guid_key(c.guid) for c in project.codes}
    user_keys = {guid_key(u.guid) for u in project.users}
    for source in project.sources:
        _check_guid(source.guid, f"source {source.name!r}", seen, problems)
        if source.created_by and guid_key(source.created_by) not in user_keys:
            problems.append(f"source {source.name!r}: unknown user {source.created_by}")
        for sel in source.selections:
            what = f"selection {sel.guid} in {source.name!r}"
            _check_guid(sel.guid, what, seen, problems)
            if not 0 <= sel.start < sel.end <= len(source.text):
                problems.append(f"{what}: [{sel.start}, {sel.end}) not inside the text "
                                f"(length {len(source.text)}) or empty")
            problems.extend(f"{what}: unknown code {c.code}" for c in sel.applied()
                            if guid_key(c.code) not in code_keys)
            problems.extend(f"{what}: unknown user {u}" for u in dict.fromkeys(
                [sel.created_by, *(c.created_by for c in sel.applied())])
                if u and guid_key(u) not in user_keys)
    source_keys = {guid_key(s.guid) for s in project.sources}
    for code_set in project.sets:
        problems.extend(f"set {code_set.name!r}: unknown source {g}" for g in code_set.sources
                        if guid_key(g) not in source_keys)
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
            if guid_key(target) not in known:
                problems.append(f"note {note.name!r}: unknown target {target}")
        if note.created_by and guid_key(note.created_by) not in user_keys:
            problems.append(f"note {note.name!r}: unknown user {note.created_by}")
    return problems


def _check_cases(project: RefiProject, seen: dict[str, str], problems: list[str]) -> None:
    """GUIDs and references of the cases."""
    variables = {guid_key(v.guid) for v in project.variables}
    sources = {guid_key(s.guid) for s in project.sources}
    selections = {guid_key(sel.guid) for s in project.sources for sel in s.selections}
    for case in project.cases:
        _check_guid(case.guid, f"case {case.name!r}", seen, problems)
        problems.extend(f"case {case.name!r}: unknown variable {g}" for g in case.values
                        if guid_key(g) not in variables)
        problems.extend(f"case {case.name!r}: unknown source {g}" for g in case.sources
                        if guid_key(g) not in sources)
        problems.extend(f"case {case.name!r}: unknown selection {g}" for g in case.selections
                        if guid_key(g) not in selections)


def xsd_datetime(value: str | None) -> str | None:
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
        return "TextValue", xml_safe(value)
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
    stamp = xsd_datetime(text)
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
