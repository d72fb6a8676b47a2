"""A cohort run: read, check and render records as a stream, on one or more processes.

The main process reads the inputs (bytes only) and cuts them into chunks;
each chunk is decoded, validated, checked and rendered where it is processed
(in this process with one worker, else in a pool of worker processes) and comes
back as rendered text plus a partial :class:`CohortSummary`. Chunks are written
in input order whatever the number of workers, so the output is the same; at
most a few chunks per worker are in flight, so memory stays flat however
large the cohort.
"""

from __future__ import annotations

import contextlib
import itertools
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from protocol.cohort.pool import Crash, WorkerPool
from protocol.cohort.spool import ErrorSpool
from protocol.cohort.summary import CohortSummary, PatientTally, eligibility_steps
from protocol.engine import check_record
from protocol.findings import RecordError
from protocol.packs.model import Pack
from protocol.progress import Progress
from protocol.records import load_record
from protocol.records.sources import RawRecord, read_raw
from protocol.render.base import Renderer

__all__ = ["ChunkResult", "Item", "RunResult", "process_chunk", "run_cohort"]

CHUNK_RECORDS = 100
MAX_ERRORS_KEPT = 1000
IN_FLIGHT_PER_WORKER = 4


@dataclass(frozen=True, slots=True)
class Item:
    """One record's outcome: a checked patient's text and tally, or its errors' text."""

    source: str
    text: str
    tally: PatientTally | None = None  # set for a checked patient
    errors: tuple[RecordError, ...] = ()


@dataclass(slots=True)
class ChunkResult:
    """What a chunk of records turned into, in input order."""

    items: list[Item] = field(default_factory=list)
    records: int = 0
    size: int = 0


@dataclass(slots=True)
class RunResult:
    """What a run leaves for its caller: the summary, and the first input errors."""

    summary: CohortSummary
    errors: list[RecordError]  # the first MAX_ERRORS_KEPT; the report has them all
    summary_dict: dict[str, Any]

    @property
    def exit_code(self) -> int:
        return self.summary.exit_code


class _Context:
    """Per-process state of a run: the pack, the check date and the renderer."""

    def __init__(self, pack: Pack, as_of: date | None, renderer: Renderer) -> None:
        self.pack = pack
        self.as_of = as_of
        self.renderer = renderer
        self.steps = eligibility_steps(pack)


_WORKER: _Context | None = None


def _init_worker(pack: Pack, as_of: date | None, renderer: Renderer) -> None:
    global _WORKER
    _WORKER = _Context(pack, as_of, renderer)


def _work(task: tuple[int, list[RawRecord]]) -> ChunkResult:
    assert _WORKER is not None, "worker not initialised"
    return process_chunk(_WORKER, *task)


def process_chunk(context: _Context, first_index: int, chunk: list[RawRecord]) -> ChunkResult:
    """Decode, validate, check and render one chunk of records."""
    out = ChunkResult()
    renderer = context.renderer
    for offset, raw in enumerate(chunk):
        out.records += 1
        out.size += raw.size
        submission = raw.decode()
        errors: list[RecordError]
        if submission.error is not None:
            errors = [submission.error]
        else:
            model, errors = load_record(submission.record, submission.source)
            if model is not None:
                try:
                    result = check_record(model, context.pack, context.as_of, submission.source)
                    text = renderer.patient(result, submission.record, first_index + offset)
                except Exception as error:  # one record's failure never stops the batch
                    errors = [_internal_error(submission.source, model.patient_id, error)]
                else:
                    tally = PatientTally.of(result, context.steps)
                    out.items.append(Item(submission.source, text, tally))
                    continue
        text = renderer.record_errors(submission.source, errors)
        out.items.append(Item(submission.source, text, errors=tuple(errors)))
    return out


def _crashed(context: _Context, chunk: list[RawRecord], crash: Crash) -> ChunkResult:
    """A chunk whose worker died: each of its records is an input error, none is lost."""
    out = ChunkResult()
    for raw in chunk:
        out.records += 1
        out.size += raw.size
        error = RecordError(
            raw.source,
            "",
            f"the checker crashed on these records (its worker process was "
            f"{crash.describe()}); this record was not checked. Run again, with --workers 1 "
            "to find the record, and please report it",
        )
        text = context.renderer.record_errors(raw.source, [error])
        out.items.append(Item(raw.source, text, errors=(error,)))
    return out


def _duplicate(context: _Context, item: Item, first: str) -> Item:
    assert item.tally is not None
    patient = item.tally.patient_id
    error = RecordError(
        item.source,
        "/patient_id",
        f"patient {patient} was already checked from {first}; this record was not checked "
        "(a patient is checked once per run)",
        patient_id=patient,
    )
    return Item(item.source, context.renderer.record_errors(item.source, [error]), errors=(error,))


def _internal_error(source: str, patient_id: str, error: Exception) -> RecordError:
    return RecordError(
        source,
        "",
        f"the checker failed on this record ({type(error).__name__}: {error}); it was not "
        "checked. Please report this with the record",
        patient_id=patient_id,
    )


def _chunks(raws: Iterable[RawRecord], size: int) -> Iterator[tuple[int, list[RawRecord]]]:
    chunk: list[RawRecord] = []
    start = 0
    for raw in raws:
        chunk.append(raw)
        if len(chunk) == size:
            yield start, chunk
            start += len(chunk)
            chunk = []
    if chunk:
        yield start, chunk


def _results(
    tasks: Iterator[tuple[int, list[RawRecord]]],
    context: _Context,
    workers: int,
) -> Iterator[ChunkResult]:
    if workers <= 1:
        for first, chunk in tasks:
            yield process_chunk(context, first, chunk)
        return
    initargs = (context.pack, context.as_of, context.renderer)
    with WorkerPool(workers, _work, _init_worker, initargs) as pool:
        for (_first, chunk), answer in pool.run(tasks, workers * IN_FLIGHT_PER_WORKER):
            yield _crashed(context, chunk, answer) if isinstance(answer, Crash) else answer


def run_cohort(
    paths: Iterable[str | Path],
    pack: Pack,
    renderer: Renderer,
    out: TextIO,
    as_of: date | None = None,
    workers: int = 1,
    progress: Progress | None = None,
    chunk_records: int = CHUNK_RECORDS,
    skip: Iterable[str | Path] = (),
) -> RunResult:
    """Check every record in ``paths`` and write the report to ``out`` as it goes.

    ``skip`` names files never to read from the folders given (the report itself).
    """
    paths = list(paths)
    progress = progress or Progress(None, enabled=False)
    context = _Context(pack, as_of, renderer)
    summary = CohortSummary()
    with contextlib.ExitStack() as stack:
        errors = ErrorSpool()
        stack.callback(errors.close)
        spool: TextIO | None = None
        if renderer.summary_first:  # patients wait in a file until the summary is known
            spool = stack.enter_context(tempfile.TemporaryFile("w+", encoding="utf-8"))
        else:
            out.write(renderer.begin())
        body = spool or out
        first_patient = True
        stack.callback(progress.close)
        tasks = _chunks(read_raw(paths, skip=skip), chunk_records)
        seen: dict[str, str] = {}  # patient_id -> the source it was checked from
        for result in _results(tasks, context, workers):
            for item in result.items:
                if item.tally is not None:
                    first = seen.get(item.tally.patient_id)
                    if first is None:
                        seen[item.tally.patient_id] = item.source
                    else:
                        item = _duplicate(context, item, first)
                if item.tally is not None:
                    if not first_patient:
                        body.write(renderer.separator)
                    first_patient = False
                    summary.add_tally(item.tally)
                else:
                    summary.add_errors(item.errors)
                    errors.extend(item.errors)
                body.write(item.text)
            progress.advance(result.records, result.size)
        progress.close()
        summary_dict = summary.to_dict(pack)
        if spool is not None:
            out.write(renderer.begin())
            _write(out, renderer.lead(summary_dict, errors))
            spool.seek(0)
            shutil.copyfileobj(spool, out)
        _write(out, renderer.end(summary_dict, errors))
        listed = list(itertools.islice(errors, MAX_ERRORS_KEPT))
    return RunResult(summary, listed, summary_dict)


def _write(out: TextIO, text: str | Iterable[str]) -> None:
    if isinstance(text, str):
        out.write(text)
    else:
        for piece in text:
            out.write(piece)
