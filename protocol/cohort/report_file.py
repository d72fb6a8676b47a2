"""Where a report goes (``-o FILE`` or standard output), without ever destroying anything.

- A report is never written over one of the inputs, nor inside a folder being checked
  (it would be read back as a record): :class:`OutputError` before anything is read.
- A regular file (or a new one) is written to a temporary file unique to the run, in
  the target's folder, then renamed over the target: a failed or interrupted run
  leaves the old file as it was and no half report. A symlink is followed: its target
  is replaced and the link kept.
- Anything else that can be opened for writing (a FIFO, ``/dev/null``, ``/dev/stdout``,
  a terminal) is written to directly, never replaced.
- Every write error (a full disk, a file-size limit, a broken pipe) is an
  :class:`OutputError`: one line for the user, exit 2.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

__all__ = ["OutputError", "ReportSink", "check_target", "report_file"]


class OutputError(Exception):
    """The report cannot be written where asked; the message says why, in one line."""


class ReportSink(io.TextIOBase):
    """A text stream whose write errors are :class:`OutputError` naming the output."""

    def __init__(self, stream: IO[str], name: str) -> None:
        super().__init__()
        self._stream = stream
        self.name = name

    def writable(self) -> bool:
        return True

    def _failed(self, error: OSError) -> OutputError:
        reason = error.strerror or type(error).__name__
        return OutputError(f"cannot write the report to {self.name}: {reason}")

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as error:
            raise self._failed(error) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as error:
            raise self._failed(error) from None


def _inside(path: str, folder: str) -> bool:
    return os.path.commonpath([path, folder]) == folder


def check_target(target: str, inputs: Iterable[str]) -> None:
    """Refuse an output that is an input, lies in a folder being checked, or is a folder."""
    if target == "":
        raise OutputError("-o needs a file name, not an empty string")
    real = os.path.realpath(target)
    try:
        status: os.stat_result | None = os.stat(target)
    except OSError:
        status = None
    if status is not None and stat.S_ISDIR(status.st_mode):
        raise OutputError(f"cannot write the report to {target}: it is a folder; give a file name")
    if status is not None and not stat.S_ISREG(status.st_mode):
        return  # a FIFO or a device: written to directly, nothing to clash with
    for item in inputs:
        if item == "-" or item == "":
            continue
        source = os.path.realpath(item)
        same = real == source
        with contextlib.suppress(OSError):
            same = same or (status is not None and os.path.samefile(target, item))
        if same:
            raise OutputError(
                f"-o {target} is also an input ({item}); writing the report there would "
                "destroy the record. Give another file name"
            )
        if os.path.isdir(source) and _inside(real, source):
            raise OutputError(
                f"-o {target} is inside {item}, a folder being checked; the report would be "
                "read as a record. Write it somewhere else"
            )


@contextlib.contextmanager
def report_file(target: str) -> Iterator[ReportSink]:
    """A stream for the report at ``target``; it appears there only if the block succeeds."""
    real = Path(os.path.realpath(target))
    try:
        status: os.stat_result | None = os.stat(real)
    except FileNotFoundError:
        status = None
    except OSError as error:
        raise OutputError(f"cannot write the report to {target}: {error.strerror}") from None
    if status is not None and not stat.S_ISREG(status.st_mode):
        try:
            stream = open(real, "w", encoding="utf-8", newline="")  # noqa: SIM115
        except OSError as error:
            raise OutputError(f"cannot write the report to {target}: {error.strerror}") from None
        sink = ReportSink(stream, target)
        try:
            yield sink
            sink.flush()
        finally:
            with contextlib.suppress(OSError):
                stream.close()
        return
    try:
        handle, partial = tempfile.mkstemp(
            prefix=f".{real.name}.", suffix=".partial", dir=real.parent
        )
    except OSError as error:
        raise OutputError(f"cannot write the report to {target}: {error.strerror}") from None
    try:
        if status is not None:
            mode = stat.S_IMODE(status.st_mode)
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(handle, mode)
        stream = open(handle, "w", encoding="utf-8", newline="")  # noqa: SIM115
        try:
            sink = ReportSink(stream, target)
            yield sink
            sink.flush()
            try:
                os.fsync(stream.fileno())
            except OSError as error:
                raise sink._failed(error) from None
        finally:
            with contextlib.suppress(OSError):  # a write already failed: say that, not this
                stream.close()
        try:
            os.replace(partial, real)
        except OSError as error:
            raise OutputError(f"cannot write the report to {target}: {error.strerror}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)
