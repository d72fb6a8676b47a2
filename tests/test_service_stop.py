"""Stopping ``tacecheck serve`` as an operator does (SIGTERM from systemd or kill, SIGINT
from Ctrl-C) is a clean stop: exit 0 and a line saying so, not "cannot serve"."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from test_service_support import sqlite_url

from protocol.service.database import Database
from protocol.service.migrate import upgrade
from protocol.service.server_process import ServerProcess


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT])
def test_a_requested_stop_exits_0_and_says_stopped(tmp_path: Path, how: signal.Signals) -> None:
    url = sqlite_url(tmp_path)
    db = Database(url)
    upgrade(db)
    db.dispose()
    server = ServerProcess(url, tmp_path / "server.log").start()
    assert server.process is not None
    server.process.send_signal(how)
    code = server.process.wait(20)
    log = server.log()
    server.stop()
    assert code == 0, log[-1500:]
    assert f"tacecheck: stopped serving on http://127.0.0.1:{server.port}" in log
    assert "cannot serve" not in log
