"""Qualitative projects: membership, documents stored exactly, codes and passages."""

from __future__ import annotations

import pytest

from research.accounts import SYSTEM_USER, PermissionDenied
from research.qual import codebook, codings, documents, projects
from research.qual.projects import ProjectError

NOT_A_MEMBER = "Je bent geen lid van dit project."



@pytest.fixture
def project(store, users):
    """A project led by the onderzoeker olga, with the lezer lex as a member."""
    olga = users["onderzoeker"]
    project_id = projects.create_project(store, olga, "Buurtkamers", "Verkenning")
    projects.add_member(store, olga, project_id, users["lezer"].id)
    return project_id


# -- projects and members ---------------------------------------------------------------------

def test_creator_becomes_lead(store, users):
    olga = users["onderzoeker"]
    project_id = projects.create_project(store, olga, "  Buurtkamers  ", "  Verkenning  ")
    assert store.one("SELECT name, description, created_by FROM projects WHERE id = ?",
                     [project_id]) == {"name": "Buurtkamers", "description": "Verkenning",
                                       "created_by": olga.id}
    assert projects.members(store, olga, project_id) == [
        {"id": olga.id, "username": "olga", "display_name": None, "role": "lead"}]
    assert projects.is_lead(store, olga, project_id) is True


def test_create_project_refusals(store, users):
    olga = users["onderzoeker"]
    projects.create_project(store, olga, "Buurtkamers")
    with pytest.raises(ProjectError,
                       match="^Er bestaat al een project met de naam 'Buurtkamers'.$"):
        projects.create_project(store, users["beheerder"], " Buurtkamers ")
    with pytest.raises(ProjectError, match="^Geef het project een naam.$"):
        projects.create_project(store, olga, "   ")
    for role in ("lezer", "analist", "coordinator"):
        with pytest.raises(PermissionDenied):
            projects.create_project(store, users[role], f"Project van {role}")
    assert store.value("SELECT count(*) FROM projects") == 1


def test_visibility_follows_membership(store, users, project):
    admin, olga, lex = users["beheerder"], users["onderzoeker"], users["lezer"]
    other = projects.create_project(store, admin, "Project van de beheerder")

    # The onderzoeker is not a member of the beheerder's project.
    assert [p["name"] for p in projects.list_projects(store, olga)] == ["Buurtkamers"]
    assert projects.can_read(store, olga, other) is False
    with pytest.raises(PermissionDenied) as raised:
        documents.documents(store, olga, other)
    assert raised.value.message == NOT_A_MEMBER
    with pytest.raises(PermissionDenied):
        projects.members(store, olga, other)
    with pytest.raises(PermissionDenied, match=NOT_A_MEMBER):
        documents.add_document(store, olga, other, "Interview", "tekst")

    # A beheerder sees every project, also those they are not a member of.
    assert [p["name"] for p in projects.list_projects(store, admin)] == [
        "Buurtkamers", "Project van de beheerder"]
    assert documents.documents(store, admin, project) == []
    # Roles without qual.read see nothing, member or not.
    assert projects.list_projects(store, users["analist"]) == []
    assert projects.list_projects(store, users["coordinator"]) == []
    assert projects.can_read(store, users["analist"], project) is False
    # The lezer is a member of one project only.
    assert [p["name"] for p in projects.list_projects(store, lex)] == ["Buurtkamers"]


def test_lezer_member_can_read_but_not_write(store, users, project):
    olga, lex = users["onderzoeker"], users["lezer"]
    doc = documents.add_document(store, olga, project, "Interview 1", "Hallo buurt.")
    code = codebook.add_code(store, olga, project, "Ontmoeting")
    codings.add_coding(store, olga, doc, code, 0, 5)

    assert [d["name"] for d in documents.documents(store, lex, project)] == ["Interview 1"]
    assert documents.document(store, lex, doc)["text"] == "Hallo buurt."
    assert [p["passage"] for p in codings.passages(store, lex, code)] == ["Hallo"]
    with pytest.raises(PermissionDenied):
        codebook.add_code(store, lex, project, "Nieuwe code")
    with pytest.raises(PermissionDenied):
        documents.add_document(store, lex, project, "Interview 2", "tekst")
    with pytest.raises(PermissionDenied):
        codings.add_coding(store, lex, doc, code, 0, 3)
    with pytest.raises(PermissionDenied, match="Alleen de projectleider of een beheerder"):
        projects.add_member(store, lex, project, users["beheerder"].id)
    assert store.value("SELECT count(*) FROM codes") == 1
    assert store.value("SELECT count(*) FROM codings") == 1


def test_members_and_candidates(store, users, project):
    olga = users["onderzoeker"]
    assert [(m["username"], m["role"]) for m in projects.members(store, olga, project)] == [
        ("lex", "member"), ("olga", "lead")]
    # Active accounts whose role has qual.read and that are not yet members: a coordinator
    # may join to read findings; an analist may not.
    assert [c["username"] for c in projects.candidates(store, olga, project)] == ["admin", "coby"]
    with pytest.raises(ProjectError, match="^Dit account is al lid van het project.$"):
        projects.add_member(store, olga, project, users["lezer"].id)
    with pytest.raises(ProjectError, match="^Kies de rol Projectleider of Lid.$"):
        projects.add_member(store, olga, project, users["beheerder"].id, role="eigenaar")
    projects.add_member(store, olga, project, users["beheerder"].id, role="lead")
    projects.add_member(store, olga, project, users["coordinator"].id)
    assert projects.candidates(store, olga, project) == []


# -- documents --------------------------------------------------------------------------------

def test_add_document_normalises_line_ends_only(store, users, project):
    olga = users["onderzoeker"]
    given = ("  Interviewer: Welkom!\r\nRespondent: Dank je 😀 \r"
             "Tab\there\u2028 en \u00e9\u0301 e\u0301  \r\n\r\n  ")
    expected = ("  Interviewer: Welkom!\nRespondent: Dank je 😀 \n"
                "Tab\there\u2028 en \u00e9\u0301 e\u0301  \n\n  ")
    doc = documents.add_document(store, olga, project, "  Interview 1  ", given,
                                kind="focusgroep", held_on="2026-02-03")
    row = documents.document(store, olga, doc)
    assert row["text"] == expected
    assert row["text"].encode("utf-8") == expected.encode("utf-8")
    assert (row["name"], row["kind"], row["held_on"]) == ("Interview 1", "focusgroep",
                                                          "2026-02-03")
    assert documents.documents(store, olga, project) == [
        {"id": doc, "name": "Interview 1", "kind": "focusgroep", "held_on": "2026-02-03",
         "position": 1, "source_format": "txt", "pseudonymised": 0,
         "characters": len(expected), "codings": 0, "speakers": 0}]


def test_normalise_newlines():
    assert documents.normalise_newlines("a\r\nb\rc\nd\r\n") == "a\nb\nc\nd\n"
    assert documents.normalise_newlines("\r\r\n") == "\n\n"


def test_add_document_refusals(store, users, project):
    olga = users["onderzoeker"]
    documents.add_document(store, olga, project, "Interview 1", "tekst")
    with pytest.raises(ProjectError, match="^Het document 'Leeg' is leeg.$"):
        documents.add_document(store, olga, project, "Leeg", " \r\n\t \r ")
    with pytest.raises(ProjectError, match="^Geef het document een naam.$"):
        documents.add_document(store, olga, project, "  ", "tekst")
    with pytest.raises(ProjectError, match="^Onbekend soort document 'brief'.$"):
        documents.add_document(store, olga, project, "Brief", "tekst", kind="brief")
    with pytest.raises(ProjectError, match="^Er is al een document 'Interview 1' in dit project.$"):
        documents.add_document(store, olga, project, "Interview 1", "andere tekst")
    assert store.value("SELECT count(*) FROM documents") == 1
    with pytest.raises(ProjectError, match="^Dit document bestaat niet.$"):
        documents.document(store, olga, 999)


# -- codes and codings ------------------------------------------------------------------------

def test_add_code_refusals(store, users, project):
    olga = users["onderzoeker"]
    codebook.add_code(store, olga, project, "Wachtlijsten", colour="#9B51E0")
    with pytest.raises(ProjectError, match="^Een kleur is een hexadecimale code zoals #f2c94c.$"):
        codebook.add_code(store, olga, project, "Rood", colour="rood")
    with pytest.raises(ProjectError,
                       match="^Er is al een code 'Wachtlijsten' bovenaan het codeboek.$"):
        codebook.add_code(store, olga, project, " Wachtlijsten ")
    with pytest.raises(ProjectError, match="^Geef de code een naam.$"):
        codebook.add_code(store, olga, project, "")
    assert store.value("SELECT count(*) FROM codes") == 1


def test_add_coding_validates_range_and_project(store, users, project):
    olga, admin = users["onderzoeker"], users["beheerder"]
    doc = documents.add_document(store, olga, project, "Interview 1", "Twaalf tekens")
    code = codebook.add_code(store, olga, project, "Code")
    other_project = projects.create_project(store, admin, "Ander project")
    other_code = codebook.add_code(store, admin, other_project, "Elders")

    for start, end in [(-1, 3), (5, 5), (6, 2), (0, 14), (13, 14)]:
        with pytest.raises(ProjectError) as raised:
            codings.add_coding(store, olga, doc, code, start, end)
        assert raised.value.message == (f"Het fragment {start}-{end} valt buiten het document "
                                        "(0-13).")
    with pytest.raises(ProjectError, match="^Document en code horen niet bij hetzelfde project.$"):
        codings.add_coding(store, admin, doc, other_code, 0, 3)
    with pytest.raises(ProjectError, match="^Dit document bestaat niet.$"):
        codings.add_coding(store, olga, 999, code, 0, 3)
    assert store.value("SELECT count(*) FROM codings") == 0

    # The whole text, up to and including its last character, may be coded.
    codings.add_coding(store, olga, doc, code, 0, 13)
    assert [p["passage"] for p in codings.passages(store, olga, code)] == ["Twaalf tekens"]


def test_passages_count_code_points(store, users, project):
    olga = users["onderzoeker"]
    # An emoji (4 UTF-8 bytes, 2 UTF-16 units) and a family emoji (5 code points joined by ZWJ)
    # before the passages: offsets must count code points as Python's str does.
    text = "Ik 😀 vond 👩\u200d👩\u200d👧 de buurtkamer fijn.\nDaarna: wachtlijst…  "
    doc = documents.add_document(store, olga, project, "Interview 1", text)
    code = codebook.add_code(store, olga, project, "Ontmoetingsplek")
    start = text.index("buurtkamer")
    assert start == 19  # 3 + 1 (😀) + 6 + 5 (family) + 4
    codings.add_coding(store, olga, doc, code, start, start + len("buurtkamer"))
    tail = text.index("wachtlijst")
    codings.add_coding(store, olga, doc, code, tail, len(text))

    assert [(p["start_pos"], p["end_pos"], p["passage"], p["before"], p["after"])
            for p in codings.passages(store, olga, code, context=5)] == [
        (19, 29, "buurtkamer", "👧 de ", " fijn"),
        (tail, len(text), "wachtlijst…  ", "rna: ", ""),
    ]


def test_codes_count_passages_and_documents(store, users, project):
    olga = users["onderzoeker"]
    first = documents.add_document(store, olga, project, "Interview 1", "Aaaa Bbbb Cccc",
                                  held_on="2026-01-01")
    second = documents.add_document(store, olga, project, "Interview 2", "Dddd Eeee",
                                   held_on="2026-02-01")
    steun = codebook.add_code(store, olga, project, "Steun", colour="#6fcf97")
    taal = codebook.add_code(store, olga, project, "Taal")
    codebook.add_code(store, olga, project, "Angst")  # unused: no passages
    codings.add_coding(store, olga, first, steun, 0, 4)
    codings.add_coding(store, olga, first, steun, 10, 14)
    codings.add_coding(store, olga, second, steun, 5, 9)
    codings.add_coding(store, olga, first, taal, 5, 9)

    assert [(c["name"], c["passages"], c["documents"])
            for c in codebook.codes(store, olga, project)] == [
        ("Angst", 0, 0), ("Steun", 3, 2), ("Taal", 1, 1)]
    assert [p["passage"] for p in codings.passages(store, olga, steun)] == [
        "Aaaa", "Cccc", "Eeee"]
    assert [(c["code"], c["start_pos"], c["end_pos"])
            for c in codings.codings(store, olga, first)] == [
        ("Steun", 0, 4), ("Taal", 5, 9), ("Steun", 10, 14)]
    assert [(d["name"], d["codings"]) for d in documents.documents(store, olga, project)] == [
        ("Interview 1", 3), ("Interview 2", 1)]
    (listed,) = projects.list_projects(store, olga)
    assert (listed["documents"], listed["codes"], listed["codings"], listed["members"]) == (
        2, 3, 4, 2)
    with pytest.raises(ProjectError, match="^Deze code bestaat niet.$"):
        codings.passages(store, olga, 999)


def test_writes_are_audited(store, users, project):
    olga = users["onderzoeker"]
    doc = documents.add_document(store, olga, project, "Interview 1", "Hallo buurt.")
    code = codebook.add_code(store, olga, project, "Code")
    coding = codings.add_coding(store, olga, doc, code, 0, 5)
    rows = store.rows("SELECT actor, entity, entity_id, action FROM events"
                      " WHERE entity IN ('projects', 'project_members', 'document', 'code',"
                      " 'coding', 'turns') ORDER BY id")
    assert rows == [
        {"actor": "olga", "entity": "projects", "entity_id": str(project), "action": "create"},
        {"actor": "olga", "entity": "project_members", "entity_id": None, "action": "create"},
        {"actor": "olga", "entity": "project_members", "entity_id": None, "action": "create"},
        {"actor": "olga", "entity": "document", "entity_id": str(doc), "action": "create"},
        {"actor": "olga", "entity": "turns", "entity_id": None, "action": "create"},
        {"actor": "olga", "entity": "code", "entity_id": str(code), "action": "create"},
        {"actor": "olga", "entity": "coding", "entity_id": str(coding), "action": "create"},
    ]


def test_document_with_nul_character_is_refused(store, users, project):
    # A NUL marks binary content, and SQLite's text functions stop counting at it, which would
    # make coding offsets after it impossible: such a document is refused as a whole.
    olga = users["onderzoeker"]
    with pytest.raises(projects.ProjectError, match="^Het document 'Met nul' bevat binaire tekens"):
        documents.add_document(store, olga, project, "Met nul", "voor\x00na de nul")
    assert documents.documents(store, olga, project) == []


def test_a_name_does_not_tell_a_non_member_that_a_project_exists(store, users):
    admin, olga = users["beheerder"], users["onderzoeker"]
    secret = projects.create_project(store, admin, "Fraude-onderzoek Noord")
    # Olga cannot see it, so the name is free for her: no refusal that gives it away.
    mine = projects.create_project(store, olga, " Fraude-onderzoek Noord ")
    assert mine != secret
    assert [p["name"] for p in projects.list_projects(store, olga)] == ["Fraude-onderzoek Noord"]
    assert [p["id"] for p in projects.list_projects(store, olga)] == [mine]
    # Among the projects one can open, names stay unique.
    with pytest.raises(ProjectError, match="^Er bestaat al een project met de naam "
                                           "'Fraude-onderzoek Noord'.$"):
        projects.create_project(store, olga, "Fraude-onderzoek Noord")
    with pytest.raises(ProjectError, match="^Er bestaat al een project met de naam "):
        projects.create_project(store, admin, "Fraude-onderzoek Noord")
    # Looked up by name (the command line), each sees their own; the system sees both.
    assert projects.find(store, olga, "Fraude-onderzoek Noord") == mine
    assert projects.find(store, admin, str(secret)) == secret
    with pytest.raises(ProjectError) as raised:
        projects.find(store, SYSTEM_USER, "Fraude-onderzoek Noord")
    assert raised.value.message == (f"Er zijn 2 projecten met de naam 'Fraude-onderzoek Noord'; "
                                    f"geef het nummer: {secret}, {mine}.")


@pytest.mark.parametrize("reference", ["Fraude-onderzoek Noord", "Bestaat niet", "1", "999"])
def test_finding_a_project_one_cannot_open_looks_like_finding_none(store, users, reference):
    projects.create_project(store, users["beheerder"], "Fraude-onderzoek Noord")
    with pytest.raises(ProjectError) as raised:
        projects.find(store, users["lezer"], reference)
    assert raised.value.message == f"Er is geen project '{reference}' dat je kunt openen."


def test_an_imported_project_is_not_renamed_after_one_the_user_cannot_see(store, users,
                                                                         tmp_path):
    from research.qual import exchange

    admin, olga = users["beheerder"], users["onderzoeker"]
    source = projects.create_project(store, admin, "Armoede")
    exchange.export_qdpx(store, admin, source, tmp_path / "armoede.qdpx")
    made = exchange.import_qdpx(store, olga, tmp_path / "armoede.qdpx")
    assert projects.project(store, olga, made["project_id"])["name"] == "Armoede"
    again = exchange.import_qdpx(store, olga, tmp_path / "armoede.qdpx")
    assert projects.project(store, olga, again["project_id"])["name"] == "Armoede (2)"
