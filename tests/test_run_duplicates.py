"""A patient is checked once per run: later records with the same patient_id are input errors."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol.cohort import run_cohort
from protocol.packs import load_pack
from protocol.render import renderer_for

ROOT = Path(__file__).resolve().parent.parent
TACECHECK = str(Path(sys.executable).with_name("tacecheck"))
P01 = ROOT / "examples" / "p01-on-time.json"


def _tacecheck(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TACECHECK, *args], capture_output=True, text=True, timeout=120, cwd=cwd, check=False
    )


def test_the_same_file_given_twice_is_checked_once_with_two_workers() -> None:
    done = _tacecheck("check", "--format", "json", "--workers", "2", str(P01), str(P01))
    # The same file is the same data: read once, and said so; not a duplicate patient.
    assert done.returncode == 0  # P01 itself has nothing not met
    assert done.stderr == f"tacecheck: {P01} was named more than once; it was read once\n"
    report = json.loads(done.stdout)
    assert [p["patient_id"] for p in report["patients"]] == ["P01"]
    assert report["errors"] == []
    assert report["summary"]["patients"] == 1
    # P01 is eligible on time: group sorafenib_ge_4m counted once, not twice
    assert report["summary"]["groups"]["sorafenib_ge_4m"] == 1
    assert report["summary"]["endpoints"]["ttp"]["sorafenib_ge_4m"]["patients"] == 1


def test_a_second_file_with_the_same_patient_keeps_output_order(tmp_path: Path) -> None:
    record = json.loads(P01.read_text())
    (tmp_path / "a.json").write_text(json.dumps(record))
    (tmp_path / "b.json").write_text(json.dumps({**record, "patient_id": "P99"}))
    (tmp_path / "c.json").write_text(json.dumps(record))
    done = _tacecheck(
        "check", "--format", "json", "--workers", "2", "a.json", "c.json", "b.json", cwd=tmp_path
    )
    report = json.loads(done.stdout)
    assert [p["patient_id"] for p in report["patients"]] == ["P01", "P99"]
    assert [(e["source"], e["patient_id"]) for e in report["errors"]] == [("c.json", "P01")]
    assert "already checked from a.json" in report["errors"][0]["message"]
    assert done.returncode == 2


def _line(patient: str) -> str:
    return json.dumps(
        {"schema_version": "1", "patient_id": patient, "cohort": "tace_alone_control"}
    )


@settings(max_examples=25, deadline=None)
@given(
    ids=st.lists(st.sampled_from(["A", "B", "C", "D"]), min_size=1, max_size=12),
    chunk=st.integers(min_value=1, max_value=5),
)
def test_property_first_record_of_each_id_is_checked_and_later_ones_name_it(
    ids: list[str], chunk: int
) -> None:
    import tempfile

    pack = load_pack("tamai-2017")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "r.jsonl"
        path.write_text("".join(_line(i) + "\n" for i in ids))
        out = io.StringIO()
        result = run_cohort([path], pack, renderer_for("json", pack), out, chunk_records=chunk)
    report = json.loads(out.getvalue())
    first: dict[str, int] = {}
    for number, patient in enumerate(ids, start=1):
        first.setdefault(patient, number)
    assert [p["patient_id"] for p in report["patients"]] == list(first)
    expected_errors = [
        (f"{path}:{n}", f"patient {p} was already checked from {path}:{first[p]};")
        for n, p in enumerate(ids, start=1)
        if first[p] != n
    ]
    got = [(e["source"], e["message"].split(" this record")[0]) for e in report["errors"]]
    assert got == expected_errors
    assert report["summary"]["patients"] == len(first)
    assert result.summary.patients == len(first)
    assert result.exit_code == (2 if expected_errors else 1)  # controls without TACE: CTL002


@pytest.mark.parametrize(
    "source",
    [
        "cohort.jsonl:1",
        "cohort.jsonl:0",  # forms that would not come back the same are kept as text
        "cohort.jsonl:007",
        "cohort.jsonl:\u00b2",
        "C:\\study\\cohort.jsonl:5",
        "a:b:3",
        "records/p01.json",
        ":4",
        "cohort.jsonl:1099511627776",  # one past the lines held as a number
    ],
)
def test_the_first_source_comes_back_exactly(source: str) -> None:
    from protocol.cohort.first_seen import FirstSeen

    seen = FirstSeen()
    assert seen.earlier("P01", source) is None
    assert seen.earlier("P01", "later.jsonl:9") == source
    assert seen.earlier("P02", "later.jsonl:9") is None
