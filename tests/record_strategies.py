"""Hypothesis strategies for valid patient records over the whole schema range.

Every record drawn passes ``schemas/patient-record.schema.json`` (the property
tests assert it through ``protocol.records.load_record``). The draws cover both
cohorts; tiny and huge doses (integers, short decimals, long binary fractions,
values a hair either side of the dose limits, exponent forms such as 1e-05);
every frequency, grade and enum value; full and partial dates (``YYYY-MM``,
``YYYY``) from the first to the last accepted year; empty and long arrays;
optional fields present or absent; ongoing periods (``end_date`` null) and a
``data_cutoff_date`` (always a full date) present or absent.

Dates are laid out around one base day so that the protocol's windows (21 days,
4 and 6 calendar months) are hit often, then clipped to the accepted range
(``protocol.dates.EARLIEST_YEAR`` to ``LATEST_YEAR``, the schema's own bounds).
"""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from protocol.dates import EARLIEST_YEAR, LATEST_YEAR

__all__ = [
    "DATE_RANGE",
    "DOSE_MAXIMUM",
    "ODD_VALUES",
    "as_of_dates",
    "batches",
    "doses",
    "full_dates",
    "patient_records",
    "value_paths",
]

_ROOT = Path(__file__).resolve().parent.parent


def _accepted_range() -> tuple[date, date]:
    return date(EARLIEST_YEAR, 1, 1), date(LATEST_YEAR, 12, 31)


def _schema() -> dict[str, Any]:
    with (_ROOT / "schemas" / "patient-record.schema.json").open(encoding="utf-8") as handle:
        return json.load(handle)


_SCHEMA = _schema()
_PROPS = _SCHEMA["properties"]
DATE_RANGE: tuple[date, date] = _accepted_range()
DOSE_MAXIMUM: float = _PROPS["sorafenib"]["items"]["properties"]["dose_mg"]["maximum"]


def _enum(field: str, item: str | None = None) -> list[str]:
    props = _PROPS[field]["items"]["properties"] if item else _PROPS
    return list(props[item or field]["enum"])


COHORTS = list(_PROPS["cohort"]["enum"])
TECHNIQUES = _enum("tace", "technique")
MODALITIES = _enum("imaging", "modality")
RESULTS = _enum("imaging", "result")
FREQUENCIES = _enum("sorafenib", "frequency")
REASONS = _enum("sorafenib", "reason")
ACTIONS = _enum("adverse_events", "action_taken")

# Values that have broken number handling before, or sit on a limit's edge.
_EDGE_DOSES = [
    0.00001,
    0.0001,
    1e-05,
    0.5,
    1,
    133.33333333333334,  # x3 (TID) is 400.00000000000006
    199.99999999999997,
    200,
    266.6666666666667,
    math.nextafter(400.0, 0.0),
    400,
    400.0,
    math.nextafter(400.0, math.inf),
    0.1 + 0.2,
    800,
    math.nextafter(800.0, math.inf),
    799.9999999999999,
    1600,
    1234.5678901234567,
    99999.99999 if DOSE_MAXIMUM >= 99999.99999 else DOSE_MAXIMUM,
    DOSE_MAXIMUM,
    math.nextafter(DOSE_MAXIMUM, 0.0),
]


def doses() -> st.SearchStrategy[float | int]:
    """Doses over the schema's whole range: edges, integers, short decimals, any float."""
    top = int(DOSE_MAXIMUM)
    return st.one_of(
        st.sampled_from(_EDGE_DOSES),
        st.integers(1, top),
        st.sampled_from([100, 200, 300, 400, 600, 800]),
        st.decimals(
            min_value="0.00001", max_value=str(DOSE_MAXIMUM), places=5, allow_nan=False
        ).map(float),
        st.floats(
            min_value=0.0,
            max_value=DOSE_MAXIMUM,
            exclude_min=True,
            allow_nan=False,
            allow_infinity=False,
            allow_subnormal=False,
        ),
    ).filter(lambda value: 0 < value <= DOSE_MAXIMUM)


def _clip(day: date) -> date:
    low, high = DATE_RANGE
    return min(max(day, low), high)


def _shift(day: date, days: int) -> date:
    low, high = DATE_RANGE
    ordinal = min(max(day.toordinal() + days, low.toordinal()), high.toordinal())
    return date.fromordinal(ordinal)


def full_dates() -> st.SearchStrategy[date]:
    """Any day of the accepted range, often near its ends."""
    low, high = DATE_RANGE
    return st.one_of(
        st.dates(low, high),
        st.dates(low, _shift(low, 800)),
        st.dates(_shift(high, -800), high),
        st.dates(date(2005, 1, 1), date(2015, 12, 31)).map(_clip),
    )


@st.composite
def _written(draw: st.DrawFn, day: date, partial: bool = True) -> str:
    """A day as a record writes it: full, or (when allowed) reduced to month or year."""
    if not partial:
        return day.isoformat()
    precision = draw(st.sampled_from(["day", "day", "day", "day", "month", "year"]))
    if precision == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if precision == "year":
        return f"{day.year:04d}"
    return day.isoformat()


# Offsets on the protocol's edges: same day, 3 weeks, 4 and 6 calendar months (about).
_EDGE_OFFSETS = [0, 0, 1, 20, 21, 22, 30, 31, 120, 121, 122, 181, 182, 183, 184]


def _offsets(low: int, high: int) -> st.SearchStrategy[int]:
    """Day offsets: small, on a window's edge, or anywhere in ``low..high``."""
    small = (max(low, -3), min(high, 45))
    edges = [x for x in _EDGE_OFFSETS if low <= x <= high] or [low]
    return st.one_of(st.integers(*small), st.sampled_from(edges), st.integers(low, high))


_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=40
)
_LONG_TEXT = st.text(min_size=150, max_size=200)
_IDS = st.from_regex(r"[A-Za-z0-9._-]{1,64}", fullmatch=True)


def _sized(draw: st.DrawFn, item: st.SearchStrategy[Any], long_max: int) -> list[Any]:
    """Empty, a few, or (now and then) a long array of ``item``."""
    size_class = draw(st.sampled_from(["few", "few", "few", "empty", "long"]))
    if size_class == "empty":
        return []
    if size_class == "long":
        return draw(st.lists(item, min_size=15, max_size=long_max))
    return draw(st.lists(item, min_size=1, max_size=5))


@st.composite
def patient_records(draw: st.DrawFn, patient_id: str | None = None) -> dict[str, Any]:
    """One schema-valid patient record, its dates laid out around one base day."""
    base = draw(full_dates())
    record: dict[str, Any] = {
        "schema_version": "1",
        "patient_id": patient_id if patient_id is not None else draw(_IDS),
        "cohort": draw(st.sampled_from(COHORTS)),
    }
    if draw(st.booleans()):
        record["site_id"] = draw(st.one_of(_IDS, _TEXT))
    if draw(st.integers(0, 5)):
        diagnosis: dict[str, Any] = {}
        if draw(st.integers(0, 4)):
            diagnosis["condition"] = draw(
                st.one_of(st.just("hepatocellular_carcinoma"), _TEXT, _LONG_TEXT)
            )
        if draw(st.booleans()):
            diagnosis["date"] = draw(_written(_shift(base, -draw(_offsets(0, 400)))))
        if draw(st.integers(0, 4)):
            diagnosis["unresectable"] = draw(st.booleans())
        record["diagnosis"] = diagnosis

    # TACEs one after another from the base day; a gap of 0 is a duplicate date.
    tace_days: list[date] = []
    day = base
    gaps = st.one_of(st.integers(0, 400), st.sampled_from(_EDGE_OFFSETS))
    for gap in _sized(draw, gaps, 60):
        day = _shift(day, gap)
        tace_days.append(day)
    tace = []
    for when in tace_days:
        entry: dict[str, Any] = {"date": draw(_written(when))}
        if draw(st.booleans()):
            entry["technique"] = draw(st.sampled_from(TECHNIQUES))
        tace.append(entry)
    anchor = tace_days[1] if len(tace_days) > 1 else base

    imaging = []
    for offset in _sized(draw, _offsets(-60, 900), 60):
        entry = {"date": draw(_written(_shift(base, offset)))}
        if draw(st.booleans()):
            entry["modality"] = draw(st.sampled_from(MODALITIES))
        entry["result"] = draw(st.sampled_from(RESULTS))
        imaging.append(entry)

    # Dosing periods from near TACE #2 on, each after the last with a gap or overlap.
    sorafenib = []
    start = _shift(anchor, draw(_offsets(-10, 60)))
    period_starts: list[date] = []
    for _ in _sized(draw, st.just(None), 40):
        length = draw(_offsets(-5, 500))
        end = _shift(start, length)
        period: dict[str, Any] = {
            "start_date": draw(_written(start)),
            "end_date": None if draw(st.integers(0, 4)) == 0 else draw(_written(end)),
            "dose_mg": draw(doses()),
            "frequency": draw(st.sampled_from(FREQUENCIES)),
        }
        if draw(st.booleans()):
            period["reason"] = draw(st.sampled_from(REASONS))
        sorafenib.append(period)
        period_starts.append(start)
        follow = draw(st.sampled_from(["after", "after", "after", "same_start", "overlap"]))
        if follow == "same_start":  # two periods from one day, as in a dose change entered twice
            continue
        start = _shift(end if follow == "after" else start, draw(st.integers(-10, 40)))

    adverse_events = []
    for _ in _sized(draw, st.just(None), 60):
        near = draw(st.sampled_from(period_starts)) if period_starts else anchor
        onset = _shift(near, draw(_offsets(-20, 400)))
        event: dict[str, Any] = {
            "term": draw(st.one_of(st.sampled_from(["Hypertension", "Diarrhoea"]), _TEXT)),
            "grade": draw(st.integers(1, 5)),
            "onset_date": draw(_written(onset)),
            "action_taken": draw(st.sampled_from(ACTIONS)),
        }
        resolution = draw(st.sampled_from(["absent", "null", "date"]))
        if resolution == "null":
            event["resolution_date"] = None
        elif resolution == "date":
            event["resolution_date"] = draw(_written(_shift(onset, draw(_offsets(-5, 300)))))
        if draw(st.booleans()):
            event["serious"] = draw(st.booleans())
        if draw(st.booleans()):
            event["related_to_sorafenib"] = draw(st.one_of(st.none(), st.booleans()))
        adverse_events.append(event)

    for field, items in (
        ("tace", tace),
        ("imaging", imaging),
        ("sorafenib", sorafenib),
        ("adverse_events", adverse_events),
    ):
        if items or draw(st.booleans()):  # an empty array, or the field left out
            record[field] = draw(st.permutations(items)) if items else []

    if draw(st.integers(0, 3)) == 0:
        record["withdrawal"] = {
            "date": draw(_written(_shift(base, draw(_offsets(0, 1500))))),
            "reason": draw(st.one_of(_TEXT, st.text(min_size=400, max_size=500))),
        }
    if draw(st.integers(0, 3)) == 0:
        record["death_date"] = draw(_written(_shift(base, draw(_offsets(-30, 2500)))))
    if draw(st.booleans()):
        record["last_contact_date"] = draw(_written(_shift(base, draw(_offsets(-30, 2500)))))
    if draw(st.booleans()):
        cutoff = _shift(base, draw(_offsets(-30, 3000)))
        record["data_cutoff_date"] = draw(_written(cutoff, partial=False))
    return record


def as_of_dates() -> st.SearchStrategy[date]:
    """An ``--as-of`` day: anywhere in the range, often in the years records use."""
    return full_dates()


def batches(min_size: int = 1, max_size: int = 40) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Records with distinct patient ids (``B0``, ``B1``, ...), for one run of the CLI."""

    @st.composite
    def _batch(draw: st.DrawFn) -> list[dict[str, Any]]:
        size = draw(st.integers(min_size, max_size))
        return [draw(patient_records(patient_id=f"B{index}")) for index in range(size)]

    return _batch()


# Values a field of a valid record may be changed to, to see two validators agree on it.
ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 2000),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(
        ["", "2012", "2012-02", "2012-02-30", "2012-2-3", "2012-01-01\n", "QD", "BID", "x" * 300]
    ),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.sampled_from(["date", "x"]), st.text(max_size=3), max_size=2),
)


def value_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key/index path into a decoded JSON value (the value itself excluded)."""
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            out += value_paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            out += value_paths(child, (*prefix, index))
    return out
