"""Bad FHIR data: each problem names the resource; the other resources and patients go on.

integrations/fhir/examples/bad-data/bundle.json holds P01, P02 and P06 of the examples with
four problems: P02's first MedicationStatement has the frequency code Q4H (not mapped),
P06's second Procedure is dated 2012-13-10 (does not validate), P06's first AdverseEvent
names MedicationStatement/P06-sor9 as suspect (not in the bundle), and an Observation is
about Patient/P99 (not in the bundle).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from protocol import check
from protocol.fhir import FhirMappingError, patient_records
from protocol.fhir.mapping import mapping_from_data
from protocol.fhir.writer import bundle
from protocol.findings import RecordError, Status

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "integrations" / "fhir" / "examples" / "bad-data" / "bundle.json"
MAPPING = ROOT / "integrations" / "fhir" / "tamai_mapping.yaml"
ATC = "http://www.whocc.no/atc"
GTS = "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation"
SUSPECT = "/adverse_events/0/related_to_sorafenib (AdverseEvent/P06-ae1.suspectEntity[0].instance)"


def _split(path: Path) -> tuple[dict[str, Any], list[RecordError]]:
    records, errors = {}, []
    for item in patient_records(path, MAPPING):
        if isinstance(item, RecordError):
            errors.append(item)
        elif item.record is None:
            errors.extend(item.errors)
        else:
            records[item.patient_id] = item.record
    return records, errors


def _bundle_of(tmp_path: Path, stem: str, change: Any = None) -> Path:
    from protocol.fhir import load_mapping

    (path,) = (ROOT / "examples").glob(f"{stem}-*.json")
    document = bundle([json.loads(path.read_text("utf-8"))], load_mapping(MAPPING))
    resources = {e["resource"]["id"]: e["resource"] for e in document["entry"]}
    if change is not None:
        change(resources, document)
    target = tmp_path / "bundle.json"
    target.write_text(json.dumps(document), "utf-8")
    return target


def test_the_bad_data_bundle_names_each_resource_and_checks_the_rest() -> None:
    records, errors = _split(BAD)
    assert sorted(records) == ["P01"]
    assert check(records["P01"]).statuses("TRT001") == [Status.MET]
    by_place = {(e.patient_id, e.location): e for e in errors}
    assert set(by_place) == {
        ("P99", "(Observation/P99-img1.subject)"),
        ("P02", "/sorafenib/0/frequency (MedicationStatement/P02-sor1.dosage[0].timing.code)"),
        ("P06", "(Procedure/P06-tace2.performedDateTime)"),
        (
            "P06",
            SUSPECT,
        ),
    }
    unknown = by_place[
        ("P02", "/sorafenib/0/frequency (MedicationStatement/P02-sor1.dosage[0].timing.code)")
    ]
    assert "does not know" in unknown.message and unknown.value == f"{GTS}|Q4H"
    assert f"{GTS}|Q4H" in unknown.text() and f"{GTS}|Q4H" not in unknown.text(hide_values=True)
    assert f"{GTS}|BID" in (unknown.expected or "")
    assert unknown.source.endswith("(MedicationStatement/P02-sor1)")
    invalid = by_place[("P06", "(Procedure/P06-tace2.performedDateTime)")]
    assert "does not validate as FHIR R4" in invalid.message
    assert invalid.source == f"{BAD} entry 28 (Procedure/P06-tace2)"
    missing = by_place[
        (
            "P06",
            SUSPECT,
        )
    ]
    assert (
        "MedicationStatement/P06-sor9" in missing.message and "not in the input" in missing.message
    )
    orphan = by_place[("P99", "(Observation/P99-img1.subject)")]
    assert "Patient/P99" in orphan.message and "not read" in orphan.message


def test_a_file_that_is_not_json_is_named(tmp_path: Path) -> None:
    path = tmp_path / "bundle.json"
    path.write_text("{not json", "utf-8")
    records, (error,) = _split(path)
    assert records == {} and error.source == str(path) and "not JSON" in error.message


def test_deceased_without_a_date(tmp_path: Path) -> None:
    def change(resources: dict[str, Any], _doc: Any) -> None:
        resources["P01"]["deceasedBoolean"] = True

    records, (error,) = _split(_bundle_of(tmp_path, "p01", change))
    assert records == {}
    assert error.location == "/death_date (Patient/P01.deceasedBoolean)"
    assert "no date" in error.message


def test_no_research_subject_means_no_cohort(tmp_path: Path) -> None:
    def change(_resources: dict[str, Any], document: Any) -> None:
        document["entry"] = [
            e for e in document["entry"] if e["resource"]["resourceType"] != "ResearchSubject"
        ]

    _records, (error,) = _split(_bundle_of(tmp_path, "p01", change))
    assert error.location == "/cohort (ResearchSubject.assignedArm)"
    assert "0 ResearchSubject" in error.message


def test_a_dose_in_grams_is_refused(tmp_path: Path) -> None:
    def change(resources: dict[str, Any], _doc: Any) -> None:
        quantity = resources["P01-sor1"]["dosage"][0]["doseAndRate"][0]["doseQuantity"]
        quantity["code"] = "g"

    _records, (error,) = _split(_bundle_of(tmp_path, "p01", change))
    assert error.location.startswith("/sorafenib/0/dose_mg (MedicationStatement/P01-sor1.")
    assert "http://unitsofmeasure.org|mg" in (error.expected or "")


def test_entered_in_error_is_not_read_and_an_unknown_type_is_named(tmp_path: Path) -> None:
    def change(resources: dict[str, Any], document: Any) -> None:
        extra = copy.deepcopy(resources["P01-tace1"])
        extra.update(id="P01-tace9", status="entered-in-error", performedDateTime="2011-01-01")
        document["entry"].append({"resource": extra})
        document["entry"].append({"resource": {"resourceType": "Spaceship", "id": "x"}})

    records, (error,) = _split(_bundle_of(tmp_path, "p01", change))
    assert len(records["P01"]["tace"]) == 3  # P01's three TACEs; the erroneous one not read
    assert "Spaceship is not an R4 resource type" in error.message


def test_medication_administration_and_diagnostic_report_are_read(tmp_path: Path) -> None:
    def change(resources: dict[str, Any], document: Any) -> None:
        statement = resources["P01-sor1"]
        dosage = statement["dosage"][0]
        administration = {
            "resourceType": "MedicationAdministration",
            "id": "P01-sor1",
            "status": "completed",
            "medicationCodeableConcept": {"coding": [{"system": ATC, "code": "L01EX02"}]},
            "subject": statement["subject"],
            "effectivePeriod": statement["effectivePeriod"],
            "dosage": {
                "extension": [
                    {
                        "url": "https://tacecheck.invalid/fhir/StructureDefinition/dosing-frequency",
                        "valueCodeableConcept": dosage["timing"]["code"],
                    }
                ],
                "dose": dosage["doseAndRate"][0]["doseQuantity"],
            },
            "reasonCode": statement["statusReason"],  # why this dose was given
        }
        image = resources["P01-img1"]
        report = {
            "resourceType": "DiagnosticReport",
            "id": "P01-img1",
            "status": "final",
            "code": image["code"],
            "subject": image["subject"],
            "effectiveDateTime": image["effectiveDateTime"],
            "conclusionCode": [image["valueCodeableConcept"]],
        }
        for entry in document["entry"]:
            if entry["resource"] is statement:
                entry["resource"] = administration
            if entry["resource"] is image:
                entry["resource"] = report
        for event in resources.values():
            for suspect in event.get("suspectEntity", []):
                suspect["instance"]["reference"] = "MedicationAdministration/P01-sor1"

    (path,) = (ROOT / "examples").glob("p01-*.json")
    canonical = json.loads(path.read_text("utf-8"))
    records, errors = _split(_bundle_of(tmp_path, "p01", change))
    assert errors == []
    assert records["P01"]["sorafenib"] == canonical["sorafenib"]
    first = records["P01"]["imaging"][0]
    assert (first["date"], first["result"]) == (
        canonical["imaging"][0]["date"],
        canonical["imaging"][0]["result"],
    )
    assert "modality" not in first  # a DiagnosticReport carries no method


def test_mapping_problems_are_named() -> None:
    import yaml

    data = yaml.safe_load(MAPPING.read_text("utf-8"))
    data["sorafenib"]["frequency"]["not-a-coding"] = "QD"
    with pytest.raises(FhirMappingError) as raised:
        mapping_from_data(data, "m.yaml")
    assert raised.value.problems[0][0] == "sorafenib.frequency"
    assert "system|code" in raised.value.problems[0][1]


def _withdrawn(reason: str | None, end: str | None) -> Any:
    def change(resources: dict[str, Any], _doc: Any) -> None:
        subject = resources["P11-rs"]
        subject["status"] = "withdrawn"
        if end is not None:
            subject["period"] = {"end": end}
        if reason is not None:
            url = "https://tacecheck.invalid/fhir/StructureDefinition/withdrawal-reason"
            subject["extension"] = [{"url": url, "valueString": reason}]

    return change


def test_a_withdrawn_research_subject_is_the_withdrawal(tmp_path: Path) -> None:
    """P11 has TACE #2 on 2012-09-20 and no sorafenib by its cut-off (2012-09-30): TRT001
    is pending, the window closing on 2012-10-11. Withdrawn on 2012-09-28, before the window
    closed, TRT001 is not applicable."""
    path = _bundle_of(tmp_path, "p11", _withdrawn("patient decision", "2012-09-28"))
    records, errors = _split(path)
    assert errors == []
    record = records["P11"]
    assert record["withdrawal"] == {"date": "2012-09-28", "reason": "patient decision"}
    result = check(record)
    assert result.statuses("TRT001") == [Status.NOT_APPLICABLE]
    assert "2012-10-11" in next(f.message for f in result.findings if f.rule == "TRT001")
    (item,) = [i for i in patient_records(path, MAPPING) if not isinstance(i, RecordError)]
    assert item.provenance.describe("/withdrawal/date") == "FHIR ResearchSubject/P11-rs.period.end"


def test_a_withdrawal_without_a_reason_says_so_and_without_a_date_is_an_error(
    tmp_path: Path,
) -> None:
    records, errors = _split(_bundle_of(tmp_path, "p11", _withdrawn(None, "2012-09-28")))
    assert errors == []
    assert records["P11"]["withdrawal"]["reason"] == (
        "ResearchSubject.status withdrawn (no reason given)"
    )
    records, (error,) = _split(_bundle_of(tmp_path, "p11", _withdrawn("moved", None)))
    assert records == {}
    assert error.location == "/withdrawal/date (ResearchSubject/P11-rs.period.end)"
    assert "no date is given" in error.message


def test_a_withdrawal_round_trips_through_the_writer(tmp_path: Path) -> None:
    from protocol.fhir import load_mapping

    (path,) = (ROOT / "examples").glob("p11-*.json")
    record = json.loads(path.read_text("utf-8"))
    record["withdrawal"] = {"date": "2012-09-28", "reason": "moved away"}
    target = tmp_path / "bundle.json"
    target.write_text(json.dumps(bundle([record], load_mapping(MAPPING))), "utf-8")
    records, errors = _split(target)
    assert errors == [] and records["P11"]["withdrawal"] == record["withdrawal"]
    assert check(records["P11"]) == check(record)
