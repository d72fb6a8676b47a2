"""The protocol deviation log as CSV, laid out like CDISC SDTM's DV domain.

One row per deviation found (a finding of kind ``deviation`` that is not
met), numbered per subject. Columns, with their DV meaning:

==========  ===================================================================
STUDYID     the study (``--study-id``, else the protocol pack id)
DOMAIN      always ``DV``
SITEID      the record's ``site_id``
USUBJID     the record's ``patient_id``
DVSEQ       1, 2, ... within the subject
DVREFID     the rule code (TRT001, DOS002, ...)
DVSPID      the JSON Pointer of the value in the submitted record
DVTERM      the deviation in words, with the numbers and dates that prove it
DVDECOD     the rule's name
DVCAT       the rule family (Sorafenib start, Sorafenib dosing, ...)
DVSCAT      ``IMPORTANT`` or ``NON-IMPORTANT`` (ICH E3 importance)
DVSTDTC     when it happened, from the evidence the pack names (``log_dates``)
DVENDTC     when it ended, where the pack names one
SOURCE      where the record came from (file, or file:line)
==========  ===================================================================

The file is UTF-8 with a byte order mark (``BOM``), so that spreadsheets (Excel)
open Japanese and other non-ASCII text correctly; CSV readers that know UTF-8
with a BOM (Python's ``utf-8-sig``, R, pandas) skip it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from typing import Any

from protocol.findings import PatientResult, Status
from protocol.render.base import Renderer, origin_of

__all__ = ["BOM", "COLUMNS", "DeviationLogRenderer", "csv_text"]

COLUMNS = (
    "STUDYID",
    "DOMAIN",
    "SITEID",
    "USUBJID",
    "DVSEQ",
    "DVREFID",
    "DVSPID",
    "DVTERM",
    "DVDECOD",
    "DVCAT",
    "DVSCAT",
    "DVSTDTC",
    "DVENDTC",
    "SOURCE",
)
BOM = "\ufeff"  # written first: UTF-8 with a BOM, as Excel needs to read UTF-8


def csv_text(rows: list[list[Any]]) -> str:
    """Rows as CSV text (RFC 4180 quoting, CRLF line ends as spreadsheets expect)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(["" if value is None else _cell(value) for value in row])
    return buffer.getvalue()


def _cell(value: Any) -> str:
    text = str(value)
    # Spreadsheets run a cell starting with = + - @ (or tab, CR) as a formula (OWASP CSV
    # injection), also after leading spaces or line breaks, which they skip: such a cell gets
    # a leading quote, unless it is a plain number.
    if _FORMULA.match(text) and not _NUMBER.fullmatch(text.strip()):
        return f"'{text}"
    return text


_FORMULA = re.compile(r"[\t\r]|\s*[=+\-@]")
_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


class DeviationLogRenderer(Renderer):
    name = "csv"
    media_type = "text/csv"

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
        families = {
            family["id"]: family.get("title", family["id"]) for family in self.pack.families
        }
        rows = []
        for finding in result.findings:
            if finding.kind != "deviation" or finding.status is not Status.NOT_MET:
                continue
            rule = self.pack.rule(finding.rule)
            dates = {end: finding.evidence.get(key) for end, key in rule.log_dates.items()}
            rows.append(
                [
                    self.study_id,
                    "DV",
                    result.site_id,
                    result.patient_id,
                    len(rows) + 1,
                    finding.rule,
                    finding.location,
                    finding.message,
                    finding.name,
                    families.get(rule.family, rule.family),
                    (finding.importance or "").upper().replace("_", "-"),
                    dates.get("start"),
                    dates.get("end"),
                    _source(result.source, origin_of(origin, finding.location)),
                ]
            )
        return csv_text(rows)


def _source(source: str, found: str | None) -> str:
    """The record's source, and where the deviation's value lies in the system it came from."""
    return f"{source}; {found}" if found else source
