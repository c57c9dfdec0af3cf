"""The API's permission matrix (role × action × own/other agency) and denouncer masking."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import AuditEvent
from complaints.services import workflow
from tests.conftest import NOW, TODAY

API = "/api/v1"
MASK = "*** (bảo mật)"
DENOUNCER = "Phạm Văn Tố"


pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY


@pytest.fixture
def setup(make_agency, make_user, make_case):
    """A case logged at desk A and routed to agency H; O and desk B are strangers to it."""
    desk_a, desk_b = make_agency(code="DESK-A"), make_agency(code="DESK-B")
    own, other = make_agency(code="AG-H"), make_agency(code="AG-O")
    users = {
        ("reception", "own"): make_user("reception", agency=desk_a),
        ("reception", "other"): make_user("reception", agency=desk_b),
        ("agency_head", "own"): make_user("agency_head", agency=own),
        ("agency_head", "other"): make_user("agency_head", agency=other),
        ("agency_officer", "own"): make_user("agency_officer", agency=own),
        ("agency_officer", "other"): make_user("agency_officer", agency=other),
        ("inspector", "any"): make_user("inspector"),
        ("admin", "any"): make_user("admin"),
    }
    case = make_case(actor=users[("reception", "own")], kind="recommendation",
                     received_on=TODAY)
    workflow.route(case, "AG-H", users[("reception", "own")], NOW, TODAY)
    db.session.commit()
    return case, users


BODIES = {
    "accept": {},
    "assign": {"officer": "__officer__"},
    "return": {"reason": "Không thuộc thẩm quyền", "suggested_agency_code": "AG-O"},
    "transfer": {"to_agency_code": "AG-O", "reason": "Thuộc thẩm quyền cơ quan khác"},
    "refuse": {"reason": "Không đủ điều kiện thụ lý"},
    "withdraw": {"reason": "Công dân rút đơn"},
    "route": {"agency_code": "AG-O"},
    "close": {},
}

# role, own/other agency, action ("read" is GET), expected status (case is "routed").
MATRIX = [
    ("agency_head", "own", "read", 200),
    ("agency_head", "own", "accept", 200),
    ("agency_head", "own", "assign", 200),
    ("agency_head", "own", "return", 200),
    ("agency_head", "own", "transfer", 200),
    ("agency_head", "own", "refuse", 200),
    ("agency_head", "own", "withdraw", 200),
    ("agency_head", "own", "close", 409),  # allowed to close, but not a routed case
    ("agency_head", "own", "route", 403),
    ("agency_head", "other", "read", 404),
    ("agency_head", "other", "accept", 404),
    ("agency_head", "other", "assign", 404),
    ("agency_head", "other", "return", 404),
    ("agency_officer", "own", "read", 200),
    ("agency_officer", "own", "accept", 403),
    ("agency_officer", "own", "assign", 403),
    ("agency_officer", "own", "return", 403),
    ("agency_officer", "other", "read", 404),
    ("agency_officer", "other", "accept", 404),
    ("reception", "own", "read", 200),
    ("reception", "own", "accept", 403),
    ("reception", "own", "withdraw", 200),
    ("reception", "own", "route", 409),  # already routed: re-routing waits for a return
    ("reception", "other", "read", 404),
    ("reception", "other", "withdraw", 404),
    ("inspector", "any", "read", 200),
    ("inspector", "any", "accept", 403),
    ("inspector", "any", "route", 403),
    ("inspector", "any", "close", 403),
    ("admin", "any", "read", 200),
    ("admin", "any", "accept", 403),
    ("admin", "any", "transfer", 403),
]


@pytest.mark.parametrize(("role", "relation", "action", "expected"), MATRIX)
def test_permission_matrix(api, setup, role, relation, action, expected):
    case, users = setup
    user = users[(role, relation)]
    code = case.tracking_code
    if action == "read":
        response = api(user, "GET", f"/cases/{code}")
    else:
        body = dict(BODIES[action])
        if body.get("officer") == "__officer__":
            body["officer"] = users[("agency_officer", "own")].username
        response = api(user, "POST", f"/cases/{code}/{action}", json=body)
    assert response.status_code == expected, response.get_json()
    assert response.is_json
    if expected in (403, 404):
        db.session.expire_all()
        assert case.status == "routed"  # a refused action changes nothing


def test_other_agency_list_is_scoped(api, setup):
    case, users = setup
    assert api(users[("agency_head", "other")], "GET", "/cases").get_json()["total"] == 0
    assert api(users[("reception", "other")], "GET", "/cases").get_json()["total"] == 0
    assert api(users[("agency_officer", "own")], "GET", "/cases").get_json()["total"] == 1
    assert api(users[("inspector", "any")], "GET", "/cases").get_json()["total"] == 1


# --- Denouncer masking ----------------------------------------------------------------------------

@pytest.fixture
def denunciation(api, make_agency, make_user):
    """A denunciation logged through the API, routed to AG-H and assigned to officer 1."""
    desk, own = make_agency(code="DESK-A"), make_agency(code="AG-H")
    users = {
        "reception": make_user("reception", agency=desk),
        "head": make_user("agency_head", agency=own),
        "assigned": make_user("agency_officer", agency=own),
        "colleague": make_user("agency_officer", agency=own),
        "inspector": make_user("inspector"),
        "admin": make_user("admin"),
    }
    body = {
        "kind": "denunciation", "field": "corruption", "subject": "Cán bộ nhận hối lộ",
        "content": "Tố cáo cán bộ địa chính nhận tiền.", "channel": "mail",
        "received_on": "2026-11-25", "agency_code": "AG-H",
        "petitioners": [{"full_name": DENOUNCER, "id_number": "031099000123",
                         "phone": "0912345678", "email": "to@example.vn",
                         "address": "12 Trần Phú, Hải Phòng"}],
    }
    created = api(users["reception"], "POST", "/cases", json=body)
    assert created.status_code == 201, created.get_json()
    code = created.get_json()["tracking_code"]
    assigned = api(users["head"], "POST", f"/cases/{code}/assign",
                   json={"officer": users["assigned"].username})
    assert assigned.status_code == 200
    return code, users, created.get_json()


def _reveals() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "identity_viewed")) or 0


@pytest.mark.parametrize("reader", ["colleague", "admin"])
def test_denouncer_is_masked_for_readers_not_allowed(api, denunciation, reader):
    code, users, _ = denunciation
    before = _reveals()
    response = api(users[reader], "GET", f"/cases/{code}")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    for secret in (DENOUNCER, "031099000123", "0912345678", "to@example.vn", "Trần Phú"):
        assert secret not in text
    case = response.get_json()
    signer = case["petitions"][0]["signers"][0]
    assert signer["full_name"] == MASK and signer["id_number"] == MASK
    assert signer["phone"] == MASK and signer["email"] == MASK and signer["address"] == MASK
    assert signer["petitioner_id"] is None
    assert case["identity_masked"] is True
    assert case["subject"] == "Cán bộ nhận hối lộ"  # the matter itself is not secret
    assert _reveals() == before  # nothing was revealed, nothing to audit
    listed = api(users[reader], "GET", "/cases").get_data(as_text=True)
    assert code in listed and DENOUNCER not in listed
    english = api(users[reader], "GET", f"/cases/{code}", headers={"Accept-Language": "en"})
    signer = english.get_json()["petitions"][0]["signers"][0]
    assert signer["full_name"] == "*** (confidential)" and DENOUNCER not in english.get_data(
        as_text=True)


@pytest.mark.parametrize("reader", ["head", "assigned", "inspector", "reception"])
def test_denouncer_is_shown_to_those_allowed_and_each_view_audited(api, denunciation, reader):
    code, users, _ = denunciation
    before = _reveals()
    case = api(users[reader], "GET", f"/cases/{code}").get_json()
    signer = case["petitions"][0]["signers"][0]
    assert signer["full_name"] == DENOUNCER and signer["phone"] == "0912345678"
    assert case["identity_masked"] is False
    assert _reveals() == before + 1
    last = case["timeline"][-1]
    assert last["action"] == "identity_viewed"
    assert last["actor"].startswith(users[reader].username + "#")
    api(users[reader], "GET", f"/cases/{code}")
    assert _reveals() == before + 2


def test_creation_and_actions_that_reveal_are_audited(api, denunciation):
    code, users, created = denunciation
    # The reception officer who logged it saw the identity in the creation answer.
    assert created["petitions"][0]["signers"][0]["full_name"] == DENOUNCER
    assert [e["action"] for e in created["timeline"]] == ["received", "routed",
                                                          "identity_viewed"]
    # The head's assign answer revealed it too.
    actions = list(db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.chain.like("case:%"))
        .order_by(AuditEvent.id)))
    assert actions.count("identity_viewed") == 2


def test_other_kinds_identity_is_not_secret_and_not_audited(api, setup):
    case, users = setup
    before = _reveals()
    body = api(users[("admin", "any")], "GET", f"/cases/{case.tracking_code}").get_json()
    assert body["identity_masked"] is False
    assert body["petitions"][0]["signers"][0]["full_name"].startswith("Nguyễn Văn")
    assert _reveals() == before
