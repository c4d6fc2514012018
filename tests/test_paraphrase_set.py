"""The independent paraphrase set (research/bench/data/bewonersvragen_parafrasen.yaml) is for
measuring only (issue 20): no training, tuning or runtime path may read it. Only the
benchmark's evaluation module names it, and nothing but the benchmark's runner imports that
module."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
NAME = "bewonersvragen_parafrasen"
EVALUATION = ROOT / "research" / "bench" / "paraphrase.py"
DATA = ROOT / "research" / "bench" / "data"


def _sources() -> list[Path]:
    return [p for p in (ROOT / "research").rglob("*") if p.is_file() and DATA not in p.parents
            and p.suffix in (".py", ".yaml", ".yml", ".json", ".toml", ".txt", ".csv")]


def test_only_the_evaluation_module_names_the_set():
    naming = [p.relative_to(ROOT) for p in _sources()
              if NAME in p.read_text(encoding="utf-8", errors="replace")]
    assert naming == [EVALUATION.relative_to(ROOT)]


def test_only_the_benchmark_runner_imports_the_evaluation_module():
    importing = [p.relative_to(ROOT) for p in _sources() if p.suffix == ".py" and p != EVALUATION
                 and re.search(r"(import|from)\s[^\n]*\bparaphrase\b|\bparaphrase\.",
                               p.read_text(encoding="utf-8"))]
    assert importing == [Path("research/bench/run.py")]


def test_the_set_is_not_under_tests_or_codebooks():
    for folder in ("tests", "codebooks"):
        found = [p for p in (ROOT / folder).rglob("*") if p.is_file() and NAME in p.name]
        assert found == [], found


def test_our_own_pairs_share_no_question_with_the_set():
    """The project's own paraphrase pairs (for choosing the fusion and the browser test) are
    not taken from the independent set."""
    with open(DATA / f"{NAME}.yaml", encoding="utf-8") as handle:
        theirs = {q["tekst"].casefold() for q in yaml.safe_load(handle)["vragen"]}
    with open(ROOT / "tests" / "data" / "bewonersvragen_herformuleerd.yaml",
              encoding="utf-8") as handle:
        ours = {q["tekst"].casefold() for q in yaml.safe_load(handle)["vragen"]}
    assert not ours & theirs


def test_the_set_keeps_its_source_note():
    note = (DATA / "SOURCE.md").read_text(encoding="utf-8")
    assert f"{NAME}.yaml" in note and "measuring only" in note
