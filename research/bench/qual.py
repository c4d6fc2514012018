"""The qualitative module at scale: a project of interviews and a focus group, imported
through the app's own path, a codebook with relations, and the codings of three coders; then
the promised operations, each beside its baseline.

Codings and their audit events are written in bulk (as real coding would have left them: one
event per coding), because coding a hundred thousand passages one call at a time would take
the benchmark longer than the measurements.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field

import numpy as np
import spacy

from research import accounts
from research.accounts import SYSTEM_USER, User
from research.bench import invent
from research.bench.context import Context, plain_insert, scratch_copy
from research.bench.measure import Record, Timing, record
from research.qual import (
    axial,
    charts,
    codebook,
    codings,
    comparison,
    intake,
    intercoder,
    projects,
    search,
    transcripts,
)
from research.storage import Tx, utcnow
from research.ui import page_runs

IMPORT_BATCHES = 5
QUERIES = ["wachtlijst", "gemeente", "vertrouwen instanties", "taalles", "buurthuis vrijwilliger",
           "schulden", "wonen", "kinderen school"]
CODERS = ["annelies", "bas", "carmen"]
TARGETS = {"qual.code_view_page": 0.5, "qual.apply_code": 0.05, "qual.search": 0.1,
           "qual.import": 5.0, "qual.cooccurrence": 1.0, "qual.agreement": 2.0,
           "qual.network": 1.0}


@dataclass
class QualData:
    """What the build made, for the operations."""

    project_id: int
    coders: list[User]
    focus_id: int
    document_ids: list[int]
    code_ids: list[int]
    words: int
    codings: int
    imports: list[tuple[int, float, float]] = field(default_factory=list)  # words, s, blank s
    build_seconds: float = 0.0

    @property
    def lead(self) -> User:
        return self.coders[0]


# -- building ---------------------------------------------------------------------------------

def _coders(ctx: Context) -> list[User]:
    return [accounts.create_user(ctx.store, SYSTEM_USER, name, "onderzoeker",
                                 secrets.token_urlsafe(16), display_name=name.capitalize())
            for name in CODERS]


def _project(ctx: Context, coders: list[User]) -> int:
    project_id = projects.create_project(ctx.store, coders[0], "Sociale basis (benchmark)",
                                         "Verzonnen gegevens voor de benchmark.")
    for coder in coders[1:]:
        projects.add_member(ctx.store, coders[0], project_id, coder.account_id)
    return project_id


def _import_batch(ctx: Context, lead: User, project_id: int,
                  files: list[tuple[str, bytes]]) -> tuple[list[int], float]:
    """Import files as the import page does (read with turn detection, store with
    lemmatisation and the search index); returns the ids and the seconds taken."""
    started = time.perf_counter()
    ids = [intake.save(ctx.store, lead, project_id, transcripts.read(name, data))
           for name, data in files]
    return ids, time.perf_counter() - started


def _blank_seconds(blank, files: list[tuple[str, bytes]]) -> float:
    """The import baseline: spacy.blank('nl') tokenising the same texts, nothing else."""
    texts = [data.decode("utf-8") for _, data in files]
    started = time.perf_counter()
    for text in texts:
        blank(text)
    return time.perf_counter() - started


def _import_all(ctx: Context, lead: User, project_id: int, rng) -> tuple[list[int], list]:
    """The interviews in IMPORT_BATCHES batches, each timed beside its baseline."""
    scale = ctx.scale
    blank = spacy.blank("nl")
    blank("Opwarmen.")
    search.sentence_rows("Opwarmen, zoals een server die al draait.", [(0, 41)])
    ids, batches = [], []
    per_batch = -(-scale.transcripts // IMPORT_BATCHES)
    for first in range(0, scale.transcripts, per_batch):
        files = [invent.interview(rng, i, scale.words_per_transcript)
                 for i in range(first, min(first + per_batch, scale.transcripts))]
        words = sum(transcripts.read(n, d).word_count() for n, d in files)
        base = _blank_seconds(blank, files)
        made, seconds = _import_batch(ctx, lead, project_id, files)
        ids += made
        batches.append((words, seconds, base))
    return ids, batches


def _codebook(ctx: Context, lead: User, project_id: int) -> list[int]:
    """The codes (themes with subcodes), a fifth of them axial, a few selective."""
    ids: dict[str, int] = {}
    for name, parent in invent.code_names(ctx.scale.codes):
        ids[name] = codebook.add_code(ctx.store, lead, project_id, name,
                                      parent_id=ids.get(parent) if parent else None)
    code_ids = list(ids.values())
    for i, code_id in enumerate(code_ids):
        if i % 5 == 0:
            codebook.update_code(ctx.store, lead, code_id,
                                 stage="selectief" if i % 50 == 0 else "axiaal")
    return code_ids


def _relations(ctx: Context, lead: User, project_id: int, code_ids: list[int], rng) -> None:
    """About one relation per code, mostly between codes close in the codebook."""
    types = [t["id"] for t in axial.relation_types(ctx.store, lead, project_id)]
    made = set()
    for i, source in enumerate(code_ids):
        j = int(np.clip(i + rng.integers(-15, 16), 0, len(code_ids) - 1))
        target, kind = code_ids[j], types[int(rng.integers(len(types)))]
        if source != target and (source, target, kind) not in made:
            axial.add_relation(ctx.store, lead, source, target, kind)
            made.add((source, target, kind))


def _passages(rng, spans: list[tuple[int, int]], n_codings: int, code_p: np.ndarray,
              n_coders: int) -> list[tuple[int, int, int, int]]:
    """(coder index, code index, start, end) of codings: shared passages of one to three
    sentences that each coder codes with a chance of 0.8, sometimes with another code or
    other edges, so that agreement is high but not perfect."""
    rows = []
    per_passage = 0.8 * n_coders
    for _ in range(max(1, round(n_codings / per_passage))):
        first = int(rng.integers(len(spans)))
        last = min(len(spans) - 1, first + int(rng.integers(0, 3)))
        code = int(rng.choice(len(code_p), p=code_p))
        for coder in range(n_coders):
            if rng.random() > 0.8:
                continue
            a, b = first, last
            if rng.random() < 0.2:
                b = min(len(spans) - 1, b + 1)
            given = code if rng.random() > 0.1 else int(rng.choice(len(code_p), p=code_p))
            rows.append((coder, given, spans[a][0], spans[b][1]))
    return rows


def _write_codings(ctx: Context, coders: list[User], rows: list[tuple]) -> int:
    """Codings with one audit event each, in one transaction (as a bulk load is written)."""
    def apply(tx: Tx) -> int:
        db = tx.db
        first = db.execute("SELECT coalesce(max(id), 0) + 1 FROM codings").fetchone()[0]
        batch = db.execute("SELECT coalesce(max(batch), 0) + 1 FROM events").fetchone()[0]
        now = utcnow()
        codings_rows, events = [], []
        for i, (document_id, coder, code_id, start, end) in enumerate(rows):
            coding = {"id": first + i, "document_id": document_id, "code_id": code_id,
                      "start_pos": start, "end_pos": end, "created_by": coders[coder].id,
                      "created_at": now}
            codings_rows.append(list(coding.values()))
            events.append([now, coders[coder].username, coders[coder].id, "coding",
                           str(first + i), "create",
                           json.dumps(coding, sort_keys=True), batch + i])
        db.conn.executemany("INSERT INTO codings (id, document_id, code_id, start_pos, end_pos,"
                            " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)", codings_rows)
        db.conn.executemany("INSERT INTO events (at, actor, actor_id, entity, entity_id, action,"
                            " after, batch) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", events)
        return len(codings_rows)

    return ctx.store.write(SYSTEM_USER.actor, apply)


def _code(ctx: Context, data_coders: list[User], document_ids: list[int], code_ids: list[int],
          total: int, rng) -> int:
    """Code the documents with about `total` codings, spread by document length."""
    spans = {d: [(r["start_pos"], r["end_pos"]) for r in ctx.store.rows(
        "SELECT start_pos, end_pos FROM qual_sentences WHERE document_id = ? ORDER BY start_pos",
        [d])] for d in document_ids}
    sizes = np.array([len(spans[d]) for d in document_ids], dtype=float)
    ranks = np.arange(1, len(code_ids) + 1)
    code_p = 1.0 / ranks ** 0.8
    code_p = rng.permutation(code_p / code_p.sum())
    rows = []
    for document_id, share in zip(document_ids, sizes / sizes.sum(), strict=True):
        for coder, code, start, end in _passages(rng, spans[document_id], total * share,
                                                 code_p, len(data_coders)):
            rows.append((document_id, coder, code_ids[code], start, end))
    return _write_codings(ctx, data_coders, rows)


def build(ctx: Context) -> QualData:
    """The project at this scale; the interviews' import is timed on the way."""
    started = time.perf_counter()
    rng = np.random.default_rng(invent.SEED + 10)
    coders = _coders(ctx)
    project_id = _project(ctx, coders)
    document_ids, imports = _import_all(ctx, coders[0], project_id, rng)
    name, data = invent.focus_group(rng, ctx.scale.focus_words)
    focus_id = intake.save(ctx.store, coders[0], project_id, transcripts.read(name, data))
    code_ids = _codebook(ctx, coders[0], project_id)
    _relations(ctx, coders[0], project_id, code_ids, rng)
    made = _code(ctx, coders, document_ids, code_ids, ctx.scale.codings, rng)
    made += _code(ctx, coders, [focus_id], code_ids, ctx.scale.focus_codings, rng)
    words = ctx.scale.transcripts * ctx.scale.words_per_transcript
    return QualData(project_id, coders, focus_id, document_ids, code_ids, words, made,
                    imports, time.perf_counter() - started)


# -- the operations ---------------------------------------------------------------------------

def _runs(ctx: Context, cheap: bool = False) -> int:
    return 20 if cheap else ctx.scale.runs


def code_view_page(ctx: Context, data: QualData) -> list[Record]:
    """The coding page opened on the focus group (its codings shown), server-side."""
    state = {"qual_project": data.project_id, "qual_document": data.focus_id}
    with page_runs.database(ctx.path):
        timing = page_runs.time_page(page_runs.page("qual_code.py"), data.lead.id, _runs(ctx),
                                 state=state, min_runs=ctx.scale.min_runs,
                                 budget=ctx.scale.budget)
        blank = page_runs.time_blank(ctx.folder, _runs(ctx))
    focus_codings = ctx.store.value("SELECT count(*) FROM codings WHERE document_id = ?",
                                    [data.focus_id])
    return [record("qual.code_view_page", ctx.scale.name, timing, blank,
                   TARGETS["qual.code_view_page"], size=ctx.scale.focus_words,
                   size_unit="woorden in het document", baseline="AppTest van een lege pagina",
                   note=f"focusgroep van {ctx.scale.focus_words:,} woorden, 12 sprekers, "
                        f"{focus_codings:,} coderingen; project van "
                        f"{len(data.document_ids) + 1:,} documenten")]


def apply_code(ctx: Context, data: QualData) -> list[Record]:
    """Code a sentence of the focus group with one code (`codings.add_codings`)."""
    spans = [(r["start_pos"], r["end_pos"]) for r in ctx.store.rows(
        "SELECT start_pos, end_pos FROM qual_sentences WHERE document_id = ?", [data.focus_id])]
    rng = np.random.default_rng(invent.SEED + 11)
    chosen: list = []

    def setup() -> None:
        start, end = spans[int(rng.integers(len(spans)))]
        chosen[:] = [data.code_ids[int(rng.integers(len(data.code_ids)))], start, end]

    timing = ctx.timed(lambda: codings.add_codings(ctx.store, data.lead, data.focus_id,
                                                   [chosen[0]], chosen[1], chosen[2]),
                       runs=_runs(ctx, cheap=True), setup=setup, warmup=1)
    conn = ctx.raw()
    try:
        table = scratch_copy(conn, "codings")
        row = {"document_id": data.focus_id, "code_id": data.code_ids[0], "start_pos": 0,
               "end_pos": 10, "created_by": data.lead.id, "created_at": utcnow()}
        base = ctx.timed(lambda: plain_insert(conn, table, row), runs=_runs(ctx, cheap=True),
                         warmup=1)
    finally:
        conn.close()
    return [record("qual.apply_code", ctx.scale.name, timing, base, TARGETS["qual.apply_code"],
                   size=data.codings, size_unit="coderingen in het project",
                   baseline="executemany van één rij (zelfde kolommen, zonder index)",
                   note="één code op een zin van de focusgroep, met auditregel")]


def _raw_search(conn, query: str) -> None:
    expression = " AND ".join(f'"{w}"' for w in query.lower().split())
    conn.execute("SELECT rowid FROM qual_fts WHERE qual_fts MATCH ?",
                 [f"lemmas : ({expression})"]).fetchall()


def search_project(ctx: Context, data: QualData) -> list[Record]:
    """Lemma search (the search page's default mode) over the whole project."""
    queries = iter(QUERIES * 100)
    current: list[str] = []
    found: list[int] = []

    def setup() -> None:
        current[:] = [next(queries)]

    def run() -> None:
        found.append(len(search.search(ctx.store, data.lead, data.project_id, current[0])))

    runs = len(QUERIES) * 3
    timing = ctx.timed(run, runs=runs, setup=setup, warmup=1)
    conn = ctx.raw()
    try:
        queries = iter(QUERIES * 100)
        base = ctx.timed(lambda: _raw_search(conn, current[0]), runs=runs, setup=setup,
                         warmup=1)
    finally:
        conn.close()
    return [record("qual.search", ctx.scale.name, timing, base, TARGETS["qual.search"],
                   size=data.words, size_unit="woorden in het project",
                   baseline="rauwe FTS5 MATCH op qual_fts (lemmas)",
                   note=f"zoekwijze lemma; {len(QUERIES)} zoekopdrachten ({', '.join(QUERIES)}), "
                        f"elk 3 keer; vondsten per opdracht {min(found)}-{max(found)} "
                        f"(hoogstens {search.MAX_HITS})")]


def import_speed(ctx: Context, data: QualData) -> list[Record]:
    """Import throughput as seconds per million words, per batch of interviews."""
    per_million = Timing([s / w * 1e6 for w, s, _ in data.imports])
    blank = Timing([b / w * 1e6 for w, _, b in data.imports])
    words = int(np.median([w for w, _, _ in data.imports]))
    result = record("qual.import", ctx.scale.name, per_million, blank, TARGETS["qual.import"],
                    unit="s per 1M woorden", size=words, size_unit="woorden per partij",
                    baseline="spacy.blank('nl') tokeniseert dezelfde tekst",
                    note=f"{len(data.imports)} partijen interviews van "
                         f"{ctx.scale.words_per_transcript:,} woorden: transcripts.read + "
                         "intake.save (sprekers, zinnen, lemma's, zoekindex); doel 200.000 "
                         "woorden per seconde")
    return [result]


def _raw_codings(conn, project_id: int) -> None:
    conn.execute("SELECT g.id, g.document_id, g.code_id, g.start_pos, g.end_pos, g.created_by"
                 " FROM codings g JOIN documents d ON d.id = g.document_id"
                 " WHERE d.project_id = ? ORDER BY g.document_id, g.start_pos",
                 [project_id]).fetchall()


def cooccurrence(ctx: Context, data: QualData) -> list[Record]:
    """Co-occurrence of every pair of codes (overlapping passages, the page's default)."""
    timing = ctx.timed(lambda: comparison.cooccurrence(ctx.store, data.lead, data.project_id),
                       warmup=1)
    conn = ctx.raw()
    try:
        base = ctx.timed(lambda: _raw_codings(conn, data.project_id), warmup=1)
    finally:
        conn.close()
    return [record("qual.cooccurrence", ctx.scale.name, timing, base,
                   TARGETS["qual.cooccurrence"], size=data.codings,
                   size_unit="coderingen in het project",
                   baseline="de coderingen lezen met één rauwe SELECT",
                   note=f"{len(data.code_ids):,} codes, {data.codings:,} coderingen, "
                        "wijze 'overlap'")]


def _raw_units(conn, project_id: int) -> None:
    conn.execute("SELECT s.document_id, s.start_pos, s.end_pos FROM qual_sentences s JOIN"
                 " documents d ON d.id = s.document_id WHERE d.project_id = ?",
                 [project_id]).fetchall()
    _raw_codings(conn, project_id)


def agreement(ctx: Context, data: QualData) -> list[Record]:
    """Agreement of the three coders over every document, with the page's defaults (unit
    sentence, all codes, 1,000 bootstrap resamples)."""
    coder_ids = [c.account_id for c in data.coders]
    timing = ctx.timed(lambda: intercoder.compare(ctx.store, data.lead, data.project_id,
                                                  coder_ids=coder_ids, unit="zin"))
    conn = ctx.raw()
    try:
        base = ctx.timed(lambda: _raw_units(conn, data.project_id), warmup=1)
    finally:
        conn.close()
    units = ctx.store.value(
        "SELECT count(*) FROM qual_sentences s JOIN documents d ON d.id = s.document_id"
        " WHERE d.project_id = ?", [data.project_id])
    n_codes = len(data.code_ids)
    return [record("qual.agreement", ctx.scale.name, timing, base, TARGETS["qual.agreement"],
                   size=units * n_codes, size_unit="eenheden x codes",
                   baseline="zinnen en coderingen lezen met rauwe SELECTs",
                   note=f"3 codeurs, {len(data.document_ids) + 1:,} documenten ({units:,} "
                        f"zinnen), eenheid zin, alle {n_codes:,} codes, 1.000 "
                        "bootstraptrekkingen")]


def _network(ctx: Context, data: QualData) -> None:
    net = axial.network(ctx.store, data.lead, data.project_id)
    charts.network_figure(net).to_json()     # what st.plotly_chart serialises


def _raw_network(conn, project_id: int) -> None:
    conn.execute("SELECT id, name, stage FROM codes WHERE project_id = ?", [project_id]).fetchall()
    conn.execute("SELECT source_id, target_id, type_id FROM code_relations WHERE project_id = ?",
                 [project_id]).fetchall()


def network(ctx: Context, data: QualData) -> list[Record]:
    """The network of codes and relations: read, laid out, drawn and serialised."""
    timing = ctx.timed(lambda: _network(ctx, data))
    conn = ctx.raw()
    try:
        base = ctx.timed(lambda: _raw_network(conn, data.project_id), warmup=1)
    finally:
        conn.close()
    relations = ctx.store.value("SELECT count(*) FROM code_relations WHERE project_id = ?",
                                [data.project_id])
    return [record("qual.network", ctx.scale.name, timing, base, TARGETS["qual.network"],
                   size=len(data.code_ids), size_unit="codes",
                   baseline="codes en relaties lezen met rauwe SELECTs",
                   note=f"{len(data.code_ids):,} codes, {relations:,} relaties: axial.network + "
                        "charts.network_figure + to_json")]


OPERATIONS = {"qual.import": import_speed, "qual.code_view_page": code_view_page,
              "qual.apply_code": apply_code, "qual.search": search_project,
              "qual.cooccurrence": cooccurrence, "qual.agreement": agreement,
              "qual.network": network}
