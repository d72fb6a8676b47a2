"""The request log and the outermost guards: request id, body size, unexpected errors.

One line per request: method, route template (``/v1/patients/{patient_id}``,
never the path itself, which holds a patient id), status, duration and the
request id (the client's ``X-Request-ID`` when it is a plain token, else a
new one; it is echoed back). Query strings, bodies, tokens and exception
messages are never logged: an unexpected error is logged by its type only.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

from protocol.service.problems import PROBLEM_JSON, Problem

__all__ = ["LOGGER_NAME", "RequestLog"]

LOGGER_NAME = "tacecheck.service"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class RequestLog:
    """Pure ASGI middleware (cheaper than Starlette's BaseHTTPMiddleware)."""

    def __init__(self, app: Any, body_limit: int) -> None:
        self.app = app
        self.body_limit = body_limit
        self.log = logging.getLogger(LOGGER_NAME)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        sent = {"status": 500, "started": False}

        async def send_with_id(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                sent["status"], sent["started"] = message["status"], True
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", request_id.encode("ascii")),
                ]
            await send(message)

        try:
            length = headers.get(b"content-length")
            if length is not None and (not length.isdigit() or int(length) > self.body_limit):
                problem = Problem(
                    413 if length.isdigit() else 400,
                    "body-too-large" if length.isdigit() else "bad-content-length",
                    f"the request body is over the limit of {self.body_limit:,} bytes"
                    if length.isdigit()
                    else "the Content-Length header is not a number",
                )
                await self._answer(send_with_id, problem, request_id)
            else:
                await self.app(scope, receive, send_with_id)
        except Exception as error:  # logged by type only: messages may hold patient values
            self.log.error("unhandled %s request_id=%s", type(error).__name__, request_id)
            if not sent["started"]:
                problem = Problem(
                    500,
                    "internal-error",
                    "the service failed on this request; give the request id to the "
                    "administrator, and read the patient back to see what is stored",
                )
                await self._answer(send_with_id, problem, request_id)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "(no route)"
            self.log.info(
                "%s %s %s %.1fms request_id=%s",
                scope["method"],
                template,
                sent["status"],
                (time.perf_counter() - started) * 1000,
                request_id,
            )

    @staticmethod
    async def _answer(send: Any, problem: Problem, request_id: str) -> None:
        body = json.dumps(problem.body(request_id)).encode("utf-8")
        await send(
            {
                "type": "http.response.start",
                "status": problem.status,
                "headers": [
                    (b"content-type", PROBLEM_JSON.encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
