"""The text report: grouped by patient, readable in a terminal, coloured on a TTY."""

from __future__ import annotations

from protocol.findings import Report, Status
from protocol.render.json_report import summary

__all__ = ["render_text"]

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


def _paint(text: str, code: str, colour: bool) -> str:
    return f"\033[{code}m{text}\033[0m" if colour else text


def render_text(
    report: Report, colour: bool = False, hide_values: bool = False, verbose: bool = True
) -> str:
    """The whole report as text; ``verbose=False`` leaves out met and n/a findings."""
    lines = [f"tacecheck - protocol {report.protocol_id} v{report.protocol_version}"]
    for patient in report.patients:
        lines.append("")
        head = f"{patient.patient_id}  ({patient.cohort}, as of {patient.as_of}, {patient.source})"
        lines.append(_paint(head, "1", colour))
        lines.append(f"  eligibility: {patient.eligibility}    group: {patient.group}")
        lines.append(f"  group reason: {patient.group_reason}")
        for name, endpoint in patient.endpoints.items():
            if endpoint is not None:
                kind = "event" if endpoint.event else "censored"
                lines.append(
                    f"  {name.upper()}: {endpoint.months} months ({endpoint.days} days, "
                    f"{kind}: {endpoint.end_reason} on {endpoint.end})"
                )
            elif name in patient.endpoint_notes and patient.group != "unassigned":
                lines.append(f"  {name.upper()}: {patient.endpoint_notes[name]}")
        for finding in patient.findings:
            if not verbose and finding.status in {Status.MET, Status.NOT_APPLICABLE}:
                continue
            label = _paint(f"{_LABELS[finding.status]:<13}", _COLOURS[finding.status], colour)
            importance = f" [{finding.importance}]" if finding.importance else ""
            where = f"  at {finding.location}" if finding.location else ""
            lines.append(f"  {finding.rule} {label} {finding.message}{importance}{where}")
    if report.errors:
        lines.append("")
        lines.append(_paint("Input errors (these records were not checked):", "31;1", colour))
        for error in report.errors:
            where = error.location or "(whole record)"
            lines.append(f"  {error.source} {where}: {error.text(hide_values)}")
    counts = summary(report)
    lines.append("")
    lines.append(
        f"{counts['patients']} patients checked, {counts['not_met']} findings not met, "
        f"{counts['errors']} input errors in {counts['records_with_errors']} sources."
    )
    return "\n".join(lines) + "\n"
