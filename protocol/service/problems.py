"""Errors as RFC 9457 problem details (``application/problem+json``), with JSON Pointers.

Every error the service answers is a :class:`Problem`: a type URI under
``urn:tacecheck:problem:``, a title, the status, a detail in words, the
request id, and for input errors an ``errors`` list of ``{pointer, message,
expected?}`` where ``pointer`` is a JSON Pointer (RFC 6901) into the request
body (or names the parameter: ``#/query/as_of``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from protocol.findings import RecordError

__all__ = [
    "PROBLEM_JSON",
    "Problem",
    "install_handlers",
    "pointer_errors",
]

PROBLEM_JSON = "application/problem+json"

_TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Not allowed for this role",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    411: "Length required",
    412: "Precondition failed",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    428: "Precondition required",
    500: "Internal server error",
}


class Problem(Exception):
    """An error answer; raise it from any endpoint."""

    def __init__(
        self,
        status: int,
        kind: str,
        detail: str,
        errors: Iterable[dict[str, Any]] = (),
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.kind = kind
        self.detail = detail
        self.errors = list(errors)
        self.headers = headers or {}
        self.extra = extra

    def body(self, request_id: str | None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": f"urn:tacecheck:problem:{self.kind}",
            "title": _TITLES.get(self.status, "Error"),
            "status": self.status,
            "detail": self.detail,
        }
        if request_id:
            out["request_id"] = request_id
        if self.errors:
            out["errors"] = self.errors
        out.update(self.extra)
        return out

    def response(self, request: Request) -> JSONResponse:
        request_id = getattr(request.state, "request_id", None)
        headers = dict(self.headers)
        if self.status == 401:
            headers.setdefault("WWW-Authenticate", 'Bearer realm="tacecheck"')
        return JSONResponse(
            self.body(request_id), self.status, headers=headers, media_type=PROBLEM_JSON
        )


def pointer_errors(errors: Iterable[RecordError], prefix: str = "") -> list[dict[str, Any]]:
    """Record errors as problem ``errors`` entries, pointers relative to the request body."""
    out = []
    for error in errors:
        entry: dict[str, Any] = {"pointer": prefix + error.location, "message": error.message}
        if error.expected is not None:
            entry["expected"] = error.expected
        out.append(entry)
    return out


def _escape(part: Any) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def _validation(request: Request, error: RequestValidationError) -> JSONResponse:
    entries = []
    for item in error.errors():
        where, *path = item.get("loc", ("body",))
        pointer = "".join(f"/{_escape(p)}" for p in path)
        entry = {"pointer": pointer if where == "body" else f"#/{where}{pointer}"}
        entry["message"] = str(item.get("msg", "invalid"))
        entries.append(entry)
    problem = Problem(422, "invalid-request", "the request's parameters are not valid", entries)
    return problem.response(request)


def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
    kind = {404: "not-found", 405: "method-not-allowed"}.get(error.status_code, "http-error")
    detail = error.detail if isinstance(error.detail, str) else _TITLES.get(error.status_code, "")
    return Problem(error.status_code, kind, detail, headers=error.headers).response(request)


def _problem(request: Request, error: Problem) -> JSONResponse:
    return error.response(request)


def install_handlers(app: Any) -> None:
    app.add_exception_handler(Problem, _problem)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
