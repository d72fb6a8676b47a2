"""The HTML report: one self-contained page, cohort summary first, then every patient.

The page loads nothing: inline CSS, inline SVG, one small inline script (the
patient index, :mod:`protocol.render.html_page`), no font, no image. The
summary shows the counts, a CONSORT-style flow per cohort, the analysis
groups, Kaplan-Meier curves of TTP and OS with their medians, the safety
flags, the counts per rule and status, the definitions of TTP, OS and the
index TACE, and the input errors; a page for one patient starts with the
patient and puts the summary after it. Each patient then gets a one-line
header; the first ``RenderOptions.timelines`` patients also get a timeline
(:mod:`protocol.render.timeline_svg`) and their findings table, the others
only their ``not_met`` messages, so that a page for a very large cohort stays
small. Every string from the input goes through :func:`html.escape`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from html import escape
from typing import Any

from protocol.findings import ATTENTION_ORDER, Finding, PatientResult, RecordError, Status
from protocol.render.base import Renderer
from protocol.render.course import deviations, locate, parse_date, record_items
from protocol.render.html_page import CSS, INDEX_SCRIPT, ink_on
from protocol.render.km_chart import km_svg
from protocol.render.timeline_svg import (
    DOSE_COLOURS,
    GRADE_COLOURS,
    IMAGING,
    WINDOW_COLOURS,
    timeline_svg,
)

__all__ = ["HtmlRenderer"]

_MAX_ERRORS_LISTED = 1000  # the page stays readable; every format lists them all
_OPEN_FOR = {Status.NOT_MET, Status.PENDING, Status.NOT_EVALUABLE}  # shown unfolded
_WINDOW_WORDS = {
    "progression": "progression due (from TACE #1)",
    "start": "sorafenib start due (after TACE #2)",
    "exposure": "sorafenib exposure threshold reached",
    "control": "control: TACE #3 due",
}
_GROUP_COLOURS = ("#00897b", "#f57c00", "#3949ab", "#8e24aa", "#6d4c41", "#c2185b")


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _badge(text: str, cls: str) -> str:
    return f'<span class="badge {_e(cls)}">{_e(text)}</span>'


def _months(value: Any) -> str:
    return "not reached" if value is None else f"{float(value):g}"


def _table(head: Sequence[str], rows: Iterable[str], numeric: Iterable[int] = ()) -> str:
    right = set(numeric)
    cells = "".join(
        f'<th class="n">{_e(h)}</th>' if i in right else f"<th>{_e(h)}</th>"
        for i, h in enumerate(head)
    )
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _num(value: Any, hot: bool = False) -> str:
    return f'<td class="n{" hot" if hot and value else ""}">{_e(value)}</td>'


# --- the renderer ---------------------------------------------------------------------


class HtmlRenderer(Renderer):
    """One self-contained HTML page (see the module docstring)."""

    name = "html"
    media_type = "text/html"
    summary_first = True
    separator = "\n"

    # --- page ---------------------------------------------------------------------------

    def begin(self) -> str:
        pack = self.pack
        title = f"tacecheck report: {pack.id} v{pack.version}"
        as_of = self.options.as_of or "per record (data cut-off date, else today)"
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{_e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
            f'<header class="top"><h1>{_e(pack.title)}</h1>'
            f"<p>Protocol check report · study {_e(self.study_id)} · pack "
            f"<code>{_e(pack.id)}</code> version {_e(pack.version)} · as of {_e(as_of)}</p>"
            "</header>\n<main>\n"
        )

    def lead(self, summary: Mapping[str, Any], errors: Collection[RecordError]) -> str:
        if _single(summary):  # one patient: the patient first, the summary after it
            return self._patients_heading(summary)
        parts = [self._summary(summary), self._index(), self._errors(errors)]
        return "".join([*parts, self._patients_heading(summary)])

    def _summary(self, summary: Mapping[str, Any]) -> str:
        summary = self.shown_summary(summary)
        colours = self._colours(summary)
        parts = [
            '<section id="summary"><h2>Cohort summary</h2>',
            self._cards(summary),
            '<div class="grid2">',
            self._attrition(summary.get("attrition", {})),
            self._groups(summary, colours),
            "</div>",
            self._endpoints(summary.get("endpoints", {}), colours),
            '<div class="grid2">',
            self._safety(summary.get("safety_flags", {})),
            self._rules(summary.get("rules", {})),
            "</div>",
            self._definitions(),
            "</section>\n",
        ]
        return "".join(parts)

    def _index(self) -> str:
        """The patient index, filled in by the page's script from the patient sections."""
        head = ["patient", "site", "arm", "eligibility", "group", "not met"]
        return (
            '<section id="index"><h2>Patient index</h2><p class="muted">The index is built by '
            "the page's script; without it, scroll to the patients below.</p>"
            '<input type="search" placeholder="filter: id, site, arm, group..." '
            'aria-label="filter patients"><label><input type="checkbox"> only patients with a '
            f"finding not met</label>{_table(head, [], [5])}</section>\n"
        )

    def _definitions(self) -> str:
        """TTP, OS and the index TACE as this pack defines them."""
        index = self.pack.endpoints.get("index_tace", {})
        per_arm = "; ".join(f"TACE #{n} in {_e(arm)}" for arm, n in index.items())
        per_month = self.pack.endpoints.get("days_per_month")
        return (
            '<h3>Definitions</h3><dl class="defs">'
            f"<dt>Index TACE</dt><dd>{per_arm} (TACEs numbered by date).</dd>"
            "<dt>TTP, time to progression</dt><dd>From the index TACE to the <b>next TACE</b>, "
            "the event: in this study progression is counted when it is treated again. A "
            "progression seen on imaging is not the TTP event. Without a later TACE, TTP is "
            "censored at death, else at last contact.</dd>"
            "<dt>OS, overall survival</dt><dd>From the index TACE to death (the event), else "
            "censored at last contact.</dd>"
            f"<dt>Months</dt><dd>days / {_e(per_month)}.</dd></dl>"
        )

    def record_errors(self, source: str, errors: Sequence[RecordError]) -> str:
        return ""

    def end(self, summary: Mapping[str, Any], errors: Collection[RecordError]) -> str:
        after = self._summary(summary) + self._errors(errors) if _single(summary) else ""
        return (
            f"</section>\n{after}</main>\n<footer>"
            f"<p>Protocol: {_e(self.pack.reference)}</p>"
            f"<p>Generated by tacecheck with protocol pack {_e(self.pack.id)} version "
            f"{_e(self.pack.version)}. Statuses: met, not met (deviation or unmet criterion), "
            "pending (window still open), not evaluable (missing or partial date), n/a.</p>"
            f"</footer>\n<script>{INDEX_SCRIPT}</script>\n</body>\n</html>\n"
        )

    # --- summary parts ------------------------------------------------------------------

    def _cards(self, summary: Mapping[str, Any]) -> str:
        eligibility = summary.get("eligibility", {})
        cards = [
            ("patients checked", summary.get("patients", 0), False),
            ("eligible", eligibility.get("eligible", 0), False),
            ("patients with a finding not met", summary.get("patients_with_not_met", 0), True),
            ("findings not met", summary.get("not_met", 0), True),
            ("records with input errors", summary.get("records_with_errors", 0), True),
        ]
        html = "".join(
            f'<div class="card{" bad" if bad and value else ""}"><b>{_e(value)}</b>'
            f"<span>{_e(label)}</span></div>"
            for label, value, bad in cards
        )
        return f'<div class="cards">{html}</div>'

    def _rule_name(self, code: str) -> str:
        try:
            return self.pack.rule(code).name
        except KeyError:
            return ""

    def _attrition(self, attrition: Mapping[str, Any]) -> str:
        """Per cohort, a CONSORT-style flow: each step's entered and passed counts, and
        beside it who was excluded (not met) or held (pending, not evaluable)."""
        gap = '<div class="down"></div><div></div><div></div>'
        parts = ['<div class="panel"><h3>Eligibility flow (CONSORT)</h3>']
        for cohort, flow in attrition.items():
            parts.append(
                f'<p><b>{_e(cohort)}</b></p><div class="consort">'
                f'<div class="box">Checked: <b>{_e(flow.get("checked", 0))}</b></div>'
                "<div></div><div></div>"
            )
            for step in flow.get("steps", []):
                held = [
                    f"{step[key]} {text}"
                    for key, text in (("pending", "pending"), ("not_evaluable", "not evaluable"))
                    if step.get(key)
                ]
                side = f"Excluded: <b>{_e(step['excluded'])}</b>"
                if held:
                    side += f"<br>held: {_e(', '.join(held))}"
                parts.append(
                    f'{gap}<div class="box"><code>{_e(step["rule"])}</code> {_e(step["name"])}'
                    f'<br><span class="muted">entered {_e(step["entered"])}</span> → passed '
                    f"<b>{_e(step['passed'])}</b></div>"
                    f'<div class="right"></div><div class="box side">{side}</div>'
                )
            parts.append(
                f'{gap}<div class="box final">Eligible: {_e(flow.get("eligible", 0))}</div>'
                "<div></div><div></div></div>"
            )
        parts.append("</div>")
        return "".join(parts)

    def _groups(self, summary: Mapping[str, Any], colours: Mapping[str, str]) -> str:
        rows = [
            f"<tr><td>{_e(cohort)}</td>{_num(info.get('patients', 0))}<td>"
            + _e(", ".join(f"{k} {v}" for k, v in info.get("eligibility", {}).items()))
            + "</td></tr>"
            for cohort, info in summary.get("cohorts", {}).items()
        ]
        groups = [
            f'<tr><td><i class="swatch" style="background:{colours.get(g, "#b0bec5")}"></i> '
            f"{_e(g)}</td>{_num(n)}</tr>"
            for g, n in summary.get("groups", {}).items()
        ]
        unassigned = [
            f"<tr><td>{_e(reason)}</td>{_num(n)}</tr>"
            for reason, n in summary.get("unassigned", {}).items()
        ]
        parts = [
            '<div class="panel"><h3>Cohorts</h3>',
            _table(["cohort", "patients", "eligibility"], rows, [1]),
            "<h3>Analysis groups</h3>",
            _table(["group", "patients"], groups, [1]),
        ]
        if unassigned:
            parts += [
                "<h3>Unassigned, by reason</h3>",
                _table(["reason", "patients"], unassigned, [1]),
            ]
        return "".join([*parts, "</div>"])

    @staticmethod
    def _colours(summary: Mapping[str, Any]) -> dict[str, str]:
        """One colour per analysis group, the same in the table and the curves."""
        names = [g for g in summary.get("groups", {}) if g != "unassigned"]
        for estimates in summary.get("endpoints", {}).values():
            names += [g for g in estimates if g not in names]
        return {g: _GROUP_COLOURS[i % len(_GROUP_COLOURS)] for i, g in enumerate(names)}

    def _endpoints(self, endpoints: Mapping[str, Any], colours: Mapping[str, str]) -> str:
        if not endpoints:
            return ""
        titles = {"ttp": "Time to progression (TTP)", "os": "Overall survival (OS)"}
        charts, rows = [], []
        for name, groups in endpoints.items():
            title = titles.get(name, name.upper())
            charts.append(f'<div class="panel">{km_svg(title, groups, colours)}</div>')
            for group, estimate in groups.items():
                low, high = (estimate.get("median_ci95_months") or [None, None])[:2]
                ci = "—" if low is None and high is None else f"{_months(low)} – {_months(high)}"
                rows.append(
                    f"<tr><td>{_e(name.upper())}</td><td>{_e(group)}</td>"
                    f"{_num(estimate.get('patients', 0))}{_num(estimate.get('events', 0))}"
                    f'<td class="n median">{_e(_months(estimate.get("median_months")))}</td>'
                    f'<td class="n">{_e(ci)}</td></tr>'
                )
        table = _table(
            ["endpoint", "group", "patients", "events", "median (months)", "95% CI (months)"],
            rows,
            [2, 3, 4, 5],
        )
        return (
            "<h3>Endpoints (Kaplan-Meier, eligible and assigned patients)</h3>"
            f'<div class="grid2">{"".join(charts)}</div><p></p>{table}'
            '<p class="muted">Median with its 95% confidence interval; "not reached" when the '
            "curve does not fall to 0.5 (or the bound cannot be estimated). Small ticks on a "
            "curve mark times with censoring only.</p>"
        )

    def _safety(self, flags: Mapping[str, Any]) -> str:
        rows = []
        for code, flag in flags.items():
            grades = " ".join(
                f'<span class="badge" style="background:{_grade_colour(g)};'
                f'color:{ink_on(_grade_colour(g))}">G{_e(g)}: {_e(n)}</span>'
                for g, n in flag.get("by_grade", {}).items()
            )
            terms = list(flag.get("by_term", {}).items())
            shown = ", ".join(f"{t} ({n})" for t, n in terms[:10])
            if len(terms) > 10:
                shown += f", and {len(terms) - 10} more"
            rows.append(
                f"<tr><td><code>{_e(code)}</code> {_e(flag.get('name', ''))}</td>"
                f"{_num(flag.get('events', 0), True)}{_num(flag.get('patients', 0), True)}"
                f"<td>{grades}</td><td>{_e(shown)}</td></tr>"
            )
        body = _table(["flag", "events", "patients", "by grade", "by term"], rows, [1, 2])
        return f'<div class="panel"><h3>Safety flags</h3>{body}</div>'

    def _rules(self, rules: Mapping[str, Mapping[str, int]]) -> str:
        order = [r.code for r in self.pack.rules if r.code in rules]
        order += [code for code in rules if code not in order]
        rows = []
        for code in order:
            counts = rules[code]
            cells = "".join(
                _num(counts.get(str(s), 0), s is Status.NOT_MET) for s in ATTENTION_ORDER
            )
            klass = ' class="nm"' if counts.get("not_met") else ""
            rows.append(
                f"<tr{klass}><td><code>{_e(code)}</code></td>"
                f"<td>{_e(self._rule_name(code))}</td>{cells}</tr>"
            )
        head = ["rule", "name", *(s.label for s in ATTENTION_ORDER)]
        return (
            '<div class="panel"><h3>Findings per rule and status</h3>'
            f"{_table(head, rows, [2, 3, 4, 5, 6])}</div>"
        )

    def _errors(self, errors: Collection[RecordError]) -> str:
        if not errors:
            return '<section id="errors"><h2>Input errors</h2><p>No input errors.</p></section>\n'
        rows = []
        sources = set()
        for number, e in enumerate(errors):
            sources.add(e.source)
            if number == _MAX_ERRORS_LISTED:
                break
            rows.append(
                f"<tr><td>{_e(e.source)}</td><td><code>{_e(e.location or '(whole record)')}</code>"
                f"</td><td>{_e(e.text(self.options.hide_values))}</td></tr>"
            )
        more = len(errors) - len(rows)
        note = (
            f"<p>The first {len(rows):,} are listed; {more:,} more are in the other formats "
            "(json, text, queries).</p>"
            if more > 0
            else ""
        )
        counted = f"{len(errors):,} errors" + ("" if more > 0 else f" in {len(sources):,} records")
        return (
            f'<section id="errors"><h2>Input errors</h2><p>{counted}; these records were not '
            "checked.</p>"
            f"{_table(['source', 'location', 'message'], rows)}{note}</section>\n"
        )

    def _patients_heading(self, summary: Mapping[str, Any]) -> str:
        limit = self.options.timelines
        return (
            f'<section id="patients"><h2>Patients</h2><p class="muted">In input order. '
            f"Timelines and findings tables are drawn for the first {_e(limit)} patients; "
            "after that, each patient's header and the findings not met.</p>"
            f"{self._legend()}\n"
        )

    def _legend(self) -> str:
        """Every colour and mark the timelines use, and what it means."""
        flag = self.pack.params.get("flag_ae_grade")

        def item(style: str, text: str) -> str:
            return f'<span><i style="{style}"></i>{_e(text)}</span>'

        marks = [
            item("background:#00695c;transform:rotate(45deg)", "TACE #n (numbered by date)"),
            *(
                item(
                    f"background:{colour};border:1px solid #37474f;"
                    + (
                        "clip-path:polygon(50% 0,100% 100%,0 100%)"
                        if code in ("PD", "REC")
                        else "border-radius:6px"
                    ),
                    f"imaging {code}: {result.replace('_', ' ')}",
                )
                for result, (code, colour) in IMAGING.items()
            ),
            *(
                item(f"background:{c}", f"sorafenib bar: {text}")
                for c, text in DOSE_COLOURS.values()
            ),
            item("border-top:2px dotted #90a4ae;height:0", "minimum and maximum daily dose"),
            *(
                item(f"background:{c};border-radius:6px", f"AE grade {g} (line: until resolved)")
                for g, c in GRADE_COLOURS.items()
            ),
            item("border:2px solid #b71c1c;border-radius:7px", f"AE grade ≥ {flag}: safety flag"),
            item("border-top:3px dashed #b71c1c;height:0", "AE resolved before its onset"),
            *(
                item(f"background:{WINDOW_COLOURS[k]};opacity:.45", f"window: {text}")
                for k, text in _WINDOW_WORDS.items()
            ),
            item("background:#90a4ae", "diagnosis"),
            item("background:#ef6c00", "withdrawal"),
            item("background:#fff;border:1px solid #37474f;border-radius:6px", "last contact"),
            item("border-left:3px solid #000;height:12px;width:0", "death (cross)"),
            item("background:#00838f;height:3px", "TTP (dot: event, bar end: censored)"),
            item("background:#283593;height:3px", "OS (dot: event, bar end: censored)"),
            item("border-left:2px dashed #37474f;width:0", "as-of date"),
            item("background:#c62828;border-radius:6px", "deviation or flag (its number)"),
            item("background:#fff;border:1px dashed #546e7a", "partial date (the days it may be)"),
        ]
        return f'<div class="legend">{"".join(marks)}</div>'

    # --- patients -----------------------------------------------------------------------

    def _header(self, result: PatientResult) -> str:
        counts = {s: 0 for s in Status}
        for finding in result.findings:
            counts[finding.status] += 1
        not_met = counts[Status.NOT_MET]
        bits = [
            f'<span class="pid">{_e(result.patient_id)}</span>',
            f'<span class="muted">site {_e(result.site_id or "—")}</span>',
            f'<span class="tag">{_e(result.cohort)}</span>',
            _badge(str(result.eligibility), f"e-{result.eligibility}"),
            f'<span class="tag">group: {_e(result.group)}</span>',
            _badge(f"{not_met} not met", "s-not_met") if not_met else _badge("0 not met", "s-met"),
        ]
        for status in (Status.PENDING, Status.NOT_EVALUABLE):
            if counts[status]:
                bits.append(_badge(f"{counts[status]} {status.label}", f"s-{status}"))
        bits.append(
            f'<span class="muted">{_e(result.source)} · as of {_e(result.as_of or "—")}</span>'
        )
        reason = result.as_of_reason
        if reason:
            bits.append(f'<span class="muted as-of-reason">({_e(reason)})</span>')
        return "".join(bits)

    def patient(
        self, result: PatientResult, record: Mapping[str, Any] | None, index: int = 0
    ) -> str:
        result = self.shown(result, record)
        not_met = sum(f.status is Status.NOT_MET for f in result.findings)
        anchor = (
            f'id="patient-{index}" data-pid="{_e(result.patient_id)}" '
            f'data-site="{_e(result.site_id or "")}" data-arm="{_e(result.cohort)}" '
            f'data-eligibility="{_e(result.eligibility)}" data-group="{_e(result.group)}" '
            f'data-not-met="{not_met}"'
        )
        if index >= self.options.timelines:
            items = "".join(
                f"<li><code>{_e(f.rule)}</code> {_e(f.message)}</li>" for f in deviations(result)
            )
            listed = f'<ul class="nm">{items}</ul>' if items else ""
            return (
                f'<section class="patient" {anchor}><div class="head">{self._header(result)}'
                f"</div>{listed}</section>"
            )
        is_open = " open" if any(f.status in _OPEN_FOR for f in result.findings) else ""
        return (
            f'<details class="patient" {anchor}{is_open}><summary>{self._header(result)}</summary>'
            f'<div class="body">{self._detail(result, record)}</div></details>'
        )

    def _detail(self, result: PatientResult, record: Mapping[str, Any] | None) -> str:
        parts = [f"<p><b>Group:</b> {_e(result.group)}: {_e(result.group_reason)}"]
        for name, text in result.endpoint_lines():
            parts.append(f"<br><b>{_e(name)}:</b> {_e(text)}")
        parts.append(self._ttp_note(result, record))
        parts.append("</p>")
        placed: frozenset[int] = frozenset()
        if record is None:
            parts.append('<p class="muted">The submitted record is not available.</p>')
        else:
            drawing = timeline_svg(record, result, self.pack.params, self.options.hide_values)
            placed = drawing.placed
            parts.append(
                f'<div class="scroll">{drawing.svg}</div>'
                if drawing.svg
                else '<p class="muted">Nothing dated in the record to draw.</p>'
            )
        parts.append(self._deviation_list(result, placed))
        parts.append(self._findings(result.findings))
        return "".join(parts)

    def _ttp_note(self, result: PatientResult, record: Mapping[str, Any] | None) -> str:
        """Why the TTP event is a TACE when imaging showed progression before it."""
        ttp = result.endpoints.get("ttp")
        start, end = (parse_date(ttp.start), parse_date(ttp.end)) if ttp else (None, None)
        if ttp is None or not ttp.event or start is None or end is None or record is None:
            return ""
        progressed = {str(r) for r in self.pack.params.get("progression_results", ())}
        seen = sorted(
            str(when)
            for _, scan in record_items(record, "imaging")
            if str(scan.get("result")) in progressed
            and (when := parse_date(scan.get("date"))) is not None
            and start.latest < when.earliest
            and when.latest < end.earliest
        )
        if not seen:
            return ""
        dates = "" if self.options.hide_values else f" ({', '.join(seen)})"
        return (
            f'<br><span class="muted ttp-note">The TTP event is the next TACE ({_e(ttp.end)}), '
            f"not the earlier progression seen on imaging{_e(dates)}: TTP runs from the index "
            "TACE to the next TACE (see Definitions).</span>"
        )

    def _deviation_list(self, result: PatientResult, placed: frozenset[int]) -> str:
        found = deviations(result)
        if not found:
            return '<p class="muted">No finding is not met (no deviation, flag or query).</p>'
        items = []
        for number, finding in enumerate(found, start=1):
            where = locate(finding)
            note = "" if number in placed else ' <span class="muted">(not on the timeline)</span>'
            importance = f" [{finding.importance}]" if finding.importance else ""
            items.append(
                f'<li><span class="num">{number}</span><code>{_e(finding.rule)}</code> '
                f"<b>{_e(finding.name)}</b>{_e(importance)}: {_e(finding.message)}"
                + (f' <span class="muted">at <code>{_e(where)}</code></span>' if where else "")
                + f"{note}</li>"
            )
        return f'<h4>Deviations and flags (not met)</h4><ol class="devs">{"".join(items)}</ol>'

    def _findings(self, findings: Sequence[Finding]) -> str:
        rank = {status: i for i, status in enumerate(ATTENTION_ORDER)}
        shown = sorted(findings, key=lambda f: rank[f.status])
        hidden = 0
        if not self.options.verbose:
            kept = [f for f in shown if f.status not in {Status.MET, Status.NOT_APPLICABLE}]
            hidden, shown = len(shown) - len(kept), kept
        rows = [
            ('<tr class="nm">' if f.status is Status.NOT_MET else "<tr>")
            + f"<td><code>{_e(f.rule)}</code></td><td>{_e(f.name)}</td>"
            f"<td>{_badge(f.status.label, f's-{f.status}')}</td>"
            f"<td>{_e(f.importance or '')}</td><td>{_e(f.message)}</td>"
            f"<td><code>{_e(f.location or '')}</code></td></tr>"
            for f in shown
        ]
        note = f'<p class="muted">{hidden} met or n/a findings left out.</p>' if hidden else ""
        table = _table(["rule", "name", "status", "importance", "message", "location"], rows)
        head = f"<summary>All findings ({len(findings)})</summary>"
        return f"<details open>{head}{table}{note}</details>"


def _single(summary: Mapping[str, Any]) -> bool:
    """A page for one patient: it starts with the patient, the summary comes after."""
    return summary.get("patients") == 1


def _grade_colour(grade: Any) -> str:
    try:
        return GRADE_COLOURS.get(int(grade), "#9e9e9e")
    except (TypeError, ValueError):
        return "#9e9e9e"
