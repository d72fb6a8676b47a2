"""Coverage-guided fuzzing of the record reader and ``protocol.check()`` (atheris).

Each input is bytes. Its first byte picks a path through the reader:

- ``decode``: ``json_input.decode_text`` and ``decode_record`` on the bytes;
- ``jsonl`` / ``json``: the bytes written to a ``.jsonl`` or ``.json`` file and
  read back through ``sources.read_sources``.

Every decoded value then goes through ``protocol.check()`` (schema, model,
engine) as of one of a few dates, and a result is turned into its report dict
and JSON. The documented input errors (:class:`JsonProblem`, a ``Submission``
error, the ``RecordError`` list from ``check``) are expected; any other
exception is a crash. A custom mutator parses inputs that are JSON and mutates
them as records (dates at the ends of the calendar, numbers in exponent and
long forms, fields dropped, array elements duplicated or reordered) half the
time, and leaves the rest to libFuzzer's byte mutations.

Run (see fuzz/README.md)::

    python fuzz/fuzz_reader.py fuzz/corpus -max_total_time=600 -artifact_prefix=/tmp/fuzz-

With ``TACECHECK_FUZZ_KEEP_GOING=FILE`` a crash is appended to FILE (type,
message, last frames, the input as text) and fuzzing goes on.
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import traceback
from datetime import date
from pathlib import Path
from typing import Any

import atheris

with atheris.instrument_imports(include=["protocol"]):
    from protocol import PatientResult, check
    from protocol.records.json_input import JsonProblem, decode_record, decode_text
    from protocol.records.sources import read_sources

__all__ = ["mutate", "one_input"]

AS_OF = (None, date(2014, 3, 31), date(1900, 1, 1), date(2999, 12, 31), date(2012, 1, 1))
_WORK = Path(tempfile.mkdtemp(prefix="tacecheck-fuzz-"))
_KEEP_GOING = os.environ.get("TACECHECK_FUZZ_KEEP_GOING")
_SEEN: set[str] = set()

_DATES = [
    "0001-01-01",
    "0001",
    "9999-12-31",
    "9999",
    "9999-12",
    "1899-12-31",
    "1900-01-01",
    "2999-12-31",
    "3000-01-01",
    "2012-02-29",
    "2013-02-29",
    "2012-13-01",
    "2012-00",
    "2012",
    "2012-03",
    "2011-08-31",
    "2012-03-01",
    "2012-03-22",
    "2012-3-1",
    "20120301",
    " 2012-03-01",
]
_NUMBERS = [
    1e-05,
    0.00001,
    1e300,
    -1,
    0,
    -0.0,
    400,
    400.0,
    399.99999999999994,
    800.0000000000001,
    10000,
    10001,
    133.33333333333334,
    10**30,
    2**63,
    5e-324,
    True,
    1.5,
    3,
]
_OTHER = [None, True, False, "", "x" * 300, [], {}, "hepatocellular_carcinoma", "QOD", "TID"]


def _paths(value: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [here]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*here, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*here, index))
    return found


def _mutate_value(record: Any, rng: random.Random) -> Any:
    paths = _paths(record)
    path = rng.choice(paths)
    if not path:
        return record
    parent = record
    for part in path[:-1]:
        parent = parent[part]
    key = path[-1]
    old = parent[key]
    choice = rng.randrange(8)
    if choice == 0 and isinstance(parent, dict):
        del parent[key]
    elif choice == 1 and isinstance(old, list) and old:
        old.append(json.loads(json.dumps(rng.choice(old))))
    elif choice == 2 and isinstance(old, list):
        rng.shuffle(old)
    elif choice == 3 or (isinstance(old, str) and choice < 6):
        parent[key] = rng.choice(_DATES)
    elif choice == 4 or isinstance(old, int | float):
        parent[key] = rng.choice(_NUMBERS)
    else:
        parent[key] = rng.choice(_OTHER + _DATES + _NUMBERS)
    return record


def _write(record: Any, rng: random.Random) -> bytes:
    text = json.dumps(
        record,
        indent=rng.choice([None, None, 2]),
        ensure_ascii=rng.random() < 0.5,
        allow_nan=False,
    )
    if rng.random() < 0.2:  # numbers as other valid JSON spellings
        text = text.replace("400", "4E2").replace(".0,", "e0,").replace("800", "0.8e3")
    return text.encode("utf-8")


def mutate(data: bytes, max_size: int, seed: int) -> bytes:
    """libFuzzer custom mutator: structural record mutations, else byte mutations."""
    rng = random.Random(seed)
    if rng.random() < 0.5:
        try:
            record = json.loads(data[1:].decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            record = None
        if record is not None:
            try:
                for _ in range(rng.randint(1, 3)):
                    record = _mutate_value(record, rng)
                out = data[:1] + _write(record, rng)
            except (ValueError, RecursionError, TypeError):
                out = b""
            if out and len(out) <= max_size:
                return out
    return atheris.Mutate(data, max_size)


def _crash(data: bytes, error: BaseException) -> None:
    if _KEEP_GOING is None:
        raise error
    frames = traceback.extract_tb(error.__traceback__)[-3:]
    key = f"{type(error).__name__}:{[(f.filename, f.lineno) for f in frames]}"
    if key in _SEEN:
        return
    _SEEN.add(key)
    with open(_KEEP_GOING, "a", encoding="utf-8") as log:
        log.write(f"== {type(error).__name__}: {str(error)[:500]}\n")
        log.write("".join(traceback.format_list(frames)))
        log.write(f"input: {data!r}\n\n")


def _check(value: Any, as_of: date | None) -> None:
    result = check(value, as_of=as_of, source="<fuzz>")
    if isinstance(result, PatientResult):
        json.dumps(result.to_dict(), allow_nan=False)
    elif not isinstance(result, list):
        raise AssertionError(f"check returned {type(result).__name__}")


def _values(mode: int, body: bytes) -> list[Any]:
    if mode == 0:
        try:
            decode_text(body)
            return [decode_record(body)]
        except JsonProblem:
            return []
    path = _WORK / ("in.jsonl" if mode == 1 else "in.json")
    path.write_bytes(body)
    values = []
    for submission in read_sources([path]):
        if submission.error is None:
            values.append(submission.record)
        elif not submission.error.message:
            raise AssertionError("an input error without a message")
    return values


def one_input(data: bytes) -> None:
    if not data:
        return
    mode, body = data[0] % 3, data[1:]
    try:
        for value in _values(mode, body):
            _check(value, AS_OF[len(body) % len(AS_OF)])
    except Exception as error:
        _crash(data, error)


def main() -> None:
    atheris.Setup(sys.argv, one_input, custom_mutator=mutate)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
