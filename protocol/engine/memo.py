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
- **findings per fact**: a finding is rendered from its rule, the outcome and the
  fact's values and display (the pack's parameters are fixed). A fact measured again
  unchanged keeps its findings (a rule whose facts are all unchanged keeps its list);
  a fact whose instance was measured before takes the previous finding of the same
  outcome, or the texts of it that name none of the values that changed
  (:mod:`protocol.engine.remembered`); any other fact seen before gets its finding
  back by its whole content.

The timeline is drawn from the last one (:class:`Timeline` reuses what it derived
from the entries the record kept), and the builders keep what they measured in the
memory they are given (``facts.base.MEMORY``), each keyed by what it was measured from.

The flow is :func:`check_record`'s for a source that collected every section, and
the result is equal to it; ``tests/test_session_incremental.py`` checks that on
random records fed in random orders.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from protocol.engine.checker import as_of_for, eligibility_of, patient_result
from protocol.engine.durable_adapter import engine_for, fact_id
from protocol.engine.durable_session import first_fired
from protocol.engine.facts import SUBJECTS, Fact, measure
from protocol.engine.facts.base import MEMORY
from protocol.engine.remembered import Known, Names, content_key, finding_on, names_of
from protocol.engine.timeline import Timeline
from protocol.findings import Finding, PatientResult
from protocol.packs.model import Pack, Rule
from protocol.packs.templates import Values, render
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
        self._timeline: Timeline | None = None  # the last record's, to lend its sections
        self._forget()
        # What each outcome's message, the location and the evidence name, per rule.
        self._names: dict[tuple[str, int], Names] = {}

    def _forget(self) -> None:
        self._facts: dict[str, tuple[Any, list[Known]]] = {}
        self._numbers: dict[Any, int] = {}  # a fact content (or values) -> its number
        self._outcomes: dict[int, dict[str, int]] = {}  # values number -> rule -> outcome
        self._findings: dict[tuple[str, Any], Finding] = {}
        # Per rule, the facts it was last explained on (a list _measure gave) and the
        # findings: the same list again has the same findings.
        self._explained: dict[str, tuple[Sequence[Known], Sequence[Finding]]] = {}
        self._memory: dict[str, Any] = {}  # the builders' own (facts.base.MEMORY)

    def check(self, record: PatientRecord, changed: Iterable[str]) -> PatientResult:
        """The record's result, equal to ``check_record(record, pack, as_of, source)``.

        A check that raises part-way (an engine error, an interrupt) leaves what it had
        measured half remembered: everything is forgotten then, so the next check starts
        afresh instead of reusing facts of a record the caller did not keep.
        """
        try:
            return self._check(record, changed)
        except BaseException:
            self._forget()
            self._timeline = None
            raise

    def _check(self, record: PatientRecord, changed: Iterable[str]) -> PatientResult:
        for section in changed:
            self._versions[section] += 1
        if len(self._numbers) > _MEMORY_LIMIT:
            self._forget()
        pack = self.pack
        params = pack.params
        when, as_of_basis, as_of_reason = as_of_for(record, self.as_of)
        timeline = self._timeline = Timeline(record, when, self._timeline)
        today = date.today()
        rules = pack.rules_for(record.cohort)
        first_rules = [r for r in rules if not SUBJECTS[r.subject].needs_eligibility]
        later_rules = [r for r in rules if SUBJECTS[r.subject].needs_eligibility]
        first_subjects = {r.subject for r in first_rules}
        memory = {MEMORY: self._memory}
        facts = {s: self._measure(s, timeline, (when, today), memory) for s in first_subjects}
        self._learn(facts.values())
        explained = self._explain(first_rules, facts)
        eligibility, failed = eligibility_of(_in_order(first_rules, explained))
        context = {"eligibility": str(eligibility), "failed_rules": failed, **memory}
        moment = (when, today, str(eligibility), tuple(failed))
        later = {
            s: self._measure(s, timeline, moment, context)
            for s in {r.subject for r in later_rules} | {pack.group.subject}
        }
        self._learn(later.values())
        explained.update(self._explain(later_rules, later))
        findings = _in_order(rules, explained)
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

    def _content_of(self, item: Known) -> int:
        """The number of the fact's whole content: its values, instance and display."""
        if item.content is None:
            fact = item.fact
            item.content = self._number((item.values, fact.instance, content_key(fact.display)))
        return item.content

    def _measure(
        self, subject: str, timeline: Timeline, moment: tuple[Any, ...], context: Mapping[str, Any]
    ) -> list[Known]:
        """The subject's facts, measured again only when something it reads has changed."""
        reads = READS.get(subject)
        key = None
        if reads is not None:
            key = (moment, tuple([self._versions[s] for s in sorted(reads)]))
            kept = self._facts.get(subject)
            if kept is not None and kept[0] == key:
                return kept[1]
        last = self._facts.get(subject)
        last_known = last[1] if last is not None else []
        lasting = len(last_known)
        by_instance: dict[str | None, Known] | None = None
        known = []
        for position, fact in enumerate(measure(subject, timeline, self.pack.params, context)):
            # The same instance as last measured: most often in the same place.
            kept = last_known[position] if position < lasting else None
            if kept is None or kept.fact.instance != fact.instance:
                if by_instance is None:
                    by_instance = {x.fact.instance: x for x in last_known}
                kept = by_instance.get(fact.instance)
            if kept is not None and kept.same_values(fact):
                if kept.same_display(fact):  # measured again, found unchanged
                    known.append(kept)
                    continue
                values = kept.values
            else:
                values = self._number((subject, content_key(fact.values)))
            known.append(Known(fact, values, kept))
        if len(known) == lasting and all(map(operator.is_, known, last_known)):
            known = last_known  # all found unchanged: the same list, explained as it was
        self._facts[subject] = (key, known)
        return known

    def _learn(self, groups: Iterable[list[Known]]) -> None:
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
        chosen: dict[str, dict[str, int]] = {fact_id(fact): {} for fact in batch}
        for (code, identity), index in first_fired(fired).items():
            chosen[identity][code] = index
        for values, fact in new.items():
            outcomes[values] = chosen[fact_id(fact)]

    def _explain(
        self, rules: Iterable[Rule], facts: Mapping[str, list[Known]]
    ) -> dict[str, Sequence[Finding]]:
        """Each rule's findings, rendered again only when what they show has changed.

        A rule explained on the very list of facts it was explained on last has the same
        findings, and a fact explained before has the finding it had (see :meth:`_found`).
        """
        out: dict[str, Sequence[Finding]] = {}
        params = self.pack.params
        explained = self._explained
        for rule in rules:
            code = rule.code
            known = facts[rule.subject]
            last = explained.get(code)
            if last is not None and last[0] is known:
                out[code] = last[1]
                continue
            found: list[Finding] = []
            if not known:
                finding = self._findings.get((code, None))
                if finding is None:
                    finding = self._findings[code, None] = finding_on(rule, None, 0, params)
                found.append(finding)
            for item in known:
                finding = item.found.get(code)
                if finding is None:
                    finding = item.found[code] = self._found(rule, item)
                found.append(finding)
            out[code] = found
            explained[code] = (known, found)
        return out

    def _found(self, rule: Rule, item: Known) -> Finding:
        """The finding of ``rule`` on a fact not explained before.

        It is the finding of the same instance as last measured when the outcome is the
        same, with its message and location when none of the values they name changed
        (the same finding, when nothing it names did); failing that, the finding remembered
        for the fact's whole content, or one rendered afresh.
        """
        code, otherwise = rule.code, rule.otherwise.index
        index = self._outcomes[item.values].get(code, otherwise)
        previous = item.previous
        if previous is not None:
            before = previous.found.get(code)
            if before is not None and (
                previous.values == item.values  # the same values fire the same outcome
                or self._outcomes[previous.values].get(code, otherwise) == index
            ):
                names = self._named(rule, index)
                if item.changed.isdisjoint(names.all):
                    return before
                return finding_on(rule, item, index, self.pack.params, (before, names))
        key = (code, self._content_of(item))
        finding = self._findings.get(key)
        if finding is None:
            finding = self._findings[key] = finding_on(rule, item, index, self.pack.params)
        return finding

    def _named(self, rule: Rule, index: int) -> Names:
        names = self._names.get((rule.code, index))
        if names is None:
            names = self._names[rule.code, index] = names_of(rule, index)
        return names


def _in_order(rules: Iterable[Rule], explained: Mapping[str, Sequence[Finding]]) -> list[Finding]:
    """The findings rule by rule, in the order of ``rules`` (each rule's in its facts' order)."""
    findings: list[Finding] = []
    for rule in rules:
        findings += explained[rule.code]
    return findings
