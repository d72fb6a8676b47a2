"""Rules that read a record section the source did not collect: not evaluable, with why.

A reader may know that a whole section of a patient's record was not collected, which
is not the same as none: an SDTM folder without a PR dataset holds no TACE, but says
nothing about whether there were any. It passes ``not_collected`` (section -> why, in
words) with the record. Every rule names in the pack the sections its decision reads
(``reads``); a rule reading one that was not collected gets a single not evaluable
finding naming the sections and why (the pack's ``not_collected_message``), in place of
what the facts would have said. A rule that reads ``eligibility`` is judged the same way
when the eligibility verdict is undetermined because an eligibility rule read such a
section; the analysis group is then unassigned (``not_collected_group_message``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from protocol.findings import Eligibility, Finding, Status
from protocol.packs.model import Rule
from protocol.packs.templates import render

__all__ = ["ELIGIBILITY", "blocked_sections", "group_reason", "overrule"]

ELIGIBILITY = "eligibility"  # the pseudo-section a rule reads when it needs the verdict


def blocked_sections(
    rule: Rule,
    not_collected: Mapping[str, str],
    eligibility: Eligibility | None = None,
    eligibility_blocked: Sequence[str] = (),
) -> list[str]:
    """The sections not collected that ``rule`` reads, in the rule's order.

    Through ``eligibility``: the sections that left the verdict undetermined."""
    out = [section for section in rule.reads if section in not_collected]
    if ELIGIBILITY in rule.reads and eligibility is Eligibility.UNDETERMINED:
        out += [section for section in eligibility_blocked if section not in out]
    return out


def _words(
    sections: Sequence[str], not_collected: Mapping[str, str], params: Mapping[str, Any]
) -> dict[str, Any]:
    names = params["section_names"]
    said = [str(names.get(section, section)) for section in sections]
    listed = said[0] if len(said) == 1 else ", ".join(said[:-1]) + " and " + said[-1]
    hows = list(dict.fromkeys(not_collected[section] for section in sections))
    return {"sections": listed, "how": "; ".join(hows)}


def _finding(
    rule: Rule, sections: Sequence[str], not_collected: Mapping[str, str], params: Mapping[str, Any]
) -> Finding:
    values = {"code": rule.code, **_words(sections, not_collected, params)}
    return Finding(
        rule=rule.code,
        name=rule.name,
        status=Status.NOT_EVALUABLE,
        kind=rule.kind,
        importance=rule.importance,
        message=render(str(params["not_collected_message"]), values),
        location="/" + sections[0] if sections[0] != ELIGIBILITY else None,
        evidence={"not_collected": list(sections)},
        protocol_ref=rule.protocol_ref,
    )


def overrule(
    rules: Sequence[Rule],
    findings: list[Finding],
    not_collected: Mapping[str, str],
    params: Mapping[str, Any],
    eligibility: Eligibility | None = None,
    eligibility_blocked: Sequence[str] = (),
) -> tuple[list[Finding], list[str]]:
    """The findings with every rule that reads a section not collected made not evaluable
    (one finding per rule), and the sections that blocked an eligibility rule."""
    blocked: dict[str, list[str]] = {}
    for rule in rules:
        sections = blocked_sections(rule, not_collected, eligibility, eligibility_blocked)
        if sections:
            blocked[rule.code] = sections
    if not blocked:
        return findings, []
    out: list[Finding] = []
    done: set[str] = set()
    by_code = {rule.code: rule for rule in rules}
    eligibility_sections: list[str] = []
    for finding in findings:
        sections = blocked.get(finding.rule)
        if sections is None:
            out.append(finding)
            continue
        if finding.rule in done:
            continue
        done.add(finding.rule)
        rule = by_code[finding.rule]
        out.append(_finding(rule, sections, not_collected, params))
        if rule.kind == "eligibility":
            eligibility_sections += [s for s in sections if s not in eligibility_sections]
    return out, eligibility_sections


def group_reason(
    sections: Sequence[str], not_collected: Mapping[str, str], params: Mapping[str, Any]
) -> str:
    """The analysis group's reason when it is unassigned for sections not collected."""
    return render(
        str(params["not_collected_group_message"]), _words(sections, not_collected, params)
    )
