"""The store on SQLite and PostgreSQL: versions, stale updates, append-only tables, audit chain."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from test_service_support import database, header  # noqa: F401 - the fixture

from protocol.packs import load_pack
from protocol.service.audit import verify
from protocol.service.database import Database
from protocol.service.reviews import add_review
from protocol.service.store import PatientStore, Refused, StaleVersion

DIAGNOSIS = {"condition": "hepatocellular_carcinoma", "date": "2012-01-05", "unresectable": True}


@pytest.fixture
def store(database: Database) -> PatientStore:  # noqa: F811
    return PatientStore(database, load_pack("tamai-2017"))


def test_every_store_is_a_new_version_with_its_patch_author_and_reason(
    store: PatientStore,
) -> None:
    first, _ = store.create(header(), "ann", "initial entry")
    second, _ = store.replace(
        "P1", {**header(), "diagnosis": DIAGNOSIS}, 1, "bob", "diagnosis entered"
    )
    assert (first.version, second.version) == (1, 2)
    history = store.history("P1")
    assert [(v.version, v.author, v.reason) for v in history] == [
        (1, "ann", "initial entry"),
        (2, "bob", "diagnosis entered"),
    ]
    assert history[0].record == header()
    assert history[1].patch == [{"op": "add", "path": "/diagnosis", "value": DIAGNOSIS}]
    assert history[1].pack_id == "tamai-2017"
    assert history[1].created_at.endswith("Z")
    assert store.head("P1").version == 2


def test_a_stale_update_is_refused_and_nothing_is_overwritten(store: PatientStore) -> None:
    store.create(header(), "ann", "initial entry")
    store.replace("P1", {**header(), "diagnosis": DIAGNOSIS}, 1, "ann", "diagnosis")
    with pytest.raises(StaleVersion) as stale:
        store.replace("P1", {**header(), "last_contact_date": "2012-05-01"}, 1, "bob", "contact")
    assert stale.value.current == 2
    assert [v.version for v in store.history("P1")] == [1, 2]
    assert "last_contact_date" not in store.head("P1").record


def test_a_bad_record_is_refused_with_its_pointer_and_nothing_is_stored(
    store: PatientStore,
) -> None:
    store.create(header(), "ann", "initial entry")
    with pytest.raises(Refused) as refused:
        store.replace("P1", {**header(), "tace": [{"date": "2012-13-01"}]}, 1, "ann", "tace")
    assert [e.location for e in refused.value.errors] == ["/tace/0/date"]
    assert [v.version for v in store.history("P1")] == [1]


def test_a_record_for_another_patient_is_refused(store: PatientStore) -> None:
    store.create(header(), "ann", "initial entry")
    with pytest.raises(Refused) as refused:
        store.replace("P1", header("P2"), 1, "ann", "typo")
    assert refused.value.errors[0].location == "/patient_id"


def _fill(store: PatientStore) -> None:
    """A version with a data query (two TACEs on one date: DAT001), reviewed by a monitor."""
    record = {**header(), "tace": [{"date": "2012-01-10"}, {"date": "2012-01-10"}]}
    _, result = store.create(record, "ann", "initial entry")
    findings = result.to_dict()["findings"]
    add_review(store.database, "P1", 1, findings, "DAT001", None, "close", "site confirmed", "mo")


@pytest.mark.parametrize("table", ["patient_versions", "audit_log", "reviews"])
def test_the_database_refuses_update_and_delete_of_history(store: PatientStore, table: str) -> None:
    _fill(store)
    db = store.database
    count = f"SELECT COUNT(*) FROM {table}"
    with db.reading() as connection:
        before = connection.execute(text(count)).scalar()
    assert before >= 1
    column = {"patient_versions": "reason", "audit_log": "actor", "reviews": "comment"}[table]
    statements = [f"UPDATE {table} SET {column} = 'changed'", f"DELETE FROM {table}"]
    if db.dialect == "postgresql":
        statements.append(f"TRUNCATE {table}")
    for statement in statements:
        with pytest.raises(DBAPIError, match="append-only"), db.writing() as connection:
            connection.execute(text(statement))
    with db.reading() as connection:
        assert connection.execute(text(count)).scalar() == before
        assert (
            connection.execute(
                text(f"SELECT COUNT(*) FROM {table} WHERE {column} = 'changed'")
            ).scalar()
            == 0
        )


def _drop_guards(db: Database, table: str) -> None:
    with db.writing() as connection:
        if db.dialect == "postgresql":
            connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        else:
            connection.execute(text(f"DROP TRIGGER {table}_no_update"))


def test_the_hash_chain_verifies_and_shows_an_edit_made_behind_the_triggers(
    store: PatientStore,
) -> None:
    store.create(header(), "ann", "initial entry")
    store.replace("P1", {**header(), "diagnosis": DIAGNOSIS}, 1, "ann", "diagnosis")
    clean = verify(store.database)
    assert (clean.ok, clean.rows, clean.versions_checked) == (True, 2, 2)

    _drop_guards(store.database, "patient_versions")
    with store.database.writing() as connection:
        connection.execute(
            text("UPDATE patient_versions SET record = :r WHERE version = 1"),
            {"r": '{"schema_version": "1", "patient_id": "P1", "cohort": "tace_alone_control"}'},
        )
    tampered = verify(store.database)
    assert [(p.seq, p.problem) for p in tampered.problems] == [
        (1, "the version's record was altered")
    ]

    _drop_guards(store.database, "audit_log")
    with store.database.writing() as connection:
        connection.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2"))
    problems = {(p.seq, p.problem) for p in verify(store.database).problems}
    assert (2, "row hash does not match its contents") in problems
