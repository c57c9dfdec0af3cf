"""QA round 96 (reliability): /health's job errors, the outbox give-up, the orphan prune's
last look, daily jobs missed by a restart, and the report download's caching."""

from __future__ import annotations

import logging
import smtplib
import sqlite3
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from complaints import clock, jobs
from complaints.clock import as_utc
from complaints.extensions import db
from complaints.models import JobRun, Notification
from complaints.services import escalation, notifications
from complaints.web.health import checks
from tests.conftest import NOW


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
