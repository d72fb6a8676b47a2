"""FHIR input -> canonical records, as the checking pipeline consumes them.

:func:`fhir_records` gives an :class:`~protocol.fhir.assembly.Assembled` per Patient, after
a :class:`~protocol.findings.RecordError` per resource that cannot be read (invalid, or
referring to a Patient not in the input). :func:`read_fhir` makes the RawRecord stream of
``run_cohort``; :func:`fhir_reader` is the ``reader=`` argument of ``run_cohort``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from protocol.fhir.assembly import Assembled, fhir_records
from protocol.fhir.mapping import FhirMapping, default_mapping_path, load_mapping
from protocol.findings import RecordError
from protocol.provenance import raw_records
from protocol.records.sources import RawRecord

__all__ = ["fhir_reader", "patient_records", "read_fhir"]


def _mapping(mapping: FhirMapping | str | Path | None) -> FhirMapping:
    if isinstance(mapping, FhirMapping):
        return mapping
    return load_mapping(mapping or default_mapping_path())


def patient_records(
    path: str | Path, mapping: FhirMapping | str | Path | None = None
) -> Iterator[Assembled | RecordError]:
    """Every Patient of a Bundle, NDJSON file or folder (or the error in its place)."""
    yield from fhir_records(path, _mapping(mapping))


def read_fhir(
    path: str | Path, mapping: FhirMapping | str | Path | None = None
) -> Iterator[RawRecord]:
    """One RawRecord per canonical record (JSON bytes, kind ``file``), one per error."""
    return raw_records(patient_records(path, mapping))


def fhir_reader(
    mapping: FhirMapping | str | Path | None = None,
) -> Callable[[list[str | Path], Iterable[str | Path]], Iterator[RawRecord]]:
    """A ``reader`` for :func:`protocol.cohort.run_cohort`: each path a Bundle or folder.

    Raises ImportError (with the install line) when the ``fhir`` extra is not installed,
    and FhirMappingError for a mapping that cannot be used, before any input is read."""
    try:
        import fhir.resources.R4B  # noqa: F401
    except ImportError:
        raise ImportError(
            "reading FHIR needs fhir.resources: pip install 'tacecheck[fhir]'"
        ) from None
    loaded = _mapping(mapping)

    def read(paths: list[str | Path], skip: Iterable[str | Path] = ()) -> Iterator[RawRecord]:
        for path in paths:
            yield from read_fhir(path, loaded)

    return read
