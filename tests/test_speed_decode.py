"""orjson reads a record only where it gives exactly what the strict decoder gives.

Every text here is decoded twice: by :func:`decode_record` (orjson where it provably
agrees) and by the strict decoder alone; the value, or the refusal's message and
pointer, must be the same. The texts are the traps the strict decoder exists for
(duplicate keys, NaN, long and over-precise numbers, deep nesting, surrogates) and
random JSON with keys duplicated and colons inside strings.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol.records.fast_json import NOT_FAST, fast_decode
from protocol.records.json_input import JsonProblem, decode_record


def _both(text: str) -> tuple[Any, Any]:
    def outcome(decode: Any) -> Any:
        try:
            return ("value", decode())
        except JsonProblem as problem:
            return ("refused", str(problem), problem.pointer)

    raw = text.encode("utf-8", "surrogatepass")
    fast = outcome(lambda: decode_record(raw))
    strict = outcome(lambda: decode_record(raw, fast=False))
    return fast, strict


TRAPS = [
    '{"a": 1, "a": 2}',  # duplicate key: orjson would keep the last
    '{"x": {"a": 1, "b": 2, "a": 3}}',
    '{"a": ": not a key", "a": 1}',  # a colon string beside a duplicate
    '{"dose_mg": NaN}',
    '{"dose_mg": Infinity}',
    '{"dose_mg": 2.99999999999999999}',  # over-precise: the strict decoder refuses it
    '{"dose_mg": 400.0000000000000001}',
    '{"n": 12345678901234567890123}',  # beyond 64 bits
    '{"n": 9007199254740993}',  # 2^53 + 1: exact as an int, not as a double
    '{"n": 1e400}',
    '{"n": -0}',
    '{"s": "\\ud800"}',  # a lone surrogate escape
    '{"s": "caf\\u00e9"}',
    "[" * 40 + "]" * 40,  # deeper than a record may be
    "[" * 950 + "]" * 950,  # deep enough for Python's json to run out of stack
    '{"a": 1',  # cut short
    '{"a": 1}{"b": 2}',  # two values
    "",
    "   ",
    '{"a":\t1 ,\n"b" :2}',
]


@pytest.mark.parametrize("text", TRAPS)
def test_the_traps_are_decided_as_strictly_as_before(text: str) -> None:
    fast, strict = _both(text)
    assert fast == strict


def test_a_duplicate_key_is_still_refused_by_name() -> None:
    with pytest.raises(JsonProblem) as refused:
        decode_record(b'{"patient_id": "P1", "cohort": "x", "patient_id": "P2"}')
    assert str(refused.value).startswith("field 'patient_id' appears twice in the record")
    assert refused.value.pointer == "/patient_id"


def test_the_fast_path_is_taken_for_a_plain_record() -> None:
    text = '{"patient_id": "P1", "tace": [{"date": "2012-03-01"}], "dose_mg": 400}'
    assert fast_decode(text) == json.loads(text)
    # and left for the strict decoder when a float, an escape or a duplicate is there
    assert fast_decode('{"dose_mg": 400.5}') is NOT_FAST
    assert fast_decode('{"term": "a\\"b"}') is NOT_FAST
    assert fast_decode('{"a": 1, "a": 1}') is NOT_FAST


_KEYS = st.sampled_from(["a", "b", "a:b", ":", "", "é", "date"])
_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**17), 10**17),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet=st.sampled_from('ab: "\\é\u2028'), max_size=5),
)
_JSON = st.recursive(
    _LEAVES,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_KEYS, inner, max_size=3)),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(_JSON, st.booleans(), st.booleans())
def test_random_json_is_decided_the_same(value: Any, duplicate: bool, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    if duplicate and text.startswith("{") and text != "{}":
        text = '{"a": 0, "a": 1, ' + text[1:]  # a duplicate, first in the object
    fast, strict = _both(text)
    assert fast == strict
