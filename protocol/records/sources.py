"""Reading submitted records, one at a time, from files, folders, JSON Lines or stdin.

Every input yields a stream of :class:`Submission` items: either a decoded
record with the place it came from, or the :class:`~protocol.findings.RecordError`
that explains why a piece of input is not a record. A bad piece never stops
the stream; nothing is read into memory beyond one record (a ``.json`` file
holds one record; ``.jsonl``/``.ndjson`` and standard input hold one per line).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from protocol.findings import RecordError
from protocol.records.json_input import MAX_RECORD_BYTES, JsonProblem, decode_record

__all__ = ["JSONL_SUFFIXES", "JSON_SUFFIXES", "Submission", "read_sources"]

JSON_SUFFIXES = frozenset({".json"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})


@dataclass(frozen=True, slots=True)
class Submission:
    """One decoded record, or the error that stands in its place."""

    source: str
    record: Any = None
    error: RecordError | None = None


def _problem(source: str, problem: JsonProblem) -> Submission:
    return Submission(source, error=RecordError(source, problem.pointer, problem.message))


def _read_json_file(path: Path, label: str, max_bytes: int) -> Iterator[Submission]:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise JsonProblem(
                f"file is {size:,} bytes, over the record limit of {max_bytes:,} bytes; "
                "a .json file holds one patient record (use .jsonl for many)"
            )
        raw = path.read_bytes()
        value = decode_record(raw, max_bytes=max_bytes)
    except JsonProblem as problem:
        yield _problem(label, problem)
        return
    except OSError as error:
        yield Submission(label, error=RecordError(label, "", f"cannot read file: {error.strerror}"))
        return
    if isinstance(value, list):
        yield Submission(
            label,
            error=RecordError(
                label,
                "",
                "a .json file holds one patient record (a JSON object), "
                "not a list; put many records in a .jsonl file, one per line",
            ),
        )
        return
    yield Submission(label, record=value)


def _read_lines(stream: BinaryIO, label: str, max_bytes: int) -> Iterator[Submission]:
    seen = False
    for number, raw in enumerate(stream, start=1):
        source = f"{label}:{number}"
        if len(raw) > max_bytes:
            yield _problem(
                source,
                JsonProblem(
                    f"line is {len(raw):,} bytes, over the record limit of {max_bytes:,} bytes"
                ),
            )
            seen = True
            continue
        if not raw.strip():
            continue
        seen = True
        try:
            value = decode_record(raw.rstrip(b"\r\n"), line_offset=number - 1, max_bytes=max_bytes)
        except JsonProblem as problem:
            yield _problem(source, problem)
            continue
        yield Submission(source, record=value)
    if not seen:
        yield _problem(label, JsonProblem("no records here: the input is empty"))


def _read_jsonl_file(path: Path, label: str, max_bytes: int) -> Iterator[Submission]:
    try:
        with path.open("rb") as stream:
            yield from _read_lines(stream, label, max_bytes)
    except OSError as error:
        yield Submission(label, error=RecordError(label, "", f"cannot read file: {error.strerror}"))


def _read_stdin(max_bytes: int) -> Iterator[Submission]:
    stream = sys.stdin.buffer
    first = stream.readline()
    rest = stream.read() if first.lstrip().startswith(b"{") and not _complete(first) else None
    if rest is not None:
        # A pretty-printed single record spread over several lines.
        try:
            yield Submission("<stdin>", record=decode_record(first + rest, max_bytes=max_bytes))
        except JsonProblem as problem:
            yield _problem("<stdin>", problem)
        return

    def lines() -> Iterator[bytes]:
        if first:
            yield first
        yield from stream

    yield from _read_lines(lines(), "<stdin>", max_bytes)  # type: ignore[arg-type]


def _complete(line: bytes) -> bool:
    """False when a line is the start of a longer JSON document (it breaks off at its end)."""
    text = line.strip()
    try:
        decode_record(text)
    except JsonProblem as problem:
        if problem.line is None:
            return True
        return not (problem.line > 1 or problem.column > len(text.decode("utf-8", "replace")))
    return True


def _files_below(folder: Path) -> list[Path]:
    suffixes = JSON_SUFFIXES | JSONL_SUFFIXES
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in suffixes)


def read_sources(
    paths: Iterable[str | Path], max_bytes: int = MAX_RECORD_BYTES
) -> Iterator[Submission]:
    """Every record (or error) from the given paths, in order; ``-`` is standard input."""
    for item in paths:
        if str(item) == "-":
            yield from _read_stdin(max_bytes)
            continue
        path = Path(item)
        label = str(item)
        if path.is_dir():
            files = _files_below(path)
            if not files:
                yield Submission(
                    label,
                    error=RecordError(label, "", "folder holds no .json, .jsonl or .ndjson files"),
                )
            for file in files:
                yield from _read_file(file, str(file), max_bytes)
        elif path.is_file():
            yield from _read_file(path, label, max_bytes)
        else:
            yield Submission(label, error=RecordError(label, "", "no such file or folder"))


def _read_file(path: Path, label: str, max_bytes: int) -> Iterator[Submission]:
    if path.suffix.lower() in JSONL_SUFFIXES:
        yield from _read_jsonl_file(path, label, max_bytes)
    else:
        yield from _read_json_file(path, label, max_bytes)
