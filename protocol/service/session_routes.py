"""The sign-in endpoints of the web page: ``POST``/``GET``/``DELETE /v1/session``.

See :mod:`protocol.service.sessions` for why the page holds a cookie, not the token.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from protocol.service.bodies import Field, envelope, read_json
from protocol.service.context import Service, ServiceDep, json_answer
from protocol.service.openapi_bodies import body_doc
from protocol.service.problems import Problem
from protocol.service.sessions import (
    COOKIE,
    CSRF_HEADER,
    SessionEntry,
    Sessions,
    require_csrf,
)

__all__ = ["router"]

router = APIRouter(prefix="/v1/session", tags=["session"])

SIGN_IN = {"token": Field(str, True, "the user's token, from `tacecheck user add`")}


def _describe(sessions: Sessions, entry: SessionEntry) -> dict[str, Any]:
    return {
        "user": entry.user.name,
        "role": str(entry.user.role),
        "csrf_token": entry.csrf,
        "expires_in": sessions.remaining(entry),
        "idle_timeout": int(sessions.idle),
    }


def _cookie(request: Request, value: str, max_age: int) -> str:
    secure = "; Secure" if request.url.scheme == "https" else ""
    return f"{COOKIE}={value}; Max-Age={max_age}; Path=/; HttpOnly; SameSite=Strict{secure}"


@router.post("", openapi_extra=body_doc("session"))
async def sign_in(svc: ServiceDep, request: Request) -> Any:
    """Exchange a user's token for a session cookie (HttpOnly) and a CSRF token."""
    body = envelope(await read_json(request, svc.body_limit), SIGN_IN)
    token = body["token"].strip()
    user = svc.authenticator.remembered(token) or (
        await run_in_threadpool(svc.authenticator, token) if token else None
    )
    if user is None:
        raise Problem(401, "unauthenticated", "that token is not known")
    session_id, entry = svc.sessions.start(user)
    headers = {
        "Set-Cookie": _cookie(request, session_id, int(svc.sessions.lifetime)),
        "Cache-Control": "no-store",
    }
    return json_answer(_describe(svc.sessions, entry), 201, headers)


def _current(svc: Service, request: Request, touch: bool = True) -> tuple[str, SessionEntry]:
    session_id = request.cookies.get(COOKIE, "")
    entry = svc.sessions.find(session_id, touch) if session_id else None
    if entry is None:
        raise Problem(401, "session-ended", "no session: sign in with your token")
    return session_id, entry


@router.get("")
async def read_session(svc: ServiceDep, request: Request, probe: bool = False) -> Any:
    """The signed-in user, their role, the CSRF token and the seconds left.

    Asking does not count as activity: a page that polls does not keep its session open.
    With ``?probe=true`` no session is an answer, not an error: 200 ``{"signed_in": false}``
    (the page's look-up on load, before anyone signed in)."""
    if probe:
        session_id = request.cookies.get(COOKIE, "")
        if not session_id or svc.sessions.find(session_id, False) is None:
            return json_answer({"signed_in": False}, 200, {"Cache-Control": "no-store"})
    _, entry = _current(svc, request, touch=False)
    return json_answer(_describe(svc.sessions, entry), 200, {"Cache-Control": "no-store"})


@router.delete("", status_code=204, response_class=Response)
async def sign_out(svc: ServiceDep, request: Request) -> Response:
    """End the session: the cookie no longer signs anyone in, even if a copy is kept."""
    session_id, entry = _current(svc, request)
    require_csrf(request, entry, f"signing out needs the {CSRF_HEADER} header")
    svc.sessions.end(session_id)
    return Response(status_code=204, headers={"Set-Cookie": _cookie(request, "", 0)})
