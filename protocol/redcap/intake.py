"""Fetch, map, check, store: what the trigger's worker and ``redcap sync`` do with a record.

The records are fetched back through the API (never taken from the trigger's body), mapped
with the project's mapping, checked and stored as a new version attributed to ``author``
with ``reason``. A record identical to the stored version is not stored again. A record
the mapping cannot turn into a canonical record is not stored: its problems are the
outcome, for the log (without values) and the sync report. With write-back on, the
findings not met go back to the ``tacecheck_findings`` instrument.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from protocol.findings import PatientResult, RecordError, Status
from protocol.redcap.client import RedcapClient, RedcapError
from protocol.redcap.live_config import Project
from protocol.redcap.reader import records_from_api
from protocol.redcap.writeback import FIELDS, finding_rows

__all__ = ["LOGGER", "Outcome", "client_for", "fetch_fields", "take_in"]

LOGGER = logging.getLogger("tacecheck.redcap")


@dataclass(slots=True)
class Outcome:
    """What happened to one REDCap record; ``problems`` never hold a patient value."""

    record_id: str
    status: str  # stored, unchanged, refused, missing, failed
    version: int | None = None
    not_met: int = 0
    written_back: int = 0
    problems: list[str] = field(default_factory=list)


def client_for(project: Project) -> RedcapClient:
    return RedcapClient(project.api_url, project.token)


def fetch_fields(project: Project) -> list[str]:
    """The fields to ask for: the record ID and every field the mapping reads (no others,
    so forms the site added, and tacecheck_findings itself, never reach the mapping)."""
    mapping = project.mapping
    return [mapping.record_id, *sorted(mapping.used_fields() - {mapping.record_id})]


def _problem_text(error: RecordError) -> str:
    return f"{error.source}: {error.location}: {error.message}" if error.location else (
        f"{error.source}: {error.message}"
    )  # fmt: skip


def _store(store: Any, record: dict[str, Any], author: str, reason: str) -> tuple[Any, Any, bool]:
    """(version, result, stored?) of storing ``record``; an identical record is not stored."""
    from protocol.service.store import AlreadyExists, NotFound, StaleVersion

    for _attempt in range(3):
        try:
            head = store.head(record["patient_id"])
        except NotFound:
            head = None
        try:
            if head is None:
                version, result = store.create(record, author, reason)
                return version, result, True
            if head.record == record:
                result = store.checker.result(head.patient_id, head.version, head.record, None)
                return head, result, False
            version, result = store.replace(
                head.patient_id, record, head.version, author, reason, "store", head
            )
            return version, result, True
        except (AlreadyExists, StaleVersion):
            continue  # another writer stored this patient meanwhile: read it again
    raise StaleVersion(0, 0)


def take_in(
    project: Project,
    store: Any,
    record_ids: Iterable[str],
    author: str,
    reason: str,
    client: RedcapClient | None = None,
) -> list[Outcome]:
    """Fetch ``record_ids`` from REDCap, check them and store them; one outcome per record."""
    from protocol.service.store import Refused, StaleVersion

    wanted = list(dict.fromkeys(str(item) for item in record_ids))
    if not wanted:
        return []
    client = client or client_for(project)
    try:
        rows = client.export_records(records=wanted, fields=fetch_fields(project))
    except RedcapError as error:
        LOGGER.error("project %s: %s", project.name, error)
        return [Outcome(record_id, "failed", problems=[str(error)]) for record_id in wanted]
    outcomes: dict[str, Outcome] = {}
    source = f"REDCap project {project.name}"
    for item in records_from_api(rows, project.mapping, source):
        if isinstance(item, RecordError):
            LOGGER.warning("project %s: a problem with the export: %s", project.name,
                           item.text(hide_values=True))  # fmt: skip
            continue
        if item.record_id not in wanted:
            continue  # REDCap sent a record that was not asked for: not ours to store
        if item.record is None:
            problems = [_problem_text(error) for error in item.errors]
            outcomes[item.record_id] = Outcome(item.record_id, "refused", problems=problems)
            continue
        try:
            version, result, stored = _store(store, item.record, author, reason)
        except Refused as error:
            problems = [_problem_text(e) for e in error.errors]
            outcomes[item.record_id] = Outcome(item.record_id, "refused", problems=problems)
            continue
        except StaleVersion:
            outcomes[item.record_id] = Outcome(
                item.record_id, "failed", problems=["other writers kept storing this patient"]
            )
            continue
        outcome = Outcome(item.record_id, "stored" if stored else "unchanged", version.version)
        if isinstance(result, PatientResult):
            outcome.not_met = sum(f.status == Status.NOT_MET for f in result.findings)
            if project.writeback:
                _write_back(project, client, item, result, version, outcome)
        outcomes[item.record_id] = outcome
    for record_id in wanted:
        outcomes.setdefault(record_id, Outcome(record_id, "missing", problems=[
            f"{source}: record {record_id} is not in REDCap's answer (deleted, or not "
            "visible to the API token's user)"
        ]))  # fmt: skip
    for outcome in outcomes.values():
        LOGGER.info("project %s: a record %s, version %s, %d not met, %d written back%s",
                    project.name, outcome.status, outcome.version, outcome.not_met,
                    outcome.written_back,
                    f", {len(outcome.problems)} problems" if outcome.problems else "")  # fmt: skip
    return [outcomes[record_id] for record_id in wanted]


def _write_back(
    project: Project, client: RedcapClient, item: Any, result: PatientResult, version: Any,
    outcome: Outcome,
) -> None:  # fmt: skip
    record_field = project.mapping.record_id
    try:
        held = client.export_records(records=[item.record_id], fields=[record_field, *FIELDS])
        rows = finding_rows(
            record_field, item.record_id, result, item.provenance, held, version.version,
            version.created_at[:19].replace("T", " "), project.writeback_event,
        )  # fmt: skip
        if rows:
            client.import_records(rows)
        outcome.written_back = len(rows)
    except RedcapError as error:
        outcome.problems.append(f"write-back: {error}")
        LOGGER.error("project %s: write-back failed: %s", project.name, error)
