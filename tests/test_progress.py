"""The progress line: drawn only when enabled and after its delay, erased at the end."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

from protocol.progress import Progress

ROOT = Path(__file__).resolve().parent.parent
TACECHECK = str(Path(sys.executable).with_name("tacecheck"))


def test_draws_a_bar_with_percent_count_and_time_left() -> None:
    stream = io.StringIO()
    progress = Progress(total_bytes=1000, enabled=True, stream=stream, delay=0.0)
    progress.advance(records=40, size=250)
    drawn = stream.getvalue()
    assert drawn.startswith("\r[#######") and " 25%" in drawn and "40 records" in drawn
    assert "left" in drawn
    progress.close()
    assert stream.getvalue().endswith("\r\033[K")  # the line is erased, nothing is left behind


def test_without_a_known_size_shows_the_count_only() -> None:
    stream = io.StringIO()
    progress = Progress(total_bytes=None, enabled=True, stream=stream, delay=0.0)
    progress.advance(records=7, size=100)
    assert "7 records" in stream.getvalue() and "%" not in stream.getvalue()


def test_disabled_or_before_its_delay_writes_nothing() -> None:
    quiet, early = io.StringIO(), io.StringIO()
    Progress(1000, enabled=False, stream=quiet, delay=0.0).advance(5, 500)
    waiting = Progress(1000, enabled=True, stream=early, delay=60.0)
    waiting.advance(5, 500)
    waiting.close()
    assert quiet.getvalue() == "" and early.getvalue() == ""
    assert waiting.records == 5 and waiting.bytes == 500  # still counted


def test_for_terminal_is_off_when_stderr_is_not_a_tty_or_quiet() -> None:
    # Under pytest, standard error is captured, not a terminal.
    assert Progress.for_terminal(["examples"], quiet=False).enabled is False
    assert Progress.for_terminal(["examples"], quiet=True).enabled is False


def _screen(raw: str) -> list[str]:
    """What a terminal shows for ``raw``: ``\\r`` returns to the line's start, ESC[K erases."""
    shown = []
    for line in raw.replace("\r\n", "\n").split("\n"):
        cells: list[str] = []
        column = 0
        for piece in re.split(r"(\r|\033\[K)", line):
            if piece == "\r":
                column = 0
            elif piece == "\033[K":
                del cells[column:]
            else:
                for char in piece:
                    if column < len(cells):
                        cells[column] = char
                    else:
                        cells.append(char)
                    column += 1
        shown.append("".join(cells))
    return shown


def test_no_progress_text_is_left_among_the_report_on_one_terminal() -> None:
    record = json.loads((ROOT / "examples" / "p02-late-start.json").read_text())
    lines = []
    for number in range(450):
        record["patient_id"] = f"X{number:05d}"
        lines.append(json.dumps(record) + "\n")
    main_fd, terminal = os.openpty()
    done = subprocess.Popen(
        [TACECHECK, "check", "--brief", "--color", "never", "-"],
        stdin=subprocess.PIPE,
        stdout=terminal,
        stderr=terminal,  # the same terminal, as in an interactive shell
    )
    os.close(terminal)
    chunks: list[bytes] = []
    reader = threading.Thread(target=_drain, args=(main_fd, chunks))
    reader.start()
    assert done.stdin is not None
    for start in range(0, len(lines), 150):  # pauses past the line's half-second delay
        done.stdin.write("".join(lines[start : start + 150]).encode())
        done.stdin.flush()
        time.sleep(0.8)
    done.stdin.close()
    assert done.wait(timeout=300) == 1
    reader.join(timeout=60)
    os.close(main_fd)
    raw = b"".join(chunks).decode("utf-8")
    assert re.search(r"\d records +\d", raw), "the progress line was drawn"
    screen = _screen(raw)
    assert not [line for line in screen if re.search(r"records +[\d,]+/s", line)]
    headers = [line for line in screen if line.startswith("X") and "sorafenib_after_tace" in line]
    assert len(headers) == len(lines)


def _drain(descriptor: int, chunks: list[bytes]) -> None:
    while True:
        try:
            chunk = os.read(descriptor, 65536)
        except OSError:  # EIO: the other end is closed
            return
        if not chunk:
            return
        chunks.append(chunk)
