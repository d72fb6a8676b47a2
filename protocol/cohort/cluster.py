"""Chunks checked on a Dask cluster (``check --dask SCHEDULER`` or ``--dask local:N``).

The main process reads the records and cuts them into chunks as with the
process pool; each chunk is sent to a worker of a ``dask.distributed`` cluster,
checked there by :func:`~protocol.cohort.runner.process_chunk`, and comes back
as rendered text plus a partial summary. Chunks are taken back in input order,
with at most a few per worker in flight, so the output is byte-identical to
``--workers 1`` and memory stays flat.

The pack, the check date, the renderers and the choices reach each worker once,
in a :class:`distributed.WorkerPlugin` (a worker that joins later gets it too);
a chunk carries only its records. ``dask[distributed]`` is the optional extra
``tacecheck[dask]``; without it, or when the scheduler cannot be reached,
:class:`ClusterError` says so in one line.
"""

from __future__ import annotations

import contextlib
import importlib
import uuid
from collections import deque
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from protocol.cohort.runner import ChunkResult
    from protocol.records.sources import RawRecord

__all__ = ["LOCAL_PREFIX", "Cluster", "ClusterError", "cluster_address"]

LOCAL_PREFIX = "local:"
IN_FLIGHT_PER_WORKER = 4
_PLUGIN_PREFIX = "tacecheck-run-"


class ClusterError(Exception):
    """The cluster cannot be used (extra missing, bad ``--dask`` value, unreachable)."""


def cluster_address(text: str) -> str | int:
    """A ``--dask`` value: a scheduler address, or the worker count of ``local:N``."""
    text = text.strip()
    if not text:
        raise ClusterError("--dask needs a scheduler address (tcp://host:8786) or local:N")
    if text.startswith(LOCAL_PREFIX):
        count = text[len(LOCAL_PREFIX) :]
        if not count.isdigit() or int(count) < 1:
            raise ClusterError(f"--dask {text!r}: local:N needs a worker count of 1 or more")
        return int(count)
    return text


def _distributed() -> Any:
    try:
        return importlib.import_module("distributed")
    except ImportError:
        raise ClusterError(
            "--dask needs dask.distributed, which is not installed: pip install 'tacecheck[dask]'"
        ) from None


class Cluster:
    """A connection to a Dask scheduler (or a local cluster it starts); a context manager."""

    def __init__(self, address: str | int) -> None:
        self.address = address
        self.shown = f"{LOCAL_PREFIX}{address}" if isinstance(address, int) else address
        self._distributed = _distributed()
        self._worker = importlib.import_module("protocol.cohort.cluster_worker")
        self._stack = contextlib.ExitStack()
        self.client: Any = None

    def __enter__(self) -> Cluster:
        distributed = self._distributed
        try:
            if isinstance(self.address, int):
                cluster = distributed.LocalCluster(
                    n_workers=self.address,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    # the scheduler's HTTP server (health checks) on a free port, not 8787
                    scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                    silence_logs=40,  # logging.ERROR
                )
                self._stack.enter_context(cluster)
                client = distributed.Client(cluster)
            else:  # waits as long as Dask's distributed.comm.timeouts.connect (30 s)
                client = distributed.Client(self.address)
        except (OSError, TimeoutError, ValueError, RuntimeError) as error:
            self._stack.close()
            raise ClusterError(
                f"--dask {self.shown}: cannot reach the Dask scheduler ({error}); "
                "nothing was checked"
            ) from None
        self.client = self._stack.enter_context(client)
        try:
            self.client.wait_for_workers(1, timeout=self._connect_seconds())
        except (OSError, TimeoutError) as error:
            self._stack.close()
            raise ClusterError(
                f"--dask {self.shown}: the Dask scheduler has no workers ({error}); "
                "nothing was checked"
            ) from None
        return self

    @staticmethod
    def _connect_seconds() -> float:
        import dask.config
        from dask.utils import parse_timedelta

        return float(parse_timedelta(dask.config.get("distributed.comm.timeouts.connect")))

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def workers(self) -> int:
        """How many workers the scheduler has now (at least 1, to size the queue)."""
        return max(1, len(self.client.scheduler_info().get("workers", {})))

    def results(
        self,
        tasks: Iterator[tuple[int, list[RawRecord]]],
        initargs: tuple[Any, ...],
    ) -> Iterator[tuple[list[RawRecord], ChunkResult | BaseException]]:
        """Each chunk with its result (or the error that lost it), in input order."""
        name = f"{_PLUGIN_PREFIX}{uuid.uuid4().hex}"
        self.client.register_plugin(self._worker.RunContext(name, initargs), name=name)
        try:
            ahead = self.workers() * IN_FLIGHT_PER_WORKER
            pending: deque[tuple[list[RawRecord], Any]] = deque()
            for first, chunk in tasks:
                future = self.client.submit(
                    self._worker.check_chunk, name, first, chunk, pure=False
                )
                pending.append((chunk, future))
                if len(pending) >= ahead:
                    yield self._answer(*pending.popleft())
            while pending:
                yield self._answer(*pending.popleft())
        finally:
            with contextlib.suppress(Exception):
                self.client.unregister_worker_plugin(name)

    @staticmethod
    def _answer(chunk: list[RawRecord], future: Any) -> tuple[list[RawRecord], Any]:
        try:
            return chunk, future.result()
        except Exception as error:  # a lost worker or task: its records become input errors
            return chunk, error
