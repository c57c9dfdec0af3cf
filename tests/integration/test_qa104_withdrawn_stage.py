"""QA 104 J7: the stage a withdrawal ended reads "stopped on … (withdrawn)", not "done" or
"done late": nothing was done; stages finished before it still read done."""
from __future__ import annotations

from datetime import date

from complaints.extensions import db
from complaints.services import workflow
from tests.conftest import NOW, TODAY
from tests.integration.agency_world import *  # noqa: F401,F403  (fixtures: world, routed)


def test_the_stage_a_withdrawal_ended_is_not_done(world, routed, client, login):
    case = routed(accept=True)  # accepted 23/11/2026, the acceptance stage done then
    workflow.withdraw(case, "Công dân rút đơn", world["head"], NOW, TODAY,
                      decided_on=date(2026, 11, 30))
    db.session.commit()
    assert case.deadline("resolution").ended_by_withdrawal
    assert not case.deadline("acceptance").ended_by_withdrawal
    login(world["head"])
    page = client.get(f"/agency/cases/{case.tracking_code}").get_data(as_text=True)
    assert 'data-testid="withdrawn-resolution"' in page
    assert "Dừng ngày 30/11/2026 do rút đơn" in page
    assert 'data-testid="done-resolution"' not in page
    assert 'data-testid="done-acceptance"' in page
