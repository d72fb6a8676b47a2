"""Canonical -> FHIR R4 -> canonical gives the same findings, on the examples and a cohort.

The shipped FHIR examples (integrations/fhir/examples/: a Bundle and a Bulk Data export)
were written from examples/*.json by protocol/fhir/writer.py.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from protocol import check, renderer_for, run_cohort
from protocol.fhir import Origin, fhir_reader, load_mapping, patient_records
from protocol.fhir.writer import bundle, write_bulk
from protocol.findings import RecordError, Status

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "integrations" / "fhir" / "examples"
MAPPING = ROOT / "integrations" / "fhir" / "tamai_mapping.yaml"
INPUTS = {"bundle": SHIPPED / "bundle.json", "bulk": SHIPPED / "bulk"}


def _canonical() -> dict[str, dict[str, Any]]:
    out = {}
    for path in sorted((ROOT / "examples").glob("*.json")):
        record = json.loads(path.read_text("utf-8"))
        out[record["patient_id"]] = record
    return out


def _outcome(result: Any) -> dict[str, Any]:
    out = result.to_dict()
    out.pop("source")
    return out


def _assembled(path: Path) -> dict[str, Any]:
    found = {}
    for item in patient_records(path, MAPPING):
        assert not isinstance(item, RecordError), item.to_dict()
        assert item.errors == [], [e.to_dict() for e in item.errors]
        found[item.patient_id] = item
    return found


@pytest.mark.parametrize("shape", sorted(INPUTS))
def test_shipped_fhir_examples_give_the_canonical_report(shape: str) -> None:
    canonical = _canonical()
    found = _assembled(INPUTS[shape])
    assert sorted(found) == sorted(canonical)
    for patient_id, item in found.items():
        assert _outcome(check(item.record)) == _outcome(check(canonical[patient_id])), patient_id


def test_partial_dates_and_death_come_through_as_written() -> None:
    found = _assembled(INPUTS["bundle"])
    assert found["P04"].record["sorafenib"][0]["start_date"] == "2012-03"
    assert check(found["P04"].record).statuses("TRT001") == [Status.NOT_EVALUABLE]
    assert found["P02"].record["death_date"] == "2013-09-02"  # Patient.deceasedDateTime


def test_provenance_is_resource_type_id_and_element() -> None:
    p06 = _assembled(INPUTS["bulk"])["P06"]
    where = str(INPUTS["bulk"] / "MedicationStatement.ndjson")
    origin = p06.provenance.lookup("/sorafenib/1/dose_mg")
    assert (origin.resource_type, origin.id) == ("MedicationStatement", "P06-sor2")
    assert origin.element == "dosage[0].doseAndRate[0].doseQuantity.value"
    assert origin.where.startswith(where + " line ")
    assert p06.provenance.describe("/adverse_events/0/grade") == (
        "FHIR AdverseEvent/P06-ae1.extension[0].valueCodeableConcept"
    )
    assert p06.provenance.lookup("/tace/2/nothing") == Origin(
        "Procedure", "P06-tace3", None, p06.provenance.lookup("/tace/2").where
    )


@pytest.mark.parametrize("shape", sorted(INPUTS))
def test_run_cohort_from_fhir_gives_the_json_report_of_the_examples(shape: str, pack) -> None:
    def report(paths: list[Path], **options: Any) -> dict[str, Any]:
        out = io.StringIO()
        run_cohort(paths, pack, renderer_for("json", pack), out, **options)
        document = json.loads(out.getvalue())
        for patient in document["patients"]:
            patient.pop("source")
            # Where each value was read (the reader's provenance) is the only addition.
            for finding in patient["findings"]:
                finding.pop("origin", None)
        document.pop("run", None)
        return document

    got = report([INPUTS[shape]], reader=fhir_reader(MAPPING))
    assert got["errors"] == []
    assert got == report([ROOT / "examples"])


def test_a_generated_cohort_round_trips(synthetic, tmp_path: Path) -> None:
    mapping = load_mapping(MAPPING)
    cohort = list(synthetic.generate(120, seed=29, invalid=0.0))
    write_bulk(cohort, mapping, tmp_path)
    found = _assembled(tmp_path)
    assert len(found) == 120
    for record in cohort:
        got = check(found[record["patient_id"]].record)
        assert _outcome(got) == _outcome(check(record)), record["patient_id"]


def test_the_shipped_files_are_what_the_writer_makes(tmp_path: Path) -> None:
    records = list(_canonical().values())
    mapping = load_mapping(MAPPING)
    text = json.dumps(bundle(records, mapping), ensure_ascii=False, indent=1) + "\n"
    assert text == INPUTS["bundle"].read_text("utf-8")
    write_bulk(records, mapping, tmp_path)
    names = sorted(p.name for p in INPUTS["bulk"].iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == names
    for name in names:
        assert (tmp_path / name).read_text("utf-8") == (INPUTS["bulk"] / name).read_text("utf-8")
