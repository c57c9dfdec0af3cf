"""Inspector actions: urge, re-examination, lead agency, take-up, findings — audited."""

from __future__ import annotations

from datetime import date

import pytest

from complaints.extensions import db
from complaints.models import AuditEvent, Notification, Routing
from complaints.services import inspection, workflow
from complaints.services.errors import NotAllowed, ValidationFailed
from tests.conftest import NOW, TODAY

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY

@pytest.fixture
def world(make_agency, make_user, make_case):
    p = make_agency(code="P", level="province", name="UBND tỉnh")
    a = make_agency(code="A", parent=p, name="Sở A")
    b = make_agency(code="B", parent=p, name="Sở B")
    ttt = make_agency(code="TTT", parent=p, name="Thanh tra tỉnh", is_inspectorate=True)
    desk = make_agency(code="DESK", parent=p)
    r = make_user("reception", agency=desk)
    case = make_case(r, received_on=date(2026, 11, 2))
    workflow.route(case, "A", None, NOW, TODAY, decided_on=date(2026, 11, 2))
    w = {"case": case, "a": a, "b": b, "ttt": ttt,
         "inspector": make_user("inspector", agency=ttt),
         "head_a": make_user("agency_head", agency=a), "head_b": make_user("agency_head",
                                                                          agency=b)}
    db.session.commit()
    return w


def _events(case, action):
    return db.session.query(AuditEvent).filter_by(case_id=case.id, action=action).all()


def test_urge_is_audited_and_notifies_the_head(world):
    inspection.urge(world["case"], "Đề nghị giải quyết ngay", world["inspector"], NOW, TODAY)
    assert len(_events(world["case"], "inspector_urged")) == 1
    note = db.session.query(Notification).filter_by(user_id=world["head_a"].id).one()
    assert note.subject == f"Thanh tra đôn đốc hồ sơ {world['case'].tracking_code}"
    world["head_a"].locale = "en"  # told in their own language
    inspection.urge(world["case"], "Again, please", world["inspector"], NOW, TODAY)
    english = db.session.query(Notification).filter_by(user_id=world["head_a"].id).order_by(
        Notification.id.desc()).first()
    assert english.subject == f"The inspectorate urges case {world['case'].tracking_code}"
    with pytest.raises(NotAllowed):
        inspection.urge(world["case"], "x", world["head_a"], NOW, TODAY)
    with pytest.raises(ValidationFailed):
        inspection.urge(world["case"], "  ", world["inspector"], NOW, TODAY)


def test_set_lead_is_binding_and_audited(world):
    case = world["case"]
    inspection.set_lead(case, "B", "Thuộc thẩm quyền Sở B", world["inspector"], NOW, TODAY)
    assert case.agency_id == world["b"].id and case.lead_agency_id == world["b"].id
    assert case.status == "routed"
    assert db.session.query(Routing).filter_by(case_id=case.id,
                                               action="designate_lead").count() == 1
    assert len(_events(case, "lead_set_by_inspector")) == 1
    # Binding: the lead agency may no longer return the case.
    from complaints.services.errors import NotAllowed as Refused
    with pytest.raises(Refused):
        workflow.return_case(case, "Không thuộc", "A", world["head_b"], NOW, TODAY)


def test_take_up_and_reexamination(world):
    case = world["case"]
    with pytest.raises(ValidationFailed):
        inspection.order_reexamination(case, "Sai sót", world["inspector"], NOW, TODAY)
    inspection.take_up(case, "Vụ việc phức tạp", world["inspector"], NOW, TODAY)
    assert case.agency_id == world["ttt"].id and case.lead_agency_id == world["ttt"].id
    assert len(_events(case, "taken_up_by_inspectorate")) == 1


def test_finding_on_agency_record(world, client, login):
    login(world["inspector"])
    response = client.post("/inspection/agencies/A", data={"text": ""})
    assert response.status_code == 422
    response = client.post("/inspection/agencies/A", data={"text": "Chậm giải quyết đơn"})
    assert response.status_code == 302
    html = client.get("/inspection/agencies/A").get_data(as_text=True)
    assert "Chậm giải quyết đơn" in html
    client.post("/logout")
    login(world["head_a"])
    assert "Chậm giải quyết đơn" in client.get("/inspection/agencies/A").get_data(as_text=True)
    assert client.get("/inspection/agencies/B").status_code == 404
    assert client.post("/inspection/agencies/A", data={"text": "x"}).status_code == 403


def test_case_page_actions(world, client, login):
    login(world["inspector"])
    code = world["case"].tracking_code
    response = client.post(f"/inspection/cases/{code}/act/urge", data={"urge-note": ""})
    assert response.status_code == 422
    assert "Nêu nội dung hoặc lý do." in response.get_data(as_text=True)
    response = client.post(f"/inspection/cases/{code}/act/urge",
                           data={"urge-note": "Khẩn trương giải quyết"})
    assert response.status_code == 302
    response = client.post(f"/inspection/cases/{code}/act/set_lead",
                           data={"set_lead-note": "Giao B", "set_lead-agency_code": "B"})
    assert response.status_code == 422  # the confirmation is required
    response = client.post(f"/inspection/cases/{code}/act/set_lead",
                           data={"set_lead-note": "Giao B", "set_lead-agency_code": "B",
                                 "set_lead-confirm": "y"})
    assert response.status_code == 302
    html = client.get(f"/inspection/cases/{code}").get_data(as_text=True)
    assert 'data-testid="inspector-history"' in html and "Sở B" in html
    client.post("/logout")
    login(world["head_a"])
    assert client.post(f"/inspection/cases/{code}/act/urge",
                       data={"urge-note": "x"}).status_code == 403
