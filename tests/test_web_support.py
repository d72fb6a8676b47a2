"""Shared pieces of the browser tests: a real server, a real Chromium, a page per user.

The browser is Debian's Chromium (``apt-get install chromium``) driven by Playwright,
which never downloads one. Screenshots go to ``$TACECHECK_WEB_ARTIFACTS`` when set
(CI keeps them), else into the test's temporary folder.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from protocol.service.auth import add_user
from protocol.service.database import Database
from protocol.service.migrate import upgrade
from protocol.service.server_process import ServerProcess

CHROMIUM = os.environ.get("TACECHECK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WAIT_MS = 10_000


@dataclass
class Site:
    """The running service, its users' tokens, and a bearer-token client for setting up."""

    server: ServerProcess
    tokens: dict[str, str]
    http: httpx.Client
    artifacts: Path

    @property
    def url(self) -> str:
        return self.server.base_url

    def call(self, method: str, path: str, body: Any = None, **headers: str) -> httpx.Response:
        sent = {"Authorization": f"Bearer {self.tokens['entry']}", **headers}
        return self.http.request(method, path, json=body, headers=sent)

    def seed(self, record: dict[str, Any], events: list[tuple[str, Any]]) -> int:
        """Store a patient's header and events through the API; the last version."""
        answer = self.call("POST", "/v1/patients", {"record": record})
        assert answer.status_code == 201, answer.text
        version = 1
        for kind, event in events:
            answer = self.call(
                "POST",
                f"/v1/patients/{record['patient_id']}/events",
                {"kind": kind, "event": event},
                **{"If-Match": f'"{version}"'},
            )
            assert answer.status_code == 200, answer.text
            version = answer.json()["version"]
        return version

    def versions(self, patient_id: str) -> list[int]:
        answer = self.call("GET", f"/v1/patients/{patient_id}/history")
        assert answer.status_code == 200, answer.text
        return [v["version"] for v in answer.json()["versions"]]


@pytest.fixture(scope="session", name="site")
def site_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("web")
    url = f"sqlite:///{folder / 'web.db'}"
    database = Database(url)
    upgrade(database)
    tokens = {role: add_user(database, f"{role}-user", role) for role in ("entry", "monitor")}
    database.dispose()
    server = ServerProcess(url, folder / "server.log").start()
    artifacts = Path(os.environ.get("TACECHECK_WEB_ARTIFACTS") or folder / "screenshots")
    artifacts.mkdir(parents=True, exist_ok=True)
    client = httpx.Client(base_url=server.base_url, timeout=30)
    yield Site(server, tokens, client, artifacts)
    client.close()
    server.stop()
    # Kept with the screenshots: the request log (routes and statuses, no values) explains
    # a test that failed on a machine no one can look at afterwards.
    shutil.copyfile(folder / "server.log", artifacts / "server.log")


@pytest.fixture(scope="session", name="browser")
def browser_fixture() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        pytest.fail(f"the browser tests need Chromium at {CHROMIUM}: apt-get install chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def open_page(browser: Any, site: Site, width: int = 1400) -> Any:
    """A fresh browser context (no cookies) on the page; requests elsewhere are refused."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.set_default_timeout(WAIT_MS)
    outside: list[str] = []

    def guard(route: Any) -> None:
        if route.request.url.startswith(site.url + "/"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.outside_requests = outside
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.script_errors = errors
    # Every 401 that sends the page back to sign-in (not the session look-up on load, which
    # is 401 before anyone signs in), so a test can say by which request.
    unauthorized: list[str] = []

    def watch(response: Any) -> None:
        if response.status == 401 and "/v1/session" not in response.url:
            unauthorized.append(f"{response.request.method} {response.url}")

    page.on("response", watch)
    page.unauthorized = unauthorized
    page.goto(site.url + "/")
    return page


def sign_in(page: Any, token: str) -> None:
    page.locator("#signin-token").fill(token)
    page.keyboard.press("Enter")
    page.locator("#view-patients").wait_for(state="visible")


def no_patient_value_shown_outside(page: Any, *values: str) -> None:
    """The address bar and the title never hold a patient value."""
    for value in values:
        assert value not in page.url, page.url
        assert value not in page.title(), page.title()
