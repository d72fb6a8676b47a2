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
  posted as events (15); no ``none()`` (16).
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Sequence
from typing import Any

import durable_rules_engine as _core

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
        return rules

    def register(self) -> None:
        self._handle = _core.create_ruleset(self.name, json.dumps(self.definition))

    def new_log(self) -> list[tuple[str, int, str]]:
        """The list a check's firings are appended to, as ``(rule, outcome, fact id)``."""
        return []

    def session(self) -> _Session:
        """A fresh session for one patient; use it in a ``with`` block."""
        return _Session(self)

    def run(self, sid: str, payload: list[dict[str, Any]]) -> list[tuple[str, int, str]]:
        """Assert facts in a session and take every action they caused."""
        handle = self._handle
        if handle is None:
            raise EngineError(f"ruleset {self.name} is not registered")
        result = _core.assert_facts(handle, json.dumps(payload))
        if result[0] == _NOT_HANDLED:
            raise EngineError(f"durable_rules did not accept facts: {payload}")
        if result[0] == _OBSERVED:
            raise EngineError(f"durable_rules saw a fact twice: {payload}")
        fired = self.new_log()
        if result[0] == _QUEUED:
            return fired
        state_handle = result[1]
        started = _core.start_action_for_state(handle, state_handle)
        message = started[1] if started else None
        try:
            while message:
                fired.append(self._firing(message))
                message = _core.complete_and_start_action(handle, state_handle)
        except Exception as error:
            _core.abandon_action(handle, state_handle)
            raise EngineError(f"could not take the action {message!r}: {error!r}") from error
        return fired

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
        payload = [
            {"sid": self._sid, "id": fact_id(fact), "subject": fact.subject, **fact.values}
            for fact in batch
        ]
        self._asserted = True
        return self._engine.run(self._sid, payload)


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
