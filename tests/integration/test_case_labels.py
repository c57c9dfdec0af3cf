"""Codes are never shown raw: flag badges and the case path (routing history) in words.

Found by a QA pass: the reception case page showed "evaded" / "overdue" / "mass" as flag
badges, and the case path on the inspector's, reception's and agency's pages showed
"designate_lead" for a lead agency the inspector designated.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from complaints.extensions import db
from complaints.services import case_view, inspection, workflow
from tests.conftest import NOW, TODAY

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY

D = date(2026, 10, 2)


@pytest.fixture
def world(make_agency, make_user, make_case):
    province = make_agency(code="P", level="province", name="UBND tỉnh")
    make_agency(code="A", parent=province, name="Sở A")
    b = make_agency(code="B", parent=province, name="Sở B")
    ttt = make_agency(code="TTT", parent=province, name="Thanh tra tỉnh", is_inspectorate=True)
    desk = make_agency(code="BTCD", parent=province, name="Ban Tiếp công dân",
                       is_reception_desk=True)
    reception = make_user("reception", agency=desk)
    inspector = make_user("inspector", agency=ttt)
    case = make_case(reception, received_on=D, petitioners=6)  # mass
    workflow.route(case, "A", reception, NOW, TODAY, decided_on=D)
    workflow.transfer(case, "B", "Không thuộc thẩm quyền", None, NOW, TODAY, decided_on=D)
    workflow.transfer(case, "A", "Thuộc Sở A", None, NOW, TODAY, decided_on=D)  # evaded
    inspection.set_lead(case, "B", "Sở B chủ trì", inspector, NOW, TODAY)
    case.flag_overdue = True
    db.session.commit()
    assert set(case.flags) == {"overdue", "evaded", "mass"}
    return {"case": case, "reception": reception, "inspector": inspector,
            "head_b": make_user("agency_head", agency=b)}


def _section(html: str, start: str, end: str) -> str:
    part = html[html.index(start):]
    return part[:part.index(end)]


@pytest.mark.parametrize(("lang", "words"), [
    ("vi", ["Quá hạn", "Đùn đẩy, né tránh", "Đông người"]),
    ("en", ["Overdue", "Evaded", "Mass petition"]),
])
def test_reception_case_page_names_the_flags(client, login, world, lang, words):
    world["reception"].locale = lang
    login(world["reception"])
    html = client.get(f"/reception/cases/{world['case'].tracking_code}").get_data(as_text=True)
    summary = _section(html, 'data-testid="case-summary"', "</p>")
    for flag, word in zip(("overdue", "evaded", "mass"), words, strict=True):
        assert f'data-testid="flag-{flag}">{word}</span>' in summary


@pytest.mark.parametrize(("lang", "label"), [("vi", "Chỉ định cơ quan chủ trì"),
                                             ("en", "Lead agency designated")])
@pytest.mark.parametrize(("who", "path", "start", "end"), [
    ("inspector", "/inspection/cases/{code}", 'data-testid="routing-timeline"', "</table>"),
    ("reception", "/reception/cases/{code}", 'data-testid="routings"', "</ul>"),
    ("head_b", "/agency/cases/{code}", 'id="routings-heading"', "</ul>"),
])
def test_the_case_path_names_a_lead_designation(client, login, world, lang, label, who, path,
                                                start, end):
    world[who].locale = lang
    login(world[who])
    html = client.get(path.format(code=world["case"].tracking_code)).get_data(as_text=True)
    routes = _section(html, start, end)
    assert label in routes and "designate_lead" not in routes


def test_every_routing_action_the_database_allows_has_a_label():
    from complaints.models.case import Routing

    allowed = {code for constraint in Routing.__table__.constraints
               if "action IN" in str(getattr(constraint, "sqltext", ""))
               for code in re.findall(r"'([a-z_]+)'", str(constraint.sqltext))}
    assert "designate_lead" in allowed and allowed <= set(case_view.ROUTING_ACTION_LABELS)
