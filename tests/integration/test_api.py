"""The JSON API: tokens, reference data, the case story end to end, errors, OpenAPI."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from complaints import clock
from complaints.extensions import db
from complaints.models import ApiToken, AuditEvent, Locality
from tests.conftest import NOW, TODAY
from tests.factories import PASSWORD

API = "/api/v1"


pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY


@pytest.fixture
def world(make_agency, make_user, make_locality):
    """A reception desk, two agencies with their heads and officers, an inspector."""
    province = make_agency(code="UBND-HP", level="province", name="UBND thành phố")
    desk = make_agency(code="BTCD", parent=province, name="Ban Tiếp công dân")
    so = make_agency(code="SO-TNMT", parent=province, name="Sở Tài nguyên và Môi trường")
    ward = make_agency(code="UBND-LC", parent=province, level="commune",
                       name="UBND phường Lê Chân")
    w = {
        "province": province, "desk": desk, "so": so, "ward": ward,
        "locality": make_locality(code="11311", name="Phường Lê Chân"),
        "reception": make_user("reception", agency=desk, username="tiepdan"),
        "head": make_user("agency_head", agency=so, username="giamdoc"),
        "officer": make_user("agency_officer", agency=so, username="chuyenvien"),
        "ward_head": make_user("agency_head", agency=ward, username="chutich"),
        "inspector": make_user("inspector", username="thanhtra"),
    }
    db.session.commit()
    return w


def _people(n: int, reps: int = 0) -> list[dict]:
    return [
        {"full_name": f"Trần Thị {chr(65 + i)}", "id_number": f"03120000{i:04d}",
         "phone": f"09120000{i:02d}", "email": f"nguoi{i}@example.vn",
         "address": f"{i} Lạch Tray, Hải Phòng", "is_representative": i < reps}
        for i in range(n)
    ]


def _case_body(w, **overrides) -> dict:
    body = {
        "kind": "recommendation", "field": "land", "subject": "Ô nhiễm từ bãi rác",
        "content": "Đề nghị di dời bãi rác gây ô nhiễm khu dân cư.", "channel": "walk_in",
        "received_on": "2026-11-20", "locality_code": w["locality"].code,
        "petitioners": _people(1),
    }
    body.update(overrides)
    return body


# --- Tokens ----------------------------------------------------------------------------------

def test_token_is_issued_stored_hashed_and_expires(client, world, monkeypatch):
    db.session.commit()
    response = client.post(f"{API}/tokens",
                           json={"username": "giamdoc", "password": PASSWORD})
    assert response.status_code == 201
    body = response.get_json()
    token = body["token"]
    assert body["expires_at"].startswith("2026-12-01T15:00")  # 12 hours after NOW
    row = db.session.scalar(select(ApiToken))
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in (row.token_hash,)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"{API}/agencies", headers=headers).status_code == 200
    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(hours=12, minutes=1))
    expired = client.get(f"{API}/agencies", headers=headers)
    assert expired.status_code == 401
    assert expired.headers["WWW-Authenticate"].startswith("Bearer")


def test_wrong_password_gets_401_json(client, world):
    response = client.post(f"{API}/tokens", json={"username": "giamdoc", "password": "nope"})
    assert response.status_code == 401
    assert response.get_json()["status"] == 401


@pytest.mark.parametrize("path", ["/agencies", "/fields", "/localities", "/cases",
                                  "/cases/2026-XXXXXXXX"])
def test_endpoints_need_a_token(client, world, path):
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic x"}):
        response = client.get(f"{API}{path}", headers=headers)
        assert response.status_code == 401
        assert response.is_json and "error" in response.get_json()


def test_revoked_token_no_longer_works(client, world):
    db.session.commit()
    token = client.post(f"{API}/tokens",
                        json={"username": "thanhtra", "password": PASSWORD}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.delete(f"{API}/tokens", headers=headers).status_code == 204
    assert client.get(f"{API}/fields", headers=headers).status_code == 401


# --- Reference data ----------------------------------------------------------------------------

def test_reference_data(api, world):
    agencies = {a["code"]: a for a in api(world["head"], "GET", "/agencies").get_json()}
    assert agencies["SO-TNMT"] == {"code": "SO-TNMT", "name": "Sở Tài nguyên và Môi trường",
                                   "name_en": None, "parent_code": "UBND-HP",
                                   "level": "department"}
    assert agencies["UBND-HP"]["parent_code"] is None
    fields = {f["code"]: f for f in api(world["head"], "GET", "/fields").get_json()}
    assert fields["land"] == {"code": "land", "name_vi": "Đất đai", "name_en": "Land",
                              "report_category": "admin_land"}


def test_agencies_carry_their_english_name_beside_the_vietnamese_one(api, world):
    """QA: under Accept-Language en the API gave only Vietnamese agency names, where Open311
    and the pages use the English name recorded (`name` stays the Vietnamese name)."""
    world["so"].name_en = "Department of Natural Resources and Environment"
    world["desk"].name_en = "Citizen Reception Board"
    db.session.commit()
    english = {"Accept-Language": "en"}
    agencies = {a["code"]: a for a in api(world["head"], "GET", "/agencies",
                                          headers=english).get_json()}
    assert agencies["SO-TNMT"]["name"] == "Sở Tài nguyên và Môi trường"
    assert agencies["SO-TNMT"]["name_en"] == "Department of Natural Resources and Environment"
    assert agencies["UBND-HP"]["name_en"] is None  # none recorded: `name` is the only one
    created = api(world["reception"], "POST", "/cases", headers=english,
                  json=_case_body(world, agency_code="SO-TNMT")).get_json()
    plain = api(world["reception"], "POST", "/cases", json=_case_body(world)).get_json()
    read = api(world["head"], "GET", f"/cases/{created['tracking_code']}",
               headers=english).get_json()
    for case in (created, read):
        assert case["agency"] == {"code": "SO-TNMT", "name": "Sở Tài nguyên và Môi trường",
                                  "name_en": "Department of Natural Resources and Environment"}
        assert case["reception_agency"]["name_en"] == "Citizen Reception Board"
        assert case["routings"][0]["to_agency"]["name_en"] == (
            "Department of Natural Resources and Environment")
    # A plain intake answers from what it wrote (NewCaseView): the desk's names too.
    assert plain["reception_agency"] == {"code": "BTCD", "name": "Ban Tiếp công dân",
                                         "name_en": "Citizen Reception Board"}
    listed = api(world["head"], "GET", "/cases", headers=english).get_json()["items"]
    assert listed[0]["agency"]["name_en"] == "Department of Natural Resources and Environment"


def test_localities_search_is_accent_insensitive_and_paginated(api, world):
    world["locality"].name_folded = "phuong le chan"
    db.session.add(Locality(code="11312", name="Phường An Biên", name_folded="phuong an bien",
                            division_type="phường", level="commune", province_code="31"))
    db.session.commit()
    for q in ("Lê Chân", "le chan", "LE CHAN"):
        body = api(world["reception"], "GET", f"/localities?q={q}").get_json()
        assert [i["code"] for i in body["items"]] == ["11311"], q
        assert body["items"][0] == {"code": "11311", "name": "Phường Lê Chân",
                                    "division_type": "phường", "level": "commune",
                                    "province_code": "31"}
    page = api(world["reception"], "GET", "/localities?q=phuong&per_page=1&page=2").get_json()
    assert page["total"] == 2 and page["page"] == 2 and page["per_page"] == 1
    assert len(page["items"]) == 1
    bad = api(world["reception"], "GET", "/localities?page=zero")
    assert bad.status_code == 422 and "page" in bad.get_json()["errors"]


# --- The story -----------------------------------------------------------------------------------

def test_group_petition_story_through_the_api(api, world):
    reception, head, officer = world["reception"], world["head"], world["officer"]
    body = _case_body(world, petitioners=_people(6, reps=2), agency_code="SO-TNMT",
                      route_reason="Thuộc thẩm quyền của Sở")
    created = api(reception, "POST", "/cases", json=body)
    assert created.status_code == 201, created.get_json()
    case = created.get_json()
    code = case["tracking_code"]
    assert case["status"] == "routed" and case["kind"] == "recommendation"
    assert case["agency"] == {"code": "SO-TNMT", "name": "Sở Tài nguyên và Môi trường",
                              "name_en": None}
    assert case["pin"].isdigit() and len(case["pin"]) == 6
    signers = case["petitions"][0]["signers"]
    assert len(signers) == 6 and sum(s["is_representative"] for s in signers) == 2
    assert {s["full_name"] for s in signers} == {f"Trần Thị {chr(65 + i)}" for i in range(6)}
    stages = {d["stage"]: d for d in case["deadlines"]}
    assert stages["handling"]["met_on"] == "2026-12-01"
    assert stages["acceptance"]["met_on"] is None and stages["acceptance"]["rule"]
    assert isinstance(stages["acceptance"]["days_left"], int)
    assert case["routings"][0]["to_agency"]["code"] == "SO-TNMT"
    assert "accept" not in case["allowed_actions"]

    # The PIN is only in the creation answer.
    read = api(head, "GET", f"/cases/{code}").get_json()
    assert "pin" not in read
    assert read["allowed_actions"] == ["accept", "refuse", "assign", "return", "transfer",
                                      "withdraw"]

    # Routed at intake today (01/12): acceptance cannot be dated before it reached the Sở.
    early = api(head, "POST", f"/cases/{code}/accept", json={"decided_on": "2026-11-23"})
    assert early.status_code == 422
    assert "01/12/2026" in early.get_json()["errors"]["decided_on"]
    accepted = api(head, "POST", f"/cases/{code}/accept", json={"decided_on": "2026-12-01"})
    assert accepted.status_code == 200, accepted.get_json()
    case = accepted.get_json()
    assert case["status"] == "accepted" and case["accepted_on"] == "2026-12-01"
    resolution = next(d for d in case["deadlines"] if d["stage"] == "resolution")
    assert resolution["start_on"] == "2026-12-01"

    assigned = api(head, "POST", f"/cases/{code}/assign", json={"officer": "chuyenvien"})
    assert assigned.get_json()["officer"] == {"username": "chuyenvien",
                                              "full_name": officer.full_name}

    extended = api(head, "POST", f"/cases/{code}/extend",
                   json={"days": 5, "reason": "Cần xác minh thực địa", "decided_on": "2026-12-01"})
    assert extended.status_code == 200, extended.get_json()
    after = next(d for d in extended.get_json()["deadlines"] if d["stage"] == "resolution")
    assert after["extended_days"] == 5 and after["due_on"] > resolution["due_on"]
    assert extended.get_json()["extension_count"] == 1

    resolved = api(head, "POST", f"/cases/{code}/resolve", json={
        "outcome": "answered", "decision_number": "123/TB-STNMT", "decided_on": "2026-12-01",
        "summary": "Đã trả lời, bãi rác sẽ được di dời.", "money_to_recover": "12.5",
        "people_disciplined": 1})
    assert resolved.status_code == 200, resolved.get_json()
    case = resolved.get_json()
    assert case["status"] == "resolved" and case["outcome"] == "answered"
    assert case["decision_number"] == "123/TB-STNMT" and case["decision_on"] == "2026-12-01"
    assert case["resolution_summary"].startswith("Đã trả lời")
    assert case["figures"]["money_to_recover"] == "12.50"
    assert case["figures"]["people_disciplined"] == 1
    assert case["resolved_on_time"] is True

    closed = api(head, "POST", f"/cases/{code}/close", json={})
    assert closed.status_code == 200
    case = closed.get_json()
    assert case["status"] == "closed" and case["allowed_actions"] == []
    story = ["received", "routed", "accepted", "assigned", "extended", "resolved", "closed"]
    actions = [e["action"] for e in case["timeline"]]
    assert [a for a in actions if a in story] == story
    assert [e["seq"] for e in case["timeline"]] == list(range(1, len(actions) + 1))
    # Six petitioners make a mass petition: flagged and escalated at intake.
    assert "mass" in created.get_json()["flags"]
    escalation = created.get_json()["escalations"][0]
    assert escalation["reason"] == "mass" and escalation["acknowledged_at"] is None
    assert set(escalation) == {"level", "reason", "stage", "to_agency", "as_of",
                               "created_at", "acknowledged_at", "action_taken"}
    assert case["timeline"][0]["actor"].startswith("tiepdan#")
    assert case["timeline"][0]["data"]["signers"] == 6

    listed = api(reception, "GET", "/cases?status=closed").get_json()
    assert [c["tracking_code"] for c in listed["items"]] == [code]
    assert listed["total"] == 1 and "petitions" not in listed["items"][0]


def test_returned_case_is_rerouted_by_reception(api, world):
    reception, ward_head, head = world["reception"], world["ward_head"], world["head"]
    created = api(reception, "POST", "/cases", json=_case_body(
        world, kind="complaint", agency_code="UBND-LC")).get_json()
    code = created["tracking_code"]
    assert created["complaint_round"] == 1

    returned = api(ward_head, "POST", f"/cases/{code}/return", json={
        "reason": "Đất do Sở quản lý", "suggested_agency_code": "SO-TNMT"})
    assert returned.status_code == 200, returned.get_json()
    case = returned.get_json()
    assert case["status"] == "returned" and case["agency"] is None
    move = case["routings"][-1]
    assert move["action"] == "return" and move["reason"] == "Đất do Sở quản lý"
    assert move["from_agency"]["code"] == "UBND-LC"
    assert move["suggested_agency"]["code"] == "SO-TNMT"
    # The returning agency no longer sees the case; the desk's queue has it.
    assert api(ward_head, "GET", f"/cases/{code}").status_code == 404
    waiting = api(reception, "GET", "/cases?status=returned").get_json()
    assert [c["tracking_code"] for c in waiting["items"]] == [code]

    rerouted = api(reception, "POST", f"/cases/{code}/route",
                   json={"agency_code": "SO-TNMT", "reason": "Theo đề xuất của phường"})
    assert rerouted.status_code == 200, rerouted.get_json()
    case = rerouted.get_json()
    assert case["status"] == "routed" and case["agency"]["code"] == "SO-TNMT"
    assert [r["action"] for r in case["routings"]] == ["route", "return", "route"]
    assert api(head, "GET", f"/cases/{code}").status_code == 200


def test_later_petition_is_attached_by_reception(api, world):
    created = api(world["reception"], "POST", "/cases",
                  json=_case_body(world, agency_code="SO-TNMT")).get_json()
    code = created["tracking_code"]
    body = {"channel": "mail", "received_on": "2026-11-28",
            "petitioners": [{"full_name": "Lê Văn Mới", "phone": "0913000111"}]}
    response = api(world["reception"], "POST", f"/cases/{code}/petitions", json=body)
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    assert len(case["petitions"]) == 2
    assert case["petitions"][1]["handling_outcome"] == "joined"
    assert case["timeline"][-1]["action"] == "petition_added"
    assert api(world["head"], "POST", f"/cases/{code}/petitions", json=body).status_code == 403
    missing = api(world["reception"], "POST", "/cases/2026-NOPE/petitions", json=body)
    assert missing.status_code == 404


def test_case_list_filters_and_pagination(api, world):
    reception = world["reception"]
    codes = []
    for agency in ("SO-TNMT", "SO-TNMT", "UBND-LC"):
        codes.append(api(reception, "POST", "/cases",
                         json=_case_body(world, agency_code=agency)).get_json()["tracking_code"])
    at_desk = api(reception, "POST", "/cases", json=_case_body(world)).get_json()
    assert at_desk["status"] == "received" and at_desk["agency"] is None

    all_cases = api(reception, "GET", "/cases?per_page=2").get_json()
    assert all_cases["total"] == 4 and len(all_cases["items"]) == 2 and all_cases["pages"] == 2
    so_cases = api(reception, "GET", "/cases?agency=SO-TNMT").get_json()
    assert sorted(c["tracking_code"] for c in so_cases["items"]) == sorted(codes[:2])
    assert api(world["head"], "GET", "/cases").get_json()["total"] == 2
    assert api(world["ward_head"], "GET", "/cases").get_json()["total"] == 1
    assert api(world["inspector"], "GET", "/cases").get_json()["total"] == 4
    assert api(reception, "GET", "/cases?flag=mass").get_json()["total"] == 0
    # Received 20/11: the handling deadline (10 working days) is not yet past on 01/12 …
    assert api(reception, "GET", "/cases?overdue=true").get_json()["total"] == 0
    assert api(reception, "GET", "/cases?overdue=false").get_json()["total"] == 4

    bad = api(reception, "GET", "/cases?status=lost&flag=x&overdue=maybe")
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) == {"status", "flag", "overdue"}


def test_overdue_filter_uses_today(api, world, monkeypatch):
    api(world["reception"], "POST", "/cases", json=_case_body(world))
    monkeypatch.setattr(clock, "today", lambda: TODAY + timedelta(days=30))
    assert api(world["reception"], "GET", "/cases?overdue=true").get_json()["total"] == 1


# --- Errors -------------------------------------------------------------------------------------

def test_case_body_errors_are_422_per_field(api, world):
    response = api(world["reception"], "POST", "/cases", json={
        "kind": "rumour", "channel": "fax", "received_on": "2026-13-45",
        "petitioners": [{"phone": "0912"}], "extra": 1})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"kind", "channel", "received_on", "petitioners.0.full_name",
                           "field", "subject", "content", "extra"}
    assert errors["field"] == "Trường này là bắt buộc."


def test_service_validation_is_422_per_field(api, world):
    body = _case_body(world, field="astrology", received_on="2026-12-02",
                      petitioners=_people(5))
    body["petitioners"][1]["email"] = "not-an-address"
    response = api(world["reception"], "POST", "/cases", json=body)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert "tương lai" in errors["received_on"]
    assert "field" in errors
    assert "đại diện" in errors["petitioners"]
    assert "petitioners.1.email" in errors
    unknown_agency = api(world["reception"], "POST", "/cases",
                         json=_case_body(world, agency_code="NOWHERE"))
    assert unknown_agency.status_code == 422
    assert "agency_code" in unknown_agency.get_json()["errors"]
    # Nothing of a refused request is kept.
    assert api(world["reception"], "GET", "/cases").get_json()["total"] == 0


def test_action_errors(api, world, client):
    head = world["head"]
    code = api(world["reception"], "POST", "/cases",
               json=_case_body(world, agency_code="SO-TNMT")).get_json()["tracking_code"]
    future = api(head, "POST", f"/cases/{code}/accept", json={"decided_on": "2026-12-02"})
    assert future.status_code == 422 and "decided_on" in future.get_json()["errors"]
    no_officer = api(head, "POST", f"/cases/{code}/assign", json={"officer": "nobody"})
    assert no_officer.status_code == 422 and "officer" in no_officer.get_json()["errors"]

    conflict = api(head, "POST", f"/cases/{code}/close", json={})
    assert conflict.status_code == 409
    body = conflict.get_json()
    assert body["case_status"] == "routed" and "accept" in body["allowed_actions"]
    # The message names the action as people do; the code stays in "action".
    assert body["action"] == "close" and "“close”" not in body["error"]
    assert body["error"].startswith("Không thể thực hiện thao tác “")

    api(head, "POST", f"/cases/{code}/accept", json={})
    bad_days = api(head, "POST", f"/cases/{code}/extend", json={"days": "many", "reason": ""})
    assert bad_days.status_code == 422
    assert set(bad_days.get_json()["errors"]) == {"days"}  # blank reason: caught by the service
    resolve = api(head, "POST", f"/cases/{code}/resolve", json={"summary": "x"})
    assert set(resolve.get_json()["errors"]) == {"outcome", "decision_number"}
    wrong_outcome = api(head, "POST", f"/cases/{code}/resolve", json={
        "outcome": "upheld", "decision_number": "1", "summary": "x"})
    assert wrong_outcome.status_code == 422 and "outcome" in wrong_outcome.get_json()["errors"]

    assert api(head, "POST", f"/cases/{code}/teleport", json={}).status_code == 404
    malformed = api(head, "POST", f"/cases/{code}/extend", data="{not json",
                    content_type="application/json")
    assert malformed.status_code == 400 and malformed.is_json
    not_object = api(head, "POST", f"/cases/{code}/assign", json=["chuyenvien"])
    assert not_object.status_code == 422


def test_a_409_offers_what_the_case_answer_lists_for_the_caller(api, world):
    """QA: accepting an accepted complaint answered allowed_actions with `extend` (a first
    complaint's policy allows no extension) and `designate_lead` (no API action: 404),
    while GET listed only what the head may do."""
    head = world["head"]
    code = api(world["reception"], "POST", "/cases", json=_case_body(
        world, kind="complaint", agency_code="SO-TNMT")).get_json()["tracking_code"]
    assert api(head, "POST", f"/cases/{code}/accept", json={}).status_code == 200
    conflict = api(head, "POST", f"/cases/{code}/accept", json={})
    assert conflict.status_code == 409
    offered = conflict.get_json()["allowed_actions"]
    assert offered == api(head, "GET", f"/cases/{code}").get_json()["allowed_actions"]
    assert "extend" not in offered and "designate_lead" not in offered
    assert "resolve" in offered
    # Another caller is offered their own list.
    desk = api(world["reception"], "POST", f"/cases/{code}/route",
               json={"agency_code": "SO-TNMT"})
    assert desk.status_code == 409
    assert desk.get_json()["allowed_actions"] == api(
        world["reception"], "GET", f"/cases/{code}").get_json()["allowed_actions"]


# --- OpenAPI -------------------------------------------------------------------------------------

def test_openapi_document_lists_every_operation(client, app):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"].startswith("3.")
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {"type": "http",
                                                                  "scheme": "bearer"}
    paths = doc["paths"]
    for path in ("/tokens", "/agencies", "/fields", "/localities", "/cases",
                 "/cases/{tracking_code}", "/cases/{tracking_code}/petitions"):
        assert f"{API}{path}" in paths, path
    from complaints.services.workflow import ACTIONS

    for action in ACTIONS:
        op = paths[f"{API}/cases/{{tracking_code}}/{action}"]["post"]
        assert "requestBody" in op and op["security"] == [{"bearerAuth": []}]
        assert op["responses"]["200"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/StaffCase"}
        assert {"401", "403", "404", "409", "422"} <= set(op["responses"])
    case_props = doc["components"]["schemas"]["StaffCase"]["properties"]
    for name in ("tracking_code", "kind", "status", "agency", "deadlines", "flags",
                 "escalation_level", "escalations", "timeline", "petitions"):
        assert name in case_props
    create = paths[f"{API}/cases"]["post"]
    ref = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    props = doc["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]
    assert {"kind", "field", "subject", "content", "channel", "received_on",
            "locality_code", "petitioners", "agency_code"} <= set(props)
    assert paths[f"{API}/tokens"]["post"]["security"] == []


def test_every_workflow_action_has_an_api_spec():
    from complaints.services.workflow import ACTIONS
    from complaints.web.api.actions import ACTION_SPECS

    assert set(ACTION_SPECS) == set(ACTIONS)


def test_token_audit_event_has_no_secret(api, world):
    api(world["inspector"], "GET", "/fields")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api_token_issued"))
    assert event is not None
    row = db.session.scalar(select(ApiToken))
    assert row.token_hash not in event.data


def test_bound_and_choice_messages_speak_the_requests_language(client, api, world):
    # Found by a QA pass: marshmallow's own "Must be greater than or equal to 1 and less
    # than or equal to 1000000." showed among Vietnamese messages.
    body = api(world["head"], "GET", "/cases?page=0&per_page=1000&status=nope").get_json()
    assert body["errors"]["page"] == "Phải từ 1 đến 1000000."
    assert body["errors"]["per_page"] == "Phải từ 1 đến 100."
    assert body["errors"]["status"].startswith("Phải là một trong: ")
    english = api(world["head"], "GET", "/cases?page=0&lang=en").get_json()
    assert english["errors"]["page"] == "Must be between 1 and 1000000."
    typed = api(world["head"], "GET", "/cases?page=abc&lang=en").get_json()
    assert typed["errors"]["page"] == "Must be a whole number."  # was left in Vietnamese
    missing = api(world["head"], "GET", "/reception-sessions/999999").get_json()
    assert missing["error"] == "Không tìm thấy buổi tiếp công dân."
