"""A worker process killed for real (SIGKILL from the test) costs only its own chunk.

The run reads JSON Lines from a pipe this test holds. Both workers are stopped
(SIGSTOP) before any record is sent, so each takes one chunk of 100 records and
holds it; the test waits until both chunks sit unread in the workers' pipes, kills
one worker and lets the other go on. Expected, worked out from the runner's design:
250 records make chunks of 100, 100 and 50; the killed worker held 100 of them,
which come back as input errors; the other 150 are checked; exit 2.
"""

from __future__ import annotations

import array
import fcntl
import json
import os
import signal
import subprocess
import sys
import termios
import time
from pathlib import Path

TACECHECK = str(Path(sys.executable).with_name("tacecheck"))
RECORDS = 250


def _line(number: int) -> bytes:
    record = {"schema_version": "1", "patient_id": f"P{number:04d}", "cohort": "tace_alone_control"}
    return json.dumps(record).encode() + b"\n"


def _children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(word) for word in text.split()]


def _queued(pid: int) -> int:
    """Bytes waiting unread in the pipes a process holds (standard streams left out)."""
    total = 0
    for entry in Path(f"/proc/{pid}/fd").iterdir():
        if int(entry.name) <= 2:
            continue
        try:
            if not os.readlink(entry).startswith("pipe:"):
                continue
            fd = os.open(entry, os.O_RDONLY | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            count = array.array("i", [0])
            fcntl.ioctl(fd, termios.FIONREAD, count)
            total += count[0]
        finally:
            os.close(fd)
    return total


def _until(condition, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.02)


def test_a_killed_worker_turns_only_its_chunk_into_input_errors() -> None:
    run = subprocess.Popen(
        [TACECHECK, "check", "--format", "json", "--workers", "2", "-q", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        _until(lambda: len(_children(run.pid)) >= 2, "two worker processes")
        workers = _children(run.pid)[:2]
        for pid in workers:
            os.kill(pid, signal.SIGSTOP)
        assert run.stdin is not None
        run.stdin.write(b"".join(_line(n) for n in range(1, RECORDS + 1)))
        run.stdin.close()
        run.stdin = None  # closed: nothing more for communicate() to send
        _until(lambda: all(_queued(pid) > 0 for pid in workers), "both workers to hold a chunk")
        os.kill(workers[0], signal.SIGKILL)
        os.kill(workers[1], signal.SIGCONT)
        out, err = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    assert run.returncode == 2, err.decode()
    assert b"Traceback" not in err
    report = json.loads(out)
    crashed = [e["source"] for e in report["errors"]]
    assert len(crashed) == 100
    assert all("crashed" in e["message"] and "SIGKILL" in e["message"] for e in report["errors"])
    assert all("not checked" in e["message"] for e in report["errors"])
    lines = sorted(int(source.rsplit(":", 1)[1]) for source in crashed)
    assert lines in (list(range(1, 101)), list(range(101, 201)))  # one whole chunk
    checked = [p["patient_id"] for p in report["patients"]]
    expected = [f"P{n:04d}" for n in range(1, RECORDS + 1) if n not in set(lines)]
    assert checked == expected  # the others, all of them, in input order
    assert report["summary"]["patients"] == 150
    assert report["summary"]["errors"] == 100
