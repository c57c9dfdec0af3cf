"""Fixtures: a fresh database per test, on SQLite or on PostgreSQL (TEST_DATABASE_URL)."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import date, datetime, timezone

import pytest
from flask import g
from flask.testing import FlaskClient
from hypothesis import settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

# What tests write under the instance folder (backups, the copy a restore keeps, a key)
# goes to a folder of the run's own, never a checkout's or a real installation's. Set
# before `config` is imported: it reads INSTANCE_PATH once.
os.environ["INSTANCE_PATH"] = tempfile.mkdtemp(prefix="complaints-tests-")
atexit.register(shutil.rmtree, os.environ["INSTANCE_PATH"], ignore_errors=True)

from complaints import create_app  # noqa: E402
from complaints.extensions import db  # noqa: E402
from config import TestConfig  # noqa: E402

# Property tests replay the same examples on every run (CI must not go red by chance);
# HYPOTHESIS_PROFILE=explore searches new random examples, many more of them.
settings.register_profile("default", derandomize=True)
settings.register_profile("explore", derandomize=False, max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
IS_POSTGRES = bool(TEST_DATABASE_URL and TEST_DATABASE_URL.startswith("postgresql"))

# Under pytest-xdist (`make test` runs `-n auto`) each worker empties tables between its
# tests, so each needs a database of its own: on PostgreSQL the worker's is the given
# database's name + "_gw0", "_gw1"…, created by `database_url` below. The environment is
# rewritten too, so that tests (and the processes they start) that read TEST_DATABASE_URL
# reach the worker's database. SQLite needs nothing: each worker has its own tmp_path.
SHARED_DATABASE_URL = TEST_DATABASE_URL
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
if IS_POSTGRES and XDIST_WORKER:
    _shared = make_url(TEST_DATABASE_URL)
    TEST_DATABASE_URL = _shared.set(database=f"{_shared.database}_{XDIST_WORKER}") \
        .render_as_string(hide_password=False)
    os.environ["TEST_DATABASE_URL"] = TEST_DATABASE_URL

# A fixed "now" for tests: time is a parameter, never the wall clock.
NOW = datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc)
TODAY = date(2026, 12, 1)


def config_for_tests(**overrides) -> dict:
    """Return TestConfig as a dict with overrides (engines are built from it at start)."""
    values = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    values.update(overrides)
    return values


def drop_postgres_database(conn, name: str, attempts: int = 20) -> None:
    """DROP DATABASE … WITH (FORCE), waiting out an autovacuum worker.

    FORCE terminates the other backends on the database, but an autovacuum worker runs as
    no role the test role belongs to, so the server refuses (InsufficientPrivilege) unless
    the role has pg_signal_backend (.ci/pg.sh grants it; a developer's server may not).
    The worker is done with a scratch database in well under a second: try again.
    """
    from sqlalchemy.exc import DBAPIError

    for attempt in range(attempts):
        try:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except DBAPIError as error:
            refused = getattr(error.orig, "sqlstate", None) in ("42501", "55006")
            if not refused or attempt == attempts - 1:
                raise
            time.sleep(0.25)


def _create_worker_database() -> None:
    """(Re)create this xdist worker's own PostgreSQL database beside the shared one."""
    name = make_url(TEST_DATABASE_URL).database
    admin = create_engine(SHARED_DATABASE_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            drop_postgres_database(conn, name)
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    if TEST_DATABASE_URL:
        if TEST_DATABASE_URL != SHARED_DATABASE_URL:
            _create_worker_database()
        return TEST_DATABASE_URL
    # A file, not :memory:, so that a live server thread and the test share it.
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory):
    """Create the schema once per session; each test then empties the tables."""
    app = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI=database_url))
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()
    return database_url


@contextmanager
def audit_unguarded():
    """Lift the append-only triggers of audit_events for the block, as someone with the
    database's own rights could: to empty tables between tests, or to tamper on purpose."""
    from complaints.models import event as guard

    postgres = db.engine.dialect.name == "postgresql"
    for statement in (guard.DROP_APPEND_ONLY_POSTGRESQL if postgres
                      else guard.DROP_APPEND_ONLY_SQLITE):
        db.session.execute(text(statement))
    try:
        yield
    finally:
        for statement in (guard.APPEND_ONLY_POSTGRESQL if postgres
                          else guard.APPEND_ONLY_SQLITE):
            db.session.execute(text(statement))
        db.session.commit()


def _empty_tables() -> None:
    tables = [t.name for t in db.metadata.sorted_tables]
    if db.engine.dialect.name == "postgresql":
        with audit_unguarded():  # the trail refuses TRUNCATE too
            db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))  # noqa: S608  (names from metadata)
        return
    with audit_unguarded():
        for name in reversed(tables):
            db.session.execute(text(f"DELETE FROM {name}"))  # noqa: S608


@pytest.fixture
def app(_schema, tmp_path):
    """An app on an empty database with the reference data seeded."""
    from complaints.services import calendar, deadlines, pattern_rules, references
    from complaints.services.seed import seed_reference_data

    app = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI=_schema,
                                 UPLOAD_DIR=str(tmp_path / "attachments")))
    # What commands write under the instance (backups, the copy a restore keeps) stays in
    # the test's own folder, not the checkout's.
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        _empty_tables()
        calendar.invalidate()
        deadlines.invalidate()
        references.invalidate()
        pattern_rules.invalidate()
        seed_reference_data(NOW)
        db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()


class _Client(FlaskClient):
    """A test client that forgets the user cached in `g` between requests.

    The test's app context stays pushed (so tests can use db.session), and Flask reuses it
    for requests; without this, Flask-Login would keep the first request's user.
    """

    def open(self, *args, **kwargs):
        g.pop("_login_user", None)
        g.pop("_flask_babel", None)  # likewise the locale chosen by the previous request
        return super().open(*args, **kwargs)

    def session_cookie(self) -> tuple[str, dict]:
        """The session cookie as sent, and what anyone holding it can decode from it (it
        is signed, not encrypted)."""
        raw = self.get_cookie("session").value
        app = self.application
        return raw, app.session_interface.get_signing_serializer(app).loads(raw)


@pytest.fixture
def client(app):
    app.test_client_class = _Client
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@contextmanager
def own_postgres_database(prefix: str):
    """A PostgreSQL database of its own, dropped afterwards: migrations that start from
    nothing, or restores that must not spoil the shared database. Yields its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(TEST_DATABASE_URL).set(database=name).render_as_string(
            hide_password=False)
    finally:
        with admin.connect() as conn:
            drop_postgres_database(conn, name)
        admin.dispose()


@pytest.fixture
def empty_database_url(tmp_path):
    """An empty database of the suite's kind, for the migrations to build."""
    if not IS_POSTGRES:
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    with own_postgres_database("migrate") as url:
        yield url


@pytest.fixture
def scratch_pg(app):
    """A PostgreSQL database of its own (restores must not spoil the shared one); yields a
    CLI runner of an app on it, its context pushed, and the URL."""
    with own_postgres_database("scratch") as url:
        own = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI=url))
        ctx = own.app_context()
        ctx.push()
        try:
            yield own.test_cli_runner(), url
        finally:
            db.session.remove()
            db.engine.dispose()
            ctx.pop()


from tests.factories import *  # noqa: E402,F401,F403  (fixtures: make_agency, make_user, …)
