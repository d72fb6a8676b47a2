"""The pydantic model and the JSON Schema of the patient record must say the same thing.

``schemas/patient-record.schema.json`` decides what is accepted; the models in
``protocol.records.model`` give typed access afterwards. If one gains a field, an
enum value or a type the other lacks, a record could pass the schema and then
fail (or be misread) in the model. This module compares the two level by level.
"""

from __future__ import annotations

import copy
import json
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import pytest
from jsonschema import Draft202012Validator
from pydantic import BaseModel

from protocol.dates import PartialDate
from protocol.records import record_schema
from protocol.records.model import (
    AdverseEvent,
    Diagnosis,
    DosingPeriod,
    Imaging,
    PatientRecord,
    Tace,
    Withdrawal,
)

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "schemas" / "patient-record.schema.json"
SCHEMA: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))

Shape = tuple[Any, ...]

# --- normalising both sides to the same vocabulary ------------------------------------------


def _deref(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """The node with a local ``$ref`` merged in (sibling keywords win, as in 2020-12)."""
    while "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), f"only local references are expected, got {ref}"
        target: Any = schema
        for part in ref[2:].split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def schema_shapes(schema: dict[str, Any], node: dict[str, Any]) -> set[Shape]:
    node = _deref(schema, node)
    if "anyOf" in node:
        return set().union(*(schema_shapes(schema, branch) for branch in node["anyOf"]))
    if "const" in node:
        return {("enum", frozenset([node["const"]]))}
    if "enum" in node:
        return {("enum", frozenset(node["enum"]))}
    if node.get("format") == "partial-date":
        assert node.get("type") == "string"
        return {("date",)}
    kinds = node.get("type")
    assert kinds is not None, f"schema node without a type: {node}"
    return {(kind,) for kind in (kinds if isinstance(kinds, list) else [kinds])}


_SCALARS = {str: "string", int: "integer", float: "number", bool: "boolean"}


def model_shapes(annotation: Any) -> set[Shape]:
    origin = get_origin(annotation)
    if origin is Annotated:
        return model_shapes(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return set().union(*(model_shapes(arg) for arg in get_args(annotation)))
    if annotation is type(None):
        return {("null",)}
    if origin is Literal:
        return {("enum", frozenset(get_args(annotation)))}
    if annotation is PartialDate:
        return {("date",)}
    if annotation in _SCALARS:
        return {(_SCALARS[annotation],)}
    if origin in (tuple, list):
        return {("array",)}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {("object",)}
    raise AssertionError(f"the sync test does not know the annotation {annotation!r}")


def _inner(annotation: Any, want: str) -> Any:
    """The nested model class (``object``) or array item type (``array``) in an annotation."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _inner(get_args(annotation)[0], want)
    if origin in (Union, types.UnionType):
        found = [_inner(arg, want) for arg in get_args(annotation)]
        found = [f for f in found if f is not None]
        return found[0] if found else None
    if want == "array" and origin in (tuple, list):
        return get_args(annotation)[0]
    if want == "object" and isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _schema_branch(schema: dict[str, Any], node: dict[str, Any], kind: str) -> dict[str, Any]:
    node = _deref(schema, node)
    for branch in node.get("anyOf", []):
        branch = _deref(schema, branch)
        if kind in (branch.get("type"),):
            return branch
    return node


# --- the comparison --------------------------------------------------------------------------


def compare(
    schema: dict[str, Any],
    model: type[BaseModel] = PatientRecord,
    node: dict[str, Any] | None = None,
    path: str = "",
    visited: list[tuple[str, type[BaseModel]]] | None = None,
) -> list[str]:
    """Every disagreement between ``model`` and the schema object ``node``, by pointer."""
    node = _deref(schema, schema if node is None else node)
    if visited is not None:
        visited.append((path, model))
    problems: list[str] = []
    where = path or "(top level)"

    if node.get("type") != "object":
        problems.append(f"{where}: the schema says {node.get('type')!r}, the model an object")
    if (node.get("additionalProperties") is False) != (model.model_config.get("extra") == "forbid"):
        problems.append(f"{where}: unknown fields are forbidden in one and not the other")

    props = node.get("properties", {})
    fields = model.model_fields
    for name in sorted(set(props) - set(fields)):
        problems.append(f"{where}: field {name!r} is in the schema, not in {model.__name__}")
    for name in sorted(set(fields) - set(props)):
        problems.append(f"{where}: field {name!r} is in {model.__name__}, not in the schema")

    schema_required = set(node.get("required", []))
    model_required = {name for name, info in fields.items() if info.is_required()}
    if schema_required != model_required:
        problems.append(
            f"{where}: required fields differ: schema {sorted(schema_required)}, "
            f"model {sorted(model_required)}"
        )

    for name in sorted(set(props) & set(fields)):
        info = fields[name]
        here = f"{path}/{name}"
        in_schema = schema_shapes(schema, props[name])
        in_model = model_shapes(info.annotation)
        # ``X | None = None`` in the model is how an optional field is absent; the schema
        # need not accept an explicit null for it.
        optional_absent = (
            not info.is_required() and name not in schema_required and info.default is None
        )
        if in_model != in_schema and not (optional_absent and in_model == in_schema | {("null",)}):
            problems.append(
                f"{here}: types differ: schema {sorted(map(str, in_schema))}, "
                f"model {sorted(map(str, in_model))}"
            )
            continue
        if ("object",) in in_model:
            nested = _inner(info.annotation, "object")
            problems += compare(
                schema, nested, _schema_branch(schema, props[name], "object"), here, visited
            )
        if ("array",) in in_model:
            array_node = _schema_branch(schema, props[name], "array")
            item_type = _inner(info.annotation, "array")
            items = array_node.get("items")
            if items is None:
                problems.append(f"{here}: the schema does not say what the list holds")
                continue
            item_here = f"{here}/items"
            item_shapes = model_shapes(item_type)
            if item_shapes != schema_shapes(schema, items):
                problems.append(f"{item_here}: item types differ")
            elif ("object",) in item_shapes:
                problems += compare(schema, item_type, items, item_here, visited)
    return problems


# --- the tests -------------------------------------------------------------------------------


def test_model_and_schema_agree() -> None:
    assert compare(SCHEMA) == []


def test_every_object_level_is_compared() -> None:
    visited: list[tuple[str, type[BaseModel]]] = []
    compare(SCHEMA, visited=visited)
    assert dict(visited) == {
        "": PatientRecord,
        "/diagnosis": Diagnosis,
        "/tace/items": Tace,
        "/imaging/items": Imaging,
        "/sorafenib/items": DosingPeriod,
        "/adverse_events/items": AdverseEvent,
        "/withdrawal": Withdrawal,
    }


def _mutated(change: typing.Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    schema = copy.deepcopy(SCHEMA)
    change(schema)
    return schema


def _items(schema: dict[str, Any], field: str) -> dict[str, Any]:
    return schema["properties"][field]["items"]["properties"]


MUTATIONS = {
    "an enum value dropped": (
        lambda s: _items(s, "sorafenib")["frequency"]["enum"].remove("QOD"),
        "/sorafenib/items/frequency",
    ),
    "an enum value added": (
        lambda s: s["properties"]["cohort"]["enum"].append("other_arm"),
        "/cohort",
    ),
    "a nested field added": (
        lambda s: _items(s, "tace").update({"operator": {"type": "string"}}),
        "/tace/items",
    ),
    "a top-level field removed": (lambda s: s["properties"].pop("site_id"), "site_id"),
    "a field made required": (
        lambda s: s["properties"]["imaging"]["items"]["required"].append("modality"),
        "/imaging/items",
    ),
    "a type changed": (
        lambda s: _items(s, "adverse_events")["grade"].update({"type": "number"}),
        "/adverse_events/items/grade",
    ),
    "null no longer allowed": (
        lambda s: _items(s, "sorafenib")["end_date"].update({"anyOf": [{"$ref": "#/$defs/date"}]}),
        "/sorafenib/items/end_date",
    ),
    "a date that is no longer a date": (
        lambda s: (
            s["properties"]["death_date"].update({"$ref": "#/$defs/not_a_date"})
            or s["$defs"].update({"not_a_date": {"type": "string"}})
        ),
        "/death_date",
    ),
    "unknown fields allowed": (
        lambda s: s["properties"]["withdrawal"].update({"additionalProperties": True}),
        "/withdrawal",
    ),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_the_comparison_catches_a_disagreement(mutation: str) -> None:
    change, mentioned = MUTATIONS[mutation]
    problems = compare(_mutated(change))
    assert problems, f"{mutation} went unnoticed"
    assert any(mentioned in problem for problem in problems), problems


def test_enums_are_those_of_the_protocol() -> None:
    """Values copied by hand from PROTOCOL.md, "The patient record"."""
    props = SCHEMA["properties"]

    def enum(node: dict[str, Any]) -> set[str]:
        return set(node["enum"])

    assert props["schema_version"]["const"] == "1"
    assert enum(props["cohort"]) == {"sorafenib_after_tace", "tace_alone_control"}
    assert enum(_items(SCHEMA, "tace")["technique"]) == {
        "conventional",
        "drug_eluting_beads",
        "other",
    }
    assert enum(_items(SCHEMA, "imaging")["modality"]) == {"CT", "MRI", "US", "angiography"}
    assert enum(_items(SCHEMA, "imaging")["result"]) == {
        "progression",
        "recurrence",
        "complete_response",
        "partial_response",
        "stable_disease",
        "not_evaluable",
    }
    assert enum(_items(SCHEMA, "sorafenib")["frequency"]) == {"QD", "BID", "TID", "QOD"}
    assert enum(_items(SCHEMA, "sorafenib")["reason"]) == {
        "initial",
        "adverse_event",
        "escalation",
        "resumption",
        "other",
    }
    assert enum(_items(SCHEMA, "adverse_events")["action_taken"]) == {
        "dose_not_changed",
        "dose_reduced",
        "drug_interrupted",
        "drug_withdrawn",
        "not_applicable",
        "unknown",
    }
    grade = _items(SCHEMA, "adverse_events")["grade"]
    assert (grade["type"], grade["minimum"], grade["maximum"]) == ("integer", 1, 5)
    assert set(SCHEMA["required"]) == {"schema_version", "patient_id", "cohort"}


def _described_nodes(node: Any, path: str) -> typing.Iterator[tuple[str, Any]]:
    """Every property, array item and definition schema, with its pointer."""
    if not isinstance(node, dict):
        return
    for name, child in node.get("properties", {}).items():
        yield f"{path}/properties/{name}", child
        yield from _described_nodes(child, f"{path}/properties/{name}")
    if "items" in node:
        yield f"{path}/items", node["items"]
        yield from _described_nodes(node["items"], f"{path}/items")
    for name, child in node.get("$defs", {}).items():
        yield f"{path}/$defs/{name}", child
        yield from _described_nodes(child, f"{path}/$defs/{name}")
    for index, branch in enumerate(node.get("anyOf", [])):
        yield from _described_nodes(branch, f"{path}/anyOf/{index}")


def test_every_property_has_a_description() -> None:
    nodes = list(_described_nodes(SCHEMA, ""))
    # 13 top-level fields and the nested ones: the walk really went down.
    assert len([p for p, _ in nodes if p.startswith("/properties/") and p.count("/") == 2]) == 13
    assert "/properties/adverse_events/items/properties/action_taken" in dict(nodes)
    missing = [
        pointer
        for pointer, node in nodes
        if not (isinstance(node.get("description"), str) and node["description"].strip())
    ]
    assert missing == []
    assert SCHEMA["description"].strip()
    assert SCHEMA["title"].strip()


def test_schema_identity_and_dialect() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert isinstance(SCHEMA["$id"], str) and SCHEMA["$id"].strip()
    Draft202012Validator.check_schema(SCHEMA)


def test_the_checker_uses_the_schema_in_the_repository() -> None:
    assert record_schema() == SCHEMA
