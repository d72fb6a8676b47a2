"""``--hide-values``: no submitted value leaks into any format, except the findings' evidence.

Marker values (unique strings, unusual dates, an odd dose) are planted in every free-text
and value field of valid and invalid records; every format is run through the real command
line with ``--hide-values``. The contract (``README``, "--hide-values"):

- free text (AE ``term``, ``withdrawal.reason``, ``diagnosis.condition``) never appears;
- a submitted date or number appears only where a finding rests on it (its message,
  evidence, the deviation log's DVSTDTC/DVENDTC, JUnit's failure text), in the TTP/OS
  endpoints (``from``/``to``), or as the patient's as-of date;
- the query listing quotes no value at all: VALUE is empty, QUERY is the rule's check;
- input errors quote no value.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import re
from pathlib import Path

import pytest

from protocol.cli import main

FORMATS = ("text", "json", "jsonl", "csv", "queries", "junit", "html")

FREE_TEXT = ("ZQX-term-1", "ZQX-term-2", "ZQX-reason-1", "ZQX-condition-2", "ZQX-term-3")
INVALID_ONLY = ("ZQX-grade-3", "ZQX-value-4", "ZQX-reason-3", "ZQX-json-5", "1977-02-30")

# Dates that no finding, endpoint or as-of rests on: they must appear nowhere.
UNUSED_DATES = (
    "2011-03-17",  # diagnosis date
    "2011-06-23",  # a stable-disease scan
    "2012-02-16",  # a partial-response scan
    "2012-06-14",  # withdrawal date
)
# Dates the findings rest on: they stay (the checker says what it measured).
EVIDENCE_DATES = (
    "2011-04-19",  # TACE #1 (ELG002, ELG003)
    "2011-08-25",  # the progression (ELG003, ELG004)
    "2011-09-22",  # TACE #2 (ELG004, TRT001)
    "2011-10-04",  # sorafenib start (TRT001, DOS001)
    "2011-11-08",  # onset of the grade-3 AE (AE001)
    "2011-12-13",  # its resolution (DAT002: it does not end before it starts)
)

VALID = {
    "schema_version": "1",
    "patient_id": "ZP-1",
    "cohort": "sorafenib_after_tace",
    "site_id": "S-1",
    "diagnosis": {
        "condition": "hepatocellular_carcinoma",
        "date": "2011-03-17",
        "unresectable": True,
    },
    "tace": [{"date": "2011-04-19"}, {"date": "2011-09-22"}, {"date": "2012-05-29"}],
    "imaging": [
        {"date": "2011-06-23", "modality": "CT", "result": "stable_disease"},
        {"date": "2011-08-25", "modality": "CT", "result": "progression"},
        {"date": "2012-02-16", "modality": "MRI", "result": "partial_response"},
    ],
    "sorafenib": [
        {
            "start_date": "2011-10-04",
            "end_date": "2012-02-07",
            "dose_mg": 417,
            "frequency": "BID",
            "reason": "initial",
        }
    ],
    "adverse_events": [
        {
            "term": "ZQX-term-1",
            "grade": 3,
            "onset_date": "2011-11-08",
            "resolution_date": "2011-12-13",
            "related_to_sorafenib": True,
            "action_taken": "drug_interrupted",
        },
        {
            "term": "ZQX-term-2",
            "grade": 1,
            "onset_date": "2012-01-10",
            "action_taken": "dose_not_changed",
        },
    ],
    "withdrawal": {"date": "2012-06-14", "reason": "ZQX-reason-1"},
    "last_contact_date": "2012-06-21",
    "data_cutoff_date": "2013-01-31",
}


def _records(folder: Path) -> Path:
    second = copy.deepcopy(VALID)
    second["patient_id"] = "ZP-2"
    second["diagnosis"]["condition"] = "ZQX-condition-2"  # ELG001 not met, quoting it
    second["adverse_events"][1]["resolution_date"] = "2011-12-31"  # DAT002: a query
    bad_grade = copy.deepcopy(VALID)
    bad_grade["patient_id"] = "ZP-3"
    bad_grade["adverse_events"][0].update(term="ZQX-term-3", grade="ZQX-grade-3")
    bad_grade["withdrawal"]["reason"] = "ZQX-reason-3"
    bad_field = copy.deepcopy(VALID)
    bad_field["patient_id"] = "ZP-4"
    bad_field["extra_field"] = "ZQX-value-4"
    bad_field["last_contact_date"] = "1977-02-30"
    for number, record in enumerate((VALID, second, bad_grade, bad_field), start=1):
        (folder / f"r{number}.json").write_text(json.dumps(record), encoding="utf-8")
    (folder / "r5.json").write_text('{"patient_id": "ZQX-json-5", ', encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = _records(tmp_path_factory.mktemp("records"))
    out = tmp_path_factory.mktemp("out")
    texts = {}
    for fmt in FORMATS:
        target = out / f"report.{fmt}"
        code = main(
            # -v: the text report lists met findings with their messages too
            ["check", "-q", "-v", "--hide-values", "--format", fmt, "-o", str(target), str(folder)]
        )
        assert code == 2  # input errors
        texts[fmt] = target.read_text(encoding="utf-8")
    return texts


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_free_text_or_invalid_value_appears(outputs: dict[str, str], fmt: str) -> None:
    leaked = [m for m in (*FREE_TEXT, *INVALID_ONLY) if m in outputs[fmt]]
    assert leaked == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_date_appears_that_no_finding_rests_on(outputs: dict[str, str], fmt: str) -> None:
    leaked = [d for d in UNUSED_DATES if d in outputs[fmt]]
    assert leaked == []


@pytest.mark.parametrize("fmt", ("text", "json", "jsonl", "html"))
def test_findings_keep_their_evidence_dates(outputs: dict[str, str], fmt: str) -> None:
    assert [d for d in EVIDENCE_DATES if d not in outputs[fmt]] == []


def test_the_deviation_log_keeps_the_dose_and_start_of_a_deviation(
    outputs: dict[str, str],
) -> None:
    rows = list(csv.DictReader(io.StringIO(outputs["csv"].removeprefix("\ufeff"))))
    overdose = [r for r in rows if r["DVREFID"] == "DOS001"]
    assert len(overdose) == 2  # ZP-1 and ZP-2: 417 mg BID = 834 mg/day
    assert all("834" in r["DVTERM"] and r["DVSTDTC"] == "2011-10-04" for r in overdose)


def test_free_text_in_a_finding_reads_hidden(outputs: dict[str, str]) -> None:
    report = json.loads(outputs["json"])
    second = next(p for p in report["patients"] if p["patient_id"] == "ZP-2")
    elg001 = next(f for f in second["findings"] if f["rule"] == "ELG001")
    assert elg001["status"] == "not_met"
    assert "[hidden]" in elg001["message"]
    flag = next(
        f
        for p in report["patients"]
        for f in p["findings"]
        if f["rule"] == "AE001" and f["status"] == "not_met"
    )
    assert flag["evidence"]["term"] == "[hidden]"
    assert flag["evidence"]["onset_date"] == "2011-11-08"
    assert report["summary"]["safety_flags"]["AE001"]["by_term"] == {}
    assert report["summary"]["safety_flags"]["AE001"]["events"] == 2


def test_queries_quote_no_value(outputs: dict[str, str]) -> None:
    rows = list(csv.DictReader(io.StringIO(outputs["queries"].removeprefix("\ufeff"))))
    assert [r["RULE"] for r in rows if r["USUBJID"] == "ZP-2"] == ["DAT002"]
    assert all(r["VALUE"] == "" for r in rows)
    every = " ".join(r["QUERY"] for r in rows)
    assert re.search(r"[0-9]{4}-[0-9]{2}|417|834", every) is None, every


def test_without_the_flag_the_values_are_shown(tmp_path: Path) -> None:
    """The markers are reachable: without --hide-values, the same run shows them."""
    (tmp_path / "records").mkdir()
    folder = _records(tmp_path / "records")
    target = tmp_path / "report.html"
    main(["check", "-q", "--format", "html", "-o", str(target), str(folder)])
    page = target.read_text(encoding="utf-8")
    assert all(m in page for m in ("ZQX-term-1", "ZQX-condition-2", "2011-03-17", "2012-02-16"))
