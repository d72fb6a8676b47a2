"""Checking stored records: the as-of date, and a cache of results per version and day.

A stored version never changes, so its findings as of a given date never
change either: results are cached by (patient, version, as-of date), where a
request without ``as_of`` means today (the engine's own default, bounded by
the record's ``data_cutoff_date``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date
from typing import Any

import protocol
from protocol.findings import PatientResult, RecordError
from protocol.packs import Pack

__all__ = ["Checker"]

_Key = tuple[str, int, str]


class Checker:
    """``protocol.check`` for stored versions, with a bounded least-recently-used cache."""

    def __init__(self, pack: Pack, size: int = 8192) -> None:
        self.pack = pack
        self.size = size
        self._cache: OrderedDict[_Key, PatientResult | list[RecordError]] = OrderedDict()
        self._lock = threading.Lock()

    def check_new(self, record: Any, source: str) -> PatientResult | list[RecordError]:
        """Check a record about to be stored, as of today (bounded by its cut-off)."""
        if not isinstance(record, dict):
            return [RecordError(source, "", "a patient record is a JSON object")]
        return protocol.check(record, None, self.pack, source)

    @staticmethod
    def _key(patient_id: str, version: int, as_of: date | None) -> _Key:
        return patient_id, version, (as_of or date.today()).isoformat()

    def remember(
        self, patient_id: str, version: int, as_of: date | None, result: PatientResult
    ) -> None:
        with self._lock:
            self._cache[self._key(patient_id, version, as_of)] = result
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)

    def result(
        self, patient_id: str, version: int, record: dict[str, Any], as_of: date | None
    ) -> PatientResult | list[RecordError]:
        key = self._key(patient_id, version, as_of)
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
        result = protocol.check(
            record, as_of, self.pack, f"patients/{patient_id}/versions/{version}"
        )
        with self._lock:
            self._cache[key] = result
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return result
