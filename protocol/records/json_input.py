"""Strict JSON decoding of one submitted record.

Python's ``json`` module accepts things a clinical record must not carry:
duplicate keys (the last silently wins), ``NaN`` and ``Infinity``, numbers with
more digits than a float holds (``2.99999999999999999`` silently becomes 3),
integers too long to convert, and nesting deep enough to exhaust the
interpreter's stack. Each of those is a :class:`JsonProblem` with a plain
message and the JSON Pointer of the value. Bytes that are not UTF-8 text (UTF-16,
UTF-32, gzip) are named as such.

The number rule: a number is accepted when the double-precision number it is
read as, written back in its shortest form, has the same value as the number
written. Every number of at most 15 significant digits passes (400.5, 0.1,
2012); ``2.99999999999999999`` and ``400.0000000000000001`` do not, nor does
``1e400`` (it would be read as Infinity) or ``1e-400`` (read as 0).

No message here quotes a submitted value (a duplicated key is named when it is written like
a field name, see :func:`looks_like_field_name`), so none leaks under ``--hide-values``; a
refused number as written travels separately in :attr:`JsonProblem.value`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from protocol.records.fast_json import NOT_FAST, fast_decode

__all__ = [
    "MAX_DEPTH",
    "MAX_NUMBER_DIGITS",
    "MAX_RECORD_BYTES",
    "JsonProblem",
    "decode_record",
    "decode_text",
    "looks_like_field_name",
    "number_problem",
    "readable_path",
]

MAX_RECORD_BYTES = 1_000_000
MAX_DEPTH = 32
# The largest double is about 1.8e308: an integer of more digits cannot be held, and
# stopping here keeps Python's int() well clear of its 4,300-digit conversion limit.
MAX_NUMBER_DIGITS = 309


class JsonProblem(ValueError):
    """Why a piece of input is not an acceptable JSON record.

    ``value`` is the offending text as written (a number), for readers that show values;
    the message never contains it.
    """

    def __init__(
        self,
        message: str,
        pointer: str = "",
        line: int | None = None,
        column: int | None = None,
        value: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.pointer = pointer
        self.line = line
        self.column = column
        self.value = value


class _Refused:
    """Left in the decoded value where a number or constant is not acceptable."""

    __slots__ = ("literal", "message")

    def __init__(self, message: str, literal: str | None = None) -> None:
        self.message = message
        self.literal = literal


class _Duplicated(dict):  # type: ignore[type-arg]
    """An object in which ``key`` appeared twice."""

    key: str = ""


_TOO_PRECISE = (
    "the number cannot be held exactly as written: it has more significant digits than a "
    "double-precision number holds, so it would be read as a slightly different number; "
    "write it with at most 15 significant digits"
)
_ZERO_MANTISSA = re.compile(r"-?[0.]*(?:[eE].*)?")


def number_problem(literal: str) -> str | None:
    """Why a JSON number as written cannot be read as exactly that number, or None.

    The reason starts "the number ..." and quotes no digit of it.
    """
    digits = len(literal) - literal.startswith("-")
    if digits > MAX_NUMBER_DIGITS and re.fullmatch(r"-?[0-9]+", literal):
        return (
            f"the number is {digits:,} digits long, too large to be held as a number; "
            "a record's numbers are short"
        )
    try:
        value = float(literal)
    except OverflowError:  # an int literal beyond the largest double
        value = math.inf
    if math.isinf(value):
        return "the number is too large to be held (it would be read as Infinity)"
    if value == 0.0:
        if _ZERO_MANTISSA.fullmatch(literal):
            return None
        return "the number is too close to zero to be held (it would be read as 0)"
    shortest = repr(value)
    if shortest == literal:
        return None
    try:
        if Decimal(shortest) == Decimal(literal):
            return None
    except ArithmeticError:
        pass
    return _TOO_PRECISE


# How many refusals the hooks below have left in decoded values so far: a decode that did
# not change it holds none, and skips the walk that looks for them.
_refusals = 0


def _refuse(message: str, literal: str | None = None) -> _Refused:
    global _refusals
    _refusals += 1
    return _Refused(message, literal)


def _read_float(literal: str) -> Any:
    problem = number_problem(literal)
    return float(literal) if problem is None else _refuse(problem, literal)


def _read_int(literal: str) -> Any:
    if len(literal) <= 15:  # every integer of up to 15 digits is held exactly
        return int(literal)
    problem = number_problem(literal)
    return int(literal) if problem is None else _refuse(problem, literal)


def _read_constant(name: str) -> Any:
    return _refuse(f"{name} is not a valid JSON number; write a number, or leave the field out")


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    global _refusals
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out and not isinstance(out, _Duplicated):
            out = _Duplicated(out)
            out.key = key
            _refusals += 1
        out[key] = value
    return out


_DECODER = json.JSONDecoder(
    object_pairs_hook=_pairs,
    parse_constant=_read_constant,
    parse_float=_read_float,
    parse_int=_read_int,
)


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


_BOMS = (
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\xfe\xff", "UTF-16"),
    (b"\xff\xfe", "UTF-16"),
)


def _foreign_encoding(raw: bytes) -> str | None:
    """What the bytes are when they are plainly not UTF-8 JSON: a message, or None."""
    if raw.startswith(b"\x1f\x8b"):
        return "the file is gzip-compressed; decompress it first (gunzip), then check it"
    name = next((name for bom, name in _BOMS if raw.startswith(bom)), None)
    head = raw[:4]
    if name is None and b"\x00" in head:
        # JSON text starts with an ASCII character: in UTF-16 every other byte of it is 0,
        # in UTF-32 three bytes of four (RFC 4627, section 3). A JSON Lines file split at
        # its newline bytes leaves each later line starting with those zero bytes.
        name = "UTF-32" if head.count(0) >= 3 else "UTF-16"
    if name is None:
        return None
    return f"the file is {name}; export it as UTF-8"


def decode_text(raw: bytes, line_offset: int = 0) -> str:
    """Bytes to text: UTF-8 (a BOM at the very start is tolerated), or a problem naming why."""
    foreign = _foreign_encoding(raw)
    if foreign is not None:
        raise JsonProblem(foreign)
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
    if text.startswith("\ufeff") and line_offset > 0:
        raise JsonProblem(
            f"line {line_offset + 1} starts with a byte order mark (BOM, U+FEFF), which "
            "belongs only at the start of a file; the file was probably made by joining "
            "files: remove the mark",
            line=line_offset + 1,
            column=1,
        )
    return text.removeprefix("\ufeff")


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _pointer(parts: Sequence[str | int]) -> str:
    return "".join(f"/{_escape(str(part))}" for part in parts)


# A field name as the record format writes them (and as a data manager's typo of one reads):
# letters, digits, '_', '.', '-', at most 64 of them. Any other key (a sentence, a name with
# a space, a pasted value) is not quoted in a message: it may be data, and it reads badly.
_FIELD_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def looks_like_field_name(key: object) -> bool:
    """True for a key written as a field name is (``tace_dat``), which a message may quote."""
    return isinstance(key, str) and _FIELD_NAME.fullmatch(key) is not None


def readable_path(parts: Sequence[str | int]) -> str:
    """A place in a record as a data manager reads it: ``tace[0].date``, ``sorafenib[2].dose_mg``.

    ``parts`` are a JSON Pointer's steps, list positions as ``int`` (as jsonschema gives
    them). The whole record is "the record". A key not written like a field name is shown
    as ``[...]`` (the JSON Pointer in the error's location names it exactly).
    """
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _WORD.fullmatch(part):
            out += f".{part}" if out else part
        elif looks_like_field_name(part):
            out += f"[{json.dumps(part)}]"
        else:
            out += "[...]"
    return out or "the record"


def _nodes(value: Any) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """Every (path, value) of a decoded document in document order, without recursion.

    A path is the pointer's steps, list positions as ``int``."""
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), value)]
    while stack:
        path, node = stack.pop()
        yield path, node
        if isinstance(node, dict):
            stack.extend(((*path, key), child) for key, child in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend(((*path, i), child) for i, child in reversed(list(enumerate(node))))


def _refusal(value: Any) -> JsonProblem | None:
    """The first refused number, constant or duplicated key, with its pointer."""
    for path, node in _nodes(value):
        if isinstance(node, _Refused):
            message = f"{readable_path(path)}: {node.message}"
            return JsonProblem(message, pointer=_pointer(path), value=node.literal)
        if isinstance(node, _Duplicated):
            where = "the record" if not path else readable_path(path)
            name = f"field {node.key!r}" if looks_like_field_name(node.key) else "a field"
            return JsonProblem(
                f"{name} appears twice in {where}; "
                "JSON readers would silently keep only the last, so remove one",
                pointer=_pointer((*path, node.key)),
            )
    return None


def _depth_pointer(value: Any, limit: int) -> str | None:
    """The pointer of the first place nested deeper than ``limit``, if any."""
    for path, _node in _nodes(value):
        if len(path) > limit:
            return _pointer(path)
    return None


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def _surrogate_pointer(value: Any) -> str | None:
    """The pointer of the first string (or key) holding a lone surrogate, if any."""
    for path, node in _nodes(value):
        if isinstance(node, str) and _has_surrogate(node):
            return _pointer(path)
        if isinstance(node, dict) and any(_has_surrogate(key) for key in node):
            return _pointer(path)
    return None


def _decode_error(error: json.JSONDecodeError, text: str, line_offset: int) -> JsonProblem:
    line, column = error.lineno + line_offset, error.colno
    if error.pos < len(text) and text[error.pos] == "\ufeff":
        return JsonProblem(
            f"a byte order mark (BOM, U+FEFF) at line {line}, column {column}, where it does "
            "not belong; the file was probably made by joining files: remove the mark",
            line=line,
            column=column,
        )
    if error.msg == "Extra data" and "\r" in text[: error.pos] and "\n" not in text:
        return JsonProblem(
            "the records are separated by CR-only line ends (classic Mac OS); save the file "
            "with LF (or CRLF) line ends, one record per line",
            line=line,
            column=column,
        )
    return JsonProblem(
        f"malformed JSON at line {line}, column {column}: {error.msg}", line=line, column=column
    )


def _strict_decode(text: str, line_offset: int, max_depth: int) -> Any:
    """The strict decoder: the source of every refusal and of every message about one."""
    before = _refusals
    try:
        value = _DECODER.decode(text)
    except json.JSONDecodeError as error:
        raise _decode_error(error, text, line_offset) from None
    except RecursionError:
        raise JsonProblem(
            f"JSON nested too deeply (more than {max_depth} levels); a record is a few levels deep"
        ) from None
    refused = _refusal(value) if _refusals != before else None
    if refused is not None:
        raise refused
    return value


def decode_record(
    raw: bytes,
    line_offset: int = 0,
    max_bytes: int = MAX_RECORD_BYTES,
    max_depth: int = MAX_DEPTH,
    fast: bool = True,
) -> Any:
    """Decode one JSON value from ``raw``; raise :class:`JsonProblem` when unacceptable.

    ``fast=False`` leaves every text to the strict decoder (the same answer, slower).
    """
    if len(raw) > max_bytes:
        raise JsonProblem(
            f"record is {len(raw):,} bytes, over the limit of {max_bytes:,} bytes; "
            "a patient record is a few kilobytes, so this is probably not one record"
        )
    text = decode_text(raw, line_offset)
    if not text.strip():
        raise JsonProblem("no JSON here: the input is empty")
    value = fast_decode(text) if fast else NOT_FAST
    if value is NOT_FAST:
        value = _strict_decode(text, line_offset, max_depth)
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
