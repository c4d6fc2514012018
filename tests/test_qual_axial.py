"""Axial and selective coding: stages and roles, typed relations grounded in passages, the
paradigm board, the network, the core category and what is not connected to it."""

from __future__ import annotations

import pytest

from research.qual import axial, codebook, codings, documents, projects
from research.qual.projects import ProjectError

TEXT = ("Ik wacht op hulp. Mijn buurvrouw helpt. Ik vertrouw de gemeente niet."
        " Ik ga naar de buurtkamer.")


@pytest.fixture
def model(store, users, qual):
    olga = users["onderzoeker"]
    doc = documents.add_document(store, olga, qual, "Interview 1", TEXT)
    ids = {name: codebook.add_code(store, olga, qual, name) for name in (
        "Wantrouwen", "Wachtlijsten", "Informele steun", "Buurtkamer", "Weerbaarheid", "Los")}
    spans = {"Wachtlijsten": "Ik wacht op hulp.", "Informele steun": "Mijn buurvrouw helpt.",
             "Wantrouwen": "Ik vertrouw de gemeente niet.",
             "Buurtkamer": "Ik ga naar de buurtkamer."}
    coded = {name: codings.add_coding(store, olga, doc, ids[name], TEXT.index(quote),
                                      TEXT.index(quote) + len(quote))
             for name, quote in spans.items()}
    types = {t["name"]: t["id"] for t in axial.relation_types(store, olga, qual)}
    return ids, coded, types


def test_presets_and_own_relation_types(store, users, qual):
    olga = users["onderzoeker"]
    assert [(t["name"], t["directed"], t["paradigm_role"])
            for t in axial.relation_types(store, olga, qual)] == [
        ("is oorzaak van", 1, "oorzaak"), ("is context voor", 1, "context"),
        ("is intervenierende voorwaarde voor", 1, "intervenierend"),
        ("is strategie voor", 1, "strategie"), ("is gevolg van", 1, "gevolg"),
        ("is eigenschap van", 1, None), ("hangt samen met", 0, None),
        ("staat tegenover", 0, None)]
    axial.add_relation_type(store, olga, qual, "versterkt", True)
    with pytest.raises(ProjectError, match="^Er is al een soort relatie 'versterkt'.$"):
        axial.add_relation_type(store, olga, qual, " versterkt ", False)
    assert axial.relation_types(store, olga, qual)[-1]["name"] == "versterkt"


def test_relations_board_and_network(store, users, qual, model):
    olga = users["onderzoeker"]
    ids, coded, types = model
    codebook.update_code(store, olga, ids["Wantrouwen"], stage="axiaal", paradigm_role="fenomeen")
    codebook.update_code(store, olga, ids["Buurtkamer"], stage="axiaal", paradigm_role="strategie")
    with pytest.raises(ProjectError, match="^Onbekende fase 'gesloten'.$"):
        codebook.update_code(store, olga, ids["Los"], stage="gesloten")
    cause = axial.add_relation(store, olga, ids["Wachtlijsten"], ids["Wantrouwen"],
                               types["is oorzaak van"], "Lang wachten voedt wantrouwen.",
                               [coded["Wachtlijsten"], coded["Wantrouwen"]])
    axial.add_relation(store, olga, ids["Buurtkamer"], ids["Wantrouwen"], types["hangt samen met"])
    axial.add_relation(store, olga, ids["Informele steun"], ids["Buurtkamer"],
                       types["is context voor"])
    with pytest.raises(ProjectError, match="^Deze relatie bestaat al.$"):
        axial.add_relation(store, olga, ids["Wachtlijsten"], ids["Wantrouwen"],
                           types["is oorzaak van"])
    with pytest.raises(ProjectError, match="^Een gekozen fragment hoort niet bij een van de"):
        axial.add_relation(store, olga, ids["Los"], ids["Wantrouwen"], types["staat tegenover"],
                           coding_ids=[coded["Buurtkamer"]])
    assert [p["passage"] for p in axial.grounding(store, olga, cause)] == [
        "Ik wacht op hulp.", "Ik vertrouw de gemeente niet."]
    board = axial.paradigm_board(store, olga, ids["Wantrouwen"])
    assert {role: [c["name"] for c in codes] for role, codes in board.items()} == {
        "oorzaak": ["Wachtlijsten"], "context": [], "intervenierend": [],
        "strategie": ["Buurtkamer"], "gevolg": []}
    net = axial.network(store, olga, qual)
    assert {n["name"]: (n["stage"], n["groundedness"], n["density"]) for n in net["nodes"]} == {
        "Buurtkamer": ("axiaal", 1, 2), "Informele steun": ("open", 1, 1), "Los": ("open", 0, 0),
        "Wachtlijsten": ("open", 1, 1), "Wantrouwen": ("axiaal", 1, 2),
        "Weerbaarheid": ("open", 0, 0)}
    axial.update_relation(store, olga, cause, memo="Herzien.", coding_ids=[coded["Wantrouwen"]])
    assert [(r["source"], r["type"], r["target"], r["passages"], r["memo"])
            for r in axial.relations(store, olga, qual)][2] == (
        "Wachtlijsten", "is oorzaak van", "Wantrouwen", 1, "Herzien.")


def test_the_board_shows_a_role_without_a_relation(store, users, qual, model):
    """A code given a paradigm role stands in its slot before any relation is drawn; one
    related to another phenomenon stays on that phenomenon's board."""
    olga = users["onderzoeker"]
    ids, _, types = model
    codebook.update_code(store, olga, ids["Wantrouwen"], paradigm_role="fenomeen")
    codebook.update_code(store, olga, ids["Wachtlijsten"], paradigm_role="oorzaak")
    codebook.update_code(store, olga, ids["Weerbaarheid"], paradigm_role="gevolg")
    codebook.update_code(store, olga, ids["Los"], paradigm_role="fenomeen")
    codebook.update_code(store, olga, ids["Buurtkamer"], paradigm_role="strategie")
    axial.add_relation(store, olga, ids["Buurtkamer"], ids["Los"], types["is strategie voor"])
    board = axial.paradigm_board(store, olga, ids["Wantrouwen"])
    assert {role: [(c["name"], c["via"]) for c in codes] for role, codes in board.items()} == {
        "oorzaak": [("Wachtlijsten", None)], "context": [], "intervenierend": [],
        "strategie": [], "gevolg": [("Weerbaarheid", None)]}
    assert [(c["name"], c["via"]) for c in axial.paradigm_board(
        store, olga, ids["Los"])["strategie"]] == [("Buurtkamer", "is strategie voor")]


def test_core_category_storyline_and_connection_check(store, users, qual, model):
    olga = users["onderzoeker"]
    ids, _, types = model
    for name in ("Wantrouwen", "Buurtkamer", "Weerbaarheid"):
        codebook.update_code(store, olga, ids[name], stage="axiaal")
    assert [r["name"] for r in axial.unconnected_to_core(store, olga, qual)] == [
        "Buurtkamer", "Wantrouwen", "Weerbaarheid"]
    axial.add_relation(store, olga, ids["Buurtkamer"], ids["Wantrouwen"],
                       types["is strategie voor"])
    axial.set_core(store, olga, qual, ids["Wantrouwen"])
    axial.set_storyline(store, olga, qual, "Wantrouwen groeit door wachten; de buurtkamer helpt.")
    assert projects.project(store, olga, qual)["core_code_id"] == ids["Wantrouwen"]
    assert store.value("SELECT stage FROM codes WHERE id = ?", [ids["Wantrouwen"]]) == "selectief"
    assert [r["name"] for r in axial.unconnected_to_core(store, olga, qual)] == ["Weerbaarheid"]
    assert axial.model_text(store, olga, qual) == (
        "Model: Buurtkamers\n\nKerncategorie: Wantrouwen\n\nVerhaallijn:\n"
        "Wantrouwen groeit door wachten; de buurtkamer helpt.\n\nCategorieën:\n"
        "- Wantrouwen (selectief)\n- Buurtkamer (axiaal)\n- Weerbaarheid (axiaal)\n\n"
        "Relaties:\n- Buurtkamer is strategie voor Wantrouwen (0 fragmenten)\n\n"
        "Niet verbonden met de kerncategorie: Weerbaarheid\n")
    # Deleting the core code clears the choice.
    codebook.delete_code(store, olga, ids["Wantrouwen"])
    assert projects.project(store, olga, qual)["core_code_id"] is None


def test_merge_and_delete_carry_relations(store, users, qual, model):
    olga = users["onderzoeker"]
    ids, _, types = model
    axial.add_relation(store, olga, ids["Wachtlijsten"], ids["Wantrouwen"], types["is oorzaak van"])
    axial.add_relation(store, olga, ids["Los"], ids["Wantrouwen"], types["is oorzaak van"])
    axial.add_relation(store, olga, ids["Los"], ids["Wachtlijsten"], types["hangt samen met"])
    codebook.merge_codes(store, olga, ids["Los"], ids["Wachtlijsten"])
    # The repeated cause went; the relation to itself went.
    assert [(r["source"], r["type"], r["target"]) for r in axial.relations(store, olga, qual)] == [
        ("Wachtlijsten", "is oorzaak van", "Wantrouwen")]
    codebook.delete_code(store, olga, ids["Wantrouwen"])
    assert axial.relations(store, olga, qual) == []
    assert store.value("SELECT count(*) FROM events WHERE entity = 'relation' AND"
                       " action = 'delete'") == 3
