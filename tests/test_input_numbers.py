"""Numbers are read exactly as written, or refused at their JSON Pointer (issue 9, items 1, 2, 6).

The rule (schema description, json_input docstring): a number is accepted when the
double it is read as, written back in its shortest form, has the value written.
Any number of at most 15 significant digits passes; 2.99999999999999999 (read as
3) and 400.0000000000000001 (read as 400) do not, nor 1e400 (Infinity), 1e-400
(0), nor an integer longer than any double.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol import check_paths
from protocol.records.json_input import JsonProblem, decode_record

GOOD = json.loads((Path(__file__).parent / "malformed" / "good-record.json").read_text())


def _with_number(pointer_field: str, literal: str) -> bytes:
    """The good record with one number replaced by ``literal`` exactly as written."""
    record = json.loads(json.dumps(GOOD))
    if pointer_field == "grade":
        record["adverse_events"] = [
            {
                "term": "hand-foot skin reaction",
                "grade": "@N@",
                "onset_date": "2012-01-20",
                "action_taken": "dose_reduced",
            }
        ]
    else:
        record["sorafenib"][0]["dose_mg"] = "@N@"
    return json.dumps(record).replace('"@N@"', literal).encode()


def _problem(raw: bytes) -> JsonProblem:
    with pytest.raises(JsonProblem) as caught:
        decode_record(raw)
    return caught.value


def test_a_grade_of_2_99999999999999999_raises_no_grade_3_flag_but_an_input_error(
    tmp_path: Path,
) -> None:
    path = tmp_path / "p.json"
    path.write_bytes(_with_number("grade", "2.99999999999999999"))
    report = check_paths([path])
    assert report.patients == []  # no AE001 grade-3 flag made up from a rounded number
    [error] = report.errors
    assert error.location == "/adverse_events/0/grade"
    assert "cannot be held exactly as written" in error.message
    assert "2.99999999999999999" not in error.text(hide_values=True)


def test_a_dose_of_400_0000000000000001_is_an_input_error_at_its_pointer() -> None:
    problem = _problem(_with_number("dose", "400.0000000000000001"))
    assert problem.pointer == "/sorafenib/0/dose_mg"
    assert problem.value == "400.0000000000000001"
    assert "400" not in problem.message


@pytest.mark.parametrize(
    ("literal", "words"),
    [
        ("1e400", "too large to be held (it would be read as Infinity)"),
        ("-1e400", "too large to be held (it would be read as Infinity)"),
        ("1e-400", "too close to zero to be held (it would be read as 0)"),
        ("4" + "0" * 5000, "5,001 digits long"),
    ],
)
def test_numbers_beyond_a_double_are_input_errors_at_their_pointer(
    literal: str, words: str
) -> None:
    problem = _problem(_with_number("dose", literal))
    assert problem.pointer == "/sorafenib/0/dose_mg"
    assert words in problem.message


@pytest.mark.parametrize(
    ("literal", "value"),
    [("400.5", 400.5), ("0.1", 0.1), ("400", 400), ("4E2", 400.0), ("200.0", 200.0)],
)
def test_numbers_a_clinician_writes_are_read_as_written(literal: str, value: float) -> None:
    assert decode_record(_with_number("dose", literal))["sorafenib"][0]["dose_mg"] == value


def test_a_5000_digit_number_stops_only_its_own_line(tmp_path: Path) -> None:
    good = json.dumps(GOOD)
    other = json.dumps({**GOOD, "patient_id": "GOOD-003"})
    path = tmp_path / "batch.jsonl"
    path.write_bytes(b"\n".join([good.encode(), _with_number("grade", "3" * 5000), other.encode()]))
    report = check_paths([path])
    assert [p.patient_id for p in report.patients] == ["GOOD-001", "GOOD-003"]
    [error] = report.errors
    assert (error.source, error.location) == (f"{path}:2", "/adverse_events/0/grade")


@pytest.mark.parametrize(
    ("text", "pointer", "words"),
    [
        ('{"a": {"b": [1, NaN]}}', "/a/b/1", "NaN is not a valid JSON number"),
        ('{"x/y": -Infinity}', "/x~1y", "-Infinity is not a valid JSON number"),
        ('{"a": [{"k": 1, "k": 2}]}', "/a/0/k", "field 'k' appears twice in a[0]"),
        ('{"death_date": "2013", "death_date": "2014"}', "/death_date", "appears twice"),
    ],
)
def test_duplicate_keys_nan_and_infinity_are_located(text: str, pointer: str, words: str) -> None:
    problem = _problem(text.encode())
    assert problem.pointer == pointer
    assert words in problem.message


# --- the class, not only the examples ------------------------------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(finite)
def test_every_float_written_in_its_shortest_form_is_read_as_that_float(value: float) -> None:
    assert decode_record(f'{{"n": {value!r}}}'.encode())["n"] == value


@settings(max_examples=300, deadline=None)
@given(st.decimals(allow_nan=False, allow_infinity=False, places=None), st.integers(1, 15))
def test_every_number_of_at_most_15_significant_digits_is_accepted(
    number: Decimal, digits: int
) -> None:
    sign, all_digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)
    kept = Decimal((sign, all_digits[:digits] or (0,), exponent + max(0, len(all_digits) - digits)))
    if not 1e-300 < abs(float(kept)) < 1e300:
        return  # near the limits of a double, where the rule refuses on purpose
    literal = str(kept)
    assert Decimal(repr(decode_record(f'{{"n": {literal}}}'.encode())["n"])) == kept


@settings(max_examples=300, deadline=None)
@given(finite.filter(lambda v: v != 0 and 1e-300 < abs(v) < 1e300), st.integers(1, 9))
def test_every_number_with_digits_past_what_a_double_holds_is_refused(
    value: float, tail: int
) -> None:
    mantissa, _, exponent = repr(value).partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    literal = mantissa + "0" * 17 + str(tail) + (f"e{exponent}" if exponent else "")
    problem = _problem(f'{{"dose_mg": {literal}}}'.encode())
    assert problem.pointer == "/dose_mg"
    assert problem.value == literal
    assert literal not in problem.message


@settings(max_examples=100, deadline=None)
@given(st.integers(310, 20_000), st.sampled_from(["", "-"]))
def test_every_integer_longer_than_a_double_is_refused_without_a_traceback(
    length: int, sign: str
) -> None:
    problem = _problem(f'{{"grade": {sign}{"9" * length}}}'.encode())
    assert problem.pointer == "/grade"
    assert f"{length:,} digits long" in problem.message
