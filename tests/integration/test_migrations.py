"""The Alembic migrations build the whole schema, and `flask db check` finds nothing new."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from complaints import create_app
from complaints.extensions import db
from tests.conftest import IS_POSTGRES, TEST_DATABASE_URL, config_for_tests


@pytest.fixture
def empty_database_url(tmp_path):
    if not IS_POSTGRES:
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    # A database of its own, so the migrations start from nothing.
    name = f"migrate_{uuid.uuid4().hex[:10]}"
    admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_builds_schema_and_check_is_clean(empty_database_url):
    app = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI=empty_database_url))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
        assert set(db.metadata.tables) <= tables
        db.engine.dispose()
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        db.engine.dispose()


def test_migrated_audit_trail_is_append_only_and_downgrade_lifts_it(empty_database_url):
    app = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI=empty_database_url))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    insert = text("INSERT INTO audit_events (chain, seq, actor_label, action, data, "
                  "created_at, prev_hash, hash) VALUES ('t', 1, 'x', 'a', '{}', "
                  "CURRENT_TIMESTAMP, 'p', 'h')")
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(insert)
        for statement in ("UPDATE audit_events SET action = 'b'", "DELETE FROM audit_events"):
            with pytest.raises(Exception, match="append-only"):  # noqa: B017,PT011
                with db.engine.begin() as conn:
                    conn.execute(text(statement))
        db.engine.dispose()
    result = runner.invoke(args=["db", "downgrade", "f1d2c3b4a5e6"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_events"))
        db.engine.dispose()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        db.engine.dispose()


@pytest.mark.skipif(IS_POSTGRES, reason="SQLite triggers (PostgreSQL keeps an index)")
def test_migrated_sqlite_has_every_trigger_create_all_builds(empty_database_url, tmp_path):
    # Found by a QA pass: a migration that rebuilt `cases` dropped the search triggers,
    # so on a migrated database (make run, production) word search found nothing new.
    def triggers(url: str) -> set[tuple[str, str]]:
        engine = create_engine(url)
        with engine.connect() as conn:
            found = set(conn.execute(text(
                "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'")))
        engine.dispose()
        return found

    app = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI=empty_database_url))
    assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        db.engine.dispose()
    built = f"sqlite:///{tmp_path / 'create_all.db'}"
    other = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI=built))
    with other.app_context():
        db.create_all()
        db.engine.dispose()
    assert ("cases_search_ai", "cases") in triggers(built)
    assert triggers(empty_database_url) == triggers(built)


def test_reception_desks_are_recognised_by_their_staff(empty_database_url):
    app = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI=empty_database_url))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "b3e5d7f9a1c2"]).exit_code == 0
    with app.app_context():
        with db.engine.begin() as conn:
            for id_, code in ((1, "DESK"), (2, "SO"), (3, "EMPTY"), (4, "MIXED")):
                conn.execute(text("INSERT INTO agencies (id, code, name, level, "
                                  "is_inspectorate, active, created_at) VALUES (:i, :c, :c, "
                                  "'x', :no, :yes, CURRENT_TIMESTAMP)"),
                             {"i": id_, "c": code, "no": False, "yes": True})
            for id_, role, agency in ((1, "reception", 1), (2, "reception", 1),
                                      (3, "agency_head", 2), (4, "reception", 4),
                                      (5, "agency_head", 4)):
                conn.execute(text(
                    "INSERT INTO users (id, username, password_hash, full_name, role, agency_id,"
                    " active, failed_logins, session_version, created_at, totp_reenrol,"
                    " notices_read_upto) VALUES (:i, :u, 'x', 'x', :r, :a, :yes, 0, 0,"
                    " CURRENT_TIMESTAMP, :no, 0)"),
                    {"i": id_, "u": f"u{id_}", "r": role, "a": agency, "yes": True, "no": False})
        db.engine.dispose()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        with db.engine.connect() as conn:
            desks = conn.execute(text("SELECT code FROM agencies WHERE is_reception_desk"
                                      " ORDER BY code")).scalars().all()
        db.engine.dispose()
    assert desks == ["DESK"]
