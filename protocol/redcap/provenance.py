"""Where each canonical value came from in REDCap: record, event, form, instance, field, row.

A record built from an export carries a :class:`Provenance`: JSON Pointer ->
:class:`Origin`. A finding's ``location`` (``/sorafenib/1/start_date``) looks up the form
and field a data manager opens in REDCap ("form sorafenib_dosing, instance 2, field
sor_start"); a pointer to a whole item (``/sorafenib/1``) or list (``/sorafenib``) finds the
instance or the instrument. Provenance is plain data: it pickles to worker processes and
serialises with :meth:`Provenance.to_dict`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from protocol.provenance import Provenance as BaseProvenance

__all__ = ["Origin", "Provenance"]


@dataclass(frozen=True, slots=True)
class Origin:
    """One canonical value's (or item's) place in a REDCap project."""

    record: str
    instrument: str
    fields: tuple[str, ...] = ()  # the field read first (a date's precision radio after it)
    instance: int | None = None  # the repeat instance, for repeating instruments and events
    event: str | None = None  # the unique event name, in longitudinal projects
    row: str | None = None  # where in the export: "export.csv row 7"
    missing_code: str | None = None  # the missing-data code the field held, if any

    @property
    def field(self) -> str | None:
        return self.fields[0] if self.fields else None

    def describe(self) -> str:
        """``form tace, instance 2, field tace_date, event baseline_arm_1`` (no values)."""
        parts = [f"form {self.instrument}"]
        if self.instance is not None:
            parts.append(f"instance {self.instance}")
        if self.fields:
            parts.append("field " + " + ".join(self.fields))
        if self.event:
            parts.append(f"event {self.event}")
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"record": self.record, "instrument": self.instrument}
        if self.fields:
            out["field"] = self.fields[0]
            out["fields"] = list(self.fields)
        if self.instance is not None:
            out["instance"] = self.instance
        if self.event is not None:
            out["event"] = self.event
        if self.row is not None:
            out["row"] = self.row
        if self.missing_code is not None:
            out["missing_code"] = self.missing_code
        return out


class Provenance(BaseProvenance[Origin]):
    """JSON Pointer -> Origin for one canonical record built from REDCap."""

    system = "REDCap"
