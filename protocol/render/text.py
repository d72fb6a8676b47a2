"""The text report: grouped by patient, readable in a terminal, coloured on a TTY.

Each patient shows what needs attention first: findings not met (as a clinician
reads them, :func:`~protocol.render.wording.finding_label`), then not evaluable
and pending ones, each with its message; the met and n/a findings collapse into
one line each (``met: ELG001 ELG002 ...``) unless ``RenderOptions.verbose``,
which lists every finding with its message. With a baseline, a finding not met
is marked ``NEW`` or ``unchanged`` and the findings resolved since are listed.
Lines wrap to the terminal's width (``RenderOptions.width``, else the terminal,
else 100 columns) with a hanging indent. The input errors and the cohort summary
(:mod:`protocol.render.text_summary`) close the report.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Collection, Iterator, Mapping
from typing import Any

from protocol.findings import ATTENTION_ORDER, Finding, PatientResult, RecordError, Status
from protocol.packs.model import Pack
from protocol.render.base import Renderer, RenderOptions, origin_of
from protocol.render.baseline_marks import MARK_WORDS, mark_of, resolved_of
from protocol.render.text_summary import summary_lines
from protocol.render.wording import endpoint_lines, finding_label, is_quiet, wrapped

__all__ = ["TextRenderer"]

# Shown as escapes, never obeyed: C0 and C1 controls (U+009B is CSI, like ESC [), and the
# bidirectional marks, embeddings, overrides and isolates that reorder what a line shows
# (Trojan Source, CVE-2021-42574). Tab and newline are kept.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

_COLOURS = {
    Status.MET: "32",
    Status.NOT_MET: "31;1",
    Status.PENDING: "33",
    Status.NOT_EVALUABLE: "35",
    Status.NOT_APPLICABLE: "2",
}
_NOT_A_TERMINAL_WIDTH = 100
_NARROWEST = 40
_LABEL_WIDTH = 13  # "not evaluable"; longer labels push the message along
_RANK = {status: i for i, status in enumerate(ATTENTION_ORDER)}


class TextRenderer(Renderer):
    name = "text"
    separator = "\n"

    def __init__(self, pack: Pack, options: RenderOptions | None = None) -> None:
        super().__init__(pack, options)
        self.width = max(_NARROWEST, _width(self.options))
        self.code_width = max((len(rule.code) for rule in pack.rules), default=6)

    def _paint(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.options.colour else text

    def begin(self) -> str:
        return f"tacecheck - protocol {self.pack.id} v{self.pack.version}\n\n"

    def _safe(self, text: object) -> str:
        """Submitted text with terminal control characters shown, never obeyed."""
        return _CONTROL.sub(_escape, str(text))

    def _wrap(self, text: str, first: str = "  ", rest: str = "    ") -> list[str]:
        return wrapped(self._safe(text), self.width, first, rest)

    def patient(
        self,
        result: PatientResult,
        record: Mapping[str, Any] | None,
        index: int = 0,
        origin: Any = None,
    ) -> str:
        result = self.shown(result, record)
        head = self._safe(
            f"{result.patient_id}  ({result.cohort}, as of {result.as_of}, {result.source})"
        )
        lines = [self._paint(line, "1") for line in wrapped(head, self.width, "", "    ")]
        reason = result.as_of_reason
        if reason:
            lines += self._wrap(f"as of {result.as_of}: {reason}")
        lines += self._wrap(f"eligibility: {result.eligibility}    group: {result.group}")
        lines += self._wrap(f"group reason: {result.group_reason}")
        for name, text in endpoint_lines(result):
            lines += self._wrap(f"{name}: {text}")
        ordered = sorted(result.findings, key=lambda f: _RANK[f.status])
        verbose = self.options.verbose
        for finding in ordered:
            if verbose or not is_quiet(finding):
                lines += self._finding(result.patient_id, finding, origin)
        if not verbose:
            for status in (Status.MET, Status.NOT_APPLICABLE):
                codes = _codes(f for f in ordered if f.status is status)
                if codes:
                    lines += self._wrap(" ".join(codes), f"  {status.label}: ", "       ")
        lines += self._resolved(result.patient_id)
        return "\n".join(lines) + "\n"

    def _finding(self, patient_id: str, finding: Finding, origin: Any = None) -> list[str]:
        label = finding_label(finding)
        mark = self._mark(patient_id, finding)
        importance = f" [{finding.importance}]" if finding.importance else ""
        if finding.importance and finding.importance in label.replace("-", "_"):
            importance = ""  # the label says it already
        where = f"  at {finding.location}" if finding.location else ""
        found = origin_of(origin, finding.location)
        if found:
            where += f" ({found})"
        text = f"{mark}{finding.message}{importance}{where}"
        first = f"  {finding.rule:<{self.code_width}} {label:<{_LABEL_WIDTH}} "
        lines = self._wrap(text, first, " " * (self.code_width + 4))
        if self.options.colour:
            code = f"  {finding.rule:<{self.code_width}} "
            painted = self._paint(label, _COLOURS[finding.status])
            lines[0] = code + painted + lines[0][len(code) + len(label) :]
        return lines

    def _mark(self, patient_id: str, finding: Finding) -> str:
        mark = mark_of(self.options, patient_id, finding)
        return f"{MARK_WORDS[mark]}: " if mark else ""

    def _resolved(self, patient_id: str) -> list[str]:
        gone = resolved_of(self.options, patient_id)
        if not gone:
            return []
        lines = ["  resolved since the baseline:"]
        for item in gone:
            where = f"  at {item['location']}" if item.get("location") else ""
            text = f"{item.get('rule') or ''} {item.get('message') or ''}{where}"
            lines += self._wrap(text, "    ", " " * (self.code_width + 5))
        return lines

    def end(self, summary: Mapping[str, Any], errors: Collection[RecordError]) -> Iterator[str]:
        if errors:
            heading = self._paint("Input errors (these records were not checked):", "31;1")
            yield f"\n{heading}\n"
            for error in errors:
                where = error.location or "(whole record)"
                patient = f" patient {error.patient_id}" if error.patient_id else ""
                text = f"{error.source}{patient} {where}: {error.text(self.options.hide_values)}"
                yield "\n".join(self._wrap(text)) + "\n"
        lines = [
            self._safe(line)
            for line in summary_lines(self.pack, self.shown_summary(summary), self.width)
        ]
        lines[0] = self._paint(lines[0], "1")
        yield "\n" + "\n".join(lines) + "\n"


def _codes(findings: Iterator[Finding] | Any) -> list[str]:
    """Each rule code once, in the order given."""
    return list(dict.fromkeys(f.rule for f in findings))


def _width(options: RenderOptions) -> int:
    chosen = getattr(options, "width", None)
    if chosen:
        return int(chosen)
    try:
        terminal = sys.stdout is not None and sys.stdout.isatty()
    except (OSError, ValueError):  # closed or detached: not a terminal
        terminal = False
    if terminal:
        return shutil.get_terminal_size((_NOT_A_TERMINAL_WIDTH, 24)).columns
    return _NOT_A_TERMINAL_WIDTH


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
