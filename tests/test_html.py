"""The HTML report: one self-contained, well-formed page with a timeline per patient."""

from __future__ import annotations

import dataclasses
import json
import pickle
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from protocol.cohort.summary import CohortSummary, eligibility_steps
from protocol.engine import check_record
from protocol.findings import PatientResult, RecordError
from protocol.packs import Pack
from protocol.records import load_record, read_sources
from protocol.render.base import RenderOptions
from protocol.render.html import HtmlRenderer

VOID = {"meta", "br", "hr", "img", "input", "link", "col", "wbr", "source"}


class _Structure(HTMLParser):
    """Checks that every element is closed in order; records tags and attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.starts: list[tuple[str, dict[str, str | None]]] = []
        self.doctype = ""

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.starts.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.starts.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


def _structure(page: str) -> _Structure:
    parser = _Structure()
    parser.feed(page)
    parser.close()
    return parser


def _check(
    pack: Pack, records: Iterable[tuple[str, Any]]
) -> tuple[list[tuple[PatientResult, dict[str, Any]]], list[RecordError], dict[str, Any]]:
    summary, steps = CohortSummary(), eligibility_steps(pack)
    checked, errors = [], []
    for source, record in records:
        model, problems = load_record(record, source)
        if problems:
            errors.extend(problems)
            summary.add_errors(problems)
            continue
        assert model is not None
        result = check_record(model, pack, None, source)
        summary.add(result, steps)
        checked.append((result, record))
    return checked, errors, summary.to_dict(pack)


def _page(
    pack: Pack,
    checked: list[tuple[PatientResult, dict[str, Any]]],
    errors: list[RecordError],
    summary: dict[str, Any],
    **options: Any,
) -> str:
    renderer = HtmlRenderer(pack, RenderOptions(**options))
    patients = renderer.separator.join(
        renderer.patient(result, record, index) for index, (result, record) in enumerate(checked)
    )
    return "".join(
        [renderer.begin(), renderer.lead(summary, errors), patients, renderer.end(summary, errors)]
    )


def _examples(root: Path) -> list[tuple[str, Any]]:
    return [(s.source, s.record) for s in read_sources([str(root / "examples")])]


def _example(root: Path, name: str) -> tuple[str, Any]:
    path = root / "examples" / name
    return str(path), json.loads(path.read_text())


@pytest.fixture(scope="module")
def examples(pack: Pack, root: Path) -> tuple[list, list, dict]:
    return _check(pack, _examples(root))


@pytest.fixture(scope="module")
def page(pack: Pack, examples: tuple[list, list, dict]) -> str:
    return _page(pack, *examples)


def _timeline(pack: Pack, root: Path, name: str) -> ET.Element:
    (result, record), *_ = _check(pack, [_example(root, name)])[0]
    html = HtmlRenderer(pack).patient(result, record, 0)
    svg = re.search(r'<svg class="timeline".*?</svg>', html, re.S)
    assert svg is not None, name
    return ET.fromstring(svg.group(0))


def _windows(svg: ET.Element, kind: str) -> list[ET.Element]:
    return [e for e in svg.iter() if e.get("class") == f"window window-{kind}"]


# --- the page as a whole --------------------------------------------------------------


def test_page_is_well_formed_and_every_svg_is_xml(page: str, examples: tuple) -> None:
    parsed = _structure(page)
    assert parsed.doctype.lower() == "doctype html"
    assert parsed.problems == []
    assert parsed.stack == []
    svgs = re.findall(r"<svg .*?</svg>", page, re.S)
    for svg in svgs:
        ET.fromstring(svg)  # raises on a malformed fragment
    checked, _, _ = examples
    timelines = [s for s in svgs if s.startswith('<svg class="timeline"')]
    assert len(timelines) == len(checked) == 24
    assert len([s for s in svgs if s.startswith('<svg class="km"')]) == 2


def test_page_loads_nothing_from_anywhere(page: str) -> None:
    tags = _structure(page).starts
    assert not [t for t, _ in tags if t in {"link", "img", "iframe", "object"}]
    scripts = [attrs for t, attrs in tags if t == "script"]
    assert scripts == [{}]  # one inline script: the patient index, no src
    script = page[page.index("<script>") : page.index("</script>")]
    for reach in ("fetch", "XMLHttpRequest", "import", "WebSocket", "src", "location"):
        assert reach not in script
    for _tag, attrs in tags:
        for name in ("src", "href", "xlink:href", "action"):
            assert name not in attrs or str(attrs[name]).startswith("#")
    assert "http://" not in page and "https://" not in page
    assert "url(" not in page and "@import" not in page


def test_title_summary_first_and_footer_reference(pack: Pack, page: str) -> None:
    assert f"<title>tacecheck report: {pack.id} v{pack.version}</title>" in page
    assert page.index('id="summary"') < page.index('id="errors"') < page.index('id="patient-0"')
    assert "doi:10.3892/mco.2017.1434" in page[page.index("<footer>") :]


def test_patient_sections_follow_input_order(page: str, examples: tuple) -> None:
    checked, _, _ = examples
    heads = re.findall(r'id="patient-(\d+)".*?<span class="pid">([^<]*)</span>', page, re.S)
    assert [int(i) for i, _ in heads] == list(range(len(checked)))
    assert [pid for _, pid in heads] == [r.patient_id for r, _ in checked]


def test_timelines_only_within_the_limit(pack: Pack, examples: tuple) -> None:
    checked, errors, summary = examples
    page = _page(pack, checked, errors, summary, timelines=5)
    assert page.count('<svg class="timeline"') == 5
    sections = re.split(r'(?=<(?:details|section) class="patient")', page)[1:]
    assert len(sections) == len(checked)
    for index, (section, (result, _)) in enumerate(zip(sections, checked, strict=True)):
        drawn = '<svg class="timeline"' in section
        assert drawn == (index < 5), result.patient_id
        if index >= 5:
            assert "<table" not in section  # no findings table beyond the limit
            for finding in result.findings:
                shown = finding.message.replace("'", "&#x27;") in section
                assert shown == (finding.status == "not_met"), (result.patient_id, finding.rule)
    assert _structure(page).problems == []


def test_renderer_is_picklable_and_stateless(pack: Pack, examples: tuple) -> None:
    checked, _, _ = examples
    renderer = HtmlRenderer(pack, RenderOptions(timelines=3))
    copy = pickle.loads(pickle.dumps(renderer))
    result, record = checked[1]
    first = renderer.patient(result, record, 1)
    assert copy.patient(result, record, 1) == first
    renderer.patient(*checked[5], 5)
    assert renderer.patient(result, record, 1) == first
    assert renderer.record_errors("x.json", [RecordError("x.json", "", "bad")]) == ""
    assert (renderer.name, renderer.media_type, renderer.summary_first) == (
        "html",
        "text/html",
        True,
    )


# --- escaping -------------------------------------------------------------------------


def test_user_strings_are_escaped(pack: Pack, root: Path) -> None:
    source, record = _example(root, "p06-ae-dose-reduction.json")
    record["adverse_events"][0]["term"] = "<script>alert('term')</script>"
    record["withdrawal"] = {"date": "2014-03-01", "reason": '"><img src=x onerror=alert(1)>'}
    checked, errors, summary = _check(pack, [(source, record)])
    assert errors == []
    result, record = checked[0]
    checked = [(dataclasses.replace(result, patient_id="<script>id</script>"), record)]
    bad_error = RecordError("<b>bad</b>.json", "/tace/0/date", "not a date: <i>2012/03/01</i>")
    page = _page(pack, checked, [bad_error], summary)
    assert page.lower().count("<script") == 1  # the page's own, after the footer
    assert page.index("<script>") > page.index("</footer>")
    assert "<img" not in page and "<b>bad" not in page and "<i>2012" not in page
    assert "&lt;script&gt;id&lt;/script&gt;" in page
    assert "&lt;script&gt;alert(&#x27;term&#x27;)&lt;/script&gt;" in page
    assert "&lt;b&gt;bad&lt;/b&gt;.json" in page
    parsed = _structure(page)
    assert parsed.problems == [] and parsed.stack == []
    for svg in re.findall(r"<svg .*?</svg>", page, re.S):
        ET.fromstring(svg)


# --- input errors ---------------------------------------------------------------------


def test_input_errors_are_listed_in_the_lead(pack: Pack, root: Path) -> None:
    bad = root / "tests" / "malformed" / "grade-six.json"
    records = [_example(root, "p01-on-time.json"), _example(root, "p02-late-start.json")]
    checked, errors, summary = _check(pack, [*records, (str(bad), json.loads(bad.read_text()))])
    assert len(checked) == 2 and errors
    page = _page(pack, checked, errors, summary)
    listed = page[page.index('id="errors"') : page.index('id="patients"')]
    for error in errors:
        assert error.source in listed
        assert error.location in listed
        assert error.text().replace("'", "&#x27;").replace('"', "&quot;") in listed
    assert f"{len(errors)} errors in 1 records" in listed


def test_no_input_errors_says_so(page: str) -> None:
    assert "No input errors." in page


# --- the timeline ---------------------------------------------------------------------


def test_p02_start_window_is_tace2_plus_0_to_21_days(pack: Pack, root: Path) -> None:
    # P02: TACEs 2011-10-20, 2012-03-01, 2012-11-08, so TACE #2 is 2012-03-01; the window
    # runs from day 0 (2012-03-01) to day 21 (2012-03-22). Sorafenib began 2012-03-27.
    svg = _timeline(pack, root, "p02-late-start.json")
    (window,) = _windows(svg, "start")
    assert (window.get("data-start"), window.get("data-end")) == ("2012-03-01", "2012-03-22")
    right_edge = float(window.get("x", 0)) + float(window.get("width", 0))
    (dosing,) = [g for g in svg.iter("g") if g.get("class") == "dosing"]
    bar = dosing.find("rect")
    assert bar is not None
    assert float(bar.get("x", 0)) > right_edge  # drawn late, right of the window
    # TACE #1 2011-10-20 + 6 calendar months = 2012-04-20
    (progression,) = _windows(svg, "progression")
    assert (progression.get("data-start"), progression.get("data-end")) == (
        "2011-10-20",
        "2012-04-20",
    )
    # first dose 2012-03-27 + 4 calendar months = 2012-07-27, a line
    (exposure,) = _windows(svg, "exposure")
    assert exposure.tag == "line"
    assert (exposure.get("data-start"), exposure.get("data-end")) == ("2012-07-27", "2012-07-27")
    assert _windows(svg, "control") == []


def test_p03_start_on_day_21_is_at_the_window_edge(pack: Pack, root: Path) -> None:
    svg = _timeline(pack, root, "p03-day-21.json")
    (window,) = _windows(svg, "start")
    right_edge = float(window.get("x", 0)) + float(window.get("width", 0))
    (dosing,) = [g for g in svg.iter("g") if g.get("class") == "dosing"]
    bar = dosing.find("rect")
    assert bar is not None
    assert abs(float(bar.get("x", 0)) - right_edge) < 0.5


def test_p02_late_start_has_a_numbered_deviation_marker(pack: Pack, root: Path) -> None:
    (result, record), *_ = _check(pack, [_example(root, "p02-late-start.json")])[0]
    html = HtmlRenderer(pack).patient(result, record, 0)
    svg = ET.fromstring(re.search(r'<svg class="timeline".*?</svg>', html, re.S).group(0))
    marks = [g for g in svg.iter("g") if g.get("class") == "deviation"]
    assert [(g.get("data-rule"), g.get("data-number")) for g in marks] == [("TRT001", "1")]
    assert "26 days after TACE #2" in (marks[0].findtext("title") or "")
    listed = re.search(r'<ol class="devs">(.*?)</ol>', html, re.S)
    assert listed is not None
    assert '<span class="num">1</span><code>TRT001</code>' in listed.group(1)
    assert "not on the timeline" not in listed.group(1)
    assert '<span class="badge s-not_met">1 not met</span>' in html


def test_not_met_findings_come_first_in_the_table(pack: Pack, root: Path) -> None:
    (result, record), *_ = _check(pack, [_example(root, "p06-ae-dose-reduction.json")])[0]
    html = HtmlRenderer(pack).patient(result, record, 0)
    table = html[html.index("<tbody>") :]
    statuses = re.findall(r'class="badge ([sl]-[a-z_]+)"', table)
    # not met reads as what it is: the allowed reduction logged, the grade 3 AE a flag
    not_met = [i for i, s in enumerate(statuses) if s.startswith("l-")]
    assert not_met == [0, 1]
    assert sorted(statuses[:2]) == ["l-flag", "l-logged"]
    assert table.count('<tr class="nm">') == 2


def test_daily_dose_comes_from_the_pack_multipliers(pack: Pack, root: Path) -> None:
    svg = ET.tostring(_timeline(pack, root, "p09-tid-frequency.json"), encoding="unicode")
    assert "600 mg/day (200 mg TID)" in svg  # 200 mg three times a day
    params = dict(pack.params)
    params["daily_administrations"] = {**params["daily_administrations"], "TID": 4}
    other = dataclasses.replace(pack, params=params)
    svg = ET.tostring(_timeline(other, root, "p09-tid-frequency.json"), encoding="unicode")
    assert "800 mg/day (200 mg TID)" in svg


def test_windows_move_with_the_pack_parameters(pack: Pack, root: Path) -> None:
    params = {**pack.params, "start_window_first_day": 1, "start_window_last_day": 30}
    svg = _timeline(dataclasses.replace(pack, params=params), root, "p02-late-start.json")
    (window,) = _windows(svg, "start")
    assert (window.get("data-start"), window.get("data-end")) == ("2012-03-02", "2012-03-31")


def test_partial_start_date_is_drawn_as_a_range(pack: Pack, root: Path) -> None:
    # P04 started sorafenib in "2012-03": any day from 2012-03-01 to 2012-03-31.
    svg = _timeline(pack, root, "p04-partial-start.json")
    (dosing,) = [g for g in svg.iter("g") if g.get("class") == "dosing"]
    uncertain, sure = dosing.findall("rect")[:2]
    assert uncertain.get("stroke-dasharray") and not sure.get("stroke-dasharray")
    assert float(uncertain.get("x", 0)) + float(uncertain.get("width", 0)) == pytest.approx(
        float(sure.get("x", 0)), abs=0.2
    )
    (exposure,) = _windows(svg, "exposure")  # 4 months after each possible first day
    assert (exposure.get("data-start"), exposure.get("data-end")) == ("2012-07-01", "2012-07-31")
    assert "2012-03 (partial)" not in ET.tostring(svg, encoding="unicode")  # a bar, not a point


def test_control_gets_the_control_interval_window(pack: Pack, root: Path) -> None:
    # C14: TACE #2 1998-10-20; TACE #3 must come before 1998-10-20 + 6 months = 1999-04-20.
    svg = _timeline(pack, root, "p14-control-tace-alone.json")
    (window,) = _windows(svg, "control")
    assert (window.get("data-start"), window.get("data-end")) == ("1998-10-20", "1999-04-20")
    assert _windows(svg, "start") == [] and _windows(svg, "progression") == []
    labels = [t.text for t in svg.iter("text") if t.get("class") == "tace"]
    assert [label.split()[0] for label in labels] == ["#1", "#2", "#3", "#4"]


def test_tace_numbered_by_date_not_array_order(pack: Pack, root: Path) -> None:
    source, record = _example(root, "p02-late-start.json")
    record["tace"] = list(reversed(record["tace"]))
    (result, record), *_ = _check(pack, [(source, record)])[0]
    svg = ET.fromstring(
        re.search(
            r'<svg class="timeline".*?</svg>', HtmlRenderer(pack).patient(result, record)
        ).group(0)
    )
    labels = [t.text for t in svg.iter("text") if t.get("class") == "tace"]
    assert labels == ["#1 2011-10-20", "#2 2012-03-01", "#3 2012-11-08"]


def test_severe_adverse_events_are_flagged(pack: Pack, root: Path) -> None:
    flagged = _timeline(pack, root, "p07-grade3-no-dose-action.json")
    texts = [t.text or "" for t in flagged.iter("text") if t.get("class") == "flagged"]
    assert any(t.startswith("G3 Hypertension") for t in texts)
    assert any(t.startswith("G3 Ascites") for t in texts)
    mild = _timeline(pack, root, "p01-on-time.json")
    assert not [t for t in mild.iter("text") if t.get("class") == "flagged"]
    assert any((t.text or "").startswith("G1 ") for t in mild.iter("text"))


def test_progression_is_marked_distinctly(pack: Pack, root: Path) -> None:
    svg = _timeline(pack, root, "p02-late-start.json")
    progression = [t.text for t in svg.iter("text") if t.get("class") == "progression"]
    assert progression == ["PD 2012-02-14", "PD 2012-10-25"]


def test_date_after_as_of_is_clipped_inside_the_drawing(pack: Pack, root: Path) -> None:
    svg = _timeline(pack, root, "p19-typo-year-2102.json")
    width = float(svg.get("viewBox", "0 0 0 0").split()[2])
    for element in svg.iter():
        for name in ("x", "x1", "x2", "cx"):
            if element.get(name) is not None:
                assert 0 <= float(element.get(name, 0)) <= width
    text = ET.tostring(svg, encoding="unicode")
    assert "ends 2102-10-31, after the as-of date" in text
    axis = [t.text or "" for t in svg.iter("text") if t.get("class") == "axis"]
    assert all(label[:4] in {"2011", "2012", "2013", "2014"} for label in axis)


def test_patient_without_record_still_gets_its_header(pack: Pack, examples: tuple) -> None:
    result, _ = examples[0][1]
    html = HtmlRenderer(pack).patient(result, None, 0)
    assert f'<span class="pid">{result.patient_id}</span>' in html
    assert "<svg" not in html and "not available" in html


# --- the summary ----------------------------------------------------------------------


def test_km_medians_and_curves_appear(page: str, examples: tuple) -> None:
    _, _, summary = examples
    table = page[page.index("<h3>Endpoints") : page.index("Safety flags")]
    for name, groups in summary["endpoints"].items():
        for group, estimate in groups.items():
            median = estimate["median_months"]
            shown = "not reached" if median is None else f"{median:g}"
            row = re.search(rf"<td>{name.upper()}</td><td>{group}</td>.*?</tr>", table, re.S)
            assert row is not None, (name, group)
            assert f'<td class="n median">{shown}</td>' in row.group(0)
    # the OS upper bound for sorafenib_ge_4m cannot be estimated on the examples
    assert summary["endpoints"]["os"]["sorafenib_ge_4m"]["median_ci95_months"][1] is None
    assert "16.59 – not reached" in table
    charts = [ET.fromstring(s) for s in re.findall(r'<svg class="km".*?</svg>', page, re.S)]
    for chart, (name, groups) in zip(charts, summary["endpoints"].items(), strict=True):
        curves = {p.get("data-group"): p.get("d", "") for p in chart.iter("path")}
        for group, estimate in groups.items():
            if estimate["patients"]:
                steps = curves[group].count("H")
                assert steps == len(estimate["curve"]["months"]) - 1, (name, group)


def test_attrition_rules_and_safety_are_shown(pack: Pack, page: str, examples: tuple) -> None:
    _, _, summary = examples
    lead = page[: page.index('id="patients"')]
    for cohort, flow in summary["attrition"].items():
        assert f"<b>{cohort}</b>" in lead
        assert f"Eligible: {flow['eligible']}" in lead
        for step in flow["steps"]:
            assert f"<code>{step['rule']}</code> {step['name']}" in lead
            assert f"entered {step['entered']}</span> → passed <b>{step['passed']}</b>" in lead
    for code, counts in summary["rules"].items():
        row = re.search(rf"<tr[^>]*><td><code>{code}</code></td><td>([^<]*)</td>", lead)
        assert row is not None and row.group(1) == pack.rule(code).name
        assert row.group(0).startswith('<tr class="nm">') == bool(counts.get("not_met"))
    flag = summary["safety_flags"]["AE001"]
    assert flag["events"] == 6
    for grade, count in flag["by_grade"].items():
        assert f"G{grade}: {count}" in lead


def test_empty_run_is_still_a_complete_page(pack: Pack) -> None:
    page = _page(pack, [], [], CohortSummary().to_dict(pack))
    parsed = _structure(page)
    assert parsed.problems == [] and parsed.stack == []
    assert '<svg class="timeline"' not in page
    assert page.count('<svg class="km"') == 2  # empty charts, axes only
    assert "not reached" in page and "No input errors." in page


def test_the_page_lists_every_finding_even_when_the_text_is_brief(pack: Pack, root: Path) -> None:
    # The text report folds met and n/a rules into one line by default; the page keeps
    # every finding in its (foldable) table: P02 has one deviation (TRT001) and the rest.
    (result, record), *_ = _check(pack, [_example(root, "p02-late-start.json")])[0]
    html = HtmlRenderer(pack, RenderOptions(verbose=False)).patient(result, record, 0)
    table = html[html.index("<tbody>") :]
    badges = re.findall(r'class="badge ([sl]-[a-z_]+)"', table)
    assert len(badges) == len(result.findings) and badges[0] == "l-deviation"
    assert "left out" not in html
