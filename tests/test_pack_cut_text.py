"""Pack texts cut at ' #' (issue 10): YAML reads ' #...' after a plain scalar as a comment.

``checks: TACE #2 exists`` is the text "TACE". The loader refuses such a line, naming the
file and the line, and the bundled pack's texts are whole.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from protocol._resources import rules_dir
from protocol.packs import PackError, load_pack, load_pack_folder


def test_bundled_texts_are_whole() -> None:
    pack = load_pack("tamai-2017")
    docs = {rule.code: rule.doc for rule in pack.rules}
    assert docs["ELG004"]["checks"] == (
        "TACE #2 exists and is on or after the progression date; pending while it has not happened."
    )
    assert docs["TRT001"]["why"] == (
        "Early induction, within 3 weeks of TACE #2, is the intervention under study."
    )
    assert docs["ELG002"]["checks"] == "At least one TACE is recorded; the earliest is TACE #1."
    assert pack.parameters["start_window_first_day"].unit == "days after TACE #2"
    assert pack.parameters["control_interval_months"].description == (
        "A control's TACE #3 must be less than this many calendar months after TACE #2 (CTL002)."
    )


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "pack"
    shutil.copytree(rules_dir() / "tamai-2017", folder)
    return folder


def _replace_line(path: Path, old: str, new: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines) if line.strip() == old)
    indent = lines[number][: len(lines[number]) - len(lines[number].lstrip())]
    lines[number] = indent + new + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    return number + 1


def test_a_plain_text_followed_by_a_comment_is_refused_with_file_and_line(
    tmp_path: Path,
) -> None:
    folder = _copy(tmp_path)
    target = folder / "eligibility.yaml"
    line = _replace_line(
        target,
        "checks: 'TACE #2 exists and is on or after the progression date; pending while it has"
        " not happened.'",
        "checks: TACE #2 exists and is on or after the progression date.",
    )
    with pytest.raises(PackError) as caught:
        load_pack_folder(folder)
    error = caught.value
    assert (error.file, error.line) == (target, line)
    assert str(error).startswith(f"{target}:{line}: this text is cut at ' #'")
    assert "YAML reads the rest ('#2 exists and is on or after the progres') as a comment" in str(
        error
    )
    assert str(error).endswith("keeps only 'TACE'; quote it")


def test_the_manifest_is_checked_too(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    line = _replace_line(
        folder / "pack.yaml", "unit: 'days after TACE #2'", "unit: days after TACE #2"
    )
    with pytest.raises(PackError) as caught:
        load_pack_folder(folder)
    assert (caught.value.file, caught.value.line) == (folder / "pack.yaml", line)


def test_quoted_texts_and_numbers_with_comments_are_fine(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _replace_line(folder / "pack.yaml", "value: 21", "value: 21  # day 21 is the last")
    _replace_line(
        folder / "eligibility.yaml",
        "checks: 'At least one TACE is recorded; the earliest is TACE #1.'",
        'checks: "At least one TACE is recorded; the earliest is TACE #1."  # quoted: whole',
    )
    pack = load_pack_folder(folder)
    assert pack.params["start_window_last_day"] == 21
    (elg002,) = [r for r in pack.rules if r.code == "ELG002"]
    assert elg002.doc["checks"] == "At least one TACE is recorded; the earliest is TACE #1."
