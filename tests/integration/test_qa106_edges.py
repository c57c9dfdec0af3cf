"""QA 106: edges of the late-suspension rule and declare_complex's periods (probes)."""
from __future__ import annotations

from datetime import date

import pytest

from complaints.extensions import db
from complaints.services import case_view, public, workflow
from tests.conftest import NOW, TODAY
from tests.integration.agency_world import *  # noqa: F401,F403  (fixtures: world, routed)
from tests.integration.agency_world import fresh

pytestmark = pytest.mark.usefixtures("fixed_clock")


def _rec(world, make_case):
    r, head = world["reception"], world["head"]
    case = make_case(actor=r, kind="recommendation", received_on=date(2026, 10, 1))
    workflow.route(case, "SO-TNMT", r, NOW, TODAY, decided_on=date(2026, 10, 2))
    workflow.accept(case, head, NOW, TODAY, decided_on=date(2026, 10, 5))
    assert case.deadline("resolution").due_on == date(2026, 10, 26)
    db.session.commit()
    return case


def test_suspend_resume_then_late_suspend_resume(world, make_case):
    case, head = _rec(world, make_case), world["head"]
    workflow.suspend(case, "a", head, NOW, TODAY, decided_on=date(2026, 10, 20))
    workflow.resume(case, head, NOW, TODAY, decided_on=date(2026, 10, 22))
    db.session.commit()
    due = fresh(case).deadline("resolution").due_on
    assert due == date(2026, 10, 28)  # 4 working days left from 20/10 -> from 22/10
    workflow.suspend(fresh(case), "b", head, NOW, TODAY, decided_on=date(2026, 11, 2))
    db.session.commit()
    c = fresh(case)
    assert not c.clock_stopped and c.next_attention_on is not None  # late: the ladder goes on
    assert case_view.agency_counts(head, TODAY)["overdue"] == 1
    workflow.resume(c, head, NOW, TODAY, decided_on=date(2026, 11, 10))
    db.session.commit()
    c = fresh(case)
    assert c.deadline("resolution").due_on == due  # not revived
    assert case_view.agency_counts(head, TODAY)["overdue"] == 1


def test_suspended_on_the_due_date_is_in_time(world, make_case):
    case, head = _rec(world, make_case), world["head"]
    workflow.suspend(case, "a", head, NOW, TODAY, decided_on=date(2026, 10, 26))
    db.session.commit()
    assert fresh(case).clock_stopped
    assert case_view.agency_counts(head, TODAY)["overdue"] == 0
    workflow.resume(fresh(case), head, NOW, TODAY, decided_on=date(2026, 11, 30))
    db.session.commit()
    c = fresh(case)
    assert c.deadline("resolution").due_on == date(2026, 11, 30)
    assert not c.flag_overdue


def test_late_suspension_then_withdrawal(world, make_case, client, login):
    case, head = _rec(world, make_case), world["head"]
    workflow.suspend(case, "a", head, NOW, TODAY, decided_on=date(2026, 11, 2))
    workflow.withdraw(case, "Công dân rút đơn", head, NOW, TODAY,
                      decided_on=date(2026, 11, 10))
    db.session.commit()
    c = fresh(case)
    row = c.deadline("resolution")
    assert row.due_on == date(2026, 10, 26) and row.met_on == date(2026, 11, 10)
    assert row.ended_by_withdrawal


@pytest.mark.parametrize(("kw", "before", "after"), [
    ({"is_remote": True}, 45, 60),
])
def test_remote_first_complaint(world, routed, kw, before, after):
    case = routed()
    workflow.accept(case, world["head"], NOW, TODAY, decided_on=date(2026, 11, 23), **kw)
    db.session.commit()
    row = fresh(case).deadline("resolution")
    assert row.days == before
    workflow.declare_complex(fresh(case), "Phức tạp", world["head"], NOW, TODAY)
    db.session.commit()
    assert fresh(case).deadline("resolution").days == after


def test_late_suspended_first_complaint_public_text(world, make_case):
    r, head = world["reception"], world["head"]
    case = make_case(actor=r, received_on=date(2026, 10, 1))
    workflow.route(case, "SO-TNMT", r, NOW, TODAY, decided_on=date(2026, 10, 2))
    workflow.accept(case, head, NOW, TODAY, decided_on=date(2026, 10, 9))
    workflow.suspend(case, "a", head, NOW, TODAY, decided_on=date(2026, 11, 16))
    db.session.commit()
    rec = public.public_record(fresh(case), TODAY)
    assert rec.late_suspension


def test_declared_in_time_entered_after_the_sweep_flagged_it(world, routed):
    from datetime import datetime, timezone

    from complaints.services.escalation import escalate_due
    case = routed(accept=True)  # due 23/12/2026
    late_day = date(2026, 12, 28)
    escalate_due(late_day, datetime(2026, 12, 28, 2, tzinfo=timezone.utc))
    db.session.commit()
    assert fresh(case).flag_overdue
    workflow.declare_complex(fresh(case), "Phức tạp", world["head"], NOW, late_day,
                             decided_on=date(2026, 12, 20))
    db.session.commit()
    c = fresh(case)
    assert c.deadline("resolution").due_on == date(2027, 1, 7)
    assert not c.flag_overdue


def test_second_complaint_declared_complex(world, routed):
    case = routed(complaint_round=2)
    workflow.accept(case, world["head"], NOW, TODAY, decided_on=date(2026, 11, 23))
    db.session.commit()
    assert fresh(case).deadline("resolution").days == 45
    workflow.declare_complex(fresh(case), "Phức tạp", world["head"], NOW, TODAY)
    db.session.commit()
    assert fresh(case).deadline("resolution").days == 60
