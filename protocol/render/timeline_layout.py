"""The timeline's geometry: the date scale, glyphs (a mark and its label), rows, lanes.

A lane's glyphs are put in rows so that no two extents in one row overlap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from html import escape

from protocol.dates import PartialDate

__all__ = [
    "BADGE_RADIUS",
    "BADGE_REACH",
    "BADGE_STEP",
    "BAR_AREA",
    "CHAR",
    "LEFT",
    "RIGHT",
    "ROW",
    "WIDTH",
    "Canvas",
    "Glyph",
    "Lane",
    "Scale",
    "assign_rows",
    "label_extent",
    "lane_frame",
    "point_glyph",
    "point_x",
    "range_box",
    "shown_date",
    "svg_text",
    "svg_title",
    "text_width",
]


WIDTH = 1100
LEFT = 108  # lane names
RIGHT = 64  # dose reference labels
CHAR = 6.3  # width of one character at 11px, roughly
ROW = 22  # height of one row of markers and labels
BAR_AREA = 56  # tallest dosing bar
BADGE_RADIUS = 7.5  # a deviation's numbered badge
BADGE_STEP = 17.0  # between the centres of badges side by side
BADGE_REACH = 18.0  # from a marker's centre to its first badge's: clear of a 9.5 ring


@dataclass(slots=True)
class Glyph:
    """A marker and its label: ``draw(cy)`` gives the SVG for a row centred at ``cy``."""

    x: float
    x0: float
    x1: float
    draw: Callable[[float], str]
    pointers: tuple[str, ...] = ()
    row: int = 0
    side: int = -1  # where deviation badges go: -1 left of the marker, +1 right of it
    badge_x: float = 0.0  # the first deviation badge's centre (set when badges are reserved)
    badge_step: float = 0.0  # from one badge to the next (negative: leftwards)


@dataclass(slots=True)
class Scale:
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
class Lane:
    name: str
    glyphs: list[Glyph] = field(default_factory=list)
    row: float = ROW  # height of one row
    centre: float = ROW / 2  # marker centre below the row's top


def text_width(text: str) -> float:
    return len(text) * CHAR


def label_extent(x: float, text: str, scale: Scale, gap: float = 9.0) -> tuple[float, float, str]:
    """Where a label beside a marker at ``x`` goes: (extent start, extent end, anchor)."""
    width = text_width(text)
    if x + gap + width <= WIDTH - 4:
        return x - gap, x + gap + width, "start"
    return x - gap - width, x + gap, "end"


def svg_text(x: float, y: float, text: str, anchor: str = "start", cls: str = "") -> str:
    klass = f' class="{cls}"' if cls else ""
    return f'<text x="{x}" y="{y}" text-anchor="{anchor}"{klass}>{escape(text)}</text>'


def svg_title(text: str) -> str:
    return f"<title>{escape(text)}</title>"


def assign_rows(glyphs: list[Glyph]) -> int:
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


def range_box(scale: Scale, when: PartialDate, cy: float, colour: str) -> str:
    """The days a partial date may stand for, as a light dashed box."""
    x0, x1 = scale.x(when.earliest), scale.x(when.latest)
    return (
        f'<rect x="{x0}" y="{cy - 7}" width="{max(x1 - x0, 2)}" height="14" rx="3" '
        f'fill="{colour}" fill-opacity="0.18" stroke="{colour}" stroke-dasharray="3 2"/>'
    )


def point_x(scale: Scale, when: PartialDate) -> float:
    if when.is_full:
        return scale.x(when.earliest)
    return scale.x(when.earliest + (when.latest - when.earliest) / 2)


def shown_date(when: PartialDate, scale: Scale) -> str:
    text = scale.day(when).strip()
    if not when.is_full:
        text += " (partial)"
    if scale.beyond(when.earliest):
        text = f"→ {text}, off scale" if text else "→ off scale"
    return text.strip()


def point_glyph(
    scale: Scale,
    when: PartialDate,
    label: str,
    marker: Callable[[float, float], str],
    tooltip: str,
    pointers: tuple[str, ...],
    colour: str = "#546e7a",
    cls: str = "",
) -> Glyph:
    x = point_x(scale, when)
    x0, x1, anchor = label_extent(x, label, scale)
    if not when.is_full:
        x0 = min(x0, scale.x(when.earliest) - 2)
        x1 = max(x1, scale.x(when.latest) + 2)

    def draw(cy: float) -> str:
        parts = ["<g>", svg_title(tooltip)]
        if not when.is_full:
            parts.append(range_box(scale, when, cy, colour))
        parts.append(marker(x, cy))
        tx = x + 9 if anchor == "start" else x - 9
        parts.append(svg_text(tx, cy + 4, label, anchor, cls))
        parts.append("</g>")
        return "".join(parts)

    return Glyph(x, x0, x1, draw, pointers, side=-1 if anchor == "start" else 1)


@dataclass(slots=True)
class Canvas:
    parts: list[str] = field(default_factory=list)
    anchors: dict[str, tuple[float, float, int]] = field(default_factory=dict)  # x, y, side
    y: float = 8.0


def lane_frame(canvas: Canvas, name: str) -> None:
    canvas.parts.append(
        f'<line x1="4" y1="{canvas.y}" x2="{WIDTH - 4}" y2="{canvas.y}" stroke="#cfd8dc"/>'
    )
    canvas.parts.append(svg_text(8, canvas.y + 15, name, "start", "lane"))
