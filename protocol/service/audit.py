"""The audit trail: one row per write, chained by SHA-256 so that any edit shows.

Each row's hash covers its sequence number, time, actor, action, patient,
version, payload and the previous row's hash (the first row's previous hash
is 64 zeros). A row that records a stored version carries the SHA-256 of
that version's record and findings, so :func:`verify` also catches an edit
of the versions table made behind the triggers' back (for instance by
someone who dropped them).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from protocol.service.database import Database
from protocol.service.tables import audit_log, patient_versions

__all__ = [
    "GENESIS",
    "AuditProblem",
    "Verification",
    "append",
    "canonical",
    "sha256",
    "utc_now",
    "verify",
]

GENESIS = "0" * 64


def utc_now() -> str:
    """The current time in UTC, ISO 8601 with microseconds and a Z."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(value: Any) -> str:
    """JSON with sorted keys and no spaces: the text that gets hashed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _row_hash(row: dict[str, Any]) -> str:
    fields = [row[k] for k in ("seq", "at", "actor", "action", "patient_id", "version")]
    return sha256(canonical([*fields, row["payload"], row["prev_hash"]]))


def append(
    connection: Connection,
    actor: str,
    action: str,
    payload: dict[str, Any],
    patient_id: str | None = None,
    version: int | None = None,
    at: str | None = None,
) -> int:
    """Add one row to the chain inside the caller's write transaction; its sequence number."""
    last = connection.execute(
        select(audit_log.c.seq, audit_log.c.row_hash).order_by(audit_log.c.seq.desc()).limit(1)
    ).first()
    row = {
        "seq": (last.seq + 1) if last else 1,
        "at": at or utc_now(),
        "actor": actor,
        "action": action,
        "patient_id": patient_id,
        "version": version,
        "payload": canonical(payload),
        "prev_hash": last.row_hash if last else GENESIS,
    }
    row["row_hash"] = _row_hash(row)
    connection.execute(audit_log.insert().values(**row))
    return int(row["seq"])


@dataclass(frozen=True, slots=True)
class AuditProblem:
    seq: int
    problem: str

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "problem": self.problem}


@dataclass(frozen=True, slots=True)
class Verification:
    rows: int
    versions_checked: int
    problems: tuple[AuditProblem, ...]
    last_hash: str

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "rows": self.rows,
            "versions_checked": self.versions_checked,
            "last_hash": self.last_hash,
            "problems": [p.to_dict() for p in self.problems],
        }


def verify(database: Database) -> Verification:
    """Walk the whole chain; recompute every hash and compare every version it names."""
    problems: list[AuditProblem] = []
    previous, expected_seq, rows, checked = GENESIS, 1, 0, 0
    with database.reading() as connection:
        versions = {
            (v.patient_id, v.version): v
            for v in connection.execute(
                select(
                    patient_versions.c.patient_id,
                    patient_versions.c.version,
                    patient_versions.c.record_sha256,
                    patient_versions.c.record,
                    patient_versions.c.findings,
                )
            )
        }
        named: set[tuple[str, int]] = set()
        for row in connection.execute(select(audit_log).order_by(audit_log.c.seq)):
            rows += 1
            data = row._asdict()
            if row.seq != expected_seq:
                problems.append(AuditProblem(row.seq, f"sequence gap: expected {expected_seq}"))
            if row.prev_hash != previous:
                problems.append(
                    AuditProblem(row.seq, "previous hash does not match the row before")
                )
            if _row_hash(data) != row.row_hash:
                problems.append(AuditProblem(row.seq, "row hash does not match its contents"))
            payload = json.loads(row.payload)
            if "record_sha256" in payload:
                key = (row.patient_id, row.version)
                named.add(key)
                stored = versions.get(key)
                checked += 1
                if stored is None:
                    problems.append(AuditProblem(row.seq, "the version it records is missing"))
                elif (
                    sha256(stored.record) != payload["record_sha256"]
                    or stored.record_sha256 != payload["record_sha256"]
                ):
                    problems.append(AuditProblem(row.seq, "the version's record was altered"))
                elif sha256(stored.findings) != payload["findings_sha256"]:
                    problems.append(AuditProblem(row.seq, "the version's findings were altered"))
            previous, expected_seq = row.row_hash, row.seq + 1
        for key in sorted(set(versions) - named):
            problems.append(AuditProblem(0, f"version {key[1]} of a patient has no audit row"))
    return Verification(rows, checked, tuple(problems), previous)
