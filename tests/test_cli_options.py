"""Issue 10: the command line as ruff and ESLint users expect it (run through main())."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from protocol.cli import main
from protocol.examples import write_integrations

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
P01 = str(EXAMPLES / "p01-on-time.json")  # site JP-OSK-01, nothing not met
P02 = str(EXAMPLES / "p02-late-start.json")  # JP-OSK-01, TRT001 not met (important)
P06 = str(EXAMPLES / "p06-ae-dose-reduction.json")  # DOS003 (non-important) and AE001 flag
P16 = str(EXAMPLES / "p16-duplicate-tace-date.json")  # JP-KYT-02, DAT001 query


@pytest.fixture(autouse=True)
def _no_config_above(tmp_path, monkeypatch) -> None:
    """Run from an empty folder, so no configuration file is found."""
    monkeypatch.chdir(tmp_path)


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _usage(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as caught:
        main(list(argv))
    assert caught.value.code == 2
    return capsys.readouterr().err


def test_version(capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    version = re.search(r'^version = "(.+)"', (ROOT / "pyproject.toml").read_text(), re.M)
    assert capsys.readouterr().out.strip() == f"tacecheck {version.group(1)}"


def test_f_is_short_for_format(capsys) -> None:
    code, out, _ = _run(capsys, "check", "-f", "json", P02)
    assert code == 1
    assert json.loads(out)["patients"][0]["patient_id"] == "P02"


def test_rules_as_json_and_markdown(capsys) -> None:
    code, out, _ = _run(capsys, "rules", "--format", "json")
    listed = json.loads(out)
    assert code == 0 and listed["pack"]["id"] == "tamai-2017"
    by_code = {rule["code"]: rule for rule in listed["rules"]}
    assert by_code["TRT001"]["name"] == "sorafenib-start-outside-window"
    assert by_code["DOS003"]["importance"] == "non_important"
    assert (
        len(by_code) == 21
    )  # PROTOCOL.md: ELG001-4, TRT001-2, DOS001-4, AE001-3, CTL001-2, DAT001-6
    code, out, _ = _run(capsys, "rules", "-f", "markdown")
    assert "| code | name | kind | importance | cohorts |" in out
    assert "| TRT001 | `sorafenib-start-outside-window` | deviation | important |" in out


def test_a_missing_path_is_an_error_on_stderr_not_a_report(capsys) -> None:
    code, out, err = _run(capsys, "check", "-f", "json", "nosuch/")
    assert code == 2
    assert out == ""
    assert "nosuch/: no such file or folder" in err


def test_options_after_the_sub_command(capsys) -> None:
    code, out, _ = _run(capsys, "check", "--pack", "tamai-2017", "-f", "json", P01)
    assert code == 0 and json.loads(out)["protocol"]["id"] == "tamai-2017"
    code, out, _ = _run(capsys, "rules", "--pack", "tamai-2017")
    assert code == 0 and out.startswith("tamai-2017 v1")


def test_a_wrong_option_prints_the_sub_commands_usage(capsys) -> None:
    err = _usage(capsys, "check", "--colour", "never", P01)
    assert err.startswith("usage: tacecheck check ")
    assert "unrecognized arguments: --colour" in err


def test_o_takes_the_format_from_the_ending(capsys, tmp_path) -> None:
    starts = {
        "report.json": '{"protocol"',
        "log.csv": "STUDYID,DOMAIN,SITEID,USUBJID,",
        "ci.xml": "<?xml",
        "report.txt": "tacecheck - protocol tamai-2017",
    }
    for name, start in starts.items():
        code, out, err = _run(capsys, "check", P02, "-o", name)
        assert code == 1 and out == ""
        assert (tmp_path / name).read_text().lstrip("\ufeff").startswith(start), name
        assert err.endswith(
            f"wrote {name} ({name.split('.')[1]})\n".replace("(txt)", "(text)").replace(
                "(xml)", "(junit)"
            )
        )
    assert "5 days late" in (tmp_path / "report.txt").read_text()


def test_o_refuses_a_format_that_contradicts_the_ending(capsys, tmp_path) -> None:
    err = _usage(capsys, "check", P02, "-o", "report.html", "--format", "text")
    assert "report.html ends in .html, which is html, but --format is text" in err
    assert not (tmp_path / "report.html").exists()
    err = _usage(capsys, "check", P02, "-o", "report.pdf")
    assert "cannot tell the format from .pdf" in err
    # queries are CSV too: no contradiction
    code, _, _ = _run(capsys, "check", P16, "-o", "queries.csv", "-f", "queries")
    assert code == 1
    assert "DAT001" in (tmp_path / "queries.csv").read_text()


def test_several_outputs_from_one_pass_and_one_summary_line(capsys, tmp_path) -> None:
    code, out, err = _run(
        capsys, "check", P01, P02, "-o", "r.json", "-o", "deviations.csv", "-o", "t.xml"
    )
    assert code == 1 and out == ""
    report = json.loads((tmp_path / "r.json").read_text())
    assert [p["patient_id"] for p in report["patients"]] == ["P01", "P02"]
    rows = (tmp_path / "deviations.csv").read_text().splitlines()
    assert len(rows) == 2 and ",P02,1,TRT001," in rows[1]  # the header and P02's deviation
    assert 'tests="' in (tmp_path / "t.xml").read_text()
    assert err.splitlines() == [
        "tacecheck: 2 patients; 1 with findings not met; 0 records with input errors; "
        "wrote r.json (json), deviations.csv (csv), t.xml (junit)"
    ]


def test_the_same_output_twice_is_refused(capsys) -> None:
    code, _, err = _run(capsys, "check", P01, "-o", "r.json", "-o", "./r.json")
    assert code == 2 and "given twice" in err


def test_select_and_ignore_codes_and_families(capsys) -> None:
    code, out, _ = _run(capsys, "check", "-f", "json", "--select", "TRT", P02)
    rules = {f["rule"] for f in json.loads(out)["patients"][0]["findings"]}
    assert rules == {"TRT001", "TRT002"} and code == 1
    code, out, _ = _run(capsys, "check", "-f", "json", "--ignore", "TRT001", P02)
    rules = {f["rule"] for f in json.loads(out)["patients"][0]["findings"]}
    assert code == 0 and "TRT001" not in rules and "ELG001" in rules
    # a family id from the pack, and a comma-separated list
    code, out, _ = _run(capsys, "check", "-f", "json", "--select", "dosing,ELG001", P02)
    rules = {f["rule"] for f in json.loads(out)["patients"][0]["findings"]}
    assert code == 0 and rules == {"DOS001", "DOS002", "DOS003", "DOS004", "ELG001"}
    err = _usage(capsys, "check", "--select", "XYZ", P02)
    assert "--select XYZ: no such rule or family in tamai-2017" in err


def test_fail_on(capsys) -> None:
    assert _run(capsys, "check", "-q", P06)[0] == 1  # the contract: anything not met
    assert _run(capsys, "check", "-q", "--fail-on", "important", P06)[0] == 0
    assert _run(capsys, "check", "-q", "--fail-on", "important", P02)[0] == 1
    ineligible = str(EXAMPLES / "p22-resectable.json")
    assert _run(capsys, "check", "-q", "--fail-on", "important", ineligible)[0] == 1
    assert _run(capsys, "check", "-q", "--fail-on", "none", P02)[0] == 0


def test_fail_on_none_still_exits_2_for_an_input_error(capsys, tmp_path) -> None:
    (tmp_path / "bad.json").write_text("{")
    assert _run(capsys, "check", "-q", "--fail-on", "none", "bad.json")[0] == 2


def test_per_site_summary_and_site_filter(capsys) -> None:
    code, out, _ = _run(capsys, "check", "-f", "json", P01, P02, P16)
    sites = json.loads(out)["summary"]["sites"]
    # P01 2011-12-29..2012-06-30 is 184 days, P02 2012-03-27..2012-10-15 is 202 days:
    # one deviation over 386 / 30.4375 months.
    assert sites["JP-OSK-01"] == {
        "patients": 2,
        "eligible": 2,
        "important_deviations": 1,
        "deviations_per_patient_month": round(30.4375 / 386, 4),
        "open_queries": 0,
        "new": None,
        "resolved": None,
    }
    assert sites["JP-KYT-02"]["open_queries"] == 1  # P16's duplicate TACE date
    assert sites["JP-KYT-02"]["deviations_per_patient_month"] == 0.0
    code, out, _ = _run(capsys, "check", "-f", "json", "--site", "JP-KYT-02", P01, P02, P16)
    assert code == 1  # P16's query
    report = json.loads(out)
    assert [p["patient_id"] for p in report["patients"]] == ["P16"]
    assert report["summary"]["filtered_out"] == 2 and list(report["summary"]["sites"]) == [
        "JP-KYT-02"
    ]


def test_every_report_carries_its_provenance(capsys) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    code, out, _ = _run(capsys, "check", "-f", "json", "--as-of", "2014-03-31", P01)
    run = json.loads(out)["run"]
    assert run["pack"] == {"id": "tamai-2017", "version": "1"}
    assert run["tool_version"] == "0.1.0"
    at = datetime.strptime(run["run_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert before <= at <= datetime.now(UTC)
    assert run["as_of_rule"] == (
        "each record as of the earlier of --as-of 2014-03-31 and its data cut-off"
    )
    code, out, _ = _run(capsys, "check", "-f", "jsonl", P01)
    assert code == 0
    last = json.loads(out.splitlines()[-1])
    assert last["run"]["as_of_rule"] == "each record as of its data cut-off, else today"
    assert last["summary"]["run"] == last["run"]


def test_examples_are_written_and_never_over_a_file(capsys, tmp_path) -> None:
    code, out, _ = _run(capsys, "examples", "ex")
    written = sorted(path.name for path in (tmp_path / "ex").iterdir())
    assert code == 0 and written == sorted(path.name for path in EXAMPLES.glob("*.json"))
    assert (tmp_path / "ex" / "p02-late-start.json").read_bytes() == Path(P02).read_bytes()
    (tmp_path / "ex" / "p02-late-start.json").write_text("mine")
    code, _, err = _run(capsys, "examples", "ex")
    assert code == 2 and "already exists" in err
    assert (tmp_path / "ex" / "p02-late-start.json").read_text() == "mine"
    shutil.rmtree(tmp_path / "ex")
    _run(capsys, "examples", "ex")
    code, out, _ = _run(capsys, "check", "-q", "-f", "json", "ex")
    assert len(json.loads(out)["patients"]) == len(written) and json.loads(out)["errors"] == []


def test_hide_values_help_points_to_the_readme(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "--hide-values leave submitted values out of the report (see README)" in help_text


def test_text_shows_what_needs_attention_and_verbose_shows_every_finding(capsys) -> None:
    # P02: TRT001 is the one finding not met; the sorafenib-arm rules met are ELG001-ELG004,
    # TRT002, DOS001, DOS002, DOS004 and DAT001-DAT005; DOS003, AE001-AE003 and DAT006 are
    # not applicable (no reduction, no adverse events).
    _, brief, _ = _run(capsys, "check", "--color", "never", P02)
    lines = brief.splitlines()
    assert any(line.lstrip().startswith("TRT001 DEVIATION") for line in lines)
    met = next(line for line in lines if line.lstrip().startswith("met: "))
    assert met.split()[1:] == [
        "ELG001", "ELG002", "ELG003", "ELG004", "TRT002", "DOS001", "DOS002", "DOS004",
        "DAT001", "DAT002", "DAT003", "DAT004", "DAT005",
    ]  # fmt: skip
    na = next(line for line in lines if line.lstrip().startswith("n/a: "))
    assert na.split()[1:] == ["DOS003", "AE001", "AE002", "AE003", "DAT006"]
    assert "Diagnosis is hepatocellular carcinoma" not in brief
    _, verbose, _ = _run(capsys, "check", "--color", "never", "-v", P02)
    assert "ELG001 met" in verbose and "Diagnosis is hepatocellular carcinoma" in verbose
    assert not any(line.lstrip().startswith("met: ") for line in verbose.splitlines())


def test_examples_integrations_give_a_pip_user_the_redcap_project_and_its_export(
    capsys, tmp_path
) -> None:
    code, out, _ = _run(capsys, "examples", "mine", "--integrations")
    redcap = tmp_path / "mine" / "integrations" / "redcap"
    assert code == 0 and (redcap / "tamai_data_dictionary.csv").is_file()
    shipped = ROOT / "integrations" / "redcap" / "tamai_mapping.yaml"
    assert (redcap / "tamai_mapping.yaml").read_bytes() == shipped.read_bytes()
    # The command it suggests works: the 20 exported patients are all checked.
    suggested = out.splitlines()[-1].removeprefix("try: tacecheck ").split()
    code, report, _ = _run(capsys, *suggested, "-q", "-f", "json")
    assert code in (0, 1) and len(json.loads(report)["patients"]) == 20
    code, _, err = _run(capsys, "examples", "mine", "--integrations")
    assert code == 2 and "already exists" in err


def test_a_site_no_record_has_is_an_error_not_a_clean_run(capsys) -> None:
    # The examples' sites are JP-...; "JP-OSK-1" (a typo for JP-OSK-01) matches none of them.
    code, _, err = _run(capsys, "check", "-q", "--site", "JP-OSK-1", str(EXAMPLES))
    assert code == 2 and "no record has site_id 'JP-OSK-1'" in err


def test_the_baseline_and_the_configuration_are_never_written_over(capsys, tmp_path) -> None:
    code, _, _ = _run(capsys, "check", "-q", P02, "-o", "week1.json")
    before = (tmp_path / "week1.json").read_bytes()
    code, _, err = _run(capsys, "check", "-q", P02, "--baseline", "week1.json", "-o", "week1.json")
    assert code == 2 and "also an input" in err
    assert (tmp_path / "week1.json").read_bytes() == before
    (tmp_path / "tacecheck.toml").write_text('fail-on = "important"\n', encoding="utf-8")
    code, _, err = _run(capsys, "check", "-q", P02, "-o", "tacecheck.toml", "-f", "text")
    assert code == 2 and "also an input" in err
    assert (tmp_path / "tacecheck.toml").read_text(encoding="utf-8") == 'fail-on = "important"\n'


def test_integrations_are_copied_from_a_package_installed_under_a_hidden_folder(
    tmp_path,
) -> None:
    # A virtual environment is often .venv: the files below the package are not hidden.
    installed = tmp_path / ".venv" / "site-packages" / "protocol" / "_data" / "integrations"
    shutil.copytree(ROOT / "integrations", installed)
    written = write_integrations(tmp_path / "out", source=installed)
    shipped = [p for p in (ROOT / "integrations").rglob("*") if p.is_file()]
    assert len(written) == len(shipped) > 0
    assert (tmp_path / "out" / "integrations" / "redcap" / "tamai_mapping.yaml").is_file()


@pytest.mark.parametrize("codes", ["", " , "])
def test_an_empty_select_is_refused_not_read_as_everything(capsys, codes: str) -> None:
    message = _usage(capsys, "check", P02, "--select", codes)
    assert "--select: give at least one rule code or family" in message


def test_a_second_format_is_refused_not_silently_kept(capsys) -> None:
    message = _usage(capsys, "check", P02, "-f", "text", "-f", "json")
    assert "-f: given twice" in message and "-o FILE per report" in message
