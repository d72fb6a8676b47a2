"""The HTML page's issue-10 parts: run provenance in the header, the per-site table,
intervals in words, the baseline's marks and resolved list, input errors by patient."""

from __future__ import annotations

import json
import re
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from protocol.cohort.survival import kaplan_meier
from protocol.engine import check_record
from protocol.findings import RecordError
from protocol.packs import Pack
from protocol.records import load_record
from protocol.render.html import HtmlRenderer
from protocol.render.km_chart import km_svg

ROOT = Path(__file__).resolve().parent.parent
RUN = {
    "tool_version": "0.1.0",
    "pack": {"id": "tamai-2017", "version": "1"},
    "run_at": "2026-12-01T09:55:00Z",
    "as_of_rule": "each record as of the earlier of --as-of 2014-03-31 and its data cut-off",
}


@dataclass(frozen=True)
class Options:
    """RenderOptions with issue 10's ``baseline`` (read by name; C2 adds the field)."""

    as_of: str | None = None
    hide_values: bool = False
    colour: bool = False
    verbose: bool = True
    study_id: str | None = None
    timelines: int = 1000
    baseline: Any = None


class Baseline:
    """Interface 3 of issue 10, answering from a fixed table."""

    def __init__(self, new: set[str], resolved: dict[str, list[dict]]) -> None:
        self.new, self.gone = new, resolved

    def mark(self, patient_id: str, rule: str, location: str | None, message_key: str) -> str:
        return "new" if rule in self.new else "unchanged"

    def resolved(self, patient_id: str) -> list[dict]:
        return self.gone.get(patient_id, [])


def _summary(**parts: Any) -> dict[str, Any]:
    return {"patients": 2, "not_met": 0, "patients_with_not_met": 0, **parts}


def test_the_run_is_shown_under_the_header_of_a_cohort_and_of_one_patient(pack: Pack) -> None:
    expected = (
        '<p class="run muted" id="run">Run: tacecheck 0.1.0 · pack <code>tamai-2017</code> '
        "version 1 · run at 2026-12-01T09:55:00Z · as of: each record as of the earlier of "
        "--as-of 2014-03-31 and its data cut-off</p>"
    )
    renderer = HtmlRenderer(pack)
    for summary in (_summary(run=RUN), _summary(run=RUN, patients=1)):
        lead = renderer.lead(summary, [])
        assert lead.startswith(expected)


def test_without_a_run_there_is_no_run_line(pack: Pack) -> None:
    assert 'id="run"' not in HtmlRenderer(pack).lead(_summary(), [])


def test_the_per_site_table(pack: Pack) -> None:
    sites = {
        "JP-OSK-01": {
            "patients": 12,
            "eligible": 10,
            "important_deviations": 3,
            "deviations_per_patient_month": 0.0625,
            "open_queries": 2,
            "new": None,
            "resolved": None,
        }
    }
    lead = HtmlRenderer(pack).lead(_summary(sites=sites), [])
    table = lead[lead.index("<h3>Per site</h3>") :]
    heads = re.findall(r"<th[^>]*>([^<]*)</th>", table[: table.index("</thead>")])
    assert heads == [
        "site",
        "patients",
        "eligible",
        "important deviations",
        "deviations per patient-month",
        "open queries",
    ]  # no baseline: no new and resolved columns
    row = re.search(r"<tbody><tr>(.*?)</tr>", table)
    assert row is not None
    assert re.findall(r">([^<]*)</td>", row.group(1)) == ["JP-OSK-01", "12", "10", "3", "0.06", "2"]


def test_a_one_patient_group_has_no_interval_in_the_table_nor_plural_in_the_legend(
    pack: Pack,
) -> None:
    group = kaplan_meier(array("l", [112]), bytearray([1]), 30.4375)  # one event, day 112
    assert (group["patients"], group["median_months"]) == (1, 3.68)
    lead = HtmlRenderer(pack).lead(_summary(endpoints={"ttp": {"sorafenib_lt_4m": group}}), [])
    row = re.search(r"<tr><td>TTP</td><td>sorafenib_lt_4m</td>.*?</tr>", lead)
    assert row is not None and row.group(0).endswith('<td class="n">not estimable</td></tr>')
    legend = km_svg("TTP", {"sorafenib_lt_4m": group}, {"sorafenib_lt_4m": "#00897b"})
    assert "sorafenib_lt_4m (n=1, 1 event)" in legend


def test_baseline_marks_and_resolved_list_in_a_patient_section(pack: Pack) -> None:
    source = str(ROOT / "examples" / "p07-grade3-no-dose-action.json")
    record = json.loads(Path(source).read_text(encoding="utf-8"))
    model, _ = load_record(record, source)
    assert model is not None
    result = check_record(model, pack, None, source)
    gone = {"P07": [{"rule": "DAT004", "location": "/last_contact_date", "message": "Gone."}]}
    html = HtmlRenderer(pack, Options(baseline=Baseline({"AE002"}, gone))).patient(
        result, record, 0
    )
    listed = re.search(r'<ol class="devs">(.*?)</ol>', html, re.S)
    assert listed is not None
    items = re.findall(r"<li>(.*?)</li>", listed.group(1))
    ae002 = [i for i in items if "<code>AE002</code>" in i]
    ae001 = [i for i in items if "<code>AE001</code>" in i]
    assert len(ae002) == 1 and '<span class="badge m-new">NEW</span>' in ae002[0]
    assert len(ae001) == 2 and all('class="badge m-unchanged">unchanged<' in i for i in ae001)
    assert (
        '<h4>Resolved since the baseline</h4><ul class="resolved"><li><code>DAT004</code> Gone. '
        '<span class="muted">at <code>/last_contact_date</code></span></li></ul>'
    ) in html
    plain = HtmlRenderer(pack).patient(result, record, 0)
    assert "m-new" not in plain and "Resolved since" not in plain


def test_input_errors_name_the_patient(pack: Pack) -> None:
    error = RecordError("p.json", "/tace/0/date", "not a date", patient_id="P99")
    lead = HtmlRenderer(pack).lead(_summary(), [error])
    assert "<th>patient</th>" in lead
    assert "<tr><td>p.json</td><td>P99</td><td><code>/tace/0/date</code></td>" in lead
