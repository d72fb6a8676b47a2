"""The HTML report: one self-contained page, cohort summary first, then every patient.

The page loads nothing: inline CSS, inline SVG, no script, no font, no image.
The summary shows the counts, a CONSORT-style flow per cohort, the analysis
groups, Kaplan-Meier curves of TTP and OS with their medians, the safety
flags, the counts per rule and status, and the input errors. Each patient
then gets a one-line header; the first ``RenderOptions.timelines`` patients
also get a timeline (:mod:`protocol.render.timeline_svg`) and their findings
table, the others only their ``not_met`` messages, so that a page for a very
large cohort stays small. Every string from the input goes through
:func:`html.escape`.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from html import escape
from typing import Any

from protocol.findings import ATTENTION_ORDER, Finding, PatientResult, RecordError, Status
from protocol.render.base import Renderer
from protocol.render.course import deviations, locate
from protocol.render.timeline_svg import GRADE_COLOURS, timeline_svg

__all__ = ["HtmlRenderer"]

_MAX_ERRORS_LISTED = 1000  # the page stays readable; every format lists them all
_OPEN_FOR = {Status.NOT_MET, Status.PENDING, Status.NOT_EVALUABLE}  # shown unfolded
_GROUP_COLOURS = ("#00897b", "#f57c00", "#3949ab", "#8e24aa", "#6d4c41", "#c2185b")

_CSS = """
:root{--ink:#1f2a33;--muted:#5f6f7a;--line:#d9e0e5;--bg:#f5f7f9;--red:#c62828;
--green:#2e7d32;--amber:#b26a00;--purple:#6a1b9a;--grey:#78909c;--card:#fff}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:var(--ink);background:var(--bg)}
header.top{background:#263238;color:#fff;padding:18px 32px}
header.top h1{margin:0;font-size:22px;font-weight:600}
header.top p{margin:4px 0 0;color:#cfd8dc}
main{padding:8px 32px 32px;max-width:1240px}
h2{font-size:19px;margin:28px 0 10px;border-bottom:2px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:18px 0 8px}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 16px;
min-width:150px}
.card b{display:block;font-size:24px}
.card span{color:var(--muted);font-size:12px}
.card.bad b{color:var(--red)}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:16px;
align-items:start}
.panel{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 16px}
table{border-collapse:collapse;background:var(--card);font-size:13px}
th,td{border-bottom:1px solid var(--line);padding:5px 9px;text-align:left;vertical-align:top}
th{background:#eceff1;font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
td.hot{color:var(--red);font-weight:700}
tr.nm td{background:#fdecea}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.muted{color:var(--muted)}
.badge{display:inline-block;border-radius:10px;padding:1px 8px;font-size:12px;
font-weight:600;color:#fff;background:var(--grey);white-space:nowrap}
.s-not_met,.e-ineligible{background:var(--red)}
.s-met,.e-eligible{background:var(--green)}
.s-pending,.e-pending{background:var(--amber)}
.s-not_evaluable,.e-undetermined{background:var(--purple)}
.s-not_applicable{background:#b0bec5}
.tag{display:inline-block;border:1px solid var(--line);border-radius:4px;padding:0 6px;
font-size:12px;background:#fff;color:var(--ink)}
.consort{display:grid;grid-template-columns:minmax(260px,340px) 40px minmax(200px,280px);
align-items:center;row-gap:0}
.box{border:1.5px solid #546e7a;border-radius:6px;background:#fff;padding:6px 10px;
font-size:13px}
.box.final{border-color:var(--green);background:#e8f5e9;font-weight:600}
.box.side{border-style:dashed;border-color:var(--red);background:#fff8f7}
.down{height:20px;border-left:2px solid #546e7a;margin-left:50%}
.right{border-top:2px dashed var(--red);height:0}
.legend{display:flex;flex-wrap:wrap;gap:14px;font-size:12px;color:var(--muted)}
i.swatch{display:inline-block;width:10px;height:10px}
.legend i{display:inline-block;width:12px;height:12px;vertical-align:-2px;margin-right:4px}
details.patient,section.patient{background:#fff;border:1px solid var(--line);
border-radius:8px;margin:8px 0}
details.patient>summary,section.patient>div.head{padding:8px 12px;cursor:pointer;
display:flex;flex-wrap:wrap;gap:8px;align-items:center}
details.patient[open]>summary{border-bottom:1px solid var(--line)}
.pid{font-weight:700;font-size:15px}
.body{padding:10px 14px}
.scroll{overflow-x:auto}
svg.timeline,svg.km{max-width:100%;height:auto;background:#fff}
svg text.lane{font-weight:600;fill:#37474f;font-size:12px}
svg text.axis,svg text.note,svg text.as-of{fill:#546e7a;font-size:10.5px}
svg text.flagged{font-weight:700;fill:#b71c1c}
svg text.progression{fill:#b71c1c;font-weight:600}
svg text.dose{fill:#004d40;font-size:10.5px}
svg text.window-label{font-weight:600;font-size:10.5px}
svg text.badge{fill:#fff;font-weight:700;font-size:10px}
ol.devs{margin:6px 0 10px;padding-left:0;list-style:none}
ol.devs li{margin:3px 0}
.num{display:inline-block;min-width:18px;height:18px;border-radius:9px;background:var(--red);
color:#fff;font-size:11px;font-weight:700;text-align:center;line-height:18px;margin-right:6px}
ul.nm{margin:0;padding:0 14px 8px 32px;font-size:13px}
footer{padding:16px 32px;color:var(--muted);font-size:12px;border-top:1px solid var(--line)}
"""


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


# --- Kaplan-Meier ---------------------------------------------------------------------


def _nice_step(top: float) -> float:
    for step in (1, 2, 3, 6, 12, 24, 60):
        if top / step <= 10:
            return float(step)
    return 120.0


def _km_svg(title: str, groups: Mapping[str, Mapping[str, Any]], colours: Mapping[str, str]) -> str:
    """Kaplan-Meier step curves, one per group; small ticks where only censoring happened."""
    width, left, right, top, plot_h = 540, 52, 16, 30, 220
    plot_w = width - left - right
    legend_top = top + plot_h + 52
    height = legend_top + 16 * len(groups)
    longest = max((max(g["curve"]["months"] or [0]) for g in groups.values()), default=0)
    step = _nice_step(max(longest, 1.0))
    x_max = max(step, math.ceil(longest / step) * step)

    def x(month: float) -> float:
        return round(left + plot_w * month / x_max, 1)

    def y(survival: float) -> float:
        return round(top + plot_h * (1 - survival), 1)

    parts = [
        f'<svg class="km" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{_e(title)}" font-family="system-ui, sans-serif" font-size="11">',
        f'<text x="{left}" y="18" font-weight="600" font-size="13">{_e(title)}</text>',
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        dash = ' stroke-dasharray="4 3"' if tick == 0.5 else ""
        parts.append(
            f'<line x1="{left}" y1="{y(tick)}" x2="{width - right}" y2="{y(tick)}" '
            f'stroke="#e0e6ea"{dash}/><text x="{left - 6}" y="{y(tick) + 4}" '
            f'text-anchor="end" fill="#546e7a">{tick:g}</text>'
        )
    month = 0.0
    while month <= x_max:
        parts.append(
            f'<line x1="{x(month)}" y1="{top + plot_h}" x2="{x(month)}" y2="{top + plot_h + 4}" '
            f'stroke="#455a64"/><text x="{x(month)}" y="{top + plot_h + 16}" '
            f'text-anchor="middle" fill="#546e7a">{month:g}</text>'
        )
        month += step
    parts.append(
        f'<path d="M{left} {top}V{top + plot_h}H{width - right}" fill="none" stroke="#455a64"/>'
        f'<text x="{left + plot_w / 2}" y="{top + plot_h + 34}" text-anchor="middle" '
        f'fill="#37474f">months from index TACE</text>'
        f'<text x="14" y="{top + plot_h / 2}" text-anchor="middle" fill="#37474f" '
        f'transform="rotate(-90 14 {top + plot_h / 2})">proportion without event</text>'
    )
    legend_y = legend_top
    for name, estimate in groups.items():
        colour = colours.get(name, "#607d8b")
        months, survival = estimate["curve"]["months"], estimate["curve"]["survival"]
        if months:
            path = [f"M{x(months[0])} {y(survival[0])}"]
            ticks = []
            for i in range(1, len(months)):
                path.append(f"H{x(months[i])}V{y(survival[i])}")
                if survival[i] == survival[i - 1]:  # no drop: only censoring at this time
                    ticks.append(f"M{x(months[i])} {y(survival[i]) - 4}v8")
            parts.append(
                f'<path class="curve" data-group="{_e(name)}" d="{"".join(path)}" fill="none" '
                f'stroke="{colour}" stroke-width="2.2"/>'
            )
            if ticks:
                parts.append(f'<path d="{"".join(ticks)}" stroke="{colour}" stroke-width="1.5"/>')
        label = f"{name} (n={estimate['patients']}, {estimate['events']} events)"
        parts.append(
            f'<line x1="{left}" y1="{legend_y}" x2="{left + 22}" y2="{legend_y}" '
            f'stroke="{colour}" stroke-width="3"/>'
            f'<text x="{left + 28}" y="{legend_y + 4}">{_e(label)}</text>'
        )
        legend_y += 16
    parts.append("</svg>")
    return "".join(parts)


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
            f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
            f'<header class="top"><h1>{_e(pack.title)}</h1>'
            f"<p>Protocol check report · study {_e(self.study_id)} · pack "
            f"<code>{_e(pack.id)}</code> version {_e(pack.version)} · as of {_e(as_of)}</p>"
            "</header>\n<main>\n"
        )

    def lead(self, summary: Mapping[str, Any], errors: Collection[RecordError]) -> str:
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
            "</div></section>\n",
            self._errors(errors),
            self._patients_heading(summary),
        ]
        return "".join(parts)

    def record_errors(self, source: str, errors: Sequence[RecordError]) -> str:
        return ""

    def end(self, summary: Mapping[str, Any], errors: Collection[RecordError]) -> str:
        return (
            "</section>\n</main>\n<footer>"
            f"<p>Protocol: {_e(self.pack.reference)}</p>"
            f"<p>Generated by tacecheck with protocol pack {_e(self.pack.id)} version "
            f"{_e(self.pack.version)}. Statuses: met, not met (deviation or unmet criterion), "
            "pending (window still open), not evaluable (missing or partial date), n/a.</p>"
            "</footer>\n</body>\n</html>\n"
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
            charts.append(f'<div class="panel">{_km_svg(title, groups, colours)}</div>')
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
                f'<span class="badge" style="background:{GRADE_COLOURS.get(int(g), "#9e9e9e")};'
                f'color:#000">G{_e(g)}: {_e(n)}</span>'
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
        flag = self.pack.params.get("flag_ae_grade")
        grades = "".join(
            f'<span><i style="background:{c};border-radius:6px"></i>AE grade {g}</span>'
            for g, c in GRADE_COLOURS.items()
        )
        return (
            f'<section id="patients"><h2>Patients</h2><p class="muted">In input order. '
            f"Timelines and findings tables are drawn for the first {_e(limit)} patients; "
            "after that, each patient's header and the findings not met.</p>"
            '<div class="legend">'
            '<span><i style="background:#00695c;transform:rotate(45deg)"></i>TACE #n</span>'
            '<span><i style="background:#d32f2f;clip-path:polygon(50% 0,100% 100%,0 100%)"></i>'
            "imaging: progression / recurrence</span>"
            '<span><i style="background:#90a4ae;border-radius:6px"></i>other imaging</span>'
            '<span><i style="background:#00897b"></i>sorafenib (bar height = daily dose)</span>'
            f"{grades}"
            f'<span><i style="border:2px solid #b71c1c;border-radius:7px"></i>AE grade ≥ '
            f"{_e(flag)}: safety flag</span>"
            '<span><i style="background:#1e88e5;opacity:.3"></i>protocol window</span>'
            '<span><i style="background:#c62828;border-radius:6px"></i>deviation (number)</span>'
            '<span><i style="background:#fff;border:1px dashed #546e7a"></i>partial date</span>'
            "</div>\n"
        )

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
        return "".join(bits)

    def patient(
        self, result: PatientResult, record: Mapping[str, Any] | None, index: int = 0
    ) -> str:
        anchor = f'id="patient-{index}"'
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
        parts.append("</p>")
        placed: frozenset[int] = frozenset()
        if record is None:
            parts.append('<p class="muted">The submitted record is not available.</p>')
        else:
            drawing = timeline_svg(record, result, self.pack.params)
            placed = drawing.placed
            parts.append(
                f'<div class="scroll">{drawing.svg}</div>'
                if drawing.svg
                else '<p class="muted">Nothing dated in the record to draw.</p>'
            )
        parts.append(self._deviation_list(result, placed))
        parts.append(self._findings(result.findings))
        return "".join(parts)

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
