"""The text report: grouped by patient, readable in a terminal, coloured on a TTY.

Patients come as they are checked; the input errors and the cohort summary
(attrition, groups, TTP and OS medians, safety flags, counts per rule) close it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from typing import Any

from protocol.findings import PatientResult, RecordError, Status
from protocol.render.base import Renderer

__all__ = ["TextRenderer"]

# Shown as escapes, never obeyed: C0 and C1 controls (U+009B is CSI, like ESC [), and the
# bidirectional marks, embeddings, overrides and isolates that reorder what a line shows
# (Trojan Source, CVE-2021-42574). Tab and newline are kept.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

_COLOURS = {
    Status.MET: "32",
    Status.NOT_MET: "31;1",
    Status.PENDING: "33",
    Status.NOT_EVALUABLE: "35",
    Status.NOT_APPLICABLE: "2",
}


class TextRenderer(Renderer):
    name = "text"
    separator = "\n"

    def _paint(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.options.colour else text

    def begin(self) -> str:
        return f"tacecheck - protocol {self.pack.id} v{self.pack.version}\n\n"

    def _safe(self, text: object) -> str:
        """Submitted text with terminal control characters shown, never obeyed."""
        return _CONTROL.sub(_escape, str(text))

    def patient(
        self, result: PatientResult, record: Mapping[str, Any] | None, index: int = 0
    ) -> str:
        result = self.shown(result, record)
        head = self._safe(
            f"{result.patient_id}  ({result.cohort}, as of {result.as_of}, {result.source})"
        )
        lines = [self._paint(head, "1")]
        reason = result.as_of_reason
        if reason:
            lines.append(f"  as of {result.as_of}: {self._safe(reason)}")
        lines.append(f"  eligibility: {result.eligibility}    group: {result.group}")
        lines.append(f"  group reason: {self._safe(result.group_reason)}")
        lines.extend(f"  {name}: {self._safe(text)}" for name, text in result.endpoint_lines())
        quiet = {Status.MET, Status.NOT_APPLICABLE}
        for finding in result.findings:
            if not self.options.verbose and finding.status in quiet:
                continue
            label = self._paint(f"{_label(finding.status):<13}", _COLOURS[finding.status])
            importance = f" [{finding.importance}]" if finding.importance else ""
            where = f"  at {finding.location}" if finding.location else ""
            text = self._safe(f"{finding.message}{importance}{where}")
            lines.append(f"  {finding.rule} {label} {text}")
        return "\n".join(lines) + "\n"

    def end(self, summary: Mapping[str, Any], errors: Collection[RecordError]) -> Iterator[str]:
        if errors:
            heading = self._paint("Input errors (these records were not checked):", "31;1")
            yield f"\n{heading}\n"
            for error in errors:
                where = error.location or "(whole record)"
                text = f"{error.source} {where}: {error.text(self.options.hide_values)}"
                yield f"  {self._safe(text)}\n"
        yield "\n" + "\n".join(self._summary(summary)) + "\n"

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
        for reason, count in summary["unassigned"].items():
            lines.append(f"    unassigned, {reason}: {count}")
        for endpoint, per_group in summary["endpoints"].items():
            lines.append(f"  Median {endpoint.upper()}, months (Kaplan-Meier):")
            for group, estimate in per_group.items():
                if not estimate["patients"]:
                    continue
                median = estimate["median_months"]
                low, high = estimate["median_ci95_months"]
                shown = "not reached" if median is None else f"{median}"
                lines.append(
                    f"    {group:<20} {shown:>11}  95% CI {_num(low)} to {_num(high)}"
                    f"  ({estimate['events']} events in {estimate['patients']} patients)"
                )
        for code, flag in summary["safety_flags"].items():
            grades = ", ".join(f"grade {g}: {n}" for g, n in flag["by_grade"].items())
            lines.append(
                f"  {code} {flag['name']}: {flag['events']} events in {flag['patients']} patients"
                + (f" ({grades})" if grades else "")
            )
        lines.append("  Findings per rule:")
        columns = ("not_met", "pending", "not_evaluable", "met", "not_applicable")
        lines.append(f"    {'rule':<47}" + "".join(f"{c.replace('_', ' '):>15}" for c in columns))
        for rule in self.pack.rules:  # in the pack's order: eligibility first
            counts = summary["rules"].get(rule.code)
            if counts:
                cells = "".join(f"{counts.get(c, 0):>15}" for c in columns)
                lines.append(f"    {rule.code:<6} {rule.name:<40}{cells}")
        return lines


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _num(value: float | None) -> str:
    return "not reached" if value is None else f"{value}"


def _label(status: Status) -> str:
    return status.label.upper() if status is Status.NOT_MET else status.label
