"""The system of record: every store is a new version; nothing stored is changed or erased.

A patient is a chain of versions 1, 2, 3... Each version holds the complete
record, the JSON Patch (RFC 6902) from the version before, who stored it,
when (UTC), why, and the findings it had when stored, with the pack that
produced them. An update names the version it replaces; if another write got
there first the update is refused (:class:`StaleVersion`, HTTP 412) and
nothing is written. The ``patients`` table only points at each patient's
newest version (the one mutable table, kept for listing); versions, reviews
and the audit trail are append-only, enforced by database triggers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jsonpatch
from jsonpointer import JsonPointer, JsonPointerException
from sqlalchemy import Connection, Row, select, update
from sqlalchemy.exc import IntegrityError

from protocol.findings import PatientResult, RecordError
from protocol.packs import Pack
from protocol.service import audit
from protocol.service.checking import Checker
from protocol.service.database import Database
from protocol.service.tables import patient_versions, patients

__all__ = [
    "AlreadyExists",
    "NotFound",
    "PatientStore",
    "Refused",
    "StaleVersion",
    "Version",
    "old_values",
]


class NotFound(LookupError):
    """No such patient, or no such version of one."""


class AlreadyExists(RuntimeError):
    """A patient of that id is already stored: update it instead."""


class StaleVersion(RuntimeError):
    """The update named a version that is no longer the newest."""

    def __init__(self, expected: int, current: int) -> None:
        super().__init__(f"version {expected} is not the current version {current}")
        self.expected = expected
        self.current = current


class Refused(ValueError):
    """The record or event is not acceptable; nothing was stored."""

    def __init__(self, errors: list[RecordError]) -> None:
        super().__init__("; ".join(f"{e.location}: {e.message}" for e in errors))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class Version:
    patient_id: str
    version: int
    action: str
    author: str
    created_at: str
    reason: str
    record: dict[str, Any]
    patch: list[dict[str, Any]]
    findings: dict[str, Any]
    checked_as_of: str | None
    pack_id: str
    pack_version: str

    @classmethod
    def of(cls, row: Row[Any]) -> Version:
        return cls(
            row.patient_id,
            row.version,
            row.action,
            row.author,
            row.created_at,
            row.reason,
            json.loads(row.record),
            json.loads(row.patch),
            json.loads(row.findings),
            row.checked_as_of,
            row.pack_id,
            row.pack_version,
        )

    @property
    def etag(self) -> str:
        return f'"{self.version}"'

    def summary(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "action": self.action,
            "author": self.author,
            "at": self.created_at,
            "reason": self.reason,
            "pack": {"id": self.pack_id, "version": self.pack_version},
        }


def old_values(old: dict[str, Any], patch: list[dict[str, Any]]) -> dict[str, Any]:
    """The value each replaced or removed path held before: the "old value" of the audit."""
    out: dict[str, Any] = {}
    for op in patch:
        if op["op"] in ("replace", "remove", "move"):
            path = op["from"] if op["op"] == "move" else op["path"]
            try:
                out[path] = JsonPointer(path).resolve(old)
            except JsonPointerException:
                continue
    return out


class PatientStore:
    """Versions of patient records in one database, checked by one protocol pack."""

    def __init__(self, database: Database, pack: Pack, checker: Checker | None = None) -> None:
        self.database = database
        self.pack = pack
        self.checker = checker or Checker(pack)

    # --- reading -------------------------------------------------------------------------

    def head(self, patient_id: str, connection: Connection | None = None) -> Version:
        if connection is None:
            with self.database.reading() as conn:
                return self.head(patient_id, conn)
        row = connection.execute(
            select(patient_versions)
            .join(
                patients,
                (patients.c.patient_id == patient_versions.c.patient_id)
                & (patients.c.version == patient_versions.c.version),
            )
            .where(patients.c.patient_id == patient_id)
        ).first()
        if row is None:
            raise NotFound(f"no patient {patient_id!r} is stored")
        return Version.of(row)

    def version(
        self, patient_id: str, number: int, connection: Connection | None = None
    ) -> Version:
        if connection is None:
            with self.database.reading() as conn:
                return self.version(patient_id, number, conn)
        row = connection.execute(
            select(patient_versions).where(
                patient_versions.c.patient_id == patient_id, patient_versions.c.version == number
            )
        ).first()
        if row is None:
            raise NotFound(f"patient {patient_id!r} has no version {number}")
        return Version.of(row)

    def history(self, patient_id: str) -> list[Version]:
        with self.database.reading() as connection:
            rows = connection.execute(
                select(patient_versions)
                .where(patient_versions.c.patient_id == patient_id)
                .order_by(patient_versions.c.version)
            ).all()
        if not rows:
            raise NotFound(f"no patient {patient_id!r} is stored")
        return [Version.of(row) for row in rows]

    def heads(
        self, site: str | None = None, cohort: str | None = None
    ) -> Iterator[tuple[str, int, str | None, str]]:
        """(patient id, current version, site, cohort) of every stored patient, by id."""
        query = select(
            patients.c.patient_id, patients.c.version, patients.c.site_id, patients.c.cohort
        ).order_by(patients.c.patient_id)
        if site is not None:
            query = query.where(patients.c.site_id == site)
        if cohort is not None:
            query = query.where(patients.c.cohort == cohort)
        with self.database.reading() as connection:
            rows = connection.execute(query).all()
        for row in rows:
            yield row.patient_id, row.version, row.site_id, row.cohort

    # --- writing -------------------------------------------------------------------------

    def _validated(self, record: Any, patient_id: str, number: int) -> PatientResult:
        if isinstance(record, dict) and record.get("patient_id") not in (None, patient_id):
            raise Refused(
                [
                    RecordError(
                        f"patients/{patient_id}",
                        "/patient_id",
                        "the record's patient_id differs from the patient in the URL",
                        expected=f"{patient_id!r}",
                    )
                ]
            )
        result = self.checker.check_new(record, f"patients/{patient_id}/versions/{number}")
        if isinstance(result, list):
            raise Refused(result)
        return result

    def create(self, record: Any, author: str, reason: str) -> tuple[Version, PatientResult]:
        """Store version 1 of a new patient."""
        patient_id = record.get("patient_id") if isinstance(record, dict) else None
        if not isinstance(patient_id, str):
            patient_id = ""
        result = self._validated(record, patient_id, 1)
        return self._write(patient_id, None, record, result, author, reason, "create")

    def replace(
        self,
        patient_id: str,
        record: Any,
        expected: int,
        author: str,
        reason: str,
        action: str = "store",
        current: Version | None = None,
    ) -> tuple[Version, PatientResult]:
        """Store a new complete version in place of version ``expected`` (``current``, if read)."""
        current = current or self.head(patient_id)
        if current.version != expected:
            raise StaleVersion(expected, current.version)
        result = self._validated(record, patient_id, expected + 1)
        return self._write(patient_id, current, record, result, author, reason, action)

    def _write(
        self,
        patient_id: str,
        previous: Version | None,
        record: dict[str, Any],
        result: PatientResult,
        author: str,
        reason: str,
        action: str,
    ) -> tuple[Version, PatientResult]:
        number = previous.version + 1 if previous else 1
        old = previous.record if previous else {}
        patch = jsonpatch.make_patch(old, record).patch
        record_text = json.dumps(record, ensure_ascii=False)
        findings = result.to_dict()
        findings_text = audit.canonical(findings)
        now = audit.utc_now()
        row = {
            "patient_id": patient_id,
            "version": number,
            "action": action,
            "author": author,
            "created_at": now,
            "reason": reason,
            "record": record_text,
            "record_sha256": audit.sha256(record_text),
            "patch": json.dumps(patch, ensure_ascii=False),
            "findings": findings_text,
            "checked_as_of": result.as_of,
            "pack_id": self.pack.id,
            "pack_version": self.pack.version,
        }
        try:
            with self.database.writing() as connection:
                current = connection.execute(
                    select(patients.c.version).where(patients.c.patient_id == patient_id)
                ).scalar()
                if previous is None and current is not None:
                    raise AlreadyExists(f"patient {patient_id!r} is already stored")
                if previous is not None and current != previous.version:
                    raise StaleVersion(previous.version, current or 0)
                connection.execute(patient_versions.insert().values(**row))
                head = {"version": number, "site_id": record.get("site_id"), "updated_at": now}
                if previous is None:
                    connection.execute(
                        patients.insert().values(
                            patient_id=patient_id, cohort=record["cohort"], **head
                        )
                    )
                else:
                    done = connection.execute(
                        update(patients)
                        .where(
                            patients.c.patient_id == patient_id,
                            patients.c.version == previous.version,
                        )
                        .values(cohort=record["cohort"], **head)
                    )
                    if done.rowcount != 1:
                        raise StaleVersion(previous.version, number)
                audit.append(
                    connection,
                    author,
                    action,
                    {
                        "reason": reason,
                        "patch": patch,
                        "old_values": old_values(old, patch),
                        "record_sha256": row["record_sha256"],
                        "findings_sha256": audit.sha256(findings_text),
                        "pack": {"id": self.pack.id, "version": self.pack.version},
                        "checked_as_of": result.as_of,
                    },
                    patient_id,
                    number,
                    now,
                )
        except IntegrityError as error:  # a concurrent writer on another process won the race
            if previous is None:
                raise AlreadyExists(f"patient {patient_id!r} is already stored") from error
            raise StaleVersion(previous.version, number) from error
        version = Version(
            patient_id,
            number,
            action,
            author,
            now,
            reason,
            record,
            patch,
            findings,
            result.as_of,
            self.pack.id,
            self.pack.version,
        )
        self.checker.remember(patient_id, number, None, result)
        return version, result
