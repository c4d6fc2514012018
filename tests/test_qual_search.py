"""Search: by word and by lemma, keyword in context, auto-coding units, word frequencies."""

from __future__ import annotations

import pytest

from research.qual import documents, search
from research.qual.documents import TurnSpan
from research.qual.projects import ProjectError

FIRST = "R1: Ik woonde toen in Noord. Wonen is hier duur.\n\nINT: En nu?"
SECOND = "R2: Zij woont al jaren in de buurt. De buurt is veranderd."


@pytest.fixture
def docs(store, users, qual):
    olga = users["onderzoeker"]
    first = documents.add_document(store, olga, qual, "Interview 1", FIRST, held_on="2026-01-01",
                                   turns=[TurnSpan(4, 48, "R1"), TurnSpan(55, 61, "INT")])
    second = documents.add_document(store, olga, qual, "Interview 2", SECOND,
                                    held_on="2026-02-01", turns=[TurnSpan(4, 58, "R2")])
    return first, second


def test_lemma_search_finds_every_form(store, users, qual, docs):
    olga = users["onderzoeker"]
    hits = search.search(store, olga, qual, "wonen", "lemma")
    assert [(h.document, FIRST[h.start:h.end] if h.document_id == docs[0] else
             SECOND[h.start:h.end]) for h in hits] == [
        ("Interview 1", "woonde"), ("Interview 1", "Wonen"), ("Interview 2", "woont")]
    assert [h.document for h in search.search(store, olga, qual, "wonen", "woord")] == [
        "Interview 1"]
    assert search.search(store, olga, qual, "  ?! ", "lemma") == []
    # Every word must occur in the sentence; FTS operators are searched for, not obeyed.
    assert len(search.search(store, olga, qual, "buurt veranderd", "woord")) == 2
    assert search.search(store, olga, qual, "buurt NOT veranderd", "woord") == []
    assert len(search.search(store, olga, qual, "wonen", "lemma", document_ids=[docs[1]])) == 1
    with pytest.raises(ProjectError, match="^Onbekende zoekwijze 'regex'.$"):
        search.search(store, olga, qual, "x", "regex")


def test_control_characters_in_the_query_separate_words(store, users, qual, docs):
    """A NUL would end the FTS5 string early ('unterminated string'); it and other control
    characters count as spaces."""
    olga = users["onderzoeker"]
    for mode in search.MODES:
        assert len(search.search(store, olga, qual, "buurt\x00veranderd", mode)) == 2
        assert search.search(store, olga, qual, "\x00", mode) == []
    assert [SECOND[h.start:h.end] for h in search.search(store, olga, qual, "\x0bwonen\x00",
                                                         "lemma", document_ids=[docs[1]])] == [
        "woont"]


def test_keyword_in_context_and_autocode_units(store, users, qual, docs):
    olga = users["onderzoeker"]
    hits = search.search(store, olga, qual, "wonen", "lemma")
    rows = search.keyword_in_context(store, olga, qual, hits, width=8)
    assert [(r["left"], r["word"], r["right"]) for r in rows] == [
        ("R1: Ik ", "woonde", " toen in"), (" Noord. ", "Wonen", " is hier"),
        ("R2: Zij ", "woont", " al jare")]
    assert search.autocode_spans(store, olga, hits, "zin") == [
        (docs[0], 4, 28), (docs[0], 29, 48), (docs[1], 4, 35)]
    assert search.autocode_spans(store, olga, hits, "beurt") == [
        (docs[0], 4, 48), (docs[1], 4, 58)]


def test_word_frequencies_leave_out_stop_words(store, users, qual, docs):
    olga = users["onderzoeker"]
    assert search.word_frequencies(store, olga, qual, top=3) == [
        {"word": "wonen", "count": 3, "documents": 2},
        {"word": "buurt", "count": 2, "documents": 1},
        {"word": "noord", "count": 1, "documents": 1}]
    assert search.word_frequencies(store, olga, qual, by="woord", top=1) == [
        {"word": "buurt", "count": 2, "documents": 1}]


def test_autocode_is_one_action(store, users, qual, docs):
    from research.qual import codebook, codings
    olga = users["onderzoeker"]
    hits = search.search(store, olga, qual, "wonen", "lemma")
    spans = search.autocode_spans(store, olga, hits, "zin")
    assert codings.autocode(store, olga, qual, spans, [], new_code="Wonen") == 3
    (code,) = codebook.codes(store, olga, qual)
    assert (code["name"], code["passages"]) == ("Wonen", 3)
    # Again: nothing new (the same coder gave the same code to the same sentences).
    assert codings.autocode(store, olga, qual, spans, [code["id"]]) == 0
    assert codings.undo(store, olga, qual) == "1 × code toegevoegd, 3 × codering toegevoegd"
    assert codebook.codes(store, olga, qual) == []
    with pytest.raises(ProjectError, match="^Kies een code of geef een nieuwe code.$"):
        codings.autocode(store, olga, qual, spans, [])


def test_autocode_never_codes_a_passage_that_already_has_the_code(store, users, qual, docs):
    """A sentence inside a turn the coder coded by hand, or a sentence coded before, already
    carries the code: no second, identical coding (issue 17); the preview's exclusions are
    simply spans left out."""
    from research.qual import codebook, codings
    olga, admin = users["onderzoeker"], users["beheerder"]
    wonen = codebook.add_code(store, olga, qual, "Wonen")
    codings.add_coding(store, olga, docs[0], wonen, 4, 48)          # the whole turn of R1
    hits = search.search(store, olga, qual, "wonen", "lemma")
    spans = search.autocode_spans(store, olga, hits, "zin")
    assert spans == [(docs[0], 4, 28), (docs[0], 29, 48), (docs[1], 4, 35)]
    assert codings.covered(store, olga, spans, wonen) == {(docs[0], 4, 28), (docs[0], 29, 48)}
    # Another coder's coding does not count as this coder's.
    assert codings.covered(store, admin, spans, wonen) == set()
    assert codings.autocode(store, olga, qual, spans, [wonen]) == 1
    assert codings.autocode(store, olga, qual, spans, [], new_code=" Wonen ") == 0
    assert [(c["start_pos"], c["end_pos"]) for d in docs
            for c in codings.codings(store, olga, d)] == [(4, 48), (4, 35)]
    # Left out in the preview: the one span the user unticked is not coded.
    other = codebook.add_code(store, olga, qual, "Buurt")
    assert codings.autocode(store, olga, qual, spans[1:], [other]) == 2
    assert [(c["start_pos"], c["end_pos"]) for c in codings.codings(store, olga, docs[0])
            if c["code"] == "Buurt"] == [(29, 48)]


MIXED = ("R3: Z'n auto's staan op de Burg. de Vlugtlaan, ex-buurman zegt: 'wonen? Nee!' "
         "Ik woon, woonde en woonden... 3,5 jaar (sinds 2021) hier. Woon-werkverkeer kost "
         "€ 12,50 per dag; wonen\u00a0is duur.")


def _hits(store, olga, qual, query, mode):
    return [(h.start, h.end, h.sentence_start, h.sentence_end)
            for h in search.search(store, olga, qual, query, mode)]


def test_hits_are_read_from_the_stored_word_positions_without_tokenising(store, users, qual,
                                                                          monkeypatch):
    olga = users["onderzoeker"]
    documents.add_document(store, olga, qual, "Interview 3", MIXED,
                           turns=[TurnSpan(4, len(MIXED), "R3")])
    monkeypatch.setattr(search, "tokenise", lambda texts: pytest.fail("tokenised again"))
    found = search.search(store, olga, qual, "wonen", "lemma")
    assert [MIXED[h.start:h.end] for h in found] == [
        "wonen", "woon", "woonde", "woonden", "wonen"]
    assert [MIXED[h.start:h.end] for h in search.search(store, olga, qual, "auto's", "woord")
            ] == ["auto's"]


def test_sentences_indexed_before_the_positions_were_stored_give_the_same_hits(store, users,
                                                                               qual):
    """A database from before migration 0019 has no word positions: its sentences are
    tokenised at search time, with the same hits."""
    olga = users["onderzoeker"]
    documents.add_document(store, olga, qual, "Interview 3", MIXED,
                           turns=[TurnSpan(4, len(MIXED), "R3")])
    queries = [("wonen", "lemma"), ("wonen", "woord"), ("auto's", "woord"), ("z'n", "woord"),
               ("12,50", "woord"), ("ex-buurman", "lemma"), ("Burg", "woord"),
               ("woon werkverkeer", "lemma")]
    stored = {q: _hits(store, olga, qual, *q) for q in queries}
    assert stored == {
        ("wonen", "lemma"): [(65, 70, 33, 71), (81, 85, 78, 135), (87, 93, 78, 135),
                             (97, 104, 78, 135), (175, 180, 136, 189)],
        ("wonen", "woord"): [(65, 70, 33, 71), (175, 180, 136, 189)],
        ("auto's", "woord"): [(8, 14, 4, 32)], ("z'n", "woord"): [(4, 7, 4, 32)],
        ("12,50", "woord"): [(160, 165, 136, 189)], ("ex-buurman", "lemma"): [(47, 57, 33, 71)],
        ("Burg", "woord"): [(27, 31, 4, 32)],
        # The sentence has both lemmas (FTS splits "woon-werkverkeer"); no word is
        # "werkverkeer" itself, so only "wonen" is marked.
        ("woon werkverkeer", "lemma"): [(175, 180, 136, 189)]}
    with store.db.conn:
        store.db.execute("UPDATE qual_sentences SET word_positions = NULL")
    assert {q: _hits(store, olga, qual, *q) for q in queries} == stored
