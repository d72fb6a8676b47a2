"""Reading one canonical value from the raw REDCap cells of a form.

Raw exports hold codes, not labels: ``1`` for a radio choice, ``2012-03-01`` for a date
whatever the field's validation (``date_dmy`` included), ``0``/``1`` per checkbox option in
``field___code`` columns. JSON exports may give numbers where CSV gives text. A blank cell
is "not recorded"; so is a missing-data code (UNK, NASK, -5 ...), unless the mapping says
what the code stands for. Anything else that does not fit the field is a :class:`Problem`,
never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from protocol.dates import DateProblem, PartialDate
from protocol.redcap.mapping import ValueSpec

__all__ = ["NOT_A_TICK", "Cell", "Problem", "Reading", "cell_text", "read_value"]

_FULL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INTEGER = re.compile(r"-?[0-9]+")
_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
NOT_A_TICK = "\x00not 0 or 1"  # a checkbox column holding something else


@dataclass(frozen=True, slots=True)
class Cell:
    """A field's raw value in one row: text (or a JSON number), or the ticked checkbox codes."""

    column: str
    row: str
    value: Any = None
    ticked: frozenset[str] | None = None  # a checkbox field: the codes ticked

    @property
    def blank(self) -> bool:
        if self.ticked is not None:
            return not self.ticked
        return cell_text(self.value) == ""


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a cell cannot give its canonical value; ``value`` is shown only with values."""

    column: str
    row: str
    message: str
    expected: str | None = None
    value: Any = None


@dataclass(frozen=True, slots=True)
class Reading:
    """What a value spec read: the value (``present``), or nothing, or a problem."""

    present: bool = False
    value: Any = None
    cell: Cell | None = None
    missing_code: str | None = None
    problem: Problem | None = None


def cell_text(value: Any) -> str:
    """A raw value as REDCap's text: JSON numbers as written (3, not 3.0), None as blank."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _fail(cell: Cell, message: str, expected: str | None = None) -> Reading:
    return Reading(cell=cell, problem=Problem(cell.column, cell.row, message, expected, cell.value))


def _missing(spec: ValueSpec, cell: Cell, code: str) -> Reading:
    if code in spec.on_missing:
        return Reading(True, spec.on_missing[code], cell, code)
    return Reading(False, None, cell, code)


def read_value(spec: ValueSpec, cells: dict[str, Cell], missing: dict[str, str]) -> Reading:
    """Read one canonical value from the cells (field name -> Cell) of a form instance."""
    if spec.kind == "constant":
        return Reading(True, spec.constant)
    assert spec.field is not None
    cell = cells.get(spec.field.name)
    if spec.null_when_field is not None:
        switch = cells.get(spec.null_when_field.name)
        if switch is not None and cell_text(switch.value) in spec.null_when_codes:
            if cell is not None and not cell.blank:
                return _fail(
                    cell,
                    f"has a value although {spec.null_when_field.name} says there is none",
                    f"{spec.field.name} blank, or {spec.null_when_field.name} changed",
                )
            return Reading(True, None, switch)
    if cell is None or cell.blank:
        return Reading(cell=cell)
    if cell.ticked is not None:
        return _checkbox(spec, cell, missing)
    text = cell_text(cell.value)
    if text in missing:
        return _missing(spec, cell, text)
    if spec.kind != "text" and text != text.strip():
        return _fail(cell, "has spaces before or after the value", "the value without spaces")
    return _READERS[spec.kind](spec, cell, text, cells, missing)


def _checkbox(spec: ValueSpec, cell: Cell, missing: dict[str, str]) -> Reading:
    ticked = cell.ticked or frozenset()
    if NOT_A_TICK in ticked:
        return _fail(
            cell,
            "is a checkbox option column holding something other than 0 or 1",
            "0 (not ticked) or 1 (ticked)",
        )
    codes = ticked & set(missing)
    if codes:
        if len(ticked) > 1:
            return _fail(cell, "has a missing-data code ticked together with other options")
        return _missing(spec, cell, next(iter(codes)))
    yes = ticked & spec.true_codes
    no = ticked & spec.false_codes
    if yes and no:
        return _fail(
            cell,
            "has options ticked that contradict each other",
            "either criteria or the 'none' option, not both",
        )
    return Reading(True, bool(yes), cell)


def _text(spec: ValueSpec, cell: Cell, text: str, *_: Any) -> Reading:
    return Reading(True, text, cell)


def _integer(spec: ValueSpec, cell: Cell, text: str, *_: Any) -> Reading:
    if isinstance(cell.value, float) and not cell.value.is_integer():
        return _fail(cell, "is not a whole number", "a whole number")
    if not _INTEGER.fullmatch(text):
        return _fail(cell, "is not a whole number", "a whole number")
    return Reading(True, int(text), cell)


def _number(spec: ValueSpec, cell: Cell, text: str, *_: Any) -> Reading:
    if not _NUMBER.fullmatch(text):
        return _fail(cell, "is not a number", "a number with '.' for decimals, e.g. 400 or 0.5")
    number = float(text)
    return Reading(True, int(number) if number.is_integer() else number, cell)


def _choice(spec: ValueSpec, cell: Cell, text: str, *_: Any) -> Reading:
    assert spec.field is not None
    if text not in spec.choices:
        return _fail(
            cell,
            "is not one of the field's choices",
            f"a choice code ({spec.field.choices_text()})",
        )
    return Reading(True, spec.choices[text], cell)


def _full_date(cell: Cell, text: str) -> date | Reading:
    if not _FULL_DATE.fullmatch(text):
        return _fail(
            cell,
            "is not a date as REDCap exports it (raw exports give YYYY-MM-DD whatever the "
            "field's validation, date_dmy included)",
            "YYYY-MM-DD; export raw data with the default date format",
        )
    try:
        return date.fromisoformat(text)
    except ValueError:
        return _fail(cell, "is not a calendar date", "a real day, YYYY-MM-DD")


def _date(
    spec: ValueSpec, cell: Cell, text: str, cells: dict[str, Cell], missing: dict[str, str]
) -> Reading:
    day = _full_date(cell, text)
    if isinstance(day, Reading):
        return day
    if spec.precision_field is None:
        return Reading(True, text, cell)
    name = spec.precision_field.name
    switch = cells.get(name)
    code = cell_text(switch.value) if switch is not None else ""
    if code in missing or not code:
        return _fail(
            cell,
            f"has a date but {name} does not say which parts of it are known",
            f"{name} set ({spec.precision_field.choices_text()})",
        )
    precision = spec.precision.get(code)
    if precision is None:
        assert switch is not None
        return _fail(
            switch,
            "is not one of the field's choices",
            f"a choice code ({spec.precision_field.choices_text()})",
        )
    if precision == "day":
        return Reading(True, text, cell)
    if day.day != 1 or (precision == "year" and day.month != 1):
        placeholder = "the 1st" if precision == "month" else "1 January"
        return _fail(
            cell,
            f"is a date whose unknown part is not entered as {placeholder}, although {name} "
            f"says only the {'month and year are' if precision == 'month' else 'year is'} known",
            f"{placeholder} for the unknown part, or {name} set to the full date",
        )
    return Reading(True, text[:7] if precision == "month" else text[:4], cell)


def _partial_date(spec: ValueSpec, cell: Cell, text: str, *_: Any) -> Reading:
    try:
        PartialDate.parse(text)
    except DateProblem:
        return _fail(
            cell,
            "is not a date",
            "YYYY-MM-DD, or YYYY-MM / YYYY when the day or month is not known",
        )
    return Reading(True, text, cell)


_READERS = {
    "text": _text,
    "integer": _integer,
    "number": _number,
    "choice": _choice,
    "date": _date,
    "partial_date": _partial_date,
    "any_ticked": lambda spec, cell, *_: _fail(cell, "is not a checkbox export column"),
}
