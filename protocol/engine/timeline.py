"""A patient's record seen as of a date: TACEs numbered by date, what has happened.

Everything a rule measures starts here. Events whose earliest possible date
is after the as-of date have not happened yet; a dosing period that is
ongoing (or ends after the as-of date) runs until the as-of date.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any, TypeVar

from protocol.dates import DateRange, PartialDate
from protocol.engine.ordering import first
from protocol.records.model import AdverseEvent, DosingPeriod, Imaging, PatientRecord

T = TypeVar("T")

__all__ = [
    "OrderQuestion",
    "Period",
    "Procedure",
    "Timeline",
    "day_span",
    "number_by_date",
    "open_order",
    "span_text",
]


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
class OrderQuestion:
    """Where partial dates leave the TACE numbering open (the pack's ``tace-order-open``).

    ``first_open`` is the first TACE number whose identity is open: from it on, every
    number may point at another entry (two overlapping dates may be one procedure,
    which renumbers every later TACE). ``partial`` are the partial dates at fault,
    each with the other dates it may fall before, after or on.
    """

    first_open: int
    partial: tuple[tuple[PartialDate, tuple[PartialDate, ...], int], ...]

    def describe(self, limit: int) -> str:
        """The question for the site, e.g. '2011 (any day of 2011) may be before or after...'."""
        parts = []
        for when, others, count in self.partial[:limit]:
            if not others:
                parts.append(f"{count} TACEs dated {when} may be one procedure or {count}")
                continue
            shown = ", ".join(str(o) for o in others[:limit])
            if len(others) > limit:
                shown += f" and {len(others) - limit} more"
            parts.append(
                f"{when} (any day of {when}) may be before or after {shown}, or on the same day"
            )
        if len(self.partial) > limit:
            parts.append(f"and {len(self.partial) - limit} more partial TACE dates")
        return "the order of the TACEs is open: " + "; ".join(parts) + "; give the full date"


def open_order(procedures: Iterable[tuple[PartialDate, tuple[int, ...]]]) -> OrderQuestion | None:
    """The first run of procedures (in date order) whose dates may overlap, if any.

    Dates that cannot overlap are ordered (2011 before 2012-03-01); a partial date
    that may fall on the same days as another leaves their order open, and so does
    one partial date carried by several entries (one procedure or several).
    """
    ordered = list(procedures)
    position = 0
    while position < len(ordered):
        run = [ordered[position]]
        latest = ordered[position][0].latest
        while position + len(run) < len(ordered):
            candidate = ordered[position + len(run)]
            if candidate[0].earliest > latest:
                break
            run.append(candidate)
            latest = max(latest, candidate[0].latest)
        shared = [(when, ix) for when, ix in run if not when.is_full and len(ix) > 1]
        if len(run) > 1 or shared:
            dates = [when for when, _ix in run]
            partial = tuple(
                (
                    when,
                    tuple(
                        o
                        for o in dates
                        if o is not when and o.earliest <= when.latest and when.earliest <= o.latest
                    ),
                    len(ix),
                )
                for when, ix in run
                if not when.is_full
            )
            return OrderQuestion(position + 1, partial)
        position += len(run)
    return None


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

    def __init__(
        self, record: PatientRecord, as_of: date, previous: Timeline | None = None
    ) -> None:
        """The timeline of ``record``; ``previous`` lends what it derived from the same entries.

        Drawn as of the same date, ``previous``'s TACE sequence is reused when its record
        holds the very same TACE section (the record is frozen and its sections are
        tuples, so the same object is the same content), and its imaging, dosing periods
        and adverse events are reused for the entries its record's section begins the
        new one with (each is derived from its entry and index alone): a record that
        grows one event at a time (a Session) derives only the entry added.
        """
        self.record = record
        self.as_of = as_of
        self.as_of_range = DateRange(as_of, as_of)
        lender = previous if previous is not None and previous.as_of == as_of else None
        if lender is not None and lender.record.tace is record.tace:
            self.procedures, self.order_question = lender.procedures, lender.order_question
        else:
            happened = (
                (i, tace.date) for i, tace in enumerate(record.tace) if self.happened(tace.date)
            )
            # Entries sharing a date are listed by content, never by position in the array.
            self.procedures = tuple(
                Procedure(n, when, _by_content(indices, record))
                for n, (when, indices) in enumerate(number_by_date(happened), 1)
            )
            self.order_question = open_order((x.date, x.indices) for x in self.procedures)
        self.imaging: tuple[tuple[int, Imaging], ...]
        self.adverse_events: tuple[tuple[int, AdverseEvent], ...]
        if lender is None:
            self.imaging = self._imaging(0)
            self.periods = self._periods(0)
            self.adverse_events = self._adverse_events(0)
        else:
            start, derived = _lent(lender, "imaging", record.imaging)
            self.imaging = _joined(derived, self._imaging(start))
            start, derived = _lent(lender, "sorafenib", record.sorafenib)
            self.periods = _joined(derived, self._periods(start))
            start, derived = _lent(lender, "adverse_events", record.adverse_events)
            self.adverse_events = _joined(derived, self._adverse_events(start))
        self.death = (
            record.death_date if record.death_date and self.happened(record.death_date) else None
        )
        withdrawal = record.withdrawal
        self.withdrawal = withdrawal if withdrawal and self.happened(withdrawal.date) else None

    def _imaging(self, start: int) -> tuple[tuple[int, Imaging], ...]:
        """The imaging results from array index ``start`` on that have happened."""
        images = self.record.imaging
        return tuple(
            (i, im) for i, im in enumerate(images[start:], start) if self.happened(im.date)
        )

    def _periods(self, start: int) -> tuple[Period, ...]:
        """The dosing periods from array index ``start`` on that have begun."""
        periods = self.record.sorafenib
        return tuple(
            self._period(i, p)
            for i, p in enumerate(periods[start:], start)
            if self.happened(p.start_date)
        )

    def _adverse_events(self, start: int) -> tuple[tuple[int, AdverseEvent], ...]:
        """The adverse events from array index ``start`` on that have begun."""
        events = self.record.adverse_events
        return tuple(
            (i, ae) for i, ae in enumerate(events[start:], start) if self.happened(ae.onset_date)
        )

    def happened(self, value: PartialDate) -> bool:
        return value.earliest <= self.as_of

    def order_open(self, number: int) -> bool:
        """Whether partial dates leave open which entry is TACE #``number``."""
        question = self.order_question
        return question is not None and question.first_open <= number

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

    @cached_property
    def first_start(self) -> Period | None:
        if not self.periods:
            return None
        # Ties on the start are broken by content, never by position in the array.
        return first(
            self.periods,
            key=lambda p: (p.start.earliest, p.start.latest),
            tie=lambda p: repr(p.period),
        )

    @property
    def stop(self) -> tuple[str, DateRange] | None:
        """The earliest of death and withdrawal that has happened, if any."""
        stops = []
        if self.death is not None:
            stops.append(("died", self.death.range))
        if self.withdrawal is not None:
            stops.append(("withdrew", self.withdrawal.date.range))
        return min(stops, key=lambda s: s[1].earliest) if stops else None


_DERIVED = {"imaging": "imaging", "sorafenib": "periods", "adverse_events": "adverse_events"}


def _lent(lender: Timeline, section: str, entries: tuple[Any, ...]) -> tuple[int, Any]:
    """How many of ``entries`` ``lender`` derived already (its record's whole section, when
    the section begins ``entries`` with the very same entries), and what it derived.

    What is derived keeps the entries' order and index, so the derived prefix is that of
    the entries ``lender`` saw.
    """
    before: tuple[Any, ...] = getattr(lender.record, section)
    if before is not entries and (
        len(before) > len(entries) or not all(map(operator.is_, before, entries))
    ):
        return 0, ()
    return len(before), getattr(lender, _DERIVED[section])


def _joined(derived: tuple[T, ...], added: tuple[T, ...]) -> tuple[T, ...]:
    """``derived`` and then ``added``: ``derived`` itself when nothing is added (a section
    that did not change keeps its identity, which the dosing facts' memory goes by)."""
    return derived + added if added else derived


def _by_content(indices: list[int] | tuple[int, ...], record: PatientRecord) -> tuple[int, ...]:
    """TACE entries sharing a date, by content (a lone entry needs no ordering)."""
    if len(indices) < 2:
        return tuple(indices)
    return tuple(sorted(indices, key=lambda i: repr(record.tace[i])))
