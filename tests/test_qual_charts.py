"""Charts: the network laid out the same way each time; PNG images without a browser; code,
relation and document names drawn as text, never as plotly markup."""

from __future__ import annotations

import numpy as np

from figures import ESCAPED, HOSTILE, markup_from_users, shown_escaped
from research.qual import charts

NET = {"nodes": [
    {"id": 1, "name": "Wantrouwen", "stage": "selectief", "groundedness": 9, "density": 2,
     "core": True, "colour": "#eb5757", "paradigm_role": "fenomeen"},
    {"id": 2, "name": "Wachtlijsten", "stage": "axiaal", "groundedness": 4, "density": 1,
     "core": False, "colour": "#9b51e0", "paradigm_role": None},
    {"id": 3, "name": "Buurtkamer", "stage": "open", "groundedness": 0, "density": 1,
     "core": False, "colour": "#2d9cdb", "paradigm_role": None}],
    "edges": [
    {"source_id": 2, "target_id": 1, "source": "Wachtlijsten", "target": "Wantrouwen",
     "type": "is oorzaak van", "directed": 1},
    {"source_id": 3, "target_id": 1, "source": "Buurtkamer", "target": "Wantrouwen",
     "type": "hangt samen met", "directed": 0}]}


def test_layout_is_stable_and_figures_hold_every_code():
    assert charts.positions(NET) == charts.positions(NET)
    figure = charts.network_figure(NET)
    names = sorted(n for trace in figure.data[1:] for n in trace.text)
    assert names == ["Buurtkamer", "Wachtlijsten", "Wantrouwen"]
    assert [a.arrowhead for a in figure.layout.annotations] == [2, 0]
    # Each relation's name stands on its line.
    assert list(figure.data[0].text) == ["is oorzaak van", "hangt samen met"]
    assert figure.data[0].mode == "markers+text"
    assert charts.positions({"nodes": [], "edges": []}) == {}


def test_names_with_markup_are_text_in_the_network_and_saturation_charts():
    net = {"nodes": [dict(node) for node in NET["nodes"]],
           "edges": [dict(edge) for edge in NET["edges"]]}
    net["nodes"][0]["name"] = net["edges"][0]["target"] = net["edges"][1]["target"] = HOSTILE
    net["edges"][0]["type"] = HOSTILE
    figure = charts.network_figure(net)
    assert markup_from_users(figure) == []
    names = sorted(n for trace in figure.data[1:] for n in trace.text)
    # A long name is broken over lines, each escaped.
    assert names == ['&lt;a<br>href="http://evil.example/"&gt;klik&lt;/a&gt;<br>&amp; '
                     '&lt;b&gt;vet&lt;/b&gt;', "Buurtkamer", "Wachtlijsten"]
    assert list(figure.data[0].text) == ['&lt;a<br>href="http://evil.example/"&gt;klik&lt;/a&gt;'
                                         '<br>&amp; &lt;b&gt;vet&lt;/b&gt;', "hangt samen met"]
    assert list(figure.data[0].hovertext) == [f"Wachtlijsten {ESCAPED} {ESCAPED}",
                                              f"Buurtkamer hangt samen met {ESCAPED}"]
    saturation = charts.saturation_figure(
        [{"document": HOSTILE, "new": 3, "cumulative": 3},
         {"document": "Interview 2", "new": 1, "cumulative": 4}], {"at": None})
    assert markup_from_users(saturation) == []
    assert list(saturation.data[0].x) == [f"1. {ESCAPED}", "2. Interview 2"]
    assert shown_escaped(saturation) == 2  # bars and line


def test_names_are_not_clipped_at_the_edge_of_the_network():
    """Positions lie in [-1, 1]; the axes leave room around them and text may pass them."""
    figure = charts.network_figure(NET)
    assert tuple(figure.layout.xaxis.range) == (-1.3, 1.3)
    assert tuple(figure.layout.yaxis.range) == (-1.15, 1.3)
    assert [trace.cliponaxis for trace in figure.data] == [False, False, False, False]
    long = {"nodes": [{**NET["nodes"][0], "name": "Vertrouwen in de gemeentelijke instanties"}],
            "edges": []}
    assert list(charts.network_figure(long).data[0].text) == [
        "Vertrouwen in de<br>gemeentelijke<br>instanties"]


def test_png_images():
    for image in (charts.network_png(NET), charts.bars_png(["A", "B"], [3, 1], "Codes"),
                  charts.saturation_png([{"new": 3, "cumulative": 3},
                                         {"new": 1, "cumulative": 4}])):
        assert image[:8] == b"\x89PNG\r\n\x1a\n"
        assert len(image) > 5_000


def _chain_net(n: int, alone: int) -> dict:
    """n codes in chains of five (each code related to the next) and `alone` unrelated ones."""
    nodes = [{"id": i, "name": f"c{i}", "stage": "open", "groundedness": 1, "density": 1,
              "core": False} for i in range(n + alone)]
    edges = [{"source_id": i, "target_id": i + 1, "source": "", "target": "", "type": "",
              "directed": 1} for i in range(n - 1) if i % 5 != 4]
    return {"nodes": nodes, "edges": edges}


def test_layout_keeps_related_codes_close_and_unrelated_codes_on_the_ring():
    where = charts.positions(_chain_net(200, 20))
    points = np.array([where[i] for i in range(220)])
    assert np.abs(points).max() == 1.0
    radius = np.hypot(points[:, 0], points[:, 1])
    assert radius[200:].min() > radius[:200].max()  # the ring lies around the related codes
    assert np.allclose(radius[200:], radius[200])
    related = np.hypot(*(points[1:200] - points[:199]).T)[[i for i in range(199) if i % 5 != 4]]
    assert related.mean() < 0.2 * np.hypot(*(points[:200, None] - points[None, :200]).T).mean()
    gaps = np.hypot(*(points[:200, None] - points[None, :200]).T)[np.triu_indices(200, 1)]
    assert gaps.min() > 0.005  # no two codes on top of each other


def test_layout_of_codes_without_relations_is_a_ring():
    where = charts.positions(_chain_net(0, 4))
    assert where == {0: (1.0, 0.0), 1: (0.0, 1.0), 2: (-1.0, 0.0), 3: (0.0, -1.0)}
