"""Dutch date phrases: what a wijkcoördinator types for the day a resident asked a question.

`parse_date` reads "gisteren", "vorige week dinsdag", "twee weken geleden", "12 maart",
"12-3", "12-03-2026", "2026-03-12" and the like, relative to a given `today`. It asks rather
than guesses: anything it cannot read with certainty raises `DateError` with a Dutch message.

Rules:
- Dates are day-first, as Dutch is written ("3-12" is 3 December); only a leading four-digit
  year reads year-month-day (ISO, "2026-03-12").
- A date without a year is the most recent such date that is not in the future (on 5 January
  2027, "12 maart" is 12 March 2026; "29 feb" is the most recent 29 February).
- A weekday alone ("dinsdag", "di") is the most recent such day, today included: "dinsdag"
  said on a Tuesday means today. "afgelopen dinsdag" is the most recent Tuesday before today
  (said on a Tuesday: a week ago). "vorige week dinsdag" and "dinsdag vorige week" are the
  Tuesday of the previous calendar week (weeks start on Monday).
- Relative phrases never give a future date. An explicit date with a year may lie in the
  future and is returned as is; the caller checks `is_future` and asks the user to confirm.
- A weekday written with a date ("dinsdag 3 maart 2026") must agree with that date.
- "jl." (jongstleden: "maandag jl.", "1 april jl.") is the most recent such day or date
  strictly before today. "vanochtend", "vanavond" are today; "gisteravond", "gisterochtend"
  yesterday.
- "vorige week" alone is refused: it names a week, not the day the question was asked.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from dateutil.parser import parse as dateutil_parse
from dateutil.relativedelta import FR, MO, SA, SU, TH, TU, WE, relativedelta

from research.dutch_calendar import DAY_NAMES, MONTH_NAMES, DutchParserInfo
from research.errors import UserError

weekdays = (MO, TU, WE, TH, FR, SA, SU)   # as dateutil.relativedelta has them, index = weekday()
NUMBER_WORDS = {"een": 1, "één": 1, "eén": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5,
                "zes": 6, "zeven": 7, "acht": 8, "negen": 9, "tien": 10}

EXAMPLES = "'gisteren', 'vorige week dinsdag', '12 maart' of '12-03-2026'"


class DateError(UserError):
    """A date phrase that could not be read with certainty, with a Dutch message."""


def unrecognised(typed: str) -> DateError:
    """The refusal for text that is not a date this module understands."""
    return DateError(f"Datum niet herkend: '{typed}'. Schrijf bijvoorbeeld {EXAMPLES}.")


def parse_date(text: str, today: date) -> date:
    """The date `text` names, relative to `today`; empty text is today.

    Case-insensitive; surrounding spaces and a trailing period are ignored. Raises DateError
    for anything it cannot read with certainty.
    """
    typed = text.strip()
    if not typed:
        return today
    phrase = " ".join(typed.lower().split())
    if phrase.endswith("."):
        phrase = phrase[:-1].rstrip()
    if not phrase:
        raise unrecognised(typed)
    info = DutchParserInfo(today)
    try:
        relative = _relative(phrase, today, info)
        if relative is not None:
            return relative
        return _absolute(phrase, typed, today, info)
    except OverflowError as e:  # e.g. "99999 weken geleden": before year 1
        raise unrecognised(typed) from e


def is_future(d: date, today: date) -> bool:
    """Whether `d` lies after `today` (the caller then asks the user to confirm it)."""
    return d > today


def format_date(d: date) -> str:
    """The Dutch long form, e.g. 'dinsdag 3 maart 2026' (no locale needed)."""
    return f"{DAY_NAMES[d.weekday()]} {d.day} {MONTH_NAMES[d.month - 1]} {d.year}"


# --- Relative phrases --------------------------------------------------------------------
#
# Our own code, because dateutil does not cover them: its parser reads absolute date stamps
# only. It has no words for "vandaag", "gisteren" or "N dagen geleden" in any language, its
# parserinfo holds single words and cannot express phrases such as "vorige week dinsdag",
# and a lone weekday name it resolves *forwards* (the next such day on or after the default
# date), the wrong way for questions that were already asked. The date arithmetic itself is
# dateutil's relativedelta.

_FIXED = {"vandaag": 0, "gisteren": 1, "gister": 1, "eergisteren": 2, "eergister": 2}
# Parts of a day: "vanochtend" is today, "gisteravond" yesterday (a question asked at an
# evening gathering is logged the next morning).
_PARTS = ("ochtend", "morgen", "middag", "avond")
_FIXED.update({f"van{part}": 0 for part in _PARTS})
_FIXED.update({f"{day}{part}": n for day, n in (("gister", 1), ("eergister", 2))
               for part in _PARTS})
# "jl." (jongstleden): the most recent such day or date strictly before today.
_LAST = re.compile(r"(?P<rest>.+?)\s+j\.?\s?l$")
_AGO = re.compile(r"(?P<count>[0-9]+|[^\W\d_]+) (?P<unit>dag|dagen|week|weken) geleden")
_WEEKDAY = re.compile(r"(?P<prefix>afgelopen |vorige week )?(?P<day>[^\W\d_]+)"
                      r"(?P<suffix> vorige week)?")


def _relative(phrase: str, today: date, info: DutchParserInfo) -> date | None:
    """The date of a relative phrase, or None if `phrase` is not one."""
    if phrase in _FIXED:
        return today - relativedelta(days=_FIXED[phrase])
    if phrase == "vorige week":
        # Not seven days ago: the question was asked on one day of that week.
        raise DateError("Welke dag van vorige week? Schrijf bijvoorbeeld 'vorige week "
                        "dinsdag'.")
    if match := _LAST.fullmatch(phrase):
        return _last(match["rest"], today, info)
    if match := _AGO.fullmatch(phrase):
        count = match["count"]
        n = int(count) if count.isdigit() else NUMBER_WORDS.get(count)
        if n is None:
            return None
        unit = "days" if match["unit"].startswith("dag") else "weeks"
        return today - (relativedelta(days=n) if unit == "days" else relativedelta(weeks=n))
    if match := _WEEKDAY.fullmatch(phrase):
        day = info.weekday(match["day"])
        if day is None or (match["prefix"] and match["suffix"]):
            return None
        if match["prefix"] == "afgelopen ":
            # Strictly before today.
            return today + relativedelta(days=-1, weekday=weekdays[day](-1))
        if match["prefix"] or match["suffix"]:
            # That day in the previous calendar week: its Monday, then forwards.
            monday = today + relativedelta(weeks=-1, weekday=MO(-1))
            return monday + relativedelta(weekday=weekdays[day])
        # Today included: "dinsdag" said on a Tuesday is today.
        return today + relativedelta(weekday=weekdays[day](-1))
    return None


def _last(rest: str, today: date, info: DutchParserInfo) -> date:
    """"maandag jl.", "1 april jl.": the most recent such day or date before today."""
    day = info.weekday(rest) if " " not in rest else None
    if day is not None:
        return today + relativedelta(days=-1, weekday=weekdays[day](-1))
    found = _absolute(rest, rest, today - relativedelta(days=1), info)
    if found >= today:
        raise DateError(f"'{rest} jl.' ligt niet in het verleden.")
    return found


# --- Absolute dates ----------------------------------------------------------------------
#
# dateutil reads these, strictly: never fuzzy (fuzzy parsing skips unknown words and so
# guesses), and twice with two different defaults. dateutil fills every field the text
# leaves out from the default, so a field that differs between the two readings was not
# typed: a missing day or month ("maart", "2025") or a time of day is refused, a missing
# year is resolved here. Both default years are leap years, so "29 feb" can be read.

_DEFAULTS = (datetime(2000, 1, 1, 0, 0, 0, 0), datetime(2004, 2, 2, 1, 1, 1, 1))
_TOKEN = re.compile(r"[0-9]+|[^\W\d_]+")


def _absolute(phrase: str, typed: str, today: date, info: DutchParserInfo) -> date:
    # dateutil with dayfirst=True reads "2026-03-12" as 3 December, so a leading
    # four-digit year switches to year-month-day.
    iso = re.match(r"[0-9]{4}\b", phrase) is not None
    try:
        first, second = (dateutil_parse(phrase, parserinfo=info, default=default,
                                        dayfirst=not iso, yearfirst=iso, ignoretz=True)
                         for default in _DEFAULTS)
    except ValueError as e:  # dateutil's ParserError, also for "31 februari"
        raise unrecognised(typed) from e
    typed_fields = {field for field in ("year", "month", "day", "hour", "minute", "second",
                                        "microsecond")
                    if getattr(first, field) == getattr(second, field)}
    if not {"month", "day"} <= typed_fields or typed_fields & {"hour", "minute", "second",
                                                              "microsecond"}:
        raise unrecognised(typed)
    if "year" in typed_fields:
        result = first.date()
    else:
        result = _most_recent(first.month, first.day, today)
    if not _read_in_dutch_order(phrase, result, "year" in typed_fields, info):
        raise unrecognised(typed)
    _check_weekday(phrase, result, info)
    return result


def _most_recent(month: int, day: int, today: date) -> date:
    """The latest date with this month and day that is not after today."""
    for year in range(today.year, today.year - 9, -1):  # 29 February: up to 8 years back
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate <= today:
            return candidate
    raise OverflowError("no such date before today")


def _read_in_dutch_order(phrase: str, d: date, year_typed: bool,
                         info: DutchParserInfo) -> bool:
    """Whether dateutil read the numbers as typed: day, month, year (or ISO year-month-day).

    dateutil falls back to month-first when day-first cannot work ("12-31-2026" becomes
    31 December) and accepts "maart 12"; both are guesses, so they are refused here.
    """
    parts = []
    for token in _TOKEN.findall(phrase):
        if token.isdigit():
            parts.append(token)
        elif info.month(token) is not None:
            parts.append("M")

    def is_number(part: str, value: int) -> bool:
        return part != "M" and len(part) <= 2 and int(part) == value

    def is_year(part: str) -> bool:
        return part != "M" and ((len(part) == 4 and int(part) == d.year)
                                or (len(part) == 2 and int(part) == d.year % 100))

    if not year_typed:
        return (len(parts) == 2 and is_number(parts[0], d.day)
                and (parts[1] == "M" or is_number(parts[1], d.month)))
    if len(parts) != 3:
        return False
    a, b, c = parts
    if len(a) == 4:
        return is_year(a) and is_number(b, d.month) and is_number(c, d.day)
    return is_number(a, d.day) and (b == "M" or is_number(b, d.month)) and is_year(c)


def _check_weekday(phrase: str, d: date, info: DutchParserInfo) -> None:
    """A weekday typed with a date must be that date's weekday."""
    for token in _TOKEN.findall(phrase):
        day = info.weekday(token)
        if day is not None and day != d.weekday():
            raise DateError(f"Weekdag en datum kloppen niet: {d.day} {MONTH_NAMES[d.month - 1]}"
                            f" {d.year} is een {DAY_NAMES[d.weekday()]},"
                            f" geen {DAY_NAMES[day]}.")
