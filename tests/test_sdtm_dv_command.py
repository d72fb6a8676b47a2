"""``tacecheck dv REPORT.json -o FILE``: the run's deviations as an SDTM DV domain."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyreadstat
import yaml

ROOT = Path(__file__).resolve().parent.parent
HAND = yaml.safe_load((ROOT / "tests" / "expectations" / "examples.yaml").read_text("utf-8"))
DEVIATION_RULES = {"TRT001", "TRT002", "DOS001", "DOS002", "DOS003", "DOS004", "AE002"}


def _tacecheck(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "protocol.cli", *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _hand_deviations() -> dict[str, int]:
    """Deviation findings not met per patient, from the hand-worked expectations."""
    out: dict[str, int] = {}
    for stem, expected in HAND.items():
        record = json.loads((ROOT / "examples" / f"{stem}.json").read_text("utf-8"))
        count = sum(
            statuses.count("not_met")
            for code, statuses in expected["findings"].items()
            if code in DEVIATION_RULES
        )
        if count:
            out[record["patient_id"]] = count
    return out


def test_dv_xpt_has_a_row_per_deviation_and_dvseq_counts_per_subject(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    run = _tacecheck("check", str(ROOT / "examples"), "-o", str(report), cwd=tmp_path)
    assert run.returncode == 1, run.stderr  # the examples hold deviations
    written = _tacecheck("dv", str(report), "-o", "dv.xpt", "--study-id", "TAMAI", cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    frame, meta = pyreadstat.read_xport(str(tmp_path / "dv.xpt"))
    per_subject = frame.groupby("USUBJID")["DVSEQ"].apply(list).to_dict()
    hand = _hand_deviations()
    assert {k: len(v) for k, v in per_subject.items()} == hand
    assert all(seqs == [float(i) for i in range(1, len(seqs) + 1)] for seqs in per_subject.values())
    assert set(frame["STUDYID"]) == {"TAMAI"} and set(frame["DOMAIN"]) == {"DV"}
    assert meta.column_names_to_labels["DVTERM"] == "Protocol Deviation Term"


def test_dv_refuses_what_is_not_a_json_report(tmp_path: Path) -> None:
    (tmp_path / "notes.json").write_text(json.dumps({"hello": 1}), encoding="utf-8")
    refused = _tacecheck("dv", "notes.json", "-o", "dv.xpt", cwd=tmp_path)
    assert refused.returncode == 2 and "patients" in refused.stderr
    assert "Traceback" not in refused.stderr and not (tmp_path / "dv.xpt").exists()
    wrong = _tacecheck("dv", "notes.json", "-o", "dv.csv", cwd=tmp_path)
    assert wrong.returncode == 2 and ".xpt" in wrong.stderr


def test_dv_never_writes_over_its_report_and_fails_in_one_line(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    _tacecheck("check", str(ROOT / "examples"), "-o", str(report), cwd=tmp_path)
    before = report.read_bytes()
    onto_input = _tacecheck("dv", "report.json", "-o", "report.json", cwd=tmp_path)
    assert onto_input.returncode == 2 and "also an input" in onto_input.stderr
    assert report.read_bytes() == before
    missing = _tacecheck("dv", "report.json", "-o", "no/such/folder/dv.xpt", cwd=tmp_path)
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    too_long = _tacecheck(
        "dv", "report.json", "-o", "dv.xpt", "--study-id", "X" * 201, cwd=tmp_path
    )
    assert too_long.returncode == 2 and "200 characters" in too_long.stderr
    for run in (onto_input, missing, too_long):
        assert "Traceback" not in run.stderr and len(run.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]
