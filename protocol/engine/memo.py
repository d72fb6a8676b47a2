"""A check that remembers: one patient's record re-checked as it grows, event by event.

:func:`protocol.engine.check_record` measures every subject, asserts every fact in a
fresh durable_rules session and renders every finding. When a record changes one
section at a time (a :class:`protocol.session.Session`), most of that work would be
repeated on the same inputs. :class:`MemoCheck` keeps three memories, each keyed by
everything its answer depends on, so only what can change is re-done:

- **facts per subject**: a subject's facts are kept with the version of every record
  section its builder reads (``READS``), the check date, today's date and, for a
  subject that needs it, the eligibility verdict. A subject missing from ``READS``
  is measured on every check;
- **outcomes per fact content**: every rule of the pack matches a single fact, so
  the outcome each rule fires for a fact depends only on the fact's subject and
  values. Only facts whose values were never seen are asserted, in one durable_rules
  session; the rest reuse what fired for them before;
- **findings per fact content**: a finding is rendered from its rule, the outcome
  and the fact's values and display (the pack's parameters are fixed), so a fact
  seen before gets its finding back as it was rendered.

The flow is :func:`check_record`'s for a source that collected every section, and
the result is equal to it; ``tests/test_session_incremental.py`` checks that on
random records fed in random orders.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from protocol.engine.checker import (
    as_of_for,
    eligibility_of,
    no_instance_finding,
    patient_result,
)
from protocol.engine.durable_adapter import engine_for, fact_id
from protocol.engine.facts import SUBJECTS, Fact, measure
from protocol.engine.facts.base import MEMORY
from protocol.engine.timeline import Timeline
from protocol.findings import Finding, PatientResult, Status
from protocol.packs.model import Pack, Rule
from protocol.packs.templates import Values, placeholders, render
from protocol.records.model import PatientRecord

__all__ = ["READS", "SECTIONS", "MemoCheck"]

SECTIONS = (
    "diagnosis",
    "tace",
    "imaging",
    "sorafenib",
    "adverse_events",
    "withdrawal",
    "death_date",
    "last_contact_date",
    "data_cutoff_date",
)
_DATED = frozenset(
    {"diagnosis", "tace", "imaging", "sorafenib", "adverse_events", "withdrawal"}
    | {"last_contact_date", "death_date"}
)

# The record sections each subject's builder reads (besides the check date, today and
# the header, which a session never changes). Read from the builders in
# protocol/engine/facts/: ``Timeline.stop`` reads death and withdrawal, the dated
# items of DAT003/DAT004 read every dated section.
READS: dict[str, frozenset[str]] = {
    "diagnosis": frozenset({"diagnosis"}),
    "tace_history": frozenset({"tace"}),
    "progression": frozenset({"tace", "imaging"}),
    "second_tace": frozenset({"tace", "imaging", "death_date", "withdrawal"}),
    "sorafenib_start": frozenset({"tace", "sorafenib", "death_date", "withdrawal"}),
    "control_interval": frozenset({"tace"}),
    "treatment": frozenset({"sorafenib"}),
    "control_sorafenib": frozenset({"sorafenib"}),
    "analysis": frozenset({"sorafenib"}),
    "dosing_period": frozenset({"sorafenib", "adverse_events"}),
    "adverse_event": frozenset({"adverse_events", "sorafenib", "death_date"}),
    "interval": frozenset({"sorafenib", "adverse_events"}),
    "dosing_overlap": frozenset({"sorafenib"}),
    "death_consistency": _DATED,
    "asof_consistency": _DATED | {"data_cutoff_date"},
}

# Past this many remembered fact contents the memory starts again (a long session must
# not grow without bound; the record it checks holds at most a few thousand facts).
_MEMORY_LIMIT = 50_000


class _Known:
    """A fact as remembered: the numbers of its values and of its whole content."""

    __slots__ = ("_changed", "_own", "content", "fact", "previous", "values")

    def __init__(
        self, fact: Fact, values: int, content: int, previous: _Known | None = None
    ) -> None:
        self.fact, self.values, self.content = fact, values, content
        self._own: dict[str, Any] | None = None
        self._changed: frozenset[str] | None = None
        self.previous = previous  # the same instance as last measured, if any
        if previous is not None:
            previous.previous = None  # one step back is all explaining needs

    @property
    def changed(self) -> frozenset[str]:
        """The names whose values differ from the previous measurement's (all, if none)."""
        if self._changed is None:
            mine, theirs = self.own, self.previous.own if self.previous else {}
            self._changed = frozenset(
                name
                for name in mine.keys() | theirs.keys()
                if name not in mine
                or name not in theirs
                or type(mine[name]) is not type(theirs[name])
                or mine[name] != theirs[name]
            )
        return self._changed

    @property
    def own(self) -> dict[str, Any]:
        """What a template reads: the fact's values, then its display."""
        if self._own is None:
            self._own = {**self.fact.display, **self.fact.values}
        return self._own

    def same(self, fact: Fact) -> bool:
        """Whether ``fact`` holds exactly this fact's instance, values and display."""
        mine = self.fact
        return mine is fact or (
            mine.instance == fact.instance
            and mine.values == fact.values
            and mine.display == fact.display
            and _types(mine.values) == _types(fact.values)
            and _types(mine.display) == _types(fact.display)
        )


def _types(items: Mapping[str, Any]) -> tuple[Any, ...]:
    return (*items, *map(type, items.values()))


def _content(items: Mapping[str, Any]) -> Any:
    """A key equal for two mappings exactly when they hold the same values of the same types."""
    key = (tuple(items.items()), tuple(map(type, items.values())))
    try:
        hash(key)
    except TypeError:  # a list among the values (a display field): compared as written
        return tuple([(name, type(value), repr(value)) for name, value in items.items()])
    return key


class MemoCheck:
    """:func:`check_record` for one patient, remembering what it measured and explained.

    Call :meth:`check` with the record after each change, naming the sections that
    changed since the last call (all of them on the first call).
    """

    def __init__(self, pack: Pack, as_of: date | None, source: str) -> None:
        self.pack = pack
        self.as_of = as_of
        self.source = source
        self._versions = dict.fromkeys(SECTIONS, 0)
        self._forget()
        # What each outcome's message, the location and the evidence name, per rule.
        self._names: dict[tuple[str, int], frozenset[str]] = {}

    def _forget(self) -> None:
        self._facts: dict[str, tuple[Any, list[_Known]]] = {}
        self._numbers: dict[Any, int] = {}  # a fact content (or values) -> its number
        self._outcomes: dict[int, dict[str, int]] = {}  # values number -> rule -> outcome
        self._findings: dict[tuple[str, Any], Finding] = {}
        self._memory: dict[str, Any] = {}  # the builders' own (facts.base.MEMORY)

    def check(self, record: PatientRecord, changed: Iterable[str]) -> PatientResult:
        """The record's result, equal to ``check_record(record, pack, as_of, source)``."""
        for section in changed:
            self._versions[section] += 1
        if len(self._numbers) > _MEMORY_LIMIT:
            self._forget()
        pack = self.pack
        params = pack.params
        when, as_of_basis, as_of_reason = as_of_for(record, self.as_of)
        timeline = Timeline(record, when)
        today = date.today()
        rules = pack.rules_for(record.cohort)
        first_rules = [r for r in rules if not SUBJECTS[r.subject].needs_eligibility]
        later_rules = [r for r in rules if SUBJECTS[r.subject].needs_eligibility]
        first_subjects = {r.subject for r in first_rules}
        memory = {MEMORY: self._memory}
        facts = {s: self._measure(s, timeline, (when, today), memory) for s in first_subjects}
        self._learn(facts.values())
        findings = self._explain(first_rules, facts)
        eligibility, failed = eligibility_of(findings)
        context = {"eligibility": str(eligibility), "failed_rules": failed, **memory}
        moment = (when, today, str(eligibility), tuple(failed))
        later = {
            s: self._measure(s, timeline, moment, context)
            for s in {r.subject for r in later_rules} | {pack.group.subject}
        }
        self._learn(later.values())
        findings += self._explain(later_rules, later)
        order = {rule.code: position for position, rule in enumerate(rules)}
        findings.sort(key=lambda f: order[f.rule])
        group_facts = later[pack.group.subject]
        if group_facts:
            (known,) = group_facts
            index = self._outcomes[known.values].get(pack.group.code, pack.group.otherwise.index)
            outcome = pack.group.outcome(index)
            group, basis = outcome.result, outcome.label
            reason = render(outcome.message, Values(known.own, params))
        else:
            group, reason, basis = "unassigned", render(pack.group.none_message, params), None
        return patient_result(
            timeline,
            pack,
            self.source,
            (as_of_basis, as_of_reason),
            (eligibility, group, reason, basis),
            findings,
        )

    def _number(self, key: Any) -> int:
        return self._numbers.setdefault(key, len(self._numbers))

    def _measure(
        self, subject: str, timeline: Timeline, moment: tuple[Any, ...], context: Mapping[str, Any]
    ) -> list[_Known]:
        """The subject's facts, measured again only when something it reads has changed."""
        reads = READS.get(subject)
        key = None
        if reads is not None:
            key = (moment, tuple([self._versions[s] for s in sorted(reads)]))
            kept = self._facts.get(subject)
            if kept is not None and kept[0] == key:
                return kept[1]
        before = {x.fact.instance: x for x in self._facts.get(subject, (None, []))[1]}
        known = []
        for fact in measure(subject, timeline, self.pack.params, context):
            kept = before.get(fact.instance)
            if kept is not None and kept.same(fact):  # measured again, found unchanged
                known.append(kept)
                continue
            values = self._number((subject, _content(fact.values)))
            content = self._number((values, fact.instance, _content(fact.display)))
            known.append(_Known(fact, values, content, kept))
        self._facts[subject] = (key, known)
        return known

    def _learn(self, groups: Iterable[list[_Known]]) -> None:
        """Run the facts whose values were never seen through durable_rules, and remember."""
        new: dict[int, Fact] = {}
        outcomes = self._outcomes
        for known in groups:
            for item in known:
                if item.values not in outcomes and item.values not in new:
                    new[item.values] = item.fact
        if not new:
            return
        batch = list(new.values())
        with engine_for(self.pack).session() as session:
            fired = session.assert_facts(batch)
        # The first-listed outcome that fired, per rule and fact.
        chosen: dict[str, dict[str, int]] = {fact_id(fact): {} for fact in batch}
        for code, index, identity in fired:
            picked = chosen[identity]
            if code not in picked or index < picked[code]:
                picked[code] = index
        for values, fact in new.items():
            outcomes[values] = chosen[fact_id(fact)]

    def _explain(self, rules: Iterable[Rule], facts: Mapping[str, list[_Known]]) -> list[Finding]:
        """Each rule's findings, rendered again only when what they show has changed.

        A finding is found by its fact's whole content; failing that, it is the finding
        of the same instance as last measured when the outcome is the same and none of
        the values its message, location and evidence name has changed.
        """
        out: list[Finding] = []
        params = self.pack.params
        remembered = self._findings
        for rule in rules:
            code = rule.code
            known = facts[rule.subject]
            if not known:
                finding = remembered.get((code, None))
                if finding is None:
                    finding = remembered[code, None] = _finding(rule, None, 0, params)
                out.append(finding)
                continue
            for item in known:
                finding = remembered.get((code, item.content))
                if finding is None:
                    index = self._outcomes[item.values].get(code, rule.otherwise.index)
                    previous = item.previous
                    if (
                        previous is not None
                        and self._outcomes[previous.values].get(code, rule.otherwise.index) == index
                        and item.changed.isdisjoint(self._named(rule, index))
                    ):
                        finding = remembered.get((code, previous.content))
                    if finding is None:
                        finding = _finding(rule, item, index, params)
                    remembered[code, item.content] = finding
                out.append(finding)
        return out

    def _named(self, rule: Rule, index: int) -> frozenset[str]:
        names = self._names.get((rule.code, index))
        if names is None:
            message, location = rule.outcome(index).message, rule.location or "{pointer}"
            named = placeholders(message) | placeholders(location) | set(rule.evidence)
            names = self._names[rule.code, index] = frozenset(named)
        return names


def _finding(rule: Rule, known: _Known | None, index: int, params: Mapping[str, Any]) -> Finding:
    """The finding of ``rule`` on a fact whose outcome ``index`` fired (or on no fact)."""
    if known is None:
        return no_instance_finding(rule, params)
    outcome = rule.outcome(index)
    values = Values(known.own, params)
    return Finding(
        rule=rule.code,
        name=rule.name,
        status=Status(outcome.result),
        kind=rule.kind,
        importance=rule.importance,
        message=render(outcome.message, values),
        location=render(rule.location or "{pointer}", values),
        evidence={key: values[key] for key in rule.evidence if key in values},
        protocol_ref=rule.protocol_ref,
        instance=known.fact.instance,
    )
