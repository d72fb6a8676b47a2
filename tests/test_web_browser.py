"""The web page in a real browser (Chromium) against a real ``serve`` on loopback.

One server with a fresh SQLite store is shared by the module; each test uses its own
patients. Dates are worked out by hand from the protocol: sorafenib must start within
0-21 days after TACE #2 (TRT001), an important deviation when late.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect
from test_web_support import (  # noqa: F401 - the fixtures `site` and `browser`
    WAIT_MS,
    Site,
    browser_fixture,
    no_patient_value_shown_outside,
    open_page,
    sign_in,
    site_fixture,
)

HEADER = {"schema_version": "1", "cohort": "sorafenib_after_tace", "site_id": "JP-WEB-01"}
DIAGNOSIS = {"condition": "hepatocellular_carcinoma", "unresectable": "true"}


def version_of(page: Any) -> int:
    found = re.search(r"version (\d+)", page.locator("#patient-summary").inner_text())
    assert found, page.locator("#patient-summary").inner_text()
    return int(found.group(1))


def fill_event(page: Any, kind: str, values: dict[str, str]) -> None:
    page.locator("#event-kind").select_option(kind)
    for name, value in values.items():
        field = page.locator(f"#ev-{name}")
        if field.evaluate("node => node.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)


def enter(page: Any, kind: str, values: dict[str, str]) -> int:
    """Enter one event through its form and wait for the saved version on the page."""
    before = version_of(page)
    fill_event(page, kind, values)
    page.locator("#event-form button[type=submit]").click()
    page.locator("#patient-summary").filter(has_text=f"version {before + 1} ").wait_for()
    idle(page)
    return before + 1


def idle(page: Any) -> None:
    """Wait until the patient page has its timeline and history for the shown version."""
    page.locator("#view-patient:not([data-busy])").wait_for()


def finding(page: Any, rule: str) -> Any:
    return page.locator(f"#findings li.finding[data-rule={rule}]")


def create_patient(page: Any, patient_id: str) -> None:
    page.locator("#new-patient summary").click()
    # The arm is a choice of the schema's values, each in words.
    arms = page.locator("#np-cohort option").all_inner_texts()
    assert arms == ["— choose —", "Sorafenib after TACE", "TACE alone (historical control)"]
    page.locator("#np-patient_id").fill(patient_id)
    page.locator("#np-cohort").select_option("sorafenib_after_tace")
    page.locator("#np-site_id").fill(HEADER["site_id"])
    page.locator("#new-patient-form button[type=submit]").click()
    page.locator("#patient-title").filter(has_text=f"Patient {patient_id}").wait_for()
    idle(page)


def shoot(page: Any, site: Site, name: str, locator: str | None = None) -> None:
    for width in (1024, 1400):
        page.set_viewport_size({"width": width, "height": 900})
        path = site.artifacts / f"{name}-{width}.png"
        if locator:
            page.locator(locator).screenshot(path=str(path))
        else:
            page.screenshot(path=str(path), full_page=True)
        # readable at this width: nothing wider than the window but the scrolling boxes
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} is {overflow} px wider than {width} px"


def test_sign_in_refuses_a_wrong_token_and_sign_out_ends_the_session(
    site: Site, browser: Any
) -> None:
    page = open_page(browser, site)
    expect(page).to_have_title("tacecheck — Sign in")
    assert page.locator("#nav").is_hidden() and page.locator("#sign-out").is_hidden()
    shoot(page, site, "sign-in")
    page.locator("#signin-token").fill("tc_not-a-token")
    page.keyboard.press("Enter")
    expect(page.locator("#signin-error")).to_have_text("that token is not known")
    sign_in(page, site.tokens["entry"])
    cookies = page.context.cookies()
    assert [(c["name"], c["httpOnly"], c["sameSite"]) for c in cookies] == [
        ("tacecheck_session", True, "Strict")
    ]
    stored = page.evaluate("JSON.stringify([localStorage, sessionStorage])")
    assert site.tokens["entry"] not in stored and stored == "[{},{}]"
    assert page.evaluate("document.cookie") == ""  # HttpOnly: no script reads it

    # A session the service has ended (expired) takes the page back to sign-in, emptied.
    site.seed({**HEADER, "patient_id": "W-EXPIRE"}, [])
    page.locator("#nav button[data-view=patients]").click()
    page.locator("#patients-table button", has_text="W-EXPIRE").wait_for()
    page.context.add_cookies([{**cookies[0], "value": "an-ended-session"}])
    page.locator("#nav button[data-view=worklist]").click()
    expect(page.locator("#signin-note")).to_have_text(
        "Your session has ended (signed out or expired). Sign in again to continue."
    )
    assert page.locator("#patients-table tbody tr").count() == 0
    assert "W-EXPIRE" not in page.content()
    page.context.add_cookies(cookies)  # the real session, still open
    page.reload()
    page.locator("#view-patients").wait_for(state="visible")  # resumed without the token

    page.locator("#sign-out").click()
    expect(page.locator("#signin-note")).to_have_text("You have signed out.")
    # The old session id, replayed by hand, no longer signs anyone in.
    replay = site.http.get(
        "/v1/patients", headers={"Cookie": f"tacecheck_session={cookies[0]['value']}"}
    )
    assert replay.status_code == 401
    assert replay.json()["type"] == "urn:tacecheck:problem:session-ended"
    assert page.outside_requests == [] and page.script_errors == []
    page.context.close()


def test_an_on_time_patient_entered_event_by_event_takes_trt001_from_pending_to_met(
    site: Site, browser: Any
) -> None:
    page = open_page(browser, site)
    sign_in(page, site.tokens["entry"])
    create_patient(page, "W-ONTIME")
    assert version_of(page) == 1
    enter(page, "data_cutoff_date", {"data_cutoff_date": "2012-09-30"})
    # The condition is a choice: the qualifying one in words, or "other", which opens a box.
    page.locator("#event-kind").select_option("diagnosis")
    condition = page.locator("#ev-condition")
    assert condition.evaluate("node => node.tagName") == "SELECT"
    assert condition.locator("option").all_inner_texts() == [
        "— choose —",
        "Hepatocellular carcinoma",
        "other (type it)",
    ]
    assert page.locator("#ev-condition-other").is_hidden()
    condition.select_option(label="other (type it)")
    expect(page.locator("#ev-condition-other")).to_be_visible()
    assert page.locator("label[for=ev-condition-other]").inner_text() == "Condition, in words"
    enter(page, "diagnosis", {**DIAGNOSIS, "date": "2012-02-13"})
    assert page.locator("#ev-condition-other").is_hidden()
    events = page.locator("#events tbody tr", has_text="Diagnosis").inner_text()
    assert "Condition: Hepatocellular carcinoma" in events and "Unresectable: yes" in events
    assert "true" not in events
    enter(page, "tace", {"date": "2012-03-15"})
    assert not finding(page, "TRT001").count() or (
        finding(page, "TRT001").get_attribute("data-status") != "met"
    )
    enter(page, "imaging", {"date": "2012-08-23", "modality": "CT", "result": "progression"})
    enter(page, "tace", {"date": "2012-09-20"})
    # Day 21 after TACE #2 on 2012-09-20 is 2012-10-11; as of the cut-off 2012-09-30, 11 days.
    trt = finding(page, "TRT001")
    assert trt.get_attribute("data-status") == "pending"
    assert page.locator("#attention li[data-rule=TRT001]").count() == 1
    text = trt.inner_text()
    assert "Pending" in text and "2012-10-11" in text and "11 days left" in text
    no_patient_value_shown_outside(page, "W-ONTIME", "2012-09-20")

    assert page.unauthorized == [], page.unauthorized  # still signed in (seen flaky once)
    page.locator("#nav button[data-view=worklist]").click()
    row = page.locator("#worklist-table tbody tr", has_text="W-ONTIME")
    assert row.locator("td").nth(0).inner_text() == "2012-10-11"
    assert row.locator("td").nth(1).inner_text() == "11"
    # The rule's name is what it checks for, not what the patient did.
    rule = row.locator("td").nth(4).inner_text()
    assert "TRT001" in rule and "checks for: sorafenib start outside window" in rule
    row.locator("button").click()
    page.locator("#patient-title").filter(has_text="W-ONTIME").wait_for()
    idle(page)

    page.locator("#event-kind").select_option("sorafenib")
    # Required but empty while the period goes on; the hints speak of doses, not of numbers.
    assert page.locator("label[for=ev-end_date]").inner_text() == (
        "End date (leave empty while ongoing)"
    )
    dose_hint = page.locator("#ev-dose_mg-hint").inner_text()
    assert dose_hint.startswith("mg per administration")
    assert "double" not in dose_hint
    assert "null" not in page.locator("#ev-end_date-hint").inner_text()
    version = enter(
        page,
        "sorafenib",
        {"start_date": "2012-09-27", "end_date": "", "dose_mg": "400", "frequency": "BID"},
    )
    assert version == 7
    page.locator("#settled-box summary").click()  # met and n/a findings are folded
    trt = finding(page, "TRT001")
    assert trt.get_attribute("data-status") == "met"
    assert "Met" in trt.inner_text() and "day 7" in trt.inner_text()
    assert page.locator("#settled li[data-rule=TRT001]").count() == 1
    # The history says which finding changed status, without reloading the page.
    last = page.locator("#history tr[data-kind=version]").last
    assert "TRT001: Pending → Met" in last.inner_text()
    assert "new data: sorafenib" in last.inner_text()
    # An added event in words, not JSON; the service's reasons and times in words too.
    assert "added Dosing period 1: start 2012-09-27, end ongoing, 400 mg BID" in last.inner_text()
    assert "{" not in page.locator("#history").inner_text()
    cutoff = page.locator("#history tr[data-kind=version]").nth(1).inner_text()
    assert "new data: data cut-off" in cutoff and "added Data cut-off: 2012-09-30" in cutoff
    when = page.locator("#history tr[data-kind=version] td").first.inner_text()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", when), when
    assert "Sorafenib after TACE" in page.locator("#patient-summary").inner_text()
    assert "(data cut-off)" in page.locator("#patient-summary").inner_text()
    assert page.locator("#timeline svg.timeline").count() == 1
    no_patient_value_shown_outside(page, "W-ONTIME", "2012-09-27")
    assert page.outside_requests == [] and page.script_errors == []

    shoot(page, site, "patient-page")
    shoot(page, site, "history", "#history")
    page.locator("#nav button[data-view=patients]").click()
    listed = page.locator("#patients-table tbody tr", has_text="W-ONTIME")
    listed.wait_for()
    assert listed.locator("td").nth(2).inner_text() == "Sorafenib after TACE"
    assert "Sorafenib after TACE" in page.locator("#f-arm option").all_inner_texts()
    shoot(page, site, "patient-list")
    page.context.close()


def test_an_impossible_date_is_shown_beside_its_field_and_nothing_is_stored(
    site: Site, browser: Any
) -> None:
    site.seed({**HEADER, "patient_id": "W-BADDATE"}, [("data_cutoff_date", "2012-09-30")])
    page = open_page(browser, site)
    sign_in(page, site.tokens["entry"])
    page.locator("#patients-table button", has_text="W-BADDATE").click()
    page.locator("#patient-title").filter(has_text="W-BADDATE").wait_for()
    idle(page)
    # Keyboard alone: the kind of event, then its date, then Enter to save.
    page.locator("#event-kind").focus()
    page.keyboard.press("Home")  # the first kind: Diagnosis
    page.locator("#event-kind").select_option("tace")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "ev-date"
    page.keyboard.type("2012-02-30")  # there is no 30 February
    error = page.locator("[data-field=date] .error")
    # Checked as the user types, with the store's message, the field named in words
    # (the service's "tace[0].date": the patient's first TACE).
    message = "TACE 1 date is not a real calendar date (expected: a date that exists in the"
    expect(error).to_have_text(message + " calendar)")
    assert page.locator("#ev-date").get_attribute("aria-invalid") == "true"
    assert "ev-date-error" in page.locator("#ev-date").get_attribute("aria-describedby")
    page.keyboard.press("Enter")  # the service refuses it too
    expect(error).to_have_text(message + " calendar)")
    expect(page.locator("#event-form .form-error")).to_have_text("")
    assert version_of(page) == 2
    assert site.versions("W-BADDATE") == [1, 2]
    assert page.outside_requests == [] and page.script_errors == []
    page.context.close()


def test_a_late_start_is_an_important_deviation_the_monitor_acknowledges(
    site: Site, browser: Any
) -> None:
    site.seed(
        {**HEADER, "patient_id": "W-LATE"},
        [
            ("data_cutoff_date", "2012-06-30"),
            ("diagnosis", {**DIAGNOSIS, "unresectable": True, "date": "2011-09-01"}),
            ("tace", {"date": "2011-10-20"}),
            ("imaging", {"date": "2012-02-14", "modality": "MRI", "result": "progression"}),
            ("tace", {"date": "2012-03-01"}),
        ],
    )
    entry = open_page(browser, site)
    sign_in(entry, site.tokens["entry"])
    entry.locator("#patients-table button", has_text="W-LATE").click()
    entry.locator("#patient-title").filter(has_text="W-LATE").wait_for()
    idle(entry)
    values = {"start_date": "2012-03-27", "end_date": "", "dose_mg": "400", "frequency": "BID"}
    enter(entry, "sorafenib", values)
    # 2012-03-27 is day 26 after TACE #2 on 2012-03-01: 5 days after the 21-day window.
    trt = finding(entry, "TRT001")
    assert trt.get_attribute("data-status") == "not_met"
    assert "Not met" in trt.inner_text() and "Important" in trt.inner_text()
    assert "5 days late" in trt.inner_text()
    assert "checks for: sorafenib start outside window" in trt.inner_text()
    marker = entry.locator("#timeline svg g.deviation[data-rule=TRT001]")
    assert marker.count() == 1
    number = marker.get_attribute("data-number")
    assert f"marker {number} on the timeline" in trt.inner_text()
    shoot(entry, site, "late-start")
    # An entry user has no monitor view, and the service refuses the review itself.
    assert entry.locator("#nav button[data-view=monitor]").is_hidden()
    refused = entry.evaluate(
        """async () => (await fetch('/v1/patients/W-LATE/reviews', {method: 'POST',
            headers: {'Content-Type': 'application/json', 'X-CSRF-Token': (await (await
            fetch('/v1/session')).json()).csrf_token},
            body: JSON.stringify({rule: 'TRT001', action: 'acknowledge', comment: 'x'})}))
            .status"""
    )
    assert refused == 403
    assert entry.outside_requests == [] and entry.script_errors == []
    entry.context.close()

    monitor = open_page(browser, site)
    sign_in(monitor, site.tokens["monitor"])
    monitor.locator("#nav button[data-view=monitor]").click()
    row = monitor.locator("#monitor tr[data-rule=TRT001]", has_text="W-LATE")
    assert "Important" in row.inner_text() and "Open" in row.inner_text()
    assert row.get_attribute("data-review") == "open"
    shoot(monitor, site, "monitor")
    row.locator("button", has_text="Acknowledge").click()
    monitor.locator("#reason-text").fill("site retrained on the start window")
    monitor.keyboard.press("Tab")
    monitor.keyboard.press("Enter")  # Confirm
    row = monitor.locator("#monitor tr[data-rule=TRT001]", has_text="W-LATE")
    row.filter(has_text="Acknowledged by monitor-user").wait_for()
    # Reviewed, it leaves the open list for the reviewed one, with who and when.
    assert row.get_attribute("data-review") == "reviewed"
    assert monitor.locator("#monitor table[data-list=open] tr", has_text="W-LATE").count() == 0
    assert re.search(
        r"✔ Acknowledged by monitor-user, \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC: "
        "site retrained on the start window",
        row.inner_text(),
    ), row.inner_text()
    assert row.locator("button", has_text="Acknowledge").count() == 0
    row.locator("button.link").click()
    monitor.locator("#patient-title").filter(has_text="W-LATE").wait_for()
    idle(monitor)
    review = monitor.locator("#history tr[data-kind=review]")
    review.wait_for()
    assert "monitor-user" in review.inner_text()
    assert "acknowledged TRT001" in review.inner_text()
    assert "site retrained on the start window" in review.inner_text()
    shoot(monitor, site, "history-with-review", "#history")
    # Still not met (the deviation happened), but shown apart as reviewed, with the time.
    trt = finding(monitor, "TRT001")
    assert trt.get_attribute("data-status") == "not_met"
    assert monitor.locator("#reviewed li[data-rule=TRT001]").count() == 1
    assert monitor.locator("#attention li[data-rule=TRT001]").count() == 0
    assert re.search(
        r"✔ Acknowledged by monitor-user, \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC: site retrained",
        trt.inner_text(),
    ), trt.inner_text()
    # Without an entry form, the findings take the page's width.
    widths = monitor.evaluate(
        "[document.querySelector('#findings').closest('section').offsetWidth,"
        " document.querySelector('#view-patient .columns').offsetWidth]"
    )
    assert widths[0] == widths[1], widths
    shoot(monitor, site, "reviewed-finding")
    no_patient_value_shown_outside(monitor, "W-LATE")
    assert monitor.outside_requests == [] and monitor.script_errors == []
    monitor.context.close()
    log = site.server.log_path.read_text(encoding="utf-8")
    assert "GET /v1/patients/{patient_id}/timeline 200" in log
    for secret in ("W-LATE", "2012-03-27", "site retrained", *site.tokens.values()):
        assert secret not in log  # the request log names routes, never values


def test_a_slow_session_look_up_does_not_undo_a_sign_in(site: Site, browser: Any) -> None:
    # On load the page asks whether a session is open (401: none). When that answer came
    # late, after the user had signed in meanwhile (a loaded machine), it hid the navigation
    # of a signed-in page. Here the page's first session look-up is held back in the page
    # itself until the test lets it go.
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(WAIT_MS)
    context.add_init_script(
        """(() => {
          const real = window.fetch.bind(window);
          let release;
          const gate = new Promise((resolve) => { release = resolve; });
          window.__releaseLookUp = () => release();
          let first = true;
          window.fetch = async (input, init) => {
            const url = String(input);
            const method = (init && init.method) || "GET";
            if (first && method === "GET" && url.endsWith("/v1/session?probe=true")) {
              first = false;
              const answer = await real(input, init);
              await gate;
              window.__lookUpAnswered = true;
              return answer;
            }
            return real(input, init);
          };
        })();"""
    )
    page = context.new_page()
    page.goto(site.url + "/")
    sign_in(page, site.tokens["entry"])
    page.evaluate("window.__releaseLookUp()")  # the late answer: 401, nobody was signed in
    page.wait_for_function("window.__lookUpAnswered === true")
    page.wait_for_timeout(300)
    expect(page.locator("#nav")).to_be_visible()
    expect(page.locator("#view-patients")).to_be_visible()
    context.close()
