"""Small pieces of HTML markup the report's parts share; every value goes through escape."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from protocol.render.timeline_marks import GRADE_COLOURS

__all__ = ["badge", "esc", "grade_colour", "months", "num_cell", "table"]


def esc(value: Any) -> str:
    return escape(str(value), quote=True)


def badge(text: str, cls: str) -> str:
    return f'<span class="badge {esc(cls)}">{esc(text)}</span>'


def months(value: Any) -> str:
    return "not reached" if value is None else f"{float(value):g}"


def table(head: Sequence[str], rows: Iterable[str], numeric: Iterable[int] = ()) -> str:
    right = set(numeric)
    cells = "".join(
        f'<th class="n">{esc(h)}</th>' if i in right else f"<th>{esc(h)}</th>"
        for i, h in enumerate(head)
    )
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def num_cell(value: Any, hot: bool = False) -> str:
    return f'<td class="n{" hot" if hot and value else ""}">{esc(value)}</td>'


def grade_colour(grade: Any) -> str:
    try:
        return GRADE_COLOURS.get(int(grade), "#9e9e9e")
    except (TypeError, ValueError):
        return "#9e9e9e"
