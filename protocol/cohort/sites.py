"""Counts per site: patients, eligible, important deviations, exposure, queries, changes.

A worker measures each patient (:class:`SiteTally`); the main process adds them
up by site (:class:`SiteCounts`). Deviations per patient-month divides the
site's deviation findings not met by its patients' months on sorafenib (first
start to last end, or the as-of date while ongoing; months as the pack counts
them); a patient whose exposure a partial date leaves open adds no months.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from protocol.cohort.selection import NO_SITE
from protocol.findings import Finding, PatientResult, Status
from protocol.records.model import PatientRecord

__all__ = ["SiteCounts", "SiteTally", "exposure_days"]


def exposure_days(record: PatientRecord, as_of: str | None) -> int | None:
    """Days from the first sorafenib start to the last end (the as-of date while ongoing).

    None when a partial date leaves it open; an end after the as-of date stops there.
    """
    periods = record.sorafenib
    if not periods:
        return None
    starts, ends = [], []
    for period in periods:
        if not period.start_date.is_full:
            return None
        starts.append(period.start_date.earliest)
        if period.end_date is None:
            if as_of is None:
                return None
            ends.append(date.fromisoformat(as_of))
        elif period.end_date.is_full:
            ends.append(period.end_date.earliest)
        else:
            return None
    last = max(ends)
    if as_of is not None:  # nothing dated after the as-of date counts as happened
        last = min(last, date.fromisoformat(as_of))
    return max((last - min(starts)).days, 0)


def _asks_site(finding: Finding) -> bool:
    """An open query, as the query listing has them: data not consistent, or eligibility
    not decidable (the site can supply the missing date)."""
    if finding.kind == "data":
        return finding.status is Status.NOT_MET
    return finding.kind == "eligibility" and finding.status is Status.NOT_EVALUABLE


@dataclass(frozen=True, slots=True)
class SiteTally:
    """One patient's contribution to its site's row."""

    site: str
    eligible: bool
    important: int
    deviations: int
    queries: int
    exposure_days: int | None
    new: int | None = None
    resolved: int | None = None

    @classmethod
    def of(
        cls,
        result: PatientResult,
        record: PatientRecord,
        changes: tuple[int, int] | None = None,
    ) -> SiteTally:
        not_met = [f for f in result.findings if f.status is Status.NOT_MET]
        deviations = [f for f in not_met if f.kind == "deviation"]
        return cls(
            result.site_id or NO_SITE,
            str(result.eligibility) == "eligible",
            sum(1 for f in deviations if f.importance == "important"),
            len(deviations),
            sum(1 for f in result.findings if _asks_site(f)),
            exposure_days(record, result.as_of),
            None if changes is None else changes[0],
            None if changes is None else changes[1],
        )


@dataclass
class _Row:
    patients: int = 0
    eligible: int = 0
    important: int = 0
    deviations: int = 0
    queries: int = 0
    days: int = 0
    exposed: int = 0
    new: int | None = None
    resolved: int | None = None


@dataclass
class SiteCounts:
    """Rows per site, in first-seen order; sorted by site when reported."""

    rows: dict[str, _Row] = field(default_factory=dict)

    def add(self, tally: SiteTally) -> None:
        row = self.rows.setdefault(tally.site, _Row())
        row.patients += 1
        row.eligible += tally.eligible
        row.important += tally.important
        row.deviations += tally.deviations
        row.queries += tally.queries
        if tally.exposure_days is not None:
            row.days += tally.exposure_days
            row.exposed += 1
        if tally.new is not None:
            row.new = (row.new or 0) + tally.new
            row.resolved = (row.resolved or 0) + (tally.resolved or 0)

    def merge(self, other: SiteCounts) -> None:
        for site, theirs in other.rows.items():
            row = self.rows.setdefault(site, _Row())
            for name in ("patients", "eligible", "important", "deviations", "queries", "days"):
                setattr(row, name, getattr(row, name) + getattr(theirs, name))
            row.exposed += theirs.exposed
            if theirs.new is not None:
                row.new = (row.new or 0) + theirs.new
                row.resolved = (row.resolved or 0) + (theirs.resolved or 0)

    @property
    def important(self) -> int:
        return sum(row.important for row in self.rows.values())

    def to_dict(self, days_per_month: float, baseline: bool) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for site in sorted(self.rows, key=lambda name: (name == NO_SITE, name)):
            row = self.rows[site]
            months = row.days / days_per_month
            out[site] = {
                "patients": row.patients,
                "eligible": row.eligible,
                "important_deviations": row.important,
                "deviations_per_patient_month": (
                    round(row.deviations / months, 4) if row.exposed and months > 0 else None
                ),
                "open_queries": row.queries,
                "new": (row.new or 0) if baseline else None,
                "resolved": (row.resolved or 0) if baseline else None,
            }
        return out
