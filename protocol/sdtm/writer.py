"""Canonical records -> SDTM domains, through the same mapping the reader uses.

This is how the shipped SDTM examples are made from ``examples/*.json`` (and how the round
trip canonical -> SDTM -> canonical is tested)::

    python -m protocol.sdtm.writer examples/*.json --out integrations/sdtm/examples/xpt \
        --format xpt

Each canonical field goes to the variable the mapping names, a coded value to the first
submission value that maps to it; the variables a section selects on get their first listed
value; a death date goes to DM.DTHDTC (with DTHFL Y) and to a DS death record.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from protocol.sdtm.dataset_json import dataset_json_document, write_dataset_json
from protocol.sdtm.datasets import Column
from protocol.sdtm.labels import DOMAIN_LABELS, label_of
from protocol.sdtm.mapping import LISTS, FieldSpec, Mapping, Section, default_mapping_path
from protocol.sdtm.mapping import load_mapping as _load
from protocol.sdtm.values import NULLABLE

__all__ = ["Table", "main", "sdtm_tables", "write_tables"]

FIXED = datetime(2026, 1, 1, tzinfo=UTC)  # creation stamp of shipped files: same bytes each run


class Table:
    """One domain being written: its columns in order and its rows."""

    def __init__(self, name: str, study_id: str) -> None:
        self.name = name
        self.study_id = study_id
        self.variables: list[str] = ["STUDYID", "DOMAIN", "USUBJID"]
        self.numeric: set[str] = set()
        self.rows: list[dict[str, Any]] = []
        self.seq: dict[str, int] = defaultdict(int)

    def declare(self, variables: list[str], numeric: list[str]) -> None:
        """Columns the domain has even when no row fills them (DS without withdrawals)."""
        for name in variables:
            if name not in self.variables:
                self.variables.append(name)
        self.numeric.update(numeric)

    def add(self, usubjid: str, values: dict[str, Any], seq: bool = True) -> None:
        row = {"STUDYID": self.study_id, "DOMAIN": self.name, "USUBJID": usubjid}
        if self.name.startswith("SUPP"):
            row["RDOMAIN"] = self.name[4:]
            del row["DOMAIN"]
        if seq:
            self.seq[usubjid] += 1
            values = {f"{self.name}SEQ": self.seq[usubjid], **values}
            self.numeric.add(f"{self.name}SEQ")
        row.update(values)
        for key, value in row.items():
            if key not in self.variables:
                self.variables.append(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                self.numeric.add(key)
        self.rows.append(row)

    def columns(self) -> list[Column]:
        out = []
        for name in [
            v for v in self.variables if not (self.name.startswith("SUPP") and v == "DOMAIN")
        ]:
            if name in self.numeric:
                out.append(Column(name, label_of(self.name, name), "double"))
            else:
                width = max([len(str(row.get(name) or "")) for row in self.rows] + [1])
                out.append(Column(name, label_of(self.name, name), "string", width))
        return out

    def matrix(self) -> list[list[Any]]:
        names = [column.name for column in self.columns()]
        return [
            [row.get(name, None if name in self.numeric else "") for name in names]
            for row in self.rows
        ]


def _code(spec: FieldSpec, value: Any) -> Any:
    if spec.codes is None:
        return value
    for code, meant in spec.codes.items():
        if meant == value and type(meant) is type(value):
            return code
    raise ValueError(f"no code of {spec.variable} in the mapping means {value!r}")


def _cells(section: Section, item: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {name: values[0] for name, values in section.select.items()}
    for spec in section.fields.values():
        if spec.supplemental:
            continue
        if spec.name in item and (item[spec.name] is not None or spec.name in NULLABLE):
            value = item[spec.name]
            out[spec.variable] = "" if value is None and spec.codes is None else _code(spec, value)
        elif spec.codes is not None and None in spec.codes.values() and spec.name not in NULLABLE:
            out[spec.variable] = _code(spec, None)  # the code that says "not recorded"
        else:
            out[spec.variable] = None if spec.kind in ("number",) else ""
        if spec.unit_variable:
            out[spec.unit_variable] = spec.unit_codes[0]
    return out


def sdtm_tables(records: list[dict[str, Any]], mapping: Mapping) -> dict[str, Table]:
    """The SDTM domains holding ``records``, by domain name."""
    tables: dict[str, Table] = {}

    def table(name: str) -> Table:
        return tables.setdefault(name, Table(name, mapping.study_id))

    subject = mapping.subject
    for section in [subject, *mapping.sections.values()]:
        numbers = [s.variable for s in section.fields.values() if s.kind == "number"]
        seq = [] if section is subject else [f"{section.domain}SEQ"]
        table(section.domain).declare(seq + section.variables(), seq + numbers)
    for record in records:
        usubjid = record["patient_id"]
        dm_cells = _cells(subject, record)
        if subject.death_flag:
            dm_cells[subject.death_flag] = "Y" if record.get("death_date") else ""
        table(subject.domain).add(usubjid, dm_cells, seq=False)
        for spec in subject.fields.values():
            if spec.supplemental and record.get(spec.name) is not None:
                supp = table(spec.supplemental)
                supp.add(
                    usubjid,
                    {
                        "IDVAR": "",
                        "IDVARVAL": "",
                        "QNAM": spec.variable,
                        "QLABEL": spec.name.replace("_", " ").capitalize(),
                        "QVAL": record[spec.name],
                        "QORIG": "CRF",
                    },
                    seq=False,
                )
        for name in ("diagnosis", "withdrawal"):
            if name in mapping.sections and record.get(name):
                section = mapping.sections[name]
                table(section.domain).add(usubjid, _cells(section, record[name]))
        if "death" in mapping.sections and record.get("death_date"):
            section = mapping.sections["death"]
            table(section.domain).add(usubjid, _cells(section, {"date": record["death_date"]}))
        for name in LISTS:
            if name in mapping.sections:
                section = mapping.sections[name]
                for item in record.get(name, []):
                    table(section.domain).add(usubjid, _cells(section, item))
    return tables


def write_tables(tables: dict[str, Table], folder: Path, form: str) -> list[Path]:
    """Write each domain as ``form``: ``json``, ``ndjson`` (Dataset-JSON) or ``xpt``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in tables.items():
        label = DOMAIN_LABELS.get(name, name)
        path = folder / f"{name.lower()}.{form}"
        if form == "xpt":
            from protocol.sdtm.xpt import write_xpt

            write_xpt(name, label, table.columns(), table.matrix(), path)
        else:
            document = dataset_json_document(
                name, label, table.columns(), table.matrix(), table.study_id, FIXED
            )
            write_dataset_json(document, path)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write canonical records as SDTM domains.")
    parser.add_argument("records", nargs="+", type=Path, help="canonical .json / .jsonl files")
    parser.add_argument("--out", type=Path, required=True, help="folder to write the domains in")
    parser.add_argument("--format", choices=("json", "ndjson", "xpt"), default="json")
    parser.add_argument("--mapping", type=Path, default=None)
    args = parser.parse_args(argv)
    records = []
    for path in args.records:
        text = path.read_text(encoding="utf-8")
        if path.suffix in (".jsonl", ".ndjson"):
            records += [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            records.append(json.loads(text))
    mapping = _load(args.mapping or default_mapping_path())
    for path in write_tables(sdtm_tables(records, mapping), args.out, args.format):
        print(path, file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
