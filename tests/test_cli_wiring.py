"""The service commands and the --from readers, wired into the tacecheck command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from protocol.cli import main

ROOT = Path(__file__).resolve().parent.parent
TACECHECK = str(Path(sys.executable).with_name("tacecheck"))
EXPORT = str(ROOT / "integrations" / "redcap" / "examples" / "tamai-20-patients.csv")
MAPPING = str(ROOT / "integrations" / "redcap" / "tamai_mapping.yaml")
SDTM = str(ROOT / "integrations" / "sdtm" / "examples" / "json")


def _tacecheck(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TACECHECK, *argv], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_service_commands_are_sub_commands(tmp_path) -> None:
    helped = _tacecheck("serve", "--help")
    assert helped.returncode == 0 and "usage: tacecheck serve" in helped.stdout
    assert "--port" in helped.stdout
    url = f"sqlite:///{tmp_path / 'study.db'}"
    upgraded = _tacecheck("db", "upgrade", "--db", url)
    assert upgraded.returncode == 0 and "revision none -> " in upgraded.stdout
    added = _tacecheck("user", "add", "alice", "--role", "monitor", "--db", url)
    assert added.returncode == 0
    assert added.stdout.splitlines()[0].startswith("user alice (monitor) added")
    assert len(added.stdout.splitlines()[1]) > 20  # the token, shown once
    again = _tacecheck("user", "add", "alice", "--role", "monitor", "--db", url)
    assert again.returncode == 2 and again.stderr.startswith("tacecheck: ")


def test_redcap_export_is_checked(capsys) -> None:
    code = main(["check", "-q", "-f", "json", "--from", "redcap", EXPORT, "--mapping", MAPPING])
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and report["errors"] == []
    ids = [p["patient_id"] for p in report["patients"]]
    assert len(ids) == 20 and ids[:2] == ["P01", "P02"]
    assert report["patients"][0]["source"].endswith("tamai-20-patients.csv record P01")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--from", "redcap", EXPORT], "--from redcap needs --mapping FILE"),
        (["--mapping", MAPPING, EXPORT], "--mapping is for --from redcap, sdtm, fhir, not json"),
        (["--from", "redcap", "--mapping", MAPPING, "-"], "cannot read standard input"),
    ],
)
def test_redcap_usage_errors_exit_2(capsys, argv: list[str], message: str) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["check", *argv])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: tacecheck check") and message in err


def test_a_bad_mapping_is_one_line_per_problem(capsys, tmp_path) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("version: 1\n")
    code = main(["check", "--from", "redcap", EXPORT, "--mapping", str(mapping)])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    lines = captured.err.splitlines()
    assert f"{mapping}: (top level): 'record' is a required property" in lines
    assert all(line.startswith(f"{mapping}: ") for line in lines)


def test_sdtm_folder_is_checked(capsys) -> None:
    code = main(["check", "-q", "-f", "json", "--from", "sdtm", SDTM])
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and report["errors"] == []
    assert [p["patient_id"] for p in report["patients"]][:3] == ["P01", "P02", "P03"]


def test_fhir_bundle_is_checked(capsys) -> None:
    bundle = str(ROOT / "integrations" / "fhir" / "examples" / "bundle.json")
    code = main(["check", "-q", "-f", "json", "--from", "fhir", bundle])
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and report["errors"] == []
    assert [p["patient_id"] for p in report["patients"]][:2] == ["P01", "P02"]
