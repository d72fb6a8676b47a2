"""A REDCap project's data dictionary: its fields, forms, types, validations and choices.

REDCap gives the dictionary in two shapes with the same 18 columns: the CSV the Online
Designer downloads and uploads (``Variable / Field Name``, ``Form Name``, ...) and the API's
metadata export (``field_name``, ``form_name``, ..., as CSV or as a JSON list). Both read
into one :class:`Dictionary`. Choices (``1, Conventional | 2, Drug-eluting beads``) are
parsed into code -> label pairs; ``yesno`` and ``truefalse`` fields get REDCap's fixed
codes (1 and 0).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "API_COLUMNS",
    "DESIGNER_COLUMNS",
    "Dictionary",
    "DictionaryError",
    "Field",
    "build_dictionary",
    "checkbox_column",
    "load_dictionary",
    "parse_choices",
]

# The Online Designer's header and the API's, column for column.
DESIGNER_COLUMNS = (
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
)
API_COLUMNS = (
    "field_name",
    "form_name",
    "section_header",
    "field_type",
    "field_label",
    "select_choices_or_calculations",
    "field_note",
    "text_validation_type_or_show_slider_number",
    "text_validation_min",
    "text_validation_max",
    "identifier",
    "branching_logic",
    "required_field",
    "custom_alignment",
    "question_number",
    "matrix_group_name",
    "matrix_ranking",
    "field_annotation",
)
_TO_API = dict(zip(DESIGNER_COLUMNS, API_COLUMNS, strict=True))
_NEEDED = ("field_name", "form_name", "field_type")
_CHOICE_TYPES = frozenset({"radio", "dropdown", "checkbox", "yesno", "truefalse"})
_FIXED_CHOICES = {
    "yesno": {"1": "Yes", "0": "No"},
    "truefalse": {"1": "True", "0": "False"},
}
# Field types that never appear as export columns.
_NO_DATA = frozenset({"descriptive"})


class DictionaryError(ValueError):
    """A data dictionary that cannot be read; ``problems`` name the row and column."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source}: " + "; ".join(problems))
        self.source = source
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Field:
    """One field (variable) of the dictionary."""

    name: str
    form: str
    type: str
    label: str = ""
    validation: str = ""
    choices: dict[str, str] = field(default_factory=dict)
    row: int = 0  # where it is defined (spreadsheet row, header = 1; or list position)

    @property
    def has_choices(self) -> bool:
        return self.type in _CHOICE_TYPES

    def choices_text(self) -> str:
        """The choices as REDCap shows them: ``1 Conventional, 2 Drug-eluting beads``."""
        return ", ".join(f"{code} {label}" for code, label in self.choices.items())


@dataclass(frozen=True, slots=True)
class Dictionary:
    """The fields of a project, in dictionary order, and its forms (instruments)."""

    source: str
    fields: dict[str, Field]
    forms: tuple[str, ...]

    @property
    def record_id(self) -> str:
        """The record ID field: REDCap's rule is that it is the first field."""
        return next(iter(self.fields))

    def checkbox_columns(self, extra_codes: Iterable[str] = ()) -> dict[str, tuple[Field, str]]:
        """Export column -> (checkbox field, code), for every checkbox option and for each of
        ``extra_codes`` (REDCap adds a column per missing-data code to a checkbox field)."""
        extra = tuple(extra_codes)
        out: dict[str, tuple[Field, str]] = {}
        for item in self.fields.values():
            if item.type == "checkbox":
                for code in (*item.choices, *extra):
                    out.setdefault(checkbox_column(item.name, code), (item, code))
        return out


def checkbox_column(field_name: str, code: str) -> str:
    """The export column of one checkbox option: ``field___code``, code lower-cased and any
    character other than a letter, digit or underscore written as ``_`` (as REDCap does)."""
    return f"{field_name}___{re.sub(r'[^a-z0-9_]', '_', code.lower())}"


def parse_choices(text: str) -> dict[str, str]:
    """``1, Conventional | 2, Drug-eluting beads`` -> ``{"1": "Conventional", ...}``.

    Raises ValueError for a choice without a code and label, or a code given twice.
    """
    out: dict[str, str] = {}
    for part in text.split("|"):
        if not part.strip():
            continue
        code, comma, label = part.partition(",")
        code = code.strip()
        if not comma or not code:
            raise ValueError(f"choice {part.strip()!r} is not 'code, label'")
        if code in out:
            raise ValueError(f"choice code {code!r} is given twice")
        out[code] = label.strip()
    return out


def _normalise(row: Mapping[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in row.items():
        if key is None:
            continue
        name = _TO_API.get(key.strip(), key.strip())
        out[name] = "" if value is None else str(value)
    return out


def _rows(path: Path) -> tuple[list[dict[str, str]], int]:
    """The dictionary's rows with API column names, and the number of the first data row."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".json":
        data = json.loads(text)
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise DictionaryError(str(path), ["a JSON data dictionary is a list of objects"])
        return [_normalise(item) for item in data], 1
    reader = csv.DictReader(io.StringIO(text, newline=""))
    return [_normalise(row) for row in reader], 2


def build_dictionary(source: str, rows: Iterable[Mapping[str, Any]], first_row: int) -> Dictionary:
    """A Dictionary from rows in either header style (used for files and API metadata)."""
    problems: list[str] = []
    fields: dict[str, Field] = {}
    forms: list[str] = []
    for number, raw in enumerate(rows, start=first_row):
        row = _normalise(raw)
        if number == first_row:
            missing = [name for name in _NEEDED if name not in row]
            if missing:
                raise DictionaryError(
                    source,
                    [
                        "not a REDCap data dictionary: no "
                        + ", ".join(repr(name) for name in missing)
                        + " column (expected the Online Designer's header, "
                        "'Variable / Field Name,Form Name,...', or the API's, "
                        "'field_name,form_name,...')"
                    ],
                )
        name = row.get("field_name", "").strip()
        if not name and not any(value.strip() for value in row.values()):
            continue  # a blank line at the end of a spreadsheet
        where = f"row {number}"
        if not name:
            problems.append(f"{where}: field name is blank")
            continue
        if name in fields:
            problems.append(
                f"{where}: field {name!r} is defined again (first on row {fields[name].row})"
            )
            continue
        kind = row.get("field_type", "").strip()
        if kind in _NO_DATA:
            continue
        choices: dict[str, str] = dict(_FIXED_CHOICES.get(kind, {}))
        if kind in ("radio", "dropdown", "checkbox"):
            try:
                choices = parse_choices(row.get("select_choices_or_calculations", ""))
            except ValueError as error:
                problems.append(f"{where}, field {name!r}: {error}")
                continue
        form = row.get("form_name", "").strip()
        if form and form not in forms:
            forms.append(form)
        fields[name] = Field(
            name,
            form,
            kind,
            row.get("field_label", "").strip(),
            row.get("text_validation_type_or_show_slider_number", "").strip(),
            choices,
            number,
        )
    if problems:
        raise DictionaryError(source, problems)
    if not fields:
        raise DictionaryError(source, ["the data dictionary defines no fields"])
    return Dictionary(source, fields, tuple(forms))


def load_dictionary(path: str | Path) -> Dictionary:
    """Read a data dictionary file: Online Designer CSV, API CSV or API JSON."""
    path = Path(path)
    try:
        rows, first = _rows(path)
    except OSError as error:
        raise DictionaryError(str(path), [f"cannot read the file: {error.strerror}"]) from None
    except (UnicodeDecodeError, json.JSONDecodeError, csv.Error) as error:
        raise DictionaryError(str(path), [f"cannot read the file: {error}"]) from None
    return build_dictionary(str(path), rows, first)
