"""Speed work never changes a report: the examples' and a generated cohort's, as parsed JSON.

The expected reports were written by the code as it stood before the speed
work of issue 15 (commit 4e77028), without the run's clock time: the examples'
in full (``speed_baseline/examples-report.json.gz``), the 2,000-record cohort's
as the SHA-256 of its canonical JSON (16 MB of report). A difference in either
is a changed verdict, message, location or count, never a matter of speed.

One wording changed on purpose since (commit e4ad68a): ELG001 names the qualifying
diagnosis in words and quotes any other condition as recorded. The report is compared
with that change undone (:func:`_worded_as_before`), so everything else still counts.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import json
from pathlib import Path
from typing import Any

from protocol.cli import main

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
COHORT_SHA256 = "c2e46a732481d294b4267319f482c62e3082e351bea98b1f1aaad25cc82c041b"


def _report(path: Path, as_of: str, out: Path) -> dict[str, Any]:
    """``tacecheck check PATH --as-of AS_OF -o OUT.json``, read back without the clock time.

    Sources are named as if the input had been given by its name alone.
    """
    main(["check", str(path), "--as-of", as_of, "-q", "-o", str(out)])
    text = out.read_text(encoding="utf-8").replace(str(path), path.name)
    report = json.loads(text)
    report.pop("run")
    report["summary"].pop("run")
    return _worded_as_before(report)


def _worded_as_before(report: dict[str, Any]) -> dict[str, Any]:
    """ELG001 as worded before e4ad68a: the condition's code as recorded, unquoted."""
    words, code = "hepatocellular carcinoma", "hepatocellular_carcinoma"
    for patient in report["patients"]:
        for finding in patient["findings"]:
            if finding["rule"] != "ELG001":
                continue
            shown = finding["evidence"]["condition_text"]
            before = code if shown == words else shown.removeprefix("'").removesuffix("'")
            message = finding["message"].replace(f" {shown},", f" {before},", 1)
            finding["message"] = message.replace(f"unresectable {words}.", f"unresectable {code}.")
            finding["evidence"]["condition_text"] = before
    return report


def _canonical(report: dict[str, Any]) -> str:
    return json.dumps(report, sort_keys=True, ensure_ascii=False)


def test_the_examples_report_is_unchanged(tmp_path: Path) -> None:
    with gzip.open(HERE / "speed_baseline" / "examples-report.json.gz", "rt") as handle:
        expected = json.load(handle)
    report = _report(ROOT / "examples", "2026-01-01", tmp_path / "report.json")
    assert len(report["patients"]) == 24
    for got, want in zip(report["patients"], expected["patients"], strict=True):
        assert got == want, got.get("patient_id")
    assert report == expected


def test_a_generated_cohort_report_is_unchanged(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("generate", ROOT / "benchmarks" / "generate.py")
    assert spec is not None and spec.loader is not None
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    path = tmp_path / "cohort.jsonl"
    assert generate.main(["2000", "--seed", "2017", "-o", str(path)]) == 0
    report = _report(path, "2014-06-30", tmp_path / "report.json")
    # 2,000 records: 1,983 checked patients and 17 with input errors (1% broken)
    assert (len(report["patients"]), len(report["errors"])) == (1983, 17)
    digest = hashlib.sha256(_canonical(report).encode()).hexdigest()
    assert digest == COHORT_SHA256
