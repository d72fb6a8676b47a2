"""SDTM domains -> one canonical record per DM subject, with provenance and problems.

Each subject of DM becomes a record; the rows of the other domains are sorted to their
subject by USUBJID and into --SEQ order, one canonical item per selected row. A problem with
a value (an unknown code, the wrong type, an impossible date) is a RecordError naming the
file and row, and, in its location, the canonical JSON Pointer and the variable
(``/sorafenib/0/dose_mg (EX.EXDOSE)``); it stops that subject only. A problem with a whole
dataset (missing, or lacking a variable the mapping reads) is reported once by
:func:`dataset_problems`, and the section is read as not recorded for every subject.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from protocol.findings import RecordError
from protocol.sdtm.datasets import Dataset
from protocol.sdtm.mapping import LISTS, Mapping, Section
from protocol.sdtm.provenance import Origin, Provenance
from protocol.sdtm.values import MISSING, ValueProblem, read_value

__all__ = ["WHAT", "Assembled", "Rows", "Study", "assemble_study"]

USUBJID = "USUBJID"


@dataclass(slots=True)
class Assembled:
    """A canonical record (or the errors that stop it) and where its values came from."""

    source: str
    usubjid: str
    record: dict[str, Any] | None
    errors: list[RecordError]
    provenance: Provenance
    not_collected: tuple[str, ...] = ()  # canonical sections whose domain could not be read


@dataclass(slots=True)
class Rows:
    """One section's selected rows of one subject: (dataset, row index) in --SEQ order."""

    dataset: Dataset
    indexes: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Study:
    """The readable sections and each one's rows, by subject."""

    mapping: Mapping
    datasets: dict[str, Dataset]
    readable: dict[str, Dataset]  # section -> its dataset, when it can be read
    by_subject: dict[str, dict[str, list[int]]]  # section -> usubjid -> row indexes
    errors: list[RecordError]  # problems with datasets, and rows of subjects not in DM


WHAT = {
    "subject": "the subjects",
    "diagnosis": "the diagnosis",
    "tace": "TACE procedures",
    "imaging": "tumour response assessments",
    "sorafenib": "sorafenib dosing",
    "adverse_events": "adverse events",
    "withdrawal": "withdrawals",
    "death": "deaths (disposition)",
}


def _missing_domain(mapping: Mapping, section: Section, folder: str) -> RecordError:
    what = WHAT[section.name]
    return RecordError(
        folder,
        f"/{section.name} ({section.domain})" if section.name != "subject" else "",
        f"no {section.domain} dataset in this folder; the mapping ({mapping.source}) reads "
        f"{what} from it, so they are not collected for any subject and every rule that "
        "needs them is not evaluable",
    )


def _seq(dataset: Dataset, index: int) -> int | None:
    value = dataset.rows[index].get(f"{dataset.name}SEQ")
    return value if isinstance(value, int) else None


def _selected(section: Section, row: dict[str, Any]) -> bool:
    return all(
        isinstance(row.get(name), str) and row[name].strip() in values
        for name, values in section.select.items()
    )


def _missing_variables(section: Section, dataset: Dataset) -> list[str]:
    needed = [USUBJID, *section.variables()]
    return [name for name in needed if name not in dataset.columns]


def _readable(study_errors: list[RecordError], section: Section, dataset: Dataset) -> bool:
    absent = _missing_variables(section, dataset)
    blocking = [name for name in absent if name == USUBJID or name in section.select]
    blocking += [
        spec.variable
        for spec in section.fields.values()
        if spec.required and spec.supplemental is None and spec.variable in absent
    ]
    for name in absent:
        fields = [s.name for s in section.fields.values() if name in (s.variable, s.unit_variable)]
        pointer = f"/{section.name}/*/{fields[0]}" if fields and section.name in LISTS else ""
        if section.name == "subject" and fields:
            pointer = f"/{fields[0]}"
        consequence = (
            f"{WHAT[section.name]} cannot be read from it"
            if name in blocking
            else f"{'/'.join(fields) or name} is not recorded for any subject"
        )
        study_errors.append(
            RecordError(
                dataset.source,
                f"{pointer} ({dataset.name}.{name})".strip(),
                f"{dataset.name} has no variable {name}; {consequence}",
            )
        )
    return not blocking


def assemble_study(mapping: Mapping, datasets: dict[str, Dataset], folder: str) -> Study:
    """Which sections can be read, and each one's rows sorted to subjects."""
    errors: list[RecordError] = []
    readable: dict[str, Dataset] = {}
    for section in [mapping.subject, *mapping.sections.values()]:
        dataset = datasets.get(section.domain)
        if dataset is None:
            errors.append(_missing_domain(mapping, section, folder))
        elif _readable(errors, section, dataset):
            readable[section.name] = dataset
    for spec in mapping.subject.fields.values():
        if spec.supplemental and spec.supplemental not in datasets:
            errors.append(
                RecordError(
                    folder,
                    f"/{spec.name} ({spec.supplemental}.QNAM {spec.variable})",
                    f"no {spec.supplemental} dataset in this folder; {spec.name} is not "
                    "recorded for any subject",
                )
            )
    by_subject: dict[str, dict[str, list[int]]] = {}
    for name, dataset in readable.items():
        section = mapping.subject if name == "subject" else mapping.sections[name]
        grouped: dict[str, list[int]] = defaultdict(list)
        for index, row in enumerate(dataset.rows):
            if name == "subject" or _selected(section, row):
                grouped[str(row.get(USUBJID) or "")].append(index)
        for indexes in grouped.values():
            indexes.sort(key=lambda i: (_seq(dataset, i) is None, _seq(dataset, i) or 0, i))
        by_subject[name] = dict(grouped)
    subjects = set(by_subject.get("subject", {}))
    for name, grouped in by_subject.items():
        dataset = readable[name]
        for usubjid, indexes in grouped.items():
            if name != "subject" and usubjid not in subjects:
                dm = mapping.subject.domain
                errors.append(
                    RecordError(
                        dataset.where(indexes[0]),
                        f"/{name} ({dataset.name}.{USUBJID})",
                        f"subject {usubjid or '(empty USUBJID)'} has {len(indexes)} "
                        f"{dataset.name} row(s) but is not in {dm}; they were not read",
                        patient_id=usubjid or None,
                    )
                )
    return Study(mapping, datasets, readable, by_subject, errors)


class _Subject:
    def __init__(self, study: Study, usubjid: str, dm_index: int, folder: str) -> None:
        self.study = study
        self.usubjid = usubjid
        self.folder = folder
        self.dm_index = dm_index
        self.errors: list[RecordError] = []
        self.provenance = Provenance(usubjid)

    def origin(self, dataset: Dataset, index: int | None, variable: str | None) -> Origin:
        seq = _seq(dataset, index) if index is not None else None
        row = index + 1 if index is not None else None
        return Origin(dataset.name, self.usubjid, variable, seq, dataset.source, row)

    def fields(
        self, section: Section, dataset: Dataset, index: int, base: str
    ) -> dict[str, Any] | None:
        """One row's canonical fields (None when one of them is wrong), with provenance."""
        row = dataset.rows[index]
        out: dict[str, Any] = {}
        good = True
        for spec in section.fields.values():
            if spec.supplemental:
                continue
            pointer = f"{base}/{spec.name}"
            self.provenance.add(pointer, self.origin(dataset, index, spec.variable))
            if spec.variable not in dataset.columns:
                continue  # reported once for the dataset
            try:
                value = read_value(
                    spec,
                    row.get(spec.variable),
                    dataset.columns[spec.variable],
                    self.study.mapping.source,
                )
                if value is not MISSING and spec.unit_variable:
                    self.unit(spec, row.get(spec.unit_variable))
            except ValueProblem as problem:
                good = False
                shown = spec.unit_variable if "unit" in problem.message else spec.variable
                self.errors.append(
                    RecordError(
                        dataset.where(index),
                        f"{pointer} ({dataset.name}.{shown})",
                        problem.message,
                        problem.expected,
                        row.get(shown),
                        problem.show,
                        self.patient_id,
                    )
                )
                continue
            if value is not MISSING:
                out[spec.name] = value
            elif spec.required:
                good = False
                self.errors.append(
                    RecordError(
                        dataset.where(index),
                        f"{pointer} ({dataset.name}.{spec.variable})",
                        f"{spec.variable} is empty; {section.name.replace('_', ' ')} needs "
                        f"its {spec.name.replace('_', ' ')}",
                        patient_id=self.patient_id,
                    )
                )
        return out if good else None

    @staticmethod
    def unit(spec: Any, value: Any) -> None:
        if not isinstance(value, str) or value.strip() not in spec.unit_codes:
            raise ValueProblem(
                f"{spec.unit_variable} is not a unit the mapping accepts for the dose (unit)",
                "one of " + ", ".join(spec.unit_codes),
            )

    @property
    def patient_id(self) -> str | None:
        return self.usubjid or None

    def rows(self, name: str) -> list[int]:
        return self.study.by_subject.get(name, {}).get(self.usubjid, [])

    def single(self, name: str) -> tuple[dict[str, Any] | None, Origin | None]:
        """A section of at most one row per subject (diagnosis, withdrawal, death)."""
        indexes = self.rows(name)
        if not indexes:
            return None, None
        dataset = self.study.readable[name]
        section = self.study.mapping.sections[name]
        if len(indexes) > 1:
            self.errors.append(
                RecordError(
                    dataset.where(indexes[1]),
                    f"/{name} ({dataset.name})",
                    f"subject has {len(indexes)} {dataset.name} rows for {name} "
                    f"(rows {', '.join(str(i + 1) for i in indexes)}); expected at most one",
                    patient_id=self.patient_id,
                )
            )
            return None, None
        self.provenance.add(f"/{name}", self.origin(dataset, indexes[0], None))
        return self.fields(section, dataset, indexes[0], f"/{name}"), self.origin(
            dataset, indexes[0], None
        )
