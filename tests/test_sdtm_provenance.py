"""Every value read from SDTM keeps dataset, USUBJID, --SEQ, variable, file and row.

Row numbers are counted from the canonical examples the shipped files were written from:
the EX rows are the dosing periods of P01, P02, ... in turn.
"""

from __future__ import annotations

import json
from pathlib import Path

from protocol import check
from protocol.sdtm import Origin, sdtm_records

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "integrations" / "sdtm" / "examples" / "xpt"
MAPPING = ROOT / "integrations" / "sdtm" / "tamai_mapping.yaml"


def _subjects() -> dict:
    return {item.usubjid: item for item in sdtm_records(FOLDER, MAPPING)}


def _rows_before(patient_id: str, section: str) -> int:
    count = 0
    for path in sorted((ROOT / "examples").glob("*.json")):
        record = json.loads(path.read_text("utf-8"))
        if record["patient_id"] == patient_id:
            return count
        count += len(record.get(section, []))
    raise AssertionError(patient_id)


def test_a_dosing_value_names_its_ex_row() -> None:
    p06 = _subjects()["P06"]
    row = _rows_before("P06", "sorafenib") + 2  # P06's second period, 1-based
    assert p06.provenance.lookup("/sorafenib/1/dose_mg") == Origin(
        "EX", "P06", "EXDOSE", 2, str(FOLDER / "ex.xpt"), row
    )
    assert p06.provenance.describe("/sorafenib/1/start_date") == (
        "SDTM EX, USUBJID P06, EXSEQ 2, variable EXSTDTC"
    )


def test_a_pointer_without_a_value_of_its_own_finds_the_row_then_the_domain() -> None:
    p02 = _subjects()["P02"]  # P02's period has a reason; /sorafenib/0/nothing has no variable
    row = _rows_before("P02", "sorafenib") + 1
    assert p02.provenance.lookup("/sorafenib/0/nothing") == Origin(
        "EX", "P02", None, 1, str(FOLDER / "ex.xpt"), row
    )
    assert p02.provenance.lookup("/sorafenib") == Origin(
        "EX", "P02", None, None, str(FOLDER / "ex.xpt"), None
    )
    assert p02.provenance.lookup("") is None


def test_subject_values_name_dm_and_supplemental_qualifiers() -> None:
    p02 = _subjects()["P02"]
    assert p02.provenance.lookup("/death_date").variable == "DTHDTC"
    assert p02.provenance.lookup("/cohort").variable == "ARMCD"
    cutoff = p02.provenance.lookup("/data_cutoff_date")
    assert (cutoff.dataset, cutoff.variable) == ("SUPPDM", "QVAL (QNAM DCUTDTC)")


def test_every_finding_location_of_the_examples_has_a_provenance() -> None:
    for patient_id, item in _subjects().items():
        for finding in check(item.record).findings:
            if finding.location:
                origin = item.provenance.lookup(finding.location)
                assert origin is not None, (patient_id, finding.rule, finding.location)
                assert origin.usubjid == patient_id


def test_the_late_start_of_p02_points_at_exstdtc() -> None:
    # TRT001 for P02 is not met at /sorafenib/0/start_date (examples/p02-late-start.json).
    item = _subjects()["P02"]
    (finding,) = [f for f in check(item.record).findings if f.rule == "TRT001"]
    origin = item.provenance.lookup(finding.location)
    assert (origin.dataset, origin.variable, origin.seq) == ("EX", "EXSTDTC", 1)
    assert item.provenance.to_dict()[finding.location]["variable"] == "EXSTDTC"
