"""Charts of the qualitative module: interactive plotly figures for the pages and PNG images
(matplotlib, no browser needed) for reports and the model export.

The network is laid out by networkx's spring layout with a fixed seed, so the same model is
drawn the same way each time.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display on the server

import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import plotly.graph_objects as go  # noqa: E402

from research.qual.paradigm import STAGES  # noqa: E402

STAGE_COLOURS = {"open": "#9e9e9e", "axiaal": "#2d9cdb", "selectief": "#eb5757"}


def positions(net: dict) -> dict[int, tuple[float, float]]:
    """Node id -> (x, y), from a seeded spring layout (isolated codes on the rim)."""
    graph = nx.Graph()
    graph.add_nodes_from(n["id"] for n in net["nodes"])
    graph.add_edges_from((e["source_id"], e["target_id"]) for e in net["edges"])
    if not graph.nodes:
        return {}
    n = len(graph.nodes)
    # Each iteration of the spring layout costs n^2; above 300 codes the iterations shrink as
    # 300/n (networkx's default is 50), so the layout time grows with n, not n^2 (coarser,
    # but a network of a thousand codes is an overview anyway; measured by the benchmark).
    iterations = max(10, round(50 * min(1.0, 300 / n)))
    return {k: (float(x), float(y)) for k, (x, y) in
            nx.spring_layout(graph, seed=7, k=1.5 / n ** 0.5, iterations=iterations).items()}


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
    arrows, middles, labels = [], ([], []), []
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
        labels.append(f"{edge['source']} {edge['type']} {edge['target']}")
    if labels:
        figure.add_trace(go.Scatter(x=middles[0], y=middles[1], mode="markers",
                                    marker={"size": 6, "color": "rgba(0,0,0,0)"},
                                    hovertext=labels, hoverinfo="text", showlegend=False))
    for stage, label in STAGES.items():
        group = [n for n in nodes if n["stage"] == stage]
        if not group:
            continue
        figure.add_trace(go.Scatter(
            x=[where[n["id"]][0] for n in group], y=[where[n["id"]][1] for n in group],
            mode="markers+text", name=label, text=[n["name"] for n in group],
            textposition="top center",
            marker={"size": [_size(n) for n in group], "color": STAGE_COLOURS[stage],
                    "line": {"width": [3 if n["core"] else 0 for n in group],
                             "color": "#111"}},
            hovertext=[f"{n['name']}: {n['groundedness']} fragmenten, {n['density']} relaties"
                       for n in group], hoverinfo="text"))
    figure.update_layout(xaxis={"visible": False}, yaxis={"visible": False}, height=560,
                         margin={"l": 10, "r": 10, "t": 10, "b": 10}, legend_title="Fase",
                         annotations=arrows)
    return figure


def saturation_figure(points: list[dict], verdict: dict) -> go.Figure:
    """New codes per document (bars) and the cumulative number of codes (line)."""
    names = [f"{i}. {p['document']}" for i, p in enumerate(points, 1)]
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
