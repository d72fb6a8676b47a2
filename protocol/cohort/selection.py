"""Which findings a run reports (``--select``, ``--ignore``) and which site it checks (``--site``).

Codes and families come from the pack: a rule code (``TRT001``), its prefix
(``TRT``: every rule whose code starts with it) or its family id (``dosing``).
Eligibility and the analysis group are still derived from every rule; only the
findings shown, counted and used for the exit code are chosen.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from protocol.findings import Finding, PatientResult
from protocol.packs.model import Pack

__all__ = ["NO_SITE", "Selection", "SelectionError", "site_of"]

NO_SITE = "(no site)"
_PREFIX = re.compile(r"[A-Za-z]+")


class SelectionError(ValueError):
    """A code or family the pack does not have."""


def _codes(pack: Pack, names: Iterable[str], option: str) -> frozenset[str]:
    by_prefix: dict[str, set[str]] = {}
    by_family: dict[str, set[str]] = {}
    for rule in pack.rules:
        match = _PREFIX.match(rule.code)
        if match:
            by_prefix.setdefault(match.group().upper(), set()).add(rule.code)
        by_family.setdefault(rule.family.lower(), set()).add(rule.code)
    codes: set[str] = set()
    for name in names:
        key = name.strip()
        if not key:
            continue
        known = {rule.code for rule in pack.rules}
        if key.upper() in known:
            codes.add(key.upper())
        elif key.upper() in by_prefix:
            codes |= by_prefix[key.upper()]
        elif key.lower() in by_family:
            codes |= by_family[key.lower()]
        else:
            families = ", ".join(sorted(by_prefix))
            raise SelectionError(
                f"{option} {key}: no such rule or family in {pack.id} "
                f"(families: {families}; see 'tacecheck rules')"
            )
    return frozenset(codes)


@dataclass(frozen=True, slots=True)
class Selection:
    """The rule codes reported: all but ``ignored``, or only ``selected`` when given."""

    selected: frozenset[str] | None = None
    ignored: frozenset[str] = frozenset()

    @classmethod
    def of(cls, pack: Pack, select: Iterable[str] = (), ignore: Iterable[str] = ()) -> Selection:
        select, ignore = list(select), list(ignore)
        chosen = _codes(pack, select, "--select") if select else None
        return cls(chosen, _codes(pack, ignore, "--ignore"))

    @property
    def everything(self) -> bool:
        return self.selected is None and not self.ignored

    def keeps(self, finding: Finding) -> bool:
        if finding.rule in self.ignored:
            return False
        return self.selected is None or finding.rule in self.selected

    def apply(self, result: PatientResult) -> PatientResult:
        """The result with only the chosen findings."""
        if self.everything:
            return result
        kept = tuple(f for f in result.findings if self.keeps(f))
        return dataclasses.replace(result, findings=kept)


def site_of(record: Any) -> str | None:
    """A decoded record's site, ``NO_SITE`` without one; None when it is not a record object."""
    if not isinstance(record, Mapping):
        return None
    site = record.get("site_id")
    return site if isinstance(site, str) and site else NO_SITE
