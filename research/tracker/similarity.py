"""Similar bewonersvragen: candidates from SQLite full-text search, ranked on lemmas.

Each question stores its content lemmas (`questions.lemmas`, indexed by FTS5), so "woningen"
finds "woning". FTS narrows 20,000 questions to the few hundred that share a lemma; rapidfuzz
then ranks those on the lemma strings, which also rewards word order and near-spellings that
FTS alone scores poorly. When FTS finds too little (typos, one-word questions), the ranking
runs over the wijkwerkplaats's most recent questions instead.
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz import fuzz, process

from research.accounts import PermissionDenied, User, can
from research.nlp import lemmas
from research.storage import Store

FTS_CANDIDATES = 200
FALLBACK_SCAN = 2000   # recent questions ranked when FTS yields fewer than `limit` candidates
MIN_SCORE = 35.0       # below this a "similar" question is noise


def normalise(text: str) -> str:
    """Case, accents of punctuation and spacing removed: two texts equal after this are the
    same question typed twice."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


def _match_expression(words: list[str]) -> str:
    # Every lemma quoted (FTS5 syntax would read words like AND, NOT or '*' as operators).
    return " OR ".join('"' + word.replace('"', '""') + '"' for word in dict.fromkeys(words))


def similar(store: Store, user: User, text: str, wijk_id: str, *, limit: int = 5,
            exclude_id: int | None = None) -> list[dict]:
    """Up to `limit` questions of `wijk_id` most like `text`, best first.

    Each row: id, text, asked_on, status, score (0-100) and exact (the same text again).
    """
    if not can(user, "tracker.read"):
        raise PermissionDenied()
    wanted = normalise(text)
    query = lemmas(text)
    if not wanted:
        return []
    rows: dict[int, dict] = {}
    if query:
        for row in store.rows(
                "SELECT q.id, q.text, q.asked_on, q.status, q.lemmas FROM questions_fts f"
                " JOIN questions q ON q.id = f.rowid"
                " WHERE questions_fts MATCH ? AND q.wijk_id = ?"
                " ORDER BY bm25(questions_fts) LIMIT ?",
                [_match_expression(query), wijk_id, FTS_CANDIDATES]):
            rows[row["id"]] = row
    if len(rows) < limit:
        for row in store.rows(
                "SELECT id, text, asked_on, status, lemmas FROM questions WHERE wijk_id = ?"
                " ORDER BY id DESC LIMIT ?", [wijk_id, FALLBACK_SCAN]):
            rows.setdefault(row["id"], row)
    rows.pop(exclude_id, None)  # type: ignore[arg-type]
    if not rows:
        return []
    ids = list(rows)
    query_text = " ".join(query) or wanted
    choices = [rows[i]["lemmas"] or normalise(rows[i]["text"]) for i in ids]
    ranked = process.extract(query_text, choices, scorer=fuzz.token_set_ratio,
                             limit=max(limit * 3, limit), score_cutoff=MIN_SCORE)
    found = []
    for _, score, index in ranked:
        row = rows[ids[index]]
        exact = normalise(row["text"]) == wanted
        found.append({"id": row["id"], "text": row["text"], "asked_on": row["asked_on"],
                      "status": row["status"], "score": 100.0 if exact else round(score, 1),
                      "exact": exact})
    found.sort(key=lambda r: (-r["score"], -r["id"]))
    return found[:limit]
