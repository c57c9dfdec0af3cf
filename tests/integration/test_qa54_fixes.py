"""QA round 54: the JSON API as an integrator uses it (a province's dashboard, a ministry's
system, a mobile app for officials: the OpenAPI document against the answers, odd bodies,
content types, retries, tokens). Each test fails on the frozen code because of the defect
its docstring names."""

from __future__ import annotations

import json

import jsonschema_rs
import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import AuditEvent, Case, Escalation
from tests.conftest import NOW, TODAY

API = "/api/v1"
pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY

EN = {"Accept-Language": "en"}
LONE_SURROGATE = "\\ud800"  # as a JSON escape: json.loads gives a str no database takes


@pytest.fixture
def world(make_agency, make_user, make_locality):
    province = make_agency(code="UBND-HP", level="province", name="UBND thành phố")
    desk = make_agency(code="BTCD", parent=province, name="Ban Tiếp công dân",
                       is_reception_desk=True)
    so = make_agency(code="SO-TNMT", parent=province, name="Sở Tài nguyên và Môi trường")
    xd = make_agency(code="SO-XD", parent=province, name="Sở Xây dựng")
    make_locality(code="11311", name="Phường Lê Chân")
    w = {
        "province": province, "so": so,
        "reception": make_user("reception", agency=desk, username="tiepdan"),
        "head": make_user("agency_head", agency=so, username="giamdoc"),
        "officer": make_user("agency_officer", agency=so, username="chuyenvien"),
        "head_xd": make_user("agency_head", agency=xd, username="giamdoc_xd"),
        "province_head": make_user("agency_head", agency=province, username="chutich"),
    }
    db.session.commit()
    return w


def _body(**kw) -> dict:
    body = {"kind": "recommendation", "field": "land", "subject": "Ô nhiễm bãi rác",
            "content": "Đề nghị di dời bãi rác.", "channel": "walk_in",
            "received_on": "2026-11-20", "locality_code": "11311",
            "petitioners": [{"full_name": "Trần Thị A", "address": "1 Lạch Tray"}]}
    body.update(kw)
    return body


def _raw_json(api, user, path: str, text: str, headers: dict | None = None):
    return api(user, "POST", path, data=text.encode("utf-8"),
               headers={"Content-Type": "application/json", **(headers or {})})


def _routed(api, world) -> str:
    created = api(world["reception"], "POST", "/cases", json=_body(agency_code="SO-TNMT"))
    assert created.status_code == 201, created.get_json()
    return created.get_json()["tracking_code"]


# --- Odd bodies: a JSON "\ud800" in a code field --------------------------------------------------

def _surrogate_requests(api, world):
    """(label, caller) pairs: each sends a lone surrogate in a field that names something
    (a code, a username) rather than free text."""
    reception, head = world["reception"], world["head"]

    def intake(name):
        text = json.dumps(_body(**{name: "SUR"}), ensure_ascii=False)
        return lambda: _raw_json(api, reception, "/cases",
                                 text.replace('"SUR"', f'"X{LONE_SURROGATE}"'), EN)

    def action(user, action_name, body):
        def call():
            code = (_routed(api, world) if user is head else api(
                reception, "POST", "/cases", json=_body()).get_json()["tracking_code"])
            return _raw_json(api, user, f"/cases/{code}/{action_name}",
                             body.replace("SUR", f"X{LONE_SURROGATE}"), EN)
        return call

    def plain(path, body):
        return lambda: _raw_json(api, reception, path,
                                 body.replace("SUR", f"X{LONE_SURROGATE}"), EN)

    def split(body):
        def call():
            code = api(reception, "POST", "/cases", json=_body()).get_json()["tracking_code"]
            return plain(f"/cases/{code}/split", body)()
        return call

    session = '{"held_on": "2026-11-30", "kind": "regular", '
    return {
        "tokens.username": plain("/tokens", '{"username": "SUR", "password": "x"}'),
        "tokens.password": plain("/tokens", '{"username": "tiepdan", "password": "SUR"}'),
        "cases.parent_tracking_code": intake("parent_tracking_code"),
        "split.field": split('{"kind": "complaint", "field": "SUR", "subject": "s", '
                             '"content": "c", "kept_content": "k"}'),
        "reception-sessions.case": plain("/reception-sessions", session + '"case": "SUR"}'),
        "reception-sessions.join_code": plain(
            "/reception-sessions", session + '"petitions": [{"join_code": "SUR", '
            '"petitioners": [{"full_name": "Trần Thị A"}]}]}'),
        "reception-sessions.field": plain(
            "/reception-sessions", session + '"petitions": [{"kind": "recommendation", '
            '"field": "SUR", "subject": "s", "content": "c", "locality_code": "11311", '
            '"petitioners": [{"full_name": "Trần Thị A", "address": "x"}]}]}'),
        "cases.field": intake("field"),
        "cases.locality_code": intake("locality_code"),
        "cases.agency_code": intake("agency_code"),
        "route.agency_code": action(reception, "route", '{"agency_code": "SUR"}'),
        "assign.officer": action(head, "assign", '{"officer": "SUR"}'),
        "transfer.to_agency_code": action(head, "transfer",
                                          '{"to_agency_code": "SUR", "reason": "Sai"}'),
        "return.suggested_agency_code": action(head, "return",
                                               '{"suggested_agency_code": "SUR", '
                                               '"reason": "Sai"}'),
    }


@pytest.mark.parametrize("where", [
    "tokens.username", "tokens.password", "cases.field", "cases.locality_code",
    "cases.agency_code", "cases.parent_tracking_code", "route.agency_code", "assign.officer",
    "transfer.to_agency_code", "return.suggested_agency_code", "split.field",
    "reception-sessions.case", "reception-sessions.join_code", "reception-sessions.field"])
def test_a_lone_surrogate_in_a_code_or_username_is_a_422_not_a_500(api, world, where):
    """A JSON string may spell a lone surrogate ("\\ud800"); json.loads gives a str that no
    database driver can encode. Free-text fields already refuse it with a 422 ("This text
    holds an invalid control character", domain.text._CONTROL: the fuzz test's strings and
    test_api_intake_refuses_control_characters reach those), but the fields that are only
    looked up or hashed — POST /tokens `username` and `password`, POST /cases `field`,
    `locality_code`, `agency_code`, `parent_tracking_code`, route's `agency_code`, assign's
    `officer`, transfer's `to_agency_code`, return's `suggested_agency_code`, split's
    `field`, a reception session's `case`, a raised petition's `join_code` and `field` —
    go straight into a WHERE clause (or the password hash): UnicodeEncodeError, a 500 (the
    test client re-raises it). The brief and the API's own
    rule ("odd bodies give a clear 4xx, never a 500"): refuse any string holding a control
    character or surrogate in the API's schemas (BaseSchema / _text), 422 naming the field,
    before anything is looked up."""
    call = _surrogate_requests(api, world)[where]
    try:
        response = call()
    except UnicodeEncodeError as exc:  # the client re-raises the server's 500
        db.session.rollback()
        pytest.fail(f"{where}: 500 ({exc})")
    assert response.status_code == 422, response.get_json()
    assert response.is_json and response.get_json()["status"] == 422


# --- Content types ----------------------------------------------------------------------------

def test_a_form_encoded_body_is_refused_not_silently_dropped(api, world):
    """An integrator posting `application/x-www-form-urlencoded` (curl -d, a mobile HTTP
    library's default) gets its body thrown away: _body() reads request.get_data(), which is
    empty once the form parser has consumed the stream, so the body counts as `{}`. POST
    …/accept with `decided_on=2026-11-25` answers 200 and records the acceptance dated
    today (the decision date sent is silently lost); POST /cases with every field answers
    422 "This field is required." for each of them. The document declares every request
    body `application/json` and lists 400 for "JSON that does not parse": a body of
    another content type must be refused (415, or the documented 400 "the body must be
    JSON") and nothing done."""
    code = _routed(api, world)
    response = api(world["head"], "POST", f"/cases/{code}/accept",
                   data={"decided_on": "2026-11-25"}, headers=EN)
    assert response.status_code in (400, 415), (response.status_code,
                                                response.get_json().get("accepted_on"))
    assert response.is_json and response.get_json()["status"] == response.status_code
    db.session.expire_all()
    case = db.session.scalar(select(Case).where(Case.tracking_code == code))
    assert case.status == "routed"


# --- The document against the answers -------------------------------------------------------

def _nullable(node):
    """OpenAPI 3.0's `nullable` as JSON Schema."""
    if isinstance(node, dict):
        node = {k: _nullable(v) for k, v in node.items()}
        if node.pop("nullable", False):
            if "type" in node:
                node["type"] = [node["type"], "null"]
            elif "$ref" in node or "allOf" in node:
                node = {"anyOf": [node, {"type": "null"}]}
        return node
    if isinstance(node, list):
        return [_nullable(v) for v in node]
    return node


def _conformance_errors(doc: dict, method: str, path: str, response) -> list[str]:
    documented = doc["paths"][path][method]["responses"].get(str(response.status_code))
    if documented is None:
        return [f"{response.status_code} is not documented"]
    schema = _nullable(documented["content"]["application/json"]["schema"])
    validator = jsonschema_rs.Draft4Validator(
        {**schema, "components": _nullable(doc["components"])})
    return [error.message for error in validator.iter_errors(response.get_json())]


def test_a_second_acknowledgement_answers_the_documented_409(api, world, client):
    """POST /escalations/{id}/acknowledge on an escalation acknowledged already (or closed
    by the system: `superseded`, `no_longer_mass`) answers 409 with
    {"error", "status", "action_taken"}; the document gives that 409 the ConflictError
    schema (action, case_status, allowed_actions) with additionalProperties: false, so a
    client generated from the document (or schemathesis' response_schema_conformance,
    which never reaches this path: the fuzz world has no escalation) rejects the answer.
    The document must describe the answer actually given — an escalation's own 409 schema
    with `action_taken` (nullable) — or the answer must follow ConflictError."""
    code = _routed(api, world)
    case = db.session.scalar(select(Case).where(Case.tracking_code == code))
    # An urging to the province (an evasion's is closed by designating a lead instead).
    escalation = Escalation(case_id=case.id, stage="acceptance", level=2, reason="overdue",
                            to_agency_id=world["province"].id, as_of=TODAY, created_at=NOW)
    db.session.add(escalation)
    db.session.commit()
    path = f"/escalations/{escalation.id}/acknowledge"
    first = api(world["province_head"], "POST", path,
                json={"action": "note", "note": "Đã xem"}, headers=EN)
    assert first.status_code == 200, first.get_json()
    again = api(world["province_head"], "POST", path,
                json={"action": "urge", "note": "Lần nữa"}, headers=EN)
    assert again.status_code == 409
    doc = client.get(f"{API}/openapi.json").get_json()
    errors = _conformance_errors(doc, "post", f"{API}/escalations/{{escalation_id}}/acknowledge",
                                 again)
    assert errors == [], errors


# --- Guards -------------------------------------------------------------------------------------

def test_guard_created_case_answer_equals_the_case_read_back(api, world):
    """Guard: POST /cases (a plain intake answers from what it wrote, NewCaseView) and
    GET /cases/{code} give the same case, field for field, in either language."""
    for lang in ("vi", "en"):
        headers = {"Accept-Language": lang}
        created = api(world["reception"], "POST", "/cases", json=_body(kind="complaint",
                                                                       complaint_round=1),
                      headers=headers).get_json()
        assert created.pop("pin").isdigit()
        read = api(world["reception"], "GET", f"/cases/{created['tracking_code']}",
                   headers=headers).get_json()
        assert created == read


def test_guard_a_retried_action_is_a_409_listing_what_may_be_done(api, world):
    """Guard: an accept sent twice (a retry after a lost answer) is a 409 in the request's
    language with the case's allowed_actions, and only one acceptance is in the trail."""
    code = _routed(api, world)
    assert api(world["head"], "POST", f"/cases/{code}/accept", json={}).status_code == 200
    again = api(world["head"], "POST", f"/cases/{code}/accept", json={}, headers=EN)
    assert again.status_code == 409
    body = again.get_json()
    assert body["case_status"] == "accepted" and "assign" in body["allowed_actions"]
    assert body["error"].startswith("The action")
    case_id = db.session.scalar(select(Case.id).where(Case.tracking_code == code))
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.chain == f"case:{case_id}")).all()
    assert actions.count("accepted") == 1


def test_guard_paging_past_the_end_keeps_total_and_pages(api, world):
    """Guard: a page past the end is empty with the same total and pages; per_page and
    page out of range are 422s naming the parameter, in English when asked."""
    for _ in range(3):
        api(world["reception"], "POST", "/cases", json=_body())
    page = api(world["reception"], "GET", "/cases?per_page=2&page=9").get_json()
    assert (page["items"], page["total"], page["pages"], page["page"]) == ([], 3, 2, 9)
    bad = api(world["reception"], "GET", "/cases?per_page=101", headers=EN)
    assert bad.status_code == 422 and "per_page" in bad.get_json()["errors"]
    assert bad.get_json()["error"] == "Invalid data."
