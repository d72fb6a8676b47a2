"""Every malformed input gets its own message, JSON Pointer and exit code 2.

The corpus is ``tests/malformed/``; ``tests/malformed/EXPECTED.yaml`` says, for
each file, every error it must produce (source, JSON Pointer, a distinctive part
of the message) and which good records in it must still be read. Inputs too big
to commit are generated here, into ``tmp_path``.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml

from protocol.records import load_record, read_sources
from protocol.records.json_input import MAX_RECORD_BYTES

CORPUS = Path(__file__).parent / "malformed"
EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load(
    (CORPUS / "EXPECTED.yaml").read_text(encoding="utf-8")
)
INPUT_SUFFIXES = {".json", ".jsonl", ".ndjson"}

Outcome = tuple[str, str, str]  # (source relative to the folder, location, message text)


# --- generated inputs ------------------------------------------------------------------------

_HEAD = '{"schema_version": "1", "patient_id": "%s", "cohort": "tace_alone_control"'


def _padded_record(patient_id: str, size: int) -> bytes:
    """A valid record followed by spaces, exactly ``size`` bytes long."""
    body = (_HEAD % patient_id + "}").encode()
    return body + b" " * (size - len(body))


def _oversize_jsonl() -> bytes:
    good = (_HEAD % "BIG-L1" + "}\n").encode()
    big = _padded_record("BIG-L2", MAX_RECORD_BYTES + 100) + b"\n"
    last = (_HEAD % "BIG-L3" + "}\n").encode()
    return good + big + last


def _recursion_bomb() -> bytes:
    return (_HEAD % "M-BOMB" + ', "site_id": ' + "[" * 100_000 + "]" * 100_000 + "}").encode()


GENERATED: dict[str, tuple[Callable[[], bytes], dict[str, Any]]] = {
    "oversize.json": (
        lambda: _padded_record("M-BIG", MAX_RECORD_BYTES + 1),
        {
            "errors": [
                {
                    "location": "",
                    "message": ["1,000,001 bytes", "over the record limit of 1,000,000 bytes"],
                }
            ]
        },
    ),
    "exactly-at-limit.json": (
        lambda: _padded_record("AT-LIMIT", MAX_RECORD_BYTES),
        {"errors": [], "records": {"exactly-at-limit.json": "AT-LIMIT"}},
    ),
    "oversize-line.jsonl": (
        _oversize_jsonl,
        {
            "errors": [
                {
                    "source": "oversize-line.jsonl:2",
                    "location": "",
                    "message": "over the record limit of 1,000,000 bytes",
                }
            ],
            "records": {"oversize-line.jsonl:1": "BIG-L1", "oversize-line.jsonl:3": "BIG-L3"},
        },
    ),
    "recursion-bomb.json": (
        _recursion_bomb,
        {"errors": [{"location": "", "message": "JSON nested too deeply"}]},
    ),
}


@pytest.fixture(scope="module")
def generated_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("generated")
    for name, (make, _) in GENERATED.items():
        (folder / name).write_bytes(make())
    return folder


@pytest.fixture
def batch(tmp_path: Path, generated_dir: Path) -> Path:
    """The committed corpus and the generated inputs together in one folder.

    EXPECTED.yaml stays out: it is no input, and a folder's other files are reported."""
    folder = tmp_path / "batch"
    shutil.copytree(CORPUS, folder, ignore=shutil.ignore_patterns("EXPECTED.yaml"))
    for name in GENERATED:
        shutil.copyfile(generated_dir / name, folder / name)
    return folder


# --- helpers ---------------------------------------------------------------------------------


def _relative(source: str, folder: Path) -> str:
    prefix = str(folder) + os.sep
    return source[len(prefix) :] if source.startswith(prefix) else source


def _parts(message: str | list[str]) -> list[str]:
    return [message] if isinstance(message, str) else list(message)


def _resolve(document: Any, pointer: str) -> Any:
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        document = document[int(token)] if isinstance(document, list) else document[token]
    return document


def read_folder_file(path: Path) -> tuple[list[Outcome], dict[str, str]]:
    """What the library says about one file: its errors, and the records that loaded."""
    errors: list[Outcome] = []
    loaded: dict[str, str] = {}
    for submission in read_sources([str(path)]):
        if submission.error is not None:
            error = submission.error
            assert submission.record is None
            errors.append((_relative(error.source, path.parent), error.location, error.text()))
            continue
        model, record_errors = load_record(submission.record, submission.source)
        for error in record_errors:
            assert error.source == submission.source
            # A schema error points into the record: at least its parent exists there.
            parent = error.location.rsplit("/", 1)[0] if error.location else ""
            _resolve(submission.record, parent)
            errors.append((_relative(error.source, path.parent), error.location, error.text()))
        if model is not None:
            assert record_errors == []
            loaded[_relative(submission.source, path.parent)] = model.patient_id
    return errors, loaded


def mismatches(name: str, actual: Iterable[Outcome], expected: list[dict]) -> str | None:
    """Pair each expected error with one actual error; describe what is left on either side."""
    remaining = list(actual)
    missing = []
    for want in expected:
        source = want.get("source", name)
        for index, (got_source, got_location, got_message) in enumerate(remaining):
            if (
                got_source == source
                and got_location == want["location"]
                and all(part in got_message for part in _parts(want["message"]))
            ):
                del remaining[index]
                break
        else:
            missing.append(want)
    if not missing and not remaining:
        return None
    return (
        f"{name}:\n  expected but not reported: {missing}\n  reported but not expected: {remaining}"
    )


def assert_errors_match(name: str, actual: Iterable[Outcome], expected: list[dict]) -> None:
    """Each expected error matches one actual error, and no actual error is left over."""
    problem = mismatches(name, actual, expected)
    assert problem is None, problem


def _by_file(outcomes: list[Outcome], name: str) -> list[Outcome]:
    return [o for o in outcomes if o[0] == name or o[0].startswith(name + ":")]


def _well_formed(outcomes: Iterable[Outcome]) -> None:
    for _source, location, message in outcomes:
        assert location == "" or location.startswith("/"), location
        assert message and "\n" not in message, message
        assert "Traceback" not in message and "Error(" not in message, message


# --- the corpus itself -----------------------------------------------------------------------


def corpus_inputs() -> list[str]:
    return sorted(p.name for p in CORPUS.iterdir() if p.suffix in INPUT_SUFFIXES)


def test_every_corpus_file_has_an_expectation_and_every_expectation_a_file() -> None:
    assert corpus_inputs() == sorted(EXPECTED)


def test_corpus_holds_at_least_25_malformed_files_beside_a_good_record() -> None:
    malformed = [name for name, entry in EXPECTED.items() if entry["errors"]]
    assert len(malformed) >= 25
    assert EXPECTED["good-record.json"]["errors"] == []
    assert (CORPUS / "good-record.json").is_file()


def test_non_utf8_files_really_hold_invalid_utf8() -> None:
    for name in ("non-utf8.json", "non-utf8-after-accents.json"):
        with pytest.raises(UnicodeDecodeError):
            (CORPUS / name).read_bytes().decode("utf-8")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_corpus_file_gets_its_specific_errors(name: str) -> None:
    entry = EXPECTED[name]
    errors, loaded = read_folder_file(CORPUS / name)
    _well_formed(errors)
    assert_errors_match(name, errors, entry["errors"])
    assert loaded == entry.get("records", {})


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_each_generated_input_gets_its_specific_errors(name: str, generated_dir: Path) -> None:
    entry = GENERATED[name][1]
    errors, loaded = read_folder_file(generated_dir / name)
    _well_formed(errors)
    assert_errors_match(name, errors, entry["errors"])
    assert loaded == entry.get("records", {})


def test_generated_inputs_have_the_sizes_they_claim(generated_dir: Path) -> None:
    assert (generated_dir / "oversize.json").stat().st_size == MAX_RECORD_BYTES + 1
    assert (generated_dir / "exactly-at-limit.json").stat().st_size == MAX_RECORD_BYTES


def test_a_whole_folder_reads_every_file_and_loses_no_good_record() -> None:
    """Reading the folder at once gives the same errors and records as file by file."""
    errors: list[Outcome] = []
    loaded: dict[str, str] = {}
    for submission in read_sources([str(CORPUS)]):
        source = _relative(submission.source, CORPUS)
        if submission.error is not None:
            error = submission.error
            errors.append((_relative(error.source, CORPUS), error.location, error.text()))
            continue
        model, record_errors = load_record(submission.record, submission.source)
        errors += [(_relative(e.source, CORPUS), e.location, e.text()) for e in record_errors]
        if model is not None:
            loaded[source] = model.patient_id
    problems = [
        mismatches(name, _by_file(errors, name), entry["errors"])
        for name, entry in EXPECTED.items()
    ]
    issues = [p for p in problems if p]
    assert not issues, "\n".join(issues)
    assert loaded == {
        k: v for entry in EXPECTED.values() for k, v in entry.get("records", {}).items()
    }


# --- the command line ------------------------------------------------------------------------


def _run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from protocol.cli import main

    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _all_expectations() -> dict[str, dict[str, Any]]:
    return {**EXPECTED, **{name: entry for name, (_, entry) in GENERATED.items()}}


def test_cli_reports_every_malformed_file_and_still_checks_the_good_records(
    batch: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run_cli(["check", "--format", "json", str(batch)], capsys)
    assert code == 2
    assert "Traceback" not in err
    report = json.loads(out)
    assert report["protocol"]["id"] == "tamai-2017"

    for entry in report["errors"]:
        assert isinstance(entry["source"], str)
        assert isinstance(entry["location"], str)
        assert isinstance(entry["message"], str) and entry["message"]
    reported = [
        (_relative(e["source"], batch), e["location"], e["message"]) for e in report["errors"]
    ]
    _well_formed(reported)
    expectations = _all_expectations()
    problems = [
        mismatches(name, _by_file(reported, name), entry["errors"])
        for name, entry in expectations.items()
    ]
    # Every error belongs to a file that should have one.
    with_errors = {name for name, entry in expectations.items() if entry["errors"]}
    strays = [r for r in reported if r[0].split(":")[0] not in with_errors]

    # The good records beside the bad ones are checked, and only they.
    good = {pid for entry in expectations.values() for pid in entry.get("records", {}).values()}
    patients = {p["patient_id"]: p for p in report["patients"]}
    issues = [p for p in problems if p] + [f"error for an unexpected source: {r}" for r in strays]
    if set(patients) != good:
        issues.append(f"patients {sorted(patients)}, expected {sorted(good)}")
    assert not issues, "\n".join(issues)

    # GOOD-001 conforms (hand-checked against PROTOCOL.md): TACE #1 2011-07-04, progression
    # 2011-11-20 (before 2012-01-04), TACE #2 2011-12-12, sorafenib 400 mg BID from day 14.
    assert patients["GOOD-001"]["cohort"] == "sorafenib_after_tace"
    assert patients["GOOD-001"]["eligibility"] == "eligible"
    assert patients["GOOD-001"]["findings"]


MALFORMED = sorted(name for name, entry in EXPECTED.items() if entry["errors"])


@pytest.mark.parametrize("name", MALFORMED)
def test_cli_exits_2_with_the_files_errors_and_no_traceback(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run_cli(["check", "--format", "json", str(CORPUS / name)], capsys)
    assert code == 2
    assert "Traceback" not in err and "Traceback" not in out
    report = json.loads(out)
    reported = [
        (_relative(e["source"], CORPUS), e["location"], e["message"]) for e in report["errors"]
    ]
    assert_errors_match(name, reported, EXPECTED[name]["errors"])
    assert {p["patient_id"] for p in report["patients"]} == set(
        EXPECTED[name].get("records", {}).values()
    )


@pytest.mark.parametrize("name", MALFORMED)
def test_cli_text_format_exits_2_without_traceback(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run_cli(["check", str(CORPUS / name)], capsys)
    assert code == 2
    assert "Traceback" not in err and "Traceback" not in out
    assert name in out + err


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_cli_on_generated_inputs_has_no_traceback(
    name: str, generated_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entry = GENERATED[name][1]
    code, out, err = _run_cli(["check", "--format", "json", str(generated_dir / name)], capsys)
    assert "Traceback" not in err
    assert (code == 2) == bool(entry["errors"])
    report = json.loads(out)
    reported = [
        (_relative(e["source"], generated_dir), e["location"], e["message"])
        for e in report["errors"]
    ]
    assert_errors_match(name, reported, entry["errors"])


def test_an_unpaired_surrogate_escape_is_an_input_error_with_its_pointer() -> None:
    from protocol.records.json_input import JsonProblem, decode_record

    with pytest.raises(JsonProblem) as problem:
        decode_record(b'{"adverse_events": [{"term": "bad \\ud800 text"}]}')
    assert problem.value.pointer == "/adverse_events/0/term"
    assert "unpaired surrogate" in problem.value.message
    # A proper pair written as escapes is one character, and fine.
    assert decode_record(b'{"term": "\\ud83d\\ude00"}') == {"term": "\U0001f600"}
