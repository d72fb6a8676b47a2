"""Each bundled example gets the findings worked out by hand in tests/expectations."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import yaml

from protocol import PatientResult, check
from protocol.session import Session

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = yaml.safe_load((ROOT / "tests/expectations/examples.yaml").read_text())


def _result(stem: str) -> tuple[dict, PatientResult]:
    record = json.loads((ROOT / "examples" / f"{stem}.json").read_text())
    expected = EXPECTED[stem]
    result = check(record, as_of=date.fromisoformat(expected["as_of"]))
    assert isinstance(result, PatientResult), result
    return record, result


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_findings_match_hand_worked_expectations(stem: str) -> None:
    expected = EXPECTED[stem]
    _record, result = _result(stem)
    assert str(result.eligibility) == expected["eligibility"]
    assert result.group == expected["group"]
    actual = {}
    for finding in result.findings:
        actual.setdefault(finding.rule, []).append(str(finding.status))
    assert actual == expected["findings"]
    for code, fragments in (expected.get("messages") or {}).items():
        text = " | ".join(f.message for f in result.findings if f.rule == code)
        for fragment in fragments:
            assert fragment in text, f"{code}: {fragment!r} not in {text!r}"


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_endpoints_match_hand_worked_expectations(stem: str) -> None:
    expected = EXPECTED[stem].get("endpoints")
    _record, result = _result(stem)
    if expected is None:
        assert result.endpoints == {"ttp": None, "os": None}
        return
    for name in ("ttp", "os"):
        want, got = expected[name], result.endpoints[name]
        if want is None:
            assert got is None
            continue
        assert got is not None, result.endpoint_notes
        assert got.event is want["event"]
        assert got.months == pytest.approx(want["months"], abs=0.006)


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_incremental_session_agrees_with_one_shot_check(stem: str) -> None:
    record, result = _result(stem)
    session = Session.from_header(record, as_of=date.fromisoformat(EXPECTED[stem]["as_of"]))
    for event in Session.events_of(record):
        session.add(*event)
    final = session.result()
    assert [f.to_dict() for f in final.findings] == [f.to_dict() for f in result.findings]
    assert (final.eligibility, final.group) == (result.eligibility, result.group)
