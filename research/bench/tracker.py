"""The wijkwerkplaats at scale: bewonersvragen over three wijkwerkplaatsen (written in bulk,
with their lemmas, search index and one audit event each, as logging them one by one would
have left them); then logging a question and finding similar ones, beside a plain insert and
a raw FTS5 query."""

from __future__ import annotations

import json
import math
import secrets
import time
from dataclasses import dataclass
from datetime import date

from research import accounts
from research.accounts import SYSTEM_USER, User
from research.bench import invent
from research.bench.context import Context, plain_insert, scratch_copy
from research.bench.measure import Record, Timing, record, timed
from research.nlp import lemma_text, lemmas, quoted
from research.storage import Store, Tx, utcnow
from research.tracker import embedding, hints, questions, similarity

TARGETS = {"tracker.log_question": 0.2, "tracker.similar": 0.1}
TODAY = date(2026, 6, 1)


@dataclass
class TrackerData:
    """What the build made, for the operations."""

    coordinator: User
    questions: int
    build_seconds: float = 0.0


def _rows(user: User, asked: list[dict], first_id: int) -> list[dict]:
    now = utcnow()
    return [{"id": first_id + i, "wijk_id": q["wijk_id"], "asked_on": q["asked_on"].isoformat(),
             "place": None, "text": q["text"], "lemmas": lemma_text(q["text"]),
             "asker_group": q["asker_group"], "programme_id": None, "domain_id": None,
             "status": "open", "created_by": user.id, "created_at": now}
            for i, q in enumerate(asked)]


def write_questions(store: Store, user: User, asked: list[dict]) -> None:
    """Questions and their events in one transaction; the FTS index follows by trigger."""
    def apply(tx: Tx) -> None:
        db = tx.db
        first = db.execute("SELECT coalesce(max(id), 0) + 1 FROM questions").fetchone()[0]
        batch = db.execute("SELECT coalesce(max(batch), 0) + 1 FROM events").fetchone()[0]
        rows = _rows(user, asked, first)
        columns = list(rows[0])
        db.conn.executemany(f"INSERT INTO questions ({', '.join(columns)}) VALUES"
                            f" ({', '.join('?' * len(columns))})",
                            [list(r.values()) for r in rows])
        db.conn.executemany(
            "INSERT INTO events (at, actor, actor_id, entity, entity_id, action, after, batch)"
            " VALUES (?, ?, ?, 'question', ?, 'create', ?, ?)",
            [[r["created_at"], user.username, user.id, str(r["id"]),
              json.dumps(r, ensure_ascii=False, sort_keys=True), batch + i]
             for i, r in enumerate(rows)])

    store.write(user.actor, apply)


def build(ctx: Context) -> TrackerData:
    """A coordinator of all three wijkwerkplaatsen and the scale's questions."""
    started = time.perf_counter()
    coordinator = accounts.create_user(ctx.store, SYSTEM_USER, "coby", "coordinator",
                                       secrets.token_urlsafe(16), display_name="Coby",
                                       wijken=invent.WIJKEN)
    asked = invent.questions(ctx.scale.questions)
    for first in range(0, len(asked), 10_000):
        write_questions(ctx.store, coordinator, asked[first:first + 10_000])
    return TrackerData(coordinator, len(asked), time.perf_counter() - started)


# -- the operations ---------------------------------------------------------------------------

def log_question(ctx: Context, data: TrackerData) -> list[Record]:
    """Log one new question (`questions.log_question`: lemmas, row, search index, event)."""
    fresh = iter(invent.questions(200, seed=invent.SEED + 40))
    current: list[dict] = []

    def setup() -> None:
        current[:] = [next(fresh)]

    def run() -> None:
        q = current[0]
        questions.log_question(ctx.store, data.coordinator, wijk_id=q["wijk_id"],
                               asked_on=q["asked_on"], text=q["text"],
                               asker_group=q["asker_group"], today=TODAY)

    timing = ctx.timed(run, runs=20, setup=setup, warmup=1)
    conn = ctx.raw()
    try:
        table = scratch_copy(conn, "questions")
        row = _rows(data.coordinator, [next(fresh)], 10 ** 9)[0]
        base = ctx.timed(lambda: plain_insert(conn, table, row), runs=20, warmup=1)
    finally:
        conn.close()
    return [record("tracker.log_question", ctx.scale.name, timing, base,
                   TARGETS["tracker.log_question"], size=data.questions,
                   size_unit="vastgelegde vragen",
                   baseline="executemany van één rij (zelfde kolommen, zonder index)",
                   note="lemma's, rij, FTS5-index en auditregel in één transactie")]


def _raw_similar(conn, terms: list[str]) -> None:
    conn.execute("SELECT rowid FROM questions_fts WHERE questions_fts MATCH ?"
                 " ORDER BY rank LIMIT 5", [" OR ".join(quoted(t) for t in terms)]).fetchall()


def similar(ctx: Context, data: TrackerData) -> list[Record]:
    """Similar questions in the question's wijkwerkplaats, with the wijk's index in memory
    (as on a running server); and, apart, the first search after a start (fitting it)."""
    reader = data.coordinator
    asked = invent.questions(60, seed=invent.SEED + 41)
    current: list[dict] = []
    pending = iter(asked * 2)

    def setup() -> None:
        current[:] = [next(pending)]

    def run() -> None:
        q = current[0]
        hints.similar(ctx.store, reader, q["text"], q["wijk_id"])

    first = _first_search(ctx, data)
    for wijk in invent.WIJKEN:
        hints.similar(ctx.store, reader, "Waarom is de speeltuin dicht?", wijk)
    timing = ctx.timed(run, runs=60, setup=setup)
    terms = {q["text"]: lemmas(q["text"]) for q in asked}
    conn = ctx.raw()
    try:
        pending = iter(asked * 2)
        base = ctx.timed(lambda: _raw_similar(conn, terms[current[0]["text"]]), runs=20,
                         setup=setup)
    finally:
        conn.close()
    per_wijk = data.questions // len(invent.WIJKEN)
    made = [record("tracker.similar", ctx.scale.name, timing, base, TARGETS["tracker.similar"],
                   size=data.questions, size_unit="vastgelegde vragen",
                   baseline="rauwe FTS5 MATCH op questions_fts (OR van de lemma's, top 5 op rang)",
                   note=f"ongeveer {per_wijk:,} vragen per wijkwerkplaats; lexicaal (TF-IDF) en "
                        f"op betekenis (multilingual-e5-small: de vraag inbedden, de vectoren "
                        f"van de wijk vergelijken) samen, plus het programmavoorstel; indexen "
                        f"in het geheugen"),
            record("tracker.similar_p95", ctx.scale.name, Timing([p95(timing)]), base,
                   TARGETS["tracker.similar"], size=data.questions,
                   size_unit="vastgelegde vragen",
                   baseline="rauwe FTS5 MATCH op questions_fts (mediaan)",
                   note=f"95e percentiel van {len(timing.seconds)} zoekopdrachten als "
                        f"tracker.similar (issue 20: p95 hooguit 0,1 s)"),
            record("tracker.similar_first", ctx.scale.name, first, base, None,
                   size=data.questions, size_unit="vastgelegde vragen",
                   baseline="rauwe FTS5 MATCH op questions_fts",
                   note="eerste zoekopdracht per wijkwerkplaats na een start: de TF-IDF-index "
                        "en de vectormatrix (uit het vectorbestand) worden dan gebouwd (geen "
                        "belofte; ter informatie)")]
    made[1].runs = len(timing.seconds)   # the percentile is of all of them
    return made


def p95(timing: Timing) -> float:
    """The 95th percentile of the timed runs (nearest rank)."""
    ordered = sorted(timing.seconds)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _first_search(ctx: Context, data: TrackerData):
    """One search per wijkwerkplaats with no index in memory (as after a restart)."""
    wijken = iter(invent.WIJKEN)
    current: list[str] = []

    def setup() -> None:
        similarity.INDEXES.forget()   # what a restart of the app does
        embedding.INDEXES.forget()
        current[:] = [next(wijken)]

    return timed(lambda: hints.similar(ctx.store, data.coordinator,
                                       "Wanneer gaat de speeltuin weer open?", current[0]),
                 len(invent.WIJKEN), setup=setup)


OPERATIONS = {"tracker.log_question": log_question, "tracker.similar": similar}
