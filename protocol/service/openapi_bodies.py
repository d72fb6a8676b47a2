"""The request bodies in the OpenAPI 3.1 document.

Bodies are read as bytes by the strict reader (``bodies.read_json``), so
FastAPI cannot infer their shape; each endpoint names its body here and the
patient record's JSON Schema (``schemas/patient-record.schema.json``) goes
into ``components/schemas`` with its ``$defs`` beside it.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from protocol._resources import schema_path
from protocol.service.events import EVENT_KINDS

__all__ = ["body_doc", "install_openapi"]

_RECORD = {"$ref": "#/components/schemas/PatientRecord"}
_REASON = {"type": "string", "minLength": 1, "maxLength": 2000}
_EVENT = {
    "description": "the event: an object (a TACE, an imaging result, a dosing period, an "
    "adverse event, a withdrawal, the diagnosis) or a date (death, last contact, cut-off)",
    "oneOf": [{"type": "object"}, {"type": "string"}],
}


def _object(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": required,
        "properties": properties,
    }


BODIES: dict[str, dict[str, Any]] = {
    "check": {
        "description": "one patient record, or a list of them",
        "oneOf": [_RECORD, {"type": "array", "items": _RECORD, "maxItems": 1000}],
    },
    "create": _object({"record": _RECORD, "reason": _REASON}, ["record"]),
    "update": _object({"record": _RECORD, "reason": _REASON}, ["record", "reason"]),
    "add_event": _object(
        {"kind": {"enum": list(EVENT_KINDS)}, "event": _EVENT, "reason": _REASON},
        ["kind", "event"],
    ),
    "check_event": _object(
        {
            "kind": {"enum": list(EVENT_KINDS)},
            "event": _EVENT,
            "index": {"type": "integer", "minimum": 0, "maximum": 100000},
        },
        ["kind", "event"],
    ),
    "session": _object({"token": {"type": "string", "minLength": 1, "maxLength": 200}}, ["token"]),
    "correct_event": _object({"event": _EVENT, "reason": _REASON}, ["event", "reason"]),
    "delete_event": _object({"reason": _REASON}, ["reason"]),
    "review": _object(
        {
            "rule": {"type": "string", "pattern": "^[A-Z]{2,4}[0-9]{3}$"},
            "instance": {"type": "string"},
            "action": {"enum": ["acknowledge", "close"]},
            "comment": {"type": "string", "minLength": 1, "maxLength": 4000},
        },
        ["rule", "action", "comment"],
    ),
    "user": _object(
        {
            "name": {"type": "string", "pattern": "^[A-Za-z0-9._@-]{1,64}$"},
            "role": {"enum": ["entry", "monitor", "admin"]},
        },
        ["name", "role"],
    ),
}


def body_doc(name: str) -> dict[str, Any]:
    """``openapi_extra`` for an endpoint whose JSON body is ``BODIES[name]``."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": BODIES[name]}},
        }
    }


def _rewrite(node: Any) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/"):
                out[key] = "#/components/schemas/PatientRecord_" + value[len("#/$defs/") :]
            else:
                out[key] = _rewrite(value)
        return out
    if isinstance(node, list):
        return [_rewrite(item) for item in node]
    return node


@cache
def record_components() -> dict[str, Any]:
    schema = json.loads(schema_path("patient-record").read_text(encoding="utf-8"))
    defs = schema.pop("$defs", {})
    for key in ("$schema", "$id"):
        schema.pop(key, None)
    out = {"PatientRecord": _rewrite(schema)}
    out.update({f"PatientRecord_{name}": _rewrite(value) for name, value in defs.items()})
    return out


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` carry the record schema among its components."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                openapi_version=app.openapi_version,
                description=app.description,
                routes=app.routes,
            )
            document.setdefault("components", {}).setdefault("schemas", {}).update(
                record_components()
            )
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
