"""One DM subject -> one canonical record (see :mod:`protocol.sdtm.assembly` for the rules).

After the values are read, the record goes through the canonical schema and model here, so a
problem only they can see (a grade of 7, a USUBJID with a space) is reported with the SDTM
row and variable it came from, not only the JSON Pointer.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from protocol.findings import RecordError
from protocol.records import in_field_order, load_record
from protocol.sdtm.assembly import USUBJID, Assembled, Study, _Subject
from protocol.sdtm.mapping import LISTS
from protocol.sdtm.values import MISSING, ValueProblem, read_value

__all__ = ["assemble_subjects"]


def _supplemental(study: Study, subject: _Subject, spec: Any) -> Any:
    dataset = study.datasets.get(spec.supplemental)
    if dataset is None:
        return MISSING
    for index, row in enumerate(dataset.rows):
        if row.get(USUBJID) == subject.usubjid and row.get("QNAM") == spec.variable:
            subject.provenance.add(
                f"/{spec.name}", subject.origin(dataset, index, f"QVAL (QNAM {spec.variable})")
            )
            try:
                return read_value(
                    replace(spec, variable=f"QVAL (QNAM {spec.variable})"),
                    row.get("QVAL"),
                    dataset.columns.get("QVAL"),
                    study.mapping.source,
                )
            except ValueProblem as problem:
                subject.errors.append(
                    RecordError(
                        dataset.where(index),
                        f"/{spec.name} ({dataset.name}.QVAL)",
                        problem.message,
                        problem.expected,
                        row.get("QVAL"),
                        problem.show,
                        subject.patient_id,
                    )
                )
                return MISSING
    return MISSING


def _subject_fields(study: Study, subject: _Subject, record: dict[str, Any]) -> None:
    section = study.mapping.subject
    dm = study.readable["subject"]
    found = subject.fields(section, dm, subject.dm_index, "")
    if found is None:
        record["cohort"] = None  # stops the record; the errors say why
        return
    record.update(found)
    for spec in section.fields.values():
        if spec.supplemental:
            value = _supplemental(study, subject, spec)
            if value is not MISSING:
                record[spec.name] = value
    flag = section.death_flag
    if flag and flag in dm.columns:
        value = dm.rows[subject.dm_index].get(flag)
        if value not in (None, "", "Y"):
            subject.errors.append(
                RecordError(
                    dm.where(subject.dm_index),
                    f"/death_date ({dm.name}.{flag})",
                    f"{flag} holds a value other than Y or empty",
                    "Y or empty (CDISC codelist NY)",
                    value,
                    True,
                    subject.patient_id,
                )
            )
        record["_death_flag"] = value == "Y"


def _death(study: Study, subject: _Subject, record: dict[str, Any]) -> None:
    flagged = record.pop("_death_flag", False)
    death, origin = subject.single("death") if "death" in study.readable else (None, None)
    dm = study.readable["subject"]
    if death and "date" in death:
        if "death_date" not in record:
            record["death_date"] = death["date"]
            subject.provenance.add("/death_date", subject.provenance.origins["/death/date"])
        elif record["death_date"] != death["date"]:
            assert origin is not None
            ds_variable = study.mapping.sections["death"].fields["date"].variable
            dm_variable = study.mapping.subject.fields["death_date"].variable
            subject.errors.append(
                RecordError(
                    f"{origin.file} row {origin.row}",
                    f"/death_date ({origin.dataset}.{ds_variable})",
                    f"the date of death in {origin.dataset}.{ds_variable} disagrees with "
                    f"{dm.name}.{dm_variable}",
                    patient_id=subject.patient_id,
                )
            )
    subject.provenance.origins.pop("/death", None)
    subject.provenance.origins.pop("/death/date", None)
    if flagged and "death_date" not in record:
        subject.errors.append(
            RecordError(
                dm.where(subject.dm_index),
                f"/death_date ({dm.name}.{study.mapping.subject.death_flag})",
                "the subject is flagged as dead but no date of death is given (in DM or DS); "
                "a partial date such as 2013 will do",
                patient_id=subject.patient_id,
            )
        )


def _located(error: RecordError, subject: _Subject) -> RecordError:
    """A canonical validation error, pointed at the SDTM row and variable it came from."""
    origin = subject.provenance.lookup(error.location)
    if origin is None or origin.file is None:
        return replace(error, source=subject.folder)
    where = f"{origin.file} row {origin.row}" if origin.row else origin.file
    variable = f" ({origin.dataset}.{origin.variable})" if origin.variable else ""
    return replace(error, source=where, location=f"{error.location}{variable}")


def _one(study: Study, usubjid: str, dm_index: int, folder: str) -> Assembled:
    subject = _Subject(study, usubjid, dm_index, folder)
    dm = study.readable["subject"]
    subject.provenance.add("/patient_id", subject.origin(dm, dm_index, USUBJID))
    record: dict[str, Any] = {"schema_version": "1", "patient_id": usubjid}
    _subject_fields(study, subject, record)
    for name in ("diagnosis", "withdrawal"):
        if name in study.readable:
            found, _origin = subject.single(name)
            if found:
                record[name] = found
    for name in LISTS:
        if name not in study.readable:
            continue
        dataset = study.readable[name]
        section = study.mapping.sections[name]
        subject.provenance.add(f"/{name}", subject.origin(dataset, None, None))
        items = []
        for position, index in enumerate(subject.rows(name)):
            subject.provenance.add(f"/{name}/{position}", subject.origin(dataset, index, None))
            found = subject.fields(section, dataset, index, f"/{name}/{position}")
            items.append(found if found is not None else {})
        if items:
            record[name] = items
    _death(study, subject, record)
    source = f"{folder} USUBJID {usubjid}"
    ordered = in_field_order(record)
    if subject.errors:
        return Assembled(source, usubjid, None, subject.errors, subject.provenance)
    _model, problems = load_record(ordered, source)
    if problems:
        errors = [_located(error, subject) for error in problems]
        return Assembled(source, usubjid, None, errors, subject.provenance)
    missing = tuple(
        name
        for name in ("diagnosis", *LISTS)
        if name in study.mapping.sections and name not in study.readable
    )
    for name in missing:
        domain = study.mapping.sections[name].domain
        subject.provenance.not_collected[name] = (
            f"no {domain} dataset" if domain not in study.datasets else f"{domain} unreadable"
        )
    return Assembled(source, usubjid, ordered, [], subject.provenance, missing)


def assemble_subjects(study: Study, folder: str) -> Iterator[Assembled | RecordError]:
    """Every DM subject's record (or errors), in DM row order."""
    if "subject" not in study.readable:
        return
    dm = study.readable["subject"]
    first: dict[str, int] = {}
    for usubjid, indexes in study.by_subject.get("subject", {}).items():
        for index in indexes:
            if not usubjid:
                yield RecordError(
                    dm.where(index), f"/patient_id ({dm.name}.{USUBJID})", "USUBJID is empty"
                )
            elif usubjid in first:
                yield RecordError(
                    dm.where(index),
                    f"/patient_id ({dm.name}.{USUBJID})",
                    f"subject {usubjid} is in {dm.name} twice (first at row {first[usubjid] + 1})"
                    "; this row was not read",
                    patient_id=usubjid,
                )
            else:
                first[usubjid] = index
    for usubjid, index in sorted(first.items(), key=lambda item: item[1]):
        yield _one(study, usubjid, index, folder)
