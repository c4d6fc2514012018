"""Cases (speakers across documents) and typed attributes, edited as a table."""

from __future__ import annotations

import pytest

from research.qual import cases, documents
from research.qual.documents import TurnSpan
from research.qual.projects import ProjectError


@pytest.fixture
def two_interviews(store, users, qual):
    olga = users["onderzoeker"]
    documents.add_document(store, olga, qual, "Interview 1", "Fatima: Ja.",
                           turns=[TurnSpan(8, 11, "Fatima")])
    documents.add_document(store, olga, qual, "Interview 2", "F.: Nee.\n\nFatima: Toch.",
                           turns=[TurnSpan(4, 8, "F."), TurnSpan(18, 23, "Fatima")])


def test_cases_span_documents_and_merge(store, users, qual, two_interviews):
    olga = users["onderzoeker"]
    assert [(c["name"], c["documents"], c["turns"]) for c in cases.cases(store, olga, qual)] == [
        ("F.", 1, 1), ("Fatima", 2, 2)]
    ids = {c["name"]: c["id"] for c in cases.cases(store, olga, qual)}
    leeftijd = cases.add_attribute(store, olga, qual, "case", "Leeftijd", "getal")
    cases.set_values(store, olga, qual, "case", [{"id": ids["F."], "Leeftijd": "44"}])
    cases.merge_cases(store, olga, ids["F."], ids["Fatima"])
    assert [(c["name"], c["documents"], c["turns"]) for c in cases.cases(store, olga, qual)] == [
        ("Fatima", 2, 3)]
    assert store.rows("SELECT attribute_id, item_id, value FROM attribute_values") == [
        {"attribute_id": leeftijd, "item_id": ids["Fatima"], "value": "44"}]
    with pytest.raises(ProjectError, match="^Geef de casus een naam.$"):
        cases.rename_case(store, olga, ids["Fatima"], " ")
    cases.rename_case(store, olga, ids["Fatima"], "Deelnemer 1")
    assert [c["name"] for c in cases.cases(store, olga, qual)] == ["Deelnemer 1"]


def test_typed_attributes_table(store, users, qual, two_interviews):
    olga = users["onderzoeker"]
    cases.add_attribute(store, olga, qual, "case", "Leeftijd", "getal")
    cases.add_attribute(store, olga, qual, "case", "Sinds", "datum")
    cases.add_attribute(store, olga, qual, "case", "Vrijwilliger", "janee")
    cases.add_attribute(store, olga, qual, "case", "Wijk", "keuze", ["Noord", "Zuidoost", " "])
    cases.add_attribute(store, olga, qual, "document", "Locatie", "tekst")
    ids = {c["name"]: c["id"] for c in cases.cases(store, olga, qual)}
    changed = cases.set_values(store, olga, qual, "case", [
        {"id": ids["Fatima"], "Leeftijd": "44,5", "Sinds": "2019-05-01", "Vrijwilliger": "Ja",
         "Wijk": "Noord"},
        {"id": ids["F."], "Leeftijd": 30.0, "Sinds": None, "Vrijwilliger": False, "Wijk": ""}])
    assert changed == 6
    assert cases.values_table(store, olga, qual, "case") == [
        {"id": ids["F."], "naam": "F.", "Leeftijd": "30", "Sinds": None, "Vrijwilliger": "nee",
         "Wijk": None},
        {"id": ids["Fatima"], "naam": "Fatima", "Leeftijd": "44.5", "Sinds": "2019-05-01",
         "Vrijwilliger": "ja", "Wijk": "Noord"}]
    for value, attribute, message in [
            ("veel", "Leeftijd", "'veel' is geen getal (kenmerk Leeftijd)."),
            ("gisteren", "Sinds", "'gisteren' is geen datum als 2026-03-12 (kenmerk Sinds)."),
            ("misschien", "Vrijwilliger", "'misschien' is geen ja of nee (kenmerk Vrijwilliger)."),
            ("West", "Wijk", "'West' staat niet in de keuzelijst van Wijk (Noord, Zuidoost).")]:
        with pytest.raises(ProjectError) as raised:
            cases.set_values(store, olga, qual, "case", [
                {"id": ids["F."], "Leeftijd": "31"}, {"id": ids["Fatima"], attribute: value}])
        assert raised.value.message == message
    # Nothing of a refused table was saved.
    assert cases.values_table(store, olga, qual, "case")[0]["Leeftijd"] == "30"
    with pytest.raises(ProjectError, match="^Een keuzelijst heeft minstens één keuze.$"):
        cases.add_attribute(store, olga, qual, "case", "Leeg", "keuze", [" "])
    with pytest.raises(ProjectError, match="^Er is al een kenmerk 'Wijk'.$"):
        cases.add_attribute(store, olga, qual, "case", "Wijk", "tekst")
    assert [r["naam"] for r in cases.values_table(store, olga, qual, "document")] == [
        "Interview 1", "Interview 2"]
