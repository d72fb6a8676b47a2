"""The one module that imports durable_rules.

It compiles a :class:`~protocol.packs.model.Pack` to durable_rules' JSON
ruleset form and runs one patient's facts through it, handling the engine's
measured pitfalls (``shared/DURABLE_RULES.md``):

- the ruleset is created in durable's C core (``durable_rules_engine``) and
  driven directly: facts are asserted, then each pending action is taken and
  completed in a loop here. The stock ``Host`` is not used, so there are no
  timer threads racing the caller (14, 18, 19), no ``Closure`` per action and
  no JSON round trip of the session state per action (20): an action only
  tells which outcome matched which fact. Nothing runs inside the engine that
  could raise, so no exception can be swallowed (1), and a result code the
  engine returns is raised as :class:`EngineError`;
- each outcome is compiled with the negation of the outcomes listed before it,
  so "first listed wins" is decided inside durable and at most one action
  fires per rule and fact (20: the cost is per action);
- a sentinel join rule keeps every fact "handled", so a fact that no outcome
  matches is not a ``MessageNotHandledException`` (2) and falls to the rule's
  ``otherwise`` branch;
- facts carry only validated numbers, booleans and words, dates as day counts,
  and every field a clause names is always present (3, 4, 5);
- rulesets are compiled from JSON (no ``and``/``or`` trap, 6, 17) and created
  once per process under ``<pack id>_v<version>`` (7);
- a session per patient with its own sid, or one for up to 50 patients when the
  compiled ruleset is proved to match no two patients' facts together (30),
  deleted afterwards (8, 9, 10);
- in a cohort run, each rule's most frequent outcome fires no action once a
  lean engine is compiled from what the first ``WARM_FACTS`` facts concluded (31);
- in a cohort run, a fact whose content (its text less the ids) the engine
  concluded before is not asserted again: :mod:`protocol.engine.recalled` gives back
  each rule's outcome for it (32). Exact only because of 30: a rule of one pattern
  comparing one fact's fields with constants cannot conclude differently for two
  facts the engine reads alike;
- each fact carries its subject and instance, so none is identical (11);
- a process-wide lock around each session (14); facts are asserted, never
  posted as events (15); no ``none()`` (16);
- every number reaches the core in a form it reads as written (26-28): facts
  and the ruleset are written by :mod:`protocol.engine.core_json`, never by
  ``json.dumps``; every batch is framed by a head fact and a seal (29).

Further pitfalls measured here (numbered on from ``shared/DURABLE_RULES.md``;
each with a small script in a subprocess, durable-rules 2.0.28):

26. **Which numbers the C core reads as written.** Read correctly: an integer
    ``-?[0-9]+`` within signed 64 bits (``-0`` is 0; 2^53 + 1 exact); a
    decimal ``-?[0-9]+.[0-9]+`` with any number of digits (``atof``, correctly
    rounded; ``-0.0`` equals 0); a decimal with a fraction *and* an exponent
    (``1.5e+300``, ``1.5E5``, ``1.5e-05``). Misread silently: an integer beyond
    64 bits is clamped by ``atoll`` (2^64 + 1 read as 2^63 - 1; a 400-digit
    integer likewise). Not read at all: an exponent without a fraction
    (``1e5``, ``1E5``, ``1e-05``, ``1e+16``: what ``json.dumps`` writes for
    0.00001 and 1e16), where ``getNumber`` ends the number at the ``e``, and
    ``Infinity``/``-Infinity``. ``NaN`` is read as null (a silent non-match, 3).
    Integers and doubles compare with each other correctly (5 is within
    4.5-5.0000000001).
27. **A fact the parser cannot read is dropped with every fact after it**, and
    ``assert_facts`` still returns 0: the C loop over a batch
    (``handleMessages``) stops at the first object it cannot build. If no fact
    before it was read, the state handle returned is garbage and
    ``start_action_for_state`` segfaults (every run, with ``1e5``, ``1e-05``
    or ``Infinity`` in the first fact). Hence ELG002 saying "no TACE" beside
    two TACEs, changing with the order of assertion.
28. A number with an exponent and no fraction in a *ruleset* makes
    ``create_ruleset`` fail with error 204 (loud, at least).
29. **The seal.** Each batch starts with a head fact (always readable, so the
    state handle is real, 27) and ends with a seal fact that one rule fires on:
    the seal fires only if the parser read every fact before it, so a batch
    without its seal's firing is an :class:`EngineError`, never a silent
    non-match. Cost: one action per batch (two per patient), a few
    microseconds; writing facts with ``core_json`` is faster than
    ``json.dumps`` was (37 against 50 us for a patient's 16 facts).
30. **Patients sharing a session.** Safe only while no rule can match facts of
    two patients: :func:`single_fact_rules` proves it on the compiled ruleset
    (every rule one pattern on one fact, comparing its fields with constants;
    the sentinel join exactly as compiled, on a subject no fact has), else
    :attr:`RuleEngine.batchable` is false and each patient has a session of its
    own. Fact ids carry the patient's number in the batch (``3/tace#1``): two
    patients' facts are never identical (11), and each firing finds its patient.
    Every batch still fires its seal, so no session ends without an action (24).
    Measured: the engine's share of the one-worker pipeline fell from about 17%
    to 9% with 50 patients a session.
31. **An outcome that fires no action is exact only where each comparison and
    its negation are complements.** Measured (durable-rules 2.0.28): for a field
    that is present and not null, each of ``$eq``/``$neq``, ``$lt``/``$gte`` and
    ``$gt``/``$lte`` matches exactly one of the pair, also when the field and
    the constant differ in type (text against a number, a boolean against
    text); for a missing field neither matches (3). ``core_json`` refuses null
    and NaN, so for a fact holding every field its rule names, exactly one of
    "outcome k holds and no earlier one" and "no outcome holds" matches, and a
    rule with no action fired has its one remaining outcome. A lean engine
    compiles that outcome with no action and ``otherwise`` with one; a batch
    holding a fact without such a field is asserted in the full engine instead
    (:attr:`RuleEngine.needs`), whose firings are then made explicit.
32. **A fact the engine has read before need not be read again** where 30
    holds: its outcomes are a function of its text less the ids
    (:mod:`protocol.engine.recalled`). On 10,000 generated records 85% of the
    facts were recalled (19,400 of 128,849 asserted) and the engine's time fell
    from 1.12 to 0.26 s. The warm-up of 31 counts recalled facts too.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import durable_rules_engine as _core

from protocol.engine.batching import condition_fields
from protocol.engine.batching import single_fact_rules as proven_single
from protocol.engine.core_json import CoreJsonError, dumps
from protocol.engine.durable_session import (
    _HEAD,
    _LOCK,
    _SEAL,
    EngineError,
    EngineSession,
    fact_id,
)
from protocol.engine.facts import SUBJECTS, Fact
from protocol.engine.recalled import Recalled
from protocol.packs.model import Pack

__all__ = [
    "WARM_FACTS",
    "EngineError",
    "RuleEngine",
    "engine_for",
    "fact_id",
    "single_fact_rules",
]

# Facts checked by the full engine before its lean engine is compiled (31): enough to
# see each rule's most frequent outcome; the choice changes only the speed.
WARM_FACTS = 2000

# Result codes of durable's C core for an assert (src/rules/rules.h).
_NOT_HANDLED, _OBSERVED, _QUEUED = 1, 2, 3


_ENGINES: dict[int, RuleEngine] = {}
_SENTINEL = "sentinel"
_ID_KEY = '"id": "'
# No fact is ever asserted with this subject, so the sentinel join never fires.
_NEVER = "__never__"
_SENTINEL_RULE: dict[str, Any] = {
    "all": [{"m": {"$ex": {"subject": 1}}}, {"never": {"subject": _NEVER}}]
}


class RuleEngine:
    """A pack compiled into one durable_rules ruleset."""

    def __init__(self, pack: Pack, name: str, implicit: Mapping[str, int] | None = None) -> None:
        self.pack = pack
        self.name = name
        self.outcomes: dict[str, tuple[str, int]] = {}
        # The outcome each rule concludes when none of its actions fired (31): its
        # ``otherwise``, or in a lean engine the outcome seen most often.
        rules = (*pack.rules, pack.group)
        self.implicit = {rule.code: rule.otherwise.index for rule in rules}
        self.implicit.update(implicit or {})
        # Per subject, the fields a fact must hold for an implicit outcome to be exact (31).
        self.needs: dict[str, frozenset[str]] = {}
        for rule in rules:
            if self.implicit[rule.code] != rule.otherwise.index:
                named = {
                    f for o in rule.outcomes if o.condition for f in condition_fields(o.condition)
                }
                self.needs[rule.subject] = self.needs.get(rule.subject, frozenset()) | named
        self.definition = self._compile()
        # Whether patients may share a session (30): proved on the compiled ruleset.
        self.batchable = single_fact_rules(self.definition)
        # Then, too, what the rules concluded for a fact holds for any fact of its content.
        codes: dict[str, list[str]] = {}
        for rule in rules:
            codes.setdefault(rule.subject, []).append(rule.code)
        self.recalled = Recalled(codes)
        self._handle: int | None = None
        self.full = self  # the engine with every implicit outcome its rule's "otherwise"
        self._lean: RuleEngine | None = None
        self._seen: Counter[tuple[str, int]] = Counter()
        self._facts: Counter[str] = Counter()
        self._warming = True  # counting outcomes for a lean engine (31)

    def _compile(self) -> dict[str, Any]:
        rules: dict[str, Any] = {}
        counter = itertools.count()
        params = self.pack.params
        for rule in (*self.pack.rules, self.pack.group):
            earlier: list[dict[str, Any]] = []
            implicit = self.implicit[rule.code]
            for outcome in rule.outcomes:
                assert outcome.condition is not None
                if outcome.index != implicit:  # the implicit outcome fires no action (31)
                    name = f"r{next(counter)}_{rule.code}_{outcome.index}"
                    self.outcomes[name] = (rule.code, outcome.index)
                    # First listed wins: an outcome also requires that no earlier one holds,
                    # so at most one action fires per rule and fact.
                    condition = [outcome.condition.compile(params), *earlier]
                    rules[name] = {
                        "all": [{"m": {"$and": [{"subject": rule.subject}, *condition]}}]
                    }
                earlier.append(outcome.condition.negated().compile(params))
            if implicit != rule.otherwise.index:  # then "otherwise" fires: no outcome holds
                name = f"r{next(counter)}_{rule.code}_{rule.otherwise.index}"
                self.outcomes[name] = (rule.code, rule.otherwise.index)
                rules[name] = {"all": [{"m": {"$and": [{"subject": rule.subject}, *earlier]}}]}
        # Keeps every fact "handled" without ever firing (see the module docstring).
        rules[_SENTINEL] = _SENTINEL_RULE
        # Fires once per batch, on its last fact: proof that every fact was read (29).
        rules[_SEAL] = {"all": [{"m": {"subject": _SEAL}}]}
        return rules

    def register(self) -> None:
        try:
            text = dumps(self.definition)
        except CoreJsonError as error:
            raise EngineError(f"pack {self.name} cannot be compiled: {error}") from error
        self._handle = _core.create_ruleset(self.name, text)

    def new_log(self) -> list[tuple[str, int, str]]:
        """The list a check's firings are appended to, as ``(rule, outcome, fact id)``."""
        return []

    def session(self, lean: bool = False) -> EngineSession:
        """A fresh session; use it in a ``with`` block.

        With ``lean``, once ``WARM_FACTS`` facts were checked, a session of the lean
        engine (31); its firings are read with :attr:`EngineSession.implicit`.
        """
        return EngineSession(self._lean or self if lean else self)

    def _count(self, batch: Sequence[Fact], fired: list[tuple[str, int, str]]) -> None:
        """Count outcomes while warming up; then compile the lean engine (31)."""
        self._facts.update(fact.subject for fact in batch)
        self._seen.update((code, index) for code, index, _id in fired)
        if self._facts.total() < WARM_FACTS:
            return
        implicit = {}
        for rule in (*self.pack.rules, self.pack.group):
            counts = {o.index: self._seen[rule.code, o.index] for o in rule.outcomes}
            counts[rule.otherwise.index] = self._facts[rule.subject] - sum(counts.values())
            implicit[rule.code] = max(counts, key=lambda index: (counts[index], -index))
        self._warming = False
        try:
            lean = RuleEngine(self.pack, self.name + "_lean", implicit)
            lean.register()
        except Exception:  # only a speed-up: without it the full engine goes on alone
            return
        lean.full = self
        self._lean = lean

    def explicit(
        self, ids: Sequence[str], batch: Sequence[Fact], fired: list[tuple[str, int, str]]
    ) -> None:
        """Add to the firings the ``otherwise`` of each rule and fact that fired nothing.

        Firings of the full engine, made readable under any engine's implicit outcomes.
        """
        have = {(code, identity) for code, _index, identity in fired}
        for rule in (*self.pack.rules, self.pack.group):
            for fact, identity in zip(batch, ids, strict=True):
                if fact.subject == rule.subject and (rule.code, identity) not in have:
                    fired.append((rule.code, rule.otherwise.index, identity))

    def run(
        self, sid: str, payload: str, ids: Sequence[str], seal: str
    ) -> list[tuple[str, int, str]]:
        """Assert a batch (JSON text, ``seal`` its last fact) and take every action it caused.

        The seal's own firing is checked and left out of the returned log; a batch
        whose seal did not fire was not read in full, an :class:`EngineError`.
        """
        handle = self._handle
        if handle is None:
            raise EngineError(f"ruleset {self.name} is not registered")
        result = _core.assert_facts(handle, payload)
        if result[0] == _NOT_HANDLED:
            raise EngineError(f"durable_rules did not accept the facts {', '.join(ids)}")
        if result[0] == _OBSERVED:
            raise EngineError(f"durable_rules saw one of the facts {', '.join(ids)} twice")
        if result[0] == _QUEUED:
            raise EngineError(f"durable_rules queued the facts {', '.join(ids)} unread")
        fired = self.full.new_log()  # the pack's engine makes the log, lean or not
        sealed = False
        state_handle = result[1]
        started = _core.start_action_for_state(handle, state_handle)
        message = started[1] if started else None
        try:
            while message:
                if message.startswith(_SEAL_MESSAGE) and f'"id": "{seal}"' in message:
                    sealed = True
                else:
                    fired.append(self._firing(message))
                message = _core.complete_and_start_action(handle, state_handle)
        except Exception as error:
            _core.abandon_action(handle, state_handle)
            raise EngineError(f"could not take the action {message!r}: {error!r}") from error
        if not sealed:
            self._settle(sid, seal)
            raise EngineError(
                f"durable_rules did not read all of the facts {', '.join(ids)}: its parser"
                " stopped before the last one (an internal error, not a finding)"
            )
        return fired

    def _settle(self, sid: str, seal: str) -> None:
        """Fire one action in a session whose batch was not read, so deleting it is safe (24)."""
        text = f'[{{"sid": "{sid}", "id": "{seal}/settle", "subject": "{_SEAL}"}}]'
        result = _core.assert_facts(self._handle, text)
        if result[0] == 0:
            started = _core.start_action_for_state(self._handle, result[1])
            while started:
                started = _core.complete_and_start_action(self._handle, result[1])

    def _firing(self, message: str) -> tuple[str, int, str]:
        """``(rule, outcome, fact id)`` from an action's message.

        The message is ``{"<rule name>":{"m":{...the fact...}}}`` as durable's C
        core writes it. The rule name and the fact id are read from the text
        where they stand (the fact id is ours, ``subject#instance``, with no
        quote in it); anything unexpected is decoded as JSON instead.
        """
        end = message.find('"', 2)
        name = message[2:end]
        at = message.find(_ID_KEY, end)
        if name in self.outcomes and at > 0:
            start = at + len(_ID_KEY)
            identity = message[start : message.find('"', start)]
            if identity and "\\" not in identity:
                return (*self.outcomes[name], identity)
        ((name, frame),) = json.loads(message).items()
        return (*self.outcomes[name], frame["m"]["id"])

    def forget(self, sid: str) -> None:
        if self._handle is not None:
            _core.delete_state(self._handle, sid)


_SEAL_MESSAGE = '{"' + _SEAL + '"'


def single_fact_rules(definition: Mapping[str, Any]) -> bool:
    """Whether no rule of this adapter's compiled ruleset can match facts of two patients
    (30): :func:`protocol.engine.batching.single_fact_rules` with this adapter's sentinel."""
    reserved = {_NEVER, _HEAD, _SEAL}
    return proven_single(definition, _SENTINEL, _SENTINEL_RULE, reserved, SUBJECTS.keys())


def engine_for(pack: Pack) -> RuleEngine:
    """The compiled engine of a pack, created and registered once per process.

    A ruleset name can be registered only once per process, so a second,
    different pack object with the same id and version (a test that changes a
    parameter) gets a numbered name of its own.
    """
    with _LOCK:
        compiled = _ENGINES.get(id(pack))
        if compiled is not None and compiled.pack is pack:
            return compiled
        name = pack.ruleset_name
        taken = {e.name for e in _ENGINES.values()}
        suffix = itertools.count(2)
        while name in taken:
            name = f"{pack.ruleset_name}_{next(suffix)}"
        compiled = RuleEngine(pack, name)
        compiled.register()
        _ENGINES[id(pack)] = compiled
    return compiled
