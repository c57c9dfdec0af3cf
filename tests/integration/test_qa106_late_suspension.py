"""QA 106: a suspension decided after the resolution due date stops no clock (QA 104 rule),
nor the escalation ladder, nor what a later letter reads of the earlier case (places that
treated any suspension as a stopped clock)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from complaints.domain import history
from complaints.extensions import db
from complaints.models import Case, Escalation
from complaints.services import intake, workflow
from complaints.services.escalation import escalate_due
from tests.conftest import NOW, TODAY
from tests.integration.agency_world import *  # noqa: F401,F403  (fixtures: world)
from tests.integration.agency_world import fresh

pytestmark = pytest.mark.usefixtures("fixed_clock")


def at(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, 2, tzinfo=timezone.utc)


def _accepted_recommendation(world, make_case):
    r, head = world["reception"], world["head"]
    case = make_case(actor=r, kind="recommendation", received_on=date(2026, 10, 1))
    workflow.route(case, "SO-TNMT", r, NOW, TODAY, decided_on=date(2026, 10, 2))
    workflow.accept(case, head, NOW, TODAY, decided_on=date(2026, 10, 5))
    assert case.deadline("resolution").due_on == date(2026, 10, 26)  # 15 working days
    db.session.commit()
    return case


def _standing_levels(case):
    return sorted(e.level for e in db.session.scalars(select(Escalation).where(
        Escalation.case_id == case.id, Escalation.lapsed_at.is_(None))))


def test_late_suspension_before_any_sweep_still_gets_the_overdue_step(world, make_case):
    """domain.md ladder: '1 overdue | the day after the due date | the agency head; the case
    is marked overdue'. Suspended late (27/10, due 26/10) before the sweep ran: the case is
    counted overdue everywhere, yet the sweep never raises any step for it (quiet: status
    suspended), so the head is never told and inspectors' summary puts it at level 0."""
    case = _accepted_recommendation(world, make_case)
    workflow.suspend(case, "Chờ giám định", world["head"], NOW, TODAY,
                     decided_on=date(2026, 10, 27))
    db.session.commit()
    assert fresh(case).next_attention_on is not None  # the sweep is to visit it
    escalate_due(date(2026, 11, 20), at(date(2026, 11, 20)))  # 19 working days late
    db.session.commit()
    levels = _standing_levels(case)
    assert levels and max(levels) >= 1, f"overdue case never escalated: {levels}"
    assert fresh(case).flag_overdue


def test_late_suspension_freezes_the_ladder_at_level_1(world, make_case):
    """'2 urged | 5 working days overdue | the head of the supervising agency', '3 inspection
    | 10 working days overdue'. A head suspending an already-late case stops the ladder
    at level 1 for as long as the suspension lasts: exactly the hiding QA 104 closed."""
    case = _accepted_recommendation(world, make_case)
    escalate_due(date(2026, 10, 27), at(date(2026, 10, 27)))  # level 1
    db.session.commit()
    assert max(_standing_levels(case)) == 1
    workflow.suspend(db.session.get(Case, case.id), "Chờ giám định", world["head"], NOW,
                     TODAY, decided_on=date(2026, 10, 28))
    db.session.commit()
    escalate_due(date(2026, 11, 20), at(date(2026, 11, 20)))  # 19 working days late
    db.session.commit()
    assert max(_standing_levels(case)) >= 2, _standing_levels(case)


def test_a_letter_after_a_late_suspension_of_a_denunciation_is_a_follow_up_for_delay(
        world, make_case):
    """intake.earlier_case treats any suspension dated by the letter's day as a stopped
    clock, so a letter received after a LATE suspension does not see the passed due date:
    history 'repeated' instead of 'follow_up_overdue' (counted in the denunciation report
    as tố cáo tiếp do quá hạn)."""
    r, head = world["reception"], world["head"]
    case = make_case(actor=r, kind="denunciation", received_on=date(2026, 10, 1))
    workflow.route(case, "SO-TNMT", r, NOW, TODAY, decided_on=date(2026, 10, 2))
    workflow.accept(case, head, NOW, TODAY, decided_on=date(2026, 10, 5))
    due = case.deadline("resolution").due_on
    assert due == date(2026, 11, 4)  # 30 calendar days
    workflow.suspend(case, "Chờ giám định", head, NOW, TODAY, decided_on=date(2026, 11, 16))
    db.session.commit()
    # Control: the same letter before the suspension (received 12/11) is follow-up overdue.
    early = intake.earlier_case(fresh(case), date(2026, 11, 12))
    assert early.due_on == due
    late = intake.earlier_case(fresh(case), date(2026, 11, 20))
    assert late.due_on == due, "a late suspension hid the passed due date from the letter"
    petition = intake.add_petition(fresh(case), intake.PetitionData(
        channel="walk_in", received_on=date(2026, 11, 20),
        petitioners=[intake.PetitionerData(full_name="Lê Văn Tố", id_number="031299991234",
                                           address="12 Lê Lợi, Hải Phòng")]),
        r, NOW, TODAY)
    assert petition.history == history.FOLLOW_UP_OVERDUE
