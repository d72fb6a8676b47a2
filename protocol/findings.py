"""The report model every renderer shares: statuses, findings, patient results, errors.

Findings are plain frozen data. The engine stamps the rule's code, name, kind,
importance and protocol reference onto each one, as jsonschema stamps the
keyword and path onto a bare error.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

__all__ = [
    "ATTENTION_ORDER",
    "Eligibility",
    "Endpoint",
    "Finding",
    "PatientResult",
    "RecordError",
    "Report",
    "Status",
    "exit_code",
]


class Status(StrEnum):
    """What a rule concluded for one patient (or one instance: a period, an AE)."""

    MET = "met"
    NOT_MET = "not_met"
    PENDING = "pending"
    NOT_EVALUABLE = "not_evaluable"
    NOT_APPLICABLE = "not_applicable"

    @property
    def label(self) -> str:
        """The status in words for people: "not met", "not evaluable", "n/a"."""
        return "n/a" if self is Status.NOT_APPLICABLE else self.value.replace("_", " ")


# Statuses from the one that most needs a reader's attention to the least.
ATTENTION_ORDER = (
    Status.NOT_MET,
    Status.NOT_EVALUABLE,
    Status.PENDING,
    Status.MET,
    Status.NOT_APPLICABLE,
)


class Eligibility(StrEnum):
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    UNDETERMINED = "undetermined"
    PENDING = "pending"


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    name: str
    status: Status
    kind: str
    message: str
    importance: str | None = None
    location: str | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)  # read, never changed
    protocol_ref: str | None = None
    instance: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "name": self.name,
            "status": str(self.status),
            "kind": self.kind,
        }
        if self.importance is not None:
            out["importance"] = self.importance
        out["message"] = self.message
        if self.location is not None:
            out["location"] = self.location
        if self.instance is not None:
            out["instance"] = self.instance
        out["evidence"] = dict(self.evidence)
        if self.protocol_ref is not None:
            out["protocol_ref"] = self.protocol_ref
        return out


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A time-to-event endpoint: months from the index TACE, event or censored."""

    months: float
    event: bool
    days: int
    start: str
    end: str
    end_reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "months": self.months,
            "event": self.event,
            "days": self.days,
            "from": self.start,
            "to": self.end,
            "end_reason": self.end_reason,
        }


@dataclass(frozen=True, slots=True)
class PatientResult:
    patient_id: str
    cohort: str
    source: str
    eligibility: Eligibility
    group: str
    group_reason: str
    findings: tuple[Finding, ...]
    endpoints: dict[str, Endpoint | None]
    endpoint_notes: dict[str, str] = field(default_factory=dict)
    site_id: str | None = None
    as_of: str | None = None
    group_basis: str | None = None  # why unassigned, in the pack's words (for the summary)
    as_of_basis: str | None = None  # "option", "data_cutoff_date" or "today"
    as_of_reason: str | None = None  # why that as-of date, in words

    def statuses(self, rule: str) -> list[Status]:
        return [f.status for f in self.findings if f.rule == rule]

    @property
    def has_not_met(self) -> bool:
        return any(f.status is Status.NOT_MET for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "patient_id": self.patient_id,
            "cohort": self.cohort,
            "source": self.source,
        }
        if self.site_id is not None:
            out["site_id"] = self.site_id
        out["as_of"] = self.as_of
        if self.as_of_basis is not None:
            out["as_of_basis"] = self.as_of_basis
            out["as_of_reason"] = self.as_of_reason
        out.update(
            {
                "eligibility": str(self.eligibility),
                "group": self.group,
                "group_reason": self.group_reason,
                "findings": [f.to_dict() for f in self.findings],
                "endpoints": {
                    name: (value.to_dict() if value is not None else None)
                    for name, value in self.endpoints.items()
                },
            }
        )
        if self.endpoint_notes:
            out["endpoint_notes"] = dict(self.endpoint_notes)
        return out


@dataclass(frozen=True, slots=True)
class RecordError:
    """One reason a submitted record could not be checked."""

    source: str
    location: str
    message: str
    expected: str | None = None
    value: Any = None
    show_value: bool = False
    patient_id: str | None = None

    def to_dict(self, hide_values: bool = False) -> dict[str, Any]:
        """The error as JSON-ready data; never raises, never holds NaN or Infinity."""
        out: dict[str, Any] = {"source": _clean(self.source), "location": _clean(self.location)}
        if self.patient_id is not None:
            out["patient_id"] = _clean(self.patient_id)
        out["message"] = self.text(hide_values)
        if self.expected is not None:
            out["expected"] = _clean(self.expected)
        if self.show_value and not hide_values:
            out["value"] = _json_safe(self.value, _DEPTH)
        return out

    def text(self, hide_values: bool = False) -> str:
        """The error in words; never raises, whatever ``value`` holds."""
        message = _clean(self.message)
        if self.show_value and not hide_values:
            message = f"{message} (found {_shown(self.value)})"
        if self.expected is not None:
            message = f"{message}; expected {_clean(self.expected)}"
        return message


# How deep, and how many items per level, a shown value is echoed; the rest is summarised.
_DEPTH = 8
_ITEMS = 50
_SHOWN = 80


def _clean(text: Any) -> str:
    """A string that encodes to UTF-8 (a lone surrogate becomes its escape)."""
    if not isinstance(text, str):
        text = _json_safe(text, 1) if not isinstance(text, bytes) else repr(text)
        text = text if isinstance(text, str) else json.dumps(text, allow_nan=False)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _integer(value: int) -> int | str:
    if value.bit_length() <= 64:
        return value
    digits = int(value.bit_length() * math.log10(2)) + 1
    return f"{'-' if value < 0 else ''}an integer of about {digits} digits"


def _json_safe(value: Any, depth: int) -> Any:
    """``value`` as plain JSON data: no NaN or Infinity, string keys, bounded size."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return _integer(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, bytes | bytearray):
        return _clean(repr(bytes(value[:_SHOWN])) + ("..." if len(value) > _SHOWN else ""))
    if isinstance(value, date | datetime):
        return value.isoformat()
    if depth <= 0:
        return f"({type(value).__name__})"
    if isinstance(value, Mapping):
        items = list(value.items())
        out = {_key(k): _json_safe(v, depth - 1) for k, v in items[:_ITEMS]}
        if len(items) > _ITEMS:
            out["..."] = f"and {len(items) - _ITEMS} more"
        return out
    if isinstance(value, set | frozenset):
        value = sorted(value, key=lambda v: (type(v).__name__, _clean(_safe_repr(v))))
    if isinstance(value, list | tuple):
        out_list = [_json_safe(v, depth - 1) for v in value[:_ITEMS]]
        if len(value) > _ITEMS:
            out_list.append(f"... and {len(value) - _ITEMS} more")
        return out_list
    return _clean(_safe_repr(value)[:_SHOWN])


def _key(key: Any) -> str:
    if isinstance(key, str):
        return _clean(key)
    shown = _json_safe(key, 0)
    return shown if isinstance(shown, str) else json.dumps(shown)


def _safe_repr(value: Any) -> str:
    try:
        return repr(value)
    except Exception:  # a value's own __repr__ may fail; the error must still be shown
        return f"({type(value).__name__})"


def _shown(value: Any) -> str:
    text = json.dumps(_json_safe(value, _DEPTH), ensure_ascii=False, allow_nan=False)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


@dataclass(slots=True)
class Report:
    protocol_id: str
    protocol_version: str
    as_of: str | None
    patients: list[PatientResult] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return exit_code(bool(self.errors), any(p.has_not_met for p in self.patients))


def exit_code(input_errors: bool, not_met: bool) -> int:
    """0 nothing not met, 1 a finding not met, 2 an input error (PROTOCOL.md)."""
    return 2 if input_errors else 1 if not_met else 0
