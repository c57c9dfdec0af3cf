"""QA round 18, the operators' side: backup and restore, the demo loader, CLI options,
scheduler jobs, /health and the e-mail outbox with two schedulers."""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from complaints.extensions import db
from complaints.models import Case, JobRun, User
from complaints.services import backup as backups
from tests.conftest import IS_POSTGRES, NOW


def _clean_cli(result) -> bool:
    """A CLI command failed as an operator expects: no Python traceback, exit code != 0."""
    return result.exit_code != 0 and (result.exception is None
                                      or isinstance(result.exception, SystemExit))


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def iso(app, tmp_path):
    """A second app on its own SQLite file, its context pushed: restores cannot spoil the
    shared test database. Returns its CLI runner."""
    from complaints import create_app
    from complaints.services.seed import seed_reference_data
    from tests.conftest import config_for_tests

    own = create_app(config_for_tests(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'own.db'}",
        UPLOAD_DIR=str(tmp_path / "att2")))
    ctx = own.app_context()
    ctx.push()
    db.create_all()
    seed_reference_data(NOW)
    db.session.commit()
    try:
        yield own.test_cli_runner()
    finally:
        db.session.remove()
        db.engine.dispose()
        ctx.pop()


@pytest.fixture
def backed_up(iso, tmp_path, make_case):
    """A backup of a database holding one case, then a second case added after it."""
    make_case()
    db.session.commit()
    target = tmp_path / "b.sqlite3"
    result = iso.invoke(args=["backup", "--output", str(target)])
    assert result.exit_code == 0, result.output
    make_case()
    db.session.commit()
    return target


def _live_tables() -> set[str]:
    return {r[0] for r in db.session.execute(text(
        "SELECT name FROM sqlite_master WHERE type='table'"))}


# --- backup ---------------------------------------------------------------------------------


def test_backup_into_a_path_under_a_regular_file_is_a_clear_error(iso, tmp_path, make_case):
    make_case()
    db.session.commit()
    blocker = tmp_path / "notadir"
    blocker.write_text("x")
    result = iso.invoke(args=["backup", "--output", str(blocker / "b.sqlite3")])
    assert _clean_cli(result), repr(result.exception)
    assert "Error" in result.output and "cannot create" in result.output
    assert blocker.read_text() == "x"


def test_backup_file_is_readable_by_its_owner_only(iso, tmp_path, make_case):
    """A backup holds every petitioner's identity."""
    make_case()
    db.session.commit()
    old = os.umask(0o022)  # the usual default
    try:
        target = tmp_path / "b.sqlite3"
        assert iso.invoke(args=["backup", "--output", str(target)]).exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


# --- restore --------------------------------------------------------------------------------


def test_restore_refuses_a_backup_with_a_table_missing(iso, backed_up):
    """A backup from another release must not replace the database."""
    conn = sqlite3.connect(backed_up)
    conn.execute("DROP TABLE citizen_feedback")
    conn.commit()
    conn.close()
    result = iso.invoke(args=["restore", str(backed_up), "--yes"])
    assert _clean_cli(result), (result.output, repr(result.exception))
    assert "table citizen_feedback is missing" in result.output
    assert "nothing was restored" in result.output
    db.session.remove()
    assert _count(Case) == 2  # nothing replaced
    assert "citizen_feedback" in _live_tables()


def test_restore_refuses_a_backup_with_a_column_missing(iso, backed_up):
    conn = sqlite3.connect(backed_up)
    conn.execute("ALTER TABLE citizen_feedback DROP COLUMN comment")
    conn.commit()
    conn.close()
    result = iso.invoke(args=["restore", str(backed_up), "--yes"])
    assert _clean_cli(result), (result.output, repr(result.exception))
    assert "table citizen_feedback lacks comment" in result.output
    db.session.remove()
    assert _count(Case) == 2


def test_restore_refuses_a_file_with_only_the_two_table_names(iso, tmp_path, make_case):
    make_case()
    db.session.commit()
    fake = tmp_path / "fake.sqlite3"
    conn = sqlite3.connect(fake)
    conn.execute("CREATE TABLE cases (x)")
    conn.execute("CREATE TABLE audit_events (y)")
    conn.commit()
    conn.close()
    result = iso.invoke(args=["restore", str(fake), "--yes"])
    assert _clean_cli(result), (result.output, repr(result.exception))
    db.session.remove()
    columns = [r[1] for r in db.session.execute(text("PRAGMA table_info(cases)"))]
    assert "tracking_code" in columns and _count(Case) == 1


def test_restore_refuses_a_backup_of_another_alembic_revision(iso, backed_up):
    conn = sqlite3.connect(backed_up)
    conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
    conn.execute("INSERT INTO alembic_version VALUES ('0123456789ab')")
    conn.commit()
    conn.close()
    result = iso.invoke(args=["restore", str(backed_up), "--yes"])
    assert _clean_cli(result), (result.output, repr(result.exception))
    assert "Alembic revision 0123456789ab" in result.output
    assert backups.expected_revision() in result.output
    db.session.remove()
    assert _count(Case) == 2


def test_restore_accepts_a_backup_at_this_releases_revision(iso, backed_up):
    head = backups.expected_revision()
    assert head is not None
    conn = sqlite3.connect(backed_up)
    conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
    conn.execute("INSERT INTO alembic_version VALUES (?)", (head,))
    conn.commit()
    conn.close()
    result = iso.invoke(args=["restore", str(backed_up), "--yes"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    assert _count(Case) == 1


# --- the demo loader ------------------------------------------------------------------------


def test_demo_load_refuses_a_database_that_already_holds_cases(iso, make_case):
    """One command typed from the README on a live system must not add accounts with the
    published password (an admin among them) to real data."""
    make_case()
    db.session.commit()
    users_before = _count(User)
    result = iso.invoke(args=["demo", "load", "--story-cases", "0", "--no-progress"])
    assert _clean_cli(result), (result.output, repr(result.exception))
    assert "--force" in result.output
    db.session.remove()
    assert _count(User) == users_before
    assert db.session.scalar(select(User).where(User.username == "admin")) is None


def test_demo_load_refuses_a_database_with_accounts_only(iso, make_user):
    make_user("admin", username="chanh.vp")
    db.session.commit()
    result = iso.invoke(args=["demo", "load", "--story-cases", "0", "--no-progress"])
    assert _clean_cli(result), (result.output, repr(result.exception))
    db.session.remove()
    assert _count(User) == 1


def test_demo_load_if_empty_still_skips_quietly_and_force_loads(iso, make_case):
    make_case()
    db.session.commit()
    skipped = iso.invoke(args=["demo", "load", "--if-empty", "--story-cases", "0",
                               "--no-progress"])
    assert skipped.exit_code == 0 and "not loaded" in skipped.output, skipped.output
    forced = iso.invoke(args=["demo", "load", "--force", "--story-cases", "0",
                              "--no-progress"])
    assert forced.exit_code == 0, forced.output
    db.session.remove()
    assert db.session.scalar(select(User).where(User.username == "admin")) is not None


# --- other commands' options ----------------------------------------------------------------


def test_audit_verify_of_an_unknown_chain_says_so_and_fails(runner, make_case):
    case = make_case()
    db.session.commit()
    result = runner.invoke(args=["audit", "verify", "--chain", "case:99999"])
    assert _clean_cli(result), (result.output, repr(result.exception))
    assert "no such chain: 'case:99999'" in result.output
    known = runner.invoke(args=["audit", "verify", "--chain", f"case:{case.id}"])
    assert known.exit_code == 0 and "0 broken chains" in known.output, known.output


@pytest.mark.parametrize("limit", ["-1", "0"])
def test_reports_run_pending_refuses_a_limit_below_one(runner, limit):
    result = runner.invoke(args=["reports", "run-pending", "--limit", limit])
    assert result.exit_code == 2, result.output  # a usage error
    assert "--limit" in result.output


# --- scheduler jobs -------------------------------------------------------------------------


def _locked():
    from sqlalchemy.exc import OperationalError

    return OperationalError("UPDATE job_runs", {}, Exception("database is locked"))


def test_job_that_finds_the_database_locked_at_its_start_records_the_error(app, monkeypatch):
    from complaints import jobs

    real = jobs._record
    calls = []

    def locked_once(name, **values):
        calls.append(values)
        if len(calls) == 1:
            raise _locked()
        return real(name, **values)

    monkeypatch.setattr(jobs, "_record", locked_once)
    ran = []
    assert jobs.run_job(app, "sweep", lambda: ran.append(1)) is None
    assert ran == []  # the work would meet the same lock: skipped until the next run
    run = db.session.get(JobRun, "sweep")
    assert "database is locked" in run.last_error and run.last_success_at is None


def test_job_whose_bookkeeping_is_refused_throughout_does_not_raise(app, monkeypatch):
    from complaints import jobs

    def always_locked(name, **values):
        raise _locked()

    monkeypatch.setattr(jobs, "_record", always_locked)
    assert jobs.run_job(app, "sweep", lambda: 1) is None


# --- /health --------------------------------------------------------------------------------


@pytest.fixture
def swept(fixed_clock):
    """A sweep that ran five minutes ago: only the check under test can degrade /health."""
    db.session.add(JobRun(name="sweep", last_started_at=NOW - timedelta(minutes=5),
                          last_success_at=NOW - timedelta(minutes=5)))


def _seal_run(**values):
    db.session.add(JobRun(name="audit_seal", **values))
    db.session.commit()


def test_health_degraded_when_the_audit_seal_has_never_succeeded(client, swept):
    _seal_run(last_started_at=NOW - timedelta(days=5),
              last_error="OperationalError: disk I/O error")
    body = client.get("/health").get_json()
    assert body["status"] == "degraded" and body["scheduler"]["audit_seal"]["stale"], body


def test_health_degraded_when_the_first_seal_fails(client, swept):
    _seal_run(last_started_at=NOW - timedelta(hours=1), last_error="OperationalError: x")
    assert client.get("/health").get_json()["status"] == "degraded"


def test_health_ok_while_the_first_seal_runs(client, swept):
    _seal_run(last_started_at=NOW - timedelta(minutes=1))
    body = client.get("/health").get_json()
    assert body["status"] == "ok" and body["scheduler"]["audit_seal"]["stale"] is False


def _pending_mail(created_at):
    from complaints.models import Notification

    db.session.add(Notification(dedupe_key=f"m{created_at:%H%M}", channel="email",
                                email_to="a@example.vn", subject="s", body="b",
                                status="pending", created_at=created_at))


def _outbox_run(**values):
    db.session.add(JobRun(name="outbox", **values))


def test_health_degraded_when_the_outbox_has_not_delivered_for_hours(client, swept):
    _outbox_run(last_started_at=NOW - timedelta(minutes=1),
                last_success_at=NOW - timedelta(hours=6),
                last_error="OperationalError: database is locked")
    _pending_mail(NOW - timedelta(hours=6))
    db.session.commit()
    body = client.get("/health").get_json()
    assert body["status"] == "degraded" and body["outbox"]["stale"] is True, body
    assert body["outbox"]["stale_minutes"] == 60


def test_health_degraded_when_the_outbox_job_stopped_with_fresh_mail_waiting(client, swept):
    _outbox_run(last_success_at=NOW - timedelta(hours=3))
    _pending_mail(NOW - timedelta(minutes=2))
    db.session.commit()
    assert client.get("/health").get_json()["outbox"]["stale"] is True


def test_health_degraded_when_smtp_is_down_though_the_job_succeeds(client, swept):
    _outbox_run(last_success_at=NOW - timedelta(seconds=30))  # every e-mail deferred
    _pending_mail(NOW - timedelta(minutes=61))
    db.session.commit()
    assert client.get("/health").get_json()["status"] == "degraded"


def test_health_ok_with_a_quiet_outbox_or_a_young_backlog(client, swept):
    _outbox_run(last_success_at=NOW - timedelta(hours=6))  # nothing to send for hours
    db.session.commit()
    assert client.get("/health").get_json()["status"] == "ok"
    db.session.get(JobRun, "outbox").last_success_at = NOW - timedelta(seconds=30)
    _pending_mail(NOW - timedelta(minutes=59))
    db.session.commit()
    body = client.get("/health").get_json()
    assert body["status"] == "ok" and body["outbox"]["stale"] is False


def test_health_outbox_limit_is_the_setting(client, swept, app):
    app.config["OUTBOX_STALE_MINUTES"] = 24 * 60
    _outbox_run(last_success_at=NOW - timedelta(hours=6))
    _pending_mail(NOW - timedelta(hours=6))
    db.session.commit()
    body = client.get("/health").get_json()
    assert body["status"] == "ok" and body["outbox"]["stale_minutes"] == 24 * 60


# --- the e-mail outbox with two schedulers ----------------------------------------------------


class Recording:
    """An SMTP connection that records the addressees."""

    def __init__(self, sent: list[str]):
        self.sent = sent

    def send_message(self, message):
        self.sent.append(message["To"])

    def quit(self):
        pass


def _mails(count: int) -> None:
    from complaints.models import Notification

    for i in range(count):
        db.session.add(Notification(dedupe_key=f"mail-{i}", channel="email",
                                    email_to=f"p{i}@example.vn", subject="Tình trạng",
                                    body="…", status="pending", next_attempt_at=NOW))
    db.session.commit()


def test_two_outbox_deliveries_at_once_send_each_email_once(app, monkeypatch):
    import threading

    from complaints.services import notifications
    from tests.factories import run_at_once

    _mails(4)
    sent: list[str] = []
    claimed = threading.Barrier(2)
    real_claim = notifications._claim_next

    def claim_then_meet(now, after_id):
        note = real_claim(now, after_id)
        try:  # both instances have read the outbox before either sends
            claimed.wait(timeout=2)
        except threading.BrokenBarrierError:
            pass
        return note

    monkeypatch.setattr(notifications, "_claim_next", claim_then_meet)
    failures = run_at_once(app, 2, lambda i: notifications.deliver_outbox(
        NOW + timedelta(minutes=1), lambda: Recording(sent), commit=db.session.commit))
    assert failures == []
    assert sorted(sent) == [f"p{i}@example.vn" for i in range(4)]


@pytest.mark.skipif(IS_POSTGRES, reason="SKIP LOCKED keeps PostgreSQL's instances apart")
def test_an_email_taken_by_another_instance_after_it_was_read_is_skipped(app):
    """The race itself: another scheduler claims the e-mail this one has just read."""
    from sqlalchemy import event, update

    from complaints.models import Notification
    from complaints.services import notifications

    _mails(2)
    first = db.session.scalar(select(Notification.id).order_by(Notification.id))
    taken = []

    def the_other_instance(conn, cursor, statement, *args):
        if not taken and statement.lstrip().upper().startswith("SELECT NOTIFICATIONS.ID"):
            taken.append(first)
            with db.engine.connect() as other:
                other.execute(update(Notification).where(Notification.id == first)
                              .values(attempts=1, next_attempt_at=NOW + timedelta(hours=1)))
                other.commit()

    event.listen(db.engine, "after_cursor_execute", the_other_instance)
    try:
        note = notifications._claim_next(NOW, 0)
    finally:
        event.remove(db.engine, "after_cursor_execute", the_other_instance)
    assert taken == [first] and note is not None and note.id != first
    assert note.attempts == 1


def test_an_email_claimed_by_an_instance_that_died_is_sent_after_the_lease(app):
    from complaints.models import Notification
    from complaints.services import notifications

    _mails(1)
    assert notifications._claim_next(NOW, 0) is not None
    db.session.commit()  # claimed, then the instance died before sending
    sent: list[str] = []
    soon = notifications.deliver_outbox(NOW + timedelta(minutes=1), lambda: Recording(sent))
    assert soon.sent == 0
    later = notifications.deliver_outbox(NOW + notifications.CLAIM_LEASE,
                                         lambda: Recording(sent))
    assert later.sent == 1 and sent == ["p0@example.vn"]
    note = db.session.scalar(select(Notification))
    assert note.status == "sent" and note.attempts == 2


# --- restore on PostgreSQL ------------------------------------------------------------------

needs_pg_dump = pytest.mark.skipif(
    not IS_POSTGRES or backups.pg_program("pg_dump") is None,
    reason="PostgreSQL with pg_dump/pg_restore installed")


def _dump(path, *extra: str) -> None:
    args, env = backups._pg_args(db.engine.url)
    backups._run("pg_dump", ["--format=custom", "--no-password", "--file", str(path),
                             *extra, *args], env)


@needs_pg_dump
def test_restore_refuses_a_postgresql_dump_with_a_table_missing(runner, tmp_path, make_case):
    make_case()
    db.session.commit()
    target = tmp_path / "b.dump"
    _dump(target, "--exclude-table", "citizen_feedback")
    make_case()
    db.session.commit()
    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert _clean_cli(result), (result.output, repr(result.exception))
    assert "table citizen_feedback is missing" in result.output
    db.session.remove()
    assert _count(Case) == 2


@needs_pg_dump
def test_restore_refuses_a_postgresql_dump_of_another_alembic_revision(runner, tmp_path,
                                                                      make_case):
    make_case()
    db.session.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
    db.session.execute(text("INSERT INTO alembic_version VALUES ('0123456789ab')"))
    db.session.commit()
    target = tmp_path / "b.dump"
    try:
        _dump(target)
    finally:
        db.session.execute(text("DROP TABLE alembic_version"))
        db.session.commit()
    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert _clean_cli(result), (result.output, repr(result.exception))
    assert "Alembic revision 0123456789ab" in result.output
    db.session.remove()
    assert _count(Case) == 1


def test_restore_upgrades_a_backup_of_an_earlier_release(iso, tmp_path):
    """A backup made before an upgrade (an earlier revision of these migrations) is
    restored, then migrated to this release's schema, as `flask db upgrade` would."""
    from flask_migrate import upgrade

    from complaints import create_app
    from tests.conftest import config_for_tests

    old = tmp_path / "old.db"
    earlier = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI=f"sqlite:///{old}"))
    with earlier.app_context():
        upgrade(revision="724c4c1ce57b")  # before petitions.content (session 14)
        db.engine.dispose()
    assert backups.earlier_revision("724c4c1ce57b")
    result = iso.invoke(args=["restore", str(old), "--yes"])
    assert result.exit_code == 0, (result.output, repr(result.exception))
    db.session.remove()
    assert db.session.execute(text("SELECT version_num FROM alembic_version")).scalar() == \
        backups.expected_revision()
    columns = [r[1] for r in db.session.execute(text("PRAGMA table_info(petitions)"))]
    assert "content" in columns
