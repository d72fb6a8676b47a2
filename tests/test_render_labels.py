"""A finding not met reads as what it is (issue 10, item 1), the same in text, HTML and JUnit.

A non-important DOS003 is an allowed reduction that is logged, an AE001 is a safety flag,
a DAT rule asks the site a question, an eligibility rule excludes the patient; only the
JSON keeps the status ``not_met`` for programs.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from protocol.engine import check_record
from protocol.findings import PatientResult
from protocol.packs import Pack
from protocol.records import load_record
from protocol.render.html import HtmlRenderer
from protocol.render.json_report import JsonLinesRenderer
from protocol.render.junit import JUnitRenderer
from protocol.render.text import TextRenderer

ROOT = Path(__file__).resolve().parent.parent


def _checked(pack: Pack, name: str) -> tuple[PatientResult, dict[str, Any]]:
    source = str(ROOT / "examples" / name)
    record = json.loads(Path(source).read_text(encoding="utf-8"))
    model, problems = load_record(record, source)
    assert model is not None, problems
    return check_record(model, pack, None, source), record


# (example, rule, what the reader sees); from each example's story in PROTOCOL.md
CASES = (
    ("p06-ae-dose-reduction.json", "DOS003", "LOGGED (non-important)"),  # allowed reduction
    ("p06-ae-dose-reduction.json", "AE001", "FLAG"),  # grade 3 hand-foot skin reaction
    ("p02-late-start.json", "TRT001", "DEVIATION"),  # started on day 26 of 0-21
    ("p16-duplicate-tace-date.json", "DAT001", "QUERY"),  # two TACEs on one date
    ("p22-resectable.json", "ELG001", "EXCLUDED"),  # resectable: not the study's population
)


@pytest.mark.parametrize(("name", "rule", "label"), CASES)
def test_text_labels_a_finding_not_met_by_its_kind(
    pack: Pack, name: str, rule: str, label: str
) -> None:
    result, record = _checked(pack, name)
    text = TextRenderer(pack).patient(result, record)
    lines = [line for line in text.splitlines() if line.startswith(f"  {rule:<6} ")]
    assert any(line.startswith(f"  {rule:<6} {label} ") for line in lines), lines
    assert "NOT MET" not in text


@pytest.mark.parametrize(("name", "rule", "label"), CASES)
def test_html_badges_say_the_same(pack: Pack, name: str, rule: str, label: str) -> None:
    result, record = _checked(pack, name)
    html = HtmlRenderer(pack).patient(result, record, 0)
    table = html[html.index("<tbody>") :]
    row = re.search(rf"<tr class=\"nm\"><td><code>{rule}</code></td>.*?</tr>", table)
    assert row is not None
    kind = label.split()[0].lower()
    assert f'<span class="badge l-{kind}">{label}</span>' in row.group(0)
    listed = re.search(r'<ol class="devs">(.*?)</ol>', html, re.S)
    assert listed is not None and f">{label}</span>" in listed.group(1)


@pytest.mark.parametrize(("name", "rule", "label"), CASES)
def test_junit_failure_messages_start_with_the_label(
    pack: Pack, name: str, rule: str, label: str
) -> None:
    result, record = _checked(pack, name)
    suite = ET.fromstring(JUnitRenderer(pack).patient(result, record))
    messages = [
        case.find("failure").get("message", "")
        for case in suite.iter("testcase")
        if case.get("name", "").startswith(f"{rule} ") and case.find("failure") is not None
    ]
    assert messages and all(m.startswith(f"{label}: ") for m in messages), messages


def test_the_allowed_reduction_no_longer_reads_not_met_but_allowed(pack: Pack) -> None:
    result, record = _checked(pack, "p06-ae-dose-reduction.json")
    text = TextRenderer(pack).patient(result, record)
    line = next(x for x in text.splitlines() if x.startswith("  DOS003 LOGGED"))
    assert "[non_important]" not in line  # the label says it once


def test_json_keeps_the_status_not_met(pack: Pack) -> None:
    result, record = _checked(pack, "p06-ae-dose-reduction.json")
    line = json.loads(JsonLinesRenderer(pack).patient(result, record))
    statuses = {
        f["rule"]: f["status"] for f in line["findings"] if f["rule"] in {"DOS003", "AE001"}
    }
    assert "not_met" in [f["status"] for f in line["findings"] if f["rule"] == "DOS003"]
    assert "not_met" in [f["status"] for f in line["findings"] if f["rule"] == "AE001"]
    assert set(statuses) == {"DOS003", "AE001"}


def test_other_statuses_keep_their_plain_words(pack: Pack) -> None:
    result, record = _checked(pack, "p11-pending-sorafenib-start.json")
    text = TextRenderer(pack).patient(result, record)
    assert re.search(r"^  TRT001 pending +Sorafenib due by", text, re.M)
