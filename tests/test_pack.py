"""The protocol pack: complete, documented, in step with PROTOCOL.md, and strict about mistakes."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from protocol.cli import main
from protocol.packs import Pack, PackError, load_pack_folder

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "docs" / "PROTOCOL.md"
SHARED = ROOT.parent / "shared" / "PROTOCOL.md"
ROW = re.compile(r"^\| ((?:ELG|TRT|DOS|AE|CTL|DAT)\d{3}) \| ([a-z0-9-]+) \|(.*)$")


def _catalogue() -> dict[str, tuple[str, str]]:
    """Code -> (name, the rest of the table row) from the contract's rule tables."""
    text = (SHARED if SHARED.is_file() else SNAPSHOT).read_text(encoding="utf-8")
    rows = {}
    for line in text.splitlines():
        match = ROW.match(line)
        if match:
            rows[match[1]] = (match[2], match[3])
    return rows


def test_snapshot_of_the_contract_is_current() -> None:
    if SHARED.is_file():
        assert SNAPSHOT.read_text() == SHARED.read_text(), "refresh docs/PROTOCOL.md"
    assert len(_catalogue()) == 21


def test_pack_and_contract_have_the_same_codes_and_names(pack: Pack) -> None:
    catalogue = _catalogue()
    assert {r.code: r.name for r in pack.rules} == {c: v[0] for c, v in catalogue.items()}


def test_kinds_and_importance_follow_the_contract(pack: Pack) -> None:
    for code, (_name, rest) in _catalogue().items():
        rule = pack.rule(code)
        if code.startswith("DAT"):
            assert rule.kind == "data"
            continue
        cells = [c.strip() for c in rest.split("|")]
        kind = cells[0]
        assert kind.startswith(rule.kind), (code, kind, rule.kind)
        if rule.kind == "deviation":
            assert kind == f"deviation, {rule.importance}", code
        else:
            assert rule.importance is None


def test_cohorts_follow_the_contract(pack: Pack) -> None:
    for rule in pack.rules:
        if rule.code.startswith("CTL"):
            assert rule.cohorts == ("tace_alone_control",)
        elif rule.code.startswith("DAT"):
            assert set(rule.cohorts) == {"sorafenib_after_tace", "tace_alone_control"}
        else:
            assert rule.cohorts == ("sorafenib_after_tace",)


def test_every_rule_is_documented_with_messages(pack: Pack) -> None:
    for rule in pack.rules:
        for section in ("checks", "why", "conforming", "deviating"):
            assert rule.doc.get(section, "").strip(), f"{rule.code} lacks doc {section}"
        assert rule.protocol_ref.strip(), rule.code
        for outcome in (*rule.outcomes, rule.otherwise):
            assert outcome.message.strip(), f"{rule.code} outcome {outcome.index} has no message"


def test_every_parameter_has_a_rationale(pack: Pack) -> None:
    for parameter in pack.parameters.values():
        assert parameter.description.strip() and parameter.rationale.strip(), parameter.name


@pytest.mark.parametrize(
    "code",
    [
        f"{p}{n:03d}"
        for p, k in [("ELG", 4), ("TRT", 2), ("DOS", 4), ("AE", 3), ("CTL", 2), ("DAT", 6)]
        for n in range(1, k + 1)
    ],
)
def test_explain_answers_for_every_code(code: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", code.lower()]) == 0
    out = capsys.readouterr().out
    assert out.startswith(code)
    for title in (
        "What it checks:",
        "Why it matters:",
        "Conforming example:",
        "Deviating example:",
        "Outcomes, tried in order:",
    ):
        assert title in out


def test_explain_lists_the_parameters_a_rule_uses(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "TRT001"]) == 0
    out = capsys.readouterr().out
    assert "start_window_last_day = 21" in out and "start_window_first_day = 0" in out


def test_explain_unknown_code_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "XYZ999"]) == 2
    assert "no rule 'XYZ999'" in capsys.readouterr().err


def test_rules_lists_the_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    assert all(code in out for code in _catalogue())


def _broken(tmp_path: Path, file: str, old: str, new: str) -> Path:
    folder = tmp_path / "pack"
    shutil.copytree(ROOT / "rules" / "tamai-2017", folder)
    path = folder / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return folder


def _line_of(folder: Path, file: str, fragment: str) -> int:
    lines = (folder / file).read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if fragment in line)


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "sorafenib_start.yaml",
            '"day_min >= $start_window_first_day"',
            '"day_minimum >= $start_window_first_day"',
            "does not measure",
        ),
        (
            "sorafenib_start.yaml",
            '"day_max <= $start_window_last_day"',
            '"day_max <= $start_window_lst_day"',
            "unknown parameter",
        ),
        ("dosing.yaml", "daily_dose > $max_daily_dose_mg", "daily_dose >>> 800", "cannot read"),
        (
            "adverse_events.yaml",
            'message: "Safety flag: {term}',
            'message: "Safety flag: {term.__class__}',
            "only plain names",
        ),
        (
            "adverse_events.yaml",
            'message: "Safety flag: {term}',
            'message: "Safety flag: {trem}',
            "trem",
        ),
    ],
)
def test_a_pack_mistake_names_the_file_and_line(
    tmp_path: Path, file: str, old: str, new: str, message: str
) -> None:
    folder = _broken(tmp_path, file, old, new)
    with pytest.raises(PackError) as caught:
        load_pack_folder(folder)
    error = caught.value
    assert error.file == folder / file
    assert message in str(error)
    fragment = new.split('"')[1] if new.startswith('"') else new[:20]
    assert error.line == _line_of(folder, file, fragment.split("{")[0] or new), str(error)


def test_a_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    folder = _broken(
        tmp_path, "control_arm.yaml", "    kind: eligibility\n", "    kind: [eligibility\n"
    )
    with pytest.raises(PackError) as caught:
        load_pack_folder(folder)
    assert caught.value.file == folder / "control_arm.yaml"
    assert "not valid YAML" in str(caught.value) and caught.value.line is not None


def test_a_schema_violation_names_the_rule_line(tmp_path: Path) -> None:
    folder = _broken(
        tmp_path, "control_arm.yaml", "    kind: eligibility\n", "    kind: eligible\n"
    )
    with pytest.raises(PackError) as caught:
        load_pack_folder(folder)
    assert caught.value.line == _line_of(folder, "control_arm.yaml", "kind: eligible")
    assert "'eligible' is not one of" in str(caught.value)


def test_a_duplicate_code_is_refused(tmp_path: Path) -> None:
    folder = _broken(tmp_path, "control_arm.yaml", "code: CTL002", "code: CTL001")
    with pytest.raises(PackError, match="CTL001 is also defined"):
        load_pack_folder(folder)


def test_pack_errors_reach_the_cli_as_exit_2(tmp_path: Path, capsys) -> None:
    folder = _broken(tmp_path, "dosing.yaml", "daily_dose > $max_daily_dose_mg", "dose >>> 1")
    assert main(["--pack", str(folder), "check", str(ROOT / "examples")]) == 2
    err = capsys.readouterr().err
    assert "dosing.yaml:" in err and "Traceback" not in err
