"""Input errors kept on disk during a run, read back when the report ends.

Most formats list the records that could not be checked after the patients
(JSON's ``errors``, the text report's closing list, the HTML summary). A run
over a million lines of the wrong format would hold a million errors; the
spool keeps only a count in memory and can be read as many times as needed.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterable, Iterator

from protocol.findings import RecordError

__all__ = ["ErrorSpool"]


class ErrorSpool:
    """An append-only, re-readable sequence of :class:`RecordError` in a temporary file."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close(), owned here
        self._count = 0

    def extend(self, errors: Iterable[RecordError]) -> None:
        self._file.seek(0, 2)
        for error in errors:
            pickle.dump(error, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._count += 1

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0

    def __iter__(self) -> Iterator[RecordError]:
        position = 0
        for _ in range(self._count):
            self._file.seek(position)  # each reader keeps its own place
            error = pickle.load(self._file)
            position = self._file.tell()
            yield error

    def __contains__(self, item: object) -> bool:
        return any(error == item for error in self)

    def close(self) -> None:
        self._file.close()
