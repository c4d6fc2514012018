"""Similar-question hints that survive rewording: the lexical ranking (`similarity`, in this
process, at once) fused with the nearest questions by meaning (`embedding`, in the model
worker).

The intake page never waits for the model. `similar(..., wait=0.1)` asks the worker in a
background thread and returns the lexical hints at once with `complete=False` while the
meaning is still being computed; the page shows those and looks again a moment later
(`ui.tracker_log`). When the answer is there (the same text again: the futures are kept by
wijk and text), the fused hints replace the lexical ones. Where waiting is fine (the command
line, the benchmark) `wait=None` waits for the model.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from research import worker
from research.accounts import PermissionDenied, User, can
from research.storage import Store
from research.tracker import embedding, similarity, themes

CANDIDATES = similarity.CANDIDATES + 6   # nearest by meaning handed to the fusion
KEEP = 64                                # futures kept (recent texts typed on any page)
CHUNK = 128     # questions embedded per task at the start (a few seconds of the worker)

_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="betekenis")
_lock = threading.Lock()
_futures: OrderedDict[tuple, Future] = OrderedDict()
_prepared: dict[str, Future] = {}   # per database: the start's preparation


def _future(store: Store, wijk_id: str, text: str) -> Future:
    """The (running or finished) computation of the nearest questions by meaning."""
    # The wijk's newest question is part of the key: an answer from before a question was
    # logged would not know it.
    newest = store.value("SELECT max(id) FROM questions WHERE wijk_id = ?", [wijk_id])
    key = (str(store.path), wijk_id, newest, similarity.normalise(text))
    with _lock:
        found = _futures.get(key)
        if found is not None:   # a failed one too: the page must not ask again and again
            _futures.move_to_end(key)
            return found
        made = _pool.submit(worker.MEANING.run, by_meaning, store, wijk_id, text)
        _futures[key] = made
        while len(_futures) > KEEP:
            _futures.popitem(last=False)
        return made


def by_meaning(store: Store, wijk_id: str, text: str) -> dict:
    """What the sentence model adds (run in the model worker): the wijk's nearest questions
    by meaning (id, cosine) and the programme suggestions with the vector classifier."""
    return {"nearest": embedding.nearest(store, wijk_id, text, CANDIDATES),
            "themes": themes.suggest(store, text, meaning=True)}


def _answer(store: Store, wijk_id: str, text: str,
            wait: float | None) -> tuple[dict | None, bool]:
    """(the worker's answer for `text` or None, whether it is done): None when not there
    within `wait` seconds (None: wait as long as it takes) or when the model failed (the
    lexical hints then stand)."""
    future = _future(store, wijk_id, text)
    try:
        return future.result(timeout=wait), True
    except FutureTimeout:
        return None, False
    except Exception:   # a model that cannot run must not take the lexical hints with it
        return None, True


def similar(store: Store, user: User, text: str, wijk_id: str, *, limit: int = 5,
            exclude_id: int | None = None, wait: float | None = None) -> tuple[list[dict], bool]:
    """(hints, complete): `similarity.similar` fused with the meaning when it is there within
    `wait`; complete is False while the meaning is still being computed."""
    if not can(user, "tracker.read"):
        raise PermissionDenied()
    if not similarity.normalise(text):
        return [], True
    _future(store, wijk_id, text)     # the model starts now; the lexical ranking meanwhile
    outcome: list = []

    def nearest() -> list[tuple[int, float]] | None:
        found, done = _answer(store, wijk_id, text, wait)
        outcome.append(done)
        return found["nearest"] if found else None

    hints = similarity.similar(store, user, text, wijk_id, limit=limit, exclude_id=exclude_id,
                               semantic=nearest)
    return hints, outcome[0] if outcome else True


def suggested_themes(store: Store, text: str, wijk_id: str,
                     wait: float | None = None) -> list[themes.Suggestion]:
    """Programme suggestions: with the vector classifier when the worker's answer is there
    within `wait`, else from the n-grams and keywords at once (`themes.suggest`)."""
    found, _ = _answer(store, wijk_id, text, wait)
    return found["themes"] if found is not None else themes.suggest(store, text)


def ready(store: Store, wijk_id: str, text: str) -> bool:
    """Whether the meaning of `text` has been computed (so `similar` will not wait)."""
    return _future(store, wijk_id, text).done()


def prepare(store: Store) -> Future:
    """Have the sentence model's worker embed every question without a vector (at the app's
    start, so the first hint after an upgrade finds them); returns at once, with a future
    of how many questions have a vector. One chunk per task of the hints' queue: a hint
    typed meanwhile is computed after the chunk at hand, not after all of them.
    Once per database and process: `serve` asks as it starts and the app again as it opens
    the database (which covers an app started otherwise); the second gets the first's
    future. One that failed is tried again."""
    with _lock:
        earlier = _prepared.get(str(store.path))
        if earlier is not None and not (earlier.done() and earlier.exception()):
            return earlier
        done: Future = Future()
        _prepared[str(store.path)] = done

    def step(texts: list[str] | None) -> None:
        try:
            if texts is None:
                texts = worker.MEANING.run(embedding.missing, store)
            if texts:
                worker.MEANING.run(embedding.embed, store, texts[:CHUNK])
                _pool.submit(step, texts[CHUNK:])
            else:
                done.set_result(worker.MEANING.run(embedding.prepare, store))
        except Exception as error:  # the hints fall back to the words alone
            done.set_exception(error)

    _pool.submit(step, None)
    return done
