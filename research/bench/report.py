"""The machine the run was made on, and the results as a markdown table (bench/RESULTS.md)
and a JSON document."""

from __future__ import annotations

import os
import platform
import sqlite3
from datetime import datetime, timezone
from importlib import metadata

from research.bench.measure import Quality, Record

PACKAGES = ["streamlit", "pandas", "numpy", "spacy", "scikit-learn", "plotly", "pyreadstat",
            "svy"]


def _proc(path: str, key: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def _kib_to_gb(text: str | None) -> float | None:
    return None if not text else round(int(text.split()[0]) / 1024 ** 2, 1)


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def machine() -> dict:
    """CPU model, cores, memory, swap, Python, SQLite and package versions, and the time."""
    return {"cpu": _proc("/proc/cpuinfo", "model name") or platform.processor() or "?",
            "cores": os.cpu_count(),
            "memory_gb": _kib_to_gb(_proc("/proc/meminfo", "MemTotal")),
            "swap_gb": _kib_to_gb(_proc("/proc/meminfo", "SwapTotal")),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "system": f"{platform.system()} {platform.release()}",
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "packages": {p: _version(p) for p in PACKAGES if _version(p)},
            "date": datetime.now(timezone.utc).replace(microsecond=0).isoformat()}


def _seconds(value: float | None) -> str:
    if value is None:
        return "–"
    if value >= 10:
        return f"{value:,.1f}".replace(",", ".")
    if value >= 0.1:
        return f"{value:.2f}"
    if value >= 0.001:
        return f"{value * 1000:.1f} ms"
    return f"{value * 1e6:.0f} µs"


def _met(meets: bool | None) -> str:
    return {True: "ja", False: "**nee**", None: "–"}[meets]


def _row(r: Record) -> str:
    unit = "" if r.unit == "s" else f" ({r.unit})"
    spread = "–".join(_seconds(s) for s in r.spread_seconds)
    memory = "–" if r.peak_rss_mb is None else f"{r.peak_rss_mb:,.0f}".replace(",", ".")
    return (f"| {r.name}{unit} | {r.scale} | {_seconds(r.seconds)} | {spread} | "
            f"{_seconds(r.baseline_seconds)} | {'–' if r.ratio is None else r.ratio} | "
            f"{_seconds(r.target_seconds)} | {_met(r.meets)} | {memory} | {r.runs} |")


def table(records: list[Record]) -> str:
    """The measurements as a markdown table with Dutch column heads."""
    head = ("| bewerking | schaal | seconden (mediaan) | spreiding | basislijn | verhouding | "
            "doel | gehaald | piekgeheugen (MB) | runs |\n"
            "| --- | --- | ---: | --- | ---: | ---: | ---: | --- | ---: | ---: |")
    return "\n".join([head, *(_row(r) for r in records)])


def browser_table(records: list[Record]) -> str:
    """The clicks in Chromium: per action the median and slowest click, and the app
    process's CPU per click, per phase (before and after a pseudonymised import, ...)."""
    lines = ["| actie | fase | mediaan | traagste | CPU app per klik | doel | gehaald |",
             "| --- | --- | ---: | ---: | ---: | ---: | --- |"]
    for r in records:
        if r.name.startswith("browser."):
            lines.append(f"| {r.name.removeprefix('browser.')} | {r.phase} | "
                         f"{_seconds(r.seconds)} | {_seconds(r.spread_seconds[-1])} | "
                         f"{_seconds(r.cpu_seconds)} | {_seconds(r.target_seconds)} | "
                         f"{_met(r.meets)} |")
    return "\n".join(lines)


def growth_table(growth: dict) -> str:
    """The growth exponents with the scales they rest on."""
    lines = ["| bewerking | exponent | schalen | grootte |", "| --- | ---: | --- | --- |"]
    for name, g in growth.items():
        sizes = " / ".join(f"{s:,}".replace(",", ".") for s in g["sizes"])
        flag = "" if g["all_scales"] else " (niet alle schalen)"
        lines.append(f"| {name} | {g['exponent']:.2f} | {', '.join(g['scales'])}{flag} | "
                     f"{sizes} {g['size_unit']} |")
    return "\n".join(lines)


def quality_table(figures: list[Quality]) -> str:
    lines = ["| maat | waarde | doel | gehaald | toelichting |",
             "| --- | ---: | ---: | --- | --- |"]
    lines += [f"| {q.name} | {q.value:.3f} | {q.aim:.2f} | {_met(q.meets)} | {q.note} |"
              for q in figures]
    return "\n".join(lines)


def builds_table(builds: list[dict]) -> str:
    lines = ["| onderdeel | schaal | seconden | piekgeheugen (MB) |", "| --- | --- | ---: | ---: |"]
    lines += [f"| {b['domain']} | {b['scale']} | {b['seconds']:.1f} | {b['peak_rss_mb']:,.0f} |"
              .replace(",", ".") for b in builds]
    return "\n".join(lines)


def notes_list(records: list[Record]) -> str:
    """What each measurement timed (the note of its largest scale)."""
    last: dict[str, Record] = {}
    for r in records:
        last[r.name] = r
    return "\n".join(f"- **{name}** ({r.scale}): {r.note}; basislijn: {r.baseline}."
                     for name, r in last.items())


def markdown(document: dict, records: list[Record], figures: list[Quality]) -> str:
    """RESULTS.md: machine, table, growth, quality, memory and what was timed."""
    m = document["machine"]
    packages = ", ".join(f"{k} {v}" for k, v in m["packages"].items())
    parts = [
        "# Benchmarkresultaten",
        "",
        f"Gemaakt met `python -m research bench --scale {','.join(document['scales'])}` op "
        f"{m['date']}.",
        "",
        f"- Machine: {m['cpu']}, {m['cores']} kernen, {m['memory_gb']} GB geheugen, "
        f"{m['swap_gb']} GB swap; {m['system']}; belasting bij de start "
        f"{' / '.join(str(x) for x in m['load_average'])} (andere processen draaiden mee)",
        f"- Python {m['python']}, SQLite {m['sqlite']}; {packages}",
        "",
        "Elk cijfer is de mediaan van meerdere runs, met de snelste en traagste run als "
        "spreiding, naast een basislijn die in dezelfde run op dezelfde gegevens is gemeten. "
        "Verhouding = seconden / basislijn. Piekgeheugen: het hoogste residente geheugen van "
        "het proces tijdens die meting (bewerking en basislijn).",
        "",
        "## Metingen",
        "",
        table(records),
        "",
        "## Groei",
        "",
        "Helling van log(seconden) tegen log(grootte) over de schalen: 1 is lineair. De "
        "grafiek staat in `groei.png` (om in te zoomen: `groei.html`, die de benchmark ernaast "
        "maakt).",
        "",
        growth_table(document["growth"]),
    ]
    if any(r.name.startswith("browser.") for r in records):
        parts += ["", "## In de browser (wat gebruikers voelen)", "",
                  "Klik tot het resultaat zichtbaar is, in Chromium tegen de app zoals `make "
                  "run` hem start, op de gegevens van schaal M. Doel per actie: mediaan ≤ 0,5 s "
                  "en traagste klik ≤ 1 s, ook na een gepseudonimiseerde import.", "",
                  browser_table(records)]
    if figures:
        parts += ["", "## Kwaliteit (wijkwerkplaats: gelabelde set in tests/data, onafhankelijke "
                  "parafraseset)", "",
                  quality_table(figures)]
    parts += ["", "## Opbouw van de gegevens", "",
              "Tijd en piekgeheugen om de verzonnen gegevens te maken (niet gemeten als "
              "belofte).", "", builds_table(document["builds"]),
              "", f"Hoogste piekgeheugen van de hele run (metingen en opbouw): "
              f"{document['peak_rss_mb']:,.0f} MB."
              .replace(",", "."), "", "## Wat er gemeten is", "", notes_list(records)]
    if document["notes"]:
        parts += ["", "## Opmerkingen", "", *(f"- {n}" for n in document["notes"])]
    return "\n".join(parts) + "\n"
