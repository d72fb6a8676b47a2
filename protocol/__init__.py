"""tacecheck: the Tamai 2017 sorafenib-after-TACE protocol as data, checked by durable_rules.

Public API::

    from protocol import check, check_paths, Session, load_pack
    result = check(record_dict)           # PatientResult, or a list of RecordError

    from protocol import run_cohort, renderer_for, RenderOptions
    pack = load_pack("tamai-2017")
    with open("deviations.csv", "w", newline="") as out:
        run = run_cohort(["study/"], pack, renderer_for("csv", pack), out, workers=2)
    run.summary_dict["attrition"], run.exit_code
"""

from protocol.api import check, check_many, check_paths
from protocol.cohort import CohortSummary, RunResult, run_cohort
from protocol.dates import PartialDate
from protocol.findings import (
    Eligibility,
    Endpoint,
    Finding,
    PatientResult,
    RecordError,
    Report,
    Status,
)
from protocol.packs import Pack, PackError, load_pack
from protocol.render import FORMATS, Renderer, RenderOptions, renderer_for
from protocol.session import Session, SessionError

__all__ = [
    "FORMATS",
    "CohortSummary",
    "Eligibility",
    "Endpoint",
    "Finding",
    "Pack",
    "PackError",
    "PartialDate",
    "PatientResult",
    "RecordError",
    "RenderOptions",
    "Renderer",
    "Report",
    "RunResult",
    "Session",
    "SessionError",
    "Status",
    "check",
    "check_many",
    "check_paths",
    "load_pack",
    "renderer_for",
    "run_cohort",
]
