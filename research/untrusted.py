"""Files from outside: the one door every importer reads them through.

Transcripts, REFI projects and codebooks, YAML codebooks, monitor waves, frames, questionnaires
and stapeling tables all arrive as bytes someone else wrote. This module holds the guards they
share, with one set of limits:

- `decode`: bytes to text (a BOM for UTF-32, UTF-8 or UTF-16, else UTF-8, else Windows-1252),
  reporting whether the legacy fallback was used and whether bytes had to be replaced;
- `looks_binary` and `clean_controls`: refuse binary data, remove stray control characters;
- `open_zip` and `check_zip`: member names, member count, unpacked size, compression ratio,
  required members and DTDs, all before anything unpacks a member;
- `declares_dtd` and `parse_xml`: no DTD, entity or external reference is ever resolved;
- `sniff_delimiter`: ';', tab or ',' for a CSV;
- `parse_number` and `parse_numbers`: Dutch and English numbers ('7,6', '1.234,5', '12%').

A refusal is a `Refused` (a UserError) with a `reason` and a plain Dutch message; every
importer catches it and says it in its own words, naming its file. No database, no streamlit.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
import zipfile
import zlib
from dataclasses import dataclass

import defusedxml.ElementTree as SafeET
from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

from research.errors import UserError

# -- limits ----------------------------------------------------------------------------------------
# Where importers had different limits, the stricter one that still admits real files is kept.

# Members of one zip (was only checked for .qdpx): no Office file or project comes near it.
MAX_MEMBERS = 100_000
# All members together, uncompressed. A .qdpx (sources and media read on demand) and an .xlsx
# (streamed by openpyxl) may unpack to 500 MB: the .qdpx limit; the .xlsx allowed 1 GB, more
# than the 500 MB upload limit of a wave, which no real survey workbook reaches.
MAX_UNPACKED_BYTES = 500 * 1024 * 1024
# A .docx is parsed whole in memory by python-docx: it keeps its stricter 200 MB.
MAX_UNPACKED_DOCUMENT = 200 * 1024 * 1024
# A member, and the archive as a whole, that unpacks to more than RATIO_CHECK_BYTES may be at
# most MAX_RATIO times its packed size. The .docx and .qdpx checked members at 100 times; the
# .xlsx checked the whole archive at 200 times (also when small). Both checks at the stricter
# 100 catch one large member of zeros and many small ones alike; below 10 MB nothing is a bomb.
MAX_RATIO = 100
RATIO_CHECK_BYTES = 10 * 1024 * 1024
# Share of control characters (not tab, line ends or form feed) in a file's start above which
# it is binary: transcripts look at SNIFF_CHARS and tolerate stray controls from word
# processors, waves look at their first 64 KB and a table has almost none. Both shares are the
# importers' own: the hostile corpus holds a transcript at 6 % that must be read.
SNIFF_CHARS = 8192
CONTROL_SHARE_TEXT = 0.10
CONTROL_SHARE_TABLE = 0.01
DELIMITER_SAMPLE_CHARS = 65536      # how much of a CSV the delimiter sniffing looks at
DELIMITERS = (";", "\t", ",")       # in order of preference (Dutch Excel writes ';')

_MB = 1024 * 1024


class Refused(UserError):
    """A file from outside refused. `reason` names the check ('not_zip', 'missing', 'members',
    'unsafe_name', 'unpacked', 'ratio', 'dtd', 'damaged', 'encrypted', 'xml'); `member`,
    `unpacked`, `packed` and `line` give the details a caller may put in its own message."""

    def __init__(self, reason: str, message: str, *, member: str = "", unpacked: int = 0,
                 packed: int = 0, line: int | None = None):
        super().__init__(message)
        self.reason = reason
        self.member = member
        self.unpacked = unpacked
        self.packed = packed
        self.line = line


# -- text ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Decoded:
    """Text read from bytes. `encoding` is 'utf-32', 'utf-16', 'utf-8' or 'cp1252'; `legacy`:
    no BOM and no valid UTF-8, read as Windows-1252; `replaced`: some bytes could not be
    decoded and became U+FFFD, the first at byte `first_bad`."""
    text: str
    encoding: str
    legacy: bool = False
    replaced: bool = False
    first_bad: int | None = None


def _decoded(data: bytes, codec: str, strip: int, legacy: bool = False) -> Decoded:
    """`data[strip:]` decoded; undecodable bytes replaced and reported."""
    body = data[strip:]
    name = codec.replace("-le", "").replace("-be", "")
    try:
        return Decoded(body.decode(codec), name, legacy)
    except UnicodeDecodeError as error:
        return Decoded(body.decode(codec, errors="replace"), name, legacy, True,
                       strip + error.start)


def decode(data: bytes) -> Decoded:
    """Bytes as text: a UTF-32, UTF-8 or UTF-16 BOM decides (and is removed); without one,
    UTF-8 if the bytes are valid UTF-8, else Windows-1252 (`legacy`). Never raises: bytes that
    do not decode become U+FFFD and `replaced` says so, for the caller to refuse or warn."""
    # UTF-32 first: its little-endian BOM starts with the UTF-16 one. A file that only starts
    # like UTF-32 (UTF-16 text opening with U+0000) is read as UTF-16.
    for bom, codec in ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be")):
        if data.startswith(bom):
            decoded = _decoded(data, codec, len(bom))
            if not decoded.replaced:
                return decoded
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                       (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return _decoded(data, codec, len(bom))
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        return _decoded(data, "cp1252", 0, legacy=True)


_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_BINARY_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


def looks_binary(sample: str | bytes, max_share: float = CONTROL_SHARE_TEXT) -> bool:
    """Whether the start of a file (the caller's sample, e.g. its first SNIFF_CHARS) is binary
    rather than text: a NUL, or more than `max_share` control characters (tab, line ends and
    form feed excepted). Bytes are looked at one character a byte (before decoding)."""
    if isinstance(sample, bytes):
        sample = sample.decode("latin-1")
    if "\x00" in sample:
        return True
    return bool(sample) and len(_BINARY_CONTROL_RE.findall(sample)) > max_share * len(sample)


def clean_controls(text: str) -> tuple[str, int]:
    """Line ends made `\\n`; form feeds and vertical tabs (page and line breaks) made `\\n`;
    other control characters (C0 but tab, DEL, C1) removed. Returns the text and how many
    characters were removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").replace("\v", "\n")
    return _CONTROL_RE.subn("", text)


# -- zip -------------------------------------------------------------------------------------------

def open_zip(source) -> zipfile.ZipFile:
    """A zip from bytes or a path; Refused('not_zip') when it is none (FileNotFoundError is
    left to the caller, who knows how to say the file is missing)."""
    try:
        return zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise Refused("not_zip", "Het bestand is geen geldig zip-bestand.") from None


def unsafe_name(name: str) -> bool:
    """Whether a member name would point outside a folder it were unpacked into: absolute
    ('/x', '\\\\x', 'C:x'), with a '..' part, or with a NUL."""
    parts = re.split(r"[\\/]", name)
    return (name.startswith(("/", "\\")) or bool(re.match(r"[A-Za-z]:", name))
            or ".." in parts or "\0" in name)


def check_zip(archive: zipfile.ZipFile, *, required: tuple[str, ...] = (),
              max_unpacked: int | None = None, ratio_from: int | None = None,
              check_names: bool = False, dtd_suffixes: tuple[str, ...] = ()) -> dict[str, str]:
    """Check a zip before anything unpacks it; returns member names with '/' separators mapped
    to the names in the zip.

    In this order: at most MAX_MEMBERS members; with `check_names`, no unsafe name (a .qdpx is
    read by name; Office files are read only through their own relations, so their names can do
    no harm); every `required` member present; no member, and not the whole archive, over
    `ratio_from` bytes (default RATIO_CHECK_BYTES) packed more than MAX_RATIO times (`member`
    is '' for the whole); at most `max_unpacked` bytes
    together (default MAX_UNPACKED_BYTES); no member ending in one of
    `dtd_suffixes` declaring a DTD. Raises Refused with the reason."""
    max_unpacked = MAX_UNPACKED_BYTES if max_unpacked is None else max_unpacked
    ratio_from = RATIO_CHECK_BYTES if ratio_from is None else ratio_from
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise Refused("members", f"Het bestand bevat meer dan {MAX_MEMBERS} bestanden.")
    names: dict[str, str] = {}
    for info in infos:
        if check_names and unsafe_name(info.filename):
            raise Refused("unsafe_name", f"Het bestand bevat een onveilige bestandsnaam "
                          f"('{info.filename}').", member=info.filename)
        names[info.filename.replace("\\", "/")] = info.filename
    missing = [name for name in required if name not in names]
    if missing:
        raise Refused("missing", f"Het bestand mist '{missing[0]}'.", member=missing[0])
    unpacked = sum(info.file_size for info in infos)
    packed = max(sum(info.compress_size for info in infos), 1)
    for info in infos:
        if info.file_size > ratio_from and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise Refused("ratio", f"Het bestand bevat een verdacht sterk ingepakt onderdeel "
                          f"('{info.filename}'), mogelijk een zip-bom.", member=info.filename,
                          unpacked=unpacked, packed=packed)
    if unpacked > ratio_from and unpacked > MAX_RATIO * packed:
        raise Refused("ratio", "Het bestand is als geheel verdacht sterk ingepakt, mogelijk een "
                      "zip-bom.", unpacked=unpacked, packed=packed)
    if unpacked > max_unpacked:
        raise Refused("unpacked", f"Het bestand is uitgepakt groter dan {max_unpacked // _MB} MB.",
                      unpacked=unpacked, packed=packed)
    if dtd_suffixes:
        try:
            for info in infos:
                if info.filename.lower().endswith(dtd_suffixes):
                    with archive.open(info) as member:
                        if declares_dtd(member):
                            raise Refused("dtd", "Het bestand bevat een DTD of entiteiten.",
                                          member=info.filename)
        except RuntimeError:   # zipfile: an encrypted member
            raise Refused("encrypted", "Het bestand is versleuteld.") from None
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError,
                EOFError, ValueError, zlib.error):
            raise Refused("damaged", "Het bestand is beschadigd.") from None
    return names


# -- XML -------------------------------------------------------------------------------------------

_DOCTYPES = (b"<!DOCTYPE", "<!DOCTYPE".encode("utf-16-le"), "<!DOCTYPE".encode("utf-16-be"))
_DOCTYPE_OVERLAP = max(len(pattern) for pattern in _DOCTYPES) - 1


def declares_dtd(source, chunk: int = _MB) -> bool:
    """Whether XML (bytes or a binary stream) holds '<!DOCTYPE' in UTF-8 or UTF-16, read in
    pieces of `chunk` bytes so a large member is never in memory whole. A DTD is what entities,
    entity expansion and external references need; OOXML forbids one."""
    stream = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source
    tail = b""
    while piece := stream.read(chunk):
        window = tail + piece
        if any(pattern in window for pattern in _DOCTYPES):
            return True
        tail = window[-_DOCTYPE_OVERLAP:]
    return False


def parse_xml(data: bytes):
    """The root element of XML from outside, parsed with DTDs, entities and external references
    forbidden (defusedxml). Refused('dtd') or Refused('xml', line=...) otherwise."""
    try:
        return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True,
                                 forbid_external=True)
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden):
        raise Refused("dtd", "Het bestand bevat een DTD of entiteiten.") from None
    except SafeET.ParseError as error:
        position = getattr(error, "position", None)
        raise Refused("xml", "Het bestand is geen geldige XML.",
                      line=position[0] if position else None) from None


# -- CSV -------------------------------------------------------------------------------------------

def sniff_delimiter(text: str) -> str:
    """';', tab or ',': the one that splits the header into several fields, preferring one that
    splits (nearly) every row the same way, then the most fields, then that order. Looks at the
    first DELIMITER_SAMPLE_CHARS (whole lines); a file of one column gets a delimiter it does
    not contain."""
    sample = text[:DELIMITER_SAMPLE_CHARS]
    if len(text) > DELIMITER_SAMPLE_CHARS and "\n" in sample:
        sample = sample[:sample.rindex("\n")]
    scores = []
    for preference, delimiter in enumerate(DELIMITERS):
        try:
            # newline="": the csv module itself handles CR, LF and CRLF line ends.
            rows = [r for r in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
                    if r]
        except csv.Error:   # e.g. a field over csv's size limit: not this delimiter
            continue
        if rows and len(rows[0]) > 1:
            same = sum(len(r) == len(rows[0]) for r in rows) >= 0.9 * len(rows)
            scores.append((same, len(rows[0]), -preference, delimiter))
    if scores:
        return max(scores)[3]
    return next((d for d in DELIMITERS if d not in sample), ";")


# -- numbers ---------------------------------------------------------------------------------------

_BLANKS_RE = re.compile(r"[\s\u00a0\u202f]+")
_NUMBER_RE = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_THOUSANDS_RE = re.compile(r"[-+]?\d{1,3}(?:\.\d{3})+")


def _normalised(cleaned: str, decimal_comma: bool) -> str:
    """A number without blanks and '%' in Python's notation (not yet validated)."""
    comma, dot = cleaned.rfind(","), cleaned.rfind(".")
    if comma >= 0 and dot >= 0:      # both marks: the last one is the decimal mark
        if comma > dot:
            return cleaned.replace(".", "").replace(",", ".")
        return cleaned.replace(",", "")
    if comma >= 0:
        return cleaned.replace(",", ".")
    if decimal_comma and _THOUSANDS_RE.fullmatch(cleaned):
        return cleaned.replace(".", "")
    return cleaned


def parse_number(value, decimal_comma: bool = False) -> float:
    """A cell as a float; empty (or None) is NaN.

    Blanks (also non-breaking) and a trailing '%' are ignored. A comma alone is a decimal
    comma ('7,6' = 7.6); with both marks the last is the decimal one ('1.234,5' and '1,234.5'
    = 1234.5). `decimal_comma` (the file writes decimal commas) makes dots that group
    thousands ('1.234', '12.345.678') thousands separators; otherwise '1.234' is 1.234.
    Raises ValueError for anything else, infinity and NaN written out included."""
    if value is None:
        return math.nan
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if hasattr(value, "dtype") and getattr(value.dtype, "kind", "") in "iuf":   # numpy scalars
        return float(value)
    cleaned = _BLANKS_RE.sub("", str(value))
    cleaned = cleaned.removesuffix("%")
    if cleaned == "":
        return math.nan
    normal = _normalised(cleaned, decimal_comma)
    if not _NUMBER_RE.fullmatch(normal):
        raise ValueError(f"not a number: {value!r}")
    number = float(normal)
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {value!r}")
    return number


def parse_numbers(values, decimal_comma: bool = False):
    """`parse_number` for a pandas Series of text, vectorised: floats, NaN where a cell is
    empty or no number (the caller tells the two apart)."""
    import numpy as np  # only tables need these
    import pandas as pd

    text = values.astype("string").str.replace(_BLANKS_RE, "", regex=True)
    text = text.str.replace(r"%$", "", regex=True)
    comma, dot = text.str.rfind(","), text.str.rfind(".")
    both = (comma >= 0) & (dot >= 0)
    comma_last = both & (comma > dot)
    dot_last = both & (dot > comma)
    text = text.mask(comma_last, text.str.replace(".", "", regex=False)
                     .str.replace(",", ".", regex=False))
    text = text.mask(dot_last, text.str.replace(",", "", regex=False))
    text = text.mask(~both, text.str.replace(",", ".", regex=False))
    if decimal_comma:
        grouped = (comma < 0) & text.str.fullmatch(_THOUSANDS_RE.pattern).fillna(False)
        text = text.mask(grouped, text.str.replace(".", "", regex=False))
    valid = text.str.fullmatch(_NUMBER_RE.pattern).fillna(False).astype(bool)
    numbers = pd.to_numeric(text.where(valid), errors="coerce").astype("float64")
    return numbers.where(np.isfinite(numbers.to_numpy()))
