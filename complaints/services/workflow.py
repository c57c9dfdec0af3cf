"""Transitions of a case, one function each; every one writes an audit event.

Each takes the actor and the time explicitly, checks permission and the state machine,
changes state, and only flushes: the caller (request, command, job) commits.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from sqlalchemy import or_, select

from complaints.domain import deadlines as dl
from complaints.domain import decisions, policies, states, withdrawal
from complaints.domain.catalog import FILING_REASONS, OUTCOMES_BY_KIND, refusal_grounds
from complaints.domain.confidentiality import REASON_NAMES_DENOUNCER
from complaints.domain.limits import REASON_MAX
from complaints.domain.messages import CONTROL_CHARACTERS, N_, Named
from complaints.domain.text import blank, has_control
from complaints.extensions import db
from complaints.models import Agency, AuditEvent, Case, Routing, User
from complaints.permissions import can_act, lead_refusal
from complaints.services import (
    audit,
    deadlines,
    enforcement,
    escalation,
    escalation_patterns,
    intake,
    notifications,
    withdrawal_notify,
)
from complaints.services.errors import NotAllowed, ValidationFailed

logger = logging.getLogger(__name__)


ANONYMOUS_DENUNCIATION = N_(
    "Không đơn nào của hồ sơ tố cáo này đủ điều kiện xử lý (đơn nặc danh, mạo danh, thiếu họ "
    "tên, địa chỉ người tố cáo, hoặc không đủ điều kiện khác): không được thụ lý giải quyết "
    "như tố cáo (Luật Tố cáo Điều 25, 29). Quyết định không thụ lý, hoặc trả lại bộ phận tiếp "
    "nhận để lưu đơn.")


def anonymous_denunciation(case: Case) -> bool:
    """A denunciation none of whose letters is eligible for handling: the desk ticks a
    denunciation eligible only with each denouncer's name and address (intake's
    denouncer_errors), so no denouncer is known, or it found the letters lacking otherwise
    (the message names both: QA round 64 found a named one told it was anonymous). It is
    not handled as a denunciation (domain.md, Law on Denunciations Art. 25): filed, or
    passed on for inspection."""
    return case.kind == "denunciation" and not any(p.eligible_now for p in case.petitions)


DESK_RESOLVES_NOTHING = N_("Bộ phận tiếp công dân chỉ tiếp nhận và chuyển đơn, không giải quyết "
                           "đơn: chọn cơ quan có thẩm quyền.")

RETURN_TO_NO_DESK = N_("Hồ sơ này do chính cơ quan tiếp nhận (đơn tại buổi tiếp công dân), không "
                       "qua bộ phận tiếp công dân nào: trả lại thì không ai chuyển tiếp được. "
                       "Hãy chuyển đơn đến cơ quan có thẩm quyền.")


def _transition(case: Case, action: str, actor: User | None) -> str:
    """Check the actor may act and the state machine allows it; return the new status."""
    if actor is not None and not can_act(actor, case, action):
        why = lead_refusal(case, action)  # the reason the law gives, rather than "not you"
        if why:
            raise NotAllowed(why)
        raise NotAllowed(N_("Tài khoản %(username)s không được thực hiện thao tác này với hồ sơ "
                            "%(code)s.", username=actor.username, code=case.tracking_code))
    return states.next_status(case.status, action)


def _case_dates(case: Case, action: str) -> decisions.CaseDates:
    """The dates of the steps a decision on the case must not predate."""
    accepted = case.status in (states.ACCEPTED, states.SUSPENDED)
    resolution = (case.deadline("resolution") if action in ("extend", "declare_complex")
                  else None)
    handling = case.deadline("handling") if action == "extend_handling" else None
    running = handling if handling is not None and handling.met_on is None else None
    return decisions.CaseDates(
        received_on=case.received_on,
        arrived_on=decisions.arrival_on(case.routings, case.agency_id),
        accepted_on=case.accepted_on if accepted else None,
        suspended_on=case.suspended_on if case.status == states.SUSPENDED else None,
        resumed_on=(_last_resumption(case) if action in decisions.AFTER_ACCEPTANCE and accepted
                    else None),
        extended_on=(_last_extension(case) if action in decisions.AFTER_ACCEPTANCE
                     and accepted else None),
        resolution_due_on=resolution.due_on if resolution and not resolution.met_on else None,
        handling_started_on=running.start_on if running else None,
        handling_due_on=running.due_on if running else None,
        returned_on=max((m.decided_on for m in case.routings if m.action == "return"),
                        default=None) if action in decisions.AT_DESK else None)


def _last_resumption(case: Case) -> date | None:
    """The date the clock last restarted in this acceptance (periods from the audit trail)."""
    periods = [resumed for suspended, resumed in deadlines.suspension_periods(case)
               if case.accepted_on is None or suspended >= case.accepted_on]
    return max(periods) if periods else None


def _last_extension(case: Case) -> date | None:
    """The date of the last extension or complexity declaration of this acceptance, from
    the audit trail (the decisions' own dates, as entered)."""
    dates = (audit.trail_day(data)
             for _, data in audit.case_trail(case, ("extended", "complexity_declared")))
    return max((d for d in dates if d and (case.accepted_on is None or d >= case.accepted_on)),
               default=None)


def _decision_date(decided_on: date | None, today: date, case: Case, action: str) -> date:
    """A paper decision's date: given (else today), not in the future, not before the
    petition, the case's arrival at the agency or the step it follows (domain.decisions)."""
    on = decided_on or today
    message = decisions.decision_date_error(action, on, today, _case_dates(case, action))
    if message:
        raise ValidationFailed({"decided_on": message})
    return on


def _agency(code: str | None, field_name: str) -> Agency:
    """The active agency a case is sent to (or proposed for): never a reception desk,
    which receives and routes petitions but resolves none."""
    agency = db.session.scalar(select(Agency).where(Agency.code == (code or "")))
    if agency is None or not agency.active:
        raise ValidationFailed({field_name: N_("Không tìm thấy cơ quan.")})
    if agency.is_reception_desk:
        raise ValidationFailed({field_name: DESK_RESOLVES_NOTHING})
    return agency


SECOND_ROUND_NOT_FIRST = N_(
    "Khiếu nại lần hai do cấp trên của cơ quan giải quyết lần đầu giải quyết: %(agency)s đã "
    "giải quyết (hoặc phải giải quyết) lần đầu, không giải quyết khiếu nại lần hai.")


def first_round_holder(case: Case) -> int | None:
    """For a second complaint linked to its first round: the agency holding that round
    (the one that decided it, or failed to in time), which may not resolve the second."""
    if case.kind != "complaint" or case.complaint_round != 2 or case.parent_case_id is None:
        return None
    return db.session.scalar(select(Case.agency_id).where(Case.id == case.parent_case_id))


def check_not_first_round_holder(case: Case, agency: Agency, field_name: str) -> None:
    """Refuse sending a second complaint to the agency whose first round it disputes (Law
    on Complaints Art. 7, 33: the level above resolves it; QA round 50: a transfer handed it
    down to the first resolver, who upheld its own decision)."""
    if agency.id is not None and agency.id == first_round_holder(case):
        raise ValidationFailed({field_name: N_(
            SECOND_ROUND_NOT_FIRST, agency=Named(agency.name, agency.name_en))})


def _agency_code(agency_id: int | None) -> str | None:
    return db.session.scalar(select(Agency.code).where(Agency.id == agency_id)) \
        if agency_id is not None else None


def routable_agency(code: str | None) -> Agency:
    """The agency a case may be routed to, or the field error `route` would give."""
    return _agency(code, "agency_code")


def _require(value: str | None, field_name: str, message: str) -> str:
    """A required text of a decision: refused when nothing visible is in it (zero-width and
    other format characters count as nothing, as at intake), or when it holds control
    characters (never typed; they break the XML feeds and exports)."""
    if blank(value):
        raise ValidationFailed({field_name: message})
    if has_control(value):
        raise ValidationFailed({field_name: CONTROL_CHARACTERS})
    return value.strip()


def optional_text(value: str | None, field_name: str) -> str | None:
    """An optional text of a decision: nothing when blank, refused with control characters
    like the required ones (QA round 16: a note or an override reason took them)."""
    if blank(value):
        return None
    if has_control(value):
        raise ValidationFailed({field_name: CONTROL_CHARACTERS})
    return value.strip()


def hold(case: Case) -> None:
    """Lock the case for the rest of the transaction, then read everything afresh.

    Two people deciding on one case at once (two heads, a head and the desk) both read it
    before either wrote: without the lock, the second decision was checked against the
    state the first had just changed and recorded over it (QA round 13: a refusal over an
    acceptance, two acceptances). The no-op UPDATE row-locks the case on PostgreSQL and
    takes SQLite's write lock; what this session read before is read again after it.
    """
    if case.id is None:
        return
    db.session.flush()  # nothing pending is lost by expiring
    audit.lock_case(case.id)
    db.session.expire_all()


EXTENSION_RECORDED = N_("Quyết định gia hạn này (cùng ngày, số ngày và lý do với lần gia hạn "
                        "trước) đã được ghi nhận; thời hạn không được gia hạn thêm. Nếu đây "
                        "là một quyết định khác, hãy kiểm tra ngày quyết định.")
# The reason a decision without a page of its own must give (checked before the
# confirmation step too: check_reason).
REASON_REQUIRED = {"refuse": N_("Nêu lý do không thụ lý."),
                   "withdraw": N_("Nêu nội dung đơn rút.")}


# The decisions whose reason an agency's head types and the trail keeps: checked as every
# text of the trail (intake.trail_text), a denouncer's name included. The case moves on
# to the desk or another agency, whose staff read the trail and may not know who denounced.
# A withdrawal's content is the citizen's own letter, which may well name its author.
TRAIL_REASONS = ("refuse",)


def check_reason(action: str, reason: str | None, case: Case | None = None) -> str:
    """Refuse the reason of `action` as the action would; return it cleaned."""
    if case is not None and action in TRAIL_REASONS:
        return _trail_reason(case, reason, REASON_REQUIRED[action])
    return _require(reason, "reason", REASON_REQUIRED[action])


def _trail_reason(case: Case, reason: str | None, missing: str) -> str:
    """A required reason kept in the case's trail (see TRAIL_REASONS)."""
    return intake.checked_trail_text(reason, "reason", case, missing)


def _repeats_last_extension(case: Case, stage: str, days: int, reason: str,
                            on: date) -> bool:
    """Is this extension the last one of the stage again (same date, days and reason)? A
    form sent twice (a second tap, Back then Send) extended a very complex denunciation
    twice (QA round 13); a second real decision differs in one of them."""
    import json

    last = db.session.scalar(
        select(AuditEvent.data).where(AuditEvent.chain == f"case:{case.id}",
                                      AuditEvent.action == "extended")
        .order_by(AuditEvent.seq.desc()).limit(1))
    if last is None:
        return False
    data = json.loads(last)
    return (data.get("stage", "resolution") == stage and data.get("days") == days
            and data.get("reason") == reason and str(data.get("on", ""))[:10] == on.isoformat())


def _text_errors(errors: dict, values: dict[str, tuple[str | None, str]]) -> None:
    """`_require` for several fields at once: field → (value, message when nothing)."""
    for name, (value, message) in values.items():
        try:
            _require(value, name, message)
        except ValidationFailed as exc:
            errors.update(exc.errors)


def _move(case: Case, action: str, actor: User | None, to: Agency | None, on: date,
          reason: str | None, suggested: Agency | None = None) -> Routing:
    move = Routing(case=case, action=action, from_agency_id=case.agency_id,
                   to_agency_id=to.id if to else None,
                   suggested_agency_id=suggested.id if suggested else None,
                   reason=reason, actor_id=actor.id if actor else None, decided_on=on)
    db.session.add(move)
    return move


def _finish(case: Case, action: str, actor: User | None, now: datetime,
            data: dict, met: str | None = None,
            left: tuple[list, date] | None = None) -> AuditEvent:
    """Record the step; `met`: the stage it completed, `left`: the stages it ended
    (escalation.running_stages before it) and its date. Their overdue steps raised for
    days after that date lapse as overtaken: a decision entered after the sweep, dated in
    time."""
    deadlines.refresh_attention(case)
    db.session.flush()
    event = audit.record_case(case, action, actor, now, {"status": case.status, **data})
    # Before lapse_ended, which lapses the rest as ended (still counted late): a refusal
    # or a filing dated in time was counted late (QA round 64).
    if met is not None:
        escalation.lapse_met_in_time(case, met, now)
    if left is not None:
        escalation.lapse_left_in_time(case, *left, now)
    escalation.lapse_ended(case, now)  # after the step's own event: it is what ended them
    # Citizens who gave an e-mail hear of each new status (deduplicated per status).
    notifications.queue_status_change(case, now)
    return event


def route(case: Case, agency_code: str, actor: User | None, now: datetime, today: date,
          reason: str | None = None, decided_on: date | None = None,
          basis: dict | None = None) -> Case:
    """Send a received or returned case to the competent agency (chuyển đơn).

    `basis`: how the desk chose (routing.route_case), kept in the audit event beside the
    Vietnamese reason so that a timeline can word it again in its reader's language.
    """
    hold(case)
    new_status = _transition(case, "route", actor)
    on = _decision_date(decided_on, today, case, "route")
    agency = _agency(agency_code, "agency_code")
    check_not_first_round_holder(case, agency, "agency_code")
    _move(case, "route", actor, agency, on, reason)
    case.status, case.agency_id, case.routed_on = new_status, agency.id, on
    case.agency = agency
    case.officer_id = None
    for petition in case.petitions:
        if petition.handling_outcome is None:
            petition.handling_outcome, petition.handled_on = "routed", on
    deadlines.meet(case, "handling", on)
    deadlines.set_deadline(case, "acceptance", on)
    _finish(case, "routed", actor, now, {"to": agency.code, "reason": reason, "on": on,
                                         **({"basis": basis} if basis else {})},
            met="handling")
    # After a return: acceptance starts again.
    escalation.supersede_ended(case, now, restarted=("acceptance",))
    escalation.check_evasion(case, actor, now, today)  # đùn đẩy: escalate at once
    return case


def _close_at_reception(case: Case, action: str, outcome: str, actor, now, today,
                        reason: str | None, decided_on, extra: dict) -> Case:
    hold(case)
    new_status = _transition(case, action, actor)
    on = _decision_date(decided_on, today, case, action)
    for petition in case.petitions:
        if petition.handling_outcome is None:
            petition.handling_outcome, petition.handled_on = outcome, on
            petition.handling_note = reason
            if extra.get("forwarded_to"):
                petition.forwarded_to = extra["forwarded_to"]
            if extra.get("filing_reason"):
                # `eligible` keeps what the desk ticked at intake; the reason says the rest
                # (Petition.eligible_now), dated by handled_on for the reports.
                petition.filing_reason = extra["filing_reason"]
    case.status = new_status
    deadlines.meet(case, "handling", on)
    _finish(case, action, actor, now, {"reason": reason, "on": on, **extra}, met="handling")
    return case


FORWARDED_TO_MAX = 255  # Petition.forwarded_to


def _closing_texts(case: Case, action: str, reason: str | None = None,
                   forwarded_to: str | None = None, note: str | None = None) -> dict:
    """The texts the desk gives to guide, forward or file away, cleaned: kept in the
    case's trail and the letters' handling note, and checked as every text of the trail
    (intake.trail_text; a denouncer's name included: inspectors and the reports read them,
    QA round 64)."""
    if action == "guide":
        return {"reason": intake.checked_trail_text(
            reason, "reason", case, N_("Nêu cơ quan có thẩm quyền đã hướng dẫn."))}
    if action == "forward":
        # The body's name is kept on each letter too (Petition.forwarded_to, 255 characters):
        # longer was refused by PostgreSQL only after the confirmation (QA round 65).
        errors: dict[str, str] = {}
        body = intake.trail_text(forwarded_to, "forwarded_to", errors, case,
                                 N_("Nêu cơ quan nhận đơn."), limit=FORWARDED_TO_MAX,
                                 too_long=N_("Tên cơ quan nhận đơn quá dài (tối đa %(n)s ký tự).",
                                             n=FORWARDED_TO_MAX))
        reason = intake.trail_text(reason, "reason", errors, case, None)
        if errors:
            raise ValidationFailed(errors)
        return {"forwarded_to": body, "reason": reason}
    return {"note": intake.checked_trail_text(note, "note", case, None)}


def file_away(case, filing_reason: str, actor, now, today, note=None, decided_on=None):
    """File a petition away (lưu đơn): anonymous, duplicate, not eligible, …"""
    if filing_reason not in FILING_REASONS:
        raise ValidationFailed({"filing_reason": N_("Chọn lý do lưu đơn.")})
    note = _closing_texts(case, "file", note=note)["note"]
    return _close_at_reception(case, "file", "filed", actor, now, today, note, decided_on,
                               {"filing_reason": filing_reason})


def guided_before(case: Case) -> Case | None:
    """Another letter of the same matter the desk already guided, if any: the case's
    earlier case, the other later letters of that case, or its own later letters."""
    if case.id is None:
        return None
    matter = [Case.parent_case_id == case.id]
    if case.parent_case_id is not None:
        matter += [Case.id == case.parent_case_id, Case.parent_case_id == case.parent_case_id]
    return db.session.scalar(select(Case).where(
        Case.id != case.id, Case.status == states.GUIDED, or_(*matter))
        .order_by(Case.closed_on, Case.id).limit(1))


def _check_guided_once(case: Case) -> None:
    """Guidance is given once for the same content (domain.md, handling outcomes): a letter
    repeating one already guided is filed as a duplicate instead (QA 107)."""
    earlier = guided_before(case)
    if earlier is not None:
        raise NotAllowed(N_("Nội dung này đã được hướng dẫn ở hồ sơ %(code)s: chỉ hướng dẫn "
                            "một lần; đơn trùng nội dung thì lưu đơn (đơn trùng).",
                            code=earlier.tracking_code))


def guide(case, reason: str, actor, now, today, decided_on=None):
    """Tell the citizen where to go (hướng dẫn); done once for the same content."""
    _check_guided_once(case)
    reason = _closing_texts(case, "guide", reason=reason)["reason"]
    return _close_at_reception(case, "guide", "guided", actor, now, today, reason, decided_on,
                               {})


def forward(case, body: str, actor, now, today, reason=None, decided_on=None):
    """Send the petition to a body outside the system (chuyển đơn ra ngoài)."""
    texts = _closing_texts(case, "forward", reason=reason, forwarded_to=body)
    return _close_at_reception(case, "forward", "forwarded", actor, now, today,
                               texts["reason"], decided_on,
                               {"forwarded_to": texts["forwarded_to"]})


ACCEPT_FACTS_COMPLAINT_ONLY = N_("Chỉ đơn khiếu nại có thời hạn giải quyết riêng cho vụ việc "
                                 "phức tạp hoặc ở vùng sâu, vùng xa.")


def accept(case: Case, actor, now, today, decided_on=None, is_complex: bool | None = None,
           is_remote: bool | None = None) -> Case:
    """Accept the case for resolution (thụ lý): the resolution clock starts.

    `is_complex`, `is_remote` (None: as logged): the resolver's finding, for a complaint,
    that the matter is complex or in a remote area, which picks its resolution period (Law
    on Complaints Art. 28, 37). Logged at intake only, they could not be set by the agency
    that resolves it (QA round 77)."""
    hold(case)
    new_status = _transition(case, "accept", actor)
    facts = {name: value for name, value in (("is_complex", is_complex),
                                             ("is_remote", is_remote))
             if value is not None and value != getattr(case, name)}
    if facts and case.kind != "complaint":
        raise ValidationFailed({name: ACCEPT_FACTS_COMPLAINT_ONLY for name in facts})
    if case.agency_id is not None and case.agency_id == first_round_holder(case):
        # Sent there before this check existed: the law gives the second round above it.
        raise NotAllowed(N_(SECOND_ROUND_NOT_FIRST, agency=Named(case.agency.name,
                                                                 case.agency.name_en)))
    if anonymous_denunciation(case):
        # QA round 57: an anonymous letter was accepted, concluded and counted by 04/GQTC
        # as a denunciation resolved.
        raise NotAllowed(ANONYMOUS_DENUNCIATION)
    on = _decision_date(decided_on, today, case, "accept")
    case.status, case.accepted_on = new_status, on
    for name, value in facts.items():  # before the deadline: they pick its variant
        setattr(case, name, value)
    if "is_complex" in facts:  # found complex now, or not complex after all
        case.complex_on = on if facts["is_complex"] else None
    deadlines.meet(case, "acceptance", on)
    deadlines.set_deadline(case, "resolution", on)
    # Extensions are allowed per resolution deadline: an earlier agency's (dropped on the
    # transfer, return or lead designation) do not count against this one.
    case.extension_count = 0
    _finish(case, "accepted", actor, now, {"on": on, **facts}, met="acceptance")
    return case


def check_refusal_ground(case: Case, ground: str | None) -> None:
    """A ground cited must be one of the law's for the case's kind (or "other")."""
    if ground is not None and ground not in refusal_grounds(case.kind):
        raise ValidationFailed({"ground": N_("Chọn căn cứ không thụ lý.")})


def refuse(case: Case, reason: str, actor, now, today, decided_on=None,
           ground: str | None = None) -> Case:
    """Refuse to accept with written reasons (không thụ lý), citing the law's ground
    (catalog.REFUSAL_GROUNDS_BY_KIND; the API may leave it out)."""
    hold(case)
    reason = check_reason("refuse", reason, case)
    check_refusal_ground(case, ground)
    new_status = _transition(case, "refuse", actor)
    on = _decision_date(decided_on, today, case, "refuse")
    case.status = new_status
    deadlines.meet(case, "acceptance", on)
    _finish(case, "refused", actor, now, {"reason": reason, "on": on,
                                          **({"refusal_ground": ground} if ground else {})},
            met="acceptance")
    return case


def assign(case: Case, officer_username: str, actor, now) -> Case:
    """Assign the case to an officer of the agency."""
    hold(case)
    _transition(case, "assign", actor)
    officer = db.session.scalar(select(User).where(User.username == (officer_username or "")))
    if (officer is None or officer.agency_id != case.agency_id
            or officer.role not in ("agency_officer", "agency_head") or not officer.active):
        raise ValidationFailed({"officer": N_("Chọn cán bộ của cơ quan.")})
    if case.officer_id == officer.id:  # sent again: nothing changes, nothing to record
        return case
    case.officer_id = officer.id
    case.officer = officer
    _finish(case, "assigned", actor, now, {"officer": officer.username})
    return case


def check_extend(case: Case, days: int, reason: str, actor, today, decided_on=None,
                 complexity: str | None = None) -> tuple[str, date]:
    """Refuse an extension of the resolution deadline as `extend` would, changing nothing
    (the page confirms first); return the reason and the decision's date."""
    reason = _trail_reason(case, reason, N_("Nêu lý do gia hạn."))
    _transition(case, "extend", actor)
    if complexity:
        if case.kind != "denunciation" or complexity not in deadlines.DECLARED_VARIANTS:
            raise ValidationFailed({"complexity": N_(
                "Chỉ tố cáo được xác định phức tạp hoặc đặc biệt phức tạp khi gia hạn.")})
    row = case.deadline("resolution")
    # The rule as the declaration would make it, checked before declaring: a refused
    # extension declared the complexity, moved the due date and audited it (QA round 62).
    rule, _ = deadlines.policy_for(case, "resolution", row.start_on, variant=complexity)
    if rule.max_extensions == 0:
        if case.kind == "denunciation":  # opened by declaring it (very) complex
            raise ValidationFailed({"complexity": N_(
                "Chỉ gia hạn giải quyết tố cáo khi vụ việc phức tạp hoặc đặc biệt phức tạp "
                "(%(source)s).", source=rule.source)})
        raise ValidationFailed({"days": N_(
            "Thời hạn giải quyết của hồ sơ này không được gia hạn (%(source)s).",
            source=rule.source)})
    on = _decision_date(decided_on, today, case, "extend")
    message = policies.extension_error(rule, case.extension_count, days)
    if message:
        raise ValidationFailed({"days": message})
    if _repeats_last_extension(case, "resolution", days, reason, on):
        raise NotAllowed(EXTENSION_RECORDED)
    return reason, on


def extend(case: Case, days: int, reason: str, actor, now, today, decided_on=None,
           complexity: str | None = None) -> Case:
    """Extend the resolution deadline within the policy's legal limit (gia hạn).

    `complexity` ("complex" / "very_complex"): a denunciation declared so by the same
    decision, which is what opens its extensions (Law on Denunciations Art. 30).
    """
    hold(case)
    reason, on = check_extend(case, days, reason, actor, today, decided_on=decided_on,
                              complexity=complexity)
    if complexity:
        deadlines.set_complexity(case, complexity, actor, now, on=on)
    row = case.deadline("resolution")
    case.extension_count += 1
    before = row.due_on
    deadlines.set_deadline(case, "resolution", row.start_on, row.extended_days + days)
    _finish(case, "extended", actor, now, {"days": days, "reason": reason, "on": on,
                                           "from": before, "to": row.due_on})
    # Entered after the sweep flagged the case overdue: the new due date takes it back.
    escalation.lapse_overtaken(case, now, today)
    return case


NOT_DECLARABLE = N_("Chỉ khiếu nại đang giải quyết theo thời hạn thông thường mới được xác "
                    "định là vụ việc phức tạp ở đây (tố cáo: khi gia hạn).")


def check_declare_complex(case: Case, reason: str, actor, today,
                          decided_on=None) -> tuple[str, str, date]:
    """Refuse declaring a complaint complex as `declare_complex` would, changing nothing
    (the page confirms first); return the reason, the variant it takes and the date."""
    reason = _trail_reason(case, reason, N_("Nêu lý do xác định vụ việc phức tạp."))
    _transition(case, "declare_complex", actor)
    variant = deadlines.longer_variant(case)
    if variant is None:
        raise NotAllowed(NOT_DECLARABLE)
    return reason, variant, _decision_date(decided_on, today, case, "declare_complex")


def declare_complex(case: Case, reason: str, actor, now, today, decided_on=None) -> Case:
    """A complaint found complex after its acceptance (a mass petition joined later, more
    to verify) takes the longer resolution period from its acceptance: 45 days instead of
    30, 60 instead of 45 in a remote area, or for a second complaint as its policy says
    (Law on Complaints Art. 28, 37), by the head's decision signed within the first."""
    hold(case)
    reason, variant, on = check_declare_complex(case, reason, actor, today,
                                                decided_on=decided_on)
    deadlines.set_complexity(case, variant, actor, now, on=on, reason=reason)
    # Entered after the sweep flagged the case overdue: the longer period takes it back.
    escalation.lapse_overtaken(case, now, today)
    return case


def check_extend_handling(case: Case, days: int, reason: str, actor,
                          today: date, decided_on=None) -> tuple[str, date]:
    """Refuse a handling extension as `extend_handling` would, changing nothing (the page
    confirms first); return the reason and the decision's date."""
    # QA round 52: the timeline shows it to the agency the case is routed to, whose staff
    # may not know who denounced (as corrections' reasons).
    reason = _trail_reason(case, reason, N_("Nêu lý do gia hạn."))
    _transition(case, "extend_handling", actor)
    row = case.deadline("handling")
    if row is None or row.met_on is not None:
        raise ValidationFailed({"days": N_("Hồ sơ không có thời hạn xử lý đơn đang chạy.")})
    rule, _ = deadlines.policy_for(case, "handling", row.start_on)
    if not rule.max_extensions or not rule.extension_days:
        raise ValidationFailed({"days": N_(
            "Thời hạn xử lý đơn của hồ sơ này không được gia hạn (%(source)s).",
            source=rule.source)})
    on = _decision_date(decided_on, today, case, "extend_handling")
    message = policies.extension_error(rule, deadlines.handling_extensions(case), days)
    if message:
        raise ValidationFailed({"days": message})
    if _repeats_last_extension(case, "handling", days, reason, on):
        raise NotAllowed(EXTENSION_RECORDED)
    return reason, on


def extend_handling(case: Case, days: int, reason: str, actor, now, today,
                    decided_on=None) -> Case:
    """Extend the handling deadline of a petition at the desk within the policy (gia hạn
    xử lý đơn): a denunciation needing checks at several places, 7 working days up to 10
    (Law on Denunciations Art. 24(1))."""
    hold(case)
    reason, on = check_extend_handling(case, days, reason, actor, today,
                                       decided_on=decided_on)
    row = case.deadline("handling")
    before = row.due_on
    deadlines.set_deadline(case, "handling", row.start_on, row.extended_days + days)
    # The stage tells it from the agency's resolution extension (timelines, the count).
    _finish(case, "extended", actor, now, {"stage": "handling", "days": days,
                                           "reason": reason, "on": on, "from": before,
                                           "to": row.due_on})
    escalation.lapse_overtaken(case, now, today)
    return case


def check_return(case: Case, reason: str, suggested_agency_code: str, actor, today,
                 decided_on=None) -> tuple[str, Agency, str, date]:
    """Refuse a return as `return_case` would, changing nothing (the page confirms first);
    return the reason, the suggested agency, the new status and the decision's date."""
    # Whether it may be returned at all first: a head who lost a race to a colleague's
    # transfer hears that the case moved, not that its fields are wrong (QA round 24).
    new_status = _transition(case, "return", actor)
    if case.lead_agency_id is not None and case.lead_agency_id == case.agency_id:
        raise NotAllowed(N_("Cơ quan chủ trì đã được chỉ định không được trả lại đơn."))
    if not _desk_routes_again(case):
        # QA round 52: a petition raised at the agency's own reception session was logged
        # by no desk; returned, nobody could open or route it while its clock ran.
        raise NotAllowed(RETURN_TO_NO_DESK)
    errors: dict[str, str] = {}
    reason = _checked(errors, _trail_reason, case, reason, N_("Nêu lý do trả lại đơn."))
    suggested = _checked(errors, _agency, suggested_agency_code, "suggested_agency_code")
    if suggested is not None and suggested.id == case.agency_id:
        errors["suggested_agency_code"] = N_("Cơ quan đề xuất phải khác cơ quan đang giữ hồ "
                                             "sơ.")
    on = _checked(errors, _decision_date, decided_on, today, case, "return")
    if errors:
        raise ValidationFailed(errors)
    return reason, suggested, new_status, on


def _checked(errors: dict[str, str], check, *args):
    """Run one field's check; keep its refusal in `errors` and go on to the next field, so
    that a form is refused once with every bad field (ux.md; QA 113: one at a time)."""
    try:
        return check(*args)
    except ValidationFailed as exc:
        errors.update({k: v for k, v in exc.errors.items() if k not in errors})
        return None


def _desk_routes_again(case: Case) -> bool:
    """Would a returned case reach someone who may route it again: the agency that logged
    it, with reception staff (`route` is the logging desk's; can_act)?"""
    return case.reception_agency_id is not None and db.session.scalar(
        select(User.id).where(User.agency_id == case.reception_agency_id,
                              User.role == "reception", User.active.is_(True)).limit(1)
    ) is not None


def return_case(case: Case, reason: str, suggested_agency_code: str, actor, now, today,
                decided_on=None) -> Case:
    """Send the case back to reception as not within the agency's competence (trả đơn)."""
    hold(case)
    reason, suggested, new_status, on = check_return(case, reason, suggested_agency_code,
                                                     actor, today, decided_on=decided_on)
    # The trail names the agency the case leaves (the routings hold it too): the timeline
    # of a bounced case reads who sent it where (QA round 37).
    left = _agency_code(case.agency_id)
    stages = escalation.running_stages(case)
    _move(case, "return", actor, None, on, reason, suggested)
    deadlines.keep_acceptance(case, on)
    case.status, case.agency_id, case.officer_id = new_status, None, None
    # Back at the desk: no agency holds it, so none received or accepted it (the routings
    # and the stage spells keep those days; the API and the export showed them as current).
    case.routed_on, case.accepted_on = None, None
    case.agency = None
    # The routing is undone: the petitions wait for the desk's next decision, which is
    # what the reports count (the routings and the audit trail keep the history).
    for petition in case.petitions:
        if petition.handling_outcome == "routed":
            petition.handling_outcome, petition.handled_on = None, None
    deadlines.drop(case, "acceptance")
    deadlines.drop(case, "resolution")
    # A return restarts the handling clock at reception (domain.md).
    deadlines.set_deadline(case, "handling", on)
    _finish(case, "returned", actor, now, {"from": left, "reason": reason,
                                           "suggested": suggested.code, "on": on})
    escalation.lapse_left_in_time(case, stages, on, now)
    # The returning agency's overdue steps are no longer its to act on.
    escalation.supersede_ended(case, now, restarted=("handling", "acceptance", "resolution"))
    escalation.check_evasion(case, actor, now, today)
    return case


def check_transfer(case: Case, to_agency_code: str, reason: str, actor, today,
                   decided_on=None) -> tuple[str, Agency, str, date]:
    """Refuse a transfer as `transfer` would, changing nothing (the page confirms first);
    return the reason, the receiving agency, the new status and the decision's date."""
    # Whether it may be transferred at all first (see check_return; QA round 24).
    new_status = _transition(case, "transfer", actor)
    if case.lead_agency_id is not None and case.lead_agency_id == case.agency_id:
        raise NotAllowed(N_("Cơ quan chủ trì đã được chỉ định không được chuyển đơn."))
    errors: dict[str, str] = {}
    reason = _checked(errors, _trail_reason, case, reason, N_("Nêu lý do chuyển đơn."))
    to = _checked(errors, _agency, to_agency_code, "to_agency_code")
    if to is not None and to.id == case.agency_id:
        errors["to_agency_code"] = N_("Chọn cơ quan khác.")
    elif to is not None:
        _checked(errors, check_not_first_round_holder, case, to, "to_agency_code")
    on = _checked(errors, _decision_date, decided_on, today, case, "transfer")
    if errors:
        raise ValidationFailed(errors)
    return reason, to, new_status, on


def transfer(case: Case, to_agency_code: str, reason: str, actor, now, today,
             decided_on=None) -> Case:
    """Transfer the case directly to another agency (chuyển đơn); its clock restarts there."""
    hold(case)
    reason, to, new_status, on = check_transfer(case, to_agency_code, reason, actor, today,
                                                decided_on=decided_on)
    left = _agency_code(case.agency_id)
    stages = escalation.running_stages(case)
    _move(case, "transfer", actor, to, on, reason)
    deadlines.keep_acceptance(case, on)
    case.status, case.agency_id, case.officer_id, case.accepted_on = new_status, to.id, None, None
    case.routed_on = on  # the day the new holder received it, as a routing's
    case.agency = to
    deadlines.drop(case, "resolution")
    deadlines.set_deadline(case, "acceptance", on)
    _finish(case, "transferred", actor, now, {"from": left, "to": to.code, "reason": reason,
                                              "on": on})
    escalation.lapse_left_in_time(case, stages, on, now)
    # The old holder's overdue steps are no longer its to act on: the ladder restarts there.
    escalation.supersede_ended(case, now, restarted=("acceptance", "resolution"))
    escalation.check_evasion(case, actor, now, today)
    return case


def check_resolve(case: Case, outcome: str, decision_number: str, summary: str, actor, today,
                  decided_on=None, figures: dict | None = None) -> tuple[str, date, dict]:
    """Refuse a resolution as `resolve` would, changing nothing (the page confirms first);
    return the new status, the decision's date and the outcome figures cleaned."""
    new_status = _transition(case, "resolve", actor)
    allowed = OUTCOMES_BY_KIND[(case.kind, case.complaint_round)]
    errors = {}
    if outcome not in allowed:
        errors["outcome"] = N_("Kết quả không hợp lệ cho loại đơn này: %(allowed)s",
                               allowed=", ".join(allowed))
    # As every decision's text: nothing visible is nothing, control characters refused
    # (QA round 13: a zero-width decision number was recorded, and a resolution is final).
    _text_errors(errors, {
        "decision_number": (decision_number, N_("Nhập số quyết định / kết luận.")),
        "summary": (summary, N_("Nhập tóm tắt kết quả giải quyết."))})
    # The summary is on the case's page and in the API for every reader of the case, who
    # may not know who denounced (QA round 66): as every text of the trail.
    if "summary" not in errors and intake.reason_names_denouncer(case, summary):
        errors["summary"] = REASON_NAMES_DENOUNCER
    values, figure_errors = decisions.clean_figures(figures or {})
    errors.update(figure_errors)
    if errors:
        raise ValidationFailed(errors)
    return new_status, _decision_date(decided_on, today, case, "resolve"), values


def resolve(case: Case, outcome: str, decision_number: str, summary: str, actor, now, today,
            decided_on=None, figures: dict | None = None) -> Case:
    """Record the decision or conclusion and its outcome (giải quyết / kết luận)."""
    hold(case)
    new_status, on, values = check_resolve(case, outcome, decision_number, summary, actor,
                                           today, decided_on=decided_on, figures=figures)
    row = case.deadline("resolution")
    case.status, case.outcome, case.resolved_on = new_status, outcome, on
    case.decision_number, case.decision_on = decision_number.strip(), on
    case.resolution_summary = summary.strip()
    case.resolved_on_time = row is None or on <= row.due_on
    for name, value in values.items():
        setattr(case, name, value)
    deadlines.meet(case, "resolution", on)
    case.flag_overdue = False
    _finish(case, "resolved", actor, now, {"outcome": outcome, "decision": decision_number,
                                           "on": on, "on_time": case.resolved_on_time},
            met="resolution")
    return case


RESOLUTION_FIGURES = decisions.FIGURES


def check_close(case: Case, reason: str | None) -> str | None:
    """The closing reason, cleaned, or refused as close would refuse it (the page checks it
    before its confirmation step): optional, and checked as every text of the trail
    (intake.trail_text), a denouncer's name included: the case's officers and the
    supervising agency read the timeline and may not know who denounced (QA round 66)."""
    errors: dict[str, str] = {}
    text = intake.trail_text(reason, "reason", errors, case, None, too_long=N_(
        "Lý do quá dài (tối đa %(n)s ký tự).", n=REASON_MAX))
    if errors:
        raise ValidationFailed(errors)
    return text


def close(case: Case, actor, now, today, reason: str | None = None) -> Case:
    """Close a resolved case: nothing more is owed (kết thúc). `reason`: why (the decision
    enforced, the time to complain again passed…), kept in the audit event; the pages ask
    for it (ux.md: an irreversible act asks why), the API takes it when given."""
    hold(case)
    reason = check_close(case, reason)
    case.status = _transition(case, "close", actor)
    case.closed_on = today
    _finish(case, "closed", actor, now, {"on": today, **({"reason": reason} if reason else {})})
    return case


def _signers(case: Case) -> list:
    return [signer for petition in case.petitions for signer in petition.signers]


def plan_withdrawal(case: Case, petitioner_ids: list[int] | None) -> withdrawal.Withdrawal:
    """Who a withdrawal naming `petitioner_ids` takes out and who remains; changes nothing."""
    try:
        return withdrawal.plan(_signers(case), petitioner_ids)
    except withdrawal.WithdrawalRefused as exc:
        raise ValidationFailed({"petitioner_ids": exc.message}) from None


def withdraw(case: Case, reason: str, actor, now, today, decided_on=None,
             petitioner_ids: list[int] | None = None) -> Case:
    """Record the withdrawal (rút đơn) of the petitioners named (without names: the only
    one who remains); the case ends, its clocks stopped, only when nobody remains."""
    # The matter before the case: the mass check below asks for it, and a request holding
    # it (an intake, another withdrawal) may be writing this case (QA round 80).
    escalation_patterns.lock_matters(escalation_patterns.matter_of(case))
    hold(case)
    reason = check_reason("withdraw", reason)
    new_status = _transition(case, "withdraw", actor)
    on = _decision_date(decided_on, today, case, "withdraw")
    decided = plan_withdrawal(case, petitioner_ids)
    for signer in _signers(case):
        if signer.petitioner_id in decided.withdrawing and signer.withdrawn_on is None:
            signer.withdrawn_on = on
    # Ids, not names: the audit trail is kept for good, and timelines mask the key.
    details = {"reason": reason, "on": on, "petitioners": list(decided.withdrawing)}
    if not decided.ends_case:  # the others go on: the case keeps its status and clocks
        db.session.flush()
        event = audit.record_case(case, "signers_withdrawn", actor, now, {
            "status": case.status, **details, "remaining": len(decided.remaining),
            **({"no_representative": True} if decided.no_representative_left else {})})
        # Told as a whole withdrawal is: the holding agency, and those who withdrew.
        withdrawal_notify.queue_withdrawal(case, decided, on, actor, now,
                                           f"{case.id}:{event.seq}")
        escalation.recheck_mass(case, now, on)  # fewer than five people may stand now
        return case
    resolution = case.deadline("resolution")
    if resolution is not None and resolution.met_on is None and case.suspended_on is not None:
        # Withdrawn while suspended: the clock stood still, so the due date moves by the days
        # suspended as a resumption would move it (QA round 26: 03/GQKN, 04/GQTC and the
        # scorecard counted such a withdrawal late against the old due date).
        resolution.due_on = deadlines.resumed_due(case, resolution, case.suspended_on, on)
        resolution.rule += dl.suspension_note(case.suspended_on, on, resolution.due_on)
        case.suspended_on = None
    stages = escalation.running_stages(case)
    for row in case.deadlines:
        if row.met_on is None:
            row.met_on = on
    # A petition still waiting for the desk's decision ends here: otherwise the reports
    # would carry it over as pending in every later period.
    for petition in case.petitions:
        if petition.handling_outcome is None:
            petition.handling_outcome, petition.handled_on = "withdrawn", on
    case.status, case.closed_on = new_status, on
    event = _finish(case, "withdrawn", actor, now, details, left=(stages, on))
    withdrawal_notify.queue_withdrawal(case, decided, on, actor, now, f"{case.id}:{event.seq}")
    escalation.recheck_mass(case, now, on)
    return case


def check_close_at_desk(case: Case, action: str, actor, today, decided_on=None,
                        reason: str | None = None, forwarded_to: str | None = None,
                        note: str | None = None) -> date:
    """Refuse guiding, forwarding or filing away as the action would, changing nothing:
    the page confirms these first, and must not ask to confirm what it would refuse."""
    if action == "guide":
        _check_guided_once(case)
    _closing_texts(case, action, reason=reason, forwarded_to=forwarded_to, note=note)
    return check_decision(case, action, actor, today, decided_on=decided_on)


def check_decision(case: Case, action: str, actor, today, decided_on=None) -> date:
    """Refuse an action's decision date as the action would (not allowed, in the future,
    before the receipt, the arrival or the step it follows), changing nothing: the page
    checks it before asking for confirmation. Return the decision's date."""
    _transition(case, action, actor)
    return _decision_date(decided_on, today, case, action)


def check_suspend(case: Case, reason: str, actor, today,
                  decided_on=None) -> tuple[str, str, date]:
    """Refuse a suspension as `suspend` would, changing nothing (the page confirms first);
    return the reason, the new status and the decision's date."""
    reason = _trail_reason(case, reason, N_("Nêu lý do tạm đình chỉ."))
    new_status = _transition(case, "suspend", actor)
    return reason, new_status, _decision_date(decided_on, today, case, "suspend")


def suspend(case: Case, reason: str, actor, now, today, decided_on=None) -> Case:
    """Pause the resolution clock (tạm đình chỉ)."""
    hold(case)
    reason, case.status, case.suspended_on = check_suspend(case, reason, actor, today,
                                                           decided_on=decided_on)
    _finish(case, "suspended", actor, now, {"reason": reason, "on": case.suspended_on})
    # Signed before the due date, entered after the sweep flagged the case: the steps
    # raised for days after the clock stopped were never due.
    escalation.lapse_stopped_in_time(case, case.suspended_on, now)
    return case


def resume(case: Case, actor, now, today, decided_on=None) -> Case:
    """Resume the clock from the decision to continue; the remaining time runs again."""
    hold(case)
    status = _transition(case, "resume", actor)
    on = _decision_date(decided_on, today, case, "resume")
    case.status = status
    row = case.deadline("resolution")
    if row is not None and case.suspended_on is not None:
        row.due_on = deadlines.resumed_due(case, row, case.suspended_on, on)
        row.rule += dl.suspension_note(case.suspended_on, on, row.due_on)
    case.suspended_on = None
    _finish(case, "resumed", actor, now, {"on": on, "due_on": row.due_on if row else None})
    # A suspension entered after the sweep flagged the case overdue gives its time back.
    escalation.lapse_overtaken(case, now, today)
    return case


def move_to_lead(case: Case, lead: Agency, actor: User | None, today: date,
                 note: str | None, now: datetime) -> None:
    """Make `lead` the binding lead agency and send the case there (checks are the caller's).

    The lead may no longer return or transfer the case (see return_case/transfer).
    """
    hold(case)
    # The holder named lead keeps the case as it is: nothing moves, so a suspended case
    # (its clock paused, still open) may be bound to its holder too (QA round 37).
    keeps = case.agency_id == lead.id and case.status in (
        states.ROUTED, states.ACCEPTED, states.SUSPENDED)
    new_status = case.status if keeps else states.next_status(case.status, "designate_lead")
    _move(case, "designate_lead", actor, lead, today, note)
    if not keeps:
        deadlines.keep_acceptance(case, today)
        case.status, case.agency_id, case.agency = new_status, lead.id, lead
        case.officer_id, case.accepted_on, case.routed_on = None, None, today
        for petition in case.petitions:  # sent to the lead: routed, as by the desk
            if petition.handling_outcome is None:
                petition.handling_outcome, petition.handled_on = "routed", today
        deadlines.meet(case, "handling", today)
        deadlines.drop(case, "resolution")
        deadlines.set_deadline(case, "acceptance", today)
        escalation.supersede_ended(case, now, restarted=("acceptance", "resolution"))
    case.lead_agency_id = lead.id
    deadlines.refresh_attention(case)


ACTIONS = {
    "route": route, "accept": accept, "refuse": refuse, "assign": assign, "extend": extend,
    "return": return_case, "transfer": transfer, "resolve": resolve, "close": close,
    "withdraw": withdraw, "suspend": suspend, "resume": resume, "file": file_away,
    "guide": guide, "forward": forward, "extend_handling": extend_handling,
    "declare_complex": declare_complex,
    "enforce": enforcement.enforce,
}
