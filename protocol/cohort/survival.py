"""Kaplan-Meier estimates of TTP and OS per analysis group, with lifelines.

lifelines (maintained, widely used in clinical statistics) does the
estimation; this module only converts day counts to months and lays the
result out for the report: patients, events, the median with its 95%
confidence interval (``None`` when not reached), and the survival curve as
steps for the HTML page.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

__all__ = ["kaplan_meier"]


def _months(days: float, per_month: float) -> float | None:
    if days is None or not math.isfinite(days):
        return None
    return round(days / per_month, 2)


def kaplan_meier(days: Sequence[int], events: Sequence[int], per_month: float) -> dict[str, Any]:
    """The estimate for one group: ``days`` from the index TACE, ``events`` 1 or 0.

    Arrays (``array.array``, ``bytearray``) are handed to lifelines without a Python
    object per patient, so a million-patient group stays small in memory.
    """
    import numpy

    durations = numpy.asarray(days, dtype=numpy.int64)
    observed = numpy.asarray(events, dtype=numpy.uint8).astype(bool)
    out: dict[str, Any] = {
        "patients": int(durations.size),
        "events": int(numpy.count_nonzero(observed)),
        "median_months": None,
        "median_ci95_months": [None, None],
        "curve": {"months": [], "survival": []},
    }
    if not durations.size:
        return out
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    fitter = KaplanMeierFitter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lifelines warns on all-censored groups
        fitter.fit(durations, event_observed=observed)
        ci = median_survival_times(fitter.confidence_interval_)
    out["median_months"] = _months(float(fitter.median_survival_time_), per_month)
    low, high = (float(value) for value in ci.iloc[0])
    out["median_ci95_months"] = [_months(low, per_month), _months(high, per_month)]
    curve = fitter.survival_function_.iloc[:, 0]
    out["curve"] = {
        "months": [round(float(t) / per_month, 3) for t in curve.index],
        "survival": [round(float(s), 4) for s in curve.to_numpy()],
    }
    return out
