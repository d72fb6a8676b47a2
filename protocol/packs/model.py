"""A loaded protocol pack: parameters, decisions, rules and the group derivation."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from protocol.packs.conditions import Condition

__all__ = ["Outcome", "Pack", "Parameter", "Rule"]


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    value: Any
    unit: str
    description: str
    rationale: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """One branch of a rule: when ``condition`` holds, the rule concludes ``result``."""

    result: str
    message: str
    condition: Condition | None
    index: int
    line: int | None = None
    label: str | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule (or the group derivation) as the pack states it."""

    code: str
    name: str
    kind: str
    importance: str | None
    cohorts: tuple[str, ...]
    subject: str
    protocol_ref: str
    location: str
    evidence: tuple[str, ...]
    outcomes: tuple[Outcome, ...]
    otherwise: Outcome
    none_message: str
    doc: dict[str, str]
    family: str
    file: Path
    line: int | None = None
    log_dates: dict[str, str] = field(default_factory=dict)
    reads: tuple[str, ...] = ()  # record sections the decision depends on (not-collected)

    def outcome(self, index: int) -> Outcome:
        return self.otherwise if index == self.otherwise.index else self.outcomes[index]


@dataclass(frozen=True, slots=True)
class Pack:
    id: str
    version: str
    title: str
    reference: str
    parameters: dict[str, Parameter]
    decisions: tuple[dict[str, str], ...]
    rules: tuple[Rule, ...]
    group: Rule
    endpoints: dict[str, Any]
    families: tuple[dict[str, str], ...]
    folder: Path
    params: dict[str, Any] = field(default_factory=dict)

    def rule(self, code: str) -> Rule:
        for rule in self.rules:
            if rule.code == code.upper():
                return rule
        raise KeyError(code)

    def rules_for(self, cohort: str) -> tuple[Rule, ...]:
        return tuple(rule for rule in self.rules if cohort in rule.cohorts)

    @property
    def ruleset_name(self) -> str:
        return f"{self.id}_v{self.version}"
