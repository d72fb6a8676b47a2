"""orjson's reading of a record, used only where it provably equals the strict decoder's.

:mod:`protocol.records.json_input` decodes with Python's ``json`` and hooks that
refuse duplicate keys, NaN and numbers it cannot hold exactly; that decoder is
the source of every refusal and every message. Most records hold none of those
traps, and orjson reads them several times faster: :func:`fast_decode` returns
its value when the text shows that both decoders must agree, else
:data:`NOT_FAST`, and the strict decoder decides.
"""

from __future__ import annotations

import re
from typing import Any

try:
    import orjson
except ImportError:  # pragma: no cover - without orjson every text is decoded strictly
    orjson = None  # type: ignore[assignment]

__all__ = ["NOT_FAST", "fast_decode"]

NOT_FAST = object()
_KEY_END = re.compile(r'"[ \t\n\r]*:')
_FAST_BRACKETS = 400  # nests less deeply than either decoder can go (orjson 1024, json ~900)
_FAST_INT = 10**15  # below this an integer is read exactly by both decoders, and accepted


def fast_decode(text: str) -> Any:
    """The value orjson reads, where it provably equals the strict decoder's; else NOT_FAST.

    Used only for a text with no backslash (so no escape, no lone surrogate, and every
    ``"`` delimits a string) and at most 400 brackets (neither decoder runs out of depth)
    that orjson reads (so no NaN, no syntax error) into a value with no float and no
    integer of 16 digits or more (the only numbers the strict decoder might refuse or read
    differently), and with as many keys as the text has places where a string is followed
    by a colon (every key is one; a value string that begins with a colon adds one more,
    and falls back): so no key is duplicated. Anything else, and every error, is the
    strict decoder's.
    """
    if orjson is None or "\\" in text:
        return NOT_FAST
    if text.count("{") + text.count("[") > _FAST_BRACKETS:
        return NOT_FAST  # deep enough for either decoder to stop, each with its own error
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return NOT_FAST
    keys = 0
    stack = [value]
    pop, extend = stack.pop, stack.extend
    while stack:
        node = pop()
        kind = type(node)
        if kind is dict:
            keys += len(node)
            extend(node.values())
        elif kind is list:
            extend(node)
        elif kind is float or (kind is int and not -_FAST_INT < node < _FAST_INT):
            return NOT_FAST
    if keys and len(_KEY_END.findall(text)) != keys:
        return NOT_FAST
    return value
