"""A run's outputs: standard output, or each ``-o FILE`` with the format its name gives.

One pass feeds every output (``-o report.html -o deviations.csv -o tacecheck.xml``);
each keeps the rules of :mod:`protocol.cohort.report_file` (never over an input,
never half written). After a run with ``-o``, :func:`summary_line` is the one line
that goes to standard error.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

from protocol.cohort.report_file import OutputError, ReportSink, check_target, report_file
from protocol.cohort.runner import RunResult
from protocol.progress import Progress
from protocol.render.formats import format_for_output

__all__ = ["Target", "open_outputs", "plan_outputs", "summary_line"]


@dataclass(frozen=True, slots=True)
class Target:
    """Where one report goes (``path`` None: standard output) and in which format."""

    path: str | None
    format: str


def plan_outputs(outputs: Sequence[str], given: str | None, inputs: Sequence[str]) -> list[Target]:
    """The targets for ``-o`` values (none: standard output); FormatError or OutputError."""
    if not outputs:
        return [Target(None, given or "text")]
    targets: list[Target] = []
    seen: dict[str, str] = {}
    for path in outputs:
        check_target(path, inputs)
        real = os.path.realpath(path)
        if real in seen:
            raise OutputError(f"-o {path} is given twice (also as -o {seen[real]}); name it once")
        seen[real] = path
        targets.append(Target(path, format_for_output(path, given)))
    return targets


def open_outputs(
    targets: Sequence[Target], stack: contextlib.ExitStack, progress: Progress
) -> list[TextIO]:
    """A stream for each target, closed (and each file put in place) when ``stack`` ends."""
    streams: list[TextIO] = []
    for target in targets:
        if target.path is None:
            if sys.stdout is None:
                raise OutputError("standard output is closed; give -o FILE for the report")
            if isinstance(sys.stdout, io.TextIOWrapper):
                sys.stdout.reconfigure(encoding="utf-8")  # reports are UTF-8 whatever the locale
            sink = ReportSink(progress.sharing(sys.stdout), "standard output")
            stack.callback(sink.flush)
            streams.append(sink)
        else:
            streams.append(stack.enter_context(report_file(target.path)))
    return streams


def _count(number: int, word: str) -> str:
    return f"{number:,} {word}{'' if number == 1 else 's'}"


def summary_line(result: RunResult, targets: Sequence[Target]) -> str:
    """One line for standard error: patients, not met, input errors, and where each went."""
    summary = result.summary
    parts = [
        _count(summary.patients, "patient"),
        f"{summary.patients_with_not_met:,} with findings not met",
        f"{_count(summary.records_with_errors, 'record')} with input errors",
    ]
    if summary.filtered_out:
        parts.append(f"{_count(summary.filtered_out, 'record')} of other sites left out")
    written = ", ".join(f"{t.path} ({t.format})" for t in targets if t.path is not None)
    return f"tacecheck: {'; '.join(parts)}; wrote {written}"
