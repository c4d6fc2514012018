"""Interview and focus-group transcripts read into speaker turns.

`read` turns a .txt, .md, .docx, .vtt or .srt file into a `Transcript`: a list of `Turn`s
(speaker, utterance, time) with Dutch warnings for the preview. `Transcript.render()` defines
the document text that is stored and coded, and the character span of every utterance in it.

Speaker detection in plain text (`split_turns`) works line by line. A line that starts with a
speaker label begins a turn; the lines after it continue that turn. Several label forms are
known (`PATTERNS`); "auto" tries each and keeps the one that explains most lines, counting a
label only if it occurs at least twice or is a known form (INT, R1, Interviewer, ...), so that
an ordinary sentence with a colon does not become a speaker.

No database and no streamlit here: the pages show the preview and store the rendered text.
"""

from __future__ import annotations

import html
import io
import math
import re
import string
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from research import untrusted
from research.errors import UserError

if TYPE_CHECKING:  # python-docx is imported only when a .docx is read
    from docx.oxml.text.run import CT_R

MAX_BYTES = 20 * 1024 * 1024
# All members of a .docx together, uncompressed (here so that tests can make it small).
DOCX_MAX_TOTAL_BYTES = untrusted.MAX_UNPACKED_DOCUMENT
MAX_LABEL_CHARS = 40
MAX_PATTERN_CHARS = 1000                   # a user's own speaker pattern
MAX_LINES = 100_000                        # lines, Word paragraphs or subtitle cues of a file

FORMATS = ("txt", "docx", "vtt", "srt", "md")

PATTERNS: dict[str, str] = {
    "auto": "Automatisch herkennen",
    "naam": "Naam: tekst",
    "haakjes": "[Naam] tekst",
    "codes": "INT: / R1: (afkortingen)",
    "tijd_naam": "00:01:23 Naam tekst",
    "naam_tijd": "Naam 00:01:23 (tekst op de volgende regel)",
    "teams": "0:0:3.120 --> 0:0:6.520, dan de naam, dan de tekst (oudere Teams-transcripten)",
    "geen": "Geen sprekers (alleen alinea's)",
}

NO_SPEAKERS = "Geen sprekers herkend; kies een patroon of geef een eigen reguliere expressie"
NO_SPEAKERS_CHOSEN = ("Met het gekozen patroon zijn geen sprekers herkend; kies een ander patroon "
                      "of geef een eigen reguliere expressie")
NEAR_DUPLICATES = "Sprekers die alleen in hoofdletters of een punt verschillen:"


class TranscriptError(UserError):
    """A transcript that cannot be read, with a Dutch message naming the file."""


@dataclass
class Turn:
    """One utterance: who spoke (None when unknown), what was said, and when (seconds)."""

    speaker: str | None
    text: str
    time_s: float | None = None


@dataclass
class Transcript:
    """A file read into turns, with the warnings the preview shows."""

    name: str
    source_format: str
    turns: list[Turn]
    warnings: list[str] = field(default_factory=list)

    def render(self) -> tuple[str, list[tuple[int, int]]]:
        """The document text (`Speaker: text` per turn, turns joined by a blank line) and, per
        turn, the (start, end) span of its utterance, so that `full[start:end] == turn.text`."""
        parts: list[str] = []
        spans: list[tuple[int, int]] = []
        pos = 0
        for index, turn in enumerate(self.turns):
            if index:
                parts.append("\n\n")
                pos += 2
            prefix = "" if turn.speaker is None else f"{turn.speaker}: "
            start = pos + len(prefix)
            end = start + len(turn.text)
            parts.append(prefix + turn.text)
            spans.append((start, end))
            pos = end
        return "".join(parts), spans

    def speakers(self) -> list[str]:
        """The distinct speakers in order of first appearance."""
        return _distinct_speakers(self.turns)

    def rename(self, mapping: dict[str, str]) -> Transcript:
        """A copy with speakers renamed; two names mapped to one merge those speakers.

        Keys that are not speakers are ignored; an empty new name is refused.
        """
        present = set(self.speakers())
        new_names: dict[str, str] = {}
        for old, new in mapping.items():
            if old not in present:
                continue
            name = _clean_label(new) if isinstance(new, str) else ""
            if not name:
                raise TranscriptError(f"Geef een naam voor spreker '{old}' in "
                                      f"'{self.name}.{self.source_format}'; een lege naam kan "
                                      "niet.")
            new_names[old] = name
        turns = [Turn(new_names.get(t.speaker, t.speaker) if t.speaker is not None else None,
                      t.text, t.time_s) for t in self.turns]
        warnings = [w for w in self.warnings if not w.startswith(NEAR_DUPLICATES)]
        return Transcript(self.name, self.source_format, turns,
                          warnings + _near_duplicate_warnings(turns))

    def word_count(self) -> int:
        """Words in the utterances (speaker labels not counted)."""
        return sum(len(turn.text.split()) for turn in self.turns)


# -- regular expressions ------------------------------------------------------------------------

_T = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
# A timestamp: [00:01:23], (00:01:23), 00:01:23, 01:23, [01:23.45]; a bare one not inside a number.
_TIME = rf"(?:\[[ \t]*{_T}[ \t]*\]|\([ \t]*{_T}[ \t]*\)|(?<![\d:.,]){_T}(?!\d))"
_TIME_PARTS_RE = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?(?:[.,](\d{1,3}))?")
_TIME_ONLY_RE = re.compile(rf"[ \t]*{_TIME}[ \t]*")
_SECONDS_RE = re.compile(r"\d+(?:[.,]\d+)?")
_LABEL_TIME_RE = re.compile(rf"^(?:(?P<t1>{_TIME})[ \t]*)?(?P<name>.*?)(?:[ \t]*(?P<t2>{_TIME}))?$")

# A speaker name: 1-4 short words of letters, digits, dots, hyphens and apostrophes, starting
# with a letter (bounded, so that a long line cannot make the regex backtrack far).
_NAME = r"[^\W\d_][\w.'’-]{0,39}(?:[ \t]{1,3}[\w.'’-]{1,39}){0,3}"
_NAME_RE = re.compile(_NAME)
_SEP = r"(?:[ \t]+|(?=[\[(]))"          # between a name and a timestamp after it
_STARS = r"[ \t]*\**[ \t]*"              # markdown bold around a label

_COLON_RE = re.compile(
    rf"^[ \t]*(?:(?P<t1>{_TIME})[ \t]*)?\**[ \t]*(?P<name>{_NAME})\**"
    rf"(?:{_SEP}(?P<t2>{_TIME}))?{_STARS}:(?!\d|//){_STARS}(?P<rest>.*)$")
_BRACKET_RE = re.compile(
    rf"^[ \t]*(?:(?P<t1>{_TIME})[ \t]*)?\**\[[ \t]*(?P<name>[^\[\]]{{1,60}}?)[ \t]*\]\**"
    rf"(?:{_SEP}(?P<t2>{_TIME}))?[ \t]*:?[ \t]*(?P<rest>.*)$")
_NAME_TIME_RE = re.compile(
    rf"^{_STARS}(?P<name>{_NAME})\**{_SEP}(?P<t2>{_TIME}){_STARS}:?[ \t]*(?P<rest>.*)$")
_TIME_NAME_RE = re.compile(rf"^[ \t]*(?P<t1>{_TIME})[ \t]*\**[ \t]*(?P<rest>[^\W\d_].*)$")
_WORD_RE = re.compile(r"\S+")
_CODE_RE = re.compile(r"[A-Za-z]{1,6}\d{0,3}\.?")

_KNOWN_RE = re.compile(
    r"(?:int|interviewer|interviewster|interviewee|geïnterviewde|respondent|resp|moderator|"
    r"gespreksleider|gespreksleidster|onderzoeker|deelnemer|participant|spreker|speaker|"
    r"[irpdm])\.?(?:[ \t]*\d{1,3})?|[a-z]{1,3}\d{1,3}", re.IGNORECASE)
_PARTICLES = {"de", "den", "der", "van", "von", "vande", "het", "te", "ten", "ter", "in", "op",
              "la", "le", "el", "al", "ben", "bin", "da", "di", "du", "do", "dos", "das", "del",
              "della", "'t", "’t", "'s", "’s", "y", "zu"}

_HEADING_RE = re.compile(r"^[ \t]{0,3}#{1,6}(?:[ \t]+(?P<text>.*?))?(?:[ \t]+#+)?[ \t]*$")

_BLOCK_SPLIT_RE = re.compile(r"\n[ \t]*\n\s*")
_CUE_TIMING_RE = re.compile(
    r"^[ \t]*(?:(?P<h>\d+):)?(?P<m>\d{1,2}):(?P<s>\d{2})[.,](?P<ms>\d{1,3})[ \t]+-->[ \t]+\S")
_VOICE_RE = re.compile(r"<v(?:\.[^\s>]*)?(?:[ \t]+([^>]*))?>", re.IGNORECASE)
_VTT_TAG_RE = re.compile(
    r"</?(?:c|i|b|u|v|ruby|rt|lang)(?:\.[^\s>]*)?(?:[ \t][^>]*)?>|<\d+(?::\d{2}){1,2}\.\d{3}>",
    re.IGNORECASE)
_SRT_TAG_RE = re.compile(r"</?(?:i|b|u|font)(?:[ \t][^>]*)?>|\{\\[^}]*\}", re.IGNORECASE)
_DIALOGUE_DASH_RE = re.compile(r"^-+[ \t]*")
_CUE_LABEL_RE = re.compile(
    r"^(?P<name>[^\W\d_][^:\[\]<>]{0,59}?)[ \t]*:(?!\d|//)[ \t]*(?P<rest>.*)$")
_CUE_BRACKET_RE = re.compile(
    r"^\[[ \t]*(?P<name>[^\[\]]{1,60}?)[ \t]*\][ \t]*:?[ \t]*(?P<rest>.*)$")

# Teams' older Word transcripts: a timing line, then the speaker's name, then the text.
_TEAMS_TIMING_RE = re.compile(
    r"^[ \t]*(?P<h>\d{1,2}):(?P<m>\d{1,2}):(?P<s>\d{1,2})(?:[.,](?P<ms>\d{1,3}))?[ \t]*-->"
    r"[ \t]*\d{1,2}:\d{1,2}:\d{1,2}(?:[.,]\d{1,3})?[ \t]*$")
# Speaker labels that say what someone is, not who: the same label in two documents is
# (by default) two people. 'Respondent', 'R', 'R1', 'INT', 'Deelnemer A', 'Spreker 1', ...
_GENERIC_RE = re.compile(
    r"(?:int|interviewer|interviewster|interviewee|ge[iï]nterviewde|respondent|resp|moderator|"
    r"gespreksleider|gespreksleidster|onderzoeker|deelnemer|participant|spreker|speaker|"
    r"unknown speaker|onbekende spreker|onbekend|[irpdm])\.?(?:[ \t]*(?:\d{1,3}|[a-z]))?"
    r"|[a-z]{1,3}\d{1,3}", re.IGNORECASE)

_HEADER_WORDS = {"spreker", "sprekers", "naam", "wie", "tekst", "tijd", "tijdstip", "tijdcode",
                 "time", "timestamp", "speaker", "text", "transcript", "uitspraak", "inhoud"}


# -- small helpers ------------------------------------------------------------------------------

@dataclass
class _Start:
    """A line (or Word paragraph, table row, heading) that begins a turn."""

    speaker: str | None
    time_s: float | None
    text: str
    strong: bool = False     # sure to be a label (bold, table, custom regex): no frequency test
    raw: str = ""            # the original text, used when speakers are not wanted
    block: str | None = None  # the label of a tool that cuts speech into blocks of seconds:
    # 'zoom' ([Naam] 10:02:15 alone), 'teams' (the older layout), 'naam_tijd' (Naam 0:03 alone)


# One item per line: (paragraph number, line text or a _Start fixed by the format).
_Item = tuple[int, "str | _Start"]
_Scanner = Callable[[list[str]], list["_Start | None"]]


def _quoted(filename: str) -> str:
    return f"'{filename}'"


def _clean_label(label: str) -> str:
    """A speaker label without surrounding whitespace or `*`, with single spaces inside."""
    return " ".join(label.strip().strip("*").split())


def _seconds(token: str | None) -> float | None:
    """Seconds in a timestamp ('[00:01:23]' -> 83.0, '01:23.45' -> 83.45), or None."""
    if not token:
        return None
    match = _TIME_PARTS_RE.search(token)
    if match is None:
        plain = _SECONDS_RE.fullmatch(token.strip())
        return float(plain.group().replace(",", ".")) if plain else None
    first, second, third, fraction = match.groups()
    hours, minutes, secs = (0, int(first), int(second)) if third is None else \
        (int(first), int(second), int(third))
    value = hours * 3600 + minutes * 60 + secs
    if fraction:
        value += int(fraction) / 10 ** len(fraction)
    return round(float(value), 3)


def _match_time(match: re.Match) -> float | None:
    """The time of a label match: the timestamp before the name, else the one after it."""
    groups = match.groupdict()
    token = groups.get("t1") or groups.get("t2")
    return _seconds(token)


def _plausible_name(name: str) -> bool:
    """Short, 1-4 words, starts with a letter; later words capitalised, numbers or particles
    ('Mevr. de Vries', 'Deelnemer 3'), so that 'Ik zei toen' is not a name."""
    if not name or len(name) > MAX_LABEL_CHARS or not _NAME_RE.fullmatch(name):
        return False
    return all(word[0].isupper() or word[0].isdigit() or word.lower() in _PARTICLES
               for word in name.split()[1:])


def _is_known(label: str) -> bool:
    """A label form that is a speaker even when it occurs only once (INT, R1, Deelnemer 3)."""
    return bool(_KNOWN_RE.fullmatch(label))


def is_generic_label(label: str | None) -> bool:
    """Whether a speaker label names a role rather than a person ('Respondent', 'R1', 'INT',
    'Deelnemer A', 'Moderator', 'Spreker 1'): such a label in two documents is two people."""
    if not label:
        return False
    return _GENERIC_RE.fullmatch(" ".join(label.split())) is not None


def _accepted(counts: Counter) -> set[str]:
    """Labels to believe: known forms, and others that occur twice and are not lower case."""
    return {name for name, count in counts.items()
            if _is_known(name) or (count >= 2 and not name[0].islower())}


def _distinct_speakers(turns: list[Turn]) -> list[str]:
    seen: dict[str, None] = {}
    for turn in turns:
        if turn.speaker is not None:
            seen.setdefault(turn.speaker, None)
    return list(seen)


def _near_duplicate_warnings(turns: list[Turn]) -> list[str]:
    """A warning per group of speakers that differ only in case or trailing dots."""
    groups: dict[str, list[str]] = {}
    for speaker in _distinct_speakers(turns):
        groups.setdefault(speaker.rstrip(".").casefold(), []).append(speaker)
    return [f"{NEAR_DUPLICATES} {', '.join(_quoted(s) for s in group)}; voeg ze samen als het "
            "dezelfde persoon is." for group in groups.values() if len(group) > 1]


def _count_phrase(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count == 1 else plural}"


# -- line scanners: one per label form ------------------------------------------------------------

def _scan_colon(line: str, codes_only: bool = False) -> _Start | None:
    """`Naam: tekst`, with optional timestamps and markdown bold around the label."""
    match = _COLON_RE.match(line)
    if match is None:
        return None
    name = _clean_label(match["name"])
    if not _plausible_name(name) or (codes_only and not _CODE_RE.fullmatch(name)):
        return None
    strong = "**" in line[:match.start("rest")]
    return _Start(name, _match_time(match), match["rest"].rstrip(), strong, line)


def _scan_bracket(line: str) -> _Start | None:
    """`[Naam] tekst` and `[Naam]: tekst`, with optional timestamps."""
    match = _BRACKET_RE.match(line)
    if match is None:
        return None
    name = _clean_label(match["name"])
    if _TIME_ONLY_RE.fullmatch(name) or not _plausible_name(name):
        return None
    # '[Naam] 10:02:15' alone on its line is Zoom's transcript label: sure even when the
    # speaker says only one thing.
    sure = bool(match["t2"]) and not match["rest"].strip()
    return _Start(name, _match_time(match), match["rest"].rstrip(), sure, line,
                  "zoom" if sure else None)


def _scan_name_time(line: str) -> _Start | None:
    """`Naam 00:01:23` (text usually on the next lines) and `Naam [00:01:23] tekst`."""
    match = _NAME_TIME_RE.match(line)
    if match is None:
        return None
    name = _clean_label(match["name"])
    if not _plausible_name(name):
        return None
    rest = match["rest"].rstrip()
    return _Start(name, _seconds(match["t2"]), rest, False, line,
                  None if rest.strip() else "naam_tijd")


def _leading_name(rest: str, names: set[str]) -> tuple[str | None, str]:
    """Split `Naam tekst` after a timestamp: the longest name seen alone elsewhere, else the
    first word (with a number after it: 'Spreker 1')."""
    words = list(_WORD_RE.finditer(rest))
    for count in range(min(4, len(words)), 0, -1):
        candidate = " ".join(w.group() for w in words[:count])
        if candidate in names:
            return candidate, rest[words[count - 1].end():].strip()
    if names or not words:
        return None, rest
    count = 2 if len(words) > 1 and words[1].group().isdigit() else 1
    candidate = " ".join(w.group() for w in words[:count])
    if not _plausible_name(candidate):
        return None, rest
    return candidate, rest[words[count - 1].end():].strip()


def _known_prefix(rest: str) -> tuple[str, str] | None:
    """A known label form at the start of `rest` ('Interviewer', 'Spreker 2') and the text
    after it."""
    words = list(_WORD_RE.finditer(rest))
    for count in (2, 1):
        if len(words) >= count:
            candidate = " ".join(w.group() for w in words[:count])
            if _is_known(candidate):
                return candidate, rest[words[count - 1].end():].strip()
    return None


def _scan_time_name(lines: list[str]) -> list[_Start | None]:
    """`00:01:23 Naam` (text on the next lines) or `00:01:23 Naam tekst` (Amberscript)."""
    found: list[tuple[re.Match, str | None, str] | None] = []
    alone: set[str] = set()
    for line in lines:
        match = _TIME_NAME_RE.match(line)
        if match is None or _COLON_RE.match(line):
            found.append(None)
            continue
        rest = match["rest"].rstrip()
        name = _clean_label(rest)
        known = _known_prefix(rest)
        if known is not None:
            found.append((match, known[0], known[1]))
        elif _plausible_name(name):
            alone.add(name)
            found.append((match, name, ""))
        else:
            found.append((match, None, rest))
    starts: list[_Start | None] = []
    for line, item in zip(lines, found, strict=True):
        if item is None:
            starts.append(None)
            continue
        match, label, rest = item
        if label is None:
            label, rest = _leading_name(rest, alone)
        starts.append(_Start(label, _seconds(match["t1"]), rest, False, line) if label else None)
    return starts


def _scan_teams(lines: list[str]) -> list[_Start | None]:
    """`0:0:3.120 --> 0:0:6.520`, then the speaker's name on its own line, then the text
    (Teams' older Word transcripts). The name line is taken up into the start: it becomes
    an empty line of the turn, which `_close` trims."""
    starts: list[_Start | None] = [None] * len(lines)
    index = 0
    while index < len(lines):
        match = _TEAMS_TIMING_RE.match(lines[index])
        following = index + 1
        while following < len(lines) and not lines[following].strip():
            following += 1
        if match is None or following >= len(lines):
            index += 1
            continue
        name = _clean_label(lines[following])
        if not _plausible_name(name) or _TEAMS_TIMING_RE.match(lines[following]):
            index += 1
            continue
        seconds = int(match["h"]) * 3600 + int(match["m"]) * 60 + int(match["s"])
        if match["ms"]:
            seconds += int(match["ms"]) / 10 ** len(match["ms"])
        starts[index] = _Start(name, round(float(seconds), 3), "", True, lines[index], "teams")
        for taken in range(index + 1, following + 1):
            lines[taken] = ""
        index = following + 1
    return starts


def _teams_layout(lines: list[str]) -> bool:
    """Whether the lines may follow Teams' older layout: at least two timing lines (whether
    a name follows each is `_scan_teams`'s to decide)."""
    timings = sum(1 for line in lines if _TEAMS_TIMING_RE.match(line))
    return timings >= 2


def _per_line(scan: Callable[[str], _Start | None]) -> _Scanner:
    return lambda lines: [scan(line) if line.strip() else None for line in lines]


_SCANNERS: dict[str, _Scanner] = {
    "naam": _per_line(_scan_colon),
    "haakjes": _per_line(_scan_bracket),
    "codes": _per_line(lambda line: _scan_colon(line, codes_only=True)),
    "tijd_naam": _scan_time_name,
    "naam_tijd": _per_line(_scan_name_time),
    "teams": _scan_teams,
}
_AUTO_ORDER = ("naam", "haakjes", "naam_tijd", "tijd_naam")   # ties go to the earlier one


# re2 spells Python's Unicode classes explicitly: its \w, \d and \s are ASCII only, and
# 'José' or 'Zoë' must match \w+ as in Python. Inside a character class the class is spliced in;
# \W and \S inside a class (rare) keep re2's ASCII meaning, and \b is ASCII in re2.
_SPACE = r"\s\x0b\x1c-\x1f\x85\p{Z}"
_RE2_CLASSES = {
    "w": (r"[\p{L}\p{N}_]", r"\p{L}\p{N}_"),
    "W": (r"[^\p{L}\p{N}_]", None),
    "d": (r"\p{Nd}", r"\p{Nd}"),
    "D": (r"\P{Nd}", r"\P{Nd}"),
    "s": (f"[{_SPACE}]", _SPACE),
    "S": (f"[^{_SPACE}]", None),
    "Z": (r"\z", None),
}


def _re2_spelling(pattern: str) -> str:
    """The pattern with \\w, \\d, \\s (and their negations) made Unicode-aware for re2, and
    Python's end of text \\Z and its four-digit code points (\\u00e9) in re2's spelling."""
    out: list[str] = []
    index, in_class, class_start = 0, False, -1
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            escaped = pattern[index + 1]
            digits = {"u": 4, "U": 8}.get(escaped, 0)
            code = pattern[index + 2:index + 2 + digits]
            if digits and len(code) == digits and all(c in string.hexdigits for c in code):
                out.append(f"\\x{{{code}}}")      # \u00e9 is \x{00e9} in re2
                index += 2 + digits
                continue
            spelled = _RE2_CLASSES.get(escaped)
            replacement = spelled and spelled[1 if in_class else 0]
            out.append(replacement or pattern[index:index + 2])
            index += 2
            continue
        if not in_class and char == "[":
            in_class, class_start = True, index
        elif in_class and char == "]":
            # ']' right after '[' or '[^' is a literal, not the end of the class
            if index - class_start > 1 and not (index - class_start == 2
                                                and pattern[class_start + 1] == "^"):
                in_class = False
        out.append(char)
        index += 1
    return "".join(out)


def _user_regex(pattern: str, where: str):
    """The user's pattern compiled by re2 (linear time in the line, so no pattern can freeze the
    server), after Python's re has checked its syntax and named the position of an error."""
    import re2

    if len(pattern) > MAX_PATTERN_CHARS:
        raise TranscriptError(f"Het eigen patroon{where} is langer dan {MAX_PATTERN_CHARS} "
                              "tekens; maak het korter.")
    try:
        re.compile(pattern)
    except (re.error, RecursionError, OverflowError) as error:
        position = getattr(error, "pos", None)
        detail = f" (fout bij teken {position + 1})" if isinstance(position, int) else ""
        raise TranscriptError(f"Het eigen patroon{where} is geen geldige reguliere "
                              f"expressie{detail}.") from None
    options = re2.Options()
    options.log_errors = False
    try:
        return re2.compile(_re2_spelling(pattern), options)
    except re2.error:
        raise TranscriptError(
            f"Het eigen patroon{where} gebruikt iets wat hier niet kan: terugverwijzingen "
            "(\\1), vooruit- of terugkijken ((?=...), (?<=...)), (?x) of een te grote "
            "herhaling. Schrijf het patroon zonder.") from None


def _custom_scanner(pattern: str, filename: str = "") -> _Scanner:
    """A scanner from the user's regular expression with a named group `speaker`."""
    where = f" voor {_quoted(filename)}" if filename else ""
    regex = _user_regex(pattern, where)
    if "speaker" not in regex.groupindex:
        raise TranscriptError(f"Het eigen patroon{where} mist de groep (?P<speaker>...) die de "
                              "spreker aanwijst.")
    has_time = "time" in regex.groupindex

    def scan_line(line: str) -> _Start | None:
        match = regex.match(line)
        if match is None or not match.group("speaker"):
            return None
        speaker = _clean_label(match.group("speaker"))
        if not speaker:
            return None
        time_s = _seconds(match.group("time")) if has_time else None
        rest = line[match.end():].strip()
        rest = rest[1:].lstrip() if rest.startswith(":") else rest
        return _Start(speaker, time_s, rest, True, line)

    return _per_line(scan_line)


def _scanner(pattern: str, filename: str = "") -> _Scanner:
    return _SCANNERS[pattern] if pattern in _SCANNERS else _custom_scanner(pattern, filename)


# -- from lines to turns ---------------------------------------------------------------------------

def _filter_auto(starts: list[_Start | None]) -> tuple[list[_Start | None], list[str]]:
    """Keep the believable labels (see `_accepted`); also return the plausible rejected ones."""
    # A start that is not strong always has a speaker (a label the scanner read).
    counts = Counter(s.speaker for s in starts
                     if s is not None and not s.strong and s.speaker is not None)
    keep = _accepted(counts)
    kept = [s if s is not None and (s.strong or s.speaker in keep) else None for s in starts]
    rejected = [n for n in counts if n not in keep and not n[0].islower()]
    return kept, rejected


def _best_scheme(lines: list[str]) -> tuple[list[_Start | None], list[str]]:
    """The label form that explains most lines, with its rejected candidate labels."""
    best: tuple[int, list[_Start | None], list[str]] | None = None
    for key in _AUTO_ORDER:
        starts, rejected = _filter_auto(_SCANNERS[key](lines))
        score = sum(1 for s in starts if s is not None)
        if best is None or score > best[0]:
            best = (score, starts, rejected)
    assert best is not None
    return best[1], best[2]


def _plain_items(items: list[_Item]) -> list[tuple[int, str]]:
    """Every item as plain lines (a fixed start falls back to its original text)."""
    plain: list[tuple[int, str]] = []
    for para, content in items:
        text = content if isinstance(content, str) else content.raw
        plain.extend((para, line) for line in text.split("\n"))
    return plain


def _paragraph_turns(lines: list[tuple[int, str]]) -> list[Turn]:
    """One speaker-less turn per paragraph (non-blank lines with the same paragraph number)."""
    turns: list[Turn] = []
    current: list[str] = []
    current_para: int | None = None
    for para, line in lines:
        if not line.strip() or para != current_para:
            if current:
                turns.append(Turn(None, "\n".join(current), None))
            current, current_para = [], para
        if line.strip():
            current.append(line.rstrip())
    if current:
        turns.append(Turn(None, "\n".join(current), None))
    return turns


@dataclass
class _Open:
    """A turn being collected."""

    speaker: str | None
    time_s: float | None
    lines: list[str]
    started: bool          # begun by a label or heading (not text before the first label)


def _close(turn: _Open) -> Turn | None:
    """The finished turn without leading and trailing blank lines; None when it has no text."""
    lines = [line.rstrip() for line in turn.lines]
    filled = [index for index, line in enumerate(lines) if line.strip()]
    text = "\n".join(lines[filled[0]:filled[-1] + 1]) if filled else ""
    return Turn(turn.speaker, text, turn.time_s) if text else None


def _assemble(items: list[_Item], starts: list[_Start | None]) -> tuple[list[Turn], list[str]]:
    """Turns from lines and the starts found on them, with warnings about unlabelled text."""
    turns: list[Turn] = []
    current: _Open | None = None
    empty = unlabelled = 0

    def flush() -> None:
        nonlocal empty, unlabelled
        if current is None:
            return
        turn = _close(current)
        if turn is None:
            empty += current.speaker is not None
            return
        if turn.speaker is None and not current.started:
            unlabelled += sum(1 for line in turn.text.split("\n") if line.strip())
        turns.append(turn)

    for (_, content), start in zip(items, starts, strict=True):
        if start is not None:
            flush()
            current = _Open(start.speaker, start.time_s,
                            start.text.split("\n") if start.text else [], True)
            continue
        if current is None:
            current = _Open(None, None, [], False)
        current.lines.append(content if isinstance(content, str) else content.raw)
    flush()
    warnings = []
    if unlabelled and any(t.speaker is not None for t in turns):
        warnings.append(_count_phrase(unlabelled, "regel", "regels") + " zonder spreker")
    if empty:
        warnings.append(_count_phrase(empty, "sprekerregel", "sprekerregels")
                        + " zonder tekst overgeslagen")
    return turns, warnings


def _split_items(items: list[_Item], pattern: str, filename: str = "",
                 blocks: frozenset[str] = frozenset({"zoom", "teams"})
                 ) -> tuple[list[Turn], list[str]]:
    """Turns and warnings from lines, some of which a format may already have labelled.
    When the labels are those of a tool that cuts speech into blocks (`blocks`: Zoom's .txt,
    Teams' layouts), consecutive blocks of one speaker become one turn, as in .vtt."""
    _check_count(len(items), filename)
    if pattern == "geen":
        return _paragraph_turns(_plain_items(items)), []
    lines = [content if isinstance(content, str) else "" for _, content in items]
    rejected: list[str] = []
    if pattern == "teams" or (pattern == "auto" and _teams_layout(lines)):
        found = _scan_teams(lines)     # blanks the name lines it takes up
        items = [(para, line if isinstance(content, str) else content)
                 for (para, content), line in zip(items, lines, strict=True)]
        if pattern == "auto" and not any(found):
            found, rejected = _best_scheme(lines)
    elif pattern == "auto":
        found, rejected = _best_scheme(lines)
    else:
        found = _scanner(pattern, filename)(lines)
    starts = [content if isinstance(content, _Start) else start
              for (_, content), start in zip(items, found, strict=True)]
    if not any(s is not None and s.speaker is not None for s in starts):
        warning = NO_SPEAKERS if pattern == "auto" else NO_SPEAKERS_CHOSEN
        return _paragraph_turns(_plain_items(items)), [warning]
    turns, warnings = _assemble(items, starts)
    labelled = [s for s in starts if s is not None and s.speaker is not None]
    if sum(s.block in blocks for s in labelled) >= 0.8 * len(labelled):
        turns = _merge_blocks(turns)
    if rejected:
        names = ", ".join(_quoted(n) for n in rejected[:5])
        warnings.append(f"Niet als spreker gezien omdat ze maar één keer voorkomen: {names}. "
                        "Kies zelf een patroon als dat wel sprekers zijn.")
    return turns, warnings


def _merge_blocks(turns: list[Turn]) -> list[Turn]:
    """Consecutive turns of one speaker joined with a space: Zoom's .txt and Teams' Word
    transcripts cut one answer into blocks of a few seconds, as subtitles do (.vtt is merged
    the same way). Hand-typed transcripts keep their turns (see `_split_items`)."""
    merged: list[Turn] = []
    parts: list[list[str]] = []
    for turn in turns:
        if merged and turn.speaker is not None and merged[-1].speaker == turn.speaker:
            parts[-1].append(turn.text)
            continue
        merged.append(Turn(turn.speaker, turn.text, turn.time_s))
        parts.append([turn.text])
    for turn, texts in zip(merged, parts, strict=True):
        turn.text = " ".join(texts)
    return merged


def _check_count(count: int, filename: str = "") -> None:
    """Refuse more lines (paragraphs, cues) than MAX_LINES: every step after reading is linear,
    but the preview, pseudonymisation and coding of such a file would keep the app busy."""
    if count > MAX_LINES:
        what = f"Het bestand {_quoted(filename)}" if filename else "De tekst"
        raise TranscriptError(f"{what} heeft meer dan {MAX_LINES:,} regels of alinea's; dat is "
                              "meer dan een transcript. Splits het in kleinere delen."
                              .replace(",", "."))


def _text_items(text: str, markdown: bool = False) -> list[_Item]:
    """Lines with paragraph numbers (a blank line starts a new paragraph); markdown headings
    become speaker-less starts holding the heading text."""
    items: list[_Item] = []
    para = 0
    for line in text.split("\n"):
        if not line.strip():
            para += 1
            items.append((para, ""))
            continue
        heading = _HEADING_RE.match(line) if markdown else None
        if heading is not None:
            title = (heading["text"] or "").strip()
            para += 1
            items.append((para, _Start(None, None, title, True, title)))
            continue
        items.append((para, line))
    return items


def split_turns(text: str, pattern: str = "auto") -> tuple[list[Turn], list[str]]:
    """Turns and Dutch warnings from plain text; `pattern` is a key of PATTERNS or a regular
    expression with a named group `speaker` (and optionally `time`) matched at line start."""
    if pattern not in PATTERNS:
        _custom_scanner(pattern)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    turns, warnings = _split_items(_text_items(text), pattern)
    return turns, warnings + _near_duplicate_warnings(turns)


# -- decoding text files ---------------------------------------------------------------------------

def _not_text(filename: str) -> TranscriptError:
    return TranscriptError(f"Het bestand {_quoted(filename)} lijkt geen tekstbestand; kies een "
                           "transcript als .txt, .docx, .vtt, .srt of .md.")


def _decode(filename: str, data: bytes) -> tuple[str, list[str]]:
    """Text from bytes (`untrusted.decode`), control characters cleaned, with Dutch warnings.

    Refuses binary data, UTF-32 (no transcript tool writes it) and damaged UTF-16.
    """
    decoded = untrusted.decode(data)
    if decoded.encoding == "utf-32" or untrusted.looks_binary(decoded.text[:untrusted.SNIFF_CHARS]):
        raise _not_text(filename)
    if decoded.encoding == "utf-16" and decoded.replaced:
        raise TranscriptError(f"Het bestand {_quoted(filename)} lijkt UTF-16-tekst maar is "
                              "beschadigd.")
    warnings: list[str] = []
    if decoded.legacy:
        warnings.append("Het bestand is geen UTF-8 en is gelezen als Windows-1252; controleer "
                        "letters met accenten.")
    text, removed = untrusted.clean_controls(decoded.text)
    if removed:
        warnings.append(_count_phrase(removed, "onzichtbaar stuurteken", "onzichtbare stuurtekens")
                        + " verwijderd")
    return text, warnings


# -- readers per format ----------------------------------------------------------------------------

def _read_txt(filename: str, data: bytes, pattern: str) -> tuple[list[Turn], list[str]]:
    text, warnings = _decode(filename, data)
    _check_count(text.count("\n") + 1, filename)
    turns, more = _split_items(_text_items(text), pattern, filename)
    return turns, warnings + more


def _read_md(filename: str, data: bytes, pattern: str) -> tuple[list[Turn], list[str]]:
    text, warnings = _decode(filename, data)
    _check_count(text.count("\n") + 1, filename)
    turns, more = _split_items(_text_items(text, markdown=True), pattern, filename)
    return turns, warnings + more


def _check_zip(filename: str, data: bytes) -> None:
    """Refuse what is not a Word zip, zip bombs and DTDs before python-docx unpacks anything.
    Word never writes a DTD (OOXML forbids it); one means external or expanding entities,
    which python-docx's parser would silently drop or choke on."""
    invalid = TranscriptError(f"Het bestand {_quoted(filename)} is geen geldig Word-bestand "
                              "(.docx).")
    try:
        with untrusted.open_zip(data) as archive:
            untrusted.check_zip(archive, required=("word/document.xml",),
                                max_unpacked=DOCX_MAX_TOTAL_BYTES,
                                dtd_suffixes=(".xml", ".rels"))
    except untrusted.Refused as refused:
        if refused.reason == "unpacked":
            raise TranscriptError(f"Het bestand {_quoted(filename)} is uitgepakt groter dan "
                                  f"{DOCX_MAX_TOTAL_BYTES // (1024 * 1024)} MB en wordt niet "
                                  "geopend.") from None
        if refused.reason == "ratio":
            parts = ("een onderdeel dat verdacht sterk is" if refused.member
                     else "onderdelen die verdacht sterk zijn")
            raise TranscriptError(f"Het bestand {_quoted(filename)} bevat {parts} ingepakt "
                                  "(mogelijk een zip-bom) en wordt niet geopend.") from None
        if refused.reason == "dtd":
            raise TranscriptError(f"Het bestand {_quoted(filename)} bevat een DTD of "
                                  "entiteiten; uit veiligheid niet geopend.") from None
        raise invalid from None


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_W_P, _W_TBL, _W_R, _W_HYPERLINK, _W_T, _W_BR = (_W + tag for tag in
                                                 ("p", "tbl", "r", "hyperlink", "t", "br"))
_W_BREAK_TYPE = _W + "type"
_RUN_SYMBOLS = {_W + "cr": "\n", _W + "noBreakHyphen": "-", _W + "ptab": "\t", _W + "tab": "\t"}


def _run_text(run) -> str:
    """A run's text exactly as python-docx's `Run.text` gives it, read in one pass over the
    XML (python-docx runs an XPath query per run and per paragraph: 0.15 ms a paragraph)."""
    parts: list[str] = []
    for child in run:
        tag = child.tag
        if tag == _W_T:
            parts.append(child.text or "")
        elif tag == _W_BR:
            if child.get(_W_BREAK_TYPE, "textWrapping") == "textWrapping":
                parts.append("\n")
        elif tag in _RUN_SYMBOLS:
            parts.append(_RUN_SYMBOLS[tag])
    return "".join(parts)


def _paragraph_text(p) -> tuple[list[tuple[CT_R, str]], str]:
    """The paragraph's own runs with their text (`Paragraph.runs`), and its full text, which
    includes the runs of hyperlinks (`Paragraph.text`)."""
    runs: list[tuple[CT_R, str]] = []
    parts: list[str] = []
    for child in p:
        if child.tag == _W_R:
            text = _run_text(child)
            runs.append((child, text))
            parts.append(text)
        elif child.tag == _W_HYPERLINK:
            parts.extend(_run_text(r) for r in child if r.tag == _W_R)
    return runs, "".join(parts)


def _is_bold(run, style_bold: dict[str, bool]) -> bool:
    """Bold set on the run, else by its character style (looked up once per style: python-docx
    searches all styles on every lookup)."""
    if run.bold is not None:
        return bool(run.bold)
    style_id = run._r.style
    if style_id is None:
        return False
    if style_id not in style_bold:
        style = run.style
        style_bold[style_id] = bool(style is not None and style.font.bold)
    return style_bold[style_id]


def _split_label_time(label: str) -> tuple[str, float | None]:
    """A label without a timestamp before or after it, and that timestamp in seconds."""
    match = _LABEL_TIME_RE.match(label)
    if match is None:
        return _clean_label(label), None
    return _clean_label(match["name"]), _match_time(match)


def _bold_label(paragraph, runs: list[tuple[CT_R, str]], full: str,
                style_bold: dict[str, bool]) -> _Start | None:
    """A turn start when the paragraph begins with a bold speaker label ('Jan:' in bold, or
    bold 'Jan' followed by ':'); `runs` and `full` come from `_paragraph_text`."""
    from docx.text.run import Run

    bold: list[str] = []
    for element, text in runs:
        if not text:
            continue
        if (bold and not text.strip()) or _is_bold(Run(element, paragraph), style_bold):
            bold.append(text)
            continue
        break
    prefix = "".join(bold)
    if not prefix.strip() or not full.startswith(prefix):
        return None
    label, rest = prefix.strip().strip("*").strip(), full[len(prefix):]
    if label.endswith(":"):
        label = label[:-1]
    elif rest.lstrip().startswith(":"):
        rest = rest.lstrip()[1:]
    else:
        return None
    speaker, time_s = _split_label_time(label)
    if not speaker or len(speaker) > MAX_LABEL_CHARS or not _NAME_RE.fullmatch(speaker):
        return None
    return _Start(speaker, time_s, rest.strip(), True, full)


def _row_cells(row) -> list[str]:
    """A table row's cell texts, a merged cell once."""
    cells: list[str] = []
    last = None
    for cell in row.cells:
        if cell._tc is last:
            continue
        last = cell._tc
        cells.append(cell.text.strip())
    return cells


def _is_header(cells: list[str]) -> bool:
    words = [c.strip().strip(":").lower() for c in cells if c.strip()]
    return bool(words) and all(word in _HEADER_WORDS for word in words)


def _row_start(cells: list[str]) -> tuple[str, float | None, str] | None:
    """(speaker, time, text) of a turn-like row, or None. Speaker may be '' (continuation)."""
    if len(cells) == 2:
        speaker, text, time_s = cells[0], cells[1], None
    elif len(cells) == 3:
        if cells[0] and _seconds(cells[0]) is None:
            return None
        speaker, text, time_s = cells[1], cells[2], _seconds(cells[0])
    else:
        return None
    speaker = _clean_label(speaker.rstrip(":"))
    if speaker and (len(speaker) > MAX_LABEL_CHARS or "\n" in speaker
                    or not _NAME_RE.fullmatch(speaker)):
        return None
    return speaker, time_s, text


def _table_items(table) -> list[list[str | _Start]]:
    """Per row, the items of a table: turns when the rows look like speaker | text (or
    time | speaker | text), otherwise every cell's text as lines."""
    rows = [cells for cells in (_row_cells(row) for row in table.rows) if any(cells)]
    header = bool(rows) and _is_header(rows[0])
    body = rows[1:] if header else rows
    parsed = [_row_start(cells) for cells in body]
    starts = [p for p in parsed if p is not None]
    speakers = Counter(p[0] for p in starts if p[0])
    turn_like = (bool(body) and len(starts) == len(parsed) and bool(speakers)
                 and (header or any(c >= 2 or _is_known(n) for n, c in speakers.items())
                      or any(p[1] is not None for p in starts)))
    if not turn_like:
        return [[line for cell in cells if cell for line in cell.split("\n")] for cells in rows]
    items: list[list[str | _Start]] = []
    for cells, (speaker, time_s, text) in zip(body, starts, strict=True):
        if speaker:
            items.append([_Start(speaker, time_s, text, True, "\t".join(cells))])
        else:
            items.append([*text.split("\n")])
    return items


def _docx_items(document, filename: str) -> list[_Item]:
    """Paragraphs and tables in document order as numbered items (as python-docx's
    `iter_inner_content`, whose proxies cost more than the reading itself)."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    body = document._body
    blocks = [child for child in body._element if child.tag in (_W_P, _W_TBL)]
    _check_count(len(blocks), filename)
    items: list[_Item] = []
    para = 0
    style_bold: dict[str, bool] = {}
    for block in blocks:
        if block.tag == _W_P:
            para += 1
            runs, full = _paragraph_text(block)
            start = _bold_label(Paragraph(block, body), runs, full, style_bold)
            if start is not None:
                items.append((para, start))
            else:
                items.extend((para, line) for line in full.split("\n"))
            continue
        for row in _table_items(Table(block, body)):
            para += 1
            items.extend((para, content) for content in row)
    return items


def _read_docx(filename: str, data: bytes, pattern: str) -> tuple[list[Turn], list[str]]:
    _check_zip(filename, data)
    try:
        import docx

        items = _docx_items(docx.Document(io.BytesIO(data)), filename)
    except TranscriptError:
        raise
    except Exception:   # python-docx raises many kinds on damaged files
        raise TranscriptError(f"Het bestand {_quoted(filename)} kan niet worden gelezen als "
                              "Word-bestand; sla het opnieuw op als .docx.") from None
    removed = 0
    cleaned: list[_Item] = []
    for para, content in items:
        if isinstance(content, str):
            content, count = untrusted.clean_controls(content)
            removed += count
        cleaned.append((para, content))
    # Teams' newer Word transcripts: 'Naam   0:03' on its own line, the text below it.
    turns, warnings = _split_items(cleaned, pattern, filename,
                                   frozenset({"zoom", "teams", "naam_tijd"}))
    if removed:
        warnings.insert(0, _count_phrase(removed, "onzichtbaar stuurteken",
                                         "onzichtbare stuurtekens") + " verwijderd")
    return turns, warnings


# -- subtitles (vtt, srt) --------------------------------------------------------------------------

@dataclass
class _Segment:
    """Part of a cue: its start time, a speaker label (sure or candidate) and the text."""

    time_s: float
    speaker: str | None
    text: str
    strong: bool
    raw: str


def _cue_seconds(match: re.Match) -> float:
    hours = int(match["h"] or 0)
    fraction = match["ms"]
    value = hours * 3600 + int(match["m"]) * 60 + int(match["s"])
    value += int(fraction) / 10 ** len(fraction)
    return round(value, 3)


def _cues(blocks: list[str]) -> tuple[list[tuple[float, list[str]]], int]:
    """(start time, payload lines) per cue block, and how many blocks had no timing line."""
    cues: list[tuple[float, list[str]]] = []
    skipped = 0
    for block in blocks:
        lines = block.split("\n")
        index = next((i for i, line in enumerate(lines[:2]) if _CUE_TIMING_RE.match(line)), None)
        if index is None:
            skipped += bool(block.strip())
            continue
        timing = _CUE_TIMING_RE.match(lines[index])
        assert timing is not None  # `index` is a line it matched
        cues.append((_cue_seconds(timing), lines[index + 1:]))
    return cues, skipped


def _label_segment(time_s: float, text: str) -> _Segment:
    """A segment whose text may begin with a candidate label `Naam:` or `[Naam]`."""
    for regex in (_CUE_BRACKET_RE, _CUE_LABEL_RE):
        match = regex.match(text)
        if match is not None:
            name = _clean_label(match["name"])
            if name and not _TIME_ONLY_RE.fullmatch(name):
                return _Segment(time_s, name, match["rest"].strip(), False, text)
    return _Segment(time_s, None, text, False, text)


def _merge_segments(segments: list[_Segment]) -> tuple[list[Turn], list[str]]:
    """Turns from segments: unbelievable candidate labels dropped, then consecutive segments
    of the same speaker (also of no speaker) joined with a space."""
    keep = _accepted(Counter(s.speaker for s in segments if s.speaker and not s.strong))
    turns: list[Turn] = []
    parts: list[list[str]] = []      # joined at the end: adding to a long text copies it
    for segment in segments:
        speaker, text = segment.speaker, segment.text
        if speaker is not None and not segment.strong and speaker not in keep:
            speaker, text = None, segment.raw
        if not text:
            continue
        if turns and turns[-1].speaker == speaker:
            parts[-1].append(text)
        else:
            turns.append(Turn(speaker, text, segment.time_s))
            parts.append([text])
    for turn, texts in zip(turns, parts, strict=True):
        turn.text = " ".join(texts)
    warnings = [] if any(t.speaker for t in turns) or not turns else [
        "Geen sprekers herkend in de ondertitels; alle tekst staat zonder spreker."]
    return turns, warnings


def _vtt_segments(time_s: float, payload: str) -> list[_Segment]:
    """Segments of a WebVTT cue: `<v Naam>` voices (closing tag optional), else `Naam: tekst`."""
    pieces: list[tuple[str | None, str]] = []
    position, voice = 0, None
    for match in _VOICE_RE.finditer(payload):
        pieces.append((voice, payload[position:match.start()]))
        voice = _clean_label(html.unescape(match.group(1) or "")) or None
        position = match.end()
    pieces.append((voice, payload[position:]))
    segments = []
    for voice, text in pieces:
        text = " ".join(html.unescape(_VTT_TAG_RE.sub("", text)).split())
        if not text:
            continue
        if voice is not None:
            segments.append(_Segment(time_s, voice, text, True, text))
        else:
            segments.append(_label_segment(time_s, text))
    return segments


def _is_vtt_skip(block: str) -> bool:
    """NOTE, STYLE and REGION blocks carry no cue text."""
    first = block.split("\n", 1)[0].strip()
    return any(first == word or first.startswith((word + " ", word + "\t"))
               for word in ("NOTE", "STYLE", "REGION"))


def _read_vtt(filename: str, data: bytes, pattern: str) -> tuple[list[Turn], list[str]]:
    text, warnings = _decode(filename, data)
    first = text.split("\n", 1)[0]
    if not (first.startswith("WEBVTT") and first[6:7] in ("", " ", "\t")):
        raise TranscriptError(f"Het bestand {_quoted(filename)} is geen geldig WebVTT-bestand: "
                              "de eerste regel moet met WEBVTT beginnen.")
    header, *rest = _BLOCK_SPLIT_RE.split(text)
    header_lines = header.split("\n")
    timing = next((i for i, line in enumerate(header_lines) if _CUE_TIMING_RE.match(line)), None)
    blocks = ["\n".join(header_lines[timing:])] if timing is not None else []
    blocks += [block for block in rest if not _is_vtt_skip(block)]
    _check_count(len(blocks), filename)
    cues, skipped = _cues(blocks)
    segments = [seg for time_s, lines in cues for seg in _vtt_segments(time_s, "\n".join(lines))]
    turns, more = _merge_segments(segments)
    if skipped:
        more.append(_count_phrase(skipped, "blok", "blokken") + " zonder tijdregel overgeslagen")
    return turns, warnings + more


def _srt_segments(time_s: float, lines: list[str]) -> list[_Segment]:
    """Segments of an SRT cue: a line with `Naam:` or `[Naam]` starts one; dialogue dashes and
    formatting tags are dropped."""
    segments: list[_Segment] = []
    more: list[list[str]] = []       # continuation lines, joined once at the end
    for line in lines:
        line = _DIALOGUE_DASH_RE.sub("", _SRT_TAG_RE.sub("", line).strip())
        if not line:
            continue
        segment = _label_segment(time_s, line)
        if segment.speaker is None and segments:
            more[-1].append(line)
        else:
            segments.append(segment)
            more.append([])
    for segment, lines_after in zip(segments, more, strict=True):
        if lines_after:
            segment.text = " ".join([segment.text, *lines_after]).strip()
            segment.raw = " ".join([segment.raw, *lines_after])
    return segments


def _read_srt(filename: str, data: bytes, pattern: str) -> tuple[list[Turn], list[str]]:
    text, warnings = _decode(filename, data)
    blocks = _BLOCK_SPLIT_RE.split(text.strip())
    _check_count(len(blocks), filename)
    cues, skipped = _cues(blocks)
    if not cues and text.strip():
        raise TranscriptError(f"Het bestand {_quoted(filename)} is geen geldig SRT-bestand: er "
                              "staan geen tijdregels (00:00:01,000 --> 00:00:02,000) in.")
    segments = [seg for time_s, lines in cues for seg in _srt_segments(time_s, lines)]
    turns, more = _merge_segments(segments)
    if skipped:
        more.append(_count_phrase(skipped, "blok", "blokken") + " zonder tijdregel overgeslagen")
    return turns, warnings + more


_READERS = {"txt": _read_txt, "md": _read_md, "docx": _read_docx, "vtt": _read_vtt,
            "srt": _read_srt}


# -- entry point ---------------------------------------------------------------------------------

def _size_mb(size: int) -> str:
    """Megabytes rounded up to one decimal, with a Dutch decimal comma."""
    return f"{math.ceil(size * 10 / (1024 * 1024)) / 10:.1f}".replace(".", ",")


def read(filename: str, data: bytes, pattern: str = "auto") -> Transcript:
    """Read a transcript file into turns. `pattern` (a PATTERNS key or a regular expression with
    a group `speaker`) applies to .txt, .md and .docx; subtitles carry their own speakers.

    Raises TranscriptError with a Dutch message naming the file.
    """
    base = re.split(r"[\\/]", filename)[-1]
    stem, dot, extension = base.rpartition(".")
    extension = extension.lower() if dot else ""
    if extension not in _READERS:
        raise TranscriptError(f"Het bestand {_quoted(base)} wordt niet ondersteund; kies .txt, "
                              ".docx, .vtt, .srt of .md.")
    if len(data) > MAX_BYTES:
        raise TranscriptError(f"Het bestand {_quoted(base)} is {_size_mb(len(data))} MB; de grens "
                              f"is {MAX_BYTES // (1024 * 1024)} MB.")
    if not data:
        raise TranscriptError(f"Het bestand {_quoted(base)} is leeg.")
    if pattern not in PATTERNS:
        _custom_scanner(pattern, base)
    turns, warnings = _READERS[extension](base, data, pattern)
    if not any(turn.text.strip() for turn in turns):
        raise TranscriptError(f"Het bestand {_quoted(base)} is leeg.")
    return Transcript(stem or base, extension, turns, warnings + _near_duplicate_warnings(turns))
