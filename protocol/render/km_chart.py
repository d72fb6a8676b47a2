"""Kaplan-Meier step curves as inline SVG, one curve per analysis group."""

from __future__ import annotations

import math
from collections.abc import Mapping
from html import escape
from typing import Any

from protocol.render.wording import count

__all__ = ["km_svg"]


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _nice_step(top: float) -> float:
    for step in (1, 2, 3, 6, 12, 24, 60):
        if top / step <= 10:
            return float(step)
    return 120.0


def km_svg(title: str, groups: Mapping[str, Mapping[str, Any]], colours: Mapping[str, str]) -> str:
    """Kaplan-Meier step curves, one per group; small ticks where only censoring happened."""
    width, left, right, top, plot_h = 540, 52, 16, 30, 220
    plot_w = width - left - right
    legend_top = top + plot_h + 52
    height = legend_top + 16 * len(groups)
    longest = max((max(g["curve"]["months"] or [0]) for g in groups.values()), default=0)
    step = _nice_step(max(longest, 1.0))
    x_max = max(step, math.ceil(longest / step) * step)

    def x(month: float) -> float:
        return round(left + plot_w * month / x_max, 1)

    def y(survival: float) -> float:
        return round(top + plot_h * (1 - survival), 1)

    parts = [
        f'<svg class="km" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{_e(title)}" font-family="system-ui, sans-serif" font-size="11">',
        f'<text x="{left}" y="18" font-weight="600" font-size="13">{_e(title)}</text>',
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        dash = ' stroke-dasharray="4 3"' if tick == 0.5 else ""
        parts.append(
            f'<line x1="{left}" y1="{y(tick)}" x2="{width - right}" y2="{y(tick)}" '
            f'stroke="#e0e6ea"{dash}/><text x="{left - 6}" y="{y(tick) + 4}" '
            f'text-anchor="end" fill="#546e7a">{tick:g}</text>'
        )
    month = 0.0
    while month <= x_max:
        parts.append(
            f'<line x1="{x(month)}" y1="{top + plot_h}" x2="{x(month)}" y2="{top + plot_h + 4}" '
            f'stroke="#455a64"/><text x="{x(month)}" y="{top + plot_h + 16}" '
            f'text-anchor="middle" fill="#546e7a">{month:g}</text>'
        )
        month += step
    parts.append(
        f'<path d="M{left} {top}V{top + plot_h}H{width - right}" fill="none" stroke="#455a64"/>'
        f'<text x="{left + plot_w / 2}" y="{top + plot_h + 34}" text-anchor="middle" '
        f'fill="#37474f">months from index TACE</text>'
        f'<text x="14" y="{top + plot_h / 2}" text-anchor="middle" fill="#37474f" '
        f'transform="rotate(-90 14 {top + plot_h / 2})">proportion without event</text>'
    )
    legend_y = legend_top
    for name, estimate in groups.items():
        colour = colours.get(name, "#607d8b")
        months, survival = estimate["curve"]["months"], estimate["curve"]["survival"]
        if months:
            path = [f"M{x(months[0])} {y(survival[0])}"]
            ticks = []
            for i in range(1, len(months)):
                path.append(f"H{x(months[i])}V{y(survival[i])}")
                if survival[i] == survival[i - 1]:  # no drop: only censoring at this time
                    ticks.append(f"M{x(months[i])} {y(survival[i]) - 4}v8")
            parts.append(
                f'<path class="curve" data-group="{_e(name)}" d="{"".join(path)}" fill="none" '
                f'stroke="{colour}" stroke-width="2.2"/>'
            )
            if ticks:
                parts.append(f'<path d="{"".join(ticks)}" stroke="{colour}" stroke-width="1.5"/>')
        label = f"{name} (n={estimate['patients']}, {count(estimate['events'], 'event')})"
        parts.append(
            f'<line x1="{left}" y1="{legend_y}" x2="{left + 22}" y2="{legend_y}" '
            f'stroke="{colour}" stroke-width="3"/>'
            f'<text x="{left + 28}" y="{legend_y + 4}">{_e(label)}</text>'
        )
        legend_y += 16
    parts.append("</svg>")
    return "".join(parts)
