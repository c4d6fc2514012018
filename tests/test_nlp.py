"""The Dutch lemma pipeline (spaCy blank Dutch model with the lookup lemmatizer)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.attrs import IS_PUNCT, ORTH

from research import nlp, taxonomies


def test_plural_nouns_and_past_tense_are_lemmatised():
    assert nlp.lemmas("De woningen in onze straat zijn slecht onderhouden.") == [
        "woning", "straat", "slecht", "onderhouden"]
    assert nlp.lemmas("Ik liep gisteren naar de speeltuinen.") == [
        "lopen", "gisteren", "speeltuin"]


def test_sentence_with_verbs_and_compounds():
    assert nlp.lemmas("Buurtbewoners organiseerden gisteren een straatfeest.") == [
        "buurtbewoner", "organiseren", "gisteren", "straatfeest"]
    assert nlp.lemmas("Waarom duurt het zo lang voordat de schimmel in onze flat wordt "
                      "aangepakt?") == ["duren", "schimmel", "flat", "aanpakken"]


def test_numbers_and_punctuation_are_dropped():
    assert nlp.lemmas("In 2025 kwamen 40 vrijwilligers naar het buurthuis!") == [
        "komen", "vrijwilliger", "buurthuis"]


def test_speelden_becomes_spelen():
    assert nlp.lemmas("speelden") == ["spelen"]
    assert nlp.lemmas("Speelden") == ["spelen"]


def test_without_content_only_every_token_is_kept_lower_case():
    assert nlp.lemmas("De woningen in onze straat zijn slecht onderhouden.",
                      content_only=False) == [
        "de", "woning", "in", "onze", "straat", "zijn", "slecht", "onderhouden", "."]
    assert nlp.lemmas("In 2025 kwamen 40 vrijwilligers!", content_only=False) == [
        "in", "2025", "komen", "40", "vrijwilliger", "!"]


def test_only_stop_words_leave_nothing():
    assert nlp.lemmas("De en het, of een? Ik ben er!") == []
    assert nlp.lemmas("") == []


def test_pipeline_is_built_once():
    assert nlp.pipeline() is nlp.pipeline()
    assert nlp.pipeline().lang == "nl"


def test_lemmas_match_programme_keywords():
    """Keywords in codebooks/programmas.yaml are lemmas, so words in a question must meet them."""
    keywords = {kw for row in taxonomies.read("programmes") for kw in json.loads(row["keywords"])}
    found = set(nlp.lemmas("De woningen hebben schimmel en de huurtoeslag komt niet; "
                           "vrijwilligers helpen in de buurthuizen."))
    assert found & keywords == {"woning", "schimmel", "vrijwilliger", "buurthuis"}


def test_irregular_plurals_meet_their_keywords():
    keywords = {kw for row in taxonomies.read("programmes") for kw in json.loads(row["keywords"])}
    assert {"kind", "ouder", "jongere", "school"} <= keywords
    assert nlp.lemmas("kinderen ouders jongeren scholen") == ["kind", "ouder", "jongere", "school"]


def test_word_forms_cover_regular_dutch_inflection():
    from research.nlp import word_forms
    assert word_forms("wachten") == {"wachten", "wacht", "wachtte", "wachtten", "gewacht"}
    assert word_forms("wonen") == {"wonen", "woon", "woont", "woonde", "woonden", "gewoond"}
    assert word_forms("leven") == {"leven", "leef", "leeft", "leefde", "leefden", "geleefd"}
    assert word_forms("zitten") == {"zitten", "zit", "zitte", "gezit"}
    assert word_forms("maand") == {"maand", "maanden", "maands", "maand's"}
    assert word_forms("op") == {"op"}


SENTENCE_TEXTS = ["Ik woon hier. Al twintig jaar!", "Wat? Nee... Ja.", "Zo (echt). 'Ja.' Dan.",
                  "geen punt", "", "Eind.\n\nNieuw begin ?! En nog iets", "1.5 km. Verder.",
                  "Hij zei: \"klaar.\" Toen ging hij.", "…en toen? Niets。 Klaar"]


@pytest.mark.parametrize("text", SENTENCE_TEXTS)
def test_sentence_starts_follow_the_sentencizer(text):
    doc = nlp.pipeline()(text)
    expected = [sent.start for sent in doc.sents]
    tokens = list(nlp.tokenise([text]))[0]
    assert nlp.sentence_starts(*tokens.to_array([ORTH, IS_PUNCT]).T).tolist() == \
        expected


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.lists(st.sampled_from(["Ja", "nee", ".", "!", "?", "...", " ", "\n", "(", ")", "'",
                                 "zo", "5.0", "…", ",", "。"]), max_size=25))
def test_sentence_starts_follow_the_sentencizer_for_any_text(parts):
    text = " ".join(parts)
    doc = nlp.pipeline()(text)
    tokens = list(nlp.tokenise([text]))[0]
    assert nlp.sentence_starts(*tokens.to_array([ORTH, IS_PUNCT]).T).tolist() == \
        [sent.start for sent in doc.sents]


def test_sentence_starts_of_several_texts_at_once_restart_in_every_text():
    """Turns are tokenised apart and their arrays joined: a sentence end in one turn never
    points into the next, and every turn starts a sentence."""
    texts = ["Ik woon hier. Al", "(twintig) jaar!", "...", "Ja", "Wat? ... (Nee)."]
    docs = list(nlp.tokenise(texts))
    arrays = np.concatenate([doc.to_array([ORTH, IS_PUNCT]) for doc in docs])
    segment = np.repeat(np.arange(len(docs)), [len(doc) for doc in docs])
    offsets = np.cumsum([0] + [len(doc) for doc in docs])
    # `offsets` ends with the total length: one more than there are texts.
    expected = [int(offset) + sent.start for offset, text in zip(offsets, texts, strict=False)
                for sent in nlp.pipeline()(text).sents]
    assert nlp.sentence_starts(*arrays.T, segment).tolist() == expected
    assert expected == [0, 4, 5, 10, 11, 12, 16]


def test_lemmas_of_token_hashes_are_the_lookup_lemmas():
    doc = list(nlp.tokenise(["De kinderen woonden in Buurten, de kinderen!"]))[0]
    assert nlp.lemmas_of(doc.to_array(ORTH), doc.vocab.strings) == \
        [nlp.lemma(t.text) for t in doc] == \
        ["de", "kind", "wonen", "in", "buurt", ",", "de", "kind", "!"]
