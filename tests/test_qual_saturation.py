"""Saturation: new codes per interview, and the verdict of Guest, Namey & Chen (2020)."""

from __future__ import annotations

import pytest

from research.qual import codebook, codings, documents, saturation
from research.qual.projects import ProjectError


def points(new_per_document: list[int]) -> list[dict]:
    total, result = 0, []
    for n, new in enumerate(new_per_document, 1):
        total += new
        result.append({"document": f"Interview {n}", "new": new, "cumulative": total,
                       "new_codes": []})
    return result


def test_guest_namey_chen_verdict():
    # Base: interviews 1-4 hold 20 codes. Run 5-6: 3 new (15%); run 6-7: 2 new (10%);
    # run 7-8: 1 new (5%, at the threshold): saturation at interview 8.
    verdict = saturation.assess(points([10, 5, 3, 2, 2, 1, 1, 0, 0]), base=4, run=2,
                                threshold=0.05)
    assert verdict["reached"] is True
    assert verdict["at"] == 8
    assert verdict["base_codes"] == 20
    assert [(r["from"], r["to"], r["new"], r["ratio"]) for r in verdict["runs"]] == [
        (5, 6, 3, 0.15), (6, 7, 2, 0.1), (7, 8, 1, 0.05)]
    assert verdict["statement"] == (
        "Verzadiging bereikt bij interview 8 (Interview 8): de run van interview 7 tot en met 8 "
        "leverde 1 nieuwe code op, 5,0% van de 20 codes in de basis (basis 4 interviews, "
        "run 2, drempel ≤5% nieuwe informatie).")
    # A stricter threshold (0%) is not met by these interviews... until 8-9.
    assert saturation.assess(points([10, 5, 3, 2, 2, 1, 1, 0, 0]), threshold=0.0)["at"] == 9
    not_yet = saturation.assess(points([10, 5, 3, 2, 4, 3]), base=4, run=2)
    assert not_yet["reached"] is False
    assert not_yet["statement"].startswith("Nog geen verzadiging: de laatste run (interview 5 "
                                           "tot en met 6) leverde 7 nieuwe codes op, 35,0%")
    assert saturation.assess(points([3, 1]), base=4, run=2)["statement"] == (
        "Nog geen oordeel: er zijn 2 documenten, nodig zijn er minstens 6 (basis 4 interviews, "
        "run 2, drempel ≤5% nieuwe informatie).")
    with pytest.raises(ProjectError):
        saturation.assess(points([1, 2]), base=0)


def test_curve_in_interview_order(store, users, qual):
    olga = users["onderzoeker"]
    a, b = codebook.add_code(store, olga, qual, "A"), codebook.add_code(store, olga, qual, "B")
    later = documents.add_document(store, olga, qual, "Later", "tekst twee", held_on="2026-03-01")
    first = documents.add_document(store, olga, qual, "Eerst", "tekst een", held_on="2026-01-01")
    codings.add_coding(store, olga, first, a, 0, 5)
    codings.add_coding(store, olga, later, a, 0, 5)
    codings.add_coding(store, olga, later, b, 6, 10)
    assert [(p["document"], p["new_codes"], p["cumulative"])
            for p in saturation.curve(store, olga, qual)] == [
        ("Eerst", ["A"], 1), ("Later", ["B"], 2)]


def test_own_order(store, users, qual):
    olga = users["onderzoeker"]
    a = codebook.add_code(store, olga, qual, "A")
    first = documents.add_document(store, olga, qual, "Eerst", "tekst een", held_on="2026-01-01")
    second = documents.add_document(store, olga, qual, "Tweede", "tekst twee")
    codings.add_coding(store, olga, second, a, 0, 5)
    documents.reorder(store, olga, qual, [second, first])
    assert [p["document"] for p in saturation.curve(store, olga, qual, order="eigen")] == [
        "Tweede", "Eerst"]
    assert [p["document"] for p in saturation.curve(store, olga, qual)] == ["Eerst", "Tweede"]
    with pytest.raises(ProjectError, match="^Geef elk document van het project precies"):
        documents.reorder(store, olga, qual, [second])
