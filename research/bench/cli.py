"""The command line's start-up: `python -m research --help` and `python -m research tracker
add ...` timed wall-clock as new processes against the benchmark's database, beside a bare
`python -c pass` in the same run (issue 15: "a command line that starts at once").

What a start costs is mostly imports: the command line imports a domain module only when its
command runs, and the domain modules import spaCy, pandas, scikit-learn, matplotlib and the like
only where they are used (`tests/test_cli.py` keeps `--help` free of them). `tracker add`
needs spaCy (the question's lemmas) and the similarity index of its wijkwerkplaats, which a
new process fits on every question there: so it grows with the questions of the wijk.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from research.bench import invent, tracker
from research.bench.context import Context
from research.bench.measure import Record, record

TARGETS = {"cli.startup.help": 0.5, "cli.startup.tracker_add": 1.5}
ROOT = Path(__file__).resolve().parents[2]     # the source tree: `research` imports from it
TIMEOUT = 300                                  # seconds; a hung start fails the run


@dataclass
class CliData:
    """The questions in the database when the commands run."""

    questions: int


def build(ctx: Context) -> CliData:
    """The scale's bewonersvragen, unless the tracker's operations already logged them."""
    count = ctx.store.value("SELECT count(*) FROM questions")
    if not count:
        count = tracker.build(ctx).questions
    return CliData(count)


def _run(*args: str) -> None:
    result = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                            timeout=TIMEOUT)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} ended with {result.returncode}:\n{result.stderr}")


def startup(ctx: Context, data: CliData) -> list[Record]:
    """`--help` (the parser alone) and `tracker add` (open the database, lemmas, similar
    questions, theme suggestions, one logged question), each a new process."""
    runs = max(3, ctx.scale.runs)
    texts = iter(q["text"] for q in invent.questions(runs + 2, seed=invent.SEED + 42))
    current: list[str] = []

    def setup() -> None:
        current[:] = [next(texts)]

    def add() -> None:
        _run("-m", "research", "--db", str(ctx.path), "tracker", "add", "--wijk", "noord",
             "--text", current[0], "--json")

    base = ctx.timed(lambda: _run("-c", "pass"), runs=runs, warmup=1)
    helped = ctx.timed(lambda: _run("-m", "research", "--help"), runs=runs, warmup=1)
    added = ctx.timed(add, runs=runs, setup=setup, warmup=1)
    baseline = "python -c pass (een nieuw proces zonder imports)"
    peak = "het piekgeheugen is dat van de benchmark, niet van het nieuwe proces"
    return [record("cli.startup.help", ctx.scale.name, helped, base,
                   TARGETS["cli.startup.help"], size=1, size_unit="opdracht",
                   baseline=baseline, note=f"alleen de parser; {peak}"),
            record("cli.startup.tracker_add", ctx.scale.name, added, base,
                   TARGETS["cli.startup.tracker_add"], size=data.questions,
                   size_unit="vastgelegde vragen", baseline=baseline,
                   note=f"database openen, lemma's (spaCy), vergelijkbare vragen in Noord "
                        f"(index bij elke start opnieuw), programmavoorstel, één vraag "
                        f"vastgelegd; {peak}")]


OPERATIONS = {"cli.startup": startup}
