"""A durable_rules session: facts asserted in batches, firings read back, state deleted.

:class:`EngineSession` is what :meth:`protocol.engine.durable_adapter.RuleEngine.session`
gives: a session of one patient, or of several when the ruleset is proved to match no
two patients' facts together. It writes each batch framed by a head fact and a seal
(pitfall 29), sends a batch holding a fact without a field its rules name to the full
engine (31) and recalls the outcomes of facts whose content was read before (32). The
pitfalls are numbered as in the adapter's docstring.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable, Mapping, Sequence
from json.encoder import encode_basestring_ascii as _quote
from typing import TYPE_CHECKING

from protocol.engine.core_json import CoreJsonError, fact_text
from protocol.engine.facts import Fact

if TYPE_CHECKING:
    from protocol.engine.durable_adapter import RuleEngine

__all__ = ["EngineError", "EngineSession", "fact_id", "first_fired"]


class EngineError(RuntimeError):
    """durable_rules failed while checking a patient; never silently ignored."""


_LOCK = threading.RLock()
_SIDS = itertools.count(1)
# The first and the last fact of every batch (see "the seal" in the adapter's docstring).
_HEAD, _SEAL = "__head__", "__seal__"


def fact_id(fact: Fact) -> str:
    """The identity of a fact within a patient's session."""
    return f"{fact.subject}#{fact.instance or ''}"


def first_fired(fired: Iterable[tuple[str, int, str]]) -> dict[tuple[str, str], int]:
    """The first-listed outcome that fired, per (rule, fact)."""
    chosen: dict[tuple[str, str], int] = {}
    for code, index, identity in fired:
        key = (code, identity)
        if key not in chosen or index < chosen[key]:
            chosen[key] = index
    return chosen


class EngineSession:
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

    def __enter__(self) -> EngineSession:
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
        return self._assert([fact_id(fact) for fact in batch], batch)

    def assert_groups(self, groups: Sequence[Sequence[Fact]]) -> list[list[tuple[str, int, str]]]:
        """Assert several patients' facts in one batch; the firings of each, in turn.

        Only for an engine whose ruleset is :attr:`RuleEngine.batchable` (no rule can
        match facts of two patients, 30). Each fact's id is prefixed with its group's
        number (``3/tace#1``); the firings come back with the prefix taken off, as
        :meth:`assert_facts` gives them. A fact whose content the engine concluded
        before gets those outcomes back, one firing per rule, and is not asserted (32).
        """
        if not self._engine.batchable:
            raise EngineError(f"ruleset {self._engine.name} cannot check patients together")
        out: list[list[tuple[str, int, str]]] = [[] for _ in groups]
        recalled = self._engine.full.recalled
        ids: list[str] = []
        batch: list[Fact] = []
        contents: list[str | None] = []
        recalled_facts: list[Fact] = []
        for number, facts in enumerate(groups):
            for fact in facts:
                try:
                    content: str | None = recalled.content(fact)
                except CoreJsonError:  # _run names the value the engine cannot be given
                    content = None
                known = recalled.get(content) if content is not None else None
                if known is None:
                    ids.append(f"{number}/{fact_id(fact)}")
                    batch.append(fact)
                    contents.append(content)
                else:
                    own = fact_id(fact)
                    out[number] += [(code, index, own) for code, index in known]
                    recalled_facts.append(fact)
        engine = self._engine
        if engine._warming and engine.full is engine and recalled_facts:
            # The lean engine learns from every fact of the cohort, recalled or not (31).
            full = engine.implicit
            explicit = [f for fs in out for f in fs if f[1] != full[f[0]]]
            engine._count(recalled_facts, explicit)
        if not ids:
            return out
        fired = self._assert(ids, batch, contents)
        learned = zip(batch, contents, ids, strict=True)
        recalled.learn(((f, c, i) for f, c, i in learned if c is not None), fired, self.implicit)
        for code, index, identity in fired:
            number, _slash, own = identity.partition("/")
            out[int(number)].append((code, index, own))
        return out

    @property
    def implicit(self) -> Mapping[str, int]:
        """Per rule code, the outcome to read where none of the rule's actions fired."""
        return self._engine.implicit

    def _assert(
        self, ids: list[str], batch: Sequence[Fact], contents: Sequence[str | None] = ()
    ) -> list[tuple[str, int, str]]:
        engine = self._engine
        needs = engine.needs
        if needs and not all(
            needs[f.subject] <= f.values.keys() for f in batch if f.subject in needs
        ):
            # A fact without a field its rules name: no implicit outcome is exact for it
            # (31), so this batch is asserted in the full engine, in a session of its own.
            with EngineSession(engine.full) as alone:
                fired = alone._assert(ids, batch)
            engine.full.explicit(ids, batch, fired)
            return fired
        fired = self._run(ids, batch, contents)
        if engine._warming and engine.full is engine:
            engine._count(batch, fired)
        return fired

    def _run(
        self, ids: list[str], batch: Sequence[Fact], contents: Sequence[str | None] = ()
    ) -> list[tuple[str, int, str]]:
        """Assert ``batch`` in this session; ``contents``, where given, are the facts' texts
        without their ids (:meth:`protocol.engine.recalled.Recalled.content`), so that
        they are not written twice."""
        self._batches += 1
        sid = f'"sid": "{self._sid}"'
        head = f'{{{sid}, "id": "{_HEAD}#{self._batches}", "subject": "{_HEAD}"}}'
        seal = f"{_SEAL}#{self._batches}"
        parts = [head]
        written = contents or [None] * len(batch)
        try:
            for fact, identity, content in zip(batch, ids, written, strict=True):
                if content is not None:  # '{"subject": ..., values}' with the ids put first
                    parts.append(f'{{{sid}, "id": {_quote(identity)}, {content[1:]}')
                    continue
                start = f'{sid}, "id": {_quote(identity)}, "subject": {_quote(fact.subject)}'
                parts.append(fact_text(start, fact.values))
        except CoreJsonError as error:
            message = f"fact {identity} cannot be given to durable_rules: {error}"
            raise EngineError(message) from None
        parts.append(f'{{{sid}, "id": "{seal}", "subject": "{_SEAL}", "facts": {len(batch)}}}')
        self._asserted = True
        return self._engine.run(self._sid, "[" + ", ".join(parts) + "]", ids, seal)
