"""A progress line on standard error for long cohort runs.

Shown only when standard error is a terminal and the run has lasted half a
second (a small batch finishes silently); ``--quiet`` turns it off. It is
redrawn at most ten times a second and erased at the end. When the report goes
to the same terminal, :meth:`Progress.sharing` wraps standard output so the line
is erased before each piece of the report is written (and drawn again after), so
no progress text is left among the report's lines.
"""

from __future__ import annotations

import io
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from protocol.records.sources import input_size

__all__ = ["Progress"]


class Progress:
    """Records and bytes done so far, drawn as a bar when the total is known."""

    def __init__(
        self,
        total_bytes: int | None,
        enabled: bool = True,
        stream: TextIO | None = None,
        delay: float = 0.5,
        width: int = 28,
    ) -> None:
        self.stream = stream or sys.stderr
        self.total = total_bytes if total_bytes else None
        self.enabled = enabled
        self.records = 0
        self.bytes = 0
        self._start = time.monotonic()
        self._shown_at = self._start + delay
        self._last = 0.0
        self._drawn = False
        self._width = width

    @classmethod
    def for_terminal(cls, paths: Iterable[str | Path], quiet: bool) -> Progress:
        """On standard error when it is a terminal; the inputs are sized only then."""
        stream = sys.stderr
        enabled = not quiet and stream.isatty()
        total = input_size(paths) if enabled else None
        return cls(total, enabled=enabled, stream=stream)

    def advance(self, records: int, size: int) -> None:
        self.records += records
        self.bytes += size
        if not self.enabled:
            return
        now = time.monotonic()
        if now < self._shown_at or now - self._last < 0.1:
            return
        self._last = now
        self.stream.write("\r" + self.line(now) + "\033[K")
        self.stream.flush()
        self._drawn = True

    def line(self, now: float | None = None) -> str:
        """The text of the progress line (a bar, the count, the rate and what is left)."""
        elapsed = max((now or time.monotonic()) - self._start, 1e-9)
        rate = self.records / elapsed
        text = f"{self.records:,} records  {rate:,.0f}/s"
        if self.total:
            done = min(self.bytes / self.total, 1.0)
            filled = int(done * self._width)
            bar = "#" * filled + "-" * (self._width - filled)
            left = elapsed * (1 - done) / done if done > 0 else 0
            text = f"[{bar}] {done:4.0%}  {text}  about {_clock(left)} left"
        return text

    def clear(self) -> None:
        """Erase the line, if drawn; the next :meth:`advance` draws it again."""
        if self._drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._drawn = False

    def close(self) -> None:
        self.clear()

    def sharing(self, out: TextIO) -> TextIO:
        """``out`` as the report should be written to it: past the line when both are shown."""
        if not self.enabled or not _isatty(out):
            return out
        return _PastTheLine(out, self)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


class _PastTheLine(io.TextIOBase):
    """A terminal stream that erases the progress line before each write, then flushes."""

    def __init__(self, stream: TextIO, progress: Progress) -> None:
        super().__init__()
        self._stream = stream
        self._progress = progress

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._progress.clear()
        written = self._stream.write(text)
        self._stream.flush()
        return written

    def flush(self) -> None:
        self._stream.flush()


def _clock(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
