"""QA round 65: a review, with reproducers, of session 21's changes (escalation lapses,
the outbox's SMTP error handling, the desk's closing texts). Each test asserts the correct
behaviour and failed before its fix because of the defect its docstring describes: a
reminder lapsed by a moved due date now lapses "ended" (still counted); a 421 stops the
run; a 552 to MAIL FROM and an address the server cannot take fail that message for good
and the run goes on; the forwarding body is checked as every text of the trail."""

from __future__ import annotations

import smtplib
from datetime import date

import pytest
from sqlalchemy import select

from complaints.domain import escalation as rules
from complaints.extensions import db
from complaints.models import Notification
from complaints.services import notifications, scorecard_summary, workflow
from complaints.services.errors import ValidationFailed
from complaints.services.escalation import escalate_due
from tests.conftest import NOW, TODAY
from tests.integration.test_escalation_extension import _accepted, _rows
from tests.integration.test_escalation_world import *  # noqa: F403  (fixtures: world, …)

# As tests/integration/test_escalation_extension.py (its world): a recommendation accepted
# on Monday 05/10/2026, 15 working days → due Monday 26/10; reminder on Wednesday 21/10.
REMINDED = date(2026, 10, 21)


def _reminders_counted(world) -> int:
    counts = scorecard_summary.count_days([(date(2026, 10, 1), date(2026, 11, 30))],
                                          [world.head_a.agency_id])
    return sum(c.escalations.get(0, 0) for c in counts.values())


# --- 1. escalation: a rightly sent reminder is erased as "overtaken" ----------------------


def test_a_reminder_sent_before_an_extension_still_counts_on_the_scorecard(world, make_case):
    """domain/escalation.py: 'Only "overtaken" says it should not have been raised ...
    The others stood when raised, and the scorecard still counts them.' The reminder of
    21/10 was right: the due date then was 26/10 (domain.md: level 0, 3 working days before
    a stage's due date). Since session 21 (lapse_overtaken(reminders=True)) an extension
    entered on 22/10 lapses it as "overtaken", so the scorecard ("Mức 0") and the workbook's
    escalation sheet (scorecard_summary.not_overtaken) drop a reminder the agency really
    received; when the case is resolved before the new reminder day, the agency shows as
    never reminded."""
    case = _accepted(world, make_case)
    assert escalate_due(REMINDED, NOW).escalations == {(0, "reminder"): 1}
    db.session.commit()
    assert _reminders_counted(world) == 1
    workflow.extend(case, 10, "Cần xác minh thêm", world.head_a, NOW, date(2026, 10, 22),
                    decided_on=date(2026, 10, 22))
    workflow.resolve(case, "answered", "12/QĐ", "Đã giải quyết", world.head_a, NOW,
                     date(2026, 10, 28), decided_on=date(2026, 10, 28))
    db.session.commit()
    assert _reminders_counted(world) == 1, [(e.level, e.lapse_reason) for e in _rows(case)]
    (reminder,) = _rows(case)
    assert reminder.lapse_reason != rules.LAPSE_OVERTAKEN


def test_a_day_off_entered_late_does_not_erase_the_reminder_sent(world, routed_case,
                                                                  make_user):
    """The same through a calendar change (deadlines._take_back_overdue → lapse_overtaken
    with today None, reminders judged on their as_of). Routed 02/10/2026: acceptance due
    Tuesday 13/10, reminded on Thursday 08/10, overdue on 14/10. The administrator then
    enters Monday 05/10 as a day off: due 14/10, the overdue of 14/10 lapses as overtaken
    (right: it was not due), but the reminder of 08/10 lapses as "overtaken" too, its new
    day (09/10) being after it; the sweep of 15/10 raises only level 1 (due_step: no burst
    of missed levels), so the reminder the agency got on 08/10 is no longer counted."""
    from complaints.services import admin

    case = routed_case
    assert case.deadline("acceptance").due_on == date(2026, 10, 13)
    assert escalate_due(date(2026, 10, 8), NOW).escalations == {(0, "reminder"): 1}
    escalate_due(date(2026, 10, 14), NOW)
    db.session.commit()
    assert _reminders_counted(world) == 1
    admin.add_calendar_override(date(2026, 10, 5), "day_off", "Nghỉ bù theo QĐ 1/QĐ-UBND",
                                make_user("admin", username="quantri"), NOW)
    db.session.commit()
    escalate_due(date(2026, 10, 15), NOW)
    db.session.commit()
    assert _reminders_counted(world) == 1, [(e.level, e.lapse_reason) for e in _rows(case)]


# --- 2. the outbox: SMTP answers misclassified --------------------------------------------


class ScriptedSMTP(smtplib.SMTP):
    """smtplib's own send_message/sendmail over a scripted server (no socket): `mail` and
    `rcpt` answer per address as `answers` says; close() drops the connection, as smtplib
    does on a 421, after which every command raises SMTPServerDisconnected."""

    def __init__(self, answers: dict[tuple[str, str], tuple[int, bytes]],
                 size_extension: bool = False):
        super().__init__()  # no host: not connected
        self.answers, self.open, self.sent, self.connections = answers, True, [], 0
        self.does_esmtp = size_extension
        self.esmtp_features = {"size": "1000"} if size_extension else {}
        self._to = None

    def __call__(self):
        self.connections += 1
        self.open = True
        return self

    def _live(self):
        if not self.open:
            raise smtplib.SMTPServerDisconnected("please run connect() first")

    def ehlo_or_helo_if_needed(self):
        self._live()

    def mail(self, sender, options=()):
        self._live()
        return self.answers.get(("mail", self._to), (250, b"2.1.0 Ok"))

    def rcpt(self, recip, options=()):
        self._live()
        return self.answers.get(("rcpt", recip), (250, b"2.1.5 Ok"))

    def data(self, msg):
        self._live()
        self.sent.append(self._to)
        return 250, b"2.0.0 Ok: queued"

    def send_message(self, msg, *args, **kwargs):
        self._to = msg["To"]
        return super().send_message(msg, *args, **kwargs)

    def _rset(self):
        pass

    def close(self):
        self.open = False

    def quit(self):
        self._live()
        self.close()
        return 221, b"Bye"


def _queue(*addresses: str) -> None:
    for i, to in enumerate(addresses):
        notifications.queue(f"qa65-{i}", "T", "N", NOW, email_to=to, in_app=False)
    db.session.commit()


def _note(to: str) -> Notification:
    db.session.expire_all()
    return db.session.scalar(select(Notification).where(Notification.email_to == to))


def test_control_the_scripted_server_delivers_a_clean_run(app):
    """Not a finding: the scripted server above sends a clean outbox in one connection."""
    _queue("p0@example.vn", "p1@example.vn")
    smtp = ScriptedSMTP({}, size_extension=True)
    report = notifications.deliver_outbox(NOW, smtp)
    assert (report.sent, report.deferred, report.failed) == (2, 0, 0)
    assert smtp.sent == ["p0@example.vn", "p1@example.vn"] and smtp.connections == 1


def test_a_421_closing_the_channel_charges_no_other_message(app):
    """notifications.about_the_message: 'The connection still serves the next message
    (smtplib resets it)'. Not after a 421 (service not available, closing the channel):
    smtplib.sendmail close()s the connection and raises SMTPRecipientsRefused (or
    SMTPDataError) with code 421. deliver_outbox takes it for the message's fault and
    `continue`s on the closed connection: the next e-mail fails with "please run connect()
    first", is charged an attempt and pushed back by the backoff though it was never sent
    to any server. The server's own 421 must stop the run (or reconnect), charging only the
    message it answered."""
    _queue("p0@example.vn", "p1@example.vn", "p2@example.vn")
    smtp = ScriptedSMTP({("rcpt", "p0@example.vn"): (421, b"4.3.2 Service shutting down")})
    report = notifications.deliver_outbox(NOW, smtp)
    assert report.deferred == 1, (report, [(n.email_to, n.attempts, n.last_error)
                                           for n in db.session.scalars(select(Notification))])
    bystander = _note("p1@example.vn")
    assert bystander.status == "sent" or (bystander.attempts == 0
                                          and bystander.last_error is None), (
        bystander.attempts, bystander.last_error)


def test_a_message_too_large_refused_at_mail_from_fails_for_good(app):
    """notifications.permanent: 'a 5xx answer to the message itself (552 too large ...)'
    is final. With the SIZE extension (RFC 1870, which smtplib uses whenever the server
    offers it) a server refuses a message above its limit at MAIL FROM: "552 5.3.4 Message
    size exceeds fixed maximum message size", raised by smtplib as SMTPSenderRefused.
    Since session 21 every SMTPSenderRefused is the server's: the message is deferred and
    retried every six hours for ever (the health check "degraded", as in QA round 58), and
    the run stops at it, holding back every e-mail queued after it."""
    _queue("big@example.vn", "p1@example.vn", "p2@example.vn")
    smtp = ScriptedSMTP({("mail", "big@example.vn"): (
        552, b"5.3.4 Message size exceeds fixed maximum message size")}, size_extension=True)
    report = notifications.deliver_outbox(NOW, smtp)
    assert _note("big@example.vn").status == "failed", report
    assert sorted(smtp.sent) == ["p1@example.vn", "p2@example.vn"], report


def test_an_address_the_server_cannot_take_does_not_stop_the_run(app):
    """A citizen's e-mail address may have a non-ASCII local part (contacts.email takes
    "nguyễn.văn.a@gmail.com": email_validator allows SMTPUTF8). On a server that does not
    offer SMTPUTF8, smtplib's send_message raises SMTPNotSupportedError before any command:
    a fault of this message, the same on every try. deliver_outbox takes it for the
    server's (neither permanent nor about_the_message): the message is deferred for ever,
    and each run stops at it, so the e-mails queued after it wait for the next run again
    and again."""
    _queue("nguyễn.văn.a@gmail.com", "p1@example.vn", "p2@example.vn")
    smtp = ScriptedSMTP({}, size_extension=True)
    report = notifications.deliver_outbox(NOW, smtp)
    assert sorted(smtp.sent) == ["p1@example.vn", "p2@example.vn"], report
    assert _note("nguyễn.văn.a@gmail.com").status == "failed", report


# --- 3. the desk's closing texts: the forwarding body is not checked ----------------------


def test_a_forwarding_body_naming_the_denouncer_is_refused(world, make_case):
    """workflow._closing_texts: the desk's texts are 'checked as every trail text
    (intake.trail_text; a denouncer's name included: inspectors and the reports read them,
    QA round 64)'. The body a denunciation is forwarded to (forwarded_to) is kept in the
    trail (the "forward" event's data) and on each letter (Petition.forwarded_to), but only
    goes through _require: a body naming the denouncer is taken (domain.md, Confidentiality
    of denouncers: everyone else sees a redacted case)."""
    case = make_case(actor=world.reception, kind="denunciation")
    db.session.commit()
    name = case.petitions[0].signers[0].petitioner.full_name
    body = f"Công an tỉnh (kèm đơn của ông {name})"
    with pytest.raises(ValidationFailed) as refused:
        workflow.forward(case, body, world.reception, NOW, TODAY)
    assert set(refused.value.errors) == {"forwarded_to"}


def test_a_forwarding_body_longer_than_its_column_is_refused(world, make_case):
    """Petition.forwarded_to is String(255); the body goes through _require only (no length
    check, unlike the reason beside it, intake.trail_text's REASON_MAX). SQLite keeps the
    whole text; PostgreSQL refuses the flush (a DataError: a 500 instead of the form's
    message), after the confirmation step (check_close_at_desk) has accepted it."""
    case = make_case(actor=world.reception)
    db.session.commit()
    body = "Cơ quan " + "x" * 300
    with pytest.raises(ValidationFailed) as checked:
        workflow.check_close_at_desk(case, "forward", world.reception, TODAY,
                                     forwarded_to=body)
    assert set(checked.value.errors) == {"forwarded_to"}
