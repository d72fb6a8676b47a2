"""Dates fall in 1900-01-01..2999-12-31, and the data cut-off is a full date (issue 9, item 3).

Year 9999 broke window arithmetic (TACE #1 + 6 months is past the calendar) and year
0001 broke the drawn timeline; both are now input errors at their pointer, naming the
range. A typo such as 2102 for 2012 is inside the range, so it still reaches DAT004.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol import RecordError, check
from protocol.dates import EARLIEST_YEAR, LATEST_YEAR
from protocol.records import load_record, record_schema

GOOD = json.loads((Path(__file__).parent / "malformed" / "good-record.json").read_text())
AS_OF = date(2012, 6, 30)


def _errors(record: dict[str, Any]) -> list[RecordError]:
    result = check(record, as_of=AS_OF)
    assert isinstance(result, list), "the record was checked although a date is out of range"
    return result


def test_the_schema_pattern_states_the_same_range_as_the_parser() -> None:
    pattern = re.compile(record_schema()["$defs"]["date"]["pattern"])
    assert (EARLIEST_YEAR, LATEST_YEAR) == (1900, 2999)
    assert pattern.match("1900-01-01") and pattern.match("2999-12") and pattern.match("2102")
    for outside in ("1899-12-31", "3000", "9012-01-01", "0001-01-01"):
        assert not pattern.match(outside), outside


def test_a_tace_in_year_9999_is_an_input_error_not_a_crash() -> None:
    record = {**GOOD, "tace": [{"date": "9999-08-01"}]}
    [error] = _errors(record)
    assert error.location == "/tace/0/date"
    assert "outside the accepted range of dates" in error.message
    assert error.expected == "a date from 1900-01-01 to 2999-12-31"


def test_a_death_in_year_0001_is_an_input_error() -> None:
    [error] = _errors({**GOOD, "death_date": "0001-01-01"})
    assert error.location == "/death_date"
    assert "1900-01-01 to 2999-12-31" in error.text()


def test_a_typo_2102_for_2012_still_reaches_dat004() -> None:
    record = copy.deepcopy(GOOD)
    record["imaging"].append({"date": "2102-01-15", "result": "stable_disease"})
    result = check(record, as_of=AS_OF)
    assert not isinstance(result, list)
    assert "not_met" in [str(s) for s in result.statuses("DAT004")]


@pytest.mark.parametrize("cutoff", ["2012-06", "2012"])
def test_a_partial_data_cutoff_is_an_input_error(cutoff: str) -> None:
    [error] = _errors({**GOOD, "data_cutoff_date": cutoff})
    assert error.location == "/data_cutoff_date"
    assert "is not a full date" in error.message
    assert "YYYY-MM-DD" in (error.expected or "")


def test_a_full_data_cutoff_is_accepted() -> None:
    model, errors = load_record({**GOOD, "data_cutoff_date": "2012-06-30"}, "x")
    assert errors == [] and model is not None
    assert str(model.data_cutoff_date) == "2012-06-30"


# --- the class -----------------------------------------------------------------------------------

DATE_FIELDS = [
    ("/diagnosis/date", lambda r, v: r["diagnosis"].__setitem__("date", v)),
    ("/tace/1/date", lambda r, v: r["tace"][1].__setitem__("date", v)),
    ("/imaging/0/date", lambda r, v: r["imaging"][0].__setitem__("date", v)),
    ("/sorafenib/0/start_date", lambda r, v: r["sorafenib"][0].__setitem__("start_date", v)),
    ("/sorafenib/0/end_date", lambda r, v: r["sorafenib"][0].__setitem__("end_date", v)),
    ("/death_date", lambda r, v: r.__setitem__("death_date", v)),
    ("/last_contact_date", lambda r, v: r.__setitem__("last_contact_date", v)),
    ("/data_cutoff_date", lambda r, v: r.__setitem__("data_cutoff_date", v)),
]
outside = st.dates().filter(lambda d: not EARLIEST_YEAR <= d.year <= LATEST_YEAR)


@settings(max_examples=150, deadline=None)
@given(outside, st.sampled_from([10, 7, 4]), st.sampled_from(DATE_FIELDS))
def test_every_date_outside_the_range_is_refused_at_its_pointer(
    day: date, length: int, field: Any
) -> None:
    pointer, put = field
    if pointer == "/data_cutoff_date":
        length = 10
    record = copy.deepcopy(GOOD)
    put(record, day.isoformat()[:length])
    model, errors = load_record(record, "x")
    assert model is None
    assert [(e.location, e.expected) for e in errors] == [
        (pointer, "a date from 1900-01-01 to 2999-12-31")
    ]


@settings(max_examples=100, deadline=None)
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)))
def test_any_accepted_date_can_be_checked_without_a_crash(day: date) -> None:
    record = copy.deepcopy(GOOD)
    record["tace"] = [{"date": day.isoformat()}]
    record.pop("data_cutoff_date")
    result = check(record, as_of=date(2999, 12, 31))
    assert not isinstance(result, list)
