"""Reading submitted records, one at a time, from files, folders, JSON Lines or stdin.

Every input yields a stream of :class:`Submission` items: either a decoded
record with the place it came from, or the :class:`~protocol.findings.RecordError`
that explains why a piece of input is not a record. A bad piece never stops
the stream; nothing is read into memory beyond one record (a ``.json`` file
holds one record; ``.jsonl``/``.ndjson`` and standard input hold one per line).
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from protocol.findings import RecordError
from protocol.records.folders import files_below, folder_entries, shown, unreadable
from protocol.records.json_input import MAX_RECORD_BYTES, JsonProblem, decode_record

__all__ = [
    "JSONL_SUFFIXES",
    "JSON_SUFFIXES",
    "RawRecord",
    "Submission",
    "input_size",
    "read_raw",
    "read_sources",
    "shown",
]

JSON_SUFFIXES = frozenset({".json"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})


@dataclass(frozen=True, slots=True)
class Submission:
    """One decoded record, or the error that stands in its place."""

    source: str
    record: Any = None
    error: RecordError | None = None
    origin: Any = None  # where the record's values came from (a REDCap/SDTM Provenance)


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
    origin: Any = None  # picklable provenance set by a --from reader, passed on to Submission

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
        return Submission(self.source, record=value, origin=self.origin)


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


_BLOCK = 1 << 16
_WHOLE_DOCUMENT_MARKS = (  # bytes that say "not UTF-8 JSON Lines": hand it all to the decoder
    b"\xff\xfe",  # UTF-16 LE / UTF-32 LE byte order mark
    b"\xfe\xff",  # UTF-16 BE
    b"\x00\x00\xfe\xff",  # UTF-32 BE
    b"\x1f\x8b",  # gzip
)
_UTF8_BOM = b"\xef\xbb\xbf"


def _blocks(stream: BinaryIO) -> Iterator[bytes]:
    read = getattr(stream, "read1", None) or stream.read  # read1: what is there, without waiting
    while block := read(_BLOCK):
        yield block


def _split(blocks: Iterable[bytes], max_bytes: int) -> Iterator[tuple[bytes | None, int]]:
    """Lines (with their ``\n``) and their sizes; None for a line over ``max_bytes``.

    At most ``max_bytes`` of a line are ever held: the rest of an oversized line is
    counted and dropped, so a 2 GB file without a newline costs one block of memory.
    Only ``\n`` ends a line: CR-only input stays whole for the decoder to name.
    """
    held = bytearray()
    size = 0
    over = False
    for block in blocks:
        start = 0
        while start < len(block):
            newline = block.find(b"\n", start)
            stop = len(block) if newline < 0 else newline + 1
            size += stop - start
            if not over:
                if len(held) + stop - start > max_bytes:
                    over = True
                    held.clear()
                else:
                    held += block[start:stop]
            start = stop
            if newline >= 0:
                yield (None if over else bytes(held)), size
                held.clear()
                size = 0
                over = False
    if size:
        yield (None if over else bytes(held)), size


def _read_lines(blocks: Iterable[bytes], label: str, max_bytes: int) -> Iterator[RawRecord]:
    seen = False
    for number, (raw, size) in enumerate(_split(blocks, max_bytes), start=1):
        source = f"{label}:{number}"
        if raw is None:
            yield _failed(
                source,
                f"line is {size:,} bytes, over the record limit of {max_bytes:,} bytes",
                size,
            )
            seen = True
            continue
        if not raw.strip():
            continue
        seen = True
        yield RawRecord(source, raw, "line", number - 1, max_bytes, size=size)
    if not seen:
        yield _failed(label, "no records here: the input is empty")


def _read_jsonl_file(path: Path, label: str, max_bytes: int) -> Iterator[RawRecord]:
    try:
        with path.open("rb") as stream:
            yield from _read_lines(_blocks(stream), label, max_bytes)
    except OSError as error:
        yield _failed(label, f"cannot read file: {error.strerror}")


def _shape(line: bytes) -> bytes:
    """A line as its JSON shape is judged: blanks and a UTF-8 byte order mark left out."""
    return line.lstrip().removeprefix(_UTF8_BOM).strip()


def _read_stream(stream: BinaryIO, label: str, max_bytes: int) -> Iterator[RawRecord]:
    """Standard input, a pipe or a FIFO: JSON Lines, or one pretty-printed record."""
    ahead: list[bytes] = []  # lines read to decide the shape, in order
    first = stream.readline(max_bytes + 1)
    while first and not first.strip():  # blank lines before the first record
        ahead.append(first)
        first = stream.readline(max_bytes + 1)
    ahead.append(first)
    if first.startswith(_WHOLE_DOCUMENT_MARKS) or b"\x00" in first:
        yield _document(b"".join(ahead) + stream.read(max_bytes + 1), label, max_bytes)
        return
    shape = _shape(first)
    if shape.startswith(b"{") and len(first) <= max_bytes and not _complete(shape):
        second = stream.readline(max_bytes + 1)
        while second and not second.strip():
            ahead.append(second)
            second = stream.readline(max_bytes + 1)
        ahead.append(second)
        if not _whole_object(second):
            # A pretty-printed single record spread over several lines.
            yield _document(b"".join(ahead) + stream.read(max_bytes + 1), label, max_bytes)
            return
        # Otherwise JSON Lines whose first line is broken: it gets its own error below.

    def blocks() -> Iterator[bytes]:
        yield from (line for line in ahead if line)
        yield from _blocks(stream)

    yield from _read_lines(blocks(), label, max_bytes)


def _document(whole: bytes, label: str, max_bytes: int) -> RawRecord:
    if len(whole) > max_bytes:
        return _failed(
            label,
            f"the input is over the record limit of {max_bytes:,} bytes and is "
            "not JSON Lines; send many records one per line",
            len(whole),
        )
    return RawRecord(label, whole, "document", max_bytes=max_bytes, size=len(whole))


def _whole_object(line: bytes) -> bool:
    """True when a line is a JSON object on its own (a JSON Lines record)."""
    text = _shape(line)
    if not text.startswith(b"{"):
        return False
    try:
        return isinstance(decode_record(text), dict)
    except JsonProblem:
        return False


def _complete(text: bytes) -> bool:
    """False when a line is the start of a longer JSON document (it breaks off at its end)."""
    try:
        decode_record(text)
    except JsonProblem as problem:
        if problem.line is None:
            return True
        return not (problem.line > 1 or problem.column > len(text.decode("utf-8", "replace")))
    return True


def _identity(path: Path) -> str:
    """Which file ``path`` names, to read (and count) a file named twice once: its path
    with every symlink resolved, not its inode, since a file system may hand a deleted
    file's inode to a new one while a run goes on (a folder re-exported), and some
    report none at all."""
    return os.path.realpath(path)


def input_size(paths: Iterable[str | Path]) -> int | None:
    """Total bytes of the given inputs, or None when one is standard input."""
    total = 0
    counted: set[str] = set()  # a file named twice is read once (read_raw), so counted once
    for item in paths:
        if str(item) == "-":
            return None
        path = Path(item)
        try:
            files = files_below(path) if path.is_dir() else [path] if path.is_file() else []
            for file in files:
                key = _identity(file)
                if key not in counted:
                    counted.add(key)
                    total += file.stat().st_size
        except OSError:
            continue
    return total


def read_raw(
    paths: Iterable[str | Path],
    max_bytes: int = MAX_RECORD_BYTES,
    skip: Iterable[str | Path] = (),
    repeated: Callable[[str, str], None] | None = None,
) -> Iterator[RawRecord]:
    """Every record's bytes (or the error in its place) from the given paths, in order.

    Files in ``skip`` (the report being written, say) are not read from folders. A file
    named again (``ex/ ex/``, ``ex/ ex/p01.json``, or a symlink to a file named) is read
    once, where it first came (a hard link under another name is another file):
    ``repeated(label, first label)`` is told of each one left out.
    """
    skipped = frozenset(Path(item).resolve() for item in skip)
    seen: dict[str, str] = {}

    def first_time(path: Path, label: str) -> bool:
        key = _identity(path)
        if key not in seen:
            seen[key] = label
            return True
        if repeated is not None:
            repeated(label, seen[key])
        return False

    for item in paths:
        if str(item) == "-":
            yield from _read_stream(sys.stdin.buffer, "<stdin>", max_bytes)
            continue
        label = shown(item)
        if str(item) == "":
            yield _failed(label, "an empty path names no file; give a file, a folder or -")
            continue
        path = Path(item)
        try:
            status = path.stat()
        except OSError as error:
            missing = error.errno == errno.ENOENT and not path.is_symlink()
            yield _failed(label, "no such file or folder" if missing else unreadable(path, error))
            continue
        if stat.S_ISDIR(status.st_mode):
            entries = folder_entries(path, skipped)
            if not entries:
                yield _failed(label, "folder holds no .json, .jsonl or .ndjson files")
            for entry in entries:
                if isinstance(entry, Path):
                    if first_time(entry, shown(entry)):
                        yield from _read_file(entry, shown(entry), max_bytes)
                else:
                    yield _failed(*entry)
        elif stat.S_ISREG(status.st_mode):
            if first_time(path, label):
                yield from _read_file(path, label, max_bytes)
        else:  # a pipe, a FIFO, /dev/stdin, <(...): read as a stream, like standard input
            try:
                stream = path.open("rb")
            except OSError as error:
                yield _failed(label, f"cannot read: {error.strerror}")
                continue
            with stream:
                yield from _read_stream(stream, label, max_bytes)


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
