"""Validating a decoded record against ``schemas/patient-record.schema.json``.

jsonschema is the source of every message: each schema violation (all of
them, not only the first) becomes a :class:`~protocol.findings.RecordError`
with the JSON Pointer of the offending value and the expectation written in
the schema (its ``x-expected`` annotation), in words a data manager can act on.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from protocol._resources import schema_path
from protocol.dates import PartialDate
from protocol.findings import RecordError

__all__ = ["FORMAT_CHECKER", "record_schema", "record_validator", "schema_errors"]

FORMAT_CHECKER = FormatChecker(formats=())


@FORMAT_CHECKER.checks("partial-date", raises=ValueError)
def _is_partial_date(value: object) -> bool:
    if isinstance(value, str):
        PartialDate.parse(value)
    return True


@cache
def record_schema() -> dict[str, Any]:
    """The patient-record JSON Schema, as bundled."""
    with schema_path("patient-record").open(encoding="utf-8") as handle:
        return json.load(handle)


@cache
def record_validator() -> Draft202012Validator:
    schema = record_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FORMAT_CHECKER)


def _pointer(parts: Any) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


_TYPE_WORDS = {
    "object": "an object ({...})",
    "array": "a list ([...])",
    "string": "a text string",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "null": "null",
}


def _type_words(expected: Any) -> str:
    if isinstance(expected, list):
        return " or ".join(_TYPE_WORDS.get(t, t) for t in expected)
    return _TYPE_WORDS.get(expected, str(expected))


def _translate(error: ValidationError, source: str) -> RecordError:
    path = list(error.absolute_path)
    validator = error.validator
    schema = error.schema if isinstance(error.schema, dict) else {}
    expected = schema.get("x-expected")
    field = str(path[-1]) if path else "record"
    if validator == "additionalProperties":
        known = sorted(schema.get("properties", {}))
        unknown = sorted(set(error.instance) - set(known))
        name = unknown[0] if unknown else "?"
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return RecordError(
            source,
            _pointer([*path, name]),
            f"unknown field {name!r}{hint}",
            expected="only the fields of the record format: " + ", ".join(known),
        )
    if validator == "required":
        missing = next((m for m in error.validator_value if m not in error.instance), "?")
        return RecordError(
            source, _pointer([*path, missing]), f"required field {missing!r} is missing"
        )
    if validator == "enum":
        choices = ", ".join(json.dumps(v) for v in error.validator_value)
        return RecordError(
            source,
            _pointer(path),
            f"{field} has a value that is not allowed",
            expected=f"one of {choices}",
            value=error.instance,
            show_value=True,
        )
    if validator == "format" or (validator == "anyOf" and _format_cause(error)):
        cause = error.cause if validator == "format" else _format_cause(error)
        detail = str(cause) if cause else f"{field} is not a valid {error.validator_value}"
        return RecordError(
            source,
            _pointer(path),
            f"{field} is not a real date: {detail}",
            expected="a date that exists in the calendar",
            value=error.instance,
            show_value=True,
        )
    if validator == "type":
        return RecordError(
            source,
            _pointer(path),
            f"{field} has the wrong type",
            expected=_type_words(error.validator_value),
            value=error.instance,
            show_value=True,
        )
    if validator in {"maxItems", "minLength", "maxLength"}:
        return RecordError(
            source, _pointer(path), f"{field}: {error.message}", value=None, show_value=False
        )
    return RecordError(
        source,
        _pointer(path),
        f"{field} is not valid",
        expected=expected or error.message,
        value=error.instance,
        show_value=True,
    )


def _format_cause(error: ValidationError) -> BaseException | None:
    for sub in error.context or ():
        if sub.validator == "format" and sub.cause is not None:
            return sub.cause
    return None


def schema_errors(record: Any, source: str) -> Iterator[RecordError]:
    """Every schema violation of ``record``, ordered by location."""
    errors = sorted(
        record_validator().iter_errors(record),
        key=lambda e: (_pointer(e.absolute_path), str(e.validator)),
    )
    for error in errors:
        yield _translate(error, source)
