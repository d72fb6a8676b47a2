"""Valid records load into the model; errors can be reported without patient values."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from protocol.dates import PartialDate
from protocol.records import PatientRecord, load_record, record_schema

MINIMAL = {"schema_version": "1", "patient_id": "P001", "cohort": "sorafenib_after_tace"}

FULL: dict[str, Any] = {
    "schema_version": "1",
    "patient_id": "P-001.a_B",
    "cohort": "sorafenib_after_tace",
    "site_id": "OSAKA-01",
    "diagnosis": {
        "condition": "hepatocellular_carcinoma",
        "date": "2011-06-15",
        "unresectable": True,
    },
    "tace": [
        {"date": "2011-07-04", "technique": "conventional"},
        {"date": "2011-12-12", "technique": "drug_eluting_beads"},
    ],
    "imaging": [
        {"date": "2011-11-20", "modality": "CT", "result": "progression"},
        {"date": "2012-03", "modality": "MRI", "result": "stable_disease"},
    ],
    "sorafenib": [
        {
            "start_date": "2011-12-26",
            "end_date": "2012-02-10",
            "dose_mg": 400,
            "frequency": "BID",
            "reason": "initial",
        },
        {
            "start_date": "2012-02-20",
            "end_date": None,
            "dose_mg": 400,
            "frequency": "QD",
            "reason": "adverse_event",
        },
    ],
    "adverse_events": [
        {
            "term": "hand-foot skin reaction",
            "grade": 3,
            "onset_date": "2012-02-08",
            "resolution_date": "2012-02-19",
            "serious": False,
            "related_to_sorafenib": True,
            "action_taken": "drug_interrupted",
        }
    ],
    "withdrawal": {"date": "2013-01", "reason": "patient decision"},
    "death_date": "2013-05-02",
    "last_contact_date": "2013-04-30",
    "data_cutoff_date": "2014-03-31",
}

PARTIAL_DATES: dict[str, Any] = {
    **MINIMAL,
    "diagnosis": {"condition": "hepatocellular_carcinoma", "date": "2011", "unresectable": True},
    "tace": [{"date": "2011-07"}, {"date": "2011-12-12"}],
    "imaging": [{"date": "2011-11", "result": "recurrence"}],
    "sorafenib": [
        {"start_date": "2011-12", "end_date": "2012", "dose_mg": 200, "frequency": "BID"}
    ],
    "adverse_events": [
        {"term": "fatigue", "grade": 2, "onset_date": "2012-01", "action_taken": "unknown"}
    ],
    "withdrawal": {"date": "2012", "reason": "moved away"},
    "death_date": "2013",
    "last_contact_date": "2012-12",
    "data_cutoff_date": "2014-03-31",  # a cut-off is always a full date
}

NULLS: dict[str, Any] = {
    **MINIMAL,
    "sorafenib": [
        {"start_date": "2012-01-10", "end_date": None, "dose_mg": 400, "frequency": "BID"}
    ],
    "adverse_events": [
        {
            "term": "hypertension",
            "grade": 3,
            "onset_date": "2012-02-01",
            "resolution_date": None,
            "related_to_sorafenib": None,
            "action_taken": "dose_not_changed",
        }
    ],
}

EDGES: dict[str, Any] = {
    **MINIMAL,
    "patient_id": "A" * 61 + "._-",  # 64 characters, all three punctuation marks
    "cohort": "tace_alone_control",
    "site_id": "S" * 64,
    "tace": [{"date": f"{1990 + i // 12}-{i % 12 + 1:02d}-01"} for i in range(200)],
    "sorafenib": [
        {"start_date": "2012-01-01", "end_date": "2012-01-31", "dose_mg": 0.5, "frequency": "QOD"},
        {"start_date": "2012-02-01", "end_date": None, "dose_mg": 10000, "frequency": "TID"},
    ],
    "adverse_events": [
        {"term": "x", "grade": 1, "onset_date": "2012-01-05", "action_taken": "not_applicable"},
        {"term": "y", "grade": 5, "onset_date": "2012-02-05", "action_taken": "drug_withdrawn"},
    ],
}

VALID = {"minimal": MINIMAL, "full": FULL, "partial-dates": PARTIAL_DATES, "nulls": NULLS}
VALID["edges"] = EDGES


def load_ok(record: dict[str, Any]) -> PatientRecord:
    model, errors = load_record(copy.deepcopy(record), "test.json")
    assert errors == [], [e.text() for e in errors]
    assert isinstance(model, PatientRecord)
    return model


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_records_load_without_errors(name: str) -> None:
    model = load_ok(VALID[name])
    assert model.patient_id == VALID[name]["patient_id"]
    assert model.cohort == VALID[name]["cohort"]


def test_the_full_record_uses_every_field_of_the_schema() -> None:
    schema = record_schema()
    props = schema["properties"]
    assert set(FULL) == set(props)
    assert set(FULL["diagnosis"]) == set(props["diagnosis"]["properties"])
    assert set(FULL["withdrawal"]) == set(props["withdrawal"]["properties"])
    for field in ("tace", "imaging", "sorafenib", "adverse_events"):
        used = set().union(*(set(item) for item in FULL[field]))
        assert used == set(props[field]["items"]["properties"]), field


def test_the_full_record_round_trips_through_the_model() -> None:
    model = load_ok(FULL)
    assert model.model_dump(mode="json", exclude_unset=True) == FULL


def test_minimal_record_has_empty_lists_and_no_optional_values() -> None:
    model = load_ok(MINIMAL)
    assert model.schema_version == "1"
    assert (model.tace, model.imaging, model.sorafenib, model.adverse_events) == ((), (), (), ())
    assert model.site_id is None and model.diagnosis is None and model.withdrawal is None
    assert model.death_date is None and model.data_cutoff_date is None


def test_full_record_values_are_typed() -> None:
    model = load_ok(FULL)
    assert model.tace[0].date == PartialDate(2011, 7, 4)
    assert model.diagnosis is not None and model.diagnosis.unresectable is True
    assert model.sorafenib[0].dose_mg == 400.0
    assert model.sorafenib[0].end_date == PartialDate(2012, 2, 10)
    assert model.sorafenib[1].end_date is None
    assert model.adverse_events[0].grade == 3
    assert model.adverse_events[0].related_to_sorafenib is True
    assert model.withdrawal is not None and str(model.withdrawal.date) == "2013-01"


def test_partial_dates_stay_partial() -> None:
    model = load_ok(PARTIAL_DATES)
    assert model.diagnosis is not None and model.diagnosis.date is not None
    assert model.diagnosis.date.precision == "year"
    assert str(model.diagnosis.date) == "2011"
    assert model.tace[0].date == PartialDate(2011, 7)
    assert model.sorafenib[0].start_date.precision == "month"
    assert str(model.sorafenib[0].end_date) == "2012"
    assert str(model.last_contact_date) == "2012-12"
    dumped = model.model_dump(mode="json", exclude_unset=True)
    assert dumped["imaging"][0]["date"] == "2011-11"
    assert dumped["death_date"] == "2013"


def test_nulls_where_the_format_allows_them() -> None:
    model = load_ok(NULLS)
    assert model.sorafenib[0].end_date is None
    assert model.adverse_events[0].resolution_date is None
    assert model.adverse_events[0].related_to_sorafenib is None


def test_the_model_is_read_only() -> None:
    model = load_ok(MINIMAL)
    with pytest.raises(ValidationError):
        model.patient_id = "P002"  # type: ignore[misc]


# Enum values copied by hand from PROTOCOL.md, "The patient record".
ENUM_VALUES = [
    *[("cohort", v) for v in ("sorafenib_after_tace", "tace_alone_control")],
    *[("technique", v) for v in ("conventional", "drug_eluting_beads", "other")],
    *[("modality", v) for v in ("CT", "MRI", "US", "angiography")],
    *[
        ("result", v)
        for v in (
            "progression",
            "recurrence",
            "complete_response",
            "partial_response",
            "stable_disease",
            "not_evaluable",
        )
    ],
    *[("frequency", v) for v in ("QD", "BID", "TID", "QOD")],
    *[("reason", v) for v in ("initial", "adverse_event", "escalation", "resumption", "other")],
    *[
        ("action_taken", v)
        for v in (
            "dose_not_changed",
            "dose_reduced",
            "drug_interrupted",
            "drug_withdrawn",
            "not_applicable",
            "unknown",
        )
    ],
]


def _with_enum(field: str, value: str) -> dict[str, Any]:
    record = copy.deepcopy(MINIMAL)
    if field == "cohort":
        record["cohort"] = value
    elif field == "technique":
        record["tace"] = [{"date": "2012-01-01", "technique": value}]
    elif field in ("modality", "result"):
        record["imaging"] = [{"date": "2012-01-01", "result": "progression", field: value}]
    elif field in ("frequency", "reason"):
        period = {"start_date": "2012-01-01", "end_date": None, "dose_mg": 400}
        record["sorafenib"] = [{**period, "frequency": "BID", field: value}]
    else:
        ae = {"term": "rash", "grade": 2, "onset_date": "2012-01-01"}
        record["adverse_events"] = [{**ae, "action_taken": value}]
    return record


@pytest.mark.parametrize(("field", "value"), ENUM_VALUES)
def test_every_enum_value_of_the_protocol_is_accepted(field: str, value: str) -> None:
    model = load_ok(_with_enum(field, value))
    assert value in json.dumps(model.model_dump(mode="json"))


# --- errors carry the patient, and can hide the values ---------------------------------------


def test_errors_name_the_patient_and_the_source() -> None:
    record = {**MINIMAL, "patient_id": "P-7", "cohort": "arm_b", "tace": [{"date": "2012-02-30"}]}
    model, errors = load_record(record, "site3/p7.json")
    assert model is None
    assert [e.location for e in errors] == ["/cohort", "/tace/0/date"]
    for error in errors:
        assert error.source == "site3/p7.json"
        assert error.patient_id == "P-7"
        assert error.to_dict()["patient_id"] == "P-7"
        assert error.to_dict()["source"] == "site3/p7.json"


SECRET_VALUES: dict[str, Any] = {
    "/patient_id": "Yamada Taro",
    "/cohort": "Yamada-cohort",
    "/site_id": "Yamada Hanako, 1-2-3 Kita-ku, Osaka, telephone 06-1234-5678, bed 12",
    "/diagnosis/condition": "Hepatitis C since 1987, " * 10,
    "/tace/0/date": "01/03/2012",
    "/imaging/0/result": "Yamada progression",
    "/sorafenib/0/dose_mg": "four hundred",
    "/adverse_events/0/term": "",
}


def _secret_record() -> dict[str, Any]:
    return {
        "schema_version": "1",
        "patient_id": SECRET_VALUES["/patient_id"],
        "cohort": SECRET_VALUES["/cohort"],
        "site_id": SECRET_VALUES["/site_id"],
        "diagnosis": {"condition": SECRET_VALUES["/diagnosis/condition"]},
        "tace": [{"date": SECRET_VALUES["/tace/0/date"]}],
        "imaging": [{"date": "2012-04-01", "result": SECRET_VALUES["/imaging/0/result"]}],
        "sorafenib": [
            {
                "start_date": "2012-01-01",
                "end_date": None,
                "dose_mg": SECRET_VALUES["/sorafenib/0/dose_mg"],
                "frequency": "BID",
            }
        ],
        "adverse_events": [
            {
                "term": SECRET_VALUES["/adverse_events/0/term"],
                "grade": 3,
                "onset_date": "2012-02-01",
                "action_taken": "unknown",
            }
        ],
    }


def test_every_bad_value_is_reported() -> None:
    _, errors = load_record(_secret_record(), "secret.json")
    assert {e.location for e in errors} == set(SECRET_VALUES)


def test_values_are_shown_unless_hidden() -> None:
    """The control for the next test: by default the offending value is shown."""
    _, errors = load_record(_secret_record(), "secret.json")
    shown = {e.location: e.text() for e in errors}
    assert "Yamada-cohort" in shown["/cohort"]
    assert "four hundred" in shown["/sorafenib/0/dose_mg"]
    assert "value" in next(e for e in errors if e.location == "/cohort").to_dict()


@pytest.mark.parametrize("location", sorted(k for k, v in SECRET_VALUES.items() if v))
def test_hide_values_leaves_no_patient_value_in_an_error(location: str) -> None:
    _, errors = load_record(_secret_record(), "secret.json")
    secret = SECRET_VALUES[location].strip(", ")
    # An invalid patient_id could be anything (a name): no error may echo it when hiding.
    # Any other value: the errors about it may not repeat it.
    concerned = (
        errors if location == "/patient_id" else [e for e in errors if e.location == location]
    )
    assert concerned
    for error in concerned:
        hidden = error.to_dict(hide_values=True)
        assert "value" not in hidden
        assert hidden["message"] == error.text(True)
        assert hidden["location"] == error.location
        rendered = json.dumps(hidden, ensure_ascii=False) + "\n" + error.text(True)
        assert secret not in rendered, rendered


# --- a value that is not an object ---------------------------------------------------------


@pytest.mark.parametrize("value", ["P001", 42, 4.2, True, None, [MINIMAL]])
def test_a_record_that_is_not_an_object_is_described_in_json_words(value: Any) -> None:
    model, errors = load_record(value, "stdin:1")
    assert model is None
    [error] = errors
    assert error.location == ""
    assert error.source == "stdin:1"
    assert "a patient record is a JSON object" in error.message
    # JSON's words, not Python's: a data manager does not know "str" or "NoneType".
    assert not re.search(r"\b(str|int|float|bool|dict|NoneType)\b", error.message), error.message


def test_cli_hide_values_keeps_patient_values_out_of_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from protocol.cli import main

    path = tmp_path / "secret.json"
    path.write_text(json.dumps(_secret_record()), encoding="utf-8")
    code = main(["check", "--format", "json", "--hide-values", str(path)])
    out = capsys.readouterr().out
    assert code == 2
    report = json.loads(out)
    assert {e["location"] for e in report["errors"]} == set(SECRET_VALUES)
    leaked = [v for v in SECRET_VALUES.values() if v and v.strip(", ") in out]
    assert leaked == []
