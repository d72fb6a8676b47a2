"""Worker processes that may die: tasks run in order, and a dead worker costs only its task.

``multiprocessing.Pool`` hangs for ever when a worker is killed (a signal, a crash in C
code, the out-of-memory killer), and ``concurrent.futures`` fails every task in flight.
Here each worker has its own pair of pipes and the main process knows which task each
one holds: when a worker's process ends without answering, exactly that task comes back
as a :class:`Crash`, a fresh worker takes its place, and the run goes on.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar

__all__ = ["Crash", "WorkerPool"]

T = TypeVar("T")

_STOP = None  # sent to a worker: no more tasks


@dataclass(frozen=True, slots=True)
class Crash:
    """A task whose worker process ended before answering."""

    exitcode: int | None

    def describe(self) -> str:
        """How the worker ended, in words ("killed by signal SIGKILL")."""
        code = self.exitcode
        if code is not None and code < 0:
            try:
                return f"killed by signal {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"ended with exit status {code}"


def _serve(
    tasks: Connection,
    answers: Connection,
    others: list[int],
    init: Callable[..., None],
    initargs: tuple[Any, ...],
    func: Callable[[Any], Any],
) -> None:
    """A worker's life: answer each task until told to stop or the main process goes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    for fd in others:  # other workers' pipe ends, inherited by fork
        with contextlib.suppress(OSError):
            os.close(fd)
    init(*initargs)
    while True:
        try:
            task = tasks.recv()
        except (EOFError, OSError):
            return
        if task is _STOP:
            return
        answers.send(func(task))


class _Worker:
    def __init__(self, process: Any, tasks: Connection, answers: Connection) -> None:
        self.process = process
        self.tasks = tasks
        self.answers = answers
        self.job: tuple[int, Any] | None = None


class WorkerPool(Generic[T]):
    """``workers`` processes running ``func`` on tasks, answers in task order.

    Use as a context manager; leaving it stops (and if need be terminates) the workers.
    """

    def __init__(
        self,
        workers: int,
        func: Callable[[T], Any],
        init: Callable[..., None],
        initargs: tuple[Any, ...],
    ) -> None:
        methods = multiprocessing.get_all_start_methods()
        self._fork = "fork" in methods
        self._mp = multiprocessing.get_context("fork" if self._fork else "spawn")
        self._func = func
        self._init = init
        self._initargs = initargs
        self._workers: list[_Worker] = []
        for _ in range(workers):
            self._workers.append(self._start())

    def _start(self) -> _Worker:
        task_read, task_write = self._mp.Pipe(duplex=False)
        answer_read, answer_write = self._mp.Pipe(duplex=False)
        others: list[int] = []
        if self._fork:
            others = [fd for w in self._workers for fd in (w.tasks.fileno(), w.answers.fileno())]
            others += [task_write.fileno(), answer_read.fileno()]
        process = self._mp.Process(
            target=_serve,
            args=(task_read, answer_write, others, self._init, self._initargs, self._func),
            daemon=True,
        )
        process.start()
        task_read.close()
        answer_write.close()
        return _Worker(process, task_write, answer_read)

    def __enter__(self) -> WorkerPool[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(graceful=exc[0] is None)

    def close(self, graceful: bool = True) -> None:
        """Stop the workers: ask them to finish, then terminate any still running."""
        for worker in self._workers:
            if graceful and worker.job is None:
                with contextlib.suppress(OSError):
                    worker.tasks.send(_STOP)
            else:
                worker.process.terminate()
        for worker in self._workers:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.tasks.close()
            worker.answers.close()
        self._workers = []

    def _replace(self, worker: _Worker) -> _Worker:
        worker.process.join()
        worker.tasks.close()
        worker.answers.close()
        index = self._workers.index(worker)
        del self._workers[index]  # its pipes are closed: the new one must not inherit them
        self._workers.insert(index, self._start())
        return self._workers[index]

    def _dispatch(self, worker: _Worker, number: int, task: T) -> _Worker:
        """Hand a task to an idle worker; one that died idle is replaced (it held nothing)."""
        while True:
            try:
                worker.tasks.send(task)
            except OSError:
                worker = self._replace(worker)
                continue
            worker.job = (number, task)
            return worker

    def run(self, tasks: Iterable[T], ahead: int) -> Iterator[tuple[T, Any]]:
        """Each task with its answer (or a :class:`Crash`), in task order.

        At most ``ahead`` tasks are taken from ``tasks`` beyond the last one given back,
        so memory stays bounded however many tasks there are.
        """
        source = iter(tasks)
        done: dict[int, tuple[T, Any]] = {}
        taken = given = 0
        exhausted = False
        while True:
            idle = [w for w in self._workers if w.job is None]
            while idle and not exhausted and taken - given < ahead:
                try:
                    task = next(source)
                except StopIteration:
                    exhausted = True
                    break
                self._dispatch(idle.pop(), taken, task)
                taken += 1
            while given in done:
                yield done.pop(given)
                given += 1
            busy = [w for w in self._workers if w.job is not None]
            if not busy:
                if exhausted and given == taken:
                    return
                continue
            ready = set(wait([w.answers for w in busy] + [w.process.sentinel for w in busy]))
            for worker in busy:
                if worker.answers not in ready and worker.process.sentinel not in ready:
                    continue
                assert worker.job is not None
                number, task = worker.job
                try:
                    answer: Any = worker.answers.recv() if worker.answers.poll() else Crash(None)
                except (EOFError, OSError):
                    answer = Crash(None)
                if isinstance(answer, Crash):
                    worker.process.join()
                    answer = Crash(worker.process.exitcode)
                    worker.job = None
                    self._replace(worker)
                else:
                    worker.job = None
                done[number] = (task, answer)
