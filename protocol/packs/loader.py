"""Loading a protocol pack from ``rules/<pack>/``: YAML, schema, then meaning.

Every file is read with ``yaml.safe_load`` and validated against
``schemas/rule-pack.schema.json``; then every clause and message template is
checked against the measurements the engine provides for the rule's subject
and against the pack's parameters. Any mistake is a :class:`PackError` naming
the file and the line.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from protocol._resources import rules_dir, schema_path
from protocol.engine.facts import SUBJECTS
from protocol.packs.conditions import ConditionError, ParamRef, clauses, parse_condition
from protocol.packs.model import Outcome, Pack, Parameter, Rule
from protocol.packs.templates import TemplateError, placeholders

__all__ = ["PackError", "available_packs", "load_pack", "load_pack_folder"]


class PackError(ValueError):
    """A protocol pack that cannot be used, with the file and line at fault."""

    def __init__(self, file: Path, line: int | None, message: str) -> None:
        where = f"{file}:{line}" if line else str(file)
        super().__init__(f"{where}: {message}")
        self.file = file
        self.line = line
        self.detail = message


class _Source:
    """A YAML file with its data and a map from paths to line numbers."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise PackError(path, None, f"cannot read: {error}") from None
        try:
            self.data = yaml.safe_load(text)
            self.node = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            problem = getattr(error, "problem", error)
            raise PackError(path, line, f"not valid YAML: {problem}") from None
        if not isinstance(self.data, dict):
            raise PackError(path, 1, "expected a mapping at the top of the file")
        _refuse_cut_text(path, text, self.node)

    def line(self, path: Sequence[Any]) -> int | None:
        node = self.node
        line = node.start_mark.line + 1 if node is not None else None
        for part in path:
            if isinstance(node, yaml.MappingNode):
                match = next((v for k, v in node.value if k.value == str(part)), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                match = node.value[part] if part < len(node.value) else None
            else:
                match = None
            if match is None:
                break
            node = match
            line = node.start_mark.line + 1
        return line

    def fail(self, path: Sequence[Any], message: str) -> PackError:
        return PackError(self.path, self.line(path), message)


_STR_TAG = "tag:yaml.org,2002:str"


def _refuse_cut_text(path: Path, text: str, root: yaml.Node | None) -> None:
    """Refuse a plain (unquoted) string followed by a comment on its line.

    YAML reads ``checks: TACE #2 exists`` as the text "TACE" and a comment: the rest
    of a sentence silently disappears. Such a text must be quoted.
    """
    lines = text.splitlines()
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            stack.extend(part for pair in node.value for part in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.ScalarNode) and node.style is None and node.tag == _STR_TAG:
            end = node.end_mark
            rest = lines[end.line][end.column :] if end.line < len(lines) else ""
            if rest.strip().startswith("#"):
                cut = rest.strip()[:40]
                raise PackError(
                    path,
                    end.line + 1,
                    f"this text is cut at ' #': YAML reads the rest ({cut!r}) as a comment and "
                    f"keeps only {node.value[-40:]!r}; quote it",
                )


@cache
def _validators() -> tuple[Draft202012Validator, Draft202012Validator]:
    schema = json.loads(schema_path("rule-pack").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    family = {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": "#/$defs/family"}
    return Draft202012Validator(schema), Draft202012Validator(family)


def _check_schema(source: _Source, validator: Draft202012Validator) -> None:
    errors = sorted(validator.iter_errors(source.data), key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        where = "/".join(str(p) for p in error.absolute_path) or "(top)"
        raise source.fail(list(error.absolute_path), f"at {where}: {error.message}")


def _outcome(
    source: _Source, path: list[Any], spec: dict[str, Any], index: int, field: str
) -> Outcome:
    condition = None
    if "when" in spec:
        try:
            condition = parse_condition(spec["when"])
        except ConditionError as error:
            raise source.fail([*path, "when"], str(error)) from None
    return Outcome(
        spec[field], spec["message"], condition, index, source.line(path), spec.get("label")
    )


def _check_meaning(source: _Source, path: list[Any], rule: Rule, params: Mapping[str, Any]) -> None:
    subject = SUBJECTS.get(rule.subject)
    if subject is None:
        raise source.fail(
            [*path, "subject"],
            f"{rule.code}: unknown subject {rule.subject!r}; the engine measures "
            + ", ".join(sorted(SUBJECTS)),
        )
    names = subject.fields | subject.display | set(params)
    for position, outcome in enumerate((*rule.outcomes, rule.otherwise)):
        where = (
            [*path, "outcomes", position] if position < len(rule.outcomes) else [*path, "otherwise"]
        )
        if outcome.condition is not None:
            for clause in clauses(outcome.condition):
                if clause.field not in subject.fields:
                    raise source.fail(
                        [*where, "when"],
                        f"{rule.code}: {clause.text!r} names {clause.field!r}, which the "
                        f"{rule.subject} subject does not measure (it has: "
                        + ", ".join(sorted(subject.fields))
                        + ")",
                    )
                if isinstance(clause.value, ParamRef) and clause.value.name not in params:
                    raise source.fail(
                        [*where, "when"],
                        f"{rule.code}: {clause.text!r} names unknown parameter "
                        f"${clause.value.name}",
                    )
                try:
                    clause.compile(params)
                except ConditionError as error:
                    raise source.fail([*where, "when"], f"{rule.code}: {error}") from None
        _check_template(source, [*where, "message"], rule, outcome.message, names)
    _check_template(source, [*path, "location"], rule, rule.location, subject.display | names)
    _check_template(source, [*path, "none_message"], rule, rule.none_message, set(params))
    for name in rule.evidence:
        if name not in names:
            raise source.fail(
                [*path, "evidence"], f"{rule.code}: evidence names unknown value {name!r}"
            )
    for end, name in rule.log_dates.items():
        if name not in rule.evidence:
            raise source.fail(
                [*path, "log_dates", end],
                f"{rule.code}: log date {name!r} is not one of the rule's evidence",
            )


def _check_template(
    source: _Source, where: list[Any], rule: Rule, template: str, names: set[str]
) -> None:
    try:
        used = placeholders(template)
    except TemplateError as error:
        raise source.fail(where, f"{rule.code}: {error}") from None
    unknown = sorted(used - names)
    if unknown:
        raise source.fail(
            where,
            f"{rule.code}: template names {', '.join(unknown)}, which neither the "
            f"{rule.subject} subject nor the parameters provide",
        )


def _rule(source: _Source, path: list[Any], spec: dict[str, Any], family: str, field: str) -> Rule:
    outcomes = tuple(
        _outcome(source, [*path, "outcomes", i], item, i, field)
        for i, item in enumerate(spec["outcomes"])
    )
    otherwise = _outcome(source, [*path, "otherwise"], spec["otherwise"], len(outcomes), field)
    return Rule(
        code=spec["code"],
        name=spec["name"],
        kind=spec["kind"],
        importance=spec.get("importance"),
        cohorts=tuple(spec["cohorts"]),
        subject=spec["subject"],
        reads=tuple(spec["reads"]),
        protocol_ref=spec["protocol_ref"],
        location=spec.get("location", ""),
        evidence=tuple(spec.get("evidence", ())),
        log_dates=dict(spec.get("log_dates", {})),
        outcomes=outcomes,
        otherwise=otherwise,
        none_message=spec.get("none_message", ""),
        doc=dict(spec.get("doc", {})),
        family=family,
        file=source.path,
        line=source.line(path),
    )


def load_pack_folder(folder: Path) -> Pack:
    """Load and check the pack whose ``pack.yaml`` is in ``folder``."""
    manifest_validator, family_validator = _validators()
    manifest = _Source(folder / "pack.yaml")
    _check_schema(manifest, manifest_validator)
    data = manifest.data
    parameters = {
        name: Parameter(
            name, spec["value"], spec.get("unit", ""), spec["description"], spec["rationale"]
        )
        for name, spec in data["parameters"].items()
    }
    params = {name: p.value for name, p in parameters.items()}
    rules: list[Rule] = []
    seen: dict[str, Path] = {}
    for position, family in enumerate(data["families"]):
        source = _Source(folder / family["file"])
        _check_schema(source, family_validator)
        for index, spec in enumerate(source.data["rules"]):
            path = ["rules", index]
            rule = _rule(source, path, spec, family["id"], "status")
            if rule.code in seen:
                raise source.fail(
                    [*path, "code"], f"rule code {rule.code} is also defined in {seen[rule.code]}"
                )
            if (rule.kind == "deviation") != (rule.importance is not None):
                raise source.fail(
                    path, f"{rule.code}: deviations, and only deviations, have an importance"
                )
            _check_meaning(source, path, rule, params)
            seen[rule.code] = source.path
            rules.append(rule)
        if not source.data["rules"]:
            raise manifest.fail(["families", position], "family file has no rules")
    group = _rule(manifest, ["group"], data["group"], "groups", "group")
    _check_meaning(manifest, ["group"], group, params)
    return Pack(
        id=data["id"],
        version=str(data["version"]),
        title=data["title"],
        reference=data["reference"],
        parameters=parameters,
        decisions=tuple(data.get("decisions", ())),
        rules=tuple(rules),
        group=group,
        endpoints=dict(data["endpoints"]),
        families=tuple(data["families"]),
        folder=folder,
        params=params,
    )


def available_packs() -> list[str]:
    """The ids of the bundled packs."""
    return sorted(p.name for p in rules_dir().iterdir() if (p / "pack.yaml").is_file())


@cache
def load_pack(pack_id: str = "tamai-2017") -> Pack:
    """A bundled pack by id (``rules/<id>/pack.yaml``), or a folder path."""
    folder = Path(pack_id)
    if not (folder / "pack.yaml").is_file():
        folder = rules_dir() / pack_id
    if not (folder / "pack.yaml").is_file():
        raise PackError(
            folder,
            None,
            f"no protocol pack {pack_id!r}; bundled packs: {', '.join(available_packs())}",
        )
    return load_pack_folder(folder)
