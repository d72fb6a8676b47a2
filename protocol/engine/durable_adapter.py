"""The one module that imports durable_rules.

It compiles a :class:`~protocol.packs.model.Pack` to durable_rules' JSON
ruleset form and runs one patient's facts through it, handling the engine's
measured pitfalls (``shared/DURABLE_RULES.md``):

- actions only record ``(rule, outcome, instance)``; any exception inside one,
  and any ``exception`` left in the session state, is raised as
  :class:`EngineError` instead of being swallowed (1);
- a sentinel join rule keeps every fact "handled", so a fact that no outcome
  matches is not a ``MessageNotHandledException`` (2) and falls to the rule's
  ``otherwise`` branch;
- facts carry only validated numbers, booleans and words, dates as day counts,
  and every field a clause names is always present (3, 4, 5);
- rulesets are compiled from JSON (no ``and``/``or`` trap, 6, 17), registered
  once per process under ``<pack id>_v<version>`` (7);
- one session per patient with its own sid, deleted afterwards (8, 9, 10);
- each fact carries its subject and instance, so none is identical (11);
- a ``Host`` subclass with no timer threads, and a process-wide lock (14, 18,
  19); facts are asserted, never posted as events (15); no ``none()`` (16).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Sequence
from typing import Any

from durable import engine as _durable

from protocol.engine.facts import Fact
from protocol.packs.model import Pack

__all__ = ["EngineError", "RuleEngine", "engine_for", "fact_id"]


class EngineError(RuntimeError):
    """durable_rules failed while checking a patient; never silently ignored."""


class _QuietHost(_durable.Host):
    """A Host without the stock timer threads that race the caller."""

    def __init__(self) -> None:
        self._actions: dict[str, Any] = {}
        super().__init__()

    def _run(self) -> None:  # no dispatch or timer threads
        return None

    def get_action(self, action_name: str) -> Any:
        return self._actions[action_name]


_LOCK = threading.RLock()
_HOST: _QuietHost | None = None
_ENGINES: dict[int, RuleEngine] = {}
_SIDS = itertools.count(1)


def _host() -> _QuietHost:
    global _HOST
    if _HOST is None:
        _HOST = _QuietHost()
    return _HOST


class RuleEngine:
    """A pack compiled into one durable_rules ruleset."""

    def __init__(self, pack: Pack, name: str) -> None:
        self.pack = pack
        self.name = name
        self._fired: list[tuple[str, int, str]] | None = None
        self._errors: list[str] = []
        self.definition = self._compile()

    def _action(self, key: str, index: int) -> Any:
        def record(c: Any) -> None:
            try:
                fired = self._fired
                if fired is None:
                    raise EngineError("an action fired outside a check")
                fired.append((key, index, c.m["id"]))
            except Exception as error:  # surfaced by run(), not swallowed
                self._errors.append(f"{key} outcome {index}: {error!r}")
                raise

        return record

    def _compile(self) -> dict[str, Any]:
        host = _host()
        rules: dict[str, Any] = {}
        counter = itertools.count()
        for rule in (*self.pack.rules, self.pack.group):
            key = rule.code
            for outcome in rule.outcomes:
                assert outcome.condition is not None
                action = f"{self.name}:{key}:{outcome.index}"
                host._actions[action] = self._action(key, outcome.index)
                rules[f"r{next(counter)}_{key}_{outcome.index}"] = {
                    "all": [
                        {
                            "m": {
                                "$and": [
                                    {"subject": rule.subject},
                                    outcome.condition.compile(self.pack.params),
                                ]
                            }
                        }
                    ],
                    "run": action,
                }
        # Keeps every fact "handled" without ever firing (see the module docstring).
        sentinel = f"{self.name}:sentinel"
        host._actions[sentinel] = self._action("sentinel", -1)
        rules["sentinel"] = {
            "all": [{"m": {"$ex": {"subject": 1}}}, {"never": {"subject": "__never__"}}],
            "run": sentinel,
        }
        return rules

    def register(self) -> None:
        import copy

        _host().set_rulesets({self.name: copy.deepcopy(self.definition)})

    def new_log(self) -> list[tuple[str, int, str]]:
        """The list a check's actions append ``(rule, outcome, fact id)`` to."""
        return []

    def session(self) -> _Session:
        """A fresh session for one patient; use it in a ``with`` block."""
        return _Session(self)


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
                _host().delete_state(self._engine.name, self._sid)
        finally:
            self._engine._fired = None
            _LOCK.release()

    def assert_facts(self, batch: Sequence[Fact]) -> list[tuple[str, int, str]]:
        """Assert facts; return ``(rule code, outcome index, fact id)`` for each firing."""
        compiled = self._engine
        if not batch:
            return []
        fired = compiled.new_log()
        compiled._fired, compiled._errors = fired, []
        payload = [
            {"sid": self._sid, "id": fact_id(fact), "subject": fact.subject, **fact.values}
            for fact in batch
        ]
        self._asserted = True
        try:
            state = _host().assert_facts(compiled.name, payload)
        except _durable.MessageNotHandledException as error:
            raise EngineError(f"durable_rules did not accept facts: {error.message}") from None
        except _durable.MessageObservedException as error:
            raise EngineError(f"durable_rules saw a fact twice: {error.message}") from None
        finally:
            compiled._fired = None
        if isinstance(state, dict) and "exception" in state:
            raise EngineError(f"a rule action failed: {state['exception']}")
        if compiled._errors:
            raise EngineError("; ".join(compiled._errors))
        return fired


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
