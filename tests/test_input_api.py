"""The Python API refuses what no JSON file can hold, with a pointer (issue 9, item 4).

``check()``, ``check_many()`` and ``Session`` take Python values; a ``datetime.date``,
bytes, a set, a tuple, NaN, Infinity or a non-text key is an input error
(a RecordError at the value's JSON Pointer), never an exception.
"""

from __future__ import annotations

import copy
import json
import math
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol import PatientResult, RecordError, Session, SessionError, check, check_many

GOOD = json.loads((Path(__file__).parent / "malformed" / "good-record.json").read_text())
AS_OF = date(2012, 6, 30)

NON_JSON: list[tuple[Any, str]] = [
    (math.nan, "NaN is not a valid JSON number"),
    (math.inf, "Infinity is not a valid JSON number"),
    (-math.inf, "Infinity is not a valid JSON number"),
    (date(2011, 12, 26), "is a Python date, not a JSON value"),
    (datetime(2011, 12, 26, 9, 0), "is a Python datetime, not a JSON value"),
    (b"2011-12-26", "is a Python bytes, not a JSON value"),
    ({400}, "is a Python set, not a JSON value"),
    ((400,), "is a Python tuple, not a JSON value; use a list"),
    (Decimal("400"), "is a Python Decimal, not a JSON value"),
    (object(), "is a Python object, not a JSON value"),
    (10**5000, "the number is too large to be held"),
]


@pytest.mark.parametrize(("value", "words"), NON_JSON, ids=[w for _, w in NON_JSON])
def test_check_refuses_a_non_json_value_at_its_pointer(value: Any, words: str) -> None:
    record = copy.deepcopy(GOOD)
    record["sorafenib"][0]["dose_mg"] = value
    result = check(record, as_of=AS_OF)
    assert isinstance(result, list)
    [error] = result
    assert error.location == "/sorafenib/0/dose_mg"
    assert words in error.text()
    assert error.to_dict()["location"] == "/sorafenib/0/dose_mg"  # renders without a crash


def test_a_non_text_key_is_an_input_error_at_its_object() -> None:
    record = copy.deepcopy(GOOD)
    record["diagnosis"][7] = "x"
    [error] = check(record, as_of=AS_OF)  # type: ignore[misc]
    assert error.location == "/diagnosis"
    assert "JSON object keys are text" in error.message


def test_check_many_goes_on_after_a_bad_record() -> None:
    bad = {**GOOD, "patient_id": "BAD", "death_date": date(2012, 1, 1)}
    items = list(check_many([("a", bad), ("b", GOOD)], as_of=AS_OF))
    assert [type(i) for i in items] == [RecordError, PatientResult]
    assert items[0].location == "/death_date"  # type: ignore[union-attr]


def test_a_session_refuses_a_python_date_event_and_keeps_its_record() -> None:
    session = Session("S-1", "sorafenib_after_tace", as_of=AS_OF)
    before = session.record
    result = session.add_tace(date(2011, 7, 4))  # type: ignore[arg-type]
    assert isinstance(result, list)
    assert [e.location for e in result] == ["/tace/0/date"]
    assert session.record == before


def test_a_session_with_an_invalid_patient_id_never_quotes_it() -> None:
    with pytest.raises(SessionError) as caught:
        Session("Yamada Taro", "sorafenib_after_tace")
    assert "Yamada" not in str(caught.value)
    assert "patient_id is not valid" in str(caught.value)
    assert "1-64 characters, each a letter, digit, '.', '_' or '-'" in str(caught.value)
    assert isinstance(caught.value, ValueError)  # callers catching ValueError still do
    assert caught.value.errors[0].value == "Yamada Taro"  # there for whoever may see it


# --- the class -----------------------------------------------------------------------------------

odd = st.one_of(
    st.sampled_from([math.nan, math.inf, -math.inf]),
    st.dates(),
    st.binary(max_size=4),
    st.frozensets(st.integers(), max_size=2),
    st.tuples(st.integers()),
    st.integers(min_value=2**1100, max_value=2**1200),
)


def _places(record: Any, pointer: str = "") -> list[str]:
    found = [pointer] if pointer else []
    if isinstance(record, dict):
        for key, child in record.items():
            found += _places(child, f"{pointer}/{key}")
    elif isinstance(record, list):
        for index, child in enumerate(record):
            found += _places(child, f"{pointer}/{index}")
    return found


PLACES = _places(GOOD)


def _put(record: Any, pointer: str, value: Any) -> None:
    *parents, last = pointer.split("/")[1:]
    for part in parents:
        record = record[int(part)] if isinstance(record, list) else record[part]
    record[int(last) if isinstance(record, list) else last] = value


@settings(max_examples=200, deadline=None)
@given(odd, st.sampled_from(PLACES))
def test_any_non_json_value_anywhere_is_an_error_at_that_place(value: Any, pointer: str) -> None:
    record = copy.deepcopy(GOOD)
    _put(record, pointer, value)
    result = check(record, as_of=AS_OF)
    assert isinstance(result, list)
    assert [e.location for e in result] == [pointer]
    assert result[0].text() and result[0].text(hide_values=True)
