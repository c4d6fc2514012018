"""Similar bewonersvragen: the same question typed again, paraphrases, only within one wijk."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from research.accounts import SYSTEM_USER, PermissionDenied
from research.tracker import questions
from research.tracker.similarity import normalise, similar

TODAY = date(2026, 6, 1)
LABELLED = Path(__file__).parent / "data" / "bewonersvragen_gelabeld.yaml"

NOORD = {1, 2, 4, 5, 8}
ZUIDOOST = {3, 6, 7}


def log(store, wijk, text, asked_on=date(2026, 1, 5)):
    return questions.log_question(store, SYSTEM_USER, wijk_id=wijk, asked_on=asked_on, text=text,
                                  asker_group="bewoner", today=TODAY)


@pytest.fixture
def logged(store):
    made = [log(store, wijk, text) for wijk, text in [
        ("noord", "Waarom is de speeltuin dicht?"),
        ("noord", "Hoeveel gezinnen in Noord hebben schulden?"),
        ("zuidoost", "Waarom is de speeltuin dicht?"),
        ("noord", "Wanneer gaan de speeltuinen weer open"),
        ("noord", "Is er huiswerkbegeleiding in het buurthuis?"),
        ("zuidoost", "Wanneer gaan de speeltuinen weer open"),
        ("zuidoost", "Kan de speeltuin in Gaasperdam open?"),
        ("noord", "De speeltuin bij het Waterlandplein is vies"),
    ]]
    assert made == [1, 2, 3, 4, 5, 6, 7, 8]
    return made


def ids(found):
    return [r["id"] for r in found]


def test_normalise():
    assert normalise("  WAAROM is de Speeltuin\t dicht?!  ") == "waarom is de speeltuin dicht"
    assert normalise("Café’s — ﬁjn…") == "café s fijn"
    assert normalise("?!... ") == ""


def test_exact_repeat_comes_first_with_score_100(store, users, logged):
    found = similar(store, users["coordinator"], "  WAAROM is de speeltuin   dicht!! ", "noord")
    assert found[0] == {"id": 1, "text": "Waarom is de speeltuin dicht?",
                        "asked_on": "2026-01-05", "status": "open", "score": 100.0,
                        "exact": True}
    assert [r["exact"] for r in found[1:]] == [False] * (len(found) - 1)
    assert all(0 < r["score"] < 100 for r in found[1:])
    # Best first.
    assert [r["score"] for r in found] == sorted((r["score"] for r in found), reverse=True)


def test_status_of_the_match_is_shown(store, users, logged):
    questions.close_question(store, users["beheerder"], 1, today=TODAY)
    assert similar(store, users["lezer"], "Waarom is de speeltuin dicht", "noord")[0]["status"] \
        == "gesloten"


def test_an_inflected_paraphrase_is_found(store, users, logged):
    lex = users["lezer"]
    found = similar(store, lex, "Waarom is de speeltuin dicht?", "noord", exclude_id=1)
    assert found[0]["id"] == 4
    assert found[0]["exact"] is False
    found = similar(store, lex, "Wanneer gaan de speeltuinen weer open", "noord", exclude_id=4)
    assert found[0]["id"] == 1
    # Questions about something else rank below the three speeltuin questions, if at all.
    found = ids(similar(store, lex, "Is de speeltuin nog dicht?", "noord"))
    assert found[0] == 1
    assert set(found[:3]) == {1, 4, 8}


def test_questions_of_other_wijken_never_appear(store, users, logged):
    lex = users["lezer"]
    for text in ("Waarom is de speeltuin dicht?", "speeltuin",
                 "Kan de speeltuin in Gaasperdam open?",
                 "Hoeveel gezinnen in Noord hebben schulden?"):
        assert set(ids(similar(store, lex, text, "noord", limit=20))) <= NOORD
        assert set(ids(similar(store, lex, text, "zuidoost", limit=20))) <= ZUIDOOST
    found = similar(store, lex, "Waarom is de speeltuin dicht?", "zuidoost")
    assert (found[0]["id"], found[0]["exact"]) == (3, True)
    assert similar(store, lex, "Waarom is de speeltuin dicht?", "nieuw-west") == []


def test_exclude_id(store, users, logged):
    lex = users["lezer"]
    assert 1 in ids(similar(store, lex, "Waarom is de speeltuin dicht?", "noord"))
    found = similar(store, lex, "Waarom is de speeltuin dicht?", "noord", exclude_id=1)
    assert 1 not in ids(found)
    assert True not in [r["exact"] for r in found]
    # Excluding a question of another wijk changes nothing.
    assert similar(store, lex, "Waarom is de speeltuin dicht?", "noord", exclude_id=3) == \
        similar(store, lex, "Waarom is de speeltuin dicht?", "noord")


def test_limit(store, users, logged):
    lex = users["lezer"]
    full = similar(store, lex, "speeltuin", "noord", limit=10)
    assert len(full) >= 3
    assert ids(similar(store, lex, "speeltuin", "noord", limit=1)) == ids(full)[:1]
    assert ids(similar(store, lex, "speeltuin", "noord", limit=2)) == ids(full)[:2]
    assert len(similar(store, lex, "Waarom is de speeltuin dicht?", "noord", limit=1)) == 1
    assert similar(store, lex, "Waarom is de speeltuin dicht?", "noord", limit=1)[0]["exact"]


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "?!", "...", "-- // ??", "“”‘’"])
def test_empty_or_punctuation_only_text_finds_nothing(store, users, logged, text):
    assert similar(store, users["lezer"], text, "noord") == []


def test_nothing_logged_in_the_wijk(store, users):
    assert similar(store, users["lezer"], "Waarom is de speeltuin dicht?", "noord") == []


@pytest.mark.parametrize("text", [
    "AND", "OR NOT", "NOT", "speeltuin NEAR dicht", "NEAR(speeltuin dicht, 2)",
    'speeltuin "dicht', '"speeltuin"', '""', "speel*", "*", "(speeltuin", "speeltuin)", "()",
    "^speeltuin", "^", "lemmas:speeltuin", "wijk:noord", ":", "speeltuin AND (dicht OR open)",
    "speeltuin - dicht", "'", "\\", "speeltuin;DROP TABLE questions;--", "{speeltuin}",
])
def test_search_syntax_in_the_text_is_harmless(store, users, logged, text):
    found = similar(store, users["lezer"], text, "noord")
    assert isinstance(found, list)
    assert set(ids(found)) <= NOORD
    if "speeltuin" in text:
        assert 1 in ids(found)
    assert store.value("SELECT count(*) FROM questions") == 8


def test_analist_may_not_search(store, users, logged):
    with pytest.raises(PermissionDenied):
        similar(store, users["analist"], "Waarom is de speeltuin dicht?", "noord")


@pytest.mark.parametrize("role", ["beheerder", "onderzoeker", "coordinator", "lezer"])
def test_every_reader_may_search_every_wijk(store, users, logged, role):
    assert ids(similar(store, users[role], "Kan de speeltuin in Gaasperdam open?",
                       "zuidoost"))[0] == 7


def test_a_typo_still_finds_candidates(store, users, logged):
    found = similar(store, users["lezer"], "speeltuinn", "noord")
    assert set(ids(found)[:3]) == {1, 4, 8}
    assert True not in [r["exact"] for r in found]
    found = similar(store, users["lezer"], "Hoeveel gezinen hebben schuldn?", "noord")
    assert (found[0]["id"], found[0]["exact"]) == (2, False)


def test_a_question_logged_after_a_search_is_found(store, users, logged):
    lex = users["lezer"]
    similar(store, lex, "speeltuin", "noord")   # the wijk's index now exists
    new = log(store, "noord", "Wanneer wordt de speeltuin gerepareerd?")
    found = similar(store, lex, "wanneer wordt de speeltuin gerepareerd", "noord")
    assert (found[0]["id"], found[0]["exact"]) == (new, True)
    # Also after the wijk has grown well beyond its size when the index was made.
    more = [log(store, "noord", text) for text in [
        "Wie ruimt het zwerfvuil op het Mosplein op?", "Komt er een nieuwe huisarts in de Banne?",
        "Waarom is het buurthuis op zondag gesloten?", "Hoe vraag ik een parkeervergunning aan?",
        "Waar kan mijn moeder Nederlandse les volgen?", "Is de pont 's nachts nog veilig?",
        "Hoe lang is de wachtlijst voor een sociale huurwoning?",
        "Waarom staan er zoveel fietswrakken bij het metrostation?",
        "Kan de gemeente iets doen aan de schimmel in onze flat?",
        "Wie helpt ouderen met hun digitale post?"]]
    found = similar(store, lex, "Waarom staan er zoveel fietswrakken bij het metrostation", "noord")
    assert (found[0]["id"], found[0]["exact"]) == (more[7], True)
    assert similar(store, lex, "Wanneer wordt de speeltuin gerepareerd?", "noord")[0]["id"] == new


def test_a_deleted_question_is_no_longer_found(store, users, logged):
    lex = users["lezer"]
    assert ids(similar(store, lex, "Waarom is de speeltuin dicht?", "noord"))[0] == 1
    store.write(SYSTEM_USER.actor, lambda tx: tx.delete("questions", 1))
    found = similar(store, lex, "Waarom is de speeltuin dicht?", "noord")
    assert 1 not in ids(found)
    assert True not in [r["exact"] for r in found]


def test_exact_repeat_comes_before_a_newer_question_with_the_same_lemmas(store, users):
    # Both score 100.0 ('De speeltuin: dicht?' also has the lemmas 'speeltuin dicht').
    first = log(store, "noord", "Waarom is de speeltuin dicht?")
    log(store, "noord", "De speeltuin: dicht?")
    found = similar(store, users["lezer"], "waarom is de speeltuin dicht", "noord")
    assert (found[0]["id"], found[0]["exact"]) == (first, True)


@pytest.mark.parametrize("logged_text, typed", [
    ("Waarom rijdt bus 36 sinds januari niet meer over de Meeuwenlaan naar het station?",
     "Waarom rijdt bus 38 sinds januari niet meer over de Meeuwenlaan naar het station?"),
    ("Klopt het dat de speeltuin bij het Waterlandplein na de zomervakantie weer open gaat "
     "voor de kinderen uit de buurt?",
     "Klopt het dat de speeltuin bij het Waterlandplein na de zomervakantie niet weer open gaat "
     "voor de kinderen uit de buurt?"),
])
def test_a_different_question_is_not_an_exact_repeat(store, users, logged_text, typed):
    # One changed digit or an inserted 'niet' in a long text is another question.
    log(store, "noord", logged_text)
    found = similar(store, users["lezer"], typed, "noord")
    assert [r["exact"] for r in found] == [False]


SPEELTUIN = ["Waarom is de speeltuin dicht?", "Wanneer gaat de speeltuin open?",
             "Is de speeltuin veilig?", "De speeltuin is vies", "De speeltuin is kapot"]


def test_a_short_new_question_is_found_when_the_index_is_fresh(store, users):
    for text in SPEELTUIN * 4:
        log(store, "noord", text)
    new = log(store, "noord", "Wifi?")
    found = similar(store, users["lezer"], "Wifi?", "noord")
    assert (found[0]["id"], found[0]["exact"]) == (new, True)


def test_a_short_new_question_is_found_after_an_earlier_search(store, users):
    # None of the n-grams of "wifi" are in the vocabulary fitted on the speeltuin questions.
    for text in SPEELTUIN * 4:
        log(store, "noord", text)
    similar(store, users["lezer"], "speeltuin", "noord")   # fits the index on 20 questions
    new = log(store, "noord", "Wifi?")
    found = similar(store, users["lezer"], "Wifi?", "noord")
    assert found and (found[0]["id"], found[0]["exact"]) == (new, True)


def test_recall_at_5_on_the_labelled_paraphrases(store):
    """For each question with a `groep`: is another member of its group among the top 5?"""
    with open(LABELLED, encoding="utf-8") as handle:
        labelled = yaml.safe_load(handle)["vragen"]
    own_id = {q["id"]: log(store, q["wijk"], q["tekst"], asked_on=date(2026, 1, 15))
              for q in labelled}
    groups: dict[int, set[int]] = {}
    for q in labelled:
        if "groep" in q:
            groups.setdefault(q["groep"], set()).add(own_id[q["id"]])
    assert (len(labelled), len(groups)) == (215, 46)

    hits = total = 0
    for q in labelled:
        if "groep" not in q:
            continue
        me = own_id[q["id"]]
        found = similar(store, SYSTEM_USER, q["tekst"], q["wijk"], limit=5, exclude_id=me)
        assert len(found) <= 5 and me not in ids(found)
        total += 1
        hits += bool((groups[q["groep"]] - {me}) & set(ids(found)))
    recall = hits / total
    print(f"recall@5 = {hits}/{total} = {recall:.3f}")
    assert total == 107
    assert recall >= 0.75


def test_exact_repeat_is_found_among_many_questions_with_the_same_lemmas(store, users):
    for text in ["Is de speeltuin dicht?", "De speeltuin is dicht.", "Speeltuin dicht?",
                 "Waarom is die speeltuin dicht", "Is de speeltuin nu dicht?",
                 "Wanneer is de speeltuin dicht?", "Speeltuin: dicht!", "Is die speeltuin dicht?",
                 "De speeltuin is nog dicht", "Is de speeltuin al dicht?",
                 "Is de speeltuin weer dicht?", "Is de speeltuin vandaag dicht?"]:
        log(store, "noord", text)
    target = log(store, "noord", "Waarom is de speeltuin dicht?")
    found = similar(store, users["lezer"], "Waarom is de speeltuin dicht?", "noord")
    assert (found[0]["id"], found[0]["exact"]) == (target, True)


def test_tfidf_is_scikit_learns_without_importing_it():
    """`tfidf.CharTfidf` replaces scikit-learn's TfidfVectorizer (importing scikit-learn cost
    every `tracker add` a second): same vocabulary, idf and vectors, on the labelled set and
    on odd texts (empty, one letter, runs of white space, accents)."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    from research.nlp import lemma_text
    from research.tracker.tfidf import CharTfidf

    texts = [lemma_text(q["tekst"]) for q in yaml.safe_load(LABELLED.read_text())["vragen"]]
    texts += ["", "a", "  x  y\t\tz ", "Één ÜBER straße", "ab"]
    ours, theirs = CharTfidf(3, 5), TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5),
                                                     sublinear_tf=True)
    mine, reference = ours.fit_transform(texts), theirs.fit_transform(texts)
    assert ours.vocabulary_ == theirs.vocabulary_
    assert len(ours.vocabulary_) == 6655
    assert np.array_equal(ours.idf_, theirs.idf_)
    assert abs(mine - reference).max() < 1e-15
    new = ["speeltuin dicht", "zzzz qqqq", "", texts[3]]
    assert abs(ours.transform(new) - theirs.transform(new)).max() < 1e-15
    assert ours.transform(new).getnnz(axis=1).tolist() == [36, 0, 0, 75]
