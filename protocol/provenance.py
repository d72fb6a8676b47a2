"""Where each value of a canonical record came from, in the system it was read from.

A record built from REDCap, SDTM or FHIR carries a :class:`Provenance`: a map from JSON
Pointers into the canonical record to the *origin* of that value in its own system (a
REDCap form, instance and field; an SDTM dataset row and variable; a FHIR resource and
element). A finding's ``location`` looks its origin up; a pointer to a whole item
(``/sorafenib/1``) or list (``/sorafenib``) falls back to the item's or the list's origin.
Each system defines its origin type (``protocol.redcap.provenance`` and its SDTM and FHIR
siblings); what is shared is here. Provenance is plain data: it pickles to worker
processes and serialises with :meth:`Provenance.to_dict`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from protocol.findings import RecordError
from protocol.records.sources import RawRecord

__all__ = ["Origin", "Provenance", "raw_records"]


class Origin(Protocol):
    """One value's place in its source system, in words and as data (never the value)."""

    def describe(self) -> str: ...

    def to_dict(self) -> dict[str, Any]: ...


OriginT = TypeVar("OriginT", bound=Origin)


@dataclass(slots=True)
class Provenance(Generic[OriginT]):
    """JSON Pointer -> origin for one canonical record; ``system`` names the source.

    ``not_collected`` maps the record sections the source did not collect (an SDTM folder
    without PR: ``tace``) to why, in words; the checker makes every rule that reads one not
    evaluable (:mod:`protocol.engine.not_collected`)."""

    system: ClassVar[str] = ""
    subject: str
    origins: dict[str, OriginT] = field(default_factory=dict)
    not_collected: dict[str, str] = field(default_factory=dict)

    def add(self, pointer: str, origin: OriginT) -> None:
        self.origins[pointer] = origin

    def lookup(self, pointer: str | None) -> OriginT | None:
        """The origin of a pointer, else of the nearest enclosing item or list, else None.

        ``/tace/1/date`` -> that value's origin; ``/tace/1/technique`` when the technique
        was not recorded -> the TACE item's; ``/tace`` -> the list's; ``""`` -> None.
        """
        probe = pointer or ""
        while probe:
            found = self.origins.get(probe)
            if found is not None:
                return found
            probe = probe.rpartition("/")[0]
        return None

    def describe(self, pointer: str | None) -> str | None:
        """``REDCap form tace, instance 2, field tace_date`` for a pointer, or None."""
        found = self.lookup(pointer)
        return None if found is None else f"{self.system} {found.describe()}"

    def to_dict(self) -> dict[str, dict[str, Any]]:
        return {pointer: origin.to_dict() for pointer, origin in self.origins.items()}


def raw_records(items: Iterable[Any]) -> Iterator[RawRecord]:
    """The pipeline's input from a reader's items: a RecordError, or a built record (its
    ``source``, ``record`` — None when it could not be built — ``errors`` and
    ``provenance``). One RawRecord per canonical record (JSON bytes, kind ``file``, the
    provenance as its origin) and one per error."""
    for item in items:
        if isinstance(item, RecordError):
            yield RawRecord(item.source, error=item)
        elif item.record is None:
            for error in item.errors:
                yield RawRecord(error.source, error=error)
        else:
            raw = json.dumps(item.record, ensure_ascii=False).encode("utf-8")
            yield RawRecord(item.source, raw, "file", size=len(raw), origin=item.provenance)
