"""QA round 90: a suspension (tạm đình chỉ) signed before the due date but entered after the
sweep climbed the ladder leaves the overdue, urged and inspection escalations standing for
the whole suspension (until a resumption is entered). Fixed: the steps raised for days after
the clock stopped lapse when the suspension is entered."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Case, Escalation
from complaints.services import workflow
from complaints.services.escalation import escalate_due, remind_unacknowledged
from tests.integration.test_escalation_world import *  # noqa: F403  (fixtures: world, …)


def at(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, 2, tzinfo=timezone.utc)


def standing_overdue(case_id: int) -> list[tuple[int, date]]:
    return [(e.level, e.as_of) for e in db.session.scalars(
        select(Escalation).where(Escalation.case_id == case_id, Escalation.level >= 1,
                                 Escalation.lapsed_at.is_(None)).order_by(Escalation.id))]


def _accepted_across_tet(world, make_case) -> int:
    # A recommendation accepted Mon 25/01/2027: 15 working days across Tết (4–10/02/2027)
    # → due Mon 22/02/2027 (26,27,28,29/1, 1,2,3/2, 11,12,15,16,17,18,19,22/2).
    d0 = date(2027, 1, 25)
    case = make_case(actor=world.reception, kind="recommendation", received_on=d0,
                     now=at(d0), today=d0)
    workflow.route(case, "SO-A", world.reception, at(d0), d0, decided_on=d0)
    workflow.accept(case, world.head_a, at(d0), d0, decided_on=d0)
    db.session.commit()
    assert case.deadline("resolution").due_on == date(2027, 2, 22)
    # The scheduler sweeps every day: overdue 23/02, urged 01/03, inspection 08/03.
    day = d0
    while day <= date(2027, 3, 10):
        escalate_due(day, at(day))
        db.session.commit()
        day += timedelta(days=1)
    assert standing_overdue(case.id) == [(1, date(2027, 2, 23)), (2, date(2027, 3, 1)),
                                         (3, date(2027, 3, 8))]
    return case.id


ENTERED = date(2027, 3, 10)  # the day the clerk enters the suspension


def suspend_entered_late(world, case_id: int, signed: date) -> Case:
    """The suspension the head signed on `signed`, entered on ENTERED, committed."""
    workflow.suspend(db.session.get(Case, case_id), "Chờ kết quả giám định", world.head_a,
                     at(ENTERED), ENTERED, decided_on=signed)
    db.session.commit()
    return db.session.get(Case, case_id)


def test_a_suspension_dated_before_the_due_date_takes_back_the_overdue_steps(world,
                                                                           make_case):
    case_id = _accepted_across_tet(world, make_case)
    # The head signed the suspension on Wed 03/02/2027 (before Tết, 13 working days left),
    # but the clerk enters it only on 10/03/2027.
    case = suspend_entered_late(world, case_id, date(2027, 2, 3))
    assert case.status == "suspended" and not case.flag_overdue
    # The clock stopped on 03/02: the case was never overdue, so the steps raised on
    # 23/02, 01/03 and 08/03 must not stand (as for an extension or an acceptance dated in
    # time and entered late); they stand until some later resumption is entered.
    assert standing_overdue(case_id) == []
    assert case.escalation_level == 0


def test_no_daily_reminder_about_a_suspended_case_that_was_never_overdue(world, make_case):
    case_id = _accepted_across_tet(world, make_case)
    suspend_entered_late(world, case_id, date(2027, 2, 3))
    # The agency, the provincial leadership and the inspectorate are reminded every morning
    # of escalations on a case whose clock has been stopped since before its due date.
    queued = remind_unacknowledged(date(2027, 3, 11), at(date(2027, 3, 11)))
    assert queued <= 1  # at most the agency head, for the reminder raised on 17/02


def test_a_suspension_dated_after_the_due_date_lapses_nothing(world, make_case):
    """Overdue from 23/02, the clock stopped on 25/02: the due date stays on resumption
    (deadlines.resumed_due), so do the rungs, and every step raised stands (QA round 91:
    lapsing the later ones made the first sweep after the resumption skip a rung)."""
    case_id = _accepted_across_tet(world, make_case)
    case = suspend_entered_late(world, case_id, date(2027, 2, 25))
    assert standing_overdue(case_id) == [(1, date(2027, 2, 23)), (2, date(2027, 3, 1)),
                                         (3, date(2027, 3, 8))]
    # Suspended late, it stays overdue (QA 104: the clock had run out) and its ladder goes
    # on (QA 106).
    assert case.escalation_level == 3 and case.flag_overdue


def test_a_suspension_dated_on_the_due_date_takes_back_the_steps(world, make_case):
    case_id = _accepted_across_tet(world, make_case)
    suspend_entered_late(world, case_id, date(2027, 2, 22))
    assert standing_overdue(case_id) == []
    assert db.session.get(Case, case_id).escalation_level == 0
