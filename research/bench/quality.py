"""The wijkwerkplaats quality figures on the labelled set in tests/data (the same procedure
as tests/test_similarity.py and tests/test_themes.py): similar-question recall at 5 (the
hints as the intake page shows them, lexical and by meaning together, and the lexical ranking
alone), and programme suggestions top-1 and top-3 with 5-fold cross-validation (with the
classifier over sentence vectors, as the model worker suggests them). The independent set
is measured in `paraphrase`."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import yaml

from research.accounts import SYSTEM_USER
from research.bench.measure import Quality
from research.schema import open_store
from research.startup import prepare
from research.storage import Store
from research.tracker import hints, questions, themes
from research.tracker.similarity import similar

LABELLED = Path(__file__).resolve().parents[2] / "tests" / "data" / "bewonersvragen_gelabeld.yaml"
AIMS = {"tracker.similar_recall_at_5": 0.9, "tracker.similar_recall_at_5_lexical": 0.9,
        "tracker.theme_top1": 0.75, "tracker.theme_top3": 0.92}
FOLDS = 5


def load_labelled(path: Path = LABELLED) -> list[dict]:
    """The labelled bewonersvragen (wijk, tekst, programma, optional groep)."""
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)["vragen"]


def log_labelled(store: Store, q: dict, programme: str | None = None) -> int:
    return questions.log_question(store, SYSTEM_USER, wijk_id=q["wijk"],
                                  asked_on=date(2026, 1, 15), text=q["tekst"],
                                  asker_group="bewoner", programme_id=programme,
                                  today=date(2026, 6, 1))


def fresh_store(folder: Path, name: str) -> Store:
    store = open_store(folder / f"{name}.db")
    prepare(store)
    return store


def _hints(store: Store, q: dict, me: int, fused: bool) -> set[int]:
    if fused:
        found, _ = hints.similar(store, SYSTEM_USER, q["tekst"], q["wijk"], exclude_id=me)
    else:
        found = similar(store, SYSTEM_USER, q["tekst"], q["wijk"], limit=5, exclude_id=me)
    return {r["id"] for r in found}


def recall_at_5(labelled: list[dict], folder: Path, fused: bool = True) -> tuple[int, int]:
    """(hits, total): for each question in a paraphrase group, whether another member of its
    group is among the five hints of its wijk (fused, or the lexical ranking alone)."""
    store = fresh_store(folder, "recall")
    try:
        own = {q["id"]: log_labelled(store, q) for q in labelled}
        groups: dict[int, set[int]] = {}
        for q in labelled:
            if "groep" in q:
                groups.setdefault(q["groep"], set()).add(own[q["id"]])
        hits = total = 0
        for q in labelled:
            if "groep" not in q:
                continue
            me = own[q["id"]]
            found = _hints(store, q, me, fused)
            total += 1
            hits += bool((groups[q["groep"]] - {me}) & found)
        return hits, total
    finally:
        store.close()


def _fold(index: int, q: dict) -> int:
    """A paraphrase group stays in one fold, so its members never train each other."""
    return (q["groep"] if "groep" in q else index) % FOLDS


def theme_accuracy(labelled: list[dict], folder: Path, folds: range = range(FOLDS)
                   ) -> tuple[int, int, int]:
    """(top-1 hits, top-3 hits, n held out): programme suggestions for the held-out questions
    of the given folds (all five by default)."""
    top1 = top3 = held_out = 0
    for k in folds:
        store = fresh_store(folder, f"fold{k}")
        try:
            for i, q in enumerate(labelled):
                if _fold(i, q) != k:
                    log_labelled(store, q, q["programma"])
            for i, q in enumerate(labelled):
                if _fold(i, q) != k:
                    continue
                held_out += 1
                found = [s.id for s in themes.suggest(store, q["tekst"], limit=3,
                                                      meaning=True)]
                top1 += found[:1] == [q["programma"]]
                top3 += q["programma"] in found
        finally:
            store.close()
    return top1, top3, held_out


def figures() -> list[Quality]:
    """The three quality figures with their aims."""
    labelled = load_labelled()
    with tempfile.TemporaryDirectory(prefix="bench-kwaliteit-") as folder:
        hits, total = recall_at_5(labelled, Path(folder))
        (Path(folder) / "lexicaal").mkdir()
        lexical, _ = recall_at_5(labelled, Path(folder) / "lexicaal", fused=False)
        top1, top3, n = theme_accuracy(labelled, Path(folder))
    made = [("tracker.similar_recall_at_5", hits, total,
             "vergelijkbare vragen: een andere vraag uit dezelfde parafrasegroep in de top 5 "
             "(zoals de app: betekenis, aangevuld met de woorden)"),
            ("tracker.similar_recall_at_5_lexical", lexical, total,
             "hetzelfde met alleen de lexicale rangorde (TF-IDF); ter vergelijking"),
            ("tracker.theme_top1", top1, n, "programma: eerste voorstel juist, 5-voudige "
                                            "kruisvalidatie, met zinsvectoren"),
            ("tracker.theme_top3", top3, n, "programma: juist programma bij de eerste drie "
                                            "voorstellen, 5-voudige kruisvalidatie, met "
                                            "zinsvectoren")]
    return [Quality(name, round(part / whole, 3), AIMS[name], part / whole >= AIMS[name],
                    f"{text}; {part}/{whole}") for name, part, whole, text in made]
