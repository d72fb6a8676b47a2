"""Where each canonical value came from in FHIR: resource type, id and element path.

A record built from FHIR resources carries a :class:`Provenance`: JSON Pointer ->
:class:`Origin` (``/sorafenib/0/dose_mg`` -> ``MedicationStatement/med-P06-1``, element
``dosage[0].doseAndRate[0].doseQuantity.value``, in ``bundle.json entry 12``). Lookups fall
back to the enclosing item, then the list, as for SDTM and REDCap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from protocol.provenance import Provenance as BaseProvenance

__all__ = ["Origin", "Provenance"]


@dataclass(frozen=True, slots=True)
class Origin:
    resource_type: str
    id: str
    element: str | None = None  # FHIRPath-like: dosage[0].timing.code
    where: str | None = None  # the file and entry or line it was read from

    @property
    def reference(self) -> str:
        return f"{self.resource_type}/{self.id}"

    def describe(self) -> str:
        """``MedicationStatement/med-P06-1.dosage[0].timing.code`` (no values)."""
        return self.reference + (f".{self.element}" if self.element else "")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"resource_type": self.resource_type, "id": self.id}
        if self.element is not None:
            out["element"] = self.element
        if self.where is not None:
            out["where"] = self.where
        return out


class Provenance(BaseProvenance[Origin]):
    """JSON Pointer -> Origin for one canonical record built from FHIR."""

    system = "FHIR"
