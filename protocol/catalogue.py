"""The rule catalogue in words: ``tacecheck rules`` and ``tacecheck explain CODE``.

Everything printed comes from the pack: codes, names, kinds, importance, documentation,
the parameters a rule uses with their rationale, and its outcomes in the order tried.
"""

from __future__ import annotations

import json
import sys
import textwrap

from protocol.packs import load_pack
from protocol.packs.model import Pack

__all__ = ["print_explanation", "print_rules"]


def print_rules(pack: Pack, style: str) -> int:
    rows = [
        {
            "code": rule.code,
            "name": rule.name,
            "kind": rule.kind,
            "importance": rule.importance,
            "cohorts": list(rule.cohorts),
            "family": rule.family,
            "protocol_ref": rule.protocol_ref,
            "reads": list(rule.reads),
        }
        for rule in pack.rules
    ]
    if style == "json":
        about = {"id": pack.id, "version": pack.version, "title": pack.title}
        print(json.dumps({"pack": about, "rules": rows}, indent=2, ensure_ascii=False))
        return 0
    if style == "markdown":
        print(f"# {pack.id} v{pack.version}: {pack.title}\n")
        print("| code | name | kind | importance | cohorts | needs |")
        print("|---|---|---|---|---|---|")
        for row in rows:
            cells = [row["code"], f"`{row['name']}`", row["kind"], row["importance"] or ""]
            cells += [", ".join(row["cohorts"]), ", ".join(row["reads"])]
            print("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
        return 0
    print(f"{pack.id} v{pack.version}: {pack.title}")
    for rule in pack.rules:
        importance = f" ({rule.importance})" if rule.importance else ""
        cohorts = ", ".join(rule.cohorts)
        print(f"{rule.code}  {rule.name:<42} {rule.kind}{importance}  [{cohorts}]")
    return 0


def print_explanation(pack_id: str, code: str) -> int:
    pack = load_pack(pack_id)
    try:
        rule = pack.group if code.upper() == "GROUP" else pack.rule(code)
    except KeyError:
        print(f"tacecheck: no rule {code!r} in {pack.id}; see 'tacecheck rules'", file=sys.stderr)
        return 2
    wrap = textwrap.TextWrapper(width=88, initial_indent="  ", subsequent_indent="  ")
    print(f"{rule.code} {rule.name}")
    importance = f", importance {rule.importance}" if rule.importance else ""
    print(f"kind {rule.kind}{importance}; cohorts: {', '.join(rule.cohorts)}")
    print(f"protocol reference: {rule.protocol_ref}")
    print(f"needs: {', '.join(rule.reads)} (not evaluable when the source did not collect one)")
    print(f"defined in: {rule.file}:{rule.line}")
    for title, key in [
        ("What it checks", "checks"),
        ("Why it matters", "why"),
        ("Conforming example", "conforming"),
        ("Deviating example", "deviating"),
        ("Known limits", "limits"),
    ]:
        if key in rule.doc:
            print(f"\n{title}:")
            print(wrap.fill(" ".join(rule.doc[key].split())))
    used = sorted(
        name
        for name in pack.parameters
        if any(name in (o.message + repr(o.condition)) for o in (*rule.outcomes, rule.otherwise))
    )
    if used:
        print("\nParameters:")
        for name in used:
            p = pack.parameters[name]
            unit = f" {p.unit}" if p.unit else ""
            print(f"  {name} = {json.dumps(p.value)}{unit}")
            print(wrap.fill(" ".join(f"{p.description} Why: {p.rationale}".split())))
    print("\nOutcomes, tried in order:")
    for outcome in rule.outcomes:
        print(f"  {outcome.result:<15} when {_condition_text(outcome.condition)}")
    print(f"  {rule.otherwise.result:<15} otherwise")
    return 0


def _condition_text(condition: object) -> str:
    from protocol.packs.conditions import All, Any_, Clause

    if isinstance(condition, Clause):
        return condition.text
    if isinstance(condition, All):
        return " and ".join(_wrap(_condition_text(c)) for c in condition.items)
    if isinstance(condition, Any_):
        return " or ".join(_wrap(_condition_text(c)) for c in condition.items)
    return ""


def _wrap(text: str) -> str:
    return f"({text})" if " and " in text or " or " in text else text
