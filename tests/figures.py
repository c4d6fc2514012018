"""What the chart tests share: user text with markup that plotly would draw (a link, bold,
an ampersand) and every text a plotly figure hands to the browser."""

from __future__ import annotations

import json

# Plotly draws a subset of HTML in every text (titles, ticks, legends, hover labels, text on
# marks, annotations): unescaped, this becomes a working link in the chart.
HOSTILE = '<a href="http://evil.example/">klik</a> & <b>vet</b>'
# The same text as it must reach plotly, which shows the entities as the characters.
ESCAPED = '&lt;a href="http://evil.example/"&gt;klik&lt;/a&gt; &amp; &lt;b&gt;vet&lt;/b&gt;'


def texts(figure) -> list[str]:
    """Every string in the figure as sent to the browser (data, layout, annotations)."""
    found: list[str] = []

    def walk(node) -> None:
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(figure.to_json()))
    return found


def markup_from_users(figure) -> list[str]:
    """The texts in which the planted markup arrives unescaped (there should be none)."""
    return [t for t in texts(figure) if "<a " in t or "<b>vet" in t or "& <" in t]


def shown_escaped(figure) -> int:
    """How many texts carry the planted text escaped (each place it is shown)."""
    return sum(ESCAPED in t for t in texts(figure))
