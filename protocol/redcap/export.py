"""Reading a REDCap flat export (CSV or JSON, raw values) into rows grouped by record.

One row of a flat export is one (record, event, repeat instrument, repeat instance):
``redcap_event_name`` in longitudinal projects, ``redcap_repeat_instrument`` and
``redcap_repeat_instance`` for repeating instruments (a repeating *event* has an instance
and no instrument), then the fields, checkbox options as ``field___code`` columns, and one
``form_complete`` status per form. The API's ``content=record&format=json&type=flat`` gives
the same rows as a JSON list, sometimes with numbers instead of text; :func:`rows_from_api`
takes those. Every column is accounted for: a system column, a field the mapping reads or
ignores, or a problem to report.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from protocol.redcap.dictionary import Dictionary

__all__ = [
    "SYSTEM_COLUMNS",
    "ExportProblem",
    "ExportRow",
    "column_problems",
    "group_by_record",
    "read_export",
    "rows_from_api",
]

EVENT = "redcap_event_name"
REPEAT_INSTRUMENT = "redcap_repeat_instrument"
REPEAT_INSTANCE = "redcap_repeat_instance"
SYSTEM_COLUMNS = frozenset(
    {
        EVENT,
        REPEAT_INSTRUMENT,
        REPEAT_INSTANCE,
        "redcap_data_access_group",
        "redcap_survey_identifier",
        "redcap_arm",
    }
)


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One row of an export, with the place it came from (``export.csv row 7``)."""

    label: str
    values: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ExportProblem:
    """Something wrong with the export as a whole or with one row (not with one record)."""

    source: str
    message: str
    column: str | None = None


def _csv_rows(path: Path, text: str) -> tuple[list[str], list[ExportRow], list[ExportProblem]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    problems: list[ExportProblem] = []
    try:
        header = next(reader)
    except StopIteration:
        return [], [], [ExportProblem(str(path), "the export is empty")]
    header = [name.strip() for name in header]
    seen: set[str] = set()
    for name in header:
        if name in seen:
            problems.append(ExportProblem(f"{path} row 1", "column is in the header twice", name))
        seen.add(name)
    rows = []
    number = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            number += 1
            problems.append(ExportProblem(f"{path} row {number}", f"not valid CSV: {error}"))
            break
        number += 1
        label = f"{path} row {number}"
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            problems.append(
                ExportProblem(
                    label, f"has {len(cells)} cells but the header has {len(header)} columns"
                )
            )
            continue
        rows.append(ExportRow(label, dict(zip(header, cells, strict=True))))
    return header, rows, problems


def rows_from_api(
    data: Any, source: str = "REDCap API"
) -> tuple[list[str], list[ExportRow], list[ExportProblem]]:
    """Rows of a flat JSON record export (a file, or the API's answer), with their columns."""
    if not isinstance(data, list):
        return [], [], [ExportProblem(source, "a JSON export is a list of rows (objects)")]
    columns: dict[str, None] = {}
    rows = []
    problems = []
    for number, item in enumerate(data, start=1):
        label = f"{source} item {number}"
        if not isinstance(item, dict):
            problems.append(ExportProblem(label, "is not an object of field: value"))
            continue
        bad = [key for key, value in item.items() if isinstance(value, list | dict)]
        if bad:
            problems.append(ExportProblem(label, "holds a list or object, not a raw value", bad[0]))
            continue
        for key in item:
            columns.setdefault(key, None)
        rows.append(ExportRow(label, item))
    return list(columns), rows, problems


def read_export(path: str | Path) -> tuple[list[str], list[ExportRow], list[ExportProblem]]:
    """The columns, rows and file-level problems of a CSV or JSON export file."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json"):
        return [], [], [ExportProblem(str(path), "a REDCap export is a .csv or .json file")]
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        return [], [], [ExportProblem(str(path), f"cannot read the file: {error.strerror}")]
    except UnicodeDecodeError as error:
        return (
            [],
            [],
            [
                ExportProblem(
                    str(path),
                    f"byte {error.start} is not UTF-8; export again from REDCap (exports are "
                    "UTF-8) rather than re-saving the file from a spreadsheet",
                )
            ],
        )
    if suffix == ".csv":
        return _csv_rows(path, text)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return (
            [],
            [],
            [ExportProblem(str(path), f"not valid JSON: {error.msg} (line {error.lineno})")],
        )
    return rows_from_api(data, str(path))


def column_problems(
    columns: Iterable[str],
    dictionary: Dictionary,
    used: set[str],
    ignored: frozenset[str],
    source: str,
    missing_codes: Iterable[str] = (),
) -> list[ExportProblem]:
    """Every export column that is neither a system column nor a field the mapping knows."""
    problems = []
    checkboxes = dictionary.checkbox_columns(missing_codes)
    forms = set(dictionary.forms)
    columns = list(columns)
    if dictionary.record_id not in columns:
        problems.append(
            ExportProblem(
                source,
                f"the export has no {dictionary.record_id!r} column (the record ID field of the "
                "data dictionary); is it an export of this project?",
                dictionary.record_id,
            )
        )
    for name in columns:
        if name in SYSTEM_COLUMNS or name == dictionary.record_id:
            continue
        for suffix in ("_complete", "_timestamp"):
            if name.endswith(suffix) and name[: -len(suffix)] in forms:
                break
        else:
            field_name = checkboxes[name][0].name if name in checkboxes else name
            if field_name in used or field_name in ignored:
                continue
            if field_name in dictionary.fields:
                message = (
                    "is a field of the data dictionary that the mapping neither reads nor "
                    "lists under ignore_fields"
                )
            else:
                message = "is not a field of the data dictionary the mapping was checked against"
            problems.append(ExportProblem(source, f"column {name!r} {message}", name))
    return problems


def group_by_record(
    rows: Iterable[ExportRow], record_id: str
) -> Iterator[tuple[str, list[ExportRow]] | ExportProblem]:
    """Rows grouped by record ID, records in order of first appearance."""
    groups: dict[str, list[ExportRow]] = {}
    for row in rows:
        value = row.values.get(record_id)
        key = "" if value is None else str(value)
        if not key.strip():
            yield ExportProblem(row.label, f"the record ID ({record_id}) is blank", record_id)
            continue
        groups.setdefault(key, []).append(row)
    yield from groups.items()
