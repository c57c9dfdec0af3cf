"""The declaration's audit event records the day of the decision that declares it.

Before: set_complexity recorded `case.complex_on`, which keeps the day the case was first
found complex; a denunciation declared complex on one extension and very complex on a later
one recorded the first day for both declarations."""
from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import AuditEvent
from complaints.services import workflow
from tests.conftest import NOW, TODAY
from tests.integration.agency_world import *  # noqa: F401,F403  (fixtures: world)

pytestmark = pytest.mark.usefixtures("fixed_clock")


def test_a_second_declaration_records_its_own_day(world, make_case):
    r, head = world["reception"], world["head"]
    case = make_case(actor=r, kind="denunciation", received_on=date(2026, 9, 1))
    workflow.route(case, "SO-TNMT", r, NOW, TODAY, decided_on=date(2026, 9, 2))
    workflow.accept(case, head, NOW, TODAY, decided_on=date(2026, 9, 3))
    workflow.extend(case, 30, "Vụ việc phức tạp, cần xác minh thêm", head, NOW, TODAY,
                    decided_on=date(2026, 9, 20), complexity="complex")
    workflow.extend(case, 30, "Vụ việc đặc biệt phức tạp, nhiều nội dung", head, NOW, TODAY,
                    decided_on=date(2026, 11, 2), complexity="very_complex")
    db.session.commit()
    days = [json.loads(e.data)["on"] for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case.id,
                                 AuditEvent.action == "complexity_declared")
        .order_by(AuditEvent.seq))]
    assert days == ["2026-09-20", "2026-11-02"]
    assert case.complex_on == date(2026, 9, 20)  # first found complex: unchanged
