"""The command line: formats, exit codes 0/1/2, as-of handling."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from protocol.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
REPORT_SCHEMA = json.loads((ROOT / "schemas" / "report.schema.json").read_text())


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_report_of_the_examples_is_valid_and_complete(capsys) -> None:
    code, out, _err = _run(capsys, "check", "--format", "json", str(EXAMPLES))
    report = json.loads(out)
    Draft202012Validator(REPORT_SCHEMA).validate(report)
    assert code == 1  # the examples include deviations
    assert len(report["patients"]) == len(list(EXAMPLES.glob("*.json")))
    assert report["errors"] == []
    assert report["summary"]["patients"] == len(report["patients"])


def test_exit_0_when_nothing_is_not_met(capsys) -> None:
    code, out, _ = _run(capsys, "check", str(EXAMPLES / "p01-on-time.json"))
    assert code == 0
    assert "P01" in out and "eligible" in out


def test_exit_1_with_a_deviation_and_the_explanation_in_text(capsys) -> None:
    code, out, _ = _run(capsys, "check", "--color", "never", str(EXAMPLES / "p02-late-start.json"))
    assert code == 1
    assert "TRT001" in out and "5 days late" in out
    assert "\033[" not in out


def test_colour_only_when_asked_or_on_a_tty(capsys) -> None:
    _code, out, _ = _run(
        capsys, "check", "--color", "always", str(EXAMPLES / "p02-late-start.json")
    )
    assert "\033[31;1m" in out


@pytest.mark.parametrize(
    ("option", "as_of", "basis", "exit_code"),
    [
        # P11's data cut-off is 2012-09-30: a later --as-of cannot look past it.
        ("2012-10-12", "2012-09-30", "data_cutoff_date", 0),
        # An earlier --as-of wins; the last contact (2012-09-27) then lies after it (DAT004).
        ("2012-09-25", "2012-09-25", "option", 1),
    ],
)
def test_as_of_is_the_earlier_of_the_option_and_the_cutoff(
    capsys, option: str, as_of: str, basis: str, exit_code: int
) -> None:
    # P11: TACE #2 on 2012-09-20, no sorafenib; the window runs to day 21, 2012-10-11, so on
    # either check date TRT001 is still pending.
    code, out, _ = _run(
        capsys,
        "check",
        "--format",
        "json",
        "--as-of",
        option,
        str(EXAMPLES / "p11-pending-sorafenib-start.json"),
    )
    patient = json.loads(out)["patients"][0]
    trt001 = next(f for f in patient["findings"] if f["rule"] == "TRT001")
    assert (patient["as_of"], patient["as_of_basis"]) == (as_of, basis)
    assert trt001["status"] == "pending" and code == exit_code


@pytest.mark.parametrize(
    "argv",
    [
        ["check"],
        ["check", "x", "--as-of", "2012-02-30"],
        ["check", "x", "--as-of", "2012-02"],
        ["bogus"],
    ],
)
def test_usage_errors_exit_2(capsys, argv: list[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_missing_path_is_bad_input_on_stderr(capsys) -> None:
    code, out, err = _run(capsys, "check", "--format", "json", "no/such/file.json")
    assert code == 2
    assert out == ""
    assert err == "tacecheck: no/such/file.json: no such file or folder; nothing was checked\n"


def test_schema_command_prints_the_record_schema(capsys) -> None:
    code, out, _ = _run(capsys, "schema")
    assert code == 0
    assert json.loads(out)["$id"].endswith("/patient-record/1")
