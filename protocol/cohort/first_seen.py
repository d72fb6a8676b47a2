"""Where each patient of a run was first checked, held compactly (duplicate patients).

A run remembers, for every patient id, the source it was first checked from, so that a
second record of the same patient is reported as a duplicate naming the first. At a
million records the sources alone (``cohort.jsonl:123456``) would hold about 100 MB, so
a source of the form ``FILE:LINE`` is kept as one integer (the file's number and the
line), and only sources of other forms as text. Decoding gives the source back exactly.
"""

from __future__ import annotations

__all__ = ["FirstSeen"]

_LINE_BITS = 40  # lines up to 2**40 - 1 in one file


class FirstSeen:
    """patient id -> the source it was first checked from."""

    __slots__ = ("_at", "_files", "_names")

    def __init__(self) -> None:
        self._at: dict[str, int | str] = {}
        self._files: dict[str, int] = {}
        self._names: list[str] = []

    def earlier(self, patient_id: str, source: str) -> str | None:
        """The source ``patient_id`` was first checked from, or None (and ``source`` is
        remembered as its first)."""
        found = self._at.get(patient_id)
        if found is not None:
            return self._decode(found)
        self._at[patient_id] = self._encode(source)
        return None

    def _encode(self, source: str) -> int | str:
        file, colon, line = source.rpartition(":")
        exact = line.isascii() and line.isdigit() and not line.startswith("0")
        if not (colon and exact and int(line) < 1 << _LINE_BITS):
            return source
        number = self._files.get(file)
        if number is None:
            number = self._files[file] = len(self._names)
            self._names.append(file)
        return number << _LINE_BITS | int(line)

    def _decode(self, value: int | str) -> str:
        if isinstance(value, str):
            return value
        return f"{self._names[value >> _LINE_BITS]}:{value & ((1 << _LINE_BITS) - 1)}"
