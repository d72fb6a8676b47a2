"""Users, roles and bearer tokens.

A token is 32 random bytes (URL-safe base64, prefixed ``tc_``), shown once
when the user is added; the database keeps only its SHA-256. Roles:

- ``entry``: enters records and events (and reads what it entered);
- ``monitor``: reads everything clinical, reviews findings, pulls listings;
- ``admin``: manages users, reads everything, verifies the audit trail.

Which role may call which endpoint is the table :data:`PERMISSIONS`, the
one place that decides it (the role-matrix test reads the same table's
meaning from the protocol, not from here).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from protocol.service import audit
from protocol.service.database import Database
from protocol.service.tables import users

__all__ = [
    "PERMISSIONS",
    "Action",
    "Authenticator",
    "Role",
    "User",
    "UserExists",
    "add_user",
    "authenticate",
    "hash_token",
    "list_users",
]

USER_NAME = re.compile(r"[A-Za-z0-9._@-]{1,64}")


class Role(StrEnum):
    ENTRY = "entry"
    MONITOR = "monitor"
    ADMIN = "admin"


class Action(StrEnum):
    CHECK = "check"
    WRITE = "write"
    READ_PATIENT = "read_patient"
    READ_STUDY = "read_study"
    REVIEW = "review"
    LISTINGS = "listings"
    MANAGE_USERS = "manage_users"
    VERIFY_AUDIT = "verify_audit"


PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.CHECK: frozenset(Role),
    Action.WRITE: frozenset({Role.ENTRY}),
    Action.READ_PATIENT: frozenset(Role),
    Action.READ_STUDY: frozenset(Role),
    Action.REVIEW: frozenset({Role.MONITOR}),
    Action.LISTINGS: frozenset({Role.MONITOR, Role.ADMIN}),
    Action.MANAGE_USERS: frozenset({Role.ADMIN}),
    Action.VERIFY_AUDIT: frozenset({Role.MONITOR, Role.ADMIN}),
}


@dataclass(frozen=True, slots=True)
class User:
    name: str
    role: Role


class UserExists(ValueError):
    pass


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_user(database: Database, name: str, role: str, created_by: str = "cli") -> str:
    """Store a new user; the token, which is never stored and cannot be shown again."""
    if not USER_NAME.fullmatch(name):
        raise ValueError("a user name is 1-64 letters, digits, '.', '_', '@' or '-'")
    checked = Role(role)
    token = "tc_" + secrets.token_urlsafe(32)
    now = audit.utc_now()
    try:
        with database.writing() as connection:
            connection.execute(
                users.insert().values(
                    name=name, role=str(checked), token_hash=hash_token(token), created_at=now
                )
            )
            audit.append(
                connection, created_by, "add_user", {"user": name, "role": str(checked)}, at=now
            )
    except IntegrityError:
        raise UserExists(f"a user named {name!r} already exists") from None
    return token


def list_users(database: Database) -> list[dict[str, str]]:
    with database.reading() as connection:
        rows = connection.execute(
            select(users.c.name, users.c.role, users.c.created_at).order_by(users.c.name)
        ).all()
    return [{"name": r.name, "role": r.role, "created_at": r.created_at} for r in rows]


def authenticate(database: Database, token: str) -> User | None:
    """The user a bearer token belongs to, or None."""
    digest = hash_token(token)
    with database.reading() as connection:
        row = connection.execute(
            select(users.c.name, users.c.role, users.c.token_hash).where(
                users.c.token_hash == digest
            )
        ).first()
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    return User(row.name, Role(row.role))


class Authenticator:
    """Bearer token -> user, remembering the tokens it has seen.

    Users are never changed or removed (there is no endpoint or command that does), so a
    token once valid stays valid and the answer can be kept; unknown tokens are not kept.
    """

    def __init__(self, database: Database) -> None:
        self.database = database
        self._known: dict[str, User] = {}

    def remembered(self, token: str) -> User | None:
        return self._known.get(hash_token(token))

    def __call__(self, token: str) -> User | None:
        user = authenticate(self.database, token)
        if user is not None:
            self._known[hash_token(token)] = user
        return user
