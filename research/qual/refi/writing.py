"""REFI-QDA export: a RefiProject as a strict `.qdpx`, codes and sets as a `.qdc`, validated
against the schema before anything is written, and written atomically."""

from __future__ import annotations

import contextlib
import os
import tempfile
import zipfile
from pathlib import Path

from lxml import etree

from research.qual.refi.model import (
    CODEBOOK_NS,
    COUNTINGS,
    DEFAULT_ORIGIN,
    PROJECT_NS,
    OffsetMap,
    RefiCase,
    RefiCode,
    RefiError,
    RefiInternalError,
    RefiProject,
    RefiSet,
    RefiSource,
    RefiVariable,
    check_codes,
    check_project,
    code_order,
    derived_guid,
    detect_vendor,
    guid_key,
    normalise_newlines,
    typed_value,
    valid_colour,
    validate_codebook_xml,
    validate_project_xml,
    xml_safe,
    xsd_datetime,
)


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
            element.text = xml_safe(text)
        return element

    @staticmethod
    def _set(element: etree._Element, attrs: dict[str, str | None]) -> None:
        """Set the attributes that are not None."""
        for name, value in attrs.items():
            if value is not None:
                element.set(name, xml_safe(value))


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
        text = normalise_newlines(text)
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
                            color=valid_colour(code.colour))
        if code.description:
            build.sub(element, "Description", code.description)
        for note in (notes_of or {}).get(guid_key(code.guid), []):
            build.sub(element, "NoteRef", targetGUID=note)
        for child in reversed(children.get(guid_key(code.guid), [])):
            stack.append((element, child))


def _notes_by_target(project: RefiProject) -> tuple[dict[str, list[str]], list[str],
                                                     list[tuple[str, str]]]:
    """Where each note goes: NoteRefs per target key, project-level notes, note-case links.

    Project.xsd allows a NoteRef in a Code, a TextSource and a PlainTextSelection (and the
    Project). A note on anything else (a case, user, variable, set or note) is kept as a
    project-level note; for a case a Link note -> case is added as well, which we read back.
    """
    attachable = {guid_key(c.guid) for c in project.codes}
    attachable |= {guid_key(s.guid) for s in project.sources}
    attachable |= {guid_key(sel.guid) for s in project.sources for sel in s.selections}
    case_keys = {guid_key(c.guid) for c in project.cases}
    notes_of: dict[str, list[str]] = {}
    project_notes: list[str] = []
    case_links: list[tuple[str, str]] = []
    for note in project.notes:
        for target in note.targets:
            key = guid_key(target)
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
    variable_types = {guid_key(v.guid): v for v in project.variables}
    if project.users:
        users = build.sub(root, "Users")
        for user in project.users:
            build.sub(users, "User", guid=user.guid, name=user.name)
    if project.codes:
        codes = build.sub(build.sub(root, "CodeBook"), "Codes")
        _write_codes(build, codes, code_order(project.codes, []), notes_of)
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
                                creationDateTime=xsd_datetime(note.created_at))
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
        variable = variables[guid_key(variable_guid)]
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
                        creationDateTime=xsd_datetime(source.created_at))
    for sel, (start, end) in zip(source.selections, spans, strict=True):
        stamp = xsd_datetime(sel.created_at)
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
                               creationDateTime=xsd_datetime(applied.created_at) or stamp)
            build.sub(coding, "CodeRef", targetGUID=applied.code)
        for note in notes_of.get(guid_key(sel.guid), []):
            build.sub(sel_element, "NoteRef", targetGUID=note)
    for note in notes_of.get(guid_key(source.guid), []):
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
    problems = check_project(project)
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
    _write_codes(build, build.sub(root, "Codes"), code_order(codes, []), None)
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
    check_codes(codes, [s for s in sets if s.codes], {}, problems)
    code_order(codes, problems)
    if problems:
        raise RefiInternalError("REFI codebook export refused: " + "; ".join(problems[:10]))
    xml = codebook_xml(codes, [s for s in sets if s.codes], origin)
    errors = validate_codebook_xml(xml)
    if errors:
        raise RefiInternalError("generated codebook is not valid: " + "; ".join(errors[:10]))
    _write_atomically(Path(path), lambda stream: stream.write(xml))
