"""Reading records from files, folders, JSON Lines and standard input, one at a time."""

from __future__ import annotations

import inspect
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from protocol.records import Submission, read_sources
from protocol.records.sources import read_raw


def record(patient_id: str, cohort: str = "sorafenib_after_tace") -> dict:
    return {"schema_version": "1", "patient_id": patient_id, "cohort": cohort}


def line(patient_id: str) -> str:
    return json.dumps(record(patient_id)) + "\n"


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return path


def summary(submissions: list[Submission], folder: Path | None = None) -> list[tuple[str, str]]:
    """(source, patient_id or 'ERROR: message') for each submission, sources relative."""
    out = []
    for item in submissions:
        source = item.source
        if folder is not None:
            source = source.removeprefix(str(folder) + "/")
        if item.error is not None:
            assert item.record is None
            assert item.error.source == item.source
            out.append((source, f"ERROR: {item.error.message}"))
        else:
            out.append((source, item.record["patient_id"]))
    return out


def fake_stdin(monkeypatch: pytest.MonkeyPatch, stream: object) -> None:
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=stream))


# --- files and folders -------------------------------------------------------------------------


def test_a_folder_is_read_recursively_in_sorted_order(tmp_path: Path) -> None:
    # Written out of order on purpose.
    write(tmp_path / "sub" / "deeper" / "z.JSON", json.dumps(record("Z")))
    write(tmp_path / "c.ndjson", line("C1") + line("C2"))
    write(tmp_path / "b" / "2.json", json.dumps(record("B2")))
    write(tmp_path / "a.json", json.dumps(record("A")))
    write(tmp_path / "b" / "1.jsonl", line("B1-1") + line("B1-2"))
    write(tmp_path / "notes.txt", "not a record")
    write(tmp_path / "b" / "readme.md", "# not a record")
    write(tmp_path / "EXPECTED.yaml", "a: 1\n")

    got = summary(list(read_sources([tmp_path])), tmp_path)

    other = (
        "ERROR: not a record file: a folder's .json, .jsonl and .ndjson files are read; "
        "this one was not"
    )
    assert got == [
        ("EXPECTED.yaml", other),  # byte order: capitals first
        ("a.json", "A"),
        ("b/1.jsonl:1", "B1-1"),
        ("b/1.jsonl:2", "B1-2"),
        ("b/2.json", "B2"),
        ("b/readme.md", other),
        ("c.ndjson:1", "C1"),
        ("c.ndjson:2", "C2"),
        ("notes.txt", other),
        ("sub/deeper/z.JSON", "Z"),
    ]


def test_paths_are_read_in_the_order_given_and_a_missing_one_does_not_stop_the_rest(
    tmp_path: Path,
) -> None:
    second = write(tmp_path / "second.json", json.dumps(record("SECOND")))
    first = write(tmp_path / "first.jsonl", line("FIRST"))
    missing = tmp_path / "nowhere.json"

    got = summary(list(read_sources([second, str(missing), first])), tmp_path)

    assert got == [
        ("second.json", "SECOND"),
        ("nowhere.json", "ERROR: no such file or folder"),
        ("first.jsonl:1", "FIRST"),
    ]


def test_a_missing_path_is_a_record_error(tmp_path: Path) -> None:
    missing = str(tmp_path / "no" / "such.json")
    [item] = list(read_sources([missing]))
    assert item.record is None
    assert item.error is not None
    assert item.error.source == missing
    assert item.error.location == ""
    assert "no such file or folder" in item.error.message


def test_a_folder_without_records_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "notes.txt", "hello")
    write(tmp_path / "data.csv", "patient_id\nP1\n")
    items = list(read_sources([tmp_path]))
    # Each file is named, never skipped in silence; nothing is checked.
    assert [item.source for item in items] == [
        str(tmp_path / "data.csv"),
        str(tmp_path / "notes.txt"),
    ]
    assert all(
        item.error is not None and "not a record file" in item.error.message for item in items
    )


def test_an_empty_folder_is_an_error(tmp_path: Path) -> None:
    [item] = list(read_sources([tmp_path]))
    assert item.error is not None
    assert "holds no .json" in item.error.message


def test_jsonl_lines_are_read_one_at_a_time_with_their_line_numbers(tmp_path: Path) -> None:
    path = write(
        tmp_path / "batch.jsonl",
        line("L1") + "\n" + line("L3") + '{"broken": \n' + line("L5"),
    )
    got = summary(list(read_sources([path])), tmp_path)
    assert got[0] == ("batch.jsonl:1", "L1")
    assert got[1] == ("batch.jsonl:3", "L3")
    assert got[2][0] == "batch.jsonl:4"
    assert got[2][1].startswith("ERROR: malformed JSON at line 4, column 12")
    assert got[3] == ("batch.jsonl:5", "L5")
    assert len(got) == 4


def test_jsonl_with_windows_line_endings_and_a_byte_order_mark(tmp_path: Path) -> None:
    text = "\ufeff" + line("W1").replace("\n", "\r\n") + line("W2").replace("\n", "\r\n")
    path = write(tmp_path / "windows.jsonl", text)
    assert summary(list(read_sources([path])), tmp_path) == [
        ("windows.jsonl:1", "W1"),
        ("windows.jsonl:2", "W2"),
    ]


def test_a_json_file_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = write(tmp_path / "bom.json", b"\xef\xbb\xbf" + json.dumps(record("BOM")).encode())
    assert summary(list(read_sources([path])), tmp_path) == [("bom.json", "BOM")]


def test_a_pretty_printed_json_file_is_one_record(tmp_path: Path) -> None:
    path = write(tmp_path / "one.json", json.dumps(record("ONE"), indent=2))
    [item] = list(read_sources([path]))
    assert item.error is None
    assert item.source == str(path)
    assert item.record == record("ONE")


def test_max_bytes_limits_each_record(tmp_path: Path) -> None:
    small = write(tmp_path / "small.json", json.dumps(record("S")))
    size = small.stat().st_size
    [item] = list(read_sources([small], max_bytes=size - 1))
    assert item.error is not None
    assert f"over the record limit of {size - 1:,} bytes" in item.error.message
    [item] = list(read_sources([small], max_bytes=size))
    assert item.error is None


# --- standard input ----------------------------------------------------------------------------


def test_stdin_json_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_stdin(monkeypatch, io.BytesIO((line("S1") + line("S2") + line("S3")).encode()))
    assert summary(list(read_sources(["-"]))) == [
        ("<stdin>:1", "S1"),
        ("<stdin>:2", "S2"),
        ("<stdin>:3", "S3"),
    ]


def test_stdin_pretty_printed_single_record(monkeypatch: pytest.MonkeyPatch) -> None:
    text = json.dumps(record("PRETTY"), indent=2) + "\n"
    assert text.count("\n") > 3
    fake_stdin(monkeypatch, io.BytesIO(text.encode()))
    [item] = list(read_sources(["-"]))
    assert item.error is None
    assert item.source == "<stdin>"
    assert item.record == record("PRETTY")


def test_stdin_pretty_printed_record_with_a_mistake_gives_its_position(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = '{\n  "schema_version": "1",\n  "patient_id": "X"\n  "cohort": "tace_alone_control"\n}\n'
    fake_stdin(monkeypatch, io.BytesIO(text.encode()))
    [item] = list(read_sources(["-"]))
    assert item.error is not None
    assert item.source == "<stdin>"
    assert "malformed JSON at line 4, column 3" in item.error.message


def test_stdin_json_lines_with_a_bad_first_line_still_reads_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The first line is a whole line of bad JSON (a trailing comma), not the start of a
    # pretty-printed record: the good lines after it must still be read.
    text = '{"schema_version": "1", "patient_id": "BAD",}\n' + line("S2") + line("S3")
    fake_stdin(monkeypatch, io.BytesIO(text.encode()))
    got = summary(list(read_sources(["-"])))
    assert [source for source, _ in got] == ["<stdin>:1", "<stdin>:2", "<stdin>:3"]
    assert got[0][1].startswith("ERROR: malformed JSON at line 1")
    assert got[1:] == [("<stdin>:2", "S2"), ("<stdin>:3", "S3")]


def test_empty_stdin_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_stdin(monkeypatch, io.BytesIO(b""))
    [item] = list(read_sources(["-"]))
    assert item.error is not None
    assert item.source == "<stdin>"
    assert "the input is empty" in item.error.message


# --- streaming ---------------------------------------------------------------------------------


def test_read_sources_is_a_generator() -> None:
    assert inspect.isgenerator(read_sources([]))
    assert list(read_sources([])) == []


def test_paths_are_taken_one_at_a_time(tmp_path: Path) -> None:
    path = write(tmp_path / "a.json", json.dumps(record("A")))
    taken: list[Path] = []

    def paths() -> Iterator[Path]:
        for _ in range(3):
            taken.append(path)
            yield path

    stream = read_sources(paths())
    assert taken == []  # nothing happens before the first item is asked for
    first = next(stream)
    assert first.record == record("A")
    assert len(taken) == 1


class CountingStdin:
    """An endless stream of JSON Lines that fails the test if read too far ahead."""

    def __init__(self, limit: int) -> None:
        self.lines_read = 0
        self.limit = limit

    def _next_line(self) -> bytes:
        self.lines_read += 1
        if self.lines_read > self.limit:
            raise AssertionError(f"read {self.lines_read} lines for one record: not streaming")
        return line(f"S{self.lines_read}").encode()

    def readline(self, size: int | None = -1) -> bytes:
        return self._next_line()

    def read1(self, size: int = -1) -> bytes:
        return self._next_line()

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        return self._next_line()


def test_stdin_is_read_one_line_per_record(monkeypatch: pytest.MonkeyPatch) -> None:
    stdin = CountingStdin(limit=5)
    fake_stdin(monkeypatch, stdin)
    stream = read_sources(["-"])
    first = next(stream)
    assert first.source == "<stdin>:1" and first.record == record("S1")
    second = next(stream)
    assert second.source == "<stdin>:2" and second.record == record("S2")
    assert stdin.lines_read <= 3


def test_a_folder_reads_each_file_only_when_its_turn_comes(tmp_path: Path) -> None:
    write(tmp_path / "a.json", json.dumps(record("A")))
    later = write(tmp_path / "b.json", json.dumps(record("B-BEFORE")))
    stream = read_sources([tmp_path])
    assert next(stream).record == record("A")
    write(later, json.dumps(record("B-AFTER")))
    assert next(stream).record == record("B-AFTER")


def test_the_first_jsonl_record_comes_before_a_bad_last_line(tmp_path: Path) -> None:
    path = write(tmp_path / "tail.jsonl", line("T1") + line("T2") + "{not json\n")
    stream = read_sources([path])
    first = next(stream)
    assert first.error is None and first.record == record("T1")
    rest = summary(list(stream), tmp_path)
    assert rest[0] == ("tail.jsonl:2", "T2")
    assert rest[1][0] == "tail.jsonl:3" and rest[1][1].startswith("ERROR: malformed JSON")


def test_a_jsonl_file_is_read_line_by_line_not_all_at_once(tmp_path: Path) -> None:
    # A line appended after the first record was handed out is still seen: the reader had
    # not slurped the file.
    path = write(tmp_path / "grow.jsonl", line("G1"))
    stream = read_sources([path])
    assert next(stream).record == record("G1")
    with path.open("ab") as handle:
        handle.write(line("G2").encode())
    assert summary(list(stream), tmp_path) == [("grow.jsonl:2", "G2")]


def test_stdin_json_lines_whose_first_line_breaks_off_still_reads_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A first line cut off mid-object looks like the start of a pretty-printed record; the
    # next line is a whole record, so this is JSON Lines and the rest must be read.
    text = '{"schema_version": "1", "patient_id": "CUT",\n' + line("S2") + line("S3")
    fake_stdin(monkeypatch, io.BytesIO(text.encode()))
    got = summary(list(read_sources(["-"])))
    assert [source for source, _ in got] == ["<stdin>:1", "<stdin>:2", "<stdin>:3"]
    assert got[0][1].startswith("ERROR: malformed JSON")
    assert got[1:] == [("<stdin>:2", "S2"), ("<stdin>:3", "S3")]


def test_stdin_pretty_printed_record_after_blank_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "\n\n" + json.dumps(record("LATE"), indent=2) + "\n"
    fake_stdin(monkeypatch, io.BytesIO(text.encode()))
    [item] = list(read_sources(["-"]))
    assert item.error is None and item.record == record("LATE")


def test_stdin_pretty_printed_input_over_the_limit_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = json.dumps(record("BIG"), indent=2) + "\n"
    fake_stdin(monkeypatch, io.BytesIO(text.encode()))
    [item] = list(read_sources(["-"], max_bytes=len(text) - 10))
    assert item.error is not None and "over the record limit" in item.error.message


def test_hidden_files_and_skipped_files_in_a_folder_are_not_read(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps(record("A")), encoding="utf-8")
    (tmp_path / "._a.json").write_bytes(b"\x00\x05 macOS metadata")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.json").write_text("{}", encoding="utf-8")
    (tmp_path / "report.json").write_text("{}", encoding="utf-8")
    got = [raw.source for raw in read_raw([tmp_path], skip=[tmp_path / "report.json"])]
    assert got == [str(tmp_path / "a.json")]
