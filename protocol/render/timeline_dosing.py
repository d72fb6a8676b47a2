"""The timeline's sorafenib lane: a bar per dosing period, its height the daily dose."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from protocol.dates import PartialDate
from protocol.render.course import (
    daily_dose,
    parse_date,
    record_items,
)
from protocol.render.timeline_layout import (
    BADGE_STEP,
    BAR_AREA,
    LEFT,
    Canvas,
    Glyph,
    Scale,
    assign_rows,
    label_extent,
    lane_frame,
    svg_text,
    svg_title,
)
from protocol.render.timeline_marks import DOSE_COLOURS

__all__ = ["draw_dosing"]


def draw_dosing(
    canvas: Canvas, record: Mapping[str, Any], scale: Scale, params: Mapping[str, Any]
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
    labels: list[Glyph] = []
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
            bars.append(svg_text(scale.right + 4, y + 4, f"{name} {value:g}", "start", "note"))
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
            canvas.anchors.setdefault(pointer, (x + side * 13, mid - 3, side * BADGE_STEP))
    rows = assign_rows(labels)
    height = 10 + BAR_AREA + 6 + max(rows, 1) * 16 + 4
    lane_frame(canvas, "Sorafenib")
    canvas.parts.append(svg_text(8, canvas.y + 29, "mg/day", "start", "note"))
    canvas.parts.append(
        f'<line x1="{scale.left}" y1="{base}" x2="{scale.right}" y2="{base}" stroke="#b0bec5"/>'
    )
    canvas.parts.extend(bars)
    if not periods:
        canvas.parts.append(svg_text(LEFT, base - 4, "no sorafenib recorded", "start", "note"))
    for glyph in labels:
        canvas.parts.append(glyph.draw(base + 14 + glyph.row * 16))
    canvas.y += height


def _dosing_bar(
    i: int,
    item: Mapping[str, Any],
    start: PartialDate,
    end: PartialDate | None,
    dose: float | None,
    scale: Scale,
    base: float,
    level: Callable[[float], float],
    low: Any,
    high: Any,
) -> tuple[str, Glyph, float]:
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
    parts = [f'<g class="dosing">{svg_title(tooltip)}']
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
    lx0, lx1, anchor = label_extent(xs, label, scale, gap=0)

    def draw(cy: float) -> str:
        return svg_text(xs, cy, label, anchor, "dose")

    glyph = Glyph(xs, lx0, max(lx1, xs + 2), draw, (f"/sorafenib/{i}",))
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
