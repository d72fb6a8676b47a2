"""The deviation log written as an SDTM DV domain reads back with the right metadata.

Expected rows come from the examples' deviations (docs: each example's file name says what
it deviates in): P02 starts late (TRT001), P05 takes 1200 mg/day (DOS001), and so on.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyreadstat
import pytest

from protocol import load_pack, run_cohort
from protocol.render import renderer_for
from protocol.sdtm.dataset_json import read_dataset_json, schema_problems
from protocol.sdtm.dv import DV_VARIABLES, write_dv

ROOT = Path(__file__).resolve().parents[1]

LABELS = {
    "STUDYID": "Study Identifier",
    "DOMAIN": "Domain Abbreviation",
    "USUBJID": "Unique Subject Identifier",
    "DVSEQ": "Sequence Number",
    "DVREFID": "Reference ID",
    "DVSPID": "Sponsor-Defined Identifier",
    "DVTERM": "Protocol Deviation Term",
    "DVDECOD": "Protocol Deviation Coded Term",
    "DVCAT": "Category for Deviation",
    "DVSCAT": "Subcategory for Deviation",
    "DVSTDTC": "Start Date/Time of Deviation",
    "DVENDTC": "End Date/Time of Deviation",
}


@pytest.fixture(scope="module")
def patients():
    pack = load_pack("tamai-2017")
    out = io.StringIO()
    run_cohort([ROOT / "examples"], pack, renderer_for("json", pack), out)
    return json.loads(out.getvalue())["patients"]


def test_dv_xpt_reads_back_with_cdisc_names_labels_and_lengths(patients, tmp_path) -> None:
    pack = load_pack("tamai-2017")
    written = write_dv(patients, pack, tmp_path / "dv.xpt", study_id="TAMAI2017")
    assert written[0] == tmp_path / "dv.xpt"
    data, meta = pyreadstat.read_xport(str(tmp_path / "dv.xpt"), output_format="dict")
    assert meta.table_name == "DV" and meta.file_label == "Protocol Deviations"
    assert tuple(meta.column_names) == DV_VARIABLES
    assert meta.column_names_to_labels == LABELS
    assert meta.readstat_variable_types["DVSEQ"] == "double"
    widths = meta.variable_storage_width
    assert widths["DOMAIN"] == 2 and widths["STUDYID"] == len("TAMAI2017")
    for name in DV_VARIABLES:  # a character variable is as long as its longest value
        if name != "DVSEQ":
            assert widths[name] == max(max(len(v) for v in data[name]), 1), name
            assert widths[name] <= 200
    rows = list(zip(data["USUBJID"], data["DVREFID"], data["DVSCAT"], strict=True))
    assert ("P02", "TRT001", "IMPORTANT") in rows
    assert ("P05", "DOS001", "IMPORTANT") in rows
    assert ("P06", "DOS003", "NON-IMPORTANT") in rows
    assert ("P10", "TRT002", "IMPORTANT") in rows
    assert all(domain == "DV" for domain in data["DOMAIN"])
    p02 = data["USUBJID"].index("P02")
    assert data["DVSPID"][p02] == "/sorafenib/0/start_date"
    assert data["DVSTDTC"][p02] == "2012-03-27"  # P02's late first dose (PROTOCOL.md example)


def test_dv_dataset_json_validates_and_reads_back(patients, tmp_path: Path) -> None:
    pack = load_pack("tamai-2017")
    write_dv(patients, pack, tmp_path / "dv.json")
    document = json.loads((tmp_path / "dv.json").read_text("utf-8"))
    assert schema_problems(document) == []
    dataset = read_dataset_json(tmp_path / "dv.json")
    assert dataset.name == "DV" and dataset.label == "Protocol Deviations"
    assert {c.name: c.label for c in dataset.columns.values()} == LABELS
    assert dataset.columns["DVSEQ"].data_type == "integer"
    write_dv(patients, pack, tmp_path / "dv.ndjson")
    assert read_dataset_json(tmp_path / "dv.ndjson").rows == dataset.rows


def test_dvseq_is_unique_per_subject_across_the_whole_run(patients, tmp_path) -> None:
    pack = load_pack("tamai-2017")
    twice = patients + [p for p in patients if p["patient_id"] == "P06"]  # P06 seen again
    write_dv(twice, pack, tmp_path / "dv.json")
    rows = read_dataset_json(tmp_path / "dv.json").rows
    keys = [(row["USUBJID"], row["DVSEQ"]) for row in rows]
    assert len(keys) == len(set(keys))
    p06 = [row["DVSEQ"] for row in rows if row["USUBJID"] == "P06"]
    assert p06 == list(range(1, len(p06) + 1)) and len(p06) % 2 == 0


def test_a_term_over_200_characters_continues_in_suppdv(tmp_path: Path) -> None:
    pack = load_pack("tamai-2017")
    long = "Sorafenib started late" + " and this note goes on" * 15  # 352 characters
    patient = {
        "patient_id": "P77",
        "source": "records/p77.json",
        "findings": [
            {
                "rule": "TRT001",
                "name": "sorafenib-start-outside-window",
                "status": "not_met",
                "kind": "deviation",
                "importance": "important",
                "message": long,
                "location": "/sorafenib/0/start_date",
                "evidence": {},
            }
        ],
    }
    written = write_dv([patient], pack, tmp_path / "dv.xpt")
    assert [p.name for p in written] == ["dv.xpt", "suppdv.xpt"]
    dv, _ = pyreadstat.read_xport(str(tmp_path / "dv.xpt"), output_format="dict")
    supp, meta = pyreadstat.read_xport(str(tmp_path / "suppdv.xpt"), output_format="dict")
    assert meta.table_name == "SUPPDV"
    assert len(dv["DVTERM"][0]) <= 200
    pieces = [q for n, q in zip(supp["QNAM"], supp["QVAL"], strict=True) if n.startswith("DVTERM")]
    assert dv["DVTERM"][0] + "".join(pieces) == long
    assert ("DVSRC", "records/p77.json") in zip(supp["QNAM"], supp["QVAL"], strict=True)
    assert set(supp["IDVAR"]) == {"DVSEQ"} and set(supp["IDVARVAL"]) == {"1"}


def test_dv_xpt_reads_back_in_a_second_independent_reader(patients, tmp_path) -> None:
    """pandas' own SAS XPORT parser (not ReadStat, which pyreadstat wraps) reads the same
    dataset: SAS is not available here, so two independent readers must agree."""
    import pandas as pd

    pack = load_pack("tamai-2017")
    write_dv(patients, pack, tmp_path / "dv.xpt", study_id="TAMAI2017")
    frame = pd.read_sas(tmp_path / "dv.xpt", format="xport", encoding="utf-8")
    data, _meta = pyreadstat.read_xport(str(tmp_path / "dv.xpt"), output_format="dict")
    assert tuple(frame.columns) == DV_VARIABLES
    assert len(frame) == len(data["USUBJID"]) > 0
    for name in DV_VARIABLES:
        ours = [v if not isinstance(v, float) else int(v) for v in frame[name].fillna("")]
        theirs = [v if not isinstance(v, float) else int(v) for v in data[name]]
        assert ours == theirs, name
    # P02 starts sorafenib 5 days late (examples/p02-late-start.json): one TRT001 row.
    p02 = frame[frame["USUBJID"] == "P02"]
    assert list(p02["DVREFID"]) == ["TRT001"] and list(p02["DVSEQ"]) == [1.0]
