"""Charts: the network laid out the same way each time; PNG images without a browser."""

from __future__ import annotations

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
    names = sorted(n for trace in figure.data if trace.text is not None for n in trace.text)
    assert names == ["Buurtkamer", "Wachtlijsten", "Wantrouwen"]
    assert [a.arrowhead for a in figure.layout.annotations] == [2, 0]
    assert charts.positions({"nodes": [], "edges": []}) == {}


def test_png_images():
    for image in (charts.network_png(NET), charts.bars_png(["A", "B"], [3, 1], "Codes"),
                  charts.saturation_png([{"new": 3, "cumulative": 3}, {"new": 1, "cumulative": 4}])):
        assert image[:8] == b"\x89PNG\r\n\x1a\n"
        assert len(image) > 5_000
