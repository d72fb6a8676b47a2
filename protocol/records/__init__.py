"""Submitted patient records: reading, strict decoding, schema validation, typed model."""

from __future__ import annotations

import math
import re
from dataclasses import fields, replace
from datetime import date
from functools import cache
from typing import Any

from pydantic import ValidationError as ModelError

from protocol.findings import RecordError
from protocol.records.json_input import number_problem, readable_path
from protocol.records.model import PatientRecord
from protocol.records.sources import Submission, read_sources
from protocol.records.validation import (
    MAX_ERRORS_PER_RECORD,
    DetailedRecordError,
    field_is_valid,
    kind_of,
    record_schema,
    schema_errors,
)

__all__ = [
    "PatientRecord",
    "Submission",
    "in_field_order",
    "load_record",
    "non_json_values",
    "read_sources",
    "record_schema",
]


@cache
def _field_order() -> tuple[str, ...]:
    return tuple(record_schema()["properties"])


def in_field_order(record: dict[str, Any]) -> dict[str, Any]:
    """The record with its top-level fields in the schema's order (a record a reader
    built shows and reports like a canonical file)."""
    order = _field_order()
    return {key: record[key] for key in order if key in record}


def load_record(
    record: Any, source: str, *, from_json: bool = False
) -> tuple[PatientRecord | None, list[RecordError]]:
    """Validate a decoded record and build its model, or say everything wrong with it.

    ``from_json`` says the record was made by :func:`~protocol.records.json_input.decode_record`
    (the file and stdin reader), which makes JSON values only and refuses the numbers a
    double cannot hold: the walk looking for Python values no JSON can hold is then skipped.
    A record built in Python (the API, a Session) is always walked.
    """
    if not isinstance(record, dict):
        message = f"a patient record is a JSON object ({{...}}); found {kind_of(record)}"
        return None, [RecordError(source, "", message)]
    if not from_json:
        errors = non_json_values(record, source, MAX_ERRORS_PER_RECORD)
        if errors:
            return None, errors
    errors = list(schema_errors(record, source))
    if errors:
        # Errors are capped per record, so validity is asked of each identifier itself:
        # an invalid patient id may be a name and is never echoed; a valid site id routes
        # the query to its site.
        patient_id = _identifier(record, "patient_id")
        site_id = _identifier(record, "site_id")
        return None, [_with_patient(error, patient_id, site_id) for error in errors]
    patient_id = record["patient_id"]
    try:
        return PatientRecord.model_validate(record), []
    except ModelError as error:  # pragma: no cover - the schema test keeps these in step
        return None, [
            RecordError(
                source,
                "".join(f"/{part}" for part in detail["loc"]),
                "record does not fit the model: "
                + (
                    "the value is not accepted"
                    if detail["type"] == "value_error"
                    else detail["msg"]
                ),
                patient_id=patient_id,
            )
            for detail in error.errors()
        ]


def _identifier(record: dict[str, Any], name: str) -> str | None:
    value = record.get(name)
    return value if isinstance(value, str) and field_is_valid(name, value) else None


def _with_patient(
    error: RecordError, patient_id: str | None, site_id: str | None = None
) -> RecordError:
    """The error, saying whose record it is: its valid patient id and site id."""
    if site_id is not None and not isinstance(error, DetailedRecordError):
        error = DetailedRecordError(**{f.name: getattr(error, f.name) for f in fields(error)})
    changes: dict[str, Any] = {}
    if patient_id is not None:
        changes["patient_id"] = patient_id
    if site_id is not None:
        changes["site_id"] = site_id
    return replace(error, **changes) if changes else error  # keeps the kind of error it is


def _python_problem(node: Any, field: str) -> str | None:
    """Why a Python value handed to the API is not a JSON value (as a file holds), or None."""
    if isinstance(node, str):
        if _SURROGATE.search(node) is None:
            return None
        return f"{field} holds an unpaired surrogate (\\ud800-\\udfff), which is not a character"
    if node is None or isinstance(node, (bool, dict, list)):
        return None
    if isinstance(node, float):
        if math.isfinite(node):
            return None
        name = "NaN" if math.isnan(node) else "Infinity"
        return f"{field}: {name} is not a valid JSON number; write a number, or leave the field out"
    if isinstance(node, int):
        if abs(node) < 10**15:  # held exactly by a double, like every JSON number read
            return None
        if node.bit_length() > 1024:  # beyond the largest double (and str()'s digit limit)
            return f"{field}: the number is too large to be held"
        problem = number_problem(str(node))
        return None if problem is None else f"{field}: {problem}"
    if isinstance(node, date):
        return (
            f"{field} is a Python {type(node).__name__}, not a JSON value; "
            "give a date as text, YYYY-MM-DD (or YYYY-MM or YYYY)"
        )
    if isinstance(node, tuple):
        return f"{field} is a Python tuple, not a JSON value; use a list"
    return (
        f"{field} is a Python {type(node).__name__}, not a JSON value "
        "(text, a number, true/false, null, a list or an object)"
    )


def non_json_values(record: Any, source: str, limit: int) -> list[RecordError]:
    """An error (with its pointer) for each value that no JSON document could hold.

    The file reader only ever makes JSON values; a record built in Python may hold a
    ``datetime.date``, bytes, a set, a tuple, NaN, a non-text key, or itself. The messages
    quote no value.
    """
    if _plainly_json(record):
        return []
    errors: list[RecordError] = []
    # (path, value, ids of the lists and objects that hold it): a value inside itself is a
    # cycle; the same value in two places is not.
    stack: list[tuple[tuple[str | int, ...], Any, frozenset[int]]] = [((), record, frozenset())]
    while stack and len(errors) < limit:
        path, node, holders = stack.pop()
        pointer = "".join(f"/{_escape(str(part))}" for part in path)
        where = readable_path(path)
        if isinstance(node, (dict, list)) and id(node) in holders:
            errors.append(
                RecordError(
                    source, pointer, f"{where} contains itself (a cycle), which no JSON value can"
                )
            )
            continue
        problem = _python_problem(node, where)
        if problem is not None:
            errors.append(RecordError(source, pointer, problem))
            continue
        inside = holders | {id(node)}
        if isinstance(node, dict):
            for key, child in reversed(node.items()):
                if not isinstance(key, str):
                    errors.append(
                        RecordError(
                            source,
                            pointer,
                            f"a key in {where} is a Python {type(key).__name__}; "
                            "JSON object keys are text",
                        )
                    )
                    continue
                if _SURROGATE.search(key):
                    errors.append(
                        RecordError(
                            source, pointer, f"a key in {where} holds an unpaired surrogate"
                        )
                    )
                    continue
                stack.append(((*path, key), child, inside))
        elif isinstance(node, list):
            stack.extend(
                ((*path, i), child, inside) for i, child in reversed(list(enumerate(node)))
            )
    return errors


# The quick look gives up (and leaves it to the walk) after this many values: a value that
# contains itself would otherwise keep it going for ever. A record holds a few hundred.
_QUICK_LOOK_VALUES = 1_000_000
_LARGEST_EXACT = 10**15  # every integer below this is held exactly by a double


def _plainly_json(record: Any) -> bool:
    """True when every value is of a JSON type, as json.load makes them (a quick look).

    Without recursion, and with ``str.isascii`` sparing most texts the surrogate search:
    about a third of the time of the recursive look it replaces.
    """
    stack = [record]
    pop, extend = stack.pop, stack.extend
    budget = _QUICK_LOOK_VALUES
    while stack:
        budget -= 1
        if budget < 0:
            return False
        node = pop()
        kind = type(node)
        if kind is str:
            if not node.isascii() and _SURROGATE.search(node):
                return False
        elif kind is dict:
            for key in node:
                if type(key) is not str or (not key.isascii() and _SURROGATE.search(key)):
                    return False
            extend(node.values())
        elif kind is list:
            extend(node)
        elif kind is int:
            if not -_LARGEST_EXACT < node < _LARGEST_EXACT:
                return False
        elif kind is float:
            if not math.isfinite(node):
                return False
        elif node is not None and kind is not bool:
            return False
    return True


_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")
