"""The web page in real Firefox (Debian's firefox-esr, headless, driven over WebDriver BiDi)
against a real ``serve`` on loopback, at 1024 px wide.

The server is the browser tests' own (``site``: a fresh SQLite store); these tests use
their own patients. Dates are worked out by hand from the protocol: sorafenib must start
on day 0-21 after TACE #2 (TRT001), day 0 being the TACE date.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator

import pytest
from firefox_bidi import FIREFOX, WAIT_S, Tab, firefox
from test_web_support import Site, site_fixture  # noqa: F401 - the fixture `site`

HEADER = {"schema_version": "1", "cohort": "sorafenib_after_tace", "site_id": "JP-FOX-01"}
WIDTH = 1024


@pytest.fixture(name="tab")
def tab_fixture(site: Site) -> Iterator[Tab]:
    """The page in a fresh Firefox (new profile: no cookies), killed after the test."""
    if shutil.which(FIREFOX) is None:
        pytest.fail(f"the Firefox tests need Firefox ESR at {FIREFOX}: apt-get install firefox-esr")
    with firefox() as bidi:
        events = ["log.entryAdded", "network.beforeRequestSent", "network.responseCompleted"]
        bidi.command("session.subscribe", {"events": events})
        tab = bidi.tab()
        tab.set_viewport(WIDTH, 900)
        tab.navigate(site.url + "/")
        yield tab


def script_errors(tab: Tab) -> list[str]:
    """Every error the page logged: uncaught exceptions and console.error alike."""
    entries = tab.bidi.events("log.entryAdded")
    return [f"{e['type']}: {e['text']}" for e in entries if e["level"] == "error"]


def outside_requests(tab: Tab, site: Site) -> list[str]:
    """Requests of the page to anywhere but the service (the inline favicon excepted)."""
    urls = [
        e["request"]["url"]
        for e in tab.bidi.events("network.beforeRequestSent")
        if e.get("context") == tab.context
    ]
    assert urls, "no request of the page was seen"
    return [u for u in urls if not u.startswith(site.url + "/") and not u.startswith("data:")]


def saving(tab: Tab, path: str) -> int:
    """Wait for the page's POST to ``path`` to be answered; the status of the answer."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        for done in tab.bidi.events("network.responseCompleted"):
            request = done["request"]
            if request["method"] == "POST" and request["url"].endswith(path):
                return int(done["response"]["status"])
        time.sleep(0.05)
    raise AssertionError(f"no answer to POST {path} within {WAIT_S} s")


def visible(selector: str) -> str:
    return (
        f"(() => {{ const n = document.querySelector('{selector}'); return !!n && !n.hidden; }})()"
    )


def sign_in(tab: Tab, token: str) -> None:
    tab.fill("#signin-token", token)
    tab.click("#signin-form button[type=submit]")
    tab.wait_for(visible("#view-patients"), "the patient list after signing in")


def version_of(tab: Tab) -> int:
    found = re.search(r"version (\d+)", tab.text("#patient-summary"))
    assert found, tab.text("#patient-summary")
    return int(found.group(1))


def idle(tab: Tab, version: int) -> None:
    """Wait until the patient page shows ``version`` with its timeline and history."""
    tab.wait_for(
        "document.querySelector('#patient-summary').innerText.includes('version "
        f"{version} ') && !('busy' in document.querySelector('#view-patient').dataset)",
        f"version {version} on the patient page",
    )


def fill_event(tab: Tab, kind: str, values: dict[str, str]) -> None:
    tab.select("#event-kind", kind)
    for name, value in values.items():
        selector = f"#ev-{name}"
        if tab.evaluate(f"document.querySelector('{selector}').tagName") == "SELECT":
            tab.select(selector, value)
        else:
            tab.fill(selector, value)


def enter(tab: Tab, kind: str, values: dict[str, str]) -> int:
    """Enter one event through its form, save it with the button; the version shown."""
    before = version_of(tab)
    fill_event(tab, kind, values)
    tab.click("#event-form button[type=submit]")
    idle(tab, before + 1)
    return version_of(tab)


def finding(tab: Tab, rule: str) -> tuple[str, str]:
    """A finding's status and text on the page ('', '' when not shown)."""
    found = tab.evaluate(
        f"(() => {{ const n = document.querySelector('#findings li.finding[data-rule={rule}]');"
        " return n ? [n.dataset.status, n.innerText] : ['', '']; })()"
    )
    return found[0], found[1]


def nothing_shown_outside(tab: Tab, *values: str) -> None:
    """The address bar and the title never hold a patient value."""
    url, title = tab.evaluate("[location.href, document.title]")
    for value in values:
        assert value not in url and value not in title, (url, title)


def shoot(tab: Tab, site: Site, name: str) -> None:
    tab.screenshot(site.artifacts / f"firefox-{name}.png")
    # readable at this width: nothing wider than the window but the scrolling boxes
    overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} is {overflow} px wider than {WIDTH} px in Firefox"


def test_firefox_signs_in_and_takes_an_on_time_start_from_pending_to_met(
    site: Site, tab: Tab
) -> None:
    tab.wait_for("document.title === 'tacecheck — Sign in'", "the sign-in page")
    assert tab.evaluate(visible("#nav")) is False
    shoot(tab, site, "sign-in")
    tab.fill("#signin-token", "tc_not-a-token")
    tab.press("Enter")
    tab.wait_for("document.querySelector('#signin-error').innerText", "the sign-in error")
    assert tab.text("#signin-error") == "that token is not known"
    sign_in(tab, site.tokens["entry"])
    assert tab.evaluate("document.cookie") == ""  # the session cookie is HttpOnly
    assert tab.text("#who-name") == "entry-user (entry)"
    tab.evaluate("window.__notReloaded = 'still here'")

    tab.click("#new-patient summary")
    tab.fill("#np-patient_id", "F-ONTIME")
    arms = "[...document.querySelectorAll('#np-cohort option')].map((o) => o.text)"
    assert tab.evaluate(arms) == [
        "— choose —",
        "Sorafenib after TACE",
        "TACE alone (historical control)",
    ]
    tab.select("#np-cohort", "sorafenib_after_tace")
    tab.fill("#np-site_id", HEADER["site_id"])
    tab.click("#new-patient-form button[type=submit]")
    tab.wait_for(
        "document.querySelector('#patient-title').innerText === 'Patient F-ONTIME'",
        "the new patient's page",
    )
    idle(tab, 1)
    assert enter(tab, "data_cutoff_date", {"data_cutoff_date": "2013-06-30"}) == 2
    diagnosis = {"condition": "hepatocellular_carcinoma", "unresectable": "true"}
    enter(tab, "diagnosis", {**diagnosis, "date": "2013-01-07"})
    assert tab.evaluate("document.querySelector('#ev-condition').tagName") == "SELECT"
    events = tab.text("#events tbody")
    assert "Condition: Hepatocellular carcinoma" in events and "Unresectable: yes" in events
    enter(tab, "tace", {"date": "2013-01-21"})
    assert finding(tab, "TRT001")[0] == "not_applicable"  # nothing is due before TACE #2
    # Progression on 2013-05-06, within TACE #1 + 6 months (2013-07-21), then TACE #2.
    enter(tab, "imaging", {"date": "2013-05-06", "modality": "CT", "result": "progression"})
    assert enter(tab, "tace", {"date": "2013-06-17"}) == 6
    # Day 21 after TACE #2 on 2013-06-17 is 2013-07-08; as of the cut-off 2013-06-30, 8 days.
    status, text = finding(tab, "TRT001")
    assert status == "pending", text
    assert "Pending" in text and "2013-07-08" in text and "8 days left" in text
    assert tab.evaluate("document.querySelectorAll('#attention li[data-rule=TRT001]').length") == 1
    nothing_shown_outside(tab, "F-ONTIME", "2013-06-17")

    # Sorafenib from 2013-06-28: day 11 after TACE #2, inside the 0-21 day window.
    values = {"start_date": "2013-06-28", "end_date": "", "dose_mg": "400", "frequency": "BID"}
    assert enter(tab, "sorafenib", values) == 7
    tab.click("#settled-box summary")  # met and n/a findings are folded
    status, text = finding(tab, "TRT001")
    assert status == "met", text
    assert "Met" in text and "day 11" in text
    assert tab.evaluate("document.querySelectorAll('#settled li[data-rule=TRT001]').length") == 1
    history = tab.text("#history tr[data-kind=version]:last-of-type")
    assert "TRT001: Pending → Met" in history and "new data: sorafenib" in history
    assert tab.evaluate("document.querySelectorAll('#timeline svg.timeline').length") == 1
    # The same page all along: the marker set before the saves, one navigation.
    assert tab.evaluate("window.__notReloaded") == "still here"
    assert tab.evaluate("performance.getEntriesByType('navigation').length") == 1
    nothing_shown_outside(tab, "F-ONTIME", "2013-06-28", "2013-06-17")
    shoot(tab, site, "patient-page")
    assert site.versions("F-ONTIME") == [1, 2, 3, 4, 5, 6, 7]
    assert outside_requests(tab, site) == []
    assert script_errors(tab) == []


def test_firefox_shows_an_impossible_date_beside_its_field_and_nothing_is_stored(
    site: Site, tab: Tab
) -> None:
    diagnosis = {"condition": "hepatocellular_carcinoma", "unresectable": True}
    events = [
        ("data_cutoff_date", "2013-06-30"),
        ("diagnosis", {**diagnosis, "date": "2013-01-07"}),
        ("tace", {"date": "2013-01-21"}),
    ]
    assert site.seed({**HEADER, "patient_id": "F-BADDATE"}, events) == 4
    sign_in(tab, site.tokens["entry"])
    tab.fill("#f-search", "F-BADDATE")  # the other tests' patients are listed too
    tab.wait_for(
        "[...document.querySelectorAll('#patients-table tbody button')]"
        ".map((b) => b.innerText).join() === 'F-BADDATE'",
        "the patient list filtered to F-BADDATE",
    )
    tab.click("#patients-table tbody button")
    tab.wait_for(
        "document.querySelector('#patient-title').innerText === 'Patient F-BADDATE'",
        "the patient's page",
    )
    idle(tab, 4)
    tab.select("#event-kind", "tace")
    tab.press("Tab")
    assert tab.evaluate("document.activeElement.id") == "ev-date"
    tab.type("2013-02-30")  # there is no 30 February
    # Checked as the user types, with the store's message, the field in words (the
    # service's "tace[1].date": the patient's second TACE).
    message = (
        "TACE 2 date is not a real calendar date (expected: a date that exists in the calendar)"
    )
    tab.wait_for("document.querySelector('[data-field=date] .error').innerText", "the date error")
    assert tab.text("[data-field=date] .error") == message
    assert tab.evaluate("document.querySelector('#ev-date').getAttribute('aria-invalid')") == "true"
    tab.press("Enter")  # the service refuses it too
    assert saving(tab, "/v1/patients/F-BADDATE/events") == 422
    tab.wait_for("document.activeElement.id === 'ev-date'", "the focus back on the date")
    assert tab.text("[data-field=date] .error") == message
    assert tab.text("#event-form .form-error") == ""
    assert version_of(tab) == 4
    shoot(tab, site, "field-error")
    # Nothing was stored: the patient still has the one TACE seeded before.
    assert site.versions("F-BADDATE") == [1, 2, 3, 4]
    stored = site.call("GET", "/v1/patients/F-BADDATE")
    assert stored.status_code == 200, stored.text
    assert stored.json()["record"]["tace"] == [{"date": "2013-01-21"}]
    nothing_shown_outside(tab, "F-BADDATE", "2013-02-30")
    assert outside_requests(tab, site) == []
    assert script_errors(tab) == []
