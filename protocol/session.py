"""An incremental session for data-entry systems: events added one at a time.

A site enters a patient's data over months: the header (id, arm, diagnosis),
then each TACE, imaging result, dosing period, adverse event, death. A
:class:`Session` keeps the record as entered so far; after each event the
event is validated (a bad one is refused with its errors and the record is
left unchanged) and the findings are brought up to date. The findings after
the last event are exactly those of checking the complete record at once.

An update costs what the event touches. The event alone is validated (the
record schema's gate and the model, on a record holding the header and that
event only) and appended to the model already built; an event the quick look
does not pass goes the whole way (the whole record validated, as a check
would), so a refused event's errors are always those of the whole record. The
findings are brought up to date by :class:`protocol.engine.memo.MemoCheck`,
which measures again only the subjects that read the changed section and runs
only facts it has not seen before through durable_rules.
"""

from __future__ import annotations

import copy
import difflib
from datetime import date
from typing import Any

from protocol.engine.memo import SECTIONS, MemoCheck
from protocol.findings import PatientResult, RecordError
from protocol.packs import Pack, load_pack
from protocol.records import PatientRecord, load_record, non_json_values, record_schema
from protocol.records.json_input import looks_like_field_name
from protocol.records.validation import MAX_ERRORS_PER_RECORD, fast_record_check

__all__ = ["EVENT_KINDS", "Session", "SessionError"]

LIST_EVENTS = ("tace", "imaging", "sorafenib", "adverse_events")
SINGLE_EVENTS = ("diagnosis", "withdrawal", "death_date", "last_contact_date", "data_cutoff_date")
EVENT_KINDS = LIST_EVENTS + SINGLE_EVENTS
HEADER = ("schema_version", "patient_id", "cohort", "site_id")
_SHORT_NAME = 32  # an event kind quoted in a message is at most this long


class SessionError(ValueError):
    """A session could not be opened: its header is not valid.

    The message never quotes a submitted value (an invalid patient id may be a name);
    ``errors`` holds the full :class:`RecordError` list, values included, for a caller
    that may show them.
    """

    def __init__(self, errors: list[RecordError]) -> None:
        super().__init__("; ".join(f"{e.location}: {e.text(hide_values=True)}" for e in errors))
        self.errors = errors


class Session:
    """One patient's record as it is entered, with findings kept up to date."""

    def __init__(
        self,
        patient_id: str,
        cohort: str,
        as_of: date | None = None,
        pack: Pack | str | None = None,
        site_id: str | None = None,
        source: str = "<session>",
    ) -> None:
        self.pack = pack if isinstance(pack, Pack) else load_pack(pack or "tamai-2017")
        self.as_of = as_of
        self.source = source
        self._record: dict[str, Any] = {
            "schema_version": "1",
            "patient_id": patient_id,
            "cohort": cohort,
        }
        if site_id is not None:
            self._record["site_id"] = site_id
        self._result: PatientResult | None = None
        self._model: PatientRecord | None = None
        self._memo = MemoCheck(self.pack, as_of, source)
        errors = self._recheck(self._record, SECTIONS)
        if errors:
            raise SessionError(errors)

    @classmethod
    def from_header(
        cls, record: dict[str, Any], as_of: date | None = None, pack: Pack | str | None = None
    ) -> Session:
        """A session opened with a record's header fields (its events are added later)."""
        return cls(
            record.get("patient_id"), record.get("cohort"), as_of, pack, record.get("site_id")
        )

    @staticmethod
    def events_of(record: dict[str, Any]) -> list[tuple[str, Any]]:
        """A complete record as the events that build it, in entry order."""
        events: list[tuple[str, Any]] = []
        for kind in ("diagnosis", "data_cutoff_date"):
            if kind in record:
                events.append((kind, record[kind]))
        for kind in LIST_EVENTS:
            events.extend((kind, item) for item in record.get(kind, []))
        for kind in ("withdrawal", "death_date", "last_contact_date"):
            if kind in record:
                events.append((kind, record[kind]))
        return events

    @property
    def record(self) -> dict[str, Any]:
        """A copy of the record as entered so far."""
        return copy.deepcopy(self._record)

    def result(self) -> PatientResult:
        assert self._result is not None
        return self._result

    def add(self, kind: str, value: Any) -> PatientResult | list[RecordError]:
        """Add one event; the updated result, or the errors that refused it."""
        if not isinstance(kind, str) or kind not in EVENT_KINDS:
            return [_unknown_kind(kind, self.source)]
        if self._quick_add(kind, value):
            return self.result()
        candidate = copy.deepcopy(self._record)
        if kind in LIST_EVENTS:
            candidate.setdefault(kind, []).append(value)
        else:
            candidate[kind] = value
        # Checked before it is copied: a value no JSON can hold might not even copy.
        errors = non_json_values(candidate, self.source, MAX_ERRORS_PER_RECORD)
        if errors:
            return errors
        if kind in LIST_EVENTS:
            candidate[kind][-1] = copy.deepcopy(value)  # later changes by the caller stay out
        else:
            candidate[kind] = copy.deepcopy(value)
        errors = self._recheck(candidate, (kind,))
        return errors or self.result()

    def add_tace(
        self, date: str, technique: str | None = None
    ) -> PatientResult | list[RecordError]:
        return self.add("tace", _clean({"date": date, "technique": technique}))

    def add_imaging(
        self, date: str, result: str, modality: str | None = None
    ) -> PatientResult | list[RecordError]:
        return self.add("imaging", _clean({"date": date, "modality": modality, "result": result}))

    def add_dosing_period(self, **period: Any) -> PatientResult | list[RecordError]:
        period.setdefault("end_date", None)
        return self.add("sorafenib", period)

    def add_adverse_event(self, **event: Any) -> PatientResult | list[RecordError]:
        return self.add("adverse_events", event)

    def record_death(self, date: str) -> PatientResult | list[RecordError]:
        return self.add("death_date", date)

    def _quick_add(self, kind: str, value: Any) -> bool:
        """Add a valid event looking at the event alone; False (nothing done) otherwise.

        The event is validated in a record holding only the header and the event: the
        other sections are valid already and the schema relates no field to another, so
        only an array's length is left (near its ``maxItems``, the whole way is taken).
        Whatever the quick look does not pass, the whole record is validated instead,
        which writes the errors exactly as a check would.
        """
        model = self._model
        if model is None:
            return False
        listed = kind in LIST_EVENTS
        before = self._record.get(kind, [])
        if listed and len(before) + 1 >= _max_items(kind):
            return False
        alone = {key: self._record[key] for key in HEADER if key in self._record}
        alone[kind] = [value] if listed else value
        if non_json_values(alone, self.source, MAX_ERRORS_PER_RECORD):
            return False
        value = copy.deepcopy(value)  # later changes by the caller stay out
        alone[kind] = [value] if listed else value
        try:
            fast_record_check()(alone)
            added = getattr(PatientRecord.model_validate(alone), kind)
        except Exception:  # any doubt: the whole way writes the errors
            return False
        candidate = dict(self._record)
        candidate[kind] = [*before, value] if listed else value
        update = (*getattr(model, kind), *added) if listed else added
        self._commit(candidate, model.model_copy(update={kind: update}), (kind,))
        return True

    def _recheck(self, candidate: dict[str, Any], changed: tuple[str, ...]) -> list[RecordError]:
        model, errors = load_record(candidate, self.source)
        if model is None:
            return errors
        self._commit(candidate, model, changed)
        return []

    def _commit(
        self, candidate: dict[str, Any], model: PatientRecord, changed: tuple[str, ...]
    ) -> None:
        result = self._memo.check(model, changed)
        self._record, self._model, self._result = candidate, model, result


def _max_items(kind: str) -> int:
    """The most entries the record schema allows in the array ``kind``."""
    return int(record_schema()["properties"][kind].get("maxItems", 0))


def _unknown_kind(kind: object, source: str) -> RecordError:
    """Why ``kind`` is no event kind, quoting it only when it is a short identifier.

    The kind is the caller's input: a short name (``tace_procedure``) is the caller's typo
    and worth naming; anything longer or stranger may hold data and is only described.
    """
    expected = "one of " + ", ".join(EVENT_KINDS)
    if looks_like_field_name(kind) and len(str(kind)) <= _SHORT_NAME:
        close = difflib.get_close_matches(str(kind), EVENT_KINDS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return RecordError(
            source, f"/{kind}", f"unknown event kind {kind!r}{hint}", expected=expected
        )
    if isinstance(kind, str):
        what = f"a text of {len(kind):,} character{'' if len(kind) == 1 else 's'}"
    else:
        what = f"a Python {type(kind).__name__}, not text"
    return RecordError(source, "", f"unknown event kind ({what}, not shown)", expected=expected)


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}
