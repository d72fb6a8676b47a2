"""Opening the service's database: SQLite or PostgreSQL, the same SQLAlchemy 2 code for both.

SQLite runs in WAL mode with ``synchronous=FULL`` (a commit is on disk before
it is acknowledged) and a busy timeout, with pysqlite's own transaction
handling switched off so that a write transaction can start with ``BEGIN
IMMEDIATE`` (it takes the write lock at once instead of failing half-way).
On PostgreSQL a write transaction takes a transaction-level advisory lock, so
writes are serialised there too: the audit hash chain needs one writer at a
time, and a write is a few milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

__all__ = [
    "DEFAULT_DB_FILE",
    "WRITE_LOCK_KEY",
    "Database",
    "default_url",
    "normalise_url",
]

DEFAULT_DB_FILE = "tacecheck.db"
WRITE_LOCK_KEY = 0x7ACEC4EC  # the advisory lock every PostgreSQL write transaction holds
_BUSY_TIMEOUT_MS = 30_000


def default_url(folder: Path | None = None) -> str:
    """The SQLite file in the current folder (or ``folder``) used when no --db is given."""
    return f"sqlite:///{(folder or Path.cwd()) / DEFAULT_DB_FILE}"


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` as meaning the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy's begin event emits BEGIN itself
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    writing = connection.get_execution_options().get("tacecheck_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


class Database:
    """An engine plus the two kinds of transaction the service uses: read and write."""

    def __init__(self, url: str, pool_size: int = 8) -> None:
        self.url = normalise_url(url)
        parsed = make_url(self.url)
        self.dialect = parsed.get_backend_name()
        if self.dialect not in ("sqlite", "postgresql"):
            raise ValueError(
                f"database URL {parsed.render_as_string(hide_password=True)!r}: "
                "expected sqlite:///FILE or postgresql+psycopg://USER@HOST/DB"
            )
        if self.dialect == "sqlite":
            if parsed.database in (None, "", ":memory:"):
                raise ValueError("an in-memory SQLite database cannot be shared; name a file")
            self.engine: Engine = create_engine(
                self.url,
                connect_args={"timeout": _BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
                pool_size=pool_size,
                max_overflow=pool_size,
            )
            event.listen(self.engine, "connect", _sqlite_connect)
            event.listen(self.engine, "begin", _sqlite_begin)
        else:
            self.engine = create_engine(
                self.url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
            )

    @property
    def safe_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read transaction: a consistent snapshot, no locks held against writers."""
        with self.engine.connect() as connection, connection.begin():
            yield connection

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A write transaction holding the database's single write lock until commit."""
        with self.engine.connect() as connection:
            connection.execution_options(tacecheck_write=True)
            with connection.begin():
                if self.dialect == "postgresql":
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY}
                    )
                yield connection

    def dispose(self) -> None:
        self.engine.dispose()
