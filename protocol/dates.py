"""Clinical dates: full or partial, never silently completed.

A clinical export carries ``2012-03-01``, ``2012-03`` or ``2012``. A
:class:`PartialDate` keeps exactly what was written and knows the earliest and
latest real day it can stand for; rules reason over that range and say
``not_evaluable`` when the range does not decide.

Calendar-month arithmetic uses dateutil's ``relativedelta``: adding months
keeps the day of the month and clamps to the month's last day when that day
does not exist (2012-08-31 + 6 months = 2013-02-28; 2011-08-31 + 6 months =
2012-02-29). Day numbers are proleptic Gregorian ordinals
(``date.toordinal()``), the integers the rules engine compares.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from dateutil.relativedelta import relativedelta

__all__ = [
    "EARLIEST_YEAR",
    "LATEST_YEAR",
    "DateProblem",
    "DateRange",
    "PartialDate",
    "add_months",
    "day_number",
]

# The years a record's dates may fall in. Not a study parameter but a plausibility bound of
# the record format: wide enough that a typo such as 2102 for 2012 still reaches the checker
# (DAT004 queries it), narrow enough that 9012 or 0001 is refused at the door instead of
# breaking calendar arithmetic (year 9999 + 6 months) or the drawn timeline. The schema's
# date pattern says the same (tests/test_input_dates.py holds the two together).
EARLIEST_YEAR = 1900
LATEST_YEAR = 2999

_PATTERN = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")


class DateProblem(ValueError):
    """Why a text is not an acceptable date; ``kind`` is ``shape``, ``range`` or ``calendar``.

    The message spells out the value (``February 2011 has 28 days, there is no day 29``);
    a reader that must not show values says what ``kind`` means instead.
    """

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def day_number(d: date) -> int:
    """The integer the rules engine compares for a calendar day."""
    return d.toordinal()


@lru_cache(maxsize=65536)
def add_months(d: date, months: int) -> date:
    """``d`` plus a number of calendar months, clamped to the month's end (cached)."""
    return d + relativedelta(months=+months)


@dataclass(frozen=True, slots=True)
class DateRange:
    """The earliest and latest day a (possibly partial) date can stand for."""

    earliest: date
    latest: date

    @property
    def exact(self) -> bool:
        return self.earliest == self.latest

    def plus_months(self, months: int) -> DateRange:
        return DateRange(add_months(self.earliest, months), add_months(self.latest, months))

    def __str__(self) -> str:
        if self.exact:
            return self.earliest.isoformat()
        return f"{self.earliest.isoformat()}..{self.latest.isoformat()}"


@dataclass(frozen=True, slots=True)
class PartialDate:
    """An ISO 8601 calendar date, possibly reduced to a month or a year."""

    year: int
    month: int | None = None
    day: int | None = None
    _earliest: date = field(init=False, repr=False, compare=False)
    _latest: date = field(init=False, repr=False, compare=False)
    _text: str = field(init=False, repr=False, compare=False)

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Parse ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; raise ValueError otherwise."""
        if cls is PartialDate and isinstance(text, str):
            return _parse_cached(text)  # dates repeat within and across records
        return cls._parse(text)

    @classmethod
    def _parse(cls, text: str) -> PartialDate:
        if not isinstance(text, str):
            raise DateProblem("shape", f"expected a date string, got {type(text).__name__}")
        match = _PATTERN.fullmatch(text)
        if match is None:
            raise DateProblem(
                "shape", f"{text!r} is not an ISO 8601 date (YYYY-MM-DD, YYYY-MM or YYYY)"
            )
        year, month, day = (int(g) if g else None for g in match.groups())
        assert year is not None
        if year < 1:
            raise DateProblem("calendar", "year 0000 does not exist")
        if not EARLIEST_YEAR <= year <= LATEST_YEAR:
            raise DateProblem(
                "range",
                f"year {year:04d} is outside the accepted range "
                f"{EARLIEST_YEAR}-01-01 to {LATEST_YEAR}-12-31",
            )
        if month is not None and not 1 <= month <= 12:
            raise DateProblem("calendar", f"month {month:02d} does not exist")
        if day is not None:
            assert month is not None
            last = calendar.monthrange(year, month)[1]
            if not 1 <= day <= last:
                raise DateProblem(
                    "calendar",
                    f"{calendar.month_name[month]} {year} has {last} days, "
                    f"there is no day {day:02d}",
                )
        return cls(year, month, day)

    @property
    def is_full(self) -> bool:
        return self.day is not None

    @property
    def precision(self) -> str:
        return "day" if self.day is not None else "month" if self.month is not None else "year"

    @property
    def earliest(self) -> date:
        return self._earliest

    @property
    def latest(self) -> date:
        return self._latest

    @property
    def range(self) -> DateRange:
        return DateRange(self._earliest, self._latest)

    def __post_init__(self) -> None:
        # Worked out once: parsed dates are cached and shared, and read many times.
        month, day = self.month or 1, self.day or 1
        if self.day is not None:
            latest = date(self.year, month, day)
        else:
            last_month = self.month or 12
            latest = date(self.year, last_month, calendar.monthrange(self.year, last_month)[1])
        text = f"{self.year:04d}"
        if self.month is not None:
            text += f"-{self.month:02d}"
            if self.day is not None:
                text += f"-{self.day:02d}"
        object.__setattr__(self, "_earliest", date(self.year, month, day))
        object.__setattr__(self, "_latest", latest)
        object.__setattr__(self, "_text", text)

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"PartialDate('{self}')"


@lru_cache(maxsize=65536)
def _parse_cached(text: str) -> PartialDate:
    return PartialDate._parse(text)
