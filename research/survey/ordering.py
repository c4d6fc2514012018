"""The natural order of answer texts and group names: a scale from low to high, size classes
from small to large, the rest alphabetically, 'weet niet' and 'Onbekend' last.

Used where texts become codes (a text column read as a single-choice question) and where
groups are listed (the columns of a crosstab by size class, the response per size class).
Alphabetical order put '100.000 inwoners of meer' before '< 20.000 inwoners' and 'Eens'
before 'Helemaal mee oneens'.
"""

from __future__ import annotations

import re
from typing import Iterable

# Answers off the scale: listed last, and missing codes when texts become codes.
OFF_SCALE = re.compile(r"weet\s*(ik\s*)?niet|geen\s+(mening|antwoord|idee)|n\.?\s*v\.?\s*t\b"
                       r"|niet\s+van\s+toepassing|wil\s+ik\s+niet|onbekend|don.?t\s+know"
                       r"|not\s+applicable|refused", re.I)

# Scale words with their place: negative below zero, positive above. An intensifier (zeer,
# helemaal, heel) doubles the place of a polar word.
_NEUTRAL = re.compile(r"\bneutraal\b|\bnoch\b|\bniet\b.*\bniet\b|\bgemiddeld\b|\bneither\b",
                      re.I)
_POLAR = [
    (re.compile(r"\b(mee\s+)?oneens\b|\bdisagree", re.I), -1.0),
    (re.compile(r"\bontevreden\b|\bdissatisf|\bunsatisf", re.I), -1.0),
    (re.compile(r"\bonbelangrijk\b|\bunimportant\b", re.I), -1.0),
    (re.compile(r"\bonveilig\b|\bunsafe\b", re.I), -1.0),
    (re.compile(r"\bonwaarschijnlijk\b|\bunlikely\b", re.I), -1.0),
    (re.compile(r"\b(mee\s+)?eens\b|\bagree", re.I), 1.0),
    (re.compile(r"\btevreden\b|\bsatisf", re.I), 1.0),
    (re.compile(r"\bbelangrijk\b|\bimportant\b", re.I), 1.0),
    (re.compile(r"\bveilig\b|\bsafe\b", re.I), 1.0),
    (re.compile(r"\bwaarschijnlijk\b|\blikely\b", re.I), 1.0),
]
_INTENSE = re.compile(r"\b(zeer|helemaal|heel|erg|volledig|strongly|very|completely)\b", re.I)
# Words that are a place on their own (frequency, quality).
_PLACES = [
    (re.compile(r"^\s*(nooit|never)\s*$", re.I), -2.0),
    (re.compile(r"^\s*(zelden|rarely)\s*$", re.I), -1.0),
    (re.compile(r"^\s*(soms|sometimes)\s*$", re.I), 0.0),
    (re.compile(r"^\s*(vaak|regelmatig|geregeld|often)\s*$", re.I), 1.0),
    (re.compile(r"^\s*(meestal|usually)\s*$", re.I), 1.5),
    (re.compile(r"^\s*(altijd|always)\s*$", re.I), 2.0),
    (re.compile(r"^\s*zeer\s+slecht\s*$", re.I), -2.0),
    (re.compile(r"^\s*slecht\s*$", re.I), -1.0),
    (re.compile(r"^\s*matig\s*$", re.I), -0.5),
    (re.compile(r"^\s*redelijk\s*$", re.I), 0.5),
    (re.compile(r"^\s*goed\s*$", re.I), 1.0),
    (re.compile(r"^\s*(zeer\s+goed|uitstekend)\s*$", re.I), 2.0),
    (re.compile(r"^\s*(ja|yes)\s*$", re.I), -1.0),
    (re.compile(r"^\s*(gedeeltelijk|deels|een\s+beetje|partly)\s*$", re.I), 0.0),
    (re.compile(r"^\s*(nee|no)\s*$", re.I), 1.0),
]
# Size words, small to large.
_SIZES = [
    (re.compile(r"^\s*(zeer|heel)\s+kleine?\s*$", re.I), 0),
    (re.compile(r"^\s*kleine?\s*$", re.I), 1),
    (re.compile(r"^\s*(middel|middelgroot|middelgrote|midden|gemiddeld)\s*$", re.I), 2),
    (re.compile(r"^\s*(groot|grote)\s*$", re.I), 3),
    (re.compile(r"^\s*(zeer|heel)\s+(groot|grote)\s*$", re.I), 4),
]
# A number as written in Dutch or English: 20.000, 20000, 2,5.
_NUMBER = re.compile(r"\d{1,3}(?:\.\d{3})+(?!\d)|\d+(?:,\d+)?")
_BELOW = re.compile(r"<|\btot\b|\bminder\s+dan\b|\bkleiner\s+dan\b|\bonder\b|\bbeneden\b"
                    r"|\bless\s+than\b|\bunder\b|\bup\s+to\b", re.I)
_ABOVE = re.compile(r">|\+|\bof\s+meer\b|\ben\s+meer\b|\bmeer\s+dan\b|\bgroter\s+dan\b"
                    r"|\bboven\b|\bor\s+more\b|\bmore\s+than\b|\bover\b", re.I)


def off_scale(text: str) -> bool:
    """Whether an answer is off the scale ('weet niet', 'geen mening', 'n.v.t.')."""
    return bool(OFF_SCALE.search(str(text)))


def scale_place(text: str) -> float | None:
    """The place of an answer on a scale (negative = the low end), or None when its words
    say nothing about one."""
    text = str(text)
    for pattern, place in _PLACES:
        if pattern.match(text):
            return place
    if _NEUTRAL.search(text) and any(p.search(text) for p, _ in _POLAR):
        return 0.0
    if re.fullmatch(r"\s*(neutraal|neutral)\s*", text, re.I):
        return 0.0
    for pattern, place in _POLAR:
        if pattern.search(text):
            return place * (2.0 if _INTENSE.search(text) else 1.0)
    return None


def _number_place(text: str) -> float | None:
    """The first number in a text (20.000 or 2,5), a little lower after 'tot' or '<' and a
    little higher before 'of meer' or after '>'; None without a number."""
    match = _NUMBER.search(text)
    if match is None:
        return None
    digits = match.group()
    value = float(digits.replace(".", "") if re.fullmatch(r"\d{1,3}(\.\d{3})+", digits)
                  else digits.replace(",", "."))
    if _BELOW.search(text[:match.start()]):
        return value - 0.5
    if _ABOVE.search(text):
        return value + 0.5
    return value


def _size_place(text: str) -> int | None:
    for pattern, place in _SIZES:
        if pattern.match(text):
            return place
    return None


def natural_order(labels: Iterable) -> list:
    """The labels (texts, or anything shown as text) in their natural order: by their place
    on a scale when every label has a distinct one, else by their number (size classes), else
    by size word, else alphabetically (case and accents aside); off-scale answers and
    'Onbekend' last, in the order given."""
    labels = list(dict.fromkeys(labels))
    last = [label for label in labels if label is None or off_scale(label)]
    rest = [label for label in labels if label not in last]
    for place in (scale_place, _number_place, _size_place):
        places = [place(str(label)) for label in rest]
        known = [p for p in places if p is not None]
        if rest and len(known) == len(places) and len(set(known)) == len(known):
            return [label for _, label in sorted(zip(known, rest, strict=True),
                                                 key=lambda p: p[0])] + last
    return sorted(rest, key=lambda label: (_folded(str(label)), str(label))) + last


def _folded(text: str) -> str:
    """Text for an alphabetical sort: lower case, accents off ('É' with the 'e')."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
