"""Theme suggestions for a bewonersvraag: research programme and life domain.

Two sources, always only a suggestion that the coordinator confirms:
1. keyword lists in codebooks/ (lemmas), matched against the question's lemmas;
2. once enough questions carry a confirmed programme (or domain), a classifier trained on
   them and on the keywords (TF-IDF over character n-grams of the lemmas + logistic
   regression, scikit-learn), blended with the keywords.
The classifier is trained in-process and cached until the labelled set or the keywords change.
3. with `meaning=True` (only where the sentence model may run: the model worker, the command
   line, the benchmark), a second classifier over the questions' sentence vectors
   (`embedding`, multilingual-e5-small), trained on the same labelled questions and keywords;
   its probabilities take the place of the first's. Wording the n-grams never saw still lands
   near its meaning: on the labelled set (5-fold, blended with the keywords as before) top-1
   rose from 0.716 to 0.772 and top-3 from 0.884 to 0.958; averaging both classifiers gave
   0.758 and 0.963, so the vectors replace the n-grams rather than join them. The keywords
   weigh less beside the vectors (`KEYWORD_WEIGHT_BY_MEANING`): top-1 0.814.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from research.nlp import lemmas
from research.storage import Store

if TYPE_CHECKING:   # scikit-learn is imported when a model is trained (a second of start-up)
    from sklearn.pipeline import Pipeline

MIN_LABELLED = 60        # confirmed questions needed before a classifier is trained
MIN_PER_CLASS = 3        # and at least this many in two or more classes
KEYWORD_WEIGHT = 0.25    # share of the keyword score once a classifier exists
# The same beside the classifier over sentence vectors, which already learnt the keywords'
# meaning: on the labelled set (5-fold) top-1 was 0.795 at 0, 0.814 at 0.1, 0.800 at 0.15 and
# 0.772 at 0.25 (top-3 0.953-0.958 throughout).
KEYWORD_WEIGHT_BY_MEANING = 0.1
MIN_TOP = 0.12           # no suggestions unless the best reaches this (a flat model spread: 0.6/6)
MIN_SUGGESTION = 0.05    # the others shown down to this

# (taxonomy table, question column)
TARGETS = {"programmes": "programme_id", "life_domains": "domain_id"}


@dataclass(frozen=True)
class Suggestion:
    id: str
    name: str
    score: float          # 0..1
    source: str           # "trefwoorden", "model" or "beide"


_lock = threading.Lock()
_models: dict[tuple, Pipeline | None] = {}


def _keywords(store: Store, table: str) -> dict[str, tuple[str, set[str]]]:
    return {r["id"]: (r["name"], set(json.loads(r["keywords"] or "[]")))
            for r in store.rows(f"SELECT id, name, keywords FROM {table} ORDER BY id")}


def keyword_scores(words: list[str], keywords: dict[str, tuple[str, set[str]]]) -> dict[str, float]:
    """Per taxonomy entry, the share of the question's keyword hits that fall in it."""
    hits = {key: sum(1 for w in words if w in kws) for key, (_, kws) in keywords.items()}
    total = sum(hits.values())
    return {key: n / total for key, n in hits.items() if n} if total else {}


def _training_set(store: Store, column: str) -> tuple[list[str], list[str]]:
    rows = store.rows(f"SELECT lemmas, {column} AS label FROM questions"
                      f" WHERE {column} IS NOT NULL AND lemmas != '' ORDER BY id")
    return [r["lemmas"] for r in rows], [r["label"] for r in rows]


def train(texts: list[str], labels: list[str],
          keywords: dict[str, set[str]] | None = None) -> Pipeline | None:
    """A classifier for lemma strings, or None when there are too few labelled questions to
    learn from. Each keyword (entry id -> lemmas) is one more example of its entry."""
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    if len(texts) < MIN_LABELLED or sum(1 for n in counts.values() if n >= MIN_PER_CLASS) < 2:
        return None
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    # The keywords as examples teach the model the codebook's words and their compound parts,
    # which a few hundred questions do not all contain: on the labelled set (5-fold) top-1
    # rose from 0.665 to 0.716 with them (and the keyword share down from 0.4 to 0.25).
    extra = [(word, key) for key, words in sorted((keywords or {}).items())
             for word in sorted(words)]
    # Character n-grams within words of the lemmas: Dutch compounds ("wachttijd",
    # "huisartsenpost", "schuldhulpverlening") share parts that whole words miss. On the
    # labelled set (5-fold) top-1 rose from 0.605 to 0.665 and top-3 from 0.860 to 0.888
    # against word uni- and bigrams.
    model = make_pipeline(TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5),
                                          sublinear_tf=True),
                          LogisticRegression(max_iter=2000, C=10.0))
    model.fit(texts + [word for word, _ in extra], labels + [key for _, key in extra])
    return model


def _fingerprint(store: Store, column: str, keywords: dict[str, set[str]]) -> tuple:
    """A cheap fingerprint of the labelled set (size, newest id, and a sum weighted by id of
    each label's length and first letter) and of the keywords, so a new or changed label or
    keyword list retrains."""
    state = store.one(f"SELECT count(*) AS n, max(id) AS last, total(id * (length({column}) * 131"
                      f" + unicode({column}))) AS size FROM questions WHERE {column} IS NOT NULL")
    assert state is not None  # an aggregate has one row
    return (str(store.path), column, state["n"], state["last"], state["size"],
            tuple((k, tuple(sorted(v))) for k, v in sorted(keywords.items())))


def train_vectors(vectors, labels: list[str]):
    """A logistic regression over sentence vectors (one row per example), or None when
    there are too few labelled examples."""
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    if len(labels) < MIN_LABELLED or sum(1 for n in counts.values() if n >= MIN_PER_CLASS) < 2:
        return None
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=3000, C=10.0).fit(vectors, labels)


def _vector_model(store: Store, column: str, entries: dict[str, tuple[str, set[str]]]):
    """The classifier over sentence vectors of the labelled questions' texts and of the
    keywords (each keyword one more example of its entry). Runs the sentence model."""
    from research.tracker import embedding

    keywords = {key: words for key, (_, words) in entries.items()}
    key = ("vectors",) + _fingerprint(store, column, keywords)
    with _lock:
        if key not in _models:
            rows = store.rows(f"SELECT text, {column} AS label FROM questions"
                              f" WHERE {column} IS NOT NULL ORDER BY id")
            extra = [(word, k) for k, words in sorted(keywords.items()) for word in sorted(words)]
            texts = [r["text"] for r in rows] + [word for word, _ in extra]
            labels = [r["label"] for r in rows] + [k for _, k in extra]
            if len(_models) > 16:
                _models.clear()
            _models[key] = train_vectors(embedding.vectors(store, texts), labels) \
                if len(rows) >= MIN_LABELLED else None
        return _models[key]


def _model(store: Store, column: str,
           entries: dict[str, tuple[str, set[str]]]) -> Pipeline | None:
    """The classifier for `column` from the labelled questions and the entries' keywords."""
    keywords = {key: words for key, (_, words) in entries.items()}
    key = _fingerprint(store, column, keywords)
    with _lock:
        if key not in _models:
            if len(_models) > 16:
                _models.clear()
            _models[key] = train(*_training_set(store, column), keywords)
        return _models[key]


def _probabilities(store: Store, text: str, words: list[str], column: str,
                   keywords: dict[str, tuple[str, set[str]]],
                   meaning: bool) -> tuple[dict[str, float], float]:
    """(the classifier's probabilities per entry, the keywords' share beside them): with
    `meaning`, the classifier over sentence vectors; ({}, 1) while too few questions are
    labelled."""
    by_vector = _vector_model(store, column, keywords) if meaning else None
    if by_vector is not None:
        from research.tracker import embedding

        vector = embedding.vectors(store, [text.strip()])
        return (dict(zip(by_vector.classes_, by_vector.predict_proba(vector)[0], strict=True)),
                KEYWORD_WEIGHT_BY_MEANING)
    model = _model(store, column, keywords)
    if model is None:
        return {}, 1.0
    return (dict(zip(model.classes_, model.predict_proba([" ".join(words)])[0], strict=True)),
            KEYWORD_WEIGHT)


def suggest(store: Store, text: str, *, target: str = "programmes", limit: int = 3,
            meaning: bool = False) -> list[Suggestion]:
    """Up to `limit` suggestions for `target` ("programmes" or "life_domains"), best first.
    `meaning` adds the classifier over sentence vectors: only where the model may run."""
    column = TARGETS[target]
    words = lemmas(text)
    if not words:
        return []
    keywords = _keywords(store, target)
    by_keyword = keyword_scores(words, keywords)
    probabilities, share = _probabilities(store, text, words, column, keywords, meaning)
    scores = dict(by_keyword)
    sources = {key: "trefwoorden" for key in by_keyword}
    if probabilities:
        scores = {key: share * by_keyword.get(key, 0.0)
                  + (1 - share) * probabilities.get(key, 0.0)
                  for key in set(by_keyword) | set(probabilities)}
        for key in probabilities:
            sources[key] = "beide" if key in by_keyword else "model"
    ranked = sorted((s for s in scores.items() if s[1] >= MIN_SUGGESTION and s[0] in keywords),
                    key=lambda item: (-item[1], item[0]))
    if not ranked or ranked[0][1] < MIN_TOP:  # a flat spread: the text says nothing of a theme
        return []
    return [Suggestion(key, keywords[key][0], round(score, 3), sources[key])
            for key, score in ranked[:limit]]
