"""REDCap's Data Entry Trigger: ``POST /redcap/trigger/{secret}``, answered at once.

REDCap posts a form (``project_id``, ``username``, ``instrument``, ``record``,
``[instrument]_complete``, ``redcap_url``, ``project_url``, and when they apply
``redcap_event_name``, ``redcap_data_access_group``, ``redcap_repeat_instrument``,
``redcap_repeat_instance``) and neither waits nor retries. The endpoint accepts it only
for a configured (``redcap_url``, ``project_id``) pair whose secret is in the URL; any
other gets 403 and a log line (without the secret). An accepted trigger is queued, and
answered 202 with nothing else: the record itself is fetched back through the API by a
worker thread, never read from the body (see :mod:`protocol.redcap.intake`).

The service includes it with::

    from protocol.redcap.trigger import redcap_router
    app.include_router(redcap_router(load_live_config(path)))

The router's lifespan (merged into the app's by ``include_router``) stops the worker at
shutdown; the worker starts with the first trigger.
"""

from __future__ import annotations

import hmac
import queue
import re
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request, Response

from protocol.redcap.intake import LOGGER, Outcome, take_in
from protocol.redcap.live_config import LiveConfig, Project

__all__ = ["Job", "TriggerQueue", "redcap_router"]

REASON = "REDCap form saved"
_USER = re.compile(r"[A-Za-z0-9._@-]{1,56}")
_RECORD = re.compile(r"[A-Za-z0-9._-]{1,64}")
_BODY_LIMIT = 16 * 1024  # a trigger is a few hundred bytes


@dataclass(frozen=True, slots=True)
class Job:
    project: Project
    record: str
    username: str
    instrument: str
    instance: str | None
    event: str | None

    @property
    def reason(self) -> str:
        where = f"form {self.instrument}"
        if self.instance:
            where += f", instance {self.instance}"
        if self.event:
            where += f", event {self.event}"
        return f"{REASON} ({where})"


class TriggerQueue:
    """Jobs done one at a time by one daemon thread, in order; a failure is logged, not fatal."""

    def __init__(self, store_of: Any) -> None:
        self.store_of = store_of  # () -> the service's PatientStore
        self.jobs: queue.Queue[Job | None] = queue.Queue()
        self.done: list[Outcome] = []  # the last outcomes, newest last (bounded)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def put(self, job: Job) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._work, name="redcap-trigger", daemon=True
                )
                self._thread.start()
        self.jobs.put(job)

    def _work(self) -> None:
        while True:
            job = self.jobs.get()
            if job is None:
                return
            try:
                author = f"redcap:{job.username}"
                outcomes = take_in(job.project, self.store_of(), [job.record], author, job.reason)
                self.done = [*self.done[-99:], *outcomes]
            except Exception as error:
                LOGGER.error("project %s: trigger job failed: %s", job.project.name,
                             type(error).__name__)  # fmt: skip
            finally:
                self.jobs.task_done()

    def stop(self, timeout: float = 10.0) -> None:
        thread = self._thread
        if thread is not None and thread.is_alive():
            self.jobs.put(None)
            thread.join(timeout)


def _one(form: dict[str, list[str]], name: str) -> str | None:
    values = form.get(name)
    return values[0].strip() if values else None


def _refuse(reason: str, *details: Any) -> Response:
    LOGGER.warning("refused a REDCap trigger: " + reason, *details)
    return Response(status_code=403)


def redcap_router(config: LiveConfig, store_of: Any = None) -> APIRouter:
    """The trigger endpoint for the configured projects; ``store_of(request)`` gives the store
    (default: the service's, ``request.app.state.service.store``)."""
    holder: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        yield
        if "queue" in holder:
            holder["queue"].stop()

    router = APIRouter(tags=["REDCap"], lifespan=lifespan)

    def store_for(request: Request) -> Any:
        if store_of is not None:
            return store_of(request)
        return request.app.state.service.store

    def work_queue(request: Request) -> TriggerQueue:
        if "queue" not in holder:
            holder["queue"] = TriggerQueue(lambda: store_for(request))
            request.app.state.redcap_queue = holder["queue"]
        return holder["queue"]  # type: ignore[no-any-return]

    @router.post("/redcap/trigger/{secret}", status_code=202, include_in_schema=True)
    async def data_entry_trigger(secret: str, request: Request) -> Response:
        """REDCap's Data Entry Trigger (Project Setup > Additional customizations)."""
        body = await request.body()
        if len(body) > _BODY_LIMIT:
            return _refuse("a body of %d bytes", len(body))
        form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        url, pid = _one(form, "redcap_url") or "", _one(form, "project_id") or ""
        project = config.by_site(url, pid)
        if project is None:
            return _refuse("no configured project is redcap_url %r, project_id %r",
                           url[:200], pid[:20])  # fmt: skip
        if not hmac.compare_digest(secret.encode(), project.trigger_secret.encode()):
            return _refuse("project %s: the URL's secret is not the project's", project.name)
        record, user = _one(form, "record") or "", _one(form, "username") or ""
        instrument = _one(form, "instrument") or ""
        if not _RECORD.fullmatch(record) or not _USER.fullmatch(user) or not instrument:
            LOGGER.warning("project %s: a trigger without a usable record, username or "
                           "instrument", project.name)  # fmt: skip
            return Response(status_code=422)
        job = Job(project, record, user, instrument[:100],
                  (_one(form, "redcap_repeat_instance") or None),
                  (_one(form, "redcap_event_name") or None))  # fmt: skip
        work_queue(request).put(job)
        return Response(status_code=202)

    return router
