"""Schema migrations (Alembic, scripts shipped in ``protocol/service/migrations``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from protocol.service.database import Database

__all__ = ["MIGRATIONS", "current_revision", "head_revision", "is_upgraded", "upgrade"]

MIGRATIONS = Path(__file__).parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(database: Database) -> str | None:
    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_upgraded(database: Database) -> bool:
    return current_revision(database) == head_revision()


def upgrade(database: Database) -> tuple[str | None, str | None]:
    """Bring the schema to the newest revision; (revision before, revision after)."""
    before = current_revision(database)
    config = _config()
    with database.engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        connection.commit()
    return before, current_revision(database)
