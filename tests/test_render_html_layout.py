"""The HTML page for readers (issue 10): contrast, order, index, definitions, legend, print."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from protocol.cohort.summary import CohortSummary, eligibility_steps
from protocol.engine import check_record
from protocol.packs import Pack
from protocol.records import load_record
from protocol.render.base import RenderOptions
from protocol.render.html import HtmlRenderer

ROOT = Path(__file__).resolve().parent.parent
AA = 4.5  # WCAG 2 AA, normal text


def _page(pack: Pack, names: list[str], options: RenderOptions | None = None) -> str:
    renderer = HtmlRenderer(pack, options)
    summary, steps = CohortSummary(), eligibility_steps(pack)
    parts = []
    for index, name in enumerate(names):
        source = str(ROOT / "examples" / name)
        record = json.loads(Path(source).read_text(encoding="utf-8"))
        model, problems = load_record(record, source)
        assert model is not None, problems
        result = check_record(model, pack, None, source)
        summary.add(result, steps)
        parts.append(renderer.patient(result, record, index))
    totals = summary.to_dict(pack)
    return (
        renderer.begin()
        + renderer.lead(totals, [])
        + renderer.separator.join(parts)
        + renderer.end(totals, [])
    )


@pytest.fixture(scope="module")
def cohort(pack: Pack) -> str:
    return _page(pack, sorted(p.name for p in (ROOT / "examples").glob("p*.json")))


# --- WCAG contrast, computed from the page's own CSS and SVG ----------------------------


def _luminance(colour: str) -> float:
    hexa = colour.lstrip("#")
    hexa = "".join(c * 2 for c in hexa) if len(hexa) == 3 else hexa
    channels = [int(hexa[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _ratio(one: str, other: str) -> float:
    high, low = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_ratio_is_wcag_s() -> None:
    assert round(_ratio("#000", "#fff"), 1) == 21.0
    assert round(_ratio("#777", "#fff"), 2) == 4.48  # the classic just-failing grey


def _css(page: str) -> dict[str, dict[str, str]]:
    """Selector -> declarations of the page's style sheet (screen rules), vars resolved."""
    sheet = page[page.index("<style>") + 7 : page.index("</style>")]
    sheet = sheet.split("@media print")[0]
    rules: dict[str, dict[str, str]] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", sheet):
        declarations = dict(
            (k.strip(), v.strip()) for k, _, v in (d.partition(":") for d in body.split(";")) if v
        )
        for selector in selectors.split(","):
            rules.setdefault(selector.strip(), {}).update(declarations)
    variables = {k: v for k, v in rules.get(":root", {}).items() if k.startswith("--")}
    for declarations in rules.values():
        for key, value in declarations.items():
            declarations[key] = re.sub(r"var\((--[\w-]+)\)", lambda m: variables[m[1]], value)
    return rules


def _badge_pairs(page: str) -> list[tuple[str, str, str]]:
    """(what, text colour, background) for every badge and label the page styles."""
    rules = _css(page)
    base = rules[".badge"]
    pairs = []
    for selector, declarations in rules.items():
        if re.fullmatch(r"\.(s|e|l|m)-[\w]+", selector):  # status, eligibility, label, mark
            ink = declarations.get("color", base["color"])
            pairs.append((selector, ink, declarations.get("background", base["background"])))
    pairs.append((".badge", base["color"], base["background"]))
    pairs.append((".num", rules[".num"]["color"], rules[".num"]["background"]))
    pairs.append((".tag", rules[".tag"]["color"], rules[".tag"]["background"]))
    for selector in (".muted", "td.hot", ".card span"):
        colour = rules[selector]["color"]
        pairs += [
            (f"{selector} on card", colour, "#fff"),
            (f"{selector} on page", colour, "#f5f7f9"),
        ]
    for style in re.findall(r'class="badge[^"]*" style="([^"]*)"', page):
        declarations = dict(d.split(":", 1) for d in style.split(";") if ":" in d)
        pairs.append((style, declarations.get("color", base["color"]), declarations["background"]))
    return pairs


def test_every_badge_and_label_meets_wcag_aa(cohort: str) -> None:
    pairs = _badge_pairs(cohort)
    assert any("G5" in what or "#4a148c" in what for what, *_ in pairs)  # grade-5 badge seen
    low = [(what, ink, bg, round(_ratio(ink, bg), 2)) for what, ink, bg in pairs]
    assert [x for x in low if x[3] < AA] == []


def test_every_svg_text_meets_wcag_aa_on_white(cohort: str) -> None:
    rules = _css(cohort)
    classed = {
        selector.split(".", 1)[1]: declarations["fill"]
        for selector, declarations in rules.items()
        if selector.startswith("svg text.") and "fill" in declarations
    }
    failing = set()
    for svg in re.findall(r"<svg .*?</svg>", cohort, re.S):
        for text in ET.fromstring(svg).iter("text"):
            cls = text.get("class", "")
            if cls == "badge":  # white on the red deviation disc
                fill, back = classed["badge"], "#c62828"
            else:
                fill, back = text.get("fill") or classed.get(cls, "#000"), "#fff"
            if _ratio(fill, back) < AA:
                failing.add((cls, fill, back, round(_ratio(fill, back), 2)))
    assert failing == set()


# --- order, index, definitions ----------------------------------------------------------


def test_a_single_patient_page_starts_with_the_patient(pack: Pack) -> None:
    page = _page(pack, ["p05-overdose.json"])
    assert page.index('id="patient-0"') < page.index('id="summary"') < page.index("<footer>")
    assert 'id="index"' not in page


def test_a_cohort_page_has_an_index_of_patients(cohort: str) -> None:
    assert cohort.index('id="summary"') < cohort.index('id="index"') < cohort.index("patient-0")
    index = cohort[cohort.index('id="index"') : cohort.index('id="patients"')]
    for head in ("patient", "site", "arm", "eligibility", "group", "not met"):
        assert f">{head}</th>" in index
    assert 'type="search"' in index
    sections = re.findall(r'id="patient-(\d+)" data-pid="([^"]*)" data-site="([^"]*)"', cohort)
    assert len(sections) == 24
    p05 = re.search(r'data-pid="P05"[^>]*data-eligibility="(\w+)"[^>]*data-not-met="(\d+)"', cohort)
    assert p05 is not None and p05.groups() == ("eligible", "1")  # DOS001, 1200 mg/day


def test_the_page_defines_ttp_os_and_the_index_tace(cohort: str) -> None:
    definitions = cohort[cohort.index("<h3>Definitions</h3>") :]
    assert "TACE #2 in sorafenib_after_tace; TACE #3 in tace_alone_control" in definitions
    assert "to the <b>next TACE</b>" in definitions and "to death" in definitions


def test_p05_says_why_its_ttp_event_is_tace_3_not_the_progression(pack: Pack) -> None:
    page = _page(pack, ["p05-overdose.json", "p07-grade3-no-dose-action.json"])
    assert (
        "The TTP event is the next TACE (2013-03-14), not the earlier progression seen on "
        "imaging (2013-02-28)" in page
    )
    p07 = page[page.index('data-pid="P07"') :]
    assert "ttp-note" not in p07  # P07: no TACE #3, TTP is censored


# --- legend -----------------------------------------------------------------------------


def _colours_drawn(page: str) -> set[str]:
    drawn = set()
    for svg in re.findall(r'<svg class="timeline".*?</svg>', page, re.S):
        for element in ET.fromstring(svg).iter():
            fill = element.get("fill", "")
            if element.tag != "text" and fill.startswith("#") and element.get("class") != "lane":
                drawn.add(fill.lower())
    return drawn - {"#fff", "#ffffff"}


def test_the_legend_explains_every_colour_drawn(cohort: str) -> None:
    legend = cohort[cohort.index('<div class="legend">') :]
    legend = legend[: legend.index("</div>")]
    explained = {c.lower() for c in re.findall(r"background:(#[0-9a-fA-F]{3,6})", legend)}
    drawn = _colours_drawn(cohort)
    assert {"#d32f2f", "#f9a825", "#00897b"} <= drawn  # above, below and in the dose range
    assert drawn - explained == set()


def test_ae_terms_are_cut_with_an_ellipsis_and_kept_whole_in_the_hover(cohort: str) -> None:
    term = "Palmar-plantar erythrodysesthesia syndrome"  # P01, 42 characters
    assert ">G1 Palmar-plantar erythrodysesth… " in cohort  # 29 characters, then the ellipsis
    assert f"<title>{term}, CTCAE grade 1" in cohort


# --- print ------------------------------------------------------------------------------


def test_print_puts_one_patient_per_page(cohort: str) -> None:
    sheet = cohort[cohort.index("<style>") : cohort.index("</style>")]
    printed = sheet[sheet.index("@media print") :]
    rule = re.search(r"details\.patient,section\.patient\{([^}]*)\}", printed)
    assert rule is not None and "break-before:page" in rule.group(1)
    assert "beforeprint" in cohort  # closed patients are opened to print
