"""The FastAPI application: routes, problem+json errors, offline docs, the request log,
the web page at ``/`` and its sign-in sessions."""

from __future__ import annotations

from typing import Any

from fastapi_offline import FastAPIOffline

from protocol.packs import Pack, load_pack
from protocol.service.auth import Authenticator
from protocol.service.context import Service
from protocol.service.database import Database
from protocol.service.openapi_bodies import install_openapi
from protocol.service.patient_routes import router as patient_router
from protocol.service.problems import install_handlers
from protocol.service.request_log import RequestLog
from protocol.service.session_routes import router as session_router
from protocol.service.sessions import Sessions
from protocol.service.settings import (
    DEFAULT_BODY_LIMIT,
    SESSION_IDLE_SECONDS,
    SESSION_LIFETIME_SECONDS,
)
from protocol.service.store import PatientStore
from protocol.service.study_routes import router as study_router
from protocol.service.web_routes import install_web
from protocol.service.web_routes import router as web_router

__all__ = ["create_app"]

DESCRIPTION = """The tacecheck service: the system of record for protocol checks.

Every endpoint under /v1 needs `Authorization: Bearer TOKEN` (a token from
`tacecheck user add`). Every store is a new version; an update names the
version it replaces with `If-Match` and a stale one gets 412. Errors are
RFC 9457 problem details with JSON Pointers."""


def create_app(
    database: Database,
    pack: Pack | str | None = None,
    body_limit: int = DEFAULT_BODY_LIMIT,
    sessions: Sessions | None = None,
    redcap: Any = None,
) -> Any:
    """The service's app; ``redcap`` (a ``protocol.redcap.live_config`` config) adds the
    REDCap Data Entry Trigger at ``/redcap/trigger/{secret}``."""
    loaded = pack if isinstance(pack, Pack) else load_pack(pack or "tamai-2017")
    app = FastAPIOffline(
        title="tacecheck",
        version="1",
        description=DESCRIPTION,
        static_url="/docs-assets",
    )
    app.state.service = Service(
        database,
        PatientStore(database, loaded),
        loaded,
        body_limit,
        Authenticator(database),
        sessions or Sessions(SESSION_IDLE_SECONDS, SESSION_LIFETIME_SECONDS),
    )
    install_handlers(app)
    app.include_router(session_router)
    app.include_router(web_router)  # before the patient routes: /events/check is not an index
    app.include_router(study_router)
    app.include_router(patient_router)
    if redcap is not None:
        from protocol.redcap.trigger import redcap_router

        app.include_router(redcap_router(redcap))
    install_web(app)
    install_openapi(app)
    app.add_middleware(RequestLog, body_limit=body_limit)
    return app
