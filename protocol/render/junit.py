"""JUnit XML for pipelines: a test suite per patient, a test case per finding.

A finding not met is a ``<failure>`` whose message starts with what it is, as the
text and HTML reports label it (DEVIATION, LOGGED (non-important), FLAG, QUERY,
EXCLUDED: :func:`~protocol.render.wording.finding_label`); pending, not evaluable and not
applicable findings are ``<skipped>`` with the reason; a record that could not
be checked is a suite holding one ``<error>`` per problem. CI servers (GitLab,
Jenkins, GitHub Actions reporters) then show deviations as failed tests.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any
from xml.sax.saxutils import quoteattr

from protocol.findings import PatientResult, RecordError, Status
from protocol.render.base import Renderer
from protocol.render.wording import finding_label

__all__ = ["JUnitRenderer"]


def _attr(value: Any) -> str:
    return quoteattr(_clean(str(value)))


def _clean(text: str) -> str:
    """Drop characters XML 1.0 cannot carry (its Char production)."""
    return _NOT_XML_CHAR.sub("", text)


_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class JUnitRenderer(Renderer):
    name = "junit"
    media_type = "application/xml"

    def begin(self) -> str:
        name = f"tacecheck {self.pack.id} v{self.pack.version}"
        return f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name={_attr(name)}>\n'

    def patient(
        self,
        result: PatientResult,
        record: Mapping[str, Any] | None,
        index: int = 0,
        origin: Any = None,
    ) -> str:
        result = self.shown(result, record)
        failures = sum(1 for f in result.findings if f.status is Status.NOT_MET)
        skipped = sum(1 for f in result.findings if f.status not in {Status.MET, Status.NOT_MET})
        lines = [
            f'  <testsuite name={_attr(result.patient_id)} tests="{len(result.findings)}"'
            f' failures="{failures}" errors="0" skipped="{skipped}">',
            "    <properties>",
            f'      <property name="cohort" value={_attr(result.cohort)}/>',
            f'      <property name="eligibility" value={_attr(result.eligibility)}/>',
            f'      <property name="group" value={_attr(result.group)}/>',
            f'      <property name="source" value={_attr(result.source)}/>',
            "    </properties>",
        ]
        for finding in result.findings:
            instance = f" [{finding.instance}]" if finding.instance else ""
            name = f"{finding.rule} {finding.name}{instance}"
            classname = f"{self.pack.id}.{self.pack.rule(finding.rule).family}"
            head = f"    <testcase classname={_attr(classname)} name={_attr(name)}"
            if finding.status is Status.MET:
                lines.append(head + "/>")
                continue
            lines.append(head + ">")
            if finding.status is Status.NOT_MET:
                kind = finding.kind + (f"/{finding.importance}" if finding.importance else "")
                where = f"\nlocation: {finding.location}" if finding.location else ""
                said = f"{finding_label(finding)}: {finding.message}"
                lines.append(
                    f"      <failure message={_attr(said)} type={_attr(kind)}>"
                    f"{_text(said + where)}</failure>"
                )
            else:
                reason = f"{finding_label(finding)}: {finding.message}"
                lines.append(f"      <skipped message={_attr(reason)}/>")
            lines.append("    </testcase>")
        lines.append("  </testsuite>")
        return "\n".join(lines) + "\n"

    def record_errors(self, source: str, errors: Sequence[RecordError]) -> str:
        hide = self.options.hide_values
        lines = [
            f'  <testsuite name={_attr(source)} tests="{len(errors)}"'
            f' failures="0" errors="{len(errors)}" skipped="0">'
        ]
        for error in errors:
            where = error.location or "(whole record)"
            lines.append(f'    <testcase classname="{self.pack.id}.record" name={_attr(where)}>')
            lines.append(
                f'      <error message={_attr(error.text(hide))} type="input">'
                f"{_text(error.text(hide))}</error>"
            )
            lines.append("    </testcase>")
        lines.append("  </testsuite>")
        return "\n".join(lines) + "\n"

    def end(self, summary: Mapping[str, Any], errors: Collection[RecordError]) -> str:
        return "</testsuites>\n"


def _text(value: str) -> str:
    from xml.sax.saxutils import escape

    return escape(_clean(value))
