"""Write-back rows: one tacecheck_findings instance per finding not met, never deleted.

P02 (examples/p02-late-start.json) starts sorafenib on day 26 after TACE #2 (2012-03-01):
TRT001 is not met at /sorafenib/0/start_date. Moved to 2012-03-20 (day 19) it is met.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from protocol import check
from protocol.redcap.writeback import finding_rows

ROOT = Path(__file__).resolve().parent.parent
KEY = "TRT001|/sorafenib/0/start_date|"


def _p02(start: str = "2012-03-27") -> Any:
    record = json.loads((ROOT / "examples" / "p02-late-start.json").read_text(encoding="utf-8"))
    record["sorafenib"][0]["start_date"] = start
    return check(record)


def _trt(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [row for row in rows if row["tcf_rule"] == "TRT001"]


def test_a_new_finding_gets_the_next_instance_whether_redcap_sends_numbers_or_text() -> None:
    held = [
        {"record_id": "P02", "redcap_repeat_instrument": "", "redcap_repeat_instance": ""},
        {"record_id": "P02", "redcap_repeat_instrument": "tacecheck_findings",
         "redcap_repeat_instance": 3, "tcf_key": "DOS001|/sorafenib/0/dose_mg|",
         "tcf_state": "0", "tcf_rule": "DOS001"},
        {"record_id": "P02", "redcap_repeat_instrument": "tacecheck_findings",
         "redcap_repeat_instance": "7", "tcf_key": "ELG001||", "tcf_state": "0",
         "tcf_rule": "ELG001"},
    ]  # fmt: skip
    rows = finding_rows("record_id", "P02", _p02(), None, held, 4, "2026-12-01 09:00:00")
    (trt,) = _trt(rows)
    assert trt["redcap_repeat_instrument"] == "tacecheck_findings"
    assert trt["redcap_repeat_instance"] == "8"  # after 7, the highest held, as text or not
    assert (trt["tcf_key"], trt["tcf_state"], trt["tcf_version"]) == (KEY, "1", "4")
    assert trt["tcf_checked"] == "2026-12-01 09:00:00"
    assert all(isinstance(value, str) for row in rows for value in row.values())
    # Resolved instances of other findings stay resolved and are not re-imported.
    assert not [row for row in rows if row["redcap_repeat_instance"] in ("3", "7")]


def test_an_unchanged_finding_writes_nothing_and_a_met_one_is_resolved_in_place() -> None:
    first = finding_rows("record_id", "P02", _p02(), None, [], 1, "2026-12-01 09:00:00")
    (trt,) = _trt(first)
    assert trt["redcap_repeat_instance"] == "1"
    # REDCap now holds what was imported (its instance comes back as an integer).
    held = [dict(row, redcap_repeat_instance=int(row["redcap_repeat_instance"])) for row in first]
    assert finding_rows("record_id", "P02", _p02(), None, held, 2, "2026-12-01 09:05:00") == []
    fixed = finding_rows("record_id", "P02", _p02("2012-03-20"), None, held, 3, "2026-12-01 10:00")
    (resolved,) = _trt(fixed)
    assert (resolved["redcap_repeat_instance"], resolved["tcf_state"]) == ("1", "0")
    assert resolved["tcf_message"] == trt["tcf_message"]  # what was wrong is kept
    # It comes back: re-opened in the same instance.
    held = [dict(row, redcap_repeat_instance=row["redcap_repeat_instance"]) for row in fixed]
    again = finding_rows("record_id", "P02", _p02(), None, held, 4, "2026-12-01 11:00:00")
    (reopened,) = _trt(again)
    assert (reopened["redcap_repeat_instance"], reopened["tcf_state"]) == ("1", "1")


def test_a_longitudinal_project_gets_the_configured_event() -> None:
    rows = finding_rows("subject", "P02", _p02(), None, [], 1, "x", event="checks_arm_1")
    assert {(row["subject"], row["redcap_event_name"]) for row in rows} == {("P02", "checks_arm_1")}
