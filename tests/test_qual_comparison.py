"""Comparison tables: co-occurrence three ways, code x case and x attribute, per document."""

from __future__ import annotations

import pytest

from research.qual import cases, codebook, codings, comparison, documents
from research.qual.documents import TurnSpan
from research.qual.projects import ProjectError

TEXT = ("A: Ik wacht lang. Ik vertrouw ze niet.\n\n"
        "B: Mijn buurvrouw helpt. Dat is fijn. Echt waar.\n\n"
        "A: Wachten is zwaar.")


@pytest.fixture
def coded(store, users, qual):
    olga = users["onderzoeker"]
    turns = []
    for speaker, words in (("A", "Ik wacht lang. Ik vertrouw ze niet."),
                           ("B", "Mijn buurvrouw helpt. Dat is fijn. Echt waar."),
                           ("A", "Wachten is zwaar.")):
        start = TEXT.index(words)
        turns.append(TurnSpan(start, start + len(words), speaker))
    doc = documents.add_document(store, olga, qual, "Interview 1", TEXT, turns=turns)
    ids = {n: codebook.add_code(store, olga, qual, n) for n in ("Wachten", "Wantrouwen", "Steun")}

    def code(name, quote):
        start = TEXT.index(quote)
        codings.add_coding(store, olga, doc, ids[name], start, start + len(quote))

    code("Wachten", "Ik wacht lang. Ik vertrouw")          # overlaps Wantrouwen
    code("Wantrouwen", "Ik vertrouw ze niet.")
    code("Steun", "Mijn buurvrouw helpt.")                 # next turn, next sentence
    code("Wachten", "Wachten is zwaar.")
    return doc, ids


def test_cooccurrence_three_ways(store, users, qual, coded):
    olga = users["onderzoeker"]
    result = comparison.cooccurrence(store, olga, qual, "overlap")
    assert [c["name"] for c in result["codes"]] == ["Steun", "Wachten", "Wantrouwen"]
    assert result["counts"] == [[1, 0, 0], [0, 2, 1], [0, 1, 1]]
    assert result["coefficient"][1][2] == 0.5  # 1 / (2 + 1 - 1)
    # Within one sentence: Steun (sentence 3) now meets Wantrouwen (sentence 2) and the first
    # Wachten (sentences 1-2), not the second Wachten (sentence 6).
    near = comparison.cooccurrence(store, olga, qual, "zinnen", window=1)
    assert near["counts"] == [[1, 1, 1], [1, 2, 1], [1, 1, 1]]
    # Same turn: turns are the units (Wachten is in two turns).
    turn = comparison.cooccurrence(store, olga, qual, "beurt")
    assert turn["counts"] == [[1, 0, 0], [0, 2, 1], [0, 1, 1]]
    with pytest.raises(ProjectError, match="^Onbekende manier van tellen 'x'.$"):
        comparison.cooccurrence(store, olga, qual, "x")


def test_cell_passages(store, users, qual, coded):
    olga = users["onderzoeker"]
    _, ids = coded
    assert [p["passage"] for p in comparison.cooccurring_passages(
        store, olga, qual, ids["Wachten"], ids["Wantrouwen"])] == [
        "Ik wacht lang. Ik vertrouw ze niet."]
    assert [p["passage"] for p in comparison.cooccurring_passages(
        store, olga, qual, ids["Wachten"], ids["Wantrouwen"], "beurt")] == [
        "Ik wacht lang. Ik vertrouw ze niet."]


def test_code_by_case_attribute_and_document(store, users, qual, coded):
    olga = users["onderzoeker"]
    table = comparison.code_by_case(store, olga, qual)
    assert [c["name"] for c in table["cases"]] == ["A", "B"]
    assert dict(zip([c["name"] for c in table["codes"]], table["counts"], strict=True)) == {
        "Steun": [0, 1], "Wachten": [2, 0], "Wantrouwen": [1, 0]}
    cases.add_attribute(store, olga, qual, "case", "Rol", "keuze", ["bewoner", "buur"])
    ids = {c["name"]: c["id"] for c in cases.cases(store, olga, qual)}
    cases.set_values(store, olga, qual, "case", [{"id": ids["A"], "Rol": "bewoner"},
                                                 {"id": ids["B"], "Rol": "buur"}])
    by_role = comparison.code_by_attribute(store, olga, qual, "Rol")
    assert by_role["values"] == ["bewoner", "buur"]
    assert by_role["rows"][1] == {"code": "Wachten",
                                  "bewoner": {"codings": 2, "cases": 1, "share": 1.0},
                                  "buur": {"codings": 0, "cases": 0, "share": 0.0}}
    with pytest.raises(ProjectError, match="^Er is geen kenmerk 'Leeftijd' voor casussen.$"):
        comparison.code_by_attribute(store, olga, qual, "Leeftijd")
    per_doc = comparison.frequencies_by_document(store, olga, qual)
    assert per_doc["counts"] == [[1], [2], [1]]
