"""Two sweeps at once on one PostgreSQL (two app contexts, two connections): each once."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import AuditEvent, Escalation, Notification
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
