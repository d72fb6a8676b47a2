"""What ``--hide-values`` takes out of a report: submitted free text, everywhere.

Free text is what a site types in words: an adverse event's ``term``, the
``withdrawal`` ``reason`` and the ``diagnosis`` ``condition``. With
``--hide-values`` none of it appears in any format: where a finding's message
or evidence quotes it, it reads :data:`HIDDEN`, and the summary's AE counts
by term are left empty. The dates and numbers a finding rests on stay (they
are the finding); what each format shows of the other values is the format's
business (the query listing and the HTML timeline leave them out; the README
section on ``--hide-values`` gives the whole contract).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from typing import Any

from protocol.findings import Finding, PatientResult

__all__ = ["FREE_TEXT_EVIDENCE", "HIDDEN", "free_texts", "hide_free_text", "hide_in_summary"]

HIDDEN = "[hidden]"

# Evidence keys that carry submitted free text (the pack's evidence names)
FREE_TEXT_EVIDENCE = frozenset({"term", "condition", "withdrawal_reason"})


def free_texts(record: Mapping[str, Any] | None) -> set[str]:
    """The free-text strings of a submitted record (AE terms, withdrawal reason, diagnosis)."""
    found: set[str] = set()
    if not isinstance(record, Mapping):
        return found
    events = record.get("adverse_events")
    for event in events if isinstance(events, list) else ():
        if isinstance(event, Mapping):
            found.add(_text(event.get("term")))
    for key, name in (("withdrawal", "reason"), ("diagnosis", "condition")):
        value = record.get(key)
        if isinstance(value, Mapping):
            found.add(_text(value.get(name)))
    found.discard("")
    return found


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _pattern(texts: Iterable[str]) -> re.Pattern[str] | None:
    """One pattern for every text, longest first, not inside a longer word or number."""
    ordered = sorted({t for t in texts if t}, key=len, reverse=True)
    if not ordered:
        return None
    body = "|".join(re.escape(t) for t in ordered)
    return re.compile(f"(?<![A-Za-z0-9])(?:{body})(?![A-Za-z0-9])")


def _scrub(value: Any, pattern: re.Pattern[str] | None) -> Any:
    if pattern is None:
        return value
    if isinstance(value, str):
        return pattern.sub(HIDDEN, value)
    if isinstance(value, list | tuple):
        return [_scrub(v, pattern) for v in value]
    if isinstance(value, Mapping):
        return {k: _scrub(v, pattern) for k, v in value.items()}
    return value


def hide_free_text(result: PatientResult, record: Mapping[str, Any] | None) -> PatientResult:
    """``result`` with the record's free text replaced by :data:`HIDDEN` wherever it is quoted."""
    texts = free_texts(record)
    for finding in result.findings:  # the record may be gone: the evidence names them too
        texts.update(
            v for k, v in finding.evidence.items() if k in FREE_TEXT_EVIDENCE and isinstance(v, str)
        )
    pattern = _pattern(texts)
    if pattern is None:
        return result
    findings = tuple(_hide_in_finding(f, pattern) for f in result.findings)
    return dataclasses.replace(
        result,
        findings=findings,
        group_reason=_scrub(result.group_reason, pattern),
        endpoint_notes=_scrub(dict(result.endpoint_notes), pattern),
    )


def _hide_in_finding(finding: Finding, pattern: re.Pattern[str]) -> Finding:
    evidence = {
        k: HIDDEN if k in FREE_TEXT_EVIDENCE and v is not None else _scrub(v, pattern)
        for k, v in finding.evidence.items()
    }
    return dataclasses.replace(
        finding, message=pattern.sub(HIDDEN, finding.message), evidence=evidence
    )


def hide_in_summary(summary: Mapping[str, Any]) -> dict[str, Any]:
    """The cohort summary without AE terms: each safety flag's ``by_term`` left empty."""
    out = dict(summary)
    flags = summary.get("safety_flags")
    if isinstance(flags, Mapping):
        out["safety_flags"] = {
            code: {**flag, "by_term": {}} if isinstance(flag, Mapping) else flag
            for code, flag in flags.items()
        }
    return out
