"""From what fired to findings: each rule's outcome for each fact, explained in words.

A rule's outcome for a fact is the first listed that fired, else the session's
implicit one (its ``otherwise``, or in a lean engine its most frequent, pitfall 31).
Each is rendered with the pack's message and location templates into a
:class:`~protocol.findings.Finding` stamped with the rule's code, name, kind,
importance and protocol reference. What a rule needs for that is worked out once per
rule (:class:`_Plan`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from protocol.engine.durable_adapter import fact_id
from protocol.engine.facts import Fact
from protocol.findings import Finding, Status
from protocol.packs.model import Rule
from protocol.packs.templates import Values, filler, render

__all__ = ["findings_of", "no_instance_finding", "resolve"]


_STATUSES = {str(status): status for status in Status}


class _Plan:
    """What explaining one rule's facts needs, worked out once per rule object."""

    __slots__ = ("_none", "location", "outcomes", "rule", "stamp")

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        # What every finding of the rule carries, in Finding's order of fields.
        self.stamp = (rule.code, rule.name, rule.kind, rule.importance, rule.protocol_ref)
        self._none: tuple[Mapping[str, Any], Finding] | None = None
        self.location = filler(rule.location or "{pointer}")
        self.outcomes = {
            outcome.index: (outcome.result, _STATUSES.get(outcome.result), filler(outcome.message))
            for outcome in (*rule.outcomes, rule.otherwise)
        }

    def none(self, params: Mapping[str, Any]) -> Finding:
        """:func:`no_instance_finding`, made once for the pack's parameters (it is frozen)."""
        made = self._none
        if made is None or made[0] is not params:
            made = self._none = (params, no_instance_finding(self.rule, params))
        return made[1]


_PLANS: dict[int, _Plan] = {}


def _plan(rule: Rule) -> _Plan:
    plan = _PLANS.get(id(rule))
    if plan is None or plan.rule is not rule:
        plan = _PLANS[id(rule)] = _Plan(rule)
    return plan


def resolve(
    rule: Rule,
    facts: list[Fact],
    fired: Mapping[tuple[str, str], int],
    params: Mapping[str, Any],
    implicit: Mapping[str, int],
) -> list[tuple[str, str, Fact | None, Any]]:
    """(result, message, fact, values) per fact, or the rule's 'no instance' answer.

    A fact for which none of the rule's actions fired has the session's implicit outcome
    for that rule (its ``otherwise``, or in a lean engine its most frequent one)."""
    if not facts:
        return [(str(Status.NOT_APPLICABLE), render(rule.none_message, params), None, params)]
    plan = _plan(rule)
    out = []
    for fact in facts:
        index = fired.get((rule.code, fact_id(fact)), implicit[rule.code])
        result, _status, message = plan.outcomes[index]
        own = {**fact.display, **fact.values}
        out.append((result, message(own, params), fact, Values(own, params)))
    return out


# A no-instance finding has no evidence; it is made once per rule and handed to every
# patient (and every Session), so its empty evidence is one no caller can add to.
_NO_EVIDENCE: Mapping[str, Any] = MappingProxyType({})


def no_instance_finding(rule: Rule, params: Mapping[str, Any]) -> Finding:
    """A rule's finding when its subject has no fact (no AE, no dosing period): not
    applicable, with the rule's ``none_message``."""
    return Finding(
        rule=rule.code,
        name=rule.name,
        status=Status.NOT_APPLICABLE,
        kind=rule.kind,
        importance=rule.importance,
        message=render(rule.none_message, params),
        location=None,
        evidence=_NO_EVIDENCE,
        protocol_ref=rule.protocol_ref,
        instance=None,
    )


def findings_of(
    rules: Iterable[Rule],
    facts: Mapping[str, list[Fact]],
    fired: Mapping[tuple[str, str], int],
    params: Mapping[str, Any],
    implicit: Mapping[str, int],
) -> list[Finding]:
    findings: list[Finding] = []
    append = findings.append
    seen: dict[int, tuple[str, dict[str, Any]]] = {}  # per fact: its id and values shown
    for rule in rules:
        subject_facts = facts[rule.subject]
        plan = _plan(rule)
        if not subject_facts:
            append(plan.none(params))
            continue
        code, name, kind, importance, ref = plan.stamp
        shown = rule.evidence
        outcomes, otherwise, location = plan.outcomes, implicit[code], plan.location
        for fact in subject_facts:
            known = seen.get(id(fact))
            if known is None:
                known = seen[id(fact)] = (fact_id(fact), {**fact.display, **fact.values})
            identity, own = known
            result, status, message = outcomes[fired.get((code, identity), otherwise)]
            if status is None:  # not a finding's status (a group's name)
                raise KeyError(result)
            evidence: dict[str, Any] = {}
            for key in shown:  # a fact's values, then the pack's
                if key in own:
                    evidence[key] = own[key]
                elif key in params:
                    evidence[key] = params[key]
            append(
                Finding(
                    code,
                    name,
                    status,
                    kind,
                    message(own, params),
                    importance,
                    location(own, params),
                    evidence,
                    ref,
                    fact.instance,
                )
            )
    return findings
