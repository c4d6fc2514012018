"""Documents: turns and cases stored with the text, edits that move codings, deletion."""

from __future__ import annotations

import pytest

from research.accounts import PermissionDenied
from research.qual import codebook, codings, documents
from research.qual.documents import TurnSpan, offset_mapper
from research.qual.projects import ProjectError

TEXT = "Interviewer: Hoe gaat het?\n\nFatima: Goed. De buurtkamer helpt.\n\nInterviewer: Fijn."


def spans():
    return [TurnSpan(13, 26, "Interviewer", 0.0), TurnSpan(36, 62, "Fatima", 4.5),
            TurnSpan(77, 82, "Interviewer", 9.0)]


def test_turns_and_cases_are_stored(store, users, qual):
    olga = users["onderzoeker"]
    assert [TEXT[s.start:s.end] for s in spans()] == [
        "Hoe gaat het?", "Goed. De buurtkamer helpt.", "Fijn."]
    doc = documents.add_document(store, olga, qual, "Interview 1", TEXT, turns=spans())
    # A generic label ("Interviewer") is a case of this document; a name is one person.
    assert [(t["position"], t["start_pos"], t["end_pos"], t["speaker"], t["time_s"])
            for t in documents.turns(store, olga, doc)] == [
        (0, 13, 26, "Interviewer — Interview 1", 0.0), (1, 36, 62, "Fatima", 4.5),
        (2, 77, 82, "Interviewer — Interview 1", 9.0)]
    # Sentences never cross a turn; punctuation at the end stays inside the sentence.
    assert [(s["start_pos"], s["end_pos"]) for s in documents.sentences(store, olga, doc)] == [
        (13, 26), (36, 41), (42, 62), (77, 82)]
    # The same name in a second document is the same case, the same role another one;
    # unless the import chose otherwise.
    documents.add_document(store, olga, qual, "Interview 2", "Fatima: Nog een keer. INT: Ja.",
                           turns=[TurnSpan(8, 21, "Fatima"), TurnSpan(27, 30, "Interviewer")])
    documents.add_document(store, olga, qual, "Interview 3", "Fatima: Ja. INT: Ja.",
                           turns=[TurnSpan(8, 11, "Fatima"), TurnSpan(17, 20, "Interviewer")],
                           case_modes={"Fatima": "eigen", "Interviewer": "gedeeld"})
    assert [r["name"] for r in store.rows("SELECT name FROM cases ORDER BY id")] == [
        "Interviewer — Interview 1", "Fatima", "Interviewer — Interview 2",
        "Fatima — Interview 3", "Interviewer"]
    assert [d["speakers"] for d in documents.documents(store, olga, qual)] == [2, 2, 2]


def test_without_turns_paragraphs_become_turns(store, users, qual):
    doc = documents.add_document(store, users["onderzoeker"], qual, "Notitie",
                                 "  Eerste alinea.\nNog een regel.\n\n\n Tweede.  ")
    assert [(t["start_pos"], t["end_pos"], t["speaker"])
            for t in documents.turns(store, users["onderzoeker"], doc)] == [
        (2, 31, None), (35, 42, None)]


def test_turns_that_do_not_fit_are_refused(store, users, qual):
    with pytest.raises(ProjectError, match="^De sprekersbeurten van 'X' passen niet op de tekst.$"):
        documents.add_document(store, users["onderzoeker"], qual, "X", "kort",
                               turns=[TurnSpan(0, 10, "A")])
    assert store.value("SELECT count(*) FROM documents") == 0
    assert store.value("SELECT count(*) FROM cases") == 0


def test_offset_mapper():
    mapped = offset_mapper("de buurt is fijn", "de mooie buurt was fijn")
    assert (mapped(3, "start"), mapped(8, "end")) == (9, 14)   # "buurt" after an insertion
    assert (mapped(9, "start"), mapped(11, "end")) == (15, 18)  # "is" replaced by "was"
    assert mapped(16, "end") == 23


def test_edit_text_moves_codings_and_removes_deleted_ones(store, users, qual):
    olga = users["onderzoeker"]
    doc = documents.add_document(store, olga, qual, "Interview 1", TEXT, turns=spans())
    code = codebook.add_code(store, olga, qual, "Steun")
    kept = codings.add_coding(store, olga, doc, code, TEXT.index("buurtkamer"),
                              TEXT.index("buurtkamer") + len("buurtkamer"))
    gone = codings.add_coding(store, olga, doc, code, TEXT.index("Fijn"), TEXT.index("Fijn") + 4)
    new_text = TEXT.replace("Goed.", "Heel goed, eerlijk gezegd.").replace("Fijn.", "")
    result = documents.edit_text(store, olga, doc, new_text)
    assert result == {"moved": 1, "removed": 1}
    (left,) = codings.codings(store, olga, doc)
    assert left["id"] == kept
    assert new_text[left["start_pos"]:left["end_pos"]] == "buurtkamer"
    assert [(new_text[t["start_pos"]:t["end_pos"]], t["speaker"])
            for t in documents.turns(store, olga, doc)] == [
        ("Hoe gaat het?", "Interviewer — Interview 1"),
        ("Heel goed, eerlijk gezegd. De buurtkamer helpt.", "Fatima"),
        ("", "Interviewer — Interview 1")]
    assert store.value("SELECT count(*) FROM events WHERE entity = 'coding' AND entity_id = ?"
                       " AND action = 'delete'", [str(gone)]) == 1
    assert store.value("SELECT count(*) FROM qual_fts WHERE qual_fts MATCH 'eerlijk'") == 1


def test_update_and_delete_document(store, users, qual):
    olga, lex = users["onderzoeker"], users["lezer"]
    doc = documents.add_document(store, olga, qual, "Interview 1", TEXT, turns=spans())
    other = documents.add_document(store, olga, qual, "Interview 2", "Tekst.")
    documents.update_document(store, olga, doc, name=" Gesprek 1 ", kind="focusgroep",
                              held_on="2026-03-01")
    assert store.one("SELECT name, kind, held_on FROM documents WHERE id = ?", [doc]) == {
        "name": "Gesprek 1", "kind": "focusgroep", "held_on": "2026-03-01"}
    with pytest.raises(ProjectError, match="^Er is al een document 'Interview 2'"):
        documents.update_document(store, olga, doc, name="Interview 2")
    with pytest.raises(PermissionDenied):
        documents.delete_document(store, lex, doc)
    code = codebook.add_code(store, olga, qual, "Steun")
    codings.add_coding(store, olga, doc, code, 13, 26)
    assert documents.delete_document(store, olga, doc) == 1
    assert [d["id"] for d in documents.documents(store, olga, qual)] == [other]
    assert store.value("SELECT count(*) FROM turns WHERE document_id = ?", [doc]) == 0
    assert store.value("SELECT count(*) FROM qual_sentences WHERE document_id = ?", [doc]) == 0
    assert store.value("SELECT count(*) FROM qual_fts WHERE qual_fts MATCH 'buurtkamer'") == 0
