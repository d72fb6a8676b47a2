"""At most MAX_ERRORS_PER_RECORD errors per record, then one saying how many more (item 8).

88,000 unknown fields once made a 49 MB report; now they make 50 errors and one
"... and 87,950 more problems" error.
"""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from protocol import check_paths
from protocol.records import load_record
from protocol.records.validation import MAX_ERRORS_PER_RECORD

HEADER = {"schema_version": "1", "patient_id": "CAP-1", "cohort": "tace_alone_control"}


def test_88000_unknown_fields_give_50_errors_and_a_count_of_the_rest(tmp_path: Path) -> None:
    assert MAX_ERRORS_PER_RECORD == 50
    record = {**HEADER, **{f"x{i:05d}": 1 for i in range(88_000)}}
    path = tmp_path / "wide.json"
    path.write_text(json.dumps(record, separators=(",", ":")), encoding="utf-8")  # < 1 MB
    report = check_paths([path])
    assert len(report.errors) == 51
    assert [e.location for e in report.errors[:2]] == ["/x00000", "/x00001"]
    last = report.errors[-1]
    assert last.location == ""
    assert "... and 87,950 more problems in this record" in last.message
    size = len(json.dumps([e.to_dict() for e in report.errors]))
    assert size < 100_000  # was 49 MB


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 140), st.integers(0, 3))
def test_errors_are_capped_and_the_rest_counted(unknown: int, bad_dates: int) -> None:
    record = {**HEADER, **{f"zz{i:03d}": 1 for i in range(unknown)}}
    record["tace"] = [{"date": "2012-02-30"} for _ in range(bad_dates)]
    _, errors = load_record(record, "r.json")
    total = unknown + bad_dates
    if total <= 50:
        assert len(errors) == total
        assert not any("more problems" in e.message for e in errors)
    else:
        assert len(errors) == 51
        assert f"... and {total - 50:,} more problems" in errors[-1].message
