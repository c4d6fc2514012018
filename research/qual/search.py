"""Search in a project's documents: by word or by lemma, keyword in context, word counts.

Every sentence (never crossing a speaker turn) is one row of the FTS5 index `qual_fts`, with
its words and the lemmas of those words, so "wonen" in lemma mode also finds "woonde" and
"woont". The index finds the sentences; the hit's exact characters are then read from the
positions of the sentence's words, stored with it at import (`qual_sentences.word_positions`;
a sentence indexed before those were stored is tokenised again).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LENGTH, ORTH
from spacy.lang.nl.stop_words import STOP_WORDS

from research.accounts import User
from research.nlp import (
    lemma,
    lemma_family,
    lemmas_of,
    quoted,
    search_text,
    sentence_starts,
    tokenise,
    tokenizer,
)
from research.qual.projects import ProjectError, require_read
from research.storage import Store, Tx

MODES = {"woord": "Woord (precies)", "lemma": "Lemma (alle vormen: wonen, woont, woonde)"}
MAX_HITS = 2000


def _keep(token) -> bool:
    return not (token.is_punct or token.is_space)


Row = tuple[int, int, str, str, bytes]


def sentence_rows(text: str, spans: list[tuple[int, int]]) -> list[Row]:
    """Index rows (start, end, words, lemmas, word positions) of every sentence inside the
    given turn spans; the positions are `_positions` of the sentence's words."""
    pieces = [(start, text[start:end]) for start, end in spans if end > start]
    docs = list(tokenise(piece for _, piece in pieces))
    sizes = [len(doc) for doc in docs]
    if not sum(sizes):
        return []
    # The token arrays of all turns as one table, positions in the whole text: numpy's cost
    # per call is that of a 30-word turn, so it is called per document, not per turn.
    orth, idx, space, punct, length = np.concatenate(
        [doc.to_array([ORTH, IDX, IS_SPACE, IS_PUNCT, LENGTH]) for doc in docs]).T
    idx = idx + np.repeat(np.array([start for start, _ in pieces], dtype=np.uint64), sizes)
    bounds = sentence_starts(orth, punct, np.repeat(np.arange(len(docs)), sizes)).tolist()
    bounds.append(len(orth))
    # A sentence's span runs from its first to its last token that is no white space (so it
    # keeps its closing punctuation: that is what a coder codes); its words are the tokens
    # that are neither white space nor punctuation.
    solid = np.flatnonzero(space == 0)
    kept = np.flatnonzero((space == 0) & (punct == 0))
    words = lemmas_of(orth[kept], docs[0].vocab.strings)
    first_kept = np.searchsorted(kept, bounds).tolist()
    first_solid = np.searchsorted(solid, bounds).tolist()
    starts = idx[solid].tolist()
    ends = (idx[solid] + length[solid]).tolist()
    kept_at = np.column_stack([idx[kept], length[kept]]).astype("<i4")
    rows = []
    for i in range(len(bounds) - 1):
        if first_kept[i] == first_kept[i + 1]:
            continue
        start, end = starts[first_solid[i]], ends[first_solid[i + 1] - 1]
        at = kept_at[first_kept[i]:first_kept[i + 1]] - np.array([start, 0], dtype="<i4")
        rows.append((start, end, text[start:end],
                     " ".join(words[first_kept[i]:first_kept[i + 1]]), at.tobytes()))
    return rows


def _positions(blob: bytes) -> list[list[int]]:
    """(start within the sentence, length) of each word, as `sentence_rows` stored them."""
    return np.frombuffer(blob, dtype="<i4").reshape(-1, 2).tolist()


def write_index(tx: Tx, document_id: int, rows: list[Row]) -> None:
    """Write a document's sentence rows and their FTS entries (a derived index: not logged)."""
    conn = tx.db.conn
    # Ids given here (the write lock is held), so both tables go in by executemany: a statement
    # per sentence cost a fifth of an import.
    first = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM qual_sentences").fetchone()[0]
    conn.executemany("INSERT INTO qual_sentences (id, document_id, start_pos, end_pos,"
                     " word_positions) VALUES (?, ?, ?, ?, ?)",
                     [(first + i, document_id, start, end, positions)
                      for i, (start, end, _, _, positions) in enumerate(rows)])
    conn.executemany("INSERT INTO qual_fts (rowid, words, lemmas) VALUES (?, ?, ?)",
                     [(first + i, words, lemmas)
                      for i, (_, _, words, lemmas, _) in enumerate(rows)])


@dataclass(frozen=True)
class Hit:
    """One found word (or phrase) in a document."""

    document_id: int
    document: str
    start: int
    end: int
    sentence_start: int
    sentence_end: int


def _terms(query: str, mode: str) -> list[set[str]]:
    """Per query word, the index values that count as a match: the lower-case word, or in
    lemma mode the lemma family of the word (its lemma and regular forms)."""
    tokens = [t for t in tokenizer()(search_text(query)) if _keep(t)]
    if mode == "lemma":
        return [lemma_family(lemma(t.text)) | lemma_family(t.text) for t in tokens]
    return [{t.text.lower()} for t in tokens]


def _expression(terms: list[set[str]]) -> str | None:
    """FTS5: every query word must occur, each as any of its values (quoted, so FTS
    operators typed by the user are searched for, not obeyed)."""
    groups = ["(" + " OR ".join(quoted(v) for v in sorted(values)) + ")"
              for values in terms if values]
    return " AND ".join(groups) or None


def _wanted(form: str, wanted: set[str], mode: str, known: dict[str, bool]) -> bool:
    """Whether a word form is wanted (by itself or, in lemma mode, by its lemma); `known`
    keeps the answer per form (the lemma lookup is the costly part)."""
    found = known.get(form)
    if found is None:
        found = known[form] = (form.lower() in wanted
                               or (mode == "lemma" and lemma(form) in wanted))
    return found


def _matches(sentence: str, positions: list[list[int]], wanted: set[str], mode: str,
             known: dict[str, bool]) -> list[tuple[int, int]]:
    """Character spans in a sentence of its words (at `positions`) that are wanted."""
    return [(start, start + length) for start, length in positions
            if _wanted(sentence[start:start + length], wanted, mode, known)]


def _tokenised(rows: list[dict]):
    """The word positions of rows indexed before they were stored: the sentences tokenised
    together (one pipeline call per sentence costs more than the search itself), lazily."""
    old = [row["words"] for row in rows if row["word_positions"] is None]
    docs = tokenise(old) if old else iter(())
    for row in rows:
        if row["word_positions"] is not None:
            yield _positions(row["word_positions"])
        else:
            doc = next(docs)
            yield [[start, length] for start, length, space, punct in
                   doc.to_array([IDX, LENGTH, IS_SPACE, IS_PUNCT]).tolist()
                   if not (space or punct)]


def search(store: Store, user: User, project_id: int, query: str, mode: str = "lemma", *,
           document_ids: list[int] | None = None, limit: int = MAX_HITS) -> list[Hit]:
    """Every occurrence of the query's words in sentences that contain all of them, in
    document order; at most `limit` hits."""
    require_read(store, user, project_id)
    if mode not in MODES:
        raise ProjectError(f"Onbekende zoekwijze '{mode}'.")
    terms = _terms(query, mode)
    expression = _expression(terms)
    if expression is None:
        return []
    column = "lemmas" if mode == "lemma" else "words"
    where, params = "", [f"{column} : ({expression})", project_id]
    if document_ids is not None:
        where = f" AND d.id IN ({', '.join('?' * len(document_ids))})"
        params += list(document_ids)
    rows = store.rows(
        "SELECT s.document_id, d.name, s.start_pos, s.end_pos, s.word_positions, f.words"
        " FROM qual_fts f JOIN qual_sentences s ON s.id = f.rowid"
        " JOIN documents d ON d.id = s.document_id"
        f" WHERE qual_fts MATCH ? AND d.project_id = ?{where}"
        " ORDER BY d.held_on IS NULL, d.held_on, d.position, s.start_pos", params)
    hits: list[Hit] = []
    wanted = set().union(*terms)
    known: dict[str, bool] = {}
    for row, positions in zip(rows, _tokenised(rows), strict=True):
        for start, end in _matches(row["words"], positions, wanted, mode, known):
            hits.append(Hit(row["document_id"], row["name"], row["start_pos"] + start,
                            row["start_pos"] + end, row["start_pos"], row["end_pos"]))
            if len(hits) >= limit:
                return hits
    return hits


def keyword_in_context(store: Store, user: User, project_id: int, hits: list[Hit],
                       width: int = 60) -> list[dict]:
    """Hits as keyword-in-context rows: `width` characters left and right of the word."""
    require_read(store, user, project_id)
    texts: dict[int, str] = {}
    rows = []
    for hit in hits:
        if hit.document_id not in texts:
            texts[hit.document_id] = store.value("SELECT text FROM documents WHERE id = ?",
                                                 [hit.document_id])
        text = texts[hit.document_id]
        left = text[max(0, hit.start - width):hit.start].replace("\n", " ")
        right = text[hit.end:hit.end + width].replace("\n", " ")
        rows.append({"document": hit.document, "left": left, "word": text[hit.start:hit.end],
                     "right": right, "document_id": hit.document_id, "start": hit.start,
                     "end": hit.end})
    return rows


def autocode_spans(store: Store, user: User, hits: list[Hit],
                   unit: str) -> list[tuple[int, int, int]]:
    """The distinct (document, start, end) units that auto-coding would code: each hit's
    sentence or speaker turn."""
    if unit not in ("zin", "beurt"):
        raise ProjectError("Kies 'zin' of 'beurt' als eenheid.")
    spans: dict[tuple[int, int, int], None] = {}
    for hit in hits:
        if unit == "zin":
            spans[(hit.document_id, hit.sentence_start, hit.sentence_end)] = None
            continue
        turn = store.one("SELECT start_pos, end_pos FROM turns WHERE document_id = ?"
                         " AND start_pos <= ? AND end_pos >= ? ORDER BY position LIMIT 1",
                         [hit.document_id, hit.start, hit.end])
        if turn is not None:
            spans[(hit.document_id, turn["start_pos"], turn["end_pos"])] = None
    return list(spans)


def word_frequencies(store: Store, user: User, project_id: int, *, by: str = "lemma",
                     document_ids: list[int] | None = None, top: int = 100) -> list[dict]:
    """The most frequent words (or lemmas) of the project's sentences, stop words, numbers
    and one-letter words left out, with the number of documents each occurs in."""
    require_read(store, user, project_id)
    column = "lemmas" if by == "lemma" else "words"
    where, params = "", [project_id]
    if document_ids is not None:
        where = f" AND d.id IN ({', '.join('?' * len(document_ids))})"
        params += list(document_ids)
    counts: Counter = Counter()
    in_documents: dict[str, set[int]] = {}
    for row in store.rows(f"SELECT s.document_id, f.{column} AS words FROM qual_fts f"
                          " JOIN qual_sentences s ON s.id = f.rowid"
                          f" JOIN documents d ON d.id = s.document_id"
                          f" WHERE d.project_id = ?{where}", params):
        words = row["words"].lower().split() if by == "lemma" else \
            [t.lower_ for t in tokenizer()(row["words"]) if _keep(t)]
        for word in words:
            if word in STOP_WORDS or len(word) < 2 or not any(c.isalpha() for c in word):
                continue
            counts[word] += 1
            in_documents.setdefault(word, set()).add(row["document_id"])
    return [{"word": word, "count": n, "documents": len(in_documents[word])}
            for word, n in counts.most_common(top)]
