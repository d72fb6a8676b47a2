"""What the web page relies on, over HTTP against the real server: the session cookie and
its CSRF token, the dry-run check, the timeline picture, the monitor's overview, the
history's reviews and old values, and a page that loads nothing from elsewhere."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from test_web_support import Site, site_fixture  # noqa: F401 - the fixture `site`

from protocol.service.web_routes import ASSETS

HEADER = {"schema_version": "1", "cohort": "sorafenib_after_tace", "site_id": "JP-API-01"}
ELIGIBLE = [
    ("data_cutoff_date", "2012-06-30"),
    (
        "diagnosis",
        {"condition": "hepatocellular_carcinoma", "date": "2011-09-01", "unresectable": True},
    ),
    ("tace", {"date": "2011-10-20"}),
    ("imaging", {"date": "2012-02-14", "modality": "MRI", "result": "progression"}),
    ("tace", {"date": "2012-03-01"}),
]
SORAFENIB = {"start_date": "2012-03-27", "end_date": None, "dose_mg": 400, "frequency": "BID"}


def session(site: Site, role: str = "entry") -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=site.url, timeout=30)
    answer = client.post("/v1/session", json={"token": site.tokens[role]})
    assert answer.status_code == 201, answer.text
    assert "HttpOnly" in answer.headers["set-cookie"]
    assert "SameSite=Strict" in answer.headers["set-cookie"]
    return client, answer.json()["csrf_token"]


def test_a_session_cookie_changes_nothing_without_its_csrf_token(site: Site) -> None:
    client, csrf = session(site)
    record = {"record": {**HEADER, "patient_id": "A-CSRF"}}
    refused = client.post("/v1/patients", json=record)
    assert refused.status_code == 403
    assert refused.json()["type"] == "urn:tacecheck:problem:csrf-token-missing"
    assert refused.json()["title"] == "CSRF token missing or wrong"
    forged = client.post("/v1/patients", json=record, headers={"X-CSRF-Token": csrf + "x"})
    assert forged.status_code == 403
    assert site.call("GET", "/v1/patients/A-CSRF").status_code == 404  # nothing stored
    stored = client.post("/v1/patients", json=record, headers={"X-CSRF-Token": csrf})
    assert stored.status_code == 201
    assert client.get("/v1/patients/A-CSRF").status_code == 200  # reading needs no CSRF token
    assert client.get("/v1/session").json()["user"] == "entry-user"

    assert client.delete("/v1/session").status_code == 403  # signing out needs it too
    assert client.delete("/v1/session", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert client.get("/v1/patients/A-CSRF").status_code == 401
    assert client.get("/v1/session").status_code == 401
    client.close()


def test_the_pages_probe_on_load_is_an_answer_not_an_error(site: Site) -> None:
    """Before sign-in the page asks ?probe=true: 200 signed_in false (no 401 in the
    browser's console); with a session the same question describes it."""
    probe = httpx.get(site.url + "/v1/session?probe=true")
    assert (probe.status_code, probe.json()) == (200, {"signed_in": False})
    made_up = httpx.get(
        site.url + "/v1/session?probe=true", cookies={"tacecheck_session": "made-up"}
    )
    assert made_up.json() == {"signed_in": False}
    assert httpx.get(site.url + "/v1/session").status_code == 401  # without probe: as before
    client, _csrf = session(site)
    assert client.get("/v1/session?probe=true").json()["user"] == "entry-user"
    client.close()


def test_an_unknown_token_opens_no_session(site: Site) -> None:
    answer = httpx.post(site.url + "/v1/session", json={"token": "tc_nobody"})
    assert answer.status_code == 401
    assert "set-cookie" not in answer.headers
    forged = httpx.get(site.url + "/v1/patients", cookies={"tacecheck_session": "made-up"})
    assert forged.status_code == 401


def test_the_dry_run_gives_the_stores_errors_at_the_field_and_stores_nothing(site: Site) -> None:
    last = site.seed({**HEADER, "patient_id": "A-DRY"}, ELIGIBLE)
    path = "/v1/patients/A-DRY/events/check"
    bad = site.call("POST", path, {"kind": "tace", "event": {"date": "2012-02-30"}}).json()
    # two TACEs stored: the new one is tace[2]
    assert bad["valid"] is False and bad["version"] == last
    assert bad["errors"] == [
        {
            "pointer": "/tace/2/date",
            "field": "/date",
            "message": "tace[2].date is not a real calendar date",
            "expected": "a date that exists in the calendar",
        }
    ]
    stored = site.call(
        "POST",
        "/v1/patients/A-DRY/events",
        {"kind": "tace", "event": {"date": "2012-02-30"}},
        **{"If-Match": f'"{last}"'},
    )
    assert stored.status_code == 422
    assert [(e["pointer"], e["message"]) for e in stored.json()["errors"]] == [
        (e["pointer"], e["message"]) for e in bad["errors"]
    ]
    single = site.call("POST", path, {"kind": "death_date", "event": "2012-13-01"}).json()
    assert [e["field"] for e in single["errors"]] == [""]  # the event itself

    preview = site.call("POST", path, {"kind": "sorafenib", "event": SORAFENIB}).json()
    assert preview["valid"] is True and preview["errors"] == []
    trt = next(f for f in preview["findings"] if f["rule"] == "TRT001")
    assert trt["status"] == "not_met"  # day 26 after TACE #2 on 2012-03-01
    assert site.versions("A-DRY") == list(range(1, last + 1))  # nothing was stored
    again = site.call("POST", path, {"kind": "diagnosis", "event": ELIGIBLE[1][1]}).json()
    assert again["valid"] is False
    assert "already recorded" in again["errors"][0]["message"]


def test_the_timeline_is_the_reports_svg_with_the_deviation_marked(site: Site) -> None:
    last = site.seed({**HEADER, "patient_id": "A-SVG"}, [*ELIGIBLE, ("sorafenib", SORAFENIB)])
    answer = site.call("GET", "/v1/patients/A-SVG/timeline")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("image/svg+xml")
    assert answer.text.startswith('<svg class="timeline"')
    assert re.findall(r'<g class="deviation" data-number="\d+" data-rule="(\w+)"', answer.text) == [
        "TRT001"
    ]
    assert last == 7
    assert site.call("GET", "/v1/patients/A-NONE/timeline").status_code == 404
    assert httpx.get(site.url + "/v1/patients/A-SVG/timeline").status_code == 401


def test_the_monitor_overview_review_and_history(site: Site) -> None:
    site.seed(
        {**HEADER, "patient_id": "A-MON", "site_id": "JP-MON-02"},
        [*ELIGIBLE, ("sorafenib", SORAFENIB)],
    )
    assert site.call("GET", "/v1/review").status_code == 403  # entry users do not review
    monitor = {"Authorization": f"Bearer {site.tokens['monitor']}"}
    overview = site.http.get("/v1/review", params={"site": "JP-MON-02"}, headers=monitor).json()
    (only,) = overview["sites"]
    assert only["site_id"] == "JP-MON-02" and only["queries"] == []
    (deviation,) = only["deviations"]
    assert (deviation["patient_id"], deviation["rule"], deviation["importance"]) == (
        "A-MON",
        "TRT001",
        "important",
    )
    assert deviation["review"] is None
    body = {"rule": "TRT001", "action": "acknowledge", "comment": "noted at the visit"}
    reviewed = site.http.post("/v1/patients/A-MON/reviews", json=body, headers=monitor)
    assert reviewed.status_code == 201, reviewed.text
    overview = site.http.get("/v1/review", params={"site": "JP-MON-02"}, headers=monitor).json()
    assert overview["sites"][0]["deviations"][0]["review"]["state"] == "acknowledged"

    correction = site.call(
        "PUT",
        "/v1/patients/A-MON/events/tace/1",
        {"event": {"date": "2012-03-02"}, "reason": "date misread"},
        **{"If-Match": '"7"'},
    )
    assert correction.status_code == 200, correction.text
    history = site.call("GET", "/v1/patients/A-MON/history").json()
    (review,) = history["reviews"]
    assert (review["by"], review["rule"], review["comment"], review["version"]) == (
        "monitor-user",
        "TRT001",
        "noted at the visit",
        7,
    )
    last = history["versions"][-1]
    assert last["reason"] == "date misread"
    assert last["old_values"] == {"/tace/1/date": "2012-03-01"}
    assert history["versions"][0]["old_values"] == {}


def test_the_page_and_its_assets_come_from_this_origin_only(site: Site) -> None:
    page = httpx.get(site.url + "/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert page.headers["referrer-policy"] == "no-referrer"
    files = sorted(p.name for p in Path(ASSETS).iterdir())
    assert files == [
        "api.js",
        "app.css",
        "app.js",
        "entry.js",
        "forms.js",
        "history.js",
        "index.html",
        "monitor.js",
        "page.js",
    ]
    for name in files:
        text = (Path(ASSETS) / name).read_text(encoding="utf-8")
        assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", text), name
        assert "localStorage" not in text and "sessionStorage" not in text, name
        served = httpx.get(site.url + ("/" if name == "index.html" else f"/web/{name}"))
        assert served.status_code == 200 and served.text == text
        assert served.headers["cache-control"] == "no-cache"  # a new version is seen at once
