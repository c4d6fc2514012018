"""Similar bewonersvragen: TF-IDF over character n-grams of the questions' lemmas.

Each question stores its content lemmas (`questions.lemmas`), so "woningen" meets "woning";
character 3-5-grams of those lemmas also meet compounds and typos ("speeltuin"/"speeltuinen",
"schimel"). Per wijkwerkplaats the fitted vectoriser and the matrix of its questions are kept
in memory and extended with new questions, so a lookup is one sparse product.

Why not only rank the candidates of a full-text search, as first planned: on the labelled
set in tests/data, paraphrases often share no lemma at all, and limiting the ranking to FTS
hits lost a sixth of them (recall at 5: 0.89 against 0.94 for the whole wijkwerkplaats). The
FTS5 index on `questions.lemmas` serves the keyword search of the question list instead.
A text is "the same question again" when it is equal after `normalise`; a fuzzy ratio was
tried and made "komt er (niet) een zebrapad" one question.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.sparse import csr_matrix, vstack

from research.accounts import PermissionDenied, User, can
from research.nlp import lemmas
from research.storage import Store
from research.tracker.indexes import QuestionIndexes
from research.tracker.tfidf import CharTfidf

MIN_SCORE = 10.0       # cosine x 100 below which a "similar" question is noise
REFIT_GROWTH = 0.25    # refit the vocabulary once a wijk grew by this share since the last fit


def normalise(text: str) -> str:
    """Case, punctuation and spacing removed: two texts equal after this are the same
    question typed twice."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


@dataclass
class _Index:
    vectoriser: CharTfidf
    ids: list[int]
    matrix: object        # scipy sparse, one L2-normalised row per question
    fitted: int           # questions the vocabulary was fitted on
    exact: dict[str, list[int]]   # normalised text -> ids, for exact repeats


def _exact(rows: list[dict], into: dict[str, list[int]] | None = None) -> dict[str, list[int]]:
    """The ids of the rows by their normalised text (a dictionary lookup: matching the
    question's words in the full-text index and comparing every hit took half a second over
    20,000 questions)."""
    into = {} if into is None else into
    for row in rows:
        into.setdefault(normalise(row["text"]), []).append(row["id"])
    return into


def fit(rows: list[dict]) -> tuple[CharTfidf, csr_matrix]:
    """scikit-learn's TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5),
    sublinear_tf=True) over the rows' lemmas, computed without importing scikit-learn (see
    `tfidf`)."""
    vectoriser = CharTfidf(3, 5)
    matrix = vectoriser.fit_transform([_doc(r) for r in rows])
    return vectoriser, matrix


def _doc(row: dict) -> str:
    return row["lemmas"] or normalise(row["text"])


def _build(_store: Store, rows: list[dict]) -> _Index | None:
    try:
        vectoriser, matrix = fit(rows)
    except ValueError:  # no text the analyser can use
        return None
    return _Index(vectoriser, [r["id"] for r in rows], matrix, len(rows), _exact(rows))


def _extend(_store: Store, index: _Index, added: list[dict]) -> bool:
    """Add new questions with the fitted vocabulary, unless they grew the wijk by more than
    REFIT_GROWTH or one of them has no n-gram the vocabulary knows (an empty vector that
    nothing could ever match): then the index is fitted anew."""
    if len(index.ids) + len(added) > index.fitted * (1 + REFIT_GROWTH):
        return False
    extra = index.vectoriser.transform([_doc(r) for r in added])
    if not all(n or not _doc(r).strip()
               for n, r in zip(extra.getnnz(axis=1), added, strict=True)):
        return False
    index.matrix = vstack([index.matrix, extra])
    index.ids += [r["id"] for r in added]
    _exact(added, index.exact)
    return True


INDEXES: QuestionIndexes[_Index] = QuestionIndexes("lemmas", _build, _extend)


CANDIDATES = 20        # questions taken from each ranking into the fusion
FUSION_K = 60          # reciprocal rank fusion's constant (Cormack et al. 2009)
# The lexical ranking's share in the fusion, against 1 for meaning. Chosen on the project's
# own paraphrases (tests/data) with and without 20,000 generated questions: once the meaning
# was corrected for hubness (`embedding.nearest`), every share above 0 found fewer (recall at
# 5 with the generated questions 0.832 at 0, 0.826 at 0.1, 0.794 at 0.5; without them 0.897,
# 0.871, 0.839). The lexical ranking now fills in after the meaning's candidates, and stands
# alone while the model computes or when it fails.
LEXICAL_WEIGHT = 0.0


def _lexical(index: _Index, text: str, wanted: str, count: int) -> list[tuple[int, float]]:
    """The `count` best (id, score 0-100) of the TF-IDF ranking, best first."""
    query = index.vectoriser.transform([" ".join(lemmas(text)) or wanted])
    scores = 100 * (index.matrix @ query.T).toarray().ravel()
    order = np.argsort(-scores, kind="stable")[:count]
    return [(index.ids[i], float(scores[i])) for i in order if scores[i] >= MIN_SCORE]


def fuse(lexical: list[tuple[int, float]], semantic: list[tuple[int, float]],
         *, weight: float = LEXICAL_WEIGHT, k: int = FUSION_K) -> list[tuple[int, float]]:
    """Reciprocal rank fusion of two rankings (id, score), best first: each id gets
    weight/(k + rank) from the lexical and 1/(k + rank) from the semantic ranking. Ranks, not
    scores, are added because a TF-IDF cosine and a model's cosine are on different scales.
    The score returned (0-100) is the lexical one where there is one, else the cosine x 100,
    as a coordinator reads it; the order is the fusion's, and equal sums (every question only
    the words found, when their share is 0) keep the lexical order."""
    fused: dict[int, float] = {}
    for ranking, share in ((lexical, weight), (semantic, 1.0)):
        for rank, (question_id, _) in enumerate(ranking):
            fused[question_id] = fused.get(question_id, 0.0) + share / (k + rank + 1)
    shown = {i: 100 * max(0.0, c) for i, c in semantic} | dict(lexical)
    lexical_rank = {i: rank for rank, (i, _) in enumerate(lexical)}
    return [(i, shown[i]) for i in sorted(
        fused, key=lambda i: (-fused[i], lexical_rank.get(i, len(lexical)), -i))]


def _one_per_text(found: list[dict]) -> list[dict]:
    """One hint per wording (the newest): the same text logged ten times is one hint, and
    would otherwise push every other earlier question out of the five."""
    seen: set[str] = set()
    kept = []
    for row in sorted(found, key=lambda r: -r["id"]):
        key = normalise(row["text"])
        if row["exact"] or key not in seen:
            seen.add(key)
            kept.append(row)
    return kept


def similar(store: Store, user: User, text: str, wijk_id: str, *, limit: int = 5,
            exclude_id: int | None = None,
            semantic: list[tuple[int, float]] | Callable[[], list | None] | None = None
            ) -> list[dict]:
    """Up to `limit` questions of `wijk_id` most like `text`, best first.

    Each row: id, text, asked_on, status, score (0-100) and exact (the same text again);
    exact repeats come first, then one row per other wording. `semantic`, when given, is the
    nearest questions by meaning (`embedding.nearest`: id, cosine), fused with the lexical
    ranking (`fuse`), or a function that returns them (or None), called once the lexical
    ranking is there (so the model can compute meanwhile); without it the ranking is lexical
    alone.
    """
    if not can(user, "tracker.read"):
        raise PermissionDenied()
    wanted = normalise(text)
    if not wanted:
        return []
    index = INDEXES.get(store, wijk_id)
    if index is None:
        return []
    candidates = _lexical(index, text, wanted, CANDIDATES + 1 + limit)
    if callable(semantic):
        semantic = semantic()
    if semantic is not None:
        candidates = fuse(candidates, semantic[:CANDIDATES + 1])
    candidates = [(i, score) for i, score in candidates if i != exclude_id]
    # Exact repeats are looked up apart from the ranking: many questions that reduce to the
    # same lemmas all score 100 and could push the repeat itself out of the top.
    top = {i for i, _ in candidates}
    candidates += [(i, 100.0) for i in index.exact.get(wanted, [])
                   if i not in top and i != exclude_id]
    rows = {r["id"]: r for r in store.rows(
        f"SELECT id, text, asked_on, status FROM questions WHERE id IN"
        f" ({', '.join('?' * len(candidates))})", [i for i, _ in candidates])} if candidates else {}
    found = []
    for rank, (question_id, score) in enumerate(candidates):
        row = rows.get(question_id)
        if row is None:
            continue
        exact = normalise(row["text"]) == wanted
        found.append({"id": row["id"], "text": row["text"], "asked_on": row["asked_on"],
                      "status": row["status"], "score": 100.0 if exact else round(score, 1),
                      "exact": exact, "rank": rank})
    found = _one_per_text(found)
    found.sort(key=lambda r: (not r["exact"], r["rank"] if semantic is not None else -r["score"],
                              -r["id"]))
    return [{k: v for k, v in r.items() if k != "rank"} for r in found[:limit]]
