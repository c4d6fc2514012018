"""Charts of the qualitative module: interactive plotly figures for the pages and PNG images
(matplotlib, no browser needed) for reports and the model export.

The network is laid out by a seeded force-directed layout (`_spring`), so the same model is
drawn the same way each time. Code, relation and document names reach plotly through
`plotly_text.escape` (plotly would draw HTML in them).
"""

from __future__ import annotations

import io
import textwrap

import matplotlib

matplotlib.use("Agg")  # no display on the server

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import plotly.graph_objects as go  # noqa: E402
from scipy.spatial import cKDTree  # noqa: E402

from research.plotly_text import escape  # noqa: E402
from research.qual.paradigm import STAGES  # noqa: E402

STAGE_COLOURS = {"open": "#9e9e9e", "axiaal": "#2d9cdb", "selectief": "#eb5757"}


def positions(net: dict) -> dict[int, tuple[float, float]]:
    """Node id -> (x, y) in [-1, 1]: related codes by a seeded spring layout, codes without
    relations on a ring around them (in codebook order)."""
    ids = [n["id"] for n in net["nodes"]]
    if not ids:
        return {}
    index = {node_id: i for i, node_id in enumerate(ids)}
    pairs = {tuple(sorted((index[e["source_id"]], index[e["target_id"]])))
             for e in net["edges"] if e["source_id"] in index and e["target_id"] in index
             and e["source_id"] != e["target_id"]}
    related = sorted({i for pair in pairs for i in pair})
    place = np.zeros((len(ids), 2))
    if related:
        local = {i: j for j, i in enumerate(related)}
        edges = np.array([(local[a], local[b]) for a, b in sorted(pairs)], dtype=np.int64)
        place[related] = _spring(len(related), edges)
    alone = sorted(set(range(len(ids))).difference(related))
    if alone:
        # The ring lies just outside the related codes (or is the whole picture).
        radius = 1.15 if related else 1.0
        angle = 2 * np.pi * np.arange(len(alone)) / len(alone)
        place[alone] = radius * np.column_stack([np.cos(angle), np.sin(angle)])
    place /= max(np.abs(place).max(), 1e-12)
    return {node_id: (round(float(x), 6), round(float(y), 6))
            for node_id, (x, y) in zip(ids, place, strict=True)}


def _spring(n: int, edges: np.ndarray, iterations: int = 60, seed: int = 7) -> np.ndarray:
    """A force-directed layout of n nodes (Fruchterman & Reingold 1991, their grid variant):
    connected nodes attract (d^2/k), nodes closer than 2k repel (k^2/d), moves are capped by
    a cooling temperature. Returns positions centred on 0 with the largest coordinate 1.

    Written here because networkx's spring layouts compute all n^2 repulsions in every
    iteration (0.15 s at 300 codes, 1.5 s at 1,500); the grid variant's neighbours come from
    a k-d tree, so an iteration costs about n log n."""
    rng = np.random.default_rng(seed)
    place = rng.random((n, 2))  # the unit square: k is then the spacing of n evenly spread nodes
    k = 1 / np.sqrt(n)
    for step in range(iterations):
        temperature = 0.1 * (1 - step / iterations)  # the largest move, cooling to nothing
        shift = np.zeros((n, 2))
        close = cKDTree(place).query_pairs(2 * k, output_type="ndarray")
        for (a, b), factor in ((close.T, lambda d: k * k / d ** 2),
                               (edges.T, lambda d: -d / k)):
            if not len(a):
                continue
            delta = place[a] - place[b]
            distance = np.maximum(np.hypot(delta[:, 0], delta[:, 1]), 0.01 * k)
            force = delta * factor(distance)[:, None]
            for axis in (0, 1):
                shift[:, axis] += (np.bincount(a, force[:, axis], n)
                                   - np.bincount(b, force[:, axis], n))
        length = np.maximum(np.hypot(shift[:, 0], shift[:, 1]), 1e-12)
        place += shift * (np.minimum(length, temperature) / length)[:, None]
    place -= place.mean(axis=0)
    return place / max(np.abs(place).max(), 1e-12)


def _count(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


def _wrapped(name: str, width: int = 18) -> str:
    """A name for a figure label: escaped, broken over lines of about `width` characters so a
    long name does not run off the picture."""
    lines = textwrap.wrap(name, width, break_long_words=False) or [""]
    return "<br>".join(escape(line) for line in lines)


def _size(node: dict) -> float:
    return 14 + 4 * min(node["groundedness"], 30) ** 0.5


def network_figure(net: dict, only_connected: bool = False) -> go.Figure:
    """The codes as a network: colour = stage, size = groundedness, lines = relations."""
    nodes = [n for n in net["nodes"] if n["density"] or not only_connected]
    where = positions({"nodes": nodes, "edges": net["edges"]})
    figure = go.Figure()
    # All arrows as one list of annotations and all relation labels as one hover trace: a
    # trace or annotation added per relation costs plotly a validation of the whole figure
    # each time (seconds for a few hundred relations).
    arrows: list[dict] = []
    middles: tuple[list[float], list[float]] = ([], [])
    labels: list[str] = []
    kinds: list[str] = []
    for edge in net["edges"]:
        if edge["source_id"] not in where or edge["target_id"] not in where:
            continue
        (x0, y0), (x1, y1) = where[edge["source_id"]], where[edge["target_id"]]
        arrows.append({"x": x1, "y": y1, "ax": x0, "ay": y0, "xref": "x", "yref": "y",
                       "axref": "x", "ayref": "y", "showarrow": True,
                       "arrowhead": 2 if edge["directed"] else 0, "arrowwidth": 1.2,
                       "arrowcolor": "#888", "standoff": 9, "text": ""})
        middles[0].append((x0 + x1) / 2)
        middles[1].append((y0 + y1) / 2)
        labels.append(" ".join(escape(edge[k]) for k in ("source", "type", "target")))
        kinds.append(_wrapped(edge["type"]))
    if labels:
        # The relation's name on its line, the whole sentence on hover.
        figure.add_trace(go.Scatter(x=middles[0], y=middles[1], mode="markers+text",
                                    marker={"size": 6, "color": "rgba(0,0,0,0)"},
                                    text=kinds, textposition="middle center",
                                    textfont={"size": 10, "color": "#555"}, cliponaxis=False,
                                    hovertext=labels, hoverinfo="text", showlegend=False))
    for stage, label in STAGES.items():
        group = [n for n in nodes if n["stage"] == stage]
        if not group:
            continue
        figure.add_trace(go.Scatter(
            x=[where[n["id"]][0] for n in group], y=[where[n["id"]][1] for n in group],
            mode="markers+text", name=label, text=[_wrapped(n["name"]) for n in group],
            textposition="top center", cliponaxis=False,
            marker={"size": [_size(n) for n in group], "color": STAGE_COLOURS[stage],
                    "line": {"width": [3 if n["core"] else 0 for n in group],
                             "color": "#111"}},
            hovertext=[f"{escape(n['name'])}: "
                       f"{_count(n['groundedness'], 'fragment', 'fragmenten')}, "
                       f"{_count(n['density'], 'relatie', 'relaties')}"
                       for n in group], hoverinfo="text"))
    # Room around the nodes (positions lie in [-1, 1]) for names above the top row and wide
    # names at the sides; text is not clipped at the axes, and the margins hold what spills.
    figure.update_layout(xaxis={"visible": False, "range": [-1.3, 1.3]},
                         yaxis={"visible": False, "range": [-1.15, 1.3]}, height=600,
                         margin={"l": 40, "r": 40, "t": 40, "b": 20}, legend_title="Fase",
                         annotations=arrows)
    return figure


def saturation_figure(points: list[dict], verdict: dict) -> go.Figure:
    """New codes per document (bars) and the cumulative number of codes (line)."""
    names = [f"{i}. {escape(p['document'])}" for i, p in enumerate(points, 1)]
    figure = go.Figure()
    figure.add_bar(x=names, y=[p["new"] for p in points], name="Nieuwe codes")
    figure.add_scatter(x=names, y=[p["cumulative"] for p in points], name="Codes totaal",
                       mode="lines+markers")
    if verdict.get("at"):
        figure.add_vline(x=verdict["at"] - 1, line_dash="dash", line_color="#27ae60")
    figure.update_layout(height=420, xaxis_title="Document (in volgorde van afname)",
                         yaxis_title="Aantal codes", margin={"t": 20})
    return figure


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=150, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def network_png(net: dict) -> bytes:
    """The network as a PNG image (for the model export and reports)."""
    where = positions(net)
    figure, axis = plt.subplots(figsize=(10, 7))
    axis.axis("off")
    for edge in net["edges"]:
        (x0, y0), (x1, y1) = where[edge["source_id"]], where[edge["target_id"]]
        axis.annotate("", xy=(x1, y1), xytext=(x0, y0),
                      arrowprops={"arrowstyle": "-|>" if edge["directed"] else "-",
                                  "color": "#888", "shrinkA": 12, "shrinkB": 12})
        axis.text((x0 + x1) / 2, (y0 + y1) / 2, edge["type"], fontsize=7, color="#555",
                  ha="center")
    for node in net["nodes"]:
        x, y = where[node["id"]]
        axis.scatter([x], [y], s=_size(node) ** 2, color=STAGE_COLOURS[node["stage"]],
                     edgecolors="#111" if node["core"] else "none", linewidths=2, zorder=3)
        axis.text(x, y + 0.06, node["name"], fontsize=9, ha="center", zorder=4)
    return _png(figure)


def bars_png(labels: list[str], values: list[float], title: str) -> bytes:
    """A horizontal bar chart as a PNG image (counts per code in reports)."""
    figure, axis = plt.subplots(figsize=(8, max(2.5, 0.35 * len(labels) + 1)))
    axis.barh(labels[::-1], values[::-1], color="#2d9cdb")
    axis.set_title(title)
    axis.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def saturation_png(points: list[dict]) -> bytes:
    """The saturation curve as a PNG image."""
    figure, axis = plt.subplots(figsize=(8, 4))
    steps = list(range(1, len(points) + 1))
    axis.bar(steps, [p["new"] for p in points], color="#2d9cdb", label="Nieuwe codes")
    axis.plot(steps, [p["cumulative"] for p in points], color="#eb5757", marker="o",
              label="Codes totaal")
    axis.set_xlabel("Document (in volgorde van afname)")
    axis.set_ylabel("Aantal codes")
    axis.legend()
    axis.spines[["top", "right"]].set_visible(False)
    return _png(figure)
