"""The proof that patients may share one durable_rules session (pitfall 30).

Checking 25-100 patients in one session is much cheaper than a session each, but it is
safe only while no rule can match facts of two patients. :func:`single_fact_rules`
decides that on the compiled ruleset, before any record is checked: every rule must be
one pattern on one fact comparing that fact's own fields with constants (or the
adapter's sentinel join, exactly as compiled). Anything else, and the adapter gives each
patient a session of its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from typing import Any

from protocol.packs.conditions import Clause, Condition

__all__ = ["condition_fields", "single_fact_rules"]


def single_fact_rules(
    definition: Mapping[str, Any],
    sentinel: str,
    sentinel_rule: Mapping[str, Any],
    reserved: Set[str],
    subjects: Set[str],
) -> bool:
    """Whether no rule of a compiled ruleset can match facts of two patients.

    True only if every rule is one pattern on one fact (``{"all": [{"m": P}]}``) where
    ``P`` is built of ``$and``/``$or`` over comparisons of one of that fact's fields with
    a constant (no reference to another fact or to the session's state), or is the
    ``sentinel`` rule exactly as compiled, whose second fact (a ``reserved`` subject) no
    fact subject can be. Anything else is refused.
    """
    if reserved & subjects:
        return False
    for name, rule in definition.items():
        if name == sentinel:
            if rule != sentinel_rule:
                return False
            continue
        if not isinstance(rule, Mapping) or list(rule) != ["all"]:
            return False
        patterns = rule["all"]
        if not isinstance(patterns, list) or len(patterns) != 1:
            return False
        (pattern,) = patterns
        if not isinstance(pattern, Mapping) or list(pattern) != ["m"]:
            return False
        if not _on_one_fact(pattern["m"]):
            return False
    return True


_COMPARISONS = frozenset({"$eq", "$neq", "$lt", "$lte", "$gt", "$gte", "$ex", "$nex"})
_CONSTANT = (str, int, float, bool)


def _on_one_fact(pattern: Any) -> bool:
    """Whether a pattern only compares its own fact's fields with constants."""
    if not isinstance(pattern, Mapping) or len(pattern) != 1:
        return False
    ((key, value),) = pattern.items()
    if key in ("$and", "$or"):
        return isinstance(value, list) and all(_on_one_fact(item) for item in value)
    if key in _COMPARISONS:
        if not isinstance(value, Mapping) or len(value) != 1:
            return False
        ((field, constant),) = value.items()
        return not field.startswith("$") and isinstance(constant, _CONSTANT)
    return not key.startswith("$") and isinstance(value, _CONSTANT)


def condition_fields(condition: Condition) -> set[str]:
    """The fact fields a condition names."""
    if isinstance(condition, Clause):
        return {condition.field}
    return {f for item in condition.items for f in condition_fields(item)}
