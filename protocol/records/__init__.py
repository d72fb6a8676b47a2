"""Submitted patient records: reading, strict decoding, schema validation, typed model."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError as ModelError

from protocol.findings import RecordError
from protocol.records.model import PatientRecord
from protocol.records.sources import Submission, read_sources
from protocol.records.validation import record_schema, schema_errors

__all__ = ["PatientRecord", "Submission", "load_record", "read_sources", "record_schema"]


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
                f"record does not fit the model: {detail['msg']}",
                patient_id=patient_id,
            )
            for detail in error.errors()
        ]


def _with_patient(error: RecordError, patient_id: str | None) -> RecordError:
    if patient_id is None:
        return error
    return RecordError(
        error.source,
        error.location,
        error.message,
        error.expected,
        error.value,
        error.show_value,
        patient_id,
    )
