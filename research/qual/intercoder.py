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
from collections import Counter

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
    codes = codebook.labels(codebook.codes(store, user, project_id))
    code_ids = list(codes) if not code_ids else [c for c in code_ids if c in codes]
    if not code_ids:
        raise ProjectError("Kies minstens één code.")
    docs = [d["id"] for d in documents.documents(store, user, project_id)]
    document_ids = docs if not document_ids else [d for d in document_ids if d in docs]
    return document_ids, list(dict.fromkeys(coder_ids)), code_ids, codes


def _documents(store: Store, user: User, document_ids: list[int], coder_ids: list[int],
               code_ids: list[int], unit: str, nominal: bool = True):
    """Per document with units: (document id, its unit spans, the indexes of the coders who
    did not code it, `coded`: codes x units bit masks, bit j set when coder j coded the unit
    with the code, and the nominal coders x units matrix: the code that covers most of each
    unit, 1-based, 0 = none, nan for the absent coders; None unless `nominal`)."""
    position = {c: k for k, c in enumerate(code_ids)}
    coder_of = {c: j for j, c in enumerate(coder_ids)}
    for document_id in document_ids:
        spans = unit_spans(store, user, document_id, unit)
        if not spans:
            continue
        rows = store.db.execute(
            f"SELECT code_id, created_by, start_pos, end_pos FROM codings WHERE document_id = ?"
            f" AND created_by IN ({', '.join('?' * len(coder_ids))})",
            [document_id, *coder_ids]).fetchall()
        present = {r[1] for r in rows}
        rows = [r for r in rows if r[0] in position]
        starts, ends = np.array(spans).T
        coded = np.zeros((len(code_ids), len(spans)), dtype=np.int64)
        overlap = np.zeros((len(coder_ids), len(spans), len(code_ids) if nominal else 0),
                           dtype=np.float32)
        if rows:
            code = np.array([position[r[0]] for r in rows])
            coder = np.array([coder_of[r[1]] for r in rows])
            begin, finish = np.array([r[2] for r in rows]), np.array([r[3] for r in rows])
            # The units each coding overlaps: from the first that ends after its start to
            # the last that starts before its end (units are in text order).
            first = np.searchsorted(ends, begin, side="right")
            count = np.maximum(np.searchsorted(starts, finish, side="left") - first, 0)
            which = np.repeat(np.arange(len(rows)), count)
            units = np.repeat(first, count) + (np.arange(count.sum())
                                               - np.repeat(np.cumsum(count) - count, count))
            np.bitwise_or.at(coded, (code[which], units), 1 << coder[which])
            if nominal:
                np.add.at(overlap, (coder[which], units, code[which]),
                          np.minimum(ends[units], finish[which])
                          - np.maximum(starts[units], begin[which]))
        absent = [j for j, c in enumerate(coder_ids) if c not in present]
        best = None
        if nominal:
            best = np.where(overlap.max(axis=2, initial=0) > 0, overlap.argmax(axis=2) + 1,
                            0).astype(float)
            best[absent, :] = np.nan
        yield document_id, spans, absent, coded, best


def matrices(store: Store, user: User, project_id: int, *, coder_ids: list[int],
             unit: str = "zin", document_ids: list[int] | None = None,
             code_ids: list[int] | None = None, set_id: int | None = None) -> dict:
    """The reliability data: a binary coders x units matrix per code (nan = the coder did
    not code that document), a nominal one over the codes, and where each unit is."""
    document_ids, coder_ids, code_ids, names = _selection(
        store, user, project_id, document_ids, coder_ids, code_ids, set_id)
    per_code: dict[int, list[np.ndarray]] = {c: [] for c in code_ids}
    nominal, where = [], []
    bits = np.arange(len(coder_ids))[:, None]
    for document_id, spans, absent, coded, best in _documents(store, user, document_ids,
                                                              coder_ids, code_ids, unit):
        for k, code_id in enumerate(code_ids):
            matrix = (coded[k][None, :] >> bits & 1).astype(float)
            matrix[absent, :] = np.nan
            per_code[code_id].append(matrix)
        nominal.append(best)
        where += [(document_id, s, e) for s, e in spans]
    if not where:
        raise ProjectError("De gekozen documenten hebben geen eenheden om te vergelijken.")
    return {"coders": coder_ids, "codes": code_ids, "names": names, "units": where,
            "per_code": {c: np.hstack(m) for c, m in per_code.items()},
            "nominal": np.hstack(nominal)}


def patterns(store: Store, user: User, project_id: int, *, coder_ids: list[int],
             unit: str = "zin", document_ids: list[int] | None = None,
             code_ids: list[int] | None = None, set_id: int | None = None) -> dict:
    """What `matrices` gives, with each code's matrix as `agreement.Patterns` (its distinct
    columns and their counts): a matrix per code over every unit of a project would take
    units x codes x coders numbers (gigabytes for 200 interviews and 300 codes). The nominal
    matrix only for a code set (`set_id`), whose codes exclude each other; else None."""
    document_ids, coder_ids, code_ids, names = _selection(
        store, user, project_id, document_ids, coder_ids, code_ids, set_id)
    n_coders, n_codes = len(coder_ids), len(code_ids)
    # Units per (code, absent coders' mask, coded mask), the mask as a key of its own.
    counts: Counter = Counter()
    nominal, units = [], 0
    for _, spans, absent, coded, best in _documents(store, user, document_ids, coder_ids,
                                                    code_ids, unit, set_id is not None):
        missing = sum(1 << j for j in absent)
        code, unit_index = np.nonzero(coded)
        keys, found = np.unique(code * (1 << n_coders) + coded[code, unit_index],
                                return_counts=True)
        uncoded = np.full(n_codes, len(spans))
        for key, number in zip(keys.tolist(), found.tolist(), strict=True):
            k, mask = divmod(key, 1 << n_coders)
            counts[k, missing, mask] += number
            uncoded[k] -= number
        for k in np.flatnonzero(uncoded).tolist():
            counts[k, missing, 0] += int(uncoded[k])
        nominal.append(best)
        units += len(spans)
    if not units:
        raise ProjectError("De gekozen documenten hebben geen eenheden om te vergelijken.")
    per_code: dict[int, tuple[list, list]] = {c: ([], []) for c in code_ids}
    for (k, missing, mask), number in counts.items():
        columns, numbers = per_code[code_ids[k]]
        columns.append([np.nan if missing >> j & 1 else float(mask >> j & 1)
                        for j in range(n_coders)])
        numbers.append(number)
    return {"coders": coder_ids, "codes": code_ids, "names": names, "units": units,
            "per_code": {c: agreement.Patterns(np.array(columns).T.reshape(n_coders, -1),
                                               numbers)
                         for c, (columns, numbers) in per_code.items()},
            "nominal": np.hstack(nominal) if set_id is not None else None}


def compare(store: Store, user: User, project_id: int, *, coder_ids: list[int],
            unit: str = "zin", document_ids: list[int] | None = None,
            code_ids: list[int] | None = None, set_id: int | None = None,
            n_boot: int = 1000, seed: int = 0) -> dict:
    """The agreement report: per code, pooled, and, for a code set (whose codes exclude each
    other), nominal over its codes, with bootstrap 95% intervals."""
    data = patterns(store, user, project_id, coder_ids=coder_ids, unit=unit,
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
                                 for c, v in zip(data["coders"], column, strict=True)}})
    return found


def consensus_id(store: Store) -> int | None:
    """The id of the 'consensus' coder, or None while no decision was ever recorded."""
    found = accounts.find_user(store, CONSENSUS)
    return found.id if found is not None else None


def consensus_account(store: Store) -> int:
    """The id of the 'consensus' coder, made once as an account that cannot log in."""
    found = accounts.find_user(store, CONSENSUS)
    if found is not None:
        return found.account_id
    made = accounts.create_user(store, SYSTEM_USER, CONSENSUS, "lezer", secrets.token_urlsafe(32),
                                display_name="Consensus (vastgelegd besluit)")
    accounts.update_user(store, SYSTEM_USER, made.account_id, active=False)
    return made.account_id


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
