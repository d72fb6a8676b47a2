"""One event at a time: a TACE, an imaging result, a dosing period, an AE, a withdrawal...

Each operation turns the current record into a candidate record; the store
checks the candidate and keeps it as a new version, or refuses it and keeps
nothing. Adding never overwrites: a single-valued event (death, withdrawal,
last contact, diagnosis, cut-off) already recorded is changed by a
correction, which needs a reason. Corrections and deletions address an event
by kind and index (``/tace/1``), index 0 for a single-valued event.
"""

from __future__ import annotations

import copy
from typing import Any

from protocol.findings import RecordError
from protocol.session import EVENT_KINDS

__all__ = [
    "EVENT_KINDS",
    "LIST_KINDS",
    "SINGLE_KINDS",
    "EventProblem",
    "add_event",
    "correct_event",
    "delete_event",
]

LIST_KINDS = ("tace", "imaging", "sorafenib", "adverse_events")
SINGLE_KINDS = tuple(kind for kind in EVENT_KINDS if kind not in LIST_KINDS)


class EventProblem(ValueError):
    def __init__(self, error: RecordError) -> None:
        super().__init__(error.message)
        self.error = error


def _problem(source: str, pointer: str, message: str, expected: str | None = None) -> EventProblem:
    return EventProblem(RecordError(source, pointer, message, expected=expected))


def _kind(kind: str, source: str) -> None:
    if kind not in EVENT_KINDS:
        raise _problem(
            source, "/kind", f"unknown event kind {kind!r}", "one of " + ", ".join(EVENT_KINDS)
        )


def add_event(record: dict[str, Any], kind: str, event: Any, source: str) -> dict[str, Any]:
    """The record with ``event`` added (list kinds: appended at the end)."""
    _kind(kind, source)
    candidate = copy.deepcopy(record)
    if kind in LIST_KINDS:
        existing = candidate.setdefault(kind, [])
        if not isinstance(existing, list):
            raise _problem(source, f"/{kind}", f"{kind} is not a list in the stored record")
        existing.append(copy.deepcopy(event))
    else:
        if kind in candidate:
            raise _problem(
                source,
                f"/{kind}",
                f"{kind} is already recorded; to change it, correct event {kind}/0 with a reason",
            )
        candidate[kind] = copy.deepcopy(event)
    return candidate


def _locate(record: dict[str, Any], kind: str, index: int, source: str) -> None:
    _kind(kind, source)
    if kind in LIST_KINDS:
        count = len(record.get(kind, []))
        if not 0 <= index < count:
            raise _problem(
                source,
                f"/{kind}/{index}",
                f"there is no {kind} event {index}",
                f"an index from 0 to {count - 1}" if count else f"none: no {kind} is recorded",
            )
    else:
        if index != 0:
            raise _problem(source, f"/{kind}/{index}", f"{kind} is a single value", "index 0")
        if kind not in record:
            raise _problem(source, f"/{kind}", f"no {kind} is recorded")


def correct_event(
    record: dict[str, Any], kind: str, index: int, event: Any, source: str
) -> dict[str, Any]:
    """The record with event ``kind``/``index`` replaced by ``event``."""
    _locate(record, kind, index, source)
    candidate = copy.deepcopy(record)
    if kind in LIST_KINDS:
        candidate[kind][index] = copy.deepcopy(event)
    else:
        candidate[kind] = copy.deepcopy(event)
    return candidate


def delete_event(record: dict[str, Any], kind: str, index: int, source: str) -> dict[str, Any]:
    """The record without event ``kind``/``index`` (earlier versions keep it)."""
    _locate(record, kind, index, source)
    candidate = copy.deepcopy(record)
    if kind in LIST_KINDS:
        del candidate[kind][index]
    else:
        del candidate[kind]
    return candidate
