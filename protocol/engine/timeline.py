"""A patient's record seen as of a date: TACEs numbered by date, what has happened.

Everything a rule measures starts here. Events whose earliest possible date
is after the as-of date have not happened yet; a dosing period that is
ongoing (or ends after the as-of date) runs until the as-of date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from protocol.dates import DateRange, PartialDate
from protocol.records.model import AdverseEvent, DosingPeriod, PatientRecord

__all__ = ["Period", "Procedure", "Timeline", "day_span", "number_by_date", "span_text"]


def day_span(start: DateRange, end: DateRange) -> tuple[int, int]:
    """The fewest and most days from ``start`` to ``end`` (end - start)."""
    return (
        (end.earliest - start.latest).days,
        (end.latest - start.earliest).days,
    )


def span_text(low: int, high: int) -> str:
    if low == high:
        return str(low)
    return f"{low}-{high}" if low >= 0 else f"{low} to {high}"


def number_by_date(
    entries: Iterable[tuple[int, PartialDate]],
) -> list[tuple[PartialDate, tuple[int, ...]]]:
    """TACE entries as procedures in date order: entries sharing a date are one procedure.

    ``entries`` are (array index, date); each procedure is (date, its array indexes).
    The pack's ``tace-numbering`` decision, used by the checker and by the timeline drawing.
    """
    groups: dict[str, list[int]] = {}
    dates: dict[str, PartialDate] = {}
    for index, when in entries:
        groups.setdefault(str(when), []).append(index)
        dates[str(when)] = when
    ordered = sorted(groups, key=lambda key: (dates[key].earliest, dates[key].latest))
    return [(dates[key], tuple(groups[key])) for key in ordered]


@dataclass(frozen=True, slots=True)
class Procedure:
    """One TACE procedure: the entries sharing a date count as one."""

    number: int
    date: PartialDate
    indices: tuple[int, ...]

    @property
    def pointer(self) -> str:
        return f"/tace/{self.indices[0]}/date"


@dataclass(frozen=True, slots=True)
class Period:
    """A dosing period with its end as of the check (ongoing runs to as-of)."""

    index: int
    period: DosingPeriod
    start: DateRange
    end: DateRange
    ongoing: bool


class Timeline:
    """The record as of ``as_of``, with the derived sequence the rules speak of."""

    def __init__(self, record: PatientRecord, as_of: date) -> None:
        self.record = record
        self.as_of = as_of
        self.as_of_range = DateRange(as_of, as_of)
        happened = (
            (i, tace.date) for i, tace in enumerate(record.tace) if self.happened(tace.date)
        )
        self.procedures = tuple(
            Procedure(n, when, indices)
            for n, (when, indices) in enumerate(number_by_date(happened), 1)
        )
        self.imaging = tuple(
            (i, im) for i, im in enumerate(record.imaging) if self.happened(im.date)
        )
        self.periods = tuple(
            self._period(i, p)
            for i, p in enumerate(record.sorafenib)
            if self.happened(p.start_date)
        )
        self.adverse_events: tuple[tuple[int, AdverseEvent], ...] = tuple(
            (i, ae) for i, ae in enumerate(record.adverse_events) if self.happened(ae.onset_date)
        )
        self.death = (
            record.death_date if record.death_date and self.happened(record.death_date) else None
        )
        withdrawal = record.withdrawal
        self.withdrawal = withdrawal if withdrawal and self.happened(withdrawal.date) else None

    def happened(self, value: PartialDate) -> bool:
        return value.earliest <= self.as_of

    def tace(self, number: int) -> Procedure | None:
        return self.procedures[number - 1] if len(self.procedures) >= number else None

    def _period(self, index: int, period: DosingPeriod) -> Period:
        start = period.start_date.range
        if period.end_date is None or period.end_date.earliest > self.as_of:
            return Period(index, period, start, self.as_of_range, True)
        end = period.end_date.range
        if end.latest > self.as_of:
            end = DateRange(end.earliest, self.as_of)
        return Period(index, period, start, end, False)

    @property
    def first_start(self) -> Period | None:
        if not self.periods:
            return None
        # Ties on the start are broken by content, never by position in the array.
        return min(self.periods, key=lambda p: (p.start.earliest, p.start.latest, repr(p.period)))

    @property
    def stop(self) -> tuple[str, DateRange] | None:
        """The earliest of death and withdrawal that has happened, if any."""
        stops = []
        if self.death is not None:
            stops.append(("died", self.death.range))
        if self.withdrawal is not None:
            stops.append(("withdrew", self.withdrawal.date.range))
        return min(stops, key=lambda s: s[1].earliest) if stops else None
