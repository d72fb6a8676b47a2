"""Every rule of the pack has a scenario asserting `met` and one asserting `not met`.

The feature files are read as plain text; Scenario Outline steps are expanded with the
rows of their Examples tables. A rule whose pack definition cannot yield a status (e.g.
DOS003 has no `met` outcome: it only logs a justified reduction) is not asked for it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from protocol.packs import Pack, load_pack, load_pack_folder

FEATURES = Path(__file__).resolve().parent.parent / "features"
ASSERTION = re.compile(r"\b([A-Z]{2,3}\d{3}) is (not met|met)\b")
STEP = re.compile(r"^\s*(Given|When|Then|And|But|\*)\s+(.*)$")


def _pack() -> Pack:
    folder = os.environ.get("TACECHECK_PACK")
    return load_pack_folder(Path(folder)) if folder else load_pack("tamai-2017")


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _expanded_steps(text: str) -> list[str]:
    """Every step line of the feature, Outline steps once per Examples row."""
    out: list[str] = []
    steps: list[str] = []
    header: list[str] | None = None
    in_examples = False

    def flush() -> None:
        if not in_examples:
            out.extend(steps)

    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        keyword = line.split(":", 1)[0].strip()
        if keyword in (
            "Scenario",
            "Scenario Outline",
            "Scenario Template",
            "Example",
            "Background",
            "Rule",
            "Feature",
        ):
            flush()
            steps, header, in_examples = [], None, False
            continue
        if keyword in ("Examples", "Scenarios"):
            in_examples, header = True, None
            continue
        match = STEP.match(line)
        if match and not in_examples:
            steps.append(match.group(2))
        elif line.startswith("|") and in_examples:
            if header is None:
                header = _cells(line)
            else:
                row = dict(zip(header, _cells(line), strict=False))
                for step in steps:
                    out.append(
                        re.sub(
                            r"<([^>]+)>", lambda m, row=row: row.get(m.group(1), m.group(0)), step
                        )
                    )
    flush()
    return out


def _asserted() -> dict[str, set[str]]:
    seen: dict[str, set[str]] = {}
    for path in sorted(FEATURES.glob("*.feature")):
        for step in _expanded_steps(path.read_text(encoding="utf-8")):
            for code, status in ASSERTION.findall(step):
                seen.setdefault(code, set()).add(status)
    return seen


def _reachable(rule) -> set[str]:
    statuses = {str(o.result) for o in (*rule.outcomes, rule.otherwise)}
    return {s.replace("_", " ") for s in statuses}


def test_feature_files_exist() -> None:
    assert sorted(p.name for p in FEATURES.glob("*.feature")), "no feature files"


def test_expansion_of_outlines() -> None:
    text = """
Scenario Outline: x
  Then TRT001 is <status>
  Examples:
    | status  |
    | met     |
    | not met |
"""
    assert _expanded_steps(text) == ["TRT001 is met", "TRT001 is not met"]


@pytest.mark.parametrize("code", [rule.code for rule in _pack().rules])
def test_rule_has_met_and_not_met_scenarios(code: str) -> None:
    rule = _pack().rule(code)
    wanted = {"met", "not met"} & _reachable(rule)
    missing = wanted - _asserted().get(code, set())
    assert not missing, f"{code}: no scenario asserts {' or '.join(sorted(missing))}"
