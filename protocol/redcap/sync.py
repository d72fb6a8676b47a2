"""``tacecheck redcap sync``: the records changed since the last sync, checked and stored.

REDCap sends no Data Entry Trigger for an API or CSV import, so sync asks for the records
created or changed after the last sync (``dateRangeBegin``, in the REDCap server's time
zone) and takes them in as the trigger's worker does. Each sync starts a little before the
last one began (:data:`OVERLAP`): a record seen twice is identical the second time and is
not stored again, while a record saved during the last sync is not missed. The time of
the last sync is kept in the project's ``sync_state`` file, replaced whole (written to a
temporary file, then renamed) and only when no record failed to reach tacecheck.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from protocol.redcap.client import RedcapClient, RedcapError
from protocol.redcap.intake import Outcome, client_for, take_in
from protocol.redcap.live_config import Project

__all__ = ["AUTHOR", "OVERLAP", "REASON", "SyncResult", "read_state", "sync_project"]

AUTHOR = "redcap-sync"
REASON = "REDCap record changed (found by sync: an import, or a save without a trigger)"
OVERLAP = timedelta(minutes=5)
_FORMAT = "%Y-%m-%d %H:%M:%S"
_CHUNK = 100  # records fetched per API call


@dataclass(slots=True)
class SyncResult:
    project: str
    since: str | None  # dateRangeBegin sent, REDCap server time; None: every record
    outcomes: list[Outcome] = field(default_factory=list)
    problem: str | None = None  # the sync could not run (REDCap unreachable, bad state file)

    def count(self, status: str) -> int:
        return sum(outcome.status == status for outcome in self.outcomes)


def read_state(path: Path) -> datetime | None:
    """When the last complete sync began (REDCap server time), or None before the first."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise ValueError(f"{path}: cannot read the sync state ({error}); delete it to sync "
                         "every record again") from None  # fmt: skip
    try:
        return datetime.strptime(data["last_sync_began"], _FORMAT)
    except (TypeError, KeyError, ValueError):
        raise ValueError(f"{path}: expected {{\"last_sync_began\": \"YYYY-MM-DD HH:MM:SS\"}}; "
                         "delete it to sync every record again") from None  # fmt: skip


def _write_state(path: Path, began: datetime) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps({"last_sync_began": began.strftime(_FORMAT)}) + "\n")
    os.replace(temporary, path)


def sync_project(
    project: Project,
    store: Any,
    since: datetime | None = None,
    client: RedcapClient | None = None,
) -> SyncResult:
    """Take in the project's records changed since ``since`` (default: the last sync)."""
    began = datetime.now(project.timezone).replace(tzinfo=None, microsecond=0)
    try:
        last = read_state(project.sync_state)
    except ValueError as error:
        return SyncResult(project.name, None, problem=str(error))
    begin = since if since is not None else (last - OVERLAP if last is not None else None)
    result = SyncResult(project.name, begin.strftime(_FORMAT) if begin else None)
    client = client or client_for(project)
    record_field = project.mapping.record_id
    try:
        rows = client.export_records(fields=[record_field], changed_since=begin)
    except RedcapError as error:
        result.problem = str(error)
        return result
    ids = list(
        dict.fromkeys(str(row.get(record_field, "")) for row in rows if isinstance(row, dict))
    )
    ids = [item for item in ids if item.strip()]
    for start in range(0, len(ids), _CHUNK):
        result.outcomes += take_in(
            project, store, ids[start : start + _CHUNK], AUTHOR, REASON, client
        )
    if since is None and not result.count("failed"):
        _write_state(project.sync_state, began)
    return result
