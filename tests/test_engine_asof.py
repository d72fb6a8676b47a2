"""As-of = the earlier of --as-of and the record's data cut-off (today with neither); data
rules with nothing to check are not applicable (issue 9, items 4 and 5)."""

from __future__ import annotations

from datetime import date

import pytest

from protocol import PatientResult, Status, check


def _record(**extra: object) -> dict:
    return {
        "schema_version": "1",
        "patient_id": "A1",
        "cohort": "sorafenib_after_tace",
        "diagnosis": {"condition": "hepatocellular_carcinoma", "unresectable": True},
        "tace": [{"date": "2011-09-01"}, {"date": "2012-03-01"}],
        **extra,
    }


@pytest.mark.parametrize(
    ("cutoff", "option", "used", "basis", "words"),
    [
        ("2013-12-31", date(2014, 3, 31), "2013-12-31", "data_cutoff_date", "earlier than --as-of"),
        ("2014-06-30", date(2014, 3, 31), "2014-03-31", "option", "earlier than the record's"),
        ("2014-03-31", date(2014, 3, 31), "2014-03-31", "option", "same day"),
        (None, date(2014, 3, 31), "2014-03-31", "option", "no data cut-off"),
        ("2013-12-31", None, "2013-12-31", "data_cutoff_date", "no --as-of"),
    ],
)
def test_the_earlier_of_option_and_cutoff_is_used_and_said(
    cutoff: str | None, option: date | None, used: str, basis: str, words: str
) -> None:
    record = _record(data_cutoff_date=cutoff) if cutoff else _record()
    result = check(record, as_of=option)
    assert isinstance(result, PatientResult)
    assert (result.as_of, result.as_of_basis) == (used, basis)
    assert words in result.as_of_reason
    data = result.to_dict()
    assert (data["as_of"], data["as_of_basis"]) == (used, basis)


def test_with_neither_it_is_today() -> None:
    result = check(_record())
    assert isinstance(result, PatientResult)
    assert (result.as_of, result.as_of_basis) == (date.today().isoformat(), "today")


def test_data_rules_with_nothing_to_check_are_not_applicable() -> None:
    result = check(_record(), as_of=date(2013, 1, 1))
    assert isinstance(result, PatientResult)
    for code in ("DAT002", "DAT003", "DAT005", "DAT006"):
        assert [f.status for f in result.findings if f.rule == code] == [Status.NOT_APPLICABLE]
