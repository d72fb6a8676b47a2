"""Shared pieces of the service tests: databases (SQLite, PostgreSQL), users, records.

PostgreSQL is reached through env TACECHECK_TEST_POSTGRES (for example
``postgresql+psycopg://postgres@127.0.0.1:5432/test``); each test gets a fresh
schema there, dropped afterwards. Without the variable the PostgreSQL cases
are skipped with that one reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from protocol.service.auth import add_user
from protocol.service.database import Database
from protocol.service.migrate import upgrade

PG_ENV = "TACECHECK_TEST_POSTGRES"
PG_SKIP = f"PostgreSQL store tests need env {PG_ENV}=postgresql+psycopg://USER@HOST:PORT/DB"


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'service.db'}"


def _pg_admin_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(PG_SKIP)
    return url


def postgres_url_with_schema(schema: str) -> str:
    base = make_url(_pg_admin_url())
    return base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


class PostgresSchema:
    """A fresh schema on the test server, its URL, and dropping it afterwards."""

    def __init__(self) -> None:
        self.admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
        self.name = f"tc_test_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{self.name}"'))
        self.url = postgres_url_with_schema(self.name)

    def drop(self) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{self.name}" CASCADE'))
        self.admin.dispose()


def fresh_database_url(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield sqlite_url(folder)
        return
    schema = PostgresSchema()
    try:
        yield schema.url
    finally:
        schema.drop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: Any, tmp_path: Path) -> Iterator[Database]:
    """An upgraded, empty database of each kind."""
    for url in fresh_database_url(request.param, tmp_path):
        db = Database(url)
        upgrade(db)
        try:
            yield db
        finally:
            db.dispose()


def header(patient_id: str = "P1", site: str = "S1") -> dict[str, Any]:
    return {
        "schema_version": "1",
        "patient_id": patient_id,
        "cohort": "sorafenib_after_tace",
        "site_id": site,
    }


def tokens(db: Database) -> dict[str, str]:
    """One user of each role; their tokens by role."""
    return {role: add_user(db, f"{role}-user", role) for role in ("entry", "monitor", "admin")}
