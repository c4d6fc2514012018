"""Agreement between coders on a project's codings: units built from the documents, the
statistics of `agreement`, the units where coders differ, and the team's settled decisions.

A unit (character, sentence, speaker turn or paragraph) counts as coded with a code by a coder
when one of that coder's codings of the code overlaps it. A coder who did not code a document
at all is *missing* for its units (not "uncoded"): that is what Krippendorff's alpha allows.
Settled decisions are codings by the account "consensus" (made once, never able to log in),
so the agreed version can be compared and reported like any coder's.
"""

from __future__ import annotations

import secrets
from bisect import bisect_left

import numpy as np

from research import accounts
from research.accounts import SYSTEM_USER, User
from research.qual import agreement, codebook, documents, memos
from research.qual.projects import ProjectError, require_read, require_write
from research.storage import Store, Tx, utcnow

UNITS = {"zin": "Zin", "beurt": "Sprekersbeurt", "alinea": "Alinea", "teken": "Teken"}
CONSENSUS = "consensus"


def unit_spans(store: Store, user: User, document_id: int, unit: str) -> list[tuple[int, int]]:
    """The units of one document as (start, end) spans, in text order."""
    if unit == "zin":
        return [(r["start_pos"], r["end_pos"]) for r in documents.sentences(store, user,
                                                                             document_id)]
    if unit == "beurt":
        return [(r["start_pos"], r["end_pos"]) for r in documents.turns(store, user, document_id)
                if r["end_pos"] > r["start_pos"]]
    text = documents.document(store, user, document_id)["text"]
    if unit == "alinea":
        return [(s.start, s.end) for s in documents.paragraph_turns(text)]
    if unit == "teken":
        return [(i, i + 1) for i in range(len(text))]
    raise ProjectError(f"Onbekende eenheid '{unit}'; kies {', '.join(UNITS)}.")


def _covered(spans: list[tuple[int, int]], starts: list[int], start: int, end: int) -> range:
    """Indexes of the units that overlap [start, end)."""
    first = max(0, bisect_left(starts, start) - 1)
    while first < len(spans) and spans[first][1] <= start:
        first += 1
    last = first
    while last < len(spans) and spans[last][0] < end:
        last += 1
    return range(first, last)


def _selection(store: Store, user: User, project_id: int, document_ids: list[int] | None,
               coder_ids: list[int], code_ids: list[int] | None, set_id: int | None):
    require_read(store, user, project_id)
    if len(set(coder_ids)) < 2:
        raise ProjectError("Kies minstens twee codeurs.")
    if set_id is not None:
        sets = {s["id"]: s for s in codebook.code_sets(store, user, project_id)}
        if set_id not in sets:
            raise ProjectError("Deze codeset hoort niet bij dit project.")
        code_ids = sets[set_id]["codes"]
    codes = {c["id"]: c["name"] for c in codebook.codes(store, user, project_id)}
    code_ids = list(codes) if not code_ids else [c for c in code_ids if c in codes]
    if not code_ids:
        raise ProjectError("Kies minstens één code.")
    docs = [d["id"] for d in documents.documents(store, user, project_id)]
    document_ids = docs if not document_ids else [d for d in document_ids if d in docs]
    return document_ids, list(dict.fromkeys(coder_ids)), code_ids, codes


def matrices(store: Store, user: User, project_id: int, *, coder_ids: list[int],
             unit: str = "zin", document_ids: list[int] | None = None,
             code_ids: list[int] | None = None, set_id: int | None = None) -> dict:
    """The reliability data: a binary coders x units matrix per code (nan = the coder did
    not code that document), a nominal one over the codes, and where each unit is."""
    document_ids, coder_ids, code_ids, names = _selection(
        store, user, project_id, document_ids, coder_ids, code_ids, set_id)
    per_code = {c: [] for c in code_ids}
    nominal, where = [], []
    for document_id in document_ids:
        spans = unit_spans(store, user, document_id, unit)
        if not spans:
            continue
        starts = [s for s, _ in spans]
        rows = store.rows(
            f"SELECT code_id, created_by, start_pos, end_pos FROM codings WHERE document_id = ?"
            f" AND created_by IN ({', '.join('?' * len(coder_ids))})", [document_id, *coder_ids])
        present = {r["created_by"] for r in rows}
        hits = {c: np.zeros((len(coder_ids), len(spans))) for c in code_ids}
        overlap = np.zeros((len(coder_ids), len(spans), len(code_ids)))
        for row in rows:
            if row["code_id"] not in hits:
                continue
            coder = coder_ids.index(row["created_by"])
            k = code_ids.index(row["code_id"])
            for i in _covered(spans, starts, row["start_pos"], row["end_pos"]):
                hits[row["code_id"]][coder, i] = 1
                s, e = spans[i]
                overlap[coder, i, k] += min(e, row["end_pos"]) - max(s, row["start_pos"])
        absent = [i for i, c in enumerate(coder_ids) if c not in present]
        for code_id in code_ids:
            hits[code_id][absent, :] = np.nan
            per_code[code_id].append(hits[code_id])
        # The nominal value: the code (of the set) that covers most of the unit, 0 = none.
        best = np.where(overlap.max(axis=2) > 0, overlap.argmax(axis=2) + 1, 0).astype(float)
        best[absent, :] = np.nan
        nominal.append(best)
        where += [(document_id, s, e) for s, e in spans]
    if not where:
        raise ProjectError("De gekozen documenten hebben geen eenheden om te vergelijken.")
    return {"coders": coder_ids, "codes": code_ids, "names": names, "units": where,
            "per_code": {c: np.hstack(m) for c, m in per_code.items()},
            "nominal": np.hstack(nominal)}


def compare(store: Store, user: User, project_id: int, *, coder_ids: list[int],
            unit: str = "zin", document_ids: list[int] | None = None,
            code_ids: list[int] | None = None, set_id: int | None = None,
            n_boot: int = 1000, seed: int = 0) -> dict:
    """The agreement report: per code, pooled, and nominal over the codes (meaningful when
    they exclude each other, as in a code set), with bootstrap 95% intervals."""
    data = matrices(store, user, project_id, coder_ids=coder_ids, unit=unit,
                    document_ids=document_ids, code_ids=code_ids, set_id=set_id)
    result = agreement.report({data["names"][c]: m for c, m in data["per_code"].items()},
                              nominal=data["nominal"], seed=seed, n_boot=n_boot)
    result["unit"] = unit
    result["coders"] = [r["username"] for r in store.rows(
        f"SELECT id, username FROM users WHERE id IN ({', '.join('?' * len(data['coders']))})",
        data["coders"])]
    return result


def disagreements(store: Store, user: User, project_id: int, code_id: int, *,
                  coder_ids: list[int], unit: str = "zin",
                  document_ids: list[int] | None = None) -> list[dict]:
    """The units where the coders (who coded the document) differ on one code, with the
    text and, per coder, whether they coded it."""
    data = matrices(store, user, project_id, coder_ids=coder_ids, unit=unit,
                    document_ids=document_ids, code_ids=[code_id])
    matrix = data["per_code"][code_id]
    names = {r["id"]: r["username"] for r in store.rows("SELECT id, username FROM users")}
    texts = {}
    found = []
    for i, (document_id, start, end) in enumerate(data["units"]):
        column = matrix[:, i]
        given = column[~np.isnan(column)]
        if len(given) < 2 or given.min() == given.max():
            continue
        if document_id not in texts:
            texts[document_id] = documents.document(store, user, document_id)
        doc = texts[document_id]
        found.append({"document_id": document_id, "document": doc["name"], "start": start,
                      "end": end, "text": doc["text"][start:end],
                      "coders": {names[c]: (None if np.isnan(v) else bool(v))
                                 for c, v in zip(data["coders"], column)}})
    return found


def consensus_account(store: Store) -> int:
    """The id of the 'consensus' coder, made once as an account that cannot log in."""
    found = accounts.find_user(store, CONSENSUS)
    if found is not None:
        return found.id
    made = accounts.create_user(store, SYSTEM_USER, CONSENSUS, "lezer", secrets.token_urlsafe(32),
                                display_name="Consensus (vastgelegd besluit)")
    accounts.update_user(store, SYSTEM_USER, made.id, active=False)
    return made.id


def settle(store: Store, user: User, document_id: int, start: int, end: int, code_id: int,
           coded: bool, note: str = "") -> None:
    """Record the team's decision on a unit: the consensus coder codes it (or not) with the
    code, and an optional memo on the passage says why. The actor is the user."""
    doc = documents.document(store, user, document_id)
    require_write(store, user, doc["project_id"])
    if not 0 <= start < end <= len(doc["text"]):
        raise ProjectError("Dit fragment valt buiten het document.")
    consensus = consensus_account(store)

    def apply(tx: Tx) -> None:
        existing = tx.db.execute(
            "SELECT id FROM codings WHERE document_id = ? AND code_id = ? AND created_by = ?"
            " AND start_pos < ? AND end_pos > ?", [document_id, code_id, consensus, end,
                                                   start]).fetchall()
        if coded and not existing:
            tx.insert("codings", {"document_id": document_id, "code_id": code_id,
                                  "start_pos": start, "end_pos": end, "created_by": consensus,
                                  "created_at": utcnow()}, entity="coding")
        if not coded:
            for (coding_id,) in existing:
                tx.delete("codings", coding_id, entity="coding")
        if note.strip():
            memos.add_memo(store, user, doc["project_id"], "Besluit over overeenstemming", note,
                           kind="methode", target="passage", target_id=document_id,
                           start=start, end=end)

    store.write(user.actor, apply)
