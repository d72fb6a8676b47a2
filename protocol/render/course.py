"""A patient's course as the record tells it: dates, doses, deviations and protocol windows.

What the timeline drawing needs to know before it draws anything: the
record's dates (full or partial), TACEs numbered by date, daily doses, the
findings not met and where in the record they point, and the windows the
protocol sets for this patient. Every number that defines a window comes from
the pack parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from protocol.dates import PartialDate, add_months
from protocol.engine.timeline import number_by_date
from protocol.findings import Finding, PatientResult, Status

__all__ = [
    "CONTROL_ARM",
    "SORAFENIB_ARM",
    "Window",
    "daily_dose",
    "day_span_text",
    "deviations",
    "iso_day",
    "locate",
    "parse_date",
    "protocol_windows",
    "record_items",
    "tace_dates",
]

SORAFENIB_ARM = "sorafenib_after_tace"
CONTROL_ARM = "tace_alone_control"


# --- reading the record ---------------------------------------------------------------


def parse_date(value: Any) -> PartialDate | None:
    """The record's date, full or partial, or ``None`` when absent or unreadable."""
    if not isinstance(value, str):
        return None
    try:
        return PartialDate.parse(value)
    except ValueError:
        return None


def record_items(record: Mapping[str, Any], key: str) -> list[tuple[int, Mapping[str, Any]]]:
    value = record.get(key)
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, Mapping)]


def tace_dates(record: Mapping[str, Any]) -> list[tuple[PartialDate, tuple[int, ...]]]:
    """TACE procedures numbered as the checker numbers them: (date, array indexes).

    Unlike the checker's timeline, TACEs after the as-of date are kept: the drawing
    shows them, clipped at its right edge.
    """
    entries = [
        (i, when)
        for i, item in record_items(record, "tace")
        if (when := parse_date(item.get("date"))) is not None
    ]
    return number_by_date(entries)


def daily_dose(period: Mapping[str, Any], administrations: Mapping[str, float]) -> float | None:
    """Dose per administration times administrations per day (pack parameter)."""
    dose = period.get("dose_mg")
    per_day = administrations.get(str(period.get("frequency")))
    if not isinstance(dose, int | float) or isinstance(dose, bool) or per_day is None:
        return None
    return float(dose) * float(per_day)


def deviations(result: PatientResult) -> list[Finding]:
    """The findings drawn as numbered badges: those ``not_met``, in report order."""
    return [f for f in result.findings if f.status is Status.NOT_MET]


def locate(finding: Finding) -> str | None:
    """The JSON Pointer a finding is about: its location, else its instance."""
    return finding.location or finding.instance


# --- protocol windows -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Window:
    """A protocol window drawn over the timeline (a band, or a line when one day)."""

    kind: str  # progression, start, exposure, control
    label: str
    start: date
    end: date
    detail: str
    uncertain: bool = False

    @property
    def is_line(self) -> bool:
        return self.start == self.end


def iso_day(d: date) -> str:
    return d.isoformat()


def day_span_text(start: date, end: date) -> str:
    return iso_day(start) if start == end else f"{iso_day(start)} – {iso_day(end)}"


def protocol_windows(
    record: Mapping[str, Any], cohort: str, params: Mapping[str, Any]
) -> list[Window]:
    """The windows the protocol sets for this patient, from the pack parameters."""
    taces = [when for when, _ in tace_dates(record)]
    windows: list[Window] = []
    if cohort == SORAFENIB_ARM:
        if taces:
            months = int(params["progression_window_months"])
            first = taces[0]
            end = add_months(first.latest, months)
            windows.append(
                Window(
                    "progression",
                    f"Progression window: TACE #1 + {months} mo, until {iso_day(end)}",
                    first.earliest,
                    end,
                    f"Progression must be seen no later than TACE #1 ({first}) + {months} "
                    f"calendar months = {iso_day(end)}.",
                    not first.is_full,
                )
            )
        if len(taces) >= 2:
            low, high = int(params["start_window_first_day"]), int(params["start_window_last_day"])
            second = taces[1]
            start = second.earliest + timedelta(days=low)
            end = second.latest + timedelta(days=high)
            windows.append(
                Window(
                    "start",
                    f"Sorafenib start window {day_span_text(start, end)} "
                    f"(TACE #2 + day {low}–{high})",
                    start,
                    end,
                    f"First sorafenib dose due on day {low} to {high} after TACE #2 "
                    f"({second}): {day_span_text(start, end)}.",
                    not second.is_full,
                )
            )
        starts = [
            when
            for _, item in record_items(record, "sorafenib")
            if (when := parse_date(item.get("start_date"))) is not None
        ]
        if starts:
            months = int(params["exposure_threshold_months"])
            first_dose = min(starts, key=lambda d: d.earliest)
            low_end = add_months(min(d.earliest for d in starts), months)
            high_end = add_months(min(d.latest for d in starts), months)
            windows.append(
                Window(
                    "exposure",
                    f"{months}-month exposure threshold {day_span_text(low_end, high_end)}",
                    low_end,
                    high_end,
                    f"First dose ({first_dose}) + {months} calendar months: exposure up to "
                    f"here is the threshold between the analysis groups.",
                    not first_dose.is_full,
                )
            )
    elif cohort == CONTROL_ARM and len(taces) >= 2:
        months = int(params["control_interval_months"])
        second = taces[1]
        end = add_months(second.latest, months)
        windows.append(
            Window(
                "control",
                f"Control interval: TACE #3 due before {iso_day(end)} (TACE #2 + {months} mo)",
                second.earliest,
                end,
                f"A control's TACE #3 must come less than {months} calendar months after "
                f"TACE #2 ({second}), that is before {iso_day(end)}.",
                not second.is_full,
            )
        )
    return windows
