"""Codings: several codes at once, coders and blind mode, edges moved, undo per action."""

from __future__ import annotations

import pytest

from conftest import PASSWORD
from research import accounts
from research.accounts import SYSTEM_USER, PermissionDenied
from research.qual import codebook, codings, documents, projects
from research.qual.projects import ProjectError

TEXT = "Ik wacht al acht maanden op schuldhulp. Mijn zus helpt met boodschappen."


@pytest.fixture
def doc(store, users, qual):
    return documents.add_document(store, users["onderzoeker"], qual, "Interview 1", TEXT)


@pytest.fixture
def second_coder(store, users, qual):
    """A second onderzoeker, member of the project."""
    rob = accounts.create_user(store, SYSTEM_USER, "rob", "onderzoeker", PASSWORD)
    projects.add_member(store, users["onderzoeker"], qual, rob.id)
    return rob


def test_several_codes_at_once_and_no_duplicates(store, users, qual, doc):
    olga = users["onderzoeker"]
    wacht = codebook.add_code(store, olga, qual, "Wachtlijsten")
    wantrouwen = codebook.add_code(store, olga, qual, "Wantrouwen")
    ids = codings.add_codings(store, olga, doc, [wacht, wantrouwen, wacht], 3, 38)
    assert len(ids) == 2
    assert codings.add_codings(store, olga, doc, [wacht], 3, 38) == []
    assert [(c["code"], TEXT[c["start_pos"]:c["end_pos"]], c["coder"])
            for c in codings.codings(store, olga, doc)] == [
        ("Wachtlijsten", "wacht al acht maanden op schuldhulp", "olga"),
        ("Wantrouwen", "wacht al acht maanden op schuldhulp", "olga")]
    with pytest.raises(ProjectError, match="^Kies minstens één code.$"):
        codings.add_codings(store, olga, doc, [], 0, 3)


def test_remove_and_resize(store, users, qual, doc):
    olga, lex = users["onderzoeker"], users["lezer"]
    code = codebook.add_code(store, olga, qual, "Steun")
    coding = codings.add_coding(store, olga, doc, code, 40, 48)
    codings.resize_coding(store, olga, coding, 40, 72)
    assert [TEXT[c["start_pos"]:c["end_pos"]] for c in codings.codings(store, olga, doc)] == [
        "Mijn zus helpt met boodschappen."]
    with pytest.raises(ProjectError, match="valt buiten het document"):
        codings.resize_coding(store, olga, coding, 40, 200)
    with pytest.raises(PermissionDenied):
        codings.remove_coding(store, lex, coding)
    codings.remove_coding(store, olga, coding)
    assert codings.codings(store, olga, doc) == []
    with pytest.raises(ProjectError, match=r"^Deze codering bestaat niet \(meer\).$"):
        codings.remove_coding(store, olga, coding)


def test_blind_mode_shows_a_coder_only_their_own(store, users, qual, doc, second_coder):
    olga, rob, lex = users["onderzoeker"], second_coder, users["lezer"]
    code = codebook.add_code(store, olga, qual, "Steun")
    codings.add_coding(store, olga, doc, code, 0, 8)
    codings.add_coding(store, rob, doc, code, 40, 48)
    assert len(codings.codings(store, rob, doc)) == 2
    with pytest.raises(PermissionDenied):
        projects.set_blind(store, rob, qual, True)
    projects.set_blind(store, olga, qual, True)
    # rob does not lead: he sees only his own codings, everywhere.
    assert [c["coder"] for c in codings.codings(store, rob, doc)] == ["rob"]
    assert [p["coder"] for p in codings.passages(store, rob, code)] == ["rob"]
    assert [c["passages"] for c in codebook.codes(
        store, rob, qual, coders=codings.visible_coders(store, rob, qual))] == [1]
    # The lead sees all (to compare), unless she chooses to see only hers.
    assert [c["coder"] for c in codings.codings(store, olga, doc)] == ["olga", "rob"]
    assert [c["coder"] for c in codings.codings(store, olga, doc, only_mine=True)] == ["olga"]
    assert codings.codings(store, lex, doc) == []


def test_passages_filters_and_speaker(store, users, qual):
    from research.qual.documents import TurnSpan
    olga = users["onderzoeker"]
    text = "INT: Hoe is het?\n\nR1: Het gaat wel."
    doc = documents.add_document(store, olga, qual, "Interview 1", text,
                                 turns=[TurnSpan(5, 16, "INT"), TurnSpan(22, 35, "R1")])
    code = codebook.add_code(store, olga, qual, "Welzijn")
    codings.add_coding(store, olga, doc, code, 5, 16)
    codings.add_coding(store, olga, doc, code, 22, 35)
    found = codings.passages(store, olga, code)
    assert [(p["passage"], p["speaker"]) for p in found] == [
        ("Hoe is het?", "INT — Interview 1"), ("Het gaat wel.", "R1 — Interview 1")]
    r1 = found[1]["case_id"]
    assert [p["passage"] for p in codings.passages(store, olga, code, case_ids=[r1])] == [
        "Het gaat wel."]
    assert codings.passages(store, olga, code, document_ids=[]) == []
    assert len(codings.passages(store, olga, code, coder_ids=[olga.id])) == 2


def test_undo_reverses_the_last_action_as_a_whole(store, users, qual, doc, second_coder):
    olga = users["onderzoeker"]
    a = codebook.add_code(store, olga, qual, "A")
    b = codebook.add_code(store, olga, qual, "B")
    first = codings.add_coding(store, olga, doc, a, 0, 8)
    codings.add_codings(store, olga, doc, [a, b], 40, 48)
    codings.add_coding(store, second_coder, doc, a, 10, 20)  # someone else's: never undone
    codings.resize_coding(store, olga, first, 0, 12)

    assert codings.last_action(store, olga, qual) == "1 × codering aangepast"
    assert codings.undo(store, olga, qual) == "1 × codering aangepast"
    assert store.value("SELECT end_pos FROM codings WHERE id = ?", [first]) == 8
    assert codings.undo(store, olga, qual) == "2 × codering toegevoegd"
    assert store.value("SELECT count(*) FROM codings WHERE created_by = ?", [olga.id]) == 1
    assert codings.undo(store, olga, qual) == "1 × codering toegevoegd"
    assert store.value("SELECT count(*) FROM codings WHERE created_by = ?", [olga.id]) == 0
    assert codings.undo(store, olga, qual) is None
    assert store.value("SELECT count(*) FROM codings") == 1

    # A removal comes back with its own id.
    again = codings.add_coding(store, olga, doc, b, 0, 8)
    codings.remove_coding(store, olga, again)
    assert codings.undo(store, olga, qual) == "1 × codering verwijderd"
    assert store.one("SELECT id, start_pos, end_pos FROM codings WHERE code_id = ?", [b]) == {
        "id": again, "start_pos": 0, "end_pos": 8}


def test_undo_keeps_a_new_code_that_another_coder_used_since(store, users, qual, doc,
                                                             second_coder):
    olga = users["onderzoeker"]
    [mine] = codings.add_codings(store, olga, doc, [], 0, 8, new_code="Wachten")
    code = store.value("SELECT id FROM codes WHERE name = 'Wachten'")
    robs = codings.add_coding(store, second_coder, doc, code, 40, 48)

    assert codings.undo(store, olga, qual) == (
        "1 × code toegevoegd, 1 × codering toegevoegd. De code ‘Wachten’ blijft bestaan: "
        "die wordt inmiddels ook elders gebruikt.")
    # Olga's coding is undone; Rob's coding and the code stay.
    assert store.rows("SELECT id, created_by FROM codings") == [
        {"id": robs, "created_by": second_coder.id}]
    assert store.value("SELECT name FROM codes WHERE id = ?", [code]) == "Wachten"
    # Every row the undo removed has its event: nothing went by cascade.
    undo_batch = store.value("SELECT max(batch) FROM events")
    assert store.rows("SELECT entity, entity_id, action FROM events WHERE batch = ?"
                      " ORDER BY id", [undo_batch]) == [
        {"entity": "coding", "entity_id": str(mine), "action": "delete"},
        {"entity": "undo", "entity_id": None, "action": "undo"}]
    assert codings.undo(store, olga, qual) is None


def test_undo_keeps_a_new_code_that_got_a_subcode_since(store, users, qual, doc, second_coder):
    olga = users["onderzoeker"]
    codings.add_codings(store, olga, doc, [], 0, 8, new_code="Wachten")
    code = store.value("SELECT id FROM codes WHERE name = 'Wachten'")
    sub = codebook.add_code(store, second_coder, qual, "Wachten op schuldhulp", parent_id=code)

    assert codings.undo(store, olga, qual) == (
        "1 × code toegevoegd, 1 × codering toegevoegd. De code ‘Wachten’ blijft bestaan: "
        "die wordt inmiddels ook elders gebruikt.")
    assert store.rows("SELECT id, parent_id FROM codes ORDER BY id") == [
        {"id": code, "parent_id": None}, {"id": sub, "parent_id": code}]
    assert store.value("SELECT count(*) FROM codings") == 0


def test_undo_keeps_a_new_code_that_another_coder_edited_since(store, users, qual, doc,
                                                               second_coder):
    olga = users["onderzoeker"]
    codings.add_codings(store, olga, doc, [], 0, 8, new_code="Wachten")
    code = store.value("SELECT id FROM codes WHERE name = 'Wachten'")
    codebook.update_code(store, second_coder, code, description="Wachten op hulp of zorg.")
    assert codings.undo(store, olga, qual).endswith("De code ‘Wachten’ blijft bestaan: die "
                                                    "wordt inmiddels ook elders gebruikt.")
    assert store.value("SELECT description FROM codes WHERE id = ?", [code]) == \
        "Wachten op hulp of zorg."


def test_undo_of_a_new_code_nobody_else_used_removes_it(store, users, qual, doc, second_coder):
    olga = users["onderzoeker"]
    codings.add_codings(store, olga, doc, [], 0, 8, new_code="Wachten")
    codings.add_coding(store, second_coder, doc, codebook.add_code(
        store, second_coder, qual, "Iets anders"), 40, 48)
    assert codings.undo(store, olga, qual) == "1 × code toegevoegd, 1 × codering toegevoegd"
    assert [r["name"] for r in store.rows("SELECT name FROM codes")] == ["Iets anders"]


def test_undo_of_a_removal_whose_code_is_gone_does_not_crash(store, users, qual, doc,
                                                             second_coder):
    olga = users["onderzoeker"]
    code = codebook.add_code(store, second_coder, qual, "Wachten")
    coding = codings.add_coding(store, olga, doc, code, 0, 8)
    codings.remove_coding(store, olga, coding)
    codebook.delete_code(store, second_coder, code)
    assert codings.undo(store, olga, qual) == (
        "1 × codering verwijderd. Een verwijderde codering kan niet terug: de code of het "
        "document is weg.")
    assert store.value("SELECT count(*) FROM codings") == 0
