"""The text report's closing cohort summary, as lines that fit 100 columns.

Counts, the attrition per cohort ("21 entered → 20 passed, 1 excluded"), the
analysis groups, the Kaplan-Meier medians (an interval from one patient is not
estimable), the safety flags, the per-site table, the rule × status table, and
the run's provenance (tool, pack, when, which as-of rule).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from protocol.packs.model import Pack
from protocol.render.wording import ci_text, count

__all__ = ["SITE_COLUMNS", "run_lines", "site_rows", "summary_lines"]

# (summary key, column heading) of the per-site table, in the order shown
SITE_COLUMNS = (
    ("patients", "patients"),
    ("eligible", "eligible"),
    ("important_deviations", "important deviations"),
    ("deviations_per_patient_month", "deviations per patient-month"),
    ("open_queries", "open queries"),
    ("new", "new"),
    ("resolved", "resolved"),
)
_BASELINE_ONLY = {"new", "resolved"}
_STATUS_COLUMNS = (
    ("not_met", "not met"),
    ("pending", "pending"),
    ("not_evaluable", "not evaluable"),
    ("met", "met"),
    ("not_applicable", "n/a"),
)
_NAME_AT_MOST = 40


def summary_lines(pack: Pack, summary: Mapping[str, Any], width: int = 100) -> list[str]:
    """The summary, first line its heading; long lines wrapped to ``width``."""
    lines = ["Cohort summary", "  " + _counts(summary)]
    lines += _attrition(summary.get("attrition", {}), width)
    groups = ", ".join(f"{name} {n}" for name, n in summary.get("groups", {}).items())
    if groups:
        lines.append(f"  Groups: {groups}")
    for reason, n in summary.get("unassigned", {}).items():
        lines.append(f"    unassigned, {reason}: {n}")
    lines += _endpoints(summary.get("endpoints", {}))
    for code, flag in summary.get("safety_flags", {}).items():
        grades = ", ".join(f"grade {g}: {n}" for g, n in flag.get("by_grade", {}).items())
        lines.append(
            f"  {code} {flag.get('name', '')}: {count(flag.get('events', 0), 'event')} in "
            f"{count(flag.get('patients', 0), 'patient')}" + (f" ({grades})" if grades else "")
        )
    lines += _sites(summary.get("sites"))
    lines += _rules(pack, summary.get("rules", {}))
    lines += run_lines(summary.get("run"))
    return lines


def _counts(summary: Mapping[str, Any]) -> str:
    errors = summary.get("errors", 0)
    sources = summary.get("records_with_errors", 0)
    said = (
        f"{count(errors, 'input error')} in {count(sources, 'source')}"
        if errors
        else "no input errors"
    )
    return (
        f"{count(summary.get('patients', 0), 'patient')} checked, "
        f"{count(summary.get('not_met', 0), 'finding')} not met in "
        f"{count(summary.get('patients_with_not_met', 0), 'patient')}, {said}."
    )


def _attrition(attrition: Mapping[str, Any], width: int) -> list[str]:
    lines = []
    for cohort, table in attrition.items():
        if not table.get("checked"):
            continue
        lines.append(f"  Attrition, {cohort}: {table['checked']} checked")
        steps = table.get("steps", [])
        name_width = min(max((len(s["name"]) for s in steps), default=0), _NAME_AT_MOST)
        digits = len(str(table["checked"]))
        for step in steps:
            held = [
                f"{step[key]} {words}"
                for key, words in (("pending", "pending"), ("not_evaluable", "not evaluable"))
                if step.get(key)
            ]
            start = (
                f"    {step['rule']} {step['name']:<{name_width}}  {step['entered']:>{digits}} "
                f"entered → {step['passed']:>{digits}} passed, "
            )
            lines += _items(start, [f"{step['excluded']} excluded", *held], width)
        lines.append(f"    eligible: {table.get('eligible', 0)}")
    return lines


def _items(start: str, items: list[str], width: int) -> list[str]:
    """``start`` then the items joined by commas, an item never split across lines."""
    lines, line = [], start
    for number, item in enumerate(items):
        piece = item + ("," if number < len(items) - 1 else "")
        if line.strip() and len(line) + len(piece) > width and line != start:
            lines.append(line.rstrip())
            line = " " * len(start)
        line += piece + " "
    return [*lines, line.rstrip()]


def _endpoints(endpoints: Mapping[str, Any]) -> list[str]:
    lines = []
    for endpoint, per_group in endpoints.items():
        shown = {g: e for g, e in per_group.items() if e.get("patients")}
        if not shown:
            continue
        lines.append(f"  Median {endpoint.upper()}, months (Kaplan-Meier):")
        width = max(len(g) for g in shown)
        for group, estimate in shown.items():
            median = estimate.get("median_months")
            patients = estimate["patients"]
            value = "not reached" if median is None else f"{median}"
            ci = ci_text(estimate.get("median_ci95_months"), patients)
            lines.append(
                f"    {group:<{width}}  {value:>11}  95% CI {ci}  "
                f"({count(estimate.get('events', 0), 'event')} in {count(patients, 'patient')})"
            )
    return lines


def site_rows(sites: Mapping[str, Mapping[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """The per-site table's headings and cells; the baseline columns only with a baseline."""
    baseline = any(site.get(key) is not None for site in sites.values() for key in _BASELINE_ONLY)
    columns = [(k, h) for k, h in SITE_COLUMNS if baseline or k not in _BASELINE_ONLY]
    rows = [
        [site, *(_cell(counts.get(key)) for key, _ in columns)] for site, counts in sites.items()
    ]
    return ["site", *(h for _, h in columns)], rows


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _sites(sites: Mapping[str, Mapping[str, Any]] | None) -> list[str]:
    if not sites:
        return []
    head, rows = site_rows(sites)
    return ["  Per site:", *_table(head, rows)]


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Left-aligned first column, right-aligned numbers, two spaces between columns."""
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    out = []
    for row in [head, *rows]:
        cells = [f"{row[0]:<{widths[0]}}"]
        cells += [f"{cell:>{w}}" for cell, w in zip(row[1:], widths[1:], strict=True)]
        out.append("    " + "  ".join(cells).rstrip())
    return out


def _rules(pack: Pack, rules: Mapping[str, Mapping[str, int]]) -> list[str]:
    listed = [rule for rule in pack.rules if rules.get(rule.code)]  # the pack's order
    if not listed:
        return []
    code_width = max(len(rule.code) for rule in listed)
    name_width = min(max(len(rule.name) for rule in listed), _NAME_AT_MOST)
    head = [f"{'rule':<{code_width}} {'':<{name_width}}", *(h for _, h in _STATUS_COLUMNS)]
    rows = [
        [
            f"{rule.code:<{code_width}} {_cut(rule.name, name_width):<{name_width}}",
            *(str(rules[rule.code].get(key, 0)) for key, _ in _STATUS_COLUMNS),
        ]
        for rule in listed
    ]
    return ["  Findings per rule:", *_table(head, rows)]


def _cut(name: str, width: int) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


def run_lines(run: Mapping[str, Any] | None) -> list[str]:
    """Which tool and pack made this report, when, and which as-of rule it applied."""
    if not run:
        return []
    pack = run.get("pack") or {}
    made = f"  Run: tacecheck {run.get('tool_version', '?')}, pack {pack.get('id', '?')}"
    made += f" version {pack.get('version', '?')}"
    if run.get("run_at"):
        made += f", at {run['run_at']}"
    lines = [made]
    if run.get("as_of_rule"):
        lines.append(f"  As of: {run['as_of_rule']}")
    return lines
