"""REFI-QDA exchange of whole projects: export validates, re-import gives the same project,
the shared samples of other tools come in with a report."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from research.qual import cases, codebook, codings, documents, exchange, memos, projects, refi

# Copies of the shared REFI samples, each with its SOURCE.md (origin and licence).
SAMPLES = Path(__file__).resolve().parent / "data" / "refi"
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
        "codes": 2, "documents": 1, "codings": 3, "cases": 0, "memos": 5,
        "document_sets": 0, "warnings": []}
    # The audit event keeps the Dutch keys older import events have.
    logged = store.value("SELECT after FROM events WHERE entity = 'project' AND action = 'import'"
                         " ORDER BY id DESC")
    assert json.loads(logged) == {"project_id": result["project_id"], "codes": 2, "documenten": 1,
                                  "coderingen": 3, "documentgroepen": 0, "casussen": 0,
                                  "memos": 5}
    assert fingerprint(store, olga, result["project_id"]) == fingerprint(store, olga, full_project)


def test_codebook_export_validates(store, users, full_project, tmp_path):
    out = tmp_path / "codes.qdc"
    exchange.export_qdc(store, users["onderzoeker"], full_project, out)
    assert refi.validate_codebook_xml(out.read_bytes()) == []
    other = projects.create_project(store, users["beheerder"], "Leeg")
    assert exchange.import_qdc(store, users["beheerder"], other, out) == {
        "codes": 2, "codesets": 1, "warnings": []}
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
    assert {k: result[k] for k in ("codes", "documents", "codings", "memos")} == {
        "codes": 4, "documents": 1, "codings": 2, "memos": 1}
    assert result["warnings"] == [
        "Bron 'photo.jpg' is geen tekst (afbeelding) en is niet overgenomen.",
        "Bron 'doc.pdf' is geen tekst (PDF) en is niet overgenomen.",
        "Bron 'interview.m4a' is geen tekst (audio) en is niet overgenomen.",
        "Bron 'clip.mp4' is geen tekst (video) en is niet overgenomen.",
        "1 code bij een casus is niet overgenomen.",
        "1 netwerkweergave (Graph) is niet overgenomen.",
        "1 codeur(s) zonder account hier zijn overgenomen als codeur zonder login: "
        "Researcher A. Een beheerder kan ze onder Beheer › Gebruikers aan een account "
        "koppelen."]
    counts = {}
    for path in sorted(SAMPLES.glob("*/*.qdc")):
        target = projects.create_project(store, admin, f"Codeboek {path.stem}")
        counts[path.name] = exchange.import_qdc(store, admin, target, path)
    assert counts == {
        "atlasti_23_codebook.qdc": {"codes": 1, "codesets": 1, "warnings": []},
        "taguette_codebook_expected.qdc": {"codes": 3, "codesets": 0, "warnings": [
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
    from conftest import PASSWORD
    from research import accounts
    from research.accounts import SYSTEM_USER

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


def test_a_download_is_built_and_logged_only_when_asked_for(store, users, full_project):
    """The Projecten page hands the download button a function: the `.qdpx` is built, and its
    export logged, when the user clicks, never when the page is looked at (issue 17)."""
    olga = users["onderzoeker"]
    before = store.value("SELECT count(*) FROM events WHERE action = 'export'")
    assert exchange.export_problems(store, olga, full_project) == []
    assert store.value("SELECT count(*) FROM events WHERE action = 'export'") == before
    data = exchange.qdpx_bytes(store, olga, full_project)
    assert data[:2] == b"PK"
    assert store.value("SELECT count(*) FROM events WHERE action = 'export'") == before + 1
    assert exchange.qdc_bytes(store, olga, full_project).startswith(b"<?xml")


def test_a_case_value_that_does_not_fit_its_type_is_named_before_the_export(store, users,
                                                                             full_project):
    olga = users["onderzoeker"]
    cases.add_attribute(store, olga, full_project, "case", "Lid sinds", "tekst")
    fatima = store.value("SELECT id FROM cases WHERE name = 'Fatima'")
    cases.set_values(store, olga, full_project, "case", [{"id": fatima, "Lid sinds": "2019"}])
    assert exchange.export_problems(store, olga, full_project) == []
    store.write(olga.actor, lambda tx: tx.db.execute(
        "UPDATE attribute_values SET value = 'veertig' WHERE attribute_id ="
        " (SELECT id FROM attributes WHERE name = 'Leeftijd')"))
    assert exchange.export_problems(store, olga, full_project) == [
        "Casus 'Fatima': de waarde 'veertig' van kenmerk 'Leeftijd' is geen getal."]


# -- coders without a login, bare file names, document sets, code names (issue 17) -----------

def coded_by(store, user, project_id) -> list[tuple]:
    """(document, passage, code path, coder) of every coding, sorted."""
    labels = codebook.labels(codebook.codes(store, user, project_id))
    rows = []
    for doc in documents.documents(store, user, project_id):
        text = documents.document(store, user, doc["id"])["text"]
        rows += [(doc["name"], text[c["start_pos"]:c["end_pos"]], labels[c["code_id"]],
                  c["coder"]) for c in codings.codings(store, user, doc["id"])]
    return sorted(rows)


def test_a_three_coder_atlas_project_keeps_every_coder(store, users, tmp_path):
    """Every <User> becomes a coder without a login; the two codes 'Steun' keep their name;
    agreement runs between the coders; export and re-import keep the coder of every coding
    with the file's GUIDs."""
    import refi_files
    from research.qual import coders, intercoder
    admin = users["beheerder"]
    result = exchange.import_qdpx(store, admin, refi_files.atlas_three_coders(tmp_path / "a.qdpx"))
    project_id = result["project_id"]
    assert {k: v for k, v in result.items() if k != "project_id"} == {
        "codes": 5, "documents": 2, "codings": 17, "cases": 0, "memos": 0,
        "document_sets": 0, "warnings": [
            "3 codeur(s) zonder account hier zijn overgenomen als codeur zonder login: Anne "
            "Jansen, Bart de Boer, Chris Visser. Een beheerder kan ze onder Beheer › Gebruikers "
            "aan een account koppelen."]}
    assert [(c["name"], c["depth"]) for c in codebook.codes(store, admin, project_id)] == [
        ("Buurt", 0), ("Steun", 1), ("Eenzaamheid", 0), ("Familie", 0), ("Steun", 1)]
    assert [(c["username"], c["guid"], c["codings"])
            for c in coders.project_coders(store, admin, project_id)] == [
        ("Anne Jansen", refi_files.ANNE, 6), ("Bart de Boer", refi_files.BART, 5),
        ("Chris Visser", refi_files.CHRIS, 6)]
    # They cannot log in, and are no accounts to manage.
    row = store.one("SELECT active, password_hash, kind, role FROM users WHERE username ="
                    " 'Anne Jansen'")
    assert row == {"active": 0, "password_hash": None, "kind": "coder", "role": "lezer"}
    assert "Anne Jansen" not in [u["username"] for u in accounts_list(store)]
    before = coded_by(store, admin, project_id)
    assert before[:3] == [
        ("Interview 1", "De buurvrouw kookt soms voor me.", "Buurt › Steun", "Anne Jansen"),
        ("Interview 1", "De buurvrouw kookt soms voor me.", "Buurt › Steun", "Bart de Boer"),
        ("Interview 1", "De buurvrouw kookt soms voor me.", "Buurt › Steun", "Chris Visser")]

    # Agreement between the three, on sentences.
    ids = [c["id"] for c in codings.coders(store, admin, project_id)]
    report = intercoder.compare(store, admin, project_id, coder_ids=ids, unit="zin", n_boot=50)
    assert report["coders"] == ["Anne Jansen", "Bart de Boer", "Chris Visser"]
    assert list(report["per_code"]) == ["Buurt", "Buurt › Steun", "Eenzaamheid", "Familie",
                                        "Familie › Steun"]
    assert [(s["n_units"], s["percent_agreement"], s["krippendorff_alpha"] and
             round(s["krippendorff_alpha"], 3)) for s in report["per_code"].values()] == [
        (10, 1.0, None), (10, 0.9, 0.768), (10, 0.8, 0.597), (10, 1.0, None), (10, 0.9, 0.768)]

    # Out and in again: the same coder on every coding, the file's GUIDs written back.
    out = tmp_path / "terug.qdpx"
    exchange.export_qdpx(store, admin, project_id, out)
    exported, _ = refi.read_qdpx(out)
    assert [(u.guid, u.name) for u in exported.users] == list(refi_files.CODERS.items())
    again = exchange.import_qdpx(store, admin, out, name="Terug")
    assert coded_by(store, admin, again["project_id"]) == before
    assert again["warnings"] == []   # nobody new: the coders are recognised by GUID
    assert store.value("SELECT count(*) FROM users WHERE kind = 'coder'") == 3
    # The same file into the same project: the coders are those of the project already.
    exchange.import_qdpx(store, admin, refi_files.atlas_three_coders(tmp_path / "b.qdpx"),
                         project_id=project_id)
    assert store.value("SELECT count(*) FROM users WHERE kind = 'coder'") == 3


def accounts_list(store):
    from research import accounts
    return accounts.list_users(store)


def test_a_beheerder_links_a_coder_to_an_account(store, users, tmp_path):
    import refi_files
    from research import accounts
    from research.qual import coders
    admin, olga = users["beheerder"], users["onderzoeker"]
    project_id = exchange.import_qdpx(
        store, admin, refi_files.atlas_three_coders(tmp_path / "a.qdpx"))["project_id"]
    anne = store.value("SELECT id FROM users WHERE username = 'Anne Jansen'")
    with pytest.raises(accounts.AccountError, match="^Dit is een codeur zonder login"):
        accounts.reset_password(store, admin, anne)
    with pytest.raises(accounts.AccountError, match="^Dit is een codeur zonder login"):
        accounts.update_user(store, admin, anne, active=True)
    assert [(c["username"], c["projects"], c["codings"]) for c in coders.unlinked(store, admin)
            ] == [("Anne Jansen", "Buurtkamers (ATLAS.ti)", 6),
                  ("Bart de Boer", "Buurtkamers (ATLAS.ti)", 5),
                  ("Chris Visser", "Buurtkamers (ATLAS.ti)", 6)]
    with pytest.raises(accounts.PermissionDenied):
        coders.link(store, olga, anne, olga.id)
    # Olga coded one of Anne's passages the same way already: kept once.
    first = store.one("SELECT * FROM codings WHERE created_by = ? ORDER BY id", [anne])
    projects.add_member(store, admin, project_id, olga.id)
    codings.add_coding(store, olga, first["document_id"], first["code_id"], first["start_pos"],
                       first["end_pos"])
    assert coders.link(store, admin, anne, olga.id) == {"codings": 5, "duplicates": 1}
    assert store.value("SELECT count(*) FROM codings WHERE created_by = ?", [olga.id]) == 6
    assert store.value("SELECT count(*) FROM users WHERE username = 'Anne Jansen'") == 0
    # The export still names Anne's GUID for olga's codings in this project.
    exported = exchange.to_refi(store, admin, project_id)
    assert [(u.guid, u.name) for u in exported.users] == [
        (refi_files.ANNE, "olga"), (refi_files.BART, "Bart de Boer"),
        (refi_files.CHRIS, "Chris Visser")]


def test_bare_file_names_and_document_sets_come_in(store, users, tmp_path):
    import refi_files
    admin = users["beheerder"]
    coffee = exchange.import_qdpx(store, admin, refi_files.qualcoder_bare_path(tmp_path / "q.qdpx"))
    assert (coffee["documents"], coffee["codings"]) == (1, 1)
    assert coded_by(store, admin, coffee["project_id"]) == [
        ("Interview 3", "Elke dinsdag", "Ritme", "sam")]
    study = exchange.import_qdpx(store, admin, refi_files.maxqda_document_sets(tmp_path / "m.qdpx"))
    assert (study["documents"], study["document_sets"]) == (3, 1)
    [group] = documents.document_sets(store, admin, study["project_id"])
    names = {d["id"]: d["name"] for d in documents.documents(store, admin, study["project_id"])}
    assert (group["name"], group["description"], [names[d] for d in group["documents"]]) == (
        "Bewoners", "Interviews met bewoners", ["Bewoner 1", "Bewoner 2"])
    out = tmp_path / "terug.qdpx"
    exchange.export_qdpx(store, admin, study["project_id"], out)
    back = exchange.import_qdpx(store, admin, out, name="Wijkstudie terug")
    [group] = documents.document_sets(store, admin, back["project_id"])
    assert group["name"] == "Bewoners" and len(group["documents"]) == 2
