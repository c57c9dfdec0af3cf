"""QA round 68: the JSON API (/api/v1) and Open311 as a client developer uses them.

Each test asserts the correct behaviour and failed before its fix because of the defect it
names: an Open311 post not in UTF-8 is a 400 (it was stored as percent-escapes, or told its
api_key was missing); 201 answers say where the new resource is (Location); a repeated
PATCH is refused under a field it sent; a query parameter given twice is a 422 (it was half
read); the OpenAPI document lists the values of the answers' coded strings; a 401 of
POST /tokens names the scheme (WWW-Authenticate).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from complaints.domain.catalog import CHANNELS, RESOLUTION_OUTCOMES
from complaints.domain.escalation import ACK_ACTIONS
from complaints.extensions import db
from complaints.models import Case
from tests.integration.test_api import _case_body, world  # noqa: F401  (fixture)

API = "/api/v1"
O311_KEY = "qa68-key"

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY


@pytest.fixture
def open311(app, make_agency):
    """Open311 posting configured: an API key and the online reception desk."""
    app.config["OPEN311_API_KEYS"] = (O311_KEY,)
    make_agency(code="BTCD", name="Ban Tiếp công dân tỉnh")
    db.session.commit()


def _form(**values) -> bytes:
    """A form body built by hand, as a client encoding in another charset sends it."""
    return "&".join(f"{k}={v}" for k, v in values.items()).encode("ascii")


# --- F1: Open311 form values not in UTF-8 are stored as their %-escapes ---------------------

def test_open311_post_in_a_legacy_charset_is_refused_not_stored_as_percent_escapes(
        client, open311):
    """An app that percent-encodes its form in Windows-1258/Latin-1 ("R%E1c" for "Rác")
    must get a 400 naming the parameter, not a petition whose content, subject, signer's
    name and address read "R%E1c th%E3i" for the officers (and in the citizen's records)."""
    body = _form(api_key=O311_KEY, service_code="environment", address_string="Ng%F5+5",
                 description="R%E1c+th%E3i+%F0%F5+tr%F4m", last_name="Nguy%EAn",
                 phone="0911222333")
    response = client.post("/open311/v2/requests.json", data=body,
                           content_type="application/x-www-form-urlencoded")
    stored = db.session.scalar(select(Case))
    assert stored is None or "%E1" not in stored.content, (
        f"stored verbatim: {stored.content!r}")
    assert response.status_code == 400, response.get_json()
    assert response.get_json()[0]["code"] == 400


# --- F2: a raw non-UTF-8 Open311 body is answered "api_key required" -------------------------

def test_open311_non_utf8_body_is_a_400_not_a_wrong_api_key(client, open311):
    """Bytes that are not UTF-8 in the form (an é sent raw as 0xE9) make Werkzeug drop the
    whole form: the app is told its api_key is missing or wrong (403), and goes hunting for
    a key problem. The answer should be a 400 about the encoding."""
    body = (b"api_key=" + O311_KEY.encode() + b"&service_code=environment"
            b"&address_string=x&description=R\xe1c&last_name=A&phone=0911222333")
    response = client.post("/open311/v2/requests.json?lang=en", data=body,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400, response.get_json()
    assert "api_key" not in response.get_json()[0]["description"]


# --- F3: 201 Created answers carry no Location -----------------------------------------------

def test_created_case_answer_has_a_location_header(api, world):  # noqa: F811
    """RFC 9110 §15.3.2: a 201 identifies the new resource with Location; without it, the
    resource created by POST /cases is, by the RFC, /cases itself."""
    response = api(world["reception"], "POST", "/cases", json=_case_body(world))
    assert response.status_code == 201
    code = response.get_json()["tracking_code"]
    assert response.headers.get("Location", "").endswith(f"{API}/cases/{code}")


def test_created_reception_session_answer_has_a_location_header(api, world):  # noqa: F811
    response = api(world["reception"], "POST", "/reception-sessions",
                   json={"held_on": "2026-11-30", "kind": "regular"})
    assert response.status_code == 201, response.get_json()
    session_id = response.get_json()["id"]
    assert response.headers.get("Location", "").endswith(
        f"{API}/reception-sessions/{session_id}")


# --- F4: a repeated PATCH is refused under a field the request did not send -----------------

def test_repeated_particulars_patch_names_the_field_sent(api, world):  # noqa: F811
    w = world
    code = api(w["reception"], "POST", "/cases", json=_case_body(w)).get_json()[
        "tracking_code"]
    body = {"subject": "Trích yếu đã sửa", "reason": "Gõ nhầm"}
    first = api(w["reception"], "PATCH", f"/cases/{code}", json=body)
    assert first.status_code == 200, first.get_json()
    again = api(w["reception"], "PATCH", f"/cases/{code}", json=body)
    assert again.status_code in (200, 422)
    if again.status_code == 422:
        # Field-keyed: the message belongs to what was sent (subject), not to `field`.
        assert set(again.get_json()["errors"]) <= set(body), again.get_json()


def test_repeated_person_patch_names_the_field_sent(api, world):  # noqa: F811
    w = world
    created = api(w["reception"], "POST", "/cases", json=_case_body(w)).get_json()
    code = created["tracking_code"]
    pid = created["petitions"][0]["signers"][0]["petitioner_id"]
    body = {"phone": "0912345678", "reason": "Số điện thoại mới"}
    first = api(w["reception"], "PATCH", f"/cases/{code}/petitioners/{pid}", json=body)
    assert first.status_code == 200, first.get_json()
    again = api(w["reception"], "PATCH", f"/cases/{code}/petitioners/{pid}", json=body)
    assert again.status_code in (200, 422)
    if again.status_code == 422:
        assert set(again.get_json()["errors"]) <= set(body), again.get_json()


# --- F5: duplicate query parameters: all but the first silently dropped ----------------------

def test_a_filter_given_twice_is_refused_or_honoured_not_half_read(api, world):  # noqa: F811
    w = world
    api(w["reception"], "POST", "/cases", json=_case_body(w))
    api(w["reception"], "POST", "/cases", json=_case_body(w, agency_code="SO-TNMT"))
    response = api(w["reception"], "GET", "/cases?status=received&status=routed")
    if response.status_code == 422:
        assert "status" in response.get_json()["errors"]
        return
    assert response.status_code == 200
    statuses = {item["status"] for item in response.get_json()["items"]}
    assert statuses == {"received", "routed"}, (
        f"asked for received and routed, answered 200 with only {statuses}")


# --- F6: the document lists no values for the coded strings of the answers ------------------

@pytest.mark.parametrize(("schema", "prop", "values"), [
    ("StaffCase", "outcome", set(RESOLUTION_OUTCOMES)),
    ("Petition", "channel", set(CHANNELS)),
    ("Escalation", "action_taken", set(ACK_ACTIONS)),
], ids=["case outcome", "petition channel", "escalation action_taken (lapse reasons)"])
def test_openapi_lists_the_values_of_coded_answer_fields(client, schema, prop, values):
    spec = client.get(f"{API}/openapi.json").get_json()
    documented = spec["components"]["schemas"][schema]["properties"][prop]
    assert values <= set(documented.get("enum") or ()), (
        f"{schema}.{prop} documents no enum: {documented}")


# --- F7: the 401 of POST /tokens names no authentication scheme ------------------------------

def test_token_refusal_401_carries_www_authenticate(client, world):  # noqa: F811
    """RFC 9110 §15.5.2: a 401 MUST send WWW-Authenticate. The bearer-protected endpoints
    do (auth.unauthorized); a wrong password at POST /tokens answers 401 without it."""
    db.session.commit()
    response = client.post(f"{API}/tokens", json={"username": "giamdoc", "password": "sai"})
    assert response.status_code == 401
    assert response.headers.get("WWW-Authenticate"), dict(response.headers)


# --- Judgement acted on: wrong keys shared one address's allowance ----------------------------

def test_guessing_open311_keys_is_limited_by_address(app, client, open311):
    """The post limit was keyed on whatever api_key was sent: every guess had its own
    allowance. Wrong keys now count against the address; the real key keeps its own."""
    app.config["OPEN311_POST_LIMIT"] = "2 per hour"
    answers = [client.post("/open311/v2/requests.json", data={
        "api_key": f"guess-{i}", "service_code": "environment", "description": "Rác thải",
        "last_name": "Nguyễn", "phone": "0911222333"}).status_code for i in range(3)]
    assert answers == [403, 403, 429], answers
    posted = client.post("/open311/v2/requests.json", data={
        "api_key": O311_KEY, "service_code": "environment", "address_string": "Ngõ 5",
        "description": "Rác thải", "last_name": "Nguyễn", "phone": "0911222333"})
    assert posted.status_code == 200, posted.get_json()
