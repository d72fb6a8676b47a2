"""The query listing: what to ask each site to check or correct, as CSV.

One row per data-consistency finding that is not met (kind ``data``: DAT001
to DAT006, AE003) and per input error that stopped a record being checked,
with the field's JSON Pointer, the value found there, and the query text.
Values are left out with ``--hide-values``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from protocol.findings import Finding, PatientResult, RecordError, Status
from protocol.render.base import Renderer
from protocol.render.deviation_log import csv_text

__all__ = ["COLUMNS", "QueryListingRenderer", "value_at"]

COLUMNS = ("SITEID", "SUBJECT", "FIELD", "VALUE", "RULE", "RULE_NAME", "QUERY", "SOURCE")
_MISSING = object()


def value_at(record: Any, pointer: str | None) -> Any:
    """The value a JSON Pointer names in ``record``, or a marker when there is none."""
    if record is None or pointer is None:
        return _MISSING
    node = record
    for raw in pointer.split("/")[1:] if pointer else []:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return node


class QueryListingRenderer(Renderer):
    name = "queries"
    media_type = "text/csv"

    def _shown(self, value: Any) -> str | None:
        if value is _MISSING or self.options.hide_values:
            return None
        if isinstance(value, str):
            return value
        return json.dumps(value, ensure_ascii=False)

    def _query(self, finding: Finding) -> str:
        """The query in words; with ``hide_values`` the rule's check, which quotes no value."""
        if not self.options.hide_values:
            return finding.message
        try:
            checks = " ".join(self.pack.rule(finding.rule).doc.get("checks", "").split())
        except KeyError:
            checks = ""
        return f"Please check {finding.location or 'this record'} against the source: " + (
            checks or finding.name.replace("-", " ")
        )

    def begin(self) -> str:
        return csv_text([list(COLUMNS)])

    def patient(
        self, result: PatientResult, record: Mapping[str, Any] | None, index: int = 0
    ) -> str:
        result = self.shown(result, record)
        rows = [
            [
                result.site_id,
                result.patient_id,
                finding.location,
                self._shown(value_at(record, finding.location)),
                finding.rule,
                finding.name,
                self._query(finding),
                result.source,
            ]
            for finding in result.findings
            if finding.kind == "data" and finding.status is Status.NOT_MET
        ]
        return csv_text(rows)

    def record_errors(self, source: str, errors: Sequence[RecordError]) -> str:
        rows = [
            [
                None,
                error.patient_id,
                error.location,
                self._shown(error.value) if error.show_value else None,
                "RECORD",
                "record-not-checked",
                error.text(hide_values=True),
                source,
            ]
            for error in errors
        ]
        return csv_text(rows)
