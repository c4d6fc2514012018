"""Grouping open bewonersvragen: the job proposes clusters, a coordinator decides.

Per wijkwerkplaats the open questions that are in no group yet are clustered on the same
representation as the similar-question search (TF-IDF over character n-grams of their
lemmas), with average-linkage clustering on cosine distance. A proposal is only a proposal:
the coordinator confirms it (possibly with fewer questions: a split), or rejects it, which is
remembered so the same proposal does not come back. Nothing is ever merged silently.
"""

from __future__ import annotations

from sklearn.cluster import AgglomerativeClustering

from research.accounts import User, require
from research.errors import UserError
from research.storage import Store, Tx, utcnow
from research.tracker import similarity
from research.tracker.questions import visible_wijken

# Mean cosine similarity a cluster must keep. On the labelled set in tests/data (46 groups of
# paraphrases among 215 questions) pairwise precision/recall is 0.44/0.71 at 0.20, 0.58/0.54
# at 0.25 and 0.65/0.43 at 0.30; a coordinator can trim a proposal but not find a missing
# question in it, so recall weighs a little more.
THRESHOLD = 0.25
MAX_QUESTIONS = 2000  # the newest open questions clustered per run (pairwise: memory ~ n^2)


class GroupingError(UserError):
    """A refused grouping action, with a Dutch message."""


def _key(question_ids) -> str:
    return ",".join(str(i) for i in sorted(set(question_ids)))


def _open_ungrouped(store: Store, wijk_id: str) -> list[dict]:
    return store.rows(
        "SELECT id, text, lemmas, asked_on FROM questions WHERE wijk_id = ? AND status = 'open'"
        " AND id NOT IN (SELECT question_id FROM question_group_members)"
        " ORDER BY id DESC LIMIT ?", [wijk_id, MAX_QUESTIONS])


def clusters(rows: list[dict], threshold: float = THRESHOLD) -> list[list[int]]:
    """Clusters (lists of question ids, two or more) of rows with text and lemmas."""
    if len(rows) < 2:
        return []
    try:
        _, matrix = similarity.fit(rows)
    except ValueError:  # nothing the analyser can use
        return []
    labels = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average",
        distance_threshold=1 - threshold).fit_predict(matrix.toarray())
    found: dict[int, list[int]] = {}
    for row, label in zip(rows, labels, strict=True):
        found.setdefault(int(label), []).append(row["id"])
    return sorted((sorted(ids) for ids in found.values() if len(ids) > 1),
                  key=lambda ids: (-len(ids), ids))


def proposals(store: Store, user: User, wijk_id: str, *,
              threshold: float = THRESHOLD) -> list[dict]:
    """The job's proposals for a wijkwerkplaats, largest first, without rejected ones."""
    if wijk_id not in visible_wijken(store, user):
        raise GroupingError("Je kunt de vragen van deze wijkwerkplaats niet lezen.")
    rows = _open_ungrouped(store, wijk_id)
    by_id = {r["id"]: r for r in rows}
    rejected = {r["members"] for r in store.rows(
        "SELECT members FROM rejected_groupings WHERE wijk_id = ?", [wijk_id])}
    return [{"key": _key(ids), "questions": [by_id[i] for i in ids]}
            for ids in clusters(rows, threshold) if _key(ids) not in rejected]


def _check(store: Store, user: User, wijk_id: str, question_ids: list[int]) -> list[int]:
    require(user, "tracker.write", wijk_id,
            "Je kunt alleen vragen van je eigen wijkwerkplaats groeperen.")
    ids = sorted(set(question_ids))
    if len(ids) < 2:
        raise GroupingError("Een groep heeft minstens twee vragen.")
    marks = ", ".join("?" * len(ids))
    rows = store.rows(f"SELECT id, wijk_id FROM questions WHERE id IN ({marks})", ids)
    if len(rows) != len(ids) or any(r["wijk_id"] != wijk_id for r in rows):
        raise GroupingError("Alle vragen van een groep horen bij dezelfde wijkwerkplaats.")
    return ids


def confirm(store: Store, user: User, wijk_id: str, question_ids: list[int], title: str) -> int:
    """Make a group of the chosen questions (all of a proposal, or some: a split)."""
    ids = _check(store, user, wijk_id, question_ids)
    title = " ".join(title.split())
    if not title:
        raise GroupingError("Geef de groep een korte titel.")
    taken = store.rows(f"SELECT question_id FROM question_group_members WHERE question_id IN"
                       f" ({', '.join('?' * len(ids))})", ids)
    if taken:
        raise GroupingError("Een van de vragen zit al in een groep.")

    def apply(tx: Tx) -> int:
        group_id = tx.insert("question_groups", {"wijk_id": wijk_id, "title": title,
                                                 "created_by": user.id, "created_at": utcnow()},
                             entity="question_group")
        for question_id in ids:
            tx.link("question_group_members", {"group_id": group_id, "question_id": question_id},
                    entity="question_group_member")
        return group_id

    return store.write(user.actor, apply)


def reject(store: Store, user: User, wijk_id: str, question_ids: list[int]) -> None:
    """Remember that these questions do not belong together (the job skips the proposal)."""
    ids = _check(store, user, wijk_id, question_ids)
    if store.value("SELECT 1 FROM rejected_groupings WHERE wijk_id = ? AND members = ?",
                   [wijk_id, _key(ids)]):
        return
    store.write(user.actor, lambda tx: tx.link("rejected_groupings", {
        "wijk_id": wijk_id, "members": _key(ids), "rejected_by": user.id,
        "rejected_at": utcnow()}, entity="rejected_grouping"))


def groups(store: Store, user: User, wijk_id: str | None = None) -> list[dict]:
    """Confirmed groups with their questions, newest first."""
    wijken = [w for w in visible_wijken(store, user) if wijk_id in (None, w)]
    if not wijken:
        return []
    rows = store.rows(
        f"SELECT g.id, g.wijk_id, g.title, g.created_at FROM question_groups g"
        f" WHERE g.wijk_id IN ({', '.join('?' * len(wijken))}) ORDER BY g.id DESC", wijken)
    for row in rows:
        row["questions"] = store.rows(
            "SELECT q.id, q.text, q.asked_on, q.status FROM question_group_members m JOIN"
            " questions q ON q.id = m.question_id WHERE m.group_id = ? ORDER BY q.asked_on, q.id",
            [row["id"]])
    return rows


def dissolve(store: Store, user: User, group_id: int) -> None:
    """Undo a group (its questions become ungrouped again)."""
    wijk_id = store.value("SELECT wijk_id FROM question_groups WHERE id = ?", [group_id])
    if wijk_id is None:
        raise GroupingError("Deze groep bestaat niet.")
    require(user, "tracker.write", wijk_id,
            "Je kunt alleen groepen van je eigen wijkwerkplaats opheffen.")

    def apply(tx: Tx) -> None:
        tx.unlink("question_group_members", {"group_id": group_id},
                  entity="question_group_member")
        tx.delete("question_groups", group_id, entity="question_group")

    store.write(user.actor, apply)


def pair_scores(found: list[list[int]], truth: list[list[int]]) -> tuple[float, float]:
    """Pairwise precision and recall of proposed clusters against labelled groups."""
    def pairs(groups_):
        return {(a, b) for g in groups_ for a in g for b in g if a < b}

    proposed, wanted = pairs(found), pairs(truth)
    precision = len(proposed & wanted) / len(proposed) if proposed else 1.0
    recall = len(proposed & wanted) / len(wanted) if wanted else 1.0
    return round(precision, 3), round(recall, 3)

