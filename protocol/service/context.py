"""What every endpoint shares: the store, the pack, the limits, and who is calling.

:func:`caller` is the authentication dependency: a missing or unknown bearer
token is a 401, a known user whose role may not take the endpoint's action a
403. Endpoints declare their action (see ``auth.PERMISSIONS``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from protocol.packs import Pack
from protocol.service.auth import PERMISSIONS, Action, Authenticator, User
from protocol.service.database import Database
from protocol.service.problems import Problem
from protocol.service.sessions import session_user
from protocol.service.store import PatientStore

__all__ = [
    "Service",
    "ServiceDep",
    "caller",
    "json_answer",
    "parse_as_of",
    "parse_if_match",
    "service",
]

_bearer = HTTPBearer(auto_error=False, description="a token from `tacecheck user add`")


@dataclass(slots=True)
class Service:
    database: Database
    store: PatientStore
    pack: Pack
    body_limit: int
    authenticator: Authenticator
    sessions: Any = None  # protocol.service.sessions.Sessions: the web page's sign-ins


def json_answer(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response serialised by ``json`` directly (FastAPI's encoder is slow on findings)."""
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return Response(text.encode("utf-8"), status, headers, media_type="application/json")


def service(request: Request) -> Service:
    return request.app.state.service  # type: ignore[no-any-return]


ServiceDep = Annotated[Service, Depends(service)]


def caller(action: Action) -> Any:
    """A dependency that authenticates the request and checks the role may take ``action``."""

    async def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> User:
        svc = service(request)
        user: User | None = None
        if credentials is None and svc.sessions is not None:
            user = session_user(request, svc.sessions)  # the web page's cookie, or None
        if user is None:
            if credentials is None or credentials.scheme.lower() != "bearer":
                raise Problem(
                    401, "unauthenticated", "send a bearer token: Authorization: Bearer TOKEN"
                )
            user = svc.authenticator.remembered(credentials.credentials)
            if user is None:
                user = await run_in_threadpool(svc.authenticator, credentials.credentials)
            if user is None:
                raise Problem(401, "unauthenticated", "the bearer token is not known")
        if user.role not in PERMISSIONS[action]:
            allowed = ", ".join(sorted(PERMISSIONS[action]))
            raise Problem(
                403,
                "forbidden",
                f"role {user.role} may not {action.value.replace('_', ' ')}; allowed: {allowed}",
            )
        request.state.user = user.name
        return user

    dependency.__name__ = f"caller_{action.value}"
    return Depends(dependency)


def parse_as_of(text: str | None, name: str = "as_of") -> date | None:
    if text is None:
        return None
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise Problem(
            422,
            "invalid-request",
            f"{name} is not a full date",
            [{"pointer": f"#/query/{name}", "message": "not a date", "expected": "YYYY-MM-DD"}],
        ) from None


def parse_if_match(header: str | None, required: bool = True) -> int | None:
    """The version an If-Match header names (``"3"``), None when absent and optional."""
    if header is None:
        if required:
            raise Problem(
                428,
                "if-match-required",
                'an update must name the version it replaces: send If-Match: "N" with the '
                "ETag of the version you read",
            )
        return None
    value = header.strip()
    if value.startswith('"') and value.endswith('"') and len(value) >= 2:
        value = value[1:-1]
    if not value.isdigit() or len(value) > 9:
        raise Problem(
            400,
            "bad-if-match",
            'If-Match must be the ETag of a version, such as "3"',
            [{"pointer": "#/header/If-Match", "message": "not a version ETag", "expected": '"N"'}],
        )
    return int(value)
