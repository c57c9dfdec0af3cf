"""A citizen-reception desk (Ban Tiếp công dân) receives and routes petitions and resolves
none: no case is routed, transferred or designated to one, and no routing rule names one."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Agency, RoutingRule
from complaints.services import admin as admin_service
from complaints.services import escalation_patterns, routing, workflow
from complaints.services.errors import ValidationFailed
from tests.conftest import NOW, TODAY

pytestmark = pytest.mark.usefixtures("fixed_clock")

DESK_TEXT = "Bộ phận tiếp công dân chỉ tiếp nhận và chuyển đơn"


@pytest.fixture
def province(make_agency, make_user):
    city = make_agency(code="UBND-HP", level="province", name="UBND thành phố")
    desk = make_agency(code="BTCD", parent=city, name="Ban Tiếp công dân",
                       is_reception_desk=True)
    district_desk = make_agency(code="BTCD-LC", parent=city, name="Bộ phận một cửa Lê Chân",
                                is_reception_desk=True)
    so = make_agency(code="SO-TNMT", parent=city, name="Sở Tài nguyên và Môi trường")
    return {
        "city": city, "desk": desk, "district_desk": district_desk, "so": so,
        "reception": make_user("reception", agency=desk, username="tiepdan"),
        "head": make_user("agency_head", agency=so, username="giamdoc"),
    }


def _options(page: str, name: str) -> list[str]:
    start = page.index(f'name="{name}"')
    select_html = page[start:page.index("</select>", start)]
    return [chunk.split('"', 1)[0] for chunk in select_html.split('value="')[1:]]


def test_no_case_is_routed_or_transferred_to_a_desk(province, make_case):
    case = make_case(actor=province["reception"], received_on=date(2026, 11, 20))
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        workflow.route(case, "BTCD-LC", province["reception"], NOW, TODAY)
    assert DESK_TEXT in refused.value.errors["agency_code"]
    db.session.rollback()
    workflow.route(case, "SO-TNMT", province["reception"], NOW, TODAY)
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        workflow.transfer(case, "BTCD", "Sai thẩm quyền", province["head"], NOW, TODAY)
    assert DESK_TEXT in refused.value.errors["to_agency_code"]
    db.session.rollback()
    assert db.session.get(type(case), case.id).agency.code == "SO-TNMT"


def test_desks_are_not_offered_as_targets(client, login, province, make_case):
    case = make_case(actor=province["reception"], received_on=date(2026, 11, 20))
    db.session.commit()
    login(province["reception"])
    page = client.get(f"/reception/cases/{case.tracking_code}").get_data(as_text=True)
    targets = _options(page, "route-agency_code")
    assert "SO-TNMT" in targets and "UBND-HP" in targets
    assert "BTCD" not in targets and "BTCD-LC" not in targets
    workflow.route(case, "SO-TNMT", province["reception"], NOW, TODAY)
    db.session.commit()
    client.post("/logout")
    login(province["head"])
    page = client.get(f"/agency/cases/{case.tracking_code}/transfer").get_data(as_text=True)
    targets = _options(page, "to_agency_code")
    assert "UBND-HP" in targets and "BTCD" not in targets and "BTCD-LC" not in targets


def test_a_lead_agency_is_never_a_desk(province, make_case):
    from complaints.models import Escalation

    case = make_case(actor=province["reception"])
    escalation = Escalation(case=case, stage="acceptance", level=1, reason="evaded",
                            to_agency_id=province["city"].id, as_of=TODAY, created_at=NOW)
    db.session.add(escalation)
    db.session.flush()
    codes = {a.code for a in escalation_patterns.lead_candidates(escalation)}
    assert codes == {"UBND-HP", "SO-TNMT"}


def test_routing_rules_never_name_a_desk(province, make_user):
    admin = make_user("admin", username="quantri")
    with pytest.raises(ValidationFailed) as refused:
        admin_service.create_routing_rule(admin_service.RoutingRuleData(
            agency_code="BTCD", field_code="land"), admin, NOW)
    assert DESK_TEXT in refused.value.errors["agency_code"]
    # A rule written before the agency became a desk is not followed either.
    so = province["so"]
    db.session.add(RoutingRule(field_id=None, agency_id=province["desk"].id, priority=50))
    db.session.add(RoutingRule(field_id=None, agency_id=so.id, priority=1))
    db.session.flush()
    suggestion = routing.suggest_agency(None, None, "complaint")
    assert suggestion is not None and suggestion.agency.code == "SO-TNMT"


def test_the_admin_marks_a_desk(client, login, province, make_user):
    login(make_user("admin", username="quantri"))
    so = province["so"]
    form = client.get(f"/admin/agencies/{so.id}/edit").get_data(as_text=True)
    assert 'name="is_reception_desk"' in form
    r = client.post(f"/admin/agencies/{so.id}/edit", data={
        "code": "SO-TNMT", "name": so.name, "level": "department", "parent_code": "UBND-HP",
        "is_reception_desk": "y", "active": "y"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Agency).where(Agency.code == "SO-TNMT")).is_reception_desk
    assert "Tiếp công dân" in client.get("/admin/agencies").get_data(as_text=True)
