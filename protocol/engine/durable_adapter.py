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
- one session per patient with its own sid, deleted afterwards (8, 9, 10);
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
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Sequence
from typing import Any

import durable_rules_engine as _core

from protocol.engine.core_json import CoreJsonError, dumps, fact_text
from protocol.engine.facts import Fact
from protocol.packs.model import Pack

__all__ = ["EngineError", "RuleEngine", "engine_for", "fact_id"]

# Result codes of durable's C core for an assert (src/rules/rules.h).
_NOT_HANDLED, _OBSERVED, _QUEUED = 1, 2, 3


class EngineError(RuntimeError):
    """durable_rules failed while checking a patient; never silently ignored."""


_LOCK = threading.RLock()
_ENGINES: dict[int, RuleEngine] = {}
_SIDS = itertools.count(1)
_SENTINEL = "sentinel"
_ID_KEY = '"id": "'
# The first and the last fact of every batch (see "the seal" in the module docstring).
_HEAD, _SEAL = "__head__", "__seal__"


class RuleEngine:
    """A pack compiled into one durable_rules ruleset."""

    def __init__(self, pack: Pack, name: str) -> None:
        self.pack = pack
        self.name = name
        self.outcomes: dict[str, tuple[str, int]] = {}
        self.definition = self._compile()
        self._handle: int | None = None

    def _compile(self) -> dict[str, Any]:
        rules: dict[str, Any] = {}
        counter = itertools.count()
        params = self.pack.params
        for rule in (*self.pack.rules, self.pack.group):
            earlier: list[dict[str, Any]] = []
            for outcome in rule.outcomes:
                assert outcome.condition is not None
                name = f"r{next(counter)}_{rule.code}_{outcome.index}"
                self.outcomes[name] = (rule.code, outcome.index)
                # First listed wins: an outcome also requires that no earlier one holds,
                # so at most one action fires per rule and fact.
                rules[name] = {
                    "all": [
                        {
                            "m": {
                                "$and": [
                                    {"subject": rule.subject},
                                    outcome.condition.compile(params),
                                    *earlier,
                                ]
                            }
                        }
                    ]
                }
                earlier.append(outcome.condition.negated().compile(params))
        # Keeps every fact "handled" without ever firing (see the module docstring).
        rules[_SENTINEL] = {
            "all": [{"m": {"$ex": {"subject": 1}}}, {"never": {"subject": "__never__"}}]
        }
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

    def session(self) -> _Session:
        """A fresh session for one patient; use it in a ``with`` block."""
        return _Session(self)

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
        fired = self.new_log()
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


class _Session:
    """One patient's durable_rules session, held under the process lock.

    Batches of facts asserted in turn share the session (a later batch may
    depend on what an earlier one concluded, e.g. eligibility); the session's
    state is deleted on exit.
    """

    def __init__(self, compiled: RuleEngine) -> None:
        self._engine = compiled
        self._sid = f"p{next(_SIDS)}"
        self._asserted = False
        self._batches = 0

    def __enter__(self) -> _Session:
        _LOCK.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._asserted:
                self._engine.forget(self._sid)
        finally:
            _LOCK.release()

    def assert_facts(self, batch: Sequence[Fact]) -> list[tuple[str, int, str]]:
        """Assert facts; return ``(rule code, outcome index, fact id)`` for each firing."""
        if not batch:
            return []
        self._batches += 1
        sid = f'"sid": "{self._sid}"'
        head = f'{{{sid}, "id": "{_HEAD}#{self._batches}", "subject": "{_HEAD}"}}'
        seal = f"{_SEAL}#{self._batches}"
        ids = [fact_id(fact) for fact in batch]
        parts = [head]
        try:
            for fact, identity in zip(batch, ids, strict=True):
                start = f'{sid}, "id": {dumps(identity)}, "subject": {dumps(fact.subject)}'
                parts.append(fact_text(start, fact.values))
        except CoreJsonError as error:
            message = f"fact {identity} cannot be given to durable_rules: {error}"
            raise EngineError(message) from None
        parts.append(f'{{{sid}, "id": "{seal}", "subject": "{_SEAL}", "facts": {len(batch)}}}')
        self._asserted = True
        return self._engine.run(self._sid, "[" + ", ".join(parts) + "]", ids, seal)


def fact_id(fact: Fact) -> str:
    """The identity of a fact within a patient's session."""
    return f"{fact.subject}#{fact.instance or ''}"


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
