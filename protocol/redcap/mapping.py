"""A REDCap mapping as the reader uses it: where each canonical value comes from.

:func:`~protocol.redcap.mapping_file.load_mapping` reads a mapping file and checks it
(:mod:`protocol.redcap.mapping_check`); the result is a :class:`Mapping`: for each top-level
canonical field a :class:`Part` (a value, an object, or a list from a repeating
instrument) made of :class:`ValueSpec` items that name the dictionary field and say how to
read it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as _default
from typing import Any

from protocol.redcap.dictionary import Dictionary, Field

__all__ = ["Mapping", "MappingError", "Part", "ValueSpec"]


class MappingError(ValueError):
    """A mapping that cannot be used; ``problems`` are (place in the mapping, what is wrong)."""

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        text = "; ".join(f"{where}: {what}" if where else what for where, what in problems)
        super().__init__(f"{source}: {text}")
        self.source = source
        self.problems = problems


@dataclass(frozen=True, slots=True)
class ValueSpec:
    """Where one canonical value comes from and how it is read."""

    key: str  # the canonical property
    where: str  # its place in the mapping file, for messages
    kind: str  # constant, text, integer, number, date, partial_date, choice, any_ticked
    field: Field | None = None
    constant: Any = None
    choices: dict[str, Any] = _default(default_factory=dict)
    precision_field: Field | None = None
    precision: dict[str, str] = _default(default_factory=dict)
    true_codes: frozenset[str] = frozenset()
    false_codes: frozenset[str] = frozenset()
    null_when_field: Field | None = None
    null_when_codes: frozenset[str] = frozenset()
    on_missing: dict[str, Any] = _default(default_factory=dict)
    required: bool = False

    def fields(self) -> Iterator[Field]:
        """Every dictionary field this value reads."""
        for item in (self.field, self.precision_field, self.null_when_field):
            if item is not None:
                yield item


@dataclass(frozen=True, slots=True)
class Part:
    """One top-level canonical field: a value, an object, or a list from a repeating form."""

    key: str
    shape: str  # value, object, list
    specs: tuple[ValueSpec, ...]
    instrument: str | None = None  # the repeating instrument of a list
    required: bool = False


@dataclass(frozen=True, slots=True)
class Mapping:
    """A checked mapping, with the dictionary it was checked against."""

    source: str
    dictionary: Dictionary
    parts: tuple[Part, ...]
    missing_codes: dict[str, str]  # code -> label
    ignored: frozenset[str]

    @property
    def record_id(self) -> str:
        return self.dictionary.record_id

    def used_fields(self) -> set[str]:
        """Names of every dictionary field some canonical value reads."""
        return {item.name for part in self.parts for spec in part.specs for item in spec.fields()}

    def list_instruments(self) -> dict[str, Part]:
        """Repeating instrument -> the list part it feeds."""
        return {part.instrument: part for part in self.parts if part.instrument}
