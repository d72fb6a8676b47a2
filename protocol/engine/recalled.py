"""Outcomes durable_rules concluded, recalled for a fact of the same content.

In a cohort run most facts are not new: every eligible patient's diagnosis fact
reads the same, and so do most dose-overlap and as-of facts. When the compiled
ruleset is proved to hold only rules of one pattern on one fact, comparing that
fact's fields with constants (:func:`protocol.engine.batching.single_fact_rules`,
DURABLE_RULES.md 30), what each rule concludes for a fact depends on nothing but
the fact's subject and values. :class:`Recalled` keeps, per fact content, the
outcome each rule of its subject concluded, so a fact seen before is not asserted
again: durable_rules decided it, once, for the first fact of that content.

The content is the fact's text exactly as the engine reads it, less the session
and fact ids (``{"subject": "diagnosis", "condition": "hcc", ...}``), so two
facts share an entry only when the engine could not tell them apart: ``1``,
``1.0`` and ``true`` are three contents. At most ``PER_SUBJECT`` contents are kept
for each subject; a subject whose facts are all different (a progression's dates)
soon stops being kept, one whose facts repeat keeps all of them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from json.encoder import encode_basestring_ascii as _quote

from protocol.engine.core_json import fact_text
from protocol.engine.durable_session import first_fired
from protocol.engine.facts import Fact

__all__ = ["PER_SUBJECT", "Outcomes", "Recalled"]

# Contents kept per subject: a few hundred kilobytes at most for a pack's dozen subjects.
PER_SUBJECT = 1000

Outcomes = tuple[tuple[str, int], ...]  # (rule code, outcome index) for each rule


class Recalled:
    """The outcomes of every rule, per subject, for each fact content seen."""

    def __init__(self, codes: Mapping[str, Sequence[str]]) -> None:
        # The rules (codes) matching each subject: a recalled fact gets one outcome each.
        self._codes = codes
        self._known: dict[str, Outcomes] = {}
        self._kept: Counter[str] = Counter()

    @staticmethod
    def content(fact: Fact) -> str:
        """The fact's text as the engine reads it, without the session's and fact's ids."""
        return fact_text('"subject": ' + _quote(fact.subject), fact.values)

    def get(self, content: str) -> Outcomes | None:
        return self._known.get(content)

    def learn(
        self,
        facts: Iterable[tuple[Fact, str, str]],
        fired: Iterable[tuple[str, int, str]],
        implicit: Mapping[str, int],
    ) -> None:
        """Keep what fired for each ``(fact, content, id)`` asserted; a rule that fired
        nothing for a fact concluded its ``implicit`` outcome (the first listed wins)."""
        chosen = first_fired(fired)
        for fact, content, identity in facts:
            subject = fact.subject
            if content in self._known or self._kept[subject] >= PER_SUBJECT:
                continue
            self._kept[subject] += 1
            self._known[content] = tuple(
                (code, chosen.get((code, identity), implicit[code]))
                for code in self._codes.get(subject, ())
            )
