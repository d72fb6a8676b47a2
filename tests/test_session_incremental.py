"""A Session's incremental result always equals checking the record entered so far.

:class:`protocol.session.Session` validates only the event added and re-measures and
re-explains only what the event can change (:mod:`protocol.engine.memo`). Whatever
the order events come in, after every event its result must equal
``protocol.check`` of the record as entered so far; a bad event interleaved among
them must be refused with exactly the errors checking the record with that event
would give, and leave the result as it was. Records are drawn over the whole schema
range (``tests/record_strategies.py``).

``TACECHECK_PROPERTY_EXAMPLES`` sets how many records are drawn (default 40).
"""

from __future__ import annotations

import copy
import os
import sys
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from record_strategies import as_of_dates, patient_records

from protocol import check
from protocol.packs import Pack, load_pack
from protocol.session import LIST_EVENTS, Session

EXAMPLES = int(os.environ.get("TACECHECK_PROPERTY_EXAMPLES", "40"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PACK: Pack = load_pack("tamai-2017")
SOURCE = "<session>"
HEADER = ("schema_version", "patient_id", "cohort", "site_id")

# Events the schema, the model or the JSON walk refuses, each for a different reason.
BAD_EVENTS: list[tuple[Any, Any]] = [
    ("tace", {"date": "2012-13-01"}),  # no month 13
    ("tace", {"date": "2012-02-30", "technique": "laser"}),  # no such day, no such technique
    ("imaging", {"date": "2012-03-01"}),  # the result is required
    ("imaging", {"date": date(2012, 3, 1), "result": "progression"}),  # a Python date
    ("sorafenib", {"start_date": "2012-03-01", "dose_mg": 400, "frequency": "BID"}),
    ("sorafenib", {"start_date": "2012-03-01", "end_date": None, "dose_mg": 0, "frequency": "BID"}),
    (
        "adverse_events",
        {"term": "Rash", "grade": 7, "onset_date": "2012-04-01", "action_taken": "unknown"},
    ),
    (
        "adverse_events",
        {"term": "Rash", "grade": float("nan"), "onset_date": "2012", "action_taken": "unknown"},
    ),
    ("diagnosis", {"unresectable": "yes"}),
    ("withdrawal", {"date": "2012-05-01"}),  # the reason is required
    ("death_date", "yesterday"),
    ("last_contact_date", 20120501),
    ("data_cutoff_date", "2012-05"),  # a cut-off is a full date
]


def _header(record: dict[str, Any]) -> dict[str, Any]:
    return {key: record[key] for key in HEADER if key in record}


def _with(record: dict[str, Any], kind: Any, value: Any) -> dict[str, Any]:
    """``record`` with one more event, as Session.add builds its candidate."""
    candidate = copy.copy(record)
    if kind in LIST_EVENTS:
        candidate[kind] = [*record.get(kind, []), value]
    else:
        candidate[kind] = value
    return candidate


def _keep_kind_order(
    events: list[tuple[str, Any]], shuffled: list[tuple[str, Any]]
) -> list[tuple[str, Any]]:
    """The kinds interleaved as in ``shuffled``, each kind's events in their record order."""
    queues: dict[str, list[Any]] = {}
    for kind, value in events:
        queues.setdefault(kind, []).append(value)
    return [(kind, queues[kind].pop(0)) for kind, _value in shuffled]


@SETTINGS
@given(record=patient_records(), data=st.data())
def test_each_result_equals_a_check_of_the_record_so_far(
    record: dict[str, Any], data: st.DataObject
) -> None:
    as_of = data.draw(st.one_of(st.none(), as_of_dates()), label="as_of")
    events = Session.events_of(record)
    shuffled = data.draw(st.permutations(events), label="order")
    in_record_order = data.draw(st.booleans(), label="each kind in record order")
    if in_record_order:
        shuffled = _keep_kind_order(events, shuffled)
    session = Session.from_header(record, as_of, PACK)
    so_far = _header(record)
    assert session.result() == check(so_far, as_of, PACK, SOURCE)
    for kind, value in shuffled:
        if data.draw(st.integers(0, 3), label="bad event first") == 0:
            bad_kind, bad_value = data.draw(st.sampled_from(BAD_EVENTS), label="bad event")
            before = session.result()
            expected = check(_with(so_far, bad_kind, bad_value), as_of, PACK, SOURCE)
            assert isinstance(expected, list) and expected  # refused by the whole check
            assert session.add(bad_kind, bad_value) == expected
            assert session.result() == before
            assert session.record == so_far
        so_far = _with(so_far, kind, value)
        answer = session.add(kind, value)
        assert answer == check(so_far, as_of, PACK, SOURCE)
        assert session.result() == answer
    assert session.record == so_far
    if in_record_order:  # the same record, its fields perhaps in another order
        assert session.result() == check(record, as_of, PACK, SOURCE)


def test_an_array_at_its_limit_is_checked_whole_and_one_more_entry_refused() -> None:
    """The schema's maxItems (200 TACEs) is the one rule the event alone cannot show."""
    session = Session("P1", "tace_alone_control", date(2012, 6, 30), PACK)
    for day in range(200):
        answer = session.add("tace", {"date": date.fromordinal(734503 + day).isoformat()})
        assert not isinstance(answer, list), answer
    assert len(session.record["tace"]) == 200
    before = session.result()
    answer = session.add("tace", {"date": "2012-01-01"})
    assert isinstance(answer, list)
    assert [(e.location, e.message) for e in answer] == [
        ("/tace", "tace has 201 entries; at most 200 are allowed")
    ]
    assert session.result() == before
    assert len(session.record["tace"]) == 200
    assert session.result() == check(session.record, date(2012, 6, 30), PACK, SOURCE)


def _ae(term: str, grade: int, onset: str, action: str = "dose_not_changed") -> dict[str, Any]:
    return {"term": term, "grade": grade, "onset_date": onset, "action_taken": action}


def _dos002(result: Any) -> list[tuple[str | None, str, str]]:
    return [(f.instance, str(f.status), f.message) for f in result.findings if f.rule == "DOS002"]


def test_each_period_lists_the_adverse_events_that_do_not_justify_it_as_they_arrive() -> None:
    """Two reduced periods, adverse events added one by one; each period's listing is its own.

    A grade 3 event between the periods justifies the second period's reduction and is
    listed, as after the period, for the first; an event after the as-of date has not
    happened and changes nothing; past the pack's listing_limit (3) the rest are counted.
    """
    as_of = date(2012, 7, 31)
    session = Session("P7", "sorafenib_after_tace", as_of, PACK)
    reduced = {"dose_mg": 200, "frequency": "QD", "reason": "adverse_event"}
    below = (
        "200 mg/day (200 mg QD) is below the minimum of 400 mg/day; its reason is"
        " adverse_event, but no grade 2+ adverse event began on or before its start: "
    )
    first, second = "Period 1 (2012-03-01): " + below, "Period 2 (2012-05-01): " + below
    justified = (
        "Period 2 (2012-05-01): 200 mg/day (200 mg QD) is below 400 mg/day as a justified"
        " reduction after grade 3 Neutropenia from 2012-04-10 (see DOS003)."
    )
    fatigue = "Fatigue is grade 1 (below 2)"
    neutropenia = "Neutropenia (grade 3) began 2012-04-10, after the period"
    rash = "Rash (grade 3) began 2012-06-10, after the period"
    steps: list[tuple[str, dict[str, Any], list[tuple[str | None, str, str]]]] = [
        (
            "sorafenib",
            {"start_date": "2012-03-01", "end_date": "2012-03-31", **reduced},
            [("/sorafenib/0", "not_met", first + "no adverse event is recorded before it.")],
        ),
        (
            "sorafenib",
            {"start_date": "2012-05-01", "end_date": "2012-05-31", **reduced},
            [
                ("/sorafenib/0", "not_met", first + "no adverse event is recorded before it."),
                ("/sorafenib/1", "not_met", second + "no adverse event is recorded before it."),
            ],
        ),
        (
            "adverse_events",
            _ae("Fatigue", 1, "2012-02-15"),
            [
                ("/sorafenib/0", "not_met", first + fatigue + "."),
                ("/sorafenib/1", "not_met", second + fatigue + "."),
            ],
        ),
        (
            "adverse_events",
            _ae("Rash", 3, "2012-06-10"),
            [
                ("/sorafenib/0", "not_met", f"{first}{fatigue}; {rash}."),
                ("/sorafenib/1", "not_met", f"{second}{fatigue}; {rash}."),
            ],
        ),
        (
            "adverse_events",
            _ae("Neutropenia", 3, "2012-04-10", "dose_reduced"),
            [
                ("/sorafenib/0", "not_met", f"{first}{fatigue}; {neutropenia}; {rash}."),
                ("/sorafenib/1", "met", justified),
            ],
        ),
        (
            "adverse_events",
            _ae("Nausea", 2, "2012-09-01"),
            [
                ("/sorafenib/0", "not_met", f"{first}{fatigue}; {neutropenia}; {rash}."),
                ("/sorafenib/1", "met", justified),
            ],
        ),
        (
            "adverse_events",
            _ae("Alopecia", 1, "2012-07-01"),
            [
                (
                    "/sorafenib/0",
                    "not_met",
                    f"{first}{fatigue}; {neutropenia}; {rash}; and 1 more.",
                ),
                ("/sorafenib/1", "met", justified),
            ],
        ),
    ]
    for kind, value, expected in steps:
        answer = session.add(kind, value)
        assert not isinstance(answer, list), answer
        assert _dos002(answer) == expected
        assert answer == check(session.record, as_of, PACK, SOURCE)


def test_an_event_whose_check_was_interrupted_leaves_no_trace() -> None:
    # The check of an AE is interrupted part-way (as Ctrl-C or an engine failure would);
    # the AE is not kept, and nothing measured with it may reach the next result.
    as_of = date(2012, 12, 31)
    session = Session("P1", "sorafenib_after_tace", as_of, PACK)
    session.add(
        "sorafenib",
        {"start_date": "2012-03-01", "end_date": "2012-03-31", "dose_mg": 200,
         "frequency": "QD", "reason": "adverse_event"},
    )  # fmt: skip

    def interrupt(frame: Any, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code.co_name == "_explain":
            raise KeyboardInterrupt
        return None

    sys.settrace(interrupt)
    try:
        with pytest.raises(KeyboardInterrupt):
            session.add(
                "adverse_events",
                {"term": "Rash", "grade": 3, "onset_date": "2012-02-01",
                 "action_taken": "dose_reduced"},
            )  # fmt: skip
    finally:
        sys.settrace(None)
    assert "adverse_events" not in session.record
    result = session.add("tace", {"date": "2012-01-10"})
    assert result == check(session.record, as_of, PACK, "<session>")
    # Without the AE: no safety flag, and the 200 mg reduction has no grade 2+ AE before it.
    assert [str(f.status) for f in result.findings if f.rule == "AE001"] == ["not_applicable"]
    assert [str(f.status) for f in result.findings if f.rule == "DOS002"] == ["not_met"]
