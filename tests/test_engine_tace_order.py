"""TACE order under partial dates (issue 9, item 1; the pack's ``tace-order-open`` decision).

Expected values are worked out by hand from PROTOCOL.md: TACEs are numbered by date; a
partial date whose range may overlap another TACE's date leaves the order open from that
TACE on, and every rule needing such a number is not evaluable, naming the orders.
"""

from __future__ import annotations

from datetime import date

import pytest

from protocol import PatientResult, check

HCC = {"condition": "hepatocellular_carcinoma", "date": "2011-01-01", "unresectable": True}


def _check(cohort: str, taces: list[str], as_of: date, **extra: object) -> PatientResult:
    record = {
        "schema_version": "1",
        "patient_id": "ORDER-1",
        "cohort": cohort,
        "tace": [{"date": d} for d in taces],
        **extra,
    }
    if cohort == "sorafenib_after_tace":
        record["diagnosis"] = HCC
    result = check(record, as_of=as_of)
    assert isinstance(result, PatientResult), result
    return result


def _one(result: PatientResult, code: str) -> tuple[str, str]:
    (finding,) = [f for f in result.findings if f.rule == code]
    return str(finding.status), finding.message


OPEN_2011 = (
    "the order of the TACEs is open: 2011 (any day of 2011) may be before or after 2011-07-04,"
    " or on the same day; give the full date"
)


@pytest.mark.parametrize("taces", [["2011-07-04", "2011"], ["2011", "2011-07-04"]])
def test_overlapping_partial_date_leaves_every_numbered_rule_not_evaluable(
    taces: list[str],
) -> None:
    # Progression in 2013 is more than 6 months after either candidate for TACE #1
    # (2011-07-04 + 6 months = 2012-01-04; any day of 2011 + 6 months <= 2012-06-30):
    # ELG003 would be not met in both orders, and is still not evaluable (the decision).
    result = _check(
        "sorafenib_after_tace",
        taces,
        date(2014, 1, 1),
        imaging=[{"date": "2013-03-01", "result": "progression"}],
        sorafenib=[
            {
                "start_date": "2013-04-01",
                "end_date": "2013-09-01",
                "dose_mg": 400,
                "frequency": "BID",
            }
        ],
    )
    status, message = _one(result, "ELG002")
    assert status == "met"  # a TACE exists, whatever the order
    assert OPEN_2011 in message
    for code in ("ELG003", "ELG004", "TRT001"):
        status, message = _one(result, code)
        assert status == "not_evaluable", (code, message)
        assert message.startswith(f"{code} cannot be decided: ")
        assert OPEN_2011 in message
    assert str(result.eligibility) == "undetermined"
    assert _one(result, "TRT002")[0] == "not_evaluable"
    assert result.group == "unassigned"
    status, message = _one(result, "DAT001")
    where = {d: f"/tace/{i}" for i, d in enumerate(taces)}
    assert status == "not_evaluable"
    assert (
        f"2011 at {where['2011']} may be the same day as 2011-07-04 at {where['2011-07-04']}"
        in message
    )


def test_partial_dates_that_cannot_overlap_are_ordered() -> None:
    # 2011-03 is March 2011, wholly before 2011-09-01: TACE #1 = 2011-03, #2 = 2011-09-01.
    # Deadline 2011-03 + 6 months = 2011-09-01..2011-09-30; progression 2011-08-15 is in time.
    # TACE #2 2011-09-01 is 17 days after the progression; sorafenib 2011-09-10 is day 9.
    result = _check(
        "sorafenib_after_tace",
        ["2011-09-01", "2011-03"],
        date(2012, 6, 1),
        imaging=[{"date": "2011-08-15", "result": "progression"}],
        sorafenib=[
            {
                "start_date": "2011-09-10",
                "end_date": "2012-04-01",
                "dose_mg": 400,
                "frequency": "BID",
            }
        ],
    )
    assert _one(result, "ELG002") == ("met", "TACE #1 on 2011-03 (TACEs: 2011-03, 2011-09-01).")
    assert _one(result, "ELG003")[0] == "met"
    status, message = _one(result, "ELG004")
    assert (status, "17 days after progression (2011-08-15)" in message) == ("met", True)
    status, message = _one(result, "TRT001")
    assert (status, "day 9 after TACE #2 (2011-09-01)" in message) == ("met", True)
    assert _one(result, "DAT001")[0] == "met"
    assert all("order of the TACEs" not in f.message for f in result.findings)


def test_a_year_before_a_later_full_date_is_ordered() -> None:
    result = _check("sorafenib_after_tace", ["2012-03-01", "2011"], date(2012, 6, 1))
    assert _one(result, "ELG002") == ("met", "TACE #1 on 2011 (TACEs: 2011, 2012-03-01).")


def test_an_open_order_after_the_index_tace_only_stops_ttp() -> None:
    # TACEs 2011-03-01, 2011-09-01, then 2012 beside 2012-05-01: numbers 1 and 2 are sure,
    # from 3 on the order is open. Eligible (as above, progression 2011-08-15); exposure
    # 2011-09-10 + 4 months = 2012-01-10 <= 2012-04-01: sorafenib_ge_4m. TTP needs TACE #3:
    # not computed. OS: 2011-09-01 to last contact 2013-01-01 = 366 + 122 = 488 days,
    # 488 / 30.4375 = 16.03 months, censored.
    result = _check(
        "sorafenib_after_tace",
        ["2012-05-01", "2011-09-01", "2012", "2011-03-01"],
        date(2013, 6, 1),
        imaging=[{"date": "2011-08-15", "result": "progression"}],
        sorafenib=[
            {
                "start_date": "2011-09-10",
                "end_date": "2012-04-01",
                "dose_mg": 400,
                "frequency": "BID",
            }
        ],
        last_contact_date="2013-01-01",
    )
    for code in ("ELG002", "ELG003", "ELG004", "TRT001"):
        status, message = _one(result, code)
        assert status == "met", (code, message)
        assert "order of the TACEs" not in message
    assert _one(result, "DAT001")[0] == "not_evaluable"
    assert str(result.eligibility) == "eligible"
    assert result.group == "sorafenib_ge_4m"
    assert result.endpoints["ttp"] is None
    assert result.endpoint_notes["ttp"] == (
        "cannot compute: the order of the TACEs is open: 2012 (any day of 2012) may be before"
        " or after 2012-05-01, or on the same day; give the full date"
    )
    os_ = result.endpoints["os"]
    assert os_ is not None
    assert (os_.days, os_.months, os_.event) == (488, 16.03, False)


def test_a_control_whose_order_is_open_is_not_evaluable_on_ctl002() -> None:
    # 2010 may fall before, between or after 2010-05-01 and 2010-09-01.
    result = _check("tace_alone_control", ["2010-05-01", "2010", "2010-09-01"], date(2013, 1, 1))
    status, message = _one(result, "CTL002")
    assert status == "not_evaluable"
    assert message == (
        "CTL002 cannot be decided: which TACEs are TACE #2 and TACE #3 is open; the order of the"
        " TACEs is open: 2010 (any day of 2010) may be before or after 2010-05-01, 2010-09-01,"
        " or on the same day; give the full date."
    )
    assert result.group == "unassigned"


def test_a_control_with_an_earlier_year_is_ordered() -> None:
    # 2009 is before both: TACE #2 2010-01-10, TACE #3 2010-05-01, 111 days (21 + 28 + 31 +
    # 30 + 1), before 2010-07-10: under 6 months.
    result = _check("tace_alone_control", ["2010-05-01", "2009", "2010-01-10"], date(2013, 1, 1))
    status, message = _one(result, "CTL002")
    assert status == "met"
    assert "111 days after TACE #2 (2010-01-10)" in message
    assert result.group == "tace_alone"


def test_same_full_date_duplicates_stay_a_dat001_query_not_an_open_order() -> None:
    result = _check(
        "sorafenib_after_tace",
        ["2011-09-01", "2012-03-01", "2012-03-01"],
        date(2012, 6, 1),
        imaging=[{"date": "2012-02-10", "result": "progression"}],
    )
    status, message = _one(result, "DAT001")
    assert status == "not_met"
    assert "2012-03-01 at /tace/1, /tace/2" in message
    status, message = _one(result, "ELG004")
    assert status == "met"
    assert "TACE #2 on 2012-03-01, 20 days after progression (2012-02-10)" in message


def test_one_partial_date_on_two_entries_may_be_one_procedure_or_two() -> None:
    result = _check("sorafenib_after_tace", ["2011", "2011"], date(2012, 6, 1))
    status, message = _one(result, "ELG003")
    assert status == "not_evaluable"
    assert "2 TACEs dated 2011 may be one procedure or 2" in message
    assert _one(result, "DAT001")[0] == "not_evaluable"
