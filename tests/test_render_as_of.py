"""Each patient's as-of date comes with the reason it was chosen, in text and in HTML."""

from __future__ import annotations

import dataclasses

from protocol.findings import Eligibility, Finding, PatientResult, Status
from protocol.packs import Pack
from protocol.render.base import RenderOptions
from protocol.render.html import HtmlRenderer
from protocol.render.text import TextRenderer

REASON = "the record's data_cutoff_date 2013-06-30, earlier than --as-of 2014-03-31"


def _result() -> PatientResult:
    finding = Finding("ELG002", "no-initial-tace", Status.MET, "eligibility", "TACE #1 seen.")
    return PatientResult(
        "P9", "sorafenib_after_tace", "p9.json", Eligibility.ELIGIBLE, "unassigned", "why",
        (finding,), {"ttp": None, "os": None}, as_of="2013-06-30",
        as_of_basis="data_cutoff_date", as_of_reason=REASON,
    )  # fmt: skip


def test_text_gives_the_reason_under_the_patient_header(pack: Pack) -> None:
    lines = TextRenderer(pack).patient(_result(), None).splitlines()
    assert lines[0].startswith("P9  (sorafenib_after_tace, as of 2013-06-30")
    assert lines[1] == f"  as of 2013-06-30: {REASON}"


def test_text_without_a_reason_adds_no_line(pack: Pack) -> None:
    result = dataclasses.replace(_result(), as_of_basis=None, as_of_reason=None)
    lines = TextRenderer(pack).patient(result, None).splitlines()
    assert lines[1].startswith("  eligibility: eligible")


def test_html_gives_the_reason_for_drawn_and_listed_patients(pack: Pack) -> None:
    for timelines in (1000, 0):  # with a timeline, and past the --html-timelines limit
        page = HtmlRenderer(pack, RenderOptions(timelines=timelines)).patient(_result(), None)
        reason = REASON.replace("'", "&#x27;")
        assert f'<span class="muted as-of-reason">({reason})</span>' in page
