"""One REDCap record's rows -> one canonical patient record, with provenance and problems.

The rows of a record are sorted into places: the record's single-valued forms (enrolment,
follow-up...) and one instance per (event, repeat instance) of each repeating instrument.
Instances become list items in instance order whatever the row order; a repeating event's
row feeds every list form it holds; in a longitudinal project a list form placed in a
non-repeating event gives one item per event. A value given twice with different contents
(two events disagreeing on the date of death) is a problem, not a choice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from protocol.findings import RecordError
from protocol.redcap.dictionary import Field
from protocol.redcap.export import EVENT, REPEAT_INSTANCE, REPEAT_INSTRUMENT, ExportRow
from protocol.redcap.mapping import Mapping, Part, ValueSpec
from protocol.redcap.provenance import Origin, Provenance
from protocol.redcap.values import NOT_A_TICK as _NOT_A_TICK
from protocol.redcap.values import Cell, Problem, Reading, cell_text, read_value

__all__ = ["Assembled", "assemble"]

_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


@dataclass(slots=True)
class Assembled:
    """A canonical record (or the errors that stop it) and where its values came from."""

    source: str
    record_id: str
    record: dict[str, Any] | None
    errors: list[RecordError]
    provenance: Provenance


@dataclass(slots=True)
class _Place:
    """The cells of one form instance (or of the record's single-valued forms)."""

    cells: dict[str, Cell] = field(default_factory=dict)
    events: dict[str, str | None] = field(default_factory=dict)  # field -> its row's event
    event: str | None = None
    instance: int | None = None
    row: str | None = None


class _Record:
    def __init__(self, mapping: Mapping, record_id: str, events: dict[str, int]) -> None:
        self.mapping = mapping
        self.record_id = record_id
        self.events = events  # event -> order of first appearance in the export
        self.single = _Place()
        self.instances: dict[str, dict[tuple[int, int], _Place]] = {
            name: {} for name in mapping.list_instruments()
        }
        self.errors: list[RecordError] = []
        self.provenance = Provenance(record_id)
        self.patient_id = record_id if record_id and set(record_id) <= _ID_CHARS else None

    def error(self, source: str, pointer: str, column: str | None, message: str, **kw: Any) -> None:
        where = f"{pointer} (column {column})" if column and pointer else pointer
        if column and not pointer:
            message = f"column {column!r} {message}"
        self.errors.append(RecordError(source, where, message, patient_id=self.patient_id, **kw))

    # -- sorting rows into places -----------------------------------------------------------

    def add_row(self, row: ExportRow, fields: dict[str, Field], checkboxes: dict[str, Any]) -> None:
        values = row.values
        event = cell_text(values.get(EVENT)) or None
        instrument = cell_text(values.get(REPEAT_INSTRUMENT)) or None
        raw_instance = cell_text(values.get(REPEAT_INSTANCE))
        instance: int | None = None
        if raw_instance:
            if not raw_instance.isdigit() or int(raw_instance) < 1:
                self.error(
                    row.label,
                    "",
                    REPEAT_INSTANCE,
                    "is not an instance number (1, 2, ...)",
                    value=values.get(REPEAT_INSTANCE),
                    show_value=True,
                )
                return
            instance = int(raw_instance)
        if instrument is not None:
            if instrument not in self.mapping.dictionary.forms:
                self.error(
                    row.label,
                    "",
                    REPEAT_INSTRUMENT,
                    "names a form that is not in the data dictionary",
                    value=instrument,
                    show_value=True,
                )
                return
            if instance is None:
                self.error(
                    row.label,
                    "",
                    REPEAT_INSTANCE,
                    f"is blank in a row of the repeating "
                    f"instrument {instrument!r}: each such row is one instance and needs "
                    "its number",
                )
                return
        elif instance is not None and EVENT not in values:
            self.error(
                row.label,
                "",
                REPEAT_INSTANCE,
                "has an instance number but neither "
                "redcap_repeat_instrument nor redcap_event_name says what repeats",
            )
            return
        for name, cell in _cells(row, fields, checkboxes).items():
            if cell.blank:
                continue  # other forms' columns in this row, or nothing entered
            if name == self.mapping.record_id:
                self.single.cells.setdefault(name, cell)
                self.single.row = self.single.row or row.label
                continue
            self._place(row, fields[name], cell, event, instrument, instance)

    def _place(
        self, row: ExportRow, item: Field, cell: Cell, event: str | None,
        instrument: str | None, instance: int | None,
    ) -> None:  # fmt: skip
        if instrument is not None and item.form != instrument:
            self.error(
                row.label,
                "",
                cell.column,
                f"(form {item.form}) has a value in a row of "
                f"the repeating instrument {instrument!r}, instance {instance}",
            )
            return
        if item.form in self.instances:
            if instance is None and event is None:
                self.error(
                    row.label,
                    "",
                    cell.column,
                    f"(form {item.form}) has a value in a row "
                    f"that is not an instance of the repeating instrument {item.form!r} "
                    "(redcap_repeat_instrument and redcap_repeat_instance are blank)",
                )
                return
            key = (self.events.get(event or "", 0), instance or 1)
            place = self.instances[item.form].setdefault(key, _Place(event=event, row=row.label))
            place.instance = instance
            place.cells[item.name] = cell
            return
        known = self.single.cells.get(item.name)
        if known is not None and not known.blank:
            if _same(known, cell):
                return
            self.error(
                row.label,
                "",
                cell.column,
                f"has a different value from {known.row}; a "
                f"field of the single-valued form {item.form!r} must agree across events "
                "and instances",
            )
            return
        self.single.cells[item.name] = cell
        self.single.events[item.name] = event
        self.single.row = self.single.row or row.label

    # -- building the canonical record ------------------------------------------------------

    def build(self) -> dict[str, Any]:
        record: dict[str, Any] = {}
        for part in self.mapping.parts:
            if part.shape == "list":
                self._list(part, record)
            elif part.shape == "object":
                obj = self._values(part.specs, self.single, f"/{part.key}", None)
                if obj:
                    record[part.key] = obj
                    self._origin(f"/{part.key}", part.specs, self.single)
            else:
                spec = part.specs[0]
                reading = self._read(spec, self.single, f"/{part.key}", None)
                if reading.present:
                    record[part.key] = reading.value
        return record

    def _list(self, part: Part, record: dict[str, Any]) -> None:
        assert part.instrument is not None
        self.provenance.add(f"/{part.key}", Origin(self.record_id, part.instrument))
        items = []
        for key in sorted(self.instances[part.instrument]):
            place = self.instances[part.instrument][key]
            if all(cell.blank for cell in place.cells.values()):
                continue  # an instance saved with nothing in it: nothing to lose
            pointer = f"/{part.key}/{len(items)}"
            origin = Origin(
                self.record_id, part.instrument, (), place.instance, place.event, place.row
            )
            self.provenance.add(pointer, origin)
            items.append(self._values(part.specs, place, pointer, part.instrument))
        if items:
            record[part.key] = items

    def _origin(self, pointer: str, specs: Iterable[ValueSpec], place: _Place) -> None:
        for spec in specs:
            if spec.field is not None:
                self.provenance.add(
                    pointer,
                    Origin(
                        self.record_id,
                        spec.field.form,
                        event=place.events.get(spec.field.name, place.event),
                    ),
                )
                return

    def _values(
        self, specs: Iterable[ValueSpec], place: _Place, pointer: str, instrument: str | None
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        absent = []
        for spec in specs:
            reading = self._read(spec, place, f"{pointer}/{spec.key}", instrument, check=False)
            if reading.present:
                out[spec.key] = reading.value
            elif spec.required and reading.problem is None:
                absent.append((spec, reading))
        if not any(spec.kind != "constant" and spec.key in out for spec in specs):
            return {}  # nothing of it recorded: the object or item is left out, no error
        for spec, reading in absent:
            self._absent(spec, reading, f"{pointer}/{spec.key}", place, instrument)
        return out

    def _read(
        self,
        spec: ValueSpec,
        place: _Place,
        pointer: str,
        instrument: str | None,
        check: bool = True,
    ) -> Reading:
        reading = read_value(spec, place.cells, self.mapping.missing_codes)
        if spec.field is not None and (reading.cell is not None or reading.present):
            self.provenance.add(
                pointer,
                Origin(
                    self.record_id,
                    spec.field.form,
                    tuple(item.name for item in spec.fields()),
                    place.instance if instrument else None,
                    place.events.get(spec.field.name, place.event),
                    reading.cell.row if reading.cell else place.row,
                    reading.missing_code,
                ),
            )
        if reading.problem is not None:
            self._problem(reading.problem, pointer, spec, place, instrument)
        elif check and spec.required and not reading.present and spec.kind != "constant":
            self._absent(spec, reading, pointer, place, instrument)
        return reading

    def _where(self, spec: ValueSpec, place: _Place, instrument: str | None) -> str:
        assert spec.field is not None
        text = f"form {spec.field.form}"
        if instrument and place.instance is not None:
            text += f", instance {place.instance}"
        event = place.events.get(spec.field.name, place.event)
        if event:
            text += f", event {event}"
        return text

    def _problem(
        self, problem: Problem, pointer: str, spec: ValueSpec, place: _Place, instrument: str | None
    ) -> None:
        self.error(
            problem.row,
            pointer,
            problem.column,
            f"{problem.column} ({self._where(spec, place, instrument)}) {problem.message}",
            expected=problem.expected,
            value=problem.value,
            show_value=True,
        )

    def _absent(
        self, spec: ValueSpec, reading: Reading, pointer: str, place: _Place,
        instrument: str | None,
    ) -> None:  # fmt: skip
        assert spec.field is not None
        how = (
            f"holds the missing-data code {reading.missing_code} "
            f"({self.mapping.missing_codes[reading.missing_code]})"
            if reading.missing_code
            else "is blank"
        )
        self.error(
            reading.cell.row if reading.cell else place.row or self.record_id,
            pointer,
            spec.field.name,
            f"{spec.field.name} ({self._where(spec, place, instrument)}) {how}, but the "
            f"canonical record needs {pointer} to check this patient; enter it in REDCap",
        )


def _same(one: Cell, other: Cell) -> bool:
    if one.ticked is not None or other.ticked is not None:
        return one.ticked == other.ticked
    return cell_text(one.value) == cell_text(other.value)


def _cells(row: ExportRow, fields: dict[str, Field], checkboxes: dict[str, Any]) -> dict[str, Cell]:
    """The row's cells of the fields the mapping reads (checkbox options combined)."""
    out: dict[str, Cell] = {}
    ticks: dict[str, set[str]] = {}
    for column, value in row.values.items():
        if column in fields:
            out[column] = Cell(column, row.label, value)
        elif column in checkboxes:
            item, code = checkboxes[column]
            ticks.setdefault(item.name, set())
            text = cell_text(value)
            if text == "1":
                ticks[item.name].add(code)
            elif text not in ("", "0"):
                out[item.name] = Cell(column, row.label, value, frozenset({_NOT_A_TICK}))
    for name, codes in ticks.items():
        if name not in out:
            out[name] = Cell(name, row.label, None, frozenset(codes))
    return out


def assemble(
    mapping: Mapping,
    source: str,
    record_id: str,
    rows: list[ExportRow],
    events: dict[str, int],
) -> Assembled:
    """The canonical record of one REDCap record's rows, or the errors that stop it."""
    state = _Record(mapping, record_id, events)
    used = mapping.used_fields()
    fields = {name: item for name, item in mapping.dictionary.fields.items() if name in used}
    checkboxes = {
        column: pair
        for column, pair in mapping.dictionary.checkbox_columns(mapping.missing_codes).items()
        if pair[0].name in used
    }  # fmt: skip
    for row in rows:
        state.add_row(row, fields, checkboxes)
    record = state.build()
    if state.errors:
        return Assembled(source, record_id, None, state.errors, state.provenance)
    return Assembled(source, record_id, record, [], state.provenance)
