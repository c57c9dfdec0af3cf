"""Record the enforcement of a resolved case's decision (thi hành quyết định giải quyết
khiếu nại, kết luận nội dung tố cáo): what 05/KQTH counts.

The head of the agency that decided records, once the decision has been enforced, the date
and what was actually done: money and land recovered for the State or returned to
organisations and individuals, people disciplined (of whom officials), cases and people
prosecuted. A later correction changes the record in place; every change is an audit event
of the case ("enforcement_recorded"). The rules are in domain/enforcement.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from complaints.domain import enforcement as rules
from complaints.domain.messages import N_
from complaints.extensions import db
from complaints.models import Case, Enforcement, User
from complaints.services import audit, intake
from complaints.services.errors import ValidationFailed

ACTION = "enforce"
EVENT = "enforcement_recorded"
NOTE_MAX = 2000


def ordered(case: Case) -> dict[str, Any]:
    """What the case's decision ordered (its outcome figures, Case columns)."""
    return {name: getattr(case, name)
            for name in (*rules.ORDERS, "sent_to_investigation")}


def annulled(case: Case) -> bool:
    """Has a second-round decision annulled or amended this case's (first) decision?"""
    if case.id is None or case.complaint_round != 1:
        return False
    return db.session.scalar(select(Case.id).where(
        Case.parent_case_id == case.id, Case.complaint_round == 2,
        Case.outcome == rules.ANNULLING, Case.decision_on.is_not(None)).limit(1)) is not None


def has_something_to_enforce(case: Case) -> bool:
    """Is the case's decision one to enforce (domain.enforcement.to_enforce), still standing
    (not annulled in the second round: QA round 39)?"""
    return (case.decision_on is not None and rules.to_enforce(case.kind, ordered(case))
            and not annulled(case))


@dataclass(frozen=True)
class EnforcementState:
    """A decided case's enforcement as its pages and the API show it."""

    due: bool  # the decision orders something and stands (has_something_to_enforce)
    record: Enforcement | None  # what enforcing it did, once recorded


def state_of(case: Case) -> EnforcementState | None:
    """The case's enforcement, or None when there is nothing to say: no decision, or one
    that orders nothing and was never recorded as enforced."""
    if case.decision_on is None:
        return None
    due, record = has_something_to_enforce(case), record_of(case)
    return EnforcementState(due, record) if due or record is not None else None


def record_of(case: Case) -> Enforcement | None:
    """The case's enforcement record, if one was made."""
    if case.id is None:
        return None
    return db.session.scalar(select(Enforcement).where(Enforcement.case_id == case.id))


def check_enforce(case: Case, enforced_on: date | None, figures: Mapping[str, Any],
                  note: str | None, actor: User | None, today: date
                  ) -> tuple[date, dict[str, Any], str | None]:
    """Refuse an enforcement record as `enforce` would, changing nothing (the page confirms
    first); return its date, its figures cleaned and its note."""
    from complaints.services import workflow  # workflow lists this action among its own

    workflow._transition(case, ACTION, actor)  # the head of the deciding agency; resolved
    if not has_something_to_enforce(case):
        raise ValidationFailed({"case": N_(
            "Quyết định / kết luận của hồ sơ này không có nội dung phải thi hành.")})
    errors: dict[str, str] = {}
    message = rules.date_error(enforced_on, case.decision_on, today)
    if message:
        errors["enforced_on"] = message
    values, figure_errors = rules.clean(figures, ordered(case))
    errors.update(figure_errors)
    # The note is in the trail and the API's case answer, read by people who may not know
    # who denounced (QA round 48).
    note = intake.trail_text(note, "note", errors, case, None,
                             N_("Tối đa %(max)s ký tự.", max=NOTE_MAX), limit=NOTE_MAX)
    if errors:
        raise ValidationFailed(errors)
    return enforced_on, values, note


def enforce(case: Case, enforced_on: date | None, figures: Mapping[str, Any],
            note: str | None, actor: User | None, now: datetime, today: date) -> Case:
    """Record (or correct) what enforcing the case's decision actually did (thi hành)."""
    from complaints.services import workflow

    workflow.hold(case)
    on, values, note = check_enforce(case, enforced_on, figures, note, actor, today)
    row = record_of(case)
    new = {"enforced_on": on, **values, "note": note}
    if row is None:
        row = Enforcement(case_id=case.id, created_at=now)
        db.session.add(row)
    elif all(getattr(row, name) == value for name, value in new.items()):
        return case  # nothing changed: no event
    corrected = row.id is not None
    for name, value in new.items():
        setattr(row, name, value)
    row.recorded_by_id = actor.id if actor else None
    row.updated_at = now
    db.session.flush()
    audit.record_case(case, EVENT, actor, now, {
        "status": case.status, "on": on, **values,
        **({"note": note} if note else {}), **({"corrected": True} if corrected else {})})
    return case
