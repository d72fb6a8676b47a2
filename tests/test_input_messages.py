"""Input-error messages a clinician reads right, and errors that reach the record's site.

Issue 10: "0 has the wrong type" named a list item by its position alone; messages now
name the place as a data manager reads it (``tace[0]``, ``sorafenib[2].dose_mg``) while
the JSON Pointer stays in ``location``; "not a null" reads "found null". An error about a
record carries the record's site when its ``site_id`` is valid, so the query reaches the
site. Field names are shown with values hidden; a key that is not written like a field
name (it may be data) and an unknown Session event kind longer than a short identifier
are described, not quoted. Every expected text below is written from the record format
(PROTOCOL.md, the schema's ``x-expected`` wording), not from the checker's output.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from protocol import Session
from protocol.api import check, check_paths
from protocol.findings import RecordError
from protocol.records import load_record
from protocol.records.json_input import JsonProblem, decode_record, readable_path

GOOD: dict[str, Any] = json.loads(
    (Path(__file__).parent / "malformed" / "good-record.json").read_text(encoding="utf-8")
)
DOSE_WORDS = "a dose in mg per administration, more than 0 and at most 10000"
GRADE_WORDS = "a CTCAE grade, a whole number from 1 to 5"


def _record(**changes: Any) -> dict[str, Any]:
    record = copy.deepcopy(GOOD)
    record.update(changes)
    return record


def _errors(record: Any) -> list[RecordError]:
    model, errors = load_record(record, "r.json")
    assert model is None
    return errors


def _only(record: Any) -> RecordError:
    errors = _errors(record)
    assert len(errors) == 1, [e.text() for e in errors]
    return errors[0]


def _period(dose: Any) -> dict[str, Any]:
    return {
        "start_date": "2012-01-01",
        "end_date": "2012-02-01",
        "dose_mg": dose,
        "frequency": "BID",
        "reason": "initial",
    }


def _event(grade: Any) -> dict[str, Any]:
    return {
        "term": "Hand-foot skin reaction",
        "grade": grade,
        "onset_date": "2012-01-10",
        "action_taken": "dose_not_changed",
    }


# --- item 1: the place named as it is read, the kind found in words -----------------------


@pytest.mark.parametrize(
    ("parts", "words"),
    [
        (["tace", 0, "date"], "tace[0].date"),
        (["sorafenib", 2, "dose_mg"], "sorafenib[2].dose_mg"),
        (["cohort"], "cohort"),
        ([], "the record"),
        (["x-y", 1], '["x-y"][1]'),
        (["Yamada Taro", "c"], "[...].c"),
    ],
)
def test_a_place_reads_as_a_path_of_names_and_positions(parts: list[Any], words: str) -> None:
    assert readable_path(parts) == words


def test_a_list_item_of_the_wrong_kind_is_named_by_its_list_and_position() -> None:
    tace = [None, {"date": "2011-12-12"}]
    error = _only(_record(tace=tace))
    assert error.location == "/tace/0"
    assert error.text() == "tace[0] is null; expected an object ({...})"
    assert error.text(hide_values=True) == error.text()  # null is said once, in words


def test_a_field_of_the_third_period_is_named_with_its_period() -> None:
    periods = [_period(400), _period(400), _period("400")]
    periods[1]["start_date"], periods[2]["start_date"] = "2012-02-02", "2012-03-01"
    error = _only(_record(sorafenib=periods))
    assert error.location == "/sorafenib/2/dose_mg"
    assert error.text() == (
        f'sorafenib[2].dose_mg is a text string (found "400"); expected {DOSE_WORDS}'
    )
    assert error.text(hide_values=True) == (
        f"sorafenib[2].dose_mg is a text string; expected {DOSE_WORDS}"
    )


@pytest.mark.parametrize(
    ("grade", "text"),
    [
        (None, f"adverse_events[0].grade is null; expected {GRADE_WORDS}"),
        (3.5, f"adverse_events[0].grade is a number with a fraction (found 3.5); "
              f"expected {GRADE_WORDS}"),
        (0, f"adverse_events[0].grade is out of range (found 0); expected {GRADE_WORDS}"),
    ],
)  # fmt: skip
def test_a_grade_of_the_wrong_kind_or_out_of_range_says_which(grade: Any, text: str) -> None:
    assert _only(_record(adverse_events=[_event(grade)])).text() == text


def test_a_record_that_is_not_an_object_says_what_was_found() -> None:
    for value, found in [(None, "null"), ([], "a list ([...])"), ("P01", "a text string")]:
        error = _only(value)
        assert error.text() == f"a patient record is a JSON object ({{...}}); found {found}"
        assert "not a" not in error.text()


def test_a_missing_nested_field_names_the_item_it_is_missing_from() -> None:
    imaging = [{"date": "2011-11-20", "modality": "CT"}]
    error = _only(_record(imaging=imaging))
    assert (error.location, error.text()) == (
        "/imaging/0/result",
        "required field 'result' is missing from imaging[0]",
    )


def test_an_empty_site_id_is_called_empty_with_a_singular_character() -> None:
    error = _only(_record(site_id=""))
    assert error.text() == "site_id is empty; expected at least 1 character"


def test_a_null_where_an_enum_value_belongs_says_null_once() -> None:
    error = _only(_record(cohort=None))
    assert error.text() == (
        'cohort is null; expected one of "sorafenib_after_tace", "tace_alone_control"'
    )


def _decode_problem(text: str) -> JsonProblem:
    with pytest.raises(JsonProblem) as caught:
        decode_record(text.encode())
    return caught.value


def test_a_refused_number_and_a_duplicated_field_are_named_by_their_place() -> None:
    number = _decode_problem('{"sorafenib": [{}, {}, {"dose_mg": 1e400}]}')
    assert number.pointer == "/sorafenib/2/dose_mg"
    assert number.message.startswith("sorafenib[2].dose_mg: the number is too large")
    twice = _decode_problem('{"tace": [{"date": "2012-01-01", "date": "2012-01-02"}]}')
    assert twice.pointer == "/tace/0/date"
    assert twice.message.startswith("field 'date' appears twice in tace[0];")


def test_a_python_value_is_named_by_its_place() -> None:
    errors = check(_record(tace=[{"date": date(2011, 7, 4)}]))
    assert isinstance(errors, list)
    assert [(e.location, e.message.split(";")[0]) for e in errors] == [
        ("/tace/0/date", "tace[0].date is a Python date, not a JSON value")
    ]


def test_a_record_that_contains_itself_is_an_error_not_a_hang() -> None:
    record = _record()
    record["tace"] = [record]
    errors = check(record)
    assert isinstance(errors, list)
    assert [(e.location, e.message) for e in errors] == [
        ("/tace/0", "tace[0] contains itself (a cycle), which no JSON value can")
    ]


def test_the_same_object_in_two_places_is_no_cycle() -> None:
    shared = {"date": "2011-07-04"}
    record = _record(tace=[shared, {"date": "2011-12-12"}])
    record["tace"].append(shared)  # TACE #1 twice: a data problem for the rules, not input
    assert not isinstance(check(record), list)


def test_text_beyond_ascii_is_read_and_a_lone_surrogate_found_in_it() -> None:
    japanese = _record(adverse_events=[dict(_event(2), term="手足症候群")])
    assert not isinstance(check(japanese), list)
    broken = _record(adverse_events=[dict(_event(2), term="手足\ud800")])
    errors = check(broken)
    assert isinstance(errors, list)
    assert [e.location for e in errors] == ["/adverse_events/0/term"]


# --- item 2: the site of a record that fails validation -----------------------------------


def test_every_error_of_a_record_with_a_valid_site_id_carries_that_site() -> None:
    errors = _errors(_record(cohort="sorafenib", tace=[{"date": "2012-02-30"}]))
    assert [e.location for e in errors] == ["/cohort", "/tace/0/date"]
    assert {(e.patient_id, getattr(e, "site_id", None)) for e in errors} == {("GOOD-001", "S01")}


@pytest.mark.parametrize("site_id", ["S" * 65, "", 7])
def test_an_invalid_site_id_routes_nowhere(site_id: Any) -> None:
    errors = _errors(_record(cohort="sorafenib", site_id=site_id))
    assert {getattr(e, "site_id", None) for e in errors} == {None}


def test_identifiers_are_judged_on_their_own_when_the_error_list_is_cut() -> None:
    # 60 unknown fields sort before /patient_id: the list stops at 50, and the error about
    # the invalid patient id (a name) is among those left out; it must still not be shown.
    record = _record(patient_id="Yamada Taro", site_id="S01")
    record.update({f"a{i:02}": 1 for i in range(60)})
    errors = _errors(record)
    assert len(errors) == 51
    assert "/patient_id" not in {e.location for e in errors}
    assert {(e.patient_id, getattr(e, "site_id", None)) for e in errors} == {(None, "S01")}


def test_an_input_error_without_a_site_is_a_plain_record_error() -> None:
    record = _record(cohort="sorafenib")
    del record["site_id"]
    error = _only(record)
    assert type(error) is RecordError and error.patient_id == "GOOD-001"


# --- item 3: field names with values hidden ------------------------------------------------


def test_a_misspelt_field_is_named_even_with_values_hidden() -> None:
    tace = [{"date": "2011-07-04", "tace_dat": "2011-07-04"}, {"date": "2011-12-12"}]
    error = _only(_record(tace=tace))
    assert error.location == "/tace/0/tace_dat"
    assert error.text(hide_values=True).startswith("unknown field 'tace_dat' in tace[0];")


def test_a_key_not_written_like_a_field_name_is_described_with_values_hidden() -> None:
    record = _record()
    record["diagnosis"] = dict(record["diagnosis"], **{"Yamada Taro": "HCC"})
    error = _only(record)
    assert error.location == "/diagnosis/Yamada Taro"  # the pointer still finds it
    hidden = error.text(hide_values=True)
    assert hidden.startswith(
        "unknown field in diagnosis, with a name of 11 characters that is not written like "
        "a field name; expected only the fields of the record format"
    )
    shown = error.to_dict(hide_values=True)
    assert "Yamada" not in hidden and "Yamada" not in shown["message"] + shown["expected"]
    assert 'it is named "Yamada Taro"' in error.text()


def test_a_duplicated_key_not_written_like_a_field_name_is_not_quoted() -> None:
    problem = _decode_problem('{"Yamada Taro": 1, "Yamada Taro": 2}')
    assert problem.pointer == "/Yamada Taro"
    assert problem.message.startswith("a field appears twice in the record;")


# --- item 4: the Session's unknown event kind ---------------------------------------------


def _session() -> Session:
    return Session("P01", "sorafenib_after_tace", site_id="S01")


def test_a_short_unknown_event_kind_is_named_with_a_hint() -> None:
    (error,) = _session().add("adverse_event", _event(2))
    assert (error.location, error.message) == (
        "/adverse_event",
        "unknown event kind 'adverse_event'; did you mean 'adverse_events'?",
    )


@pytest.mark.parametrize(
    ("kind", "what"),
    [
        ("Yamada Taro, born 1950-03-02", "a text of 28 characters"),
        ("x" * 33, "a text of 33 characters"),
        (3, "a Python int, not text"),
    ],
)
def test_other_unknown_event_kinds_are_described_not_quoted(kind: Any, what: str) -> None:
    (error,) = _session().add(kind, {"date": "2012-01-01"})
    assert (error.location, error.message) == ("", f"unknown event kind ({what}, not shown)")
    assert error.expected is not None and error.expected.startswith("one of tace, imaging")


# --- item 6: records from the strict decoder skip the Python-value walk, same results ------


def test_a_folder_checked_from_files_gives_what_checking_each_record_gives(
    tmp_path: Path,
) -> None:
    bad = _record(patient_id="BAD-1", cohort="sorafenib")
    for name, record in [("good.json", GOOD), ("bad.json", bad)]:
        (tmp_path / name).write_text(json.dumps(record), encoding="utf-8")
    report = check_paths([tmp_path])
    single = check(GOOD, source=str(tmp_path / "good.json"))
    assert [p.to_dict() for p in report.patients] == [single.to_dict()]  # type: ignore[union-attr]
    assert [(e.location, e.patient_id, getattr(e, "site_id", None)) for e in report.errors] == [
        ("/cohort", "BAD-1", "S01")
    ]
