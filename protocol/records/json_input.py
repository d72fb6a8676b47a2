"""Strict JSON decoding of one submitted record.

Python's ``json`` module accepts things a clinical record must not carry:
duplicate keys (the last silently wins), ``NaN`` and ``Infinity``, and
nesting deep enough to exhaust the interpreter's stack. Here each of those is a
:class:`JsonProblem` with a plain message and, where it has one, a position.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["MAX_DEPTH", "MAX_RECORD_BYTES", "JsonProblem", "decode_record", "decode_text"]

MAX_RECORD_BYTES = 1_000_000
MAX_DEPTH = 32


class JsonProblem(ValueError):
    """Why a piece of input is not an acceptable JSON record."""

    def __init__(
        self, message: str, pointer: str = "", line: int | None = None, column: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.pointer = pointer
        self.line = line
        self.column = column


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _no_constants(name: str) -> Any:
    raise JsonProblem(f"{name} is not a valid JSON number; write a number, or leave the field out")


_DECODER = json.JSONDecoder(object_pairs_hook=_pairs, parse_constant=_no_constants)


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def decode_text(raw: bytes, line_offset: int = 0) -> str:
    """Bytes to text: UTF-8 (a BOM is tolerated), or a problem naming the byte."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        prefix = raw[: error.start].decode("utf-8", "replace")
        line, column = _position(prefix, len(prefix))
        raise JsonProblem(
            f"byte 0x{raw[error.start]:02x} at line {line + line_offset}, column {column} "
            "is not valid UTF-8; export the file as UTF-8",
            line=line + line_offset,
            column=column,
        ) from None
    return text.removeprefix("\ufeff")


def _depth_pointer(value: Any, limit: int) -> str | None:
    """The pointer of the first place nested deeper than ``limit``, if any."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        node, pointer, depth = stack.pop()
        if depth > limit:
            return pointer
        if isinstance(node, dict):
            stack.extend(
                (child, f"{pointer}/{_escape(key)}", depth + 1) for key, child in node.items()
            )
        elif isinstance(node, list):
            stack.extend((child, f"{pointer}/{i}", depth + 1) for i, child in enumerate(node))
    return None


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def _surrogate_pointer(value: Any, pointer: str = "") -> str | None:
    """The pointer of the first string (or key) holding a lone surrogate, if any."""
    if isinstance(value, str):
        return pointer if _has_surrogate(value) else None
    if isinstance(value, dict):
        for key, child in value.items():
            if _has_surrogate(key):
                return pointer
            found = _surrogate_pointer(child, f"{pointer}/{_escape(key)}")
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found = _surrogate_pointer(child, f"{pointer}/{index}")
            if found is not None:
                return found
    return None


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def decode_record(
    raw: bytes, line_offset: int = 0, max_bytes: int = MAX_RECORD_BYTES, max_depth: int = MAX_DEPTH
) -> Any:
    """Decode one JSON value from ``raw``; raise :class:`JsonProblem` when unacceptable."""
    if len(raw) > max_bytes:
        raise JsonProblem(
            f"record is {len(raw):,} bytes, over the limit of {max_bytes:,} bytes; "
            "a patient record is a few kilobytes, so this is probably not one record"
        )
    text = decode_text(raw, line_offset)
    if not text.strip():
        raise JsonProblem("no JSON here: the input is empty")
    try:
        value = _DECODER.decode(text)
    except _DuplicateKey as error:
        raise JsonProblem(
            f"key {error.key!r} appears twice in the same object; "
            "JSON readers would silently keep only the last, so remove one"
        ) from None
    except json.JSONDecodeError as error:
        raise JsonProblem(
            f"malformed JSON at line {error.lineno + line_offset}, column {error.colno}: "
            f"{error.msg}",
            line=error.lineno + line_offset,
            column=error.colno,
        ) from None
    except RecursionError:
        raise JsonProblem(
            f"JSON nested too deeply (more than {max_depth} levels); a record is a few levels deep"
        ) from None
    if "\\ud" in text or "\\uD" in text:  # only an escape can make a lone surrogate
        where = _surrogate_pointer(value)
        if where is not None:
            raise JsonProblem(
                "text holds an unpaired surrogate escape (\\ud800-\\udfff), which is not a "
                "character; re-export the file as UTF-8",
                pointer=where,
            )
    # A value nests no deeper than its count of brackets, so most records skip the walk.
    nesting = text.count("{") + text.count("[")
    deep = _depth_pointer(value, max_depth) if nesting > max_depth else None
    if deep is not None:
        raise JsonProblem(
            f"JSON nested too deeply (more than {max_depth} levels); a record is a few levels deep",
            pointer=deep,
        )
    return value
