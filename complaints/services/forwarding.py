"""After a petition was forwarded outside the system: the body's reply letter (văn bản
phúc đáp), which form 02/XLD counts ("Reply letters received", reports.md).

The case stays forwarded (nothing more is owed by the province); the desk that forwarded
it records the reply's date once, and the event is audited like every step of the case.
"""

from __future__ import annotations

from datetime import date, datetime

from complaints.domain import states
from complaints.domain.limits import REASON_MAX
from complaints.domain.messages import N_
from complaints.models import Case, User
from complaints.services import audit, intake, workflow
from complaints.services.errors import NotAllowed, ValidationFailed


def forwarded_petitions(case: Case) -> list:
    """The case's petitions sent outside the system by the desk."""
    return [p for p in case.petitions if p.handling_outcome == "forwarded"]


def reply_received_on(case: Case) -> date | None:
    """The day the reply letter was recorded as received (None: not yet)."""
    days = [p.reply_received_on for p in forwarded_petitions(case) if p.reply_received_on]
    return min(days) if days else None


def may_record_reply(user: User, case: Case) -> bool:
    """The desk that forwarded the case records the reply, once."""
    return (user.role == "reception" and case.reception_agency_id == user.agency_id
            and case.status == states.FORWARDED and bool(forwarded_petitions(case))
            and reply_received_on(case) is None)


def record_reply(case: Case, received_on: date | None, note: str | None, actor: User,
                 now: datetime, today: date) -> Case:
    """Record that the body the case was forwarded to answered in writing on `received_on`
    (today when not given)."""
    workflow.hold(case)  # the same reply sent twice at once is recorded once
    if not may_record_reply(actor, case):
        raise NotAllowed(N_("Chỉ ghi nhận văn bản phúc đáp một lần, cho hồ sơ đã chuyển ra "
                            "ngoài hệ thống, tại bộ phận tiếp nhận đã chuyển."))
    on = received_on or today
    forwarded = forwarded_petitions(case)
    sent_on = max(p.handled_on for p in forwarded)
    if on > today:
        raise ValidationFailed({"received_on": N_(
            "Ngày nhận văn bản phúc đáp không được ở tương lai.")})
    if on < sent_on:
        raise ValidationFailed({"received_on": N_(
            "Ngày nhận văn bản phúc đáp không được trước ngày chuyển đơn (%(on)s).",
            on=f"{sent_on:%d/%m/%Y}")})
    # Read today only by those who may see the denouncer, but checked as every text of the
    # trail all the same (QA round 66's judgement): who reads a trail may widen.
    errors: dict[str, str] = {}
    note = intake.trail_text(note, "note", errors, case, None,
                             too_long=N_("Tối đa %(max)s ký tự.", max=REASON_MAX))
    if errors:
        raise ValidationFailed(errors)
    for petition in forwarded:
        petition.reply_received_on = on
    # The body's letter is the officer's record (its number, what it says): internal.
    audit.record_case(case, "reply_received", actor, now,
                      {"on": on, "forwarded_to": forwarded[0].forwarded_to, "note": note})
    return case
