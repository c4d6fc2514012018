"""The orchestration: per scale a fresh database in a temporary folder, the data of every
module an operation needs, the operations (each beside its baseline, with its peak memory),
then the growth exponents, the quality figures and the report.

    python -m research bench [--scale S|M|L[,..]] [--only NAME[,NAME]] [--json] [--out MAP]
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from research.bench import (
    browser,
    cli,
    growth,
    paraphrase,
    qual,
    quality,
    report,
    survey,
    tracker,
)
from research.bench.context import Context
from research.bench.measure import Quality, Record, peak_mb, reset_peak
from research.bench.scales import Scale, parse
from research.errors import UserError
from research.schema import open_store
from research.startup import prepare
from research.ui import page_runs

QUALITY = "tracker.quality"
DEFAULT_SCALES = "S,M"


class BenchError(UserError):
    """A benchmark request that cannot be run, with a Dutch message."""


@dataclass(frozen=True)
class Domain:
    """A module of the app: how its data are built, its operations, and the scales it runs
    at (the browser benchmark drives a real server for minutes: at M, the promised size)."""

    name: str
    build: Callable[[Context], object]
    operations: dict[str, Callable]
    scales: tuple[str, ...] = ("S", "M", "L")


DOMAINS = [Domain("qual", qual.build, qual.OPERATIONS),
           Domain("survey", survey.build, survey.OPERATIONS),
           Domain("tracker", tracker.build, tracker.OPERATIONS),
           Domain("cli", cli.build, cli.OPERATIONS),
           Domain("browser", browser.build, browser.OPERATIONS, scales=("M",))]
NAMES = [name for d in DOMAINS for name in d.operations] + [QUALITY]


def select(only: str | None) -> list[str]:
    """The operations asked for: every one, or those named (a module name such as 'qual'
    selects all of its operations)."""
    if not only:
        return list(NAMES)
    wanted = [w.strip() for w in only.split(",") if w.strip()]
    chosen = [n for n in NAMES if any(n == w or n.startswith(w + ".") for w in wanted)]
    unknown = [w for w in wanted if not any(n == w or n.startswith(w + ".") for n in NAMES)]
    if unknown or not chosen:
        raise BenchError(f"Onbekende bewerking: {', '.join(unknown) or only}. "
                         f"Kies uit: {', '.join(NAMES)}.")
    return chosen


def _say(message: str) -> None:
    """Progress, on standard error (standard output is for the table or the JSON)."""
    print(message, file=sys.stderr, flush=True)


def _line(r: Record) -> str:
    target = "" if r.target_seconds is None else \
        f"; doel {r.target_seconds:g}: {'gehaald' if r.meets else 'NIET gehaald'}"
    base = "" if r.baseline_seconds is None else \
        f" (basislijn {r.baseline_seconds:.4g}, x{r.ratio})"
    return f"  {r.scale} {r.name}: {r.seconds:.4g} {r.unit}{base}{target}; " \
           f"piek {r.peak_rss_mb:,.0f} MB"


def run_scale(scale: Scale, chosen: list[str]) -> tuple[list[Record], list[dict], list[str]]:
    """Every chosen operation at one scale, in a temporary database removed afterwards."""
    records: list[Record] = []
    builds: list[dict] = []
    with tempfile.TemporaryDirectory(prefix=f"bench-{scale.name}-") as folder:
        store = open_store(Path(folder) / "bench.db")
        prepare(store)
        ctx = Context(store, Path(folder), scale)
        try:
            for domain in DOMAINS:
                names = [n for n in domain.operations if n in chosen]
                if not names:
                    continue
                if scale.name not in domain.scales:
                    note = (f"{', '.join(names)} draait alleen op schaal "
                            f"{', '.join(domain.scales)}.")
                    if note not in ctx.notes:
                        ctx.notes.append(note)
                    continue
                _say(f"{scale.name}: gegevens voor {domain.name} maken ...")
                reset_peak()
                started = time.perf_counter()
                data = domain.build(ctx)
                builds.append({"domain": domain.name, "scale": scale.name,
                               "seconds": round(time.perf_counter() - started, 1),
                               "peak_rss_mb": round(peak_mb(), 1)})
                for name in names:
                    reset_peak()
                    made = domain.operations[name](ctx, data)
                    for r in made:
                        r.peak_rss_mb = round(peak_mb(), 1)
                        _say(_line(r))
                    records += made
        finally:
            store.close()
            if any(n.endswith("_page") for n in chosen):
                page_runs.clear_caches()
    return records, builds, ctx.notes


def run(scales: list[Scale], chosen: list[str]) -> dict:
    """The whole benchmark; returns the JSON document (records, growth, quality, machine)."""
    with _vector_cache():
        return _run(scales, chosen)


def _run(scales: list[Scale], chosen: list[str]) -> dict:
    started = time.perf_counter()
    machine = report.machine()
    records: list[Record] = []
    builds: list[dict] = []
    notes: list[str] = []
    with warnings.catch_warnings():
        # pandas warns that a wave's table is fragmented (one column added at a time); that
        # is a finding of the benchmark, reported once instead of thousands of times.
        warnings.simplefilter("ignore")
        for scale in scales:
            made, built, said = run_scale(scale, chosen)
            records += made
            builds += built
            notes += [n for n in said if n not in notes]
        figures: list[Quality] = []
        if QUALITY in chosen:
            _say("kwaliteit op de gelabelde set ...")
            figures = quality.figures()
            _say("kwaliteit op de onafhankelijke parafraseset ...")
            figures += paraphrase.figures()
    found = growth.exponents(records)
    if len(scales) < 3 and found:
        notes.append(f"Groei-exponenten uit de schalen {', '.join(s.name for s in scales)} "
                     "(niet uit S, M en L).")
    return {"machine": machine, "scales": [s.name for s in scales], "records": records,
            "growth": found, "quality": figures, "builds": builds, "notes": notes,
            "peak_rss_mb": _run_peak(records, builds),
            "seconds": round(time.perf_counter() - started, 1)}


@contextmanager
def _vector_cache():
    """Keep the sentence vectors of the generated questions between runs (each run's
    databases are new, its texts are not: embedding 10,000 of them takes minutes), for the
    run only. Keyed by model and text, so a cached vector is never a stale one."""
    before = os.environ.get("RESEARCH_VECTOR_CACHE")
    if not before:
        folder = Path.home() / ".cache" / "research-bench"
        folder.mkdir(parents=True, exist_ok=True)
        os.environ["RESEARCH_VECTOR_CACHE"] = str(folder / "vectoren.db")
    try:
        yield
    finally:
        if not before:
            os.environ.pop("RESEARCH_VECTOR_CACHE", None)


def _run_peak(records: list[Record], builds: list[dict]) -> float:
    """The highest resident memory of the whole run: the largest of the peaks taken per
    measurement and per build (each reset before it, which also resets ru_maxrss, so the
    process's own figure is only the peak since the last reset)."""
    peaks = [r.peak_rss_mb for r in records if r.peak_rss_mb is not None]
    peaks += [b["peak_rss_mb"] for b in builds]
    return round(max(peaks + [resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024]), 1)


def as_json(document: dict) -> dict:
    """The document with records and quality figures as plain dicts."""
    return {**document, "records": [r.as_dict() for r in document["records"]],
            "quality": [q.as_dict() for q in document["quality"]]}


def write(document: dict, folder: Path) -> list[Path]:
    """RESULTS.md, results.json and the growth plot (groei.html, groei.png) in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    records, figures = document["records"], document["quality"]
    made = [folder / "RESULTS.md", folder / "results.json"]
    made[0].write_text(report.markdown(document, records, figures), encoding="utf-8")
    made[1].write_text(json.dumps(as_json(document), ensure_ascii=False, indent=2) + "\n",
                       encoding="utf-8")
    if document["growth"]:
        made.append(growth.plot_html(records, document["growth"], folder / "groei.html"))
        made.append(growth.plot_png(records, document["growth"], folder / "groei.png"))
    return made


def main(scales: str | None, only: str | None, out: str | None, quiet: bool = False) -> dict:
    """What `python -m research bench` does; returns the JSON-ready document. Progress goes
    to standard error; the tables to standard output unless `quiet` (for --json)."""
    try:
        chosen_scales = parse(scales or DEFAULT_SCALES)
    except ValueError:
        raise BenchError(f"Onbekende schaal '{scales}'; kies S, M of L (bijvoorbeeld S,M).") \
            from None
    document = run(chosen_scales, select(only))
    if out:
        for path in write(document, Path(out)):
            _say(f"geschreven: {path}")
    if not quiet:
        print(report.table(document["records"]))
        if document["growth"]:
            print()
            print(report.growth_table(document["growth"]))
        if document["quality"]:
            print()
            print(report.quality_table(document["quality"]))
    return as_json(document)
