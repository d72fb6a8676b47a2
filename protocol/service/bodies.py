"""Request bodies: size limit (413), media type (415), the CLI's strict JSON, envelopes.

Bodies are read as bytes and decoded by ``protocol.records.json_input``, the
reader the command line uses, so a duplicate key, ``NaN`` or absurd nesting
is refused here exactly as it is in a file. The envelope of each endpoint
(``{"record": ..., "reason": ...}``) is checked field by field with JSON
Pointers; unknown fields are refused, as in a record.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from protocol.records.json_input import JsonProblem, decode_record
from protocol.service.problems import Problem
from protocol.service.settings import DEFAULT_BODY_LIMIT

__all__ = ["DEFAULT_BODY_LIMIT", "Field", "envelope", "read_json"]


def too_large(limit: int) -> Problem:
    return Problem(
        413,
        "body-too-large",
        f"the request body is over the limit of {limit:,} bytes; "
        "a patient record is a few kilobytes",
    )


async def read_json(request: Request, limit: int) -> Any:
    """The request's JSON body, decoded strictly, or a problem (400, 413, 415)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise Problem(
            415,
            "unsupported-media-type",
            "send the body as JSON with the header Content-Type: application/json",
        )
    size, chunks = 0, []
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
    try:
        return decode_record(b"".join(chunks), max_bytes=limit)
    except JsonProblem as problem:
        entry: dict[str, Any] = {"pointer": problem.pointer, "message": problem.message}
        if problem.line is not None:
            entry.update(line=problem.line, column=problem.column)
        raise Problem(400, "malformed-json", problem.message, [entry]) from None


class Field:
    """One member of an envelope: its JSON type, and whether it must be there."""

    def __init__(
        self, kind: type | tuple[type, ...], required: bool = False, words: str = ""
    ) -> None:
        self.kind = kind
        self.required = required
        self.words = words


def _type_ok(value: Any, kind: type | tuple[type, ...]) -> bool:
    if isinstance(value, bool) and kind in (int, (int,)):
        return False
    return isinstance(value, kind)


def envelope(body: Any, fields: dict[str, Field]) -> dict[str, Any]:
    """The body as a checked dict, or a 422 problem naming each wrong member."""
    if not isinstance(body, dict):
        raise Problem(
            422,
            "invalid-request",
            "the request body must be a JSON object",
            [
                {
                    "pointer": "",
                    "message": "not a JSON object",
                    "expected": "an object with " + ", ".join(fields),
                }
            ],
        )
    errors = []
    for name in body:
        if name not in fields:
            errors.append(
                {
                    "pointer": f"/{name.replace('~', '~0').replace('/', '~1')}",
                    "message": "unknown member",
                    "expected": "one of " + ", ".join(fields),
                }
            )
    for name, field in fields.items():
        if name not in body:
            if field.required:
                errors.append(
                    {"pointer": f"/{name}", "message": "missing", "expected": field.words}
                )
        elif not _type_ok(body[name], field.kind):
            errors.append({"pointer": f"/{name}", "message": "wrong type", "expected": field.words})
        elif isinstance(body[name], str) and field.required and not body[name].strip():
            errors.append({"pointer": f"/{name}", "message": "empty", "expected": field.words})
    if errors:
        raise Problem(422, "invalid-request", "the request body is not valid", errors)
    return body
