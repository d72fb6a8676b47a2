"""The Kaplan-Meier median and its confidence interval, worked out by hand."""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from protocol.cohort.survival import kaplan_meier

Z = 1.959963984540054


def test_a_curve_that_reaches_one_half_exactly_has_its_median_there() -> None:
    # Six patients, days (event 1 / censored 0): 3 (1), 3 (1), 8 (1), 9 (1), 12 (0), 27 (0).
    # day 3: 6 at risk, 2 events: S = 4/6 = 2/3
    # day 8: 4 at risk, 1 event:  S = 2/3 x 3/4 = 1/2 exactly -> the median is day 8
    #   (in floats 2/3 x 3/4 is 0.5000000000000001 and lifelines said day 9)
    # day 9: 3 at risk, 1 event:  S = 1/2 x 2/3 = 1/3; then only censored patients.
    result = kaplan_meier([8, 12, 3, 27, 9, 3], [1, 0, 1, 0, 1, 1], per_month=1.0)
    assert result["median_months"] == 8.0
    assert result["patients"] == 6 and result["events"] == 4
    assert result["curve"]["months"] == [0.0, 3.0, 8.0, 9.0, 12.0, 27.0]
    assert result["curve"]["survival"] == [1.0, 0.6667, 0.5, 0.3333, 0.3333, 0.3333]
    # Confidence curves, log(-log) ("exponential Greenwood"):
    #   V = sum d / (n (n - d)); k = exp(z sqrt(V) / |ln S|); lower = S**k, upper = S**(1/k)
    # day 3: V = 2/(6*4) = 1/12; sqrt(V) = 0.288675; |ln 2/3| = 0.405465; k = exp(1.395424)
    #        = 4.03671; lower = (2/3)**4.03671 = 0.1946 <= 1/2 -> lower bound day 3;
    #        upper = (2/3)**0.247726 = 0.9044
    # day 8: V = 1/12 + 1/(4*3) = 1/6; sqrt(V) = 0.408248; |ln 1/2| = 0.693147;
    #        k = exp(1.154381) = 3.17212; upper = 0.5**0.315246 = 0.8037
    # day 9: V = 1/6 + 1/(3*2) = 1/3; sqrt(V) = 0.577350; |ln 1/3| = 1.098612;
    #        k = exp(1.030015) = 2.80106; upper = (1/3)**0.357008 = 0.6756
    # no later event: the upper curve never reaches 1/2 -> the upper bound is not reached.
    assert result["median_ci95_months"] == [3.0, None]
    for s, v, expected_upper in [
        (2 / 3, 1 / 12, 0.9044),
        (0.5, 1 / 6, 0.8037),
        (1 / 3, 1 / 3, 0.6756),
    ]:
        k = math.exp(Z * math.sqrt(v) / abs(math.log(s)))
        assert round(s ** (1 / k), 4) == expected_upper


def test_confidence_bounds_where_both_curves_cross_one_half() -> None:
    # Four events at days 10, 20, 30, 40: S = 3/4, 1/2, 1/4, 0 -> the median is day 20.
    # lower curve, day 10: V = 1/12, k = exp(1.959964 x 0.288675 / 0.287682) = exp(1.966731)
    #   = 7.14754; lower = 0.75**7.14754 = 0.1279 <= 1/2 -> lower bound day 10.
    # upper curve: day 10 0.75**(1/7.14754) = 0.9605; day 20: V = 1/4, k = exp(1.959964 x 0.5
    #   / 0.693147) = exp(1.413813) = 4.11141, 0.5**0.243226 = 0.8449; day 30: V = 3/4,
    #   k = exp(1.959964 x 0.866025 / 1.386294) = exp(1.224400) = 3.40213,
    #   0.25**0.293934 = 0.6653; day 40: S = 0, both curves 0 -> upper bound day 40.
    result = kaplan_meier([10, 20, 30, 40], [1, 1, 1, 1], per_month=10.0)
    assert result["median_months"] == 2.0
    assert result["median_ci95_months"] == [1.0, 4.0]


def test_no_events_no_median() -> None:
    result = kaplan_meier([5, 9], [0, 0], per_month=1.0)
    assert result["median_months"] is None
    assert result["median_ci95_months"] == [None, None]
    assert result["curve"]["survival"] == [1.0, 1.0, 1.0]


def _exact_median(days: list[int], events: list[int]) -> int | None:
    """The product-limit median from its definition, in fractions."""
    survival = Fraction(1)
    for time in sorted({d for d, e in zip(days, events, strict=True) if e}):
        at_risk = sum(1 for d in days if d >= time)
        dying = sum(1 for d, e in zip(days, events, strict=True) if e and d == time)
        survival *= Fraction(at_risk - dying, at_risk)
        if survival <= Fraction(1, 2):
            return time
    return None


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=40), st.integers(min_value=0, max_value=1)),
        min_size=1,
        max_size=30,
    )
)
def test_property_median_is_the_exact_one_and_ci_matches_lifelines(pairs) -> None:
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    days = [d for d, _ in pairs]
    events = [e for _, e in pairs]
    result = kaplan_meier(days, events, per_month=1.0)
    median = _exact_median(days, events)
    assert result["median_months"] == (None if median is None else float(median))
    fitter = KaplanMeierFitter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitter.fit(days, event_observed=events)
        bounds = median_survival_times(fitter.confidence_interval_).iloc[0]
    lifelines_ci = [None if math.isinf(b) else float(b) for b in bounds]
    assert result["median_ci95_months"] == lifelines_ci  # same curves, never exactly 1/2
