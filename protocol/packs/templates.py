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
from collections.abc import Callable, Mapping
from functools import lru_cache, partial
from typing import Any

__all__ = [
    "TemplateError",
    "Values",
    "filler",
    "placeholders",
    "render",
]

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
    kind = type(value)
    if kind is str:
        return value
    if kind is int:
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value)
    return str(value)


def render(template: str, values: Mapping[str, Any]) -> str:
    """Fill a template checked by :func:`placeholders` (missing names show as ``?``)."""
    return _compiled(template)(values)


_Parts = tuple[tuple[str, str | None, str | None], ...]


def _filled(parts: _Parts, values: Mapping[str, Any] | _Both) -> str:
    out: list[str] = []
    for literal, field, spec in parts:
        out.append(literal)
        if field is not None:
            value = values.get(field, "?")
            out.append(_formatted(value, spec) if spec else _text(value))
    return "".join(out)


@lru_cache(maxsize=4096)
def _compiled(template: str) -> Callable[[Mapping[str, Any]], str]:
    """A template made once into the function that fills it.

    A template without fields is its text; ``{name}`` alone is that value's text; one
    whose fields have no format spec is a format string given each field's text; any
    other fills its parts in turn. All four give what filling the parts gives.
    """
    parts = _parsed(template)
    if all(field is None for _literal, field, _spec in parts):
        text = "".join(literal for literal, _field, _spec in parts)
        return lambda _values: text
    if len(parts) == 1 and parts[0][0] == "" and not parts[0][2]:
        name = parts[0][1]
        return lambda values: _text(values.get(name, "?"))
    if all(not spec for _literal, _field, spec in parts):
        pattern, names = _format_string(parts)
        fill = pattern.format
        return lambda values: fill(*[_text(values.get(name, "?")) for name in names])
    return partial(_filled, parts)


def _format_string(parts: _Parts) -> tuple[str, tuple[str, ...]]:
    """The literals kept in a format string (braces doubled), one ``{}`` per field, and the
    fields' names in order: for templates whose fields have no format spec."""
    pattern = "".join(
        literal.replace("{", "{{").replace("}", "}}") + ("{}" if field is not None else "")
        for literal, field, _spec in parts
    )
    return pattern, tuple(field for _literal, field, _spec in parts if field is not None)


class Values:
    """A fact's measurements, then the pack's parameters: what a template may name."""

    __slots__ = ("own", "params")

    def __init__(self, own: dict[str, Any], params: Mapping[str, Any]) -> None:
        self.own = own
        self.params = params

    def get(self, key: str, default: Any = None) -> Any:
        own = self.own
        return own[key] if key in own else self.params.get(key, default)

    def __contains__(self, key: str) -> bool:
        return key in self.own or key in self.params

    def __getitem__(self, key: str) -> Any:
        own = self.own
        return own[key] if key in own else self.params[key]


_Filler = Callable[[Mapping[str, Any], Mapping[str, Any]], str]


@lru_cache(maxsize=4096)
def filler(template: str) -> _Filler:
    """A template made once into ``fill(own, params)``, for a fact's values and the pack's.

    ``fill(own, params)`` gives what :func:`render` gives with values that are ``own``'s,
    then ``params``' (a name in neither shows as ``?``), without building that mapping.
    """
    parts = _parsed(template)
    if all(field is None for _literal, field, _spec in parts):
        text = "".join(literal for literal, _field, _spec in parts)
        return lambda _own, _params: text
    if len(parts) == 1 and parts[0][0] == "" and not parts[0][2]:
        name = parts[0][1]
        assert name is not None

        def one(own: Mapping[str, Any], params: Mapping[str, Any]) -> str:
            return _text(own[name] if name in own else params.get(name, "?"))

        return one
    if all(not spec for _literal, _field, spec in parts):
        pattern, names = _format_string(parts)
        fill = pattern.format

        def several(own: Mapping[str, Any], params: Mapping[str, Any]) -> str:
            return fill(*[_text(own[n] if n in own else params.get(n, "?")) for n in names])

        return several
    return lambda own, params: _filled(parts, _Both(own, params))


class _Both:
    """``own``'s values, then ``params``': the mapping :func:`_filled` reads."""

    __slots__ = ("own", "params")

    def __init__(self, own: Mapping[str, Any], params: Mapping[str, Any]) -> None:
        self.own, self.params = own, params

    def get(self, key: str, default: Any = None) -> Any:
        return self.own[key] if key in self.own else self.params.get(key, default)


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
