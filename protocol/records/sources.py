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
from typing import Any

from protocol.findings import RecordError
from protocol.records.json_input import MAX_RECORD_BYTES, JsonProblem, decode_record

__all__ = [
    "JSONL_SUFFIXES",
    "JSON_SUFFIXES",
    "RawRecord",
    "Submission",
    "input_size",
    "read_raw",
    "read_sources",
]

JSON_SUFFIXES = frozenset({".json"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})


@dataclass(frozen=True, slots=True)
class Submission:
    """One decoded record, or the error that stands in its place."""

    source: str
    record: Any = None
    error: RecordError | None = None


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One record's bytes as read, not yet decoded (decoding may run in a worker).

    ``kind`` says how to decode: ``file`` (a whole ``.json`` file: one object),
    ``line`` (a JSON Lines line, ``line_offset`` lines into its file) or
    ``document`` (a whole pretty-printed record from standard input).
    ``size`` is the number of input bytes it stands for, for progress.
    """

    source: str
    raw: bytes | None = None
    kind: str = "line"
    line_offset: int = 0
    max_bytes: int = MAX_RECORD_BYTES
    error: RecordError | None = None
    size: int = 0

    def decode(self) -> Submission:
        """The decoded record, or the reason it is not one."""
        if self.error is not None or self.raw is None:
            return Submission(self.source, error=self.error)
        try:
            value = decode_record(
                self.raw.rstrip(b"\r\n") if self.kind == "line" else self.raw,
                line_offset=self.line_offset,
                max_bytes=self.max_bytes,
            )
        except JsonProblem as problem:
            return _problem(self.source, problem)
        if self.kind == "file" and isinstance(value, list):
            return Submission(
                self.source,
                error=RecordError(
                    self.source,
                    "",
                    "a .json file holds one patient record (a JSON object), "
                    "not a list; put many records in a .jsonl file, one per line",
                ),
            )
        return Submission(self.source, record=value)


def _problem(source: str, problem: JsonProblem) -> Submission:
    return Submission(source, error=RecordError(source, problem.pointer, problem.message))


def _failed(source: str, message: str, size: int = 0) -> RawRecord:
    return RawRecord(source, error=RecordError(source, "", message), size=size)


def _read_json_file(path: Path, label: str, max_bytes: int) -> Iterator[RawRecord]:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            yield _failed(
                label,
                f"file is {size:,} bytes, over the record limit of {max_bytes:,} bytes; "
                "a .json file holds one patient record (use .jsonl for many)",
                size,
            )
            return
        raw = path.read_bytes()
    except OSError as error:
        yield _failed(label, f"cannot read file: {error.strerror}")
        return
    yield RawRecord(label, raw, "file", max_bytes=max_bytes, size=len(raw))


def _read_lines(stream: Iterable[bytes], label: str, max_bytes: int) -> Iterator[RawRecord]:
    seen = False
    for number, raw in enumerate(stream, start=1):
        source = f"{label}:{number}"
        if len(raw) > max_bytes:
            yield _failed(
                source,
                f"line is {len(raw):,} bytes, over the record limit of {max_bytes:,} bytes",
                len(raw),
            )
            seen = True
            continue
        if not raw.strip():
            continue
        seen = True
        yield RawRecord(source, raw, "line", number - 1, max_bytes, size=len(raw))
    if not seen:
        yield _failed(label, "no records here: the input is empty")


def _read_jsonl_file(path: Path, label: str, max_bytes: int) -> Iterator[RawRecord]:
    try:
        with path.open("rb") as stream:
            yield from _read_lines(stream, label, max_bytes)
    except OSError as error:
        yield _failed(label, f"cannot read file: {error.strerror}")


def _read_stdin(max_bytes: int) -> Iterator[RawRecord]:
    stream = sys.stdin.buffer
    ahead: list[bytes] = []  # lines read to decide the shape, in order
    first = stream.readline()
    while first and not first.strip():  # blank lines before the first record
        ahead.append(first)
        first = stream.readline()
    ahead.append(first)
    if first.lstrip().startswith(b"{") and not _complete(first):
        second = stream.readline()
        while second and not second.strip():
            ahead.append(second)
            second = stream.readline()
        ahead.append(second)
        if not _whole_object(second):
            # A pretty-printed single record spread over several lines.
            whole = b"".join(ahead) + stream.read(max_bytes + 1)
            if len(whole) > max_bytes:
                yield _failed(
                    "<stdin>",
                    f"standard input is over the record limit of {max_bytes:,} bytes and is "
                    "not JSON Lines; send many records one per line",
                    len(whole),
                )
                return
            yield RawRecord("<stdin>", whole, "document", max_bytes=max_bytes, size=len(whole))
            return
        # Otherwise JSON Lines whose first line is broken: it gets its own error below.

    def lines() -> Iterator[bytes]:
        yield from (line for line in ahead if line)
        yield from stream

    yield from _read_lines(lines(), "<stdin>", max_bytes)


def _whole_object(line: bytes) -> bool:
    """True when a line is a JSON object on its own (a JSON Lines record)."""
    text = line.strip()
    if not text.startswith(b"{"):
        return False
    try:
        return isinstance(decode_record(text), dict)
    except JsonProblem:
        return False


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


def _files_below(folder: Path, skip: frozenset[Path] = frozenset()) -> list[Path]:
    """Record files in a folder and below, in name order; hidden files and ``skip`` left out."""
    suffixes = JSON_SUFFIXES | JSONL_SUFFIXES
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and p.suffix.lower() in suffixes
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
        and p.resolve() not in skip
    )


def input_size(paths: Iterable[str | Path]) -> int | None:
    """Total bytes of the given inputs, or None when one is standard input."""
    total = 0
    for item in paths:
        if str(item) == "-":
            return None
        path = Path(item)
        try:
            files = _files_below(path) if path.is_dir() else [path] if path.is_file() else []
            total += sum(file.stat().st_size for file in files)
        except OSError:
            continue
    return total


def read_raw(
    paths: Iterable[str | Path],
    max_bytes: int = MAX_RECORD_BYTES,
    skip: Iterable[str | Path] = (),
) -> Iterator[RawRecord]:
    """Every record's bytes (or the error in its place) from the given paths, in order.

    Files in ``skip`` (the report being written, say) are not read from folders.
    """
    skipped = frozenset(Path(item).resolve() for item in skip)
    for item in paths:
        if str(item) == "-":
            yield from _read_stdin(max_bytes)
            continue
        path = Path(item)
        label = str(item)
        if path.is_dir():
            files = _files_below(path, skipped)
            if not files:
                yield _failed(label, "folder holds no .json, .jsonl or .ndjson files")
            for file in files:
                yield from _read_file(file, str(file), max_bytes)
        elif path.is_file():
            yield from _read_file(path, label, max_bytes)
        else:
            yield _failed(label, "no such file or folder")


def read_sources(
    paths: Iterable[str | Path], max_bytes: int = MAX_RECORD_BYTES
) -> Iterator[Submission]:
    """Every record (or error) from the given paths, in order; ``-`` is standard input."""
    for raw in read_raw(paths, max_bytes):
        yield raw.decode()


def _read_file(path: Path, label: str, max_bytes: int) -> Iterator[RawRecord]:
    if path.suffix.lower() in JSONL_SUFFIXES:
        yield from _read_jsonl_file(path, label, max_bytes)
    else:
        yield from _read_json_file(path, label, max_bytes)
