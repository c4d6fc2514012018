"""Timing (median and spread of several runs), peak resident memory, and the records the
harness reports."""

from __future__ import annotations

import gc
import re
import resource
import statistics
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

CLEAR_REFS = "/proc/self/clear_refs"
STATUS = "/proc/self/status"


@dataclass
class Timing:
    """The seconds of each timed run."""

    seconds: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def spread(self) -> list[float]:
        """[fastest, slowest] run."""
        return [min(self.seconds), max(self.seconds)]


def timed(fn: Callable[[], object], runs: int, *, setup: Callable[[], object] | None = None,
          warmup: int = 0, min_runs: int = 1, budget: float | None = None) -> Timing:
    """Run `fn` `runs` times (after `warmup` untimed runs) and time each run; `setup` runs
    before every run, untimed. With a `budget` (seconds), stop once it is spent and at least
    `min_runs` runs were timed."""
    for _ in range(warmup):
        if setup:
            setup()
        fn()
    seconds: list[float] = []
    spent = 0.0
    gc.collect()
    for _ in range(runs):
        if setup:
            setup()
        started = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - started)
        spent += seconds[-1]
        if budget is not None and len(seconds) >= min_runs and spent > budget:
            break
    return Timing(seconds)


# -- memory -----------------------------------------------------------------------------------

def reset_peak() -> bool:
    """Reset the process's peak resident set size (Linux: write 5 to clear_refs); False when
    the system does not allow it (the peak is then the process's lifetime peak)."""
    try:
        with open(CLEAR_REFS, "w") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def peak_mb() -> float:
    """The peak resident set size since the last reset, in MB."""
    try:
        with open(STATUS) as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_mb() -> float:
    """The resident set size now, in MB."""
    try:
        with open(STATUS) as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


# -- records ----------------------------------------------------------------------------------

@dataclass
class Record:
    """One measurement: an operation at a scale beside its baseline and its target.

    `seconds` and `baseline_seconds` are medians in `unit` ("s", or "s per 1M words" for the
    import); `size` is what the operation's cost is expected to grow with (`size_unit`)."""

    name: str
    scale: str
    seconds: float
    baseline_seconds: float | None
    ratio: float | None
    target_seconds: float | None
    meets: bool | None
    unit: str = "s"
    size: int | None = None
    size_unit: str = ""
    spread_seconds: list[float] = field(default_factory=list)
    baseline_spread_seconds: list[float] = field(default_factory=list)
    runs: int = 0
    peak_rss_mb: float | None = None
    baseline: str = ""
    note: str = ""
    phase: str = ""                    # browser: before or after an import, two users, ...
    cpu_seconds: float | None = None   # browser: the app process's CPU per click (median)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Quality:
    """A quality figure (not a time) with the aim the issue sets."""

    name: str
    value: float
    aim: float
    meets: bool
    note: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def record(name: str, scale: str, timing: Timing, reference: Timing | None,
           target: float | None, *, factor: float = 1.0, **extra) -> Record:
    """A Record from timings; `factor` rescales both medians (e.g. to seconds per 1M words).
    Thousands in the note are written the Dutch way (25.000)."""
    if "note" in extra:
        extra["note"] = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", ".", extra["note"])
    seconds = timing.median * factor
    base = reference.median * factor if reference else None
    return Record(
        name=name, scale=scale, seconds=round(seconds, 6),
        baseline_seconds=None if base is None else round(base, 6),
        ratio=round(seconds / base, 2) if base else None,
        target_seconds=target,
        meets=None if target is None else bool(seconds <= target),
        spread_seconds=[round(s * factor, 6) for s in timing.spread],
        baseline_spread_seconds=[round(s * factor, 6) for s in reference.spread] if reference
        else [],
        runs=len(timing.seconds), **extra)
