"""Stage deadlines of cases: computed from the policy table by the one calendar service."""

from __future__ import annotations

import logging
from datetime import date, datetime

from sqlalchemy import select

from complaints.domain import deadlines as dl
from complaints.domain import states
from complaints.domain.policies import PolicyRule, select_policy
from complaints.extensions import db
from complaints.models import Case, CaseDeadline, DeadlinePolicy, EscalationStep
from complaints.services.calendar import get_calendar

logger = logging.getLogger(__name__)


def _rules() -> list[tuple[PolicyRule, int]]:
    rows = db.session.scalars(select(DeadlinePolicy))
    return [
        (
            PolicyRule(stage=r.stage, kind=r.kind, round=r.round or None, variant=r.variant,
                       days=r.days, unit=r.unit, extension_days=r.extension_days,
                       max_extensions=r.max_extensions, extension_unit=r.extension_unit,
                       effective_from=r.effective_from, source=r.source),
            r.id,
        )
        for r in rows
    ]


def variant_for(case: Case, stage: str) -> str:
    """Return the policy variant that applies to a case at a stage."""
    if stage == "handling":
        channels = {p.channel for p in case.petitions}
        return "reception_session" if "reception_session" in channels else "normal"
    if stage == "resolution":
        if case.is_remote and case.is_complex:
            return "remote_complex"
        if case.is_remote:
            return "remote"
        if case.is_complex:
            return "complex"
    return "normal"


def policy_for(case: Case, stage: str, on: date) -> tuple[PolicyRule, int]:
    """Return the policy rule (and its row id) in force on a date for the case's stage."""
    rules = _rules()
    round_ = case.complaint_round if case.kind == "complaint" else None
    rule = select_policy([r for r, _ in rules], stage, case.kind, round_,
                         variant_for(case, stage), on)
    if rule is None:
        raise LookupError(f"No deadline policy for {stage}/{case.kind} on {on}")
    policy_id = next(pid for r, pid in rules if r == rule)
    return rule, policy_id


def set_deadline(case: Case, stage: str, start_on: date, extended_days: int = 0) -> CaseDeadline:
    """Compute and store the stage's due date from `start_on` (replacing an earlier one)."""
    rule, policy_id = policy_for(case, stage, start_on)
    deadline = dl.compute_deadline(get_calendar(), stage, start_on, rule.days, rule.unit,
                                   rule.source, extended_days=extended_days)
    row = case.deadline(stage)
    if row is None:
        row = CaseDeadline(stage=stage)
        case.deadlines.append(row)
    row.start_on, row.due_on = deadline.start_on, deadline.due_on
    row.days, row.unit, row.extended_days = rule.days, rule.unit, extended_days
    row.policy_id, row.rule, row.met_on = policy_id, deadline.explain("vi"), None
    return row


def meet(case: Case, stage: str, on: date) -> None:
    """Mark a stage as completed on a date (its clock stops)."""
    row = case.deadline(stage)
    if row is not None and row.met_on is None:
        row.met_on = on


def drop(case: Case, stage: str) -> None:
    """Remove a stage's deadline that no longer runs (e.g. acceptance after a return)."""
    row = case.deadline(stage)
    if row is not None:
        case.deadlines.remove(row)


def active_deadline(case: Case) -> CaseDeadline | None:
    """Return the running (unmet) deadline, the earliest if several."""
    running = [d for d in case.deadlines if d.met_on is None]
    return min(running, key=lambda d: d.due_on) if running else None


def ladder() -> list[EscalationStep]:
    """Return the escalation steps in force, lowest level first."""
    steps = {}
    for step in db.session.scalars(select(EscalationStep).order_by(EscalationStep.effective_from)):
        steps[step.level] = step  # a later version of a level replaces the earlier one
    return [steps[level] for level in sorted(steps)]


def step_date(due_on: date, step: EscalationStep) -> date:
    """Return the date a ladder step is reached for a due date."""
    cal = get_calendar()
    if step.offset_days < 0:
        # "3 working days before": walk back until that many working days lie between.
        day, left = due_on, -step.offset_days
        while left > 0:
            day = date.fromordinal(day.toordinal() - 1)
            if cal.is_working_day(day):
                left -= 1
        return day
    if step.offset_days <= 1:
        return date.fromordinal(due_on.toordinal() + max(step.offset_days, 1))
    if step.unit == "working":
        return cal.add_working_days(due_on, step.offset_days)
    return date.fromordinal(due_on.toordinal() + step.offset_days)


def refresh_attention(case: Case, steps: list[EscalationStep] | None = None) -> None:
    """Set the date the escalation sweep next needs to look at this case."""
    if case.status in states.FINAL_STATUSES or case.status in (states.RESOLVED,
                                                               states.SUSPENDED):
        case.next_attention_on = None
        return
    current = active_deadline(case)
    if current is None:
        case.next_attention_on = None
        return
    steps = steps if steps is not None else ladder()
    upcoming = [step_date(current.due_on, s) for s in steps if s.level > case.escalation_level
                or (s.level == 0 and case.escalation_level == 0)]
    case.next_attention_on = min(upcoming) if upcoming else None


def recompute_open(now: datetime, actor=None) -> int:
    """Recompute the unmet deadlines of open cases after a calendar or policy change."""
    from complaints.services import audit

    changed = 0
    query = select(Case).where(Case.status.in_(states.OPEN_STATUSES))
    for case in db.session.scalars(query.execution_options(yield_per=500)):
        for row in list(case.deadlines):
            if row.met_on is not None:
                continue
            before = row.due_on
            set_deadline(case, row.stage, row.start_on, row.extended_days)
            if row.due_on != before:
                changed += 1
                audit.record_case(case, "deadline_recomputed", actor, now,
                                  {"stage": row.stage, "from": before, "to": row.due_on})
        refresh_attention(case)
    db.session.flush()
    return changed
