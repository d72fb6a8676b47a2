"""Bad SDTM data: each problem named by file, row and variable; the other subjects go on.

The fixture integrations/sdtm/examples/bad-data/ holds subjects P01, P02 and P06 of the
examples with four problems typed into it: PR lacks PRTRT, P02's first EXDOSE is the text
"four hundred", P06's first AEACN is "DOSE DECREASED" (not CDISC ACN), and EX has a row for
P99, who is not in DM. Row numbers below are counted from the canonical examples: P01 has one
dosing period and one AE, P02 one dosing period and no AE, P06 three periods.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from protocol import check
from protocol.findings import RecordError, Status
from protocol.packs import load_pack
from protocol.sdtm import MappingError, load_mapping, read_sdtm, sdtm_records
from protocol.sdtm.mapping import mapping_from_data
from protocol.sdtm.writer import sdtm_tables, write_tables

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "integrations" / "sdtm" / "examples"
BAD = EXAMPLES / "bad-data"
MAPPING = ROOT / "integrations" / "sdtm" / "tamai_mapping.yaml"


def _example(stem: str) -> dict[str, Any]:
    (path,) = (ROOT / "examples").glob(f"{stem}-*.json")
    return json.loads(path.read_text(encoding="utf-8"))


def _split(folder: Path) -> tuple[dict[str, Any], list[RecordError]]:
    records, errors = {}, []
    for item in sdtm_records(folder, MAPPING):
        if isinstance(item, RecordError):
            errors.append(item)
        elif item.record is None:
            errors.extend(item.errors)
        else:
            records[item.usubjid] = item.record
    return records, errors


def _folder(tmp_path: Path, *stems: str) -> Path:
    records = [_example(stem) for stem in stems]
    write_tables(sdtm_tables(records, load_mapping(MAPPING)), tmp_path, "json")
    return tmp_path


def _set(folder: Path, domain: str, usubjid: str, variable: str, value: Any, nth: int = 0) -> None:
    """Change ``variable`` in the ``nth`` row of ``usubjid`` in a Dataset-JSON domain."""
    path = folder / f"{domain.lower()}.json"
    document = json.loads(path.read_text("utf-8"))
    names = [column["name"] for column in document["columns"]]
    rows = [row for row in document["rows"] if row[names.index("USUBJID")] == usubjid]
    rows[nth][names.index(variable)] = value
    path.write_text(json.dumps(document), "utf-8")


def test_the_bad_data_fixture_names_file_row_and_variable_and_checks_the_rest() -> None:
    records, errors = _split(BAD)
    assert sorted(records) == ["P01"]  # P01 has no problem of its own and is checked
    assert "technique" not in records["P01"]["tace"][0]  # PRTRT missing: not recorded
    result = check(records["P01"])
    assert result.statuses("TRT001") == [Status.MET]
    found = {(e.source, e.location, e.patient_id) for e in errors}
    assert found == {
        (str(BAD / "pr.json"), "/tace/*/technique (PR.PRTRT)", None),
        (str(BAD / "ex.json") + " row 2", "/sorafenib/0/dose_mg (EX.EXDOSE)", "P02"),
        (str(BAD / "ae.json") + " row 2", "/adverse_events/0/action_taken (AE.AEACN)", "P06"),
        (str(BAD / "ex.json") + " row 6", "/sorafenib (EX.USUBJID)", "P99"),
    }
    text = {e.location: e.text() for e in errors}
    assert "PR has no variable PRTRT" in text["/tace/*/technique (PR.PRTRT)"]
    assert "wrong type" in text["/sorafenib/0/dose_mg (EX.EXDOSE)"]
    assert '"four hundred"' in text["/sorafenib/0/dose_mg (EX.EXDOSE)"]
    action = text["/adverse_events/0/action_taken (AE.AEACN)"]
    assert "does not know" in action and '"DOSE DECREASED"' in action and "DOSE REDUCED" in action
    hidden = next(e for e in errors if e.location.endswith("(AE.AEACN)")).text(hide_values=True)
    assert "DOSE DECREASED" not in hidden  # --hide-values leaves the value out
    assert "P99" in text["/sorafenib (EX.USUBJID)"]
    assert "not in DM" in text["/sorafenib (EX.USUBJID)"]


def test_a_folder_without_pr_and_rs_says_so_and_checks_what_there_is() -> None:
    folder = EXAMPLES / "no-pr-rs"  # XPT: DM, SUPPDM, MH, EX, AE, DS of the 24 examples
    raws = list(read_sdtm(folder, MAPPING))
    errors = [raw.error for raw in raws if raw.error is not None]
    assert len(errors) == 2 and len(raws) == 2 + 24  # two folder messages, then 24 records
    first, second = errors
    assert (first.location, second.location) == ("/tace (PR)", "/imaging (RS)")
    assert "no PR dataset" in first.message and "TACE procedures" in first.message
    assert "not evaluable" in first.message
    assert "no RS dataset" in second.message
    for raw in raws[2:]:
        assert raw.origin.not_collected == {"tace": "no PR dataset", "imaging": "no RS dataset"}
        assert b'"tace"' not in raw.raw and b'"imaging"' not in raw.raw
    held = [raw.error for raw in read_sdtm(folder, MAPPING, incomplete="hold")]
    assert len(held) == 26 and held[2].patient_id == "P01"  # on request, held back instead
    assert "not checked" in held[2].message and "not collected" in held[2].message


def test_without_pr_and_rs_the_rules_reading_them_are_not_evaluable(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Through the command line, as a sponsor would run it. Each subject's rules that read
    neither TACE nor imaging answer as on the complete canonical example (their reads are
    checked in test_engine_not_collected); those that read either are not evaluable, and so
    are TRT001, TRT002 and the group while eligibility is undetermined."""
    from protocol.cli import main

    code = main(["check", "--from", "sdtm", str(EXAMPLES / "no-pr-rs"), "-f", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 2  # the two missing datasets are input errors
    assert [e["location"] for e in report["errors"]] == ["/tace (PR)", "/imaging (RS)"]
    pack = load_pack("tamai-2017")
    patients = {p["patient_id"]: p for p in report["patients"]}
    assert len(patients) == 24
    canonical = [json.loads(path.read_text("utf-8")) for path in (ROOT / "examples").glob("*.json")]
    by_id = {record["patient_id"]: record for record in canonical}
    for patient_id, patient in sorted(patients.items()):
        whole = check(by_id[patient_id], pack=pack)
        assert not isinstance(whole, list)
        expected = {f.rule: (str(f.status), f.message) for f in whole.findings}
        found: dict[str, list[dict[str, Any]]] = {}
        for finding in patient["findings"]:
            found.setdefault(finding["rule"], []).append(finding)
        undetermined = patient["eligibility"] == "undetermined"
        for rule in pack.rules_for(patient["cohort"]):
            reads = set(rule.reads)
            if reads & {"tace", "imaging"} or ("eligibility" in reads and undetermined):
                (only,) = found[rule.code]
                assert only["status"] == "not_evaluable", (patient_id, rule.code)
                assert "not collected for this patient" in only["message"]
            elif "eligibility" not in reads:
                got = {(f["status"], f["message"]) for f in found[rule.code]}
                want = {(str(f.status), f.message) for f in whole.findings if f.rule == rule.code}
                assert got == want, (patient_id, rule.code)
        assert expected  # the canonical example was checked
        if undetermined:  # a control's eligibility (CTL001, CTL002) reads no imaging
            read = (
                "TACE procedures and tumour response assessments"
                if patient["cohort"] == "sorafenib_after_tace"
                else "TACE procedures"
            )
            assert patient["group"] == "unassigned"
            assert patient["group_reason"].startswith(f"Not assigned: {read} not collected")
    # P22 is resectable: ELG001, read from MH, is not met whatever PR and RS would say.
    assert patients["P22"]["eligibility"] == "ineligible"


def test_a_folder_without_dm_reads_no_subject(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "p01")
    (folder / "dm.json").unlink()
    records, errors = _split(folder)
    assert records == {}
    assert errors[0].location == "" and "no DM dataset" in errors[0].message


def test_a_file_that_breaks_the_dataset_json_schema_is_named_the_rest_read(tmp_path) -> None:
    folder = _folder(tmp_path, "p01")
    document = json.loads((folder / "ae.json").read_text("utf-8"))
    document["datasetJSONVersion"] = "1.0"  # v1.0 files are not v1.1
    (folder / "ae.json").write_text(json.dumps(document), "utf-8")
    records, errors = _split(folder)
    assert errors[0].source == str(folder / "ae.json")
    assert errors[0].location == "/datasetJSONVersion"
    assert "not valid Dataset-JSON v1.1" in errors[0].message
    assert "no AE dataset" in errors[1].message  # then read as missing
    assert sorted(records) == ["P01"]


@pytest.mark.parametrize(
    ("change", "words"),
    [(lambda row: row.pop(), "row 2 holds"), (lambda row: row.__setitem__(5, ["x"]), "JSON array")],
)
def test_a_row_that_is_not_a_row_of_its_columns_is_named(tmp_path: Path, change, words) -> None:
    folder = _folder(tmp_path, "p01")
    document = json.loads((folder / "pr.json").read_text("utf-8"))
    change(document["rows"][1])
    (folder / "pr.json").write_text(json.dumps(document), "utf-8")
    _records, errors = _split(folder)
    assert errors[0].source == str(folder / "pr.json")
    assert errors[0].location == "/rows/1"
    assert words in errors[0].message


def test_a_file_named_xpt_that_is_not_one_is_named(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "p01")
    (folder / "ex.json").unlink()
    (folder / "ex.xpt").write_bytes(b"not a transport file")
    records, errors = _split(folder)
    assert errors[0].source == str(folder / "ex.xpt")
    assert "not a readable SAS transport file" in errors[0].message
    assert "no EX dataset" in errors[1].message
    assert "sorafenib" not in records["P01"]
    raws = list(read_sdtm(folder, MAPPING))
    assert raws[-1].origin.not_collected == {"sorafenib": "no EX dataset"}
    held = [raw.error for raw in read_sdtm(folder, MAPPING, "hold") if raw.error is not None]
    assert held[-1].patient_id == "P01" and held[-1].location == "/sorafenib (EX)"
    assert "sorafenib dosing (EX) were not collected" in held[-1].message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2012---15", None),  # day known, month not: cannot be held
        ("2012-02-30", None),  # no such day
        (15000, None),  # a SAS date number, not ISO 8601 text
        ("2011-12-29T09:30", "2011-12-29"),  # a time is dropped, the day kept
        ("2011-12", "2011-12"),  # partial dates pass through
        ("2011", "2011"),
    ],
)
def test_dates_as_sdtm_holds_them(tmp_path: Path, value: Any, expected: str | None) -> None:
    folder = _folder(tmp_path, "p01")
    _set(folder, "EX", "P01", "EXSTDTC", value)
    records, errors = _split(folder)
    if expected is None:
        assert records == {}
        (error,) = errors
        assert error.source == str(folder / "ex.json") + " row 1"
        assert error.location == "/sorafenib/0/start_date (EX.EXSTDTC)"
    else:
        assert errors == []
        assert records["P01"]["sorafenib"][0]["start_date"] == expected


def test_a_dose_in_another_unit_is_refused(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "p01")
    _set(folder, "EX", "P01", "EXDOSU", "g")
    _records, (error,) = _split(folder)
    assert error.location == "/sorafenib/0/dose_mg (EX.EXDOSU)"
    assert "mg" in (error.expected or "")


def test_a_death_flag_without_a_date_and_two_disagreeing_dates(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "p01", "p02")  # P02 died 2013-09-02 (DM and DS)
    _set(folder, "DM", "P01", "DTHFL", "Y")
    _set(folder, "DM", "P02", "DTHDTC", "2013-09-03")
    records, errors = _split(folder)
    assert records == {}
    by_patient = {error.patient_id: error for error in errors}
    assert by_patient["P01"].location == "/death_date (DM.DTHFL)"
    assert "no date of death" in by_patient["P01"].message
    assert by_patient["P02"].location == "/death_date (DS.DSSTDTC)"
    assert "disagrees" in by_patient["P02"].message


def test_a_value_the_record_format_refuses_points_at_its_variable(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "p01")
    _set(folder, "AE", "P01", "AETOXGR", "7")  # CTCAE grades are 1-5
    _records, (error,) = _split(folder)
    assert error.source == str(folder / "ae.json") + " row 1"
    assert error.location == "/adverse_events/0/grade (AE.AETOXGR)"


def test_a_character_dose_in_xpt_is_the_wrong_type(tmp_path: Path) -> None:
    from protocol.sdtm.datasets import Column
    from protocol.sdtm.xpt import write_xpt

    folder = _folder(tmp_path, "p01")
    document = json.loads((folder / "ex.json").read_text("utf-8"))
    (folder / "ex.json").unlink()
    columns = [Column(c["name"], c["label"], "string", 20) for c in document["columns"]]
    rows = [["" if v is None else str(v) for v in row] for row in document["rows"]]
    write_xpt("EX", "Exposure", columns, rows, folder / "ex.xpt")
    _records, errors = _split(folder)
    locations = {error.location for error in errors}
    assert "/sorafenib/0/dose_mg (EX.EXDOSE)" in locations
    dose = next(e for e in errors if e.location.endswith("(EX.EXDOSE)"))
    assert "a character variable" in dose.message


def test_a_file_that_is_not_a_dataset_is_named_and_the_rest_read(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "p01")
    (folder / "notes.csv").write_text("a,b\n", "utf-8")
    records, errors = _split(folder)
    assert [e.source for e in errors] == [str(folder / "notes.csv")]
    assert sorted(records) == ["P01"]


def test_mapping_problems_are_all_named() -> None:
    import yaml

    data = yaml.safe_load(MAPPING.read_text("utf-8"))
    data["sorafenib"]["dose"] = "EXDOSE"  # not a canonical field
    del data["sorafenib"]["frequency"]["codes"]  # a coded field without codes
    data["adverse_events"].pop("grade")  # required
    with pytest.raises(MappingError) as raised:
        mapping_from_data(data, "m.yaml")
    places = [place for place, _ in raised.value.problems]
    assert "sorafenib.frequency" in places
    bad = yaml.safe_load(MAPPING.read_text("utf-8"))
    bad["sorafenib"]["dose"] = "EXDOSE"
    bad["adverse_events"].pop("grade")
    with pytest.raises(MappingError) as raised:
        mapping_from_data(bad, "m.yaml")
    assert [place for place, _ in raised.value.problems] == [
        "sorafenib.dose",
        "adverse_events.grade",
    ]
