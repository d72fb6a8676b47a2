"""Property tests from the OpenAPI document (Schemathesis), bounded: no request gets a 5xx.

Each generated request is sent with the token of a role the endpoint is for (found by
trying entry, then monitor, then admin: a 403 moves on to the next), so the bodies reach
the endpoint's own validation rather than stopping at the role check.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from test_service_support import header, sqlite_url, tokens

from protocol.service.app import create_app
from protocol.service.database import Database
from protocol.service.migrate import upgrade
from protocol.service.server_process import ServerProcess


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("schemathesis")
    url = sqlite_url(folder)
    db = Database(url)
    upgrade(db)
    keys = tokens(db)
    db.dispose()
    server = ServerProcess(url, folder / "server.log").start()
    import httpx

    with httpx.Client(base_url=server.base_url) as http:  # a patient for the path parameters
        http.post(
            "/v1/patients",
            json={"record": header("P1")},
            headers={"Authorization": f"Bearer {keys['entry']}"},
        )
    yield server.base_url, keys
    server.stop()


def _document() -> dict[str, Any]:
    """The OpenAPI document the server serves (built without a database connection)."""
    return create_app(Database("sqlite:///unused-by-openapi.db")).openapi()


schema = schemathesis.openapi.from_dict(_document())


@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_request_gets_a_server_error(case: Any, live: tuple[str, dict[str, str]]) -> None:
    base, keys = live
    for role in ("entry", "monitor", "admin"):
        response = case.call_and_validate(
            base_url=base,
            headers={"Authorization": f"Bearer {keys[role]}"},
            checks=[not_a_server_error],
        )
        if response.status_code != 403:
            break
