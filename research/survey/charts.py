"""Charts of monitor tables: interactive (plotly) for the pages, static (matplotlib, no
browser needed) as PNG and SVG for downloads and the wave report. Each chart states its
notes (n, weighting, wave) in a caption line. Labels, groups, waves, titles and notes come
from users' files and reach plotly through `plotly_text.escape` (plotly would draw HTML in
them). Also here, beside the other charts: the figures of a stapeling (`heatmap_figure`, the
indicator x area heatmap with the count per area, and `inzet_opgave_figure`)."""

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
from plotly.subplots import make_subplots  # noqa: E402

from research.exports import xml_frame, xml_text  # noqa: E402
from research.plotly_text import escape, escape_all  # noqa: E402
from research.survey.stapeling import Stapeling, nl_number  # noqa: E402
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
    data = table.numbers.dropna(subset=["estimate"])
    figure = go.Figure(go.Bar(
        x=data["estimate"], y=escape_all(data["answer"]), orientation="h", marker_color=BAR,
        error_x={"type": "data", "symmetric": False,
                 "array": data["ci_high"] - data["estimate"],
                 "arrayminus": data["estimate"] - data["ci_low"]},
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
    lines = data.groupby("answer", sort=False) if "answer" in data.columns \
        else [(None, data)]
    figure = go.Figure([go.Scatter(
        x=escape_all(part["wave"].astype(str)), y=part["estimate"], mode="lines+markers",
        name=escape(str(name)) if name is not None else None, showlegend=name is not None,
        error_y={"type": "data", "symmetric": False, "array": part["ci_high"] - part["estimate"],
                 "arrayminus": part["estimate"] - part["ci_low"]},
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
    return px.bar(table.assign(group=escape_all(table["group"])), x="group",
                  y="response_rate", labels={"group": "", "response_rate": "Respons (%)"},
                  range_y=[0, 100])


def response_line(timeline: pd.DataFrame) -> go.Figure:
    """Cumulative response (%) by completion date (fieldwork.response_over_time)."""
    return px.line(timeline, x="date", y="response_rate", markers=True,
                   labels={"date": "Datum", "response_rate": "Respons (%)"},
                   range_y=[0, 100])


def static(table: Table, kind: str, fmt: str = "png") -> bytes:
    """The same chart drawn with matplotlib as PNG or SVG (for downloads and the report)."""
    table = Table(xml_text(table.title), table.cells, xml_frame(table.numbers), table.markers,
                  [xml_text(note) for note in table.notes])
    figure, axes = plt.subplots(figsize=(8, 4.5))
    try:
        if kind == "bars":
            data = table.numbers.dropna(subset=["estimate"])
            low = (data["estimate"] - data["ci_low"]).clip(lower=0).fillna(0)
            high = (data["ci_high"] - data["estimate"]).clip(lower=0).fillna(0)
            axes.barh(data["answer"], data["estimate"], xerr=[low, high], color=BAR)
            axes.invert_yaxis()
        elif kind == "trend":
            data = table.numbers
            lines = data.groupby("answer", sort=False) if "answer" in data.columns \
                else [(None, data)]
            for name, part in lines:
                colour: dict[str, Any] = {} if name is not None else {"color": BAR}
                axes.errorbar(part["wave"].astype(str), part["estimate"],
                              yerr=[(part["estimate"] - part["ci_low"]).fillna(0),
                                    (part["ci_high"] - part["estimate"]).fillna(0)],
                              marker="o", capsize=4, label=name,
                              **colour)
            if "answer" in data.columns:
                axes.legend(fontsize=7)
        elif kind == "crosstab":
            numbers = _answers(table.numbers).fillna(0)
            numbers.T.plot.bar(ax=axes, rot=0)
        elif kind == "mr":
            data = table.numbers.dropna(subset=["percentage"])
            axes.barh(data["option"], data["percentage"], color=BAR)
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


# -- stapeling (research.survey.stapeling) --------------------------------------------------------

# Diverging colours: red = unfavourable, white = reference, blue = favourable.
STAPELING_COLORSCALE = [[0.0, "#b2182b"], [0.25, "#ef8a62"], [0.5, "#f7f7f7"],
                        [0.75, "#67a9cf"], [1.0, "#2166ac"]]
STAPELING_COUNT_COLORSCALE = [[0.0, "#ffffff"], [1.0, "#d6604d"]]


def _hover_data(result: Stapeling) -> np.ndarray:
    """Per cell [label, waarde, referentie, afstand, niveau] as Dutch text."""
    text = {column: result.pivot(column) for column in ("waarde", "referentie", "afstand",
                                                          "niveau")}
    labels = text["waarde"].columns
    cells = np.empty(text["waarde"].shape + (5,), dtype=object)
    for i in range(cells.shape[0]):
        for j in range(cells.shape[1]):
            cells[i, j] = [escape(labels[j]), nl_number(text["waarde"].iat[i, j]),
                           nl_number(text["referentie"].iat[i, j]),
                           nl_number(text["afstand"].iat[i, j]), text["niveau"].iat[i, j]]
    return cells


def heatmap_figure(result: Stapeling, title: str) -> go.Figure:
    """Areas x indicators coloured by distance to the reference, with the count per area.

    Red = unfavourable, white = the reference, blue = favourable; the cells show the values,
    the hover the label, value, reference, distance and level. The rule is the subtitle; the
    last column (second trace) holds the count of unfavourable scores. Area and indicator names
    and the title reach plotly escaped (plotly_text).
    """
    matrix = result.heatmap_matrix()
    values = result.pivot("waarde")
    limit = 2.0 if result.reference == "sd" else 1.0
    figure = make_subplots(rows=1, cols=2, shared_yaxes=True, column_widths=[0.9, 0.1],
                           horizontal_spacing=0.01)
    figure.add_trace(go.Heatmap(
        z=matrix.to_numpy(), x=escape_all(matrix.columns), y=escape_all(matrix.index),
        text=[[nl_number(v) for v in row] for row in values.to_numpy()],
        texttemplate="%{text}", customdata=_hover_data(result),
        hovertemplate=("<b>%{y}</b><br>%{customdata[0]}<br>Waarde: %{customdata[1]}<br>"
                       "Referentie: %{customdata[2]}<br>Afstand: %{customdata[3]}<br>"
                       "%{customdata[4]}<extra></extra>"),
        colorscale=STAPELING_COLORSCALE, zmin=-limit, zmid=0, zmax=limit, xgap=1, ygap=1,
        colorbar=dict(title="z" if result.reference == "sd" else "Afstand",
                      tickvals=[-0.85 * limit, 0, 0.85 * limit],
                      ticktext=["ongunstig", "referentie", "gunstig"], x=1.02),
    ), row=1, col=1)
    counts = result.counts.set_index("area").reindex(matrix.index)["unfavourable"]
    figure.add_trace(go.Heatmap(
        z=counts.to_numpy().reshape(-1, 1), x=["Aantal ongunstig"],
        y=escape_all(matrix.index),
        text=counts.astype(int).astype(str).to_numpy().reshape(-1, 1), texttemplate="%{text}",
        colorscale=STAPELING_COUNT_COLORSCALE, zmin=0, zmax=max(len(matrix.columns), 1),
        showscale=False, xgap=1, ygap=1,
        hovertemplate="<b>%{y}</b><br>Aantal ongunstig: %{z}<extra></extra>",
    ), row=1, col=2)
    figure.update_yaxes(autorange="reversed", row=1, col=1)
    figure.update_xaxes(tickangle=-40)
    figure.update_layout(title=dict(text=escape(title), subtitle=dict(text=escape(result.rule))),
                         height=max(400, 28 * len(matrix.index) + 320),
                         margin=dict(t=90, b=230), plot_bgcolor="white")
    return figure


def _quadrant_annotations(figure: go.Figure, axis: str) -> None:
    """The four quadrant names in the corners of one subplot."""
    corners = [(0.99, 0.99, "right", "top", "veel inzet, grote opgave"),
               (0.01, 0.99, "left", "top", "weinig inzet, grote opgave"),
               (0.99, 0.01, "right", "bottom", "veel inzet, kleine opgave"),
               (0.01, 0.01, "left", "bottom", "weinig inzet, kleine opgave")]
    for x, y, xanchor, yanchor, text in corners:
        figure.add_annotation(x=x, y=y, xref=f"x{axis} domain", yref=f"y{axis} domain",
                              xanchor=xanchor, yanchor=yanchor, text=text, showarrow=False,
                              font=dict(size=10, color="#777777"))


def _padded_range(values: pd.Series, border: float) -> list[float]:
    """An axis range around the values and the border line, with room for the names."""
    numbers = pd.concat([values, pd.Series([border])]).dropna()
    low, high = float(numbers.min()), float(numbers.max())
    pad = (high - low) * 0.12 or 1.0
    return [low - pad, high + pad]


def inzet_opgave_figure(table: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Scatter of inzet (x) against opgave (y) with area names and the border lines.

    The y axis is reversed when a higher value is a smaller task, so that the bigger task is
    always at the top: top right = much effort where the task is big. One panel per group.
    """
    grouped = "groep" in table.columns
    keys = list(dict.fromkeys(table["groep"])) if grouped else [None]
    figure = make_subplots(rows=1, cols=len(keys),
                           subplot_titles=[escape(str(k)) for k in keys] if grouped else None)
    rhos = table.attrs.get("spearman")
    for index, key in enumerate(keys, start=1):
        part = table[table["groep"] == key] if grouped else table
        figure.add_trace(go.Scatter(
            x=part["inzet"], y=part["opgave"], mode="markers+text",
            text=escape_all(part["gebied"]),
            textposition="top center", marker=dict(size=10, color="#2166ac"), showlegend=False,
            cliponaxis=False,
            customdata=part["kwadrant"],
            hovertemplate="<b>%{text}</b><br>Inzet: %{x}<br>Opgave: %{y}<br>%{customdata}"
                          "<extra></extra>"), row=1, col=index)
        figure.add_vline(x=float(part["grens_inzet"].iloc[0]), line_dash="dash",
                         line_color="#999999", row=1, col=index)
        figure.add_hline(y=float(part["grens_opgave"].iloc[0]), line_dash="dash",
                         line_color="#999999", row=1, col=index)
        _quadrant_annotations(figure, "" if index == 1 else str(index))
        y_range = _padded_range(part["opgave"], part["grens_opgave"].iloc[0])
        if not table.attrs.get("hoger_is_erger", False):
            y_range = y_range[::-1]
        figure.update_xaxes(range=_padded_range(part["inzet"], part["grens_inzet"].iloc[0]),
                            row=1, col=index)
        figure.update_yaxes(range=y_range, row=1, col=index)
    figure.update_xaxes(title_text=escape(table.attrs.get("inzet_label", "Inzet")))
    figure.update_yaxes(title_text=escape(table.attrs.get("opgave_label", "Opgave")), col=1)
    rho_text = (", ".join(f"{k}: {nl_number(v)}" for k, v in rhos.items())
                if isinstance(rhos, dict) else nl_number(rhos))
    subtitle = (f"Spearman-rangcorrelatie (inzet met de grootte van de opgave): {rho_text}; "
                f"lijnen = {table.attrs.get('grens', 'mediaan van de gebieden')}.")
    figure.update_layout(title=dict(text=escape(title or "Inzet en opgave"),
                                    subtitle=dict(text=escape(subtitle))),
                         margin=dict(t=120), plot_bgcolor="white", height=520)
    return figure
