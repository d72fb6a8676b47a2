"""The facts' vocabulary: a :class:`Fact`, the :class:`Subject` registry and shared wording.

Every subject module registers its builders here with :func:`register`; the pack
loader reads ``SUBJECTS`` to refuse a clause or template naming a field no builder
provides.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from protocol.dates import DateRange, PartialDate
from protocol.engine.timeline import Timeline

__all__ = [
    "MEMORY",
    "SUBJECTS",
    "Builder",
    "Fact",
    "Subject",
    "ask_day",
    "date_text",
    "order_text",
    "register",
    "yes_no",
]


@dataclass(frozen=True, slots=True)
class Fact:
    subject: str
    instance: str | None
    values: dict[str, Any]
    display: dict[str, Any]


Builder = Callable[[Timeline, Mapping[str, Any], Mapping[str, Any]], list[Fact]]


@dataclass(frozen=True, slots=True)
class Subject:
    name: str
    fields: frozenset[str]
    display: frozenset[str]
    params: frozenset[str]
    needs_eligibility: bool
    build: Builder
    description: str


SUBJECTS: dict[str, Subject] = {}

# The context key under which a caller that measures one patient again and again as the
# record grows (protocol.engine.memo, for a Session) passes a dict of its own: a builder may
# keep there what it measured, keyed by everything it was measured from, and give it back
# instead of measuring again. What it gives back is always what it would measure afresh.
MEMORY = "memory"


def register(
    fields: str, display: str, params: str = "", needs_eligibility: bool = False
) -> Callable[[Builder], Builder]:
    def register(build: Builder) -> Builder:
        name = build.__name__.removeprefix("_")
        SUBJECTS[name] = Subject(
            name,
            frozenset(fields.split()),
            frozenset(display.split()),
            frozenset(params.split()),
            needs_eligibility,
            build,
            (build.__doc__ or "").strip(),
        )
        return build

    return register


def date_text(value: PartialDate | DateRange | None, missing: str = "not recorded") -> str:
    return missing if value is None else str(value)


def yes_no(value: bool | None) -> str:
    return "unknown" if value is None else "yes" if value else "no"


def ask_day(label: str, value: PartialDate) -> str:
    """A partial date as a query to the site: '... 2012-08 is partial; please give the day'."""
    wanted = "day" if value.precision == "month" else "month and day"
    return f"{label} {value} is partial; please give the {wanted}"


def order_text(t: Timeline, p: Mapping[str, Any]) -> str:
    """The open TACE order in words, or '' (the pack's ``tace-order-open`` decision)."""
    question = t.order_question
    return question.describe(int(p["listing_limit"])) if question is not None else ""
