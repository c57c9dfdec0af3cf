"""An evasion (đùn đẩy) is closed by designating the lead agency, not by an
acknowledgement (QA 100 J2, acted on): "note" closed it, the case bounced on with no lead
and nothing more was raised, though domain.md says the supervisor must designate one."""

from __future__ import annotations

from datetime import date

import pytest

from complaints.extensions import db
from complaints.services import escalation as esc
from complaints.services import workflow
from complaints.services.errors import ValidationFailed
from tests.conftest import NOW, TODAY
from tests.integration.test_escalation_world import *  # noqa: F403

D = date(2026, 10, 5)


def _evaded(world, case):
    workflow.transfer(case, "SO-B", "Không thuộc thẩm quyền", world.head_a, NOW, TODAY,
                      decided_on=D)
    workflow.transfer(case, "SO-A", "Không thuộc thẩm quyền", world.head_b, NOW, TODAY,
                      decided_on=D)
    db.session.commit()
    evasion = esc.open_evasion(case)
    assert case.flag_evaded and evasion is not None
    return evasion


@pytest.mark.parametrize("action", ["note", "urge", "reassign"])
def test_an_open_evasion_is_not_acknowledged(world, routed_case, action):  # noqa: F405
    evasion = _evaded(world, routed_case)
    with pytest.raises(ValidationFailed) as refused:
        esc.acknowledge(evasion, action, "Đã ghi nhận", world.province_head, NOW)
    assert "chỉ định cơ quan chủ trì" in refused.value.errors["action"]
    db.session.rollback()
    assert db.session.get(type(evasion), evasion.id).acknowledged_at is None


def test_designating_the_lead_closes_it(world, routed_case):  # noqa: F405
    evasion = _evaded(world, routed_case)
    esc.designate_lead(routed_case, "SO-B", world.province_head, NOW, TODAY,
                       note="Sở B chủ trì")
    assert evasion.acknowledged_at is not None and evasion.action_taken == "set_lead"


def test_a_case_that_ended_owes_no_lead(world, routed_case):  # noqa: F405
    evasion = _evaded(world, routed_case)
    workflow.withdraw(routed_case, "Công dân rút đơn", world.head_a, NOW, TODAY,
                      decided_on=date(2026, 10, 6))
    assert routed_case.status == "withdrawn"
    # Closed by the system with the case: it leaves the open lists without a designation.
    assert evasion.acknowledged_at is not None, evasion.action_taken


def test_the_inbox_shows_no_acknowledgement_form_for_it_and_the_api_refuses(
        client, login, api, world, routed_case):  # noqa: F405
    evasion = _evaded(world, routed_case)
    login(world.province_head)
    html = client.get("/escalations").get_data(as_text=True)
    assert f'data-testid="awaits-lead-{routed_case.tracking_code}"' in html
    assert f"/escalations/{evasion.id}/acknowledge" not in html
    answer = api(world.province_head, "POST", f"/escalations/{evasion.id}/acknowledge",
                 json={"action": "note", "note": "Đã xem"})
    assert answer.status_code == 422, answer.get_json()
    db.session.expire_all()
    assert db.session.get(type(evasion), evasion.id).acknowledged_at is None


def test_a_case_decided_meanwhile_is_acknowledged_as_before(world, routed_case):  # noqa: F405
    """QA 101: resolved with no lead, the evasion could be neither acknowledged nor closed
    by a designation (none is allowed from "resolved"), and was reminded of daily."""
    evasion = _evaded(world, routed_case)
    workflow.accept(routed_case, world.head_a, NOW, TODAY, decided_on=date(2026, 10, 6))
    workflow.resolve(routed_case, "right", "QĐ 7/QĐ-UBND", "Kết quả giải quyết", world.head_a,
                     NOW, TODAY, decided_on=date(2026, 10, 20))
    assert routed_case.status == "resolved" and evasion.acknowledged_at is None
    esc.acknowledge(evasion, "note", "Sở A đã giải quyết", world.province_head, NOW)
    assert evasion.action_taken == "note"


def test_a_suspended_case_still_owes_its_lead(world, routed_case):  # noqa: F405
    evasion = _evaded(world, routed_case)
    workflow.accept(routed_case, world.head_a, NOW, TODAY, decided_on=date(2026, 10, 6))
    workflow.suspend(routed_case, "Chờ kết quả giám định", world.head_a, NOW, TODAY,
                     decided_on=date(2026, 10, 7))
    with pytest.raises(ValidationFailed):
        esc.acknowledge(evasion, "note", "Đã ghi nhận", world.province_head, NOW)
    db.session.rollback()
    routed_case = db.session.get(type(routed_case), routed_case.id)
    esc.designate_lead(routed_case, "SO-A", world.province_head, NOW, TODAY,
                       note="Sở A chủ trì")
    assert routed_case.lead_agency_id == world.a.id
