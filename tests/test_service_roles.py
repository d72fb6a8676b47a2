"""Every endpoint x every role, against a real server: 401 without a known token, 403 for a
role the endpoint is not for, and success for the roles it is for.

The expected roles are the issue's: entry writes records and events, monitor reads and
reviews, admin manages users and sees everything; every role may check without storing and
read patients, the study list and the worklist; listings and the audit check are for
monitors and admins.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_service_support import header, sqlite_url, tokens

from protocol.service.database import Database
from protocol.service.migrate import upgrade
from protocol.service.server_process import ServerProcess

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ALL = {"entry", "monitor", "admin"}
ENTRY = {"entry"}
MONITOR = {"monitor"}
ADMIN = {"admin"}
MONITOR_ADMIN = {"monitor", "admin"}

# (method, path, body, needs If-Match, roles allowed); the body is made from a fresh number.
ENDPOINTS: list[tuple[str, str, Callable[[int], Any] | None, bool, set[str]]] = [
    ("POST", "/v1/check", lambda n: header("X-CHECK"), False, ALL),
    ("POST", "/v1/patients", lambda n: {"record": header(f"NEW-{n}")}, False, ENTRY),
    ("GET", "/v1/patients", None, False, ALL),
    ("GET", "/v1/patients/M-P", None, False, ALL),
    ("GET", "/v1/patients/M-P/history", None, False, ALL),
    (
        "POST",
        "/v1/patients/M-P/events",
        lambda n: {"kind": "imaging", "event": {"date": "2012-01-10", "result": "stable_disease"}},
        True,
        ENTRY,
    ),
    (
        "PUT",
        "/v1/patients/M-P/events/tace/0",
        lambda n: {"event": {"date": "2012-01-11"}, "reason": "typo"},
        True,
        ENTRY,
    ),
    ("DELETE", "/v1/patients/M-P/events/tace/0", lambda n: {"reason": "wrong"}, True, ENTRY),
    (
        "PUT",
        "/v1/patients/M-P",
        lambda n: {"record": {**header("M-P"), "last_contact_date": "2012-05"}, "reason": "visit"},
        True,
        ENTRY,
    ),
    (
        "POST",
        "/v1/patients/M-LATE/reviews",
        lambda n: {"rule": "TRT001", "action": "acknowledge", "comment": "noted"},
        False,
        MONITOR,
    ),
    ("GET", "/v1/worklist", None, False, ALL),
    ("GET", "/v1/listings/deviations", None, False, MONITOR_ADMIN),
    ("GET", "/v1/listings/queries?format=csv", None, False, MONITOR_ADMIN),
    ("POST", "/v1/users", lambda n: {"name": f"u{n}", "role": "entry"}, False, ADMIN),
    ("GET", "/v1/users", None, False, ADMIN),
    ("GET", "/v1/audit/verify", None, False, MONITOR_ADMIN),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("roles")
    url = sqlite_url(folder)
    db = Database(url)
    upgrade(db)
    keys = tokens(db)
    db.dispose()
    process = ServerProcess(url, folder / "server.log").start()
    with httpx.Client(base_url=process.base_url, timeout=30) as http:
        entry = {"Authorization": f"Bearer {keys['entry']}"}
        http.post("/v1/patients", json={"record": header("M-P")}, headers=entry)
        for index in range(3):  # enough TACEs for the correction and deletion rounds
            version = http.get("/v1/patients/M-P", headers=entry).headers["ETag"]
            event = {"kind": "tace", "event": {"date": f"2011-0{index + 1}-01"}}
            http.post("/v1/patients/M-P/events", json=event, headers={**entry, "If-Match": version})
        late = json.loads((EXAMPLES / "p02-late-start.json").read_text())
        late["patient_id"] = "M-LATE"
        http.post("/v1/patients", json={"record": late}, headers=entry)
        yield process.base_url, keys
    process.stop()


def test_every_endpoint_for_every_role(server: tuple[str, dict[str, str]]) -> None:
    base, keys = server
    outcomes = []
    counter = 0
    with httpx.Client(base_url=base, timeout=30) as http:
        for method, path, body, needs_version, allowed in ENDPOINTS:
            for who in ("none", "bogus", "entry", "monitor", "admin"):
                counter += 1
                headers = {}
                if who == "bogus":
                    headers["Authorization"] = "Bearer tc_not-a-real-token"
                elif who != "none":
                    headers["Authorization"] = f"Bearer {keys[who]}"
                if needs_version:
                    current = http.get(
                        "/v1/patients/M-P", headers={"Authorization": f"Bearer {keys['admin']}"}
                    )
                    headers["If-Match"] = current.headers["ETag"]
                content = None
                if body is not None:
                    content = json.dumps(body(counter)).encode()
                    headers["Content-Type"] = "application/json"
                answer = http.request(method, path, content=content, headers=headers)
                if who in ("none", "bogus"):
                    expected = "401"
                elif who in allowed:
                    expected = "2xx"
                else:
                    expected = "403"
                got = "2xx" if answer.is_success else str(answer.status_code)
                outcomes.append((method, path, who, expected, got))
    wrong = [o for o in outcomes if o[3] != o[4]]
    assert wrong == []
    assert len(outcomes) == len(ENDPOINTS) * 5
