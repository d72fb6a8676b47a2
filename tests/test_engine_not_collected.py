"""The not-collected decision: a section the source did not collect makes the rules that
read it not evaluable, and each rule's ``reads`` in the pack covers what its decision
depends on.

The second half of the file checks the pack's ``reads`` lists themselves: removing from a
record any section a rule does not read must leave that rule's finding unchanged, on the
shipped examples and on generated records.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from record_strategies import patient_records

from protocol.engine import check_record
from protocol.findings import Eligibility, PatientResult, Status
from protocol.packs import load_pack
from protocol.records import load_record

ROOT = Path(__file__).resolve().parent.parent
PACK = load_pack("tamai-2017")
LISTS = ("tace", "imaging", "sorafenib", "adverse_events")
SINGLE = ("diagnosis", "withdrawal", "death_date", "last_contact_date")
NO_PR_RS = {"tace": "no PR dataset", "imaging": "no RS dataset"}
TAIL = " Not collected is not the same as none; add the data to decide it."


def _example(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "examples" / name).read_text(encoding="utf-8"))


def _check(
    record: dict[str, Any], not_collected: dict[str, str] | None = None, as_of: date | None = None
) -> PatientResult:
    model, errors = load_record(record, "test")
    assert model is not None, errors
    return check_record(model, PACK, as_of, "test", not_collected)


def _by_rule(result: PatientResult) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for finding in result.findings:
        out.setdefault(finding.rule, []).append((str(finding.status), finding.message))
    return out


def test_on_time_patient_without_pr_and_rs() -> None:
    """P01 (on time, eligible, sorafenib >= 4 months) read from a folder without PR and RS."""
    result = _check(_example("p01-on-time.json"), NO_PR_RS)
    found = {f.rule: f for f in result.findings}
    both = "TACE procedures and tumour response assessments"
    assert found["ELG002"].status is Status.NOT_EVALUABLE
    assert found["ELG002"].message == (
        "ELG002 cannot be decided: it needs TACE procedures, not collected for this patient "
        "(no PR dataset)." + TAIL
    )
    for code in ("ELG003", "ELG004"):
        assert found[code].message == (
            f"{code} cannot be decided: it needs {both}, not collected for this patient "
            "(no PR dataset; no RS dataset)." + TAIL
        )
    # TRT001 reads TACE itself and the eligibility verdict, which RS left undetermined.
    assert found["TRT001"].status is Status.NOT_EVALUABLE
    assert found["TRT001"].evidence == {"not_collected": ["tace", "imaging"]}
    assert found["TRT002"].evidence == {"not_collected": ["tace", "imaging"]}
    assert found["DAT001"].evidence == {"not_collected": ["tace"]}
    for code in ("DAT003", "DAT004"):
        assert found[code].status is Status.NOT_EVALUABLE
    # What reads neither TACE nor imaging keeps its answer: P01's diagnosis, doses, AEs.
    for code in ("ELG001", "DOS001", "DOS002", "DOS004", "DAT002", "DAT005"):
        assert found[code].status is Status.MET, code
    assert found["DOS003"].status is Status.NOT_APPLICABLE
    assert result.eligibility is Eligibility.UNDETERMINED
    assert result.group == "unassigned"
    assert result.group_basis == "not collected"
    assert result.group_reason == (
        f"Not assigned: {both} not collected for this patient (no PR dataset; no RS dataset), "
        "so the eligibility or the sorafenib exposure the group depends on cannot be decided."
    )
    assert result.endpoints == {"ttp": None, "os": None}


def test_one_finding_per_rule_when_its_instances_are_unknown() -> None:
    """P07 has two grade 3 AEs (hypertension, ascites) and one dosing period: without EX,
    AE002 and AE003 cannot be decided (one finding each), but both grade 3 flags stand,
    since AE001 reads only the adverse events."""
    result = _check(_example("p07-grade3-no-dose-action.json"), {"sorafenib": "no EX dataset"})
    rules = _by_rule(result)
    assert [status for status, _ in rules["AE001"]] == ["not_met", "not_met"]
    assert rules["AE002"] == [
        (
            "not_evaluable",
            "AE002 cannot be decided: it needs sorafenib dosing, not collected for this "
            "patient (no EX dataset)." + TAIL,
        )
    ]
    assert [status for status, _ in rules["AE003"]] == ["not_evaluable"]
    for code in ("DOS001", "DOS002", "DOS003", "DOS004", "DAT002", "DAT005", "TRT001"):
        assert [status for status, _ in rules[code]] == ["not_evaluable"], code
    # Eligibility reads no dosing: P07 stays eligible, and the group needs the exposure.
    assert result.eligibility is Eligibility.ELIGIBLE
    assert [status for status, _ in rules["ELG003"]] == ["met"]
    assert result.group == "unassigned"
    assert result.group_reason.startswith("Not assigned: sorafenib dosing not collected")


def test_an_ineligible_verdict_from_collected_data_stands() -> None:
    """P22 is resectable (ELG001 not met): ineligible whatever RS would say, so TRT002 is
    decided; without RS only the rules reading imaging are not evaluable."""
    result = _check(_example("p22-resectable.json"), {"imaging": "no RS dataset"})
    rules = _by_rule(result)
    assert result.eligibility is Eligibility.INELIGIBLE
    assert [status for status, _ in rules["ELG001"]] == ["not_met"]
    assert [status for status, _ in rules["ELG003"]] == ["not_evaluable"]
    assert [status for status, _ in rules["TRT002"]] != ["not_evaluable"]
    assert [status for status, _ in rules["ELG002"]] == ["met"]


def test_nothing_not_collected_changes_nothing() -> None:
    record = _example("p02-late-start.json")
    assert _check(record, {}) == _check(record, None)


# --- the pack's reads lists --------------------------------------------------------------


def _without(record: dict[str, Any], section: str) -> dict[str, Any]:
    out = dict(record)
    if section in LISTS:
        out[section] = []
    else:
        out.pop(section, None)
    return out


def _verdict(result: PatientResult) -> tuple[Eligibility, list[str]]:
    """The eligibility verdict as the rules reading it see it: with the rules that failed."""
    failed = sorted(
        f.rule for f in result.findings if f.kind == "eligibility" and f.status is Status.NOT_MET
    )
    return result.eligibility, failed


def _reads_hold(record: dict[str, Any]) -> int:
    """For each section: every rule not reading it gives the same finding without it.

    A rule that reads ``eligibility`` may change when the verdict does. Returns how many
    (section, rule) pairs were compared."""
    model, errors = load_record(record, "test")
    assert model is not None, errors
    full = check_record(model, PACK, None, "test")
    as_of = date.fromisoformat(full.as_of)
    before = _by_rule(full)
    compared = 0
    for section in (*LISTS, *SINGLE):
        if section not in record:
            continue
        smaller, _ = load_record(_without(record, section), "test")
        if smaller is None:  # a record that cannot lose this section
            continue
        after_result = check_record(smaller, PACK, as_of, "test")
        after = _by_rule(after_result)
        verdict_changed = _verdict(after_result) != _verdict(full)
        for rule in [*PACK.rules_for(record["cohort"])]:
            if section in rule.reads or ("eligibility" in rule.reads and verdict_changed):
                continue
            compared += 1
            assert after[rule.code] == before[rule.code], (
                f"{rule.code} changed without {section}, which its reads omit"
            )
        group = PACK.group
        if section not in group.reads and not verdict_changed:
            assert (after_result.group, after_result.group_reason) == (
                full.group,
                full.group_reason,
            ), f"the group changed without {section}"
    return compared


def test_reads_cover_every_example() -> None:
    compared = sum(
        _reads_hold(_example(p.name)) for p in sorted((ROOT / "examples").glob("*.json"))
    )
    assert compared > 24 * 8  # each example compared for several sections and rules


@settings(
    max_examples=int(os.environ.get("TACECHECK_PROPERTY_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(patient_records())
def test_reads_cover_generated_records(record: dict[str, Any]) -> None:
    _reads_hold(record)
