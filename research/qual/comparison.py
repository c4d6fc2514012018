"""Comparison tables for constant comparison: co-occurrence of codes, code x case and code x
attribute matrices, code frequencies per document.

Co-occurrence is counted in units: overlapping passages (pairs of codings that share
characters), the same speaker turn (turns holding both codes) or passages within N sentences of
each other (pairs). The normalised coefficient is n12 / (n1 + n2 - n12) (the c-coefficient
of ATLAS.ti), with n1 and n2 counted in the same units.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict

import numpy as np
from scipy import sparse

from research.accounts import User
from research.qual import codebook
from research.qual import codings as codings_module
from research.qual.projects import ProjectError, require_read
from research.storage import Store

MODES = {"overlap": "Overlappende fragmenten", "beurt": "Zelfde sprekersbeurt",
         "zinnen": "Binnen N zinnen"}


def _codings(store: Store, user: User, project_id: int, coders: list[int] | None) -> list[dict]:
    visible = codings_module.visible_coders(store, user, project_id)
    chosen = visible if coders is None else [c for c in coders if visible is None or c in visible]
    where, params = "", []
    if chosen is not None:
        where = f" AND g.created_by IN ({', '.join('?' * len(chosen)) or 'NULL'})"
        params = chosen
    return store.rows(
        "SELECT g.id, g.document_id, g.code_id, g.start_pos, g.end_pos, g.created_by"
        " FROM codings g"
        f" JOIN documents d ON d.id = g.document_id WHERE d.project_id = ?{where}"
        " ORDER BY g.document_id, g.start_pos", [project_id, *params])


def _unit_index(store: Store, table: str, project_id: int) -> dict[int, list[int]]:
    """Per document, the start offsets of its turns or sentences (sorted)."""
    starts: dict[int, list[int]] = defaultdict(list)
    for row in store.rows(f"SELECT u.document_id, u.start_pos FROM {table} u JOIN documents d"
                          " ON d.id = u.document_id WHERE d.project_id = ?"
                          " ORDER BY u.document_id, u.start_pos", [project_id]):
        starts[row["document_id"]].append(row["start_pos"])
    return starts


def _pairs(rows: list[dict], mode: str, window: int, sentences: dict[int, list[int]]):
    """Yield pairs of codings (of different codes, by the same coder: two coders' codings
    meeting says nothing about the codes) that co-occur: overlap or within N sentences. A
    sweep per document keeps this near-linear in the number of codings."""
    by_document: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        by_document[row["document_id"]].append(row)
    for document_id, items in by_document.items():
        if mode == "zinnen":
            starts = sentences.get(document_id, [0])
            spans = [(max(0, bisect_right(starts, r["start_pos"]) - 1),
                      max(0, bisect_right(starts, r["end_pos"] - 1) - 1), r) for r in items]
        else:
            spans = [(r["start_pos"], r["end_pos"] - 1, r) for r in items]
        spans.sort(key=lambda s: s[0])
        reach = window if mode == "zinnen" else 0
        active: list[tuple[int, int, dict]] = []
        for first, last, row in spans:
            active = [a for a in active if a[1] + reach >= first]
            for other in active:
                if other[2]["code_id"] != row["code_id"] and \
                        other[2]["created_by"] == row["created_by"]:
                    yield other[2], row
            active.append((first, last, row))


def cooccurrence(store: Store, user: User, project_id: int, mode: str = "overlap", *,
                 window: int = 1, coders: list[int] | None = None) -> dict:
    """Counts and coefficients of co-occurrence for every pair of codes that has codings."""
    require_read(store, user, project_id)
    if mode not in MODES:
        raise ProjectError(f"Onbekende manier van tellen '{mode}'.")
    rows = _codings(store, user, project_id, coders)
    codes = codebook.named(store, project_id, store.rows(
        "SELECT id, name FROM codes WHERE project_id = ? AND id IN"
        " (SELECT DISTINCT code_id FROM codings g JOIN documents d ON"
        " d.id = g.document_id WHERE d.project_id = ?) ORDER BY name", [project_id, project_id]))
    index = {c["id"]: i for i, c in enumerate(codes)}
    k = len(codes)
    if mode == "beurt":
        turns = _unit_index(store, "turns", project_id)
        unit_ids: dict[tuple[int, int], int] = {}
        cells = set()
        for row in rows:
            starts = turns.get(row["document_id"], [0])
            first = max(0, bisect_right(starts, row["start_pos"]) - 1)
            last = max(0, bisect_right(starts, row["end_pos"] - 1) - 1)
            for turn in range(first, last + 1):
                unit = unit_ids.setdefault((row["document_id"], turn), len(unit_ids))
                cells.add((unit, index[row["code_id"]]))
        if cells:
            units, columns = zip(*cells, strict=True)
            matrix = sparse.csr_matrix((np.ones(len(cells)), (units, columns)),
                                       shape=(len(unit_ids), k))
            counts = (matrix.T @ matrix).toarray()
        else:
            counts = np.zeros((k, k))
        totals = np.diag(counts).copy()
    else:
        sentences = _unit_index(store, "qual_sentences", project_id) if mode == "zinnen" else {}
        counts = np.zeros((k, k))
        for a, b in _pairs(rows, mode, window, sentences):
            i, j = index[a["code_id"]], index[b["code_id"]]
            counts[i, j] += 1
            counts[j, i] += 1
        totals = np.bincount([index[r["code_id"]] for r in rows], minlength=k).astype(float)
        np.fill_diagonal(counts, totals)
    with np.errstate(divide="ignore", invalid="ignore"):
        union = totals[:, None] + totals[None, :] - counts
        coefficient = np.where(union > 0, counts / union, 0.0)
    np.fill_diagonal(coefficient, 1.0)
    return {"codes": codes, "counts": counts.astype(int).tolist(),
            "coefficient": np.round(coefficient, 3).tolist()}


def cooccurring_passages(store: Store, user: User, project_id: int, code_a: int, code_b: int,
                         mode: str = "overlap", *, window: int = 1,
                         coders: list[int] | None = None) -> list[dict]:
    """The passages behind one cell: each co-occurring pair as the span covering both."""
    require_read(store, user, project_id)
    rows = [r for r in _codings(store, user, project_id, coders)
            if r["code_id"] in (code_a, code_b)]
    if mode == "beurt":
        found = []
        for turn in store.rows(
                "SELECT t.document_id, t.start_pos, t.end_pos FROM turns t JOIN documents d ON"
                " d.id = t.document_id WHERE d.project_id = ? ORDER BY t.document_id, t.position",
                [project_id]):
            inside = {r["code_id"] for r in rows if r["document_id"] == turn["document_id"]
                      and r["start_pos"] < turn["end_pos"] and r["end_pos"] > turn["start_pos"]}
            if inside >= {code_a, code_b}:
                found.append((turn["document_id"], turn["start_pos"], turn["end_pos"]))
    else:
        sentences = _unit_index(store, "qual_sentences", project_id) if mode == "zinnen" else {}
        found = [(a["document_id"], min(a["start_pos"], b["start_pos"]),
                  max(a["end_pos"], b["end_pos"]))
                 for a, b in _pairs(rows, mode, window, sentences)]
    texts = {d["id"]: d for d in store.rows("SELECT id, name, text FROM documents WHERE"
                                            " project_id = ?", [project_id])}
    return [{"document_id": d, "document": texts[d]["name"], "start_pos": s, "end_pos": e,
             "passage": texts[d]["text"][s:e]} for d, s, e in sorted(set(found))]


def code_by_case(store: Store, user: User, project_id: int, *,
                 coders: list[int] | None = None) -> dict:
    """Passages per code and case (the speaker of the turn a passage starts in)."""
    require_read(store, user, project_id)
    rows = _codings(store, user, project_id, coders)
    turns = store.rows("SELECT t.document_id, t.start_pos, t.case_id FROM turns t JOIN"
                       " documents d ON d.id = t.document_id WHERE d.project_id = ?"
                       " ORDER BY t.document_id, t.start_pos", [project_id])
    starts: dict[int, list[tuple[int, int | None]]] = defaultdict(list)
    for turn in turns:
        starts[turn["document_id"]].append((turn["start_pos"], turn["case_id"]))
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for row in rows:
        here = starts.get(row["document_id"], [])
        at = bisect_right([s for s, _ in here], row["start_pos"]) - 1
        case_id = here[at][1] if at >= 0 else None
        if case_id is not None:
            counts[(row["code_id"], case_id)] += 1
    codes = codebook.named(store, project_id, store.rows(
        "SELECT id, name FROM codes WHERE project_id = ? ORDER BY name", [project_id]))
    cases = store.rows("SELECT id, name FROM cases WHERE project_id = ? ORDER BY name",
                       [project_id])
    return {"codes": codes, "cases": cases,
            "counts": [[counts.get((c["id"], k["id"]), 0) for k in cases] for c in codes]}


def code_by_attribute(store: Store, user: User, project_id: int, attribute: str, *,
                      coders: list[int] | None = None) -> dict:
    """Per code and value of a case attribute: passages, cases with the code, and the share
    of the cases with that value that have the code."""
    from research.qual import cases as cases_module

    if attribute not in [a["name"] for a in cases_module.attributes(store, user, project_id,
                                                                      "case")]:
        raise ProjectError(f"Er is geen kenmerk '{attribute}' voor casussen.")
    table = code_by_case(store, user, project_id, coders=coders)
    values = {row["id"]: row[attribute] for row in
              cases_module.values_table(store, user, project_id, "case")}
    labels = sorted({v for v in values.values() if v is not None})
    per_value = {v: [c["id"] for c in table["cases"] if values.get(c["id"]) == v]
                 for v in labels}
    position = {c["id"]: i for i, c in enumerate(table["cases"])}
    result = []
    for code, counts in zip(table["codes"], table["counts"], strict=True):
        row = {"code": code["name"]}
        for value in labels:
            members = per_value[value]
            with_code = sum(1 for case in members if counts[position[case]] > 0)
            row[value] = {"codings": sum(counts[position[case]] for case in members),
                          "cases": with_code, "share": round(with_code / len(members), 3)
                          if members else 0.0}
        result.append(row)
    return {"values": labels, "sizes": {v: len(per_value[v]) for v in labels}, "rows": result}


def frequencies_by_document(store: Store, user: User, project_id: int, *,
                            coders: list[int] | None = None) -> dict:
    """Passages per code in each document, documents in interview order."""
    require_read(store, user, project_id)
    from research.qual import documents

    docs = documents.documents(store, user, project_id)
    codes = codebook.named(store, project_id, store.rows(
        "SELECT id, name FROM codes WHERE project_id = ? ORDER BY name", [project_id]))
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for row in _codings(store, user, project_id, coders):
        counts[(row["code_id"], row["document_id"])] += 1
    return {"documents": [{"id": d["id"], "name": d["name"]} for d in docs], "codes": codes,
            "counts": [[counts.get((c["id"], d["id"]), 0) for d in docs] for c in codes]}
