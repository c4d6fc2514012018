"""How a coded document is laid out for the coding view: blocks (one per speaker turn) cut
into segments wherever a coding, a turn or the current selection starts or ends.

Pure data, built on the server so that every offset the browser sends back is a Python
string index (the browser only adds the code points it counts inside one segment).
"""

from __future__ import annotations

import itertools
from bisect import bisect_left, bisect_right


def blocks(text: str, turns: list[dict], codings: list[dict],
           selection: tuple[int, int] | None = None) -> list[dict]:
    """The document as blocks of segments.

    Each block covers one turn with the text before it (its speaker label); each segment is
    `[start, text, coding_indexes, selected]`; each block lists the codings that touch it
    (indexes into `codings`) for the margin, and its turn's utterance span for one-click
    coding of the whole turn.
    """
    ends = [t["end_pos"] for t in turns] or [len(text)]
    bounds: list[tuple[int, int, dict | None]] = []
    start = 0
    for i, end in enumerate(ends):
        stop = len(text) if i == len(ends) - 1 else end
        bounds.append((start, stop, turns[i] if turns else None))
        start = stop
    cuts = {0, len(text)}
    for coding in codings:
        cuts.update((coding["start_pos"], coding["end_pos"]))
    for begin, _, _ in bounds:
        cuts.add(begin)
    if selection:
        cuts.update(selection)
    ordered = sorted(c for c in cuts if 0 <= c <= len(text))
    by_start = sorted(range(len(codings)), key=lambda i: codings[i]["start_pos"])
    # A sweep over the segments in text order: codings join as their start passes and
    # leave at their end, so building the view grows with segments + codings.
    waiting, active = 0, set()
    result = []
    for begin, stop, turn in bounds:
        # Leading line breaks between turns are layout, not content: skip showing them.
        shown = begin
        while shown < stop and text[shown] == "\n":
            shown += 1
        segments, margin = [], set()
        points = sorted({shown, *ordered[bisect_left(ordered, shown):bisect_right(ordered, stop)],
                         stop})
        for a, b in itertools.pairwise(points):
            while waiting < len(by_start) and codings[by_start[waiting]]["start_pos"] <= a:
                active.add(by_start[waiting])
                waiting += 1
            active = {i for i in active if codings[i]["end_pos"] > a}
            selected = selection is not None and selection[0] <= a and b <= selection[1]
            segments.append([a, text[a:b], sorted(active), selected])
            margin |= active
        result.append({"segments": segments,
                       "margin": sorted(margin, key=lambda i: (codings[i]["start_pos"], i)),
                       "speaker": turn.get("speaker") if turn else None,
                       "turn": [turn["start_pos"], turn["end_pos"]] if turn else [shown, stop]})
    return result


def chip_labels(codings: list[dict]) -> list[str]:
    """The margin's label of each coding: the code, and whose it is ("Steun · anne") when
    the codings shown come from more than one coder, so that the same code stacked by two
    coders says who gave each."""
    coders = {c.get("coder") for c in codings}
    if len(coders) < 2:
        return [c["code"] for c in codings]
    return [f"{c['code']} · {c.get('coder') or 'onbekend'}" for c in codings]


def sentence_at(sentences: list[dict], offset: int) -> tuple[int, int] | None:
    """The sentence span containing `offset` (for one-tap sentence coding), or None."""
    for sentence in sentences:
        if sentence["start_pos"] <= offset < sentence["end_pos"]:
            return sentence["start_pos"], sentence["end_pos"]
    return None


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """A selection without leading and trailing white space (a mouse often takes some)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
