"""FHIR resources -> one canonical record per Patient, with provenance and problems.

Resources are sorted to their Patient by their subject (``individual`` for ResearchSubject);
one whose subject is not in the input is an error naming it. Per Patient: the
ResearchSubject's ``assignedArm`` gives the cohort; Conditions with a mapped code the
diagnosis; Procedures with a mapped code the TACEs; Observations and DiagnosticReports with a
mapped code the tumour responses; MedicationStatements and MedicationAdministrations of a
mapped medication the dosing periods; AdverseEvents the AEs; ``Patient.deceased[x]`` the
death. Items keep input order (a Bundle's entry order, a file's line order). Resources with
status ``entered-in-error`` or ``not-done``, and potential AdverseEvents, did not happen and
are not read. A problem with a value stops that Patient only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from protocol.fhir.elements import UnknownCode, day_of, extension, match_code, reference_parts
from protocol.fhir.mapping import FhirMapping
from protocol.fhir.provenance import Origin, Provenance
from protocol.fhir.resources import Entry, Invalid, read_resources
from protocol.findings import RecordError

__all__ = ["Assembled", "fhir_records"]

SUBJECT = {"ResearchSubject": "individual"}
READ_TYPES = (
    "ResearchSubject",
    "Condition",
    "Procedure",
    "Observation",
    "DiagnosticReport",
    "MedicationStatement",
    "MedicationAdministration",
    "AdverseEvent",
)
NOT_HAPPENED = frozenset({"entered-in-error", "not-done", "not-taken"})


@dataclass(slots=True)
class Assembled:
    source: str
    patient_id: str
    record: dict[str, Any] | None
    errors: list[RecordError]
    provenance: Provenance


class _Problem(Exception):
    def __init__(self, element: str, message: str, expected: str | None = None) -> None:
        super().__init__(message)
        self.element = element
        self.message = message
        self.expected = expected


class _Patient:
    def __init__(self, mapping: FhirMapping, entry: Entry, index: dict[str, Entry]) -> None:
        self.mapping = mapping
        self.entry = entry
        self.index = index
        self.id = entry.id
        self.errors: list[RecordError] = []
        self.provenance = Provenance(self.id)
        self.record: dict[str, Any] = {"schema_version": "1", "patient_id": self.id}

    def origin(self, entry: Entry, element: str | None) -> Origin:
        return Origin(entry.type, entry.id, element, entry.where)

    def put(self, target: dict[str, Any], pointer: str, entry: Entry, element: str, value: Any):
        self.provenance.add(pointer, self.origin(entry, element))
        target[pointer.rsplit("/", 1)[1]] = value

    def fail(self, entry: Entry, pointer: str, problem: _Problem | UnknownCode, element: str = ""):
        value = None
        if isinstance(problem, UnknownCode):
            message, expected, value = str(problem), problem.expected, problem.value or None
        else:
            message, expected, element = problem.message, problem.expected, problem.element
        self.errors.append(
            RecordError(
                f"{entry.where} ({entry.reference})",
                f"{pointer} ({entry.reference}.{element})",
                f"{entry.type}.{element}: {message}",
                expected,
                value,
                value is not None,
                self.id,
            )
        )

    def coded(self, entry: Entry, pointer: str, element: str, concept: Any, known: dict) -> Any:
        try:
            value = known[match_code(concept, known)]
        except UnknownCode as problem:
            self.fail(entry, pointer, problem, element)
            return _FAILED
        self.provenance.add(pointer, self.origin(entry, element))
        return value

    def resolves(self, entry: Entry, reference: Any, element: str, pointer: str) -> Entry | None:
        parts = reference_parts(reference)
        found = self.index.get(f"{parts[0]}/{parts[1]}") if parts else None
        found = found or self.index.get(str((reference or {}).get("reference")))
        if found is None:
            shown = (reference or {}).get("reference")
            self.fail(
                entry,
                pointer,
                _Problem(element, f"refers to {shown}, which is not in the input"),
            )
        return found

    def finished(self) -> dict[str, Any] | None:
        """The record in canonical field order, checked against the record format; a
        problem only the format sees is pointed at the resource element it came from."""
        from dataclasses import replace

        from protocol.records import in_field_order, load_record

        record = in_field_order(self.record)
        _model, problems = load_record(record, self.entry.where)
        for error in problems:
            origin = self.provenance.lookup(error.location)
            if origin is None:
                self.errors.append(error)
                continue
            element = f".{origin.element}" if origin.element else ""
            self.errors.append(
                replace(
                    error,
                    source=f"{origin.where} ({origin.reference})",
                    location=f"{error.location} ({origin.reference}{element})",
                )
            )
        return None if problems else record


_FAILED: Any = object()


def _cohort(patient: _Patient, subjects: list[Entry]) -> None:
    if len(subjects) != 1:
        patient.errors.append(
            RecordError(
                f"{patient.entry.where} ({patient.entry.reference})",
                "/cohort (ResearchSubject.assignedArm)",
                f"Patient/{patient.id} has {len(subjects)} ResearchSubject resources; the "
                "cohort is read from exactly one (its assignedArm)",
                patient_id=patient.id,
            )
        )
        return
    subject = subjects[0]
    arm = subject.resource.get("assignedArm")
    if arm not in patient.mapping.cohort:
        patient.errors.append(
            RecordError(
                f"{subject.where} ({subject.reference})",
                f"/cohort ({subject.reference}.assignedArm)",
                "ResearchSubject.assignedArm is not an arm the mapping knows",
                "one of " + ", ".join(sorted(patient.mapping.cohort)),
                arm,
                True,
                patient.id,
            )
        )
        return
    patient.put(patient.record, "/cohort", subject, "assignedArm", patient.mapping.cohort[arm])
    if subject.resource.get("status") in patient.mapping.withdrawal_statuses:
        _withdrawal(patient, subject)


def _withdrawal(patient: _Patient, subject: Entry) -> None:
    """A withdrawn ResearchSubject: the date is period.end, the reason the mapping's
    extension (R4 has no reason element), else the status itself, said as such."""
    resource = subject.resource
    date = day_of((resource.get("period") or {}).get("end"))
    if date is None:
        patient.fail(
            subject,
            "/withdrawal/date",
            _Problem(
                "period.end",
                f"the status is {resource.get('status')!r} but no date is given; give "
                "period.end, the date the patient withdrew (a partial date such as 2013 will do)",
            ),
        )
        return
    withdrawal: dict[str, Any] = {}
    patient.put(withdrawal, "/withdrawal/date", subject, "period.end", date)
    found = extension(resource, patient.mapping.extensions.get("withdrawal_reason"))
    if found is not None and isinstance(found[1].get("valueString"), str):
        element = f"extension[{found[0]}].valueString"
        patient.put(withdrawal, "/withdrawal/reason", subject, element, found[1]["valueString"])
    else:
        reason = f"ResearchSubject.status {resource.get('status')} (no reason given)"
        patient.put(withdrawal, "/withdrawal/reason", subject, "status", reason)
    patient.provenance.add("/withdrawal", patient.origin(subject, None))
    patient.record["withdrawal"] = withdrawal


def _patient_fields(patient: _Patient) -> None:
    entry, resource, mapping = patient.entry, patient.entry.resource, patient.mapping
    organization = resource.get("managingOrganization") or {}
    identifier = organization.get("identifier") or {}
    if identifier.get("value") and identifier.get("system") == mapping.site_system:
        patient.put(
            patient.record,
            "/site_id",
            entry,
            "managingOrganization.identifier.value",
            identifier["value"],
        )
    if "deceasedDateTime" in resource:
        value = day_of(resource["deceasedDateTime"])
        patient.put(patient.record, "/death_date", entry, "deceasedDateTime", value)
    elif resource.get("deceasedBoolean") is True:
        patient.fail(
            entry,
            "/death_date",
            _Problem(
                "deceasedBoolean",
                "the patient died but no date is given; give "
                "deceasedDateTime (a partial date such as 2013 will do)",
            ),
        )
    for name in ("last_contact_date", "data_cutoff_date"):
        found = extension(resource, mapping.extensions.get(name))
        if found is not None:
            number, item = found
            key = "valueDate" if "valueDate" in item else "valueDateTime"
            patient.put(
                patient.record,
                f"/{name}",
                entry,
                f"extension[{number}].{key}",
                day_of(item.get(key)),
            )


def _date(entry: Entry, *choices: str) -> tuple[str, str] | None:
    for choice in choices:
        head, _, tail = choice.partition(".")
        value = entry.resource.get(head)
        if tail:
            value = value.get(tail) if isinstance(value, dict) else None
        if isinstance(value, str) and value:
            return choice, day_of(value) or ""
    return None


def _requires(patient: _Patient, entry: Entry, pointer: str, what: str, *choices: str):
    found = _date(entry, *choices)
    if found is None:
        patient.fail(entry, pointer, _Problem(choices[0], f"no {what} ({' or '.join(choices)})"))
    return found


def _read(patient: _Patient, entries: list[Entry]) -> None:
    from protocol.fhir.sections import read_sections

    read_sections(patient, entries)


def fhir_records(path: str | Path, mapping: FhirMapping) -> Iterator[Assembled | RecordError]:
    """Every Patient of the input (or the error in its place), input problems first."""
    entries: list[Entry] = []
    invalid_by_patient: dict[str, list[RecordError]] = defaultdict(list)
    index: dict[str, Entry] = {}
    for item in read_resources(path):
        if isinstance(item, Invalid):
            if item.patient:
                invalid_by_patient[item.patient].append(item.error)
            else:
                yield item.error
            continue
        first = index.get(item.reference)
        if first is not None:
            yield RecordError(
                f"{item.where} ({item.reference})",
                "id",
                f"{item.reference} is given twice (first at {first.where}); this one was not read",
            )
            continue
        index[item.reference] = item
        if item.full_url:
            index.setdefault(item.full_url, item)
        entries.append(item)
    patients = [entry for entry in entries if entry.type == "Patient"]
    known = {entry.id for entry in patients}
    by_patient: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        if entry.type not in READ_TYPES:
            continue
        ref = entry.resource.get(SUBJECT.get(entry.type, "subject"))
        target = index.get(str((ref or {}).get("reference")))
        parts = (target.type, target.id) if target else reference_parts(ref)
        if parts is None or parts[0] != "Patient" or parts[1] not in known:
            shown = (ref or {}).get("reference", "(none)")
            yield RecordError(
                f"{entry.where} ({entry.reference})",
                f"({entry.reference}.{SUBJECT.get(entry.type, 'subject')})",
                f"{entry.type}.{SUBJECT.get(entry.type, 'subject')} refers to {shown}, which "
                "is not a Patient in the input; this resource was not read",
                patient_id=parts[1] if parts else None,
            )
            continue
        by_patient[parts[1]].append(entry)
    for missing in sorted(set(invalid_by_patient) - known):
        yield from invalid_by_patient[missing]
    for entry in patients:
        patient = _Patient(mapping, entry, index)
        patient.errors.extend(invalid_by_patient.get(entry.id, []))
        patient.provenance.add("/patient_id", patient.origin(entry, "id"))
        own = by_patient.get(entry.id, [])
        _cohort(patient, [e for e in own if e.type == "ResearchSubject"])
        _patient_fields(patient)
        _read(patient, own)
        source = f"{entry.where} ({entry.reference})"
        record = None if patient.errors else patient.finished()
        yield Assembled(source, entry.id, record, patient.errors, patient.provenance)
