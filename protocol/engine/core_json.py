"""JSON text in the only number forms durable_rules' C core reads correctly.

The core's parser (``src/rules/json.c``, ``getNumber``) and its conversions
(``atoll``, ``atof`` in ``state.c`` and ``rete.c``) were measured here (see the
adapter's docstring, pitfalls 26-29). It reads exactly:

- an integer ``-?[0-9]+`` whose value fits in a signed 64-bit integer;
- a decimal ``-?[0-9]+\\.[0-9]+``, any number of digits (``atof``: correctly rounded).

Python's ``json.dumps`` writes ``1e-05`` and ``1e+16`` for the floats 0.00001 and
1e16, ``Infinity`` and ``NaN``, and integers of any size; none of those is read
as written. This module writes every number in one of the two forms above:
a float as a plain decimal with a fractional part (``0.00001``, ``1e16`` as
``10000000000000000.0``), an integer beyond 64 bits as the nearest double written
as a plain decimal (order against any parameter is kept), infinity as a plain
decimal beyond the largest double (which ``atof`` reads as infinity). NaN, and
any value that is not a number, boolean, string, list or mapping, cannot be
compared by the engine and is refused with :class:`CoreJsonError`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from json.encoder import encode_basestring_ascii as _quote
from typing import Any

__all__ = ["CoreJsonError", "dumps", "fact_text", "number_text"]

_INT64 = 2**63
# Beyond the largest double (about 1.8e308): atof reads it as infinity.
_INFINITE = "1" + "0" * 310 + ".0"


class CoreJsonError(ValueError):
    """A value the engine cannot be given faithfully."""


def number_text(value: int | float) -> str:
    """``value`` as an integer or plain decimal that the C core reads as that number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CoreJsonError(f"not a number: {type(value).__name__}")
    if isinstance(value, int):
        if -_INT64 <= value < _INT64:
            return int.__repr__(value)
        try:
            value = float(value)
        except OverflowError:
            return _INFINITE if value > 0 else "-" + _INFINITE
    text = float.__repr__(value)
    if "e" in text or "n" in text:  # exponent, inf or nan
        if math.isnan(value):
            raise CoreJsonError("NaN cannot be compared by the rules engine")
        if math.isinf(value):
            return _INFINITE if value > 0 else "-" + _INFINITE
        text = format(Decimal(text), "f")
    return text if "." in text else text + ".0"


def _value(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return _quote(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int or kind is float:
        return number_text(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_key(k)}: {_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, str):
        return _quote(str(value))
    if isinstance(value, int | float) and not isinstance(value, bool):
        return number_text(value)
    raise CoreJsonError(f"cannot be given to the rules engine: {kind.__name__}")


def _key(key: Any) -> str:
    if not isinstance(key, str):
        raise CoreJsonError(f"a field name must be text, not {type(key).__name__}")
    return _quote(key)


def dumps(value: Any) -> str:
    """JSON text of ``value`` (mappings, lists, text, booleans, numbers) for the C core."""
    return _value(value)


def fact_text(head: str, values: Mapping[str, Any]) -> str:
    """One fact object: ``head`` (already encoded ``"key": value`` pairs) and ``values``.

    The fast path of :func:`dumps` for the flat facts of a check: every value is
    a scalar (text, boolean, number); anything else is refused.
    """
    parts = [head]
    for key, value in values.items():
        kind = type(value)
        if kind is str:
            text = _quote(value)
        elif kind is bool:
            text = "true" if value else "false"
        elif kind is int and -_INT64 <= value < _INT64:
            text = int.__repr__(value)
        elif kind is float or kind is int:
            text = number_text(value)
        else:
            raise CoreJsonError(f"{key}: a fact holds only text, booleans and numbers")
        label = _LABELS.get(key)
        if label is None:
            label = _quote(key) + ": "
            if len(_LABELS) < 4096:
                _LABELS[key] = label
        parts.append(label + text)
    return "{" + ", ".join(parts) + "}"


# Field names as written before their values (a few dozen in a pack): kept once quoted.
_LABELS: dict[str, str] = {}
