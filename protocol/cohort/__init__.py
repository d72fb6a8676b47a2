"""A whole cohort: streamed runs over many records, and the summary across them."""

from protocol.cohort.runner import RunResult, run_cohort
from protocol.cohort.summary import CohortSummary, eligibility_steps, group_names

__all__ = ["CohortSummary", "RunResult", "eligibility_steps", "group_names", "run_cohort"]
