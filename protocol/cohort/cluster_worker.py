"""What runs on a Dask worker: a run's context, built once per worker, and one chunk's check.

Imported only when ``check --dask`` is used (it needs ``dask.distributed``, the
optional extra ``tacecheck[dask]``), on the main process and on each worker.
"""

from __future__ import annotations

import threading
from typing import Any

from distributed import WorkerPlugin

from protocol.cohort.runner import ChunkResult, _Context, process_chunk
from protocol.records.sources import RawRecord

__all__ = ["RunContext", "check_chunk"]

# Per worker process: each run's context, by plugin name.
_CONTEXTS: dict[str, _Context] = {}
_LOCK = threading.Lock()


class RunContext(WorkerPlugin):
    """Builds a run's context (pack, check date, renderers, choices) once on each worker."""

    def __init__(self, name: str, initargs: tuple[Any, ...]) -> None:
        self.name = name
        self.initargs = initargs

    def setup(self, worker: Any) -> None:
        context = _Context(*self.initargs)
        with _LOCK:
            _CONTEXTS[self.name] = context

    def teardown(self, worker: Any) -> None:
        with _LOCK:
            _CONTEXTS.pop(self.name, None)


def check_chunk(name: str, first: int, chunk: list[RawRecord]) -> ChunkResult:
    """One chunk, checked with the context the run's plugin built on this worker."""
    context = _CONTEXTS.get(name)
    if context is None:
        raise RuntimeError("this worker has no tacecheck context (the run's plugin did not run)")
    with _LOCK:  # one chunk at a time per worker process, whatever its thread count
        return process_chunk(context, first, chunk)
