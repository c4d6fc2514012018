"""Memos on a project, document, case, code, coding or passage; the memo manager."""

from __future__ import annotations

import pytest

from research.accounts import PermissionDenied
from research.qual import codebook, codings, documents, memos
from research.qual.documents import TurnSpan
from research.qual.projects import ProjectError


def test_memos_on_every_kind_of_target(store, users, qual):
    olga = users["onderzoeker"]
    doc = documents.add_document(store, olga, qual, "Interview 1", "R1: Het gaat wel.",
                                 turns=[TurnSpan(4, 17, "R1")])
    case = store.value("SELECT id FROM cases")
    code = codebook.add_code(store, olga, qual, "Welzijn")
    coding = codings.add_coding(store, olga, doc, code, 4, 17)
    made = [
        memos.add_memo(store, olga, qual, "Opzet", "**Grounded theory**", kind="methode"),
        memos.add_memo(store, olga, qual, "Sfeer", kind="vrij", target="document", target_id=doc),
        memos.add_memo(store, olga, qual, "R1", kind="steekproef", target="case", target_id=case),
        memos.add_memo(store, olga, qual, "Welzijn?", kind="theorie", target="code",
                       target_id=code),
        memos.add_memo(store, olga, qual, "Mooi", target="coding", target_id=coding),
        memos.add_memo(store, olga, qual, "Let op", target="passage", target_id=doc, start=4,
                       end=7),
    ]
    listed = memos.memos(store, olga, qual)
    assert [(m["title"], m["target_kind"], m["about"], m["author"]) for m in listed] == [
        ("Let op", "passage", "Interview 1", "olga"),
        ("Mooi", "coding", "Welzijn in Interview 1", "olga"),
        ("Welzijn?", "code", "Welzijn", "olga"), ("R1", "case", "R1 — Interview 1", "olga"),
        ("Sfeer", "document", "Interview 1", "olga"), ("Opzet", "project", "Buurtkamers", "olga")]
    assert [m["id"] for m in listed] == made[::-1]
    assert [m["title"] for m in memos.memos(store, olga, qual, kind="theorie")] == ["Welzijn?"]
    assert [m["title"] for m in memos.memos(store, olga, qual, text="grounded")] == ["Opzet"]
    assert [m["title"] for m in memos.memos(store, olga, qual, target="code",
                                            target_id=code)] == ["Welzijn?"]


def test_memo_refusals_and_updates(store, users, qual):
    olga, lex = users["onderzoeker"], users["lezer"]
    doc = documents.add_document(store, olga, qual, "Interview 1", "kort")
    with pytest.raises(ProjectError, match="^Geef het memo een titel.$"):
        memos.add_memo(store, olga, qual, "  ")
    with pytest.raises(ProjectError, match="^Onbekend soort memo 'roman'.$"):
        memos.add_memo(store, olga, qual, "T", kind="roman")
    with pytest.raises(ProjectError, match="^Kies het fragment"):
        memos.add_memo(store, olga, qual, "T", target="passage", target_id=doc, start=2, end=9)
    with pytest.raises(ProjectError, match="^Het memo hoort niet bij iets in dit project.$"):
        memos.add_memo(store, olga, qual, "T", target="code", target_id=999)
    with pytest.raises(PermissionDenied):
        memos.add_memo(store, lex, qual, "T")
    memo = memos.add_memo(store, olga, qual, "Eerst", "tekst")
    memos.update_memo(store, olga, memo, title="Daarna", body="nieuw", kind="theorie")
    assert store.one("SELECT title, body, kind, updated_by FROM memos WHERE id = ?", [memo]) == {
        "title": "Daarna", "body": "nieuw", "kind": "theorie", "updated_by": olga.id}
    memos.delete_memo(store, olga, memo)
    assert memos.memos(store, olga, qual) == []


def test_a_memo_keeps_its_formatting_but_links_and_fetches_nothing():
    """The memo page shows a memo's markdown through shell.formatted: images, links, autolinks,
    HTML, directives and formulas stay text, and so do bare web and e-mail addresses (GFM links
    those after escapes are read: a word joiner, U+2060, breaks them)."""
    from research.ui import shell

    kept = "# Kop\n\n**Vet**, _schuin_ en ~~weg~~\n\n- punt\n1. eerste\n> citaat\n\n| a | b |"
    assert shell.formatted(kept) == kept
    assert shell.formatted("![p](http://a.nl/x.png) [k][r] <b>x</b>") == (
        "!\\[p\\](http\\:\u2060//a.nl/x.png) \\[k\\]\\[r\\] \\<b>x\\</b>")
    assert shell.formatted("[r]: https://a.nl/r.png") == "\\[r\\]\\: https\\:\u2060//a.nl/r.png"
    assert shell.formatted(":blue[x] :material/home: $y$ `c` \\[") == (
        "\\:blue\\[x\\] \\:material/home\\: \\$y\\$ \\`c\\` \\\\\\[")
    assert shell.formatted("WWW.a.nl of www.b.nl, mail d@e.nl") == (
        "WWW\u2060.a.nl of www\u2060.b.nl, mail d@\u2060e.nl")
