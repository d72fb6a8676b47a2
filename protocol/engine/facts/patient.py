"""Facts about the patient as a whole: diagnosis, treatment given, the analysis group."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from protocol.dates import DateRange
from protocol.engine.facts.base import Fact, date_text, register, yes_no
from protocol.engine.timeline import Period, Timeline, day_span, span_text

__all__: list[str] = []  # the builders register themselves as subjects


@register(
    "condition condition_given unresectable",
    "condition_text unresectable_text diagnosis_date pointer",
    "qualifying_condition qualifying_condition_words",
)
def _diagnosis(t: Timeline, p: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[Fact]:
    """The diagnosis and its resectability (ELG001)."""
    d = t.record.diagnosis
    condition = d.condition if d and d.condition else ""
    unresectable = d.unresectable if d else None
    if condition == p["qualifying_condition"]:
        text = str(p["qualifying_condition_words"])
    else:  # as recorded, quoted: a mistyped code reads as it was typed
        text = f"'{condition}'" if condition else "not recorded"
    return [
        Fact(
            "diagnosis",
            None,
            {
                "condition": condition,
                "condition_given": bool(condition),
                "unresectable": yes_no(unresectable),
            },
            {
                "condition_text": text,
                "unresectable_text": {True: "unresectable", False: "resectable"}.get(
                    unresectable, "resectability not recorded"
                ),
                "diagnosis_date": date_text(d.date if d else None),
                "pointer": "/diagnosis" if d else "",
            },
        )
    ]


@register(
    "treated eligibility",
    "first_start eligibility_text failed_rules pointer",
    needs_eligibility=True,
)
def _treatment(t: Timeline, p: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[Fact]:
    """Whether sorafenib was given, beside the patient's eligibility (TRT002)."""
    first = t.first_start
    return [
        Fact(
            "treatment",
            None,
            {"treated": first is not None, "eligibility": ctx["eligibility"]},
            {
                "first_start": str(first.period.start_date) if first else "never",
                "eligibility_text": ctx["eligibility"],
                "failed_rules": ", ".join(ctx["failed_rules"]) or "none",
                "pointer": f"/sorafenib/{first.index}" if first else "/sorafenib",
            },
        )
    ]


@register("periods", "first_start pointer")
def _control_sorafenib(t: Timeline, p: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[Fact]:
    """Sorafenib recorded for a control patient (CTL001)."""
    first = t.first_start
    return [
        Fact(
            "control_sorafenib",
            None,
            {"periods": len(t.periods)},
            {
                "first_start": str(first.period.start_date) if first else "never",
                "pointer": f"/sorafenib/{first.index}" if first else "/sorafenib",
            },
        )
    ]


def _days_off(periods: tuple[Period, ...]) -> int | None:
    """Days between the first start and the last end with no period running (None: partial)."""
    if not all(x.start.exact and x.end.exact for x in periods):
        return None
    off = 0
    covered_to = None
    for x in sorted(periods, key=lambda x: (x.start.earliest, x.end.earliest)):
        if covered_to is not None and x.start.earliest.toordinal() > covered_to + 1:
            off += x.start.earliest.toordinal() - covered_to - 1
        end = x.end.earliest.toordinal()
        covered_to = end if covered_to is None else max(covered_to, end)
    return off


@register(
    "eligibility cohort treated ongoing exposure_margin_min exposure_margin_max",
    "eligibility_text exposure_start exposure_end threshold_date threshold_months "
    "exposure_days off_text pointer",
    "exposure_threshold_months",
    needs_eligibility=True,
)
def _analysis(t: Timeline, p: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[Fact]:
    """Eligibility and sorafenib exposure, for the analysis group."""
    months = p["exposure_threshold_months"]
    first = t.first_start
    values = {
        "eligibility": ctx["eligibility"],
        "cohort": t.record.cohort,
        "treated": first is not None,
        "ongoing": False,
        "exposure_margin_min": 0,
        "exposure_margin_max": 0,
    }
    display: dict[str, Any] = {
        "eligibility_text": ctx["eligibility"],
        "exposure_start": "",
        "exposure_end": "",
        "threshold_date": "",
        "threshold_months": months,
        "exposure_days": "",
        "off_text": "",
        "pointer": "/sorafenib",
    }
    if first is not None:
        end = DateRange(
            max(x.end.earliest for x in t.periods), max(x.end.latest for x in t.periods)
        )
        threshold = first.start.plus_months(months)
        low, high = day_span(threshold, end)
        values.update(exposure_margin_min=low, exposure_margin_max=high)
        ongoing = any(x.ongoing for x in t.periods)
        off = _days_off(t.periods)
        values["ongoing"] = ongoing
        display.update(
            exposure_start=str(first.period.start_date),
            exposure_end=str(end),
            threshold_date=str(threshold),
            exposure_days=span_text(*day_span(first.start, end)),
            off_text=f", including {off} day{'' if off == 1 else 's'} without sorafenib"
            if off
            else "",
        )
    return [Fact("analysis", None, values, display)]
