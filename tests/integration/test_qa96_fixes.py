"""QA round 96 (reliability): /health's job errors, the outbox give-up, the orphan prune's
last look, daily jobs missed by a restart, and the report download's caching."""

from __future__ import annotations

import logging
import os
import smtplib
import sqlite3
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy import select as real_select
from sqlalchemy.exc import OperationalError

from complaints import clock, jobs
from complaints.clock import as_utc
from complaints.extensions import db
from complaints.models import Attachment, JobRun, Notification
from complaints.services import attachments, escalation, notifications
from complaints.web.health import checks
from tests.conftest import NOW
from tests.integration.reception_helpers import PDF


def test_health_publishes_a_job_errors_kind_not_its_sql_or_parameters(app, client,
                                                                         monkeypatch):
    """D2: anyone may read /health; a failed statement's text (SQL, addresses) stays in
    the log and the JobRun row."""
    monkeypatch.setattr(clock, "now", lambda: NOW)
    monkeypatch.setattr(clock, "today", lambda: NOW.date())

    def locked(*args, **kwargs):
        raise OperationalError(
            "INSERT OR IGNORE INTO notifications (email_to, subject) VALUES (?, ?)",
            [("truong.phong@so-tnmt.gov.vn", "Hồ sơ quá hạn")],
            sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(escalation, "escalate_due", locked)
    jobs.sweep(app)

    response = client.get("/health")
    body = response.get_data(as_text=True)
    assert response.get_json()["scheduler"]["sweep"]["last_error"] == "OperationalError"
    assert "truong.phong@so-tnmt.gov.vn" not in body
    assert "INSERT OR IGNORE" not in body and "database is locked" not in body
    # The operator's copy keeps the detail.
    assert "database is locked" in db.session.get(JobRun, "sweep").last_error


class BusyMailbox:
    """A server that is up and takes other mail, but answers 452 for this mailbox."""

    def __call__(self):
        return self

    def send_message(self, message):
        raise smtplib.SMTPRecipientsRefused({message["To"]: (452, b"4.2.2 Mailbox full")})

    def quit(self):
        pass


class DownServer:
    def __call__(self):
        raise ConnectionRefusedError(111, "Connection refused")


def _retry_until(smtp, end: datetime, **options) -> Notification:
    """Run the outbox at each due time up to `end`; return the message."""
    moment = NOW
    while moment < end:
        notifications.deliver_outbox(moment, smtp, commit=db.session.commit, **options)
        note = db.session.scalars(select(Notification)).one()
        if note.status != "pending":
            break
        moment = max(as_utc(note.next_attempt_at), moment + timedelta(minutes=1))
    return db.session.scalars(select(Notification)).one()


def test_a_message_refused_for_now_for_days_is_given_up(app, caplog):
    """D3: a full mailbox was retried every six hours for ever (and /health stayed
    "degraded"); past OUTBOX_GIVE_UP_HOURS (5 days) the message is failed, with a WARNING."""
    assert app.config["OUTBOX_GIVE_UP_HOURS"] == 120
    notifications.queue("busy", "Tình trạng hồ sơ", "…", NOW, email_to="full@example.vn",
                        in_app=False)
    db.session.commit()
    with caplog.at_level(logging.WARNING, logger="complaints.services.notifications"):
        note = _retry_until(BusyMailbox(), NOW + timedelta(days=7))
    assert note.status == "failed", (note.status, note.attempts)
    # At the first attempt past 120 hours (attempts are at most six hours apart).
    hours = int(note.last_error.split()[3])
    assert 120 <= hours <= 126, note.last_error
    assert "Mailbox full" in note.last_error
    assert any("given up" in r.getMessage() for r in caplog.records)
    assert checks.outbox_status(NOW + timedelta(days=7))["pending"] == 0


def test_a_message_younger_than_the_give_up_age_is_still_deferred(app):
    notifications.queue("busy", "Tình trạng hồ sơ", "…", NOW, email_to="full@example.vn",
                        in_app=False)
    db.session.commit()
    note = _retry_until(BusyMailbox(), NOW + timedelta(days=2))
    assert note.status == "pending" and "Mailbox full" in note.last_error


def test_a_server_down_for_days_holds_the_outbox_without_failing_it(app):
    """The give-up is for a message the server refuses, not for the server's own outage:
    the backlog is sent once it is back, and /health says "degraded" meanwhile."""
    notifications.queue("down", "Tình trạng hồ sơ", "…", NOW, email_to="a@example.vn",
                        in_app=False)
    db.session.commit()
    note = _retry_until(DownServer(), NOW + timedelta(days=7),
                        give_up_after=timedelta(hours=120))
    assert note.status == "pending" and note.attempts > 20


class Greylisting:
    """A receiving server that greylists: every try is refused for now (450)."""

    def __call__(self):
        return self

    def send_message(self, message):
        raise smtplib.SMTPRecipientsRefused(
            {message["To"]: (450, b"4.7.1 Greylisted, please try again later")})

    def quit(self):
        pass


def test_a_backlog_after_an_outage_is_not_failed_at_its_first_refusal(app):
    """QA 98: the relay was down six days (the outbox held); back, the recipient's server
    refuses the first try for now. The give-up age counts from that first refusal, not
    from the queueing: retried, then failed OUTBOX_GIVE_UP_HOURS after it."""
    notifications.queue("late", "Tình trạng hồ sơ", "…", NOW, email_to="a@example.vn",
                        in_app=False)
    db.session.commit()
    note = _retry_until(DownServer(), NOW + timedelta(days=6),
                        give_up_after=timedelta(hours=120))
    assert note.status == "pending" and note.first_refused_at is None
    back = as_utc(note.next_attempt_at)  # the first try once the relay is back
    notifications.deliver_outbox(back, Greylisting(), commit=db.session.commit)
    note = db.session.scalars(select(Notification)).one()
    assert note.status == "pending", (note.status, note.last_error)
    assert as_utc(note.first_refused_at) == back
    # Refused for now ever since: failed at the first attempt 120 hours after that refusal.
    moment = back
    while note.status == "pending" and moment < back + timedelta(days=7):
        moment = max(as_utc(note.next_attempt_at), moment + timedelta(minutes=1))
        notifications.deliver_outbox(moment, Greylisting(), commit=db.session.commit)
        note = db.session.scalars(select(Notification)).one()
    assert note.status == "failed"
    assert timedelta(hours=120) <= moment - back <= timedelta(hours=126)


def _orphan(case_id: int) -> tuple[attachments.StoredFile, Path]:
    """A scan whose request failed two days ago: its file is stored, no row names it."""
    left = attachments.store_upload(PDF, "don.pdf")
    path = attachments.blob_path(left.sha256)
    old = time.time() - timedelta(days=2).total_seconds()
    os.utime(path, (old, old))
    return left, path


def _insert_row(case_id: int, stored) -> tuple:
    conn = db.engine.connect()
    tx = conn.begin()
    conn.execute(insert(Attachment.__table__).values(
        case_id=case_id, sha256=stored.sha256, filename=stored.filename,
        content_type=stored.content_type, size=stored.size, purpose="petition",
        reveals_identity=False))
    return conn, tx


def test_prune_spares_a_file_an_upload_reused_after_it_was_listed(app, make_case,
                                                                  monkeypatch):
    """D4: between the prune's listing and its look-up of the rows, another worker sends
    the same scan (write_blob touches the file; its row commits a moment later)."""
    case = make_case()
    db.session.commit()
    case_id = case.id
    left, path = _orphan(case_id)
    request = {}

    def select_during_upload(*args, **kwargs):
        if not request:
            request["conn"], request["tx"] = _insert_row(
                case_id, attachments.store_upload(PDF, "don.pdf"))
        return real_select(*args, **kwargs)

    monkeypatch.setattr(attachments, "select", select_during_upload)
    report = attachments.remove_orphans(clock.now(), timedelta(hours=24))
    monkeypatch.undo()
    request["tx"].commit()
    request["conn"].close()

    assert path.exists(), f"prune removed the reused file (report: {report})"
    assert report.removed == 0 and report.examined == 1


def test_prune_spares_a_file_a_row_names_since_the_batch_look_up(app, make_case,
                                                                 monkeypatch):
    """A row committed after the batch's look-up, for a file not touched (one stored
    earlier), is found by the look-up of that file just before it is removed."""
    case = make_case()
    db.session.commit()
    case_id = case.id
    left, path = _orphan(case_id)
    calls = []

    def select_after_the_batch(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:  # after the batch's look-up ran
            conn, tx = _insert_row(case_id, left)
            tx.commit()
            conn.close()
        return real_select(*args, **kwargs)

    monkeypatch.setattr(attachments, "select", select_after_the_batch)
    report = attachments.remove_orphans(clock.now(), timedelta(hours=24))
    monkeypatch.undo()
    assert path.exists(), f"prune removed a file a row names (report: {report})"


def test_prune_still_removes_an_old_orphan(app, make_case):
    case = make_case()
    db.session.commit()
    _left, path = _orphan(case.id)
    report = attachments.remove_orphans(clock.now(), timedelta(hours=24))
    assert report.removed == 1 and not path.exists()


VN = ZoneInfo("Asia/Ho_Chi_Minh")


def _first_runs(app, restarted: datetime) -> dict[str, datetime]:
    """Each daily job's first run for a scheduler built at `restarted` (what APScheduler
    3 computes at start() for a job added without next_run_time)."""
    sched = jobs.build_scheduler(app, now=restarted)
    return {job.id: getattr(job, "next_run_time", None)
            or job.trigger.get_next_fire_time(None, restarted)
            for job in sched.get_jobs() if job.id in jobs.DAILY}


def test_reminders_missed_by_a_restart_run_at_start(app):
    """D5: a scheduler crashed mid-run at 07:30:05 (or restarted by a deploy at 07:29) and
    back at 07:36 sent the day's reminders the next day."""
    db.session.add(JobRun(name="reminders",
                          last_success_at=datetime(2026, 11, 30, 7, 30, 20, tzinfo=VN),
                          last_started_at=datetime(2026, 12, 1, 7, 30, tzinfo=VN)))
    db.session.commit()
    restarted = datetime(2026, 12, 1, 7, 36, tzinfo=VN)
    first = _first_runs(app, restarted)
    assert first["reminders"] == restarted
    assert first["audit_seal"] == restarted  # never succeeded, 02:30 is past
    # Left to the night: a night missed costs nothing.
    assert first["attachments"].date() == date(2026, 12, 2)
    assert first["submission_tokens"].date() == date(2026, 12, 2)


def test_a_daily_job_run_today_or_not_yet_due_is_not_run_again(app):
    db.session.add_all([
        JobRun(name="reminders", last_success_at=datetime(2026, 12, 1, 7, 30, 40, tzinfo=VN)),
        JobRun(name="audit_seal", last_success_at=datetime(2026, 12, 1, 2, 30, 9, tzinfo=VN)),
        JobRun(name="scorecard_summary",
               last_success_at=datetime(2026, 12, 1, 0, 20, 3, tzinfo=VN))])
    db.session.commit()
    after = _first_runs(app, datetime(2026, 12, 1, 9, 0, tzinfo=VN))
    assert after["reminders"] == datetime(2026, 12, 2, 7, 30, tzinfo=VN)
    assert after["audit_seal"] == datetime(2026, 12, 2, 2, 30, tzinfo=VN)
    # Restarted before 07:30 (Vietnam time; 00:00 UTC): today's run is still to come.
    before = _first_runs(app, datetime(2026, 12, 2, 0, 0, tzinfo=timezone.utc))
    assert before["reminders"] == datetime(2026, 12, 2, 7, 30, tzinfo=VN)


def test_a_background_reports_download_is_never_cached(app, client, login, fixed_clock,
                                                       make_agency, make_user, tmp_path):
    """QA 95 #3: the workbook carries personal data; send_file answered "no-cache" (a
    browser or shared cache kept a copy), unlike every other export ("private,
    no-store")."""
    from complaints.domain.reports import quarter_period
    from complaints.services import report_jobs

    app.config["REPORT_DIR"] = str(tmp_path / "reports")
    make_agency(code="P", level="province", name="UBND tỉnh")
    inspector = make_user("inspector")
    job = report_jobs.enqueue(inspector, "workbook", "P", quarter_period(2026, 4), NOW)
    db.session.commit()
    report_jobs.run_pending(lambda: NOW, NOW.date(), app.config["REPORT_DIR"],
                            db.session.commit, 15)
    login(inspector)
    with client.get(f"/inspection/reports/jobs/{job.id}/download") as response:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "private, no-store"
        assert "ETag" not in response.headers
        assert response.data[:2] == b"PK"  # the workbook itself


def test_the_backoff_stops_at_its_cap_however_many_attempts():
    """A relay down for about ten days (over 40 attempts) overflowed timedelta in the
    doubling, and every outbox run then failed."""
    assert notifications.backoff(1) == notifications.BACKOFF_BASE
    for attempts in (40, 41, 60, 10_000):
        assert notifications.backoff(attempts) == notifications.BACKOFF_CAP
