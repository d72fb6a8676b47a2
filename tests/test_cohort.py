"""A whole cohort: the summary against figures worked out by hand, every format, workers.

The small cohort below is twelve of the examples. Each patient's verdict,
group and endpoint days were worked out by hand in
``tests/expectations/examples.yaml``; the cohort figures here (attrition,
groups, Kaplan-Meier medians, safety flags) were then computed by hand from
those, step by step in the comments, without running the checker.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from protocol.cli import main
from protocol.cohort import run_cohort
from protocol.packs import Pack
from protocol.render import RenderOptions, renderer_for

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
REPORT_SCHEMA = json.loads((ROOT / "schemas" / "report.schema.json").read_text("utf-8"))
HAND = yaml.safe_load((ROOT / "tests" / "expectations" / "examples.yaml").read_text("utf-8"))
BAD = ROOT / "tests" / "malformed" / "bad-date-shape-slashes.json"

SMALL = [
    "p01-on-time",  # eligible, >= 4 m; TTP 208 d event, OS 816 d censored
    "p02-late-start",  # eligible, >= 4 m; TTP 252 d event, OS 550 d event
    "p05-overdose",  # eligible, >= 4 m; TTP 217 d event, OS 529 d event
    "p07-grade3-no-dose-action",  # eligible, >= 4 m; TTP 274 d cens, OS 274 d cens; 2 AEs gr 3
    "p09-tid-frequency",  # eligible, >= 4 m; TTP 256 d cens, OS 256 d event
    "p13-short-exposure",  # eligible, < 4 m; TTP 112 d event, OS 347 d event; 2 AEs gr 3
    "p10-late-progression-treated",  # ELG003 not met
    "p12-pending-progression",  # ELG003 pending
    "p22-resectable",  # ELG001 not met
    "p14-control-tace-alone",  # control, eligible; TTP 133 d event, OS 565 d event
    "p15-control-interval-exactly-6m",  # CTL002 not met
    "p24-control-given-sorafenib",  # CTL001 not met
]


def _folder(tmp_path: Path, stems: list[str], extra: list[Path] = ()) -> Path:
    folder = tmp_path / "cohort"
    folder.mkdir()
    for stem in stems:
        shutil.copy(EXAMPLES / f"{stem}.json", folder / f"{stem}.json")
    for path in extra:
        shutil.copy(path, folder / f"zz-{path.name}")
    return folder


def _run(pack: Pack, paths: list[Any], fmt: str, workers: int = 1, chunk: int = 100) -> str:
    out = io.StringIO()
    renderer = renderer_for(fmt, pack, RenderOptions())
    run_cohort(paths, pack, renderer, out, workers=workers, chunk_records=chunk)
    return out.getvalue()


@pytest.fixture(scope="module")
def small_summary(tmp_path_factory: pytest.TempPathFactory, pack: Pack) -> dict[str, Any]:
    folder = _folder(tmp_path_factory.mktemp("small"), SMALL)
    report = json.loads(_run(pack, [folder], "json"))
    Draft202012Validator(REPORT_SCHEMA).validate(report)
    return report["summary"]


def test_attrition_of_the_sorafenib_arm(small_summary: dict[str, Any]) -> None:
    table = small_summary["attrition"]["sorafenib_after_tace"]
    # 9 patients; ELG001 drops p22 -> 8; ELG002 all pass; ELG003 drops p10 (not met) and
    # stops p12 (pending) -> 6; ELG004 all pass -> 6 eligible.
    steps = [
        (s["rule"], s["entered"], s["passed"], s["excluded"], s["pending"]) for s in table["steps"]
    ]
    assert steps == [
        ("ELG001", 9, 8, 1, 0),
        ("ELG002", 8, 8, 0, 0),
        ("ELG003", 8, 6, 1, 1),
        ("ELG004", 6, 6, 0, 0),
    ]
    assert table["checked"] == 9 and table["eligible"] == 6


def test_attrition_of_the_control_arm(small_summary: dict[str, Any]) -> None:
    table = small_summary["attrition"]["tace_alone_control"]
    # 3 controls; CTL001 drops p24 (sorafenib given) -> 2; CTL002 drops p15 (exactly 6 m) -> 1.
    steps = [(s["rule"], s["entered"], s["passed"], s["excluded"]) for s in table["steps"]]
    assert steps == [("CTL001", 3, 2, 1), ("CTL002", 2, 1, 1)]
    assert table["eligible"] == 1


def test_groups_and_eligibility(small_summary: dict[str, Any]) -> None:
    assert small_summary["patients"] == 12
    assert small_summary["groups"] == {
        "sorafenib_ge_4m": 5,  # p01 p02 p05 p07 p09
        "sorafenib_lt_4m": 1,  # p13
        "tace_alone": 1,  # p14
        "unassigned": 5,  # p10 p12 p22 p15 p24
    }
    assert small_summary["eligibility"] == {"eligible": 7, "ineligible": 4, "pending": 1}
    assert small_summary["unassigned"] == {
        "not eligible: ineligible": 4,
        "not eligible: pending": 1,
    }


def test_kaplan_meier_medians_per_group(small_summary: dict[str, Any]) -> None:
    ttp = small_summary["endpoints"]["ttp"]["sorafenib_ge_4m"]
    # TTP days sorted: 208e 217e 252e 256c 274c. S: 208 -> 4/5 = .8; 217 -> .8*3/4 = .6;
    # 252 -> .6*2/3 = .4 <= .5, so the median is 252 days = 252/30.4375 = 8.28 months.
    assert (ttp["patients"], ttp["events"], ttp["median_months"]) == (5, 3, 8.28)
    assert ttp["curve"]["survival"][:4] == [1.0, 0.8, 0.6, 0.4]
    os_ = small_summary["endpoints"]["os"]["sorafenib_ge_4m"]
    # OS days sorted: 256e 274c 529e 550e 816c. S: 256 -> .8; 274 censored (4 -> 3 at risk);
    # 529 -> .8*2/3 = .533; 550 -> .533*1/2 = .267 <= .5: median 550 days = 18.07 months.
    assert (os_["patients"], os_["events"], os_["median_months"]) == (5, 3, 18.07)
    low, high = os_["median_ci95_months"]
    assert (low is None or low <= 18.07) and (high is None or high >= 18.07)
    # One patient each: the median is that patient's event time.
    assert small_summary["endpoints"]["ttp"]["sorafenib_lt_4m"]["median_months"] == 3.68
    assert small_summary["endpoints"]["os"]["sorafenib_lt_4m"]["median_months"] == 11.4
    assert small_summary["endpoints"]["ttp"]["tace_alone"]["median_months"] == 4.37
    assert small_summary["endpoints"]["os"]["tace_alone"]["median_months"] == 18.56


def test_a_median_not_reached_is_null(tmp_path: Path, pack: Pack) -> None:
    # p07 alone: TTP and OS both censored at 274 days -> survival never falls to 0.5.
    report = json.loads(_run(pack, [_folder(tmp_path, ["p07-grade3-no-dose-action"])], "json"))
    ttp = report["summary"]["endpoints"]["ttp"]["sorafenib_ge_4m"]
    assert (ttp["patients"], ttp["events"], ttp["median_months"]) == (1, 0, None)


def test_grade_3_or_worse_adverse_events(small_summary: dict[str, Any]) -> None:
    # p07: Hypertension 3, Ascites 3; p13: Diarrhea 3, AST increased 3. Others: none >= 3.
    flags = small_summary["safety_flags"]["AE001"]
    assert (flags["events"], flags["patients"]) == (4, 2)
    assert flags["by_grade"] == {"3": 4}
    assert flags["by_term"] == {
        "Ascites": 1,
        "Aspartate aminotransferase increased": 1,
        "Diarrhea": 1,
        "Hypertension": 1,
    }


def _hand_counts(stems: list[str]) -> dict[str, dict[str, int]]:
    counts: dict[str, Counter[str]] = {}
    for stem in stems:
        for code, statuses in HAND[stem]["findings"].items():
            counts.setdefault(code, Counter()).update(statuses)
    return {code: dict(c) for code, c in sorted(counts.items())}


def test_counts_per_rule_and_status_match_the_hand_worked_findings(
    small_summary: dict[str, Any],
) -> None:
    assert small_summary["rules"] == _hand_counts(SMALL)
    not_met = sum(c.get("not_met", 0) for c in _hand_counts(SMALL).values())
    assert small_summary["not_met"] == not_met


# --- every format, from one run each -----------------------------------------------------


@pytest.fixture(scope="module")
def everything(tmp_path_factory: pytest.TempPathFactory) -> Path:
    stems = sorted(HAND)
    return _folder(tmp_path_factory.mktemp("all"), stems, [BAD])


def _deviations(kind: str, status: str = "not_met") -> int:
    return sum(
        statuses.count(status)
        for stem in HAND
        for code, statuses in HAND[stem]["findings"].items()
        if _kind(code) == kind
    )


def _kind(code: str) -> str:
    if code.startswith(("ELG", "CTL")):
        return "eligibility"
    if code == "AE001":
        return "safety"
    if code.startswith("DAT") or code == "AE003":
        return "data"
    return "deviation"


def test_deviation_log_has_one_dv_row_per_deviation(everything: Path, pack: Pack) -> None:
    rows = list(csv.DictReader(io.StringIO(_run(pack, [everything], "csv").lstrip("\ufeff"))))
    assert len(rows) == _deviations("deviation")
    late = next(r for r in rows if r["USUBJID"] == "P02")
    assert late["DOMAIN"] == "DV" and late["STUDYID"] == "tamai-2017"
    assert (late["DVREFID"], late["DVSCAT"], late["DVSTDTC"]) == (
        "TRT001",
        "IMPORTANT",
        "2012-03-27",
    )
    assert late["DVCAT"] == "Sorafenib start" and late["SITEID"] == "JP-OSK-01"
    assert "26 days after TACE #2" in late["DVTERM"]
    overdose = next(r for r in rows if r["USUBJID"] == "P05")
    assert overdose["DVSTDTC"] == "2012-08-20" and overdose["DVENDTC"] == "2012-09-03"
    assert {r["DVSCAT"] for r in rows} == {"IMPORTANT", "NON-IMPORTANT"}


def test_query_listing_has_data_findings_and_input_errors(everything: Path, pack: Pack) -> None:
    rows = list(csv.DictReader(io.StringIO(_run(pack, [everything], "queries"))))
    data_rows = [r for r in rows if r["RULE"] != "RECORD"]
    # A query per data finding not met, and per eligibility rule a partial date leaves open
    # (the site is asked for the full date).
    assert len(data_rows) == _deviations("data") + _deviations("eligibility", "not_evaluable")
    typo = next(r for r in rows if r["RULE"] == "DAT004")
    assert (typo["USUBJID"], typo["FIELD"], typo["VALUE"]) == (
        "P19",
        "/sorafenib/0/end_date",
        "2102-10-31",
    )
    record = [r for r in rows if r["RULE"] == "RECORD"]
    assert [(r["FIELD"], r["VALUE"]) for r in record] == [
        ("/adverse_events/0/onset_date", "01/03/2012")
    ]


def test_query_listing_hides_values_when_asked(everything: Path, pack: Pack) -> None:
    out = io.StringIO()
    renderer = renderer_for("queries", pack, RenderOptions(hide_values=True))
    run_cohort([everything], pack, renderer, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows and all(r["VALUE"] == "" for r in rows)
    assert "2102-10-31" not in "".join(r["VALUE"] for r in rows)


def test_junit_has_a_failure_per_not_met_finding(everything: Path, pack: Pack) -> None:
    root = ET.fromstring(_run(pack, [everything], "junit"))
    suites = root.findall("testsuite")
    assert len(suites) == len(HAND) + 1  # every patient, and the bad record
    failures = root.findall(".//failure")
    total = sum(s.count("not_met") for stem in HAND for s in HAND[stem]["findings"].values())
    assert len(failures) == total
    assert len(root.findall(".//error")) == 1
    p02 = next(s for s in suites if s.get("name") == "P02")
    assert p02.get("failures") == "1"
    assert "26 days after TACE #2" in p02.find(".//failure").get("message")


def test_jsonl_lines_are_patients_then_a_summary(everything: Path, pack: Pack) -> None:
    validator = Draft202012Validator(
        {"$ref": "#/$defs/jsonl_line", "$defs": REPORT_SCHEMA["$defs"]}
    )
    lines = [json.loads(line) for line in _run(pack, [everything], "jsonl").splitlines()]
    for line in lines:
        validator.validate(line)
    assert sum(1 for line in lines if "patient_id" in line) == len(HAND)
    assert sum(1 for line in lines if "errors" in line and "source" in line) == 1
    assert "summary" in lines[-1] and lines[-1]["summary"]["patients"] == len(HAND)


def test_text_ends_with_the_cohort_summary(everything: Path, pack: Pack) -> None:
    text = _run(pack, [everything], "text")
    tail = text[text.index("Cohort summary") :]
    assert "Attrition, sorafenib_after_tace: 21 checked" in tail
    assert "Median TTP, months (Kaplan-Meier):" in tail
    assert "    TRT001 sorafenib-start-outside-window" in tail  # the per-rule table
    assert text.index("Input errors") < text.index("Cohort summary")


# --- workers -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "text", "csv", "queries", "jsonl", "junit"])
def test_two_workers_give_the_same_output_in_the_same_order(
    fmt: str, tmp_path: Path, pack: Pack, synthetic: Any
) -> None:
    cohort = tmp_path / "cohort.jsonl"
    cohort.write_text(
        "".join(json.dumps(r) + "\n" for r in synthetic.generate(240, 5, 0.05)), "utf-8"
    )
    one = _run(pack, [cohort], fmt, workers=1, chunk=7)
    two = _run(pack, [cohort], fmt, workers=2, chunk=7)
    assert one == two
    assert one.count("S0000240") >= (1 if fmt in {"json", "text", "jsonl", "junit"} else 0)


def test_cli_workers_and_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "report.json"
    code = main(["check", str(EXAMPLES), "--workers", "2", "--format", "json", "-o", str(target)])
    out, err = capsys.readouterr()
    # nothing on the terminal but the summary line: no progress when not a TTY
    assert (code, out) == (1, "")
    assert err.startswith(f"tacecheck: {len(HAND)} patients; ") and err.count("\n") == 1
    report = json.loads(target.read_text("utf-8"))
    sources = [p["source"] for p in report["patients"]]
    assert sources == sorted(sources)  # the folder's files in name order, as with one worker
    assert len(report["patients"]) == len(HAND)


def test_cli_rejects_a_negative_worker_count(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["check", str(EXAMPLES), "--workers", "-1"])
    assert stop.value.code == 2
    assert "give 0 or more" in capsys.readouterr().err


def test_an_eligible_patient_never_treated_is_unassigned_with_that_reason(
    tmp_path: Path, pack: Pack
) -> None:
    # p11: eligible, TACE #2 done, no sorafenib yet -> unassigned, "never received sorafenib".
    report = json.loads(_run(pack, [_folder(tmp_path, ["p11-pending-sorafenib-start"])], "json"))
    assert report["summary"]["unassigned"] == {"never received sorafenib": 1}
    assert report["summary"]["groups"]["unassigned"] == 1


# --- many bad records -----------------------------------------------------------------------


def test_input_errors_are_spooled_and_all_listed(tmp_path: Path, pack: Pack) -> None:
    from protocol.cohort.spool import ErrorSpool

    # 2,500 lines that are not records: every format still lists every one of them,
    # while the run keeps only a count (and the first 1,000 for the caller) in memory.
    cohort = tmp_path / "wrong.jsonl"
    cohort.write_text("".join(f'{{"patient_id": "X{n}"}}\n' for n in range(2500)), "utf-8")
    out = io.StringIO()
    result = run_cohort([cohort], pack, renderer_for("json", pack), out)
    report = json.loads(out.getvalue())
    missing = [e for e in report["errors"] if "schema_version" in e["message"]]
    assert len(missing) == 2500
    assert report["summary"]["records_with_errors"] == 2500
    assert report["summary"]["errors"] == len(report["errors"])
    assert len(result.errors) == 1000 and result.exit_code == 2
    spool = ErrorSpool()
    spool.extend(result.errors[:3])
    assert list(spool) == result.errors[:3] and list(spool) == list(spool)  # re-readable
    assert len(spool) == 3 and result.errors[0] in spool
    spool.close()


def test_a_record_the_checker_fails_on_is_reported_and_the_rest_are_checked(
    tmp_path: Path, pack: Pack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from protocol.cohort import runner

    real = runner.check_records

    def failing(tasks: Any, *args: Any) -> Any:
        results = real(tasks, *args)
        defect = RuntimeError("simulated defect")
        return [
            defect if t[0].patient_id == "P02" else r for t, r in zip(tasks, results, strict=True)
        ]

    monkeypatch.setattr(runner, "check_records", failing)
    folder = _folder(tmp_path, ["p01-on-time", "p02-late-start", "p03-day-21"])
    out = io.StringIO()
    result = run_cohort([folder], pack, renderer_for("json", pack), out)
    report = json.loads(out.getvalue())
    assert [p["patient_id"] for p in report["patients"]] == ["P01", "P03"]
    (error,) = report["errors"]
    assert error["patient_id"] == "P02" and "simulated defect" in error["message"]
    assert error["source"].endswith("p02-late-start.json") and result.exit_code == 2


# --- hostile text in records ----------------------------------------------------------------


def _odd(tmp_path: Path, term: str, patient_id: str = "P07") -> Path:
    record = json.loads((EXAMPLES / "p07-grade3-no-dose-action.json").read_text("utf-8"))
    record["patient_id"] = patient_id
    record["adverse_events"][0]["term"] = term
    folder = tmp_path / "odd"
    folder.mkdir()
    (folder / "odd.json").write_text(json.dumps(record), "utf-8")
    return folder


def test_junit_stays_well_formed_with_characters_xml_cannot_carry(
    tmp_path: Path, pack: Pack
) -> None:
    root = ET.fromstring(_run(pack, [_odd(tmp_path, "Hyper\ufffetension\x01 <&>")], "junit"))
    messages = [f.get("message") for f in root.iter("failure")]
    assert any("Hypertension <&>" in m for m in messages)


def test_text_shows_terminal_control_characters_instead_of_obeying_them(
    tmp_path: Path, pack: Pack
) -> None:
    text = _run(pack, [_odd(tmp_path, "Rash\x1b]0;owned\x07\x1b[2J")], "text")
    assert "\x1b" not in text.replace("\x1b[", "") and "\x07" not in text
    assert "Rash\\x1b]0;owned\\x07\\x1b[2J" in text


def test_csv_quotes_formula_cells_but_not_numbers(tmp_path: Path, pack: Pack) -> None:
    # p07's AE002 deviation message starts with the AE term.
    out = _run(pack, [_odd(tmp_path, "=HYPERLINK(1)")], "csv")
    (row,) = [r for r in csv.DictReader(io.StringIO(out)) if r["DVREFID"] == "AE002"]
    assert row["DVTERM"].startswith("'=HYPERLINK(1), grade 3")
    assert row["DVSEQ"] == "1"  # a number is never quoted


def test_jsonl_escapes_unicode_line_separators(tmp_path: Path, pack: Pack) -> None:
    out = _run(pack, [_odd(tmp_path, "Rash\u2028spreading")], "jsonl")
    lines = out.splitlines()  # str.splitlines() also breaks at U+2028
    assert len(lines) == 2 and json.loads(lines[0])["findings"]
    assert any("Rash\u2028spreading" in f["message"] for f in json.loads(lines[0])["findings"])


def test_a_report_into_the_folder_being_checked_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A later run would read it back as a record: refused before anything is read.
    folder = _folder(tmp_path, ["p01-on-time"])
    code = main(["check", str(folder), "--format", "json", "-o", str(folder / "report.json")])
    assert code == 2
    assert "a folder being checked" in capsys.readouterr().err
    assert sorted(p.name for p in folder.iterdir()) == ["p01-on-time.json"]
