"""Canonical -> SDTM -> canonical gives the same findings, on the examples and a cohort.

The shipped SDTM examples (integrations/sdtm/examples/: Dataset-JSON, Dataset-JSON NDJSON
and SAS transport v5) were written from examples/*.json by protocol/sdtm/writer.py; read
back with the shipped mapping they must give the report the canonical examples give.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from protocol import check, renderer_for, run_cohort
from protocol.findings import RecordError, Status
from protocol.sdtm import load_mapping, sdtm_reader, sdtm_records
from protocol.sdtm.writer import sdtm_tables, write_tables

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "integrations" / "sdtm" / "examples"
MAPPING = ROOT / "integrations" / "sdtm" / "tamai_mapping.yaml"
FORMS = ("json", "ndjson", "xpt")


def _canonical() -> dict[str, dict[str, Any]]:
    records = {}
    for path in sorted((ROOT / "examples").glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        records[record["patient_id"]] = record
    return records


def _outcome(result: Any) -> dict[str, Any]:
    """Everything a report says about a patient except where the record was read from."""
    out = result.to_dict()
    out.pop("source")
    return out


def _records(folder: Path) -> dict[str, dict[str, Any]]:
    records = {}
    for item in sdtm_records(folder, load_mapping(MAPPING)):
        assert not isinstance(item, RecordError), item.to_dict()
        assert item.errors == [], [e.to_dict() for e in item.errors]
        records[item.usubjid] = item.record
    return records


@pytest.mark.parametrize("form", FORMS)
def test_shipped_sdtm_examples_give_the_canonical_report(form: str) -> None:
    canonical = _canonical()
    records = _records(SHIPPED / form)
    assert sorted(records) == sorted(canonical)  # 24 subjects, none lost, none invented
    for patient_id, record in records.items():
        assert _outcome(check(record)) == _outcome(check(canonical[patient_id])), patient_id


def test_partial_dates_pass_through_as_written_and_stay_undecided() -> None:
    # P04 started sorafenib in "2012-03"; TACE #2 was 2012-03-01: day 0 to 30, the window is
    # 0-21, so TRT001 cannot be decided. P23's progression is "2012-06".
    records = _records(SHIPPED / "xpt")
    assert records["P04"]["sorafenib"][0]["start_date"] == "2012-03"
    assert records["P23"]["imaging"][1]["date"] == "2012-06"
    result = check(records["P04"])
    assert result.statuses("TRT001") == [Status.NOT_EVALUABLE]


def test_repeated_instances_keep_their_order_by_seq() -> None:
    # P06: three dosing periods, 800 -> 400 -> 200 mg/day; two AEs of the same term.
    record = _records(SHIPPED / "json")["P06"]
    assert [(p["dose_mg"], p["frequency"]) for p in record["sorafenib"]] == [
        (400, "BID"),
        (400, "QD"),
        (200, "QD"),
    ]
    assert [ae["grade"] for ae in record["adverse_events"]] == [3, 2]
    assert [p.get("reason") for p in record["sorafenib"]] == [
        "initial",
        "adverse_event",
        "adverse_event",
    ]


@pytest.mark.parametrize("form", ["json", "xpt"])
def test_run_cohort_from_sdtm_gives_the_json_report_of_the_examples(form: str, pack) -> None:
    def report(paths: list[Path], **options: Any) -> dict[str, Any]:
        out = io.StringIO()
        run_cohort(paths, pack, renderer_for("json", pack), out, **options)
        document = json.loads(out.getvalue())
        for patient in document["patients"]:
            patient.pop("source")
            # Where each value was read (the reader's provenance) is the only addition.
            for finding in patient["findings"]:
                finding.pop("origin", None)
        document.pop("run", None)  # when and how the run was made, not what it found
        return document

    got = report([SHIPPED / form], reader=sdtm_reader(MAPPING))
    want = report([ROOT / "examples"])
    assert got["errors"] == []
    assert got == want


@pytest.mark.parametrize("form", ["json", "xpt"])
def test_a_generated_cohort_round_trips(form: str, synthetic, tmp_path: Path) -> None:
    mapping = load_mapping(MAPPING)
    cohort = list(synthetic.generate(150, seed=13, invalid=0.0))
    write_tables(sdtm_tables(cohort, mapping), tmp_path, form)
    records = _records(tmp_path)
    assert len(records) == 150
    for record in cohort:
        got = check(records[record["patient_id"]])
        assert _outcome(got) == _outcome(check(record)), record["patient_id"]


@pytest.mark.parametrize("form", ["json", "ndjson"])
def test_the_shipped_files_are_what_the_writer_makes(form: str, tmp_path: Path) -> None:
    """The shipped Dataset-JSON files are current: the writer makes them byte for byte."""
    write_tables(sdtm_tables(list(_canonical().values()), load_mapping(MAPPING)), tmp_path, form)
    shipped = sorted(p.name for p in (SHIPPED / form).iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == shipped
    for name in shipped:
        assert (tmp_path / name).read_text("utf-8") == (SHIPPED / form / name).read_text("utf-8")
