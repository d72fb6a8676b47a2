"""The JSON form of a report (``schemas/report.schema.json``)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from protocol.findings import Report

__all__ = ["report_dict", "summary"]


def summary(report: Report) -> dict[str, Any]:
    """Counts a data manager scans first: patients, eligibility, groups, rule statuses."""
    per_rule: dict[str, Counter[str]] = {}
    for patient in report.patients:
        for finding in patient.findings:
            per_rule.setdefault(finding.rule, Counter())[str(finding.status)] += 1
    return {
        "patients": len(report.patients),
        "records_with_errors": len({e.source for e in report.errors}),
        "errors": len(report.errors),
        "eligibility": dict(Counter(str(p.eligibility) for p in report.patients)),
        "groups": dict(Counter(p.group for p in report.patients)),
        "rules": {code: dict(counts) for code, counts in sorted(per_rule.items())},
        "not_met": sum(
            1 for p in report.patients for f in p.findings if str(f.status) == "not_met"
        ),
    }


def report_dict(report: Report, hide_values: bool = False) -> dict[str, Any]:
    return {
        "protocol": {"id": report.protocol_id, "version": report.protocol_version},
        "as_of": report.as_of,
        "patients": [p.to_dict() for p in report.patients],
        "errors": [e.to_dict(hide_values) for e in report.errors],
        "summary": summary(report),
    }
