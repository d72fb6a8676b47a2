"""Facts about each dosing period and each adverse event against the dosing record."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from protocol.dates import DateRange
from protocol.engine.facts.base import MEMORY, Fact, date_text, register, yes_no
from protocol.engine.facts.prior_events import prior_events_of
from protocol.engine.ordering import ordered
from protocol.engine.timeline import Period, Timeline, day_span

__all__: list[str] = []  # the builders register themselves as subjects


def _daily(period: Any, p: Mapping[str, Any]) -> float:
    return float(period.dose_mg) * float(p["daily_administrations"][period.frequency])


def _period_numbers(t: Timeline) -> dict[int, int]:
    """Each period's number: by start date (content breaks ties), not by array position."""
    if len(t.periods) < 2:  # most records: nothing to order
        return {x.index: 1 for x in t.periods}
    by_date = ordered(
        t.periods, key=lambda x: (x.start.earliest, x.start.latest), tie=lambda x: repr(x.period)
    )
    return {x.index: n for n, x in enumerate(by_date, 1)}


def _period_fact(
    period: Period,
    number: int,
    p: Mapping[str, Any],
    prior: tuple[int, int, str],
    reasons: str,
) -> Fact:
    dp = period.period
    daily = _daily(dp, p)
    definite, possible, label = prior
    return Fact(
        "dosing_period",
        f"/sorafenib/{period.index}",
        {
            "daily_dose": daily,
            "frequency": dp.frequency,
            "reason": dp.reason or "none",
            "max_prior_ae_grade": definite,
            "max_possible_prior_ae_grade": possible,
        },
        {
            "number": number,
            "index": period.index,
            "start_date": str(dp.start_date),
            "end_date": str(dp.end_date) if dp.end_date else "ongoing",
            "dose_mg": f"{dp.dose_mg:g}",
            "daily_dose_text": f"{daily:g} mg/day ({dp.dose_mg:g} mg {dp.frequency})",
            "prior_ae": label,
            "reason_text": f"'{dp.reason}'" if dp.reason else "not recorded",
            "ae_reasons": reasons,
            "pointer": f"/sorafenib/{period.index}",
        },
    )


def _with_prior(fact: Fact, prior: tuple[int, int, str], reasons: str) -> Fact:
    """``fact`` (a period's) with other adverse-event values, its fields in their order."""
    definite, possible, label = prior
    return Fact(
        fact.subject,
        fact.instance,
        {**fact.values, "max_prior_ae_grade": definite, "max_possible_prior_ae_grade": possible},
        {**fact.display, "prior_ae": label, "ae_reasons": reasons},
    )


@register(
    "daily_dose frequency reason max_prior_ae_grade max_possible_prior_ae_grade",
    "number index start_date end_date dose_mg daily_dose_text prior_ae reason_text ae_reasons "
    "pointer",
    "daily_administrations reduction_min_ae_grade listing_limit",
)
def _dosing_period(t: Timeline, p: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[Fact]:
    """Each sorafenib dosing period: its daily dose, frequency and reason (DOS001-DOS004).

    Given a memory (a Session), each period's fact is kept with the dosing record
    (:class:`_Dosing`) and the adverse-event values it was built with: the same values
    give the same fact back, others the same fact with those values replaced (nothing
    else in it reads the adverse events).
    """
    events = prior_events_of(t, p, ctx)
    if ctx.get(MEMORY) is None:
        numbers = _period_numbers(t)
        return [
            _period_fact(
                x,
                numbers[x.index],
                p,
                events.prior_grades(x.start),
                events.why_not_justified(x.start),
            )
            for x in t.periods
        ]
    dosing = _dosing_of(t, p, ctx)
    built = dosing.period_facts
    numbers = None
    facts = []
    for period in t.periods:
        prior = events.prior_grades(period.start)
        reasons = events.why_not_justified(period.start)
        kept = built.get(period.index)
        if kept is not None and kept[0] == prior and kept[1] == reasons:
            facts.append(kept[2])
            continue
        if kept is not None:
            fact = _with_prior(kept[2], prior, reasons)
        else:
            numbers = numbers or _period_numbers(t)
            fact = _period_fact(period, numbers[period.index], p, prior, reasons)
        built[period.index] = (prior, reasons, fact)
        facts.append(fact)
    return facts


def _within(onset: DateRange, periods: tuple[Period, ...]) -> str:
    if any(
        per.start.latest <= onset.earliest and onset.latest <= per.end.earliest for per in periods
    ):
        return "yes"
    if any(
        per.start.earliest <= onset.latest and onset.earliest <= per.end.latest for per in periods
    ):
        return "uncertain"
    return "no"


class _Dosing:
    """The dosing record as :func:`_change_after` reads it, worked out once per patient.

    Each period's daily dose and day numbers, the periods in the order "the next
    period" is chosen in, and each onset day's answer once asked (an exact onset
    asks the same day twice, and many adverse events share the dosing record).
    """

    __slots__ = (
        "by_start",
        "daily",
        "days",
        "facts",
        "p",
        "period_facts",
        "periods",
        "seen",
    )

    def __init__(self, t: Timeline, p: Mapping[str, Any]) -> None:
        self.p = p
        self.periods = t.periods
        self.daily = {x.index: _daily(x.period, p) for x in t.periods}
        self.days = [
            (x.start.earliest.toordinal(), x.end.earliest.toordinal(), x) for x in t.periods
        ]
        daily = self.daily
        self.by_start = sorted(
            t.periods, key=lambda x: (x.start.earliest, daily[x.index], str(x.period.start_date))
        )
        self.seen: dict[int, tuple[str, list[str]]] = {}
        # Adverse-event facts measured against these periods, by all else they depend on
        # (kept only when the dosing record is remembered, see _dosing_of).
        self.facts: dict[tuple[int, int], tuple[Any, Any, Fact]] = {}
        # Each period's fact with the adverse-event values it was built with (kept by
        # _dosing_period, when the dosing record is remembered).
        self.period_facts: dict[int, tuple[tuple[int, int, str], str, Fact]] = {}

    def change_after(self, day: int, action: str) -> tuple[str, str]:
        """Whether dosing shows a lower dose or a gap after ``day``, whatever the array order.

        Only values decide (dates, doses), never positions: among periods running at
        onset the highest daily dose is the one in effect and the latest end the one
        that counts; the next period is the earliest starting after every running one.
        Either shows the action; the one cited is the one the action names first (a gap
        for an interruption, a lower dose for a reduction).
        """
        answer = self.seen.get(day)
        if answer is None:
            answer = self.seen[day] = self._shown(day)
        fallback, shown = answer
        if shown:
            return "yes", shown[-1] if action == "drug_interrupted" else shown[0]
        return "no", fallback

    def _shown(self, day: int) -> tuple[str, list[str]]:
        running = [x for start, end, x in self.days if start <= day <= end]
        if not running:
            return "no dosing period was running at onset", []
        rates = self.daily
        daily = max(rates[x.index] for x in running)
        last_start = max(x.start.earliest for x in running)
        # A filter of the periods sorted once keeps the sorted order of the filtered ones.
        later = [x for x in self.by_start if x.start.earliest > last_start]
        lower = next((x for x in later if rates[x.index] < daily), None)
        shown: list[str] = []
        if lower is not None:
            shown.append(
                f"dose lowered to {rates[lower.index]:g} mg/day from {lower.period.start_date}"
            )
        if not any(x.ongoing for x in running):
            current = max(running, key=lambda x: (x.end.earliest, str(x.period.end_date)))
            following = later[0] if later else None
            end = current.end.earliest.toordinal()
            if following is None:
                shown.append(f"dosing stopped after {current.period.end_date}")
            elif following.start.earliest.toordinal() > end + 1:
                shown.append(
                    f"dosing paused after {current.period.end_date}"
                    f" until {following.period.start_date}"
                )
        return f"{daily:g} mg/day continued without a lower dose or a gap", shown


def _dosing_of(t: Timeline, p: Mapping[str, Any], ctx: Mapping[str, Any]) -> _Dosing:
    """The :class:`_Dosing` of ``t``: the remembered one when read from t's periods and as-of.

    A record that grows by adverse events (a Session) keeps the same tuple of periods, so
    each onset day is worked out once, not once per event. Holding the tuple keeps its
    identity from being reused.
    """
    memory = ctx.get(MEMORY)
    if memory is None:
        return _Dosing(t, p)
    periods = t.record.sorafenib
    kept = memory.get("dosing")
    if kept is not None and kept[0] is periods and kept[1] == t.as_of and kept[2] is p:
        return kept[3]
    dosing = _Dosing(t, p)
    memory["dosing"] = (periods, t.as_of, p, dosing)
    return dosing


_KNOWN_FACTS = 10_000  # adverse-event facts kept per dosing record


def _adverse_event_fact(dosing: _Dosing, number: int, index: int, ae: Any, death: Any) -> Fact:
    onset = ae.onset_date.range
    outcomes = {
        dosing.change_after(day.toordinal(), ae.action_taken)
        for day in (onset.earliest, onset.latest)
    }
    change = outcomes.pop() if len(outcomes) == 1 else ("uncertain", "onset date is partial")
    low, high = day_span(onset, death.range) if death else (0, 0)
    return Fact(
        "adverse_event",
        f"/adverse_events/{index}",
        {
            "grade": ae.grade,
            "related": yes_no(ae.related_to_sorafenib),
            "action": ae.action_taken,
            "on_sorafenib": _within(onset, dosing.periods),
            "dose_change": change[0],
            "has_death": death is not None,
            "death_gap_min": low,
            "death_gap_max": high,
        },
        {
            "number": number,
            "index": index,
            "term": ae.term,
            "onset_date": str(ae.onset_date),
            "grade_text": f"grade {ae.grade}",
            "action_text": ae.action_taken.replace("_", " "),
            "change_text": change[1],
            "death_date": date_text(death),
            "pointer": f"/adverse_events/{index}",
        },
    )


@register(
    "grade related action on_sorafenib dose_change has_death death_gap_min death_gap_max",
    "number index term onset_date grade_text action_text change_text death_date pointer",
    "daily_administrations",
)
def _adverse_event(t: Timeline, p: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[Fact]:
    """Each adverse event: grade, causality, action, timing against dosing (AE001-AE003, DAT006)."""
    facts = []
    death = t.record.death_date
    dosing = _dosing_of(t, p, ctx)
    if ctx.get(MEMORY) is None:
        return [
            _adverse_event_fact(dosing, number, index, ae, death)
            for number, (index, ae) in enumerate(t.adverse_events, 1)
        ]
    known = dosing.facts
    if len(known) > _KNOWN_FACTS:
        known.clear()
    for number, (index, ae) in enumerate(t.adverse_events, 1):
        # With the periods and as-of of ``dosing``; the entry itself by identity (an entry
        # held here is never another one) or, failing that, by content.
        kept = known.get((index, number))
        if kept is not None and (kept[0] is ae or kept[0] == ae) and kept[1] == death:
            facts.append(kept[2])
            continue
        fact = _adverse_event_fact(dosing, number, index, ae, death)
        known[index, number] = (ae, death, fact)
        facts.append(fact)
    return facts
