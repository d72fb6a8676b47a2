"""The report model every renderer shares: statuses, findings, patient results, errors.

Findings are plain frozen data. The engine stamps the rule's code, name, kind,
importance and protocol reference onto each one, as jsonschema stamps the
keyword and path onto a bare error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
    evidence: dict[str, Any] = field(default_factory=dict)
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

    def endpoint_lines(self) -> list[tuple[str, str]]:
        """(``TTP``/``OS``, what it is in words) for each endpoint computed or explained."""
        out = []
        for name, endpoint in self.endpoints.items():
            if endpoint is not None:
                kind = "event" if endpoint.event else "censored"
                out.append(
                    (
                        name.upper(),
                        f"{endpoint.months} months ({endpoint.days} days, {kind}: "
                        f"{endpoint.end_reason} on {endpoint.end}, from {endpoint.start})",
                    )
                )
            elif name in self.endpoint_notes and self.group != "unassigned":
                out.append((name.upper(), self.endpoint_notes[name]))
        return out

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
        out: dict[str, Any] = {"source": self.source, "location": self.location}
        if self.patient_id is not None:
            out["patient_id"] = self.patient_id
        out["message"] = self.text(hide_values)
        if self.expected is not None:
            out["expected"] = self.expected
        if self.show_value and not hide_values:
            out["value"] = self.value
        return out

    def text(self, hide_values: bool = False) -> str:
        message = self.message
        if self.show_value and not hide_values:
            message = f"{message} (found {_shown(self.value)})"
        if self.expected is not None:
            message = f"{message}; expected {self.expected}"
        return message


def _shown(value: Any) -> str:
    import json

    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


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
