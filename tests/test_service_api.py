"""End to end against a real server process on loopback: entry, reading, history, listings.

One server (SQLite) is shared by the module; each test uses its own patients
and site so that the tests do not depend on each other's data.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_service_support import header, sqlite_url, tokens

from protocol.service.database import Database
from protocol.service.migrate import upgrade
from protocol.service.server_process import ServerProcess

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


class Api:
    """A client per role against the running server."""

    def __init__(self, server: ServerProcess, keys: dict[str, str]) -> None:
        self.server = server
        self.keys = keys
        self.http = httpx.Client(base_url=server.base_url, timeout=30)

    def call(
        self, method: str, path: str, role: str | None = "entry", body: Any = None, **headers: str
    ) -> httpx.Response:
        sent = {k.replace("_", "-"): v for k, v in headers.items()}
        if role is not None:
            sent["Authorization"] = f"Bearer {self.keys.get(role, role)}"
        content = None
        if body is not None:
            content = body if isinstance(body, bytes) else json.dumps(body).encode()
            sent.setdefault("Content-Type", "application/json")
        return self.http.request(method, path, content=content, headers=sent)

    def create(self, record: dict[str, Any]) -> httpx.Response:
        answer = self.call("POST", "/v1/patients", body={"record": record})
        assert answer.status_code == 201, answer.text
        return answer

    def add(
        self, patient: str, version: int, kind: str, event: Any, **extra: Any
    ) -> httpx.Response:
        body = {"kind": kind, "event": event, **extra}
        return self.call(
            "POST", f"/v1/patients/{patient}/events", body=body, If_Match=f'"{version}"'
        )


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    folder = tmp_path_factory.mktemp("service")
    url = sqlite_url(folder)
    refused = subprocess.run(
        [sys.executable, "-m", "protocol.service", "serve", "--db", url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2
    assert "tacecheck db upgrade" in refused.stderr
    db = Database(url)
    upgrade(db)
    keys = tokens(db)
    db.dispose()
    server = ServerProcess(url, folder / "server.log").start()
    client = Api(server, keys)
    yield client
    client.http.close()
    server.stop()


def findings(answer: httpx.Response, rule: str) -> list[dict[str, Any]]:
    return [f for f in answer.json()["result"]["findings"] if f["rule"] == rule]


DIAGNOSIS = {"condition": "hepatocellular_carcinoma", "date": "2012-02-13", "unresectable": True}


def enter_course(api: Api, patient: str, site: str) -> int:
    """P11's course event by event (cut-off 2012-09-30); the version after TACE #2."""
    api.create(header(patient, site))
    steps = [
        ("data_cutoff_date", "2012-09-30"),
        ("diagnosis", DIAGNOSIS),
        ("tace", {"date": "2012-03-15", "technique": "conventional"}),
        ("imaging", {"date": "2012-08-23", "modality": "CT", "result": "progression"}),
        ("tace", {"date": "2012-09-20", "technique": "conventional"}),
    ]
    for number, (kind, event) in enumerate(steps, start=1):
        answer = api.add(patient, number, kind, event)
        assert answer.status_code == 200, answer.text
        assert answer.headers["ETag"] == f'"{number + 1}"'
    return len(steps) + 1


def test_trt001_goes_from_pending_to_met_as_events_are_entered(api: Api) -> None:
    version = enter_course(api, "E-P1", "SITE-WALK")
    current = api.call("GET", "/v1/patients/E-P1")
    assert current.headers["ETag"] == f'"{version}"'
    (trt,) = findings(current, "TRT001")
    # TACE #2 2012-09-20 + 21 days = 2012-10-11; as of the cut-off 2012-09-30, 11 days left.
    assert trt["status"] == "pending"
    assert "2012-10-11" in trt["message"] and "11 days left" in trt["message"]
    assert current.json()["result"]["eligibility"] == "eligible"

    worklist = api.call("GET", "/v1/worklist?site=SITE-WALK").json()["items"]
    assert [(w["patient_id"], w["rule"], w["due_date"], w["days_left"]) for w in worklist] == [
        ("E-P1", "TRT001", "2012-10-11", 11)
    ]

    period = {"start_date": "2012-09-27", "end_date": None, "dose_mg": 400, "frequency": "BID"}
    started = api.add("E-P1", version, "sorafenib", period)
    assert started.status_code == 200
    (trt,) = findings(started, "TRT001")
    assert trt["status"] == "met"  # day 7 after TACE #2
    assert api.call("GET", "/v1/worklist?site=SITE-WALK").json()["items"] == []


def test_a_bad_event_gets_422_with_its_pointer_and_the_record_is_unchanged(api: Api) -> None:
    version = enter_course(api, "E-P2", "SITE-BAD")
    answer = api.add("E-P2", version, "tace", {"date": "2012-02-30"})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert [e["pointer"] for e in answer.json()["errors"]] == ["/tace/2/date"]
    after = api.call("GET", "/v1/patients/E-P2")
    assert after.json()["version"] == version
    assert len(after.json()["record"]["tace"]) == 2


def test_updates_must_name_the_current_version_and_give_a_reason(api: Api) -> None:
    api.create(header("E-P3", "SITE-UPD"))
    record = {**header("E-P3", "SITE-UPD"), "last_contact_date": "2012-05-01"}
    no_match = api.call("PUT", "/v1/patients/E-P3", body={"record": record, "reason": "x"})
    assert no_match.status_code == 428
    no_reason = api.call("PUT", "/v1/patients/E-P3", body={"record": record}, If_Match='"1"')
    assert no_reason.status_code == 422
    assert [e["pointer"] for e in no_reason.json()["errors"]] == ["/reason"]
    done = api.call(
        "PUT", "/v1/patients/E-P3", body={"record": record, "reason": "visit"}, If_Match='"1"'
    )
    assert done.status_code == 200 and done.headers["ETag"] == '"2"'
    stale = api.call(
        "PUT", "/v1/patients/E-P3", body={"record": header("E-P3"), "reason": "y"}, If_Match='"1"'
    )
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2
    assert api.call("GET", "/v1/patients/E-P3").json()["record"] == record
    duplicate = api.call("POST", "/v1/patients", body={"record": header("E-P3")})
    assert duplicate.status_code == 409


def test_corrections_and_deletions_are_new_versions_and_history_shows_them(api: Api) -> None:
    version = enter_course(api, "E-P4", "SITE-HIST")
    period = {"start_date": "2012-09-27", "end_date": None, "dose_mg": 400, "frequency": "BID"}
    assert api.add("E-P4", version, "sorafenib", period).status_code == 200
    fixed = api.call(
        "PUT",
        "/v1/patients/E-P4/events/tace/1",
        body={"event": {"date": "2012-09-22", "technique": "conventional"}, "reason": "typo"},
        If_Match=f'"{version + 1}"',
    )
    assert fixed.status_code == 200, fixed.text
    removed = api.call(
        "DELETE",
        "/v1/patients/E-P4/events/sorafenib/0",
        body={"reason": "entered for the wrong patient"},
        If_Match=f'"{version + 2}"',
    )
    assert removed.status_code == 200
    (trt,) = findings(removed, "TRT001")
    assert trt["status"] == "pending"  # no sorafenib again; due 2012-09-22 + 21 = 2012-10-13
    assert "2012-10-13" in trt["message"]

    history = api.call("GET", "/v1/patients/E-P4/history").json()["versions"]
    assert [v["version"] for v in history] == list(range(1, version + 4))
    correction, deletion = history[-2], history[-1]
    assert (correction["action"], correction["reason"], correction["author"]) == (
        "correct_event",
        "typo",
        "entry-user",
    )
    assert correction["patch"] == [{"op": "replace", "path": "/tace/1/date", "value": "2012-09-22"}]
    assert deletion["patch"] == [{"op": "remove", "path": "/sorafenib/0"}]
    changes = {(c["rule"], c["from"], c["to"]) for c in deletion["finding_changes"]}
    assert ("TRT001", "met", "pending") in changes
    old = api.call("GET", f"/v1/patients/E-P4?version={version + 1}").json()
    assert old["record"]["sorafenib"] == [period]  # nothing is erased


def test_history_names_new_and_resolved_findings(api: Api) -> None:
    record = json.loads((EXAMPLES / "p02-late-start.json").read_text())
    record.update(patient_id="E-P5", site_id="SITE-NEW")
    api.create(record)
    on_time = {**record["sorafenib"][0], "start_date": "2012-03-20"}
    fixed = api.call(
        "PUT",
        "/v1/patients/E-P5/events/sorafenib/0",
        body={"event": on_time, "reason": "start date misread"},
        If_Match='"1"',
    )
    assert fixed.status_code == 200
    first, second = api.call("GET", "/v1/patients/E-P5/history").json()["versions"]
    assert {"rule": "TRT001", "change": "new"}.items() <= next(
        c for c in first["finding_changes"] if c["rule"] == "TRT001"
    ).items()
    assert [(c["rule"], c["change"]) for c in second["finding_changes"]] == [("TRT001", "resolved")]


def test_read_as_of_an_earlier_date_rechecks(api: Api) -> None:
    version = enter_course(api, "E-P6", "SITE-ASOF")
    answer = api.call("GET", "/v1/patients/E-P6?as_of=2012-09-25")
    (trt,) = findings(answer, "TRT001")
    # As of 2012-09-25: day 5 after TACE #2, so 16 days left.
    assert trt["status"] == "pending" and "16 days left" in trt["message"]
    assert answer.json()["version"] == version
    bad = api.call("GET", "/v1/patients/E-P6?as_of=2012-13-01")
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["pointer"] == "#/query/as_of"
    assert api.call("GET", "/v1/patients/E-P6?version=99").status_code == 404
    assert api.call("GET", "/v1/patients/NOBODY").status_code == 404
    # A version number no SQL INTEGER holds names no version: refused, never a 500.
    huge = api.call("GET", "/v1/patients/E-P6?version=9223372036854775808")
    assert huge.status_code == 422 and huge.json()["errors"][0]["pointer"] == "#/query/version"


def test_list_filters_and_pages(api: Api) -> None:
    for name in ("L-A", "L-B"):
        api.create(header(name, "SITE-LIST"))
    treated = json.loads((EXAMPLES / "p11-pending-sorafenib-start.json").read_text())
    api.create({**treated, "patient_id": "L-C", "site_id": "SITE-LIST"})
    api.create({**header("L-CTL", "SITE-LIST"), "cohort": "tace_alone_control"})
    page = api.call("GET", "/v1/patients?site=SITE-LIST&limit=2&offset=1").json()
    assert page["total"] == 4
    assert [p["patient_id"] for p in page["items"]] == ["L-B", "L-C"]
    controls = api.call("GET", "/v1/patients?site=SITE-LIST&cohort=tace_alone_control").json()
    assert [p["patient_id"] for p in controls["items"]] == ["L-CTL"]
    item = page["items"][0]
    # A header only: no TACE, so ELG002 is not met and the patient is ineligible.
    assert (item["eligibility"], item["version"], item["next_due"]) == ("ineligible", 1, None)
    assert item["not_met"] >= 1
    # The control has fewer than 3 TACEs (CTL002 not met): ineligible too.
    ineligible = api.call("GET", "/v1/patients?site=SITE-LIST&eligibility=ineligible").json()
    assert [p["patient_id"] for p in ineligible["items"]] == ["L-A", "L-B", "L-CTL"]
    (eligible,) = api.call("GET", "/v1/patients?site=SITE-LIST&eligibility=eligible").json()[
        "items"
    ]
    # P11: TACE #2 2012-09-20, sorafenib due by 2012-10-11 (cut-off 2012-09-30).
    assert (eligible["patient_id"], eligible["next_due"]) == ("L-C", "2012-10-11")


def test_worklist_is_sorted_by_due_date_and_filtered_by_date(api: Api) -> None:
    enter_course(api, "W-LATE", "SITE-WORK")  # TRT001 due 2012-10-11
    api.create(header("W-EARLY", "SITE-WORK"))
    early = [
        ("data_cutoff_date", "2012-09-30"),
        ("diagnosis", DIAGNOSIS),
        ("tace", {"date": "2012-03-15"}),
        ("imaging", {"date": "2012-08-23", "result": "progression"}),
        ("tace", {"date": "2012-09-15"}),
    ]
    for number, (kind, event) in enumerate(early, start=1):
        assert api.add("W-EARLY", number, kind, event).status_code == 200
    items = api.call("GET", "/v1/worklist?site=SITE-WORK").json()["items"]
    # TACE #2 2012-09-15 + 21 = 2012-10-06 (6 days left), before W-LATE's 2012-10-11.
    assert [(i["patient_id"], i["due_date"], i["days_left"]) for i in items] == [
        ("W-EARLY", "2012-10-06", 6),
        ("W-LATE", "2012-10-11", 11),
    ]
    soon = api.call("GET", "/v1/worklist?site=SITE-WORK&due_by=2012-10-08").json()["items"]
    assert [i["patient_id"] for i in soon] == ["W-EARLY"]


def test_review_acknowledges_a_deviation_and_reopens_when_its_evidence_changes(api: Api) -> None:
    record = json.loads((EXAMPLES / "p02-late-start.json").read_text())
    record.update(patient_id="R-P1", site_id="SITE-REV")
    api.create(record)
    body = {"rule": "TRT001", "action": "acknowledge", "comment": "site informed"}
    review = api.call("POST", "/v1/patients/R-P1/reviews", role="monitor", body=body)
    assert review.status_code == 201, review.text
    assert review.json()["state"] == "acknowledged"
    wrong = api.call(
        "POST", "/v1/patients/R-P1/reviews", role="monitor", body={**body, "action": "close"}
    )
    assert wrong.status_code == 422
    reviews = api.call("GET", "/v1/patients/R-P1").json()["reviews"]
    assert [(r["rule"], r["state"], r["by"]) for r in reviews] == [
        ("TRT001", "acknowledged", "monitor-user")
    ]
    still_late = {**record["sorafenib"][0], "start_date": "2012-03-25"}  # day 24: still late
    api.call(
        "PUT",
        "/v1/patients/R-P1/events/sorafenib/0",
        body={"event": still_late, "reason": "date corrected from source"},
        If_Match='"1"',
    )
    reviews = api.call("GET", "/v1/patients/R-P1").json()["reviews"]
    assert [(r["rule"], r["state"]) for r in reviews] == [("TRT001", "reopened")]


def test_a_review_of_a_date_after_the_as_of_date_does_not_reopen_as_the_days_pass(
    api: Api,
) -> None:
    # DAT004's evidence names the as-of date: in the service, today. The review rests on
    # the date after it (the pack's review_ignores_evidence), so another day keeps it closed.
    record = json.loads((EXAMPLES / "p01-on-time.json").read_text())
    record.pop("data_cutoff_date")
    record.update(patient_id="R-D4", site_id="SITE-REV")
    record["imaging"].append({"date": "2102-02-10", "modality": "CT", "result": "stable_disease"})
    assert api.create(record).status_code == 201
    body = {"rule": "DAT004", "action": "close", "comment": "2102 is a typo; site asked"}
    review = api.call("POST", "/v1/patients/R-D4/reviews", role="monitor", body=body)
    assert review.status_code == 201, review.text
    later = api.call("GET", "/v1/patients/R-D4?as_of=2026-06-01").json()
    (dat004,) = [f for f in later["result"]["findings"] if f["rule"] == "DAT004"]
    assert dat004["status"] == "not_met" and dat004["evidence"]["as_of"] == "2026-06-01"
    assert [(r["rule"], r["state"]) for r in later["reviews"]] == [("DAT004", "closed")]


def test_a_monitor_closes_a_query(api: Api) -> None:
    record = json.loads((EXAMPLES / "p16-duplicate-tace-date.json").read_text())
    record.update(patient_id="R-P2", site_id="SITE-QRY")
    api.create(record)
    body = {"rule": "DAT001", "action": "close", "comment": "one procedure, entered twice"}
    closed = api.call("POST", "/v1/patients/R-P2/reviews", role="monitor", body=body)
    assert closed.status_code == 201 and closed.json()["state"] == "closed"
    met = {"rule": "ELG001", "action": "acknowledge", "comment": "x"}
    assert (
        api.call("POST", "/v1/patients/R-P2/reviews", role="monitor", body=met).status_code == 409
    )


def test_listings_per_site_as_json_and_csv(api: Api) -> None:
    late = json.loads((EXAMPLES / "p02-late-start.json").read_text())
    late.update(patient_id="D-P1", site_id="SITE-DV")
    api.create(late)
    dup = json.loads((EXAMPLES / "p16-duplicate-tace-date.json").read_text())
    dup.update(patient_id="D-P2", site_id="SITE-DV")
    api.create(dup)
    log = api.call("GET", "/v1/listings/deviations?site=SITE-DV", role="monitor").json()
    assert [(r["USUBJID"], r["DVREFID"], r["DVSCAT"]) for r in log["items"]] == [
        ("D-P1", "TRT001", "IMPORTANT")
    ]
    csv_text = api.call("GET", "/v1/listings/deviations?site=SITE-DV&format=csv", role="admin")
    assert csv_text.headers["content-type"].startswith("text/csv")
    assert csv_text.text.splitlines()[0].startswith("STUDYID,DOMAIN,SITEID,USUBJID")
    queries = api.call("GET", "/v1/listings/queries?site=SITE-DV", role="monitor").json()
    assert [(r["USUBJID"], r["RULE"]) for r in queries["items"]] == [("D-P2", "DAT001")]


def test_check_without_storing_one_record_or_a_list(api: Api) -> None:
    late = json.loads((EXAMPLES / "p02-late-start.json").read_text())
    late["patient_id"] = "C-ONLY"
    one = api.call("POST", "/v1/check", body=late)
    assert one.status_code == 200
    (patient,) = one.json()["patients"]
    assert [f["status"] for f in patient["findings"] if f["rule"] == "TRT001"] == ["not_met"]
    bad = {**header("C-BAD"), "tace": [{"date": "2012-02-30"}]}
    batch = api.call("POST", "/v1/check", body=[late, bad]).json()
    assert [p["patient_id"] for p in batch["patients"]] == ["C-ONLY"]
    assert [(e["source"], e["location"]) for e in batch["errors"]] == [("/1", "/tace/0/date")]
    assert batch["summary"]["patients"] == 1
    assert api.call("GET", "/v1/patients/C-ONLY").status_code == 404  # nothing stored
    # A patient is checked once per request, as in a CLI run: the second is an input error.
    twice = api.call("POST", "/v1/check", body=[late, late]).json()
    assert [p["patient_id"] for p in twice["patients"]] == ["C-ONLY"]
    ((error),) = twice["errors"]
    assert (error["source"], error["location"]) == ("/1", "/patient_id")
    assert "already checked from /0" in error["message"] and twice["summary"]["patients"] == 1


def test_strict_json_and_problem_details(api: Api) -> None:
    duplicate = b'{"record": {"schema_version": "1", "patient_id": "J1", "patient_id": "J2"}}'
    answer = api.call("POST", "/v1/patients", body=duplicate)
    assert answer.status_code == 400
    problem = answer.json()
    assert problem["type"] == "urn:tacecheck:problem:malformed-json"
    assert "appears twice" in problem["detail"]
    assert answer.headers["content-type"] == "application/problem+json"
    nan = api.call("POST", "/v1/check", body=b'{"schema_version": NaN}')
    assert nan.status_code == 400 and "NaN" in nan.json()["detail"]
    plain = api.call("POST", "/v1/check", body=b"{}", Content_Type="text/plain")
    assert plain.status_code == 415
    unknown = api.call("POST", "/v1/patients", body={"record": header("J3"), "colour": "red"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["pointer"] == "/colour"


def test_bodies_over_one_mebibyte_get_413(api: Api) -> None:
    big = b'{"pad": "' + b"x" * (1024 * 1024) + b'"}'
    assert api.call("POST", "/v1/check", body=big).status_code == 413
    chunked = api.http.post(
        "/v1/check",
        content=iter([big[:500_000], big[500_000:]]),
        headers={
            "Authorization": f"Bearer {api.keys['entry']}",
            "Content-Type": "application/json",
        },
    )
    assert chunked.status_code == 413
    assert chunked.json()["type"] == "urn:tacecheck:problem:body-too-large"


def test_openapi_31_and_offline_docs(api: Api) -> None:
    document = api.http.get("/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    assert "/v1/patients/{patient_id}/events" in document["paths"]
    docs = api.http.get("/docs").text
    assert "/docs-assets/swagger-ui-bundle.js" in docs
    assert "cdn" not in docs.lower() and "https://" not in docs
    asset = api.http.get("/docs-assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.content) > 100_000


def test_audit_trail_verifies_over_the_api(api: Api) -> None:
    api.create(header("A-P1", "SITE-AUD"))
    answer = api.call("GET", "/v1/audit/verify", role="admin").json()
    assert answer["ok"] is True and answer["problems"] == []
    assert answer["rows"] >= answer["versions_checked"] >= 1


def test_logs_carry_no_patient_values_or_tokens(api: Api) -> None:
    planted = {
        "patient": "PLANTED-PID-4417",
        "site": "PLANTED-SITE-9031",
        "term": "PLANTED-TERM-Hepatalgia",
        "reason": "PLANTED-REASON-sealed",
    }
    api.create(header(planted["patient"], planted["site"]))
    ae = {
        "term": planted["term"],
        "grade": 9,
        "onset_date": "2012-04-01",
        "action_taken": "unknown",
    }
    assert api.add(planted["patient"], 1, "adverse_events", ae).status_code == 422
    ae["grade"] = 2
    assert api.add(planted["patient"], 1, "adverse_events", ae, reason=planted["reason"]).is_success
    api.call("GET", f"/v1/patients/{planted['patient']}?as_of=2012-05-01")
    api.call("GET", f"/v1/worklist?site={planted['site']}")
    api.call("GET", "/v1/patients/x", role="not-a-token-PLANTED")
    log = api.server.log_path.read_text()
    assert "POST /v1/patients/{patient_id}/events 422" in log
    assert "GET /v1/patients/{patient_id} 200" in log
    for value in [*planted.values(), "PLANTED", *api.keys.values()]:
        assert value not in log


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [("--port", "99999", "1 to 65535"), ("--port", "http", "whole number"),
     ("--body-limit", "-5", "1 or more")],
)  # fmt: skip
def test_serve_refuses_impossible_options_in_one_line(
    tmp_path: Path, option: str, value: str, words: str
) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "protocol.cli", "serve", "--db", sqlite_url(tmp_path),
         option, value],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 2 and words in run.stderr and "Traceback" not in run.stderr
