"""What every output format implements, so one cohort run can stream any of them.

A run writes ``begin()``, then each patient's ``patient()`` text in input
order (separated by ``separator``), each bad record's ``record_errors()`` text
where it occurred, and finally ``end(summary, errors)``. ``patient()`` and
``record_errors()`` run in the worker processes, so a renderer holds only
picklable options. A format that puts the summary first (``summary_first``)
has its patient texts spooled to a temporary file and gets ``lead(summary,
errors)`` written before them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from protocol.findings import PatientResult, RecordError
from protocol.packs.model import Pack
from protocol.render.redaction import hide_free_text, hide_in_summary

__all__ = [
    "RenderOptions",
    "Renderer",
    "origin_of",
]


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """Choices a user makes on the command line that shape the output."""

    as_of: str | None = None
    hide_values: bool = False
    colour: bool = False
    verbose: bool = True
    study_id: str | None = None
    timelines: int = 1000  # html: patients drawn with a timeline, in input order
    # Rule codes chosen with --select / --ignore: already applied to the findings a
    # renderer gets (for showing the choice only).
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    # --baseline: a protocol.cohort.baseline.Baseline, with mark() and resolved(), or None
    baseline: Any = None
    # The run's provenance (tool_version, pack, run_at, as_of_rule), as summary["run"]
    run: Mapping[str, Any] | None = None


class Renderer:
    """Base class: a format that writes nothing but what it overrides."""

    name = ""
    media_type = "text/plain"
    separator = ""
    summary_first = False

    def __init__(self, pack: Pack, options: RenderOptions | None = None) -> None:
        self.pack = pack
        self.options = options or RenderOptions()

    @property
    def study_id(self) -> str:
        return self.options.study_id or self.pack.id

    def shown(self, result: PatientResult, record: Mapping[str, Any] | None) -> PatientResult:
        """The result as this report may show it: free text hidden with ``hide_values``."""
        return hide_free_text(result, record) if self.options.hide_values else result

    def shown_summary(self, summary: Mapping[str, Any]) -> Mapping[str, Any]:
        """The summary as this report may show it: no AE terms with ``hide_values``."""
        return hide_in_summary(summary) if self.options.hide_values else summary

    def begin(self) -> str:
        return ""

    def patient(
        self,
        result: PatientResult,
        record: Mapping[str, Any] | None,
        index: int = 0,
        origin: Any = None,
    ) -> str:
        """One patient's output; ``record`` is the submitted record, ``index`` its place,
        ``origin`` the record's provenance when a ``--from`` reader built it."""
        raise NotImplementedError

    def record_errors(self, source: str, errors: Sequence[RecordError]) -> str:
        """Output for a record that could not be checked, where it occurred."""
        return ""

    def lead(
        self, summary: Mapping[str, Any], errors: Collection[RecordError]
    ) -> str | Iterable[str]:
        """For ``summary_first`` formats: what comes before the patients."""
        return ""

    def end(
        self, summary: Mapping[str, Any], errors: Collection[RecordError]
    ) -> str | Iterable[str]:
        """What closes the report; may be pieces, so a long error list is streamed."""
        return ""


def origin_of(origin: Any, location: str | None) -> str | None:
    """Where a finding's value lies in the system the record was read from, in words
    (``REDCap form tace, instance 2, field tace_date``), or None for canonical JSON."""
    if origin is None or not location:
        return None
    return origin.describe(location)
