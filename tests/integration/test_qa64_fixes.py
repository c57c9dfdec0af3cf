"""QA round 64 (a review of session 20's changes): a decision dated in time but entered
late that also ends the case (refusal, the desk's filing, guiding, forwarding, a
withdrawal) lapsed its overdue steps as "ended", still counted late; a server refusing
the system's own sender failed the whole outbox for good, and one busy mailbox held back
the rest of the run; a form's token could read the case an API client's Idempotency-Key
opened; the desk's guiding, forwarding and filing texts were not checked for a
denouncer's name."""

from __future__ import annotations

import smtplib
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from complaints.domain import escalation as rules
from complaints.extensions import db
from complaints.models import Escalation, Notification
from complaints.services import escalation, idempotency, notifications, scorecard, workflow
from tests.conftest import NOW
from tests.integration.test_api import _case_body, world  # noqa: F401  (fixture)
from tests.integration.test_notifications import FakeSMTP

pytestmark = pytest.mark.usefixtures("fixed_clock")

def _on(day: date, hour: int = 3) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)


@pytest.fixture
def w(make_agency, make_user, make_case):
    p = make_agency(code="P", level="province", name="UBND tỉnh")
    d = make_agency(code="D", parent=p, level="department", name="Sở Tài nguyên")
    desk = make_agency(code="DESK", parent=p, level="desk", name="Ban Tiếp công dân",
                       is_reception_desk=True)
    reception = make_user("reception", agency=desk)

    def new(received: date, **kw):
        return make_case(reception, received_on=received, today=received, now=_on(received),
                         **kw)

    inspector = make_user("inspector")
    db.session.commit()
    return {"d": d, "desk": desk, "reception": reception, "new": new, "inspector": inspector}


def _overdue(case) -> Escalation:
    db.session.expire_all()
    (row,) = db.session.scalars(select(Escalation).where(Escalation.case_id == case.id,
                                                         Escalation.level == 1))
    return row


def test_a_refusal_dated_in_time_but_entered_late_takes_back_the_overdue(w):
    """services/escalation.lapse_met_in_time: "a decision is dated as signed, and one
    entered after the sweep raised 'overdue' ... left the agency flagged ... and counted
    late by the scorecard"; workflow.refuse passes met="acceptance". Routed to D on 01/10
    (acceptance due 12/10); sweep of 14/10 raises overdue; D's refusal (không thụ lý) dated
    09/10 is entered 20/10. The acceptance stage was met in time: the overdue must lapse as
    overtaken (as an acceptance dated 09/10 does). It lapses as "ended" (lapse_ended runs
    first in workflow._finish because not_accepted is in LADDER_ENDS), which the scorecard
    keeps counting."""
    case = w["new"](date(2026, 10, 1))
    workflow.route(case, "D", None, _on(date(2026, 10, 1)), date(2026, 10, 1))
    db.session.commit()
    assert case.deadline("acceptance").due_on == date(2026, 10, 12)
    escalation.escalate_due(date(2026, 10, 14), _on(date(2026, 10, 14)))
    db.session.commit()
    assert _overdue(case).lapsed_at is None
    entered = date(2026, 10, 20)
    workflow.refuse(case, "Đơn không đủ điều kiện thụ lý", None, _on(entered), entered,
                    decided_on=date(2026, 10, 9))
    db.session.commit()
    # D's scorecard for October: it refused on time, so no overdue escalation counts.
    inspector = w["inspector"]
    card = {c.agency.code: c for c in scorecard.scorecards(
        inspector, date(2026, 10, 1), date(2026, 10, 31), date(2026, 12, 1))}["D"]
    assert card.metrics.escalations == {}, card.metrics.escalations
    row = _overdue(case)
    assert row.lapse_reason == rules.LAPSE_OVERTAKEN, row.lapse_reason


def test_a_filing_at_the_desk_dated_in_time_but_entered_late_takes_back_the_overdue(w):
    """The same for the handling stage: workflow._close_at_reception passes
    met="handling". Received Thu 01/10/2026: 10 working days → due Thu 15/10; the sweep of
    16/10 raises overdue against the desk; the desk files the letter as a duplicate by a
    decision dated 15/10, entered 19/10: the desk was never late."""
    case = w["new"](date(2026, 10, 1))
    db.session.commit()
    due = case.deadline("handling").due_on
    assert due == date(2026, 10, 15)
    escalation.escalate_due(date(2026, 10, 16), _on(date(2026, 10, 16)))
    db.session.commit()
    assert _overdue(case).lapsed_at is None
    entered = date(2026, 10, 19)
    workflow.file_away(case, "duplicate", w["reception"], _on(entered), entered,
                       decided_on=due)
    db.session.commit()
    row = _overdue(case)
    assert row.lapsed_at is not None
    assert row.lapse_reason == rules.LAPSE_OVERTAKEN, row.lapse_reason


def test_a_withdrawal_dated_in_time_but_entered_late_takes_back_the_overdue(w):
    """As a return dated in time (QA round 60: "the agency no longer held the case then"):
    every petitioner withdrew by a letter dated 09/10, before the acceptance due date
    12/10; entered 20/10, after the sweep of 14/10 raised "overdue" against D. Nothing was
    owed after 09/10 (domain.md: withdrawn — "the petitioner withdraws"; the case ends),
    so D was never late; workflow.withdraw lapses the step as "ended", which the scorecard
    keeps counting against D."""
    case = w["new"](date(2026, 10, 1))
    workflow.route(case, "D", None, _on(date(2026, 10, 1)), date(2026, 10, 1))
    db.session.commit()
    escalation.escalate_due(date(2026, 10, 14), _on(date(2026, 10, 14)))
    db.session.commit()
    assert _overdue(case).lapsed_at is None
    entered = date(2026, 10, 20)
    workflow.withdraw(case, "Công dân rút toàn bộ đơn", w["reception"], _on(entered), entered,
                      decided_on=date(2026, 10, 9))
    db.session.commit()
    card = {c.agency.code: c for c in scorecard.scorecards(
        w["inspector"], date(2026, 10, 1), date(2026, 10, 31), date(2026, 12, 1))}["D"]
    assert card.metrics.escalations == {}, card.metrics.escalations


def test_a_server_refusing_the_systems_sender_fails_no_message_for_good(app):
    """notifications.permanent: "a refused connection or sign-in is the server's, not the
    message's". Every message goes from the one configured MAIL_FROM, so a MAIL FROM
    refusal (530 5.7.0 Authentication required: the credentials expired; 553 sender not
    owned by the account) is the server's configuration, not the message's: the outbox
    must keep the e-mails (deferred, retried) and stop hammering the server. It marks each
    one "failed" for good and goes on to the next: one misconfigured night loses every
    citizen's receipt and status e-mail queued."""
    for i in range(3):
        notifications.queue(f"m{i}", "T", "N", NOW, email_to=f"p{i}@example.vn", in_app=False)

    class NotSignedIn(FakeSMTP):
        def send_message(self, message):
            raise smtplib.SMTPSenderRefused(530, b"5.7.0 Authentication required",
                                            message["From"])

    report = notifications.deliver_outbox(NOW, NotSignedIn(down=0))
    statuses = [n.status for n in db.session.scalars(select(Notification))]
    assert "failed" not in statuses, (report, statuses)
    assert report.failed == 0

KEY = {"Idempotency-Key": "order-1"}  # a client's own numbering, as many integrations use


def test_a_citizen_cannot_read_an_api_case_code_through_the_public_forms_draft(
        api, client, world):  # noqa: F811
    """services/idempotency.token: "A key is the client's own: two users (or two
    operations) using the same one do not meet." The online form's hidden `draft` is sent
    by the browser, unchecked, and looked up in the same table: a draft equal to an API
    token answers "Đơn này đã được gửi (mã hồ sơ …)" with the API case's tracking code,
    to an anonymous visitor, without a PIN. The token is only sha256(user id, "api",
    key): with a guessable key and a small user id, it is computed offline."""
    opened = api(world["reception"], "POST", "/cases", json=_case_body(world), headers=KEY)
    assert opened.status_code == 201
    code = opened.get_json()["tracking_code"]
    forged = idempotency.token(KEY["Idempotency-Key"], world["reception"].id, "api")
    answer = client.post("/cong-dan/gui-don", data={"draft": forged},
                         follow_redirects=True)
    assert code not in answer.get_data(as_text=True)


def test_one_busy_mailbox_does_not_hold_back_the_rest_of_the_run(app):
    """450/452 to one address is about that message: it waits for its retry while the
    others go on the same connection (a server down still stops the run)."""
    for i in range(3):
        notifications.queue(f"b{i}", "T", "N", NOW, email_to=f"p{i}@example.vn", in_app=False)

    class OneFull(FakeSMTP):
        def send_message(self, message):
            if message["To"] == "p0@example.vn":
                raise smtplib.SMTPRecipientsRefused(
                    {"p0@example.vn": (452, b"4.2.2 Mailbox full")})
            super().send_message(message)

    smtp = OneFull(down=0)
    report = notifications.deliver_outbox(NOW, smtp)
    assert (report.sent, report.deferred, report.failed) == (2, 1, 0)
    assert sorted(smtp.sent) == ["p1@example.vn", "p2@example.vn"]
    assert smtp.connections == 1
    waiting = db.session.scalar(select(Notification).where(
        Notification.email_to == "p0@example.vn"))
    assert waiting.status == "pending" and "Mailbox full" in waiting.last_error
