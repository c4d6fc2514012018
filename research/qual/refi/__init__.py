"""REFI-QDA 1.5 exchange: projects (.qdpx) and codebooks (.qdc) <-> plain dataclasses.

Three modules: `model` (the dataclasses, GUIDs, position counting, warnings, schema checks),
`writing` (export) and `reading` (import); this package offers what the rest of the app uses.

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

from research.qual.refi.model import (
    COUNTINGS,
    VARIABLE_TYPES,
    VENDORS,
    OffsetMap,
    RefiCase,
    RefiCode,
    RefiCoding,
    RefiError,
    RefiInternalError,
    RefiNote,
    RefiProject,
    RefiSelection,
    RefiSet,
    RefiSource,
    RefiUser,
    RefiVariable,
    derived_guid,
    detect_vendor,
    is_guid,
    typed_value,
    validate_codebook_xml,
    validate_project_xml,
)
from research.qual.refi.reading import MAX_CODES, read_qdc, read_qdpx
from research.qual.refi.writing import codebook_xml, write_qdc, write_qdpx

__all__ = [
    "COUNTINGS", "MAX_CODES", "VARIABLE_TYPES", "VENDORS", "OffsetMap", "RefiCase", "RefiCode",
    "RefiCoding", "RefiError", "RefiInternalError", "RefiNote", "RefiProject", "RefiSelection",
    "RefiSet", "RefiSource", "RefiUser", "RefiVariable", "codebook_xml", "derived_guid",
    "detect_vendor", "is_guid", "read_qdc", "read_qdpx", "typed_value", "validate_codebook_xml",
    "validate_project_xml", "write_qdc", "write_qdpx",
]
