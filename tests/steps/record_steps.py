"""Gherkin steps in the clinic's language for the features in features/.

A scenario builds a patient record (a plain dict, the canonical JSON form) step by
step, checks it as of a date with the protocol pack, and asserts on the findings,
the eligibility, the analysis group and the endpoints.

The pack is ``load_pack("tamai-2017")``, or the folder named by the environment
variable ``TACECHECK_PACK`` (used to run the features against a mutated pack).
"""

from __future__ import annotations

import datetime
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from pytest_bdd import given, parsers, then, when

from protocol import check, renderer_for, run_cohort
from protocol.packs import Pack, load_pack, load_pack_folder

DATE = r"(?P<date>\d{4}(?:-\d{2}){0,2})"
STATUS_WORDS = {
    "met": "met",
    "not met": "not_met",
    "pending": "pending",
    "not evaluable": "not_evaluable",
    "not applicable": "not_applicable",
}
STATUS = r"(?P<status>not met|met|pending|not evaluable|not applicable)"
CODE = r"(?P<code>[A-Z]{2,3}\d{3})"


def _pack() -> Pack:
    folder = os.environ.get("TACECHECK_PACK")
    if folder:
        return load_pack_folder(Path(folder))
    return load_pack("tamai-2017")


@pytest.fixture(scope="session")
def checker_pack() -> Pack:
    """The protocol pack the features run against."""
    return _pack()


@pytest.fixture
def outcome() -> dict[str, Any]:
    """What the When step produced, and which rule the last Then step spoke of."""
    return {"result": None, "rule": None, "instance": None}


# --- Given: the patient record ------------------------------------------------


def _new_record(cohort: str) -> dict[str, Any]:
    return {"schema_version": "1", "patient_id": "BDD-001", "cohort": cohort, "tace": []}


@given("a patient in the sorafenib arm", target_fixture="record")
def step_sorafenib_arm() -> dict[str, Any]:
    return _new_record("sorafenib_after_tace")


@given("a control patient", target_fixture="record")
def step_control_patient() -> dict[str, Any]:
    return _new_record("tace_alone_control")


@given(
    parsers.re(r"an? (?P<resectability>unresectable|resectable) hepatocellular carcinoma"),
)
def step_diagnosis(record: dict[str, Any], resectability: str) -> None:
    record["diagnosis"] = {
        "condition": "hepatocellular_carcinoma",
        "date": "2011-05-01",
        "unresectable": resectability == "unresectable",
    }


@given(parsers.re(r"an? (?P<resectability>unresectable|resectable) (?P<condition>[a-z_]+)$"))
def step_diagnosis_other(record: dict[str, Any], resectability: str, condition: str) -> None:
    record["diagnosis"] = {
        "condition": condition,
        "date": "2011-05-01",
        "unresectable": resectability == "unresectable",
    }


@given(parsers.re(r"TACE #(?P<number>\d+) on " + DATE + "$"))
def step_tace(record: dict[str, Any], number: str, date: str) -> None:
    # The number is for the reader: TACEs are numbered by date, not by the order given.
    record.setdefault("tace", []).append({"date": date, "technique": "conventional"})


@given(
    parsers.re(
        r"(?P<result>progression|recurrence|stable disease|partial response|complete response)"
        r" on (?P<modality>CT|MRI|US|angiography) on " + DATE + "$"
    )
)
def step_imaging(record: dict[str, Any], result: str, modality: str, date: str) -> None:
    record.setdefault("imaging", []).append(
        {"date": date, "modality": modality, "result": result.replace(" ", "_")}
    )


@given(
    parsers.re(
        r"sorafenib (?P<dose>\d+) mg (?P<frequency>QD|BID|TID|QOD) from (?P<start>\S+?)"
        r"(?: to (?P<end>\S+?))?(?: with reason (?P<reason>\w+))?$"
    )
)
def step_sorafenib(
    record: dict[str, Any],
    dose: str,
    frequency: str,
    start: str,
    end: str | None,
    reason: str | None,
) -> None:
    periods = record.setdefault("sorafenib", [])
    period: dict[str, Any] = {
        "start_date": start,
        "end_date": end,
        "dose_mg": int(dose),
        "frequency": frequency,
        "reason": reason or ("initial" if not periods else "other"),
    }
    periods.append(period)


@given(
    parsers.re(
        r'an? grade (?P<grade>\d) adverse event "(?P<term>[^"]+)" on (?P<onset>\S+?)'
        r"(?: resolved on (?P<resolved>\S+?))?"
        r"(?: with action (?P<action>\w+))?"
        r"(?P<unrelated>, unrelated to sorafenib)?$"
    )
)
def step_adverse_event(
    record: dict[str, Any],
    grade: str,
    term: str,
    onset: str,
    resolved: str | None,
    action: str | None,
    unrelated: str | None,
) -> None:
    record.setdefault("adverse_events", []).append(
        {
            "term": term,
            "grade": int(grade),
            "onset_date": onset,
            "resolution_date": resolved,
            "serious": int(grade) >= 3,
            "related_to_sorafenib": not unrelated,
            "action_taken": action or "dose_not_changed",
        }
    )


@given(parsers.re(r"death on " + DATE + "$"))
def step_death(record: dict[str, Any], date: str) -> None:
    record["death_date"] = date


@given(parsers.re(r"last contact on " + DATE + "$"))
def step_last_contact(record: dict[str, Any], date: str) -> None:
    record["last_contact_date"] = date


@given(parsers.re(r"withdrawal from the study on " + DATE + "$"))
def step_withdrawal(record: dict[str, Any], date: str) -> None:
    record["withdrawal"] = {"date": date, "reason": "patient decision"}


@given(parsers.re(r"data cutoff on " + DATE + "$"))
def step_cutoff(record: dict[str, Any], date: str) -> None:
    record["data_cutoff_date"] = date


@given(parsers.re(r"the source did not collect (?P<what>[^(]+?) \((?P<how>[^)]+)\)$"))
def step_not_collected(
    record: dict[str, Any], outcome: dict[str, Any], checker_pack: Pack, what: str, how: str
) -> None:
    """A section the source did not collect, in the pack's words ("TACE procedures")."""
    by_words = {words: name for name, words in checker_pack.params["section_names"].items()}
    assert what in by_words, f"no record section is called {what!r}: {sorted(by_words)}"
    record.pop(by_words[what], None)
    outcome.setdefault("not_collected", {})[by_words[what]] = how


@given("the record:", target_fixture="record")
def step_raw_record(docstring: str) -> dict[str, Any]:
    return json.loads(docstring)


@given(parsers.re(r'the same record in the files "(?P<first>[\w.-]+)" and "(?P<second>[\w.-]+)"$'))
def step_same_record_twice(
    record: dict[str, Any], outcome: dict[str, Any], tmp_path: Path, first: str, second: str
) -> None:
    files = [tmp_path / first, tmp_path / second]
    for path in files:
        path.write_text(json.dumps(record), encoding="utf-8")
    outcome["files"] = files


# --- When ---------------------------------------------------------------------


@when(parsers.re(r"the files are checked as one run as of (?P<as_of>\d{4}-\d{2}-\d{2})$"))
def step_check_run(outcome: dict[str, Any], checker_pack: Pack, as_of: str) -> None:
    outcome["run"] = run_cohort(
        outcome["files"],
        checker_pack,
        renderer_for("json", checker_pack),
        io.StringIO(),
        as_of=datetime.date.fromisoformat(as_of),
    )


@when(parsers.re(r"the record is checked as of (?P<as_of>\d{4}-\d{2}-\d{2})$"))
def step_check(
    record: dict[str, Any], outcome: dict[str, Any], checker_pack: Pack, as_of: str
) -> None:
    outcome["result"] = check(
        record,
        as_of=datetime.date.fromisoformat(as_of),
        pack=checker_pack,
        not_collected=outcome.get("not_collected"),
    )


@when("the record is checked with no as-of date")
def step_check_today(record: dict[str, Any], outcome: dict[str, Any], checker_pack: Pack) -> None:
    outcome["result"] = check(record, pack=checker_pack, not_collected=outcome.get("not_collected"))


# --- Then: the check date -----------------------------------------------------


@then(
    parsers.re(
        r"the check date is (?P<when>\d{4}-\d{2}-\d{2}) because of the"
        r" (?P<basis>option|data_cutoff_date)$"
    )
)
def step_check_date(outcome: dict[str, Any], when: str, basis: str) -> None:
    result = _result(outcome)
    assert (result.as_of, result.as_of_basis) == (when, basis), result.as_of_reason


@then("the check is as of today")
def step_check_today_date(outcome: dict[str, Any]) -> None:
    result = _result(outcome)
    assert (result.as_of, result.as_of_basis) == (datetime.date.today().isoformat(), "today")


# --- Then: findings -----------------------------------------------------------


def _result(outcome: dict[str, Any]) -> Any:
    result = outcome["result"]
    assert not isinstance(result, list), f"the record was refused: {result}"
    return result


def _findings(outcome: dict[str, Any], code: str, instance: str | None = None) -> list[Any]:
    result = _result(outcome)
    found = [f for f in result.findings if f.rule == code]
    if instance is not None:
        found = [f for f in found if f.instance == instance]
    assert found, (
        f"no {code} finding{' for ' + instance if instance else ''}; findings: "
        + ", ".join(f"{f.rule}[{f.instance}]={f.status}" for f in result.findings)
    )
    return found


def _describe(findings: list[Any]) -> str:
    return "; ".join(f"{f.rule}[{f.instance}] {f.status}: {f.message}" for f in findings)


@then(parsers.re(CODE + " is " + STATUS + "$"))
def step_rule_status(outcome: dict[str, Any], code: str, status: str) -> None:
    findings = _findings(outcome, code)
    outcome["rule"], outcome["instance"] = code, None
    wanted = STATUS_WORDS[status]
    assert all(str(f.status) == wanted for f in findings), (
        f"expected {code} {wanted}, got {_describe(findings)}"
    )


@then(
    parsers.re(r"(?P<what>period|adverse event) (?P<number>\d+)'s " + CODE + " is " + STATUS + "$")
)
def step_instance_status(
    outcome: dict[str, Any], what: str, number: str, code: str, status: str
) -> None:
    field = "sorafenib" if what == "period" else "adverse_events"
    instance = f"/{field}/{int(number) - 1}"
    findings = _findings(outcome, code, instance)
    outcome["rule"], outcome["instance"] = code, instance
    wanted = STATUS_WORDS[status]
    assert all(str(f.status) == wanted for f in findings), (
        f"expected {code} {wanted} for {instance}, got {_describe(findings)}"
    )


@then(parsers.re(r'the explanation says "(?P<text>[^"]+)"$'))
def step_explanation(outcome: dict[str, Any], text: str) -> None:
    assert outcome["rule"], "say which rule first (a 'Then <CODE> is ...' step)"
    findings = _findings(outcome, outcome["rule"], outcome["instance"])
    assert any(text in f.message for f in findings), (
        f"{text!r} not in the explanation: {_describe(findings)}"
    )


@then(parsers.re(r'the explanation does not say "(?P<text>[^"]+)"$'))
def step_explanation_not(outcome: dict[str, Any], text: str) -> None:
    assert outcome["rule"], "say which rule first (a 'Then <CODE> is ...' step)"
    findings = _findings(outcome, outcome["rule"], outcome["instance"])
    assert all(text not in f.message for f in findings), _describe(findings)


@then(parsers.re(r"the patient is (?P<eligibility>eligible|ineligible|pending|undetermined)$"))
def step_eligibility(outcome: dict[str, Any], eligibility: str) -> None:
    result = _result(outcome)
    assert str(result.eligibility) == eligibility, (
        f"eligibility is {result.eligibility}; findings: "
        + _describe([f for f in result.findings if f.rule[:3] in ("ELG", "CTL")])
    )


# --- Then: group and endpoints ------------------------------------------------


@then(parsers.re(r"the group is (?P<group>\w+)$"))
def step_group(outcome: dict[str, Any], group: str) -> None:
    result = _result(outcome)
    assert result.group == group, f"group is {result.group}: {result.group_reason}"


@then(parsers.re(r'the group reason says "(?P<text>[^"]+)"$'))
def step_group_reason(outcome: dict[str, Any], text: str) -> None:
    result = _result(outcome)
    assert text in result.group_reason, result.group_reason


@then(
    parsers.re(
        r"(?P<name>TTP|OS) is (?P<months>\d+(?:\.\d+)?) months"
        r" (?P<kind>with an event|censored)$"
    )
)
def step_endpoint(outcome: dict[str, Any], name: str, months: str, kind: str) -> None:
    result = _result(outcome)
    endpoint = result.endpoints.get(name.lower())
    assert endpoint is not None, f"no {name}: {result.endpoint_notes}"
    decimals = len(months.split(".")[1]) if "." in months else 0
    assert round(endpoint.months, decimals) == float(months), (
        f"{name} is {endpoint.months} months ({endpoint.days} days, {endpoint.start} to"
        f" {endpoint.end}, {endpoint.end_reason})"
    )
    assert endpoint.event is (kind == "with an event"), (
        f"{name} event={endpoint.event} ({endpoint.end_reason})"
    )


@then(parsers.re(r"there is no (?P<name>TTP|OS)$"))
def step_no_endpoint(outcome: dict[str, Any], name: str) -> None:
    result = _result(outcome)
    assert result.endpoints.get(name.lower()) is None, result.endpoints


# --- Then: the record format --------------------------------------------------


@then(parsers.re(r'the record is refused with an error mentioning "(?P<text>[^"]+)"$'))
def step_refused(outcome: dict[str, Any], text: str) -> None:
    errors = outcome["result"]
    assert isinstance(errors, list) and errors, f"the record was accepted: {errors}"
    assert any(text in e.message for e in errors), [e.message for e in errors]


@then(parsers.re(r'the error points at "(?P<pointer>[^"]*)"$'))
def step_error_location(outcome: dict[str, Any], pointer: str) -> None:
    errors = outcome["result"]
    assert isinstance(errors, list) and errors, f"the record was accepted: {errors}"
    assert any(e.location == pointer for e in errors), [e.location for e in errors]


@then("the record is accepted")
def step_accepted(outcome: dict[str, Any]) -> None:
    _result(outcome)


@then(
    parsers.re(
        r'the run reports an input error for "(?P<second>[\w.-]+)" naming the first source'
        r' "(?P<first>[\w.-]+)"$'
    )
)
def step_run_duplicate(outcome: dict[str, Any], second: str, first: str) -> None:
    run = outcome["run"]
    errors = [e for e in run.errors if Path(e.source).name == second]
    assert errors, [(e.source, e.message) for e in run.errors]
    assert any(str(outcome["files"][0]) in e.message and first in e.message for e in errors), [
        e.message for e in errors
    ]


@then(parsers.re(r"the run counts (?P<count>\d+) patients?$"))
def step_run_count(outcome: dict[str, Any], count: str) -> None:
    assert outcome["run"].summary.patients == int(count)


@then(parsers.re(r"there is no " + CODE + " finding$"))
def step_no_finding(outcome: dict[str, Any], code: str) -> None:
    result = _result(outcome)
    assert not [f for f in result.findings if f.rule == code], _describe(list(result.findings))
