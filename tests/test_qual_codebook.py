"""The codebook: a tree of codes with definitions, merge, split, delete, code sets, YAML."""

from __future__ import annotations

import pytest

from research.qual import codebook, codings, documents, memos
from research.qual.projects import ProjectError

TEXT = "Aaaa Bbbb Cccc Dddd"


@pytest.fixture
def doc(store, users, qual):
    return documents.add_document(store, users["onderzoeker"], qual, "Interview 1", TEXT)


def test_tree_order_and_palette(store, users, qual):
    olga = users["onderzoeker"]
    steun = codebook.add_code(store, olga, qual, "Steun", description="Hulp van anderen",
                              inclusion="Praktische en emotionele hulp", exclusion="Geld",
                              example="Mijn zus helpt")
    codebook.add_code(store, olga, qual, "Buren", parent_id=steun)
    familie = codebook.add_code(store, olga, qual, "familie", parent_id=steun)
    codebook.add_code(store, olga, qual, "Zus", parent_id=familie)
    codebook.add_code(store, olga, qual, "Angst")
    assert [(c["name"], c["depth"], c["colour"]) for c in codebook.codes(store, olga, qual)] == [
        ("Angst", 0, "#f2994a"), ("Steun", 0, "#f2c94c"), ("Buren", 1, "#6fcf97"),
        ("familie", 1, "#56ccf2"), ("Zus", 2, "#bb6bd9")]
    # The coding panel's list: the same tree, without counting the codings.
    tree = codebook.code_tree(store, olga, qual)
    assert [(c["name"], c["depth"]) for c in tree] == [
        ("Angst", 0), ("Steun", 0), ("Buren", 1), ("familie", 1), ("Zus", 2)]
    assert "passages" not in tree[0]
    row = store.one("SELECT description, inclusion, exclusion, example FROM codes WHERE id = ?",
                    [steun])
    assert row == {"description": "Hulp van anderen", "inclusion": "Praktische en emotionele hulp",
                   "exclusion": "Geld", "example": "Mijn zus helpt"}


def test_update_refuses_cycles_and_bad_values(store, users, qual):
    olga = users["onderzoeker"]
    top = codebook.add_code(store, olga, qual, "Top")
    child = codebook.add_code(store, olga, qual, "Kind", parent_id=top)
    with pytest.raises(ProjectError, match="^Een code kan niet onder zichzelf"):
        codebook.update_code(store, olga, top, parent_id=child)
    with pytest.raises(ProjectError, match="^Een code kan niet onder zichzelf"):
        codebook.update_code(store, olga, top, parent_id=top)
    with pytest.raises(ProjectError, match="^Er is al een code 'Top' bovenaan het codeboek.$"):
        codebook.update_code(store, olga, child, name="  Top ", parent_id=None)
    other = codebook.add_code(store, olga, qual, "Ander kind", parent_id=top)
    with pytest.raises(ProjectError, match="^Er is al een code 'Kind' onder 'Top'.$"):
        codebook.update_code(store, olga, other, name="Kind")
    codebook.update_code(store, olga, child, name="Nieuw  kind", colour="#ABCDEF", parent_id=None,
                         description="  def ")
    assert store.one("SELECT name, colour, parent_id, description FROM codes WHERE id = ?",
                     [child]) == {"name": "Nieuw kind", "colour": "#abcdef", "parent_id": None,
                                  "description": "def"}


def test_merge_moves_passages_children_sets_and_memos(store, users, qual, doc):
    olga = users["onderzoeker"]
    source = codebook.add_code(store, olga, qual, "Hulp")
    target = codebook.add_code(store, olga, qual, "Steun")
    sub = codebook.add_code(store, olga, qual, "Buren", parent_id=source)
    codings.add_coding(store, olga, doc, source, 0, 4)
    codings.add_coding(store, olga, doc, source, 5, 9)
    codings.add_coding(store, olga, doc, target, 5, 9)  # the same passage: the duplicate goes
    codebook.save_code_set(store, olga, qual, "Relaties", [source])
    memo = memos.add_memo(store, olga, qual, "Over hulp", target="code", target_id=source)
    assert codebook.merge_codes(store, olga, source, target) == 1
    assert [(c["name"], c["passages"]) for c in codebook.codes(store, olga, qual)] == [
        ("Steun", 2), ("Buren", 0)]
    assert store.value("SELECT parent_id FROM codes WHERE id = ?", [sub]) == target
    assert codebook.code_sets(store, olga, qual)[0]["codes"] == [target]
    assert store.value("SELECT target_id FROM memos WHERE id = ?", [memo]) == target
    with pytest.raises(ProjectError, match="^Kies twee verschillende codes"):
        codebook.merge_codes(store, olga, target, target)


def test_split_moves_chosen_passages(store, users, qual, doc):
    olga = users["onderzoeker"]
    code = codebook.add_code(store, olga, qual, "Steun")
    keep = codings.add_coding(store, olga, doc, code, 0, 4)
    move = codings.add_coding(store, olga, doc, code, 10, 14)
    new = codebook.split_code(store, olga, code, [move], "Steun van familie")
    assert {c["name"]: c["passages"] for c in codebook.codes(store, olga, qual)} == {
        "Steun": 1, "Steun van familie": 1}
    assert store.value("SELECT code_id FROM codings WHERE id = ?", [keep]) == code
    assert store.value("SELECT code_id FROM codings WHERE id = ?", [move]) == new
    with pytest.raises(ProjectError, match="^Niet alle gekozen fragmenten horen bij deze code.$"):
        codebook.split_code(store, olga, code, [move], "Nog een")
    with pytest.raises(ProjectError, match="^Kies de fragmenten"):
        codebook.split_code(store, olga, code, [], "Nog een")


def test_delete_reports_impact_and_lifts_children(store, users, qual, doc):
    olga = users["onderzoeker"]
    top = codebook.add_code(store, olga, qual, "Top")
    code = codebook.add_code(store, olga, qual, "Weg", parent_id=top)
    child = codebook.add_code(store, olga, qual, "Kind", parent_id=code)
    codings.add_coding(store, olga, doc, code, 0, 4)
    memos.add_memo(store, olga, qual, "Memo", target="code", target_id=code)
    assert codebook.delete_impact(store, olga, code) == {"codings": 1, "subcodes": 1, "memos": 1}
    codebook.delete_code(store, olga, code)
    assert store.value("SELECT parent_id FROM codes WHERE id = ?", [child]) == top
    assert store.value("SELECT count(*) FROM codings") == 0
    assert store.value("SELECT count(*) FROM memos") == 0


def test_code_sets(store, users, qual):
    olga = users["onderzoeker"]
    a = codebook.add_code(store, olga, qual, "A")
    b = codebook.add_code(store, olga, qual, "B")
    first = codebook.save_code_set(store, olga, qual, "Eerste", [a, b])
    codebook.save_code_set(store, olga, qual, "Tweede", [b])
    with pytest.raises(ProjectError, match="^Er is al een codeset 'Tweede'.$"):
        codebook.save_code_set(store, olga, qual, "Tweede", [a])
    codebook.save_code_set(store, olga, qual, "Eerste (herzien)", [a], set_id=first)
    assert [(s["name"], s["codes"]) for s in codebook.code_sets(store, olga, qual)] == [
        ("Eerste (herzien)", [a]), ("Tweede", [b])]
    codebook.delete_code_set(store, olga, first)
    assert [s["name"] for s in codebook.code_sets(store, olga, qual)] == ["Tweede"]


def test_yaml_round_trip(store, users, qual):
    olga = users["onderzoeker"]
    steun = codebook.add_code(store, olga, qual, "Steun", "#6fcf97", "Hulp van anderen",
                              example="Mijn zus helpt")
    codebook.add_code(store, olga, qual, "Buren", "#56ccf2", parent_id=steun)
    codebook.save_code_set(store, olga, qual, "Relaties", [steun])
    text = codebook.to_yaml(store, olga, qual)
    assert text == (
        "codes:\n- naam: Steun\n  kleur: '#6fcf97'\n  definitie: Hulp van anderen\n"
        "  voorbeeld: Mijn zus helpt\n  subcodes:\n  - naam: Buren\n    kleur: '#56ccf2'\n"
        "codesets:\n- naam: Relaties\n  omschrijving: ''\n  codes:\n  - Steun\n")
    other = users["beheerder"]
    from research.qual import projects
    target = projects.create_project(store, other, "Tweede project")
    flat, sets = codebook.parse_yaml(text)
    assert codebook.load_codes(store, other, target, flat, sets) == {
        "codes": 2, "skipped": 0, "codesets": 1}
    assert codebook.to_yaml(store, other, target) == text
    # Loading again adds nothing.
    assert codebook.load_codes(store, other, target, flat, sets) == {
        "codes": 0, "skipped": 2, "codesets": 0}


def test_yaml_refusals():
    with pytest.raises(ProjectError, match=r"^boek.yaml is geen geldig YAML-bestand \(regel 1\).$"):
        codebook.parse_yaml("codes: [", "boek.yaml")
    with pytest.raises(ProjectError, match="^boek.yaml heeft geen lijst 'codes'.$"):
        codebook.parse_yaml("- a", "boek.yaml")
    with pytest.raises(ProjectError, match="^boek.yaml: elke code heeft een 'naam'.$"):
        codebook.parse_yaml("codes:\n- kleur: '#ffffff'", "boek.yaml")


def test_shipped_codebook_loads(store, users, qual):
    from research.config import CODEBOOKS_DIR
    flat, sets = codebook.read_yaml_file(CODEBOOKS_DIR / "codeboek_sociale_basis.yaml")
    olga = users["onderzoeker"]
    assert codebook.load_codes(store, olga, qual, flat, sets) == {
        "codes": 8, "skipped": 0, "codesets": 1}
    assert [(c["name"], c["depth"]) for c in codebook.codes(store, olga, qual)] == [
        ("Drempels", 0), ("Taalbarrière", 1), ("Vertrouwen in instanties", 1),
        ("Wachtlijsten", 1), ("Ontmoetingsplek", 0), ("Steun", 0), ("Formele hulp", 1),
        ("Informele steun", 1)]


def test_codebook_exports_with_control_characters(store, users, qual, tmp_path):
    """A definition pasted from Word with a vertical tab or holding a NUL: YAML escapes it and
    reads it back; REFI (.qdc, XML) leaves out what XML cannot hold."""
    from research.qual import exchange

    olga = users["onderzoeker"]
    codebook.add_code(store, olga, qual, "Steun", description="a\x0bb\x00c\x01d")
    text = codebook.to_yaml(store, olga, qual)
    assert codebook.parse_yaml(text)[0][0]["description"] == "a\x0bb\x00c\x01d"
    exchange.export_qdc(store, olga, qual, tmp_path / "codes.qdc")
    qdc = (tmp_path / "codes.qdc").read_text(encoding="utf-8")
    assert "abcd" in qdc and "\x00" not in qdc and "\x0b" not in qdc


def test_a_name_is_unique_among_siblings_only(store, users, qual, doc):
    """'Steun' under 'Familie' and 'Steun' under 'Buurt' are two codes (issue 17): where the
    tree is not shown they are named by their path; the command line finds them by path."""
    olga = users["onderzoeker"]
    familie = codebook.add_code(store, olga, qual, "Familie")
    buurt = codebook.add_code(store, olga, qual, "Buurt")
    steun_f = codebook.add_code(store, olga, qual, "Steun", parent_id=familie)
    steun_b = codebook.add_code(store, olga, qual, "Steun", parent_id=buurt)
    rows = codebook.codes(store, olga, qual)
    assert [(c["name"], c["depth"]) for c in rows] == [
        ("Buurt", 0), ("Steun", 1), ("Familie", 0), ("Steun", 1)]
    assert codebook.labels(rows) == {familie: "Familie", buurt: "Buurt",
                                     steun_f: "Familie › Steun", steun_b: "Buurt › Steun"}
    assert codebook.find_code(store, olga, qual, "Buurt/Steun") == steun_b
    assert codebook.find_code(store, olga, qual, "Familie › Steun") == steun_f
    assert codebook.find_code(store, olga, qual, "Familie") == familie
    with pytest.raises(ProjectError, match=r"^Er zijn 2 codes 'Steun'; geef het pad, zoals "
                                           r"'Buurt / Steun'.$"):
        codebook.find_code(store, olga, qual, "Steun")
    with pytest.raises(ProjectError, match="^Er is geen code 'Hulp' in dit project.$"):
        codebook.find_code(store, olga, qual, "Hulp")
    with pytest.raises(ProjectError, match="^Er is al een code 'Steun' onder 'Familie'.$"):
        codebook.update_code(store, olga, steun_b, parent_id=familie)
    with pytest.raises(ProjectError, match="^Er is al een code 'Steun' onder 'Familie'.$"):
        codebook.merge_codes(store, olga, buurt, familie)
    # A subcode may carry its parent's name and take its place when the parent goes.
    codebook.update_code(store, olga, steun_b, name="Buurt")
    codebook.delete_code(store, olga, buurt)
    assert [(c["name"], c["parent_id"]) for c in codebook.codes(store, olga, qual)] == [
        ("Buurt", None), ("Familie", None), ("Steun", familie)]
    assert store.value("SELECT name_key FROM codes WHERE id = ?", [steun_b]) == "0:Buurt"
