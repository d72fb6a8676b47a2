"""Endpoints across patients: stateless check, list, worklist, listings, users, audit."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

import protocol
from protocol.cohort import CohortSummary, eligibility_steps
from protocol.findings import PatientResult, RecordError
from protocol.render import RenderOptions
from protocol.render.deviation_log import DeviationLogRenderer
from protocol.render.queries import QueryListingRenderer
from protocol.service import audit
from protocol.service.auth import Action, User, UserExists, add_user, list_users
from protocol.service.bodies import Field, envelope, read_json
from protocol.service.context import Service, ServiceDep, caller, json_answer, parse_as_of
from protocol.service.openapi_bodies import body_doc
from protocol.service.problems import Problem
from protocol.service.views import due_windows, next_due

__all__ = ["router"]

router = APIRouter(prefix="/v1")

Site = Annotated[str | None, Query(max_length=64, description="only this site")]
AsOf = Annotated[str | None, Query(description="as of this date (YYYY-MM-DD); default today")]


def _check(svc: Service, body: Any, as_of: date | None) -> dict[str, Any]:
    records = body if isinstance(body, list) else [body]
    single = not isinstance(body, list)
    summary, patients, errors = CohortSummary(), [], []
    steps = eligibility_steps(svc.pack)
    seen: dict[str, str] = {}  # patient_id -> the item that had it: a patient is checked once
    for index, record in enumerate(records):
        source = "" if single else f"/{index}"
        result: PatientResult | list[RecordError]
        if isinstance(record, dict):
            result = protocol.check(record, as_of, svc.pack, source or "request")
        else:
            result = [RecordError(source or "request", "", "a patient record is a JSON object")]
        if not isinstance(result, list) and result.patient_id in seen:
            first = seen[result.patient_id]
            message = (
                f"patient {result.patient_id} was already checked from {first}; "
                "this record was not checked"
            )
            result = [RecordError(source, "/patient_id", message, patient_id=result.patient_id)]
        elif not isinstance(result, list):
            seen[result.patient_id] = source or "request"
        if isinstance(result, list):
            summary.add_errors(result)
            errors.extend(e.to_dict() for e in result)
        else:
            summary.add(result, steps)
            patients.append(result.to_dict())
    return {
        "protocol": {"id": svc.pack.id, "version": svc.pack.version},
        "as_of": as_of.isoformat() if as_of else None,
        "patients": patients,
        "errors": errors,
        "summary": summary.to_dict(svc.pack),
    }


@router.post("/check", tags=["check"], openapi_extra=body_doc("check"))
async def check_records(
    user: Annotated[User, caller(Action.CHECK)],
    svc: ServiceDep,
    request: Request,
    as_of: AsOf = None,
) -> Any:
    """Check one record or a list without storing anything: the CLI's JSON report."""
    day = parse_as_of(as_of)
    body = await read_json(request, svc.body_limit)
    if isinstance(body, list) and len(body) > 1000:
        raise Problem(422, "too-many-records", "check at most 1000 records per request")
    return json_answer(await run_in_threadpool(_check, svc, body, day))


def _current(svc: Service, site: str | None, cohort: str | None, as_of: date | None) -> Any:
    for patient_id, number, _site, _cohort in svc.store.heads(site, cohort):
        version = svc.store.version(patient_id, number)
        result = svc.store.checker.result(patient_id, number, version.record, as_of)
        if isinstance(result, PatientResult):
            yield version, result


def _list(svc: Service, filters: dict[str, Any], limit: int, offset: int) -> dict[str, Any]:
    items = []
    for version, result in _current(svc, filters["site"], filters["cohort"], filters["as_of"]):
        patient = result.to_dict()
        if filters["eligibility"] and patient["eligibility"] != filters["eligibility"]:
            continue
        if filters["group"] and patient["group"] != filters["group"]:
            continue
        items.append(
            {
                "patient_id": version.patient_id,
                "site_id": patient.get("site_id"),
                "cohort": patient["cohort"],
                "version": version.version,
                "eligibility": patient["eligibility"],
                "group": patient["group"],
                "not_met": sum(1 for f in patient["findings"] if f["status"] == "not_met"),
                "next_due": next_due(patient),
                "as_of": patient["as_of"],
            }
        )
    return {
        "total": len(items),
        "limit": limit,
        "offset": offset,
        "items": items[offset : offset + limit],
    }


@router.get("/patients", tags=["patients"])
async def list_patients(
    user: Annotated[User, caller(Action.READ_STUDY)],
    svc: ServiceDep,
    site: Site = None,
    cohort: Annotated[
        str | None, Query(pattern="^(sorafenib_after_tace|tace_alone_control)$")
    ] = None,
    eligibility: Annotated[
        str | None, Query(pattern="^(eligible|ineligible|undetermined|pending)$")
    ] = None,
    group: Annotated[str | None, Query(max_length=64)] = None,
    as_of: AsOf = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Any:
    """Stored patients by id: site, arm, eligibility, group, count not met, next due date."""
    filters = {
        "site": site,
        "cohort": cohort,
        "eligibility": eligibility,
        "group": group,
        "as_of": parse_as_of(as_of),
    }
    return json_answer(await run_in_threadpool(_list, svc, filters, limit, offset))


def _worklist(svc: Service, site: str | None, as_of: date | None, until: date | None) -> Any:
    entries = []
    for _version, result in _current(svc, site, None, as_of):
        for entry in due_windows(result.to_dict(), as_of):
            if until is None or (entry["due_date"] is not None and entry["due_date"] <= str(until)):
                entries.append(entry)
    entries.sort(key=lambda e: (e["due_date"] is None, e["due_date"] or "", e["patient_id"]))
    return {"as_of": as_of.isoformat() if as_of else None, "items": entries}


@router.get("/worklist", tags=["study"])
async def worklist(
    user: Annotated[User, caller(Action.READ_STUDY)],
    svc: ServiceDep,
    site: Site = None,
    as_of: AsOf = None,
    due_by: Annotated[str | None, Query(description="only windows due by this date")] = None,
) -> Any:
    """Every pending window across stored patients, soonest due first."""
    day, until = parse_as_of(as_of), parse_as_of(due_by, "due_by")
    return json_answer(await run_in_threadpool(_worklist, svc, site, day, until))


def _listing(svc: Service, which: str, site: str | None, as_of: date | None) -> list[list[str]]:
    renderer_type = DeviationLogRenderer if which == "deviations" else QueryListingRenderer
    renderer = renderer_type(svc.pack, RenderOptions())
    text = renderer.begin()
    for version, result in _current(svc, site, None, as_of):
        text += renderer.patient(result, version.record)
    # The report's CSV starts with a byte-order mark (for spreadsheets): not a column name.
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


async def _listing_answer(svc: Service, which: str, site: Any, as_of: Any, fmt: str) -> Any:
    rows = await run_in_threadpool(_listing, svc, which, site, parse_as_of(as_of))
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8")
    header, *body = rows
    return {"columns": header, "items": [dict(zip(header, row, strict=False)) for row in body]}


Format = Annotated[str, Query(pattern="^(json|csv)$")]


@router.get("/listings/deviations", tags=["study"])
async def deviation_log(
    user: Annotated[User, caller(Action.LISTINGS)],
    svc: ServiceDep,
    site: Site = None,
    as_of: AsOf = None,
    format: Format = "json",
) -> Any:
    """The protocol deviation log over the stored patients (SDTM DV layout)."""
    return await _listing_answer(svc, "deviations", site, as_of, format)


@router.get("/listings/queries", tags=["study"])
async def query_listing(
    user: Annotated[User, caller(Action.LISTINGS)],
    svc: ServiceDep,
    site: Site = None,
    as_of: AsOf = None,
    format: Format = "json",
) -> Any:
    """The data queries to send to each site, over the stored patients."""
    return await _listing_answer(svc, "queries", site, as_of, format)


USER = {
    "name": Field(str, True, "1-64 letters, digits, '.', '_', '@' or '-'"),
    "role": Field(str, True, "entry, monitor or admin"),
}


@router.post("/users", status_code=201, tags=["admin"], openapi_extra=body_doc("user"))
async def create_user(
    user: Annotated[User, caller(Action.MANAGE_USERS)],
    svc: ServiceDep,
    request: Request,
) -> Any:
    """Add a user; the answer holds the token, shown this once and never again."""
    body = envelope(await read_json(request, svc.body_limit), USER)
    if body["role"] not in ("entry", "monitor", "admin"):
        raise Problem(
            422,
            "invalid-request",
            "unknown role",
            [
                {
                    "pointer": "/role",
                    "message": "unknown role",
                    "expected": "entry, monitor or admin",
                }
            ],
        )
    try:
        token = await run_in_threadpool(
            add_user, svc.database, body["name"], body["role"], user.name
        )
    except UserExists as error:
        raise Problem(409, "user-exists", str(error)) from None
    except ValueError as error:
        raise Problem(
            422, "invalid-request", str(error), [{"pointer": "/name", "message": str(error)}]
        ) from None
    return {"name": body["name"], "role": body["role"], "token": token}


@router.get("/users", tags=["admin"])
async def users(
    user: Annotated[User, caller(Action.MANAGE_USERS)],
    svc: ServiceDep,
) -> Any:
    """The users and their roles (never their tokens)."""
    return {"items": await run_in_threadpool(list_users, svc.database)}


@router.get("/audit/verify", tags=["admin"])
async def verify_audit(
    user: Annotated[User, caller(Action.VERIFY_AUDIT)],
    svc: ServiceDep,
) -> Any:
    """Recompute the audit trail's hash chain and compare every version it records."""
    return (await run_in_threadpool(audit.verify, svc.database)).to_dict()
