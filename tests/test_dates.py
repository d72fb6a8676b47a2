"""Partial clinical dates and calendar-month arithmetic (PROTOCOL.md: dates, "Decisions")."""

from __future__ import annotations

import calendar
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol.dates import DateRange, PartialDate, add_months, day_number

# --- parsing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "year", "month", "day", "precision"),
    [
        ("2012-03-01", 2012, 3, 1, "day"),
        ("2012-03", 2012, 3, None, "month"),
        ("2012", 2012, None, None, "year"),
        ("2012-02-29", 2012, 2, 29, "day"),
        ("1900-01-01", 1900, 1, 1, "day"),  # the first day of the accepted range
        ("2999-12-31", 2999, 12, 31, "day"),  # and the last
        ("2102", 2102, None, None, "year"),  # a typo for 2012 still reaches DAT004
    ],
)
def test_parse_keeps_what_was_written(
    text: str, year: int, month: int | None, day: int | None, precision: str
) -> None:
    parsed = PartialDate.parse(text)
    assert (parsed.year, parsed.month, parsed.day) == (year, month, day)
    assert parsed.precision == precision
    assert parsed.is_full is (day is not None)
    assert parsed == PartialDate(year, month, day)


@pytest.mark.parametrize(
    ("text", "earliest", "latest"),
    [
        ("2012-03-01", date(2012, 3, 1), date(2012, 3, 1)),
        ("2012-02", date(2012, 2, 1), date(2012, 2, 29)),  # leap year
        ("2013-02", date(2013, 2, 1), date(2013, 2, 28)),
        ("1900-02", date(1900, 2, 1), date(1900, 2, 28)),  # divisible by 100: not leap
        ("2000-02", date(2000, 2, 1), date(2000, 2, 29)),  # divisible by 400: leap
        ("2012-04", date(2012, 4, 1), date(2012, 4, 30)),
        ("2012-12", date(2012, 12, 1), date(2012, 12, 31)),
        ("2012", date(2012, 1, 1), date(2012, 12, 31)),
    ],
)
def test_earliest_and_latest_day_a_date_stands_for(text: str, earliest: date, latest: date) -> None:
    parsed = PartialDate.parse(text)
    assert parsed.earliest == earliest
    assert parsed.latest == latest
    assert parsed.range == DateRange(earliest, latest)
    assert parsed.range.exact is (earliest == latest)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2012-02-30", "February 2012 has 29 days, there is no day 30"),
        ("2011-02-29", "February 2011 has 28 days, there is no day 29"),
        ("2012-04-31", "April 2012 has 30 days, there is no day 31"),
        ("2012-01-00", "January 2012 has 31 days, there is no day 00"),
        ("2012-13", "month 13 does not exist"),
        ("2012-00", "month 00 does not exist"),
        ("2012-13-01", "month 13 does not exist"),
        ("0000", "year 0000 does not exist"),
        ("0001-01-01", "year 0001 is outside the accepted range 1900-01-01 to 2999-12-31"),
        ("1899-12-31", "year 1899 is outside the accepted range 1900-01-01 to 2999-12-31"),
        ("3000-01-01", "year 3000 is outside the accepted range 1900-01-01 to 2999-12-31"),
        ("9012", "year 9012 is outside the accepted range 1900-01-01 to 2999-12-31"),
        ("9999-12-31", "year 9999 is outside the accepted range 1900-01-01 to 2999-12-31"),
        ("2012-3-1", "is not an ISO 8601 date"),
        ("01/03/2012", "is not an ISO 8601 date"),
        ("2012/03/01", "is not an ISO 8601 date"),
        ("20120301", "is not an ISO 8601 date"),
        ("12-03-01", "is not an ISO 8601 date"),
        ("2012-03-01T10:00", "is not an ISO 8601 date"),
        (" 2012-03-01", "is not an ISO 8601 date"),
        ("", "is not an ISO 8601 date"),
        ("2012-03-01\n", "is not an ISO 8601 date"),
        ("\u0662\u0660\u0661\u0662-\u0660\u0663", "is not an ISO 8601 date"),  # Arabic-Indic
    ],
)
def test_rejections_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PartialDate.parse(text)


@pytest.mark.parametrize("value", [20120301, None, 2012.0, date(2012, 3, 1)])
def test_only_strings_are_parsed(value: object) -> None:
    with pytest.raises(ValueError, match=f"expected a date string, got {type(value).__name__}"):
        PartialDate.parse(value)  # type: ignore[arg-type]


# --- never completed ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2012-03-01", "2012-03", "2012", "1900-01"])
def test_str_round_trips_and_never_fills_in_a_partial_date(text: str) -> None:
    parsed = PartialDate.parse(text)
    assert str(parsed) == text
    assert PartialDate.parse(str(parsed)) == parsed
    assert repr(parsed) == f"PartialDate('{text}')"


def test_a_partial_date_stays_partial_after_asking_for_its_range() -> None:
    parsed = PartialDate.parse("2012-03")
    assert parsed.latest == date(2012, 3, 31)
    assert parsed.day is None
    assert str(parsed) == "2012-03"


# --- calendar months ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2011, 8, 31), 6, date(2012, 2, 29)),  # clamps to the leap-year month end
        (date(2012, 8, 31), 6, date(2013, 2, 28)),
        (date(2012, 1, 25), 4, date(2012, 5, 25)),
        (date(2012, 1, 31), 1, date(2012, 2, 29)),
        (date(2012, 3, 31), 1, date(2012, 4, 30)),
        (date(2011, 7, 4), 6, date(2012, 1, 4)),  # across the year end
        (date(2012, 2, 29), 12, date(2013, 2, 28)),
        (date(2012, 3, 1), 0, date(2012, 3, 1)),
        (date(2012, 3, 31), -1, date(2012, 2, 29)),
    ],
)
def test_add_months_keeps_the_day_and_clamps_to_month_end(
    start: date, months: int, expected: date
) -> None:
    assert add_months(start, months) == expected


def test_date_range_plus_months_moves_both_ends() -> None:
    # 2012-01 is 1-31 Jan; one month on is 1 Feb - 29 Feb (31 Jan clamps to 29 Feb).
    shifted = PartialDate.parse("2012-01").range.plus_months(1)
    assert shifted == DateRange(date(2012, 2, 1), date(2012, 2, 29))
    # August 2011 + 6 months: 1 Feb - 29 Feb 2012.
    assert PartialDate.parse("2011-08").range.plus_months(6) == DateRange(
        date(2012, 2, 1), date(2012, 2, 29)
    )
    # A full date stays exact.
    exact = PartialDate.parse("2011-08-31").range.plus_months(6)
    assert exact.exact and exact.earliest == date(2012, 2, 29)


def test_date_range_text() -> None:
    assert str(PartialDate.parse("2012-02").range) == "2012-02-01..2012-02-29"
    assert str(PartialDate.parse("2012-03-01").range) == "2012-03-01"


def test_day_numbers_differ_by_the_days_between() -> None:
    assert day_number(date(2012, 3, 22)) - day_number(date(2012, 3, 1)) == 21
    assert day_number(date(2012, 3, 1)) - day_number(date(2012, 2, 28)) == 2  # 29 Feb between
    assert day_number(date(1, 1, 1)) == 1


# --- properties --------------------------------------------------------------------------------


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)))
def test_a_full_date_stands_for_exactly_one_day(day: date) -> None:
    parsed = PartialDate.parse(day.isoformat())
    assert parsed.earliest == parsed.latest == day
    assert str(parsed) == day.isoformat()


@given(st.integers(min_value=1900, max_value=2999), st.integers(min_value=1, max_value=12))
def test_a_month_runs_from_its_first_to_its_last_day(year: int, month: int) -> None:
    parsed = PartialDate.parse(f"{year:04d}-{month:02d}")
    assert parsed.earliest == date(year, month, 1)
    assert parsed.latest.day == calendar.monthrange(year, month)[1]
    assert (parsed.latest.year, parsed.latest.month) == (year, month)
    assert str(parsed) == f"{year:04d}-{month:02d}"


@given(st.dates(max_value=date(9000, 12, 31)), st.integers(min_value=0, max_value=120))
def test_add_months_lands_in_the_right_month_on_the_clamped_day(start: date, months: int) -> None:
    total = start.year * 12 + (start.month - 1) + months
    year, month = divmod(total, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    assert add_months(start, months) == date(year, month, min(start.day, last))


@given(st.dates().filter(lambda d: not 1900 <= d.year <= 2999))
def test_every_date_outside_1900_to_2999_is_refused_with_the_range(day: date) -> None:
    for text in (day.isoformat(), day.isoformat()[:7], day.isoformat()[:4]):
        with pytest.raises(ValueError, match="outside the accepted range 1900-01-01 to 2999-12-31"):
            PartialDate.parse(text)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)))
def test_window_arithmetic_of_any_accepted_date_stays_in_the_calendar(day: date) -> None:
    # The widest windows of the pack are months; 12 months past 2999-12-31 is still a date.
    assert add_months(day, 12).year == day.year + 1
    assert PartialDate.parse(day.isoformat()[:4]).range.plus_months(12).latest.year <= 3000
