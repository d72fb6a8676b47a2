"""The progress line: drawn only when enabled and after its delay, erased at the end."""

from __future__ import annotations

import io

from protocol.progress import Progress


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
