"""Canonical records -> FHIR R4 resources: a Bundle, or a Bulk Data export (NDJSON per type).

How the shipped FHIR examples are made from ``examples/*.json`` (and how the round trip
canonical -> FHIR -> canonical is tested)::

    python -m protocol.fhir.writer examples/*.json --bundle integrations/fhir/examples/bundle.json
    python -m protocol.fhir.writer examples/*.json --bulk integrations/fhir/examples/bulk

Each coded value is written with the first code of the mapping that means it. Ids are
``<patient>-<kind><n>``; references are relative (``Patient/P01``).
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from protocol.fhir.mapping import Codes, FhirMapping, default_mapping_path, load_mapping

__all__ = ["bundle", "main", "resources_of", "write_bulk"]


def _concept(known: Codes, value: Any, text: str | None = None) -> dict[str, Any]:
    for (system, code), meant in known.items():
        if meant == value and type(meant) is type(value):
            out: dict[str, Any] = {"coding": [{"system": system, "code": code}]}
            if text:
                out["text"] = text
            return out
    raise ValueError(f"no code in the mapping means {value!r}")


def _first(codes: frozenset[tuple[str, str]]) -> dict[str, Any]:
    system, code = sorted(codes)[0]
    return {"coding": [{"system": system, "code": code}]}


def _ext(url: str, key: str, value: Any) -> dict[str, Any]:
    return {"url": url, key: value}


def resources_of(record: dict[str, Any], mapping: FhirMapping) -> list[dict[str, Any]]:
    """The FHIR resources holding one canonical record, Patient first."""
    pid = record["patient_id"]
    subject = {"reference": f"Patient/{pid}"}
    ext = mapping.extensions
    patient: dict[str, Any] = {"resourceType": "Patient", "id": pid}
    extensions = [
        _ext(ext[name], "valueDate", record[name])
        for name in ("last_contact_date", "data_cutoff_date")
        if record.get(name) and name in ext
    ]
    if extensions:
        patient["extension"] = extensions
    if record.get("death_date"):
        patient["deceasedDateTime"] = record["death_date"]
    if record.get("site_id"):
        identifier = {"system": mapping.site_system, "value": record["site_id"]}
        patient["managingOrganization"] = {"identifier": identifier}
    arm = next(code for code, cohort in mapping.cohort.items() if cohort == record["cohort"])
    research: dict[str, Any] = {
        "resourceType": "ResearchSubject",
        "id": f"{pid}-rs",
        "status": "on-study",
        "study": {"display": "Tamai 2017"},
        "individual": subject,
        "assignedArm": arm,
    }
    withdrawal = record.get("withdrawal")
    if withdrawal:
        research["status"] = sorted(mapping.withdrawal_statuses)[0]
        research["period"] = {"end": withdrawal["date"]}
        url = mapping.extensions.get("withdrawal_reason")
        if url:
            research["extension"] = [{"url": url, "valueString": withdrawal["reason"]}]
    out = [patient, research]
    diagnosis = record.get("diagnosis")
    if diagnosis:
        condition: dict[str, Any] = {
            "resourceType": "Condition",
            "id": f"{pid}-dx",
            "subject": subject,
        }
        if "condition" in diagnosis:
            condition["code"] = _concept(mapping.diagnosis, diagnosis["condition"])
        if "date" in diagnosis:
            condition["onsetDateTime"] = diagnosis["date"]
        if "unresectable" in diagnosis:
            condition["stage"] = [
                {"summary": _concept(mapping.unresectable, diagnosis["unresectable"])}
            ]
        out.append(condition)
    for n, tace in enumerate(record.get("tace", []), start=1):
        out.append(
            {
                "resourceType": "Procedure",
                "id": f"{pid}-tace{n}",
                "status": "completed",
                "code": _concept(mapping.tace, tace.get("technique")),
                "subject": subject,
                "performedDateTime": tace["date"],
            }
        )
    for n, image in enumerate(record.get("imaging", []), start=1):
        observation: dict[str, Any] = {
            "resourceType": "Observation",
            "id": f"{pid}-img{n}",
            "status": "final",
            "code": _first(mapping.imaging_codes),
            "subject": subject,
            "effectiveDateTime": image["date"],
            "valueCodeableConcept": _concept(mapping.result, image["result"]),
        }
        if image.get("modality"):
            observation["method"] = _concept(mapping.modality, image["modality"])
        out.append(observation)
    for n, period in enumerate(record.get("sorafenib", []), start=1):
        effective = {"start": period["start_date"]}
        if period.get("end_date"):
            effective["end"] = period["end_date"]
        system, code = sorted(mapping.dose_units)[0]
        statement: dict[str, Any] = {
            "resourceType": "MedicationStatement",
            "id": f"{pid}-sor{n}",
            "status": "completed" if period.get("end_date") else "active",
            "medicationCodeableConcept": _first(mapping.sorafenib_codes),
            "subject": subject,
            "effectivePeriod": effective,
            "dosage": [
                {
                    "timing": {"code": _concept(mapping.frequency, period["frequency"])},
                    "doseAndRate": [
                        {
                            "doseQuantity": {
                                "value": period["dose_mg"],
                                "unit": "mg",
                                "system": system,
                                "code": code,
                            }
                        }
                    ],
                }
            ],
        }
        if period.get("reason"):
            statement["statusReason"] = [_concept(mapping.reason, period["reason"])]
        out.append(statement)
    first_dose = f"MedicationStatement/{pid}-sor1" if record.get("sorafenib") else None
    for n, event in enumerate(record.get("adverse_events", []), start=1):
        extensions = [
            _ext(ext["grade"], "valueCodeableConcept", _concept(mapping.grade, event["grade"])),
            _ext(
                ext["action_taken"],
                "valueCodeableConcept",
                _concept(mapping.action_taken, event["action_taken"]),
            ),
        ]
        if event.get("resolution_date") and "resolution_date" in ext:
            extensions.append(
                _ext(ext["resolution_date"], "valueDateTime", event["resolution_date"])
            )
        adverse: dict[str, Any] = {
            "resourceType": "AdverseEvent",
            "id": f"{pid}-ae{n}",
            "extension": extensions,
            "actuality": "actual",
            "event": {"text": event["term"]},
            "subject": subject,
            "date": event["onset_date"],
        }
        if event.get("serious") is not None:
            adverse["seriousness"] = _concept(mapping.seriousness, event["serious"])
        if "related_to_sorafenib" in event:
            if first_dose is None:
                raise ValueError(f"{pid}: an AE's relation to sorafenib, but no sorafenib given")
            assessment = _concept(mapping.causality, event["related_to_sorafenib"])
            adverse["suspectEntity"] = [
                {"instance": {"reference": first_dose}, "causality": [{"assessment": assessment}]}
            ]
        out.append(adverse)
    return out


def bundle(records: list[dict[str, Any]], mapping: FhirMapping) -> dict[str, Any]:
    """A ``collection`` Bundle of every record's resources."""
    entries = []
    for record in records:
        for resource in resources_of(record, mapping):
            url = f"https://tacecheck.invalid/fhir/{resource['resourceType']}/{resource['id']}"
            entries.append({"fullUrl": url, "resource": resource})
    return {
        "resourceType": "Bundle",
        "id": "tamai-2017-examples",
        "type": "collection",
        "entry": entries,
    }


def write_bulk(records: list[dict[str, Any]], mapping: FhirMapping, folder: Path) -> list[Path]:
    """A Bulk Data export: one ``<Type>.ndjson`` per resource type, one resource a line."""
    by_type: dict[str, list[str]] = defaultdict(list)
    for record in records:
        for resource in resources_of(record, mapping):
            by_type[resource["resourceType"]].append(json.dumps(resource, ensure_ascii=False))
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, lines in sorted(by_type.items()):
        path = folder / f"{kind}.ndjson"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write canonical records as FHIR R4.")
    parser.add_argument("records", nargs="+", type=Path)
    parser.add_argument("--bundle", type=Path, help="write one Bundle (JSON) here")
    parser.add_argument("--bulk", type=Path, help="write a Bulk Data export in this folder")
    parser.add_argument("--mapping", type=Path, default=None)
    args = parser.parse_args(argv)
    records = [json.loads(path.read_text(encoding="utf-8")) for path in args.records]
    mapping = load_mapping(args.mapping or default_mapping_path())
    if args.bundle:
        args.bundle.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(bundle(records, mapping), ensure_ascii=False, indent=1)
        args.bundle.write_text(text + "\n", encoding="utf-8")
    if args.bulk:
        write_bulk(records, mapping, args.bulk)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
