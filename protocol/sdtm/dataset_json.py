"""CDISC Dataset-JSON v1.1: reading (``.json`` and ``.ndjson``) and writing, schema checked.

The schema is CDISC's own (``schemas/dataset-json-1-1.schema.json``, copied from
cdisc-org/DataExchange-DatasetJson, MIT licence, see ``schemas/dataset-json-1-1.LICENSE``).
Beyond the schema a reader needs every row to hold one value per column and ``records`` to
count the rows; a file breaking either is refused with the row named. NDJSON puts the
metadata (everything but ``rows``) on line 1 and one row array per line after it.
Read with the standard library only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jsonschema.exceptions import best_match

from protocol._resources import schema_validator
from protocol.sdtm.datasets import Column, Dataset, DatasetProblem, plain

__all__ = ["dataset_json_document", "read_dataset_json", "schema_problems", "write_dataset_json"]

SCHEMA = "dataset-json-1-1"


def _validator() -> Any:
    return schema_validator(SCHEMA)


def _pointer(path: Iterable[Any]) -> str:
    return "".join(f"/{part}" for part in path)


def schema_problems(document: Any) -> list[tuple[str, str]]:
    """(JSON Pointer, message) for each way ``document`` breaks the Dataset-JSON schema."""
    problems = []
    for error in _validator().iter_errors(document):
        detail = best_match([error]) or error
        problems.append((_pointer(detail.absolute_path), detail.message))
    return sorted(problems)


def _decode(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise DatasetProblem(
            f"not JSON at line {error.lineno}, column {error.colno}: {error.msg}", where
        ) from None


def _read(path: Path) -> tuple[dict[str, Any], list[Any]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise DatasetProblem(f"cannot read the file: {error.strerror}") from None
    except UnicodeDecodeError:
        raise DatasetProblem("not UTF-8 text; Dataset-JSON files are UTF-8") from None
    if path.suffix.lower() == ".ndjson":
        lines = text.splitlines()
        if not lines or not lines[0].strip():
            raise DatasetProblem("empty: line 1 of a Dataset-JSON NDJSON file holds the metadata")
        metadata = _decode(lines[0], "line 1")
        rows = [
            _decode(line, f"line {number}")
            for number, line in enumerate(lines[1:], start=2)
            if line.strip()
        ]
        if isinstance(metadata, dict) and "rows" in metadata:
            raise DatasetProblem("NDJSON metadata (line 1) must not hold rows", "/rows")
        return metadata, rows
    document = _decode(text, "")
    if not isinstance(document, dict):
        raise DatasetProblem("not a Dataset-JSON document (a JSON object with columns and rows)")
    rows = document.get("rows", [])
    return document, rows if isinstance(rows, list) else []


def read_dataset_json(path: Path) -> Dataset:
    """A Dataset-JSON v1.1 file (``.json`` or ``.ndjson``) checked against the schema."""
    metadata, rows = _read(path)
    document = metadata if "rows" in metadata else {**metadata, "rows": rows}
    problems = schema_problems(document)
    if problems:
        where, message = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise DatasetProblem(f"not valid Dataset-JSON v1.1: {message}{more}", where)
    columns = [
        Column(item["name"], item["label"], item["dataType"], item.get("length"))
        for item in document["columns"]
    ]
    names = [column.name for column in columns]
    if len(set(names)) != len(names):
        twice = sorted({name for name in names if names.count(name) > 1})
        raise DatasetProblem(f"variable {twice[0]} is listed twice in columns", "/columns")
    read = []
    for index, row in enumerate(document["rows"]):
        if len(row) != len(columns):
            raise DatasetProblem(
                f"row {index + 1} holds {len(row)} values for {len(columns)} columns",
                f"/rows/{index}",
            )
        for name, value in zip(names, row, strict=True):
            if isinstance(value, list | dict):
                raise DatasetProblem(
                    f"row {index + 1}, variable {name} holds a JSON "
                    f"{'array' if isinstance(value, list) else 'object'}; a cell is a string, "
                    "number, boolean or null",
                    f"/rows/{index}",
                )
        read.append({name: plain(value) for name, value in zip(names, row, strict=True)})
    if document["records"] != len(read):
        raise DatasetProblem(
            f"records says {document['records']} but the file holds {len(read)} rows",
            "/records",
        )
    return Dataset(
        str(document["name"]).upper(),
        document["label"],
        str(path),
        {column.name: column for column in columns},
        read,
    )


def dataset_json_document(
    name: str,
    label: str,
    columns: list[Column],
    rows: list[list[Any]],
    study_id: str,
    created: datetime | None = None,
) -> dict[str, Any]:
    """A Dataset-JSON v1.1 document for one domain (``name`` DV, ``label`` its title)."""
    stamp = (created or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S")
    described = []
    for column in columns:
        item: dict[str, Any] = {
            "itemOID": f"IT.{name}.{column.name}",
            "name": column.name,
            "label": column.label,
            "dataType": column.data_type,
        }
        if column.length is not None:
            item["length"] = column.length
        described.append(item)
    return {
        "datasetJSONCreationDateTime": stamp,
        "datasetJSONVersion": "1.1.0",
        "originator": "tacecheck",
        "sourceSystem": {"name": "tacecheck", "version": "1"},
        "studyOID": study_id,
        "itemGroupOID": f"IG.{name}",
        "records": len(rows),
        "name": name,
        "label": label,
        "columns": described,
        "rows": rows,
    }


def write_dataset_json(document: dict[str, Any], path: Path) -> None:
    """Write a document as ``.json`` (one object) or ``.ndjson`` (metadata, then rows)."""
    if path.suffix.lower() == ".ndjson":
        metadata = {key: value for key, value in document.items() if key != "rows"}
        lines = [json.dumps(metadata, ensure_ascii=False)]
        lines += [json.dumps(row, ensure_ascii=False) for row in document["rows"]]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", "utf-8")
