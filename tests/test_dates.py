"""Dutch date phrases: what a coordinator types for the day a question was asked."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from research.errors import UserError
from research.tracker.dates import DateError, format_date, is_future, parse_date

TODAY = date(2026, 11, 22)        # a Sunday; the week before runs from Mon 9 to Sun 15 Nov
NEW_YEAR = date(2027, 1, 5)       # a Tuesday; last week runs from Mon 28 Dec to Sun 3 Jan


def refusal(text: str) -> str:
    return (f"Datum niet herkend: '{text}'. Schrijf bijvoorbeeld 'gisteren', "
            "'vorige week dinsdag', '12 maart' of '12-03-2026'.")


def test_the_fixed_todays_are_the_weekdays_the_tables_assume():
    assert (TODAY.weekday(), NEW_YEAR.weekday()) == (6, 1)


@pytest.mark.parametrize(("text", "expected"), [
    # empty, and the named days
    ("", date(2026, 11, 22)),
    ("   ", date(2026, 11, 22)),
    ("vandaag", date(2026, 11, 22)),
    ("  VANDAAG. ", date(2026, 11, 22)),
    ("gisteren", date(2026, 11, 21)),
    ("Gisteren.", date(2026, 11, 21)),
    ("gister", date(2026, 11, 21)),
    ("eergisteren", date(2026, 11, 20)),
    # a weekday alone: the most recent one, today included
    ("dinsdag", date(2026, 11, 17)),
    ("di", date(2026, 11, 17)),
    ("Di.", date(2026, 11, 17)),
    ("maandag", date(2026, 11, 16)),
    ("zaterdag", date(2026, 11, 21)),
    ("zondag", date(2026, 11, 22)),
    ("zo", date(2026, 11, 22)),
    # afgelopen: strictly before today
    ("afgelopen dinsdag", date(2026, 11, 17)),
    ("afgelopen zondag", date(2026, 11, 15)),
    ("afgelopen vr", date(2026, 11, 20)),
    # that day of the previous calendar week
    ("vorige week dinsdag", date(2026, 11, 10)),
    ("dinsdag vorige week", date(2026, 11, 10)),
    ("Vorige  week   DI", date(2026, 11, 10)),
    ("vorige week maandag", date(2026, 11, 9)),
    ("vorige week zondag", date(2026, 11, 15)),
    # jl. (jongstleden): strictly before today
    ("maandag jl.", date(2026, 11, 16)),
    ("maandag j.l.", date(2026, 11, 16)),
    ("zondag jl.", date(2026, 11, 15)),
    ("Zondag J.L.", date(2026, 11, 15)),
    ("1 april jl.", date(2026, 4, 1)),
    ("22 november jl", date(2025, 11, 22)),
    ("21-11 jl.", date(2026, 11, 21)),
    # parts of the day
    ("vanochtend", date(2026, 11, 22)),
    ("vanmiddag", date(2026, 11, 22)),
    ("vanavond", date(2026, 11, 22)),
    ("gisteravond", date(2026, 11, 21)),
    ("gisterochtend", date(2026, 11, 21)),
    ("eergisteravond", date(2026, 11, 20)),
    # N dagen / weken geleden, with digits or number words
    ("3 dagen geleden", date(2026, 11, 19)),
    ("1 dag geleden", date(2026, 11, 21)),
    ("0 dagen geleden", date(2026, 11, 22)),
    ("drie dagen geleden", date(2026, 11, 19)),
    ("tien dagen geleden", date(2026, 11, 12)),
    ("een week geleden", date(2026, 11, 15)),
    ("één week geleden", date(2026, 11, 15)),
    ("twee weken geleden", date(2026, 11, 8)),
    ("5 weken geleden", date(2026, 10, 18)),
    # day and month name, without a year: the most recent one not in the future
    ("12 maart", date(2026, 3, 12)),
    ("12 mrt", date(2026, 3, 12)),
    ("12 Maart", date(2026, 3, 12)),
    ("1 sept", date(2026, 9, 1)),
    ("1 sep", date(2026, 9, 1)),
    ("7 okt.", date(2026, 10, 7)),
    ("22 november", date(2026, 11, 22)),
    ("23 nov", date(2025, 11, 23)),
    ("30 november", date(2025, 11, 30)),
    ("25 december", date(2025, 12, 25)),
    ("29 feb", date(2024, 2, 29)),
    # with a year
    ("12 maart 2025", date(2025, 3, 12)),
    ("12 mrt. 2025", date(2025, 3, 12)),
    ("12 mrt '25", date(2025, 3, 12)),
    ("29 februari 2024", date(2024, 2, 29)),
    # numbers, always day first
    ("12-3", date(2026, 3, 12)),
    ("12/3", date(2026, 3, 12)),
    ("3-12", date(2025, 12, 3)),
    ("12-03-2026", date(2026, 3, 12)),
    ("12-3-26", date(2026, 3, 12)),
    ("12/3/2026", date(2026, 3, 12)),
    ("12.03.2026", date(2026, 3, 12)),
    ("3-12-2025", date(2025, 12, 3)),
    ("12-3-99", date(1999, 3, 12)),
    # ISO: a leading four-digit year reads year-month-day
    ("2026-03-12", date(2026, 3, 12)),
    ("2026-3-2", date(2026, 3, 2)),
    # a weekday that agrees with the date
    ("dinsdag 17 november 2026", date(2026, 11, 17)),
    ("di 17 nov", date(2026, 11, 17)),
    ("dinsdag 3 maart 2026", date(2026, 3, 3)),
])
def test_phrases(text, expected):
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("gisteren", date(2027, 1, 4)),
    ("eergisteren", date(2027, 1, 3)),
    ("twee weken geleden", date(2026, 12, 22)),
    ("10 dagen geleden", date(2026, 12, 26)),
    ("dinsdag", date(2027, 1, 5)),
    ("afgelopen dinsdag", date(2026, 12, 29)),
    ("vrijdag", date(2027, 1, 1)),
    ("zondag", date(2027, 1, 3)),
    ("vorige week maandag", date(2026, 12, 28)),
    ("vorige week vrijdag", date(2027, 1, 1)),
    ("12 maart", date(2026, 3, 12)),
    ("31 dec", date(2026, 12, 31)),
    ("5 januari", date(2027, 1, 5)),
    ("6 januari", date(2026, 1, 6)),
    ("6-1", date(2026, 1, 6)),
    ("12-3-26", date(2026, 3, 12)),
])
def test_phrases_around_the_turn_of_the_year(text, expected):
    assert parse_date(text, NEW_YEAR) == expected


@pytest.mark.parametrize("text", [
    "ergens in het voorjaar",
    "binnenkort",
    "asdf",
    ".",
    "31 februari",
    "29-2-2026",
    "32-1",
    "13-13",
    "0-3",
    "maart",
    "2025",
    "12",
    "2026-03",
    "maart 12",
    "2026 12 maart",
    "12-31-2026",
    "12-3-6",
    "12.3",
    "12e maart",
    "12 maart 10:30",
    "12 maart at",
    "een paar dagen geleden",
    "elf dagen geleden",
    "vorige dinsdag",
    "vorige maand",
    "afgelopen",
    "vorige week dinsdag vorige week",
    "99999999 weken geleden",
])
def test_refusals_ask_instead_of_guessing(text):
    with pytest.raises(DateError) as raised:
        parse_date(text, TODAY)
    assert raised.value.message == refusal(text)


def test_last_week_alone_asks_for_the_day():
    with pytest.raises(DateError) as raised:
        parse_date("vorige week", TODAY)
    assert raised.value.message == ("Welke dag van vorige week? Schrijf bijvoorbeeld "
                                    "'vorige week dinsdag'.")


def test_jl_with_a_future_year_is_refused():
    with pytest.raises(DateError) as raised:
        parse_date("1 april 2027 jl.", TODAY)
    assert raised.value.message == "'1 april 2027 jl.' ligt niet in het verleden."


def test_the_refusal_quotes_the_text_as_typed():
    with pytest.raises(DateError, match=r"^Datum niet herkend: 'Ergens in het Voorjaar'\. "):
        parse_date("  Ergens in het Voorjaar  ", TODAY)


def test_date_error_is_a_user_error():
    assert issubclass(DateError, UserError)


@pytest.mark.parametrize(("text", "message"), [
    ("woensdag 17 november 2026",
     "Weekdag en datum kloppen niet: 17 november 2026 is een dinsdag, geen woensdag."),
    ("wo 17 nov",
     "Weekdag en datum kloppen niet: 17 november 2026 is een dinsdag, geen woensdag."),
    ("maandag 12-3",
     "Weekdag en datum kloppen niet: 12 maart 2026 is een donderdag, geen maandag."),
])
def test_a_weekday_must_agree_with_the_date(text, message):
    with pytest.raises(DateError) as raised:
        parse_date(text, TODAY)
    assert raised.value.message == message


@pytest.mark.parametrize(("text", "expected"), [
    ("12-03-2027", date(2027, 3, 12)),
    ("1 januari 2027", date(2027, 1, 1)),
    ("2026-11-23", date(2026, 11, 23)),
    ("23-11-26", date(2026, 11, 23)),
])
def test_an_explicit_future_date_is_returned_for_the_caller_to_confirm(text, expected):
    assert parse_date(text, TODAY) == expected
    assert is_future(expected, TODAY)


def test_is_future():
    assert is_future(TODAY + timedelta(days=1), TODAY)
    assert not is_future(TODAY, TODAY)
    assert not is_future(TODAY - timedelta(days=1), TODAY)


@pytest.mark.parametrize(("d", "expected"), [
    (date(2026, 3, 3), "dinsdag 3 maart 2026"),
    (date(2026, 11, 22), "zondag 22 november 2026"),
    (date(2027, 1, 1), "vrijdag 1 januari 2027"),
    (date(2024, 2, 29), "donderdag 29 februari 2024"),
    (date(2025, 12, 31), "woensdag 31 december 2025"),
])
def test_format_date(d, expected):
    assert format_date(d) == expected


def test_format_date_reads_back():
    d = date(2025, 1, 1)
    while d <= TODAY:
        assert parse_date(format_date(d), TODAY) == d
        d += timedelta(days=1)
