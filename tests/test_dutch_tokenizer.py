"""The tokenizer that adds spaCy's Dutch special cases as texts need them tokenises exactly as
spaCy's own tokenizer (`spacy.blank("nl").tokenizer`, all 4,670 special cases loaded)."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
import spacy
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.tokenizer import Tokenizer
from spacy.vocab import create_vocab

from research import demo, nlp
from research.bench import invent
from research.dutch_tokenizer import FEW_TEXTS, LONG_TEXT, OnDemandTokenizer, solid

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = spacy.blank("nl")
RULES = REFERENCE.Defaults.tokenizer_exceptions
KEYS = sorted(RULES)


def _fresh() -> OnDemandTokenizer:
    """A new tokenizer with spaCy's Dutch settings, its own vocabulary and no special case
    added yet."""
    theirs = REFERENCE.tokenizer
    return OnDemandTokenizer(create_vocab("nl", REFERENCE.Defaults), RULES,
                             prefix_search=theirs.prefix_search,
                             suffix_search=theirs.suffix_search,
                             infix_finditer=theirs.infix_finditer,
                             token_match=theirs.token_match, url_match=theirs.url_match)


def tokens(doc) -> list[tuple]:
    """Everything a token carries that the app reads (and where it lies)."""
    return [(t.text, t.whitespace_, t.idx, t.norm_, t.lower_, t.is_stop, t.is_punct,
             t.is_space, t.like_num, t.is_alpha, t.shape_) for t in doc]


def tokenised_alone(tokenizer: OnDemandTokenizer, text: str):
    """`text` after adding only the special cases this text can use (never all of them)."""
    tokenizer.add_for(text)
    return Tokenizer.__call__(tokenizer, text)


# The text pieces: every special case and parts of them, Dutch words (also those a special
# case starts or ends with), punctuation and white space, joined with or without a space.
WORDS = ["de", "het", "een", "en", "ik", "is", "we", "Buurt", "kinderen", "wachtlijst", "Noord",
         "a", "s", "v", "d", "m", "b", "t", "bijv", "o", "jl", "etc", "nr", "St", "mr", "dr",
         "2025", "40", "1.5", "12:30", "e-mail", "www.amsterdam.nl", "info@gemeente.nl", "ca",
         "zo'n", "z'n", "m'n", "'t", "d'r", "a.s", "enz", "km", "u", "U", "Ja", "NEE"]
PUNCTUATION = list(".,!?;:'\"()[]-–—/…%€$&*+=<>|@#") + ["...", "?!", "'s", "’", "‘", "“", "”",
                                                         "。", ":)", ";-)", "(:", "<3"]
SPACES = [" ", "  ", "\n", "\n\n", "\t", "\xa0", " \n ", "\u2009"]
pieces = st.one_of(
    st.sampled_from(KEYS),
    st.tuples(st.sampled_from(KEYS), st.integers(0, 4), st.integers(0, 4))
    .map(lambda cut: cut[0][cut[1]:len(cut[0]) - cut[2]]),        # a part of a special case
    st.sampled_from(WORDS), st.sampled_from(PUNCTUATION), st.sampled_from(SPACES))
texts = st.lists(st.tuples(pieces, st.sampled_from(["", " ", "", "\n"])),
                 max_size=30).map(lambda parts: "".join(p + sep for p, sep in parts))
SHARED = _fresh()   # accumulates special cases over the examples, as the app's does


@settings(max_examples=500, deadline=None, derandomize=True, database=None)
@given(texts)
@pytest.mark.slow
def test_random_texts_of_special_cases_words_and_punctuation_tokenise_as_spacy(text):
    expected = tokens(REFERENCE.tokenizer(text))
    assert tokens(tokenised_alone(_fresh(), text)) == expected
    assert tokens(tokenised_alone(SHARED, text)) == expected


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@pytest.mark.slow  # 4 s: many examples against spaCy's tokenizer
@given(st.lists(st.sampled_from(KEYS), min_size=1, max_size=4),
       st.lists(st.sampled_from(["", " ", "  ", "\n"]), min_size=4, max_size=4))
def test_special_cases_split_by_white_space_tokenise_as_spacy(keys, gaps):
    """Special cases whose characters appear with white space in between: the phrase matcher
    can match their tokens across it (and then must find no rule)."""
    text = "".join(key[:len(key) // 2] + gap + key[len(key) // 2:] + gap
                   for key, gap in zip(keys, gaps, strict=False))
    assert tokens(tokenised_alone(_fresh(), text)) == tokens(REFERENCE.tokenizer(text))


@pytest.mark.slow  # 5 s: every special case against spaCy's tokenizer
def test_special_cases_alone_and_glued_to_others_tokenise_as_spacy():
    """Every eighth special case (all of them take two minutes; they pass too)."""
    for before, key in list(zip([KEYS[-1], *KEYS], KEYS, strict=False))[::8]:
        text = f"{key} ({key}) x{key}. '{key}'{before}{key} {before}"
        assert tokens(tokenised_alone(_fresh(), text)) == tokens(REFERENCE.tokenizer(text)), key


def project_texts() -> list[str]:
    """The texts of the project's tests, demo and benchmark."""
    labelled = yaml.safe_load((ROOT / "tests" / "data" / "bewonersvragen_gelabeld.yaml")
                              .read_text(encoding="utf-8"))["vragen"]
    found = [q["tekst"] for q in labelled]
    found += [text for *_, text in demo.INTERVIEWS] + [q[-1] for q in demo.QUESTIONS]
    found += [q["text"] for q in invent.questions(300)]
    rng = np.random.default_rng(invent.SEED)
    found += [invent.interview(rng, i, 400)[1].decode() for i in range(3)]
    found += [path.read_bytes().decode("utf-8", errors="replace")
              for path in sorted((ROOT / "tests" / "hostile").glob("*.txt"))]
    return found


@pytest.mark.slow
def test_the_projects_texts_tokenise_as_spacy():
    shared = _fresh()
    for text in project_texts():
        expected = tokens(REFERENCE.tokenizer(text))
        assert tokens(tokenised_alone(_fresh(), text)) == expected, text[:80]
        assert tokens(tokenised_alone(shared, text)) == expected, text[:80]
    assert 0 < shared.waiting < len(KEYS)


def test_only_the_special_cases_a_text_can_use_are_added():
    tokenizer = _fresh()
    assert tokenizer.waiting == 4670
    assert [t.text for t in tokenised_alone(tokenizer, "Kom a.s. maandag, bijv. om 10 uur :)")] \
        == ["Kom", "a.s.", "maandag", ",", "bijv.", "om", "10", "uur", ":)"]
    # Those whose characters occur in it without white space (the white space ones always).
    assert set(KEYS) - set(tokenizer._waiting) == {
        "a.s.", "a.", "s.", "bijv.", "v.", ":)", " ", "\t", "\n", "\xa0"}
    assert solid(" a.s.\n\xa0") == "a.s."


@pytest.mark.slow
def test_the_apps_tokenizer_adds_all_for_many_or_long_texts():
    tokenizer = _fresh()
    tokenizer("Ja.")
    assert 0 < tokenizer.waiting < 4670
    list(tokenizer.pipe(["Nee."]))
    assert tokenizer.waiting == 0
    tokenizer = _fresh()
    tokenizer("x" * (LONG_TEXT + 1))
    assert tokenizer.waiting == 0
    tokenizer = _fresh()
    for _ in range(FEW_TEXTS):
        tokenizer("Ja.")
    assert tokenizer.waiting > 0
    tokenizer("Ja.")
    assert tokenizer.waiting == 0


@pytest.mark.slow  # 2 s: every special case, serialised and pickled
def test_rules_serialisation_and_pickling_hold_every_special_case():
    tokenizer = _fresh()
    assert tokenizer.rules == RULES
    assert tokenizer.waiting == 0
    tokenizer = _fresh()
    copy = pickle.loads(pickle.dumps(tokenizer))
    assert isinstance(copy, OnDemandTokenizer) and copy.rules == RULES
    assert _fresh().to_bytes(exclude=["vocab"]) == \
        REFERENCE.tokenizer.to_bytes(exclude=["vocab"])


def test_a_special_case_added_by_hand_wins_over_the_waiting_one():
    tokenizer = _fresh()
    tokenizer.add_special_case("bijv.", [{"ORTH": "bijv"}, {"ORTH": "."}])
    assert [t.text for t in tokenizer("bijv. zo")] == ["bijv", ".", "zo"]
    tokenizer.add_all()
    assert [t.text for t in tokenizer("bijv. zo")] == ["bijv", ".", "zo"]


def test_the_shared_pipeline_uses_it_with_spacys_settings():
    assert isinstance(nlp.tokenizer(), OnDemandTokenizer)
    assert nlp.tokenizer() is nlp.pipeline().tokenizer
    ours, theirs = nlp.tokenizer(), REFERENCE.tokenizer
    for name in ("prefix_search", "suffix_search", "infix_finditer", "token_match", "url_match"):
        mine, spacys = getattr(ours, name), getattr(theirs, name)
        assert (mine is None and spacys is None) or mine.__self__.pattern == spacys.__self__.pattern
    assert ours.faster_heuristics == theirs.faster_heuristics


@pytest.mark.parametrize("text", ["", " ", "\n\n", "a.s.", "  a.s.  ", "'s Avonds", "Dhr. Jansen"])
def test_edges(text):
    assert tokens(tokenised_alone(_fresh(), text)) == tokens(REFERENCE.tokenizer(text))
