"""The service in a child process on a free loopback port: for tests and benchmarks.

It runs exactly what a user runs (``python -m protocol.service serve``), so a
test or benchmark that uses it measures the real server, and can kill it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO

__all__ = ["ServerProcess", "free_port"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerProcess:
    """``tacecheck serve --db URL`` on 127.0.0.1:PORT, its output (the request log) in
    ``log_path``; ``extra`` options and ``env`` variables are added to the command."""

    def __init__(
        self, db_url: str, log_path: Path, *extra: str, env: dict[str, str] | None = None
    ) -> None:
        self.db_url = db_url
        self.log_path = log_path
        self.extra = extra
        self.env = env or {}
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> ServerProcess:
        self.port = free_port()
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()/kill()
        # The command a user types: tacecheck serve.
        command = [sys.executable, "-m", "protocol.cli", "serve", "--db", self.db_url]
        command += ["--port", str(self.port), *self.extra]
        env = dict(os.environ, PYTHONUNBUFFERED="1", **self.env)
        self.process = subprocess.Popen(
            command, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the server exited with {self.process.returncode}: "
                    + self.log_path.read_text(errors="replace")[-2000:]
                )
            try:
                with urllib.request.urlopen(self.base_url + "/openapi.json", timeout=1) as answer:
                    if answer.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"the server did not answer within {timeout} s")

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flushing; what a crash does."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        self._close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._close()

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def _close(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None
