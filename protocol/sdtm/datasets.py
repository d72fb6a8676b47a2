"""SDTM datasets as read from a folder: one :class:`Dataset` per domain, whatever its format.

A domain may be SAS transport (``.xpt``, XPORT v5, read with pyreadstat) or CDISC
Dataset-JSON v1.1 (``.json``, or ``.ndjson``: the metadata on the first line, one row per
line after it). Each file is read whole into plain Python values (``str``, ``int``,
``float``, ``None``); SAS missing numbers become ``None``, and a whole-number double
(``400.0``) becomes an ``int`` so that values read from XPT equal those read from JSON.
A file that cannot be read is a :class:`~protocol.findings.RecordError` naming it; the
other domains are still read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from protocol.findings import RecordError

__all__ = [
    "NUMERIC_TYPES",
    "Column",
    "Dataset",
    "DatasetProblem",
    "read_dataset",
    "read_folder",
]

NUMERIC_TYPES = frozenset({"integer", "float", "double", "decimal"})
SUFFIXES = (".json", ".ndjson", ".xpt")


class DatasetProblem(Exception):
    """A file that is not a readable dataset; ``location`` names the place inside it."""

    def __init__(self, message: str, location: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.location = location


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    label: str
    data_type: str  # Dataset-JSON dataType: string, integer, float, double, decimal, date...
    length: int | None = None

    @property
    def numeric(self) -> bool:
        return self.data_type in NUMERIC_TYPES


@dataclass(slots=True)
class Dataset:
    """One domain's rows, each a dict variable -> value, with where the file came from."""

    name: str
    label: str
    source: str
    columns: dict[str, Column]
    rows: list[dict[str, Any]] = field(default_factory=list)

    def where(self, index: int) -> str:
        """The source of row ``index`` (0-based) as reports show it: ``dm.json row 3``."""
        return f"{self.source} row {index + 1}"


def read_dataset(path: Path) -> Dataset:
    """One dataset file; raises :class:`DatasetProblem` when it is not one."""
    suffix = path.suffix.lower()
    if suffix == ".xpt":
        from protocol.sdtm.xpt import read_xpt

        return read_xpt(path)
    from protocol.sdtm.dataset_json import read_dataset_json

    return read_dataset_json(path)


def read_folder(folder: str | Path) -> tuple[dict[str, Dataset], list[RecordError]]:
    """Every dataset of a folder by domain name, and an error per file that is not one."""
    folder = Path(folder)
    label = str(folder)
    if not folder.is_dir():
        message = "no such folder" if not folder.exists() else "not a folder"
        return {}, [RecordError(label, "", f"{message}; --from sdtm reads a folder of domains")]
    found: dict[str, Dataset] = {}
    errors: list[RecordError] = []
    for path in sorted(folder.iterdir(), key=lambda item: os.fsencode(item.name)):
        if path.name.startswith(".") or not path.is_file():
            continue
        if path.suffix.lower() not in SUFFIXES:
            errors.append(
                RecordError(
                    str(path),
                    "",
                    "not a dataset: a domain is a .xpt (SAS transport v5), .json or .ndjson "
                    "(Dataset-JSON v1.1) file; this one was not read",
                )
            )
            continue
        try:
            dataset = read_dataset(path)
        except DatasetProblem as problem:
            errors.append(RecordError(str(path), problem.location, problem.message))
            continue
        first = found.get(dataset.name)
        if first is not None:
            errors.append(
                RecordError(
                    str(path),
                    "",
                    f"a second {dataset.name} dataset (the first is {first.source}); only the "
                    "first is read",
                )
            )
            continue
        found[dataset.name] = dataset
    return found, errors


def plain(value: Any) -> Any:
    """A value as the mapping compares it: whole floats as ints, NaN as None."""
    if isinstance(value, float):
        if value != value:  # NaN: a SAS missing number
            return None
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
    return value
