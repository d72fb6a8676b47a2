"""The timeline's marks: what each kind of item looks like, and its colours."""

from __future__ import annotations

from collections.abc import Callable

__all__ = [
    "DOSE_COLOURS",
    "GRADE_COLOURS",
    "IMAGING",
    "WINDOW_COLOURS",
    "WINDOW_INK",
    "circle",
    "cross",
    "diamond",
    "square",
    "triangle",
]


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


def diamond(colour: str, size: float = 6.5) -> Callable[[float, float], str]:
    def marker(x: float, cy: float) -> str:
        points = f"{x},{cy - size} {x + size},{cy} {x},{cy + size} {x - size},{cy}"
        return f'<polygon points="{points}" fill="{colour}" stroke="#263238" stroke-width="0.8"/>'

    return marker


def triangle(colour: str) -> Callable[[float, float], str]:
    def marker(x: float, cy: float) -> str:
        points = f"{x},{cy - 7} {x + 7},{cy + 6} {x - 7},{cy + 6}"
        return f'<polygon points="{points}" fill="{colour}" stroke="#7f0000" stroke-width="0.8"/>'

    return marker


def circle(colour: str, ring: bool = False) -> Callable[[float, float], str]:
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


def cross(x: float, cy: float) -> str:
    return (
        f'<path d="M{x} {cy - 8}V{cy + 8}M{x - 5} {cy - 3}H{x + 5}" stroke="#000" '
        f'stroke-width="2.6"/>'
    )


def square(colour: str) -> Callable[[float, float], str]:
    def marker(x: float, cy: float) -> str:
        return f'<rect x="{x - 5}" y="{cy - 5}" width="10" height="10" fill="{colour}"/>'

    return marker
