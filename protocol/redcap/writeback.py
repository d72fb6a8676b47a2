"""Write-back (opt-in): the findings not met, as instances of ``tacecheck_findings`` in REDCap.

One instance per finding (rule, JSON Pointer, instance), so the site sees each one on the
record's page, with the REDCap form and field it points at. An instance is never deleted:
when a finding is met again its instance is marked resolved (``tcf_state`` = 0), and a
finding that comes back is re-opened in the same instance. Only instances that change are
imported, so checking an unchanged record writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from protocol.findings import PatientResult, Status
from protocol.redcap.export import REPEAT_INSTANCE, REPEAT_INSTRUMENT
from protocol.redcap.provenance import Provenance

__all__ = ["FIELDS", "INSTRUMENT", "OPEN", "RESOLVED", "finding_rows"]

INSTRUMENT = "tacecheck_findings"
FIELDS = (
    "tcf_key", "tcf_state", "tcf_rule", "tcf_message", "tcf_location", "tcf_where",
    "tcf_version", "tcf_checked",
)  # fmt: skip
OPEN, RESOLVED = "1", "0"
_SHOWN = ("tcf_state", "tcf_rule", "tcf_message", "tcf_location", "tcf_where")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _existing(rows: Iterable[dict[str, Any]]) -> dict[str, tuple[int, dict[str, str]]]:
    """finding key -> (instance, the instance's values) of the rows REDCap holds."""
    out: dict[str, tuple[int, dict[str, str]]] = {}
    for row in rows:
        if _text(row.get(REPEAT_INSTRUMENT)) != INSTRUMENT:
            continue
        instance = _text(row.get(REPEAT_INSTANCE))  # a number or a string, as REDCap likes
        if not instance.isdigit():
            continue
        values = {name: _text(row.get(name)) for name in FIELDS}
        if values["tcf_key"]:
            out.setdefault(values["tcf_key"], (int(instance), values))
    return out


def finding_rows(
    record_id_field: str,
    record_id: str,
    result: PatientResult,
    provenance: Provenance | None,
    existing: Iterable[dict[str, Any]],
    version: int,
    checked_at: str,
    event: str | None = None,
) -> list[dict[str, str]]:
    """The rows to import so that REDCap shows ``result``'s findings not met, and no more."""
    held = _existing(existing)
    last = max((instance for instance, _ in held.values()), default=0)
    wanted: dict[str, dict[str, str]] = {}
    for finding in result.findings:
        if finding.status != Status.NOT_MET:
            continue
        key = "|".join((finding.rule, finding.location or "", finding.instance or ""))
        where = ""
        if provenance is not None and finding.location:
            where = provenance.describe(finding.location) or ""
        wanted[key] = {
            "tcf_key": key,
            "tcf_state": OPEN,
            "tcf_rule": finding.rule,
            "tcf_message": finding.message,
            "tcf_location": finding.location or "",
            "tcf_where": where,
        }
    rows = []

    def row(instance: int, values: dict[str, str]) -> None:
        item = {record_id_field: record_id}
        if event:
            item["redcap_event_name"] = event
        item.update({REPEAT_INSTRUMENT: INSTRUMENT, REPEAT_INSTANCE: str(instance)})
        item.update(values, tcf_version=str(version), tcf_checked=checked_at)
        item[f"{INSTRUMENT}_complete"] = "2"
        rows.append(item)

    for key, values in wanted.items():
        if key in held:
            instance, before = held[key]
            if all(before[name] == values[name] for name in _SHOWN):
                continue
            row(instance, values)
        else:
            last += 1
            row(last, values)
    for key, (instance, before) in sorted(held.items(), key=lambda item: item[1][0]):
        if key not in wanted and before["tcf_state"] != RESOLVED:
            row(instance, {**before, "tcf_state": RESOLVED})
    return rows
