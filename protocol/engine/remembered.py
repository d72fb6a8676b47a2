"""A fact as a check that remembers (:mod:`protocol.engine.memo`) keeps it, and its findings.

A :class:`Known` fact holds the numbers of its values and content, the previous
measurement of the same instance, the names whose values changed since, and the
finding of each rule explained on it. :func:`finding_on` renders a finding, taking
from the previous finding of the same outcome each text that names none of the
values that changed: what it gives is always what rendering afresh gives.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from protocol.engine.explanation import no_instance_finding
from protocol.engine.facts import Fact
from protocol.findings import Finding, Status
from protocol.packs.model import Rule
from protocol.packs.templates import filler, placeholders

__all__ = ["Known", "Names", "content_key", "finding_on", "names_of"]


class Known:
    """A fact as remembered: the numbers of its values and of its whole content, its findings.

    The content's number is worked out when first asked for (a fact explained from the
    previous measurement of its instance never needs it). ``found`` holds the finding of
    each rule explained on this fact.
    """

    __slots__ = ("_changed", "_own", "content", "fact", "found", "previous", "values")

    def __init__(self, fact: Fact, values: int, previous: Known | None = None) -> None:
        self.fact, self.values = fact, values
        self.content: int | None = None
        self.found: dict[str, Finding] = {}
        self._own: dict[str, Any] | None = None
        self._changed: frozenset[str] | None = None
        self.previous = previous  # the same instance as last measured, if any
        if previous is not None:
            previous.previous = None  # one step back is all explaining needs

    @property
    def changed(self) -> frozenset[str]:
        """The names whose values differ from the previous measurement's (all, if none).

        When the values are the same (the same number), only the display is compared: a
        name in both is then reported changed when its display differs, which at worst
        renders a finding again.
        """
        if self._changed is None:
            previous = self.previous
            if previous is None:
                mine, theirs = self.own, {}
            elif previous.values == self.values:
                mine, theirs = self.fact.display, previous.fact.display
            else:
                mine, theirs = self.own, previous.own
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

    def same_values(self, fact: Fact) -> bool:
        """Whether ``fact`` holds exactly this fact's instance and values (of the same types)."""
        mine = self.fact
        return mine is fact or (
            mine.instance == fact.instance
            and mine.values == fact.values
            and _types(mine.values) == _types(fact.values)
        )

    def same_display(self, fact: Fact) -> bool:
        """Whether ``fact`` holds exactly this fact's display (of the same types)."""
        mine = self.fact
        return mine is fact or (
            mine.display == fact.display and _types(mine.display) == _types(fact.display)
        )


def _types(items: Mapping[str, Any]) -> tuple[Any, ...]:
    return (*items, *map(type, items.values()))


def content_key(items: Mapping[str, Any]) -> Any:
    """A key equal for two mappings exactly when they hold the same values of the same types."""
    key = (tuple(items.items()), tuple(map(type, items.values())))
    try:
        hash(key)
    except TypeError:  # a list among the values (a display field): compared as written
        return tuple([(name, type(value), repr(value)) for name, value in items.items()])
    return key


class Names(NamedTuple):
    """What an outcome's texts and its rule's evidence name: all, the message's, the location's."""

    all: frozenset[str]
    message: frozenset[str]
    location: frozenset[str]


def names_of(rule: Rule, index: int) -> Names:
    """What outcome ``index``'s message, the rule's location and its evidence name."""
    message = frozenset(placeholders(rule.outcome(index).message))
    location = frozenset(placeholders(rule.location or "{pointer}"))
    return Names(message | location | frozenset(rule.evidence), message, location)


def finding_on(
    rule: Rule,
    known: Known | None,
    index: int,
    params: Mapping[str, Any],
    before: tuple[Finding, Names] | None = None,
) -> Finding:
    """The finding of ``rule`` on a fact whose outcome ``index`` fired (or on no fact).

    ``before`` is the finding of the same outcome on the same instance as last measured,
    with what its texts name: a text naming none of the values that changed since is
    the same text, and is taken from it.
    """
    if known is None:
        return no_instance_finding(rule, params)
    outcome = rule.outcome(index)
    own = known.own
    message = location = None
    if before is not None:
        finding, names = before
        changed = known.changed
        if changed.isdisjoint(names.message):
            message = finding.message
        if changed.isdisjoint(names.location):
            location = finding.location
    if message is None:
        message = filler(outcome.message)(own, params)
    if location is None:
        location = filler(rule.location or "{pointer}")(own, params)
    return Finding(
        rule=rule.code,
        name=rule.name,
        status=Status(outcome.result),
        kind=rule.kind,
        importance=rule.importance,
        message=message,
        location=location,
        evidence={
            key: own[key] if key in own else params[key]
            for key in rule.evidence
            if key in own or key in params
        },
        protocol_ref=rule.protocol_ref,
        instance=known.fact.instance,
    )
