"""Facts for the data-consistency rules: intervals, dates after death or as-of, overlaps."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from protocol.dates import DateRange, PartialDate, add_months
from protocol.engine.facts.base import MEMORY, Fact, date_text, register
from protocol.engine.listing import capped
from protocol.engine.ordering import ordered
from protocol.engine.timeline import Timeline, day_span

__all__: list[str] = []  # the builders register themselves as subjects

_INDEX = re.compile(r"/\d+")


@register(
    "has_end gap_min gap_max",
    "what start_date end_date pointer",
)
def _interval(t: Timeline, p: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[Fact]:
    """Every dosing period, then every adverse event, as a start and an end (DAT002)."""
    # Periods are numbered by start date (content breaks ties), as DOS001-DOS004 number them.
    periods = t.record.sorafenib
    by_date = ordered(
        range(len(periods)),
        key=lambda i: (periods[i].start_date.earliest, periods[i].start_date.latest),
        tie=lambda i: repr(periods[i]),
    )
    numbers = {i: n for n, i in enumerate(by_date, 1)}
    memory = ctx.get(MEMORY)
    known: dict[Any, tuple[Any, Fact]] | None = None
    if memory is not None:
        known = memory.setdefault("interval", {})
        if len(known) > _KNOWN_INTERVALS:
            known.clear()
    facts = []
    for i, x in enumerate(periods):
        key = ("sorafenib", i, numbers[i])
        fact = _kept(known, key, x)
        if fact is None:
            what = f"dosing period {numbers[i]}"
            fact = _interval_fact(f"/sorafenib/{i}", what, x.start_date, x.end_date, "end_date")
            if known is not None:
                known[key] = (x, fact)
        facts.append(fact)
    for i, x in enumerate(t.record.adverse_events):
        key = ("adverse_events", i, 0)
        fact = _kept(known, key, x)
        if fact is None:
            fact = _interval_fact(
                f"/adverse_events/{i}",
                f"adverse event '{x.term}'",
                x.onset_date,
                x.resolution_date,
                "resolution_date",
            )
            if known is not None:
                known[key] = (x, fact)
        facts.append(fact)
    return facts


def _kept(known: dict[Any, tuple[Any, Fact]] | None, key: Any, entry: Any) -> Fact | None:
    """The fact remembered for ``entry`` at ``key``: the same entry, or one equal to it."""
    kept = known.get(key) if known is not None else None
    if kept is not None and (kept[0] is entry or kept[0] == entry):
        return kept[1]
    return None


# Interval facts are remembered (when the caller gives a memory) by everything they are
# measured from, an entry, its place and its number: a growing record measures each once.
# A place holds one entry (the last one measured there).
_KNOWN_INTERVALS = 10_000


def _interval_fact(
    pointer: str, what: str, start: PartialDate, end: PartialDate | None, end_field: str
) -> Fact:
    low, high = day_span(start.range, end.range) if end else (0, 0)
    return Fact(
        "interval",
        pointer,
        {"has_end": end is not None, "gap_min": low, "gap_max": high},
        {
            "what": what,
            "start_date": str(start),
            "end_date": date_text(end, "none"),
            "pointer": f"{pointer}/{end_field}",
        },
    )


def _dated_items(
    t: Timeline, keep: Callable[[PartialDate], bool], death: bool = False
) -> list[tuple[str, PartialDate]]:
    """The record's dates that ``keep`` keeps (the death date too, if ``death``), by date.

    Filtered before they are ordered and given their pointers: the order is a stable
    sort by content, so the kept dates come out as they would from the whole list.
    """
    r = t.record
    items: list[tuple[str, PartialDate]] = []
    add = items.append
    if r.diagnosis is not None and r.diagnosis.date is not None and keep(r.diagnosis.date):
        add(("/diagnosis/date", r.diagnosis.date))
    for section, fields in _DATED_FIELDS:
        for i, x in enumerate(getattr(r, section)):
            for field in fields:
                value = getattr(x, field)
                if value is not None and keep(value):
                    add((f"/{section}/{i}/{field}", value))
    if r.withdrawal is not None and keep(r.withdrawal.date):
        add(("/withdrawal/date", r.withdrawal.date))
    if r.last_contact_date is not None and keep(r.last_contact_date):
        add(("/last_contact_date", r.last_contact_date))
    if death and r.death_date is not None and keep(r.death_date):
        add(("/death_date", r.death_date))
    return _by_date(items, r)


_DATED_FIELDS = (
    ("tace", ("date",)),
    ("imaging", ("date",)),
    ("sorafenib", ("start_date", "end_date")),
    ("adverse_events", ("onset_date", "resolution_date")),
)


def _content(record: Any, pointer: str) -> str:
    """The array element a pointer is in, as written (explicit nulls included), or ''."""
    parts = pointer.split("/")
    if len(parts) < 3 or not parts[2].isdigit():
        return ""
    element = getattr(record, parts[1])[int(parts[2])]
    return repr(element.model_dump(mode="json", exclude_unset=True))


def _by_date(items: list[tuple[str, PartialDate]], record: Any) -> list[tuple[str, PartialDate]]:
    """Dated items in date order, then by field and content: never by position in an array."""
    return ordered(
        items,
        key=lambda item: (
            item[1].earliest,
            item[1].latest,
            str(item[1]),
            _INDEX.sub("", item[0]),
        ),
        tie=lambda item: (_content(record, item[0]), item[0]),
    )


def _listing(items: list[tuple[str, PartialDate]], p: Mapping[str, Any]) -> str:
    return capped((f"{value} at {pointer}" for pointer, value in items), int(p["listing_limit"]))


@register(
    "has_death after_count maybe_count",
    "death_date after_list maybe_list pointer",
    "listing_limit",
)
def _death_consistency(t: Timeline, p: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[Fact]:
    """Dates recorded after the death date (DAT003)."""
    death = t.record.death_date
    after: list[tuple[str, PartialDate]] = []
    maybe: list[tuple[str, PartialDate]] = []
    if death is not None:
        after = _dated_items(t, lambda value: value.earliest > death.latest)
        maybe = _dated_items(
            t, lambda value: value.earliest <= death.latest and value.latest > death.earliest
        )
    return [
        Fact(
            "death_consistency",
            None,
            {"has_death": death is not None, "after_count": len(after), "maybe_count": len(maybe)},
            {
                "death_date": date_text(death),
                "after_list": _listing(after, p),
                "maybe_list": _listing(maybe, p),
                "pointer": after[0][0] if after else maybe[0][0] if maybe else "/death_date",
            },
        )
    ]


@register(
    "after_count typo_count",
    "as_of after_list typo_list typo_reference pointer",
    "listing_limit typo_years",
)
def _asof_consistency(t: Timeline, p: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[Fact]:
    """Dates recorded after the as-of date, and those implausibly far in the future (DAT004)."""
    as_of = t.as_of
    after = _dated_items(t, lambda value: value.earliest > as_of, death=True)
    cutoff = t.record.data_cutoff_date
    if cutoff is not None:
        reference, reference_text = cutoff.latest, f"the data cut-off {cutoff}"
    else:
        today = date.today()
        reference, reference_text = today, f"today ({today})"
    limit = add_months(reference, 12 * int(p["typo_years"]))
    typos = [(ptr, v) for ptr, v in after if v.earliest > limit]
    return [
        Fact(
            "asof_consistency",
            None,
            {"after_count": len(after), "typo_count": len(typos)},
            {
                "as_of": t.as_of.isoformat(),
                "after_list": _listing(after, p),
                "typo_list": _listing(typos, p),
                "typo_reference": reference_text,
                "pointer": after[0][0] if after else "",
            },
        )
    ]


def _period_text(t: Timeline, index: int) -> str:
    period = t.record.sorafenib[index]
    return f"{period.start_date} to {period.end_date or 'ongoing'}"


@register(
    "periods overlap_count maybe_count",
    "overlaps maybe_overlaps pointer",
    "listing_limit",
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
    spans = ordered(
        spans,
        key=lambda s: (s[1].earliest, s[2].earliest),
        tie=lambda s: repr(t.record.sorafenib[s[0]]),
    )
    # Work and labels in proportion to the overlaps: spans are sorted by earliest start,
    # so once a later span cannot start before this one ends, no further one can.
    limit = int(p["listing_limit"])
    sure: list[tuple[int, int]] = []
    maybe: list[tuple[int, int]] = []
    counts = {"sure": 0, "maybe": 0}
    for a, (i, s1, e1) in enumerate(spans):
        for j, s2, e2 in spans[a + 1 :]:
            if s2.earliest > e1.latest:
                break
            if s1.latest <= e2.earliest and s2.latest <= e1.earliest:
                kind, pairs = "sure", sure
            elif s1.earliest <= e2.latest:
                kind, pairs = "maybe", maybe
            else:
                continue
            counts[kind] += 1
            if len(pairs) < limit:
                pairs.append((i, j))

    def label(pair: tuple[int, int]) -> str:
        i, j = pair
        return f"/sorafenib/{i} ({_period_text(t, i)}) and /sorafenib/{j} ({_period_text(t, j)})"

    def listing(pairs: list[tuple[int, int]], count: int) -> str:
        text = "; ".join(label(pair) for pair in pairs) or "none"
        return f"{text}; and {count - len(pairs)} more pairs" if count > len(pairs) else text

    first = (sure or maybe or [(-1, -1)])[0][1]
    return [
        Fact(
            "dosing_overlap",
            None,
            {
                "periods": len(spans),
                "overlap_count": counts["sure"],
                "maybe_count": counts["maybe"],
            },
            {
                "overlaps": listing(sure, counts["sure"]),
                "maybe_overlaps": listing(maybe, counts["maybe"]),
                "pointer": f"/sorafenib/{first}" if first >= 0 else "/sorafenib",
            },
        )
    ]
