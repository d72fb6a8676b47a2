"""The query listing: what to ask each site to check or correct, as CSV.

One row per question a site can work:

- each data-consistency finding not met (kind ``data``: DAT001 to DAT006, AE003);
- each eligibility finding not evaluable (a partial or missing date leaves the
  criterion undecided: "ELG003 cannot be decided: progression date 2012-08 is
  partial; please give the day");
- each input error that stopped a record being checked.

Columns: QUERYID, a stable code of the patient, rule, instance and question
(the same query gets the same id in every run, so a site's answers can be
matched to it); STATUS, ``open`` when listed; SITEID and USUBJID (named as in
the deviation log); FIELD, the JSON Pointer of the value; VALUE, the value
found there (left out with ``--hide-values``); RULE and RULE_NAME; QUERY, the
question in words for the site, with no JSON Pointer in it (fields are named in
words: "the date of TACE entry 2"); SOURCE, where the record came from.

The file is UTF-8 with a byte order mark, so that spreadsheets (Excel) open
Japanese and other non-ASCII text correctly.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from protocol.findings import Finding, PatientResult, RecordError, Status
from protocol.render.base import Renderer, origin_of
from protocol.render.deviation_log import BOM, csv_text
from protocol.render.field_words import field_words, without_pointers

__all__ = ["COLUMNS", "QueryListingRenderer", "query_id", "value_at"]

COLUMNS = (
    "QUERYID",
    "STATUS",
    "SITEID",
    "USUBJID",
    "FIELD",
    "VALUE",
    "RULE",
    "RULE_NAME",
    "QUERY",
    "SOURCE",
)
OPEN = "open"
_MISSING = object()


def query_id(patient_id: str | None, rule: str, instance: str | None, question: str) -> str:
    """A stable code for one query: the same patient, rule, instance and question, same id."""
    key = "\x1f".join((patient_id or "", rule, instance or "", question))
    return "Q-" + hashlib.sha256(key.encode("utf-8", "backslashreplace")).hexdigest()[:12].upper()


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


def _asks(finding: Finding) -> bool:
    """A finding a site can answer: data not consistent, or eligibility not decidable.

    Not one a whole section not collected leaves undecided (evidence ``not_collected``):
    the missing dataset is asked for once, as the folder's input error."""
    if "not_collected" in finding.evidence:
        return False
    if finding.kind == "data":
        return finding.status is Status.NOT_MET
    return finding.kind == "eligibility" and finding.status is Status.NOT_EVALUABLE


class QueryListingRenderer(Renderer):
    name = "queries"
    media_type = "text/csv"

    def _shown(self, value: Any) -> str | None:
        if value is _MISSING or self.options.hide_values:
            return None
        if isinstance(value, str):
            return value
        return json.dumps(value, ensure_ascii=False)

    def _query(self, finding: Finding, found: str | None = None) -> str:
        """The query in words; with ``hide_values`` the rule's check, which quotes no value.
        ``found`` names the form or dataset the site opens to answer it."""
        text = self._question(finding)
        return f"{text} (see {found})" if found else text

    def _question(self, finding: Finding) -> str:
        if not self.options.hide_values:
            return without_pointers(finding.message)
        try:
            checks = " ".join(self.pack.rule(finding.rule).doc.get("checks", "").split())
        except KeyError:
            checks = ""
        what = checks or finding.name.replace("-", " ")
        return without_pointers(
            f"Please check {field_words(finding.location)} against the source: {what}"
        )

    def begin(self) -> str:
        return BOM + csv_text([list(COLUMNS)])

    def patient(
        self,
        result: PatientResult,
        record: Mapping[str, Any] | None,
        index: int = 0,
        origin: Any = None,
    ) -> str:
        result = self.shown(result, record)
        rows = [
            [
                query_id(
                    result.patient_id,
                    finding.rule,
                    finding.instance or finding.location,
                    f"{finding.kind}:{finding.status}",
                ),
                OPEN,
                result.site_id,
                result.patient_id,
                finding.location,
                self._shown(value_at(record, finding.location)),
                finding.rule,
                finding.name,
                self._query(finding, origin_of(origin, finding.location)),
                result.source,
            ]
            for finding in result.findings
            if _asks(finding)
        ]
        return csv_text(rows)

    def record_errors(self, source: str, errors: Sequence[RecordError]) -> str:
        rows = [
            [
                query_id(error.patient_id or source, "RECORD", error.location, error.message),
                OPEN,
                getattr(error, "site_id", None),
                error.patient_id,
                error.location,
                self._shown(error.value) if error.show_value else None,
                "RECORD",
                "record-not-checked",
                without_pointers(error.text(hide_values=True)),
                source,
            ]
            for error in errors
        ]
        return csv_text(rows)
