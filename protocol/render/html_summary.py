"""The HTML report's cohort parts: counts, flow, groups, curves, flags, rules, errors.

:class:`CohortSections` is mixed into :class:`~protocol.render.html.HtmlRenderer`;
it reads the renderer's ``pack`` and ``options``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from protocol.findings import ATTENTION_ORDER, RecordError, Status
from protocol.packs.model import Pack
from protocol.render.base import RenderOptions
from protocol.render.html_markup import esc, grade_colour, months, num_cell, table
from protocol.render.html_page import ink_on
from protocol.render.km_chart import km_svg
from protocol.render.text_summary import site_rows
from protocol.render.timeline_marks import DOSE_COLOURS, GRADE_COLOURS, IMAGING, WINDOW_COLOURS
from protocol.render.wording import ci_text

__all__ = ["CohortSections"]

_MAX_ERRORS_LISTED = 1000  # the page stays readable; every format lists them all
_WINDOW_WORDS = {
    "progression": "progression due (from TACE #1)",
    "start": "sorafenib start due (after TACE #2)",
    "exposure": "sorafenib exposure threshold reached",
    "control": "control: TACE #3 due",
}
_GROUP_COLOURS = ("#00897b", "#f57c00", "#3949ab", "#8e24aa", "#6d4c41", "#c2185b")


class CohortSections:
    """The summary's sections, the patients' heading and the legend (see the module)."""

    pack: Pack
    options: RenderOptions

    shown_summary: Callable[[Mapping[str, Any]], Mapping[str, Any]]

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
            self._sites(summary.get("sites")),
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
            f"finding not met</label>{table(head, [], [5])}</section>\n"
        )

    def _definitions(self) -> str:
        """TTP, OS and the index TACE as this pack defines them."""
        index = self.pack.endpoints.get("index_tace", {})
        per_arm = "; ".join(f"TACE #{n} in {esc(arm)}" for arm, n in index.items())
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
            f"<dt>Months</dt><dd>days / {esc(per_month)}.</dd></dl>"
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
            f'<div class="card{" bad" if bad and value else ""}"><b>{esc(value)}</b>'
            f"<span>{esc(label)}</span></div>"
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
                f'<p><b>{esc(cohort)}</b></p><div class="consort">'
                f'<div class="box">Checked: <b>{esc(flow.get("checked", 0))}</b></div>'
                "<div></div><div></div>"
            )
            for step in flow.get("steps", []):
                held = [
                    f"{step[key]} {text}"
                    for key, text in (("pending", "pending"), ("not_evaluable", "not evaluable"))
                    if step.get(key)
                ]
                side = f"Excluded: <b>{esc(step['excluded'])}</b>"
                if held:
                    side += f"<br>held: {esc(', '.join(held))}"
                parts.append(
                    f'{gap}<div class="box"><code>{esc(step["rule"])}</code> {esc(step["name"])}'
                    f'<br><span class="muted">entered {esc(step["entered"])}</span> → passed '
                    f"<b>{esc(step['passed'])}</b></div>"
                    f'<div class="right"></div><div class="box side">{side}</div>'
                )
            parts.append(
                f'{gap}<div class="box final">Eligible: {esc(flow.get("eligible", 0))}</div>'
                "<div></div><div></div></div>"
            )
        parts.append("</div>")
        return "".join(parts)

    def _groups(self, summary: Mapping[str, Any], colours: Mapping[str, str]) -> str:
        rows = [
            f"<tr><td>{esc(cohort)}</td>{num_cell(info.get('patients', 0))}<td>"
            + esc(", ".join(f"{k} {v}" for k, v in info.get("eligibility", {}).items()))
            + "</td></tr>"
            for cohort, info in summary.get("cohorts", {}).items()
        ]
        groups = [
            f'<tr><td><i class="swatch" style="background:{colours.get(g, "#b0bec5")}"></i> '
            f"{esc(g)}</td>{num_cell(n)}</tr>"
            for g, n in summary.get("groups", {}).items()
        ]
        unassigned = [
            f"<tr><td>{esc(reason)}</td>{num_cell(n)}</tr>"
            for reason, n in summary.get("unassigned", {}).items()
        ]
        parts = [
            '<div class="panel"><h3>Cohorts</h3>',
            table(["cohort", "patients", "eligibility"], rows, [1]),
            "<h3>Analysis groups</h3>",
            table(["group", "patients"], groups, [1]),
        ]
        if unassigned:
            parts += [
                "<h3>Unassigned, by reason</h3>",
                table(["reason", "patients"], unassigned, [1]),
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
                bounds = estimate.get("median_ci95_months")
                patients = estimate.get("patients", 0)
                ci = ci_text(bounds, patients, " – ") if patients else "—"
                rows.append(
                    f"<tr><td>{esc(name.upper())}</td><td>{esc(group)}</td>"
                    f"{num_cell(estimate.get('patients', 0))}{num_cell(estimate.get('events', 0))}"
                    f'<td class="n median">{esc(months(estimate.get("median_months")))}</td>'
                    f'<td class="n">{esc(ci)}</td></tr>'
                )
        listing = table(
            ["endpoint", "group", "patients", "events", "median (months)", "95% CI (months)"],
            rows,
            [2, 3, 4, 5],
        )
        return (
            "<h3>Endpoints (Kaplan-Meier, eligible and assigned patients)</h3>"
            f'<div class="grid2">{"".join(charts)}</div><p></p>{listing}'
            '<p class="muted">Median with its 95% confidence interval; "not reached" when the '
            "curve does not fall to 0.5 (or the bound cannot be estimated); the interval is not "
            "estimable from one patient. Small ticks on a "
            "curve mark times with censoring only.</p>"
        )

    def _sites(self, sites: Mapping[str, Mapping[str, Any]] | None) -> str:
        """Per site: patients, eligible, deviations, open queries (new and resolved)."""
        if not sites:
            return ""
        head, cells = site_rows(sites)
        rows = [
            "<tr>"
            + f"<td>{esc(row[0])}</td>"
            + "".join(f'<td class="n">{esc(cell)}</td>' for cell in row[1:])
            + "</tr>"
            for row in cells
        ]
        return (
            '<h3>Per site</h3><div class="panel">'
            f"{table(head, rows, range(1, len(head)))}"
            '<p class="muted">Deviations per patient-month: deviation findings not met / months '
            "on sorafenib, summed over the site's patients (— without exposure).</p></div>"
        )

    def _run(self, run: Mapping[str, Any] | None) -> str:
        """Which tool and pack made this report, when, and which as-of rule it applied."""
        if not run:
            return ""
        pack = run.get("pack") or {}
        bits = [
            f"tacecheck {esc(run.get('tool_version', '?'))}",
            f"pack <code>{esc(pack.get('id', '?'))}</code> version {esc(pack.get('version', '?'))}",
        ]
        if run.get("run_at"):
            bits.append(f"run at {esc(run['run_at'])}")
        if run.get("as_of_rule"):
            bits.append(f"as of: {esc(run['as_of_rule'])}")
        return f'<p class="run muted" id="run">Run: {" · ".join(bits)}</p>\n'

    def _safety(self, flags: Mapping[str, Any]) -> str:
        rows = []
        for code, flag in flags.items():
            grades = " ".join(
                f'<span class="badge" style="background:{grade_colour(g)};'
                f'color:{ink_on(grade_colour(g))}">G{esc(g)}: {esc(n)}</span>'
                for g, n in flag.get("by_grade", {}).items()
            )
            terms = list(flag.get("by_term", {}).items())
            shown = ", ".join(f"{t} ({n})" for t, n in terms[:10])
            if len(terms) > 10:
                shown += f", and {len(terms) - 10} more"
            rows.append(
                f"<tr><td><code>{esc(code)}</code> {esc(flag.get('name', ''))}</td>"
                f"{num_cell(flag.get('events', 0), True)}{num_cell(flag.get('patients', 0), True)}"
                f"<td>{grades}</td><td>{esc(shown)}</td></tr>"
            )
        body = table(["flag", "events", "patients", "by grade", "by term"], rows, [1, 2])
        return f'<div class="panel"><h3>Safety flags</h3>{body}</div>'

    def _rules(self, rules: Mapping[str, Mapping[str, int]]) -> str:
        order = [r.code for r in self.pack.rules if r.code in rules]
        order += [code for code in rules if code not in order]
        rows = []
        for code in order:
            counts = rules[code]
            cells = "".join(
                num_cell(counts.get(str(s), 0), s is Status.NOT_MET) for s in ATTENTION_ORDER
            )
            klass = ' class="nm"' if counts.get("not_met") else ""
            rows.append(
                f"<tr{klass}><td><code>{esc(code)}</code></td>"
                f"<td>{esc(self._rule_name(code))}</td>{cells}</tr>"
            )
        head = ["rule", "name", *(s.label for s in ATTENTION_ORDER)]
        return (
            '<div class="panel"><h3>Findings per rule and status</h3>'
            f"{table(head, rows, [2, 3, 4, 5, 6])}</div>"
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
                f"<tr><td>{esc(e.source)}</td><td>{esc(e.patient_id or '')}</td>"
                f"<td><code>{esc(e.location or '(whole record)')}</code></td>"
                f"<td>{esc(e.text(self.options.hide_values))}</td></tr>"
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
            f"{table(['source', 'patient', 'location', 'message'], rows)}{note}</section>\n"
        )

    def _patients_heading(self, summary: Mapping[str, Any]) -> str:
        limit = self.options.timelines
        return (
            f'<section id="patients"><h2>Patients</h2><p class="muted">In input order. '
            f"Timelines and findings tables are drawn for the first {esc(limit)} patients; "
            "after that, each patient's header and the findings not met.</p>"
            f"{self._legend()}\n"
        )

    def _legend(self) -> str:
        """Every colour and mark the timelines use, and what it means."""
        flag = self.pack.params.get("flag_ae_grade")

        def item(style: str, text: str) -> str:
            return f'<span><i style="{style}"></i>{esc(text)}</span>'

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
            item("background:#c62828;border-radius:6px", "deviation, flag or query (its number)"),
            item("background:#fff;border:1px dashed #546e7a", "partial date (the days it may be)"),
        ]
        return f'<div class="legend">{"".join(marks)}</div>'
