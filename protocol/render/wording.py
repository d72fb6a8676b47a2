"""The words every human-readable format shares: status labels, counts, intervals.

A finding not met means different things by its kind, and a clinician should
read which at a glance, the same in the text report, the HTML page and JUnit:

=====================  =====================================================
kind (importance)      label
=====================  =====================================================
safety                 ``FLAG`` (a safety signal to review, not a breach)
deviation, important   ``DEVIATION``
deviation, non-imp.    ``LOGGED (non-important)`` (allowed, logged for review)
data                   ``QUERY`` (a question to the site)
eligibility            ``EXCLUDED`` (the criterion excludes the patient)
=====================  =====================================================

Any other status reads as its plain label (met, pending, not evaluable, n/a).
The JSON status stays ``not_met``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

from protocol.findings import Finding, PatientResult, Status

__all__ = ["ci_text", "count", "endpoint_lines", "finding_label", "is_quiet", "wrapped"]

_NOT_MET_LABELS = {
    "safety": "FLAG",
    "data": "QUERY",
    "eligibility": "EXCLUDED",
}
_QUIET = frozenset({Status.MET, Status.NOT_APPLICABLE})


def finding_label(finding: Finding) -> str:
    """What a finding is, in a word or two (see the module docstring)."""
    if finding.status is not Status.NOT_MET:
        return finding.status.label
    if finding.kind == "deviation":
        return "LOGGED (non-important)" if finding.importance == "non_important" else "DEVIATION"
    return _NOT_MET_LABELS.get(finding.kind, "NOT MET")


def is_quiet(finding: Finding) -> bool:
    """Met and n/a findings: nothing to do, so summarised by default."""
    return finding.status in _QUIET


def count(number: int, singular: str, plural: str | None = None) -> str:
    """``1 event``, ``2 events``: a number and its noun in the right form."""
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


def ci_text(bounds: Sequence[Any] | None, patients: int, separator: str = " to ") -> str:
    """A median's 95% interval in words; one patient gives no interval to estimate."""
    low, high = [*(bounds or ()), None, None][:2]
    if patients < 2:
        return "not estimable"
    return f"{_bound(low)}{separator}{_bound(high)}"


def _bound(value: Any) -> str:
    return "not reached" if value is None else f"{float(value):g}"


def endpoint_lines(result: PatientResult) -> list[tuple[str, str]]:
    """(``TTP``/``OS``, what it is in words) for each endpoint computed or explained."""
    out = []
    for name, endpoint in result.endpoints.items():
        if endpoint is not None:
            kind = "event" if endpoint.event else "censored"
            out.append(
                (
                    name.upper(),
                    f"{endpoint.months} months ({count(endpoint.days, 'day')}, {kind}: "
                    f"{endpoint.end_reason} on {endpoint.end}, from {endpoint.start})",
                )
            )
        elif name in result.endpoint_notes and result.group != "unassigned":
            out.append((name.upper(), result.endpoint_notes[name]))
    return out


def wrapped(text: str, width: int, first: str, rest: str) -> list[str]:
    """``text`` wrapped to ``width`` after ``first``, continued under ``rest`` (hanging).

    Words are never broken (a JSON Pointer stays whole); a line break in the text
    starts a new line at the hanging indent.
    """
    lines: list[str] = []
    for number, paragraph in enumerate(text.split("\n")):
        lines += textwrap.wrap(
            paragraph,
            width=width,
            initial_indent=first if number == 0 else rest,
            subsequent_indent=rest,
            break_long_words=False,
            break_on_hyphens=False,
        ) or [(first if number == 0 else rest).rstrip()]
    return lines
