"""The Dutch calendar words: month and weekday names and their abbreviations, and dateutil's
parser vocabulary in Dutch (day first). Shared by the date phrases of the wijkwerkplaats
(`tracker.dates`) and the dates in a monitor's data files (`survey.waves`)."""

from __future__ import annotations

from datetime import date

from dateutil.parser import parserinfo

MONTH_NAMES = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
               "september", "oktober", "november", "december")
MONTH_ABBREVIATIONS = (("jan",), ("feb",), ("mrt",), ("apr",), (), ("jun",), ("jul",),
                       ("aug",), ("sep", "sept"), ("okt",), ("nov",), ("dec",))
DAY_NAMES = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
DAY_ABBREVIATIONS = ("ma", "di", "wo", "do", "vr", "za", "zo")


class DutchParserInfo(parserinfo):
    """dateutil's vocabulary in Dutch: month and weekday names, no English filler words.

    Two-digit years are placed relative to `today` (within 50 years either way) instead of
    the computer clock, so a result depends only on the day it is read on.
    """

    # Separators only: the English words dateutil skips ("at", "on", "of", "st"...) are
    # dropped, so "12 maart at" is refused instead of read.
    JUMP = [" ", ".", ",", "-", "/", "'"]
    WEEKDAYS = list(zip(DAY_ABBREVIATIONS, DAY_NAMES, strict=True))
    # dateutil takes any number of names per month; its stubs say two or three.
    MONTHS = [(*abbreviations, name)  # type: ignore[misc]
              for abbreviations, name in zip(MONTH_ABBREVIATIONS, MONTH_NAMES, strict=True)]
    AMPM: list = []
    PERTAIN: list = []

    def __init__(self, today: date):
        super().__init__(dayfirst=True)
        self.today = today

    def convertyear(self, year: int, century_specified: bool = False) -> int:
        if year < 100 and not century_specified:
            year += self.today.year // 100 * 100
            if year >= self.today.year + 50:
                year -= 100
            elif year < self.today.year - 50:
                year += 100
        return year
