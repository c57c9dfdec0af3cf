"""Unscheduled reception (tiếp công dân đột xuất): mark a case heated, list the prompts.

The rule — which cases call for the leader to receive citizens unscheduled and when that
is done — is domain.reception; this module gathers its facts from the database: the mass
flag's date (the day the mass escalation was raised), the heated mark, the day the case
was found complex, and the unscheduled sessions linked to the case or to a case of its
cluster.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select, union_all

from complaints.domain import reception as rules
from complaints.domain.messages import N_
from complaints.domain.states import FINAL_STATUSES
from complaints.extensions import db
from complaints.models import Case, Escalation, Petition, ReceptionSession, User
from complaints.permissions import can_mark_heated
from complaints.services import audit, intake
from complaints.services.errors import NotAllowed, ValidationFailed

logger = logging.getLogger(__name__)


@dataclass
class Prompt:
    case: Case
    reasons: list[str]  # "mass", "heated", "complex"
    since: date  # the trigger day


def mark_heated(case: Case, note: str, actor: User, now: datetime, today: date) -> Case:
    """Mark a case heated (gay gắt) so its agency's head is prompted to receive, audited."""
    if not can_mark_heated(actor, case):
        raise NotAllowed(N_("Chỉ bộ phận tiếp nhận hoặc thủ trưởng cơ quan giải quyết được "
                            "đánh dấu vụ việc gay gắt."))
    if case.status in FINAL_STATUSES:
        raise ValidationFailed({"note": N_("Hồ sơ đã kết thúc.")})
    # Kept in the case's timeline, read by its officers and the supervising agency, who may
    # not know who denounced: checked as every text of the trail (QA round 66).
    note = intake.checked_trail_text(note, "note", case,
                                     N_("Nêu tình hình, lý do vụ việc gay gắt."))
    case.heated_on = today
    audit.record_case(case, "marked_heated", actor, now, {"on": today, "note": note})
    return case


def _candidates(user: User | None, case_ids: list[int] | None = None):
    """Open mass, heated or complex cases, scoped to the user's agency (holder) unless
    inspector."""
    query = select(Case.id, Case.status, Case.heated_on, Case.flag_mass, Case.cluster_id,
                   Case.received_on, Case.complex_on,
                   func.coalesce(Case.agency_id, Case.reception_agency_id).label("holder")
                   ).where(
        Case.status.notin_(tuple(FINAL_STATUSES)),
        or_(Case.flag_mass.is_(True), Case.heated_on.is_not(None),
            Case.complex_on.is_not(None)))
    if case_ids is not None:
        query = query.where(Case.id.in_(case_ids))
    if user is not None and user.role not in ("inspector", "admin"):
        query = query.where(func.coalesce(Case.agency_id, Case.reception_agency_id)
                            == user.agency_id)
    return db.session.execute(query.order_by(Case.received_on, Case.id)).all()


def _facts(rows) -> list[rules.PromptFacts]:
    mass_ids = [r.id for r in rows if r.flag_mass]
    mass_on: dict[int, date] = {}
    for start in range(0, len(mass_ids), 500):
        mass_on.update(db.session.execute(
            select(Escalation.case_id, func.min(Escalation.as_of))
            .where(Escalation.case_id.in_(mass_ids[start:start + 500]),
                   Escalation.reason == rules.MASS,
                   Escalation.lapsed_at.is_(None))  # mass again after withdrawals: anew
            .group_by(Escalation.case_id)).all())
    return [rules.PromptFacts(
        case_id=r.id, status=r.status, heated_on=r.heated_on,
        # A mass flag set without its escalation (bulk loads): from the day received.
        mass_on=(mass_on.get(r.id, r.received_on) if r.flag_mass else None),
        cluster_id=r.cluster_id, agency_id=r.holder, complex_on=r.complex_on) for r in rows]


def _sessions(facts: list[rules.PromptFacts]) -> list[rules.HeldSession]:
    """The unscheduled sessions about these cases or their clusters: those linked to a case,
    and those a case's letters were raised or joined at (QA 94: a complex matter raised at
    the head's own unscheduled reception was prompted for another one at once)."""
    ids = [f.case_id for f in facts]
    clusters = sorted({f.cluster_id for f in facts if f.cluster_id is not None})
    if not ids:
        return []
    columns = (ReceptionSession.held_on, ReceptionSession.kind, ReceptionSession.scheduled,
               ReceptionSession.agency_id, ReceptionSession.turns, ReceptionSession.people,
               Case.cluster_id)
    linked = (select(*columns, ReceptionSession.case_id.label("case_id"))
              .join(Case, Case.id == ReceptionSession.case_id))
    raised = (select(*columns, Petition.case_id.label("case_id"))
              .select_from(ReceptionSession)
              .join(Petition, Petition.reception_session_id == ReceptionSession.id)
              .join(Case, Case.id == Petition.case_id))
    parts = []
    for case_id, query in ((ReceptionSession.case_id, linked), (Petition.case_id, raised)):
        about = [case_id.in_(ids), *([Case.cluster_id.in_(clusters)] if clusters else [])]
        parts.append(query.where(ReceptionSession.scheduled.is_(False), or_(*about)))
    held = db.session.execute(union_all(*parts)).all()  # one round trip, as before QA 94
    return [rules.HeldSession(r.held_on, r.kind, r.scheduled, r.case_id, r.cluster_id,
                              agency_id=r.agency_id, turns=r.turns or 0,
                              people=r.people or 0)
            for r in held]


def _due(rows) -> list[rules.PromptFacts]:
    facts = _facts(rows)
    held = _sessions(facts)
    return [f for f in facts if rules.needs_unscheduled_reception(f, held)]


def prompts(user: User, page: int = 1, per_page: int = 25) -> tuple[list[Prompt], int]:
    """The cases whose agency head must hold an unscheduled reception; one page and total."""
    due = _due(_candidates(user))
    chosen = due[(page - 1) * per_page: page * per_page]
    cases = {c.id: c for c in db.session.scalars(
        select(Case).where(Case.id.in_([f.case_id for f in chosen])))}
    return [Prompt(cases[f.case_id], rules.reasons(f), rules.triggered_on(f))
            for f in chosen], len(due)


def prompt_for(case: Case) -> Prompt | None:
    """The prompt on one case's page, or None when no unscheduled reception is due."""
    if case.id is None or not (case.flag_mass or case.heated_on or case.complex_on):
        return None
    due = _due(_candidates(None, [case.id]))
    if not due:
        return None
    return Prompt(case, rules.reasons(due[0]), rules.triggered_on(due[0]))
