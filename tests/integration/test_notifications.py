"""Notifications: dedupe, the inbox, and the e-mail outbox (SMTP down then up → sent once)."""

from __future__ import annotations

import smtplib
from datetime import timedelta

from sqlalchemy import select

from complaints import jobs
from complaints.clock import as_utc
from complaints.extensions import db
from complaints.models import JobRun, Notification
from complaints.services import notifications
from tests.conftest import NOW


class FakeSMTP:
    """An SMTP factory whose server is down for the first `down` connections."""

    def __init__(self, down: int = 1):
        self.down = down
        self.connections = 0
        self.sent: list[str] = []

    def __call__(self):
        self.connections += 1
        if self.connections <= self.down:
            raise ConnectionRefusedError("SMTP server down")
        return self

    def send_message(self, message):
        self.sent.append(message["To"])

    def quit(self):
        pass


def test_queue_is_deduplicated(make_user):
    user = make_user("agency_head")
    user.email = "head@agency.gov.vn"
    assert notifications.queue("k1", "Tiêu đề", "Nội dung", NOW, user=user) == 2
    assert notifications.queue("k1", "Tiêu đề", "Nội dung", NOW, user=user) == 0
    assert notifications.unread_count(user) == 1
    assert notifications.mark_read(user, NOW) == 1
    assert notifications.unread_count(user) == 0


def test_smtp_down_then_up_delivers_each_email_once(make_user):
    for i in range(3):
        notifications.queue(f"mail{i}", "Tiêu đề", "Nội dung", NOW,
                            email_to=f"person{i}@example.vn", in_app=False)
    smtp = FakeSMTP(down=1)
    first = notifications.deliver_outbox(NOW, smtp)
    assert first.sent == 0 and first.deferred == 1 and smtp.sent == []
    deferred = db.session.scalars(select(Notification).where(Notification.attempts == 1)).one()
    assert deferred.next_attempt_at.replace(tzinfo=None) > NOW.replace(tzinfo=None)
    assert "down" in deferred.last_error

    # Before the backoff has passed, the deferred one waits; the others go now.
    second = notifications.deliver_outbox(NOW + timedelta(seconds=10), smtp)
    assert second.sent == 2
    third = notifications.deliver_outbox(NOW + timedelta(minutes=2), smtp)
    assert third.sent == 1
    assert notifications.deliver_outbox(NOW + timedelta(hours=1), smtp).sent == 0
    assert sorted(smtp.sent) == [f"person{i}@example.vn" for i in range(3)]
    rows = db.session.scalars(select(Notification)).all()
    assert all(r.status == "sent" and r.sent_at is not None for r in rows)


def test_backoff_grows_and_is_capped():
    assert notifications.backoff(1) == timedelta(minutes=1)
    assert notifications.backoff(3) == timedelta(minutes=4)
    assert notifications.backoff(30) == notifications.BACKOFF_CAP


def test_refused_recipient_is_failed_not_retried(app):
    notifications.queue("bad", "T", "N", NOW, email_to="nobody@example.vn", in_app=False)

    class Refusing(FakeSMTP):
        def send_message(self, message):
            raise smtplib.SMTPRecipientsRefused({"nobody@example.vn": (550, b"no")})

    report = notifications.deliver_outbox(NOW, Refusing(down=0))
    assert report.failed == 1
    assert db.session.scalars(select(Notification)).one().status == "failed"


def test_a_message_the_server_refuses_for_good_is_failed_and_the_next_one_sent(app):
    """A 5xx answer to the message (554 refused as spam) fails it for good (QA round 58:
    it was retried every six hours for ever); the server is up, so the next one goes. A
    4xx to the message is the server asking to try later: deferred."""
    for key, to in (("spam", "a@example.vn"), ("fine", "b@example.vn"),
                    ("later", "c@example.vn")):
        notifications.queue(key, "T", "N", NOW, email_to=to, in_app=False)

    class Picky(FakeSMTP):
        def send_message(self, message):
            if message["To"] == "a@example.vn":
                raise smtplib.SMTPDataError(554, b"5.7.1 Message rejected as spam")
            if message["To"] == "c@example.vn":
                raise smtplib.SMTPDataError(451, b"4.3.0 Try again later")
            super().send_message(message)

    smtp = Picky(down=0)
    report = notifications.deliver_outbox(NOW, smtp)
    assert (report.failed, report.sent, report.deferred) == (1, 1, 1)
    by_to = {n.email_to: n for n in db.session.scalars(select(Notification))}
    assert by_to["a@example.vn"].status == "failed"
    assert "rejected" in by_to["a@example.vn"].last_error
    assert by_to["b@example.vn"].status == "sent"
    later = by_to["c@example.vn"]
    assert later.status == "pending" and as_utc(later.next_attempt_at) > NOW


def test_a_mailbox_refused_for_now_is_tried_again():
    """450 / 452 to the address (mailbox busy, full for now) ask to try later: deferred,
    not failed for good as a 550 is (QA round 61)."""
    busy = smtplib.SMTPRecipientsRefused({"a@example.vn": (452, b"4.2.2 Mailbox full")})
    gone = smtplib.SMTPRecipientsRefused({"a@example.vn": (550, b"5.1.1 No such user")})
    assert not notifications.permanent(busy)
    assert notifications.permanent(gone)
    assert not notifications.permanent(smtplib.SMTPSenderRefused(451, b"later", "x@y.vn"))
    # The system's own sender refused is the server's fault, not the message's (QA round 64).
    assert not notifications.permanent(smtplib.SMTPSenderRefused(553, b"no", "x@y.vn"))
    assert not notifications.permanent(ConnectionRefusedError("down"))


def test_citizen_gets_status_changes_of_own_case_only(make_case):
    case = make_case()
    person = case.petitions[0].signers[0].petitioner
    person.email = "dan@example.vn"
    assert notifications.queue_status_change(case, NOW) == 1
    assert notifications.queue_status_change(case, NOW) == 0
    mail = db.session.scalars(select(Notification)).one()
    assert mail.email_to == "dan@example.vn" and mail.user_id is None
    assert case.tracking_code in mail.body and person.full_name not in mail.body
    assert "Đã tiếp nhận đơn" in mail.body and "Petition received" in mail.body  # vi + en


def test_outbox_job_records_its_run(app, make_user):
    long_ago = NOW.replace(year=2020)  # the job reads the wall clock
    notifications.queue("job", "T", "N", long_ago, email_to="x@example.vn", in_app=False)
    db.session.commit()
    smtp = FakeSMTP(down=0)
    report = jobs.deliver(app, smtp)
    assert report.sent == 1 and smtp.sent == ["x@example.vn"]
    run = db.session.get(JobRun, "outbox")
    assert run.last_success_at is not None and run.last_error is None
