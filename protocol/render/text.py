"""The text report: grouped by patient, readable in a terminal, coloured on a TTY.

Patients come as they are checked; the input errors and the cohort summary
(attrition, groups, TTP and OS medians, safety flags, counts per rule) close it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from protocol.findings import PatientResult, RecordError, Status
from protocol.render.base import Renderer

__all__ = ["TextRenderer"]

_COLOURS = {
    Status.MET: "32",
    Status.NOT_MET: "31;1",
    Status.PENDING: "33",
    Status.NOT_EVALUABLE: "35",
    Status.NOT_APPLICABLE: "2",
}
_LABELS = {
    Status.MET: "met",
    Status.NOT_MET: "NOT MET",
    Status.PENDING: "pending",
    Status.NOT_EVALUABLE: "not evaluable",
    Status.NOT_APPLICABLE: "n/a",
}


class TextRenderer(Renderer):
    name = "text"
    separator = "\n"

    def _paint(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.options.colour else text

    def begin(self) -> str:
        return f"tacecheck - protocol {self.pack.id} v{self.pack.version}\n\n"

    def patient(
        self, result: PatientResult, record: Mapping[str, Any] | None, index: int = 0
    ) -> str:
        head = f"{result.patient_id}  ({result.cohort}, as of {result.as_of}, {result.source})"
        lines = [self._paint(head, "1")]
        lines.append(f"  eligibility: {result.eligibility}    group: {result.group}")
        lines.append(f"  group reason: {result.group_reason}")
        for name, endpoint in result.endpoints.items():
            if endpoint is not None:
                kind = "event" if endpoint.event else "censored"
                lines.append(
                    f"  {name.upper()}: {endpoint.months} months ({endpoint.days} days, "
                    f"{kind}: {endpoint.end_reason} on {endpoint.end})"
                )
            elif name in result.endpoint_notes and result.group != "unassigned":
                lines.append(f"  {name.upper()}: {result.endpoint_notes[name]}")
        quiet = {Status.MET, Status.NOT_APPLICABLE}
        for finding in result.findings:
            if not self.options.verbose and finding.status in quiet:
                continue
            label = self._paint(f"{_LABELS[finding.status]:<13}", _COLOURS[finding.status])
            importance = f" [{finding.importance}]" if finding.importance else ""
            where = f"  at {finding.location}" if finding.location else ""
            lines.append(f"  {finding.rule} {label} {finding.message}{importance}{where}")
        return "\n".join(lines) + "\n"

    def end(self, summary: Mapping[str, Any], errors: Sequence[RecordError]) -> str:
        lines: list[str] = []
        if errors:
            lines.append("")
            lines.append(self._paint("Input errors (these records were not checked):", "31;1"))
            for error in errors:
                where = error.location or "(whole record)"
                lines.append(f"  {error.source} {where}: {error.text(self.options.hide_values)}")
        lines.append("")
        lines.extend(self._summary(summary))
        return "\n".join(lines) + "\n"

    def _summary(self, summary: Mapping[str, Any]) -> list[str]:
        lines = [self._paint("Cohort summary", "1")]
        lines.append(
            f"  {summary['patients']} patients checked, {summary['not_met']} findings not met "
            f"in {summary['patients_with_not_met']} patients, {summary['errors']} input "
            f"errors in {summary['records_with_errors']} sources."
        )
        for cohort, table in summary["attrition"].items():
            if not table["checked"]:
                continue
            lines.append(f"  Attrition, {cohort}: {table['checked']} checked")
            for step in table["steps"]:
                others = ", ".join(
                    f"{step[key]} {key.replace('_', ' ')}"
                    for key in ("pending", "not_evaluable")
                    if step[key]
                )
                lines.append(
                    f"    {step['rule']} {step['name']:<40} {step['entered']:>7} in"
                    f" {step['passed']:>7} pass {step['excluded']:>7} excluded"
                    + (f" ({others})" if others else "")
                )
            lines.append(f"    eligible: {table['eligible']}")
        groups = ", ".join(f"{name} {count}" for name, count in summary["groups"].items())
        lines.append(f"  Groups: {groups}")
        for endpoint, per_group in summary["endpoints"].items():
            parts = []
            for group, estimate in per_group.items():
                if not estimate["patients"]:
                    continue
                median = estimate["median_months"]
                low, high = estimate["median_ci95_months"]
                shown = "not reached" if median is None else f"{median} mo"
                ci = f" (95% CI {_num(low)}-{_num(high)})" if median is not None else ""
                parts.append(
                    f"{group} {shown}{ci}, {estimate['events']}/{estimate['patients']} events"
                )
            if parts:
                lines.append(f"  Median {endpoint.upper()} (Kaplan-Meier): " + "; ".join(parts))
        for code, flag in summary["safety_flags"].items():
            grades = ", ".join(f"grade {g}: {n}" for g, n in flag["by_grade"].items())
            lines.append(
                f"  {code} {flag['name']}: {flag['events']} events in {flag['patients']} patients"
                + (f" ({grades})" if grades else "")
            )
        lines.append(
            "  Findings per rule: "
            + "; ".join(
                f"{code} " + ", ".join(f"{n} {status}" for status, n in counts.items())
                for code, counts in summary["rules"].items()
            )
        )
        return lines


def _num(value: float | None) -> str:
    return "?" if value is None else f"{value}"
