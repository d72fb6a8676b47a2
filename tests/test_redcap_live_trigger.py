"""The Data Entry Trigger end to end: stub REDCap -> running service -> API fetch -> store.

A stub REDCap (tests/redcap_stub/server.py: REDCap's documented API over real HTTP on
loopback) holds the shipped project. Saving a form in it posts the Data Entry Trigger to
the service, run as ``serve`` builds it plus the REDCap router (a uvicorn child process).
The service answers at once, fetches the record back through the stub's API, checks it,
stores it, and writes the findings not met back to the stub's tacecheck_findings instrument.

Patient P02 (examples/p02-late-start.json): TACE #2 on 2012-03-01, sorafenib from
2012-03-27, day 26 after it: outside TRT001's day 0-21 window, so TRT001 is not met.
"""

from __future__ import annotations

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
from protocol.service.database import Database
from protocol.service.migrate import upgrade
from protocol.service.server_process import free_port
from protocol.service.store import NotFound, PatientStore, Version

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE / "redcap"))
sys.path.insert(0, str(HERE))

from canonical_to_export import to_rows  # noqa: E402
from redcap_stub.process import LiveService  # noqa: E402
from redcap_stub.server import StubRedcap  # noqa: E402

DICTIONARY = ROOT / "integrations" / "redcap" / "tamai_data_dictionary.csv"
MAPPING = ROOT / "integrations" / "redcap" / "tamai_mapping.yaml"
REPEATING = frozenset({"tace", "imaging", "sorafenib_dosing", "adverse_events",
                       "tacecheck_findings"})  # fmt: skip
TOKEN = "0123456789ABCDEF0123456789ABCDEF"  # REDCap tokens are 32 hex digits
SECRET = "trigger-secret-7f3a9c1e5b"
DOWN_SECRET = "down-secret-5e4d3c2b1a09"
DOSING = {"sor_start_prec": "1", "sor_ongoing": "0", "sor_end": "2012-10-15",
          "sor_end_prec": "1", "sor_dose": "400", "sor_freq": "BID", "sor_reason": "1"}  # fmt: skip


def _p02() -> dict[str, Any]:
    return json.loads((ROOT / "examples" / "p02-late-start.json").read_text(encoding="utf-8"))


def write_config(
    folder: Path, stub: StubRedcap, writeback: bool = True, others: tuple[Any, ...] = ()
) -> Path:
    entry = {
        "name": "tamai",
        "redcap_url": stub.url,
        "project_id": stub.project_id,
        "token_env": "TEST_REDCAP_TOKEN",
        "trigger_secret_env": "TEST_REDCAP_SECRET",
        "mapping": str(MAPPING),
        "writeback": writeback,
        "server_timezone": "UTC",
    }
    path = folder / "redcap.yaml"
    path.write_text(json.dumps({"projects": [entry, *others]}), encoding="utf-8")  # JSON is YAML
    return path


class Live:
    def __init__(self, stub: StubRedcap, service: LiveService, store: PatientStore) -> None:
        self.stub, self.service, self.store = stub, service, store

    def wait_for(self, patient: str, version: int, timeout: float = 20.0) -> Version:
        """The stored version ``version`` of ``patient``, once the worker has stored it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                head = self.store.head(patient)
                if head.version >= version:
                    return self.store.version(patient, version)
            except NotFound:
                pass
            time.sleep(0.02)
        raise AssertionError(f"{patient} version {version} not stored within {timeout} s")

    def findings_instances(self, record: str) -> dict[int, dict[str, str]]:
        return {
            instance: cells
            for (rec, _e, form, instance), cells in self.stub.data.items()
            if rec == record and form == "tacecheck_findings"
        }


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    folder = tmp_path_factory.mktemp("redcap-live")
    url = f"sqlite:///{folder / 'service.db'}"
    database = Database(url)
    upgrade(database)
    stub = StubRedcap(DICTIONARY, TOKEN, 14, REPEATING).start()
    # A second project whose REDCap is down (nothing listens on its port).
    down = {"name": "down", "redcap_url": f"http://127.0.0.1:{free_port()}/", "project_id": 3,
            "token": "0" * 32, "trigger_secret": DOWN_SECRET, "mapping": str(MAPPING)}  # fmt: skip
    config = write_config(folder, stub, others=(down,))
    env = {"TEST_REDCAP_TOKEN": TOKEN, "TEST_REDCAP_SECRET": SECRET}
    service = LiveService(url, config, folder / "service.log", env).start()
    stub.trigger_url = f"{service.base_url}/redcap/trigger/{SECRET}"
    try:
        yield Live(stub, service, PatientStore(database, load_pack("tamai-2017")))
    finally:
        service.stop()
        stub.stop()
        database.dispose()


def _trt001(version: Version) -> dict[str, Any]:
    (finding,) = [f for f in version.findings["findings"] if f["rule"] == "TRT001"]
    return finding


def test_a_saved_form_is_fetched_checked_stored_and_written_back(live: Live) -> None:
    rows = to_rows(_p02())
    dosing = [r for r in rows if r["redcap_repeat_instrument"] == "sorafenib_dosing"]
    live.stub.import_rows([r for r in rows if r not in dosing])  # entered before: no trigger
    live.stub.requests.clear()

    status = live.stub.save_form(
        "P02", "sorafenib_dosing", {"sor_start": "2012-03-27", **DOSING}, "ana.site", instance=1
    )
    assert status == 202  # answered at once; the work is queued

    version = live.wait_for("P02", 1)
    assert version.author == "redcap:ana.site"
    assert version.reason == "REDCap form saved (form sorafenib_dosing, instance 1)"
    assert version.record["sorafenib"][0]["start_date"] == "2012-03-27"
    assert [t["date"] for t in version.record["tace"]] == ["2011-10-20", "2012-03-01", "2012-11-08"]
    assert _trt001(version)["status"] == "not_met"

    # The record was fetched back as the issue says: raw flat JSON of that one record.
    fetch = next(r for r in live.stub.requests if r.get("content") == "record")
    assert (fetch["action"], fetch["format"], fetch["type"], fetch["rawOrLabel"]) == (
        "export", "json", "flat", "raw",
    )  # fmt: skip
    assert fetch["records[0]"] == "P02" and "records[1]" not in fetch

    # Write-back: TRT001 is an open finding in REDCap, pointing at the dosing form.
    deadline = time.monotonic() + 20
    while not live.findings_instances("P02") and time.monotonic() < deadline:
        time.sleep(0.02)
    instances = live.findings_instances("P02")
    trt = [cells for cells in instances.values() if cells.get("tcf_rule") == "TRT001"]
    assert len(trt) == 1
    assert trt[0]["tcf_state"] == "1"
    assert trt[0]["tcf_location"].startswith("/sorafenib/0")
    assert "sorafenib_dosing" in trt[0]["tcf_where"] and "instance 1" in trt[0]["tcf_where"]
    assert trt[0]["tcf_version"] == "1"
    assert all(cells["tcf_state"] == "1" for cells in instances.values())


def test_a_corrected_form_is_a_new_version_and_resolves_the_finding_in_redcap(live: Live) -> None:
    before = live.store.head("P02").version
    # Day 19 after TACE #2 (2012-03-01): inside day 0-21, TRT001 met.
    live.stub.save_form(
        "P02", "sorafenib_dosing", {"sor_start": "2012-03-20", **DOSING}, "mo.site", instance=1
    )
    version = live.wait_for("P02", before + 1)
    assert version.author == "redcap:mo.site"
    assert version.record["sorafenib"][0]["start_date"] == "2012-03-20"
    assert _trt001(version)["status"] == "met"
    assert {"op": "replace", "path": "/sorafenib/0/start_date", "value": "2012-03-20"} in (
        version.patch
    )
    deadline = time.monotonic() + 20
    trt: list[dict[str, str]] = []
    while time.monotonic() < deadline:
        instances = live.findings_instances("P02")
        trt = [c for c in instances.values() if c.get("tcf_rule") == "TRT001"]
        if trt and trt[0]["tcf_state"] == "0":
            break
        time.sleep(0.02)
    assert len(trt) == 1 and trt[0]["tcf_state"] == "0"  # resolved, not deleted
    assert trt[0]["tcf_version"] == str(before + 1)


def test_saving_a_form_without_a_change_stores_no_new_version(live: Live) -> None:
    head = live.store.head("P02").version
    live.stub.save_form(
        "P02", "sorafenib_dosing", {"sor_start": "2012-03-20", **DOSING}, "ana.site", instance=1
    )
    # A second patient's trigger after it: once that is stored, the first job has been done.
    record = _p02() | {"patient_id": "P92"}
    live.stub.import_rows(to_rows(record))
    live.stub.save_form("P92", "enrolment_diagnosis", {"site_id": "JP-OSK-01"}, "ana.site")
    live.wait_for("P92", 1)
    assert live.store.head("P02").version == head


def test_untrusted_triggers_get_403_are_logged_and_store_nothing(live: Live) -> None:
    good = {"redcap_url": live.stub.url, "project_id": "14", "username": "eve",
            "record": "P77", "instrument": "tace"}  # fmt: skip
    cases = [
        (SECRET[:-1] + "x", good),  # wrong secret for a configured project
        (SECRET, good | {"project_id": "15"}),  # a project that is not configured
        (SECRET, good | {"redcap_url": "https://evil.example.org/"}),  # another REDCap
        (SECRET, {k: v for k, v in good.items() if k != "project_id"}),  # no project
    ]
    for secret, form in cases:
        request = urllib.request.Request(
            f"{live.service.base_url}/redcap/trigger/{secret}",
            data=urllib.parse.urlencode(form).encode(),
            method="POST",
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 403
    log = live.service.log()
    assert log.count("refused a REDCap trigger") >= len(cases)
    with pytest.raises(NotFound):
        live.store.head("P77")
    assert "P77" not in [r.get("records[0]") for r in live.stub.requests]


def test_the_token_and_the_secret_are_never_logged(live: Live) -> None:
    log = live.service.log()
    assert "/redcap/trigger/{secret}" in log  # the request log names the route template
    assert TOKEN not in log and SECRET not in log


def test_a_record_the_mapping_refuses_is_not_stored_and_the_next_is(live: Live) -> None:
    record = _p02() | {"patient_id": "P93"}
    live.stub.import_rows(to_rows(record))
    # A TACE date entered as the missing-data code UNK: the canonical record needs it.
    live.stub.save_form(
        "P93", "tace", {"tace_date": "UNK", "tace_date_prec": "", "tace_technique": "1"},
        "ana.site", instance=1,
    )  # fmt: skip
    live.stub.save_form("P92", "enrolment_diagnosis", {"site_id": "JP-OSK-02"}, "ana.site")
    assert live.wait_for("P92", 2).record["site_id"] == "JP-OSK-02"
    with pytest.raises(NotFound):
        live.store.head("P93")


def _post_trigger(live: Live, secret: str, form: dict[str, str]) -> int:
    request = urllib.request.Request(
        f"{live.service.base_url}/redcap/trigger/{secret}",
        data=urllib.parse.urlencode(form).encode(),
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_a_redcap_that_cannot_be_reached_is_logged_and_the_worker_goes_on(live: Live) -> None:
    down = urllib.parse.urlsplit(json.loads((live.service.config).read_text())["projects"][1]
                                 ["redcap_url"])  # fmt: skip
    form = {"redcap_url": f"http://{down.netloc}/", "project_id": "3", "username": "ana.site",
            "record": "P94", "instrument": "tace"}  # fmt: skip
    assert _post_trigger(live, DOWN_SECRET, form) == 202  # accepted: configured, right secret
    live.stub.import_rows(to_rows(_p02() | {"patient_id": "P95"}))
    live.stub.save_form("P95", "enrolment_diagnosis", {"site_id": "JP-OSK-01"}, "ana.site")
    assert live.wait_for("P95", 1).author == "redcap:ana.site"
    log = live.service.log()
    assert "project down: REDCap API record export: cannot reach" in log
    with pytest.raises(NotFound):
        live.store.head("P94")


def test_a_trigger_without_a_usable_record_or_user_is_422_and_stores_nothing(live: Live) -> None:
    good = {"redcap_url": live.stub.url, "project_id": "14", "username": "ana.site",
            "record": "P96", "instrument": "tace"}  # fmt: skip
    assert _post_trigger(live, SECRET, good | {"record": "P 96/../x"}) == 422
    assert _post_trigger(live, SECRET, good | {"username": ""}) == 422
    assert _post_trigger(live, SECRET, {k: v for k, v in good.items() if k != "instrument"}) == 422
