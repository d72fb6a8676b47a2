"""Renderers that can be trusted with anything a record holds (issue 9).

Strict RFC 8259 JSON whatever the values; submitted text that cannot drive a terminal or a
spreadsheet; a timeline whose date arithmetic holds for any date a record may carry, so
every format reports the same patients.
"""

from __future__ import annotations

import collections
import copy
import csv
import io
import json
import math
import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protocol.cli import main
from protocol.engine import check_record
from protocol.findings import Eligibility, Finding, PatientResult, RecordError, Status
from protocol.packs import Pack
from protocol.records import load_record
from protocol.render.deviation_log import csv_text
from protocol.render.json_report import JsonLinesRenderer, JsonRenderer, json_text
from protocol.render.text import TextRenderer
from protocol.render.timeline_svg import timeline_svg

ROOT = Path(__file__).resolve().parent.parent
BOUNDED = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _strict(text: str) -> Any:
    """RFC 8259 JSON only: Infinity, -Infinity and NaN are not JSON."""

    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def _result(message: str = "m", evidence: dict[str, Any] | None = None) -> PatientResult:
    finding = Finding(
        "DOS001", "daily-dose-above-maximum", Status.NOT_MET, "deviation", message,
        importance="important", location="/sorafenib/0/dose_mg", evidence=evidence or {},
    )  # fmt: skip
    return PatientResult(
        "P1", "sorafenib_after_tace", "p1.json", Eligibility.ELIGIBLE, "unassigned", "r",
        (finding,), {"ttp": None, "os": None},
    )  # fmt: skip


# --- 1. strict JSON ---------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=12,
)


@BOUNDED
@given(value=json_values)
def test_json_and_jsonl_are_strict_json_whatever_the_values(pack: Pack, value: Any) -> None:
    error = RecordError("p.json", "/sorafenib/0/dose_mg", "not valid", value=value, show_value=True)
    result = _result(evidence={"daily_dose": value})
    for renderer in (JsonRenderer(pack), JsonLinesRenderer(pack)):
        text = renderer.begin() + renderer.patient(result, None)
        text += renderer.record_errors("p.json", [error])
        text += "".join(renderer.end({"patients": 1, "x": value}, [error]))
        if renderer.name == "json":
            _strict(text)
        else:
            assert [_strict(line) for line in text.splitlines()]
        text.encode("utf-8")  # writable as UTF-8


def test_non_finite_numbers_are_named_as_strings(pack: Pack) -> None:
    values = [math.inf, -math.inf, math.nan]
    error = RecordError("p.json", "/x", "not valid", value=values, show_value=True)
    line = JsonLinesRenderer(pack).record_errors("p.json", [error])
    assert _strict(line)["errors"][0]["value"] == ["inf", "-inf", "nan"]
    line = JsonLinesRenderer(pack).patient(_result(evidence={"daily_dose": values}), None)
    assert _strict(line)["findings"][0]["evidence"]["daily_dose"] == ["inf", "-inf", "nan"]


def _named(value: Any) -> Any:
    """``value`` as the report writes it, worked out here: non-finite floats by name."""
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {k: _named(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_named(v) for v in value]
    return value


@BOUNDED
@given(value=json_values)
def test_the_fast_writer_means_what_json_means(value: Any) -> None:
    # orjson writes most lines; NaN must never become null, nor a value change on the way
    assert _strict(json_text(value)) == _named(value)
    assert _strict(json_text([value, (value,)])) == [_named(value), [_named(value)]]


def test_values_orjson_writes_its_own_way_are_written_as_json_writes_them() -> None:
    text = json_text(
        {"day": date(2014, 1, 2), "f": numpy.float64(1.25), "n": 2**70, "s": "a\ud800",
         "nan": [math.nan, None], "set": {3}, "nel": "a\x85b"}
    )  # fmt: skip
    assert text.isascii() or "\x85" not in text  # NEL is escaped: lines split where we split
    assert _strict(text) == {
        "day": "2014-01-02", "f": 1.25, "n": 1180591620717411303424, "s": "a\ud800",
        "nan": ["nan", None], "set": [3], "nel": "a\x85b",
    }  # fmt: skip
    assert "\n" not in text and ", " not in text  # one line, and every line written alike


def test_a_value_that_cannot_be_compared_or_a_named_tuple_is_written_as_json_writes_it() -> None:
    point = collections.namedtuple("point", "x y")
    text = json_text({"p": point(1, 2), "a": [None, numpy.array([1, 2])]})
    assert _strict(text) == {"p": [1, 2], "a": [None, "[1 2]"]}  # never raises


def test_a_record_with_1e400_gives_strict_json(tmp_path: Path, capsys) -> None:
    record = json.loads((ROOT / "examples" / "p05-overdose.json").read_text())
    text = json.dumps(record).replace('"dose_mg": 600', '"dose_mg": 1e400')
    (tmp_path / "inf.json").write_text(text)
    for fmt in ("json", "jsonl"):
        main(["check", "-q", "--format", fmt, str(tmp_path / "inf.json")])
        out = capsys.readouterr().out
        documents = [_strict(out)] if fmt == "json" else [_strict(x) for x in out.splitlines()]
        assert documents


# --- 3. terminal and spreadsheet safety -------------------------------------------------

DANGEROUS = (
    "\x1b\x7f\x80\x85\x9b\x9f\u061c\u200e\u200f"
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def test_c1_and_bidi_controls_are_shown_not_obeyed(pack: Pack) -> None:
    message = "dose \x9b31m red \u202egnp.exe \u2066x\u2069 \u200fend"
    out = TextRenderer(pack).patient(_result(message), None)
    assert not set(out) & set(DANGEROUS)
    for escape in ("\\x9b", "\\u202e", "\\u2066", "\\u2069", "\\u200f"):
        assert escape in out


@BOUNDED
@given(text=st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(DANGEROUS)))
def test_text_output_holds_no_control_character(pack: Pack, text: str) -> None:
    out = TextRenderer(pack).patient(_result(text), None)
    assert not set(out) & set(DANGEROUS)
    assert all(c in "\n\t" or not (ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F) for c in out)


def _cells(text: str) -> list[str]:
    return next(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize(
    "cell", [" =1+2", "  +cmd", "\n=HYPERLINK(1)", "\r\n@SUM(A1)", " \t-2+3", "=1", "\t=1"]
)
def test_formula_after_spaces_or_line_breaks_is_quoted(cell: str) -> None:
    assert _cells(csv_text([[cell]])) == ["'" + cell]


@pytest.mark.parametrize("cell", ["-5", " 12.5", "+3", "a=1", "2012-03-01", "Hypertension"])
def test_plain_cells_and_numbers_are_unchanged(cell: str) -> None:
    assert _cells(csv_text([[cell]])) == [cell]


@BOUNDED
@given(text=st.text(alphabet=" \t\r\n=+-@a1.", max_size=8))
def test_no_cell_a_spreadsheet_runs_as_a_formula(text: str) -> None:
    (cell,) = _cells(csv_text([[text]]))
    formula = re.match(r"\s*[=+\-@]", cell) or cell[:1] in ("\t", "\r")
    plain_number = re.fullmatch(r"\s*[+-]?[0-9]+(\.[0-9]+)?\s*", cell)
    assert not formula or plain_number
    assert cell in (text, "'" + text)  # nothing else is changed


# --- 4. dates at the edges of the accepted range ----------------------------------------


def _checked(pack: Pack, record: dict[str, Any], as_of: date) -> PatientResult:
    model, problems = load_record(record, "edge.json")
    assert model is not None, problems
    return check_record(model, pack, as_of, "edge.json")


def test_a_timeline_from_1900_to_2999_keeps_a_readable_axis(pack: Pack) -> None:
    record = json.loads((ROOT / "examples" / "p01-on-time.json").read_text())
    record["diagnosis"]["date"] = "1900-01-01"
    record["last_contact_date"] = "2999-12-31"
    del record["data_cutoff_date"]
    svg = timeline_svg(record, _checked(pack, record, date(2999, 12, 31)), pack.params).svg
    tree = ET.fromstring(svg)
    ticks = [t.text for t in tree.iter("text") if t.get("class") == "axis"]
    assert 2 <= len(ticks) <= 14, ticks  # 1,100 years: a tick per century, not per 20 years
    width = float(tree.get("viewBox", "").split()[2])
    for element in tree.iter():
        for name in ("x", "x1", "x2", "cx"):
            if element.get(name) is not None:
                assert 0 <= float(element.get(name, 0)) <= width


days = st.integers(min_value=0, max_value=(date(2999, 12, 31) - date(1900, 1, 1)).days)


@BOUNDED
@given(offsets=st.lists(days, min_size=3, max_size=3))
def test_any_accepted_dates_draw_inside_the_frame(pack: Pack, offsets: list[int]) -> None:
    first, second, contact = sorted(date(1900, 1, 1) + timedelta(days=d) for d in offsets)
    record = {
        "schema_version": "1", "patient_id": "E1", "cohort": "tace_alone_control",
        "tace": [{"date": first.isoformat()}, {"date": second.isoformat()}],
        "last_contact_date": contact.isoformat(),
    }  # fmt: skip
    svg = timeline_svg(record, _checked(pack, record, date(2999, 12, 31)), pack.params).svg
    tree = ET.fromstring(svg)
    assert len([t for t in tree.iter("text") if t.get("class") == "axis"]) <= 14


EDGE_FORMATS = ("json", "jsonl", "text", "junit", "html")


def _edge_records(folder: Path) -> None:
    base = json.loads((ROOT / "examples" / "p01-on-time.json").read_text())
    del base["data_cutoff_date"]
    for name, changes in {
        "early": {"diagnosis": {**base["diagnosis"], "date": "1900-01-01"}},
        "late": {"last_contact_date": "2999-12-31"},
        "year-1": {"diagnosis": {**base["diagnosis"], "date": "0001-01-01"}},
        "year-9999": {"last_contact_date": "9999-12-31"},
    }.items():
        record = {**copy.deepcopy(base), **changes, "patient_id": name}
        (folder / f"{name}.json").write_text(json.dumps(record))


# a finding not met, as the text report labels it by kind (safety, deviation, data...)
NOT_MET_LINE = re.compile(
    r"^  \S+ +(?:DEVIATION|FLAG|QUERY|EXCLUDED|LOGGED \(non-important\)|NOT MET) ", re.M
)


def _content(fmt: str, out: str) -> tuple[dict[str, int], int]:
    """(not-met findings per checked patient, number of input errors) as each format says."""
    if fmt in ("json", "jsonl"):
        lines = [json.loads(out)] if fmt == "json" else [json.loads(x) for x in out.splitlines()]
        patients = lines[0]["patients"] if fmt == "json" else [x for x in lines if "findings" in x]
        listed = (
            lines[0]["errors"] if fmt == "json" else [e for x in lines for e in x.get("errors", [])]
        )
        return {
            p["patient_id"]: sum(f["status"] == "not_met" for f in p["findings"]) for p in patients
        }, len(listed)
    if fmt == "text":
        heads = re.findall(r"^(\S+)  \((.*?)(?=^\S|\Z)", out, re.M | re.S)
        counts = {pid: len(NOT_MET_LINE.findall(body)) for pid, body in heads}
        errors = out.partition("Input errors")[2].partition("Cohort summary")[0]
        starts = [x for x in errors.splitlines() if x.startswith("  ") and x[2:3] != " "]
        return counts, len(starts)  # an error wrapped onto more lines counts once
    if fmt == "junit":
        tree = ET.fromstring(out)
        suites = tree.findall("testsuite")
        return {
            s.get("name", ""): int(s.get("failures", 0)) for s in suites if s.get("errors") == "0"
        }, sum(int(s.get("errors", 0)) for s in suites)
    badge = r'<span class="badge s-(?:not_met|met)">(\d+) not met'
    heads = re.findall(r'<span class="pid">([^<]*)</span>.*?' + badge, out)
    errors = re.search(r"<h2>Input errors</h2><p>(\d+) errors", out)
    return {pid: int(n) for pid, n in heads}, int(errors.group(1)) if errors else 0


def test_every_format_reports_the_same_patients_at_the_edges(tmp_path: Path, capsys) -> None:
    _edge_records(tmp_path)
    seen = {}
    for fmt in EDGE_FORMATS:
        code = main(["check", "-q", "--as-of", "2999-12-31", "--format", fmt, str(tmp_path)])
        seen[fmt] = (*_content(fmt, capsys.readouterr().out), code)
    assert "early" in seen["json"][0] and "late" in seen["json"][0]
    assert all(seen[fmt] == seen["json"] for fmt in EDGE_FORMATS), seen
