"""A monitor's review of findings: acknowledge a deviation, close a query, with a comment.

Reviews are append-only rows (and each is in the audit trail). A review holds
the SHA-256 of the finding's evidence when it was reviewed; when the current
finding's evidence differs (the data it rests on changed), the review no
longer covers it and the finding is *reopened*. A finding that is no longer
``not_met`` is *resolved*.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import select

from protocol.service import audit
from protocol.service.database import Database
from protocol.service.problems import Problem
from protocol.service.tables import reviews
from protocol.service.views import finding_key

__all__ = ["ACTIONS", "add_review", "review_log", "review_states", "reviews_ignore"]


def reviews_ignore(params: Mapping[str, Any]) -> tuple[str, ...]:
    """The evidence a review does not rest on, from the pack's parameters."""
    return tuple(str(key) for key in params.get("review_ignores_evidence") or ())


# What a monitor may do with a not-met finding of each kind.
ACTIONS = {"acknowledge": ("deviation", "safety"), "close": ("data",)}
_STATE = {"acknowledge": "acknowledged", "close": "closed"}


def _evidence_hash(finding: dict[str, Any], ignored: Collection[str]) -> str:
    """The SHA-256 of what the review rests on: the evidence, less the ``ignored`` keys (the
    pack's ``review_ignores_evidence``: the check date, which moves every day)."""
    evidence = finding.get("evidence") or {}
    kept = {k: v for k, v in evidence.items() if k not in ignored}
    return audit.sha256(audit.canonical(kept))


def add_review(
    database: Database,
    patient_id: str,
    version: int,
    findings: list[dict[str, Any]],
    rule: str,
    instance: str | None,
    action: str,
    comment: str,
    author: str,
    ignored: Collection[str] = (),
) -> dict[str, Any]:
    """Record one review of a current not-met finding; the review as answered. ``ignored``
    names evidence the review does not rest on (the pack's ``review_ignores_evidence``)."""
    key = f"{rule}@{instance or ''}"
    finding = next((f for f in findings if finding_key(f) == key), None)
    if finding is None:
        raise Problem(
            404,
            "no-such-finding",
            f"the current findings have no {rule} finding"
            + (f" for {instance}" if instance else " without an instance"),
            [
                {
                    "pointer": "/rule",
                    "message": "no such finding",
                    "expected": "a rule and instance from the patient's findings",
                }
            ],
        )
    if finding["status"] != "not_met":
        raise Problem(
            409,
            "finding-not-open",
            f"{rule} is {finding['status']}, not not_met: there is nothing to review",
        )
    if finding["kind"] not in ACTIONS[action]:
        right = next(a for a, kinds in ACTIONS.items() if finding["kind"] in kinds)
        raise Problem(
            422,
            "wrong-review-action",
            f"a {finding['kind']} finding is reviewed with action {right!r}, not {action!r}",
            [{"pointer": "/action", "message": "wrong action for this finding", "expected": right}],
        )
    now = audit.utc_now()
    row = {
        "patient_id": patient_id,
        "version": version,
        "finding_key": key,
        "rule": rule,
        "action": action,
        "comment": comment,
        "author": author,
        "created_at": now,
        "evidence_sha256": _evidence_hash(finding, ignored),
    }
    with database.writing() as connection:
        connection.execute(reviews.insert().values(**row))
        audit.append(
            connection,
            author,
            "review",
            {
                "finding": key,
                "review": action,
                "comment": comment,
                "evidence_sha256": row["evidence_sha256"],
            },
            patient_id,
            version,
            now,
        )
    return _answer(row, "acknowledged" if action == "acknowledge" else "closed")


def _answer(row: Any, state: str) -> dict[str, Any]:
    get = row.get if isinstance(row, dict) else row._mapping.get
    rule, _, instance = str(get("finding_key")).partition("@")
    return {
        "rule": rule,
        "instance": instance or None,
        "state": state,
        "action": get("action"),
        "comment": get("comment"),
        "by": get("author"),
        "at": get("created_at"),
        "version": get("version"),
    }


def review_states(
    database: Database,
    patient_id: str,
    findings: list[dict[str, Any]],
    ignored: Collection[str] = (),
) -> list[dict[str, Any]]:
    """The latest review of each reviewed finding, with its state against ``findings``."""
    with database.reading() as connection:
        rows = connection.execute(
            select(reviews).where(reviews.c.patient_id == patient_id).order_by(reviews.c.id)
        ).all()
    latest = {row.finding_key: row for row in rows}
    current = {finding_key(f): f for f in findings}
    out = []
    for key, row in latest.items():
        finding = current.get(key)
        if finding is None or finding["status"] != "not_met":
            state = "resolved"
        elif _evidence_hash(finding, ignored) != row.evidence_sha256:
            state = "reopened"
        else:
            state = "acknowledged" if row.action == "acknowledge" else "closed"
        out.append(_answer(row, state))
    return out


def review_log(database: Database, patient_id: str) -> list[dict[str, Any]]:
    """Every review of the patient's findings, oldest first: who, when, what, the comment."""
    with database.reading() as connection:
        rows = connection.execute(
            select(reviews).where(reviews.c.patient_id == patient_id).order_by(reviews.c.id)
        ).all()
    return [_answer(row, _STATE[row.action]) for row in rows]
