"""A stub REDCap server on loopback: the documented API calls tacecheck makes, over real HTTP.

Not a mock of tacecheck's client: it answers REDCap's API as documented (one form-encoded
POST to ``/api/`` with a token and ``content``), from a project built from a data
dictionary CSV, with REDCap's quirks:

- every value is a string in JSON, except ``redcap_repeat_instance``, which is an integer
  (as recent REDCap versions send it) or ``""`` on a non-repeating row;
- ``rawOrLabel=label`` gives choice labels and event *labels* ("Baseline") where raw gives
  codes and unique event names (``baseline_arm_1``);
- ``records``/``fields``/``forms`` as arrays (``records[0]=P01``) or comma-separated text;
- ``dateRangeBegin`` (server time, ``YYYY-MM-DD HH:MM:SS``) keeps records changed after it;
- asking for some fields gives only the rows of the forms holding them;
- errors are ``{"error": "..."}`` with 400 (bad request) or 403 (bad token).

A form saved through :meth:`StubRedcap.save_form` changes the data and, like REDCap, posts
the Data Entry Trigger to the project's trigger URL; :meth:`StubRedcap.import_rows` changes
the data the way an API or CSV import does, without a trigger.
"""

from __future__ import annotations

import csv
import json
import threading
import urllib.request
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

__all__ = ["StubRedcap"]

_HEADERS = (
    "field_name", "form_name", "section_header", "field_type", "field_label",
    "select_choices_or_calculations", "field_note", "text_validation_type_or_show_slider_number",
    "text_validation_min", "text_validation_max", "identifier", "branching_logic",
    "required_field", "custom_alignment", "question_number", "matrix_group_name",
    "matrix_ranking", "field_annotation",
)  # fmt: skip
EVENT, INSTRUMENT, INSTANCE = (
    "redcap_event_name",
    "redcap_repeat_instrument",
    "redcap_repeat_instance",
)
Key = tuple[str, str, str, int]  # record, event, repeat instrument ("" if none), instance (0)


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _choices(text: str) -> dict[str, str]:
    out = {}
    for part in text.split("|"):
        code, _, label = part.partition(",")
        if code.strip():
            out[code.strip()] = label.strip()
    return out


_FIXED = {"yesno": {"1": "Yes", "0": "No"}, "truefalse": {"1": "True", "0": "False"}}


def _label(item: dict[str, str], value: str) -> str:
    """What ``rawOrLabel=label`` gives for a raw value (checkboxes: Checked/Unchecked)."""
    kind = item["field_type"]
    if kind in ("radio", "dropdown"):
        return _choices(item["select_choices_or_calculations"]).get(value, value)
    if kind == "checkbox":
        return "Checked" if value == "1" else "Unchecked"
    return _FIXED.get(kind, {}).get(value, value)


class StubRedcap:
    """One project: ``StubRedcap(dictionary_csv, token=..., repeating={...}).start()``."""

    def __init__(
        self,
        dictionary: Path,
        token: str,
        project_id: int = 14,
        repeating: frozenset[str] = frozenset(),
        events: dict[str, str] | None = None,  # unique event name -> label
        repeating_events: frozenset[str] = frozenset(),
    ) -> None:
        with dictionary.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        self.metadata = [dict(zip(_HEADERS, row, strict=True)) for row in rows[1:]]
        self.token = token
        self.project_id = project_id
        self.repeating = set(repeating)
        self.events = events or {}
        self.repeating_events = set(repeating_events)
        self.record_id = self.metadata[0]["field_name"]
        self.forms = list(dict.fromkeys(item["form_name"] for item in self.metadata))
        self.data: dict[Key, dict[str, str]] = {}
        self.modified: dict[str, datetime] = {}
        self.requests: list[dict[str, str]] = []  # every call's parameters, token removed
        self.trigger_url: str | None = None
        self.clock = lambda: datetime.now().replace(microsecond=0)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- the project's shape ---------------------------------------------------------------

    def _columns(self, item: dict[str, str]) -> list[str]:
        if item["field_type"] == "checkbox":
            codes = _choices(item["select_choices_or_calculations"])
            return [f"{item['field_name']}___{code.lower()}" for code in codes]
        return [item["field_name"]]

    def column_form(self) -> dict[str, str]:
        out = {}
        for item in self.metadata:
            for column in self._columns(item):
                out[column] = item["form_name"]
        for form in self.forms:
            out[f"{form}_complete"] = form
        return out

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    # --- changing the data -----------------------------------------------------------------

    def _write(self, rows: list[dict[str, Any]], overwrite: bool) -> int:
        known = self.column_form()
        records = []
        for number, row in enumerate(rows):
            if not isinstance(row, dict) or not str(row.get(self.record_id, "")).strip():
                raise ApiError(400, f"row {number + 1} has no {self.record_id}")
            unknown = [c for c in row if c not in known and c not in (EVENT, INSTRUMENT,
                       INSTANCE, self.record_id)]  # fmt: skip
            if unknown:
                raise ApiError(400, "The following fields were not found in the project as "
                               "real data fields: " + ", ".join(unknown))  # fmt: skip
            event = str(row.get(EVENT, "") or "")
            if self.events and event not in self.events:
                raise ApiError(400, f"The event name {event!r} is not a valid unique event name")
            instrument = str(row.get(INSTRUMENT, "") or "")
            if instrument and instrument not in self.repeating:
                raise ApiError(400, f"{instrument!r} is not a repeating instrument")
            raw_instance = str(row.get(INSTANCE, "") or "")
            repeats = bool(instrument) or event in self.repeating_events
            if repeats and not raw_instance.isdigit():
                raise ApiError(400, f"row {number + 1}: redcap_repeat_instance is not a number")
            if raw_instance and not repeats:
                raise ApiError(400, f"row {number + 1}: an instance of something that does not "
                               "repeat")  # fmt: skip
            record = str(row[self.record_id])
            key = (record, event, instrument, int(raw_instance) if repeats else 0)
            if not self.events:
                self.data.setdefault((record, "", "", 0), {self.record_id: record})
            cells = self.data.setdefault(key, {self.record_id: record})
            for column, value in row.items():
                if column in (EVENT, INSTRUMENT, INSTANCE, self.record_id):
                    continue
                text = "" if value is None else str(value)
                form = known[column]
                other_form = form != instrument if instrument else form in self.repeating
                if other_form:
                    if text:
                        raise ApiError(400, f"{column} (form {form}) is not on this row's form")
                    continue  # a blank cell of another form's column: nothing to import
                if text or overwrite:
                    cells[column] = text
            records.append(record)
        now = self.clock()
        for record in records:
            self.modified[record] = now
        return len(set(records))

    def import_rows(self, rows: list[dict[str, Any]]) -> None:
        """An API or CSV import: the data changes, no trigger is sent."""
        with self._lock:
            self._write(rows, overwrite=False)

    def save_form(
        self,
        record: str,
        instrument: str,
        values: dict[str, str],
        username: str,
        instance: int | None = None,
        event: str | None = None,
        trigger_url: str | None = None,
    ) -> int:
        """A user saves one form in the browser: store it, then post the Data Entry Trigger."""
        row: dict[str, Any] = {self.record_id: record, **values, f"{instrument}_complete": "2"}
        in_event = event in self.repeating_events
        if instance is not None:
            row[INSTANCE] = instance
            if not in_event:
                row[INSTRUMENT] = instrument
        if event is not None:
            row[EVENT] = event
        with self._lock:
            self._write([row], overwrite=True)
        form = {
            "redcap_url": self.url,
            "project_url": f"{self.url}redcap_v14.0.0/index.php?pid={self.project_id}",
            "project_id": str(self.project_id),
            "username": username,
            "record": record,
            "instrument": instrument,
            f"{instrument}_complete": "2",
        }
        if instance is not None:
            form["redcap_repeat_instance"] = str(instance)
            if not in_event:
                form["redcap_repeat_instrument"] = instrument
        if event is not None:
            form["redcap_event_name"] = event
        target = trigger_url or self.trigger_url
        assert target, "no Data Entry Trigger URL set"
        request = urllib.request.Request(target, data=urlencode(form).encode(), method="POST")
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status)

    # --- answering the API -----------------------------------------------------------------

    def _export(self, params: dict[str, str], arrays: dict[str, list[str]]) -> list[dict]:
        records = set(arrays["records"])
        fields, forms = arrays["fields"], set(arrays["forms"])
        begin = params.get("dateRangeBegin")
        since = datetime.strptime(begin, "%Y-%m-%d %H:%M:%S") if begin else None
        label = params.get("rawOrLabel", "raw") == "label"
        columns: list[str] = [self.record_id]
        if self.events:
            columns.append(EVENT)
        if self.repeating or self.repeating_events:
            columns += [INSTRUMENT, INSTANCE]
        selected_forms: set[str] = set()
        by_column: dict[str, dict[str, str]] = {}
        for form in self.forms:
            items = [m for m in self.metadata if m["form_name"] == form]
            whole = (not fields and not forms) or form in forms
            chosen = [m for m in items if whole or m["field_name"] in fields]
            chosen = [m for m in chosen if m["field_name"] != self.record_id]
            for item in chosen:
                for column in self._columns(item):
                    columns.append(column)
                    by_column[column] = item
            if whole:
                columns.append(f"{form}_complete")
            if chosen or whole:
                selected_forms.add(form)
        out = []
        for (record, event, instrument, instance), cells in sorted(self.data.items()):
            if records and record not in records:
                continue
            if since is not None and self.modified.get(record, since) <= since:
                continue
            if instrument and instrument not in selected_forms:
                continue
            row: dict[str, Any] = {}
            for column in columns:
                if column == EVENT:
                    row[column] = self.events.get(event, event) if label else event
                elif column == INSTRUMENT:
                    row[column] = instrument
                elif column == INSTANCE:
                    row[column] = instance if instance else ""
                else:
                    value = cells.get(column, "")
                    item = by_column.get(column)
                    if label and value and item:
                        value = _label(item, value)
                    row[column] = value
            out.append(row)
        return out

    def answer(self, params: dict[str, str], arrays: dict[str, list[str]]) -> Any:
        if params.get("token") != self.token:
            raise ApiError(403, "You do not have permissions to use the API")
        content, action = params.get("content"), params.get("action", "export")
        with self._lock:
            if content == "record" and action == "export":
                if params.get("format", "xml") != "json":
                    raise ApiError(400, "this stub answers format=json only")
                return self._export(params, arrays)
            if content == "record" and action == "import":
                try:
                    rows = json.loads(params.get("data", ""))
                except json.JSONDecodeError:
                    raise ApiError(
                        400, "The data being imported is not formatted correctly"
                    ) from None
                overwrite = params.get("overwriteBehavior", "normal") == "overwrite"
                return {"count": self._write(rows, overwrite)}
            if content == "metadata":
                return self.metadata
            if content == "project":
                return {
                    "project_id": str(self.project_id), "project_title": "Tamai 2017 (stub)",
                    "is_longitudinal": 1 if self.events else 0,
                    "has_repeating_instruments_or_events": int(
                        bool(self.repeating or self.repeating_events)
                    ),
                }  # fmt: skip
            if content == "repeatingFormsEvents":
                events = list(self.events) or [""]
                forms = [{"event_name": e, "form_name": f, "custom_form_label": ""}
                         for e in events for f in sorted(self.repeating)]  # fmt: skip
                whole = [{"event_name": e, "form_name": "", "custom_form_label": ""}
                         for e in sorted(self.repeating_events)]  # fmt: skip
                return forms + whole
            if content == "event":
                if not self.events:
                    raise ApiError(400, "You cannot export events for classic projects")
                return [{"event_name": v, "unique_event_name": k} for k, v in self.events.items()]
            if content == "version":
                return "14.0.0"
        raise ApiError(400, f'The value of the parameter "content" ({content}) is not valid')

    # --- the HTTP server -------------------------------------------------------------------

    def start(self) -> StubRedcap:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                if self.path != "/api/":
                    self.send_error(404)
                    return
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
                params = {k: v[0] for k, v in form.items()}
                arrays: dict[str, list[str]] = {"records": [], "fields": [], "forms": []}
                for name in arrays:
                    indexed = sorted((k for k in params if k.startswith(f"{name}[")),
                                     key=lambda k: int(k[len(name) + 1 : -1]))  # fmt: skip
                    arrays[name] = [params[k] for k in indexed]
                    if name in params:
                        arrays[name] += [v for v in params[name].split(",") if v]
                stub.requests.append({k: v for k, v in params.items() if k != "token"})
                try:
                    status, body = 200, stub.answer(params, arrays)
                except ApiError as error:
                    status, body = error.status, {"error": str(error)}
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
