"""No finding depends on the order of a record's arrays (issue 9, "Trust", item 2).

Locations are JSON Pointers into the arrays, so findings are compared with every
pointer replaced by what it points at.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from datetime import date
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from protocol import PatientResult, Status, check

ARRAYS = ("tace", "imaging", "sorafenib", "adverse_events")
POINTER = re.compile(r"/(tace|imaging|sorafenib|adverse_events)/(\d+)((?:/[a-z_]+)?)")
# A small pool of dates, full and partial, so that ties and overlaps are frequent.
DATES = ["2011", "2011-07", "2011-07-04", "2011-09-01", "2012-03-01", "2012-03-10", "2012-05"]
LATER = ["2012-03-10", "2012-04-30", "2012-05-01", "2012-05", "2012-08-01", None]


def _resolve(record: dict[str, Any], text: str | None) -> str | None:
    """``text`` with each array pointer replaced by the value it points at."""
    if text is None:
        return None

    def value(match: re.Match[str]) -> str:
        item = record[match.group(1)][int(match.group(2))]
        field = match.group(3).lstrip("/")
        shown = item.get(field) if field else sorted(item.items(), key=str)
        return f"<{match.group(1)} {field} {shown}>"

    return POINTER.sub(value, text)


def _normalised(record: dict[str, Any], result: PatientResult) -> Counter[tuple]:
    return Counter(
        (f.rule, str(f.status), _resolve(record, f.location), _resolve(record, f.instance))
        for f in result.findings
    )


period = st.fixed_dictionaries(
    {
        "start_date": st.sampled_from(["2012-03-10", "2012-03-10", "2012-04-01", "2012-05"]),
        "end_date": st.sampled_from(LATER),
        "dose_mg": st.sampled_from([200, 400, 400, 800]),
        "frequency": st.sampled_from(["QD", "BID", "QOD"]),
        "reason": st.sampled_from(["initial", "adverse_event"]),
    }
)
adverse_event = st.fixed_dictionaries(
    {
        "term": st.sampled_from(["rash", "fatigue"]),
        "grade": st.integers(1, 5),
        "onset_date": st.sampled_from(["2012-03-10", "2012-04-15", "2012-05"]),
        "action_taken": st.sampled_from(["dose_reduced", "drug_interrupted", "dose_not_changed"]),
    }
)
record_strategy = st.fixed_dictionaries(
    {
        "schema_version": st.just("1"),
        "patient_id": st.just("O1"),
        "cohort": st.sampled_from(["sorafenib_after_tace", "tace_alone_control"]),
        "diagnosis": st.just({"condition": "hepatocellular_carcinoma", "unresectable": True}),
        "tace": st.lists(st.fixed_dictionaries({"date": st.sampled_from(DATES)}), max_size=4),
        "imaging": st.lists(
            st.fixed_dictionaries(
                {
                    "date": st.sampled_from(["2012-02-10", "2012-02-10", "2012-02"]),
                    "result": st.sampled_from(["progression", "recurrence", "stable_disease"]),
                    "modality": st.sampled_from(["CT", "MRI"]),
                }
            ),
            max_size=3,
        ),
        "sorafenib": st.lists(period, max_size=4),
        "adverse_events": st.lists(adverse_event, max_size=3),
    }
)


@st.composite
def record_and_shuffle(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    record = draw(record_strategy)
    shuffled = copy.deepcopy(record)
    for name in ARRAYS:
        shuffled[name] = draw(st.permutations(shuffled[name]))
    return record, shuffled


@settings(max_examples=150, deadline=None)
@given(record_and_shuffle())
def test_shuffling_every_array_gives_the_same_findings(pair: tuple[dict, dict]) -> None:
    record, shuffled = pair
    first = check(record, as_of=date(2013, 6, 1))
    second = check(shuffled, as_of=date(2013, 6, 1))
    assert isinstance(first, PatientResult) and isinstance(second, PatientResult)
    assert _normalised(record, first) == _normalised(shuffled, second)
    assert (first.eligibility, first.group) == (second.eligibility, second.group)


def _ae003(periods: list[dict[str, Any]]) -> list[Status]:
    record = {
        "schema_version": "1",
        "patient_id": "O2",
        "cohort": "sorafenib_after_tace",
        "diagnosis": {"condition": "hepatocellular_carcinoma", "unresectable": True},
        "tace": [{"date": "2011-09-01"}, {"date": "2012-03-01"}],
        "imaging": [{"date": "2012-02-10", "result": "progression"}],
        "sorafenib": periods,
        "adverse_events": [
            {
                "term": "rash",
                "grade": 3,
                "onset_date": "2012-04-15",
                "action_taken": "dose_reduced",
            }
        ],
    }
    result = check(record, as_of=date(2013, 6, 1))
    assert isinstance(result, PatientResult)
    return [f.status for f in result.findings if f.rule == "AE003"]


def test_ae003_does_not_depend_on_which_period_comes_first() -> None:
    # A and B both start 2012-03-10 and both run at the onset (2012-04-15): A at 800 mg/day
    # to 2012-04-30, B at 400 mg/day to 2012-08-01. The dose in effect is the higher, 800
    # mg/day; C, 600 mg/day from 2012-08-02, is lower than that: the reduction is reflected.
    a = {"start_date": "2012-03-10", "end_date": "2012-04-30", "dose_mg": 400, "frequency": "BID"}
    b = {"start_date": "2012-03-10", "end_date": "2012-08-01", "dose_mg": 400, "frequency": "QD"}
    c = {"start_date": "2012-08-02", "end_date": None, "dose_mg": 600, "frequency": "QD"}
    assert _ae003([a, b, c]) == [Status.MET]
    assert _ae003([b, a, c]) == [Status.MET]
    assert _ae003([c, b, a]) == [Status.MET]
