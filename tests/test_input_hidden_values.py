"""With values hidden, no submitted value appears in any error message (issue 9, item 7).

Marker values are planted in every field of invalid records; with ``hide_values`` no
error's text or dict may contain one. With values shown, the helpful forms stay
("February 2011 has 28 days, there is no day 29").
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol import Session, SessionError
from protocol.findings import RecordError
from protocol.records import load_record
from protocol.records.json_input import JsonProblem, decode_record

MARK = "ZQX1"
# Every field of the record format, each holding a value that is wrong and carries a marker.
MARKED: dict[str, Any] = {
    "schema_version": MARK,
    "patient_id": f"{MARK} Yamada",
    "cohort": MARK,
    "site_id": MARK * 20,
    "diagnosis": {"condition": MARK * 60, "date": MARK, "unresectable": MARK},
    "tace": [{"date": f"{MARK}-01-01", "technique": MARK}],
    "imaging": [{"date": MARK, "modality": MARK, "result": MARK}],
    "sorafenib": [
        {
            "start_date": MARK,
            "end_date": MARK,
            "dose_mg": MARK,
            "frequency": MARK,
            "reason": MARK,
        }
    ],
    "adverse_events": [
        {
            "term": MARK * 60,
            "grade": MARK,
            "onset_date": MARK,
            "resolution_date": MARK,
            "serious": MARK,
            "related_to_sorafenib": MARK,
            "action_taken": MARK,
        }
    ],
    "withdrawal": {"date": MARK, "reason": MARK * 200},
    "death_date": MARK,
    "last_contact_date": MARK,
    "data_cutoff_date": MARK,
}
# Values whose error depends on the value itself: dates that do not exist or are out of
# range, numbers out of range. Each string listed must not appear when hidden.
VALUED: list[tuple[dict[str, Any], list[str]]] = [
    ({"death_date": "2011-02-29"}, ["2011", "02-29", "February", "29"]),
    ({"last_contact_date": "1987-13"}, ["1987", "13"]),
    ({"data_cutoff_date": "2014-03"}, ["2014", "2014-03"]),
    ({"death_date": "9012-03-04"}, ["9012"]),
    ({"tace": [{"date": "0001-01-01"}]}, ["0001"]),
    (
        {
            "adverse_events": [
                {"term": "x", "grade": 7331, "onset_date": "2012", "action_taken": "unknown"}
            ]
        },
        ["7331"],
    ),
    (
        {
            "sorafenib": [
                {"start_date": "2012", "end_date": None, "dose_mg": 98765.4321, "frequency": "BID"}
            ]
        },
        ["98765"],
    ),
]
HEADER = {"schema_version": "1", "patient_id": "H-1", "cohort": "sorafenib_after_tace"}


def _texts(errors: list[RecordError]) -> str:
    return "\n".join(e.text(True) + json.dumps(e.to_dict(True), ensure_ascii=False) for e in errors)


def test_no_marker_survives_in_hidden_errors_of_a_record_marked_everywhere() -> None:
    model, errors = load_record(MARKED, "m.json")
    assert model is None
    assert len(errors) >= 29  # one per field (29 fields)
    assert MARK in "\n".join(e.text() for e in errors)  # the control: shown by default
    assert MARK not in _texts(errors)


@pytest.mark.parametrize(("fields", "secrets"), VALUED)
def test_value_dependent_messages_hide_the_value(
    fields: dict[str, Any], secrets: list[str]
) -> None:
    model, errors = load_record({**HEADER, **fields}, "v.json")
    assert model is None and errors
    hidden = _texts(errors)
    for secret in secrets:
        assert secret not in hidden, hidden


def test_an_impossible_date_is_explained_in_full_when_values_are_shown() -> None:
    [error] = load_record({**HEADER, "death_date": "2011-02-29"}, "v.json")[1]
    assert "February 2011 has 28 days, there is no day 29" in error.text()
    assert "not a real calendar date" in error.text(hide_values=True)
    assert "February 2011 has 28 days" in error.to_dict()["message"]


@pytest.mark.parametrize(
    "literal", ["2.99999999999999999", "1e400", "3" * 5000, "400.0000000000000001"]
)
def test_number_problems_never_quote_the_number(literal: str) -> None:
    with pytest.raises(JsonProblem) as caught:
        decode_record(f'{{"grade": {literal}}}'.encode())
    assert literal[:8] not in caught.value.message
    assert caught.value.value == literal


def test_a_session_error_message_never_quotes_the_header() -> None:
    with pytest.raises(SessionError) as caught:
        Session(f"{MARK} Yamada", MARK, site_id="")
    assert MARK not in str(caught.value)


# --- the class -----------------------------------------------------------------------------------

LEAVES = [
    ("schema_version",),
    ("patient_id",),
    ("cohort",),
    ("site_id",),
    ("death_date",),
    ("last_contact_date",),
    ("data_cutoff_date",),
]
marker = st.from_regex(r"\A[A-Za-z]{2}[0-9]{2}[A-Za-z]{2}\Z").filter(lambda m: not m.isdigit())
wrong = st.one_of(
    marker,
    marker.map(lambda m: m + "\n"),
    marker.map(lambda m: "2012-02-30 " + m),
    marker.map(lambda m: [m]),
    marker.map(lambda m: {m: m}),
)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(LEAVES), wrong, marker)
def test_no_planted_value_appears_in_hidden_errors(path: tuple[str], value: Any, mark: str) -> None:
    if path == ("patient_id",) and isinstance(value, str) and value.isalnum():
        value += " x"  # a valid id is the patient's label and is shown: make this one invalid
    record = {**HEADER, "tace": [{"date": mark}], path[0]: value}
    model, errors = load_record(record, "p.json")
    assert model is None
    planted = json.dumps(value).strip('"[]{}').split('"')[0].removesuffix("\\n")
    hidden = _texts(errors)
    assert mark not in hidden
    if not isinstance(value, dict):  # a dict's key is a field name, which errors do name
        assert planted not in hidden, (planted, hidden)
