"""One SDTM cell -> one canonical value, or the reason it cannot be one.

Dates are ISO 8601 text as SDTM's --DTC variables hold them: ``2012``, ``2012-03`` and
``2012-03-01`` pass through as written (a partial date is never completed); a time after a
full date (``2012-03-01T10:30``) is dropped, since no rule reads times. A date with a gap
(``2012---15``, day known but month not) cannot be held by the canonical record and is an
error. Numbers must be numbers (a character EXDOSE is the wrong type), except Dataset-JSON
``decimal`` columns, which carry decimals as text by design. A coded value must be one the
mapping lists.
"""

from __future__ import annotations

import re
from typing import Any

from protocol.dates import PartialDate
from protocol.sdtm.datasets import Column
from protocol.sdtm.mapping import FieldSpec

__all__ = ["MISSING", "NULLABLE", "ValueProblem", "read_value"]

MISSING: Any = object()  # the cell is empty: the field is not recorded
NULLABLE = frozenset({"end_date", "related_to_sorafenib"})  # null means something here

_DTC = re.compile(r"(\d{4}(?:-\d{2}(?:-\d{2})?)?)(T[0-9:.]*(?:Z|[+-]\d{2}:?\d{2})?)?")
_GAPPED = re.compile(r"[0-9-]*--[0-9-T:]*")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


class ValueProblem(Exception):
    def __init__(self, message: str, expected: str | None = None, show: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.expected = expected
        self.show = show


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _date(value: Any, variable: str) -> str:
    if not isinstance(value, str):
        raise ValueProblem(
            f"{variable} is numeric; SDTM dates are ISO 8601 text",
            "text such as 2012-03-01, 2012-03 or 2012",
        )
    text = value.strip()
    match = _DTC.fullmatch(text)
    if match is None or (match.group(2) and len(match.group(1)) != 10):
        if _GAPPED.fullmatch(text):
            raise ValueProblem(
                f"{variable} has a gap (a later part known, an earlier one not), which the "
                "checker's dates cannot hold",
                "YYYY-MM-DD, YYYY-MM or YYYY",
            )
        raise ValueProblem(f"{variable} is not an ISO 8601 date", "YYYY-MM-DD, YYYY-MM or YYYY")
    day = match.group(1)
    try:
        PartialDate.parse(day)
    except ValueError as error:
        raise ValueProblem(f"{variable} is not a real date: {error}") from None
    return day


def _number(value: Any, variable: str, column: Column | None) -> int | float:
    if isinstance(value, bool):
        raise ValueProblem(f"{variable} is true/false where a number is expected", "a number")
    if isinstance(value, int | float):
        return value
    decimal = column is not None and column.data_type == "decimal"
    if decimal and isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        number = float(value)
        return int(number) if number.is_integer() else number
    kind = "a character variable" if column is not None and not column.numeric else "text"
    raise ValueProblem(
        f"{variable} is {kind} where SDTM has a number (the wrong type)", "a numeric value"
    )


def _integer(value: Any, variable: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise ValueProblem(f"{variable} is not a whole number", "a whole number such as 3")


def _code(spec: FieldSpec, value: Any, mapping_source: str) -> Any:
    assert spec.codes is not None
    key = value.strip() if isinstance(value, str) else str(value)
    if key not in spec.codes:
        listed = ", ".join(sorted(spec.codes))
        raise ValueProblem(
            f"{spec.variable} holds a code the mapping does not know",
            f"one of {listed} (the codes of {spec.variable} in {mapping_source})",
        )
    return spec.codes[key]


def read_value(spec: FieldSpec, value: Any, column: Column | None, mapping_source: str) -> Any:
    """The canonical value of a cell, MISSING for an empty one; raises ValueProblem."""
    if _empty(value):
        return None if spec.name == "end_date" else MISSING  # no end date: ongoing
    if spec.codes is not None:
        found = _code(spec, value, mapping_source)
        if found is None and spec.name not in NULLABLE:
            return MISSING  # a code that says "not recorded" (PRTRT "TACE": no technique)
        return found
    if spec.kind == "date":
        return _date(value, spec.variable)
    if spec.kind == "number":
        return _number(value, spec.variable, column)
    if spec.kind == "integer":
        return _integer(value, spec.variable)
    if not isinstance(value, str):
        raise ValueProblem(f"{spec.variable} is a number where text is expected", "text")
    return value
