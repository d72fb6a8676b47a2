"""The patient record as typed pydantic models (schema_version "1").

The JSON Schema in ``schemas/patient-record.schema.json`` is the authority on
what is accepted; these models give the checker typed access once a record
has passed it. ``tests/test_model_schema_sync.py`` fails when the two
disagree on a field, a type or an enum value.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from protocol.dates import PartialDate

__all__ = [
    "AdverseEvent",
    "Diagnosis",
    "DosingPeriod",
    "Imaging",
    "PatientRecord",
    "Tace",
    "Withdrawal",
]


def _parse_date(value: Any) -> Any:
    return PartialDate.parse(value) if isinstance(value, str) else value


Date = Annotated[
    PartialDate,
    BeforeValidator(_parse_date),
    PlainSerializer(str, return_type=str),
    Field(json_schema_extra={"type": "string", "format": "partial-date"}),
]


def _parse_full_date(value: Any) -> Any:
    parsed = _parse_date(value)
    if isinstance(parsed, PartialDate) and not parsed.is_full:
        raise ValueError("a full date (YYYY-MM-DD) is required here, not a partial one")
    return parsed


# The data cut-off: a day, never a month or a year (PROTOCOL.md, the record table).
FullDate = Annotated[
    PartialDate,
    BeforeValidator(_parse_full_date),
    PlainSerializer(str, return_type=str),
    Field(json_schema_extra={"type": "string", "format": "partial-date"}),
]

Cohort = Literal["sorafenib_after_tace", "tace_alone_control"]
Technique = Literal["conventional", "drug_eluting_beads", "other"]
Modality = Literal["CT", "MRI", "US", "angiography"]
ImagingResult = Literal[
    "progression",
    "recurrence",
    "complete_response",
    "partial_response",
    "stable_disease",
    "not_evaluable",
]
Frequency = Literal["QD", "BID", "TID", "QOD"]
DoseReason = Literal["initial", "adverse_event", "escalation", "resumption", "other"]
ActionTaken = Literal[
    "dose_not_changed",
    "dose_reduced",
    "drug_interrupted",
    "drug_withdrawn",
    "not_applicable",
    "unknown",
]


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, arbitrary_types_allowed=True, hide_input_in_errors=True
    )


class Diagnosis(_Model):
    condition: str | None = None
    date: Date | None = None
    unresectable: bool | None = None


class Tace(_Model):
    date: Date
    technique: Technique | None = None


class Imaging(_Model):
    date: Date
    modality: Modality | None = None
    result: ImagingResult


class DosingPeriod(_Model):
    start_date: Date
    end_date: Date | None
    dose_mg: float
    frequency: Frequency
    reason: DoseReason | None = None


class AdverseEvent(_Model):
    term: str
    grade: int
    onset_date: Date
    resolution_date: Date | None = None
    serious: bool | None = None
    related_to_sorafenib: bool | None = None
    action_taken: ActionTaken


class Withdrawal(_Model):
    date: Date
    reason: str


class PatientRecord(_Model):
    schema_version: Literal["1"]
    patient_id: str
    cohort: Cohort
    site_id: str | None = None
    diagnosis: Diagnosis | None = None
    tace: tuple[Tace, ...] = ()
    imaging: tuple[Imaging, ...] = ()
    sorafenib: tuple[DosingPeriod, ...] = ()
    adverse_events: tuple[AdverseEvent, ...] = ()
    withdrawal: Withdrawal | None = None
    death_date: Date | None = None
    last_contact_date: Date | None = None
    data_cutoff_date: FullDate | None = None
