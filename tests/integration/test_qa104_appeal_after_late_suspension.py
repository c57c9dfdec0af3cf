"""QA 104 D1: a first-round complaint suspended only after its resolution deadline passed
keeps the citizen's second round.

domain.md: a complaint goes to a second round "after a first decision or after the first
deadline passed unanswered"; "Suspension stops the clock" -- a clock that had already run
out has nothing to stop (states.clock_stopped). Before the fix the late suspension took the
second round away (online offer withdrawn, "not late" said, the desk refused the link)."""
from __future__ import annotations

from datetime import date

import pytest

from complaints.extensions import db
from complaints.models import User
from complaints.services import public, workflow
from complaints.services.errors import ValidationFailed
from tests.conftest import NOW, TODAY

ACCEPTED = date(2026, 10, 9)      # 30 calendar days -> 08/11 (Sun) -> due Mon 09/11/2026
SUSPENDED = date(2026, 11, 16)    # a week after the deadline had passed unanswered


@pytest.fixture
def late_suspended(make_agency, make_user, make_case):
    city = make_agency("UBND-HP", level="province")
    so = make_agency("SO-TNMT", parent=city)
    head = make_user("agency_head", agency=so)
    first = make_case(received_on=date(2026, 10, 1))
    workflow.route(first, so.code, None, NOW, TODAY, decided_on=date(2026, 10, 2))
    workflow.accept(first, head, NOW, TODAY, decided_on=ACCEPTED)
    assert first.deadline("resolution").due_on == date(2026, 11, 9)
    workflow.suspend(first, "Chờ kết quả giám định", head, NOW, TODAY, decided_on=SUSPENDED)
    db.session.commit()
    return first


def test_the_online_second_round_stays_open_when_the_suspension_came_after_the_deadline(
        late_suspended):
    window = public.appeal_window(late_suspended)
    assert window is not None, "right to a second complaint lost by a late suspension"
    assert window.ground == public.UNANSWERED and window.first_due == date(2026, 11, 9)
    assert public.second_complaint_offered(late_suspended, TODAY) is not None


def test_the_desk_may_link_a_second_complaint_received_between_deadline_and_suspension(
        late_suspended, make_case):
    # Received 12/11, after the due date 09/11 and before the suspension of 16/11.
    try:
        second = make_case(actor=db.session.get(User, late_suspended.created_by_id),
                           complaint_round=2, parent_tracking_code=late_suspended.tracking_code,
                           received_on=date(2026, 11, 12))
    except ValidationFailed as refused:
        pytest.fail(f"second complaint refused: {refused.errors}")
    assert second.parent_case_id == late_suspended.id
