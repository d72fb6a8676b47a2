"""Kaplan-Meier estimates of TTP and OS per analysis group, with an exact median.

The product-limit estimate is S(t) = prod over event times t_i <= t of (1 - d_i / n_i)
(d_i events among n_i at risk). The median is the first event time where S(t) <= 1/2.
That comparison is made in exact fractions: in floating point a curve that reaches
exactly one half (3/4 x 2/3) comes out as 0.5000000000000001 and the median jumps to
the next event time (lifelines does this).

The 95% confidence interval of the median is read off the pointwise confidence curves
the same way (first time the curve is <= 1/2). The curves are lifelines'
"exponential Greenwood" (log(-log)) interval:
S(t) ** exp(+-z * sqrt(V) / |log S(t)|), V = sum of d_i / (n_i (n_i - d_i)), z = 1.959964.
Those are irrational numbers, so they are computed in floats and compared with a
tolerance of 1e-9: the rounding error of a product of n float factors is about
n x 1.1e-16, under 1e-10 for a million patients, so a curve within 1e-9 of 1/2 is
taken to reach it, and one further away is decided correctly either way.
Where S(t) = 0 both curves are 0; where no event has happened yet both are 1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

__all__ = ["kaplan_meier"]

Z_95 = 1.959963984540054  # the standard normal's 97.5th percentile
_HALF = Fraction(1, 2)
_TOLERANCE = 1e-9  # see the module docstring


def _months(days: float | None, per_month: float) -> float | None:
    if days is None or not math.isfinite(days):
        return None
    return round(days / per_month, 2)


def _steps(days: Sequence[int], events: Sequence[int]) -> tuple[list[int], list[int], list[int]]:
    """Distinct times in order, with patients at risk and events at each."""
    import numpy

    durations = numpy.asarray(days, dtype=numpy.int64)
    observed = numpy.asarray(events, dtype=numpy.uint8).astype(bool)
    times, inverse = numpy.unique(durations, return_inverse=True)
    leaving = numpy.bincount(inverse, minlength=times.size)
    dying = numpy.bincount(inverse, weights=observed, minlength=times.size).astype(numpy.int64)
    at_risk = durations.size - numpy.concatenate(([0], numpy.cumsum(leaving)[:-1]))
    return times.tolist(), at_risk.tolist(), dying.tolist()


def _first_at_or_below_half(times: list[int], curve: list[float]) -> int | None:
    for time, value in zip(times, curve, strict=True):
        if value <= 0.5 + _TOLERANCE:
            return time
    return None


def kaplan_meier(days: Sequence[int], events: Sequence[int], per_month: float) -> dict[str, Any]:
    """The estimate for one group: ``days`` from the index TACE, ``events`` 1 or 0."""
    out: dict[str, Any] = {
        "patients": len(days),
        "events": int(sum(1 for e in events if e)),
        "median_months": None,
        "median_ci95_months": [None, None],
        "curve": {"months": [], "survival": []},
    }
    if not len(days):
        return out
    times, at_risk, dying = _steps(days, events)
    exact = Fraction(1)
    median: int | None = None
    survival = 1.0
    greenwood = 0.0
    curve_times: list[int] = [0]
    curve: list[float] = [1.0]
    lower: list[float] = []
    upper: list[float] = []
    event_times: list[int] = []
    for time, n, d in zip(times, at_risk, dying, strict=True):
        if d:
            if median is None:
                exact *= Fraction(n - d, n)
                if exact <= _HALF:
                    median = time
            survival *= 1 - d / n
            event_times.append(time)
            if survival <= 0:
                lower.append(0.0)
                upper.append(0.0)
            else:
                greenwood += d / (n * (n - d))
                spread = math.exp(Z_95 * math.sqrt(greenwood) / abs(math.log(survival)))
                lower.append(survival**spread)
                upper.append(survival ** (1 / spread))
        if time != 0:
            curve_times.append(time)
            curve.append(survival)
        else:
            curve[0] = survival
    out["median_months"] = _months(median, per_month)
    out["median_ci95_months"] = [
        _months(_first_at_or_below_half(event_times, lower), per_month),
        _months(_first_at_or_below_half(event_times, upper), per_month),
    ]
    out["curve"] = {
        "months": [round(t / per_month, 3) for t in curve_times],
        "survival": [round(s, 4) for s in curve],
    }
    return out
