"""The shortcuts of issue 15 give exactly what they replace, on any input.

- ``ordering.ordered``/``first`` sort by a cheap key and compute the content
  tie-breaker only on ties: the same as sorting (or ``min``) by both;
- a template compiled once fills in exactly what filling its parts in turn gives;
- the fast schema gate, with its ``$ref``s inlined, says yes exactly when it did.
"""

from __future__ import annotations

from typing import Any

import fastjsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol.engine.ordering import first, ordered
from protocol.packs import load_pack
from protocol.packs.templates import _filled, _parsed, placeholders, render
from protocol.records.validation import fast_record_check, record_schema

# (cheap key, content) pairs with many ties on the key and some on both
_ITEMS = st.lists(
    st.tuples(st.integers(0, 3), st.text("ab", max_size=2), st.integers()), max_size=12
)


@settings(max_examples=300, deadline=None)
@given(_ITEMS)
def test_ordered_is_sorting_by_key_then_content(items: list[tuple[int, str, int]]) -> None:
    calls: list[Any] = []

    def tie(item: tuple[int, str, int]) -> str:
        calls.append(item)
        return item[1]

    got = ordered(items, key=lambda x: x[0], tie=tie)
    assert got == sorted(items, key=lambda x: (x[0], x[1]))
    # the content is looked at only for items sharing their key with another
    keys = [x[0] for x in items]
    assert all(keys.count(x[0]) > 1 for x in calls)


@settings(max_examples=300, deadline=None)
@given(_ITEMS.filter(bool))
def test_first_is_min_by_key_then_content(items: list[tuple[int, str, int]]) -> None:
    got = first(items, key=lambda x: x[0], tie=lambda x: x[1])
    assert got is min(items, key=lambda x: (x[0], x[1]))


def test_ordered_keeps_input_order_on_full_ties() -> None:
    items = [(1, "a", 3), (0, "b", 1), (1, "a", 1), (1, "a", 2)]
    # key 0 first; then the three (1, "a") items as given
    assert ordered(items, key=lambda x: x[0], tie=lambda x: x[1]) == [
        (0, "b", 1),
        (1, "a", 3),
        (1, "a", 1),
        (1, "a", 2),
    ]


_PIECES = st.sampled_from(["{{", "}}", "a", " ", "{n}", "{x}", "{n:s}", "{n:is|are}", "{y}", "é"])
_VALUES = st.fixed_dictionaries(
    {},
    optional={
        "n": st.one_of(st.integers(-2, 3), st.floats(allow_nan=False), st.text(max_size=3)),
        "x": st.one_of(st.none(), st.booleans(), st.lists(st.floats(0, 9), max_size=3)),
        "y": st.text(max_size=4),
    },
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=8).map("".join), _VALUES)
def test_a_compiled_template_fills_what_its_parts_fill(template: str, values: dict) -> None:
    placeholders(template)  # a template the pack loader would accept
    assert render(template, values) == _filled(_parsed(template), values)


def test_the_packs_templates_read_as_written() -> None:
    pack = load_pack("tamai-2017")
    # every message of the pack, and two written here with the answer worked out by hand
    values = {"day": 1.0, "days": 2, "count": 1}
    for rule in pack.rules:
        for outcome in (*rule.outcomes, rule.otherwise):
            assert render(outcome.message, values) == _filled(_parsed(outcome.message), values)
    assert render("{days} day{days:s}, {count:is|are}", values) == "2 days, is"
    assert render("{day} day{day:s} {{not a field}}", values) == "1 day {not a field}"


def test_the_gate_still_reads_the_dates_definitions() -> None:
    check = fast_record_check()
    assert "$defs" in record_schema()  # the file still refers to its definitions
    record = {
        "schema_version": "1",
        "patient_id": "P1",
        "cohort": "tace_alone_control",
        "diagnosis": {"condition": "hepatocellular_carcinoma", "date": "2012-12"},
        "data_cutoff_date": "2014-03-31",
    }
    check(record)  # a partial date is a date
    record["diagnosis"]["date"] = "2012-13"  # the pattern allows it, the format does not
    with pytest.raises(fastjsonschema.JsonSchemaException):
        check(record)
    record["diagnosis"]["date"] = "2012-12"
    record["data_cutoff_date"] = "2014-03"  # full_date: a cut-off cannot be partial
    with pytest.raises(fastjsonschema.JsonSchemaException):
        check(record)
