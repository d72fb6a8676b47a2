"""Facts measured from the TACE sequence: numbering, progression, TACE #2 and #3, start window."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from protocol.dates import DateRange, PartialDate
from protocol.engine.facts.base import Fact, ask_day, date_text, order_text, register
from protocol.engine.listing import capped
from protocol.engine.ordering import first as first_by
from protocol.engine.timeline import Timeline, day_span, span_text

__all__: list[str] = []  # the builders register themselves as subjects


def _may_share_day(seen: Mapping[str, list[int]], limit: int) -> tuple[int, str]:
    """Distinct TACE dates, one of them partial, that may fall on the same day."""
    dates = sorted(
        (PartialDate.parse(k) for k in seen), key=lambda d: (d.earliest, d.latest, str(d))
    )
    pairs = []
    for a, first in enumerate(dates):
        for second in dates[a + 1 :]:
            if second.earliest > first.latest:
                break
            if not first.is_full:
                pairs.append((first, second))
            elif not second.is_full:  # the partial date first: it is the one to complete
                pairs.append((second, first))
    where = {k: ", ".join(f"/tace/{i}" for i in v) for k, v in seen.items()}
    text = capped(
        (f"{x} at {where[str(x)]} may be the same day as {y} at {where[str(y)]}" for x, y in pairs),
        limit,
    )
    return len(pairs), text


def _second_by_content(t: Timeline, indices: list[int]) -> str:
    """The entry repeating a date: the second by content, never by array position."""
    ordered = sorted(indices, key=lambda i: repr(t.record.tace[i]))
    return f"/tace/{ordered[1]}/date"


@register(
    "procedures entries duplicate_dates possible_duplicates tace1_open",
    "tace_dates tace1_date duplicates possible_text later_text order_text as_of pointer "
    "duplicate_pointer",
    "listing_limit",
)
def _tace_history(t: Timeline, p: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[Fact]:
    """The TACE procedures, numbered by date (ELG002, DAT001)."""
    limit = int(p["listing_limit"])
    recorded = t.record.tace
    seen: dict[str, list[int]] = {}
    for index, tace in enumerate(t.record.tace):
        seen.setdefault(str(tace.date), []).append(index)
    happened = sum(len(x.indices) for x in t.procedures)
    later = len(t.record.tace) - happened
    if all(tace.date.is_full for tace in recorded):  # most records: no day can be shared
        overlapping, possible_text = 0, capped((), limit)
    else:
        overlapping, possible_text = _may_share_day(seen, limit)
    # Shared dates in date order, never in array order.
    shared = sorted(
        (k for k, v in seen.items() if len(v) > 1),
        key=lambda k: (PartialDate.parse(k).earliest, PartialDate.parse(k).latest, k),
    )
    repeated = {k: seen[k] for k in shared}
    full = [k for k in repeated if PartialDate.parse(k).is_full]
    first = repeated[shared[0]] if repeated else None
    partial_shared = [
        f"{k} at " + ", ".join(f"/tace/{i}" for i in repeated[k]) for k in shared if k not in full
    ]
    if partial_shared:
        possible_text = capped(
            [
                *(f"{x} (two or more entries: one procedure or several)" for x in partial_shared),
                *([] if possible_text == "none" else [possible_text]),
            ],
            limit,
        )
    later_text = (
        ""
        if later == 0
        else f"; {later} TACE {'entry' if later == 1 else 'entries'} dated after the as-of date"
        f" {t.as_of} {'is' if later == 1 else 'are'} not counted (see DAT004)"
    )
    return [
        Fact(
            "tace_history",
            None,
            {
                "procedures": len(t.procedures),
                "entries": happened,
                "duplicate_dates": len(full),
                "possible_duplicates": len(repeated) - len(full) + overlapping,
                "tace1_open": t.order_open(1),
            },
            {
                "tace_dates": capped((str(x.date) for x in t.procedures), limit, ", "),
                "tace1_date": date_text(t.tace(1).date if t.tace(1) else None),
                "duplicates": capped(
                    (
                        f"{k} at "
                        + capped(
                            (f"/tace/{i}" for i in sorted(v, key=lambda i: repr(recorded[i]))),
                            limit,
                            ", ",
                        )
                        for k, v in repeated.items()
                    ),
                    limit,
                ),
                "possible_text": possible_text,
                "later_text": later_text,
                "order_text": order_text(t, p),
                "as_of": t.as_of.isoformat(),
                "pointer": "/tace",
                "duplicate_pointer": _second_by_content(t, first) if first else "/tace",
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
        first_by(
            candidates,
            key=lambda c: (c[1].date.earliest, c[1].date.latest),
            tie=lambda c: repr(c[1]),
        )
        if candidates
        else None
    )


@register(
    "has_tace1 found margin_min margin_max asof_margin_min asof_margin_max order_open",
    "tace1_date progression_date progression_day deadline window_months days_late days_left "
    "as_of order_text partial_text pointer",
    "progression_window_months progression_results listing_limit",
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
        "order_text": order_text(t, p),
        "partial_text": "",
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
    asks = []
    if tace1 is not None and not tace1.date.is_full:
        asks.append(ask_day("the date of TACE #1", tace1.date))
    if first is not None and not first[1].date.is_full:
        asks.append(ask_day("progression date", first[1].date))
    display["partial_text"] = "; ".join(asks) or "a partial date"
    values.update(has_tace1=tace1 is not None, found=first is not None, order_open=t.order_open(1))
    return [Fact("progression", None, values, display)]


@register(
    "has_tace1 has_progression has_tace2 gap_min gap_max closed order_open",
    "tace2_date progression_date gap closed_text order_text pointer",
    "progression_results listing_limit",
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
        "order_open": t.order_open(2),
    }
    display = {
        "tace2_date": date_text(tace2.date if tace2 else None),
        "progression_date": str(first[1].date) if first else "none recorded",
        "gap": "",
        "closed_text": f"{stop[0]} on {stop[1]}" if stop else "",
        "order_text": order_text(t, p),
        "pointer": tace2.pointer if tace2 else "/tace",
    }
    if tace2 is not None and first is not None:
        low, high = day_span(first[1].date.range, tace2.date.range)
        values.update(gap_min=low, gap_max=high)
        display["gap"] = span_text(low, high) if low >= 0 else span_text(-high, -low)
    return [Fact("second_tace", None, values, display)]


@register(
    "has_tace2 ineligible started day_min day_max elapsed_min elapsed_max stopped "
    "stop_day_min stop_day_max order_open",
    "tace2_date start_date day days_late days_early due_date days_left stop_text "
    "window_first window_last window_days order_text pointer",
    "start_window_first_day start_window_last_day listing_limit",
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
        order_open=t.order_open(2),
    )
    display: dict[str, Any] = {
        "tace2_date": date_text(tace2.date if tace2 else None),
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
        "order_text": order_text(t, p),
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


@register(
    "procedures margin_min margin_max order_open",
    "tace2_date tace3_date limit_date interval_days window_months order_text pointer",
    "control_interval_months listing_limit",
)
def _control_interval(t: Timeline, p: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[Fact]:
    """The interval from TACE #2 to TACE #3 of a control (CTL002)."""
    months = p["control_interval_months"]
    tace2, tace3 = t.tace(2), t.tace(3)
    values = {
        "procedures": len(t.procedures),
        "margin_min": 0,
        "margin_max": 0,
        "order_open": t.order_open(3),
    }
    display: dict[str, Any] = {
        "tace2_date": date_text(tace2.date if tace2 else None),
        "tace3_date": date_text(tace3.date if tace3 else None),
        "limit_date": "",
        "interval_days": "",
        "window_months": months,
        "order_text": order_text(t, p),
        "pointer": tace3.pointer if tace3 else "/tace",
    }
    if tace2 is not None and tace3 is not None:
        limit = tace2.date.range.plus_months(months)
        low, high = day_span(limit, tace3.date.range)
        values.update(margin_min=low, margin_max=high)
        days = day_span(tace2.date.range, tace3.date.range)
        display.update(limit_date=str(limit), interval_days=span_text(*days))
    return [Fact("control_interval", None, values, display)]
