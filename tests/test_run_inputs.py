"""The file system is never silent, memory stays bounded, stdin reads like the file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from protocol.records.sources import read_raw

ROOT = Path(__file__).resolve().parent.parent
TACECHECK = str(Path(sys.executable).with_name("tacecheck"))
P01 = ROOT / "examples" / "p01-on-time.json"


def _tacecheck(*args: str, cwd: Path | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [TACECHECK, *args], capture_output=True, timeout=120, cwd=cwd, check=False, **kwargs
    )


def _report(done: subprocess.CompletedProcess) -> dict:
    assert b"Traceback" not in done.stderr, done.stderr.decode()
    return json.loads(done.stdout)


def test_a_pretty_record_with_a_utf8_bom_on_stdin_reads_as_the_file_does() -> None:
    pretty = b"\xef\xbb\xbf" + P01.read_bytes()
    done = _tacecheck("check", "--format", "json", "-", input=pretty)
    report = _report(done)
    assert report["errors"] == []
    assert [p["patient_id"] for p in report["patients"]] == ["P01"]
    assert done.returncode == 0


def test_an_empty_path_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "p.json").write_bytes(P01.read_bytes())
    done = _tacecheck("check", "", cwd=tmp_path)
    assert done.returncode == 2
    assert b"empty path" in done.stderr
    assert b"P01" not in done.stdout  # the folder was not searched


def test_a_file_name_that_is_not_utf8_is_read_and_shown_escaped(tmp_path: Path) -> None:
    name = os.fsdecode(b"caf\xe9.json")
    (tmp_path / name).write_bytes(P01.read_bytes())
    done = _tacecheck("check", "--format", "json", str(tmp_path))
    report = _report(done)
    assert [p["patient_id"] for p in report["patients"]] == ["P01"]
    assert done.returncode == 0
    missing = os.fsencode(tmp_path) + b"/missing\xff.json"
    done = subprocess.run([TACECHECK, "check", "--format", "json", missing], capture_output=True)
    assert done.stdout == b""  # a path error goes to stderr, not into a report
    assert done.stderr.decode() == (
        f"tacecheck: {tmp_path}/missing\\xff.json: no such file or folder; nothing was checked\n"
    )
    assert done.returncode == 2


def test_special_entries_in_a_folder_are_each_reported(tmp_path: Path) -> None:
    (tmp_path / "good.json").write_bytes(P01.read_bytes())
    (tmp_path / "dangling.json").symlink_to(tmp_path / "nowhere.json")
    (tmp_path / "loop.json").symlink_to(tmp_path / "loop.json")
    os.mkfifo(tmp_path / "pipe.json")  # must not block the run
    (tmp_path / "old.json.gz").write_bytes(b"\x1f\x8b\x08\x00")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "back").symlink_to(tmp_path)  # a folder loop
    done = _tacecheck("check", "--format", "json", ".", cwd=tmp_path)
    report = _report(done)
    assert [p["patient_id"] for p in report["patients"]] == ["P01"]
    errors = {e["source"]: e["message"] for e in report["errors"]}
    assert set(errors) == {
        "dangling.json",
        "loop.json",
        "old.json.gz",
        "pipe.json",
        "sub/back",
    }
    assert "broken symbolic link" in errors["dangling.json"]
    assert "loop" in errors["loop.json"] and "loop" in errors["sub/back"]
    assert "FIFO" in errors["pipe.json"]
    assert "decompress" in errors["old.json.gz"]
    assert done.returncode == 2


# Root reads every folder, so the command runs as uid 65534. The interpreter lives under
# /root (mode 700), so it starts as root, imports what the run needs, then drops to nobody
# and runs the command line's own main() (a first run, as root, loads every module).
AS_NOBODY = (
    "import os, sys, protocol.cli;"
    f"protocol.cli.main(['check', '-q', '--format', 'json', '-o', os.devnull, {str(P01)!r}]);"
    "os.setgroups([]); os.setgid(65534); os.setuid(65534);"
    "sys.exit(protocol.cli.main(sys.argv[1:]))"
)


def test_unreadable_places_are_input_errors_not_tracebacks() -> None:
    import shutil
    import tempfile

    tmp_path = Path(tempfile.mkdtemp(prefix="tacecheck-perm-"))  # pytest's is 700: unreachable
    tmp_path.chmod(0o755)
    try:
        _check_as_nobody(tmp_path)
    finally:
        shutil.rmtree(tmp_path)


def _check_as_nobody(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "p.json").write_bytes(P01.read_bytes())
    open_ = tmp_path / "open"
    open_.mkdir()
    (open_ / "p.json").write_bytes(P01.read_bytes())
    (open_ / "hidden").mkdir()
    (open_ / "hidden" / "q.json").write_bytes(P01.read_bytes())
    locked.chmod(0o700)  # owned by root: uid 65534 may not look inside
    (open_ / "hidden").chmod(0o700)
    args = ["check", "--format", "json", str(locked / "p.json"), str(open_)]
    done = subprocess.run(
        [sys.executable, "-c", AS_NOBODY, *args], capture_output=True, timeout=120, cwd="/"
    )
    report = _report(done)
    errors = {e["source"]: e["message"] for e in report["errors"]}
    assert "Permission denied" in errors[str(locked / "p.json")]
    assert "cannot read folder" in errors[str(open_ / "hidden")]
    assert [p["patient_id"] for p in report["patients"]] == ["P01"]
    assert done.returncode == 2


def test_an_explicit_pipe_is_read_as_a_stream(tmp_path: Path) -> None:
    script = f"exec {TACECHECK} check --format json <(cat {P01})"
    done = subprocess.run(["bash", "-c", script], capture_output=True, timeout=120, check=False)
    report = _report(done)
    assert [p["patient_id"] for p in report["patients"]] == ["P01"]
    assert done.returncode == 0


def test_an_oversized_line_is_refused_without_holding_it(tmp_path: Path) -> None:
    # 20 MB with no newline, limit 1 MB: before, the whole line was held (20 MB and more).
    big = tmp_path / "big.jsonl"
    with big.open("wb") as out:
        for _ in range(20):
            out.write(b"x" * 1_000_000)
        out.write(b"\n" + json.dumps({"patient_id": "P2"}).encode() + b"\n")
    tracemalloc.start()
    try:
        raws = list(read_raw([big], max_bytes=1_000_000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000
    assert [r.source for r in raws] == [f"{big}:1", f"{big}:2"]
    assert raws[0].error is not None and "20,000,001 bytes" in raws[0].error.message
    assert raws[1].raw == json.dumps({"patient_id": "P2"}).encode() + b"\n"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.binary(max_size=30).map(lambda b: b.replace(b"\n", b"")), max_size=8),
    st.integers(min_value=1, max_value=40),
)
def test_property_lines_are_kept_whole_or_refused_by_size(lines, limit) -> None:
    import tempfile

    data = b"".join(line + b"\n" for line in lines)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "r.jsonl"
        path.write_bytes(data)
        raws = list(read_raw([path], max_bytes=limit))
    expected = [
        (f"{path}:{n}", line + b"\n")
        for n, line in enumerate(lines, start=1)
        if (line + b"\n").strip() or len(line) + 1 > limit
    ]
    got = [(r.source, r.raw if r.error is None else None) for r in raws if r.source != str(path)]
    assert got == [(s, raw if len(raw) <= limit else None) for s, raw in expected]


def test_workers_are_capped_with_a_message() -> None:
    done = _tacecheck("check", "--workers", "1000", "-q", str(P01))
    assert done.returncode == 0
    cpus = len(os.sched_getaffinity(0))
    assert f"--workers 1000 is more than the {cpus} CPUs here; using {cpus}".encode() in (
        done.stderr
    )


def test_a_file_named_twice_is_read_once_and_the_user_told(tmp_path: Path) -> None:
    folder = tmp_path / "ex"
    folder.mkdir()
    for name in ("p01-on-time.json", "p05-overdose.json"):
        (folder / name).write_bytes((ROOT / "examples" / name).read_bytes())
    once = _report(_tacecheck("check", "--format", "json", "ex/", cwd=tmp_path))
    # The folder twice, and one of its files again: still two patients, no duplicate.
    done = _tacecheck("check", "--format", "json", "ex/", "ex", "ex/p01-on-time.json", cwd=tmp_path)
    twice = _report(done)
    assert [p["patient_id"] for p in twice["patients"]] == ["P01", "P05"]
    assert twice["errors"] == once["errors"] == []
    for report in (once, twice):
        del report["summary"]["run"]["run_at"]  # the run's clock
    assert twice["summary"] == once["summary"]
    said = done.stderr.decode()
    assert "3 files were named more than once; each was read once:" in said
    assert "ex/p01-on-time.json" in said and "ex/p05-overdose.json" in said


def test_read_raw_tells_of_each_repeat_where_it_was_first_read(tmp_path: Path) -> None:
    (tmp_path / "p.json").write_bytes(P01.read_bytes())
    (tmp_path / "link.json").symlink_to(tmp_path / "p.json")  # the same file by another name
    told: list[tuple[str, str]] = []
    raws = list(
        read_raw([tmp_path / "p.json", tmp_path / "link.json"], repeated=lambda *t: told.append(t))
    )
    assert len(raws) == 1
    assert told == [(str(tmp_path / "link.json"), str(tmp_path / "p.json"))]


def test_a_folder_rewritten_while_it_is_read_loses_no_file(tmp_path: Path) -> None:
    # An exporter replacing each file (write, then rename) frees its old inode, which the
    # file system may give to the next new file: a file is known by its path, not its inode.
    record = P01.read_text()
    for n in (1, 2, 3):
        (tmp_path / f"p{n}.json").write_text(record.replace('"P01"', f'"P0{n}"'))

    def rewrite(name: str) -> None:
        (tmp_path / f"{name}.tmp").write_text((tmp_path / name).read_text())
        os.replace(tmp_path / f"{name}.tmp", tmp_path / name)

    told: list[tuple[str, str]] = []
    raws = read_raw([tmp_path], repeated=lambda *t: told.append(t))
    sources = [next(raws).source]
    rewrite("p1.json")
    rewrite("p2.json")
    sources += [raw.source for raw in raws]
    assert sources == [str(tmp_path / f"p{n}.json") for n in (1, 2, 3)]
    assert told == []
