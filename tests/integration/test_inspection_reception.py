"""Reception sessions recorded by agency staff; leaders below the required frequency flagged."""

from __future__ import annotations

from datetime import date

import pytest

from complaints.extensions import db
from complaints.models import AuditEvent, ReceptionSession
from complaints.services import reception_sessions as sessions
from complaints.services.errors import NotAllowed, ValidationFailed
from tests.conftest import NOW, TODAY

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY

@pytest.fixture
def world(make_agency, make_user):
    p = make_agency(code="P", level="province", name="UBND tỉnh")
    commune = make_agency(code="X", parent=p, level="commune", name="UBND xã Tân Lập")
    dept = make_agency(code="S", parent=p, level="department", name="Sở Xây dựng")
    w = {"commune_head": make_user("agency_head", agency=commune),
         "dept_officer": make_user("agency_officer", agency=dept),
         "inspector": make_user("inspector"), "commune": commune, "dept": dept, "p": p}
    db.session.commit()
    return w


def _data(day, kind="head", **counts):
    return sessions.SessionData(held_on=day, kind=kind, leader_name="Ông Trần Văn B",
                                counts=counts)


def test_record_validates_and_audits(world):
    with pytest.raises(ValidationFailed) as exc:
        sessions.record_session(_data(date(2026, 12, 5)), world["commune_head"], NOW, TODAY)
    assert "held_on" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        sessions.record_session(_data(date(2026, 11, 5), delegations=1, delegation_people=3),
                                world["commune_head"], NOW, TODAY)
    assert "delegation_people" in exc.value.errors
    with pytest.raises(NotAllowed):
        sessions.record_session(_data(date(2026, 11, 5)), world["inspector"], NOW, TODAY)
    row = sessions.record_session(_data(date(2026, 11, 5), turns=3, people=4),
                                  world["commune_head"], NOW, TODAY)
    assert row.agency_id == world["commune"].id and row.turns == 3
    assert db.session.query(AuditEvent).filter_by(
        action="reception_session_recorded").count() == 1


def test_commune_chair_weekly_and_department_head_monthly(world):
    head = world["commune_head"]
    for day in (date(2026, 11, 2), date(2026, 11, 4), date(2026, 11, 16)):
        sessions.record_session(_data(day), head, NOW, TODAY)
    # A deputy's day does not count as the chair's own.
    sessions.record_session(_data(date(2026, 11, 10), kind="deputy"), head, NOW, TODAY)
    sessions.record_session(_data(date(2026, 11, 20)), world["dept_officer"], NOW, TODAY)
    rows = {r.agency.code: r for r in sessions.compliance(
        world["inspector"], date(2026, 11, 1), date(2026, 11, 30))}
    # Weekly blocks from 01/11: 1–7, 8–14, 15–21, 22–28 → held in weeks 1 and 3.
    assert (rows["X"].required, rows["X"].held, rows["X"].below) == (4, 2, True)
    assert rows["X"].gaps == [(date(2026, 11, 8), date(2026, 11, 14)),
                              (date(2026, 11, 22), date(2026, 11, 28))]
    assert (rows["S"].required, rows["S"].held, rows["S"].below) == (1, 1, False)
    # The province has no session: below the monthly rule.
    assert (rows["P"].required, rows["P"].held, rows["P"].below) == (1, 0, True)
    assert list(rows)[0] in ("X", "P")  # worst first


def test_pages(world, client, login):
    login(world["commune_head"])
    response = client.post("/inspection/reception/new", data={
        "held_on": "2026-11-05", "kind": "head", "leader_name": "", "turns": "2",
        "people": "2", "matters_first": "1", "matters_repeated": "0", "delegations": "0",
        "delegation_people": "0", "delegation_matters": "0"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Nhập họ tên người chủ trì buổi tiếp." in html and 'value="2026-11-05"' in html
    response = client.post("/inspection/reception/new", data={
        "held_on": "2026-11-05", "kind": "head", "leader_name": "Chủ tịch Trần Văn B",
        "turns": "2", "people": "2", "matters_first": "1", "matters_repeated": "0",
        "delegations": "0", "delegation_people": "0", "delegation_matters": "0"})
    assert response.status_code == 302
    assert db.session.query(ReceptionSession).count() == 1
    client.post("/logout")
    login(world["inspector"])
    html = client.get("/inspection/reception?period=month&year=2026&number=11").get_data(
        as_text=True)
    assert 'data-testid="compliance-X"' in html and "Chưa đạt" in html


def test_gaps_summarised_on_the_page(world, client, login):
    # Quarter 4 (15/09–14/12) as of 01/12: 11 weeks and 2 months are over. The commune
    # chair held one week; nobody else held any.
    sessions.record_session(_data(date(2026, 10, 1)), world["commune_head"], NOW, TODAY)
    db.session.commit()
    login(world["inspector"])
    html = client.get("/inspection/reception?period=quarter&number=4&year=2026").get_data(
        as_text=True)

    def row(code):
        part = html[html.index(f'data-testid="compliance-{code}"'):]
        return part[:part.index("</tr>")]

    assert "Cả kỳ: không có ngày tiếp nào" in row("S")  # a department head: 0 of 2 months
    assert "<td>1/11</td>" in row("X") and "<td>0/2</td>" in row("S")
    assert "và 4 kỳ khác" in row("X")  # 10 weekly gaps: six listed, then the count
    assert "Kỳ chưa kết thúc" in html
    assert row("X").count("–") == 6
