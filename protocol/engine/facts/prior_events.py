"""The adverse events before a dosing period, indexed for what the period's fact asks.

A dosing period's fact (DOS002-DOS004) names the most severe adverse event surely
and possibly before it and lists the events that do not justify a dose reduction.
:class:`PriorEvents` sorts a patient's events once so that each period's questions
cost a binary search, and words each distinct listing once.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from typing import Any

from protocol.dates import DateRange
from protocol.engine.facts.base import MEMORY
from protocol.engine.listing import capped
from protocol.engine.timeline import Timeline

__all__ = ["PriorEvents", "prior_events_of"]


class PriorEvents:
    """The adverse events that have happened, indexed for what each dosing period asks.

    Sorted once per patient, so that a period's questions (the highest grade surely
    and possibly before it, the events that do not justify a reduction) cost a
    binary search each, not a pass over every event.
    """

    __slots__ = (
        "best",
        "by_onset",
        "earliest",
        "grade",
        "high",
        "latest",
        "limit",
        "low",
        "reasons",
        "top",
    )

    def __init__(self, t: Timeline, p: Mapping[str, Any]) -> None:
        events = [ae for _i, ae in t.adverse_events]
        self.limit = int(p["listing_limit"])
        # Each listing by the number of high-grade events possibly before the period.
        self.reasons: dict[int, str] = {}
        self.by_onset = sorted(events, key=lambda ae: (ae.onset_date.earliest, ae.term))
        self.grade = grade = int(p["reduction_min_ae_grade"])
        # Surely before a day: onset's latest on or before it. The most severe such event,
        # latest to begin, then by term (values decide, never the position in the array).
        by_latest = sorted(events, key=lambda ae: ae.onset_date.latest)
        self.latest = [ae.onset_date.latest for ae in by_latest]
        self.best: list[Any] = []
        rank: tuple[Any, ...] | None = None
        chosen = None
        for ae in by_latest:
            onset = ae.onset_date
            mine = (ae.grade, onset.earliest, onset.latest, ae.term)
            if rank is None or mine > rank:
                rank, chosen = mine, ae
            self.best.append(chosen)
        # Possibly before a day: onset's earliest on or before it; the highest grade so far.
        by_earliest = sorted(events, key=lambda ae: ae.onset_date.earliest)
        self.earliest = [ae.onset_date.earliest for ae in by_earliest]
        self.top: list[int] = []
        for ae in by_earliest:
            self.top.append(max(ae.grade, self.top[-1]) if self.top else ae.grade)
        self.low = sum(1 for ae in events if ae.grade < grade)
        self.high = sorted(ae.onset_date.earliest for ae in events if ae.grade >= grade)

    def prior_grades(self, start: DateRange) -> tuple[int, int, str]:
        """The highest grade surely before ``start``, the highest possibly before, the AE named.

        Among AEs of the highest grade the one named is the latest to begin (the one
        closest to the reduction), then by term.
        """
        possible = bisect_right(self.earliest, start.latest)
        highest = self.top[possible - 1] if possible else 0
        surely = bisect_right(self.latest, start.earliest)
        if not surely:
            return 0, highest, "none"
        ae = self.best[surely - 1]
        return ae.grade, highest, f"grade {ae.grade} {ae.term} from {ae.onset_date}"

    def why_not_justified(self, start: DateRange) -> str:
        """Each adverse event considered for a reduction, and why it does not justify it.

        Only the reasons the listing shows are worded; the rest are counted. The listing
        depends on ``start`` only through how many high-grade events may begin on or
        before its latest day (the others began after the period), so it is worded once
        per such count.
        """
        before = bisect_right(self.high, start.latest)
        text = self.reasons.get(before)
        if text is None:
            text = self.reasons[before] = self._worded(before, start.latest)
        return text

    def _worded(self, before: int, latest: Any) -> str:
        count = self.low + len(self.high) - before
        if not count:
            return "no adverse event is recorded before it"
        limit, grade = self.limit, self.grade
        shown: list[str] = []
        for ae in self.by_onset:
            if len(shown) >= limit:
                break
            if ae.grade < grade:
                shown.append(f"{ae.term} is grade {ae.grade} (below {grade})")
            elif ae.onset_date.earliest > latest:
                shown.append(
                    f"{ae.term} (grade {ae.grade}) began {ae.onset_date}, after the period"
                )
        return capped([*shown, *[""] * (count - len(shown))], limit)  # unworded: counted


def prior_events_of(t: Timeline, p: Mapping[str, Any], ctx: Mapping[str, Any]) -> PriorEvents:
    """The :class:`PriorEvents` of ``t``: the remembered one when from the same events.

    The timeline keeps the tuple of events that happened while the record's adverse
    events and the as-of date stay the same (holding it keeps its identity from being
    reused), so a record that grows by dosing periods sorts its events once.
    """
    memory = ctx.get(MEMORY)
    if memory is None:
        return PriorEvents(t, p)
    kept = memory.get("prior_events")
    if kept is not None and kept[0] is t.adverse_events and kept[1] is p:
        return kept[2]
    events = PriorEvents(t, p)
    memory["prior_events"] = (t.adverse_events, p, events)
    return events
