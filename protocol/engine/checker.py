"""Checking one patient: measure, run the pack in durable_rules, explain.

The flow for a record: a :class:`Timeline` as of the check date; the facts of
every subject the cohort's rules speak of; those facts asserted in one
durable_rules session; for each rule and each fact, the first outcome that
fired (or the rule's ``otherwise``), rendered as a :class:`Finding`. Rules
that need the eligibility verdict (TRT001, TRT002, the group) see it in a
second batch of facts in the same session.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from protocol.engine.durable_adapter import EngineError, engine_for, fact_id
from protocol.engine.durable_session import first_fired
from protocol.engine.endpoints import endpoints
from protocol.engine.explanation import findings_of, resolve
from protocol.engine.facts import SUBJECTS, Fact, measure
from protocol.engine.not_collected import blocked_sections, group_reason, overrule
from protocol.engine.timeline import Timeline
from protocol.findings import Eligibility, Finding, PatientResult, Status
from protocol.packs.model import Pack
from protocol.records.model import PatientRecord

__all__ = [
    "BATCH_PATIENTS",
    "as_of_for",
    "check_record",
    "check_records",
    "eligibility_of",
    "patient_result",
]


def as_of_for(record: PatientRecord, as_of: date | None) -> tuple[date, str, str]:
    """The check date, its basis and the reason in words (the pack's ``as-of`` decision).

    The earlier of ``--as-of`` and the record's data cut-off (the record holds no data
    after its cut-off, so a later date would read "not recorded" as "did not happen");
    with neither, today. The basis is ``option``, ``data_cutoff_date`` or ``today``.
    """
    cutoff = record.data_cutoff_date.latest if record.data_cutoff_date is not None else None
    if cutoff is not None and (as_of is None or cutoff < as_of):
        if as_of is None:
            reason = f"the record's data cut-off {cutoff}; no --as-of was given"
        else:
            reason = (
                f"the record's data cut-off {cutoff}, earlier than --as-of {as_of}:"
                " the record holds no data after it"
            )
        return cutoff, "data_cutoff_date", reason
    if as_of is not None:
        if cutoff is None:
            return as_of, "option", f"--as-of {as_of}; the record has no data cut-off"
        if cutoff == as_of:
            return as_of, "option", f"--as-of {as_of}, the same day as the record's data cut-off"
        return as_of, "option", f"--as-of {as_of}, earlier than the record's data cut-off {cutoff}"
    today = date.today()
    return today, "today", f"today ({today}): neither --as-of nor a data cut-off was given"


def eligibility_of(findings: Iterable[Finding]) -> tuple[Eligibility, list[str]]:
    """PROTOCOL.md's verdict over the eligibility rules, with the rules that failed."""
    relevant = [f for f in findings if f.kind == "eligibility"]
    failed = sorted({f.rule for f in relevant if f.status is Status.NOT_MET})
    statuses = {f.status for f in relevant}
    if failed:
        return Eligibility.INELIGIBLE, failed
    if Status.NOT_EVALUABLE in statuses:
        return Eligibility.UNDETERMINED, []
    if Status.PENDING in statuses:
        return Eligibility.PENDING, []
    return Eligibility.ELIGIBLE, []


class _Check:
    """One patient's check in its three steps, around the two batches of facts.

    ``first`` are the facts asserted first; :meth:`after` takes their firings and
    gives the facts that need the eligibility verdict; :meth:`result` takes those
    facts' firings. :func:`check_record` runs the steps in a session of the
    patient's own, :func:`check_records` for several patients in one session.
    """

    def __init__(
        self,
        record: PatientRecord,
        pack: Pack,
        as_of: date | None,
        source: str,
        not_collected: Mapping[str, str] | None,
    ) -> None:
        self.record, self.pack, self.source = record, pack, source
        self.missing = not_collected or {}
        self.when, self.as_of_basis, self.as_of_reason = as_of_for(record, as_of)
        self.timeline = Timeline(record, self.when)
        self.rules = rules = pack.rules_for(record.cohort)
        self.first_rules = [r for r in rules if not SUBJECTS[r.subject].needs_eligibility]
        self.later_rules = [r for r in rules if SUBJECTS[r.subject].needs_eligibility]
        params = pack.params
        self.facts = {
            subject: measure(subject, self.timeline, params, {})
            for subject in {r.subject for r in self.first_rules}
        }
        self.first = [f for fs in self.facts.values() for f in fs]

    def after(
        self, fired: Iterable[tuple[str, int, str]], implicit: Mapping[str, int]
    ) -> list[Fact]:
        """The first batch's findings and verdict; the facts of the second batch."""
        params, missing = self.pack.params, self.missing
        self.implicit = implicit
        findings = findings_of(self.first_rules, self.facts, first_fired(fired), params, implicit)
        self.blocked: list[str] = []
        if missing:
            findings, self.blocked = overrule(self.first_rules, findings, missing, params)
        self.findings = findings
        self.eligibility, failed = eligibility_of(findings)
        context = {"eligibility": str(self.eligibility), "failed_rules": failed}
        self.later = {
            subject: measure(subject, self.timeline, params, context)
            for subject in {r.subject for r in self.later_rules} | {self.pack.group.subject}
        }
        return [f for fs in self.later.values() for f in fs]

    def result(self, later_fired: Iterable[tuple[str, int, str]]) -> PatientResult:
        """The patient's result, from the second batch's firings."""
        pack, params, missing, later = self.pack, self.pack.params, self.missing, self.later
        fired = first_fired(later_fired)
        eligibility, blocked = self.eligibility, self.blocked
        implicit = self.implicit
        later_findings = findings_of(self.later_rules, later, fired, params, implicit)
        if missing:
            later_findings, _ = overrule(
                self.later_rules, later_findings, missing, params, eligibility, blocked
            )
        findings = self.findings + later_findings
        order = {rule.code: position for position, rule in enumerate(self.rules)}
        findings.sort(key=lambda f: order[f.rule])
        ((group, reason, fact, _values),) = resolve(
            pack.group, later[pack.group.subject], fired, params, implicit
        )
        basis = None
        if fact is not None:
            index = fired.get((pack.group.code, fact_id(fact)), implicit[pack.group.code])
            basis = pack.group.outcome(index).label
        unknown = blocked_sections(pack.group, missing, eligibility, blocked) if missing else []
        if unknown:
            group, reason = "unassigned", group_reason(unknown, missing, params)
            basis = "not collected"
        return patient_result(
            self.timeline,
            pack,
            self.source,
            (self.as_of_basis, self.as_of_reason),
            (eligibility, group, reason, basis),
            findings,
        )


def patient_result(
    timeline: Timeline,
    pack: Pack,
    source: str,
    as_of: tuple[str, str],
    verdict: tuple[Eligibility, str, str, str | None],
    findings: Sequence[Finding],
) -> PatientResult:
    """The result of a check: ``as_of`` is (basis, reason), ``verdict`` (eligibility, group,
    group reason, group basis); the endpoints are computed here for an assigned patient."""
    eligibility, group, reason, basis = verdict
    if group == "unassigned":
        results: dict[str, Any] = {"ttp": None, "os": None}
        notes = {"ttp": f"not computed: {reason}", "os": f"not computed: {reason}"}
    else:
        limit = int(pack.params["listing_limit"])
        results, notes = endpoints(timeline, pack.endpoints, limit)
    record = timeline.record
    return PatientResult(
        patient_id=record.patient_id,
        cohort=record.cohort,
        source=source,
        eligibility=eligibility,
        group=group,
        group_reason=reason,
        findings=tuple(findings),
        endpoints=results,
        endpoint_notes=notes,
        site_id=record.site_id,
        as_of=timeline.as_of.isoformat(),
        group_basis=basis,
        as_of_basis=as_of[0],
        as_of_reason=as_of[1],
    )


def check_record(
    record: PatientRecord,
    pack: Pack,
    as_of: date | None = None,
    source: str = "",
    not_collected: Mapping[str, str] | None = None,
) -> PatientResult:
    """Every applicable rule's finding, eligibility, group and endpoints for one patient.

    ``not_collected`` maps record sections the source did not collect to why, in words
    (``{"tace": "no PR dataset in sdtm/"}``): every rule reading one is not evaluable
    (:mod:`protocol.engine.not_collected`)."""
    with engine_for(pack).session() as session:
        check = _Check(record, pack, as_of, source, not_collected)
        later = check.after(session.assert_facts(check.first), session.implicit)
        fired = session.assert_facts(later)
    return check.result(fired)


# Patients per shared durable_rules session (DURABLE_RULES.md 25: 25-100 is fastest).
BATCH_PATIENTS = 50

Task = tuple[PatientRecord, str, Mapping[str, str] | None]


def check_records(
    tasks: Sequence[Task], pack: Pack, as_of: date | None = None
) -> list[PatientResult | Exception]:
    """:func:`check_record` of each ``(record, source, not_collected)``, in order.

    Patients share a durable_rules session, ``BATCH_PATIENTS`` at a time, when the
    adapter has proved that no rule can match facts of two patients
    (:attr:`~protocol.engine.durable_adapter.RuleEngine.batchable`); otherwise, and
    for every patient of a batch that failed, each is checked alone by
    :func:`check_record`. A patient whose check raised gets its exception in place of
    a result: exactly what :func:`check_record` alone raises for it.
    """
    out: list[PatientResult | Exception] = []
    batchable = engine_for(pack).batchable
    for start in range(0, len(tasks), BATCH_PATIENTS):
        part = tasks[start : start + BATCH_PATIENTS]
        results = _batched(part, pack, as_of) if batchable and len(part) > 1 else None
        if results is None:
            results = [
                _alone(record, pack, as_of, source, unknown) for record, source, unknown in part
            ]
        out += results
    return out


def _alone(
    record: PatientRecord,
    pack: Pack,
    as_of: date | None,
    source: str,
    not_collected: Mapping[str, str] | None,
) -> PatientResult | Exception:
    try:
        return check_record(record, pack, as_of, source, not_collected)
    except Exception as error:  # the caller reports it as that record's failure
        return error


def _batched(
    part: Sequence[Task], pack: Pack, as_of: date | None
) -> list[PatientResult | Exception] | None:
    """One session for ``part``; None if its engine failed (then each is checked alone).

    A patient whose own Python step raised is checked alone too, so its exception is
    the one :func:`check_record` raises.
    """
    results: list[PatientResult | Exception | None] = [None] * len(part)
    checks: dict[int, _Check] = {}
    try:
        with engine_for(pack).session(lean=True) as session:
            for number, (record, source, unknown) in enumerate(part):
                try:
                    checks[number] = _Check(record, pack, as_of, source, unknown)
                except Exception:
                    continue
            fired = session.assert_groups([check.first for check in checks.values()])
            later: dict[int, list[Fact]] = {}
            for (number, check), firings in zip(checks.items(), fired, strict=True):
                try:
                    later[number] = check.after(firings, session.implicit)
                except Exception:
                    continue
            fired = session.assert_groups(list(later.values()))
    except EngineError:
        return None
    for number, firings in zip(later, fired, strict=True):
        try:
            results[number] = checks[number].result(firings)
        except Exception:
            continue
    return [
        result if result is not None else _alone(record, pack, as_of, source, unknown)
        for result, (record, source, unknown) in zip(results, part, strict=True)
    ]
