"""The cohort summary: counts accumulated patient by patient, merged across workers.

A :class:`CohortSummary` holds only counters and, per analysis group, the
day counts of TTP and OS: a million patients cost a few megabytes. Workers
each fill one for their share of the records; :meth:`CohortSummary.merge` adds
them up. :meth:`CohortSummary.to_dict` turns the counts into the report's
``summary``: the attrition table (CONSORT style), counts per rule and status,
group sizes, Kaplan-Meier medians of TTP and OS per group, and the safety flags.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from protocol.cohort.sites import SiteCounts, SiteTally
from protocol.findings import (
    ATTENTION_ORDER,
    PatientResult,
    RecordError,
    Status,
    exit_code,
)
from protocol.packs.model import Pack

__all__ = ["FAIL_ON", "CohortSummary", "PatientTally"]

# --fail-on: which outcomes make the exit code 1 (input errors always make it 2, but with none)
FAIL_ON = ("any", "important", "none")

_PASSES = {Status.MET, Status.NOT_APPLICABLE}


def _worst(statuses: Iterable[Status]) -> Status:
    """A patient's status at an attrition step when the rule has several instances."""
    present = set(statuses)
    return next(status for status in ATTENTION_ORDER if status in present)


@dataclass(frozen=True, slots=True)
class PatientTally:
    """What the summary counts of one checked patient: small, picklable, added in order.

    Workers tally; the main process adds the tallies in input order, so a patient it
    refuses (a second record with the same ``patient_id``) is never counted.
    """

    patient_id: str
    cohort: str
    eligibility: str
    group: str
    unassigned: str | None  # the reason, when the group is ``unassigned``
    findings: tuple[tuple[str, str, str, str | None, str | None], ...]  # rule, status, kind...
    attrition: tuple[tuple[int, str], ...]  # (step number, status) up to the first failure
    endpoints: tuple[tuple[str, int, bool], ...]  # (name, days, event)
    site: SiteTally | None = None

    @classmethod
    def of(
        cls,
        result: PatientResult,
        steps: dict[str, tuple[str, ...]],
        shown: PatientResult | None = None,
        site: SiteTally | None = None,
    ) -> PatientTally:
        """``result`` gives the attrition; ``shown`` (the findings reported) the counts."""
        unassigned = None
        if result.group == "unassigned":
            unassigned = result.group_basis or "unassigned"
            if result.eligibility != "eligible":
                unassigned = f"{unassigned}: {result.eligibility}"
        by_rule: dict[str, list[Status]] = {}
        findings = []
        for finding in result.findings:
            by_rule.setdefault(finding.rule, []).append(finding.status)
        for finding in (shown or result).findings:
            grade = finding.evidence.get("grade")
            term = finding.evidence.get("term")
            findings.append(
                (
                    finding.rule,
                    str(finding.status),
                    finding.kind,
                    None if grade is None else str(grade),
                    None if term is None else str(term),
                )
            )
        attrition = []
        for number, code in enumerate(steps.get(result.cohort, ()), start=1):
            status = _worst(by_rule.get(code) or [Status.NOT_APPLICABLE])
            attrition.append((number, str(status)))
            if status not in _PASSES:
                break
        endpoints = tuple(
            (name, endpoint.days, endpoint.event)
            for name, endpoint in result.endpoints.items()
            if endpoint is not None and result.group != "unassigned"
        )
        return cls(
            result.patient_id,
            result.cohort,
            str(result.eligibility),
            result.group,
            unassigned,
            tuple(findings),
            tuple(attrition),
            endpoints,
            site,
        )


@dataclass
class CohortSummary:
    """Counts over the patients checked so far (see the module docstring)."""

    patients: int = 0
    not_met: int = 0
    patients_with_not_met: int = 0
    errors: int = 0
    records_with_errors: int = 0
    cohorts: Counter[str] = field(default_factory=Counter)
    eligibility: Counter[tuple[str, str]] = field(default_factory=Counter)
    groups: Counter[str] = field(default_factory=Counter)
    unassigned: Counter[str] = field(default_factory=Counter)
    rules: Counter[tuple[str, str]] = field(default_factory=Counter)
    # (cohort, step number, status): how patients fared at each eligibility step
    attrition: Counter[tuple[str, int, str]] = field(default_factory=Counter)
    # (endpoint, group) -> day counts, and 1 for an event, 0 for censored
    durations: dict[tuple[str, str], array] = field(default_factory=dict)
    events: dict[tuple[str, str], bytearray] = field(default_factory=dict)
    flagged: Counter[str] = field(default_factory=Counter)
    flagged_grades: Counter[tuple[str, str]] = field(default_factory=Counter)
    flagged_terms: Counter[tuple[str, str]] = field(default_factory=Counter)
    flagged_patients: Counter[str] = field(default_factory=Counter)
    sites: SiteCounts = field(default_factory=SiteCounts)
    filtered_out: int = 0  # records of other sites, left out by --site

    # --- accumulating ------------------------------------------------------------------

    def add(self, result: PatientResult, steps: dict[str, tuple[str, ...]]) -> None:
        """Count one patient; ``steps`` lists each cohort's eligibility rules in order."""
        self.add_tally(PatientTally.of(result, steps))

    def add_tally(self, tally: PatientTally) -> None:
        """Count one patient from what a worker tallied of it."""
        self.patients += 1
        self.cohorts[tally.cohort] += 1
        self.eligibility[(tally.cohort, tally.eligibility)] += 1
        self.groups[tally.group] += 1
        if tally.unassigned is not None:
            self.unassigned[tally.unassigned] += 1
        not_met = 0
        flagged_rules: set[str] = set()
        for rule, status, kind, grade, term in tally.findings:
            self.rules[(rule, status)] += 1
            if status == Status.NOT_MET:
                not_met += 1
                if kind == "safety":
                    self._flag(rule, grade, term)
                    flagged_rules.add(rule)
        for rule in flagged_rules:
            self.flagged_patients[rule] += 1
        self.not_met += not_met
        self.patients_with_not_met += bool(not_met)
        for number, status in tally.attrition:
            self.attrition[(tally.cohort, number, status)] += 1
        if tally.site is not None:
            self.sites.add(tally.site)
        for name, days, event in tally.endpoints:
            key = (name, tally.group)
            self.durations.setdefault(key, array("l")).append(days)
            self.events.setdefault(key, bytearray()).append(1 if event else 0)

    def _flag(self, rule: str, grade: str | None, term: str | None) -> None:
        self.flagged[rule] += 1
        if grade is not None:
            self.flagged_grades[(rule, grade)] += 1
        if term is not None:
            self.flagged_terms[(rule, term)] += 1

    def add_errors(self, errors: Iterable[RecordError]) -> None:
        """Count the errors that stopped one record (or one input) being checked."""
        count = sum(1 for _ in errors)
        self.errors += count
        self.records_with_errors += 1 if count else 0

    def merge(self, other: CohortSummary) -> None:
        """Add another summary's counts to this one (a worker's share of the cohort)."""
        self.patients += other.patients
        self.not_met += other.not_met
        self.patients_with_not_met += other.patients_with_not_met
        self.errors += other.errors
        self.records_with_errors += other.records_with_errors
        self.filtered_out += other.filtered_out
        self.sites.merge(other.sites)
        for name in (
            "cohorts",
            "eligibility",
            "groups",
            "unassigned",
            "rules",
            "attrition",
            "flagged",
            "flagged_grades",
            "flagged_terms",
            "flagged_patients",
        ):
            getattr(self, name).update(getattr(other, name))
        for key, values in other.durations.items():
            self.durations.setdefault(key, array("l")).extend(values)
            self.events.setdefault(key, bytearray()).extend(other.events[key])

    @property
    def exit_code(self) -> int:
        return exit_code(bool(self.errors), bool(self.not_met))

    @property
    def ineligible(self) -> int:
        return sum(n for (_cohort, status), n in self.eligibility.items() if status == "ineligible")

    def exit_code_for(self, fail_on: str = "any") -> int:
        """The exit code under a ``--fail-on`` policy (``any`` is the contract's 0/1/2).

        ``important``: 1 only for important deviations not met or ineligible patients;
        ``none``: 0 whatever was found, 2 still for input errors.
        """
        if fail_on == "important":
            return exit_code(bool(self.errors), bool(self.sites.important or self.ineligible))
        if fail_on == "none":
            return exit_code(bool(self.errors), False)
        return self.exit_code

    # --- reporting ---------------------------------------------------------------------

    def to_dict(
        self, pack: Pack, run: dict[str, Any] | None = None, baseline: bool = False
    ) -> dict[str, Any]:
        from protocol.cohort.survival import kaplan_meier

        per_month = float(pack.endpoints["days_per_month"])
        rules: dict[str, dict[str, int]] = {}
        for (code, status), count in sorted(self.rules.items()):
            rules.setdefault(code, {})[status] = count
        eligibility: dict[str, int] = Counter()
        by_cohort: dict[str, dict[str, Any]] = {}
        for (cohort, status), count in sorted(self.eligibility.items()):
            eligibility[status] += count
            by_cohort.setdefault(cohort, {"patients": self.cohorts[cohort]})
            by_cohort[cohort].setdefault("eligibility", {})[status] = count
        groups = group_names(pack)
        endpoints: dict[str, dict[str, Any]] = {}
        for name in ("ttp", "os"):
            endpoints[name] = {}
            for group in groups:
                days = self.durations.get((name, group), array("l"))
                events = self.events.get((name, group), bytearray())
                endpoints[name][group] = kaplan_meier(days, events, per_month)
        return {
            "patients": self.patients,
            "records_with_errors": self.records_with_errors,
            "errors": self.errors,
            "patients_with_not_met": self.patients_with_not_met,
            "not_met": self.not_met,
            "cohorts": by_cohort,
            "eligibility": dict(eligibility),
            "attrition": self._attrition(pack),
            "groups": {group: self.groups.get(group, 0) for group in (*groups, "unassigned")},
            "unassigned": dict(sorted(self.unassigned.items())),
            "endpoints": endpoints,
            "safety_flags": self._safety(pack),
            "rules": rules,
            "important_deviations": self.sites.important,
            "sites": self.sites.to_dict(per_month, baseline),
            "filtered_out": self.filtered_out,
            **({"run": run} if run is not None else {}),
        }

    def _attrition(self, pack: Pack) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for cohort, codes in eligibility_steps(pack).items():
            rows = []
            remaining = self.cohorts.get(cohort, 0)
            for number, code in enumerate(codes, start=1):
                counts = {str(s): self.attrition.get((cohort, number, str(s)), 0) for s in Status}
                passed = counts[Status.MET] + counts[Status.NOT_APPLICABLE]
                rows.append(
                    {
                        "rule": code,
                        "name": pack.rule(code).name,
                        "entered": remaining,
                        "passed": passed,
                        "excluded": counts[Status.NOT_MET],
                        "pending": counts[Status.PENDING],
                        "not_evaluable": counts[Status.NOT_EVALUABLE],
                    }
                )
                remaining = passed
            out[cohort] = {
                "checked": self.cohorts.get(cohort, 0),
                "steps": rows,
                "eligible": remaining,
            }
        return out

    def _safety(self, pack: Pack) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for rule in pack.rules:
            if rule.kind != "safety":
                continue
            code = rule.code
            out[code] = {
                "name": rule.name,
                "events": self.flagged.get(code, 0),
                "patients": self.flagged_patients.get(code, 0),
                "by_grade": {
                    grade: n for (c, grade), n in sorted(self.flagged_grades.items()) if c == code
                },
                "by_term": {
                    term: n
                    for (c, term), n in sorted(
                        self.flagged_terms.items(), key=lambda item: (-item[1], item[0])
                    )
                    if c == code
                },
            }
        return out


def eligibility_steps(pack: Pack) -> dict[str, tuple[str, ...]]:
    """Each cohort's eligibility rules, in the pack's order: the attrition steps."""
    cohorts: dict[str, list[str]] = {}
    for rule in pack.rules:
        for cohort in rule.cohorts:
            cohorts.setdefault(cohort, [])
            if rule.kind == "eligibility":
                cohorts[cohort].append(rule.code)
    return {cohort: tuple(codes) for cohort, codes in cohorts.items()}


def group_names(pack: Pack) -> tuple[str, ...]:
    """The analysis groups the pack can assign, in its order, without ``unassigned``."""
    names: list[str] = []
    for outcome in (*pack.group.outcomes, pack.group.otherwise):
        if outcome.result != "unassigned" and outcome.result not in names:
            names.append(outcome.result)
    return tuple(names)
