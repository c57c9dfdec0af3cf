"""Two sweeps at once on one PostgreSQL (two app contexts, two connections): each once."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import AuditEvent, Case, Escalation, Notification
from complaints.services import workflow
from complaints.services.escalation import escalate_due
from tests.conftest import IS_POSTGRES, NOW, TODAY
from tests.factories import run_at_once
from tests.integration.test_escalation_world import *  # noqa: F403  (fixtures: world, …)


@pytest.mark.skipif(not IS_POSTGRES, reason="row locks (SKIP LOCKED) need PostgreSQL")
def test_two_concurrent_sweeps_escalate_each_case_once(app, world, make_case):
    for i in range(40):
        case = make_case(actor=world.reception, received_on=date(2026, 9, 1),
                         subject=f"Vụ việc số {i} về chế độ chính sách {i * 7919}")
        workflow.route(case, "SO-A", world.reception, NOW, TODAY,
                       decided_on=date(2026, 9, 2))
    db.session.commit()
    as_of = date(2026, 11, 30)
    results = []
    errors = run_at_once(app, 2, lambda _i: results.append(
        escalate_due(as_of, NOW, chunk_size=5, commit=db.session.commit)))
    assert not errors, errors
    db.session.expire_all()
    rows = db.session.execute(select(Escalation.case_id, Escalation.level)).all()
    assert len(rows) == 40 and len({case_id for case_id, _ in rows}) == 40
    assert sum(r.escalated for r in results) == 40
    events = db.session.scalar(select(func.count()).where(AuditEvent.action == "escalated"))
    assert events == 40
    keys = db.session.scalars(select(Notification.dedupe_key)).all()
    assert len(keys) == len(set(keys)) == sum(r.notifications for r in results)


@pytest.mark.skipif(not IS_POSTGRES, reason="row locks (SKIP LOCKED) need PostgreSQL")
def test_two_sweeps_after_a_ladder_change_recompute_and_escalate_each_case_once(
        app, world, make_case, make_user):
    from datetime import timedelta

    from complaints.models import Case, JobRun
    from complaints.services import ladder
    from complaints.services.escalation import ATTENTION_JOB, attention_outdated
    from tests.integration.test_escalation_world import ladder_dates

    cases = []
    for i in range(20):
        case = make_case(actor=world.reception, received_on=date(2026, 10, 1),
                         subject=f"Vụ việc số {i} về đất đai {i * 7919}")
        workflow.route(case, "SO-A", world.reception, NOW, TODAY,
                       decided_on=date(2026, 10, 2))
        cases.append(case)
    db.session.flush()
    dates = ladder_dates(cases[0])
    escalate_due(dates[1], NOW)  # all overdue (level 1); urging due on dates[2]
    # Urging after 2 working days overdue, from the day after the overdue step.
    effective = dates[1] + timedelta(days=1)
    ladder.add_version(ladder.RungData(2, 2, "working", effective, "Quyết định 7/QĐ-UBND"),
                       make_user("admin", username="quantri"), effective, NOW)
    db.session.commit()
    ids = [c.id for c in cases]
    expected = db.session.get(Case, ids[0]).next_attention_on  # still the old date
    assert expected == dates[2]

    # Both sweeps find the ladder changed (no recomputation recorded yet), recompute, and
    # share out the cases that are due with the new rung.
    as_of = dates[2] - timedelta(days=1)
    later = NOW + timedelta(minutes=5)
    results = []
    errors = run_at_once(app, 2, lambda _i: results.append(
        escalate_due(as_of, later, chunk_size=5, commit=db.session.commit)))
    assert not errors, errors
    db.session.expire_all()
    levels = db.session.execute(select(Escalation.case_id, Escalation.level)
                                .where(Escalation.case_id.in_(ids))).all()
    assert sorted(level for _, level in levels) == [1] * 20 + [2] * 20
    assert sum(r.escalated for r in results) == 20
    assert db.session.get(JobRun, ATTENTION_JOB).last_success_at is not None
    assert not attention_outdated()
    assert {db.session.get(Case, i).next_attention_on for i in ids} == {dates[3]}


@pytest.mark.skipif(not IS_POSTGRES, reason="row locks (SKIP LOCKED) need PostgreSQL")
def test_two_sweeps_raise_the_overdue_again_once_after_extensions(app, world, make_case):
    """An extension entered after the sweep took the overdue back (the step lapsed): once
    the new due date passes, two sweeps at once raise it again once per case (the key
    holds only the escalations that stand)."""
    ids = []
    for i in range(20):
        case = make_case(actor=world.reception, kind="recommendation",
                         received_on=date(2026, 10, 1),
                         subject=f"Kiến nghị số {i} về chiếu sáng công cộng {i * 7919}")
        workflow.route(case, "SO-A", world.reception, NOW, TODAY,
                       decided_on=date(2026, 10, 2))
        workflow.accept(case, world.head_a, NOW, TODAY, decided_on=date(2026, 10, 5))
        ids.append(case.id)
    db.session.commit()
    escalate_due(date(2026, 10, 27), NOW)  # due 26/10: all overdue
    for case_id in ids:
        workflow.extend(db.session.get(Case, case_id), 10, "Cần xác minh thêm", world.head_a,
                        NOW, date(2026, 10, 29), decided_on=date(2026, 10, 23))
    db.session.commit()
    results = []
    errors = run_at_once(app, 2, lambda _i: results.append(
        escalate_due(date(2026, 11, 10), NOW, chunk_size=5, commit=db.session.commit)))
    assert not errors, errors
    db.session.expire_all()
    rows = db.session.execute(select(Escalation.case_id, Escalation.level,
                                     Escalation.lapsed_at.is_(None))).all()
    standing = [(case_id, level) for case_id, level, stands in rows if stands]
    assert sorted(standing) == [(case_id, 1) for case_id in sorted(ids)]
    assert len(rows) == 40 and sum(r.escalated for r in results) == 20
    assert all(db.session.get(Case, i).flag_overdue for i in ids)
