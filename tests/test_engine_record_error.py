"""RecordError never raises and never emits NaN/Infinity, whatever ``value`` holds (issue 9).

An input error is the one thing a user must always get back: its text and its JSON form
must survive any value a reader could have picked up (dates, bytes, sets, NaN, non-string
keys, an integer of thousands of digits, a lone surrogate).
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from protocol.findings import RecordError

_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**4000, max_value=10**5000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),
    st.binary(max_size=200),
    st.dates(),
    st.datetimes(),
    st.just(float("nan")),
    st.just(object()),
)
_KEYS = st.one_of(st.text(max_size=5), st.integers(), st.booleans(), st.none(), st.dates())
_VALUES = st.recursive(
    _LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.tuples(inner, inner),
        st.frozensets(st.one_of(st.integers(), st.text(max_size=3)), max_size=5),
        st.dictionaries(_KEYS, inner, max_size=5),
    ),
    max_leaves=20,
)


def _strict(data: Any) -> str:
    """JSON text the standard way, refusing NaN and Infinity (raises if any is present)."""
    return json.dumps(data, allow_nan=False, ensure_ascii=False)


@settings(max_examples=300, deadline=None)
@given(value=_VALUES, hide=st.booleans())
def test_text_and_to_dict_never_raise_nor_emit_nan(value: Any, hide: bool) -> None:
    error = RecordError("a.json", "/tace/0/date", "not a date", "YYYY-MM-DD", value, True)
    text = error.text(hide)
    assert text.startswith("not a date")
    text.encode("utf-8")  # writable to any UTF-8 report
    data = error.to_dict(hide)
    encoded = _strict(data)
    encoded.encode("utf-8")
    assert ("value" in data) is not hide
    assert data["message"] == text


def test_hand_picked_values_are_shown_plainly() -> None:
    cases: list[tuple[Any, str]] = [
        (date(2012, 3, 1), '"2012-03-01"'),
        (datetime(2012, 3, 1, 10, 30), '"2012-03-01T10:30:00"'),
        (b"\xff\x00", "\"b'\\\\xff\\\\x00'\""),
        ({3, 1, 2}, "[1, 2, 3]"),
        (float("nan"), '"nan"'),
        (float("-inf"), '"-inf"'),
        ({1: "a", None: "b"}, '{"1": "a", "null": "b"}'),
        ("\ud800x", '"\\\\ud800x"'),
    ]
    for value, shown in cases:
        error = RecordError("a.json", "/x", "bad", None, value, True)
        assert error.text() == f"bad (found {shown})", value
        _strict(error.to_dict())


def test_a_5000_digit_integer_is_summarised_not_raised() -> None:
    value = 10**5000
    error = RecordError("a.json", "/dose_mg", "too large", "at most 10000", value, True)
    assert error.text() == (
        'too large (found "an integer of about 5001 digits"); expected at most 10000'
    )
    data = error.to_dict()
    assert data["value"] == "an integer of about 5001 digits"
    assert not any(isinstance(v, float) and not math.isfinite(v) for v in data.values())
