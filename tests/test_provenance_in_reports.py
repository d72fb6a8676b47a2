"""Findings from a REDCap export or SDTM datasets name the place the site opens to answer
them: the REDCap form, instance and field, or the SDTM dataset row and variable, beside the
JSON Pointer, in every report a data manager works from."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parent.parent
REDCAP = ROOT / "integrations" / "redcap"
EXPORT = REDCAP / "examples" / "tamai-20-patients.csv"
SDTM = ROOT / "integrations" / "sdtm" / "examples" / "json"
REPORT_SCHEMA = json.loads((ROOT / "schemas" / "report.schema.json").read_text("utf-8"))


def _check(*argv: str) -> str:
    run = subprocess.run(
        [sys.executable, "-m", "protocol.cli", "check", "-q", *argv],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert run.returncode == 1, run.stderr  # the examples hold findings not met
    return run.stdout


def _redcap(*argv: str) -> str:
    return _check(
        "--from", "redcap", str(EXPORT), "--mapping", str(REDCAP / "tamai_mapping.yaml"), *argv
    )


def test_a_redcap_query_names_the_form_instance_and_field_to_open() -> None:
    # P16 has two TACEs on 2011-08-04; DAT001 points at the second one, /tace/1/date, which
    # the export holds as instance 2 of the repeating form "tace", field tace_date (with its
    # precision radio tace_date_prec beside it).
    rows = list(csv.DictReader(io.StringIO(_redcap("-f", "queries").lstrip("\ufeff"))))
    (dat001,) = [r for r in rows if r["USUBJID"] == "P16" and r["RULE"] == "DAT001"]
    assert dat001["FIELD"] == "/tace/1/date"
    assert dat001["QUERY"].endswith(
        "(see REDCap form tace, instance 2, field tace_date + tace_date_prec)"
    )


def test_redcap_origins_in_text_and_json() -> None:
    text = " ".join(_redcap("-f", "text").split())  # lines are wrapped to the terminal
    assert "/tace/1/date (REDCap form tace, instance 2, field tace_date" in text
    report = json.loads(_redcap("-f", "json"))
    Draft202012Validator(REPORT_SCHEMA).validate(report)
    p16 = next(p for p in report["patients"] if p["patient_id"] == "P16")
    (dat001,) = [f for f in p16["findings"] if f["rule"] == "DAT001"]
    origin = dat001["origin"]
    assert (origin["system"], origin["instrument"], origin["instance"], origin["field"]) == (
        "REDCap", "tace", 2, "tace_date",
    )  # fmt: skip


def test_an_sdtm_deviation_names_its_dataset_row_and_variable() -> None:
    # P02 started sorafenib 26 days after TACE #2 (TRT001 not met, at /sorafenib/0/start_date):
    # in SDTM that is EX, USUBJID P02, its first EX record (EXSEQ 1), variable EXSTDTC.
    report = json.loads(_check("--from", "sdtm", str(SDTM), "-f", "json"))
    Draft202012Validator(REPORT_SCHEMA).validate(report)
    p02 = next(p for p in report["patients"] if p["patient_id"] == "P02")
    (trt001,) = [f for f in p02["findings"] if f["rule"] == "TRT001"]
    origin = trt001["origin"]
    assert (origin["dataset"], origin["usubjid"], origin["seq"], origin["variable"]) == (
        "EX", "P02", 1, "EXSTDTC",
    )  # fmt: skip
    log = list(
        csv.DictReader(
            io.StringIO(_check("--from", "sdtm", str(SDTM), "-f", "csv").lstrip("\ufeff"))
        )
    )
    (row,) = [r for r in log if r["USUBJID"] == "P02" and r["DVREFID"] == "TRT001"]
    assert row["SOURCE"].endswith("; SDTM EX, USUBJID P02, EXSEQ 1, variable EXSTDTC")


def test_the_html_page_names_the_redcap_place_under_the_pointer() -> None:
    page = _redcap("-f", "html")
    assert "REDCap form tace, instance 2, field tace_date + tace_date_prec" in page
