"""A folder of SDTM domains -> canonical records, as the checking pipeline consumes them.

:func:`sdtm_records` gives an :class:`~protocol.sdtm.assembly.Assembled` per DM subject (the
canonical record and its :class:`~protocol.sdtm.provenance.Provenance`, or the errors that
stop it), after a :class:`~protocol.findings.RecordError` for each problem with the folder or
a dataset (a missing domain, a missing variable, rows of a subject not in DM).
:func:`read_sdtm` turns that into the :class:`~protocol.records.sources.RawRecord` stream
that ``run_cohort``'s chunks are made of, as :func:`protocol.redcap.read_redcap` does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from protocol.findings import RecordError
from protocol.provenance import raw_records
from protocol.records.sources import RawRecord
from protocol.sdtm.assembly import WHAT, Assembled, assemble_study
from protocol.sdtm.datasets import read_folder
from protocol.sdtm.mapping import Mapping, default_mapping_path, load_mapping
from protocol.sdtm.subjects import assemble_subjects

__all__ = ["held_back", "read_sdtm", "sdtm_reader", "sdtm_records"]


def sdtm_records(
    folder: str | Path, mapping: Mapping | str | Path | None = None
) -> Iterator[Assembled | RecordError]:
    """Every subject of the folder's DM (or the error in its place), folder problems first.

    ``mapping`` is a Mapping, a mapping file, or None for the shipped Tamai mapping.
    Raises :class:`~protocol.sdtm.mapping.MappingError` for a mapping that cannot be used.
    """
    if not isinstance(mapping, Mapping):
        mapping = load_mapping(mapping or default_mapping_path())
    label = str(folder)
    datasets, errors = read_folder(folder)
    yield from errors
    if not datasets and errors:
        return
    study = assemble_study(mapping, datasets, label)
    yield from study.errors
    yield from assemble_subjects(study, label)


def held_back(item: Assembled, mapping: Mapping) -> RecordError:
    """Why a subject whose folder lacks a list domain (PR, RS, EX, AE) is not checked."""
    sections = [mapping.sections[name] for name in item.not_collected]
    names = ", ".join(f"{WHAT[s.name]} ({s.domain})" for s in sections)
    return RecordError(
        item.source,
        "/" + sections[0].name + f" ({sections[0].domain})",
        f"not checked: {names} were not collected, which is not the same as none; checked "
        "without them the rules would read 'no TACE' or 'no sorafenib' and could report "
        "deviations that did not happen. Add the domain(s), or pass incomplete='check'",
        patient_id=item.usubjid,
    )


def read_sdtm(
    folder: str | Path,
    mapping: Mapping | str | Path | None = None,
    incomplete: str = "check",
) -> Iterator[RawRecord]:
    """The pipeline's input: one RawRecord per canonical record (JSON bytes, kind ``file``),
    and one per error (a subject with several problems gives one item per problem).

    A subject whose sections were not collected (their domain is missing from the folder,
    or cannot be read) is checked with what there is, every rule that reads such a section
    being not evaluable (``incomplete="check"``, the pack's not-collected decision), or held
    back with an error (``"hold"``)."""
    if not isinstance(mapping, Mapping):
        mapping = load_mapping(mapping or default_mapping_path())

    def held(items: Iterable[Assembled | RecordError]) -> Iterator[Assembled | RecordError]:
        for item in items:
            built = not isinstance(item, RecordError) and item.record is not None
            hold = built and item.not_collected and incomplete == "hold"
            yield held_back(item, mapping) if hold else item

    return raw_records(held(sdtm_records(folder, mapping)))


def sdtm_reader(
    mapping: Mapping | str | Path | None = None, incomplete: str = "check"
) -> Callable[[list[str | Path], Iterable[str | Path]], Iterator[RawRecord]]:
    """A ``reader`` for :func:`protocol.cohort.run_cohort`: each path is a folder of domains.

    The mapping is read once, here, so a bad mapping fails before the run starts."""
    loaded = (
        mapping if isinstance(mapping, Mapping) else load_mapping(mapping or default_mapping_path())
    )

    def read(paths: list[str | Path], skip: Iterable[str | Path] = ()) -> Iterator[RawRecord]:
        for folder in paths:
            yield from read_sdtm(folder, loaded, incomplete)

    return read
