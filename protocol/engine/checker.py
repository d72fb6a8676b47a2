"""Checking one patient: measure, run the pack in durable_rules, explain.

The flow for a record: a :class:`Timeline` as of the check date; the facts of
every subject the cohort's rules speak of; those facts asserted in one
durable_rules session; for each rule and each fact, the first outcome that
fired (or the rule's ``otherwise``), rendered as a :class:`Finding`. Rules
that need the eligibility verdict (TRT001, TRT002, the group) see it in a
second batch of facts in the same session.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from protocol.engine.durable_adapter import engine_for, fact_id
from protocol.engine.endpoints import endpoints
from protocol.engine.facts import SUBJECTS, Fact, measure
from protocol.engine.not_collected import blocked_sections, group_reason, overrule
from protocol.engine.timeline import Timeline
from protocol.findings import Eligibility, Finding, PatientResult, Status
from protocol.packs.model import Pack, Rule
from protocol.packs.templates import render
from protocol.records.model import PatientRecord

__all__ = ["as_of_for", "check_record", "eligibility_of"]


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


class _Values:
    """A fact's measurements, then the pack's parameters: what a template may name."""

    __slots__ = ("own", "params")

    def __init__(self, own: dict[str, Any], params: Mapping[str, Any]) -> None:
        self.own = own
        self.params = params

    def get(self, key: str, default: Any = None) -> Any:
        own = self.own
        return own[key] if key in own else self.params.get(key, default)

    def __contains__(self, key: str) -> bool:
        return key in self.own or key in self.params

    def __getitem__(self, key: str) -> Any:
        own = self.own
        return own[key] if key in own else self.params[key]


def _resolve(
    rule: Rule,
    facts: list[Fact],
    fired: Mapping[tuple[str, str], int],
    params: Mapping[str, Any],
) -> list[tuple[str, str, Fact | None, Any]]:
    """(result, message, fact, values) per fact, or the rule's 'no instance' answer."""
    if not facts:
        return [(str(Status.NOT_APPLICABLE), render(rule.none_message, params), None, params)]
    out = []
    for fact in facts:
        index = fired.get((rule.code, fact_id(fact)), rule.otherwise.index)
        outcome = rule.outcome(index)
        values = _Values({**fact.display, **fact.values}, params)
        out.append((outcome.result, render(outcome.message, values), fact, values))
    return out


def _findings(
    rules: Iterable[Rule],
    facts: Mapping[str, list[Fact]],
    fired: Mapping[tuple[str, str], int],
    params: Mapping[str, Any],
) -> list[Finding]:
    findings = []
    append = findings.append
    for rule in rules:
        location = rule.location or "{pointer}"
        shown = rule.evidence
        for result, message, fact, values in _resolve(rule, facts[rule.subject], fired, params):
            evidence: dict[str, Any] = {}
            if fact is not None:
                own, fixed = values.own, values.params  # a fact's values, then the pack's
                for key in shown:
                    if key in own:
                        evidence[key] = own[key]
                    elif key in fixed:
                        evidence[key] = fixed[key]
            append(
                Finding(
                    rule=rule.code,
                    name=rule.name,
                    status=_STATUSES[result],
                    kind=rule.kind,
                    importance=rule.importance,
                    message=message,
                    location=render(location, values) if fact else None,
                    evidence=evidence,
                    protocol_ref=rule.protocol_ref,
                    instance=fact.instance if fact else None,
                )
            )
    return findings


_STATUSES = {str(status): status for status in Status}


def _first_fired(fired: Iterable[tuple[str, int, str]]) -> dict[tuple[str, str], int]:
    """The first-listed outcome that fired, per (rule, fact)."""
    chosen: dict[tuple[str, str], int] = {}
    for code, index, identity in fired:
        key = (code, identity)
        if key not in chosen or index < chosen[key]:
            chosen[key] = index
    return chosen


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
    missing = not_collected or {}
    when, as_of_basis, as_of_reason = as_of_for(record, as_of)
    timeline = Timeline(record, when)
    rules = pack.rules_for(record.cohort)
    first_rules = [r for r in rules if not SUBJECTS[r.subject].needs_eligibility]
    later_rules = [r for r in rules if SUBJECTS[r.subject].needs_eligibility]
    params = pack.params
    compiled = engine_for(pack)
    with compiled.session() as session:
        facts = {
            subject: measure(subject, timeline, params, {})
            for subject in {r.subject for r in first_rules}
        }
        fired = _first_fired(session.assert_facts([f for fs in facts.values() for f in fs]))
        findings = _findings(first_rules, facts, fired, params)
        blocked: list[str] = []
        if missing:
            findings, blocked = overrule(first_rules, findings, missing, params)
        eligibility, failed = eligibility_of(findings)
        context = {"eligibility": str(eligibility), "failed_rules": failed}
        later = {
            subject: measure(subject, timeline, params, context)
            for subject in {r.subject for r in later_rules} | {pack.group.subject}
        }
        fired = _first_fired(session.assert_facts([f for fs in later.values() for f in fs]))
    later_findings = _findings(later_rules, later, fired, params)
    if missing:
        later_findings, _ = overrule(
            later_rules, later_findings, missing, params, eligibility, blocked
        )
    findings += later_findings
    order = {rule.code: position for position, rule in enumerate(rules)}
    findings.sort(key=lambda f: order[f.rule])
    ((group, reason, fact, _values),) = _resolve(
        pack.group, later[pack.group.subject], fired, params
    )
    basis = None
    if fact is not None:
        index = fired.get((pack.group.code, fact_id(fact)), pack.group.otherwise.index)
        basis = pack.group.outcome(index).label
    unknown = blocked_sections(pack.group, missing, eligibility, blocked) if missing else []
    if unknown:
        group, reason, basis = "unassigned", group_reason(unknown, missing, params), "not collected"
    if group == "unassigned":
        results: dict[str, Any] = {"ttp": None, "os": None}
        notes = {"ttp": f"not computed: {reason}", "os": f"not computed: {reason}"}
    else:
        results, notes = endpoints(timeline, pack.endpoints, int(params["listing_limit"]))
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
        as_of=when.isoformat(),
        group_basis=basis,
        as_of_basis=as_of_basis,
        as_of_reason=as_of_reason,
    )
