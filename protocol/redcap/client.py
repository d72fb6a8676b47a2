"""The REDCap API calls tacecheck makes: record export and import, metadata, project info.

Every call is one form-encoded POST to the project's ``/api/`` with its token, as REDCap
documents (arrays as ``records[0]=...``, the style PyCap and REDCap's own examples use).
Records are always asked for as raw values in flat JSON rows with unique event names, so
that :func:`~protocol.redcap.reader.records_from_api` reads them like an export file.
A :class:`RedcapError` says what failed without the token, which is never put in a
message, a log line or an exception.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

__all__ = ["RedcapClient", "RedcapError"]

_TIMEOUT = 30.0
_LIMIT = 64 * 1024 * 1024  # an answer larger than this is refused, not read into memory


class RedcapError(RuntimeError):
    """A REDCap API call that failed: the call, the HTTP status, REDCap's own message."""

    def __init__(self, call: str, message: str, status: int | None = None) -> None:
        where = f" (HTTP {status})" if status else ""
        super().__init__(f"REDCap API {call}{where}: {message}")
        self.call = call
        self.status = status


def _array(name: str, values: Iterable[str] | None) -> dict[str, str]:
    return {f"{name}[{index}]": str(value) for index, value in enumerate(values or ())}


class RedcapClient:
    """One project's API: ``RedcapClient("https://redcap.example.org/api/", token)``."""

    def __init__(self, api_url: str, token: str, timeout: float = _TIMEOUT) -> None:
        self.api_url = api_url
        self._token = token
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"RedcapClient({self.api_url!r})"

    def _post(self, call: str, params: dict[str, str]) -> Any:
        body = urlencode({"token": self._token, **params, "returnFormat": "json"}).encode()
        request = urllib.request.Request(
            self.api_url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                raw = answer.read(_LIMIT + 1)
        except urllib.error.HTTPError as error:
            raise RedcapError(call, _reason(error), error.code) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise RedcapError(call, f"cannot reach {self.api_url}: {reason}") from None
        if len(raw) > _LIMIT:
            raise RedcapError(call, f"the answer is larger than {_LIMIT} bytes")
        try:
            return json.loads(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise RedcapError(call, "the answer is not JSON (is the URL REDCap's /api/?)") from None

    def export_records(
        self,
        records: Iterable[str] | None = None,
        fields: Iterable[str] | None = None,
        changed_since: datetime | None = None,
    ) -> Any:
        """``content=record``: flat JSON rows of raw values, unique event names."""
        params = {
            "content": "record",
            "action": "export",
            "format": "json",
            "type": "flat",
            "rawOrLabel": "raw",
            "rawOrLabelHeaders": "raw",
            "exportCheckboxLabel": "false",
            "exportSurveyFields": "false",
            "exportDataAccessGroups": "false",
            **_array("records", records),
            **_array("fields", fields),
        }
        if changed_since is not None:
            params["dateRangeBegin"] = changed_since.strftime("%Y-%m-%d %H:%M:%S")
        data = self._post("record export", params)
        if not isinstance(data, list):
            raise RedcapError("record export", "expected a JSON list of rows")
        return data

    def import_records(self, rows: list[dict[str, Any]]) -> int:
        """``content=record&action=import``, overwriting (a blank clears a value); the count."""
        params = {
            "content": "record",
            "action": "import",
            "format": "json",
            "type": "flat",
            "overwriteBehavior": "overwrite",
            "forceAutoNumber": "false",
            "returnContent": "count",
            "data": json.dumps(rows, ensure_ascii=False),
        }
        answer = self._post("record import", params)
        count = answer.get("count") if isinstance(answer, dict) else None
        if isinstance(count, str) and count.isdigit():
            count = int(count)
        if not isinstance(count, int):
            raise RedcapError("record import", 'expected {"count": N}')
        return count

    def metadata(self) -> list[dict[str, Any]]:
        data = self._post("metadata export", {"content": "metadata", "format": "json"})
        if not isinstance(data, list):
            raise RedcapError("metadata export", "expected a JSON list of fields")
        return data

    def project_info(self) -> dict[str, Any]:
        data = self._post("project info", {"content": "project", "format": "json"})
        if not isinstance(data, dict):
            raise RedcapError("project info", "expected a JSON object")
        return data

    def repeating_forms_events(self) -> list[dict[str, Any]]:
        data = self._post("repeating forms", {"content": "repeatingFormsEvents", "format": "json"})
        if not isinstance(data, list):
            raise RedcapError("repeating forms", "expected a JSON list")
        return data


def _reason(error: urllib.error.HTTPError) -> str:
    """REDCap's ``{"error": "..."}`` message, or the status line."""
    try:
        data = json.loads(error.read(64 * 1024).decode("utf-8", "replace"))
    except (OSError, ValueError):
        return str(error.reason)
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return data["error"][:500]
    return str(error.reason)
