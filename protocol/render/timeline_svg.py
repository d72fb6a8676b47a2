"""One patient's course as an inline SVG timeline, with the protocol windows over it.

The record is read by :mod:`protocol.render.course` (dates, doses, windows,
deviations); this module lays it out. The drawing is made of lanes on one
date axis: the protocol windows (shaded bands across every lane), TACE #1,
#2, #3... numbered by date, imaging results (progression and recurrence as
red triangles), sorafenib dosing
periods as bars whose height is the daily dose, adverse events coloured by
CTCAE grade, status dates (diagnosis, withdrawal, last contact, death) and
the TTP and OS endpoints. Every number that defines a window comes from the
pack parameters, never from this module.

A partial date (``2012-03``) is drawn as the range of days it may stand for,
dashed and light. Anything dated after the as-of date is clipped at the right
edge with its real date written beside it. Findings with status ``not_met``
get a red numbered badge on the item their JSON Pointer names; the numbers
are the findings' order in :func:`deviations`.

The parts: :mod:`~protocol.render.timeline_marks` (marks and colours),
:mod:`~protocol.render.timeline_layout` (scale, glyphs, rows),
:mod:`~protocol.render.timeline_lanes` (the lanes of dated items) and
:mod:`~protocol.render.timeline_dosing` (the sorafenib bars); this module
puts the lanes on one canvas, with the bands, the axis and the badges.

Every function here is pure: record and result in, SVG text out. Every
string from the record goes through :func:`html.escape`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape
from typing import Any

from protocol.dates import PartialDate
from protocol.findings import PatientResult
from protocol.render.course import (
    SORAFENIB_ARM,
    Window,
    deviations,
    iso_day,
    locate,
    parse_date,
    protocol_windows,
    record_items,
)
from protocol.render.timeline_dosing import draw_dosing
from protocol.render.timeline_lanes import (
    ae_lane,
    endpoint_lane,
    imaging_lane,
    status_lane,
    tace_lane,
    window_lane,
)
from protocol.render.timeline_layout import (
    BADGE_RADIUS,
    BADGE_REACH,
    BADGE_STEP,
    LEFT,
    WIDTH,
    Canvas,
    Glyph,
    Lane,
    Scale,
    assign_rows,
    lane_frame,
    svg_text,
    svg_title,
)
from protocol.render.timeline_marks import (
    DOSE_COLOURS,
    GRADE_COLOURS,
    IMAGING,
    WINDOW_COLOURS,
    WINDOW_INK,
)

__all__ = [
    "DOSE_COLOURS",
    "GRADE_COLOURS",
    "IMAGING",
    "WINDOW_COLOURS",
    "WINDOW_INK",
    "Drawing",
    "timeline_svg",
]


def _all_dates(record: Mapping[str, Any]) -> Iterable[PartialDate]:
    for key, field_names in (
        ("tace", ("date",)),
        ("imaging", ("date",)),
        ("sorafenib", ("start_date", "end_date")),
        ("adverse_events", ("onset_date", "resolution_date")),
    ):
        for _, item in record_items(record, key):
            for name in field_names:
                if when := parse_date(item.get(name)):
                    yield when
    for key in ("death_date", "last_contact_date"):
        if when := parse_date(record.get(key)):
            yield when
    for key in ("diagnosis", "withdrawal"):
        value = record.get(key)
        if isinstance(value, Mapping) and (when := parse_date(value.get("date"))):
            yield when


def _scale(
    record: Mapping[str, Any], windows: Sequence[Window], result: PatientResult
) -> Scale | None:
    as_of = parse_date(result.as_of)
    as_of_day = as_of.latest if as_of is not None else None
    days: list[date] = []
    for when in _all_dates(record):
        if as_of_day is None or when.earliest <= as_of_day:
            days.extend((when.earliest, when.latest))
    for window in windows:
        days.extend((window.start, window.end))
    for endpoint in result.endpoints.values():
        if endpoint is not None:
            days.extend(d.earliest for d in map(parse_date, (endpoint.start, endpoint.end)) if d)
    if not days:
        return None
    start, end = min(days), max(days)
    if as_of_day is not None and as_of_day > end:
        span = max((end - start).days, 60)
        if (as_of_day - end).days <= max(60, span // 4):
            end = as_of_day
    if as_of_day is not None:
        end = min(end, max(as_of_day, start))
    pad = max((end - start).days, 60) * 0.03 + 3
    return Scale(_shift(start, -pad), _shift(end, pad), as_of_day)


def _shift(day: date, days: float) -> date:
    """``day`` moved by ``days``, stopping at the first or last day a date can hold."""
    low, high = (date.min - day).days, (date.max - day).days
    return day + timedelta(days=min(max(days, low), high))


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _axis(scale: Scale, top: float, bottom: float) -> list[str]:
    months = _month_index(scale.end) - _month_index(scale.start)
    step = next((s for s in _AXIS_STEPS if months / s <= 13), _AXIS_STEPS[-1])
    parts = [
        f'<line x1="{scale.left}" y1="{bottom}" x2="{scale.right}" y2="{bottom}" stroke="#455a64"/>'
    ]
    index = -(-_month_index(scale.start) // step) * step  # the first tick on or after start
    while index <= _month_index(scale.end):
        day = date(index // 12, index % 12 + 1, 1) if index >= 12 else date.min
        if day >= scale.start:
            x = scale.x(day)
            parts.append(
                f'<line x1="{x}" y1="{top}" x2="{x}" y2="{bottom}" stroke="#eceff1"/>'
                f'<line x1="{x}" y1="{bottom}" x2="{x}" y2="{bottom + 5}" stroke="#455a64"/>'
            )
            text = str(day.year) if step >= 12 else f"{day.year}-{day.month:02d}"
            parts.append(svg_text(x, bottom + 17, text, "middle", "axis"))
        index += step
    return parts


# months between axis ticks: at most 13 ticks, whatever the span (up to the 9,999 years a
# date can hold)
_AXIS_STEPS = (1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200, 2400, 6000, 12000)


def _bands(windows: Sequence[Window], scale: Scale, top: float, bottom: float) -> list[str]:
    parts = []
    for window in windows:
        colour = WINDOW_COLOURS.get(window.kind, "#607d8b")
        x0, x1 = scale.x(window.start), scale.x(window.end)
        data = (
            f'class="window window-{window.kind}" data-start="{iso_day(window.start)}" '
            f'data-end="{iso_day(window.end)}"'
        )
        dash = ' stroke-dasharray="5 3"' if window.uncertain or window.is_line else ""
        if x1 - x0 < 2.5:
            parts.append(
                f'<line {data} x1="{x0}" y1="{top}" x2="{x0}" y2="{bottom}" stroke="{colour}" '
                f'stroke-width="2"{dash}>{svg_title(window.detail)}</line>'
            )
        else:
            opacity = "0.10" if window.kind in {"progression", "control"} else "0.22"
            parts.append(
                f'<rect {data} x="{x0}" y="{top}" width="{round(x1 - x0, 1)}" '
                f'height="{bottom - top}" fill="{colour}" fill-opacity="{opacity}" '
                f'stroke="{colour}" stroke-opacity="0.6"{dash}>{svg_title(window.detail)}</rect>'
            )
    return parts


def _draw_lane(canvas: Canvas, lane: Lane) -> None:
    rows = max(assign_rows(lane.glyphs), 1)
    lane_frame(canvas, lane.name)
    for glyph in lane.glyphs:
        cy = canvas.y + 4 + glyph.row * lane.row + lane.centre
        canvas.parts.append(glyph.draw(cy))
        for pointer in glyph.pointers:
            canvas.anchors.setdefault(pointer, (glyph.badge_x, cy, glyph.badge_step))
    canvas.y += rows * lane.row + 8


def _badges(canvas: Canvas, result: PatientResult) -> tuple[list[str], frozenset[int]]:
    """Red numbered badges on the items that deviations point to, and the numbers placed."""
    parts: list[str] = []
    placed: set[int] = set()
    used: dict[tuple[float, float, int], int] = {}
    for number, finding in enumerate(deviations(result), start=1):
        anchor = _anchor(canvas.anchors, locate(finding))
        if anchor is None:
            continue
        placed.add(number)
        x, y, step = anchor
        shift = used.get(anchor, 0)
        used[anchor] = shift + 1
        bx, by = round(x + shift * step, 1), round(y, 1)
        tip = f"{number}. {finding.rule} {finding.name}: {finding.message}"
        parts.append(
            f'<g class="deviation" data-number="{number}" data-rule="{escape(finding.rule)}">'
            f"{svg_title(tip)}"
            f'<circle cx="{bx}" cy="{by}" r="{BADGE_RADIUS}" fill="#c62828" stroke="#fff" '
            'stroke-width="1.5"/>'
            f'<text x="{bx}" y="{by + 3.5}" text-anchor="middle" class="badge">{number}</text></g>'
        )
    return parts, frozenset(placed)


def _dosing_pointers(record: Mapping[str, Any]) -> set[str]:
    """The pointers the sorafenib lane puts badges on (see ``draw_dosing``)."""
    return {
        f"/sorafenib/{i}{end}"
        for i, item in record_items(record, "sorafenib")
        if parse_date(item.get("start_date")) is not None
        for end in ("", "/start_date", "/end_date", "/dose_mg")
    }


def reserve_badges(lanes: Sequence[Lane], result: PatientResult, elsewhere: set[str]) -> None:
    """Give each glyph room for its deviation badges, so that no badge covers a label.

    A glyph's badges sit in its row beside the marker, on the side away from its label
    (``side``), and its extent grows by them before rows are assigned; a badge that
    would leave the plot there goes after the label instead.
    """
    owner: dict[str, Glyph] = {}
    for lane in lanes:
        for glyph in lane.glyphs:
            for pointer in glyph.pointers:
                owner.setdefault(pointer, glyph)
    known = set(owner) | elsewhere
    count: dict[int, int] = {}
    for finding in deviations(result):
        pointer = _resolve(known, locate(finding))
        if pointer in owner:
            count[id(owner[pointer])] = count.get(id(owner[pointer]), 0) + 1
    for lane in lanes:
        for glyph in lane.glyphs:
            glyph.badge_x = glyph.x + glyph.side * BADGE_REACH
            glyph.badge_step = glyph.side * BADGE_STEP
            n = count.get(id(glyph), 0)
            if n:
                _make_room(glyph, n)


def _make_room(glyph: Glyph, n: int) -> None:
    span = (n - 1) * BADGE_STEP + BADGE_RADIUS + 2
    if glyph.side < 0 and glyph.badge_x - span < LEFT - 4:  # no room left: after the label
        glyph.badge_x, glyph.badge_step = glyph.x1 + BADGE_RADIUS + 3, BADGE_STEP
    elif glyph.side > 0 and glyph.badge_x + span > WIDTH - 4:  # no room right: before it
        glyph.badge_x, glyph.badge_step = glyph.x0 - BADGE_RADIUS - 3, -BADGE_STEP
    last = glyph.badge_x + (n - 1) * glyph.badge_step
    low, high = min(glyph.badge_x, last), max(glyph.badge_x, last)
    glyph.x0 = min(glyph.x0, low - BADGE_RADIUS - 2)
    glyph.x1 = max(glyph.x1, high + BADGE_RADIUS + 2)


def _resolve(known: set[str], pointer: str | None) -> str | None:
    while pointer:
        if pointer in known:
            return pointer
        pointer = pointer.rsplit("/", 1)[0]
    return None


def _anchor(
    anchors: Mapping[str, tuple[float, float, int]], pointer: str | None
) -> tuple[float, float, int] | None:
    while pointer:
        if pointer in anchors:
            return anchors[pointer]
        pointer = pointer.rsplit("/", 1)[0]
    return None


@dataclass(frozen=True, slots=True)
class Drawing:
    """A timeline: the ``<svg>`` element, and which deviation numbers it shows."""

    svg: str
    placed: frozenset[int] = frozenset()


def timeline_svg(
    record: Mapping[str, Any],
    result: PatientResult,
    params: Mapping[str, Any],
    hide_values: bool = False,
) -> Drawing:
    """The patient's timeline as one ``<svg>`` element (empty: nothing dated to draw).

    With ``hide_values`` no submitted date or free text is written in a label or tooltip:
    items sit at their place on the axis, the findings (badges) keep their evidence.
    """
    windows = protocol_windows(record, result.cohort, params)
    scale = _scale(record, windows, result)
    if scale is None:
        return Drawing("")
    scale.hide = hide_values
    progressed = {str(r) for r in params.get("progression_results", ())}
    canvas = Canvas()
    flag_grade = int(params.get("flag_ae_grade", 99))
    windows_lane = window_lane(windows, scale)
    above = [tace_lane(record, scale), imaging_lane(record, scale, progressed)]
    below = [ae_lane(record, scale, flag_grade), status_lane(record, scale)]
    endpoints = endpoint_lane(result, scale)
    dosing = bool(record.get("sorafenib")) or result.cohort == SORAFENIB_ARM
    reserve_badges([*above, *below], result, _dosing_pointers(record) if dosing else set())
    if windows:
        _draw_lane(canvas, windows_lane)
    band_top = canvas.y
    for lane in above:
        _draw_lane(canvas, lane)
    if dosing:
        draw_dosing(canvas, record, scale, params)
    for lane in below:
        if lane.glyphs:
            _draw_lane(canvas, lane)
    if endpoints.glyphs:
        _draw_lane(canvas, endpoints)
    bottom = canvas.y + 4
    parts = _bands(windows, scale, band_top, bottom)
    if scale.as_of is not None and not scale.beyond(scale.as_of):
        x = scale.x(scale.as_of)
        parts.append(
            f'<line class="as-of" x1="{x}" y1="8" x2="{x}" y2="{bottom}" stroke="#37474f" '
            f'stroke-dasharray="6 4">{svg_title(f"as of {scale.as_of.isoformat()}")}</line>'
        )
        parts.append(
            svg_text(x, bottom + 30, f"as of {scale.as_of.isoformat()}", "middle", "as-of")
        )
    elif scale.as_of is not None:
        note = f"as of {scale.as_of.isoformat()} →"
        parts.append(svg_text(scale.right, bottom + 30, note, "end", "as-of"))
    parts.extend(_axis(scale, 8, bottom))
    height = round(bottom + 38)
    label = escape(f"Timeline of patient {result.patient_id}")
    head = (
        f'<svg class="timeline" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-label="{label}" '
        f'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="11">'
    )
    badges, placed = _badges(canvas, result)
    return Drawing("".join([head, *parts, *canvas.parts, *badges, "</svg>"]), placed)
