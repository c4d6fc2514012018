"""REFI-QDA import: a `.qdpx` or `.qdc` as other tools write them, read as hostile input
(through `research.untrusted`), selections placed on the text per vendor's counting."""

from __future__ import annotations

import os
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from research import untrusted
from research.qual.refi.model import (
    CODEBOOK_NS,
    COUNTINGS,
    NON_TEXT_SOURCES,
    PROJECT_NS,
    VARIABLE_TYPES,
    VENDOR_COUNTING,
    OffsetMap,
    RefiCase,
    RefiCode,
    RefiCoding,
    RefiError,
    RefiNote,
    RefiProject,
    RefiSelection,
    RefiSet,
    RefiSource,
    RefiUser,
    RefiVariable,
    Report,
    counted,
    counting_total,
    derived_guid,
    detect_vendor,
    guid_key,
    is_guid,
    normalise_newlines,
    schema_problems,
    valid_colour,
)

# Zip-bomb limits (untrusted's; here so that tests can make them small).
MAX_TOTAL_BYTES = untrusted.MAX_UNPACKED_BYTES
RATIO_CHECK_BYTES = untrusted.RATIO_CHECK_BYTES
# Limits on what is read at all: more codes or deeper nesting is no real codebook and would
# only cost time (each code is stored on its own) or overflow recursive tree walks later.
MAX_CODES = 10_000
MAX_CODE_DEPTH = 100
MAX_CODEBOOK_BYTES = 20 * 1024 * 1024   # a .qdc is parsed whole in memory



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


def _schema_warning(data: bytes, root, expected_ns: str, label: str, report: Report) -> None:
    """Warn about an unknown namespace, or about deviations from the schema (leniently read)."""
    namespace = _namespace(root.tag)
    family = expected_ns.rsplit(":", 1)[0] + ":"   # urn:QDA-XML:project: and its drafts
    if namespace and not namespace.startswith(family):
        report.add(f"{label} gebruikt een onbekende XML-naamruimte ('{namespace}'); het is zo "
                   "goed mogelijk ingelezen.")
        return
    if namespace != expected_ns:
        return
    errors = schema_problems(data, "Project.xsd" if expected_ns == PROJECT_NS else "Codebook.xsd")
    if errors:
        first = errors[0].split(":", 1)[0].replace("line", "regel")
        report.add(f"{label} volgt het REFI-QDA-schema niet helemaal "
                   f"({counted(len(errors), '{n} afwijking', '{n} afwijkingen')}, de eerste op "
                   f"{first}); het is zo goed mogelijk ingelezen.")


def _parse_bool(value: str | None, default: bool) -> bool:
    """An xsd:boolean attribute (default when absent)."""
    if value is None:
        return default
    return value.strip().lower() in ("true", "1")


class _Guids:
    """The GUIDs of one kind of object (codes, sources, ...) met so far in a file."""

    def __init__(self, kind: str, report: Report):
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
        if guid_key(guid) in self.known:
            self.report.count("duplicate_guid")
            self.made += 1
            guid = derived_guid(self.kind, guid, f"#{self.made}")
        self.known[guid_key(guid)] = guid
        if alias is not None:
            self.known.setdefault(alias, guid)
        return guid

    def ref(self, raw: str | None) -> str | None:
        """The kept GUID a reference points at, or None if unknown."""
        raw = (raw or "").strip()
        if not raw:
            return None
        if is_guid(raw):
            return self.known.get(guid_key(raw))
        return self.known.get("x:" + raw)

    def forget(self, guid: str) -> None:
        """Drop an object that was not taken over (references to it become unknown)."""
        self.known.pop(guid_key(guid), None)


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

    def __init__(self, root, archive: _Archive | None, prefix: str, label: str, report: Report):
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
            elif kind in NON_TEXT_SOURCES:
                name = element.get("name") or f"Bron {position}"
                self.report.add(f"Bron '{name}' is geen tekst ({NON_TEXT_SOURCES[kind]}) en is "
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
        text = normalise_newlines(original)
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
            return normalise_newlines(inline.text or "")
        path = (element.get("plainTextPath") or "").strip()
        if path.lower().startswith("internal://") and self.archive is not None:
            member = self.archive.source_member(self.prefix, path)
            if member is not None:
                return normalise_newlines(untrusted.decode(self.archive.read(member)).text)
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


def _read_code_tree(section, guids: _Guids, report: Report, on_note_refs=None,
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
        if colour is not None and valid_colour(colour) is None:
            report.count("bad_colour")
        name = element.get("name")
        if not name:
            name = f"Code {len(codes) + 1}"
            report.count("unnamed", f"'{name}'")
        codes.append(RefiCode(guid=guid, name=name, colour=valid_colour(colour),
                              description=_kid_text(element, "Description"), parent=parent,
                              codable=_parse_bool(element.get("isCodable"), True)))
        if on_note_refs is not None:
            on_note_refs(element, guid)
        for child in reversed(_kids(element, "Code")):
            stack.append((child, guid, depth + 1))
    return codes


def _read_set(element, codes: _Guids, sets: _Guids, report: Report, name: str,
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
                     report: Report) -> list[tuple[_RawSelection, int, int]]:
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
        report = Report()
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
    report = Report(detect_vendor(root.get("origin")))
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
