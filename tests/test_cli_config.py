"""Issue 10: the configuration file, [tool.tacecheck] in pyproject.toml or tacecheck.toml."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from protocol.cli import main
from protocol.config import find_config

ROOT = Path(__file__).resolve().parent.parent
P02 = str(ROOT / "examples" / "p02-late-start.json")  # TRT001 not met, important
P06 = str(ROOT / "examples" / "p06-ae-dose-reduction.json")  # only non-important / flags


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_found_from_a_sub_folder_upward(capsys, tmp_path, monkeypatch) -> None:
    (tmp_path / "tacecheck.toml").write_text(
        'select = ["TRT"]\nfail-on = "important"\nas-of = "2012-06-30"\nformat = "json"\n'
    )
    below = tmp_path / "site" / "batch"
    below.mkdir(parents=True)
    monkeypatch.chdir(below)
    assert find_config() == tmp_path / "tacecheck.toml"
    code, out, _ = _run(capsys, "check", P06)
    report = json.loads(out)  # format = "json"
    assert {f["rule"] for f in report["patients"][0]["findings"]} == {"TRT001", "TRT002"}
    assert report["as_of"] == "2012-06-30"
    assert code == 0  # fail-on important: P06 has no important deviation
    # the command line wins over the file
    code, out, _ = _run(capsys, "check", "-f", "csv", "--fail-on", "any", P06)
    assert out.lstrip("\ufeff").startswith("STUDYID,")


def test_pyproject_table_with_outputs_relative_to_the_file(capsys, tmp_path, monkeypatch) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "study"\n\n[tool.tacecheck]\noutput = ["out/r.json", "out/d.csv"]\n'
        'hide-values = true\nstudy-id = "TAMAI"\n'
    )
    (tmp_path / "out").mkdir()
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    code, out, err = _run(capsys, "check", P02)
    assert code == 1 and out == ""
    assert json.loads((tmp_path / "out" / "r.json").read_text())["patients"][0]["patient_id"] == (
        "P02"
    )
    rows = (tmp_path / "out" / "d.csv").read_text().lstrip("\ufeff").splitlines()
    assert rows[1].startswith("TAMAI,DV,")  # study-id from the file
    assert "d.csv (csv)" in err


def test_a_pyproject_without_the_table_is_passed_over(tmp_path, monkeypatch) -> None:
    (tmp_path / "tacecheck.toml").write_text('fail-on = "none"\n')
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "pyproject.toml").write_text('[project]\nname = "x"\n')
    monkeypatch.chdir(tmp_path / "sub")
    assert find_config() == tmp_path / "tacecheck.toml"


def test_an_unknown_key_is_an_error_naming_its_line(capsys, tmp_path, monkeypatch) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\ncolour = "red"\n\n[tool.tacecheck]\npack = "tamai-2017"\n'
        'colour = "never"\n'
    )
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, "check", P02)
    assert code == 2 and out == ""
    # line 7 is in [tool.tacecheck]; line 3's colour belongs to [project]
    assert err.startswith(f"tacecheck: {tmp_path / 'pyproject.toml'}:7: unknown key 'colour'")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('fail-on = "sometimes"\n', ":1: fail-on must be one of any, important, none"),
        ("\n\nhide-values = 1\n", ":3: hide-values must be true or false"),
        ('as-of = "2012-06"\n', ":1: as-of '2012-06': give a full date, YYYY-MM-DD"),
        ('select = "[TRT"\nignore = [1]\n', ":2: ignore must be a rule code or family"),
        ("select = [\n", "not valid TOML"),
    ],
)
def test_a_wrong_value_is_an_error_naming_its_line(
    capsys, tmp_path, monkeypatch, text: str, message: str
) -> None:
    (tmp_path / "tacecheck.toml").write_text(text)
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(capsys, "check", P02)
    assert code == 2 and message in err and "Traceback" not in err


def test_config_option_names_the_file(capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "other.toml").write_text('ignore = ["TRT001"]\n')
    assert _run(capsys, "check", "-q", P02)[0] == 1
    assert _run(capsys, "check", "--config", "other.toml", "-q", P02)[0] == 0
