"""What a report shows of a comparison with a baseline report (``--baseline``).

``RenderOptions.baseline`` (built by the cohort's baseline module) answers, for a
finding not met, whether it is ``"new"`` or ``"unchanged"`` since the baseline,
and, per patient, which findings not met in the baseline are no longer not met.
Without a baseline, nothing is marked.
"""

from __future__ import annotations

from typing import Any

from protocol.findings import Finding, Status

__all__ = ["MARK_WORDS", "mark_of", "resolved_of"]

MARK_WORDS = {"new": "NEW", "unchanged": "unchanged"}


def mark_of(options: Any, patient_id: str, finding: Finding) -> str | None:
    """``"new"`` or ``"unchanged"`` for a finding not met, with a baseline; else None."""
    baseline = getattr(options, "baseline", None)
    if baseline is None or finding.status is not Status.NOT_MET:
        return None
    key = getattr(finding, "message_key", None) or finding.rule
    mark = baseline.mark(patient_id, finding.rule, finding.location, key)
    return mark if mark in MARK_WORDS else None


def resolved_of(options: Any, patient_id: str) -> list[dict[str, Any]]:
    """The baseline's findings not met for this patient that are no longer not met."""
    baseline = getattr(options, "baseline", None)
    if baseline is None:
        return []
    return [dict(item) for item in baseline.resolved(patient_id) or ()]
