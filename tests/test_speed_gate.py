"""jsonschema-rs as the schema gate: it passes a record only where jsonschema does.

A record the gate passes skips jsonschema; one it fails is read by jsonschema, which
writes every message (and finds none if the gate was wrong that way, so only a record
the gate passes and jsonschema fails would lose errors). The gate must therefore agree
with jsonschema, as the fastjsonschema gate does in ``tests/test_fast_validation.py``.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from record_strategies import ODD_VALUES, value_paths

from protocol.records import load_record
from protocol.records.json_input import JsonProblem, decode_record
from protocol.records.validation import record_validator, rs_record_check

ROOT = Path(__file__).resolve().parent.parent
_VALID = json.loads((ROOT / "examples" / "p06-ae-dose-reduction.json").read_text("utf-8"))


def _rs_passes(record: Any) -> bool:
    check = rs_record_check()
    assert check is not None, "jsonschema-rs is installed with the project"
    return bool(check(record))


def _jsonschema_passes(record: Any) -> bool:
    return not any(True for _ in record_validator().iter_errors(record))


def _corpus() -> list[tuple[str, Any]]:
    found = [
        (p.name, json.loads(p.read_text("utf-8"))) for p in sorted(ROOT.glob("examples/*.json"))
    ]
    for path in sorted((ROOT / "tests" / "malformed").iterdir()):
        if path.suffix not in {".json", ".jsonl", ".ndjson"}:
            continue
        lines = [path.read_bytes()] if path.suffix == ".json" else path.read_bytes().splitlines()
        for number, line in enumerate(lines, start=1):
            try:
                found.append((f"{path.name}:{number}", decode_record(line)))
            except JsonProblem:
                continue
    return found


def test_agree_on_the_corpus() -> None:
    corpus = _corpus()
    verdicts = {name: (_rs_passes(r), _jsonschema_passes(r)) for name, r in corpus}
    assert {n: v for n, v in verdicts.items() if v[0] != v[1]} == {}
    assert any(v[1] for v in verdicts.values()) and not all(v[1] for v in verdicts.values())


def test_agree_on_a_synthetic_cohort_with_broken_records(synthetic: Any) -> None:
    verdicts = [(_rs_passes(r), _jsonschema_passes(r)) for r in synthetic.generate(400, 11, 0.3)]
    assert all(fast == slow for fast, slow in verdicts)
    assert 60 < sum(1 for fast, _ in verdicts if not fast) < 200  # both kinds were tried


def _set(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    record = copy.deepcopy(_VALID)
    target = record
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return record


@pytest.mark.parametrize(
    ("path", "value", "valid"),
    [
        (("adverse_events", 0, "grade"), 3.0, True),  # a whole float is an integer
        (("adverse_events", 0, "grade"), 2.5, False),
        (("adverse_events", 0, "grade"), True, False),  # a boolean is not a number
        (("sorafenib", 0, "dose_mg"), 1e308, False),  # above the maximum
        (("sorafenib", 0, "dose_mg"), -0.0, False),
        (("sorafenib", 0, "start_date"), "2012-01-01\n", False),  # $ is the end of the text
        (("sorafenib", 0, "start_date"), "\uff12012-01-01", False),  # a full-width digit
        (("sorafenib", 0, "start_date"), "2012-02-30", False),  # partial-date: no such day
        (("sorafenib", 0, "start_date"), "2012-02", True),
        (("patient_id",), "P" * 64, True),
        (("patient_id",), "P" * 65, False),
        (("patient_id",), "P\u00e9", False),
    ],
)
def test_agree_on_traps(path: tuple[Any, ...], value: Any, valid: bool) -> None:
    record = _set(path, value)
    assert _jsonschema_passes(record) is valid
    assert _rs_passes(record) is valid


def test_a_value_it_cannot_take_is_left_to_the_other_checks() -> None:
    record = _set(("patient_id",), "P\ud800")  # a lone surrogate, from Python, not a file
    with pytest.raises(ValueError):
        _rs_passes(record)
    model, errors = load_record(record, "api")
    assert model is None and [e.location for e in errors] == ["/patient_id"]


@settings(max_examples=400, deadline=None)
@given(path=st.sampled_from(value_paths(_VALID)), value=ODD_VALUES)
def test_agree_when_any_one_field_changes(path: tuple[Any, ...], value: Any) -> None:
    record = _set(path, value)
    assert _rs_passes(record) == _jsonschema_passes(record)
