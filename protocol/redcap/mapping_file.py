"""Reading a mapping file: YAML (``yaml.safe_load``), its JSON Schema, then the checks.

The schema is ``schemas/redcap-mapping.schema.json``; a problem it finds is reported inside
the shape the entry was meant to have (a list's entry is checked as a list), with its place
in the file (``record.tace.items.date.precision.choices.1``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from jsonschema.exceptions import best_match

from protocol._resources import schema_validator
from protocol.redcap.dictionary import Dictionary, DictionaryError, load_dictionary
from protocol.redcap.mapping import Mapping, MappingError
from protocol.redcap.mapping_check import MappingCheck

__all__ = ["load_mapping", "mapping_from_data", "schema_problems"]


def _validator() -> Any:
    return schema_validator("redcap-mapping")


def _place(path: Any) -> str:
    return ".".join(str(part) for part in path) or "(top level)"


def _branch(error: Any) -> int:
    """Which shape of ``record.<key>`` was meant: 0 a value, 1 an object, 2 a list."""
    instance = error.instance if isinstance(error.instance, dict) else {}
    return 1 if "object" in instance else 2 if "instrument" in instance else 0


def _details(error: Any) -> list[Any]:
    """The errors that say what is wrong: inside the shape meant, for a ``oneOf``."""
    if error.validator != "oneOf" or not error.context:
        return [error]
    path = list(error.absolute_path)
    if len(path) == 2 and path[0] == "record":
        chosen = [e for e in error.context if e.relative_schema_path[0] == _branch(error)]
        if chosen:
            return [detail for sub in chosen for detail in _details(sub)]
    found = best_match(error.context)
    return [error if found is None else found]


def schema_problems(data: Any) -> list[tuple[str, str]]:
    problems = []
    for error in sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.path))):
        for detail in _details(error):
            schema = detail.schema if isinstance(detail.schema, dict) else {}
            expected = schema.get("x-expected")
            message = f"expected {expected}" if expected else detail.message
            problems.append((_place(detail.absolute_path), message))
    return problems


def _missing_codes(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, list):
        return {str(code): str(code) for code in value}
    out: dict[str, str] = {}
    for part in str(value).split("|"):
        code, _, label = part.partition(",")
        if code.strip():
            out[code.strip()] = label.strip() or code.strip()
    return out


def mapping_from_data(data: Any, source: str, dictionary: Dictionary) -> Mapping:
    """A checked Mapping from decoded YAML, against a dictionary already read."""
    problems = schema_problems(data)
    if problems:
        raise MappingError(source, problems)
    missing = _missing_codes(data.get("missing_data_codes"))
    builder = MappingCheck(dictionary, missing)
    parts = builder.parts(data["record"])
    instruments = {part.instrument for part in parts if part.instrument}
    for value, where in builder.repeating_checks:
        for used in value.fields():
            if used.form in instruments:
                builder.problem(
                    where,
                    f"field {used.name!r} is on the repeating instrument "
                    f"{used.form!r}; a single value cannot come from it",
                )
    ignored = frozenset(data.get("ignore_fields", []))
    for name in sorted(ignored):
        builder.lookup(name, "ignore_fields")
    if builder.problems:
        raise MappingError(source, builder.problems)
    return Mapping(source, dictionary, parts, missing, ignored)


def load_mapping(path: str | Path, dictionary: str | Path | Dictionary | None = None) -> Mapping:
    """Read and check a mapping file; its dictionary is the one it names unless given here.

    Raises :class:`MappingError` naming every problem (a dictionary that cannot be read is
    one of them).
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise MappingError(str(path), [("", f"cannot read the file: {error.strerror}")]) from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise MappingError(str(path), [("", f"not valid YAML: {error}")]) from None
    if not isinstance(dictionary, Dictionary):
        problems = schema_problems(data)
        if problems:
            raise MappingError(str(path), problems)
        where = Path(dictionary) if dictionary is not None else path.parent / data["dictionary"]
        try:
            dictionary = load_dictionary(where)
        except DictionaryError as error:
            raise MappingError(
                str(path),
                [("dictionary", f"{error.source}: {problem}") for problem in error.problems],
            ) from None
    return mapping_from_data(data, str(path), dictionary)
