"""Inspector actions: urge, re-examination, lead agency, take-up, findings — audited."""

from __future__ import annotations

import re
from datetime import date

import pytest

from complaints.domain.text import name_order
from complaints.extensions import db
from complaints.models import AuditEvent, Case, Notification, Routing
from complaints.services import inspection, inspector_actions, workflow
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


# --- the lead agency: never a reception desk, never by default (QA round 3) ----------------


@pytest.fixture
def desks(world, make_agency):
    """A reception desk named first in the alphabet, and an agency no longer active."""
    desk = make_agency(code="BTCD", parent=world["a"].parent, name="Ban Tiếp công dân tỉnh",
                       is_reception_desk=True)
    closed = make_agency(code="OLD", parent=world["a"].parent, name="Sở cũ (đã giải thể)")
    closed.active = False
    world["b"].name_en = "Department B"
    db.session.commit()
    return desk, closed


def _lead_options(html: str) -> list[tuple[str, str, bool]]:
    """(value, text, selected) of each option of the lead agency select, in page order."""
    form = html[html.index('data-testid="act-set_lead"'):]
    select = form[form.index("<select"):form.index("</select>")]
    return [(value, text.strip(), " selected" in attrs) for attrs, value, text in re.findall(
        r'<option((?:\s+value="([^"]*)")?[^>]*)>([^<]*)</option>', select)]


def test_set_lead_refuses_a_desk_an_inactive_agency_and_no_choice(world, desks):
    case = world["case"]
    for code, message in (("", "Chọn cơ quan chủ trì."), ("  ", "Chọn cơ quan chủ trì."),
                          ("BTCD", workflow.DESK_RESOLVES_NOTHING),
                          ("OLD", "Không tìm thấy cơ quan."),
                          ("NOPE", "Không tìm thấy cơ quan.")):
        with pytest.raises(ValidationFailed) as refused:
            inspection.set_lead(case, code, "Giao cơ quan này", world["inspector"], NOW, TODAY)
        assert refused.value.errors == {"agency_code": message}, code
    # Both problems in one answer: no agency chosen and no reason given.
    with pytest.raises(ValidationFailed) as refused:
        inspection.set_lead(case, "", " ", world["inspector"], NOW, TODAY)
    assert set(refused.value.errors) == {"agency_code", "note"}
    assert case.lead_agency_id is None and case.agency_id == world["a"].id
    assert not _events(case, "lead_set_by_inspector")
    candidates = {a.code for a in inspector_actions.lead_candidates()}
    assert "BTCD" not in candidates and "OLD" not in candidates and "B" in candidates


def test_lead_select_starts_empty_without_desks_or_inactive_agencies(world, desks, client,
                                                                   login, make_user):
    login(world["inspector"])
    html = client.get(f"/inspection/cases/{world['case'].tracking_code}").get_data(as_text=True)
    options = _lead_options(html)
    assert options[0] == ("", "— Chọn cơ quan —", False)
    assert not any(selected for _v, _t, selected in options)  # nothing chosen for the user
    values = [v for v, _t, _s in options[1:]]
    assert "BTCD" not in values and "OLD" not in values and "B" in values
    names = [t for _v, t, _s in options[1:]]
    assert names == sorted(names, key=name_order)
    # In English the agencies are named in English (where a name is recorded).
    inspector = make_user("inspector", agency=world["ttt"])
    inspector.locale = "en"
    client.post("/logout")
    login(inspector)
    html = client.get(f"/inspection/cases/{world['case'].tracking_code}").get_data(as_text=True)
    options = _lead_options(html)
    assert options[0] == ("", "— Choose an agency —", False)
    assert ("B", "Department B", False) in options


def test_set_lead_without_a_choice_is_refused_next_to_the_field(world, desks, client, login):
    login(world["inspector"])
    code = world["case"].tracking_code
    response = client.post(f"/inspection/cases/{code}/act/set_lead",
                           data={"set_lead-note": "Giao cơ quan chủ trì",
                                 "set_lead-agency_code": "", "set_lead-confirm": "y"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'data-testid="error-summary"' in html
    assert 'data-testid="error-set_lead-agency_code">Chọn cơ quan chủ trì.' in html
    assert "Giao cơ quan chủ trì</textarea>" in html  # what was typed is kept
    # A desk sent by hand (an old page, a crafted form) is refused by the service.
    response = client.post(f"/inspection/cases/{code}/act/set_lead",
                           data={"set_lead-note": "Giao bàn tiếp dân",
                                 "set_lead-agency_code": "BTCD", "set_lead-confirm": "y"})
    assert response.status_code == 422
    assert "Bộ phận tiếp công dân chỉ tiếp nhận và chuyển đơn" in response.get_data(as_text=True)
    db.session.expire_all()
    case = db.session.get(Case, world["case"].id)
    assert case.lead_agency_id is None and case.agency_id == world["a"].id
    # Every missing piece is said at once, in the order of the fields.
    response = client.post(f"/inspection/cases/{code}/act/set_lead", data={})
    html = response.get_data(as_text=True)
    summary = html[html.index('data-testid="error-summary"'):]
    summary = summary[:summary.index("</ul>")]
    assert re.findall(r'href="#set_lead-(\w+)"', summary) == ["agency_code", "note", "confirm"]
