"""QA round 62's findings outside the reports (see docs or the closing note for those)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import AuditEvent
from complaints.services import workflow
from complaints.services.errors import ValidationFailed
from tests.walk import model
from tests.walk.model import moment


@pytest.fixture
def world(make_agency, make_user):
    return model.build_world(make_agency, make_user)


def test_a_refused_extension_declares_no_complexity(world, make_case):
    """A refused action changes nothing: extend() declares the denunciation complex (an
    audit event, is_complex, a new due date) before it checks the days and the date."""
    clerk, head_a = world.users["clerk"], world.users["head_a"]
    d = date(2026, 10, 5)
    case = make_case(actor=clerk, kind="denunciation", received_on=d, now=moment(d), today=d)
    workflow.route(case, "SO-QA", clerk, moment(d), d)
    workflow.accept(case, head_a, moment(d), d)
    db.session.commit()
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    with pytest.raises(ValidationFailed):
        workflow.extend(case, 31, "Phức tạp", head_a, moment(d), d, complexity="complex")
    db.session.flush()
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events
    assert case.is_complex is False
