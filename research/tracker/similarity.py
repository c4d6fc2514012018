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
import threading
import unicodedata
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix, vstack

from research.accounts import PermissionDenied, User, can
from research.nlp import lemmas
from research.storage import Store
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
    state: tuple          # (count, sum of lemma lengths) of the rows below max_id at fit time
    vectoriser: CharTfidf
    ids: list[int]
    matrix: object        # scipy sparse, one L2-normalised row per question
    max_id: int
    fitted: int
    exact: dict[str, list[int]]   # normalised text -> ids, for exact repeats


def _exact(rows: list[dict], into: dict[str, list[int]] | None = None) -> dict[str, list[int]]:
    """The ids of the rows by their normalised text (a dictionary lookup: matching the
    question's words in the full-text index and comparing every hit took half a second over
    20,000 questions)."""
    into = {} if into is None else into
    for row in rows:
        into.setdefault(normalise(row["text"]), []).append(row["id"])
    return into


_lock = threading.Lock()
_indexes: dict[tuple[str, str], _Index] = {}


def _fit(rows: list[dict]) -> tuple[CharTfidf, csr_matrix]:
    """scikit-learn's TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5),
    sublinear_tf=True), computed without importing scikit-learn (see `tfidf`)."""
    vectoriser = CharTfidf(3, 5)
    matrix = vectoriser.fit_transform([_doc(r) for r in rows])
    return vectoriser, matrix


def _doc(row: dict) -> str:
    return row["lemmas"] or normalise(row["text"])


def _index(store: Store, wijk_id: str) -> _Index | None:
    """The wijk's index, refitted when rows changed and extended when rows were added."""
    key = (str(store.path), wijk_id)
    with _lock:
        index = _indexes.get(key)
        if index is not None:
            old = store.one("SELECT count(*) AS n, total(length(lemmas)) AS size FROM questions"
                            " WHERE wijk_id = ? AND id <= ?", [wijk_id, index.max_id])
            added = store.rows("SELECT id, text, lemmas FROM questions"
                               " WHERE wijk_id = ? AND id > ? ORDER BY id", [wijk_id, index.max_id])
            assert old is not None  # an aggregate has one row
            unchanged = (old["n"], old["size"]) == index.state
            if unchanged and not added:
                return index
            grown_little = len(index.ids) + len(added) <= index.fitted * (1 + REFIT_GROWTH)
            extra = index.vectoriser.transform([_doc(r) for r in added]) \
                if unchanged and grown_little else None
            # A new question none of whose n-grams the vocabulary knows would be an empty
            # vector that nothing can ever match: refit instead.
            if extra is not None and all(n or not _doc(r).strip() for n, r in
                                         zip(extra.getnnz(axis=1), added, strict=True)):
                index.matrix = vstack([index.matrix, extra])
                index.ids += [r["id"] for r in added]
                _exact(added, index.exact)
                index.max_id = added[-1]["id"]
                index.state = (index.state[0] + len(added),
                               index.state[1] + sum(len(r["lemmas"]) for r in added))
                return index
        rows = store.rows("SELECT id, text, lemmas FROM questions WHERE wijk_id = ? ORDER BY id",
                          [wijk_id])
        if not rows:
            _indexes.pop(key, None)
            return None
        try:
            vectoriser, matrix = _fit(rows)
        except ValueError:  # no text the analyser can use
            return None
        index = _Index((len(rows), float(sum(len(r["lemmas"]) for r in rows))), vectoriser,
                       [r["id"] for r in rows], matrix, rows[-1]["id"], len(rows), _exact(rows))
        _indexes[key] = index
        return index


def similar(store: Store, user: User, text: str, wijk_id: str, *, limit: int = 5,
            exclude_id: int | None = None) -> list[dict]:
    """Up to `limit` questions of `wijk_id` most like `text`, best first.

    Each row: id, text, asked_on, status, score (0-100) and exact (the same text again);
    exact repeats come first.
    """
    if not can(user, "tracker.read"):
        raise PermissionDenied()
    wanted = normalise(text)
    if not wanted:
        return []
    index = _index(store, wijk_id)
    if index is None:
        return []
    query = index.vectoriser.transform([" ".join(lemmas(text)) or wanted])
    scores = 100 * (index.matrix @ query.T).toarray().ravel()
    order = np.argsort(-scores, kind="stable")[: limit + 1 + limit]
    candidates = [(index.ids[i], float(scores[i])) for i in order if index.ids[i] != exclude_id]
    # Exact repeats are looked up apart from the ranking: many questions that reduce to the
    # same lemmas all score 100 and could push the repeat itself out of the top.
    top = {i for i, _ in candidates}
    candidates += [(i, 100.0) for i in index.exact.get(wanted, [])
                   if i not in top and i != exclude_id]
    rows = {r["id"]: r for r in store.rows(
        f"SELECT id, text, asked_on, status FROM questions WHERE id IN"
        f" ({', '.join('?' * len(candidates))})", [i for i, _ in candidates])} if candidates else {}
    found = []
    for question_id, score in candidates:
        row = rows.get(question_id)
        if row is None:
            continue
        exact = normalise(row["text"]) == wanted
        if exact or score >= MIN_SCORE:
            found.append({"id": row["id"], "text": row["text"], "asked_on": row["asked_on"],
                          "status": row["status"], "score": 100.0 if exact else round(score, 1),
                          "exact": exact})
    found.sort(key=lambda r: (not r["exact"], -r["score"], -r["id"]))
    return found[:limit]
