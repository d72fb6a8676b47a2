"""The trigger for a longitudinal project: site B's (events, TACE as a repeating event).

Site B's P02 (tests/redcap/site-b-export.csv) is the canonical P02: TACE on 2011-10-20,
2012-03-01 and 2012-11-08 (instances 1-3 of the repeating event tace_arm_1), sorafenib
from 2012-03-27: day 26 after TACE #2, outside day 0-21, so TRT001 is not met.
"""

from __future__ import annotations

import csv
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from protocol.packs import load_pack
from protocol.redcap import load_mapping, records_from_api
from protocol.service.database import Database
from protocol.service.migrate import upgrade
from protocol.service.store import NotFound, PatientStore

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from redcap_stub.process import LiveService  # noqa: E402
from redcap_stub.server import StubRedcap  # noqa: E402

SITE_B = ROOT / "integrations" / "redcap"
TOKEN = "ABCDEF0123456789ABCDEF0123456789"
SECRET_B, SECRET_OTHER = "site-b-secret-0a1b2c3d4e", "other-secret-9f8e7d6c5b"
EVENTS = {"baseline_arm_1": "Baseline", "tace_arm_1": "TACE", "fu_arm_1": "Follow-up"}


def _rows(record: str) -> list[dict[str, str]]:
    with (HERE / "redcap" / "site-b-export.csv").open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle) if row["subject"] == record]


@pytest.fixture(scope="module")
def site_b(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    folder = tmp_path_factory.mktemp("redcap-site-b")
    url = f"sqlite:///{folder / 'service.db'}"
    database = Database(url)
    upgrade(database)
    stub = StubRedcap(
        SITE_B / "site_b_data_dictionary.csv", TOKEN, 21,
        frozenset({"drug", "scan", "toxicity"}), EVENTS, frozenset({"tace_arm_1"}),
    ).start()  # fmt: skip
    common = {"redcap_url": stub.url, "token_env": "TEST_B_TOKEN",
              "mapping": str(SITE_B / "site_b_mapping.yaml")}  # fmt: skip
    config = folder / "redcap.yaml"
    config.write_text(json.dumps({"projects": [
        {"name": "site-b", "project_id": 21, "trigger_secret": SECRET_B, **common},
        {"name": "other", "project_id": 22, "trigger_secret": SECRET_OTHER, **common},
    ]}))  # fmt: skip
    service = LiveService(url, config, folder / "service.log", {"TEST_B_TOKEN": TOKEN}).start()
    stub.trigger_url = f"{service.base_url}/redcap/trigger/{SECRET_B}"
    try:
        yield stub, service, PatientStore(database, load_pack("tamai-2017"))
    finally:
        service.stop()
        stub.stop()
        database.dispose()


def test_a_repeating_event_saved_is_fetched_with_unique_event_names(site_b: Any) -> None:
    stub, _service, store = site_b
    rows = _rows("P02")
    tace_2 = [r for r in rows if r["redcap_event_name"] == "tace_arm_1"
              and r["redcap_repeat_instance"] == "2"]  # fmt: skip
    stub.import_rows([r for r in rows if r not in tace_2])
    status = stub.save_form(
        "P02", "chemoembolisation", {"ce_dt": "2012-03-01", "ce_kind": "c"}, "kk.site",
        instance=2, event="tace_arm_1",
    )  # fmt: skip
    assert status == 202
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            version = store.head("P02")
            break
        except NotFound:
            time.sleep(0.02)
    else:
        raise AssertionError("P02 not stored")
    assert version.reason == (
        "REDCap form saved (form chemoembolisation, instance 2, event tace_arm_1)"
    )
    assert [t["date"] for t in version.record["tace"]] == ["2011-10-20", "2012-03-01", "2012-11-08"]
    assert version.record["sorafenib"][0]["start_date"] == "2012-03-27"
    (trt,) = [f for f in version.findings["findings"] if f["rule"] == "TRT001"]
    assert trt["status"] == "not_met"


def test_labels_are_not_what_the_mapping_reads_which_is_why_raw_is_asked_for(site_b: Any) -> None:
    stub, _service, _store = site_b
    mapping = load_mapping(SITE_B / "site_b_mapping.yaml")

    def export(raw_or_label: str) -> Any:
        body = urllib.parse.urlencode({"token": TOKEN, "content": "record", "format": "json",
                                       "type": "flat", "rawOrLabel": raw_or_label,
                                       "records[0]": "P02"})  # fmt: skip
        with urllib.request.urlopen(f"{stub.url}api/", body.encode(), timeout=10) as answer:
            return json.loads(answer.read())

    labelled, raw = export("label"), export("raw")
    assert {r["redcap_event_name"] for r in labelled} == {"Baseline", "TACE", "Follow-up"}
    assert {r["redcap_event_name"] for r in raw} == set(EVENTS)
    assert {type(r["redcap_repeat_instance"]) for r in raw} == {int, str}  # 1, 2... and ""
    (from_raw,) = records_from_api(raw, mapping, "stub")
    assert from_raw.record is not None and from_raw.errors == []
    assert {r["arm"] for r in labelled if r["arm"]} == {"Sorafenib after TACE (prospective)"}
    (from_labels,) = records_from_api(labelled, mapping, "stub")
    assert from_labels.record is None  # a label is not one of the field's choice codes
    assert any("/cohort" in error.location for error in from_labels.errors)


def test_another_projects_secret_is_refused(site_b: Any) -> None:
    stub, service, store = site_b
    form = {"redcap_url": stub.url, "project_id": "21", "username": "kk.site",
            "record": "P04", "instrument": "registration"}  # fmt: skip
    request = urllib.request.Request(
        f"{service.base_url}/redcap/trigger/{SECRET_OTHER}",
        data=urllib.parse.urlencode(form).encode(),
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 403
    assert "project site-b: the URL's secret is not the project's" in service.log()
    with pytest.raises(NotFound):
        store.head("P04")
