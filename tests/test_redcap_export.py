"""REDCap exports of the shipped project -> canonical records -> the same findings.

Exports are built by tests/redcap/canonical_to_export.py, written apart from the reader, or
typed by hand below. Expected values come from the protocol and the dictionary, not from the
reader's output.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from protocol import check, load_pack, renderer_for
from protocol.cohort.runner import _Context, process_chunk
from protocol.findings import RecordError, Status
from protocol.records.sources import RawRecord
from protocol.redcap import load_mapping, read_redcap, redcap_records
from protocol.redcap.assembly import Assembled

sys.path.insert(0, str(Path(__file__).parent / "redcap"))

from canonical_to_export import to_csv, to_json, to_rows
from twenty_patients import FIXTURE_CSV, FIXTURE_JSON, canonical_records, export_rows

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "integrations" / "redcap" / "tamai_mapping.yaml"


@pytest.fixture(scope="module")
def mapping():
    return load_mapping(SHIPPED)


def _example(name: str) -> dict[str, Any]:
    (path,) = (ROOT / "examples").glob(f"{name}-*.json")
    return json.loads(path.read_text(encoding="utf-8"))


def _write(tmp_path: Path, rows: list[dict[str, Any]], name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_text(to_csv(rows), encoding="utf-8")
    return path


def _split(items: list[Any]) -> tuple[dict[str, Assembled], list[RecordError]]:
    records, errors = {}, []
    for item in items:
        if isinstance(item, RecordError):
            errors.append(item)
        elif item.record is None:
            errors.extend(item.errors)
        else:
            records[item.record_id] = item
    return records, errors


def _outcome(result: Any) -> dict[str, Any]:
    out = result.to_dict()
    out.pop("source")
    return out


def _csv_row_number(path: Path, record_id: str, instrument: str, instance: str) -> int:
    """The spreadsheet row (header = 1) of one instance, read with the csv module."""
    with path.open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            if (row["record_id"], row["redcap_repeat_instrument"]) == (record_id, instrument) and (
                row["redcap_repeat_instance"] == instance
            ):
                return number
    raise AssertionError("row not found")


# -- the twenty patients ---------------------------------------------------------------------


def test_the_committed_fixture_is_what_the_converter_writes():
    rows = export_rows()
    assert FIXTURE_CSV.read_text(encoding="utf-8") == to_csv(rows)
    assert json.loads(FIXTURE_JSON.read_text(encoding="utf-8")) == json.loads(
        to_json(rows, numbers=True)
    )


@pytest.mark.parametrize("fixture", [FIXTURE_CSV, FIXTURE_JSON], ids=["csv", "json-numbers"])
def test_twenty_patients_give_the_findings_their_canonical_json_gives(mapping, fixture):
    canonical = {record["patient_id"]: record for record, _ in canonical_records()}
    records, errors = _split(list(redcap_records([fixture], mapping)))
    assert errors == []
    assert len(canonical) == 20
    assert sorted(records) == sorted(canonical)
    for pid, item in records.items():
        from_redcap = check(item.record, source=item.source)
        from_json = check(canonical[pid])
        assert _outcome(from_redcap) == _outcome(from_json), pid


def test_the_export_feeds_the_cohort_pipeline_like_canonical_files(mapping):
    """read_redcap's items go through process_chunk (the runner's unit) as .json files do."""
    pack = load_pack("tamai-2017")
    context = _Context(pack, None, renderer_for("jsonl", pack))
    raws = list(read_redcap([FIXTURE_CSV], mapping))
    canonical = [
        RawRecord(f"{r['patient_id']}.json", json.dumps(r).encode(), "file")
        for r, _ in canonical_records()
    ]
    got = process_chunk(context, 0, raws)
    want = process_chunk(context, 0, canonical)
    assert got.records == 20 and [item.errors for item in got.items] == [()] * 20
    lines = [json.loads(item.text) for item in got.items]
    assert lines[0]["source"] == f"{FIXTURE_CSV} record P01"
    expected = [json.loads(item.text) for item in want.items]
    for line in lines + expected:
        line.pop("source")
    # Beside the canonical report, each finding names its REDCap form, instance and field.
    origins = [f.pop("origin", None) for line in lines for f in line["findings"]]
    assert any(o and o["system"] == "REDCap" for o in origins)
    assert lines == expected


def test_partial_dates_come_through_at_their_precision(mapping):
    records, _ = _split(list(redcap_records([FIXTURE_CSV], mapping)))
    assert records["P08"].record["diagnosis"]["date"] == _example("p08")["diagnosis"]["date"][:4]
    assert records["P04"].record["sorafenib"][0]["start_date"] == "2012-03"
    assert records["P18"].record["death_date"] == _example("p18")["death_date"][:7]
    assert records["P12"].record["withdrawal"] == {"date": "2012-05", "reason": "Withdrew consent"}


def test_instances_in_any_row_order_become_items_in_instance_order(mapping, tmp_path):
    record = _example("p01")
    rows = to_rows(record)
    shuffled = [rows[0], *reversed(rows[1:])]  # TACE 3, 2, 1 after the AEs and doses
    assert [r["redcap_repeat_instance"] for r in shuffled if r["redcap_repeat_instrument"]
            == "tace"] == [3, 2, 1]  # fmt: skip
    (item,) = redcap_records([_write(tmp_path, shuffled)], mapping)
    assert [t["date"] for t in item.record["tace"]] == ["2011-07-14", "2011-12-15", "2012-07-10"]


def test_provenance_names_form_instance_field_and_row(mapping):
    records, _ = _split(list(redcap_records([FIXTURE_CSV], mapping)))
    p02 = records["P02"]
    result = check(p02.record)
    (trt,) = [f for f in result.findings if f.rule == "TRT001"]
    assert trt.status is Status.NOT_MET and trt.location == "/sorafenib/0/start_date"
    origin = p02.provenance.lookup(trt.location)
    assert (origin.instrument, origin.instance, origin.field) == (
        "sorafenib_dosing",
        1,
        "sor_start",
    )
    row = _csv_row_number(FIXTURE_CSV, "P02", "sorafenib_dosing", "1")
    assert origin.row == f"{FIXTURE_CSV} row {row}"
    assert p02.provenance.describe(trt.location) == (
        "REDCap form sorafenib_dosing, instance 1, field sor_start + sor_start_prec"
    )
    # A pointer to something not recorded finds its instance; a list finds its instrument.
    assert p02.provenance.lookup("/tace/2/nothing").instance == 3
    assert p02.provenance.lookup("/adverse_events").instrument == "adverse_events"
    assert p02.provenance.lookup("") is None


# -- missing-data codes, blanks, checkboxes ---------------------------------------------------


def test_a_missing_data_code_is_not_recorded_so_the_rule_is_not_evaluable(mapping, tmp_path):
    rows = to_rows(_example("p01"), {("", None, "dx_unresectable"): "UNK"})
    (item,) = redcap_records([_write(tmp_path, rows)], mapping)
    assert "unresectable" not in item.record["diagnosis"]
    assert item.provenance.lookup("/diagnosis/unresectable").missing_code == "UNK"
    result = check(item.record)
    assert result.statuses("ELG001") == [Status.NOT_EVALUABLE]
    assert result.eligibility == "undetermined"


def test_a_missing_data_code_where_the_record_needs_a_value_is_an_error_naming_row_and_column(
    mapping, tmp_path
):
    rows = to_rows(
        _example("p01"), {("tace", 2, "tace_date"): "UNK", ("tace", 2, "tace_date_prec"): ""}
    )
    rows += to_rows(_example("p02"))
    path = _write(tmp_path, rows)
    records, errors = _split(list(redcap_records([path], mapping)))
    assert list(records) == ["P02"]  # the other patient is still read
    (error,) = errors
    row = _csv_row_number(path, "P01", "tace", "2")
    assert error.source == f"{path} row {row}"
    assert error.location == "/tace/1/date (column tace_date)"
    assert "missing-data code UNK (Unknown)" in error.message
    assert "form tace, instance 2" in error.message


def test_the_mapping_can_say_what_a_missing_data_code_stands_for(mapping, tmp_path):
    rows = to_rows(_example("p01"), {("adverse_events", 1, "ae_action"): "NA"})
    (item,) = redcap_records([_write(tmp_path, rows)], mapping)
    assert item.record["adverse_events"][0]["action_taken"] == "not_applicable"


def test_blank_cells_are_not_recorded_and_an_empty_instance_is_no_item(mapping, tmp_path):
    rows = to_rows(_example("p01"), {("tace", 3, "tace_technique"): ""})
    empty = {key: "" for key in rows[0]}
    empty.update(record_id="P01", redcap_repeat_instrument="imaging", redcap_repeat_instance="9")
    empty["imaging_complete"] = "0"
    (item,) = redcap_records([_write(tmp_path, [*rows, empty])], mapping)
    assert item.record["tace"][2] == {"date": "2012-07-10"}
    assert len(item.record["imaging"]) == 4
    assert "resolution_date" not in item.record["adverse_events"][0]  # blank: unresolved


@pytest.mark.parametrize(
    ("ticks", "expected"),
    [({"3": "1"}, True), ({"1": "1", "6": "1"}, True), ({"0": "1"}, False), ({}, None)],
)
def test_checkbox_columns_give_seriousness(mapping, tmp_path, ticks, expected):
    record = _example("p01")
    del record["adverse_events"][0]["serious"]  # all seven options unticked
    overrides = {("adverse_events", 1, f"ae_serious___{code}"): v for code, v in ticks.items()}
    (item,) = redcap_records([_write(tmp_path, to_rows(record, overrides))], mapping)
    assert item.record["adverse_events"][0].get("serious") == expected


def test_contradicting_checkbox_options_are_an_error(mapping, tmp_path):
    overrides = {("adverse_events", 1, "ae_serious___1"): "1"}  # P01's AE is ticked "none"
    (item,) = redcap_records([_write(tmp_path, to_rows(_example("p01"), overrides))], mapping)
    (error,) = item.errors
    assert error.location == "/adverse_events/0/serious (column ae_serious)"
    assert "contradict" in error.message


# -- values that do not fit ---------------------------------------------------------------------


def test_a_value_outside_the_choices_is_an_error_listing_them(mapping, tmp_path):
    rows = to_rows(_example("p01"), {("tace", 1, "tace_technique"): "7"})
    (item,) = redcap_records([_write(tmp_path, rows)], mapping)
    (error,) = item.errors
    assert error.location == "/tace/0/technique (column tace_technique)"
    assert error.expected == (
        "a choice code (1 Conventional (lipiodol), 2 Drug-eluting beads, 3 Other)"
    )
    assert '"7"' in error.text() and "7" not in error.text(hide_values=True)


@pytest.mark.parametrize("written", ["27-03-2012", "2012/03/27", "2012-02-30"])
def test_dates_must_arrive_as_yyyy_mm_dd_whatever_the_validation(mapping, tmp_path, written):
    rows = to_rows(_example("p02"), {("sorafenib_dosing", 1, "sor_start"): written})
    (item,) = redcap_records([_write(tmp_path, rows)], mapping)
    (error,) = item.errors
    assert error.location == "/sorafenib/0/start_date (column sor_start)"
    assert "YYYY-MM-DD" in error.text()


def test_date_dmy_fields_are_read_from_the_iso_export(mapping, tmp_path):
    # tace_date is validated date_dmy in the dictionary: the site types 01-03-2012, the export
    # carries 2012-03-01.
    (item,) = redcap_records([_write(tmp_path, to_rows(_example("p02")))], mapping)
    assert item.record["tace"][1]["date"] == "2012-03-01"


@pytest.mark.parametrize(
    ("date", "precision", "message"),
    [
        ("2012-03-15", "2", "not entered as the 1st"),
        ("2012-03-01", "3", "not entered as 1 January"),
        ("2012-03-01", "", "does not say which parts"),
    ],
)
def test_a_date_and_its_precision_must_agree(mapping, tmp_path, date, precision, message):
    overrides = {("tace", 2, "tace_date"): date, ("tace", 2, "tace_date_prec"): precision}
    (item,) = redcap_records([_write(tmp_path, to_rows(_example("p02"), overrides))], mapping)
    (error,) = item.errors
    assert error.location == "/tace/1/date (column tace_date)"
    assert message in error.message


def test_numbers_and_json_integers(mapping, tmp_path):
    record = _example("p02")
    rows = to_rows(record, {("sorafenib_dosing", 1, "sor_dose"): "400.0"})
    path = tmp_path / "export.json"
    path.write_text(to_json(rows, numbers=True), encoding="utf-8")
    assert json.loads(path.read_text())[1]["redcap_repeat_instance"] in (1, 2, 3, 4)
    (item,) = redcap_records([path], mapping)
    assert item.record["sorafenib"][0]["dose_mg"] == 400
    assert item.record["cohort"] == "sorafenib_after_tace"  # cohort 1 given as a JSON number
    bad = to_rows(record, {("sorafenib_dosing", 1, "sor_dose"): "400 mg"})
    (item,) = redcap_records([_write(tmp_path, bad)], mapping)
    assert item.errors[0].location == "/sorafenib/0/dose_mg (column sor_dose)"


def test_an_ongoing_period_has_a_null_end_and_an_end_with_ongoing_is_an_error(mapping, tmp_path):
    record = _example("p07")  # its first dosing period is ongoing
    (item,) = redcap_records([_write(tmp_path, to_rows(record))], mapping)
    assert item.record["sorafenib"][0]["end_date"] is None
    rows = to_rows(record, {("sorafenib_dosing", 1, "sor_end"): "2012-12-01",
                            ("sorafenib_dosing", 1, "sor_end_prec"): "1"})  # fmt: skip
    (item,) = redcap_records([_write(tmp_path, rows)], mapping)
    assert "sor_ongoing" in item.errors[0].message


# -- rows and columns that do not fit -----------------------------------------------------------


def test_a_repeating_row_without_an_instance_is_an_error_and_the_rest_is_read(mapping, tmp_path):
    rows = to_rows(_example("p01")) + to_rows(_example("p02"))
    broken = next(r for r in rows if r["redcap_repeat_instrument"] == "imaging")
    broken["redcap_repeat_instance"] = ""
    path = _write(tmp_path, rows)
    records, errors = _split(list(redcap_records([path], mapping)))
    assert list(records) == ["P02"]
    (error,) = errors
    assert error.source == f"{path} row {rows.index(broken) + 2}"
    assert "redcap_repeat_instance" in error.message and "'imaging'" in error.message


def test_an_export_column_the_mapping_does_not_know_is_named(mapping, tmp_path):
    rows = to_rows(_example("p01"))
    for row in rows:
        row["favourite_colour"] = ""
    path = tmp_path / "export.csv"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    items = list(redcap_records([path], mapping))
    (error,) = [item for item in items if isinstance(item, RecordError)]
    assert error.source == str(path)
    assert error.message == (
        "column 'favourite_colour' is not a field of the data dictionary the mapping was "
        "checked against"
    )
    assert [item.record_id for item in items if isinstance(item, Assembled)] == ["P01"]


def test_a_value_in_another_forms_column_of_an_instance_row_is_an_error(mapping, tmp_path):
    rows = to_rows(_example("p01"), {("tace", 1, "img_result"): "PD"})
    (item,) = redcap_records([_write(tmp_path, rows)], mapping)
    (error,) = item.errors
    assert "column 'img_result'" in error.message and "instance 1" in error.message


def test_files_that_are_not_exports_are_errors_not_tracebacks(mapping, tmp_path):
    (tmp_path / "a.json").write_text('{"record_id": "P01"}', encoding="utf-8")
    (tmp_path / "b.xlsx").write_bytes(b"PK\x03\x04")
    (tmp_path / "c.csv").write_bytes(b"record_id,cohort\nP\xe901,1\n")
    items = list(
        redcap_records([tmp_path / "a.json", tmp_path / "b.xlsx", tmp_path / "c.csv"], mapping)
    )
    assert [type(item) for item in items] == [RecordError] * 3
    assert "list of rows" in items[0].message
    assert ".csv or .json" in items[1].message
    assert "not UTF-8" in items[2].message


def test_error_messages_keep_patient_values_out_when_values_are_hidden(mapping, tmp_path):
    marker = "1999-12-31"  # a date, a dose, a code: none may reach a hidden message
    overrides = {
        ("tace", 1, "tace_date"): "31-12-1999",
        ("imaging", 1, "img_result"): "1999",
        ("sorafenib_dosing", 1, "sor_dose"): "1999 mg",
        ("sorafenib_dosing", 1, "sor_end"): marker,
        ("sorafenib_dosing", 1, "sor_ongoing"): "1",
        ("adverse_events", 1, "ae_serious___1"): "1",
    }
    (item,) = redcap_records([_write(tmp_path, to_rows(_example("p01"), overrides))], mapping)
    assert len(item.errors) == 5
    for error in item.errors:
        hidden = error.text(hide_values=True) + (error.location or "")
        assert "1999" not in hidden and "12-31" not in hidden


def test_a_record_id_that_is_no_patient_id_is_never_echoed(mapping, tmp_path):
    # A record ID such as "=cmd|calc" (text a spreadsheet would run, or a patient's name) is
    # an input error at /patient_id, and the source names the export row, not the ID.
    rows = to_rows(_example("p01"))
    for row in rows:
        row["record_id"] = "=cmd|calc"
    items = list(redcap_records([_write(tmp_path, rows)], mapping))
    sources = [item.source for item in items]
    assert sources and all("=cmd" not in source for source in sources)
    assert all("export.csv row 2" in source for source in sources)
