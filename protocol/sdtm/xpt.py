"""SAS transport (XPORT v5) datasets, read and written with pyreadstat (the ``sdtm`` extra).

Variable names, labels and lengths are kept: a character variable's length is its storage
width, which pyreadstat sets to the longest value written (the FDA's Study Data Technical
Conformance Guide asks for exactly that); numbers are 8-byte doubles.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from protocol.sdtm.datasets import Column, Dataset, DatasetProblem, plain

__all__ = ["XPT_TEXT_LIMIT", "read_xpt", "write_xpt"]

XPT_TEXT_LIMIT = 200  # XPORT v5: a character variable holds at most 200 bytes


def _pyreadstat() -> Any:
    try:
        import pyreadstat
    except ImportError:
        raise DatasetProblem(
            "reading SAS transport files needs pyreadstat: pip install 'tacecheck[sdtm]'"
        ) from None
    return pyreadstat


def read_xpt(path: Path) -> Dataset:
    """One XPORT file's first dataset."""
    pyreadstat = _pyreadstat()
    try:
        data, meta = pyreadstat.read_xport(
            str(path), output_format="dict", disable_datetime_conversion=True
        )
    except Exception as error:  # pyreadstat raises its own error types, and OSError
        raise DatasetProblem(f"not a readable SAS transport file ({error})") from None
    columns = {}
    for name in meta.column_names:
        kind = meta.readstat_variable_types.get(name)
        columns[name] = Column(
            name,
            meta.column_names_to_labels.get(name) or "",
            "string" if kind == "string" else "double",
            meta.variable_storage_width.get(name),
        )
    count = len(next(iter(data.values()))) if data else 0
    rows = [{name: plain(data[name][index]) for name in columns} for index in range(count)]
    name = (meta.table_name or path.stem).upper()
    return Dataset(name, meta.file_label or "", str(path), columns, rows)


def write_xpt(name: str, label: str, columns: list[Column], rows: list[list[Any]], path: Path):
    """Write one domain as XPORT v5; character values longer than 200 bytes are refused."""
    import pandas

    pyreadstat = _pyreadstat()
    data: dict[str, list[Any]] = {}
    for position, column in enumerate(columns):
        values = [row[position] for row in rows]
        if column.numeric:
            data[column.name] = [float("nan") if v is None else float(v) for v in values]
        else:
            text = ["" if v is None else str(v) for v in values]
            too_long = [v for v in text if len(v.encode("utf-8")) > XPT_TEXT_LIMIT]
            if too_long:
                raise ValueError(f"{name}.{column.name}: a value is over 200 bytes")
            data[column.name] = text
    frame = pandas.DataFrame(data, columns=[column.name for column in columns])
    pyreadstat.write_xport(
        frame,
        str(path),
        file_label=label,
        column_labels={column.name: column.label for column in columns},
        table_name=name,
        file_format_version=5,
    )
