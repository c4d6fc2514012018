"""Agreement on a project's codings: units from documents, missing coders, disagreements,
decisions settled by the consensus coder."""

from __future__ import annotations

import pytest

from conftest import PASSWORD
from research import accounts
from research.accounts import SYSTEM_USER
from research.qual import agreement, codebook, codings, documents, intercoder, projects
from research.qual.projects import ProjectError

TEXT = "Ik wacht lang. Mijn buur helpt. Ik ben bang. Het is goed zo."


@pytest.fixture
def two_coders(store, users, qual):
    olga = users["onderzoeker"]
    rob = accounts.create_user(store, SYSTEM_USER, "rob", "onderzoeker", PASSWORD)
    projects.add_member(store, olga, qual, rob.id)
    doc = documents.add_document(store, olga, qual, "Interview 1", TEXT)
    other = documents.add_document(store, olga, qual, "Interview 2", "Alleen Olga codeert hier.")
    wait = codebook.add_code(store, olga, qual, "Wachten")
    help_ = codebook.add_code(store, olga, qual, "Steun")

    def code(who, code_id, quote, document=doc, text=TEXT):
        start = text.index(quote)
        codings.add_coding(store, who, document, code_id, start, start + len(quote))

    code(olga, wait, "Ik wacht lang.")
    code(rob, wait, "wacht lang")              # the same sentence, a shorter span
    code(olga, help_, "Mijn buur helpt.")
    code(rob, help_, "Ik ben bang.")           # a difference
    code(olga, wait, "Alleen Olga", other, "Alleen Olga codeert hier.")
    return olga, rob, doc, wait, help_


def test_matrices_mark_missing_coders(store, users, qual, two_coders):
    olga, rob, doc, wait, help_ = two_coders
    data = intercoder.matrices(store, olga, qual, coder_ids=[olga.id, rob.id], unit="zin")
    assert [(d, s, e) for d, s, e in data["units"]][:4] == [
        (doc, 0, 14), (doc, 15, 31), (doc, 32, 44), (doc, 45, 60)]
    # rob did not code Interview 2: missing there, not "uncoded".
    assert str(data["per_code"][wait].tolist()) == (
        "[[1.0, 0.0, 0.0, 0.0, 1.0], [1.0, 0.0, 0.0, 0.0, nan]]")
    # Nominal over the codes in name order (1 = Steun, 2 = Wachten, 0 = none).
    assert str(data["nominal"].tolist()) == "[[2.0, 1.0, 0.0, 0.0, 2.0], [2.0, 0.0, 1.0, 0.0, nan]]"


def test_report_and_disagreements_and_settling(store, users, qual, two_coders):
    olga, rob, doc, wait, help_ = two_coders
    result = intercoder.compare(store, olga, qual, coder_ids=[olga.id, rob.id], unit="zin",
                                n_boot=200)
    assert result["coders"] == ["olga", "rob"]
    assert result["per_code"]["Wachten"]["percent_agreement"] == 1.0
    assert result["per_code"]["Wachten"]["cohen_kappa"] == 1.0
    assert result["per_code"]["Steun"]["percent_agreement"] == 0.5
    assert result["per_code"]["Steun"]["n_units"] == 4
    found = intercoder.disagreements(store, olga, qual, help_, coder_ids=[olga.id, rob.id])
    assert [(d["text"], d["coders"]) for d in found] == [
        ("Mijn buur helpt.", {"olga": True, "rob": False}),
        ("Ik ben bang.", {"olga": False, "rob": True})]
    intercoder.settle(store, olga, doc, 15, 31, help_, True, "Buurhulp is steun.")
    intercoder.settle(store, olga, doc, 32, 44, help_, False)
    consensus = accounts.find_user(store, "consensus")
    assert consensus.active is False
    assert [(c["coder"], TEXT[c["start_pos"]:c["end_pos"]])
            for c in codings.codings(store, olga, doc) if c["coder"] == "consensus"] == [
        ("consensus", "Mijn buur helpt.")]
    assert store.value("SELECT title FROM memos WHERE target_kind = 'passage'") == \
        "Besluit over overeenstemming"
    with pytest.raises(ProjectError, match="^Kies minstens twee codeurs.$"):
        intercoder.compare(store, olga, qual, coder_ids=[olga.id])
    with pytest.raises(ProjectError, match="^Onbekende eenheid 'woord'"):
        intercoder.compare(store, olga, qual, coder_ids=[olga.id, rob.id], unit="woord")


def test_character_and_paragraph_units(store, users, qual, two_coders):
    olga, rob, doc, wait, help_ = two_coders
    chars = intercoder.matrices(store, olga, qual, coder_ids=[olga.id, rob.id], unit="teken",
                                document_ids=[doc], code_ids=[wait])
    assert chars["per_code"][wait].shape == (2, len(TEXT))
    assert chars["per_code"][wait].sum(axis=1).tolist() == [14.0, 10.0]
    paragraphs = intercoder.matrices(store, olga, qual, coder_ids=[olga.id, rob.id],
                                     unit="alinea", document_ids=[doc])
    assert paragraphs["units"] == [(doc, 0, len(TEXT))]


def test_patterns_give_the_report_of_the_full_matrices(store, users, qual, two_coders):
    olga, rob, doc, wait, help_ = two_coders
    asked = dict(coder_ids=[olga.id, rob.id], unit="zin")
    dense = intercoder.matrices(store, olga, qual, **asked)
    compact = intercoder.patterns(store, olga, qual, **asked)
    assert compact["units"] == len(dense["units"]) == 5
    # Wachten: both coded unit 1, neither units 2-4; unit 5 only olga (rob absent there).
    assert str(compact["per_code"][wait].columns.tolist()) == "[[1.0, 0.0, 1.0], [1.0, 0.0, nan]]"
    assert compact["per_code"][wait].counts.tolist() == [1, 3, 1]
    assert compact["nominal"] is None       # only for a code set
    assert agreement.report(compact["per_code"], n_boot=300) == \
        agreement.report(dense["per_code"], n_boot=300)
    both = codebook.save_code_set(store, olga, qual, "Beide", [wait, help_])
    as_set = intercoder.patterns(store, olga, qual, set_id=both, **asked)
    dense = intercoder.matrices(store, olga, qual, set_id=both, **asked)
    assert str(as_set["nominal"].tolist()) == str(dense["nominal"].tolist()) == \
        "[[1.0, 2.0, 0.0, 0.0, 1.0], [1.0, 0.0, 2.0, 0.0, nan]]"
    assert intercoder.compare(store, olga, qual, set_id=both, n_boot=300, **asked)["nominal"] == \
        agreement.report(dense["per_code"], nominal=dense["nominal"], n_boot=300)["nominal"]
