"""What the API answers about stored patients: views, finding changes, due windows, reviews.

A finding is identified across versions by its rule and instance (``DOS001``
at ``/sorafenib/2``), so a history can say which findings changed status: a
finding is *new* when it becomes ``not_met``, *resolved* when it stops being
``not_met``, *added* or *removed* when a finding that is not ``not_met`` appears
or goes (a new dosing period brings its own), and *changed* otherwise.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

__all__ = [
    "due_windows",
    "finding_changes",
    "finding_key",
    "next_due",
]


def finding_key(finding: dict[str, Any]) -> str:
    """The rule plus the instance it speaks of: stable across versions."""
    return f"{finding['rule']}@{finding.get('instance') or ''}"


def finding_changes(
    before: list[dict[str, Any]] | None, after: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each finding whose status differs between two versions' findings, in rule order."""
    old = {finding_key(f): f for f in before or []}
    new = {finding_key(f): f for f in after}
    changes = []
    for key in [*new, *(k for k in old if k not in new)]:
        was = old[key]["status"] if key in old else None
        now = new[key]["status"] if key in new else None
        if was == now:
            continue
        if now == "not_met":
            change = "new"
        elif was == "not_met":
            change = "resolved"
        elif was is None:
            change = "added"
        elif now is None:
            change = "removed"
        else:
            change = "changed"
        finding = new.get(key) or old[key]
        changes.append(
            {
                "rule": finding["rule"],
                "instance": finding.get("instance"),
                "change": change,
                "from": was,
                "to": now,
                "message": finding["message"],
            }
        )
    return changes


def _full_date(text: Any) -> date | None:
    if not isinstance(text, str) or len(text) != 10:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _due_date(finding: dict[str, Any]) -> date | None:
    evidence = finding.get("evidence") or {}
    for key in ("due_date", "deadline"):
        found = _full_date(evidence.get(key))
        if found is not None:
            return found
    # A window given as days after a dated event (TRT001: window_days after tace2_date),
    # for packs whose rule does not list its due date among the evidence.
    window, anchor = evidence.get("window_days"), _full_date(evidence.get("tace2_date"))
    if isinstance(window, list) and len(window) == 2 and isinstance(window[1], int) and anchor:
        return anchor + timedelta(days=window[1])
    return None


def due_windows(patient: dict[str, Any], as_of: date | None = None) -> list[dict[str, Any]]:
    """Every pending finding of one patient's result as a worklist entry."""
    basis = _full_date(patient.get("as_of")) or as_of or date.today()
    out = []
    for finding in patient["findings"]:
        if finding["status"] != "pending":
            continue
        due = _due_date(finding)
        out.append(
            {
                "patient_id": patient["patient_id"],
                "site_id": patient.get("site_id"),
                "rule": finding["rule"],
                "name": finding["name"],
                "due": finding["message"],
                "due_date": due.isoformat() if due else None,
                "days_left": (due - basis).days if due else None,
                "location": finding.get("location"),
            }
        )
    return out


def next_due(patient: dict[str, Any]) -> str | None:
    dates = [w["due_date"] for w in due_windows(patient) if w["due_date"]]
    return min(dates) if dates else None
