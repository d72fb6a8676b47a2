"""The timeline's lanes of dated items: windows, TACE, imaging, AEs, status, endpoints."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from protocol.dates import PartialDate
from protocol.findings import PatientResult
from protocol.render.course import (
    Window,
    parse_date,
    record_items,
    tace_dates,
)
from protocol.render.redaction import HIDDEN
from protocol.render.timeline_layout import (
    ROW,
    Glyph,
    Lane,
    Scale,
    label_extent,
    point_glyph,
    point_x,
    range_box,
    shown_date,
    svg_text,
    svg_title,
)
from protocol.render.timeline_marks import (
    GRADE_COLOURS,
    IMAGING,
    WINDOW_INK,
    circle,
    cross,
    diamond,
    square,
    triangle,
)

__all__ = ["ae_lane", "endpoint_lane", "imaging_lane", "status_lane", "tace_lane", "window_lane"]


def tace_lane(record: Mapping[str, Any], scale: Scale) -> Lane:
    lane = Lane("TACE")
    for number, (when, indexes) in enumerate(tace_dates(record), start=1):
        label = f"#{number} {shown_date(when, scale)}".strip()
        if len(indexes) > 1:
            label += f" (×{len(indexes)} entries)"
        tooltip = f"TACE #{number}" + (f" on{scale.day(when)}" if not scale.hide else "")
        pointers = tuple(f"/tace/{i}" for i in indexes)
        glyph = point_glyph(
            scale, when, label, diamond("#00695c"), tooltip, pointers, "#00695c", "tace"
        )
        lane.glyphs.append(glyph)
    return lane


def imaging_lane(record: Mapping[str, Any], scale: Scale, progressed: set[str]) -> Lane:
    lane = Lane("Imaging")
    for i, item in record_items(record, "imaging"):
        when = parse_date(item.get("date"))
        if when is None:
            continue
        result = str(item.get("result", ""))
        code, colour = IMAGING.get(result, ("?", "#ffffff"))
        modality = str(item.get("modality") or "")
        label = f"{code} {shown_date(when, scale)}".strip()
        tooltip = f"{modality or 'Imaging'}{scale.day(when)}: {result.replace('_', ' ')}"
        if result in progressed:
            marker, cls = triangle(colour), "progression"
        else:
            marker, cls = circle(colour), ""
        lane.glyphs.append(
            point_glyph(scale, when, label, marker, tooltip, (f"/imaging/{i}",), colour, cls)
        )
    return lane


def ae_lane(record: Mapping[str, Any], scale: Scale, flag_grade: int) -> Lane:
    lane = Lane("Adverse events", row=ROW + 8, centre=ROW / 2 + 8)
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
        label = f"G{grade} {short} {shown_date(onset, scale)}".strip()
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
    scale: Scale,
    onset: PartialDate,
    resolved: PartialDate | None,
    label: str,
    tooltip: str,
    colour: str,
    flagged: bool,
    pointer: str,
) -> Glyph:
    x = point_x(scale, onset)
    x0, x1, anchor = label_extent(x, label, scale)
    xr = scale.x(resolved.latest) if resolved is not None else None
    if xr is not None:
        x0, x1 = min(x0, xr), max(x1, xr)
    if not onset.is_full:
        x0 = min(x0, scale.x(onset.earliest))

    def draw(cy: float) -> str:
        parts = ["<g>", svg_title(tooltip)]
        if xr is not None:
            backwards = xr < x
            dash = ' stroke-dasharray="4 3"' if backwards else ""
            stroke = "#b71c1c" if backwards else colour
            parts.append(
                f'<line x1="{x}" y1="{cy}" x2="{xr}" y2="{cy}" stroke="{stroke}" '
                f'stroke-width="4" stroke-opacity="0.7"{dash}/>'
            )
        if not onset.is_full:
            parts.append(range_box(scale, onset, cy, colour))
        parts.append(circle(colour, flagged)(x, cy))
        tx = x + 11 if anchor == "start" else x - 11
        cls = "flagged" if flagged else ""
        parts.append(svg_text(tx, cy - 5, label, anchor, cls))
        parts.append("</g>")
        return "".join(parts)

    return Glyph(x, x0 - 2, x1 + 2, draw, (pointer,), side=-1 if anchor == "start" else 1)


def status_lane(record: Mapping[str, Any], scale: Scale) -> Lane:
    """Diagnosis, withdrawal (with its reason in the tooltip), last contact and death."""
    diagnosis, withdrawal = record.get("diagnosis"), record.get("withdrawal")
    diagnosis = diagnosis if isinstance(diagnosis, Mapping) else {}
    withdrawal = withdrawal if isinstance(withdrawal, Mapping) else {}
    reason = "" if scale.hide else str(withdrawal.get("reason") or "")
    entries = (
        ("diagnosis", diagnosis.get("date"), square("#90a4ae"), "", "/diagnosis"),
        ("withdrawal", withdrawal.get("date"), square("#ef6c00"), reason, "/withdrawal"),
        (
            "last contact",
            record.get("last_contact_date"),
            circle("#ffffff"),
            "",
            "/last_contact_date",
        ),
        ("death", record.get("death_date"), cross, "", "/death_date"),
    )
    lane = Lane("Status")
    for name, value, marker, note, pointer in entries:
        if when := parse_date(value):
            label = f"{name} {shown_date(when, scale)}".strip()
            tooltip = f"{name.capitalize()}{scale.day(when)}" + (f": {note}" if note else "")
            lane.glyphs.append(point_glyph(scale, when, label, marker, tooltip, (pointer,)))
    return lane


def endpoint_lane(result: PatientResult, scale: Scale) -> Lane:
    lane = Lane("Endpoints")
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
    x0: float, x1: float, label: str, colour: str, event: bool, scale: Scale
) -> Glyph:
    """A TTP or OS bar from the index TACE: a dot for an event, a bar for censoring."""
    lx0, lx1, anchor = label_extent(x1, label, scale)

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
            f"{svg_text(tip, cy + 4, label, anchor)}</g>"
        )

    return Glyph(x1, min(x0, lx0), max(x1, lx1), draw)


def window_lane(windows: Sequence[Window], scale: Scale) -> Lane:
    return Lane("Windows", [_window_glyph(window, scale) for window in windows])


def _window_glyph(window: Window, scale: Scale) -> Glyph:
    """A window's label, at the start of its band, in the band's colour."""
    colour = WINDOW_INK.get(window.kind, "#546e7a")
    x0, x1 = scale.x(window.start), scale.x(window.end)
    label = window.label + (" (partial date)" if window.uncertain else "")
    lx0, lx1, anchor = label_extent(x0, label, scale, gap=2)

    def draw(cy: float) -> str:
        tx = x0 + 2 if anchor == "start" else x0 - 2
        return (
            f'<text x="{tx}" y="{cy + 4}" text-anchor="{anchor}" class="window-label" '
            f'fill="{colour}">{escape(label)}</text>'
        )

    return Glyph(x0, min(lx0, x0), max(lx1, x1), draw)
