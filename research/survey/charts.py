"""Charts of monitor tables: interactive (plotly) for the pages, static (matplotlib, no
browser needed) as PNG and SVG for downloads and the wave report. Each chart states its
notes (n, weighting, wave) in a caption line. Labels, groups, waves, titles and notes come
from users' files and reach plotly through `plotly_text.escape` (plotly would draw HTML in
them)."""

from __future__ import annotations

import io
import textwrap
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display on the server

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import plotly.express as px  # noqa: E402
import plotly.graph_objects as go  # noqa: E402

from research.exports import xml_frame, xml_text  # noqa: E402
from research.plotly_text import escape, escape_all  # noqa: E402
from research.survey.tables import TOTAL_ROW, Table  # noqa: E402

# Diverging colours for Likert scales: unfavourable red, neutral grey, favourable blue.
DIVERGING = ["#b2182b", "#ef8a62", "#d9d9d9", "#67a9cf", "#2166ac"]
BAR = "#2166ac"


def _diverging(count: int) -> list[str]:
    if count <= len(DIVERGING):
        picks = np.linspace(0, len(DIVERGING) - 1, count).round().astype(int)
        return [DIVERGING[i] for i in picks]
    return DIVERGING + ["#999999"] * (count - len(DIVERGING))


def _caption(table: Table) -> str:
    """The first two notes, wrapped, each line escaped and the lines joined by <br>."""
    return "<br>".join(escape(line) for note in table.notes[:2]
                       for line in textwrap.wrap(note, 110))


def bars(table: Table) -> go.Figure:
    """Frequencies with their 95% intervals (horizontal bars)."""
    data = table.numbers.dropna(subset=["schatting"])
    figure = go.Figure(go.Bar(
        x=data["schatting"], y=escape_all(data["antwoord"]), orientation="h", marker_color=BAR,
        error_x={"type": "data", "symmetric": False,
                 "array": data["ci_high"] - data["schatting"],
                 "arrayminus": data["schatting"] - data["ci_low"]},
        hovertemplate="%{y}: %{x:.1f}<extra></extra>"))
    figure.update_layout(title=escape(table.title), yaxis={"autorange": "reversed"},
                         margin={"b": 110}, annotations=[_note(table)])
    return figure


def _note(table: Table) -> dict:
    return {"text": _caption(table), "showarrow": False, "xref": "paper", "yref": "paper",
            "x": 0, "y": -0.22, "xanchor": "left", "yanchor": "top", "align": "left",
            "font": {"size": 10}}


def crosstab_bars(table: Table) -> go.Figure:
    """Grouped bars of a crosstab: one colour per answer, groups on the axis."""
    numbers = _answers(table.numbers)
    groups = escape_all(str(c) for c in numbers.columns)
    figure = go.Figure([go.Bar(name=escape(str(label)), x=groups, y=row.to_list(),
                               text=[m if m else "" for m in
                                     table.markers.loc[label].map({"hoger": "▲", "lager": "▼",
                                                                   "": ""})],
                               textposition="outside")
                        for label, row in numbers.iterrows()])
    figure.update_layout(title=escape(table.title), barmode="group", margin={"b": 110},
                         annotations=[_note(table)])
    return figure


def _answers(numbers: pd.DataFrame) -> pd.DataFrame:
    """A crosstab's answer rows, without its total row and its n."""
    return numbers.drop(index=[r for r in (TOTAL_ROW, "n") if r in numbers.index])


def trend_line(table: Table) -> go.Figure:
    """The estimate per wave with its 95% interval; a line per answer when the trend shows
    every answer."""
    data = table.numbers
    lines = data.groupby("antwoord", sort=False) if "antwoord" in data.columns \
        else [(None, data)]
    figure = go.Figure([go.Scatter(
        x=escape_all(part["meting"].astype(str)), y=part["schatting"], mode="lines+markers",
        name=escape(str(name)) if name is not None else None, showlegend=name is not None,
        error_y={"type": "data", "symmetric": False, "array": part["ci_high"] - part["schatting"],
                 "arrayminus": part["schatting"] - part["ci_low"]},
        **({} if name is not None else {"line_color": BAR})) for name, part in lines])
    figure.update_xaxes(type="category")  # wave labels are names, not numbers
    figure.update_layout(title=escape(table.title), margin={"b": 110},
                         annotations=[_note(table)])
    return figure


def likert_bars(table: Table) -> go.Figure:
    """Diverging stacked bars: unfavourable answers left of zero, favourable right, the
    middle category split across zero."""
    numbers = table.numbers.set_index("item")
    items = escape_all(numbers.index)
    categories = [c for c in numbers.columns if c not in ("top-2", "n")]
    colours = _diverging(len(categories))
    middle = len(categories) // 2 if len(categories) % 2 else None
    traces = []
    for index, (category, colour) in enumerate(zip(categories, colours, strict=True)):
        values = numbers[category].fillna(0)
        if middle is not None and index == middle:
            for half, sign in ((values / 2, -1), (values / 2, 1)):
                traces.append(go.Bar(name=escape(category), y=items, x=sign * half,
                                     orientation="h", marker_color=colour,
                                     showlegend=sign > 0, legendgroup=escape(category)))
            continue
        left = index < (middle if middle is not None else len(categories) / 2)
        traces.append(go.Bar(name=escape(category), y=items, x=-values if left else values,
                             orientation="h", marker_color=colour,
                             legendgroup=escape(category)))
    # Left-hand segments are stacked outwards from zero, nearest the centre first.
    left_traces = [t for t in traces if (np.asarray(t.x) < 0).any()][::-1]
    right_traces = [t for t in traces if not (np.asarray(t.x) < 0).any()]
    figure = go.Figure(left_traces + right_traces)
    figure.update_layout(title=escape(table.title), barmode="relative", margin={"b": 110},
                         xaxis={"title": "%", "tickvals": [-100, -50, 0, 50, 100],
                                "ticktext": ["100", "50", "0", "50", "100"]},
                         annotations=[_note(table)])
    return figure


def response_bars(table: pd.DataFrame) -> go.Figure:
    """Response (%) per group of the frame (fieldwork.response with a breakdown)."""
    return px.bar(table.assign(groep=escape_all(table["groep"])), x="groep",
                  y="responspercentage", labels={"groep": "", "responspercentage": "Respons (%)"},
                  range_y=[0, 100])


def response_line(timeline: pd.DataFrame) -> go.Figure:
    """Cumulative response (%) by completion date (fieldwork.response_over_time)."""
    return px.line(timeline, x="datum", y="responspercentage", markers=True,
                   labels={"datum": "Datum", "responspercentage": "Respons (%)"},
                   range_y=[0, 100])


def static(table: Table, kind: str, fmt: str = "png") -> bytes:
    """The same chart drawn with matplotlib as PNG or SVG (for downloads and the report)."""
    table = Table(xml_text(table.title), table.cells, xml_frame(table.numbers), table.markers,
                  [xml_text(note) for note in table.notes])
    figure, axes = plt.subplots(figsize=(8, 4.5))
    try:
        if kind == "bars":
            data = table.numbers.dropna(subset=["schatting"])
            low = (data["schatting"] - data["ci_low"]).clip(lower=0).fillna(0)
            high = (data["ci_high"] - data["schatting"]).clip(lower=0).fillna(0)
            axes.barh(data["antwoord"], data["schatting"], xerr=[low, high], color=BAR)
            axes.invert_yaxis()
        elif kind == "trend":
            data = table.numbers
            lines = data.groupby("antwoord", sort=False) if "antwoord" in data.columns \
                else [(None, data)]
            for name, part in lines:
                colour: dict[str, Any] = {} if name is not None else {"color": BAR}
                axes.errorbar(part["meting"].astype(str), part["schatting"],
                              yerr=[(part["schatting"] - part["ci_low"]).fillna(0),
                                    (part["ci_high"] - part["schatting"]).fillna(0)],
                              marker="o", capsize=4, label=name,
                              **colour)
            if "antwoord" in data.columns:
                axes.legend(fontsize=7)
        elif kind == "crosstab":
            numbers = _answers(table.numbers).fillna(0)
            numbers.T.plot.bar(ax=axes, rot=0)
        elif kind == "mr":
            data = table.numbers.dropna(subset=["percentage"])
            axes.barh(data["optie"], data["percentage"], color=BAR)
            axes.invert_yaxis()
        else:
            raise ValueError(kind)
        axes.set_title(table.title)
        figure.text(0.01, -0.02, "\n".join(textwrap.fill(n, 120) for n in table.notes[:2]),
                    fontsize=7, va="top")
        buffer = io.BytesIO()
        figure.savefig(buffer, format=fmt, dpi=150, bbox_inches="tight")
        return buffer.getvalue()
    finally:
        plt.close(figure)


def table_frame(table: Table) -> pd.DataFrame:
    """The display cells as a frame with the row labels in a first column."""
    cells = table.cells.copy()
    if not isinstance(cells.index, pd.RangeIndex):
        cells = cells.reset_index(names="")
    return cells
