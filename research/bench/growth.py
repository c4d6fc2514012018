"""How cost grows with size: the slope of a straight line through log(seconds) against
log(size) over the scales that ran (about 1 means linear), and a plot of cost against size
(plotly as HTML with its script inside, matplotlib as PNG)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from research.bench.measure import Record
from research.bench.scales import ORDER

PER_MILLION = "s per 1M woorden"


def cost(record: Record) -> float:
    """The seconds one run of the operation took (the import is reported per million words:
    back to the seconds of its batch)."""
    if record.unit == PER_MILLION and record.size:
        return record.seconds * record.size / 1e6
    return record.seconds


def _size(record: Record) -> int:
    """The size of a record that `_points` kept (it has one)."""
    assert record.size is not None
    return record.size


def _points(records: list[Record]) -> dict[str, list[Record]]:
    """Per operation its records with a size and a positive time, in scale order."""
    by_name: dict[str, list[Record]] = {}
    for r in records:
        if r.size and r.seconds > 0:
            by_name.setdefault(r.name, []).append(r)
    return {name: sorted(rs, key=lambda r: ORDER.index(r.scale)) for name, rs in by_name.items()}


def slope(sizes: Sequence[float], seconds: Sequence[float]) -> float:
    """Least-squares slope of log(seconds) on log(size)."""
    x, y = np.log(sizes), np.log(seconds)
    return float(np.polyfit(x, y, 1)[0])


def exponents(records: list[Record]) -> dict[str, dict]:
    """Per operation: the exponent and which scales (and sizes) it rests on."""
    result = {}
    for name, rs in _points(records).items():
        if len({r.size for r in rs}) < 2:
            continue
        sizes, costs = [_size(r) for r in rs], [cost(r) for r in rs]
        result[name] = {"exponent": round(slope(sizes, costs), 2),
                        "scales": [r.scale for r in rs], "sizes": sizes,
                        "seconds": [round(c, 6) for c in costs],
                        "size_unit": rs[0].size_unit, "all_scales": len(rs) == len(ORDER)}
    return result


def _series(records: list[Record]) -> list[tuple[str, list[int], list[float]]]:
    return [(name, [_size(r) for r in rs], [cost(r) for r in rs])
            for name, rs in _points(records).items() if len(rs) >= 2]


def _relative(sizes: list[int]) -> list[float]:
    return [s / sizes[0] for s in sizes]


def plot_html(records: list[Record], growth: dict, path: Path) -> Path:
    """The plot as a self-contained HTML file (plotly's script embedded)."""
    import plotly.graph_objects as go

    figure = go.Figure()
    for name, sizes, costs in _series(records):
        label = f"{name} (exponent {growth.get(name, {}).get('exponent', math.nan):.2f})"
        figure.add_trace(go.Scatter(x=_relative(sizes), y=costs, mode="lines+markers",
                                    name=label, hovertext=[f"{s:,}" for s in sizes]))
    figure.update_layout(title="Kosten tegen schaal (log-log)", height=650,
                         xaxis={"type": "log", "title": "grootte t.o.v. de kleinste schaal"},
                         yaxis={"type": "log", "title": "seconden per uitvoering"})
    figure.write_html(str(path), include_plotlyjs=True)
    return path


def plot_png(records: list[Record], growth: dict, path: Path) -> Path:
    """The same plot as a PNG (matplotlib, no browser needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(10, 6.5), dpi=110)
    for name, sizes, costs in _series(records):
        axes.loglog(_relative(sizes), costs, marker="o",
                    label=f"{name} ({growth.get(name, {}).get('exponent', math.nan):.2f})")
    axes.set_xlabel("grootte t.o.v. de kleinste schaal")
    axes.set_ylabel("seconden per uitvoering")
    axes.set_title("Kosten tegen schaal (log-log; groei-exponent tussen haakjes)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=7, loc="upper left")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path
