"""A second site's project (other names, codes, header style, longitudinal) needs only a mapping.

tests/redcap/site-b-export.{csv,json} hold five example patients as site B's longitudinal
project exports them: registration and repeating scan/drug/toxicity instruments in
baseline_arm_1, each TACE an instance of the repeating event tace_arm_1, close-out in
fu_arm_1; partial dates typed as text; the JSON with numbers and integer instances.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from protocol import check
from protocol.findings import RecordError
from protocol.redcap import load_mapping, records_from_api, redcap_records

ROOT = Path(__file__).resolve().parents[1]
MAPPING = ROOT / "integrations" / "redcap" / "site_b_mapping.yaml"
EXPORT_CSV = ROOT / "tests" / "redcap" / "site-b-export.csv"
EXPORT_JSON = ROOT / "tests" / "redcap" / "site-b-export.json"
PATIENTS = {"P01": "p01", "P02": "p02", "P04": "p04", "P07": "p07", "C14": "p14"}


@pytest.fixture(scope="module")
def mapping():
    return load_mapping(MAPPING)


def _example(pid: str) -> dict:
    (path,) = (ROOT / "examples").glob(f"{PATIENTS[pid]}-*.json")
    record = json.loads(path.read_text(encoding="utf-8"))
    for event in record.get("adverse_events", []):
        if event.get("resolution_date", "") is None:
            del event["resolution_date"]  # blank in REDCap: unresolved, as null says
    return record


def _outcome(record: dict) -> dict:
    out = check(record).to_dict()
    out.pop("source")
    return out


@pytest.mark.parametrize("export", [EXPORT_CSV, EXPORT_JSON], ids=["csv", "json"])
def test_site_b_export_gives_the_canonical_records_and_their_findings(mapping, export):
    items = list(redcap_records([export], mapping))
    assert [getattr(item, "errors", item) for item in items] == [[]] * 5
    assert [item.record_id for item in items] == list(PATIENTS)
    for item in items:
        assert item.record == _example(item.record_id)
        assert _outcome(item.record) == _outcome(_example(item.record_id))


def test_repeating_event_instances_carry_event_and_instance(mapping):
    p01 = next(item for item in redcap_records([EXPORT_JSON], mapping) if item.record_id == "P01")
    origin = p01.provenance.lookup("/tace/1/date")
    assert (origin.instrument, origin.event, origin.instance, origin.field) == (
        "chemoembolisation", "tace_arm_1", 2, "ce_dt",
    )  # fmt: skip
    assert p01.provenance.describe("/death_date") is None  # P01 has no death date
    assert p01.provenance.lookup("/last_contact_date").event == "fu_arm_1"


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_two_events_disagreeing_on_a_single_value_is_an_error(mapping, tmp_path):
    header, rows = _rows(EXPORT_CSV)
    extra = dict.fromkeys(header, "")
    extra.update(subject="P02", redcap_event_name="fu_arm_2", died_dt="2013-09-03")
    same = dict(extra, subject="P07", redcap_event_name="fu_arm_2", cutoff="2013-06-30")
    path = _write(tmp_path / "export.csv", header, [*rows, extra, same])
    items = {item.record_id: item for item in redcap_records([path], mapping)}
    (error,) = items["P02"].errors
    assert error.source == f"{path} row {len(rows) + 2}"
    assert "column 'died_dt'" in error.message and "closeout" in error.message
    assert items["P07"].errors == []  # the same cut-off given twice agrees


def test_a_text_partial_date_that_is_not_a_date_is_an_error(mapping, tmp_path):
    header, rows = _rows(EXPORT_CSV)
    for row in rows:
        if row["subject"] == "P04" and row["redcap_repeat_instrument"] == "drug":
            row["drug_from"] = "March 2012"
    path = _write(tmp_path / "export.csv", header, rows)
    items = {item.record_id: item for item in redcap_records([path], mapping)}
    (error,) = items["P04"].errors
    assert error.location == "/sorafenib/0/start_date (column drug_from)"
    assert error.expected == "YYYY-MM-DD, or YYYY-MM / YYYY when the day or month is not known"
    assert [pid for pid, item in items.items() if not item.errors] == ["P01", "P02", "P07", "C14"]


def test_an_instance_number_in_a_classic_export_without_events_is_an_error(mapping, tmp_path):
    header, rows = _rows(EXPORT_CSV)
    header = [name for name in header if name != "redcap_event_name"]
    rows = [{k: v for k, v in row.items() if k != "redcap_event_name"} for row in rows]
    path = _write(tmp_path / "export.csv", header, rows)
    errors = [
        error
        for item in redcap_records([path], mapping)
        for error in ([item] if isinstance(item, RecordError) else item.errors)
    ]
    assert errors and all("what repeats" in error.message for error in errors)
    assert len(errors) == sum(1 for r in rows if r["redcap_repeat_instance"] and not
                              r["redcap_repeat_instrument"])  # fmt: skip


def test_an_api_answer_goes_through_the_same_code_as_a_file(mapping):
    """content=record&format=json&type=flat: the decoded list, as the service would fetch it."""
    answer = json.loads(EXPORT_JSON.read_text(encoding="utf-8"))
    p02_rows = [row for row in answer if row["subject"] == "P02"]
    (item,) = records_from_api(p02_rows, mapping, source="REDCap API project 12")
    assert item.source == "REDCap API project 12 record P02"
    assert item.record == _example("P02")


def test_an_export_with_a_header_and_no_rows_says_so(mapping, tmp_path):
    header, _ = _rows(EXPORT_CSV)
    path = _write(tmp_path / "export.csv", header, [])
    (error,) = redcap_records([path], mapping)
    assert error.message == "no records here: the export has a header and no rows"
