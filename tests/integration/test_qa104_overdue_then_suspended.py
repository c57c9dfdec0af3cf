"""QA 104 D2: a case already late when it is suspended stays late.

domain.md: "A deadline ends at the end of its due date: a case is overdue from the next day
on"; "Suspension stops the clock" -- a clock that had run out has nothing left to stop, and
resuming does not revive the missed date (deadlines.resume_due). Before the fix the case
dropped out of every overdue count, list and filter while suspended, its overdue flag was
cleared and its days left read "stopped": a head could hide a late case by suspending it."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Case, Escalation
from complaints.services import case_view, open311, public, workflow
from complaints.services.escalation import escalate_due
from tests.conftest import NOW, TODAY
from tests.integration.agency_world import *  # noqa: F401,F403  (fixtures: world)

pytestmark = pytest.mark.usefixtures("fixed_clock")


def at(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, 2, tzinfo=timezone.utc)


@pytest.fixture
def late_then_suspended(world, make_case):
    r, head = world["reception"], world["head"]
    case = make_case(actor=r, kind="recommendation", received_on=date(2026, 10, 1))
    workflow.route(case, "SO-TNMT", r, NOW, TODAY, decided_on=date(2026, 10, 2))
    workflow.accept(case, head, NOW, TODAY, decided_on=date(2026, 10, 5))
    due = case.deadline("resolution").due_on  # 15 working days -> 26/10/2026
    assert due == date(2026, 10, 26)
    db.session.commit()
    escalate_due(date(2026, 11, 10), at(date(2026, 11, 10)))  # 11 working days late
    db.session.commit()
    workflow.suspend(db.session.get(Case, case.id), "Chờ giám định", head, NOW, TODAY,
                     decided_on=date(2026, 11, 20))
    db.session.commit()
    return db.session.get(Case, case.id)


def test_escalations_stand_so_the_case_is_still_overdue(late_then_suspended):
    case = late_then_suspended
    standing = [e.level for e in db.session.scalars(select(Escalation).where(
        Escalation.case_id == case.id, Escalation.lapsed_at.is_(None)))]
    assert max(standing) >= 1  # the app keeps the overdue steps ...
    assert case.flag_overdue, "... but clears the overdue flag"


def test_the_heads_overdue_count_and_the_api_keep_it(late_then_suspended, world, api):
    case = late_then_suspended
    counts = case_view.agency_counts(world["head"], TODAY)
    assert counts["overdue"] == 1, counts
    listed = api(world["head"], "GET", "/cases?overdue=true").get_json()
    assert [c["tracking_code"] for c in listed["items"]] == [case.tracking_code]
    detail = api(world["head"], "GET", f"/cases/{case.tracking_code}").get_json()
    resolution = next(d for d in detail["deadlines"] if d["stage"] == "resolution")
    assert resolution["days_left"] is not None and resolution["days_left"] < 0


def test_the_pages_say_late_not_paused(late_then_suspended, world, client, login):
    case = late_then_suspended
    login(world["head"])
    page = client.get(f"/agency/cases/{case.tracking_code}").get_data(as_text=True)
    assert 'data-testid="deadline-suspended"' not in page and "Quá hạn" in page
    exported = client.get("/agency/cases?status=suspended&export=csv").get_data(as_text=True)
    assert "dừng tính hạn" not in exported and "26/10/2026" in exported
    assert open311.request_view(case)["expected_datetime"].startswith("2026-10-26T23:59:59")
    record = public.public_record(case, TODAY)
    assert record.late_suspension
    resolution = next(d for d in record.deadlines if d.stage == "resolution")
    assert resolution.days_left is not None and resolution.days_left < 0


def test_a_suspension_in_time_still_stops_the_clock(world, make_case):
    r, head = world["reception"], world["head"]
    case = make_case(actor=r, kind="recommendation", received_on=date(2026, 10, 1))
    workflow.route(case, "SO-TNMT", r, NOW, TODAY, decided_on=date(2026, 10, 2))
    workflow.accept(case, head, NOW, TODAY, decided_on=date(2026, 10, 5))
    workflow.suspend(case, "Chờ giám định", head, NOW, TODAY, decided_on=date(2026, 10, 26))
    db.session.commit()  # suspended on its due date: in time
    assert case.clock_stopped and not case.flag_overdue
    assert case_view.agency_counts(head, TODAY)["overdue"] == 0
    assert not public.public_record(case, TODAY).late_suspension
    assert open311.request_view(case)["expected_datetime"] is None


def test_the_confirmation_says_a_late_suspension_stops_nothing(world, make_case, client,
                                                               login):
    r, head = world["reception"], world["head"]
    case = make_case(actor=r, kind="recommendation", received_on=date(2026, 10, 1))
    workflow.route(case, "SO-TNMT", r, NOW, TODAY, decided_on=date(2026, 10, 2))
    workflow.accept(case, head, NOW, TODAY, decided_on=date(2026, 10, 5))  # due 26/10
    db.session.commit()
    login(head)
    url = f"/agency/cases/{case.tracking_code}/suspend"
    late = client.post(url, data={"reason": "Chờ giám định", "decided_on": "2026-11-20"})
    assert 'data-testid="confirm-late"' in late.get_data(as_text=True)
    in_time = client.post(url, data={"reason": "Chờ giám định", "decided_on": "2026-10-26"})
    assert 'data-testid="confirm-late"' not in in_time.get_data(as_text=True)
