"""The compiled fast check and jsonschema agree on which records pass.

Records that pass skip jsonschema for speed (issue #5); jsonschema still
writes every message. The two read the same schema file, so they must agree on
every record: examples, the malformed corpus, a seeded synthetic cohort with
many broken records, and single-field mutations of a valid record.
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

from protocol.records.json_input import JsonProblem, decode_record
from protocol.records.validation import fast_record_check, record_validator

ROOT = Path(__file__).resolve().parent.parent


def _fast_passes(record: Any) -> bool:
    import fastjsonschema

    try:
        fast_record_check()(record)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def _jsonschema_passes(record: Any) -> bool:
    return not any(True for _ in record_validator().iter_errors(record))


def _records() -> list[tuple[str, Any]]:
    found = []
    for path in sorted((ROOT / "examples").glob("*.json")):
        found.append((path.name, json.loads(path.read_text(encoding="utf-8"))))
    for path in sorted((ROOT / "tests" / "malformed").iterdir()):
        if path.suffix not in {".json", ".jsonl", ".ndjson"}:
            continue
        for number, line in enumerate(path.read_bytes().splitlines() or [b""], start=1):
            try:
                value = decode_record(line if path.suffix != ".json" else path.read_bytes())
            except JsonProblem:
                continue
            found.append((f"{path.name}:{number}", value))
            if path.suffix == ".json":
                break
    return found


@pytest.mark.parametrize(("name", "record"), _records(), ids=[n for n, _ in _records()])
def test_agree_on_corpus(name: str, record: Any) -> None:
    assert _fast_passes(record) == _jsonschema_passes(record), name


def test_agree_on_a_synthetic_cohort_with_broken_records(synthetic: Any) -> None:
    verdicts = [(_fast_passes(r), _jsonschema_passes(r)) for r in synthetic.generate(400, 11, 0.3)]
    assert all(fast == slow for fast, slow in verdicts)
    assert 60 < sum(1 for fast, _ in verdicts if not fast) < 200  # both kinds were tried


def test_the_corpus_has_passing_and_failing_records() -> None:
    verdicts = [_jsonschema_passes(r) for _, r in _records()]
    assert any(verdicts) and not all(verdicts)


_VALID = json.loads((ROOT / "examples" / "p06-ae-dose-reduction.json").read_text("utf-8"))


_PATHS = value_paths(_VALID)


@settings(max_examples=300, deadline=None)
@given(path=st.sampled_from(_PATHS), value=ODD_VALUES)
def test_agree_when_any_one_field_changes(path: tuple[Any, ...], value: Any) -> None:
    record = copy.deepcopy(_VALID)
    target = record
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    assert _fast_passes(record) == _jsonschema_passes(record)
    assert _fast_passes(_VALID)
