"""The condition language of protocol packs, compiled to durable_rules JSON.

A condition is a list of clauses that must all hold; an item may itself be
``{any: [...]}`` or ``{all: [...]}``. A clause is one comparison written as
text, ``field OP value``, for example::

    - "day_min >= $start_window_first_day"
    - "frequency in $allowed_frequencies"
    - "eligibility == ineligible"

``field`` names a measurement of the fact the rule is about; ``OP`` is one of
``== != < <= > >= in``, ``not in``; ``value`` is a number, ``true``/``false``,
a word or quoted text, a ``[list]``, or ``$name`` for a pack parameter. Clause
text is parsed, never evaluated. The durable_rules operators it compiles to
are ``$eq $neq $lt $lte $gt $gte $and $or`` (see ``DURABLE_RULES.md`` 21).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "All",
    "Any_",
    "Clause",
    "Condition",
    "ConditionError",
    "ParamRef",
    "clauses",
    "parse_condition",
]

_CLAUSE = re.compile(
    r"^\s*(?P<field>[a-z][a-z0-9_]*)\s*(?P<op>==|!=|<=|>=|<|>|not in|in)\s*(?P<value>.+?)\s*$"
)
_PARAM = re.compile(r"^\$(?P<name>[a-z][a-z0-9_]*)$")
_DURABLE_OPS = {"!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}
_OPPOSITE = {
    "==": "!=",
    "!=": "==",
    "<": ">=",
    "<=": ">",
    ">": "<=",
    ">=": "<",
    "in": "not in",
    "not in": "in",
}


class ConditionError(ValueError):
    """A clause that cannot be read."""


@dataclass(frozen=True, slots=True)
class ParamRef:
    name: str


@dataclass(frozen=True, slots=True)
class Clause:
    field: str
    op: str
    value: Any
    text: str

    def compile(self, params: Mapping[str, Any]) -> dict[str, Any]:
        value = params[self.value.name] if isinstance(self.value, ParamRef) else self.value
        if self.op in {"in", "not in"}:
            if not isinstance(value, list) or not value:
                raise ConditionError(f"{self.text!r}: 'in' needs a non-empty list")
            if self.op == "in":
                return {"$or": [{self.field: item} for item in value]}
            return {"$and": [{"$neq": {self.field: item}} for item in value]}
        if isinstance(value, list):
            raise ConditionError(f"{self.text!r}: {self.op} compares with one value, not a list")
        if self.op == "==":
            return {self.field: value}
        if isinstance(value, bool) and self.op != "!=":
            raise ConditionError(f"{self.text!r}: true/false can only be compared with == or !=")
        return {_DURABLE_OPS[self.op]: {self.field: value}}

    def negated(self) -> Clause:
        """The clause that holds exactly when this one does not (fields are never missing)."""
        return Clause(self.field, _OPPOSITE[self.op], self.value, f"not ({self.text})")


@dataclass(frozen=True, slots=True)
class All:
    items: tuple[Condition, ...]

    def compile(self, params: Mapping[str, Any]) -> dict[str, Any]:
        return {"$and": [item.compile(params) for item in self.items]}

    def negated(self) -> Any_:
        return Any_(tuple(item.negated() for item in self.items))


@dataclass(frozen=True, slots=True)
class Any_:
    items: tuple[Condition, ...]

    def compile(self, params: Mapping[str, Any]) -> dict[str, Any]:
        return {"$or": [item.compile(params) for item in self.items]}

    def negated(self) -> All:
        return All(tuple(item.negated() for item in self.items))


Condition = Clause | All | Any_


_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_WORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def _scalar(text: str) -> Any:
    text = text.strip()
    if text in {"true", "false"}:
        return text == "true"
    if _NUMBER.match(text):
        return float(text) if "." in text else int(text)
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    if _WORD.match(text):
        return text
    raise ConditionError(f"cannot read value {text!r}; quote text that is not a single word")


def _value(text: str) -> Any:
    """A clause's value: ``$param``, a number, true/false, a word, quoted text or a list.

    Read by hand rather than by YAML, whose 1.1 rules would turn ``yes`` into true.
    """
    match = _PARAM.match(text)
    if match:
        return ParamRef(match["name"])
    if text.startswith("[") and text.endswith("]"):
        items = [item for item in text[1:-1].split(",") if item.strip()]
        return [_scalar(item) for item in items]
    return _scalar(text)


def parse_condition(spec: Any) -> Condition:
    """Parse the YAML form of a condition (a clause, a list, ``{any:}``, ``{all:}``)."""
    if isinstance(spec, str):
        match = _CLAUSE.match(spec)
        if match is None:
            raise ConditionError(
                f"cannot read clause {spec!r}; write 'field OP value' with OP one of "
                "== != < <= > >= in, not in"
            )
        return Clause(match["field"], match["op"], _value(match["value"]), spec)
    if isinstance(spec, list):
        if not spec:
            raise ConditionError("an empty list of clauses")
        return All(tuple(parse_condition(item) for item in spec))
    if isinstance(spec, dict) and len(spec) == 1:
        ((key, items),) = spec.items()
        if key in {"any", "all"} and isinstance(items, list) and items:
            parsed = tuple(parse_condition(item) for item in items)
            return Any_(parsed) if key == "any" else All(parsed)
    raise ConditionError(f"cannot read condition {spec!r}")


def clauses(condition: Condition) -> Iterator[Clause]:
    """Every clause of a condition, depth first."""
    if isinstance(condition, Clause):
        yield condition
    else:
        for item in condition.items:
            yield from clauses(item)
