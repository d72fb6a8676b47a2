"""Walking a folder of records: every entry below it read, or reported with the reason.

:func:`folder_entries` lists, in path order, the record files below a folder and,
for every other entry, the place and the message that say why it was not read (a
FIFO, a loop, a file of another kind). Hidden entries are left out.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path

__all__ = ["RECORD_SUFFIXES", "files_below", "folder_entries", "shown", "unreadable"]

RECORD_SUFFIXES = frozenset({".json", ".jsonl", ".ndjson"})
_COMPRESSED = frozenset({".gz", ".zip", ".bz2", ".xz", ".zst", ".7z"})

Entry = Path | tuple[str, str]  # a record file, or (place, why it was not read)


def shown(path: str | Path) -> str:
    """A path as reports show it: a name that is not UTF-8 gets ``\\xNN`` escapes."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def unreadable(path: Path, error: OSError) -> str:
    """Why ``path`` could not be opened, in words."""
    if error.errno == errno.ELOOP:
        return "a symbolic link loop; not read"
    if error.errno == errno.ENOENT and path.is_symlink():
        return f"a broken symbolic link (to {shown(os.readlink(path))}); not read"
    return f"cannot read: {error.strerror}"


def _entry(path: Path, status: os.stat_result, skip: frozenset[Path]) -> Entry | None:
    label = shown(path)
    if not stat.S_ISREG(status.st_mode):
        return (label, "not a regular file (a FIFO, device or socket); not read from a folder")
    suffix = path.suffix.lower()
    if suffix not in RECORD_SUFFIXES:
        message = (
            "not a record file: a folder's .json, .jsonl and .ndjson files are read; "
            "this one was not" + (" (decompress it first)" if suffix in _COMPRESSED else "")
        )
        return (label, message)
    return None if path.resolve() in skip else path


def folder_entries(folder: Path, skip: frozenset[Path] = frozenset()) -> list[Entry]:
    """What a folder holds, below too, in path order: record files, or why an entry is not.

    Hidden entries (``.git``, ``.DS_Store``, a report being written) are left out, and so
    are the files in ``skip``; everything else is read or reported.
    """
    found: list[tuple[str, Entry]] = []
    visited: set[tuple[int, int]] = set()
    with contextlib.suppress(OSError):
        status = folder.stat()
        visited.add((status.st_dev, status.st_ino))
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            entries = list(os.scandir(current))
        except OSError as error:
            found.append((str(current), (shown(current), f"cannot read folder: {error.strerror}")))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            try:
                status = path.stat()
            except OSError as error:
                found.append((entry.path, (shown(path), unreadable(path, error))))
                continue
            if stat.S_ISDIR(status.st_mode):
                key = (status.st_dev, status.st_ino)
                if key in visited:
                    message = (
                        "a symbolic link back to a folder already being read (a loop); not read"
                    )
                    found.append((entry.path, (shown(path), message)))
                else:
                    visited.add(key)
                    pending.append(path)
                continue
            item = _entry(path, status, skip)
            if item is not None:
                found.append((entry.path, item))
    return [item for _, item in sorted(found, key=lambda pair: os.fsencode(pair[0]))]


def files_below(folder: Path) -> list[Path]:
    """The record files below ``folder``, in path order."""
    return [item for item in folder_entries(folder) if isinstance(item, Path)]
