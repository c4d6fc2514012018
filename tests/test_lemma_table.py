"""The lemma table from its cache: the same lemmas as spaCy's lookup lemmatizer over
spacy-lookups-data plus our supplement (what the app used before the cache), a cache made
again when its source changes, and a table even when no cache can be read or written."""

from __future__ import annotations

import gzip
import json
import os

import pytest
import spacy
from spacy.lookups import load_lookups

from research import nlp
from research.config import cache_dir


@pytest.mark.slow
def test_the_table_is_spacys_lookup_table_with_our_supplement():
    """As the pipeline used to build it: spaCy's Table from spacy-lookups-data (keys hashed),
    then every supplement form set in it."""
    reference = load_lookups("nl", ["lemma_lookup"]).get_table("lemma_lookup")
    for form, lemma in nlp.supplement().items():
        reference[form] = lemma
    ours = nlp.lemma_table()
    assert len(ours) == len(reference) == 212_992
    assert all(reference.get(form) == lemma for form, lemma in ours.items())
    assert ours["kinderen"] == "kind" and ours["speelden"] == "spelen" and ours["liep"] == "lopen"


TEXTS = ["De woningen in onze straat zijn slecht onderhouden.", "Ik liep gisteren naar de "
         "speeltuinen.", "Kinderen, ouders en BUURTEN: a.s. maandag bijv. 's avonds!",
         "Speelden de Jongeren in 2025 met 40 vrijwilligers?"]


def test_lemmas_are_those_of_the_pipelines_lemmatizer():
    """`lemmas` tokenises and looks lemmas up itself; spaCy's Dutch lookup lemmatizer (the
    pipeline's) gives the same for every token."""
    for text in TEXTS:
        doc = nlp.pipeline()(text)
        assert nlp.lemmas(text, content_only=False) == [t.lemma_.lower() for t in doc]
        assert [nlp.lemma(t.text) for t in doc] == [t.lemma_.lower() for t in doc]
    assert nlp.lemmas(TEXTS[2]) == ["kind", "ouder", "buurt", "a.s.", "maandag", "bijv.", "'s",
                                    "avond"]
    assert nlp.lemmas(TEXTS[3]) == ["spelen", "jongere", "vrijwilliger"]


@pytest.mark.slow
def test_lemmas_equal_those_of_a_plain_spacy_pipeline():
    """spaCy's own blank Dutch pipeline with the lookup lemmatizer, its table extended by the
    supplement: the pipeline as it was built before."""
    plain = spacy.blank("nl")
    plain.add_pipe("lemmatizer", config={"mode": "lookup"})
    plain.initialize()
    table = plain.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
    for form, lemma in nlp.supplement().items():
        table[form] = lemma
    for text in TEXTS:
        assert nlp.lemmas(text, content_only=False) == [t.lemma_.lower() for t in plain(text)]


def test_the_cache_lives_with_the_environment_and_is_current():
    cache = cache_dir() / nlp.LOOKUP_CACHE
    nlp.lookup_table()
    assert cache.exists()
    assert nlp._read_cache(cache, nlp.lookups_source()) == \
        spacy.util.load_language_data(nlp.lookups_source())


def write_source(path, table: dict) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        json.dump(table, handle)


def test_a_cache_is_made_read_and_made_again_when_its_source_changes(tmp_path, monkeypatch):
    source, cache = tmp_path / "nl_lemma_lookup.json", tmp_path / "cache" / "table.marshal"
    write_source(tmp_path / "nl_lemma_lookup.json.gz", {"liep": "lopen", "huizen": "huis"})
    assert nlp.lookup_table(cache, source) == {"liep": "lopen", "huizen": "huis"}
    assert cache.exists() and oct(cache.stat().st_mode & 0o777) == "0o644"
    assert [p.name for p in cache.parent.iterdir()] == ["table.marshal"]

    def no_reading(path):
        raise AssertionError("read from the source, not from the cache")

    with monkeypatch.context() as patch:
        patch.setattr(spacy.util, "load_language_data", no_reading)
        assert nlp.lookup_table(cache, source) == {"liep": "lopen", "huizen": "huis"}

    write_source(tmp_path / "nl_lemma_lookup.json.gz", {"liep": "lopen", "kinderen": "kind"})
    stat = os.stat(tmp_path / "nl_lemma_lookup.json.gz")
    os.utime(tmp_path / "nl_lemma_lookup.json.gz", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    assert nlp.lookup_table(cache, source) == {"liep": "lopen", "kinderen": "kind"}
    assert nlp.lookup_table(cache, source) == {"liep": "lopen", "kinderen": "kind"}

    # A cache made from another file is not used for this one.
    other = tmp_path / "other.json"
    other.write_text('{"wijken": "wijk"}', encoding="utf-8")
    assert nlp.lookup_table(cache, other) == {"wijken": "wijk"}


def test_a_damaged_or_foreign_cache_is_made_again(tmp_path):
    source, cache = tmp_path / "nl_lemma_lookup.json", tmp_path / "table.marshal"
    source.write_text('{"scholen": "school"}', encoding="utf-8")
    for content in (b"", b"\x00garbage", b"\xe9" * 10, __import__("marshal").dumps([1, 2, 3]),
                    __import__("marshal").dumps(((1, 2, "x"), {}))):
        cache.write_bytes(content)
        assert nlp.lookup_table(cache, source) == {"scholen": "school"}
        assert nlp._read_cache(cache, source) == {"scholen": "school"}


def test_without_a_writable_cache_the_table_still_comes(tmp_path):
    source = tmp_path / "nl_lemma_lookup.json"
    source.write_text('{"buurten": "buurt"}', encoding="utf-8")
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    cache = tmp_path / "a-file" / "table.marshal"     # its folder cannot be made
    assert nlp.lookup_table(cache, source) == {"buurten": "buurt"}
    assert not cache.exists()
