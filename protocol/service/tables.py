"""The tables as SQLAlchemy Core objects for queries (the schema itself is the migrations')."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table, Text

__all__ = ["audit_log", "metadata", "patient_versions", "patients", "reviews", "users"]

metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64)),
    Column("role", String(16)),
    Column("token_hash", String(64)),
    Column("created_at", String(32)),
)

patients = Table(
    "patients",
    metadata,
    Column("patient_id", String(64), primary_key=True),
    Column("version", Integer),
    Column("site_id", String(64)),
    Column("cohort", String(32)),
    Column("updated_at", String(32)),
)

patient_versions = Table(
    "patient_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("patient_id", String(64)),
    Column("version", Integer),
    Column("action", String(32)),
    Column("author", String(64)),
    Column("created_at", String(32)),
    Column("reason", Text),
    Column("record", Text),
    Column("record_sha256", String(64)),
    Column("patch", Text),
    Column("findings", Text),
    Column("checked_as_of", String(10)),
    Column("pack_id", String(64)),
    Column("pack_version", String(32)),
)

reviews = Table(
    "reviews",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("patient_id", String(64)),
    Column("version", Integer),
    Column("finding_key", String(200)),
    Column("rule", String(16)),
    Column("action", String(16)),
    Column("comment", Text),
    Column("author", String(64)),
    Column("created_at", String(32)),
    Column("evidence_sha256", String(64)),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", String(32)),
    Column("actor", String(64)),
    Column("action", String(32)),
    Column("patient_id", String(64)),
    Column("version", Integer),
    Column("payload", Text),
    Column("prev_hash", String(64)),
    Column("row_hash", String(64)),
)
