"""The text report for a terminal (issue 10, items 2, 3 and 5).

What needs attention first, met and n/a findings on one line each unless verbose, lines
wrapped to the width with a hanging indent, plurals and intervals in words, the per-site
table, the baseline's marks, and the run's provenance. Expected lines are written out by
hand from the protocol (PROTOCOL.md) and the examples' stories.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from protocol.cohort.summary import CohortSummary, eligibility_steps
from protocol.engine import check_record
from protocol.findings import Eligibility, Endpoint, PatientResult, RecordError
from protocol.packs import Pack
from protocol.records import load_record
from protocol.render.text import TextRenderer

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Options:
    """RenderOptions with the fields issue 10 adds (width, baseline), as the renderer reads
    them (by name, with getattr): C2 adds them to RenderOptions itself."""

    as_of: str | None = None
    hide_values: bool = False
    colour: bool = False
    verbose: bool = True
    study_id: str | None = None
    timelines: int = 1000
    width: int | None = None
    baseline: Any = None


class Baseline:
    """The baseline interface of issue 10 (interface 3), answering from a fixed table."""

    def __init__(self, new: set[tuple[str, str]], resolved: dict[str, list[dict]]) -> None:
        self.new, self.gone, self.asked = new, resolved, []

    def mark(self, patient_id: str, rule: str, location: str | None, message_key: str) -> str:
        self.asked.append((patient_id, rule, location))
        return "new" if (patient_id, rule) in self.new else "unchanged"

    def resolved(self, patient_id: str) -> list[dict]:
        return self.gone.get(patient_id, [])


def _checked(pack: Pack, *names: str) -> tuple[list[tuple[PatientResult, dict]], dict]:
    summary, steps, out = CohortSummary(), eligibility_steps(pack), []
    for name in names:
        source = f"examples/{name}"
        record = json.loads((ROOT / source).read_text(encoding="utf-8"))
        model, problems = load_record(record, source)
        assert model is not None, problems
        result = check_record(model, pack, None, source)
        summary.add(result, steps)
        out.append((result, record))
    return out, summary.to_dict(pack)


def _end(renderer: TextRenderer, summary: dict, errors: list[RecordError] = ()) -> str:
    return "".join(renderer.end(summary, list(errors)))


# --- 3. what needs attention first, the rest on one line -------------------------------


def test_brief_p06_shows_the_two_findings_then_one_line_each_for_met_and_na(
    pack: Pack,
) -> None:
    [(result, record)], _ = _checked(pack, "p06-ae-dose-reduction.json")
    text = TextRenderer(pack, Options(verbose=False)).patient(result, record)
    lines = text.splitlines()
    # P06: the grade 3 hand-foot reaction is a flag and the reduction it led to is logged;
    # everything else in the pack's order is met, or n/a (no death, not fatal, periods 1-2
    # not reductions, the grade 2 AE needs no dose action).
    findings = [x for x in lines if x.startswith("  DOS003") or x.startswith("  AE001 ")]
    assert [x.split()[0] for x in findings] == ["DOS003", "AE001"]
    met = "  met: ELG001 ELG002 ELG003 ELG004 TRT001 TRT002 DOS001 DOS002 DOS004 AE001 AE002"
    met += " AE003 DAT001"  # 94 columns; DAT002 would pass 100
    assert met in lines
    assert lines[lines.index(met) + 1] == "       DAT002 DAT004 DAT005"
    assert "  n/a: DOS003 AE002 DAT003 DAT006" in lines
    assert lines.index(met) > max(lines.index(x) for x in findings)  # attention first


def test_verbose_shows_every_finding_with_its_message(pack: Pack) -> None:
    [(result, record)], _ = _checked(pack, "p06-ae-dose-reduction.json")
    text = TextRenderer(pack, Options(verbose=True)).patient(result, record)
    assert "  met: " not in text and "  n/a: " not in text
    starts = [x for x in text.splitlines() if x[:2] == "  " and x[2:8].strip() in _codes(pack)]
    assert len(starts) == len(result.findings)
    kinds = [x.split()[1] for x in starts]
    first_quiet = next(i for i, k in enumerate(kinds) if k in {"met", "n/a"})
    assert all(k in {"met", "n/a"} for k in kinds[first_quiet:])  # not met ones first


def _codes(pack: Pack) -> set[str]:
    return {rule.code for rule in pack.rules}


def test_lines_wrap_to_the_width_with_a_hanging_indent(pack: Pack) -> None:
    [(result, record)], _ = _checked(pack, "p02-late-start.json")
    text = TextRenderer(pack, Options(width=60)).patient(result, record)
    lines = text.splitlines()
    assert max(len(x) for x in lines) <= 60
    start = next(i for i, x in enumerate(lines) if x.startswith("  TRT001 DEVIATION"))
    # TRT001's message (started day 26 of 0-21, 5 days late) runs on under the label:
    # two spaces, the six-character code and a space, then the label's column
    assert lines[start + 1].startswith(" " * 10) and lines[start + 1][10] != " "
    assert "5 days" in " ".join(lines[start : start + 4])


def test_without_a_terminal_the_width_is_100(pack: Pack) -> None:
    checked, summary = _checked(pack, "p02-late-start.json", "p21-grade5-without-death.json")
    renderer = TextRenderer(pack)  # pytest's stdout is not a terminal
    assert renderer.width == 100
    text = "".join(renderer.patient(r, rec) for r, rec in checked) + _end(renderer, summary)
    assert max(len(x) for x in text.splitlines()) <= 100


def test_ae_rows_align_with_the_others(pack: Pack) -> None:
    [(result, record)], summary = _checked(pack, "p07-grade3-no-dose-action.json")
    renderer = TextRenderer(pack, Options(verbose=True))
    lines = renderer.patient(result, record).splitlines()
    ae = next(x for x in lines if x.startswith("  AE001 "))
    elg = next(x for x in lines if x.startswith("  ELG001 "))
    assert ae.index(" FLAG ") + 1 == elg.index(" met ") + 1 == 9  # label at column 9
    table = _end(renderer, summary).split("  Findings per rule:\n")[1].splitlines()
    rows = [x for x in table if x.startswith("    ") and x[4:10].strip() in _codes(pack)]
    head = table[0]
    assert len(head) <= 100 and {len(x) for x in rows} == {len(head)}  # columns line up
    assert head.split() == ["rule", "not", "met", "pending", "not", "evaluable", "met", "n/a"]


# --- 2. plurals, intervals, attrition ---------------------------------------------------


def _summary(**parts: Any) -> dict[str, Any]:
    base = {
        "patients": 1,
        "not_met": 1,
        "patients_with_not_met": 1,
        "errors": 1,
        "records_with_errors": 1,
        "attrition": {},
        "groups": {},
        "unassigned": {},
        "endpoints": {},
        "safety_flags": {},
        "rules": {},
    }
    return {**base, **parts}


def test_counts_of_one_are_singular(pack: Pack) -> None:
    text = _end(TextRenderer(pack), _summary())
    assert "  1 patient checked, 1 finding not met in 1 patient, 1 input error in 1 source." in (
        text.splitlines()
    )


def test_a_one_patient_group_has_no_interval_to_estimate(pack: Pack) -> None:
    endpoints = {
        "ttp": {
            "sorafenib_ge_4m": {
                "patients": 15,
                "events": 11,
                "median_months": 8.28,
                "median_ci95_months": [6.9, 10.35],
            },
            "sorafenib_lt_4m": {
                "patients": 1,
                "events": 1,
                "median_months": 3.68,
                "median_ci95_months": [3.68, 3.68],
            },
        }
    }
    lines = _end(TextRenderer(pack), _summary(endpoints=endpoints)).splitlines()
    assert "    sorafenib_ge_4m         8.28  95% CI 6.9 to 10.35  (11 events in 15 patients)" in (
        lines
    )
    assert "    sorafenib_lt_4m         3.68  95% CI not estimable  (1 event in 1 patient)" in lines


def test_an_endpoint_of_one_day_says_day(pack: Pack) -> None:
    result = PatientResult(
        "P1",
        "sorafenib_after_tace",
        "p.json",
        Eligibility.ELIGIBLE,
        "sorafenib_ge_4m",
        "reason",
        (),
        {"ttp": Endpoint(0.03, True, 1, "2012-01-01", "2012-01-02", "TACE #3")},
    )
    text = TextRenderer(pack).patient(result, None)
    assert "  TTP: 0.03 months (1 day, event: TACE #3 on 2012-01-02, from 2012-01-01)" in text


def test_the_attrition_line_reads_entered_passed_excluded(pack: Pack) -> None:
    step = {
        "rule": "ELG003",
        "name": "no-early-progression",
        "entered": 17,
        "passed": 15,
        "excluded": 1,
        "pending": 0,
        "not_evaluable": 1,
    }
    table = {"checked": 17, "steps": [step], "eligible": 15}
    attrition = {"sorafenib_after_tace": table}
    lines = _end(TextRenderer(pack), _summary(attrition=attrition)).splitlines()
    assert "  Attrition, sorafenib_after_tace: 17 checked" in lines
    assert (
        "    ELG003 no-early-progression  17 entered → 15 passed, 1 excluded, 1 not evaluable"
        in lines
    )
    assert "    eligible: 15" in lines


# --- 5. per site, baseline, provenance, input errors --------------------------------------


def test_per_site_table(pack: Pack) -> None:
    sites = {
        "JP-OSK-01": {
            "patients": 12,
            "eligible": 10,
            "important_deviations": 3,
            "deviations_per_patient_month": 0.0625,
            "open_queries": 2,
            "new": None,
            "resolved": None,
        },
        "(no site)": {
            "patients": 1,
            "eligible": 0,
            "important_deviations": 0,
            "deviations_per_patient_month": None,
            "open_queries": 1,
            "new": None,
            "resolved": None,
        },
    }
    lines = _end(TextRenderer(pack), _summary(sites=sites)).splitlines()
    at = lines.index("  Per site:")
    assert lines[at + 1 : at + 4] == [
        "    site       patients  eligible  important deviations  deviations per patient-month"
        "  open queries",
        "    JP-OSK-01        12        10                     3                          0.06"
        "             2",
        "    (no site)         1         0                     0                             —"
        "             1",
    ]


def test_per_site_table_with_a_baseline_counts_new_and_resolved(pack: Pack) -> None:
    sites = {
        "S1": {
            "patients": 2,
            "eligible": 2,
            "important_deviations": 1,
            "deviations_per_patient_month": 0.5,
            "open_queries": 0,
            "new": 1,
            "resolved": 3,
        }
    }
    lines = _end(TextRenderer(pack), _summary(sites=sites)).splitlines()
    at = lines.index("  Per site:")
    assert lines[at + 1].split()[-2:] == ["new", "resolved"]
    assert lines[at + 2].split() == ["S1", "2", "2", "1", "0.50", "0", "1", "3"]


def test_baseline_marks_new_and_unchanged_and_lists_what_was_resolved(pack: Pack) -> None:
    [(result, record)], _ = _checked(pack, "p07-grade3-no-dose-action.json")
    gone = {"P07": [{"rule": "DAT004", "location": "/last_contact_date", "message": "Gone."}]}
    baseline = Baseline({("P07", "AE002")}, gone)
    text = TextRenderer(pack, Options(verbose=False, baseline=baseline)).patient(result, record)
    lines = text.splitlines()
    # P07: two grade 3 AEs (flags, as in the baseline), one with no dose action (new)
    assert any(x.startswith("  AE002  DEVIATION     NEW: Hypertension") for x in lines)
    flags = [x for x in lines if x.startswith("  AE001  FLAG")]
    assert len(flags) == 2 and all("unchanged: Safety flag" in x for x in flags)
    at = lines.index("  resolved since the baseline:")
    assert lines[at + 1] == "    DAT004 Gone.  at /last_contact_date"
    assert sorted(r for _, r, _ in baseline.asked) == ["AE001", "AE001", "AE002"]  # not met only


def test_without_a_baseline_nothing_is_marked(pack: Pack) -> None:
    [(result, record)], _ = _checked(pack, "p07-grade3-no-dose-action.json")
    text = TextRenderer(pack).patient(result, record)
    assert "NEW" not in text and "unchanged" not in text and "resolved since" not in text


def test_run_provenance_closes_the_summary(pack: Pack) -> None:
    run = {
        "tool_version": "0.1.0",
        "pack": {"id": "tamai-2017", "version": "1"},
        "run_at": "2026-12-01T09:55:00Z",
        "as_of_rule": "each record as of its data cut-off, else today",
    }
    lines = _end(TextRenderer(pack), _summary(run=run)).splitlines()
    assert lines[-2:] == [
        "  Run: tacecheck 0.1.0, pack tamai-2017 version 1, at 2026-12-01T09:55:00Z",
        "  As of: each record as of its data cut-off, else today",
    ]


def test_an_input_error_line_names_the_patient(pack: Pack) -> None:
    error = RecordError("p.json", "/tace/0/date", "not a date", patient_id="P99")
    text = _end(TextRenderer(pack), _summary(), [error])
    assert "  p.json patient P99 /tace/0/date: not a date\n" in text
