"""QA 104 D3: a first-round complaint found complex after its acceptance (here: four more
people join it, a mass petition) takes the complex period by the head's decision.

domain.md, "Default deadline policies": resolution of a first complaint "30; complex 45";
a mass petition is "flagged as complex". The app does not lengthen a running deadline
silently when a flag is raised after the stage started (deadlines._pick_variant), and
before this fix nothing could: complaints allow no extension and the declaration with an
extension was a denunciation's only. `declare_complex` is that decision."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import AuditEvent
from complaints.services import case_view, intake, workflow
from complaints.services.errors import NotAllowed, ValidationFailed
from tests.conftest import NOW, TODAY
from tests.integration.agency_world import *  # noqa: F401,F403  (fixtures: world)
from tests.integration.agency_world import fresh

ACCEPTED = date(2026, 11, 2)  # 30 calendar days -> 02/12/2026; complex: 45 -> 17/12/2026


@pytest.fixture
def mass_after_acceptance(world, make_case):
    r, head = world["reception"], world["head"]
    case = make_case(actor=r, received_on=date(2026, 10, 28), petitioners=1)
    workflow.route(case, "SO-TNMT", r, NOW, TODAY, decided_on=date(2026, 10, 29))
    workflow.accept(case, head, NOW, TODAY, decided_on=ACCEPTED)
    assert case.deadline("resolution").due_on == date(2026, 12, 2)
    # Four more people sign a letter on the same matter: five petitioners, a mass petition.
    newcomers = [intake.PetitionerData(full_name=f"Trần Văn {chr(65 + i)}",
                                       id_number=f"03129999100{i}",
                                       is_representative=(i == 0)) for i in range(4)]
    intake.add_petition(case, intake.PetitionData(channel="walk_in",
                                                  received_on=date(2026, 11, 10),
                                                  petitioners=newcomers), r, NOW, TODAY)
    db.session.commit()
    case = fresh(case)
    assert case.flag_mass and case.is_complex  # the app: "flagged as complex"
    assert case.deadline("resolution").due_on == date(2026, 12, 2)  # not silently
    return case


def test_the_head_declares_the_complaint_complex(world, mass_after_acceptance):
    case = mass_after_acceptance
    head = world["head"]
    assert "declare_complex" in case_view.available_actions(head, case)
    workflow.declare_complex(case, "Vụ việc đông người, cần xác minh thêm", head, NOW, TODAY,
                             decided_on=date(2026, 11, 20))
    db.session.commit()
    case = fresh(case)
    assert case.deadline("resolution").due_on == date(2026, 12, 17)  # 45 days
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.case_id == case.id, AuditEvent.action == "complexity_declared")).one()
    assert "cần xác minh thêm" in event.data
    # Once: the complex period is taken; the page offers it no more.
    assert "declare_complex" not in case_view.available_actions(head, case)
    with pytest.raises(NotAllowed):
        workflow.declare_complex(case, "Lần nữa", head, NOW, TODAY)


def test_a_decision_after_the_running_period_is_refused(world, mass_after_acceptance):
    with pytest.raises(ValidationFailed) as refused:
        workflow.declare_complex(mass_after_acceptance, "Phức tạp", world["head"], NOW,
                                 date(2026, 12, 3), decided_on=date(2026, 12, 3))
    assert "decided_on" in refused.value.errors
    with pytest.raises(ValidationFailed) as refused:  # a reason is asked
        workflow.declare_complex(mass_after_acceptance, "  ", world["head"], NOW, TODAY)
    assert "reason" in refused.value.errors


def test_not_for_a_denunciation_nor_by_an_officer(world, routed):
    denunciation = routed(kind="denunciation", accept=True)
    assert "declare_complex" not in case_view.available_actions(world["head"], denunciation)
    with pytest.raises(NotAllowed):
        workflow.declare_complex(denunciation, "Phức tạp", world["head"], NOW, TODAY)
    complaint = routed(accept=True)
    assert "declare_complex" not in case_view.available_actions(world["officer"], complaint)


def test_the_page_confirms_then_declares_and_the_api_too(world, routed, client, login, api):
    case = routed(accept=True)  # accepted 23/11/2026: due 23/12 (30 days)
    code = case.tracking_code
    login(world["head"])
    url = f"/agency/cases/{code}/declare_complex"
    form = client.get(url).get_data(as_text=True)
    assert "45 ngày" in form
    data = {"reason": "Nhiều nội dung cần xác minh", "decided_on": "2026-11-30"}
    confirm = client.post(url, data=data).get_data(as_text=True)
    assert 'data-testid="confirm-due"' in confirm and "07/01/2027" in confirm
    done = client.post(url, data={**data, "confirmed": "1"})
    assert done.status_code == 302
    assert fresh(case).deadline("resolution").due_on == date(2027, 1, 7)

    other = routed(accept=True)
    answer = api(world["head"], "POST", f"/cases/{other.tracking_code}/declare_complex",
                 json={"reason": "Nhiều nội dung cần xác minh"})
    assert answer.status_code == 200, answer.get_json()
    assert fresh(other).deadline("resolution").due_on == date(2027, 1, 7)
    again = api(world["head"], "POST", f"/cases/{other.tracking_code}/declare_complex",
                json={"reason": "Nhiều nội dung cần xác minh"})
    assert again.status_code == 403
