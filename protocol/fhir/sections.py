"""One Patient's clinical resources -> the canonical record's sections (diagnosis, lists).

Element paths are FHIR R4's; codes come from the mapping (see protocol.fhir.assembly).
"""

from __future__ import annotations

from typing import Any

from protocol.fhir.assembly import _FAILED, NOT_HAPPENED, _date, _Patient, _Problem, _requires
from protocol.fhir.elements import UnknownCode, codings, day_of, extension, match_code
from protocol.fhir.provenance import Origin
from protocol.fhir.resources import Entry

__all__ = ["read_sections"]

MEDICATION_TYPES = ("MedicationStatement", "MedicationAdministration")


def _has(concept: Any, known: Any) -> bool:
    return any(pair in known for pair in codings(concept))


def _medication(patient: _Patient, entry: Entry) -> Any:
    """The medication's CodeableConcept, following medicationReference to a Medication."""
    resource = entry.resource
    if "medicationCodeableConcept" in resource:
        return resource["medicationCodeableConcept"]
    found = patient.index.get(str((resource.get("medicationReference") or {}).get("reference")))
    return found.resource.get("code") if found is not None else None


def _diagnosis(patient: _Patient, entries: list[Entry]) -> None:
    mapping = patient.mapping
    chosen = [e for e in entries if _has(e.resource.get("code"), mapping.diagnosis)]
    if not chosen:
        return
    if len(chosen) > 1:
        names = ", ".join(e.reference for e in chosen)
        patient.fail(
            chosen[1],
            "/diagnosis",
            _Problem("code", f"two qualifying diagnoses ({names}); expected one"),
        )
        return
    entry = chosen[0]
    out: dict[str, Any] = {}
    patient.provenance.add("/diagnosis", patient.origin(entry, None))
    value = patient.coded(
        entry, "/diagnosis/condition", "code", entry.resource["code"], mapping.diagnosis
    )
    out["condition"] = value
    found = _date(entry, "onsetDateTime", "onsetPeriod.start", "recordedDate")
    if found:
        patient.put(out, "/diagnosis/date", entry, found[0], found[1])
    stages = entry.resource.get("stage") or []
    for number, stage in enumerate(stages):
        if _has(stage.get("summary"), mapping.unresectable) or number == len(stages) - 1:
            value = patient.coded(
                entry,
                "/diagnosis/unresectable",
                f"stage[{number}].summary",
                stage.get("summary"),
                mapping.unresectable,
            )
            if value is not _FAILED:
                out["unresectable"] = value
            break
    patient.record["diagnosis"] = out


def _tace(patient: _Patient, entry: Entry, pointer: str) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    found = _requires(
        patient, entry, f"{pointer}/date", "date", "performedDateTime", "performedPeriod.start"
    )
    if found:
        patient.put(out, f"{pointer}/date", entry, found[0], found[1])
    technique = patient.mapping.tace[match_code(entry.resource.get("code"), patient.mapping.tace)]
    patient.provenance.add(f"{pointer}/technique", patient.origin(entry, "code"))
    if technique is not None:
        out["technique"] = technique
    return out


def _imaging(patient: _Patient, entry: Entry, pointer: str) -> dict[str, Any]:
    mapping, resource = patient.mapping, entry.resource
    out: dict[str, Any] = {}
    found = _requires(
        patient, entry, f"{pointer}/date", "date", "effectiveDateTime", "effectivePeriod.start"
    )
    if found:
        patient.put(out, f"{pointer}/date", entry, found[0], found[1])
    if entry.type == "Observation":
        element, concept = "valueCodeableConcept", resource.get("valueCodeableConcept")
    else:
        conclusions = resource.get("conclusionCode") or [None]
        element, concept = "conclusionCode[0]", conclusions[0]
    value = patient.coded(entry, f"{pointer}/result", element, concept, mapping.result)
    if value is not _FAILED:
        out["result"] = value
    if resource.get("method") is not None:
        value = patient.coded(
            entry, f"{pointer}/modality", "method", resource["method"], mapping.modality
        )
        if value is not _FAILED:
            out["modality"] = value
    return out


def _dosing(patient: _Patient, entry: Entry, pointer: str) -> dict[str, Any]:
    mapping, resource = patient.mapping, entry.resource
    out: dict[str, Any] = {}
    period = resource.get("effectivePeriod") or {}
    if not period.get("start"):
        patient.fail(
            entry,
            f"{pointer}/start_date",
            _Problem("effectivePeriod.start", "no start date of the dosing period"),
        )
    else:
        patient.put(
            out, f"{pointer}/start_date", entry, "effectivePeriod.start", day_of(period["start"])
        )
    patient.put(out, f"{pointer}/end_date", entry, "effectivePeriod.end", day_of(period.get("end")))
    if entry.type == "MedicationStatement":
        dosage, base = (resource.get("dosage") or [{}])[0], "dosage[0]"
        quantity = ((dosage.get("doseAndRate") or [{}])[0]).get("doseQuantity") or {}
        dose_element = f"{base}.doseAndRate[0].doseQuantity"
        timing = (dosage.get("timing") or {}).get("code")
        timing_element = f"{base}.timing.code"
    else:
        dosage, base = resource.get("dosage") or {}, "dosage"
        quantity, dose_element = dosage.get("dose") or {}, f"{base}.dose"
        timing = _frequency_extension(patient, dosage)
        timing_element = f"{base}.extension (frequency)"
    value, unit = (
        quantity.get("value"),
        (str(quantity.get("system", "")), str(quantity.get("code", ""))),
    )
    if not isinstance(value, int | float) or isinstance(value, bool):
        patient.fail(
            entry, f"{pointer}/dose_mg", _Problem(f"{dose_element}.value", "no dose given")
        )
    elif unit not in mapping.dose_units:
        patient.fail(
            entry,
            f"{pointer}/dose_mg",
            _Problem(
                f"{dose_element}.code",
                f"dose unit {unit[0]}|{unit[1]} is not one the mapping accepts",
                "one of " + ", ".join(f"{s}|{c}" for s, c in sorted(mapping.dose_units)),
            ),
        )
    else:
        number = int(value) if float(value).is_integer() else value
        patient.put(out, f"{pointer}/dose_mg", entry, f"{dose_element}.value", number)
    found = patient.coded(entry, f"{pointer}/frequency", timing_element, timing, mapping.frequency)
    if found is not _FAILED:
        out["frequency"] = found
    reason_element = "statusReason" if entry.type == "MedicationStatement" else "reasonCode"
    reasons = resource.get(reason_element) or []
    if reasons:
        found = patient.coded(
            entry, f"{pointer}/reason", f"{reason_element}[0]", reasons[0], mapping.reason
        )
        if found is not _FAILED:
            out["reason"] = found
    return out


def _frequency_extension(patient: _Patient, dosage: dict[str, Any]) -> Any:
    found = extension(dosage, patient.mapping.extensions.get("frequency"))
    return found[1].get("valueCodeableConcept") if found else None


def _adverse_event(patient: _Patient, entry: Entry, pointer: str) -> dict[str, Any]:
    mapping, resource = patient.mapping, entry.resource
    out: dict[str, Any] = {}
    event = resource.get("event") or {}
    term = event.get("text") or next(
        (c.get("display") for c in event.get("coding") or [] if c.get("display")), None
    )
    if term:
        patient.put(
            out,
            f"{pointer}/term",
            entry,
            "event.text" if event.get("text") else "event.coding[0].display",
            term,
        )
    else:
        patient.fail(
            entry,
            f"{pointer}/term",
            _Problem("event", "no term (event.text or a coding's display)"),
        )
    found = _requires(patient, entry, f"{pointer}/onset_date", "onset date", "date", "detected")
    if found:
        patient.put(out, f"{pointer}/onset_date", entry, found[0], found[1])
    for name, key in (("grade", "valueCodeableConcept"), ("action_taken", "valueCodeableConcept")):
        hit = extension(resource, mapping.extensions.get(name))
        known = mapping.grade if name == "grade" else mapping.action_taken
        if hit is None:
            patient.fail(
                entry,
                f"{pointer}/{name}",
                _Problem(
                    "extension",
                    f"no {name.replace('_', ' ')} extension ({mapping.extensions.get(name)})",
                ),
            )
            continue
        value = patient.coded(
            entry, f"{pointer}/{name}", f"extension[{hit[0]}].{key}", hit[1].get(key), known
        )
        if value is not _FAILED:
            out[name] = value
    hit = extension(resource, mapping.extensions.get("resolution_date"))
    if hit is not None:
        key = "valueDateTime" if "valueDateTime" in hit[1] else "valueDate"
        patient.put(
            out,
            f"{pointer}/resolution_date",
            entry,
            f"extension[{hit[0]}].{key}",
            day_of(hit[1].get(key)),
        )
    if resource.get("seriousness") is not None:
        value = patient.coded(
            entry, f"{pointer}/serious", "seriousness", resource["seriousness"], mapping.seriousness
        )
        if value is not _FAILED:
            out["serious"] = value
    for number, suspect in enumerate(resource.get("suspectEntity") or []):
        target = patient.resolves(
            entry,
            suspect.get("instance"),
            f"suspectEntity[{number}].instance",
            f"{pointer}/related_to_sorafenib",
        )
        if (
            target is None
            or target.type not in MEDICATION_TYPES
            or not _has(_medication(patient, target), mapping.sorafenib_codes)
        ):
            continue
        assessment = ((suspect.get("causality") or [{}])[0]).get("assessment")
        value = patient.coded(
            entry,
            f"{pointer}/related_to_sorafenib",
            f"suspectEntity[{number}].causality[0].assessment",
            assessment,
            mapping.causality,
        )
        if value is not _FAILED:
            out["related_to_sorafenib"] = value
    return out


def read_sections(patient: _Patient, entries: list[Entry]) -> None:
    mapping = patient.mapping
    happened = [e for e in entries if e.resource.get("status") not in NOT_HAPPENED]
    _diagnosis(patient, [e for e in happened if e.type == "Condition"])
    lists: dict[str, list[dict[str, Any]]] = {
        "tace": [],
        "imaging": [],
        "sorafenib": [],
        "adverse_events": [],
    }
    for entry in happened:
        kind = entry.type
        if kind == "Procedure" and _has(entry.resource.get("code"), mapping.tace):
            name, read = "tace", _tace
        elif kind in ("Observation", "DiagnosticReport") and _has(
            entry.resource.get("code"), mapping.imaging_codes
        ):
            name, read = "imaging", _imaging
        elif kind in MEDICATION_TYPES and _has(
            _medication(patient, entry), mapping.sorafenib_codes
        ):
            name, read = "sorafenib", _dosing
        elif kind == "AdverseEvent" and entry.resource.get("actuality") != "potential":
            name, read = "adverse_events", _adverse_event
        else:
            continue
        pointer = f"/{name}/{len(lists[name])}"
        patient.provenance.add(pointer, patient.origin(entry, None))
        if f"/{name}" not in patient.provenance.origins:
            patient.provenance.add(f"/{name}", Origin(entry.type, "*", None, None))
        try:
            lists[name].append(read(patient, entry, pointer))
        except UnknownCode as problem:  # a TACE code the mapping lists only partly
            patient.fail(entry, pointer, problem, "code")
            lists[name].append({})
    for name, items in lists.items():
        if items:
            patient.record[name] = items
