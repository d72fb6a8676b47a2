"""Messages a clinician reads (issues 9 and 10): capped listings, DAT004's typo hint, DAT001's
counts, AE003's cited evidence, the group's exposure, plurals and parentheses.

Every expected text is worked out by hand from PROTOCOL.md and the pack's parameters
(listing_limit 3, typo_years 1, exposure 4 calendar months).
"""

from __future__ import annotations

import json
from datetime import date

from protocol import PatientResult, check

HCC = {"condition": "hepatocellular_carcinoma", "date": "2011-05-01", "unresectable": True}


def _record(**extra: object) -> dict:
    return {
        "schema_version": "1",
        "patient_id": "MSG-1",
        "cohort": "sorafenib_after_tace",
        "diagnosis": HCC,
        "tace": [{"date": "2011-09-01"}, {"date": "2012-01-15"}],
        "imaging": [{"date": "2012-01-10", "result": "progression"}],
        **extra,
    }


def _period(start: str, end: str | None, dose: int = 400, frequency: str = "BID") -> dict:
    return {"start_date": start, "end_date": end, "dose_mg": dose, "frequency": frequency}


def _run(record: dict, as_of: date | None) -> PatientResult:
    result = check(record, as_of=as_of)
    assert isinstance(result, PatientResult), result
    return result


def _messages(result: PatientResult, code: str) -> list[tuple[str, str]]:
    return [(str(f.status), f.message) for f in result.findings if f.rule == code]


def test_500_identical_periods_give_a_capped_dat005_message() -> None:
    # 500 periods sharing every day: 500 * 499 / 2 = 124750 overlapping pairs; three are
    # shown (in date order, then array order for identical content), 124747 more counted.
    record = _record(sorafenib=[_period("2012-03-10", "2012-05-10")] * 500)
    size = len(json.dumps(record))
    result = _run(record, date(2012, 12, 31))
    ((status, message),) = _messages(result, "DAT005")
    label = "/sorafenib/{} (2012-03-10 to 2012-05-10)"
    assert status == "not_met"
    assert message == (
        "Dosing periods overlap: "
        + "; ".join(f"{label.format(0)} and {label.format(j)}" for j in (1, 2, 3))
        + "; and 124747 more pairs."
    )
    (finding,) = [f for f in result.findings if f.rule == "DAT005"]
    assert finding.evidence["periods"] == 500
    # The whole report stays proportionate: one finding per period per DOS rule and DAT002
    # (the contract), none of them listing the other periods.
    assert len(json.dumps(result.to_dict())) < 40 * size


def test_listing_of_dates_after_the_as_of_date_is_capped() -> None:
    imaging = [{"date": f"2102-0{m}-01", "result": "stable_disease"} for m in range(1, 7)]
    result = _run(_record(imaging=imaging, data_cutoff_date="2014-03-31"), None)
    ((status, message),) = _messages(result, "DAT004")
    shown = (
        "2102-01-01 at /imaging/0/date; 2102-02-01 at /imaging/1/date;"
        " 2102-03-01 at /imaging/2/date"
    )
    assert status == "not_met"
    assert message == (
        f"Dated after the as-of date 2014-03-31, so not counted as happened: {shown}; and 3 more."
        f" {shown}; and 3 more are more than 1 year after the data cut-off 2014-03-31: a typo in"
        " the year, such as 2102 for 2012?"
    )


def test_a_date_just_after_the_as_of_date_is_not_called_a_typo() -> None:
    # No cut-off; checked as of 2013-01-01, long before today: 2013-06-01 is real data
    # entered after the as-of date, not a mistyped year.
    record = _record(last_contact_date="2013-06-01")
    ((status, message),) = _messages(_run(record, date(2013, 1, 1)), "DAT004")
    assert (status, message) == (
        "not_met",
        "Dated after the as-of date 2013-01-01, so not counted as happened:"
        " 2013-06-01 at /last_contact_date.",
    )


def test_the_typo_hint_starts_more_than_a_year_after_the_cutoff() -> None:
    # Cut-off 2014-03-31 + 1 year = 2015-03-31: 2015-03-31 is no typo, 2015-04-01 is.
    for when, typo in (("2015-03-31", False), ("2015-04-01", True)):
        record = _record(last_contact_date=when, data_cutoff_date="2014-03-31")
        ((status, message),) = _messages(_run(record, None), "DAT004")
        assert status == "not_met"
        assert ("a typo in the year" in message) is typo, message
        if typo:
            assert "is more than 1 year after the data cut-off 2014-03-31" in message


def test_dat001_says_which_tace_was_left_out_and_why() -> None:
    record = _record(tace=[{"date": "2011-09-01"}, {"date": "2012-01-15"}, {"date": "2012-09-01"}])
    assert _messages(_run(record, date(2012, 6, 1)), "DAT001") == [
        (
            "met",
            "2 TACE entries on 2 distinct dates; 1 TACE entry dated after the as-of date"
            " 2012-06-01 is not counted (see DAT004).",
        )
    ]
    record = _record(tace=[{"date": "2012-09-01"}])
    assert _messages(_run(record, date(2012, 6, 1)), "DAT001") == [
        (
            "met",
            "No TACE up to the as-of date 2012-06-01, so no shared date; 1 TACE entry dated after"
            " the as-of date 2012-06-01 is not counted (see DAT004).",
        )
    ]
    record = _record(tace=[{"date": "2011-09-01"}])
    assert _messages(_run(record, date(2012, 6, 1)), "DAT001") == [
        ("met", "1 TACE entry on 1 distinct date.")
    ]


def _interrupted(action: str) -> PatientResult:
    # 800 mg/day to 2012-05-10, nothing from 05-11 to 05-19, then 200 mg BID = 400 mg/day.
    record = _record(
        sorafenib=[_period("2012-01-25", "2012-05-10"), _period("2012-05-20", None, 200)],
        adverse_events=[
            {"term": "rash", "grade": 3, "onset_date": "2012-05-08", "action_taken": action}
        ],
    )
    return _run(record, date(2012, 8, 1))


def test_ae003_cites_the_gap_for_an_interruption_and_the_lower_dose_for_a_reduction() -> None:
    assert _messages(_interrupted("drug_interrupted"), "AE003") == [
        (
            "met",
            "rash (began 2012-05-08), action 'drug interrupted': dosing paused after 2012-05-10"
            " until 2012-05-20.",
        )
    ]
    assert _messages(_interrupted("dose_reduced"), "AE003") == [
        (
            "met",
            "rash (began 2012-05-08), action 'dose reduced': dose lowered to 400 mg/day from"
            " 2012-05-20.",
        )
    ]


def test_group_exposure_counts_the_days_without_sorafenib() -> None:
    # 2012-01-25 to 2012-06-01 = 31 + 29 + 31 + 30 + 7 = 128 days; off 2012-03-02..03-20 = 19
    # days; 2012-01-25 + 4 months = 2012-05-25 <= 2012-06-01.
    record = _record(
        sorafenib=[_period("2012-01-25", "2012-03-01"), _period("2012-03-21", "2012-06-01")]
    )
    result = _run(record, date(2012, 12, 31))
    assert result.group == "sorafenib_ge_4m"
    assert result.group_reason == (
        "Sorafenib from 2012-01-25 to 2012-06-01: 128 days from first start to last end,"
        " including 19 days without sorafenib, reaching 2012-05-25, 4 calendar months after"
        " the first dose."
    )


def test_an_ongoing_short_exposure_says_the_group_can_still_change() -> None:
    # Ongoing from 2012-01-25, as of 2012-04-01: 31 + 29 + 7 = 67 days so far.
    result = _run(_record(sorafenib=[_period("2012-01-25", None)]), date(2012, 4, 1))
    assert result.group == "sorafenib_lt_4m"
    assert result.group_reason == (
        "Sorafenib from 2012-01-25, still ongoing: 67 days so far, to the as-of date 2012-04-01."
        " The group can still change: 4 calendar months would be reached on 2012-05-25."
    )


def test_singular_counts_and_no_doubled_parentheses() -> None:
    # TACE #2 2012-01-15 + 21 days = 2012-02-05; a start on 2012-02-06 is day 22, 1 day late.
    record = _record(
        sorafenib=[
            _period("2012-02-06", "2012-05-10"),
            {**_period("2012-05-20", "2012-08-01", 200, "QD"), "reason": "adverse_event"},
        ],
        adverse_events=[
            {"term": "rash", "grade": 3, "onset_date": "2012-05-08", "action_taken": "dose_reduced"}
        ],
    )
    result = _run(record, date(2012, 12, 31))
    ((status, message),) = _messages(result, "TRT001")
    assert status == "not_met"
    assert message.endswith("so it was 1 day late.")
    dos002 = dict(_messages(result, "DOS002"))
    assert "as a justified reduction after grade 3 rash from 2012-05-08 (see DOS003)" in str(dos002)
    one = _run(_record(sorafenib=[_period("2012-02-01", "2012-06-01")]), date(2012, 12, 31))
    assert _messages(one, "DAT005") == [("met", "1 dosing period, so no overlap.")]
    for finding in (*result.findings, *one.findings):
        assert "))" not in finding.message and ") (" not in finding.message, finding.message
        assert " 1 days" not in finding.message and "1 dosing periods" not in finding.message


def test_a_control_with_one_dosing_period_reads_singular() -> None:
    record = {
        "schema_version": "1",
        "patient_id": "CTL-1",
        "cohort": "tace_alone_control",
        "tace": [{"date": "2008-01-10"}],
        "sorafenib": [_period("2008-05-01", "2008-06-01")],
    }
    assert _messages(_run(record, date(2013, 1, 1)), "CTL001") == [
        (
            "not_met",
            "Sorafenib recorded from 2008-05-01, in 1 dosing period; a TACE-alone control must"
            " have none.",
        )
    ]


def test_elg003_on_a_year_only_progression_asks_for_month_and_day() -> None:
    record = _record(imaging=[{"date": "2012", "result": "progression"}])
    ((status, message),) = _messages(_run(record, date(2013, 6, 1)), "ELG003")
    assert status == "not_evaluable"
    assert message.startswith(
        "ELG003 cannot be decided: progression date 2012 is partial; please give the month and"
        " day. "
    )
    assert "/" not in message.replace("mg/day", "")  # no JSON Pointer in a site query
