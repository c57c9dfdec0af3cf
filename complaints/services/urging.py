"""The desk urges the agency handling a matter (đôn đốc giải quyết) on a later letter.

A citizen writes again about a matter an agency is already resolving (đơn trùng, nhiều
lần). The desk joins the letter to the case (intake.add_petition: handled as "joined",
filed as a duplicate); it may instead urge the agency that holds the case to resolve it.
The letter's handling outcome is then "urged" on the day of the urging, which 02/XLD counts
apart from guided, transferred and filed (reports.md, "Handling result … if not: guided,
transferred, urged"). The agency's heads get a notice; the urging is an audit event of the
case, with its text.
"""

from __future__ import annotations

from datetime import date, datetime

from complaints.domain import states
from complaints.domain.messages import N_
from complaints.extensions import db
from complaints.models import Case, Petition, User
from complaints.permissions import can_add_petition
from complaints.services import audit, intake
from complaints.services.errors import NotAllowed, NotFound, ValidationFailed

ACTION, EVENT = "urge_holder", "holder_urged"
# While an agency resolves the case: before acceptance too (it must accept or return it),
# not once it has decided or the case has ended.
_URGEABLE = frozenset({states.ROUTED, states.ACCEPTED, states.SUSPENDED})

NOT_JOINED = N_("Chỉ đôn đốc được trên đơn gửi sau, đã nhập vào hồ sơ (đơn trùng, nhiều lần).")


def may_urge(case: Case, petition: Petition) -> bool:
    """May the desk urge the holder on this letter now (the page offers it only then)?"""
    return (petition.handling_outcome == "joined" and case.agency_id is not None
            and case.status in _URGEABLE)


def urge_holder(case: Case, petition_id: int, note: str | None, actor: User, now: datetime,
                today: date, decided_on: date | None = None) -> Petition:
    """Urge the agency holding the case to resolve it, on the later letter `petition_id`:
    the letter is handled as "urged" on `decided_on` (today by default), audited, and the
    agency's heads are told."""
    from complaints.services import inspector_actions, workflow  # they import intake

    workflow.hold(case)
    if not can_add_petition(actor, case):
        raise NotAllowed(N_("Chỉ bộ phận đã tiếp nhận đơn được đôn đốc cơ quan giải quyết."))
    petition = next((p for p in case.petitions if p.id == petition_id), None)
    if petition is None:
        raise NotFound(str(petition_id), what="petition")
    if petition.handling_outcome == "urged":
        raise ValidationFailed({"petition": N_("Đã đôn đốc trên đơn này.")})
    if petition.handling_outcome != "joined":
        raise ValidationFailed({"petition": NOT_JOINED})
    if case.agency_id is None or case.status not in _URGEABLE:
        raise states.InvalidTransition(ACTION, case.status)
    errors: dict[str, str] = {}
    text = intake.trail_text(note, "note", errors, case, N_("Nêu nội dung đôn đốc."))
    on = decided_on or today
    if on > today:
        errors["decided_on"] = N_("Ngày đôn đốc không được ở tương lai.")
    elif on < petition.received_on:
        errors["decided_on"] = N_("Ngày đôn đốc không được trước ngày nhận đơn (%(on)s).",
                                  on=f"{petition.received_on:%d/%m/%Y}")
    if errors:
        raise ValidationFailed(errors)
    # What it replaces is known: joined on its receipt day. The reports read it back for a
    # period that does not hold both days (reports._urged_outside, QA rounds 57 and 95).
    petition.handling_outcome, petition.handled_on = "urged", on
    db.session.flush()
    event = audit.record_case(case, EVENT, actor, now, {
        "petition": petition.id, "agency": case.agency.code, "on": on, "note": text})
    db.session.flush()  # the event's id keys the notice: one per urging (QA round 49)
    inspector_actions.notify_heads(case.agency_id, f"desk:{event.id}", "desk_urge", text,
                                   case, now)
    return petition
