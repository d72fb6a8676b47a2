"""Endpoints for one patient: store, add/correct/delete an event, read, history, review."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.concurrency import run_in_threadpool

from protocol.findings import PatientResult
from protocol.service import events as ev
from protocol.service.auth import Action, User
from protocol.service.bodies import Field, envelope, read_json
from protocol.service.context import (
    Service,
    ServiceDep,
    caller,
    json_answer,
    parse_as_of,
    parse_if_match,
)
from protocol.service.openapi_bodies import body_doc
from protocol.service.problems import Problem, pointer_errors
from protocol.service.reviews import (
    ACTIONS,
    add_review,
    review_log,
    review_states,
    reviews_ignore,
)
from protocol.service.store import (
    AlreadyExists,
    NotFound,
    Refused,
    StaleVersion,
    Version,
    old_values,
)
from protocol.service.views import finding_changes

__all__ = ["router"]

router = APIRouter(prefix="/v1/patients", tags=["patients"])

PatientId = Annotated[str, Path(pattern=r"^[A-Za-z0-9._-]{1,64}$", max_length=64)]
Kind = Annotated[str, Path(pattern="^(" + "|".join(ev.EVENT_KINDS) + ")$")]
Index = Annotated[int, Path(ge=0, le=100_000)]
IfMatch = Annotated[
    str | None, Header(alias="If-Match", description='the ETag of the version replaced: "N"')
]


def view(svc: Service, version: Version, result: PatientResult) -> dict[str, Any]:
    patient = result.to_dict()
    return {
        "patient_id": version.patient_id,
        "version": version.version,
        "stored": version.summary(),
        "record": version.record,
        "result": patient,
        "reviews": review_states(
            svc.database, version.patient_id, patient["findings"], reviews_ignore(svc.pack.params)
        ),
    }


# Versions are SQL INTEGER (32-bit on PostgreSQL): a larger number names no version.
MAX_VERSION = 2**31 - 1


async def _answer(svc: Service, version: Version, result: PatientResult, status: int = 200) -> Any:
    body = await run_in_threadpool(view, svc, version, result)
    headers = {"ETag": version.etag, "Location": f"/v1/patients/{version.patient_id}"}
    return json_answer(body, status, headers)


def _translate(error: Exception, body_prefix: str) -> Problem:
    if isinstance(error, NotFound):
        return Problem(404, "patient-not-found", str(error))
    if isinstance(error, AlreadyExists):
        return Problem(409, "patient-exists", f"{error}; store a new version with PUT and If-Match")
    if isinstance(error, StaleVersion):
        return Problem(
            412,
            "stale-version",
            f"version {error.expected} is not the current version ({error.current}): someone "
            "stored a newer one. Read the patient again, then retry on the current version",
            current_version=error.current,
        )
    if isinstance(error, Refused):
        return Problem(
            422,
            "invalid-record",
            "the record was not stored: " + "; ".join(e.text() for e in error.errors[:3]),
            pointer_errors(error.errors, body_prefix),
        )
    if isinstance(error, ev.EventProblem):
        return Problem(422, "invalid-event", error.error.text(), pointer_errors([error.error]))
    raise error


async def _run(fn: Any, *args: Any, prefix: str = "") -> Any:
    try:
        return await run_in_threadpool(fn, *args)
    except (NotFound, AlreadyExists, StaleVersion, Refused, ev.EventProblem) as error:
        raise _translate(error, prefix) from None


STORE = {"record": Field(dict, True, "a patient record"), "reason": Field(str, False, "text")}
UPDATE = {"record": Field(dict, True, "a patient record"), "reason": Field(str, True, "why")}


@router.post("", status_code=201, openapi_extra=body_doc("create"))
async def create_patient(
    user: Annotated[User, caller(Action.WRITE)],
    svc: ServiceDep,
    request: Request,
) -> Any:
    """Store version 1 of a new patient (the record's header, or a complete record)."""
    body = envelope(await read_json(request, svc.body_limit), STORE)
    reason = body.get("reason") or "initial entry"
    version, result = await _run(
        svc.store.create, body["record"], user.name, reason, prefix="/record"
    )
    return await _answer(svc, version, result, 201)


@router.put("/{patient_id}", openapi_extra=body_doc("update"))
async def store_patient(
    user: Annotated[User, caller(Action.WRITE)],
    svc: ServiceDep,
    request: Request,
    patient_id: PatientId,
    if_match: IfMatch = None,
) -> Any:
    """Store a complete record as a new version replacing the one If-Match names."""
    expected = parse_if_match(if_match)
    body = envelope(await read_json(request, svc.body_limit), UPDATE)
    version, result = await _run(
        svc.store.replace,
        patient_id,
        body["record"],
        expected,
        user.name,
        body["reason"],
        prefix="/record",
    )
    return await _answer(svc, version, result, 200)


def _event_write(
    svc: Service,
    patient_id: str,
    expected: int,
    user: str,
    reason: str,
    action: str,
    change: Any,
) -> tuple[Version, PatientResult]:
    current = svc.store.head(patient_id)
    if current.version != expected:
        raise StaleVersion(expected, current.version)
    candidate = change(current.record)
    return svc.store.replace(patient_id, candidate, expected, user, reason, action, current)


ADD = {
    "kind": Field(str, True, "one of " + ", ".join(ev.EVENT_KINDS)),
    "event": Field((dict, str), True, "the event: an object, or a date for a single-date kind"),
    "reason": Field(str, False, "text"),
}
CORRECT = {
    "event": Field((dict, str), True, "the corrected event"),
    "reason": Field(str, True, "why"),
}
DELETE = {"reason": Field(str, True, "why the event is removed")}


async def _change_events(
    svc: Any,
    request: Request,
    user: User,
    patient_id: str,
    if_match: str | None,
    spec: dict[str, Field],
    action: str,
    change: Callable[[dict[str, Any], dict[str, Any], str], Any],
) -> Any:
    """One event written as a new version: the body read against ``spec``, the version
    replaced named by If-Match, ``change(record, body, source)`` applied, the findings back."""
    expected = parse_if_match(if_match)
    body = envelope(await read_json(request, svc.body_limit), spec)
    source = f"patients/{patient_id}"
    reason = body.get("reason") or f"new data: {body.get('kind')}"
    version, result = await _run(
        _event_write,
        svc,
        patient_id,
        expected,
        user.name,
        reason,
        action,
        lambda record: change(record, body, source),
    )
    return await _answer(svc, version, result, 200)


@router.post("/{patient_id}/events", openapi_extra=body_doc("add_event"))
async def add_event(
    user: Annotated[User, caller(Action.WRITE)],
    svc: ServiceDep,
    request: Request,
    patient_id: PatientId,
    if_match: IfMatch = None,
) -> Any:
    """Add one event; the answer is the new version with its updated findings."""
    return await _change_events(
        svc, request, user, patient_id, if_match, ADD, "add_event",
        lambda record, body, source: ev.add_event(record, body["kind"], body["event"], source),
    )  # fmt: skip


@router.put("/{patient_id}/events/{kind}/{index}", openapi_extra=body_doc("correct_event"))
async def correct_event(
    user: Annotated[User, caller(Action.WRITE)],
    svc: ServiceDep,
    request: Request,
    patient_id: PatientId,
    kind: Kind,
    index: Index,
    if_match: IfMatch = None,
) -> Any:
    """Replace one event (a correction, with a reason); earlier versions keep the old one."""
    return await _change_events(
        svc, request, user, patient_id, if_match, CORRECT, "correct_event",
        lambda record, body, source: ev.correct_event(record, kind, index, body["event"], source),
    )  # fmt: skip


@router.delete("/{patient_id}/events/{kind}/{index}", openapi_extra=body_doc("delete_event"))
async def delete_event(
    user: Annotated[User, caller(Action.WRITE)],
    svc: ServiceDep,
    request: Request,
    patient_id: PatientId,
    kind: Kind,
    index: Index,
    if_match: IfMatch = None,
) -> Any:
    """Remove one event (with a reason) as a new version; nothing is erased."""
    return await _change_events(
        svc, request, user, patient_id, if_match, DELETE, "delete_event",
        lambda record, _body, source: ev.delete_event(record, kind, index, source),
    )  # fmt: skip


def _read(svc: Service, patient_id: str, number: int | None, as_of: Any) -> Any:
    version = (
        svc.store.head(patient_id) if number is None else svc.store.version(patient_id, number)
    )
    result = svc.store.checker.result(patient_id, version.version, version.record, as_of)
    if isinstance(result, list):  # a stored version always passed its checks
        raise Problem(500, "stored-record-unreadable", "a stored version no longer loads")
    return version, result, view(svc, version, result)


@router.get("/{patient_id}")
async def read_patient(
    user: Annotated[User, caller(Action.READ_PATIENT)],
    svc: ServiceDep,
    patient_id: PatientId,
    as_of: Annotated[str | None, Query(description="re-check as of this date (YYYY-MM-DD)")] = None,
    version: Annotated[
        int | None, Query(ge=1, le=MAX_VERSION, description="read this version")
    ] = None,
) -> Any:
    """The current record (or ?version=N), its findings as of today (or ?as_of=)."""
    day = parse_as_of(as_of)
    stored, _, answer = await _run(_read, svc, patient_id, version, day)
    return json_answer(answer, 200, {"ETag": stored.etag})


def _history(svc: Service, patient_id: str) -> dict[str, Any]:
    versions = svc.store.history(patient_id)
    out, before, record = [], None, None
    for version in versions:
        findings = version.findings["findings"]
        out.append(
            {
                **version.summary(),
                "checked_as_of": version.checked_as_of,
                "patch": version.patch,
                "old_values": old_values(record, version.patch) if record else {},
                "finding_changes": finding_changes(before, findings),
            }
        )
        before, record = findings, version.record
    reviews = review_log(svc.database, patient_id)
    return {"patient_id": patient_id, "versions": out, "reviews": reviews}


@router.get("/{patient_id}/history")
async def patient_history(
    user: Annotated[User, caller(Action.READ_PATIENT)],
    svc: ServiceDep,
    patient_id: PatientId,
) -> Any:
    """Every version: who, when (UTC), why, the JSON Patch from the one before, finding changes;
    and every review of the patient's findings (who, when, which finding, the comment)."""
    return json_answer(await _run(_history, svc, patient_id))


REVIEW = {
    "rule": Field(str, True, "a rule code, such as TRT001"),
    "instance": Field(str, False, "the finding's instance, such as /sorafenib/2"),
    "action": Field(str, True, " or ".join(ACTIONS)),
    "comment": Field(str, True, "the monitor's comment"),
}


@router.post("/{patient_id}/reviews", status_code=201, openapi_extra=body_doc("review"))
async def review_finding(
    user: Annotated[User, caller(Action.REVIEW)],
    svc: ServiceDep,
    request: Request,
    patient_id: PatientId,
) -> Any:
    """Acknowledge a deviation or close a query on the patient's current findings."""
    body = envelope(await read_json(request, svc.body_limit), REVIEW)
    if body["action"] not in ACTIONS:
        raise Problem(
            422,
            "invalid-request",
            "unknown review action",
            [{"pointer": "/action", "message": "unknown action", "expected": " or ".join(ACTIONS)}],
        )
    stored, result, _ = await _run(_read, svc, patient_id, None, None)
    return await run_in_threadpool(
        add_review,
        svc.database,
        patient_id,
        stored.version,
        result.to_dict()["findings"],
        body["rule"],
        body.get("instance"),
        body["action"],
        body["comment"],
        user.name,
        reviews_ignore(svc.pack.params),
    )
