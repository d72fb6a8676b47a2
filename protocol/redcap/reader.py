"""REDCap exports -> canonical records, as the checking pipeline consumes them.

:func:`redcap_records` gives, per REDCap record, an :class:`Assembled` (the canonical record
and its :class:`~protocol.redcap.provenance.Provenance`, or the errors that stop it), and a
:class:`~protocol.findings.RecordError` for each problem with the export itself (an unknown
column, a row without a record ID). :func:`read_redcap` turns that into the
:class:`~protocol.records.sources.RawRecord` stream that ``run_cohort``'s chunks are made of.
A record fetched through the API (``content=record&format=json&type=flat``, raw values) goes
through the same code with :func:`records_from_api`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from protocol.findings import RecordError
from protocol.provenance import raw_records
from protocol.records.sources import RawRecord
from protocol.records.validation import field_is_valid
from protocol.redcap.assembly import Assembled, assemble
from protocol.redcap.export import (
    EVENT,
    ExportProblem,
    ExportRow,
    column_problems,
    group_by_record,
    read_export,
    rows_from_api,
)
from protocol.redcap.mapping import Mapping

__all__ = ["read_redcap", "records_from_api", "redcap_records"]


def _error(problem: ExportProblem) -> RecordError:
    message = problem.message
    return RecordError(problem.source, "", message)


def _records(
    mapping: Mapping,
    label: str,
    columns: list[str],
    rows: list[ExportRow],
    problems: list[ExportProblem],
) -> Iterator[Assembled | RecordError]:
    yield from (_error(problem) for problem in problems)
    if not columns:
        return  # not an export at all: the problem above says why
    yield from (
        _error(problem)
        for problem in column_problems(
            columns,
            mapping.dictionary,
            mapping.used_fields(),
            mapping.ignored,
            label,
            mapping.missing_codes,
        )
    )
    if mapping.record_id not in columns:
        return
    if not rows and not problems:
        yield RecordError(label, "", "no records here: the export has a header and no rows")
        return
    events: dict[str, int] = {}
    if EVENT in columns:
        for row in rows:
            name = str(row.values.get(EVENT) or "")
            events.setdefault(name, len(events))
    for item in group_by_record(rows, mapping.record_id):
        if isinstance(item, ExportProblem):
            yield _error(item)
            continue
        record_id, record_rows = item
        yield assemble(
            mapping, _source(label, record_id, record_rows), record_id, record_rows, events
        )


def _source(label: str, record_id: str, rows: list[Any]) -> str:
    """``export.csv record P07``; a record ID that is no valid patient_id (it may be a name,
    or text a spreadsheet would run) is never echoed: the record's first row names it."""
    if field_is_valid("patient_id", record_id):
        return f"{label} record {record_id}"
    first = rows[0].label if rows else label
    return f"{first} (a record ID that is not a valid patient_id)"


def redcap_records(
    paths: Iterable[str | Path], mapping: Mapping
) -> Iterator[Assembled | RecordError]:
    """Every record of the given export files (CSV or JSON), or the error in its place."""
    for path in paths:
        columns, rows, problems = read_export(path)
        yield from _records(mapping, str(path), columns, rows, problems)


def records_from_api(
    data: Any, mapping: Mapping, source: str = "REDCap API"
) -> Iterator[Assembled | RecordError]:
    """The records of an API record export (the decoded JSON list), as from a file."""
    columns, rows, problems = rows_from_api(data, source)
    yield from _records(mapping, source, columns, rows, problems)


def read_redcap(paths: Iterable[str | Path], mapping: Mapping) -> Iterator[RawRecord]:
    """The pipeline's input: one RawRecord per canonical record (JSON bytes, kind ``file``),
    and one per error (a record with several problems gives one item per problem)."""
    return raw_records(redcap_records(paths, mapping))
