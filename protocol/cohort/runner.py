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
import multiprocessing
import shutil
import tempfile
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from protocol.cohort.spool import ErrorSpool
from protocol.cohort.summary import CohortSummary, eligibility_steps
from protocol.engine import check_record
from protocol.findings import RecordError
from protocol.packs.model import Pack
from protocol.progress import Progress
from protocol.records import load_record
from protocol.records.sources import RawRecord, read_raw
from protocol.render.base import Renderer

__all__ = ["ChunkResult", "RunResult", "process_chunk", "run_cohort"]

CHUNK_RECORDS = 100
MAX_ERRORS_KEPT = 1000
IN_FLIGHT_PER_WORKER = 4


@dataclass(slots=True)
class ChunkResult:
    """What a chunk of records turned into."""

    items: list[str] = field(default_factory=list)  # rendered, in input order
    patient_item: list[bool] = field(default_factory=list)  # True: a patient's output
    errors: list[RecordError] = field(default_factory=list)
    summary: CohortSummary = field(default_factory=CohortSummary)
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
                    out.summary.add(result, context.steps)
                    out.items.append(text)
                    out.patient_item.append(True)
                    continue
        out.summary.add_errors(errors)
        out.errors.extend(errors)
        text = renderer.record_errors(submission.source, errors)
        if text:
            out.items.append(text)
            out.patient_item.append(False)
    return out


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
    methods = multiprocessing.get_all_start_methods()
    mp = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with mp.Pool(workers, _init_worker, (context.pack, context.as_of, context.renderer)) as pool:
        pending: deque[Any] = deque()
        for task in tasks:
            pending.append(pool.apply_async(_work, (task,)))
            if len(pending) >= workers * IN_FLIGHT_PER_WORKER:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


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
        for result in _results(tasks, context, workers):
            for text, is_patient in zip(result.items, result.patient_item, strict=True):
                if is_patient:
                    if not first_patient:
                        body.write(renderer.separator)
                    first_patient = False
                body.write(text)
            summary.merge(result.summary)
            errors.extend(result.errors)
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
