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
        {"id": ids["F."], "name": "F.", "Leeftijd": "30", "Sinds": None, "Vrijwilliger": "nee",
         "Wijk": None},
        {"id": ids["Fatima"], "name": "Fatima", "Leeftijd": "44.5", "Sinds": "2019-05-01",
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
    assert [r["name"] for r in cases.values_table(store, olga, qual, "document")] == [
        "Interview 1", "Interview 2"]


# -- a generic label is a case per document (issue 17) ----------------------------------------

def test_two_interviews_with_respondent_are_two_cases_and_the_preview_says_so(store, users,
                                                                               qual):
    from research.qual import intake, transcripts
    olga = users["onderzoeker"]
    first = transcripts.read("Interview 1.txt", "INT: Hoe gaat het?\nRespondent: Goed.\n"
                             "INT: Fijn.\nRespondent: Ja.\n".encode("utf-8"))
    intake.save(store, olga, qual, first)
    second = transcripts.read("Interview 2.txt", "INT: En u?\nRespondent: Ook goed.\n"
                              "Fatima: Ik ook.\nFatima: Zeker.\n".encode("utf-8"))
    plan = cases.case_plan(store, olga, qual, "Interview 2", second.speakers())
    assert [(p["speaker"], p["mode"], p["case"], p["joins"], p["names"]["gedeeld"],
             p["exists"]["gedeeld"]) for p in plan] == [
        ("INT", "eigen", "INT — Interview 2", False, "INT", False),
        ("Respondent", "eigen", "Respondent — Interview 2", False, "Respondent", False),
        ("Fatima", "gedeeld", "Fatima", False, "Fatima", False)]
    intake.save(store, olga, qual, second)
    assert [(c["name"], c["documents"]) for c in cases.cases(store, olga, qual)] == [
        ("Fatima", 1), ("INT — Interview 1", 1), ("INT — Interview 2", 1),
        ("Respondent — Interview 1", 1), ("Respondent — Interview 2", 1)]
    # A third interview: Fatima would join her existing case, which the preview says; the
    # user may keep her apart, and choose one case for the interviewer across interviews.
    third = transcripts.read("Interview 3.txt", "INT: Weer hier?\nFatima: Ja.\nFatima: Echt."
                             .encode())
    plan = cases.case_plan(store, olga, qual, "Interview 3", third.speakers())
    assert [(p["speaker"], p["case"], p["joins"], p["documents"]["gedeeld"]) for p in plan] == [
        ("INT", "INT — Interview 3", False, 0), ("Fatima", "Fatima", True, 1)]
    intake.save(store, olga, qual, third, case_modes={"Fatima": "eigen", "INT": "gedeeld"})
    assert [c["name"] for c in cases.cases(store, olga, qual)] == [
        "Fatima", "Fatima — Interview 3", "INT", "INT — Interview 1", "INT — Interview 2",
        "Respondent — Interview 1", "Respondent — Interview 2"]


def test_the_choice_follows_a_speaker_into_its_pseudonym(store, users, qual):
    from research.qual import intake, pseudonyms, transcripts
    olga = users["onderzoeker"]
    transcript = transcripts.read("Gesprek.txt", "INT: Hallo.\nFatima: Hoi.\nINT: Dag.\n"
                                  "Fatima: Doei.\n".encode())
    accepted = [pseudonyms.Suggestion("Fatima", "deelnemer", "[Deelnemer 1]", 2, "spreker")]
    intake.save(store, olga, qual, transcript, accepted=accepted,
                case_modes={"Fatima": "eigen", "INT": "gedeeld"})
    assert [c["name"] for c in cases.cases(store, olga, qual)] == [
        "[Deelnemer 1] — Gesprek", "INT"]


def test_a_case_is_split_by_document(store, users, qual, two_interviews):
    olga = users["onderzoeker"]
    ids = {c["name"]: c["id"] for c in cases.cases(store, olga, qual)}
    cases.add_attribute(store, olga, qual, "case", "Leeftijd", "getal")
    cases.set_values(store, olga, qual, "case", [{"id": ids["Fatima"], "Leeftijd": "44"}])
    made = cases.split_case(store, olga, ids["Fatima"])
    assert [(c["name"], c["documents"], c["turns"]) for c in cases.cases(store, olga, qual)] == [
        ("F.", 1, 1), ("Fatima — Interview 1", 1, 1), ("Fatima — Interview 2", 1, 1)]
    assert {r["name"]: r["Leeftijd"] for r in cases.values_table(store, olga, qual, "case")} == {
        "F.": None, "Fatima — Interview 1": "44", "Fatima — Interview 2": "44"}
    assert len(made) == 2
    with pytest.raises(ProjectError, match="^De casus 'F.' komt maar in één document voor; er "
                                           "is niets te splitsen.$"):
        cases.split_case(store, olga, ids["F."])
    assert store.value("SELECT count(*) FROM events WHERE entity = 'case' AND action = 'split'"
                       ) == 1
