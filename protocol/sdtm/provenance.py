"""Where each canonical value came from in SDTM: dataset, USUBJID, --SEQ, variable, file row.

A record built from SDTM domains carries a :class:`Provenance`: JSON Pointer ->
:class:`Origin`. A finding's ``location`` (``/sorafenib/1/start_date``) looks up the
dataset row a data manager opens ("EX, USUBJID P02, EXSEQ 2, EXSTDTC"); a pointer to a whole
item (``/sorafenib/1``) or list (``/sorafenib``) finds the row or the domain. Provenance is
plain data: it pickles to worker processes and serialises with :meth:`Provenance.to_dict`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from protocol.provenance import Provenance as BaseProvenance

__all__ = ["Origin", "Provenance"]


@dataclass(frozen=True, slots=True)
class Origin:
    """One canonical value's (or item's) place in an SDTM dataset."""

    dataset: str  # the domain, DM, EX, SUPPDM...
    usubjid: str
    variable: str | None = None  # None for a whole row or domain
    seq: int | None = None  # the row's --SEQ, where the domain has one
    file: str | None = None  # the file read, as given
    row: int | None = None  # 1-based data row of that file

    def describe(self) -> str:
        """``EX, USUBJID P02, EXSEQ 2, variable EXSTDTC`` (names and keys only, no values)."""
        parts = [self.dataset, f"USUBJID {self.usubjid}"]
        if self.seq is not None:
            parts.append(f"{self.dataset[-2:]}SEQ {self.seq}")
        if self.variable:
            parts.append(f"variable {self.variable}")
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"dataset": self.dataset, "usubjid": self.usubjid}
        if self.seq is not None:
            out["seq"] = self.seq
        if self.variable is not None:
            out["variable"] = self.variable
        if self.file is not None:
            out["file"] = self.file
        if self.row is not None:
            out["row"] = self.row
        return out


class Provenance(BaseProvenance[Origin]):
    """JSON Pointer -> Origin for one canonical record built from SDTM."""

    system = "SDTM"
