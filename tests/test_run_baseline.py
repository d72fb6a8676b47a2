"""Issue 10: --baseline PREVIOUS.json marks findings not met as new or unchanged, and resolved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from protocol.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture
def study(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    before = tmp_path / "before"
    before.mkdir()
    for name in ("p02-late-start.json", "p05-overdose.json"):
        (before / name).write_bytes((EXAMPLES / name).read_bytes())
    return tmp_path


def _json(capsys, *argv: str) -> tuple[int, dict]:
    code = main(["check", "-q", "-f", "json", *argv])
    return code, json.loads(capsys.readouterr().out)


def test_new_unchanged_and_resolved_per_patient_rule_and_instance(capsys, study) -> None:
    assert main(["check", "-q", "before", "-o", "baseline.json"]) == 1
    capsys.readouterr()
    after = study / "after"
    after.mkdir()
    p02 = json.loads((EXAMPLES / "p02-late-start.json").read_text())
    p02["sorafenib"][0]["start_date"] = "2012-03-15"  # day 14 after TACE #2 (2012-03-01)
    (after / "p02.json").write_text(json.dumps(p02))
    (after / "p05.json").write_bytes((EXAMPLES / "p05-overdose.json").read_bytes())
    (after / "p06.json").write_bytes((EXAMPLES / "p06-ae-dose-reduction.json").read_bytes())
    baseline = json.loads((study / "baseline.json").read_text())
    old_trt = next(f for f in baseline["patients"][0]["findings"] if f["rule"] == "TRT001")

    code, report = _json(capsys, "after", "--baseline", "baseline.json")
    assert code == 1
    patients = {p["patient_id"]: p for p in report["patients"]}
    # P02: TRT001 is met now, so it is resolved; nothing of P02 is not met any more
    assert patients["P02"]["resolved"] == [
        {"rule": "TRT001", "location": "/sorafenib/0/start_date", "message": old_trt["message"]}
    ]
    assert not any("baseline" in f for f in patients["P02"]["findings"])
    # P05: the same overdose as before, at the same place
    dos001 = next(f for f in patients["P05"]["findings"] if f["rule"] == "DOS001")
    assert dos001["status"] == "not_met" and dos001["baseline"] == "unchanged"
    assert patients["P05"]["resolved"] == []
    # P06 was not in the baseline: all its findings not met are new, met ones unmarked
    marks = {(f["rule"], f["status"], f.get("baseline")) for f in patients["P06"]["findings"]}
    assert {("DOS003", "not_met", "new"), ("AE001", "not_met", "new")} <= marks
    assert {mark for _rule, status, mark in marks if status != "not_met"} == {None}
    sites = report["summary"]["sites"]
    assert (sites["JP-OSK-01"]["new"], sites["JP-OSK-01"]["resolved"]) == (0, 1)  # P02, P05
    assert (sites["JP-HYG-03"]["new"], sites["JP-HYG-03"]["resolved"]) == (2, 0)  # P06


def test_the_same_rule_at_another_instance_is_new(capsys, study) -> None:
    main(["check", "-q", "before", "-o", "baseline.json"])
    capsys.readouterr()
    p05 = json.loads((EXAMPLES / "p05-overdose.json").read_text())
    # the overdose moves from period 1 to period 2 (600 mg BID from 2012-09-04)
    p05["sorafenib"][0]["dose_mg"] = 400
    p05["sorafenib"][1]["dose_mg"] = 600
    (study / "p05.json").write_text(json.dumps(p05))
    _code, report = _json(capsys, "p05.json", "--baseline", "baseline.json")
    patient = report["patients"][0]
    marks = {(f["rule"], f["location"]): f.get("baseline") for f in patient["findings"]}
    assert marks[("DOS001", "/sorafenib/1/dose_mg")] == "new"
    assert [(r["rule"], r["location"]) for r in patient["resolved"]] == [
        ("DOS001", "/sorafenib/0/dose_mg")
    ]


def test_a_baseline_that_is_not_a_json_report_is_refused(capsys, study) -> None:
    (study / "old.csv").write_text("STUDYID,DOMAIN\n")
    assert main(["check", "before", "--baseline", "old.csv"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "old.csv: not a JSON report" in captured.err
    (study / "old.json").write_text('{"patients": [{"findings": []}]}')
    assert main(["check", "before", "--baseline", "old.json"]) == 2
    assert "old.json: /patients/0: expected a patient with a patient_id" in capsys.readouterr().err


def test_hide_values_hides_the_baselines_messages(capsys, study) -> None:
    """A resolved finding's message comes from the old report and may quote free text."""
    main(["check", "-q", "before", "-o", "baseline.json"])
    capsys.readouterr()
    p02 = json.loads((EXAMPLES / "p02-late-start.json").read_text())
    p02["sorafenib"][0]["start_date"] = "2012-03-15"
    (study / "p02.json").write_text(json.dumps(p02))
    _code, report = _json(capsys, "p02.json", "--baseline", "baseline.json", "--hide-values")
    assert report["patients"][0]["resolved"] == [
        {"rule": "TRT001", "location": "/sorafenib/0/start_date", "message": "[hidden]"}
    ]


def test_a_report_with_a_baseline_fits_the_report_schema(capsys, study) -> None:
    from jsonschema import Draft202012Validator

    schema = json.loads((ROOT / "schemas" / "report.schema.json").read_text())
    main(["check", "-q", "before", "-o", "baseline.json"])
    capsys.readouterr()
    (study / "p06.json").write_bytes((EXAMPLES / "p06-ae-dose-reduction.json").read_bytes())
    _code, report = _json(capsys, "before", "p06.json", "--baseline", "baseline.json")
    Draft202012Validator(schema).validate(report)
    main(["check", "-q", "-f", "jsonl", "before", "--baseline", "baseline.json"])
    validator = Draft202012Validator({"$defs": schema["$defs"], "$ref": "#/$defs/jsonl_line"})
    for line in capsys.readouterr().out.splitlines():
        validator.validate(json.loads(line))


def test_a_baseline_of_another_pack_is_refused(capsys, study) -> None:
    code, report = _json(capsys, "before")
    assert code == 1
    report["protocol"]["id"] = "another-study"
    (study / "other.json").write_text(json.dumps(report))
    assert main(["check", "before", "--baseline", "other.json"]) == 2
    err = capsys.readouterr().err
    assert "other.json: /protocol/id: the baseline was checked with pack 'another-study'" in err
    assert "this run with 'tamai-2017'" in err
