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

Every function here is pure: record and result in, SVG text out. Every
string from the record goes through :func:`html.escape`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape
from typing import Any

from protocol.dates import PartialDate
from protocol.findings import PatientResult
from protocol.render.course import (
    SORAFENIB_ARM,
    Window,
    daily_dose,
    deviations,
    iso_day,
    locate,
    parse_date,
    protocol_windows,
    record_items,
    tace_dates,
)
from protocol.render.redaction import HIDDEN

__all__ = [
    "DOSE_COLOURS",
    "GRADE_COLOURS",
    "IMAGING",
    "WINDOW_COLOURS",
    "WINDOW_INK",
    "Drawing",
    "timeline_svg",
]


WIDTH = 1100
LEFT = 108  # lane names
RIGHT = 64  # dose reference labels
CHAR = 6.3  # width of one character at 11px, roughly
ROW = 22  # height of one row of markers and labels
BAR_AREA = 56  # tallest dosing bar

GRADE_COLOURS = {1: "#9ccc65", 2: "#fbc02d", 3: "#f57c00", 4: "#d32f2f", 5: "#4a148c"}
IMAGING = {
    "progression": ("PD", "#d32f2f"),
    "recurrence": ("REC", "#d32f2f"),
    "complete_response": ("CR", "#2e7d32"),
    "partial_response": ("PR", "#66bb6a"),
    "stable_disease": ("SD", "#90a4ae"),
    "not_evaluable": ("NE", "#ffffff"),
}
WINDOW_COLOURS = {
    "progression": "#1e88e5",
    "start": "#2e7d32",
    "exposure": "#ef6c00",
    "control": "#8e24aa",
}
# a window's label, darker than its band so that it reads on white (WCAG AA, 4.5:1)
WINDOW_INK = {
    "progression": "#1565c0",
    "start": "#2e7d32",
    "exposure": "#bf360c",
    "control": "#8e24aa",
}
# a dosing bar: (colour, what it means), for the bar and the legend
DOSE_COLOURS = {
    "in_range": ("#00897b", "daily dose within the protocol range"),
    "above": ("#d32f2f", "daily dose above the maximum"),
    "below": ("#f9a825", "daily dose below the minimum"),
    "unknown": ("#9e9e9e", "daily dose unknown"),
}


# --- layout ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Glyph:
    """A marker and its label: ``draw(cy)`` gives the SVG for a row centred at ``cy``."""

    x: float
    x0: float
    x1: float
    draw: Callable[[float], str]
    pointers: tuple[str, ...] = ()
    row: int = 0
    side: int = -1  # where deviation badges go: -1 left of the marker, +1 right of it


@dataclass(slots=True)
class _Scale:
    start: date
    end: date
    as_of: date | None
    left: float = LEFT
    right: float = WIDTH - RIGHT
    hide: bool = False  # --hide-values: no submitted date or free text in labels or tooltips

    def day(self, when: object) -> str:
        """A submitted date as a label or tooltip may show it."""
        return "" if self.hide else f" {when}"

    def x(self, d: date) -> float:
        days = max((self.end - self.start).days, 1)
        offset = (d - self.start).days / days * (self.right - self.left)
        return round(self.left + min(max(offset, 0.0), self.right - self.left), 1)

    def beyond(self, d: date) -> bool:
        return d > self.end


@dataclass(slots=True)
class _Lane:
    name: str
    glyphs: list[_Glyph] = field(default_factory=list)
    row: float = ROW  # height of one row
    centre: float = ROW / 2  # marker centre below the row's top


def _text_width(text: str) -> float:
    return len(text) * CHAR


def _label(x: float, text: str, scale: _Scale, gap: float = 9.0) -> tuple[float, float, str]:
    """Where a label beside a marker at ``x`` goes: (extent start, extent end, anchor)."""
    width = _text_width(text)
    if x + gap + width <= WIDTH - 4:
        return x - gap, x + gap + width, "start"
    return x - gap - width, x + gap, "end"


def _text(x: float, y: float, text: str, anchor: str = "start", cls: str = "") -> str:
    klass = f' class="{cls}"' if cls else ""
    return f'<text x="{x}" y="{y}" text-anchor="{anchor}"{klass}>{escape(text)}</text>'


def _title(text: str) -> str:
    return f"<title>{escape(text)}</title>"


def _assign_rows(glyphs: list[_Glyph]) -> int:
    """Greedy rows so that no two extents in one row overlap; returns the row count."""
    ends: list[float] = []
    for glyph in sorted(glyphs, key=lambda g: g.x0):
        for row, end in enumerate(ends):
            if glyph.x0 > end + 4:
                glyph.row, ends[row] = row, glyph.x1
                break
        else:
            glyph.row = len(ends)
            ends.append(glyph.x1)
    return len(ends)


def _range_box(scale: _Scale, when: PartialDate, cy: float, colour: str) -> str:
    """The days a partial date may stand for, as a light dashed box."""
    x0, x1 = scale.x(when.earliest), scale.x(when.latest)
    return (
        f'<rect x="{x0}" y="{cy - 7}" width="{max(x1 - x0, 2)}" height="14" rx="3" '
        f'fill="{colour}" fill-opacity="0.18" stroke="{colour}" stroke-dasharray="3 2"/>'
    )


def _point(scale: _Scale, when: PartialDate) -> float:
    if when.is_full:
        return scale.x(when.earliest)
    return scale.x(when.earliest + (when.latest - when.earliest) / 2)


def _shown(when: PartialDate, scale: _Scale) -> str:
    text = scale.day(when).strip()
    if not when.is_full:
        text += " (partial)"
    if scale.beyond(when.earliest):
        text = f"→ {text}, off scale" if text else "→ off scale"
    return text.strip()


def _point_glyph(
    scale: _Scale,
    when: PartialDate,
    label: str,
    marker: Callable[[float, float], str],
    tooltip: str,
    pointers: tuple[str, ...],
    colour: str = "#546e7a",
    cls: str = "",
) -> _Glyph:
    x = _point(scale, when)
    x0, x1, anchor = _label(x, label, scale)
    if not when.is_full:
        x0 = min(x0, scale.x(when.earliest) - 2)
        x1 = max(x1, scale.x(when.latest) + 2)

    def draw(cy: float) -> str:
        parts = ["<g>", _title(tooltip)]
        if not when.is_full:
            parts.append(_range_box(scale, when, cy, colour))
        parts.append(marker(x, cy))
        tx = x + 9 if anchor == "start" else x - 9
        parts.append(_text(tx, cy + 4, label, anchor, cls))
        parts.append("</g>")
        return "".join(parts)

    return _Glyph(x, x0, x1, draw, pointers, side=-1 if anchor == "start" else 1)


# --- markers --------------------------------------------------------------------------


def _diamond(colour: str, size: float = 6.5) -> Callable[[float, float], str]:
    def marker(x: float, cy: float) -> str:
        points = f"{x},{cy - size} {x + size},{cy} {x},{cy + size} {x - size},{cy}"
        return f'<polygon points="{points}" fill="{colour}" stroke="#263238" stroke-width="0.8"/>'

    return marker


def _triangle(colour: str) -> Callable[[float, float], str]:
    def marker(x: float, cy: float) -> str:
        points = f"{x},{cy - 7} {x + 7},{cy + 6} {x - 7},{cy + 6}"
        return f'<polygon points="{points}" fill="{colour}" stroke="#7f0000" stroke-width="0.8"/>'

    return marker


def _circle(colour: str, ring: bool = False) -> Callable[[float, float], str]:
    def marker(x: float, cy: float) -> str:
        halo = (
            f'<circle cx="{x}" cy="{cy}" r="9.5" fill="none" stroke="#b71c1c" stroke-width="2"/>'
            if ring
            else ""
        )
        return (
            f'{halo}<circle cx="{x}" cy="{cy}" r="5.5" fill="{colour}" '
            f'stroke="#37474f" stroke-width="0.8"/>'
        )

    return marker


def _cross(x: float, cy: float) -> str:
    return (
        f'<path d="M{x} {cy - 8}V{cy + 8}M{x - 5} {cy - 3}H{x + 5}" stroke="#000" '
        f'stroke-width="2.6"/>'
    )


def _square(colour: str) -> Callable[[float, float], str]:
    def marker(x: float, cy: float) -> str:
        return f'<rect x="{x - 5}" y="{cy - 5}" width="10" height="10" fill="{colour}"/>'

    return marker


# --- lanes ----------------------------------------------------------------------------


def _tace_lane(record: Mapping[str, Any], scale: _Scale) -> _Lane:
    lane = _Lane("TACE")
    for number, (when, indexes) in enumerate(tace_dates(record), start=1):
        label = f"#{number} {_shown(when, scale)}".strip()
        if len(indexes) > 1:
            label += f" (×{len(indexes)} entries)"
        tooltip = f"TACE #{number}" + (f" on{scale.day(when)}" if not scale.hide else "")
        pointers = tuple(f"/tace/{i}" for i in indexes)
        glyph = _point_glyph(
            scale, when, label, _diamond("#00695c"), tooltip, pointers, "#00695c", "tace"
        )
        lane.glyphs.append(glyph)
    return lane


def _imaging_lane(record: Mapping[str, Any], scale: _Scale, progressed: set[str]) -> _Lane:
    lane = _Lane("Imaging")
    for i, item in record_items(record, "imaging"):
        when = parse_date(item.get("date"))
        if when is None:
            continue
        result = str(item.get("result", ""))
        code, colour = IMAGING.get(result, ("?", "#ffffff"))
        modality = str(item.get("modality") or "")
        label = f"{code} {_shown(when, scale)}".strip()
        tooltip = f"{modality or 'Imaging'}{scale.day(when)}: {result.replace('_', ' ')}"
        if result in progressed:
            marker, cls = _triangle(colour), "progression"
        else:
            marker, cls = _circle(colour), ""
        lane.glyphs.append(
            _point_glyph(scale, when, label, marker, tooltip, (f"/imaging/{i}",), colour, cls)
        )
    return lane


def _ae_lane(record: Mapping[str, Any], scale: _Scale, flag_grade: int) -> _Lane:
    lane = _Lane("Adverse events", row=ROW + 8, centre=ROW / 2 + 8)
    for i, item in record_items(record, "adverse_events"):
        onset = parse_date(item.get("onset_date"))
        if onset is None:
            continue
        grade = item.get("grade")
        grade = grade if isinstance(grade, int) and not isinstance(grade, bool) else 0
        colour = GRADE_COLOURS.get(grade, "#bdbdbd")
        flagged = grade >= flag_grade
        term = HIDDEN if scale.hide else str(item.get("term") or "adverse event")
        short = term if len(term) <= 30 else term[:29] + "…"
        label = f"G{grade} {short} {_shown(onset, scale)}".strip()
        resolved = parse_date(item.get("resolution_date"))
        action = str(item.get("action_taken") or "").replace("_", " ")
        tooltip = (
            f"{term}, CTCAE grade {grade}, onset{scale.day(onset) or ' date hidden'}"
            + (f", resolved{scale.day(resolved)}" if resolved else ", not resolved")
            + (f", action: {action}" if action else "")
        )
        lane.glyphs.append(
            _ae_glyph(
                scale, onset, resolved, label, tooltip, colour, flagged, f"/adverse_events/{i}"
            )
        )
    return lane


def _ae_glyph(
    scale: _Scale,
    onset: PartialDate,
    resolved: PartialDate | None,
    label: str,
    tooltip: str,
    colour: str,
    flagged: bool,
    pointer: str,
) -> _Glyph:
    x = _point(scale, onset)
    x0, x1, anchor = _label(x, label, scale)
    xr = scale.x(resolved.latest) if resolved is not None else None
    if xr is not None:
        x0, x1 = min(x0, xr), max(x1, xr)
    if not onset.is_full:
        x0 = min(x0, scale.x(onset.earliest))

    def draw(cy: float) -> str:
        parts = ["<g>", _title(tooltip)]
        if xr is not None:
            backwards = xr < x
            dash = ' stroke-dasharray="4 3"' if backwards else ""
            stroke = "#b71c1c" if backwards else colour
            parts.append(
                f'<line x1="{x}" y1="{cy}" x2="{xr}" y2="{cy}" stroke="{stroke}" '
                f'stroke-width="4" stroke-opacity="0.7"{dash}/>'
            )
        if not onset.is_full:
            parts.append(_range_box(scale, onset, cy, colour))
        parts.append(_circle(colour, flagged)(x, cy))
        tx = x + 11 if anchor == "start" else x - 11
        cls = "flagged" if flagged else ""
        parts.append(_text(tx, cy - 5, label, anchor, cls))
        parts.append("</g>")
        return "".join(parts)

    return _Glyph(x, x0 - 2, x1 + 2, draw, (pointer,), side=-1 if anchor == "start" else 1)


def _status_lane(record: Mapping[str, Any], scale: _Scale) -> _Lane:
    """Diagnosis, withdrawal (with its reason in the tooltip), last contact and death."""
    diagnosis, withdrawal = record.get("diagnosis"), record.get("withdrawal")
    diagnosis = diagnosis if isinstance(diagnosis, Mapping) else {}
    withdrawal = withdrawal if isinstance(withdrawal, Mapping) else {}
    reason = "" if scale.hide else str(withdrawal.get("reason") or "")
    entries = (
        ("diagnosis", diagnosis.get("date"), _square("#90a4ae"), "", "/diagnosis"),
        ("withdrawal", withdrawal.get("date"), _square("#ef6c00"), reason, "/withdrawal"),
        (
            "last contact",
            record.get("last_contact_date"),
            _circle("#ffffff"),
            "",
            "/last_contact_date",
        ),
        ("death", record.get("death_date"), _cross, "", "/death_date"),
    )
    lane = _Lane("Status")
    for name, value, marker, note, pointer in entries:
        if when := parse_date(value):
            label = f"{name} {_shown(when, scale)}".strip()
            tooltip = f"{name.capitalize()}{scale.day(when)}" + (f": {note}" if note else "")
            lane.glyphs.append(_point_glyph(scale, when, label, marker, tooltip, (pointer,)))
    return lane


def _endpoint_lane(result: PatientResult, scale: _Scale) -> _Lane:
    lane = _Lane("Endpoints")
    for name, endpoint in result.endpoints.items():
        start = parse_date(endpoint.start) if endpoint is not None else None
        end = parse_date(endpoint.end) if endpoint is not None else None
        if endpoint is not None and start is not None and end is not None:
            outcome = "event" if endpoint.event else "censored"
            label = f"{name.upper()} {endpoint.months} mo ({outcome}: {endpoint.end_reason})"
            colour = "#00838f" if name == "ttp" else "#283593"
            lane.glyphs.append(
                _endpoint_glyph(
                    scale.x(start.earliest),
                    scale.x(end.latest),
                    label,
                    colour,
                    endpoint.event,
                    scale,
                )
            )
    return lane


def _endpoint_glyph(
    x0: float, x1: float, label: str, colour: str, event: bool, scale: _Scale
) -> _Glyph:
    """A TTP or OS bar from the index TACE: a dot for an event, a bar for censoring."""
    lx0, lx1, anchor = _label(x1, label, scale)

    def draw(cy: float) -> str:
        tip = x1 + 9 if anchor == "start" else x0 - 9
        end = (
            f'<circle cx="{x1}" cy="{cy}" r="4.5" fill="{colour}"/>'
            if event
            else f'<line x1="{x1}" y1="{cy - 6}" x2="{x1}" y2="{cy + 6}" stroke="{colour}" '
            f'stroke-width="2.5"/>'
        )
        return (
            f'<g class="endpoint"><line x1="{x0}" y1="{cy}" x2="{x1}" y2="{cy}" '
            f'stroke="{colour}" stroke-width="2.5"/><line x1="{x0}" y1="{cy - 5}" x2="{x0}" '
            f'y2="{cy + 5}" stroke="{colour}" stroke-width="2"/>{end}'
            f"{_text(tip, cy + 4, label, anchor)}</g>"
        )

    return _Glyph(x1, min(x0, lx0), max(x1, lx1), draw)


# --- the drawing ----------------------------------------------------------------------


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
) -> _Scale | None:
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
    return _Scale(_shift(start, -pad), _shift(end, pad), as_of_day)


def _shift(day: date, days: float) -> date:
    """``day`` moved by ``days``, stopping at the first or last day a date can hold."""
    low, high = (date.min - day).days, (date.max - day).days
    return day + timedelta(days=min(max(days, low), high))


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _axis(scale: _Scale, top: float, bottom: float) -> list[str]:
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
            parts.append(_text(x, bottom + 17, text, "middle", "axis"))
        index += step
    return parts


# months between axis ticks: at most 13 ticks, whatever the span (up to the 9,999 years a
# date can hold)
_AXIS_STEPS = (1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200, 2400, 6000, 12000)


def _window_lane(windows: Sequence[Window], scale: _Scale) -> _Lane:
    return _Lane("Windows", [_window_glyph(window, scale) for window in windows])


def _window_glyph(window: Window, scale: _Scale) -> _Glyph:
    """A window's label, at the start of its band, in the band's colour."""
    colour = WINDOW_INK.get(window.kind, "#546e7a")
    x0, x1 = scale.x(window.start), scale.x(window.end)
    label = window.label + (" (partial date)" if window.uncertain else "")
    lx0, lx1, anchor = _label(x0, label, scale, gap=2)

    def draw(cy: float) -> str:
        tx = x0 + 2 if anchor == "start" else x0 - 2
        return (
            f'<text x="{tx}" y="{cy + 4}" text-anchor="{anchor}" class="window-label" '
            f'fill="{colour}">{escape(label)}</text>'
        )

    return _Glyph(x0, min(lx0, x0), max(lx1, x1), draw)


def _bands(windows: Sequence[Window], scale: _Scale, top: float, bottom: float) -> list[str]:
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
                f'stroke-width="2"{dash}>{_title(window.detail)}</line>'
            )
        else:
            opacity = "0.10" if window.kind in {"progression", "control"} else "0.22"
            parts.append(
                f'<rect {data} x="{x0}" y="{top}" width="{round(x1 - x0, 1)}" '
                f'height="{bottom - top}" fill="{colour}" fill-opacity="{opacity}" '
                f'stroke="{colour}" stroke-opacity="0.6"{dash}>{_title(window.detail)}</rect>'
            )
    return parts


@dataclass(slots=True)
class _Canvas:
    parts: list[str] = field(default_factory=list)
    anchors: dict[str, tuple[float, float, int]] = field(default_factory=dict)  # x, y, side
    y: float = 8.0


def _lane_frame(canvas: _Canvas, name: str) -> None:
    canvas.parts.append(
        f'<line x1="4" y1="{canvas.y}" x2="{WIDTH - 4}" y2="{canvas.y}" stroke="#cfd8dc"/>'
    )
    canvas.parts.append(_text(8, canvas.y + 15, name, "start", "lane"))


def _draw_lane(canvas: _Canvas, lane: _Lane) -> None:
    rows = max(_assign_rows(lane.glyphs), 1)
    _lane_frame(canvas, lane.name)
    for glyph in lane.glyphs:
        cy = canvas.y + 4 + glyph.row * lane.row + lane.centre
        canvas.parts.append(glyph.draw(cy))
        for pointer in glyph.pointers:
            canvas.anchors.setdefault(pointer, (glyph.x, cy - 9, glyph.side))
    canvas.y += rows * lane.row + 8


def _draw_dosing(
    canvas: _Canvas, record: Mapping[str, Any], scale: _Scale, params: Mapping[str, Any]
) -> None:
    administrations = params.get("daily_administrations") or {}
    low, high = params.get("min_daily_dose_mg"), params.get("max_daily_dose_mg")
    periods = []
    for i, item in record_items(record, "sorafenib"):
        start = parse_date(item.get("start_date"))
        if start is None:
            continue
        periods.append(
            (i, item, start, parse_date(item.get("end_date")), daily_dose(item, administrations))
        )
    doses = [d for *_, d in periods if d is not None]
    top = max([*doses, float(high or 0), 1.0]) * 1.1
    base = canvas.y + 10 + BAR_AREA
    labels: list[_Glyph] = []
    bars: list[str] = []

    def level(dose: float) -> float:
        return round(base - BAR_AREA * dose / top, 1)

    for name, value in (("max", high), ("min", low)):
        if isinstance(value, int | float):
            y = level(float(value))
            bars.append(
                f'<line x1="{scale.left}" y1="{y}" x2="{scale.right}" y2="{y}" stroke="#90a4ae" '
                f'stroke-dasharray="2 3"/>'
            )
            bars.append(_text(scale.right + 4, y + 4, f"{name} {value:g}", "start", "note"))
    for i, item, start, end, dose in periods:
        bar, glyph, x_end = _dosing_bar(i, item, start, end, dose, scale, base, level, low, high)
        bars.append(bar)
        labels.append(glyph)
        mid = round((level(dose or 0) + base) / 2 + 2, 1)
        for pointer, x, side in (
            (f"/sorafenib/{i}", glyph.x, -1),
            (f"/sorafenib/{i}/start_date", glyph.x, -1),
            (f"/sorafenib/{i}/end_date", x_end, 1),
            (f"/sorafenib/{i}/dose_mg", (glyph.x + x_end) / 2 + 10, -1),
        ):
            canvas.anchors.setdefault(pointer, (x, mid, side))
    rows = _assign_rows(labels)
    height = 10 + BAR_AREA + 6 + max(rows, 1) * 16 + 4
    _lane_frame(canvas, "Sorafenib")
    canvas.parts.append(_text(8, canvas.y + 29, "mg/day", "start", "note"))
    canvas.parts.append(
        f'<line x1="{scale.left}" y1="{base}" x2="{scale.right}" y2="{base}" stroke="#b0bec5"/>'
    )
    canvas.parts.extend(bars)
    if not periods:
        canvas.parts.append(_text(LEFT, base - 4, "no sorafenib recorded", "start", "note"))
    for glyph in labels:
        canvas.parts.append(glyph.draw(base + 14 + glyph.row * 16))
    canvas.y += height


def _dosing_bar(
    i: int,
    item: Mapping[str, Any],
    start: PartialDate,
    end: PartialDate | None,
    dose: float | None,
    scale: _Scale,
    base: float,
    level: Callable[[float], float],
    low: Any,
    high: Any,
) -> tuple[str, _Glyph, float]:
    """One dosing period's bar (height = daily dose), its label's glyph, and where it ends."""
    dose_mg, frequency = item.get("dose_mg"), str(item.get("frequency") or "?")
    shown = f"{dose:g} mg/day" if dose is not None else "? mg/day"
    label = f"{shown} ({dose_mg} mg {frequency})"
    if dose is None:
        colour = DOSE_COLOURS["unknown"][0]
    elif isinstance(high, int | float) and dose > high:
        colour = DOSE_COLOURS["above"][0]
    elif isinstance(low, int | float) and dose < low:
        colour = DOSE_COLOURS["below"][0]
    else:
        colour = DOSE_COLOURS["in_range"][0]
    ongoing = end is None
    end_day = end.earliest if end is not None else scale.as_of or scale.end
    late = scale.as_of is not None and end_day > scale.as_of
    if late:
        label += f", ends {end}, after the as-of date" if not scale.hide else ", ends after as-of"
    elif ongoing:
        label += ", ongoing"
    xs, xs_sure = scale.x(start.earliest), scale.x(start.latest)
    xe_sure = scale.x(min(end_day, scale.as_of) if scale.as_of is not None else end_day)
    xe = scale.x(end.latest) if end is not None and not late else xe_sure
    y = level(dose) if dose is not None else base - 6
    height = round(base - y, 1)
    reason = str(item.get("reason") or "")
    period_text = "" if scale.hide else f" {start} to {end if end is not None else 'ongoing'},"
    tooltip = f"Period {i + 1}:{period_text} {label}" + (f", reason {reason}" if reason else "")
    parts = [f'<g class="dosing">{_title(tooltip)}']
    if xs_sure > xs:
        parts.append(_bar(xs, y, xs_sure - xs, height, colour, uncertain=True))
    parts.append(_bar(xs_sure, y, max(xe_sure - xs_sure, 1.5), height, colour))
    if xe > xe_sure:
        parts.append(_bar(xe_sure, y, xe - xe_sure, height, colour, uncertain=True))
    mid = round(y + height / 2, 1)
    if late:
        parts.append(
            f'<line x1="{xe_sure}" y1="{mid}" x2="{scale.right}" y2="{mid}" stroke="{colour}" '
            f'stroke-width="2" stroke-dasharray="4 3"/>'
        )
    if ongoing or late:
        tip = scale.right if late else xe_sure
        parts.append(f'<path d="M{tip} {mid - 6}l7 6l-7 6z" fill="{colour}"/>')
    parts.append("</g>")
    lx0, lx1, anchor = _label(xs, label, scale, gap=0)

    def draw(cy: float) -> str:
        return _text(xs, cy, label, anchor, "dose")

    glyph = _Glyph(xs, lx0, max(lx1, xs + 2), draw, (f"/sorafenib/{i}",))
    return "".join(parts), glyph, xe


def _bar(
    x: float, y: float, width: float, height: float, colour: str, uncertain: bool = False
) -> str:
    style = (
        f'fill="{colour}" fill-opacity="0.3" stroke="{colour}" stroke-dasharray="3 2"'
        if uncertain
        else f'fill="{colour}" fill-opacity="0.85"'
    )
    return f'<rect x="{round(x, 1)}" y="{y}" width="{round(width, 1)}" height="{height}" {style}/>'


def _badges(canvas: _Canvas, result: PatientResult) -> tuple[list[str], frozenset[int]]:
    """Red numbered badges on the items that deviations point to, and the numbers placed."""
    parts: list[str] = []
    placed: set[int] = set()
    used: dict[tuple[float, float, int], int] = {}
    for number, finding in enumerate(deviations(result), start=1):
        anchor = _anchor(canvas.anchors, locate(finding))
        if anchor is None:
            continue
        placed.add(number)
        x, y, side = anchor
        shift = used.get(anchor, 0)
        used[anchor] = shift + 1
        bx, by = round(x + side * (13 + shift * 17), 1), round(y - 3, 1)
        tip = f"{number}. {finding.rule} {finding.name}: {finding.message}"
        parts.append(
            f'<g class="deviation" data-number="{number}" data-rule="{escape(finding.rule)}">'
            f"{_title(tip)}"
            f'<circle cx="{bx}" cy="{by}" r="7.5" fill="#c62828" stroke="#fff" stroke-width="1.5"/>'
            f'<text x="{bx}" y="{by + 3.5}" text-anchor="middle" class="badge">{number}</text></g>'
        )
    return parts, frozenset(placed)


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
    canvas = _Canvas()
    if windows:
        _draw_lane(canvas, _window_lane(windows, scale))
    band_top = canvas.y
    for lane in (_tace_lane(record, scale), _imaging_lane(record, scale, progressed)):
        _draw_lane(canvas, lane)
    if record.get("sorafenib") or result.cohort == SORAFENIB_ARM:
        _draw_dosing(canvas, record, scale, params)
    flag_grade = int(params.get("flag_ae_grade", 99))
    for lane in (_ae_lane(record, scale, flag_grade), _status_lane(record, scale)):
        if lane.glyphs:
            _draw_lane(canvas, lane)
    endpoints = _endpoint_lane(result, scale)
    if endpoints.glyphs:
        _draw_lane(canvas, endpoints)
    bottom = canvas.y + 4
    parts = _bands(windows, scale, band_top, bottom)
    if scale.as_of is not None and not scale.beyond(scale.as_of):
        x = scale.x(scale.as_of)
        parts.append(
            f'<line class="as-of" x1="{x}" y1="8" x2="{x}" y2="{bottom}" stroke="#37474f" '
            f'stroke-dasharray="6 4">{_title(f"as of {scale.as_of.isoformat()}")}</line>'
        )
        parts.append(_text(x, bottom + 30, f"as of {scale.as_of.isoformat()}", "middle", "as-of"))
    elif scale.as_of is not None:
        note = f"as of {scale.as_of.isoformat()} →"
        parts.append(_text(scale.right, bottom + 30, note, "end", "as-of"))
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
