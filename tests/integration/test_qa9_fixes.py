"""Fixes of QA round 9 (the JSON API against the pages and the rules)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Escalation
from complaints.services import workflow
from complaints.services.escalation import escalate_due
from tests.conftest import NOW, TODAY
from tests.integration.test_escalation_world import *  # noqa: F403  (world, routed_case)

FAR = date(2027, 12, 31)


def _superseded(world, case) -> Escalation:
    escalate_due(date(2026, 10, 14), NOW)  # overdue at SO-A
    (esc,) = db.session.scalars(select(Escalation).where(Escalation.case_id == case.id)).all()
    workflow.transfer(case, "SO-B", "Thuộc thẩm quyền Sở B", world.head_a, NOW, FAR,
                      decided_on=date(2026, 10, 15))
    db.session.commit()
    return esc


def test_the_api_tells_a_superseded_escalation_from_an_acknowledged_one(api, world,
                                                                        routed_case):
    _superseded(world, routed_case)
    (esc,) = api(world.inspector, "GET",
                 f"/cases/{routed_case.tracking_code}").get_json()["escalations"]
    assert esc["acknowledged_at"] is not None and esc["action_taken"] == "superseded"


def test_the_staff_api_shows_the_reply_letter(api, client, login, world, make_case,
                                              fixed_clock):
    case = make_case(actor=world.reception, received_on=date(2026, 11, 20))
    workflow.forward(case, "Tòa án nhân dân thành phố", world.reception, NOW, TODAY,
                     decided_on=date(2026, 11, 23))
    db.session.commit()
    login(world.reception)
    assert client.post(f"/reception/cases/{case.tracking_code}/reply",
                       data={"reply-received_on": "2026-11-28"}).status_code == 302
    (petition,) = api(world.reception, "GET",
                      f"/cases/{case.tracking_code}").get_json()["petitions"]
    assert petition["reply_received_on"] == "2026-11-28"


@pytest.mark.parametrize(("reason", "message"), [
    ("\u200b\u200d", "Nêu lý do"),
    ("Lý do\x01", "Có ký tự điều khiển không hợp lệ"),
])
def test_a_decision_reason_of_nothing_visible_or_with_controls_is_refused(
        api, world, make_case, fixed_clock, reason, message):
    case = make_case(actor=world.reception, kind="denunciation", received_on=date(2026, 11, 27))
    db.session.commit()
    r = api(world.reception, "POST", f"/cases/{case.tracking_code}/extend_handling",
            json={"days": 3, "reason": reason})
    assert r.status_code == 422 and message in r.get_json()["errors"]["reason"]
    r = api(world.reception, "POST", f"/cases/{case.tracking_code}/guide",
            json={"reason": reason})
    assert r.status_code == 422 and "reason" in r.get_json()["errors"]


def test_a_refused_extend_handling_is_named_as_people_name_it(api, world, make_case,
                                                              fixed_clock):
    case = make_case(actor=world.reception, kind="denunciation", received_on=date(2026, 11, 27))
    workflow.route(case, "SO-A", world.reception, NOW, TODAY)
    db.session.commit()
    r = api(world.reception, "POST", f"/cases/{case.tracking_code}/extend_handling",
            json={"days": 1, "reason": "x"}, headers={"Accept-Language": "en"})
    assert r.status_code == 409
    error = r.get_json()["error"]
    assert "extend_handling" not in error and "Extend the handling deadline" in error


def test_acknowledging_a_superseded_escalation_says_it_lapsed(client, login, world,
                                                              routed_case):
    esc = _superseded(world, routed_case)
    login(world.head_a)
    page = client.post(f"/escalations/{esc.id}/acknowledge",
                       data={f"ack{esc.id}-action": "note", f"ack{esc.id}-note": "Đã xem"},
                       follow_redirects=True).text
    assert "đã được xác nhận trước đó" not in page
    assert "đã hết hiệu lực: hồ sơ đã chuyển, trả lại hoặc có hạn mới" in page


@pytest.mark.parametrize(("figures", "field"), [
    ({"people": 2, "delegations": 0, "delegation_people": 0, "delegation_matters": 4},
     "delegation_matters"),
    ({"people": 2, "delegations": 1, "delegation_people": 9, "delegation_matters": 1},
     "delegation_people"),
])
def test_session_figures_that_contradict_each_other_are_refused(api, world, fixed_clock,
                                                                 figures, field):
    r = api(world.head_a, "POST", "/reception-sessions", json={
        "held_on": "2026-11-20", "kind": "deputy", "leader_name": "Phó Giám đốc",
        "scheduled": True, "turns": 1, **figures})
    assert r.status_code == 422 and field in r.get_json()["errors"], r.get_json()
