"""User text in plotly figures.

Plotly draws a subset of HTML in every text it shows (titles, axis ticks, legends, hover
labels, text on marks, annotations): `<a href=...>` becomes a working link, `<b>` bold, `<br>`
a line break. So every string that comes from a user or a user's file goes into a figure
through `escape`: '&', '<' and '>' as entities, which plotly shows as the characters typed.
Markup of our own (a `<br>` between notes, `<b>` in a hover template) is added after escaping.
"""

from __future__ import annotations

from collections.abc import Iterable


def escape(value):
    """A text with '&', '<' and '>' as entities; anything that is not a string unchanged (a
    number or a missing value stays what it is)."""
    if not isinstance(value, str):
        return value
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_all(values: Iterable) -> list:
    """`escape` of each value, as a list."""
    return [escape(v) for v in values]
