"""Message templates: ``str.format`` fields restricted to plain names.

``"Sorafenib started {start_date}, {day} days after TACE #2"`` is filled from
a fact's measurements and the pack's parameters. Attribute and index access
(``{x.__class__}``, ``{x[0]}``) are refused when the pack is loaded, so a
template can only name values, never reach into objects.

Plurals follow a count without code: ``{days} day{days:s}`` adds "s" unless
``days`` is 1, and ``{count:is|are}`` picks the first word when the count is 1,
else the second ("1 day", "21 days", "0-1 days"; "1 period is", "2 periods are").
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

__all__ = ["TemplateError", "placeholders", "render"]

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_FORMATTER = string.Formatter()


class TemplateError(ValueError):
    """A message template that names something it may not."""


def placeholders(template: str) -> set[str]:
    """The names a template uses; raise TemplateError for anything but plain names."""
    names: set[str] = set()
    try:
        parsed = list(_FORMATTER.parse(template))
    except ValueError as error:
        raise TemplateError(f"cannot read template {template!r}: {error}") from None
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if not _NAME.match(field) or conversion or (spec and "{" in spec):
            raise TemplateError(
                f"template field {{{field}}} in {template!r}: only plain names are allowed"
            )
        if spec and spec != "s" and ("|" in spec) != (spec.count("|") == 1):
            raise TemplateError(
                f"template field {{{field}:{spec}}} in {template!r}: a plural choice is"
                " 'singular|plural'"
            )
        names.add(field)
    return names


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value)
    return str(value)


def render(template: str, values: Mapping[str, Any]) -> str:
    """Fill a template checked by :func:`placeholders` (missing names show as ``?``)."""
    out: list[str] = []
    for literal, field, spec in _parsed(template):
        out.append(literal)
        if field is not None:
            value = values.get(field, "?")
            out.append(_formatted(value, spec) if spec else _text(value))
    return "".join(out)


def _one(value: Any) -> bool:
    """Whether a count reads as singular: 1 (or -1), not "0-1" or "2"."""
    return _text(value) in ("1", "-1")


def _formatted(value: Any, spec: str) -> str:
    if spec == "s":
        return "" if _one(value) else "s"
    if "|" in spec:
        singular, plural = spec.split("|")
        return singular if _one(value) else plural
    return format(value, spec)


@lru_cache(maxsize=1024)
def _parsed(template: str) -> tuple[tuple[str, str | None, str | None], ...]:
    """A template split once into (literal, field, format spec) parts."""
    return tuple((literal, field, spec) for literal, field, spec, _ in _FORMATTER.parse(template))
