"""REFI-QDA exchange of whole projects: export validates, re-import gives the same project,
the shared samples of other tools come in with a report."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from research.qual import (cases, codebook, codings, documents, exchange, memos, projects, refi)

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "refi" / "samples"
TEXT = ("Interviewer: Hoe kwam u bij de buurtkamer? 😀\n\n"
        "Fatima: Via mijn buurvrouw. Zij nam me mee.\n\n"
        "Interviewer: En nu?\n\nFatima: Ik kom elke week.")


def fingerprint(store, user, project_id) -> dict:
    """Everything a project holds, by names and text instead of ids."""
    code_rows = codebook.codes(store, user, project_id)
    names = {c["id"]: c["name"] for c in code_rows}
    docs = documents.documents(store, user, project_id)
    return {
        "codes": [(c["name"], c["colour"], names.get(c["parent_id"]), c["description"],
                   c["inclusion"], c["exclusion"], c["example"]) for c in code_rows],
        "sets": [(s["name"], sorted(names[c] for c in s["codes"]))
                 for s in codebook.code_sets(store, user, project_id)],
        "documents": [(d["name"], documents.document(store, user, d["id"])["text"],
                       [(t["start_pos"], t["end_pos"], t["speaker"])
                        for t in documents.turns(store, user, d["id"])]) for d in docs],
        "codings": sorted((d["name"], c["code"], c["start_pos"], c["end_pos"], c["coder"])
                          for d in docs for c in codings.codings(store, user, d["id"])),
        "cases": cases.values_table(store, user, project_id, "case") and [
            {k: v for k, v in row.items() if k != "id"}
            for row in cases.values_table(store, user, project_id, "case")],
        "memos": sorted((m["title"], m["body"], m["target_kind"],
                         None if m["target_kind"] == "project" else m["about"], m["author"])
                        for m in memos.memos(store, user, project_id)),
    }


@pytest.fixture
def full_project(store, users, qual):
    from research.qual.transcripts import split_turns
    olga = users["onderzoeker"]
    spans = exchange.locate_turns(TEXT)
    assert [s.speaker for s in spans] == ["Interviewer", "Fatima", "Interviewer", "Fatima"]
    assert split_turns(TEXT)[0][1].text == "Via mijn buurvrouw. Zij nam me mee."
    doc = documents.add_document(store, olga, qual, "Interview 1", TEXT, turns=spans)
    top = codebook.add_code(store, olga, qual, "Steun", "#6fcf97", "Hulp van anderen",
                            inclusion="Ook kleine hulp", exclusion="Geld", example="Zus helpt")
    buren = codebook.add_code(store, olga, qual, "Buren", parent_id=top)
    codebook.save_code_set(store, olga, qual, "Relaties", [top, buren])
    start = TEXT.index("Via mijn buurvrouw.")
    coding = codings.add_codings(store, olga, doc, [top, buren], start, start + 19)[0]
    codings.add_coding(store, users["beheerder"], doc, top, TEXT.index("Ik kom"), len(TEXT))
    cases.add_attribute(store, olga, qual, "case", "Leeftijd", "getal")
    fatima = store.value("SELECT id FROM cases WHERE name = 'Fatima'")
    cases.set_values(store, olga, qual, "case", [{"id": fatima, "Leeftijd": "44"}])
    memos.add_memo(store, olga, qual, "Opzet", "Open coderen eerst.")
    memos.add_memo(store, olga, qual, "Over steun", "*belangrijk*", target="code", target_id=top)
    memos.add_memo(store, olga, qual, "Sfeer", "Rustig.", target="document", target_id=doc)
    memos.add_memo(store, olga, qual, "Waarom", "Buurvrouw als brug.", target="coding",
                   target_id=coding)
    memos.add_memo(store, olga, qual, "Let op", "Vraagintonatie", target="passage",
                   target_id=doc, start=13, end=42)
    return qual


def test_export_validates_and_reimport_gives_the_same_project(store, users, full_project,
                                                               tmp_path):
    olga = users["onderzoeker"]
    out = tmp_path / "export.qdpx"
    exchange.export_qdpx(store, olga, full_project, out)
    with zipfile.ZipFile(out) as archive:
        names = sorted(archive.namelist())
        xml = archive.read("project.qde")
    assert names[0] == "project.qde" and all(n.startswith("sources/") for n in names[1:])
    assert len(names) == 2
    assert refi.validate_project_xml(xml) == []
    assert str(tmp_path).encode() not in xml
    # The same project exported twice gives the same file contents (stable GUIDs).
    again = tmp_path / "again.qdpx"
    exchange.export_qdpx(store, olga, full_project, again)
    with zipfile.ZipFile(again) as archive:
        assert archive.read("project.qde") == xml

    result = exchange.import_qdpx(store, olga, out, name="Terug")
    assert {k: v for k, v in result.items() if k != "project_id"} == {
        "codes": 2, "documenten": 1, "coderingen": 3, "casussen": 0, "memos": 5,
        "waarschuwingen": []}
    assert fingerprint(store, olga, result["project_id"]) == fingerprint(store, olga, full_project)


def test_codebook_export_validates(store, users, full_project, tmp_path):
    out = tmp_path / "codes.qdc"
    exchange.export_qdc(store, users["onderzoeker"], full_project, out)
    assert refi.validate_codebook_xml(out.read_bytes()) == []
    other = projects.create_project(store, users["beheerder"], "Leeg")
    assert exchange.import_qdc(store, users["beheerder"], other, out) == {
        "codes": 2, "codesets": 1, "waarschuwingen": []}
    assert [(c["name"], c["depth"]) for c in codebook.codes(store, users["beheerder"], other)] == [
        ("Steun", 0), ("Buren", 1)]


def test_shared_samples_import_with_a_report(store, users, tmp_path):
    admin = users["beheerder"]
    # The hand-authored project is stored unzipped: pack it as a tool would.
    folder = SAMPLES / "ornio_hand_authored"
    packed = tmp_path / "ornio.qdpx"
    with zipfile.ZipFile(packed, "w") as archive:
        for path in [folder / "project.qde", *sorted((folder / "sources").iterdir())]:
            archive.write(path, path.relative_to(folder).as_posix())
    result = exchange.import_qdpx(store, admin, packed)
    assert {k: result[k] for k in ("codes", "documenten", "coderingen", "memos")} == {
        "codes": 4, "documenten": 1, "coderingen": 2, "memos": 1}
    assert result["waarschuwingen"] == [
        "Bron 'photo.jpg' is geen tekst (afbeelding) en is niet overgenomen.",
        "Bron 'doc.pdf' is geen tekst (PDF) en is niet overgenomen.",
        "Bron 'interview.m4a' is geen tekst (audio) en is niet overgenomen.",
        "Bron 'clip.mp4' is geen tekst (video) en is niet overgenomen.",
        "1 bron of notitie in een set is niet overgenomen (een set bevat hier alleen codes).",
        "1 code bij een casus is niet overgenomen.",
        "1 netwerkweergave (Graph) is niet overgenomen.",
        "Coderingen van codeurs zonder account hier zijn zonder codeur overgenomen: "
        "Researcher A."]
    counts = {}
    for path in sorted(SAMPLES.glob("*/*.qdc")):
        target = projects.create_project(store, admin, f"Codeboek {path.stem}")
        counts[path.name] = exchange.import_qdc(store, admin, target, path)
    assert counts == {
        "atlasti_23_codebook.qdc": {"codes": 1, "codesets": 1, "waarschuwingen": []},
        "taguette_codebook_expected.qdc": {"codes": 3, "codesets": 0, "waarschuwingen": [
            "'taguette_codebook_expected.qdc' volgt het REFI-QDA-schema niet helemaal "
            "(1 afwijking, de eerste op regel 2); het is zo goed mogelijk ingelezen."]}}


def exported_coders(store, user, project_id, path) -> list[tuple[str, str]]:
    """(coder, coded text) of every coding in a .qdpx export made by `user`."""
    exchange.export_qdpx(store, user, project_id, path)
    project, _ = refi.read_qdpx(path)
    names = {u.guid: u.name for u in project.users}
    return sorted((names[s.created_by], source.text[s.start:s.end])
                  for source in project.sources for s in source.selections if s.codes)


def test_in_a_blind_project_only_the_lead_exports_every_coder(store, users, full_project,
                                                              tmp_path):
    from research import accounts
    from research.accounts import SYSTEM_USER
    from conftest import PASSWORD

    olga, admin, lex = users["onderzoeker"], users["beheerder"], users["lezer"]
    rob = accounts.create_user(store, SYSTEM_USER, "rob", "onderzoeker", PASSWORD)
    projects.add_member(store, olga, full_project, rob.id)
    doc = documents.documents(store, olga, full_project)[0]["id"]
    steun = store.value("SELECT id FROM codes WHERE name = 'Steun'")
    codings.add_coding(store, rob, doc, steun, TEXT.index("Zij nam"), TEXT.index("Zij nam") + 15)
    everyone = [("admin", "Ik kom elke week."), ("olga", "Via mijn buurvrouw."),
                ("rob", "Zij nam me mee.")]
    assert exported_coders(store, rob, full_project, tmp_path / "open.qdpx") == everyone

    projects.set_blind(store, olga, full_project, True)
    assert exported_coders(store, olga, full_project, tmp_path / "lead.qdpx") == everyone
    assert exported_coders(store, admin, full_project, tmp_path / "beheer.qdpx") == everyone
    assert exported_coders(store, rob, full_project, tmp_path / "rob.qdpx") == [
        ("rob", "Zij nam me mee.")]
    assert exported_coders(store, lex, full_project, tmp_path / "lezer.qdpx") == []
    assert [exchange.export_scope(store, u, full_project) for u in (olga, admin, rob, lex)] == [
        "alle codeurs", "alle codeurs", "eigen coderingen", "eigen coderingen"]
    assert [e["after"] for e in store.rows(
        "SELECT after FROM events WHERE entity = 'project' AND action = 'export'"
        " ORDER BY id")][-2:] == ['{"coderingen": "eigen coderingen", "formaat": "qdpx"}'] * 2


def test_the_command_line_export_of_a_blind_coder_holds_their_own_codings(
        store, users, full_project, tmp_path, db_path, capsys):
    from research.cli import main

    projects.set_blind(store, users["onderzoeker"], full_project, True)
    out = tmp_path / "cli.qdpx"
    assert main(["--db", str(db_path), "qual", "export-qdpx", "--project", str(full_project),
                 str(out), "--user", "admin"]) == 0
    capsys.readouterr()
    project, _ = refi.read_qdpx(out)
    assert len([s for src in project.sources for s in src.selections if s.codes]) == 2
    lex = tmp_path / "lex.qdpx"
    assert main(["--db", str(db_path), "qual", "export-qdpx", "--project", str(full_project),
                 str(lex), "--user", "lex"]) == 0
    project, _ = refi.read_qdpx(lex)
    assert [s for src in project.sources for s in src.selections if s.codes] == []
