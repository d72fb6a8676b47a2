"""Where the bundled schemas and protocol packs live at run time.

An installed wheel carries them inside the package (``protocol/_data``); a
source checkout or editable install reads them from the repository's top-level
``schemas/``, ``rules/`` and ``integrations/`` folders. Either way callers ask here.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["integrations_dir", "rules_dir", "schema_path", "schema_validator", "schemas_dir"]

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"tacecheck cannot find its {name}/ folder (looked in {_PACKAGE / '_data'} "
        f"and {_PACKAGE.parent}); reinstall the package"
    )


@cache
def schemas_dir() -> Path:
    """The folder holding the JSON Schemas."""
    return _find("schemas")


@cache
def rules_dir() -> Path:
    """The folder holding the protocol packs, one sub-folder per pack."""
    return _find("rules")


@cache
def integrations_dir() -> Path:
    """The folder holding the shipped REDCap, SDTM and FHIR mappings."""
    return _find("integrations")


def schema_path(name: str) -> Path:
    """The path of one bundled schema, e.g. ``patient-record``."""
    return schemas_dir() / f"{name}.schema.json"


@cache
def schema_validator(name: str) -> Any:
    """A checked validator of one bundled schema, of the draft its ``$schema`` names."""
    from jsonschema.validators import validator_for

    with schema_path(name).open(encoding="utf-8") as handle:
        schema = json.load(handle)
    kind = validator_for(schema)
    kind.check_schema(schema)
    return kind(schema)
