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
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from protocol.cohort.baseline import Baseline
from protocol.cohort.first_seen import FirstSeen
from protocol.cohort.pool import Crash, WorkerPool
from protocol.cohort.selection import Selection, site_of
from protocol.cohort.sites import SiteTally
from protocol.cohort.spool import ErrorSpool
from protocol.cohort.summary import CohortSummary, PatientTally, eligibility_steps
from protocol.engine.checker import check_records
from protocol.findings import PatientResult, RecordError
from protocol.packs.model import Pack
from protocol.progress import Progress
from protocol.records import load_record
from protocol.records.model import PatientRecord
from protocol.records.sources import RawRecord, Submission, read_raw
from protocol.render.base import Renderer

if TYPE_CHECKING:
    from protocol.cohort.cluster import Cluster

__all__ = ["Choices", "ChunkResult", "Item", "Reader", "RunResult", "process_chunk", "run_cohort"]

# A reader turns the paths given (and the files never to read) into raw records.
Reader = Callable[[list[str | Path], Iterable[str | Path]], Iterator[RawRecord]]

CHUNK_RECORDS = 100
MAX_ERRORS_KEPT = 1000
IN_FLIGHT_PER_WORKER = 4


@dataclass(frozen=True, slots=True)
class Item:
    """One record's outcome: a checked patient's texts and tally, or its errors' texts.

    ``texts`` has one text per renderer of the run, in their order.
    """

    source: str
    texts: tuple[str, ...]
    tally: PatientTally | None = None  # set for a checked patient
    errors: tuple[RecordError, ...] = ()

    @property
    def text(self) -> str:
        """The first renderer's text (the only one in a run with one output)."""
        return self.texts[0]


@dataclass(slots=True)
class ChunkResult:
    """What a chunk of records turned into, in input order."""

    items: list[Item] = field(default_factory=list)
    records: int = 0
    size: int = 0
    filtered: int = 0  # records of other sites (--site)


@dataclass(slots=True)
class RunResult:
    """What a run leaves for its caller: the summary, and the first input errors."""

    summary: CohortSummary
    errors: list[RecordError]  # the first MAX_ERRORS_KEPT; the report has them all
    summary_dict: dict[str, Any]

    fail_on: str = "any"

    @property
    def exit_code(self) -> int:
        return self.summary.exit_code_for(self.fail_on)


@dataclass(frozen=True, slots=True)
class Choices:
    """What a run checks and reports beyond the pack: findings, site, baseline."""

    selection: Selection = field(default_factory=Selection)
    site: str | None = None
    baseline: Baseline | None = None


class _Context:
    """Per-process state of a run: the pack, the check date, the renderers, the choices."""

    def __init__(
        self,
        pack: Pack,
        as_of: date | None,
        renderers: Renderer | Sequence[Renderer],
        choices: Choices | None = None,
    ) -> None:
        self.pack = pack
        self.as_of = as_of
        self.renderers = (renderers,) if isinstance(renderers, Renderer) else tuple(renderers)
        self.choices = choices or Choices()
        self.steps = eligibility_steps(pack)
        baselines = [self.choices.baseline, *(r.options.baseline for r in self.renderers)]
        self.baselines = list({id(b): b for b in baselines if b is not None}.values())

    def errors_text(self, source: str, errors: Sequence[RecordError]) -> tuple[str, ...]:
        return tuple(renderer.record_errors(source, errors) for renderer in self.renderers)


_WORKER: _Context | None = None


def _init_worker(
    pack: Pack, as_of: date | None, renderers: Sequence[Renderer], choices: Choices
) -> None:
    global _WORKER
    _WORKER = _Context(pack, as_of, renderers, choices)


def _work(task: tuple[int, list[RawRecord]]) -> ChunkResult:
    assert _WORKER is not None, "worker not initialised"
    return process_chunk(_WORKER, *task)


def process_chunk(context: _Context, first_index: int, chunk: list[RawRecord]) -> ChunkResult:
    """Decode, validate, check and render one chunk of records.

    The chunk's valid records are checked together (:func:`check_records`: patients
    share durable_rules sessions where the pack allows it); then every record is
    rendered in input order, as if each had been checked in turn.
    """
    out = ChunkResult()
    choices = context.choices
    slots: list[tuple[int, Submission, PatientRecord | None, list[RecordError]]] = []
    for offset, raw in enumerate(chunk):
        out.records += 1
        out.size += raw.size
        submission = raw.decode()
        if submission.error is not None:
            slots.append((offset, submission, None, [submission.error]))
            continue
        site = site_of(submission.record)
        if choices.site is not None and site is not None and site != choices.site:
            out.filtered += 1
            continue
        # decode_record made it (RawRecord.decode): JSON values only, no walk needed.
        model, errors = load_record(submission.record, submission.source, from_json=True)
        slots.append((offset, submission, model, errors))
    tasks = [
        (model, submission.source, getattr(submission.origin, "not_collected", None))
        for _offset, submission, model, _errors in slots
        if model is not None
    ]
    checked = iter(check_records(tasks, context.pack, context.as_of))
    for offset, submission, model, errors in slots:
        if model is not None:
            out.items.append(
                _rendered(context, first_index + offset, submission, model, next(checked))
            )
        else:
            texts = context.errors_text(submission.source, errors)
            out.items.append(Item(submission.source, texts, errors=tuple(errors)))
    return out


def _rendered(
    context: _Context,
    index: int,
    submission: Submission,
    model: PatientRecord,
    full: PatientResult | Exception,
) -> Item:
    """A checked record's item (its texts and tally), or its failure's."""
    try:
        if isinstance(full, Exception):
            raise full
        result = context.choices.selection.apply(full)
        changes = None
        for baseline in context.baselines:
            changes = baseline.counts(result)
        texts = tuple(
            renderer.patient(result, submission.record, index, submission.origin)
            for renderer in context.renderers
        )
    except Exception as error:  # one record's failure never stops the batch
        errors = [_internal_error(submission.source, model.patient_id, error)]
        texts = context.errors_text(submission.source, errors)
        return Item(submission.source, texts, errors=tuple(errors))
    site_tally = SiteTally.of(result, model, changes)
    tally = PatientTally.of(full, context.steps, result, site_tally)
    return Item(submission.source, texts, tally)


def _crashed(context: _Context, chunk: list[RawRecord], how: str) -> ChunkResult:
    """A chunk whose worker died: each of its records is an input error, none is lost."""
    out = ChunkResult()
    for raw in chunk:
        out.records += 1
        out.size += raw.size
        error = RecordError(
            raw.source,
            "",
            f"the checker crashed on these records ({how}); this record was not checked. "
            "Run again, with --workers 1 to find the record, and please report it",
        )
        out.items.append(
            Item(raw.source, context.errors_text(raw.source, [error]), errors=(error,))
        )
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
    return Item(item.source, context.errors_text(item.source, [error]), errors=(error,))


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
    cluster: Cluster | None = None,
) -> Iterator[ChunkResult]:
    initargs = (context.pack, context.as_of, context.renderers, context.choices)
    if cluster is not None:
        for chunk, result in cluster.results(tasks, initargs):
            if isinstance(result, BaseException):
                how = f"its Dask task failed: {type(result).__name__}"
                yield _crashed(context, chunk, how)
            else:
                yield result
        return
    if workers <= 1:
        for first, chunk in tasks:
            yield process_chunk(context, first, chunk)
        return
    with WorkerPool(workers, _work, _init_worker, initargs) as pool:
        for (_first, chunk), answer in pool.run(tasks, workers * IN_FLIGHT_PER_WORKER):
            if isinstance(answer, Crash):
                yield _crashed(context, chunk, f"its worker process was {answer.describe()}")
            else:
                yield answer


def _default_reader(paths: list[str | Path], skip: Iterable[str | Path]) -> Iterator[RawRecord]:
    return read_raw(paths, skip=skip)


class _Output:
    """One renderer's place in a run: where its text goes, and its spool if it needs one."""

    def __init__(self, renderer: Renderer, out: TextIO, stack: contextlib.ExitStack) -> None:
        self.renderer = renderer
        self.out = out
        self.spool: TextIO | None = None
        if renderer.summary_first:  # patients wait in a file until the summary is known
            spool = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
            self.spool = stack.enter_context(spool)
        else:
            out.write(renderer.begin())
        self.body = self.spool or out

    def finish(self, summary: dict[str, Any], errors: ErrorSpool) -> None:
        renderer, out = self.renderer, self.out
        if self.spool is not None:
            out.write(renderer.begin())
            _write(out, renderer.lead(summary, errors))
            self.spool.seek(0)
            shutil.copyfileobj(self.spool, out)
        _write(out, renderer.end(summary, errors))


def run_cohort(
    paths: Iterable[str | Path],
    pack: Pack,
    renderer: Renderer | Sequence[Renderer],
    out: TextIO | Sequence[TextIO],
    as_of: date | None = None,
    workers: int = 1,
    progress: Progress | None = None,
    chunk_records: int = CHUNK_RECORDS,
    skip: Iterable[str | Path] = (),
    reader: Reader | None = None,
    choices: Choices | None = None,
    run: dict[str, Any] | None = None,
    fail_on: str = "any",
    cluster: Cluster | None = None,
) -> RunResult:
    """Check every record in ``paths`` and write the report to ``out`` as it goes.

    ``renderer`` and ``out`` may be lists of the same length: one pass feeds every
    output. ``skip`` names files never to read from the folders given (the report
    itself); ``reader`` reads another input format (default: JSON records);
    ``choices`` selects findings, a site and a baseline; ``run`` is the run's
    provenance, given to the summary as ``run``; ``cluster`` (a connected
    :class:`~protocol.cohort.cluster.Cluster`) checks the chunks on Dask instead.
    """
    paths = list(paths)
    renderers = [renderer] if isinstance(renderer, Renderer) else list(renderer)
    outs = list(out) if isinstance(out, list | tuple) else [out]
    if len(renderers) != len(outs):
        raise ValueError("run_cohort needs one output per renderer")
    progress = progress or Progress(None, enabled=False)
    choices = choices or Choices()
    context = _Context(pack, as_of, renderers, choices)
    summary = CohortSummary()
    with contextlib.ExitStack() as stack:
        errors = ErrorSpool()
        stack.callback(errors.close)
        outputs = [_Output(r, o, stack) for r, o in zip(renderers, outs, strict=True)]
        first_patient = True
        stack.callback(progress.close)
        tasks = _chunks((reader or _default_reader)(paths, skip), chunk_records)
        seen = FirstSeen()  # patient_id -> the source it was checked from
        for result in _results(tasks, context, workers, cluster):
            summary.filtered_out += result.filtered
            for item in result.items:
                if item.tally is not None:
                    first = seen.earlier(item.tally.patient_id, item.source)
                    if first is not None:
                        item = _duplicate(context, item, first)
                if item.tally is not None:
                    if not first_patient:
                        for output in outputs:
                            output.body.write(output.renderer.separator)
                    first_patient = False
                    summary.add_tally(item.tally)
                else:
                    summary.add_errors(item.errors)
                    errors.extend(item.errors)
                for output, text in zip(outputs, item.texts, strict=True):
                    output.body.write(text)
            progress.advance(result.records, result.size)
        progress.close()
        summary_dict = summary.to_dict(pack, run, choices.baseline is not None)
        for output in outputs:
            output.finish(summary_dict, errors)
        listed = list(itertools.islice(errors, MAX_ERRORS_KEPT))
    return RunResult(summary, listed, summary_dict, fail_on)


def _write(out: TextIO, text: str | Iterable[str]) -> None:
    if isinstance(text, str):
        out.write(text)
    else:
        for piece in text:
            out.write(piece)
