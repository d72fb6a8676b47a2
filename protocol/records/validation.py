"""Validating a decoded record against ``schemas/patient-record.schema.json``.

jsonschema is the source of every message: each schema violation (all of
them, not only the first) becomes a :class:`~protocol.findings.RecordError`
with the JSON Pointer of the offending value and the expectation written in
the schema (its ``x-expected`` annotation), in words a data manager can act on.
"""

from __future__ import annotations

import copy
import difflib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

import fastjsonschema
from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError

try:
    import jsonschema_rs
except ImportError:  # pragma: no cover - an optional speed-up of the gate
    jsonschema_rs = None

from protocol._resources import schema_path
from protocol.dates import EARLIEST_YEAR, LATEST_YEAR, DateProblem, PartialDate
from protocol.findings import RecordError
from protocol.records.inlined_schema import inlined
from protocol.records.json_input import looks_like_field_name, readable_path

__all__ = [
    "FORMAT_CHECKER",
    "MAX_ERRORS_PER_RECORD",
    "DetailedRecordError",
    "fast_record_check",
    "field_is_valid",
    "record_schema",
    "record_validator",
    "rs_record_check",
    "schema_errors",
]

FORMAT_CHECKER = FormatChecker(formats=())

# At most this many errors are listed for one record, then one more says how many were left
# out. A record with 88,000 unknown fields once made a 49 MB report that no one could read;
# fifty problems are enough to show what is wrong (usually the same mistake again and again).
MAX_ERRORS_PER_RECORD = 50


@dataclass(frozen=True, slots=True)
class DetailedRecordError(RecordError):
    """A RecordError with two more things to say, until RecordError itself carries them.

    ``detail`` spells out the value, so it is shown only with values: "February 2011 has
    28 days, there is no day 29" helps whoever may see the date, and reveals it to whoever
    may not; with values hidden the message alone is given.

    ``site_id`` is the record's site, when the record names a valid one, so that a query
    about a record that could not be checked still reaches its site.
    """

    detail: str = ""
    site_id: str | None = None

    def text(self, hide_values: bool = False) -> str:
        if hide_values or not self.detail:
            return RecordError.text(self, hide_values)
        return replace(self, message=f"{self.message}: {self.detail}", detail="").text()


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


def _whole_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    """``pattern`` where ``$`` means the end of the text, not also before a final newline."""
    if not validator.is_type(instance, "string"):
        return
    match = re.search(pattern, instance)
    if match is None or (pattern.endswith("$") and match.end() != len(instance)):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_RecordValidator = validators.extend(Draft202012Validator, {"pattern": _whole_pattern})


@cache
def record_validator() -> Draft202012Validator:
    schema = record_schema()
    Draft202012Validator.check_schema(schema)
    return _RecordValidator(schema, format_checker=FORMAT_CHECKER)


def _is_partial_date_text(value: object) -> bool:
    try:
        return _is_partial_date(value)
    except ValueError:
        return False


@cache
def fast_record_check() -> Any:
    """A compiled yes/no check of the same schema file, for records that pass.

    fastjsonschema reads the same schema and the same ``partial-date`` format;
    it anchors ``$`` at the very end of the text, as ``_whole_pattern`` does.
    It only answers "valid or not": every message still comes from jsonschema,
    and ``tests/test_fast_validation.py`` shows the two agree.
    """
    return fastjsonschema.compile(
        inlined(copy.deepcopy(record_schema())),  # the compiler annotates what it is given
        formats={"partial-date": _is_partial_date_text},
        use_default=False,
    )


@cache
def rs_record_check() -> Any:
    """jsonschema-rs's yes/no check of the same schema file, or None without it.

    Preferred to :func:`fast_record_check` (about a quarter of its time): it reads the
    same schema and the same ``partial-date`` format, and its ``$`` is the end of the
    text, as ``_whole_pattern``'s. Only "valid or not": every message still comes from
    jsonschema; ``tests/test_speed_gate.py`` shows the three agree.
    """
    if jsonschema_rs is None:  # pragma: no cover - then fastjsonschema decides alone
        return None
    return jsonschema_rs.validator_for(
        record_schema(), formats={"partial-date": _is_partial_date_text}, validate_formats=True
    ).is_valid


def _passes_fast_check(record: Any) -> bool:
    check = rs_record_check()
    if check is not None:
        try:
            return bool(check(record))
        except (ValueError, TypeError, OverflowError):  # a value it cannot take: ask the other
            pass
    try:
        fast_record_check()(record)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def _pointer(parts: Any) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


@cache
def _field_validator(name: str) -> Any:
    return _RecordValidator(record_schema()["properties"][name], format_checker=FORMAT_CHECKER)


def field_is_valid(name: str, value: Any) -> bool:
    """True when ``value`` meets the schema of the record's top-level field ``name`` alone.

    An identifier (``patient_id``, ``site_id``) is echoed only when it passes its own rules,
    whatever else is wrong with the record, and however many errors the record has.
    """
    return _field_validator(name).is_valid(value)


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


def kind_of(value: Any) -> str:
    """What sort of JSON value ``value`` is, in words that quote none of it: "a text string"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a true/false value"
    if isinstance(value, dict):
        return "an object ({...})"
    if isinstance(value, list):
        return "a list ([...])"
    if isinstance(value, str):
        return "a text string" if value else "an empty text string"
    if isinstance(value, float) and not value.is_integer():
        return "a number with a fraction"
    return "a number"


def _wrong_type(error: ValidationError, source: str, where: str, expected: str) -> RecordError:
    """``tace[0] is null; expected an object ({...})``: the kind found, then the value."""
    return RecordError(
        source,
        _pointer(error.absolute_path),
        f"{where} is {kind_of(error.instance)}",
        expected=expected,
        value=error.instance,
        show_value=error.instance is not None,  # "is null (found null)" says it twice
    )


def _choices(error: ValidationError) -> str:
    values = error.validator_value if error.validator == "enum" else [error.validator_value]
    return "one of " + ", ".join(json.dumps(v) for v in values)


def _plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count:,} " + (word if count == 1 else words or word + "s")


_DATE_WORDS = (
    f"an ISO 8601 date from {EARLIEST_YEAR}-01-01 to {LATEST_YEAR}-12-31 "
    "(YYYY-MM-DD, or partial YYYY-MM or YYYY)"
)


def _unknown_fields(
    error: ValidationError, path: list[Any], source: str, known: list[str]
) -> Iterator[RecordError]:
    """One error per unknown field, named: its name is the data manager's typo (``tace_dat``).

    A key not written like a field name (``"Yamada Taro"``, a sentence) may be data: its
    name is then a detail, shown only with values; the location still points at it.
    """
    where = f" in {readable_path(path)}" if path else ""
    fields = ", ".join(known)
    for name in sorted(set(error.instance) - set(known)):
        close = difflib.get_close_matches(name, known, n=1)
        if looks_like_field_name(name):
            hint = f"; did you mean {close[0]!r}?" if close else ""
            yield RecordError(
                source,
                _pointer([*path, name]),
                f"unknown field {name!r}{where}{hint}",
                expected="only the fields of the record format: " + fields,
            )
            continue
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        shown = name if len(name) <= 60 else name[:57] + "..."
        yield DetailedRecordError(
            source,
            _pointer([*path, name]),
            f"unknown field{where}, with a name of {_plural(len(name), 'character')} that is "
            "not written like a field name",
            expected=f"only the fields of the record format{hint}: {fields}",
            detail=f"it is named {json.dumps(shown, ensure_ascii=False)}",
        )


def _translate(
    error: ValidationError, source: str
) -> RecordError | list[RecordError] | Iterator[RecordError]:
    path = list(error.absolute_path)
    validator = error.validator
    schema = error.schema if isinstance(error.schema, dict) else {}
    expected = schema.get("x-expected")
    field = readable_path(path)
    if validator == "additionalProperties":
        return _unknown_fields(error, path, source, sorted(schema.get("properties", {})))
    if validator == "required":
        missing = next(
            (
                m
                for m in error.validator_value
                if m not in error.instance and error.message.startswith(repr(m))
            ),
            "?",
        )
        where = f" from {readable_path(path)}" if path else ""
        message = f"required field {missing!r} is missing{where}"
        return [RecordError(source, _pointer([*path, missing]), message)]
    if error.instance is None and validator in {"enum", "const"}:
        return _wrong_type(error, source, field, expected or _choices(error))

    def found(message: str, words: str | None) -> RecordError:
        """An error at the value, which is shown with the message when values are shown."""
        return RecordError(
            source, _pointer(path), message, expected=words, value=error.instance, show_value=True
        )

    if validator == "enum":
        return found(f"{field} has a value that is not allowed", _choices(error))
    if validator == "format" or (validator == "anyOf" and _format_cause(error)):
        cause = error.cause if validator == "format" else _format_cause(error)
        kind = cause.kind if isinstance(cause, DateProblem) else "calendar"
        if kind == "shape":
            return found(f"{field} is not an ISO 8601 date", expected or _DATE_WORDS)
        if kind == "range":
            return found(
                f"{field} is outside the accepted range of dates",
                f"a date from {EARLIEST_YEAR}-01-01 to {LATEST_YEAR}-12-31",
            )
        return DetailedRecordError(
            source,
            _pointer(path),
            f"{field} is not a real calendar date",
            expected="a date that exists in the calendar",
            value=error.instance,
            show_value=True,
            detail=str(cause) if cause else "",
        )
    if validator == "pattern" and schema.get("format") == "partial-date":
        # A real date that fails the pattern is a partial one where a full date is required.
        return found(f"{field} is not a full date", expected)
    if validator == "type":
        return _wrong_type(error, source, field, expected or _type_words(error.validator_value))
    if (
        validator == "anyOf"
        and error.context
        and all(sub.validator == "type" for sub in error.context)
    ):  # a date or null, given a number: the kind is wrong, not the date
        words = _type_words([sub.validator_value for sub in error.context])
        return _wrong_type(error, source, field, expected or words)
    if validator in {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}:
        rule = json.dumps(error.validator_value)
        return found(
            f"{field} is out of range",
            expected or f"a number meeting the record format's {validator} {rule}",
        )
    if validator == "maxItems":
        return RecordError(
            source,
            _pointer(path),
            f"{field} has {_plural(len(error.instance), 'entry', 'entries')}; "
            f"at most {error.validator_value:,} are allowed",
        )
    if validator == "maxLength":
        return RecordError(
            source,
            _pointer(path),
            f"{field} is {_plural(len(error.instance), 'character')} long; at most "
            f"{error.validator_value:,} are allowed",
        )
    if validator == "minLength":
        least = _plural(error.validator_value, "character")
        return RecordError(
            source,
            _pointer(path),
            f"{field} is empty" if not error.instance else f"{field} is too short",
            expected=expected or f"at least {least}",
        )
    # jsonschema's own message quotes the value, so it never becomes the text.
    rule = json.dumps(error.validator_value, ensure_ascii=False)
    return found(
        f"{field} is not valid",
        expected or f"a value meeting the record format's {validator} rule {rule}",
    )


def _format_cause(error: ValidationError) -> BaseException | None:
    for sub in error.context or ():
        if sub.validator == "format" and sub.cause is not None:
            return sub.cause
    return None


def _problem_count(error: ValidationError) -> int:
    """How many RecordErrors ``_translate`` makes of an error (without making them)."""
    if error.validator == "additionalProperties" and isinstance(error.schema, dict):
        return len(set(error.instance) - set(error.schema.get("properties", {})))
    return 1


def schema_errors(
    record: Any, source: str, limit: int = MAX_ERRORS_PER_RECORD
) -> Iterator[RecordError]:
    """Every schema violation of ``record``, ordered by location: the first ``limit`` of them,
    then one error saying how many more there are."""
    if _passes_fast_check(record):
        return
    errors = sorted(
        record_validator().iter_errors(record),
        key=lambda e: (_pointer(e.absolute_path), str(e.validator)),
    )
    format_pointers = {
        _pointer(e.absolute_path) for e in errors if e.validator in {"format", "anyOf"}
    }
    listed = left_out = 0
    for error in errors:
        if error.validator == "pattern" and _pointer(error.absolute_path) in format_pointers:
            continue  # the format error at the same place says it better
        if listed >= limit:
            left_out += _problem_count(error)
            continue
        translated = _translate(error, source)
        items = [translated] if isinstance(translated, RecordError) else translated
        taken = 0
        for item in items:  # lazily: an unknown field's spelling hint is worked out on demand
            if listed >= limit:
                break
            listed += 1
            taken += 1
            yield item
        left_out += _problem_count(error) - taken
    if left_out:
        yield RecordError(
            source,
            "",
            f"... and {left_out:,} more problems in this record, not listed (only the first "
            f"{limit} are); they are often the same mistake again: fix these and check again",
        )
