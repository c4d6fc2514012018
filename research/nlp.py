"""The Dutch language pipeline: spaCy's blank Dutch model with the lookup lemmatizer.

No trained Dutch model can be downloaded here, and none is needed for what the app does with
words (keyword matching, similarity, word counts): lemmas come from the lookup tables shipped
in the package spacy-lookups-data, loaded from disk, never from the network.
"""

from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.language import Language


@lru_cache(maxsize=1)
def pipeline() -> Language:
    """The shared Dutch pipeline (tokenizer + lookup lemmatizer), built once per process."""
    nlp = spacy.blank("nl")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
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
