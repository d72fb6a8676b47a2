"""``-o`` and standard output: nothing is destroyed, and every write error is one line, exit 2."""

from __future__ import annotations

import os
import resource
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TACECHECK = str(Path(sys.executable).with_name("tacecheck"))
EXAMPLES = ROOT / "examples"
P01 = EXAMPLES / "p01-on-time.json"  # nothing not met: exit 0 when all goes well


def _tacecheck(*args: str, cwd: Path | None = None, **kwargs) -> subprocess.CompletedProcess[str]:
    if "stdout" not in kwargs:
        kwargs["capture_output"] = True
    return subprocess.run(
        [TACECHECK, *args], text=True, timeout=120, cwd=cwd, check=False, **kwargs
    )


def _one_line_error(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    for word in words:
        assert word in lines[0]


def test_output_that_is_an_input_is_refused_and_the_record_kept(tmp_path: Path) -> None:
    record = tmp_path / "p.json"
    record.write_bytes(P01.read_bytes())
    done = _tacecheck("check", "p.json", "-o", "p.json", cwd=tmp_path)
    _one_line_error(done, "p.json", "input")
    assert record.read_bytes() == P01.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.json"]


def test_output_through_another_name_of_an_input_is_refused(tmp_path: Path) -> None:
    record = tmp_path / "p.json"
    record.write_bytes(P01.read_bytes())
    os.link(record, tmp_path / "hard.json")
    done = _tacecheck("check", "p.json", "-o", "hard.json", cwd=tmp_path)
    _one_line_error(done, "hard.json")
    assert record.read_bytes() == P01.read_bytes()


def test_output_inside_a_folder_being_checked_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "p.json").write_bytes(P01.read_bytes())
    done = _tacecheck("check", "records", "-o", "records/sub/../report.json", cwd=tmp_path)
    _one_line_error(done, "records", "folder being checked")
    assert sorted(p.name for p in folder.iterdir()) == ["p.json"]


def test_an_existing_folder_as_output_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    done = _tacecheck("check", str(P01), "-o", "out", cwd=tmp_path)
    _one_line_error(done, "out", "folder")
    assert list((tmp_path / "out").iterdir()) == []


def test_an_empty_output_name_is_refused(tmp_path: Path) -> None:
    done = _tacecheck("check", str(P01), "-o", "", cwd=tmp_path)
    _one_line_error(done)
    assert list(tmp_path.iterdir()) == []


def test_a_fifo_is_written_to_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader waits: the write won't block
    try:
        done = _tacecheck("check", str(P01), "-o", str(fifo))
        received = os.read(reader, 1 << 16)
    finally:
        os.close(reader)
    assert done.returncode == 0, done.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert received.startswith(b"tacecheck - protocol tamai-2017 v1")
    assert b"P01" in received
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.fifo"]


def test_a_device_like_dev_null_is_written_to_not_replaced(tmp_path: Path) -> None:
    null = tmp_path / "null"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # the same device as /dev/null
    done = _tacecheck("check", str(P01), "-o", str(null))
    assert done.returncode == 0, done.stderr
    assert stat.S_ISCHR(os.lstat(null).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


def test_a_symlink_is_kept_and_its_target_replaced(tmp_path: Path) -> None:
    (tmp_path / "old.txt").write_text("an earlier report\n")
    (tmp_path / "link.txt").symlink_to("old.txt")
    done = _tacecheck("check", str(P01), "-o", "link.txt", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert os.readlink(tmp_path / "link.txt") == "old.txt"
    assert (tmp_path / "old.txt").read_text().startswith("tacecheck - protocol tamai-2017 v1")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.txt", "old.txt"]


def test_the_temporary_file_never_takes_a_users_file(tmp_path: Path) -> None:
    # The old fixed name `.report.txt.partial` was overwritten, then deleted.
    mine = tmp_path / ".report.txt.partial"
    mine.write_text("mine\n")
    done = _tacecheck("check", str(P01), "-o", "report.txt", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert mine.read_text() == "mine\n"
    assert (tmp_path / "report.txt").read_text().startswith("tacecheck - protocol")


def test_sigterm_removes_the_temporary_file(tmp_path: Path) -> None:
    (tmp_path / "report.txt").write_text("the report of yesterday\n")
    run = subprocess.Popen(
        [TACECHECK, "check", "-", "-o", "report.txt"],
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while len(list(tmp_path.iterdir())) < 2:  # the temporary file appears
            assert time.monotonic() < deadline, "no temporary file"
            time.sleep(0.02)
        run.send_signal(signal.SIGTERM)
        _, err = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    assert b"Traceback" not in err
    assert run.returncode != 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.txt"]
    assert (tmp_path / "report.txt").read_text() == "the report of yesterday\n"


def test_a_full_disk_is_one_line_and_exit_2(tmp_path: Path) -> None:
    disk = tmp_path / "small"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)])
    assert mounted.returncode == 0, "this test mounts a 64 KiB tmpfs (run as root)"
    try:
        # The JSON report of the examples is about 200 kB: it cannot fit in 64 KiB.
        done = _tacecheck("check", "--format", "json", str(EXAMPLES), "-o", str(disk / "r.json"))
        _one_line_error(done, "No space left on device", "r.json")
        assert list(disk.iterdir()) == []  # no half report, no temporary file
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def test_dev_full_as_stdout_is_one_line_and_exit_2() -> None:
    with open("/dev/full", "w") as full:
        done = _tacecheck("check", str(P01), stdout=full, stderr=subprocess.PIPE)
    _one_line_error(done, "No space left on device", "standard output")


def _small_files() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000))


def test_a_file_size_limit_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = _tacecheck("check", str(P01), "-o", "r.txt", cwd=tmp_path, preexec_fn=_small_files)
    _one_line_error(done, "File too large", "r.txt")
    assert list(tmp_path.iterdir()) == []


def test_a_broken_pipe_is_one_line_and_exit_2() -> None:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before anything is written (`| head -0`)
    try:
        done = _tacecheck("check", str(EXAMPLES), stdout=write, stderr=subprocess.PIPE)
    finally:
        os.close(write)
    _one_line_error(done, "Broken pipe")


def test_a_reader_leaving_early_gives_exit_2() -> None:
    # The JSON report of the examples (about 200 kB) outgrows the pipe's 64 KiB buffer.
    pipeline = f"{TACECHECK} check --format json {EXAMPLES} | head -c 1; exit ${{PIPESTATUS[0]}}"
    done = subprocess.run(["bash", "-c", pipeline], capture_output=True, text=True, timeout=120)
    assert done.stdout == "{"
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr


def test_closed_stdout_is_one_line_and_exit_2() -> None:
    done = _tacecheck(
        "check", str(P01), stdout=None, stderr=subprocess.PIPE, preexec_fn=lambda: os.close(1)
    )
    _one_line_error(done, "standard output")
