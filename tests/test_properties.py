"""Properties of the checker over records drawn from the whole schema range.

For every drawn record: it passes the schema; checking it raises nothing and
gives a patient object that fits ``schemas/report.schema.json``; the findings
(rule, status, message, location) are the same on a second check in the same
process, with every array shuffled (locations compared by what they point at,
since indices move), and under two hash seeds through the real command line
(``tacecheck check FILE --format jsonl --as-of ...``), whose JSON report must
also fit the report schema.

CI draws a modest number of records; ``TACECHECK_PROPERTY_EXAMPLES=10000``
draws more (see ``fuzz/README.md``). A failure names the record as JSON and
the command that shows it.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from record_strategies import as_of_dates, patient_records

from protocol import PatientResult, check
from protocol.records import load_record

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = int(os.environ.get("TACECHECK_PROPERTY_EXAMPLES", "40"))
ARRAYS = ("tace", "imaging", "sorafenib", "adverse_events")
CLI_AS_OF = ("2014-03-31", "2999-12-31")  # the study's years, and the last accepted day

SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@cache
def _report_schema() -> dict[str, Any]:
    with (ROOT / "schemas" / "report.schema.json").open(encoding="utf-8") as handle:
        return json.load(handle)


def _validator(definition: str | None = None) -> Draft202012Validator:
    schema = _report_schema()
    if definition is not None:
        schema = {"$ref": f"#/$defs/{definition}", "$defs": schema["$defs"]}
    return Draft202012Validator(schema)


def _schema_problems(value: Any, definition: str | None = None) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in _validator(definition).iter_errors(value)
    ]


def _pointed_at(record: dict[str, Any], pointer: str | None) -> str | None:
    """A location into an array, made independent of the index: the element it is in."""
    if not pointer:
        return pointer
    parts = pointer.split("/")[1:]
    if len(parts) < 2 or parts[0] not in ARRAYS or not parts[1].isdigit():
        return pointer
    items = record.get(parts[0], [])
    if int(parts[1]) >= len(items):
        return f"{pointer} (no such element)"
    element = json.dumps(items[int(parts[1])], sort_keys=True)
    return f"/{parts[0]}/*/{'/'.join(parts[2:])} in {element}"


_ARRAY_POINTER = re.compile(r"/(?:tace|imaging|sorafenib|adverse_events)/\d+(?:/[a-z_]+)?")


def _indexless(match: re.Match[str]) -> str:
    """A pointer quoted in a message, its index dropped (a list of them follows array order)."""
    return re.sub(r"/\d+", "/#", match.group(0), count=1)


def _findings(result: PatientResult, record: dict[str, Any] | None = None) -> list[tuple]:
    """(rule, status, message, location); with ``record``, array pointers made index-free."""
    if record is None:
        return [(f.rule, str(f.status), f.message, f.location) for f in result.findings]

    return [
        (
            f.rule,
            str(f.status),
            _ARRAY_POINTER.sub(_indexless, f.message),
            _pointed_at(record, f.location),
        )
        for f in result.findings
    ]


def _shuffled(record: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    out = json.loads(json.dumps(record))
    for field in ARRAYS:
        if field in out:
            rng.shuffle(out[field])
    return out


def _verdicts(result: PatientResult, record: dict[str, Any]) -> list[tuple]:
    """(rule, status, where) per finding, independent of array order: ``where`` is every
    place the finding names (its location and the pointers its message quotes), each
    given by what it points at."""
    rows = []
    for f in result.findings:
        places = {_pointed_at(record, p) for p in _ARRAY_POINTER.findall(f.message)}
        places.add(_pointed_at(record, f.location))
        rows.append((f.rule, str(f.status), tuple(sorted(map(str, places)))))
    return sorted(rows)


def _reproducer(record: dict[str, Any], as_of: str, note: str) -> str:
    return (
        f"{note}\nrecord (save as r.jsonl):\n{json.dumps(record)}\n"
        f"command: PYTHONHASHSEED=1 tacecheck check r.jsonl --format jsonl --as-of {as_of}"
    )


def _checked(record: dict[str, Any], as_of: date) -> PatientResult:
    result = check(record, as_of=as_of)
    assert isinstance(result, PatientResult), _reproducer(
        record, as_of.isoformat(), f"valid record refused: {result}"
    )
    return result


@SETTINGS
@given(patient_records())
def test_drawn_records_pass_the_schema(record: dict[str, Any]) -> None:
    model, errors = load_record(record, "<drawn>")
    assert model is not None, [e.to_dict() for e in errors]
    assert errors == []


@SETTINGS
@given(patient_records(), as_of_dates(), st.randoms(use_true_random=False))
def test_findings_hold_on_recheck_and_shuffle(
    record: dict[str, Any], as_of: date, rng: random.Random
) -> None:
    first = _checked(record, as_of)
    problems = _schema_problems(first.to_dict(), "patient")
    assert not problems, _reproducer(record, as_of.isoformat(), f"report schema: {problems}")

    shuffled = _shuffled(record, rng)
    moved = _checked(shuffled, as_of)
    again = _checked(record, as_of)
    assert again.to_dict() == first.to_dict(), _reproducer(
        record, as_of.isoformat(), "a second check in the same process differs"
    )
    assert (moved.eligibility, moved.group) == (first.eligibility, first.group), _reproducer(
        record,
        as_of.isoformat(),
        f"shuffled arrays change the verdict: {first.eligibility}/{first.group} -> "
        f"{moved.eligibility}/{moved.group}; shuffled record: {json.dumps(shuffled)}",
    )
    want = _verdicts(first, record)
    got = _verdicts(moved, shuffled)
    assert got == want, _reproducer(
        record,
        as_of.isoformat(),
        "shuffled arrays change findings:\n"
        f"  only unshuffled: {sorted(set(want) - set(got))}\n"
        f"  only shuffled:   {sorted(set(got) - set(want))}\n"
        f"shuffled record: {json.dumps(shuffled)}",
    )


@SETTINGS
@given(patient_records(), as_of_dates(), st.randoms(use_true_random=False))
def test_messages_do_not_follow_array_order(
    record: dict[str, Any], as_of: date, rng: random.Random
) -> None:
    """Messages compared whole (pointer indices dropped): they must not change either."""
    shuffled = _shuffled(record, rng)
    want = sorted(_findings(_checked(record, as_of), record))
    got = sorted(_findings(_checked(shuffled, as_of), shuffled))
    assert got == want, _reproducer(
        record,
        as_of.isoformat(),
        "shuffled arrays change messages:\n"
        f"  only unshuffled: {sorted(set(want) - set(got))}\n"
        f"  only shuffled:   {sorted(set(got) - set(want))}\n"
        f"shuffled record: {json.dumps(shuffled)}",
    )


@cache
def _draw_batch(count: int) -> list[dict[str, Any]]:
    """``count`` drawn records with distinct patient ids, for the command-line runs."""
    drawn: list[dict[str, Any]] = []

    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(patient_records())
    def collect(record: dict[str, Any]) -> None:
        drawn.append(record)

    collect()
    return [dict(record, patient_id=f"B{n}") for n, record in enumerate(drawn)]


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("tacecheck")
    return [str(script)] if script.exists() else [sys.executable, "-m", "protocol.cli"]


def _run(path: Path, as_of: str, seed: str, fmt: str) -> str:
    env = dict(os.environ, PYTHONHASHSEED=seed)
    done = subprocess.run(
        [*_cli(), "check", str(path), "--format", fmt, "--as-of", as_of, "--quiet"],
        capture_output=True,
        env=env,
        timeout=1800,
        check=False,
    )
    stderr = done.stderr.decode("utf-8", "replace")
    assert done.returncode in (0, 1) and "Traceback" not in stderr, (
        f"tacecheck check {path.name} --format {fmt} --as-of {as_of} (PYTHONHASHSEED={seed}) "
        f"exited {done.returncode}: {stderr[-3000:]}"
    )
    return done.stdout.decode("utf-8")


def _breaking(line: str) -> list[str]:
    """Characters in a line that ``str.splitlines()`` (and so many readers) breaks at."""
    return sorted({f"U+{ord(c):04X}" for c in line if len(f"a{c}b".splitlines()) > 1})


def _lines(text: str, failures: list[str]) -> dict[str, dict[str, Any]]:
    """The patients of jsonl output by id; lines that do not fit the schema go to ``failures``."""
    lines = text.split("\n")
    assert lines[-1] == "", "jsonl output does not end with a newline"
    patients = {}
    for line in lines[:-1]:
        if _breaking(line):
            failures.append(f"jsonl line holds line breaks {_breaking(line)}: {line[:200]}")
        value = json.loads(line)
        problems = _schema_problems(value, "jsonl_line")
        if problems:
            failures.append(f"jsonl line does not fit the report schema: {problems}: {line[:200]}")
        if "errors" in value:
            failures.append(f"a valid record was refused: {line[:500]}")
        if "patient_id" in value:
            patients[value["patient_id"]] = value
    return patients


def _verdict(line: dict[str, Any]) -> tuple:
    findings = [(f["rule"], f["status"], f["message"], f.get("location")) for f in line["findings"]]
    return line["eligibility"], line["group"], findings


@pytest.mark.parametrize("as_of", CLI_AS_OF)
def test_verdicts_do_not_depend_on_hash_seed(tmp_path: Path, as_of: str) -> None:
    batch = _draw_batch(max(EXAMPLES, 20))
    path = tmp_path / "drawn.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in batch), encoding="utf-8")

    failures: list[str] = []
    one = _lines(_run(path, as_of, "1", "jsonl"), failures)
    two = _lines(_run(path, as_of, "2", "jsonl"), failures)
    report = json.loads(_run(path, as_of, "1", "json"))
    problems = _schema_problems(report)
    if problems:
        failures.append(f"JSON report does not fit the report schema: {problems[:5]}")
    for record in batch:
        pid = record["patient_id"]
        if pid not in one or pid not in two:
            failures.append(_reproducer(record, as_of, "missing from the jsonl output"))
            continue
        if _verdict(one[pid]) != _verdict(two[pid]):
            diff = sorted(set(_verdict(one[pid])[2]) ^ set(_verdict(two[pid])[2]))
            failures.append(_reproducer(record, as_of, f"seed 1 and seed 2 differ: {diff}"))
            continue
        api = _checked(record, date.fromisoformat(as_of)).to_dict()
        if _verdict(api) != _verdict(one[pid]):
            diff = sorted(set(_verdict(api)[2]) ^ set(_verdict(one[pid])[2]))
            failures.append(_reproducer(record, as_of, f"the CLI and check() differ: {diff}"))
    assert not failures, f"{len(failures)} of {len(batch)} records:\n" + "\n\n".join(failures[:5])
