"""The qual command line: import many files, REFI in and out, codings as JSON."""

from __future__ import annotations

import json
import zipfile

import pytest

from research.cli import main
from research.qual import refi
from research.schema import open_store


@pytest.fixture
def cli(db_path, capsys):
    def run(*args):
        status = main(["--db", str(db_path), *args])
        out, err = capsys.readouterr()
        return status, out, err
    main(["--db", str(db_path), "init"])
    capsys.readouterr()
    return run


@pytest.fixture
def project(db_path, cli):
    from research.accounts import SYSTEM_USER
    from research.qual import projects
    store = open_store(db_path)
    projects.create_project(store, SYSTEM_USER, "Studie")
    return "Studie"


def test_import_many_files_one_bad(cli, project, tmp_path):
    good = tmp_path / "interview.txt"
    good.write_text("INT: Hoe gaat het?\nR1: Goed.\nINT: Fijn.\nR1: Ja.\n", encoding="utf-8")
    vtt = tmp_path / "focusgroep.vtt"
    vtt.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Anna>Hallo</v>\n\n"
                   "00:00:02.000 --> 00:00:03.000\n<v Anna>allemaal.</v>\n\n"
                   "00:00:03.000 --> 00:00:04.000\n<v Bram>Hoi.</v>\n", encoding="utf-8")
    bad = tmp_path / "kapot.docx"
    bad.write_bytes(b"geen word")
    status, out, err = cli("qual", "import", str(good), str(bad), str(vtt), "--project",
                           project, "--json")
    assert status == 1
    result = json.loads(out)
    assert [(r.get("document_id"), r.get("turns"), r.get("speakers")) for r in result] == [
        (1, 4, ["INT", "R1"]), (None, None, None), (2, 2, ["Anna", "Bram"])]
    assert "kapot.docx" in result[1]["error"]
    assert err.splitlines()[:2] == [f"[1/3] {good}", f"[2/3] {bad}"]
    assert err.strip().endswith("Fout: 1 van de 3 bestanden niet geïmporteerd.")

    status, out, _ = cli("qual", "codings", "--project", project, "--json")
    assert (status, json.loads(out)) == (0, [])


def test_qdpx_round_trip_and_codings(cli, project, tmp_path, db_path):
    from research.accounts import SYSTEM_USER
    from research.qual import codebook, codings, documents
    store = open_store(db_path)
    project_id = store.value("SELECT id FROM projects WHERE name = 'Studie'")
    doc = documents.add_document(store, SYSTEM_USER, project_id, "Notitie", "Een <b>tekst</b>.")
    code = codebook.add_code(store, SYSTEM_USER, project_id, "Opmaak")
    codings.add_coding(store, SYSTEM_USER, doc, code, 4, 16)
    out_file = tmp_path / "studie.qdpx"
    assert cli("qual", "export-qdpx", "--project", project, str(out_file))[0] == 0
    with zipfile.ZipFile(out_file) as archive:
        assert refi.validate_project_xml(archive.read("project.qde")) == []
    qdc = tmp_path / "studie.qdc"
    assert cli("qual", "export-qdc", "--project", project, str(qdc))[0] == 0
    assert refi.validate_codebook_xml(qdc.read_bytes()) == []

    status, out, _ = cli("qual", "import-qdpx", str(out_file), "--json")
    assert status == 0
    counts = json.loads(out)
    assert {k: v for k, v in counts.items() if k != "project_id"} == {
        "codes": 1, "documents": 1, "codings": 1, "cases": 0, "memos": 0,
        "document_sets": 0, "warnings": []}
    status, out, _ = cli("qual", "codings", "--project", "Studie (2)", "--json")
    assert json.loads(out) == [{"document": "Notitie", "code": "Opmaak", "start": 4, "end": 16,
                                "text": "<b>tekst</b>", "coder": None}]


def test_errors_are_one_dutch_line(cli, project, tmp_path):
    status, _, err = cli("qual", "codings", "--project", "Bestaat niet")
    assert (status, err) == (1, "Fout: Er is geen project 'Bestaat niet'.\n")
    evil = tmp_path / "evil.qdpx"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../evil.txt", "x")
        archive.writestr("project.qde", "<Project/>")
    status, _, err = cli("qual", "import-qdpx", str(evil))
    assert status == 1 and err.startswith("Fout: ") and "evil.qdpx" in err
    assert "Traceback" not in err


def test_codebook_save_and_load(cli, project, tmp_path):
    from research.config import CODEBOOKS_DIR
    status, out, _ = cli("qual", "codebook-load", "--project", project,
                         str(CODEBOOKS_DIR / "codeboek_sociale_basis.yaml"))
    assert (status, out) == (0, "8 codes toegevoegd (0 bestonden al), 1 codesets.\n")
    saved = tmp_path / "boek.yaml"
    assert cli("qual", "codebook-save", "--project", project, str(saved))[0] == 0
    assert saved.read_text(encoding="utf-8").startswith("codes:\n- naam: Drempels\n")
    status, _, err = cli("qual", "codebook-load", "--project", project, str(tmp_path / "x.yaml"))
    assert (status, err) == (1, "Fout: x.yaml kan niet worden gelezen.\n")


def test_agreement_saturation_cooccurrence_and_report(cli, project, tmp_path, db_path):
    from conftest import PASSWORD
    from research import accounts
    from research.accounts import SYSTEM_USER
    from research.qual import codebook, codings, documents, projects
    store = open_store(db_path)
    project_id = store.value("SELECT id FROM projects WHERE name = 'Studie'")
    a = accounts.create_user(store, SYSTEM_USER, "anne", "onderzoeker", PASSWORD)
    b = accounts.create_user(store, SYSTEM_USER, "bart", "onderzoeker", PASSWORD)
    for member in (a, b):
        projects.add_member(store, SYSTEM_USER, project_id, member.id)
    text = "Ik wacht. Zij helpt. Ik ben bang. Het gaat."
    doc = documents.add_document(store, SYSTEM_USER, project_id, "Interview 1", text)
    wait = codebook.add_code(store, SYSTEM_USER, project_id, "Wachten")
    steun = codebook.add_code(store, SYSTEM_USER, project_id, "Steun")
    codings.add_coding(store, a, doc, wait, 0, 9)
    codings.add_coding(store, b, doc, wait, 0, 9)
    codings.add_coding(store, a, doc, steun, 0, 9)
    codings.add_coding(store, a, doc, steun, 10, 20)
    codings.add_coding(store, b, doc, steun, 10, 20)

    status, out, _ = cli("qual", "agreement", "--project", "Studie", "--coders", "anne,bart",
                         "--unit", "zin", "--json")
    assert status == 0
    result = json.loads(out)
    assert (result["coders"], result["n_units"], result["percent_agreement"]) == (
        ["anne", "bart"], 8, 0.875)
    assert result["per_code"]["Wachten"]["cohen_kappa"] == 1.0
    assert set(result) == {"coders", "unit", "percent_agreement", "cohen_kappa",
                           "krippendorff_alpha", "alpha_ci", "n_units", "per_code"}
    status, out, _ = cli("qual", "saturation", "--project", "Studie", "--json")
    assert json.loads(out)["statement"].startswith("Nog geen oordeel: er zijn 1 documenten")
    status, out, _ = cli("qual", "cooccurrence", "--project", "Studie", "--json")
    # Only codings by the same coder pair up: anne's Wachten and Steun on sentence 1.
    assert json.loads(out)["pairs"] == [{"code_a": "Steun", "code_b": "Wachten", "count": 1,
                                        "coefficient": 0.25}]
    report = tmp_path / "rapport.docx"
    assert cli("qual", "report", "--project", "Studie", "--format", "docx", str(report))[0] == 0
    assert report.read_bytes()[:2] == b"PK"
    status, _, err = cli("qual", "agreement", "--project", "Studie", "--coders", "anne,zoe")
    assert (status, err) == (1, "Fout: Er is geen account 'zoe'.\n")


def test_a_study_is_set_up_on_the_command_line(cli, db_path):
    """qual project add | list | members: a study without the browser (issue 17)."""
    store = open_store(db_path)
    from research import accounts
    from research.accounts import SYSTEM_USER
    for name in ("anne", "bart"):
        accounts.create_user(store, SYSTEM_USER, name, "onderzoeker", "lang-genoeg-wachtwoord")
    status, out, err = cli("qual", "project", "add", "Buurtkamers", "--description",
                           "Verkenning", "--lead", "anne", "--member", "bart")
    assert (status, out, err) == (0, "Project 1 'Buurtkamers' aangemaakt.\n", "")
    assert cli("qual", "project", "add", "Buurtkamers")[1:] == (
        "", "Fout: Er bestaat al een project met de naam 'Buurtkamers'.\n")
    status, out, _ = cli("qual", "project", "members", "--project", "Buurtkamers")
    assert (status, out) == (0, "anne                     Projectleider\n"
                                "bart                     Lid\n")
    status, out, _ = cli("qual", "project", "add", "Tweede", "--user", "bart", "--json")
    assert status == 0
    assert [(m["username"], m["role"]) for m in json.loads(out)["members"]] == [("bart", "lead")]
    status, out, _ = cli("qual", "project", "members", "--project", "Tweede", "--add", "anne",
                         "--user", "bart", "--json")
    assert [(m["username"], m["role"]) for m in json.loads(out)] == [
        ("anne", "member"), ("bart", "lead")]
    status, out, _ = cli("qual", "project", "list")
    assert out == ("   1  Buurtkamers  (0 documenten, 0 codes, 0 coderingen, 2 leden)\n"
                   "   2  Tweede  (0 documenten, 0 codes, 0 coderingen, 2 leden)\n")
    status, out, _ = cli("qual", "project", "list", "--user", "anne", "--json")
    assert [p["name"] for p in json.loads(out)] == ["Buurtkamers", "Tweede"]
    # Anne is a member of Tweede, not its lead: she cannot add members there.
    assert cli("qual", "project", "members", "--project", "Tweede", "--add", "bart", "--user",
               "anne")[2] == "Fout: Alleen de projectleider of een beheerder kan leden beheren.\n"


def test_import_makes_a_case_per_document_for_a_role_unless_told(cli, project, tmp_path,
                                                                 db_path):
    for number in (1, 2):
        (tmp_path / f"Interview {number}.txt").write_text(
            "INT: Hoe gaat het?\nRespondent: Goed.\nINT: Fijn.\nRespondent: Ja.\n",
            encoding="utf-8")
    assert cli("qual", "import", str(tmp_path / "Interview 1.txt"),
               str(tmp_path / "Interview 2.txt"),
               "--project", project)[0] == 0
    (tmp_path / "Interview 3.txt").write_text("INT: En nu?\nRespondent: Ook.\n", encoding="utf-8")
    assert cli("qual", "import", str(tmp_path / "Interview 3.txt"), "--project", project,
               "--cases", "gedeeld")[0] == 0
    store = open_store(db_path)
    assert [r["name"] for r in store.rows("SELECT name FROM cases ORDER BY name")] == [
        "INT", "INT — Interview 1", "INT — Interview 2", "Respondent",
        "Respondent — Interview 1", "Respondent — Interview 2"]
