"""Escalations through the JSON API, as on the pages' /escalations: the head (or inspector)
of the agency an escalation is addressed to lists it, acknowledges it saying what was done,
and the supervisor of an evaded case designates its lead agency. Another agency's
escalation does not exist for the caller; a second acknowledgement is a 409."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from complaints.extensions import db
from complaints.models import AuditEvent, Case, Escalation
from complaints.services import workflow
from complaints.services.escalation import escalate_due
from tests.conftest import NOW, TODAY
from tests.integration.test_escalation_world import *  # noqa: F403  (fixtures: world, …)
from tests.integration.test_escalation_world import ladder_dates

D = date(2026, 10, 2)


def test_a_head_lists_and_acknowledges_an_escalation(api, world, routed_case):
    escalate_due(ladder_dates(routed_case)[1], NOW)
    escalation = db.session.scalars(select(Escalation)).one()
    listed = api(world.head_a, "GET", "/escalations")
    assert listed.status_code == 200
    body = listed.get_json()
    assert body["total"] == 1 and body["page"] == 1
    item = body["items"][0]
    assert (item["id"], item["tracking_code"], item["level"], item["reason"]) == (
        escalation.id, routed_case.tracking_code, 1, "overdue")
    assert item["acknowledged_at"] is None and item["lead_to_designate"] is False
    # Another agency has nothing in its list and cannot reach it.
    assert api(world.head_b, "GET", "/escalations").get_json()["total"] == 0
    assert api(world.head_b, "POST", f"/escalations/{escalation.id}/acknowledge",
               json={"action": "urge", "note": "x"}).status_code == 404
    # An officer, a desk: no escalations of theirs.
    assert api(world.officer_a, "GET", "/escalations").status_code == 403
    assert api(world.reception, "GET", "/escalations").status_code == 403

    bad = api(world.head_a, "POST", f"/escalations/{escalation.id}/acknowledge",
              json={"action": "set_lead", "note": "Chỉ định"})
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"action"}
    blank = api(world.head_a, "POST", f"/escalations/{escalation.id}/acknowledge",
                json={"action": "note", "note": " "})
    assert blank.status_code == 422 and set(blank.get_json()["errors"]) == {"note"}
    ok = api(world.head_a, "POST", f"/escalations/{escalation.id}/acknowledge",
             json={"action": "urge", "note": "Đã nhắc chuyên viên"})
    assert ok.status_code == 200, ok.get_json()
    assert ok.get_json()["action_taken"] == "urge"
    assert ok.get_json()["action_note"] == "Đã nhắc chuyên viên"
    again = api(world.head_a, "POST", f"/escalations/{escalation.id}/acknowledge",
                json={"action": "note", "note": "Lần nữa"})
    assert again.status_code == 409 and again.get_json()["action_taken"] == "urge"
    db.session.expire_all()
    assert db.session.get(Escalation, escalation.id).action_taken == "urge"
    assert "escalation_acknowledged" in db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.chain == f"case:{routed_case.id}")).all()
    assert api(world.head_a, "GET", "/escalations").get_json()["total"] == 0
    done = api(world.head_a, "GET", "/escalations?state=acknowledged").get_json()
    assert [i["id"] for i in done["items"]] == [escalation.id]
    assert api(world.head_a, "GET", "/escalations?state=open").status_code == 422


def test_the_supervisor_designates_the_lead_of_an_evaded_case(api, world, routed_case):
    case = routed_case
    workflow.transfer(case, "SO-B", "Sai thẩm quyền", world.head_a, NOW, TODAY, decided_on=D)
    workflow.transfer(case, "SO-A", "Sai thẩm quyền", world.head_b, NOW, TODAY, decided_on=D)
    escalation = db.session.scalar(select(Escalation).where(Escalation.reason == "evaded"))
    assert escalation.to_agency_id == world.province.id
    items = api(world.province_head, "GET", "/escalations").get_json()["items"]
    assert [(i["id"], i["lead_to_designate"]) for i in items] == [(escalation.id, True)]
    # Only the supervisor's head, and an agency within its reach.
    assert api(world.head_a, "POST", f"/escalations/{escalation.id}/lead",
               json={"agency_code": "SO-B"}).status_code == 404
    desk = api(world.province_head, "POST", f"/escalations/{escalation.id}/lead",
               json={"agency_code": "KHONG-CO", "note": "Ai đó chủ trì"})
    assert desk.status_code == 422 and "agency_code" in desk.get_json()["errors"]
    done = api(world.province_head, "POST", f"/escalations/{escalation.id}/lead",
               json={"agency_code": "SO-B", "note": "Sở B chủ trì"})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["tracking_code"] == case.tracking_code
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.lead_agency_id == world.b.id and case.agency_id == world.b.id
    row = db.session.get(Escalation, escalation.id)
    assert row.action_taken == "set_lead"
    assert api(world.province_head, "GET", "/escalations").get_json()["items"] == []


def test_the_openapi_document_describes_the_escalation_paths(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/escalations", "/api/v1/escalations/{escalation_id}/acknowledge",
            "/api/v1/escalations/{escalation_id}/lead"} <= set(paths)
