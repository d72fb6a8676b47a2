"""Measurements: what the rules engine is told about one patient.

A *subject* is a kind of fact the pack's rules can be about (the diagnosis, a
dosing period, an adverse event...). Its builder measures the record as of a
date and returns facts whose ``values`` are typed numbers, booleans and words
(dates already turned into day counts, partial dates into ``_min``/``_max``
ranges). The rules in the pack judge those values; nothing here decides a
status. ``display`` values only fill message templates and evidence.

Every value field is always present and never null (a missing field would
silently fail to match in durable_rules), and ``SUBJECTS`` declares the fields
so the pack loader can refuse a clause or template that names anything else.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from protocol.dates import DateRange, PartialDate
from protocol.engine.timeline import Period, Timeline, day_span, span_text

__all__ = ["SUBJECTS", "Fact", "Subject", "measure"]


@dataclass(frozen=True, slots=True)
class Fact:
    subject: str
    instance: str | None
    values: dict[str, Any]
    display: dict[str, Any]


Builder = Callable[[Timeline, Mapping[str, Any], Mapping[str, Any]], list[Fact]]


@dataclass(frozen=True, slots=True)
class Subject:
    name: str
    fields: frozenset[str]
    display: frozenset[str]
    params: frozenset[str]
    needs_eligibility: bool
    build: Builder
    description: str


SUBJECTS: dict[str, Subject] = {}
_INDEX = re.compile(r"/\d+")


def _subject(
    fields: str, display: str, params: str = "", needs_eligibility: bool = False
) -> Callable[[Builder], Builder]:
    def register(build: Builder) -> Builder:
        name = build.__name__.removeprefix("_")
        SUBJECTS[name] = Subject(
            name,
            frozenset(fields.split()),
            frozenset(display.split()),
            frozenset(params.split()),
            needs_eligibility,
            build,
            (build.__doc__ or "").strip(),
        )
        return build

    return register


def _text(value: PartialDate | DateRange | None, missing: str = "not recorded") -> str:
    return missing if value is None else str(value)


def _yes_no(value: bool | None) -> str:
    return "unknown" if value is None else "yes" if value else "no"


@_subject(
    "condition condition_given unresectable",
    "condition_text unresectable_text diagnosis_date pointer",
)
def _diagnosis(t: Timeline, p: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[Fact]:
    """The diagnosis and its resectability (ELG001)."""
    d = t.record.diagnosis
    condition = d.condition if d and d.condition else ""
    unresectable = d.unresectable if d else None
    return [
        Fact(
            "diagnosis",
            None,
            {
                "condition": condition,
                "condition_given": bool(condition),
                "unresectable": _yes_no(unresectable),
            },
            {
                "condition_text": condition or "not recorded",
                "unresectable_text": {True: "unresectable", False: "resectable"}.get(
                    unresectable, "resectability not recorded"
                ),
                "diagnosis_date": _text(d.date if d else None),
                "pointer": "/diagnosis" if d else "",
            },
        )
    ]


@_subject(
    "procedures entries duplicate_dates possible_duplicates",
    "tace_dates tace1_date duplicates pointer duplicate_pointer",
)
def _tace_history(t: Timeline, p: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[Fact]:
    """The TACE procedures, numbered by date (ELG002, DAT001)."""
    seen: dict[str, list[int]] = {}
    for index, tace in enumerate(t.record.tace):
        seen.setdefault(str(tace.date), []).append(index)
    # Shared dates in date order, never in array order.
    shared = sorted(
        (k for k, v in seen.items() if len(v) > 1),
        key=lambda k: (PartialDate.parse(k).earliest, PartialDate.parse(k).latest, k),
    )
    repeated = {k: seen[k] for k in shared}
    full = [k for k in repeated if PartialDate.parse(k).is_full]
    first = repeated[shared[0]] if repeated else None
    return [
        Fact(
            "tace_history",
            None,
            {
                "procedures": len(t.procedures),
                "entries": len(t.record.tace),
                "duplicate_dates": len(full),
                "possible_duplicates": len(repeated) - len(full),
            },
            {
                "tace_dates": ", ".join(str(x.date) for x in t.procedures) or "none",
                "tace1_date": _text(t.tace(1).date if t.tace(1) else None),
                "duplicates": "; ".join(
                    f"{k} at " + ", ".join(f"/tace/{i}" for i in v) for k, v in repeated.items()
                )
                or "none",
                "pointer": "/tace",
                "duplicate_pointer": f"/tace/{first[1]}/date" if first else "/tace",
            },
        )
    ]


def _first_progression(t: Timeline, p: Mapping[str, Any]) -> tuple[int, Any] | None:
    tace1 = t.tace(1)
    if tace1 is None:
        return None
    results = set(p["progression_results"])
    candidates = [
        (i, im)
        for i, im in t.imaging
        if im.result in results and im.date.latest > tace1.date.earliest
    ]
    # Ties on the date are broken by content, never by position in the array.
    return (
        min(candidates, key=lambda c: (c[1].date.earliest, c[1].date.latest, repr(c[1])))
        if candidates
        else None
    )


@_subject(
    "has_tace1 found margin_min margin_max asof_margin_min asof_margin_max",
    "tace1_date progression_date progression_day deadline window_months days_late days_left "
    "as_of pointer",
    "progression_window_months progression_results",
)
def _progression(t: Timeline, p: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[Fact]:
    """The first progression after TACE #1 against TACE #1 + N calendar months (ELG003)."""
    tace1 = t.tace(1)
    months = p["progression_window_months"]
    values = dict.fromkeys(("margin_min", "margin_max", "asof_margin_min", "asof_margin_max"), 0)
    display: dict[str, Any] = {
        "tace1_date": "not recorded",
        "progression_date": "none recorded",
        "progression_day": "",
        "deadline": "",
        "window_months": months,
        "days_late": "",
        "days_left": "",
        "as_of": t.as_of.isoformat(),
        "pointer": "/imaging",
    }
    first = _first_progression(t, p)
    if tace1 is not None:
        deadline = tace1.date.range.plus_months(months)
        display.update(tace1_date=str(tace1.date), deadline=str(deadline), pointer=tace1.pointer)
        low, high = day_span(deadline, t.as_of_range)
        values.update(asof_margin_min=low, asof_margin_max=high)
        display["days_left"] = span_text(-high, -low) if high <= 0 else "0"
        if first is not None:
            index, imaging = first
            low, high = day_span(deadline, imaging.date.range)
            values.update(margin_min=low, margin_max=high)
            day_low, day_high = day_span(tace1.date.range, imaging.date.range)
            display.update(
                progression_date=str(imaging.date),
                progression_day=span_text(day_low, day_high),
                days_late=span_text(max(low, 0), high),
                pointer=f"/imaging/{index}/date",
            )
    values.update(has_tace1=tace1 is not None, found=first is not None)
    return [Fact("progression", None, values, display)]


@_subject(
    "has_tace1 has_progression has_tace2 gap_min gap_max closed",
    "tace2_date progression_date gap closed_text pointer",
    "progression_results",
)
def _second_tace(t: Timeline, p: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[Fact]:
    """TACE #2 against the progression date (ELG004)."""
    tace2 = t.tace(2)
    first = _first_progression(t, p)
    stop = t.stop
    values = {
        "has_tace1": t.tace(1) is not None,
        "has_progression": first is not None,
        "has_tace2": tace2 is not None,
        "gap_min": 0,
        "gap_max": 0,
        "closed": stop is not None,
    }
    display = {
        "tace2_date": _text(tace2.date if tace2 else None),
        "progression_date": str(first[1].date) if first else "none recorded",
        "gap": "",
        "closed_text": f"{stop[0]} on {stop[1]}" if stop else "",
        "pointer": tace2.pointer if tace2 else "/tace",
    }
    if tace2 is not None and first is not None:
        low, high = day_span(first[1].date.range, tace2.date.range)
        values.update(gap_min=low, gap_max=high)
        display["gap"] = span_text(low, high) if low >= 0 else span_text(-high, -low)
    return [Fact("second_tace", None, values, display)]


@_subject(
    "has_tace2 ineligible started day_min day_max elapsed_min elapsed_max stopped "
    "stop_day_min stop_day_max",
    "tace2_date start_date day days_late days_early due_date days_left stop_text "
    "window_first window_last window_days pointer",
    "start_window_first_day start_window_last_day",
    needs_eligibility=True,
)
def _sorafenib_start(t: Timeline, p: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[Fact]:
    """The first sorafenib dose against TACE #2 (TRT001)."""
    first_day, last_day = p["start_window_first_day"], p["start_window_last_day"]
    tace2 = t.tace(2)
    first = t.first_start
    stop = t.stop
    values = dict.fromkeys(
        ("day_min", "day_max", "elapsed_min", "elapsed_max", "stop_day_min", "stop_day_max"), 0
    )
    values.update(
        has_tace2=tace2 is not None,
        ineligible=ctx["eligibility"] == "ineligible",
        started=first is not None,
        stopped=stop is not None,
    )
    display: dict[str, Any] = {
        "tace2_date": _text(tace2.date if tace2 else None),
        "start_date": str(first.period.start_date) if first else "not started",
        "day": "",
        "days_late": "",
        "days_early": "",
        "due_date": "",
        "days_left": "",
        "stop_text": f"{stop[0]} on {stop[1]}" if stop else "",
        "window_first": first_day,
        "window_last": last_day,
        "window_days": [first_day, last_day],
        "pointer": f"/sorafenib/{first.index}/start_date" if first else "/sorafenib",
    }
    if tace2 is not None:
        window = tace2.date.range
        due = DateRange(
            *(d.fromordinal(d.toordinal() + last_day) for d in (window.earliest, window.latest))
        )
        low, high = day_span(window, t.as_of_range)
        values.update(elapsed_min=low, elapsed_max=high)
        display.update(
            due_date=str(due), days_left=span_text(max(last_day - high, 0), max(last_day - low, 0))
        )
        if first is not None:
            low, high = day_span(window, first.start)
            values.update(day_min=low, day_max=high)
            display.update(
                day=low if low == high else span_text(low, high),
                days_late=span_text(max(low - last_day, 0), high - last_day),
                days_early=span_text(max(first_day - high, 0), first_day - low),
            )
        if stop is not None:
            low, high = day_span(window, stop[1])
            values.update(stop_day_min=low, stop_day_max=high)
    return [Fact("sorafenib_start", None, values, display)]


@_subject(
    "treated eligibility",
    "first_start eligibility_text failed_rules pointer",
    needs_eligibility=True,
)
def _treatment(t: Timeline, p: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[Fact]:
    """Whether sorafenib was given, beside the patient's eligibility (TRT002)."""
    first = t.first_start
    return [
        Fact(
            "treatment",
            None,
            {"treated": first is not None, "eligibility": ctx["eligibility"]},
            {
                "first_start": str(first.period.start_date) if first else "never",
                "eligibility_text": ctx["eligibility"],
                "failed_rules": ", ".join(ctx["failed_rules"]) or "none",
                "pointer": f"/sorafenib/{first.index}" if first else "/sorafenib",
            },
        )
    ]


def _daily(period: Any, p: Mapping[str, Any]) -> float:
    return float(period.dose_mg) * float(p["daily_administrations"][period.frequency])


def _prior_grades(t: Timeline, start: DateRange) -> tuple[int, int, str]:
    definite, possible, label = 0, 0, "none"
    for _i, ae in t.adverse_events:
        onset = ae.onset_date
        if onset.latest <= start.earliest and ae.grade > definite:
            definite = ae.grade
            label = f"{ae.term} (grade {ae.grade}, onset {onset})"
        if onset.earliest <= start.latest:
            possible = max(possible, ae.grade)
    return definite, possible, label


@_subject(
    "daily_dose frequency reason max_prior_ae_grade max_possible_prior_ae_grade",
    "number index start_date end_date dose_mg daily_dose_text prior_ae pointer",
    "daily_administrations",
)
def _dosing_period(t: Timeline, p: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[Fact]:
    """Each sorafenib dosing period: its daily dose, frequency and reason (DOS001-DOS004)."""
    facts = []
    # Periods are numbered by start date (content breaks ties), not by array position.
    by_date = sorted(t.periods, key=lambda x: (x.start.earliest, x.start.latest, repr(x.period)))
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


def _change_after(day: int, t: Timeline, p: Mapping[str, Any]) -> tuple[str, str]:
    """Whether dosing shows a lower dose or a gap after ``day``, whatever the array order.

    Only values decide (dates, doses), never positions: among periods running at
    onset the highest daily dose is the one in effect and the latest end the one
    that counts; the next period is the earliest starting after every running one.
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
    if lower is not None:
        return "yes", (
            f"dose lowered to {_daily(lower.period, p):g} mg/day from {lower.period.start_date}"
        )
    if not any(x.ongoing for x in running):
        current = max(running, key=lambda x: (x.end.earliest, str(x.period.end_date)))
        following = later[0] if later else None
        end = current.end.earliest.toordinal()
        if following is None:
            return "yes", f"dosing stopped after {current.period.end_date}"
        if following.start.earliest.toordinal() > end + 1:
            return "yes", (
                f"dosing paused from {current.period.end_date} to {following.period.start_date}"
            )
    return "no", f"{daily:g} mg/day continued without a lower dose or a gap"


@_subject(
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
        outcomes = {_change_after(day.toordinal(), t, p) for day in (onset.earliest, onset.latest)}
        change = outcomes.pop() if len(outcomes) == 1 else ("uncertain", "onset date is partial")
        low, high = day_span(onset, death.range) if death else (0, 0)
        facts.append(
            Fact(
                "adverse_event",
                f"/adverse_events/{index}",
                {
                    "grade": ae.grade,
                    "related": _yes_no(ae.related_to_sorafenib),
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
                    "death_date": _text(death),
                    "pointer": f"/adverse_events/{index}",
                },
            )
        )
    return facts


@_subject(
    "has_end gap_min gap_max",
    "what start_date end_date pointer",
)
def _interval(t: Timeline, p: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[Fact]:
    """Every dosing period, then every adverse event, as a start and an end (DAT002)."""
    items = [
        (f"/sorafenib/{i}", f"dosing period {i + 1}", x.start_date, x.end_date, "end_date")
        for i, x in enumerate(t.record.sorafenib)
    ] + [
        (
            f"/adverse_events/{i}",
            f"adverse event '{x.term}'",
            x.onset_date,
            x.resolution_date,
            "resolution_date",
        )
        for i, x in enumerate(t.record.adverse_events)
    ]
    facts = []
    for pointer, what, start, end, end_field in items:
        low, high = day_span(start.range, end.range) if end else (0, 0)
        facts.append(
            Fact(
                "interval",
                pointer,
                {"has_end": end is not None, "gap_min": low, "gap_max": high},
                {
                    "what": what,
                    "start_date": str(start),
                    "end_date": _text(end, "none"),
                    "pointer": f"{pointer}/{end_field}",
                },
            )
        )
    return facts


def _dated_items(t: Timeline) -> list[tuple[str, PartialDate]]:
    r = t.record
    items: list[tuple[str, PartialDate | None]] = []
    if r.diagnosis is not None:
        items.append(("/diagnosis/date", r.diagnosis.date))
    items += [(f"/tace/{i}/date", x.date) for i, x in enumerate(r.tace)]
    items += [(f"/imaging/{i}/date", x.date) for i, x in enumerate(r.imaging)]
    for i, x in enumerate(r.sorafenib):
        items += [
            (f"/sorafenib/{i}/start_date", x.start_date),
            (f"/sorafenib/{i}/end_date", x.end_date),
        ]
    for i, x in enumerate(r.adverse_events):
        items += [
            (f"/adverse_events/{i}/onset_date", x.onset_date),
            (f"/adverse_events/{i}/resolution_date", x.resolution_date),
        ]
    if r.withdrawal is not None:
        items.append(("/withdrawal/date", r.withdrawal.date))
    items.append(("/last_contact_date", r.last_contact_date))
    return _by_date([(pointer, value) for pointer, value in items if value is not None])


def _by_date(items: list[tuple[str, PartialDate]]) -> list[tuple[str, PartialDate]]:
    """Dated items in date order, then by field: never by position in an array."""
    return sorted(
        items,
        key=lambda item: (
            item[1].earliest,
            item[1].latest,
            str(item[1]),
            _INDEX.sub("", item[0]),
            item[0],
        ),
    )


def _listing(items: list[tuple[str, PartialDate]]) -> str:
    return "; ".join(f"{value} at {pointer}" for pointer, value in items) or "none"


@_subject(
    "has_death after_count maybe_count",
    "death_date after_list maybe_list pointer",
)
def _death_consistency(t: Timeline, p: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[Fact]:
    """Dates recorded after the death date (DAT003)."""
    death = t.record.death_date
    after: list[tuple[str, PartialDate]] = []
    maybe: list[tuple[str, PartialDate]] = []
    if death is not None:
        for pointer, value in _dated_items(t):
            if value.earliest > death.latest:
                after.append((pointer, value))
            elif value.latest > death.earliest:
                maybe.append((pointer, value))
    return [
        Fact(
            "death_consistency",
            None,
            {"has_death": death is not None, "after_count": len(after), "maybe_count": len(maybe)},
            {
                "death_date": _text(death),
                "after_list": _listing(after),
                "maybe_list": _listing(maybe),
                "pointer": after[0][0] if after else maybe[0][0] if maybe else "/death_date",
            },
        )
    ]


@_subject("after_count", "as_of after_list pointer")
def _asof_consistency(t: Timeline, p: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[Fact]:
    """Dates recorded after the as-of date (DAT004)."""
    items = _dated_items(t)
    if t.record.death_date is not None:
        items = _by_date([*items, ("/death_date", t.record.death_date)])
    after = [(ptr, v) for ptr, v in items if v.earliest > t.as_of]
    return [
        Fact(
            "asof_consistency",
            None,
            {"after_count": len(after)},
            {
                "as_of": t.as_of.isoformat(),
                "after_list": _listing(after),
                "pointer": after[0][0] if after else "",
            },
        )
    ]


def _period_text(t: Timeline, index: int) -> str:
    period = t.record.sorafenib[index]
    return f"{period.start_date} to {period.end_date or 'ongoing'}"


@_subject(
    "periods overlap_count maybe_count",
    "overlaps maybe_overlaps pointer",
)
def _dosing_overlap(t: Timeline, p: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[Fact]:
    """Pairs of dosing periods that share days (DAT005)."""
    spans = []
    for i, x in enumerate(t.record.sorafenib):
        end = (
            x.end_date.range
            if x.end_date
            else DateRange(max(t.as_of, x.start_date.latest), max(t.as_of, x.start_date.latest))
        )
        spans.append((i, x.start_date.range, end))
    # Pairs in the periods' date order (content breaks ties), never in array order.
    spans.sort(key=lambda s: (s[1].earliest, s[2].earliest, repr(t.record.sorafenib[s[0]])))
    sure: list[str] = []
    maybe: list[str] = []
    for a in range(len(spans)):
        for b in range(a + 1, len(spans)):
            (i, s1, e1), (j, s2, e2) = spans[a], spans[b]
            label = (
                f"/sorafenib/{i} ({_period_text(t, i)}) and /sorafenib/{j} ({_period_text(t, j)})"
            )
            if s1.latest <= e2.earliest and s2.latest <= e1.earliest:
                sure.append(label)
            elif s1.earliest <= e2.latest and s2.earliest <= e1.latest:
                maybe.append(label)
    first = (sure or maybe or ["/sorafenib"])[0].split(" and ")[-1].split(" ")[0]
    return [
        Fact(
            "dosing_overlap",
            None,
            {"periods": len(spans), "overlap_count": len(sure), "maybe_count": len(maybe)},
            {
                "overlaps": "; ".join(sure) or "none",
                "maybe_overlaps": "; ".join(maybe) or "none",
                "pointer": first,
            },
        )
    ]


@_subject("periods", "first_start pointer")
def _control_sorafenib(t: Timeline, p: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[Fact]:
    """Sorafenib recorded for a control patient (CTL001)."""
    first = t.first_start
    return [
        Fact(
            "control_sorafenib",
            None,
            {"periods": len(t.periods)},
            {
                "first_start": str(first.period.start_date) if first else "never",
                "pointer": f"/sorafenib/{first.index}" if first else "/sorafenib",
            },
        )
    ]


@_subject(
    "procedures margin_min margin_max",
    "tace2_date tace3_date limit_date interval_days window_months pointer",
    "control_interval_months",
)
def _control_interval(t: Timeline, p: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[Fact]:
    """The interval from TACE #2 to TACE #3 of a control (CTL002)."""
    months = p["control_interval_months"]
    tace2, tace3 = t.tace(2), t.tace(3)
    values = {"procedures": len(t.procedures), "margin_min": 0, "margin_max": 0}
    display: dict[str, Any] = {
        "tace2_date": _text(tace2.date if tace2 else None),
        "tace3_date": _text(tace3.date if tace3 else None),
        "limit_date": "",
        "interval_days": "",
        "window_months": months,
        "pointer": tace3.pointer if tace3 else "/tace",
    }
    if tace2 is not None and tace3 is not None:
        limit = tace2.date.range.plus_months(months)
        low, high = day_span(limit, tace3.date.range)
        values.update(margin_min=low, margin_max=high)
        days = day_span(tace2.date.range, tace3.date.range)
        display.update(limit_date=str(limit), interval_days=span_text(*days))
    return [Fact("control_interval", None, values, display)]


@_subject(
    "eligibility cohort treated exposure_margin_min exposure_margin_max",
    "eligibility_text exposure_start exposure_end threshold_date threshold_months "
    "exposure_days pointer",
    "exposure_threshold_months",
    needs_eligibility=True,
)
def _analysis(t: Timeline, p: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[Fact]:
    """Eligibility and sorafenib exposure, for the analysis group."""
    months = p["exposure_threshold_months"]
    first = t.first_start
    values = {
        "eligibility": ctx["eligibility"],
        "cohort": t.record.cohort,
        "treated": first is not None,
        "exposure_margin_min": 0,
        "exposure_margin_max": 0,
    }
    display: dict[str, Any] = {
        "eligibility_text": ctx["eligibility"],
        "exposure_start": "",
        "exposure_end": "",
        "threshold_date": "",
        "threshold_months": months,
        "exposure_days": "",
        "pointer": "/sorafenib",
    }
    if first is not None:
        end = DateRange(
            max(x.end.earliest for x in t.periods), max(x.end.latest for x in t.periods)
        )
        threshold = first.start.plus_months(months)
        low, high = day_span(threshold, end)
        values.update(exposure_margin_min=low, exposure_margin_max=high)
        ongoing = any(x.ongoing for x in t.periods)
        display.update(
            exposure_start=str(first.period.start_date),
            exposure_end=f"{end} (ongoing, as of)" if ongoing else str(end),
            threshold_date=str(threshold),
            exposure_days=span_text(*day_span(first.start, end)),
        )
    return [Fact("analysis", None, values, display)]


def measure(
    subject: str, timeline: Timeline, params: Mapping[str, Any], context: Mapping[str, Any]
) -> list[Fact]:
    """The facts of one subject for one patient."""
    return SUBJECTS[subject].build(timeline, params, context)
