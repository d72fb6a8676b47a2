"""Facts about each dosing period and each adverse event against the dosing record."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from protocol.dates import DateRange
from protocol.engine.facts.base import Fact, date_text, register, yes_no
from protocol.engine.listing import capped
from protocol.engine.ordering import ordered
from protocol.engine.timeline import Period, Timeline, day_span

__all__: list[str] = []  # the builders register themselves as subjects


def _daily(period: Any, p: Mapping[str, Any]) -> float:
    return float(period.dose_mg) * float(p["daily_administrations"][period.frequency])


def _why_not_justified(t: Timeline, start: DateRange, p: Mapping[str, Any]) -> str:
    """Each adverse event considered for a reduction, and why it does not justify it."""
    grade = int(p["reduction_min_ae_grade"])
    reasons = []
    for _i, ae in sorted(t.adverse_events, key=lambda x: (x[1].onset_date.earliest, x[1].term)):
        if ae.grade < grade:
            reasons.append(f"{ae.term} is grade {ae.grade} (below {grade})")
        elif ae.onset_date.earliest > start.latest:
            reasons.append(f"{ae.term} (grade {ae.grade}) began {ae.onset_date}, after the period")
    if not reasons:
        return "no adverse event is recorded before it"
    return capped(reasons, int(p["listing_limit"]))


def _prior_grades(t: Timeline, start: DateRange) -> tuple[int, int, str]:
    """The highest grade surely before ``start``, the highest possibly before, and the AE named.

    Among AEs of the highest grade the one named is the latest to begin (the one closest
    to the reduction), then by term: values decide, never the position in the array.
    """
    before = [ae for _i, ae in t.adverse_events if ae.onset_date.latest <= start.earliest]
    possible = max(
        (ae.grade for _i, ae in t.adverse_events if ae.onset_date.earliest <= start.latest),
        default=0,
    )
    if not before:
        return 0, possible, "none"
    ae = max(before, key=lambda x: (x.grade, x.onset_date.earliest, x.onset_date.latest, x.term))
    return ae.grade, possible, f"grade {ae.grade} {ae.term} from {ae.onset_date}"


@register(
    "daily_dose frequency reason max_prior_ae_grade max_possible_prior_ae_grade",
    "number index start_date end_date dose_mg daily_dose_text prior_ae reason_text ae_reasons "
    "pointer",
    "daily_administrations reduction_min_ae_grade listing_limit",
)
def _dosing_period(t: Timeline, p: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[Fact]:
    """Each sorafenib dosing period: its daily dose, frequency and reason (DOS001-DOS004)."""
    facts = []
    # Periods are numbered by start date (content breaks ties), not by array position.
    by_date = ordered(
        t.periods, key=lambda x: (x.start.earliest, x.start.latest), tie=lambda x: repr(x.period)
    )
    numbers = {x.index: n for n, x in enumerate(by_date, 1)}
    for period in t.periods:
        number = numbers[period.index]
        daily = _daily(period.period, p)
        definite, possible, label = _prior_grades(t, period.start)
        dp = period.period
        facts.append(
            Fact(
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
                    "ae_reasons": _why_not_justified(t, period.start, p),
                    "pointer": f"/sorafenib/{period.index}",
                },
            )
        )
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


def _change_after(day: int, t: Timeline, p: Mapping[str, Any], action: str) -> tuple[str, str]:
    """Whether dosing shows a lower dose or a gap after ``day``, whatever the array order.

    Only values decide (dates, doses), never positions: among periods running at
    onset the highest daily dose is the one in effect and the latest end the one
    that counts; the next period is the earliest starting after every running one.
    Either shows the action; the one cited is the one the action names first (a gap
    for an interruption, a lower dose for a reduction).
    """
    running = [
        x for x in t.periods if x.start.earliest.toordinal() <= day <= x.end.earliest.toordinal()
    ]
    if not running:
        return "no", "no dosing period was running at onset"
    daily = max(_daily(x.period, p) for x in running)
    last_start = max(x.start.earliest for x in running)
    later = sorted(
        (x for x in t.periods if x.start.earliest > last_start),
        key=lambda x: (x.start.earliest, _daily(x.period, p), str(x.period.start_date)),
    )
    lower = next((x for x in later if _daily(x.period, p) < daily), None)
    shown: list[str] = []
    if lower is not None:
        shown.append(
            f"dose lowered to {_daily(lower.period, p):g} mg/day from {lower.period.start_date}"
        )
    if not any(x.ongoing for x in running):
        current = max(running, key=lambda x: (x.end.earliest, str(x.period.end_date)))
        following = later[0] if later else None
        end = current.end.earliest.toordinal()
        if following is None:
            shown.append(f"dosing stopped after {current.period.end_date}")
        elif following.start.earliest.toordinal() > end + 1:
            shown.append(
                f"dosing paused after {current.period.end_date} until {following.period.start_date}"
            )
    if shown:
        return "yes", shown[-1] if action == "drug_interrupted" else shown[0]
    return "no", f"{daily:g} mg/day continued without a lower dose or a gap"


@register(
    "grade related action on_sorafenib dose_change has_death death_gap_min death_gap_max",
    "number index term onset_date grade_text action_text change_text death_date pointer",
    "daily_administrations",
)
def _adverse_event(t: Timeline, p: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[Fact]:
    """Each adverse event: grade, causality, action, timing against dosing (AE001-AE003, DAT006)."""
    facts = []
    death = t.record.death_date
    for number, (index, ae) in enumerate(t.adverse_events, 1):
        onset = ae.onset_date.range
        outcomes = {
            _change_after(day.toordinal(), t, p, ae.action_taken)
            for day in (onset.earliest, onset.latest)
        }
        change = outcomes.pop() if len(outcomes) == 1 else ("uncertain", "onset date is partial")
        low, high = day_span(onset, death.range) if death else (0, 0)
        facts.append(
            Fact(
                "adverse_event",
                f"/adverse_events/{index}",
                {
                    "grade": ae.grade,
                    "related": yes_no(ae.related_to_sorafenib),
                    "action": ae.action_taken,
                    "on_sorafenib": _within(onset, t.periods),
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
        )
    return facts
