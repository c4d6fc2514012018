"""Similar questions and themes on wording the code has never seen (issue 20): the independent
paraphrase set in `data/` (see data/SOURCE.md), for measuring only.

This is the only module that reads that set; nothing trains, tunes or takes words from it
(`tests/test_paraphrase_set.py` keeps it so). Procedure:
- recall at 5: the set's 160 questions and 20,000 generated background questions
  (`invent.questions`, over the same three wijkwerkplaatsen) are logged; each member of a
  paraphrase group asks against every other question of its wijk, and is a hit when another
  member of its group is among its five hints. Reported for the fused hints
  (`hints.similar`), the lexical ranking alone and the meaning alone, each with a 95%
  bootstrap interval that resamples whole groups; and, for comparison, against the set's
  own questions alone (no generated ones);
- themes: programme suggestions (`themes.suggest`) for each of the 160 questions, trained
  only on the project's labelled set in tests/data and the codebooks' keyword lists.
"""

from __future__ import annotations

import random
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from research.accounts import SYSTEM_USER
from research.bench import invent, tracker
from research.bench.measure import Quality
from research.bench.quality import fresh_store, load_labelled, log_labelled
from research.storage import Store
from research.tracker import embedding, hints, similarity, themes

SET = Path(__file__).resolve().parent / "data" / "bewonersvragen_parafrasen.yaml"
BACKGROUND = 20_000
RESAMPLES = 2_000
AIMS = {"recall": 0.9, "top1": 0.75, "top3": 0.92}


@dataclass
class Recall:
    """Hits per asking question, by paraphrase group."""

    by_group: dict[int, list[bool]]

    @property
    def value(self) -> float:
        hits = [h for group in self.by_group.values() for h in group]
        return sum(hits) / len(hits)

    @property
    def counts(self) -> tuple[int, int]:
        hits = [h for group in self.by_group.values() for h in group]
        return sum(hits), len(hits)

    def interval(self, resamples: int = RESAMPLES, seed: int = 20) -> tuple[float, float]:
        """95% percentile bootstrap interval, resampling whole groups (members of a group
        are not independent of each other)."""
        groups = list(self.by_group.values())
        rng = random.Random(seed)
        values = []
        for _ in range(resamples):
            drawn = [groups[rng.randrange(len(groups))] for _ in groups]
            values.append(sum(sum(g) for g in drawn) / sum(len(g) for g in drawn))
        values.sort()
        return values[int(0.025 * resamples)], values[int(0.975 * resamples) - 1]


def load(path: Path = SET) -> list[dict]:
    """The independent set's questions (id, wijk, groep or None, programma, tekst)."""
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)["vragen"]


def _background(store: Store, count: int) -> None:
    """`count` generated questions over the three wijkwerkplaatsen, written in bulk."""
    asked = invent.questions(count)
    for first in range(0, len(asked), 10_000):
        tracker.write_questions(store, SYSTEM_USER, asked[first:first + 10_000])


def _semantic_top(store: Store, q: dict, me: int, limit: int = 5) -> set[int]:
    """The `limit` nearest questions by meaning alone (one per wording, as the hints)."""
    rows = {r["id"]: r["text"] for r in store.rows(
        "SELECT id, text FROM questions WHERE wijk_id = ?", [q["wijk"]])}
    seen: set[str] = set()
    found: list[int] = []
    for question_id, _ in embedding.nearest(store, q["wijk"], q["tekst"], 60):
        key = similarity.normalise(rows[question_id])
        if question_id != me and key not in seen:
            seen.add(key)
            found.append(question_id)
    return set(found[:limit])


def _top(store: Store, mode: str, q: dict, me: int) -> set[int]:
    if mode == "lexicaal":
        found = similarity.similar(store, SYSTEM_USER, q["tekst"], q["wijk"], exclude_id=me)
    elif mode == "betekenis":
        return _semantic_top(store, q, me)
    else:
        found, _ = hints.similar(store, SYSTEM_USER, q["tekst"], q["wijk"], exclude_id=me)
    return {r["id"] for r in found}


def recall(asked: list[dict], folder: Path, background: int = BACKGROUND,
           modes: tuple[str, ...] = ("samen", "lexicaal", "betekenis")) -> dict[str, Recall]:
    """Recall at 5 per mode for the questions of `asked` that are in a group."""
    store = fresh_store(folder, "parafrasen")
    try:
        _background(store, background)
        own = {q["id"]: log_labelled(store, q) for q in asked}
        groups: dict[int, set[int]] = {}
        for q in asked:
            if q.get("groep") is not None:
                groups.setdefault(q["groep"], set()).add(own[q["id"]])
        made = {}
        for mode in modes:
            by_group: dict[int, list[bool]] = {}
            for q in asked:
                if q.get("groep") is None:
                    continue
                me = own[q["id"]]
                hit = bool((groups[q["groep"]] - {me}) & _top(store, mode, q, me))
                by_group.setdefault(q["groep"], []).append(hit)
            made[mode] = Recall(by_group)
        return made
    finally:
        store.close()


def theme_accuracy(asked: list[dict], folder: Path) -> tuple[int, int, int]:
    """(top-1 hits, top-3 hits, n): programme suggestions for the set's questions, trained on
    the project's whole labelled set and the keyword lists."""
    store = fresh_store(folder, "thema")
    try:
        for q in load_labelled():
            log_labelled(store, q, q["programma"])
        top1 = top3 = 0
        for q in asked:
            found = [s.id for s in themes.suggest(store, q["tekst"], limit=3, meaning=True)]
            top1 += found[:1] == [q["programma"]]
            top3 += q["programma"] in found
        return top1, top3, len(asked)
    finally:
        store.close()


def _recall_figure(name: str, found: Recall, text: str) -> Quality:
    low, high = found.interval()
    hits, total = found.counts
    return Quality(name, round(found.value, 3), AIMS["recall"], found.value >= AIMS["recall"],
                   f"{text}; {hits}/{total}; 95%-bootstrapinterval {low:.3f}-{high:.3f}")


def figures() -> list[Quality]:
    """Recall at 5 (fused, lexical, meaning) and theme top-1/top-3 on the independent set."""
    asked = load()
    with tempfile.TemporaryDirectory(prefix="bench-parafrasen-") as folder:
        found = recall(asked, Path(folder))
        (Path(folder) / "alleen-de-set").mkdir()
        alone = recall(asked, Path(folder) / "alleen-de-set", background=0,
                       modes=("samen", "lexicaal"))
        top1, top3, n = theme_accuracy(asked, Path(folder))
    context = f"tegen de eigen wijk plus {BACKGROUND:,} gegenereerde vragen".replace(",", ".")
    made = [_recall_figure("tracker.paraphrase_recall_at_5", found["samen"],
                           f"hints zoals de app ze toont (betekenis, aangevuld met de "
                           f"woorden) {context}"),
            _recall_figure("tracker.paraphrase_recall_at_5_lexical", found["lexicaal"],
                           f"alleen lexicaal (TF-IDF) {context}; ter vergelijking"),
            _recall_figure("tracker.paraphrase_recall_at_5_semantic", found["betekenis"],
                           f"alleen betekenis (multilingual-e5-small) {context}; "
                           f"ter vergelijking"),
            _recall_figure("tracker.paraphrase_recall_at_5_set_only", alone["samen"],
                           "hints (zoals de app) alleen tegen de andere vragen van de set in "
                           "de eigen wijk, zonder gegenereerde vragen; ter vergelijking"),
            _recall_figure("tracker.paraphrase_recall_at_5_set_only_lexical", alone["lexicaal"],
                           "alleen lexicaal (TF-IDF), alleen tegen de set; ter vergelijking")]
    for name, part, aim, text in (("top1", top1, AIMS["top1"], "eerste voorstel juist"),
                                  ("top3", top3, AIMS["top3"], "juist bij de eerste drie")):
        made.append(Quality(f"tracker.paraphrase_theme_{name}", round(part / n, 3), aim,
                            part / n >= aim, f"programma: {text}, getraind op de eigen "
                                             f"gelabelde set en de trefwoordenlijsten; {part}/{n}"))
    return made

