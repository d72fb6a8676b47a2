"""Comparing a run with an earlier JSON report (``--baseline PREVIOUS.json``).

A finding not met is *new* when the baseline had no finding not met for the same
patient, rule and instance (its ``location``), else *unchanged*; a finding not met
in the baseline that is no longer not met is *resolved*. The baseline is read once
in the main process; a copy goes to each worker with the renderers. Before a
patient is rendered, :meth:`Baseline.observe` notes what is not met now, so
:meth:`Baseline.resolved` can answer for that patient.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from protocol.findings import PatientResult, Status

__all__ = ["Baseline", "BaselineError"]

_Key = tuple[str, str | None]  # rule, location


class BaselineError(Exception):
    """The baseline report cannot be used; the message names the file and the place."""


def _not_met(patients: Any, source: str) -> Iterator[tuple[str, _Key, dict[str, Any]]]:
    if not isinstance(patients, list):
        raise BaselineError(f"{source}: /patients: expected a list of patients (a JSON report)")
    for number, patient in enumerate(patients):
        if not isinstance(patient, dict) or not isinstance(patient.get("patient_id"), str):
            raise BaselineError(
                f"{source}: /patients/{number}: expected a patient with a patient_id"
            )
        findings = patient.get("findings", [])
        if not isinstance(findings, list):
            raise BaselineError(f"{source}: /patients/{number}/findings: expected a list")
        for place, finding in enumerate(findings):
            if not isinstance(finding, dict) or not isinstance(finding.get("rule"), str):
                raise BaselineError(
                    f"{source}: /patients/{number}/findings/{place}: expected a finding with a rule"
                )
            if finding.get("status") == Status.NOT_MET:
                location = finding.get("location")
                key = (finding["rule"], location if isinstance(location, str) else None)
                shown = {"rule": key[0], "location": key[1], "message": finding.get("message")}
                yield patient["patient_id"], key, shown


class Baseline:
    """The findings not met of an earlier report, by patient, rule and location."""

    def __init__(self, findings: Iterable[tuple[str, _Key, dict[str, Any]]], source: str) -> None:
        self.source = source
        self._before: dict[str, dict[_Key, dict[str, Any]]] = {}
        for patient, key, shown in findings:
            self._before.setdefault(patient, {}).setdefault(key, shown)
        self._now: dict[str, set[_Key]] = {}

    @classmethod
    def load(cls, path: str | Path, pack_id: str | None = None) -> Baseline:
        """Read a JSON report written by ``tacecheck check --format json``; with
        ``pack_id``, one of that pack (another pack's rules would all read as new)."""
        source = str(path)
        try:
            report = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as error:
            raise BaselineError(f"{source}: cannot read the baseline: {error.strerror}") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise BaselineError(
                f"{source}: not a JSON report ({error}); give a report written with --format json"
            ) from None
        if not isinstance(report, dict) or "patients" not in report:
            raise BaselineError(f"{source}: /patients: missing; give a report written with -f json")
        findings = list(_not_met(report["patients"], source))
        protocol = report.get("protocol")
        found = protocol.get("id") if isinstance(protocol, dict) else None
        if pack_id is not None and found != pack_id:
            raise BaselineError(
                f"{source}: /protocol/id: the baseline was checked with pack {found!r}, this run "
                f"with {pack_id!r}; compare runs of the same pack"
            )
        return cls(findings, source)

    def observe(self, result: PatientResult) -> None:
        """Note what is not met for this patient in the current run (before rendering it)."""
        self._now[result.patient_id] = {
            (f.rule, f.location) for f in result.findings if f.status is Status.NOT_MET
        }

    def mark(self, patient_id: str, rule: str, location: str | None, message_key: str = "") -> str:
        """``new`` or ``unchanged`` for a finding not met now."""
        return "unchanged" if (rule, location) in self._before.get(patient_id, {}) else "new"

    def resolved(self, patient_id: str) -> list[dict[str, Any]]:
        """The baseline's findings not met for this patient that are not met no longer."""
        now = self._now.get(patient_id, set())
        before = self._before.get(patient_id, {})
        return [shown for key, shown in before.items() if key not in now]

    def counts(self, result: PatientResult) -> tuple[int, int]:
        """(new, resolved) for a patient of the current run."""
        self.observe(result)
        new = sum(
            1
            for f in result.findings
            if f.status is Status.NOT_MET
            and self.mark(result.patient_id, f.rule, f.location) == "new"
        )
        return new, len(self.resolved(result.patient_id))
