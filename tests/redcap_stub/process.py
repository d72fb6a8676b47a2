"""``tacecheck serve --redcap-config FILE`` in a child process on loopback."""

from __future__ import annotations

from pathlib import Path

from protocol.service.server_process import ServerProcess

__all__ = ["LiveService"]


class LiveService(ServerProcess):
    """``tacecheck serve --db URL --redcap-config FILE`` on 127.0.0.1:PORT, its log in a file."""

    def __init__(self, db_url: str, config: Path, log_path: Path, env: dict[str, str]) -> None:
        super().__init__(db_url, log_path, "--redcap-config", str(config), env=env)
        self.config = config
