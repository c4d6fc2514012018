"""REFI-QDA exchange (research.qual.refi): strict export, lenient and safe import."""

from __future__ import annotations

import copy
import hashlib
import zipfile
from pathlib import Path

import pytest

from research.errors import UserError
from research.qual import refi
from research.qual.refi import (
    RefiCase,
    RefiCode,
    RefiError,
    RefiInternalError,
    RefiNote,
    RefiProject,
    RefiSelection,
    RefiSet,
    RefiSource,
    RefiUser,
    RefiVariable,
)

# Copies of the shared REFI samples, each with its SOURCE.md (origin and licence).
SAMPLES = Path(__file__).resolve().parent / "data" / "refi"
SCHEMAS = Path(refi.__file__).parent / "schemas"
PROJECT_NS = "urn:QDA-XML:project:1.0"


def guid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


U1, U2 = guid(1), guid(2)
C1, C2, C3, C4 = guid(11), guid(12), guid(13), guid(14)
SET1 = guid(21)
T1, T2 = guid(31), guid(32)
S1, S2, S3, S4 = guid(41), guid(42), guid(43), guid(44)
V1, V2, V3, V4, V5, V6 = guid(51), guid(52), guid(53), guid(54), guid(55), guid(56)
K1 = guid(61)
N1, N2, N3, N4, N5, N6 = guid(71), guid(72), guid(73), guid(74), guid(75), guid(76)
WHEN = "2024-05-01T09:30:00+00:00"

TEXT1 = "Wij wonen hier 12 jaar 🏠.\nDe buren zijn aardig 😀, maar 's nachts is er lawaai.\n"
TEXT2 = "Cafe\u0301 de Ke\u0308rk is het centrum.\nIedereen komt er 👩\u200d👩\u200d👧 samen."


def span(text: str, part: str) -> tuple[int, int]:
    start = text.index(part)
    return start, start + len(part)


def sample_project() -> RefiProject:
    """A project using everything the dataclasses can carry."""
    s1, s2 = span(TEXT1, "De buren zijn aardig 😀"), span(TEXT1, "aardig 😀, maar")
    s3, s4 = span(TEXT1, "'s nachts is er lawaai"), span(TEXT2, "Cafe\u0301 de Ke\u0308rk")
    return RefiProject(
        name="Buurtonderzoek Noord", description="Interviews met bewoners over de buurt.",
        origin="Onderzoekstoolkit",
        users=[RefiUser(U1, "Anna de Vries"), RefiUser(U2, "Bram Öztürk")],
        codes=[RefiCode(C1, "Wonen", "#1F77B4", "Alles over de woning", None, codable=False),
               RefiCode(C2, "Buren", "#ff7f0e", "", C1),
               RefiCode(C3, "Geluidsoverlast", None, "Lawaai, 's nachts & overdag <hard>", C2),
               RefiCode(C4, "Zorg", "#2CA02C", "", None)],
        sets=[RefiSet(SET1, "Leefomgeving", "Codes over de buurt", [C2, C3])],
        sources=[
            RefiSource(T1, "Interview Fatima", TEXT1, U1, WHEN, [
                RefiSelection(S1, *s1, [C2, C3], U1, WHEN, note="Belangrijk citaat"),
                RefiSelection(S2, *s2, [C3], U2, "2024-05-02T10:00:00Z"),
                RefiSelection(S3, *s3, [C3, C4], None, None)]),
            RefiSource(T2, "Focusgroep café", TEXT2, U2, None, [
                RefiSelection(S4, *s4, [C1], U2, WHEN)])],
        variables=[RefiVariable(V1, "Wijk", "Text"), RefiVariable(V2, "Huurder", "Boolean"),
                   RefiVariable(V3, "Leeftijd", "Integer"), RefiVariable(V4, "Lengte", "Float"),
                   RefiVariable(V5, "Ingetrokken", "Date"),
                   RefiVariable(V6, "Gesproken", "DateTime")],
        cases=[RefiCase(K1, "Bewoner 1", "Woont sinds 2012 in de wijk",
                        {V1: "Noord", V2: "true", V3: "42", V4: "1.75", V5: "2024-03-01",
                         V6: "2024-03-01T10:00:00+00:00"}, [T1], [S1])],
        notes=[RefiNote(N1, "Projectmemo", "Eerst de interviews,\ndan de focusgroep.", U1, WHEN,
                        []),
               RefiNote(N2, "Over Fatima", "Sprak vrijuit 😀", U2, None, [T1]),
               RefiNote(N3, "Codeermemo", "Alleen hinder, geen klachten.", None, None, [C3]),
               RefiNote(N4, "Bij passage", "Ironisch bedoeld?", U1, WHEN, [S2]),
               RefiNote(N5, "Twee plekken", "Zie ook de focusgroep.", None, None, [C1, T2]),
               RefiNote(N6, "Over bewoner 1", "Wil anoniem blijven.", U2, WHEN, [K1])])


def export(tmp_path, project=None, name="export.qdpx") -> Path:
    path = tmp_path / name
    refi.write_qdpx(project or sample_project(), path)
    return path


def zip_project(path: Path, members: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
    return path


def qde(body: str, origin: str, ns: str | None = PROJECT_NS, name: str = "Test") -> str:
    xmlns = f' xmlns="{ns}"' if ns else ""
    return (f'<?xml version="1.0" encoding="utf-8"?>\n'
            f'<Project{xmlns} name="{name}" origin="{origin}">{body}</Project>')


CODES = (f'<CodeBook><Codes><Code guid="{C1}" name="Buurt" isCodable="true"/>'
         f'<Code guid="{C2}" name="Zorg" isCodable="true"/></Codes></CodeBook>')


def text_source(file_guid: str, selections: str, name: str = "Interview") -> str:
    return (f'<Sources><TextSource guid="{T1}" name="{name}" '
            f'plainTextPath="internal://{file_guid}.txt">{selections}</TextSource></Sources>')


def selection(sel_guid: str, start: int, end: int, code: str | None = C1,
              extra: str = "") -> str:
    coding = (f'<Coding guid="{guid(900 + int(sel_guid[-3:]))}"><CodeRef targetGUID="{code}"/>'
              f'</Coding>') if code else ""
    return (f'<PlainTextSelection guid="{sel_guid}" startPosition="{start}" '
            f'endPosition="{end}">{extra}{coding}</PlainTextSelection>')


def selected(project: RefiProject) -> list[str]:
    return [src.text[sel.start:sel.end] for src in project.sources for sel in src.selections]


# -- export ------------------------------------------------------------------------------------

def test_the_schemas_are_the_published_ones():
    """The XSDs are byte for byte those of the REFI-QDA 1.5 standard (their SHA-256)."""
    assert {name: hashlib.sha256((SCHEMAS / name).read_bytes()).hexdigest()
            for name in ("Project.xsd", "Codebook.xsd")} == {
        "Project.xsd": "77608205d5c17c6a60f75e771dd825d8e36eb7db24f8fe7cb86d47e70f83c0f5",
        "Codebook.xsd": "bc4706a6fdb736cc3248de1753366f2b1f5b13e6828d319cea2874deb7e61b52"}
    assert "MIT" in (SCHEMAS / "README.txt").read_text()


def test_export_is_valid_against_project_xsd(tmp_path):
    path = export(tmp_path)
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("project.qde")
    assert refi.validate_project_xml(xml) == []


def test_validate_reports_errors():
    bad = f'<Project xmlns="{PROJECT_NS}"><Users/></Project>'.encode()
    errors = refi.validate_project_xml(bad)
    assert len(errors) == 2 and errors[0].startswith("line 1:")
    assert refi.validate_project_xml(b"<Project") != []
    assert refi.validate_codebook_xml(
        (SAMPLES / "taguette_tests/taguette_codebook_expected.qdc").read_bytes()) != []
    assert refi.validate_codebook_xml(
        (SAMPLES / "requal_atlasti_qdc/atlasti_23_codebook.qdc").read_bytes()) == []


def test_export_holds_exactly_project_qde_and_sources(tmp_path):
    path = export(tmp_path)
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["project.qde", f"sources/{T1}.txt",
                                              f"sources/{T2}.txt"]
        xml = archive.read("project.qde").decode("utf-8")
        text1 = archive.read(f"sources/{T1}.txt")
    assert text1 == TEXT1.encode("utf-8")
    assert not text1.startswith(b"\xef\xbb\xbf") and b"\r" not in text1
    assert "basePath" not in xml and "currentPath" not in xml
    assert str(tmp_path) not in xml and "/home" not in xml and "absolute://" not in xml
    assert f'plainTextPath="internal://{T1}.txt"' in xml
    assert 'origin="Onderzoekstoolkit"' in xml


def test_export_writes_code_point_offsets_and_one_coding_per_code(tmp_path):
    with zipfile.ZipFile(export(tmp_path)) as archive:
        xml = archive.read("project.qde").decode("utf-8")
    # "De buren zijn aardig 😀" starts after 26 code points and is 22 long (the emoji counts 1).
    assert f'guid="{S1}" startPosition="26" endPosition="48"' in xml
    assert xml.count("<CodeRef") == 6
    assert xml.count(f'creatingUser="{U1}" creationDateTime="{WHEN}"') == 6


def test_export_is_the_same_every_time(tmp_path):
    first = export(tmp_path, name="a.qdpx").read_bytes()
    second = export(tmp_path, name="b.qdpx").read_bytes()
    assert first == second


def test_round_trip_gives_back_the_same_project(tmp_path):
    project = sample_project()
    read, warnings = refi.read_qdpx(export(tmp_path, project))
    assert warnings == []
    assert read == project
    assert selected(read)[:2] == ["De buren zijn aardig 😀", "aardig 😀, maar"]
    assert selected(read)[3] == "Cafe\u0301 de Ke\u0308rk"


def test_a_note_on_a_case_is_a_project_note_with_a_link(tmp_path):
    with zipfile.ZipFile(export(tmp_path)) as archive:
        xml = archive.read("project.qde").decode("utf-8")
    assert f'<NoteRef targetGUID="{N6}"/>' in xml.split("</Sets>")[1]
    assert f'originGUID="{N6}" targetGUID="{K1}"' in xml


def test_round_trip_losses_are_the_documented_ones(tmp_path):
    project = sample_project()
    project.sources[0].selections[2].codes = []
    project.sources[0].selections[2].note = "Een memo zonder code"
    project.cases[0].values[V3] = ""
    read, warnings = refi.read_qdpx(export(tmp_path, project))
    assert read.sources[0].selections[2].note is None
    assert read.notes[-1] == RefiNote(refi.derived_guid("memo", S3), "Memo bij passage",
                                      "Een memo zonder code", None, None, [S3])
    assert V3 not in read.cases[0].values
    assert warnings == ["1 notitie bij een passage zonder codering is overgenomen als memo bij "
                        "die selectie."]


def test_export_normalises_crlf_text_and_moves_offsets(tmp_path):
    project = sample_project()
    source = project.sources[1]
    source.text = "a\r\nbc\r\n"
    source.selections = [RefiSelection(S4, 3, 5, [C1], None, None)]
    read, _ = refi.read_qdpx(export(tmp_path, project))
    assert read.sources[1].text == "a\nbc\n"
    assert (read.sources[1].selections[0].start, read.sources[1].selections[0].end) == (2, 4)


def test_export_replaces_another_vendors_origin(tmp_path):
    project = sample_project()
    project.origin = "NVivo 14"
    with zipfile.ZipFile(export(tmp_path, project)) as archive:
        assert b'origin="Onderzoekstoolkit"' in archive.read("project.qde")


@pytest.mark.parametrize("breaks", ["guid", "colour", "range", "code", "type"])
def test_export_refuses_data_that_cannot_be_valid(tmp_path, breaks):
    project = sample_project()
    if breaks == "guid":
        project.codes[0].guid = "code-1"
    elif breaks == "colour":
        project.codes[0].colour = "blauw"
    elif breaks == "range":
        project.sources[0].selections[0].end = len(TEXT1) + 1
    elif breaks == "code":
        project.sources[0].selections[0].codes.append(guid(999))
    else:
        project.variables[0].type = "Getal"
    path = tmp_path / "out.qdpx"
    path.write_bytes(b"previous export")
    with pytest.raises(RefiInternalError):
        refi.write_qdpx(project, path)
    assert path.read_bytes() == b"previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.qdpx"]


def test_export_refuses_a_value_that_does_not_fit_its_type(tmp_path):
    project = sample_project()
    project.cases[0].values[V3] = "tweeënveertig"
    with pytest.raises(RefiError) as caught:
        refi.write_qdpx(project, tmp_path / "out.qdpx")
    assert str(caught.value) == ("Casus 'Bewoner 1': de waarde 'tweeënveertig' van variabele "
                                 "'Leeftijd' is geen geheel getal. Pas de waarde aan of kies een "
                                 "ander type voor de variabele, en exporteer opnieuw.")
    assert not (tmp_path / "out.qdpx").exists()


def test_export_accepts_dutch_number_and_boolean_forms(tmp_path):
    project = sample_project()
    project.cases[0].values.update({V2: "Ja", V4: "1,5", V5: "01-03-2024"})
    read, _ = refi.read_qdpx(export(tmp_path, project))
    assert read.cases[0].values[V2] == "true"
    assert read.cases[0].values[V4] == "1.5"
    assert read.cases[0].values[V5] == "2024-03-01"


def test_codebook_export_is_valid_and_reads_back(tmp_path):
    project = sample_project()
    path = tmp_path / "codeboek.qdc"
    refi.write_qdc(project.codes, project.sets, path)
    xml = path.read_bytes()
    assert refi.validate_codebook_xml(xml) == []
    assert b'origin="Onderzoekstoolkit"' in xml and f'<MemberCode guid="{C2}"/>'.encode() in xml
    codes, sets, warnings = refi.read_qdc(path)
    assert (codes, sets, warnings) == (project.codes, project.sets, [])


def test_codebook_export_needs_codes(tmp_path):
    with pytest.raises(RefiError, match="'leeg.qdc' is niet gemaakt: er zijn geen codes"):
        refi.write_qdc([], [], tmp_path / "leeg.qdc")


def test_codebook_export_refuses_a_parent_cycle(tmp_path):
    codes = [RefiCode(C1, "A", None, "", C2), RefiCode(C2, "B", None, "", C1)]
    with pytest.raises(RefiInternalError, match="cycle"):
        refi.write_qdc(codes, [], tmp_path / "kring.qdc")


# -- the samples -------------------------------------------------------------------------------

def zipped_sample(tmp_path) -> Path:
    folder = SAMPLES / "ornio_hand_authored"
    members = {p.relative_to(folder).as_posix(): p.read_bytes()
               for p in folder.rglob("*") if p.is_file() and p.name != "SOURCE.md"}
    return zip_project(tmp_path / "Sample Study.qdpx", members)


def test_ornio_sample(tmp_path):
    project, warnings = refi.read_qdpx(zipped_sample(tmp_path))
    assert (len(project.users), len(project.codes), len(project.sets), len(project.sources),
            len(project.variables), len(project.cases), len(project.notes)) == (1, 4, 1, 1, 2, 1, 1)
    assert [c.name for c in project.codes] == ["Topics", "Health", "Diet", "Wellbeing"]
    assert [c.parent for c in project.codes] == [None, "20000000-0000-0000-0000-000000000001",
                                                 "20000000-0000-0000-0000-000000000002",
                                                 "20000000-0000-0000-0000-000000000001"]
    assert project.codes[0].codable is False and project.codes[2].colour == "#dc0000"
    assert selected(project) == ["Diet and health", "health are clo"]
    assert project.sources[0].selections[0].created_by == "10000000-0000-0000-0000-000000000001"
    assert project.cases[0].values == {"30000000-0000-0000-0000-000000000001": "34",
                                       "30000000-0000-0000-0000-000000000002": "true"}
    assert project.sets[0].codes == ["20000000-0000-0000-0000-000000000003"]
    assert project.sets[0].sources == ["40000000-0000-0000-0000-000000000001"]
    # The Link from the memo to the first selection attaches the memo to it.
    assert project.notes[0].targets == ["50000000-0000-0000-0000-000000000001"]
    assert warnings == [
        "Bron 'photo.jpg' is geen tekst (afbeelding) en is niet overgenomen.",
        "Bron 'doc.pdf' is geen tekst (PDF) en is niet overgenomen.",
        "Bron 'interview.m4a' is geen tekst (audio) en is niet overgenomen.",
        "Bron 'clip.mp4' is geen tekst (video) en is niet overgenomen.",
        "1 code bij een casus is niet overgenomen.",
        "1 netwerkweergave (Graph) is niet overgenomen."]


def test_ornio_sample_exports_again_without_local_paths(tmp_path):
    project, _ = refi.read_qdpx(zipped_sample(tmp_path))
    path = export(tmp_path, project, "again.qdpx")
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("project.qde")
    assert refi.validate_project_xml(xml) == [] and b"/Users/example" not in xml
    assert refi.read_qdpx(path)[0] == project


def test_atlasti_codebook_with_a_set():
    codes, sets, warnings = refi.read_qdc(SAMPLES / "requal_atlasti_qdc/atlasti_23_codebook.qdc")
    assert codes == [RefiCode("1FF58B12-6F6F-4B0C-8BE5-BBDC91F55294", "code1", "#46AA00",
                              "description", None, True)]
    assert sets == [RefiSet("ECA18D76-2B8B-4F26-BC1D-19ECA19FB3F0", "code group 1",
                            "kategorie 1", ["1FF58B12-6F6F-4B0C-8BE5-BBDC91F55294"])]
    assert warnings == []


def test_taguette_codebook_is_read_although_invalid():
    codes, sets, warnings = refi.read_qdc(SAMPLES / "taguette_tests/taguette_codebook_expected.qdc")
    assert [c.name for c in codes] == ["interesting", "people", "interesting\\places"]
    assert [c.parent for c in codes] == [None, None, None]
    assert sets == []
    assert warnings == ["'taguette_codebook_expected.qdc' volgt het REFI-QDA-schema niet helemaal "
                        "(1 afwijking, de eerste op regel 2); het is zo goed mogelijk ingelezen."]


# -- vendor positions --------------------------------------------------------------------------

NVIVO_TEXT = "Hallo 😀 wereld\r\nTweede regel met 👍 erin.\r\n"


def test_nvivo_counts_utf16_units_and_crlf_as_two(tmp_path):
    # UTF-16 units: 'wereld' 9-15, 'Tweede regel' 17-29, '👍 erin' 34-41 (of 44).
    sels = selection(S1, 9, 15) + selection(S2, 17, 29) + selection(S3, 34, 41, C2)
    path = zip_project(tmp_path / "nvivo.qdpx", {
        "project.qde": qde(CODES + text_source("F1", sels), "NVivo 14.23.0 (Windows)"),
        "Sources/F1.txt": b"\xef\xbb\xbf" + NVIVO_TEXT.encode("utf-8")})
    project, warnings = refi.read_qdpx(path)
    assert project.sources[0].text == "Hallo 😀 wereld\nTweede regel met 👍 erin.\n"
    assert selected(project) == ["wereld", "Tweede regel", "👍 erin"]
    assert warnings == []


def test_atlasti_counts_a_line_break_as_one_and_skips_empty_selections(tmp_path):
    text = "Eerste regel.\r\nTweede regel over de buurt.\r\nDerde regel met één café."
    sels = (selection(S1, 32, 40) + selection(S2, 42, 53) + selection(S4, 58, 66, C2)
            + f'<PlainTextSelection guid="{S3}" startPosition="5" endPosition="5">'
              f'<NoteRef targetGUID="{N1}"/></PlainTextSelection>')
    notes = (f'<Notes><Note guid="{N1}" name="Memo"><PlainTextContent>Leeg citaat'
             f'</PlainTextContent></Note></Notes>')
    path = zip_project(tmp_path / "atlas.qdpx", {
        "Buurtonderzoek.qde": qde(CODES + text_source("F2", sels) + notes,
                                  "ATLAS.ti Windows 26.0.1", name="Buurtonderzoek"),
        "sources/F2.txt": text})
    project, warnings = refi.read_qdpx(path)
    assert project.name == "Buurtonderzoek"
    assert selected(project) == ["de buurt", "Derde regel", "één café"]
    assert project.notes == [RefiNote(N1, "Memo", "Leeg citaat", None, None, [])]
    assert warnings == ["1 selectie van lengte 0 overgeslagen (ATLAS.ti).",
                        "1 verwijzing naar een onbekend of niet overgenomen onderdeel is "
                        "weggelaten."]


def test_maxqda_passage_memo_and_case_without_name(tmp_path):
    text = "Regel een.\r\nDe tweede regel.\r\n"
    sels = (selection(S1, 11, 26) +
            selection(S2, 0, 9, None, "<Description>Let op de toon hier.</Description>"))
    cases = (f'<Cases><Case guid="{K1}"><SourceRef targetGUID="{T1}"/>'
             f'<SelectionRef targetGUID="{S2}"/></Case></Cases>')
    path = zip_project(tmp_path / "maxqda.qdpx", {
        "project.qde": qde(CODES + cases + text_source("F3", sels), "MAXQDA 2024 (Release 24.4)"),
        "sources/F3.txt": text})
    project, warnings = refi.read_qdpx(path)
    assert selected(project) == ["De tweede regel", "Regel een"]
    assert project.sources[0].selections[1].codes == []
    assert project.notes == [RefiNote(refi.derived_guid("memo", S2), "Memo bij passage",
                                      "Let op de toon hier.", None, None, [S2])]
    assert project.cases == [RefiCase(K1, "Casus 1", "", {}, [T1], [S2])]
    assert warnings == [
        "1 notitie bij een passage zonder codering is overgenomen als memo bij die selectie.",
        "1 casus zonder naam heet nu 'Casus 1'."]


def test_positions_that_do_not_fit_the_vendor_are_read_another_way(tmp_path):
    # In UTF-16 units 'blij' is 15-19, while the text has only 17 code points.
    text = "Zon ☀️ en 😀😀 blij"
    sels = selection(S1, 15, 19) + selection(S2, 0, 3)
    path = zip_project(tmp_path / "qualcoder.qdpx", {
        "project.qde": qde(CODES + text_source("F4", sels, "Dagboek"), "QualCoder 3.5"),
        "sources/F4.txt": text})
    project, warnings = refi.read_qdpx(path)
    assert selected(project) == ["blij", "Zon"]
    assert warnings == ["Bron 'Dagboek': de posities passen niet bij de telling van QualCoder "
                        "(tekens (code points) met CRLF als 2); ze zijn gelezen als "
                        "UTF-16-eenheden met CRLF als 2."]


def test_selections_outside_the_text_are_skipped(tmp_path):
    sels = selection(S1, 0, 4) + selection(S2, 2, 99) + selection(S3, 3, 1)
    sels += f'<PlainTextSelection guid="{S4}" startPosition="x" endPosition="2"/>'
    path = zip_project(tmp_path / "buiten.qdpx", {
        "project.qde": qde(CODES + text_source("F5", sels), "Taguette 1.5"),
        "sources/F5.txt": "Kort."})
    project, warnings = refi.read_qdpx(path)
    assert selected(project) == ["Kort"]
    assert warnings == [
        "'project.qde' in 'buiten.qdpx' volgt het REFI-QDA-schema niet helemaal (1 afwijking, "
        "de eerste op regel 2); het is zo goed mogelijk ingelezen.",
        "1 selectie zonder geldige begin- of eindpositie is overgeslagen.",
        "1 selectie valt buiten de tekst van haar bron en is overgeslagen.",
        "1 selectie met een eindpositie vóór de beginpositie is overgeslagen."]


def test_unknown_codes_missing_files_other_media_and_inline_text(tmp_path):
    body = (CODES + f'<Sources>'
            f'<TextSource guid="{T1}" name="Inline"><PlainTextContent>Tekst in de XML.'
            f'</PlainTextContent>{selection(S1, 0, 5, guid(999))}{selection(S2, 9, 16)}'
            f'</TextSource>'
            f'<TextSource guid="{T2}" name="Weg.txt" plainTextPath="internal://weg.txt"/>'
            f'<TextSource guid="{guid(33)}" name="Extern.txt" '
            f'plainTextPath="absolute:///C:/Users/example/Extern.txt"/>'
            f'<PictureSource guid="{guid(34)}" name="Foto.jpg" path="internal://foto.jpg"/>'
            f'</Sources>')
    path = zip_project(tmp_path / "gemengd.qdpx", {"project.qde": qde(body, "Eigen tool 2.0")})
    project, warnings = refi.read_qdpx(path)
    assert [s.name for s in project.sources] == ["Inline"]
    assert selected(project) == ["Tekst", "de XML."]
    assert project.sources[0].selections[0].codes == []
    assert warnings == [
        "1 codering verwijst naar een onbekende code en is weggelaten.",
        "Bron 'Weg.txt': het tekstbestand ontbreekt in het project; de bron is niet overgenomen.",
        "Bron 'Extern.txt' verwijst naar een bestand buiten het project en is niet overgenomen.",
        "Bron 'Foto.jpg' is geen tekst (afbeelding) en is niet overgenomen."]


@pytest.mark.parametrize("ns", ["urn:QDA-XML:project:0:10", None])
def test_old_draft_namespace_and_no_namespace(tmp_path, ns):
    path = zip_project(tmp_path / "oud.qdpx", {
        "project.qde": qde(CODES + text_source("F6", selection(S1, 0, 3)), "QualCoder 2", ns),
        "sources/F6.txt": "Oud formaat."})
    project, warnings = refi.read_qdpx(path)
    assert selected(project) == ["Oud"] and [c.name for c in project.codes] == ["Buurt", "Zorg"]
    assert warnings == []


def test_malformed_and_duplicate_guids_are_repaired(tmp_path):
    body = (f'<CodeBook><Codes><Code guid="code-1" name="A" isCodable="true"/>'
            f'<Code guid="{C2}" name="B" isCodable="true" color="rood"/>'
            f'<Code guid="{C2}" name="C" isCodable="true"/></Codes></CodeBook>'
            + text_source("F7", selection(S1, 0, 3, "code-1")))
    path = zip_project(tmp_path / "guids.qdpx", {"project.qde": qde(body, "Eigen"),
                                                 "sources/F7.txt": "Abc def"})
    project, warnings = refi.read_qdpx(path)
    guids = [c.guid for c in project.codes]
    assert guids[0] == refi.derived_guid("codes", "code-1") and guids[1] == C2
    assert guids[2] not in (C2, guids[0]) and all(refi.is_guid(g) for g in guids)
    assert project.sources[0].selections[0].codes == [guids[0]]
    assert project.codes[1].colour is None
    assert warnings == ["'project.qde' in 'guids.qdpx' volgt het REFI-QDA-schema niet helemaal "
                        "(3 afwijkingen, de eerste op regel 2); het is zo goed mogelijk ingelezen.",
                        "1 ontbrekende of ongeldige GUID is vervangen door een nieuwe.",
                        "1 ongeldige kleur is genegeerd.",
                        "1 dubbele GUID is vervangen door een nieuwe."]


def test_project_in_a_folder_inside_the_zip(tmp_path):
    path = zip_project(tmp_path / "map.qdpx", {
        "Project/project.qde": qde(CODES + text_source("F8", selection(S1, 0, 4)), "Eigen"),
        "Project/sources/F8.txt": "Map in zip."})
    assert selected(refi.read_qdpx(path)[0]) == ["Map "]


# -- hostile input ------------------------------------------------------------------------------

XXE = ('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
       f'<Project xmlns="{PROJECT_NS}" name="&e;"/>')
LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
          '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
          '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>\n'
          f'<Project xmlns="{PROJECT_NS}" name="&lol3;"/>')


def refused(path: Path) -> str:
    """The Dutch message of the RefiError that reading the file raises."""
    reader = refi.read_qdc if path.suffix == ".qdc" else refi.read_qdpx
    with pytest.raises(RefiError) as caught:
        reader(path)
    assert isinstance(caught.value, UserError)
    message = str(caught.value)
    assert path.name in message
    return message


@pytest.mark.parametrize("xml", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_project_with_a_dtd_is_refused(tmp_path, xml):
    path = zip_project(tmp_path / "gevaar.qdpx", {"project.qde": xml})
    assert refused(path) == ("Het project 'gevaar.qdpx' (project.qde) bevat een DTD of "
                             "entiteiten; uit veiligheid niet geopend.")


@pytest.mark.parametrize("xml", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_codebook_with_a_dtd_is_refused(tmp_path, xml):
    path = tmp_path / "gevaar.qdc"
    path.write_text(xml.replace("Project", "CodeBook"), encoding="utf-8")
    assert refused(path) == ("Het codeboek 'gevaar.qdc' bevat een DTD of entiteiten; uit "
                             "veiligheid niet geopend.")


def test_malformed_xml_names_the_line(tmp_path):
    xml = f'<?xml version="1.0"?>\n<Project xmlns="{PROJECT_NS}" name="x">\n<Users>\n</Project>'
    path = zip_project(tmp_path / "kapot.qdpx", {"project.qde": xml})
    assert refused(path) == ("Het project 'kapot.qdpx' (project.qde) is geen geldige XML (fout "
                             "op regel 4); het bestand is niet geopend.")
    qdc = tmp_path / "kapot.qdc"
    qdc.write_text("<CodeBook><Codes>", encoding="utf-8")
    assert "is geen geldige XML (fout op regel 1)" in refused(qdc)


@pytest.mark.parametrize("member", ["../evil.txt", "/etc/evil.txt", "C:/evil.txt",
                                    "sources\\..\\..\\evil.txt", "sources/../../evil.txt"])
def test_unsafe_member_names_are_refused(tmp_path, member):
    work = tmp_path / "in"
    work.mkdir()
    path = zip_project(work / "pad.qdpx", {"project.qde": qde("", "Eigen"), member: "boos"})
    assert refused(path) == (f"Het project 'pad.qdpx' bevat een onveilige bestandsnaam "
                             f"('{member}'); uit veiligheid niet geopend.")
    assert not (tmp_path / "evil.txt").exists() and sorted(work.iterdir()) == [path]


def test_not_a_zip_is_refused(tmp_path):
    path = tmp_path / "geen.qdpx"
    path.write_text("Dit is gewoon tekst.", encoding="utf-8")
    assert refused(path) == ("Het project 'geen.qdpx' is geen zip-bestand en dus geen "
                             "REFI-QDA-project (.qdpx).")


def test_missing_files_are_refused(tmp_path):
    assert refused(tmp_path / "weg.qdpx") == "Het project 'weg.qdpx' is niet gevonden."
    assert refused(tmp_path / "weg.qdc") == "Het codeboek 'weg.qdc' is niet gevonden."


def test_zip_without_project_xml_is_refused(tmp_path):
    path = zip_project(tmp_path / "leeg.qdpx", {"sources/a.txt": "tekst"})
    assert refused(path) == ("Het project 'leeg.qdpx' bevat geen project.qde; is het wel een "
                             "REFI-QDA-project (.qdpx)?")


def test_zip_bomb_by_total_size_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(refi.reading, "MAX_TOTAL_BYTES", 5 * 1024 * 1024)
    path = zip_project(tmp_path / "groot.qdpx", {"project.qde": qde("", "Eigen"),
                                                 "sources/a.txt": b"\0" * (6 * 1024 * 1024)})
    assert refused(path) == ("Het project 'groot.qdpx' is uitgepakt groter dan 5 MB; uit "
                             "veiligheid niet geopend.")


def test_zip_bomb_by_ratio_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(refi.reading, "RATIO_CHECK_BYTES", 10_000)
    path = zip_project(tmp_path / "bom.qdpx", {"project.qde": qde("", "Eigen"),
                                               "sources/a.txt": b"0" * 200_000})
    assert refused(path) == ("Het project 'bom.qdpx' bevat een verdacht sterk ingepakt bestand "
                             "('sources/a.txt'), mogelijk een zip-bom; uit veiligheid niet "
                             "geopend.")


def test_a_codebook_that_is_a_project_is_refused(tmp_path):
    path = tmp_path / "verkeerd.qdc"
    path.write_text(qde("", "Eigen"), encoding="utf-8")
    assert refused(path) == ("Het codeboek 'verkeerd.qdc' is geen REFI-QDA-codeboek: het begint "
                             "met 'Project' in plaats van 'CodeBook'.")


# -- the position machinery --------------------------------------------------------------------

def test_offset_map_snaps_positions_inside_a_character_outward():
    offsets = refi.OffsetMap("a😀\r\nb", refi.COUNTINGS["utf16"])
    assert offsets.total == 6
    assert [offsets.index(i, is_end=False) for i in range(7)] == [0, 1, 1, 2, 2, 3, 4]
    assert [offsets.index(i, is_end=True) for i in range(7)] == [0, 1, 2, 2, 3, 3, 4]


def test_detect_vendor():
    assert [refi.detect_vendor(o) for o in ["ATLAS.ti Win 23.4.0", "NVivo 14", "MAXQDA 2022",
                                            "QualCoder 3.5", "Taguette 1.5.2", "f4analyse", None]
            ] == ["ATLAS.ti", "NVivo", "MAXQDA", "QualCoder", "Taguette", "other", "other"]


def test_sample_project_is_not_changed_by_export(tmp_path):
    project = sample_project()
    before = copy.deepcopy(project)
    export(tmp_path, project)
    assert project == before


# -- several coders, bare file names, document sets (issue 17) ---------------------------------

def test_each_coding_keeps_its_own_coder(tmp_path):
    """A merged ATLAS.ti project holds codings of several coders in one quotation; each
    Coding's creatingUser says who applied the code, and writing keeps it."""
    import refi_files
    project, warnings = refi.read_qdpx(refi_files.atlas_three_coders(tmp_path / "a.qdpx"))
    assert warnings == []
    assert [(u.guid, u.name) for u in project.users] == list(refi_files.CODERS.items())
    names = {u.guid: u.name for u in project.users}
    first = project.sources[0].selections[0]
    assert project.sources[0].text[first.start:first.end] == "Mijn dochter bracht me."
    assert [(c.code, names[c.created_by], c.created_at) for c in first.applied()] == [
        (refi_files.STEUN_F, "Anne Jansen", "2025-03-01T10:00:00Z"),
        (refi_files.STEUN_F, "Bart de Boer", "2025-03-02T10:00:00Z"),
        (refi_files.STEUN_F, "Chris Visser", "2025-03-03T10:00:00Z")]
    assert first.codes == [refi_files.STEUN_F]
    per_coder = {}
    for source in project.sources:
        for sel in source.selections:
            for coding in sel.applied():
                per_coder[names[coding.created_by]] = per_coder.get(
                    names[coding.created_by], 0) + 1
    assert per_coder == refi_files.CODINGS_PER_CODER
    # Written again (valid REFI), every coding keeps its coder.
    again = export(tmp_path, project, "again.qdpx")
    with zipfile.ZipFile(again) as archive:
        assert refi.validate_project_xml(archive.read("project.qde")) == []
    assert refi.read_qdpx(again)[0].sources == project.sources


def test_a_source_named_by_its_bare_file_name_is_read(tmp_path):
    """QualCoder-style exporters write plainTextPath="Interview 3.txt" (no internal://): the
    file under sources/ is read, with its coding."""
    import refi_files
    project, warnings = refi.read_qdpx(refi_files.qualcoder_bare_path(tmp_path / "q.qdpx"))
    assert warnings == []
    assert [s.name for s in project.sources] == ["Interview 3"]
    assert selected(project) == ["Elke dinsdag"]
    # A bare name that is not in the archive is still reported, not guessed.
    members = {"project.qde": qde('<Sources><TextSource guid="{0}" name="Weg" '
                                  'plainTextPath="Weg.txt"/></Sources>'.format(T1), "QualCoder")}
    assert refi.read_qdpx(zip_project(tmp_path / "weg.qdpx", members))[1] == [
        "Bron 'Weg' verwijst naar een bestand buiten het project en is niet overgenomen."]


def test_maxqda_document_sets_are_read_and_written(tmp_path):
    import refi_files
    project, warnings = refi.read_qdpx(refi_files.maxqda_document_sets(tmp_path / "m.qdpx"))
    assert warnings == []
    [group] = project.sets
    assert (group.name, group.description, group.codes, group.sources) == (
        "Bewoners", "Interviews met bewoners", [],
        ["0F000000-0000-4000-8000-000000000001", "0F000000-0000-4000-8000-000000000002"])
    again = export(tmp_path, project, "again.qdpx")
    with zipfile.ZipFile(again) as archive:
        xml = archive.read("project.qde")
    assert refi.validate_project_xml(xml) == []
    assert b'<MemberSource targetGUID="0F000000-0000-4000-8000-000000000001"/>' in xml
    assert refi.read_qdpx(again)[0].sets == project.sets
