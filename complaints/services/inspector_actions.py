"""Inspector actions on a case or an agency, each recorded in an audit chain and notified.

Urge (đôn đốc), order a re-examination, set or change the lead agency, take the case up at
the inspectorate, add a finding to the agency's record.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from complaints.domain import states
from complaints.domain.messages import N_
from complaints.extensions import db
from complaints.models import Agency, AuditEvent, Case, Escalation, User
from complaints.permissions import can_inspect, can_view
from complaints.services import audit, intake, notifications, workflow
from complaints.services.errors import NotAllowed, ValidationFailed

INSPECTOR_ACTIONS = ("urge", "reexamine", "set_lead", "take_up")


def _require_inspector(actor: User) -> None:
    if not can_inspect(actor):
        raise NotAllowed(N_("Chỉ thanh tra viên được thực hiện thao tác này."))


def _note(case: Case | None, note: str | None, field_name: str, message: str) -> str:
    """The inspector's text, kept in the case's trail and sent to the agency's heads: it
    may not name a denouncer (readers of the trail may not know them; QA round 53)."""
    if case is None:
        text = workflow.optional_text(note, field_name)
        if text is None:
            raise ValidationFailed({field_name: message})
        return text[:4000]
    return intake.checked_trail_text(note, field_name, case, message)


# What the agency's heads are told, in each head's language (%s: the tracking code).
SUBJECTS = {
    "urge": ("Thanh tra đôn đốc hồ sơ %s", "The inspectorate urges case %s"),
    "reexamine": ("Thanh tra yêu cầu xem xét lại hồ sơ %s",
                  "The inspectorate orders case %s re-examined"),
    "lead": ("Thanh tra chỉ định cơ quan chủ trì hồ sơ %s",
             "The inspectorate set the lead agency of case %s"),
    # services/urging.py: the desk, on a later letter about the case.
    "desk_urge": ("Bộ phận tiếp công dân đôn đốc giải quyết hồ sơ %s",
                  "The reception desk urges the resolution of case %s"),
}


def notify_heads(agency_id: int | None, key: str, what: str, body: str, case: Case,
                  now) -> int:
    """Tell the agency's heads; a reception desk's staff, who decide there (a case waiting
    at the desk is urged there: QA round 15 found the urge reaching nobody)."""
    if agency_id is None:
        return 0
    # Only those who may open the case: an agency's own reception officers may not (QA
    # round 48: they got a denunciation's code and the note).
    heads = [u for u in db.session.scalars(select(User).where(
        User.agency_id == agency_id, User.role.in_(("agency_head", "reception")),
        User.active.is_(True))) if can_view(u, case)]
    subject = SUBJECTS[what]
    return sum(notifications.queue(
        f"{key}:u{u.id}", subject[1 if u.locale == "en" else 0] % case.tracking_code, body,
        now, user=u, case_id=case.id, email=False) for u in heads)


LEAD_ALREADY = N_("Cơ quan này đã là cơ quan chủ trì hồ sơ.")
FINISHED = N_("Hồ sơ đã kết thúc: không còn gì để đôn đốc hay chỉ định.")


def urge(case: Case, note: str, actor: User, now, today: date) -> None:
    """Urge the holding agency to resolve the case (đôn đốc), audited and notified."""
    _require_inspector(actor)
    workflow.hold(case)  # its escalations are answered: none twice (QA round 55)
    note = _note(case, note, "note", N_("Nêu nội dung đôn đốc."))
    if case.status in states.FINAL_STATUSES:  # nothing more is owed (domain.md)
        raise ValidationFailed({"note": FINISHED})
    holder = case.agency_id or case.reception_agency_id  # at the desk: the desk decides
    event = audit.record_case(case, "inspector_urged", actor, now,
                              {"agency": holder, "note": note, "on": today})
    _answer_own_escalations(case, "urge", note, actor, now)
    db.session.flush()
    notify_heads(holder, f"insp:{event.id}", "urge", note, case, now)


def _answer_own_escalations(case: Case, action: str, note: str, actor: User, now) -> None:
    """An inspector's measure on a case answers the case's open escalations addressed to
    the inspector's inspectorate (level 3, "to the inspectorate's queue"): they leave the
    unacknowledged lists and the daily reminder, and the queue shows the measure taken."""
    if actor.agency_id is None:
        return
    waiting = db.session.scalars(select(Escalation).where(
        Escalation.case_id == case.id, Escalation.to_agency_id == actor.agency_id,
        Escalation.acknowledged_at.is_(None), Escalation.lapsed_at.is_(None))
        .order_by(Escalation.id))
    for escalation in waiting:
        escalation.acknowledged_at, escalation.acknowledged_by_id = now, actor.id
        escalation.action_taken, escalation.action_note = action, note
        audit.record_case(case, "escalation_acknowledged", actor, now, {
            "escalation": escalation.id, "level": escalation.level,
            "reason": escalation.reason, "action": action, "note": note})


def order_reexamination(case: Case, reason: str, actor: User, now, today: date) -> None:
    """Order the resolving agency to re-examine a resolved case (yêu cầu xem xét lại).

    Recorded and notified; the case's status is not changed here (the agency reopens it
    by its own decision), which the console shows as an open order.
    """
    _require_inspector(actor)
    reason = _note(case, reason, "reason", N_("Nêu lý do yêu cầu xem xét lại."))
    if case.status not in ("resolved", "closed"):
        raise ValidationFailed({"reason": N_("Chỉ yêu cầu xem xét lại hồ sơ đã giải quyết.")})
    event = audit.record_case(case, "reexamination_ordered", actor, now,
                              {"agency": case.agency_id, "reason": reason, "on": today})
    db.session.flush()
    notify_heads(case.agency_id, f"insp:{event.id}", "reexamine", reason, case, now)


def lead_candidates() -> list[Agency]:
    """The agencies an inspector may make the lead: active ones that resolve petitions (a
    citizen-reception desk receives and routes them, it resolves none)."""
    return list(db.session.scalars(select(Agency).where(
        Agency.active.is_(True), Agency.is_reception_desk.is_(False))))


def _lead(agency_code: str | None) -> tuple[Agency | None, str | None]:
    """The agency to make the lead, or why it cannot be (a message id)."""
    code = (agency_code or "").strip()
    if not code:
        return None, N_("Chọn cơ quan chủ trì.")
    lead = db.session.scalar(select(Agency).where(Agency.code == code))
    if lead is None or not lead.active:
        return None, N_("Không tìm thấy cơ quan.")
    if lead.is_reception_desk:
        return None, workflow.DESK_RESOLVES_NOTHING
    return lead, None


def set_lead(case: Case, agency_code: str, note: str, actor: User, now, today: date,
             action: str = "lead_set_by_inspector") -> Case:
    """Set or change the lead agency (binding: it may no longer return the case); never a
    reception desk, never an inactive agency."""
    _require_inspector(actor)
    workflow.hold(case)
    lead, problem = _lead(agency_code)
    errors = {"agency_code": problem} if problem else {}
    note = intake.trail_text(note, "note", errors, case, N_("Nêu lý do chỉ định."))
    if not errors and case.status in states.FINAL_STATUSES:
        errors["agency_code"] = FINISHED
    elif not errors and case.lead_agency_id == lead.id:  # sent twice: nothing to do again
        errors["agency_code"] = LEAD_ALREADY
    if errors:  # both problems at once: the agency and the reason
        raise ValidationFailed(errors)
    workflow.check_not_first_round_holder(case, lead, "agency_code")
    before = case.lead_agency_id
    # Before the move, which closes the ladder's escalations of the stage it ends as
    # superseded: the inspectorate's own was answered by this measure (QA round 51).
    _answer_own_escalations(case, "set_lead", note, actor, now)
    try:
        workflow.move_to_lead(case, lead, actor, today, note, now)
    except states.InvalidTransition:
        raise ValidationFailed({"agency_code": N_("Hồ sơ ở trạng thái này không chỉ định được "
                                               "cơ quan chủ trì.")}) from None
    # The supervisor's evasion escalation asked for exactly this: answered (QA round 15:
    # it stayed open, and its reminders went on).
    from complaints.services.escalation_patterns import open_evasion

    evasion = open_evasion(case)
    if evasion is not None and evasion.acknowledged_at is None and evasion.lapsed_at is None:
        evasion.acknowledged_at, evasion.acknowledged_by_id = now, actor.id
        evasion.action_taken, evasion.action_note = "set_lead", note
    db.session.flush()
    audit.record_case(case, action, actor, now, {"status": case.status, "lead": lead.code,
                                                 "before": before, "note": note, "on": today})
    notify_heads(lead.id, f"lead:{case.id}:{lead.id}:{today.isoformat()}", "lead", note,
                  case, now)
    return case


def take_up(case: Case, note: str, actor: User, now, today: date) -> Case:
    """Take the case up at the inspectorate (the actor's agency becomes the lead)."""
    _require_inspector(actor)
    agency = db.session.get(Agency, actor.agency_id) if actor.agency_id else None
    if agency is None or not agency.is_inspectorate:
        raise ValidationFailed({"note": N_("Tài khoản thanh tra chưa gắn với cơ quan thanh tra.")})
    return set_lead(case, agency.code, note, actor, now, today, action="taken_up_by_inspectorate")


def add_finding(agency: Agency, text: str, actor: User, now, today: date):
    """Add a finding to the agency's record (kết luận, nhận xét), kept in its audit chain."""
    _require_inspector(actor)
    text = _note(None, text, "text", N_("Nhập nội dung nhận xét."))
    event = audit.record(f"agency:{agency.id}", "inspection_finding", actor, now,
                         {"text": text, "on": today})
    db.session.flush()
    return event


def findings(agency: Agency, limit: int = 50) -> list:
    """The inspectors' findings on an agency, newest first."""
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.chain == f"agency:{agency.id}",
                                 AuditEvent.action == "inspection_finding")
        .order_by(AuditEvent.seq.desc()).limit(limit)))
