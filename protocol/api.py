"""The Python API: check one record, a stream of records, or a record being entered."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from protocol.engine import check_record
from protocol.findings import PatientResult, RecordError, Report
from protocol.packs import Pack, load_pack
from protocol.records import load_record, read_sources

__all__ = ["check", "check_many", "check_paths"]


def _pack(pack: Pack | str | None) -> Pack:
    if isinstance(pack, Pack):
        return pack
    return load_pack(pack or "tamai-2017")


def check(
    record: dict[str, Any],
    as_of: date | None = None,
    pack: Pack | str | None = None,
    source: str = "<record>",
    not_collected: Mapping[str, str] | None = None,
) -> PatientResult | list[RecordError]:
    """Check one decoded record: its result, or the errors that stop it being checked.

    ``not_collected`` names the record sections its source did not collect, with why
    (``{"tace": "no PR dataset"}``): the rules that read them are not evaluable."""
    model, errors = load_record(record, source)
    if model is None:
        return errors
    return check_record(model, _pack(pack), as_of, source, not_collected)


def check_many(
    records: Iterable[tuple[str, Any]],
    as_of: date | None = None,
    pack: Pack | str | None = None,
) -> Iterator[PatientResult | RecordError]:
    """Check ``(source, record)`` pairs lazily; a bad record yields its errors, the rest go on."""
    loaded = _pack(pack)
    for source, record in records:
        result = check(record, as_of, loaded, source)
        if isinstance(result, list):
            yield from result
        else:
            yield result


def check_paths(
    paths: Iterable[str | Path],
    as_of: date | None = None,
    pack: Pack | str | None = None,
) -> Report:
    """Check every record in files, folders, JSON Lines or ``-`` (stdin) into one report."""
    loaded = _pack(pack)
    report = Report(loaded.id, loaded.version, as_of.isoformat() if as_of else None)
    for submission in read_sources(paths):
        if submission.error is not None:
            report.errors.append(submission.error)
            continue
        # Read by the strict JSON decoder: JSON values only, so no walk for Python ones.
        model, errors = load_record(submission.record, submission.source, from_json=True)
        if model is None:
            report.errors.extend(errors)
        else:
            report.patients.append(check_record(model, loaded, as_of, submission.source))
    return report
