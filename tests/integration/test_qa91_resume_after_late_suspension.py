"""QA round 91, item 3: a suspension dated after the due date, then a resumption. Fixed: a
suspension lapses steps only of a stage it stopped by its due date."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Case, Escalation
from complaints.services import workflow
from complaints.services.escalation import escalate_due
from tests.integration.test_escalation_world import *  # noqa: F403  (fixtures: world, …)
from tests.integration.test_qa90_suspension_fixes import _accepted_across_tet, at


def standing_levels(case_id: int) -> list[int]:
    return sorted(e.level for e in db.session.scalars(
        select(Escalation).where(Escalation.case_id == case_id,
                                 Escalation.lapsed_at.is_(None))))


def test_resumption_after_a_late_suspension_does_not_skip_the_urged_step(world, make_case):
    """Due 22/02/2027, overdue 23/02 (level 1), urged 01/03 (2), inspection 08/03 (3).
    Suspended on 25/02 (after the due date), entered 10/03: levels 2 and 3 lapsed as
    'overtaken' (never due). Resumed 15/03: the due date is not revived (already overdue),
    so the very first sweep raised level 3 (the inspectorate) at once, level 2 (urged) was
    never raised again: the ladder skipped a rung and the scorecard lost the urged step."""
    case_id = _accepted_across_tet(world, make_case)
    entered = date(2027, 3, 10)
    workflow.suspend(db.session.get(Case, case_id), "Chờ kết quả giám định", world.head_a,
                     at(entered), entered, decided_on=date(2027, 2, 25))
    db.session.commit()
    assert standing_levels(case_id) == [0, 1, 2, 3]  # overdue already: nothing lapses
    resumed = date(2027, 3, 15)
    workflow.resume(db.session.get(Case, case_id), world.head_a, at(resumed), resumed,
                    decided_on=resumed)
    db.session.commit()
    day = resumed
    while day <= date(2027, 3, 25):
        escalate_due(day, at(day))
        db.session.commit()
        day += timedelta(days=1)
    levels = sorted(set(standing_levels(case_id)))
    # The ladder climbs one rung at a time: no level stands without the ones below it.
    assert levels == list(range(len(levels))), levels
