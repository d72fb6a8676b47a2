"""What the web page needs beyond the API: the page itself, a dry run, the picture, the review.

- ``GET /`` is the page (``web/index.html``), ``/web/...`` its script and style sheet:
  all in the package, nothing fetched from elsewhere (the Content-Security-Policy
  allows only this origin);
- ``POST /v1/patients/{id}/events/check`` checks an event against the current record
  exactly as storing it would, and stores nothing: the form's errors as the user types,
  with the messages the store would give, each with the pointer inside the event;
- ``GET /v1/patients/{id}/timeline`` is the HTML report's timeline of the current
  version (``image/svg+xml``);
- ``GET /v1/review`` is the monitor's overview: every open deviation and query of the
  stored patients, with its review state, by site.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles

from protocol.findings import PatientResult
from protocol.render.timeline_svg import timeline_svg
from protocol.service import events as ev
from protocol.service.auth import Action, User
from protocol.service.bodies import Field, envelope, read_json
from protocol.service.context import Service, ServiceDep, caller, json_answer
from protocol.service.openapi_bodies import body_doc
from protocol.service.patient_routes import PatientId
from protocol.service.problems import Problem, pointer_errors
from protocol.service.reviews import review_states, reviews_ignore
from protocol.service.store import NotFound, Refused, Version
from protocol.service.study_routes import Site

__all__ = ["ASSETS", "install_web", "router"]

ASSETS = Path(__file__).resolve().parent / "web"

# Only this origin: no CDN, no inline script, no frames, no form posts elsewhere.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}

router = APIRouter(prefix="/v1", tags=["web"])

CHECK = {
    "kind": Field(str, True, "one of " + ", ".join(ev.EVENT_KINDS)),
    "event": Field((dict, str), True, "the event: an object, or a date for a single-date kind"),
    "index": Field(int, False, "the event corrected (kind/index); absent for a new event"),
}


def _head(svc: Service, patient_id: str) -> Version:
    try:
        return svc.store.head(patient_id)
    except NotFound as error:
        raise Problem(404, "patient-not-found", str(error)) from None


def _event_base(kind: str, index: int | None, single: bool) -> str:
    """The pointer, inside the record, of the event being entered."""
    return f"/{kind}" if single else f"/{kind}/{index}"


def _dry_run(svc: Service, patient_id: str, body: dict[str, Any]) -> dict[str, Any]:
    current = _head(svc, patient_id)
    kind, event, index = body["kind"], body["event"], body.get("index")
    source = f"patients/{patient_id}"
    single = kind in ev.SINGLE_KINDS
    try:
        if index is None:
            candidate = ev.add_event(current.record, kind, event, source)
            index = None if single else len(candidate[kind]) - 1
        else:
            candidate = ev.correct_event(current.record, kind, index, event, source)
        result = svc.store.checker.check_new(candidate, f"{source}/versions/{current.version + 1}")
        if isinstance(result, list):
            raise Refused(result)
    except ev.EventProblem as problem:
        errors = pointer_errors([problem.error])
        return {"version": current.version, "valid": False, "errors": errors}
    except Refused as refused:
        base = _event_base(kind, index, single)
        errors = pointer_errors(refused.errors)
        for error in errors:
            pointer = error["pointer"]
            inside = pointer == base or pointer.startswith(base + "/")
            error["field"] = pointer[len(base) :] if inside else None
        return {"version": current.version, "valid": False, "errors": errors}
    assert isinstance(result, PatientResult)
    findings = result.to_dict()["findings"]
    return {"version": current.version, "valid": True, "errors": [], "findings": findings}


@router.post("/patients/{patient_id}/events/check", openapi_extra=body_doc("check_event"))
async def check_event(
    user: Annotated[User, caller(Action.CHECK)],
    svc: ServiceDep,
    request: Request,
    patient_id: PatientId,
) -> Any:
    """Check an event (new, or a correction of kind/index) as storing it would; store nothing.

    ``valid`` false lists the errors the store would refuse it with; each has ``pointer``
    (in the record) and ``field`` (the pointer inside the event, ``""`` for the event
    itself, null when the error is elsewhere in the record)."""
    body = envelope(await read_json(request, svc.body_limit), CHECK)
    if body.get("index") is not None and not 0 <= body["index"] <= 100_000:
        raise Problem(
            422,
            "invalid-request",
            "index is out of range",
            [{"pointer": "/index", "message": "out of range", "expected": "0 to 100000"}],
        )
    return json_answer(await run_in_threadpool(_dry_run, svc, patient_id, body))


def _timeline(svc: Service, patient_id: str) -> str:
    version = _head(svc, patient_id)
    result = svc.store.checker.result(patient_id, version.version, version.record, None)
    if not isinstance(result, PatientResult):
        raise Problem(500, "stored-record-unreadable", "a stored version no longer loads")
    return timeline_svg(version.record, result, svc.pack.params).svg


@router.get("/patients/{patient_id}/timeline", response_class=Response)
async def patient_timeline(
    user: Annotated[User, caller(Action.READ_PATIENT)],
    svc: ServiceDep,
    patient_id: PatientId,
) -> Response:
    """The HTML report's timeline of the current version, as SVG (empty: nothing dated)."""
    svg = await run_in_threadpool(_timeline, svc, patient_id)
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


REVIEWED_KINDS = {"deviation": "deviations", "safety": "deviations", "data": "queries"}


def _review(svc: Service, site: str | None) -> dict[str, Any]:
    sites: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for patient_id, number, site_id, _cohort in svc.store.heads(site, None):
        version = svc.store.version(patient_id, number)
        result = svc.store.checker.result(patient_id, number, version.record, None)
        if not isinstance(result, PatientResult):
            continue
        findings = result.to_dict()["findings"]
        states = {
            (r["rule"], r["instance"]): r
            for r in review_states(
                svc.database, patient_id, findings, reviews_ignore(svc.pack.params)
            )
        }
        for finding in findings:
            listing = REVIEWED_KINDS.get(finding["kind"])
            if finding["status"] != "not_met" or listing is None:
                continue
            review = states.get((finding["rule"], finding.get("instance")))
            entry = sites.setdefault(site_id or "", {"deviations": [], "queries": []})
            entry[listing].append(
                {
                    "patient_id": patient_id,
                    "rule": finding["rule"],
                    "instance": finding.get("instance"),
                    "name": finding["name"],
                    "kind": finding["kind"],
                    "importance": finding.get("importance"),
                    "message": finding["message"],
                    "review": review,
                }
            )
    return {"sites": [{"site_id": key, **sites[key]} for key in sorted(sites)]}


@router.get("/review")
async def review_overview(
    user: Annotated[User, caller(Action.LISTINGS)],
    svc: ServiceDep,
    site: Site = None,
) -> Any:
    """Open deviations and queries of the stored patients by site, with their review state."""
    return json_answer(await run_in_threadpool(_review, svc, site))


class _Assets(StaticFiles):
    """The page's files, revalidated on every load: an upgraded package is seen at once."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "no-cache"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def install_web(app: Any) -> None:
    """Serve the page at ``/`` and its assets at ``/web``."""

    async def page() -> Response:
        return FileResponse(ASSETS / "index.html", headers=PAGE_HEADERS)

    app.add_api_route("/", page, methods=["GET"], include_in_schema=False)
    app.mount("/web", _Assets(directory=ASSETS), name="web")
