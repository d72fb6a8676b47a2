"""Numbers reach durable_rules' C core only in forms it reads as written (adapter pitfalls 26-29).

A number with an exponent (``1e-05``, what ``json.dumps`` writes for 0.00001) used to
make the core drop that fact and every fact after it, silently, or crash the process;
experiments that could crash run in a subprocess.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import textwrap
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol import PatientResult, Status, check
from protocol.engine import EngineError
from protocol.engine.durable_adapter import engine_for
from protocol.engine.facts import Fact
from protocol.packs import Pack

ROOT = Path(__file__).resolve().parent.parent
# The only number forms the core reads as written (pitfall 26).
SAFE = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def _record(dose: float, frequency: str = "QD") -> dict:
    return {
        "schema_version": "1",
        "patient_id": "N1",
        "cohort": "sorafenib_after_tace",
        "diagnosis": {"condition": "hepatocellular_carcinoma", "unresectable": True},
        "tace": [{"date": "2011-09-01"}, {"date": "2012-03-01"}],
        "imaging": [{"date": "2012-02-10", "result": "progression"}],
        "sorafenib": [
            {
                "start_date": "2012-03-10",
                "end_date": "2012-09-30",
                "dose_mg": dose,
                "frequency": frequency,
            }
        ],
    }


def _statuses(result: PatientResult, *codes: str) -> dict[str, list[str]]:
    return {c: [str(f.status) for f in result.findings if f.rule == c] for c in codes}


def _run(script: str, seed: int) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONHASHSEED=str(seed), PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=ROOT,
    )


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_a_dose_written_with_an_exponent_loses_no_fact(seed: int) -> None:
    # 0.00001 mg QD: a daily dose of 0.00001 mg, far below 400 (DOS002 not met), not
    # above 800 (DOS001 met); the two TACEs beside it make ELG002 met.
    script = """
        from datetime import date
        from protocol import check
        record = {
            "schema_version": "1", "patient_id": "N1", "cohort": "sorafenib_after_tace",
            "diagnosis": {"condition": "hepatocellular_carcinoma", "unresectable": True},
            "tace": [{"date": "2011-09-01"}, {"date": "2012-03-01"}],
            "imaging": [{"date": "2012-02-10", "result": "progression"}],
            "sorafenib": [{"start_date": "2012-03-10", "end_date": "2012-09-30",
                           "dose_mg": 0.00001, "frequency": "QD"}],
        }
        result = check(record, as_of=date(2013, 6, 1))
        for f in result.findings:
            if f.rule in ("ELG002", "DOS001", "DOS002"):
                print(f.rule, f.status)
    """
    done = _run(script, seed)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split("\n")[:3] == ["ELG002 met", "DOS001 met", "DOS002 not_met"]


def test_a_batch_the_core_reads_only_in_part_is_an_engine_error() -> None:
    # A batch written by hand with an exponent in its second fact: the core reads the
    # first fact and silently drops the rest (pitfall 27); the seal catches it.
    script = """
        from protocol.engine import EngineError
        from protocol.engine.durable_adapter import engine_for
        from protocol.packs import load_pack
        engine = engine_for(load_pack("tamai-2017"))
        sid = '"sid": "t1"'
        text = (
            f'[{{{sid}, "id": "__head__#1", "subject": "__head__"}}, '
            f'{{{sid}, "id": "x#1", "subject": "dosing_period", "daily_dose": 1e-05}}, '
            f'{{{sid}, "id": "__seal__#1", "subject": "__seal__", "facts": 1}}]'
        )
        try:
            engine.run("t1", text, ["x#1"], "__seal__#1")
        except EngineError as error:
            print("EngineError:", error)
        else:
            print("no error")
        engine.forget("t1")
    """
    done = _run(script, 0)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("EngineError: durable_rules did not read all of the facts x#1")


@pytest.mark.parametrize("value", [math.nan, None, [1, 2], {"a": 1}])
def test_a_fact_value_the_engine_cannot_compare_is_an_engine_error(
    pack: Pack, value: object
) -> None:
    fact = Fact("dosing_period", "/sorafenib/0", {"daily_dose": value}, {})
    with (
        engine_for(pack).session() as session,
        pytest.raises(EngineError, match="dosing_period#/sorafenib/0"),
    ):
        session.assert_facts([fact])


@given(st.floats(allow_nan=False) | st.integers() | st.integers(-(2**70), 2**70))
def test_every_number_is_written_in_a_form_the_core_reads(value: float | int) -> None:
    from protocol.engine.core_json import number_text

    text = number_text(value)
    assert SAFE.fullmatch(text), text
    if "." not in text:  # read with atoll: must fit in 64 bits, exactly the value
        assert -(2**63) <= int(text) < 2**63 and int(text) == value
    elif isinstance(value, float) and math.isfinite(value):
        assert float(text) == value and Decimal(text) == Decimal(repr(value))
    elif isinstance(value, int) and abs(value) <= 1e308:  # the nearest double, order kept
        assert float(text) == float(value)
    else:  # beyond every double: atof reads infinity, which orders right
        assert float(text) == (math.inf if value > 0 else -math.inf)


@settings(max_examples=60, deadline=None)
@given(
    st.one_of(
        st.floats(min_value=1e-300, max_value=10000),
        st.sampled_from([0.00001, 1e-05, 5e-324, 1.5e-05, 0.0001, 400.0, 800.0, 800.0000001]),
    ),
    st.sampled_from(["QD", "BID", "TID", "QOD"]),
)
def test_any_dose_gives_the_dose_findings_worked_out_by_hand(dose: float, frequency: str) -> None:
    daily = dose * {"QD": 1, "BID": 2, "TID": 3, "QOD": 0.5}[frequency]
    result = check(_record(dose, frequency), as_of=date(2013, 6, 1))
    assert isinstance(result, PatientResult)
    found = _statuses(result, "ELG002", "DOS001", "DOS004")
    assert found["ELG002"] == [Status.MET]
    assert found["DOS001"] == [Status.NOT_MET if daily > 800 else Status.MET]
    allowed = frequency in ("QD", "BID")
    assert found["DOS004"] == [Status.MET] if allowed else found["DOS004"] != [Status.MET]
