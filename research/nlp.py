"""The Dutch language pipeline: spaCy's blank Dutch model with the lookup lemmatizer.

No trained Dutch model can be downloaded here, and none is needed for what the app does with
words (keyword matching, similarity, word counts): lemmas come from the lookup tables shipped
in the package spacy-lookups-data, loaded from disk, never from the network.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import spacy
import yaml
from spacy.language import Language

from research.config import CODEBOOKS_DIR

SUPPLEMENT = CODEBOOKS_DIR / "lemma_aanvullingen.yaml"


def supplement(path: Path = SUPPLEMENT) -> dict[str, str]:
    """Our additions to the lookup table (form -> lemma), from codebooks/."""
    with open(path, encoding="utf-8") as handle:
        return {str(k).lower(): str(v) for k, v in yaml.safe_load(handle)["aanvullingen"].items()}


@lru_cache(maxsize=1)
def pipeline() -> Language:
    """The shared Dutch pipeline (tokenizer + lookup lemmatizer), built once per process."""
    nlp = spacy.blank("nl")
    nlp.add_pipe("sentencizer")  # rule-based sentence ends, for sentence-level search and coding
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    # The shipped table lacks many frequent plurals ("kinderen", "buurten"); without them a
    # keyword or lemma search for "kind" or "buurt" misses them.
    table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
    for form, lemma in supplement().items():
        table[form] = lemma
    return nlp


def lemmas(text: str, *, content_only: bool = True) -> list[str]:
    """Lower-case lemmas of `text`; with `content_only`, without stop words, digits and punctuation."""
    doc = pipeline()(text)
    return [
        token.lemma_.lower()
        for token in doc
        if not (content_only and (token.is_stop or token.is_punct or token.is_space
                                  or token.like_num or len(token.text) < 2))
    ]


def lemma_text(text: str) -> str:
    """The content lemmas of `text` as one space-separated string (what search indexes)."""
    return " ".join(lemmas(text))


def quoted_terms(words: list[str]) -> str | None:
    """An FTS5 expression requiring every word (each quoted, so that words like NOT or a '*'
    are searched for, not obeyed); None when there is none."""
    unique = dict.fromkeys(w for w in words if w)
    return " AND ".join('"' + w.replace('"', '""') + '"' for w in unique) or None
