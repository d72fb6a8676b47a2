"""tacecheck: the Tamai 2017 sorafenib-after-TACE protocol as data, checked by durable_rules.

Public API::

    from protocol import check, check_paths, Session, load_pack
    result = check(record_dict)           # PatientResult, or a list of RecordError
"""

from protocol.api import check, check_many, check_paths
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

__all__ = [
    "Eligibility",
    "Endpoint",
    "Finding",
    "Pack",
    "PackError",
    "PartialDate",
    "PatientResult",
    "RecordError",
    "Report",
    "Status",
    "check",
    "check_many",
    "check_paths",
    "load_pack",
]
