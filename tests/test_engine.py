"""The durable_rules adapter: no leaked sessions, no swallowed errors, rules run from the pack."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path

import pytest

from protocol import PatientResult, Status, check
from protocol.engine import EngineError
from protocol.engine.durable_adapter import engine_for
from protocol.packs import Pack

ROOT = Path(__file__).resolve().parent.parent


def _record(start: str) -> dict:
    return {
        "schema_version": "1",
        "patient_id": "E1",
        "cohort": "sorafenib_after_tace",
        "diagnosis": {"condition": "hepatocellular_carcinoma", "unresectable": True},
        "tace": [{"date": "2011-09-01"}, {"date": "2012-03-01"}],
        "imaging": [{"date": "2012-02-10", "result": "progression"}],
        "sorafenib": [
            {"start_date": start, "end_date": "2012-09-30", "dose_mg": 400, "frequency": "BID"}
        ],
        "last_contact_date": "2013-01-01",
    }


def _status(result: PatientResult, code: str) -> list[Status]:
    return [f.status for f in result.findings if f.rule == code]


def test_more_patients_than_durable_live_session_limit(pack: Pack) -> None:
    # durable_rules allows 1,024 live sessions per ruleset; each patient's is deleted.
    for n in range(1100):
        result = check(_record("2012-03-15"), as_of=date(2013, 6, 1), pack=pack)
        assert isinstance(result, PatientResult), n
    assert _status(result, "TRT001") == [Status.MET]


def test_an_action_that_fails_is_raised_not_swallowed(pack: Pack, monkeypatch) -> None:
    class Exploding(list):
        def append(self, item: object) -> None:  # taking an action means recording it
            raise RuntimeError("boom")

    compiled = engine_for(pack)
    monkeypatch.setattr(compiled, "new_log", Exploding)
    with pytest.raises(EngineError, match="boom"):
        check(_record("2012-03-15"), as_of=date(2013, 6, 1), pack=pack)
    monkeypatch.undo()
    # The engine is usable again afterwards: the failed session was cleaned up.
    result = check(_record("2012-03-15"), as_of=date(2013, 6, 1), pack=pack)
    assert _status(result, "TRT001") == [Status.MET]


def test_parameters_come_from_the_pack_not_the_code(pack: Pack) -> None:
    late = _record("2012-03-23")  # day 22 after TACE #2
    assert _status(check(late, as_of=date(2013, 6, 1), pack=pack), "TRT001") == [Status.NOT_MET]
    params = dict(pack.params, start_window_last_day=22)
    wider = dataclasses.replace(pack, params=params)
    assert _status(check(late, as_of=date(2013, 6, 1), pack=wider), "TRT001") == [Status.MET]
    # Both packs stay registered side by side under distinct ruleset names.
    assert engine_for(wider).name != engine_for(pack).name
    assert _status(check(late, as_of=date(2013, 6, 1), pack=pack), "TRT001") == [Status.NOT_MET]


def test_compiled_ruleset_is_durable_json(pack: Pack) -> None:
    definition = engine_for(pack).definition
    text = json.dumps(definition)
    assert '"$lte": {"day_max": 21}' in text  # TRT001's window, from the pack's parameters
    assert "sentinel" in definition


def test_every_finding_carries_the_contract_fields(pack: Pack) -> None:
    result = check(_record("2012-03-27"), as_of=date(2013, 6, 1), pack=pack)
    trt001 = next(f for f in result.findings if f.rule == "TRT001")
    data = trt001.to_dict()
    assert data["status"] == "not_met" and data["importance"] == "important"
    assert data["location"] == "/sorafenib/0/start_date"
    assert data["evidence"]["tace2_date"] == "2012-03-01"
    assert data["evidence"]["start_date"] == "2012-03-27"
    assert data["evidence"]["day"] == 26
    assert data["evidence"]["window_days"] == [0, 21]
    assert "5 days late" in data["message"] and data["protocol_ref"]
