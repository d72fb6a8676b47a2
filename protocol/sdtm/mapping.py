"""The SDTM mapping: which domain, rows and variables feed each canonical field.

The file is YAML (``yaml.safe_load``) checked against ``schemas/sdtm-mapping.schema.json``,
then against the canonical record's shape: every field named must be one the record has, a
coded field (cohort, frequency, action taken...) must list its codes, and each required
field (a TACE's date, a dosing period's dose) must be mapped. What each field *is* (a date,
a number, a code) comes from the record format; which variable and which codes, from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from jsonschema.exceptions import best_match

from protocol._resources import schema_validator

__all__ = [
    "FIELDS",
    "FieldSpec",
    "Mapping",
    "MappingError",
    "Section",
    "load_mapping",
    "mapping_from_data",
]

# Canonical section -> field -> (kind, required, needs codes). Kinds: date, text, number,
# integer, code. This is the record format (schemas/patient-record.schema.json), not study data.
FIELDS: dict[str, dict[str, tuple[str, bool, bool]]] = {
    "subject": {
        "site_id": ("text", False, False),
        "cohort": ("code", True, True),
        "death_date": ("date", False, False),
        "last_contact_date": ("date", False, False),
        "data_cutoff_date": ("date", False, False),
    },
    "diagnosis": {
        "condition": ("text", False, False),
        "date": ("date", False, False),
        "unresectable": ("code", False, True),
    },
    "tace": {"date": ("date", True, False), "technique": ("code", False, True)},
    "imaging": {
        "date": ("date", True, False),
        "result": ("code", True, True),
        "modality": ("code", False, True),
    },
    "sorafenib": {
        "start_date": ("date", True, False),
        "end_date": ("date", True, False),  # the variable must exist; empty = ongoing
        "dose_mg": ("number", True, False),
        "frequency": ("code", True, True),
        "reason": ("code", False, True),
    },
    "adverse_events": {
        "term": ("text", True, False),
        "grade": ("integer", True, False),
        "onset_date": ("date", True, False),
        "resolution_date": ("date", False, False),
        "serious": ("code", False, True),
        "related_to_sorafenib": ("code", False, True),
        "action_taken": ("code", True, True),
    },
    "withdrawal": {"date": ("date", True, False), "reason": ("text", True, False)},
    "death": {"date": ("date", True, False)},
}
LISTS = ("tace", "imaging", "sorafenib", "adverse_events")
SINGLE = ("diagnosis", "withdrawal", "death")


class MappingError(Exception):
    """A mapping file that cannot be used: every (place, problem) found."""

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        lines = "; ".join(f"{place or '(top level)'}: {text}" for place, text in problems)
        super().__init__(f"{source}: {lines}")


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One canonical field and the SDTM variable (or supplemental qualifier) it comes from."""

    name: str
    kind: str
    required: bool
    variable: str
    codes: dict[str, Any] | None = None
    unit_variable: str | None = None
    unit_codes: tuple[str, ...] = ()
    supplemental: str | None = None  # SUPPDM: the value is QVAL of the row with this QNAM


@dataclass(frozen=True, slots=True)
class Section:
    name: str
    domain: str
    fields: dict[str, FieldSpec]
    select: dict[str, tuple[str, ...]] = field(default_factory=dict)
    death_flag: str | None = None  # subject only: DTHFL

    def variables(self) -> list[str]:
        """The variables this section reads from its own domain, select variables first."""
        out = list(self.select)
        for spec in self.fields.values():
            if spec.supplemental is None:
                out += [spec.variable] + ([spec.unit_variable] if spec.unit_variable else [])
        if self.death_flag:
            out.append(self.death_flag)
        return list(dict.fromkeys(out))


@dataclass(frozen=True, slots=True)
class Mapping:
    source: str
    study_id: str
    subject: Section
    sections: dict[str, Section]  # diagnosis, tace, ... as mapped

    def domains(self) -> list[str]:
        names = [self.subject.domain] + [s.domain for s in self.sections.values()]
        return list(dict.fromkeys(names))


def _validator() -> Any:
    return schema_validator("sdtm-mapping")


def _place(path: Any) -> str:
    return ".".join(str(part) for part in path) or "(top level)"


def schema_problems(data: Any) -> list[tuple[str, str]]:
    problems = []
    for error in sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.path))):
        detail = best_match([error]) or error
        if detail.validator == "oneOf" and detail.context:
            detail = best_match(detail.context) or detail
        expected = detail.schema.get("x-expected") if isinstance(detail.schema, dict) else None
        problems.append(
            (_place(detail.absolute_path), f"expected {expected}" if expected else detail.message)
        )
    return problems


def _spec(name: str, kind: str, required: bool, value: Any) -> FieldSpec:
    if isinstance(value, str):
        return FieldSpec(name, kind, required, value)
    if "supplemental" in value:
        return FieldSpec(name, kind, required, value["qnam"], supplemental=value["supplemental"])
    unit = value.get("unit") or {}
    return FieldSpec(
        name,
        "code" if value.get("codes") is not None and kind == "text" else kind,
        required,
        value["variable"],
        value.get("codes"),
        unit.get("variable"),
        tuple(unit.get("codes", ())),
    )


def _section(name: str, data: dict[str, Any], problems: list[tuple[str, str]]) -> Section:
    known = FIELDS[name]
    fields: dict[str, FieldSpec] = {}
    for key, value in data.items():
        if key in ("domain", "select", "death_flag"):
            continue
        if key not in known:
            expected = ", ".join(sorted(known))
            problems.append((f"{name}.{key}", f"not a field of {name}; expected one of {expected}"))
            continue
        kind, required, needs_codes = known[key]
        spec = _spec(key, kind, required, value)
        if needs_codes and spec.codes is None:
            problems.append((f"{name}.{key}", "a coded field: give variable and codes"))
        fields[key] = spec
    for key, (_kind, required, _codes) in known.items():
        if required and key not in fields:
            problems.append((f"{name}.{key}", f"required: {name} needs {key} mapped"))
    select = {variable: tuple(values) for variable, values in data.get("select", {}).items()}
    return Section(name, data["domain"], fields, select, data.get("death_flag"))


def mapping_from_data(data: Any, source: str) -> Mapping:
    """A checked Mapping from decoded YAML; raises MappingError naming every problem."""
    problems = schema_problems(data)
    if problems:
        raise MappingError(source, problems)
    found: list[tuple[str, str]] = []
    subject = _section("subject", data["subject"], found)
    sections = {
        name: _section(name, data[name], found) for name in (*SINGLE, *LISTS) if name in data
    }
    if found:
        raise MappingError(source, found)
    return Mapping(source, data["study_id"], subject, sections)


def load_mapping(path: str | Path) -> Mapping:
    """Read and check a mapping file."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise MappingError(str(path), [("", f"cannot read the file: {error.strerror}")]) from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise MappingError(str(path), [("", f"not valid YAML: {error}")]) from None
    return mapping_from_data(data, str(path))


def default_mapping_path() -> Path:
    """The shipped mapping (integrations/sdtm/tamai_mapping.yaml), in a checkout or a wheel."""
    from protocol._resources import integrations_dir

    return integrations_dir() / "sdtm" / "tamai_mapping.yaml"
