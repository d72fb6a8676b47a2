"""The FHIR mapping: which code systems, codes and extensions mean what in the record.

YAML (``yaml.safe_load``) checked against ``schemas/fhir-mapping.schema.json``. Codes are
written ``system|code``; here they become ``(system, code)`` keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jsonschema.exceptions import best_match

from protocol._resources import schema_validator

__all__ = ["Codes", "FhirMapping", "FhirMappingError", "default_mapping_path", "load_mapping"]

Codes = dict[tuple[str, str], Any]


class FhirMappingError(Exception):
    """A mapping file that cannot be used: every (place, problem) found."""

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        lines = "; ".join(f"{place or '(top level)'}: {text}" for place, text in problems)
        super().__init__(f"{source}: {lines}")


def _codes(data: dict[str, Any] | None) -> Codes:
    return {tuple(key.split("|", 1)): value for key, value in (data or {}).items()}  # type: ignore[misc]


def _list(data: list[str]) -> frozenset[tuple[str, str]]:
    return frozenset(tuple(item.split("|", 1)) for item in data)  # type: ignore[misc]


@dataclass(frozen=True, slots=True)
class FhirMapping:
    source: str
    cohort: dict[str, str]
    site_system: str | None
    extensions: dict[str, str]
    diagnosis: Codes
    unresectable: Codes
    tace: Codes
    imaging_codes: frozenset[tuple[str, str]]
    result: Codes
    modality: Codes
    sorafenib_codes: frozenset[tuple[str, str]]
    dose_units: frozenset[tuple[str, str]]
    frequency: Codes
    reason: Codes
    grade: Codes
    seriousness: Codes
    causality: Codes
    action_taken: Codes
    withdrawal_statuses: frozenset[str] = frozenset({"withdrawn"})


def _validator() -> Any:
    return schema_validator("fhir-mapping")


def mapping_from_data(data: Any, source: str) -> FhirMapping:
    problems = []
    for error in sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.path))):
        detail = best_match([error]) or error
        expected = detail.schema.get("x-expected") if isinstance(detail.schema, dict) else None
        place = ".".join(str(part) for part in detail.absolute_path) or "(top level)"
        problems.append((place, f"expected {expected}" if expected else detail.message))
    if problems:
        raise FhirMappingError(source, problems)
    diagnosis = data.get("diagnosis", {})
    imaging, sorafenib, events = data["imaging"], data["sorafenib"], data["adverse_events"]
    return FhirMapping(
        source,
        dict(data["cohort"]),
        data.get("site_identifier_system"),
        dict(data["extensions"]),
        _codes(diagnosis.get("codes")),
        _codes(diagnosis.get("unresectable")),
        _codes(data["tace"]["codes"]),
        _list(imaging["codes"]),
        _codes(imaging["result"]),
        _codes(imaging.get("modality")),
        _list(sorafenib["codes"]),
        _list(sorafenib["dose_units"]),
        _codes(sorafenib["frequency"]),
        _codes(sorafenib.get("reason")),
        _codes(events["grade"]),
        _codes(events.get("seriousness")),
        _codes(events.get("causality")),
        _codes(events["action_taken"]),
        frozenset(data.get("withdrawal_statuses", ["withdrawn"])),
    )


def load_mapping(path: str | Path) -> FhirMapping:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise FhirMappingError(
            str(path), [("", f"cannot read the file: {error.strerror}")]
        ) from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise FhirMappingError(str(path), [("", f"not valid YAML: {error}")]) from None
    return mapping_from_data(data, str(path))


def default_mapping_path() -> Path:
    """The shipped mapping (integrations/fhir/tamai_mapping.yaml), in a checkout or a wheel."""
    from protocol._resources import integrations_dir

    return integrations_dir() / "fhir" / "tamai_mapping.yaml"
