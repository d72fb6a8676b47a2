"""Checking a mapping against the project's data dictionary and the canonical record.

Every field a mapping names must be in the dictionary, on the form it is said to be on, of a
type that can give the value; every choice code of a radio must be mapped to a value the
canonical record accepts (read from ``schemas/patient-record.schema.json``); a list comes
from one repeating instrument, and a single value never does. Every problem is collected
with its place in the mapping, so a site fixes its mapping in one pass.
"""

from __future__ import annotations

from typing import Any

from protocol.records.validation import record_schema
from protocol.redcap.dictionary import Dictionary, Field
from protocol.redcap.mapping import Part, ValueSpec

__all__ = ["MappingCheck"]

_DATE_VALIDATIONS = frozenset({"date_ymd", "date_dmy", "date_mdy"})
_INTEGER_VALIDATIONS = frozenset({"integer"})
_NUMBER_VALIDATIONS = frozenset({"number", "number_1dp", "number_2dp", "number_3dp", "number_4dp"})
_DEFAULT_BOOLEAN = {"1": True, "0": False}


class MappingCheck:
    """Turns schema-valid mapping data into parts, collecting every problem on the way."""

    def __init__(self, dictionary: Dictionary, missing: dict[str, str]) -> None:
        self.dictionary = dictionary
        self.missing = missing
        self.problems: list[tuple[str, str]] = []
        self.canonical = record_schema()
        self.repeating_checks: list[tuple[ValueSpec, str]] = []  # values not from a list

    def problem(self, where: str, message: str) -> None:
        self.problems.append((where, message))

    def lookup(self, name: str, where: str) -> Field | None:
        found = self.dictionary.fields.get(name)
        if found is None:
            self.problem(where, f"field {name!r} is not in the data dictionary")
        return found

    def parts(self, record: dict[str, Any]) -> tuple[Part, ...]:
        props = self.canonical["properties"]
        required = set(self.canonical.get("required", []))
        out = []
        for key, spec in record.items():
            where = f"record.{key}"
            schema = props.get(key)
            if schema is None:
                self.problem(where, f"{key!r} is not a field of the canonical patient record")
                continue
            if "object" in spec:
                out.append(self._object(key, spec["object"], schema, where, key in required))
            elif "instrument" in spec:
                out.append(self._list(key, spec, schema, where, key in required))
            else:
                value = self.value(key, spec, schema, where, key in required)
                out.append(Part(key, "value", (value,), required=key in required))
                self._not_repeating(value, where)
        for key in sorted(required - set(record)):
            self.problem("record", f"the canonical field {key!r} is required but not mapped")
        return tuple(out)

    def _not_repeating(self, value: ValueSpec, where: str) -> None:
        self.repeating_checks.append((value, where))

    def _object(
        self, key: str, props: dict[str, Any], schema: dict[str, Any], where: str, req: bool
    ) -> Part:
        if schema.get("type") != "object":
            self.problem(where, f"the canonical {key!r} is not an object; map it as a value")
            return Part(key, "object", ())
        required = set(schema.get("required", []))
        specs = []
        for name, spec in props.items():
            sub = schema.get("properties", {}).get(name)
            place = f"{where}.object.{name}"
            if sub is None:
                self.problem(place, f"{name!r} is not a field of the canonical {key!r}")
                continue
            value = self.value(name, spec, sub, place, name in required)
            specs.append(value)
            self._not_repeating(value, place)
        return Part(key, "object", tuple(specs), required=req)

    def _list(
        self, key: str, spec: dict[str, Any], schema: dict[str, Any], where: str, req: bool
    ) -> Part:
        instrument = spec["instrument"]
        if schema.get("type") != "array":
            self.problem(where, f"the canonical {key!r} is not a list; map it as a value")
            return Part(key, "list", (), instrument)
        if instrument not in self.dictionary.forms:
            self.problem(
                f"{where}.instrument",
                f"instrument {instrument!r} is not a form of "
                "the data dictionary (forms: " + ", ".join(self.dictionary.forms) + ")",
            )
        items = schema.get("items", {})
        required = set(items.get("required", []))
        specs = []
        for name, sub_spec in spec["items"].items():
            sub = items.get("properties", {}).get(name)
            place = f"{where}.items.{name}"
            if sub is None:
                self.problem(place, f"{name!r} is not a field of a canonical {key!r} item")
                continue
            value = self.value(name, sub_spec, sub, place, name in required)
            for used in value.fields():
                if used.form != instrument:
                    self.problem(
                        place,
                        f"field {used.name!r} is on form {used.form!r}, not on "
                        f"the repeating instrument {instrument!r}",
                    )
            specs.append(value)
        for name in sorted(required - set(spec["items"])):
            self.problem(
                f"{where}.items", f"the canonical {name!r} of each item is required but not mapped"
            )
        return Part(key, "list", tuple(specs), instrument, req)

    def value(
        self, key: str, spec: dict[str, Any], schema: dict[str, Any], where: str, required: bool
    ) -> ValueSpec:
        if "value" in spec:
            return ValueSpec(key, where, "constant", constant=spec["value"], required=required)
        item = self.lookup(spec["field"], f"{where}.field")
        if item is None:
            return ValueSpec(key, where, "text", required=required)
        kind = spec.get("as") or _kind_of(item)
        if kind is None:
            self.problem(
                where,
                f"field {item.name!r} is a {item.type} field; say how to read "
                "it with 'as' (any_ticked for a checkbox)",
            )
            kind = "text"
        self._check_kind(item, kind, where)
        choices: dict[str, Any] = {}
        if kind == "choice":
            choices = spec.get("choices") or (
                dict(_DEFAULT_BOOLEAN) if item.type in ("yesno", "truefalse") else {}
            )
            self._check_codes(item, set(choices), f"{where}.choices", every=True)
            allowed = _allowed(schema)
            for code, mapped in choices.items():
                if allowed is not None and mapped not in allowed:
                    self.problem(
                        f"{where}.choices.{code}",
                        f"{mapped!r} is not a value the "
                        f"canonical {key!r} accepts ({', '.join(map(repr, allowed))})",
                    )
        precision_field, precision = None, {}
        if "precision" in spec:
            precision_field = self.lookup(spec["precision"]["field"], f"{where}.precision.field")
            precision = dict(spec["precision"]["choices"])
            if precision_field is not None:
                self._same_form(item, precision_field, f"{where}.precision")
                self._check_codes(
                    precision_field, set(precision), f"{where}.precision.choices", every=True
                )
            if kind != "date":
                self.problem(f"{where}.precision", "a precision radio goes with a date field")
        true_codes = frozenset(spec.get("true_codes", ()))
        false_codes = frozenset(spec.get("false_codes", ()))
        if kind == "any_ticked":
            if true_codes & false_codes:
                self.problem(where, "a code is in both true_codes and false_codes")
            self._check_codes(item, set(true_codes | false_codes), where, every=True)
        null_field, null_codes = None, frozenset()
        if "null_when" in spec:
            null_field = self.lookup(spec["null_when"]["field"], f"{where}.null_when.field")
            null_codes = frozenset(spec["null_when"]["codes"])
            if null_field is not None:
                self._same_form(item, null_field, f"{where}.null_when")
                self._check_codes(null_field, set(null_codes), f"{where}.null_when.codes")
        on_missing = dict(spec.get("on_missing", {}))
        for code in on_missing:
            if code not in self.missing:
                self.problem(
                    f"{where}.on_missing.{code}",
                    f"{code!r} is not one of the mapping's missing_data_codes",
                )
        for code in set(item.choices) & set(self.missing):
            self.problem(
                f"{where}.field",
                f"choice code {code!r} of field {item.name!r} is "
                "also a missing-data code; REDCap does not allow that",
            )
        return ValueSpec(
            key, where, kind, item, None, choices, precision_field, precision,
            true_codes, false_codes, null_field, null_codes, on_missing, required,
        )  # fmt: skip

    def _check_kind(self, item: Field, kind: str, where: str) -> None:
        fits = {
            "text": item.type in ("text", "notes") and item.validation not in _DATE_VALIDATIONS,
            "integer": item.type == "text" and item.validation in _INTEGER_VALIDATIONS,
            "number": item.type in ("text", "calc")
            and (
                item.validation in _NUMBER_VALIDATIONS | _INTEGER_VALIDATIONS or item.type == "calc"
            ),
            "date": item.type == "text" and item.validation in _DATE_VALIDATIONS,
            "partial_date": item.type == "text" and not item.validation,
            "choice": item.type in ("radio", "dropdown", "yesno", "truefalse"),
            "any_ticked": item.type == "checkbox",
        }
        if not fits.get(kind, False):
            shown = item.type + (f" ({item.validation})" if item.validation else "")
            self.problem(
                where,
                f"field {item.name!r} is a {shown} field in the dictionary "
                f"and cannot be read as {kind}",
            )

    def _check_codes(self, item: Field, codes: set[str], where: str, every: bool = False) -> None:
        unknown = sorted(codes - set(item.choices))
        if unknown:
            self.problem(
                where,
                f"code(s) {', '.join(map(repr, unknown))} are not choices of "
                f"field {item.name!r} (its choices: {item.choices_text()})",
            )
        left = [code for code in item.choices if code not in codes]
        if every and left:
            self.problem(
                where,
                f"choice(s) {', '.join(map(repr, left))} of field {item.name!r} "
                "have no canonical value in the mapping",
            )

    def _same_form(self, item: Field, other: Field, where: str) -> None:
        if other.form != item.form:
            self.problem(
                where,
                f"field {other.name!r} is on form {other.form!r}, not on "
                f"{item.form!r} with {item.name!r}",
            )


def _kind_of(item: Field) -> str | None:
    if item.type in ("radio", "dropdown", "yesno", "truefalse"):
        return "choice"
    if item.type == "checkbox":
        return None
    if item.validation in _DATE_VALIDATIONS:
        return "date"
    if item.validation in _INTEGER_VALIDATIONS:
        return "integer"
    if item.validation in _NUMBER_VALIDATIONS or item.type == "calc":
        return "number"
    return "text"


def _allowed(schema: dict[str, Any]) -> list[Any] | None:
    """The values a canonical property accepts, when the schema lists them."""
    if "enum" in schema:
        return list(schema["enum"])
    types = schema.get("type")
    if types == "boolean":
        return [True, False]
    if isinstance(types, list) and set(types) <= {"boolean", "null"}:
        return [True, False, None]
    if types == "integer" and "minimum" in schema and "maximum" in schema:
        return list(range(schema["minimum"], schema["maximum"] + 1))
    return None
