"""Submitted patient records: reading, strict decoding, schema validation, typed model."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from datetime import date
from typing import Any

from pydantic import ValidationError as ModelError

from protocol.findings import RecordError
from protocol.records.json_input import number_problem
from protocol.records.model import PatientRecord
from protocol.records.sources import Submission, read_sources
from protocol.records.validation import MAX_ERRORS_PER_RECORD, record_schema, schema_errors

__all__ = [
    "PatientRecord",
    "Submission",
    "load_record",
    "non_json_values",
    "read_sources",
    "record_schema",
]


_JSON_WORDS = {
    str: "text string",
    int: "number",
    float: "number",
    bool: "true/false value",
    list: "list",
}


def load_record(record: Any, source: str) -> tuple[PatientRecord | None, list[RecordError]]:
    """Validate a decoded record and build its model, or say everything wrong with it."""
    if not isinstance(record, dict):
        kind = _JSON_WORDS.get(type(record), "null")
        return None, [RecordError(source, "", f"a patient record is a JSON object, not a {kind}")]
    # A record built in Python (the API, a Session) may hold what no JSON file can.
    errors = non_json_values(record, source, MAX_ERRORS_PER_RECORD)
    if errors:
        return None, errors
    errors = list(schema_errors(record, source))
    patient_id = record.get("patient_id") if isinstance(record.get("patient_id"), str) else None
    if any(error.location == "/patient_id" for error in errors):
        patient_id = None  # an invalid id may be a name; never echo it
    errors = [_with_patient(error, patient_id) for error in errors]
    if errors:
        return None, errors
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


def _with_patient(error: RecordError, patient_id: str | None) -> RecordError:
    if patient_id is None:
        return error
    return replace(error, patient_id=patient_id)  # keeps the kind of error it is


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
    ``datetime.date``, bytes, a set, a tuple, NaN, a non-text key. The messages quote no value.
    """
    try:
        if _plainly_json(record):
            return []
    except RecursionError:
        pass  # nested too deep for the quick look: the walk below finds its way
    errors: list[RecordError] = []
    stack: list[tuple[str, Any]] = [("", record)]
    while stack and len(errors) < limit:
        pointer, node = stack.pop()
        field = pointer.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~") or "record"
        problem = _python_problem(node, field)
        if problem is not None:
            errors.append(RecordError(source, pointer, problem))
            continue
        if isinstance(node, dict):
            for key, child in reversed(node.items()):
                if not isinstance(key, str):
                    errors.append(
                        RecordError(
                            source,
                            pointer,
                            f"an object key is a Python {type(key).__name__}; "
                            "JSON object keys are text",
                        )
                    )
                    continue
                if _SURROGATE.search(key):
                    errors.append(
                        RecordError(source, pointer, "an object key holds an unpaired surrogate")
                    )
                    continue
                stack.append((f"{pointer}/{_escape(key)}", child))
        elif isinstance(node, list):
            stack.extend((f"{pointer}/{i}", child) for i, child in reversed(list(enumerate(node))))
    return errors


def _plainly_json(node: Any) -> bool:
    """True when every value is of a JSON type, as json.load makes them (a quick look)."""
    kind = type(node)
    if kind is str:
        return _SURROGATE.search(node) is None
    if kind is dict:
        return all(
            type(key) is str and _SURROGATE.search(key) is None and _plainly_json(value)
            for key, value in node.items()
        )
    if kind is list:
        return all(_plainly_json(value) for value in node)
    if kind is int:
        return -(10**15) < node < 10**15
    if kind is float:
        return math.isfinite(node)
    return node is None or kind is bool


_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")
