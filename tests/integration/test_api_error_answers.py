"""The API's error answers (QA round): a body nested too deep to read is a 400, not a 500;
every path under /api/v1 answers {"error", "status"} in the API's language, also when no
route matched; no answer carries marshmallow's English default messages."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale, get_locale
from marshmallow import ValidationError

from complaints.web.api import schemas as s
from tests.integration.test_api import _case_body, world  # noqa: F401  (fixture)

API = "/api/v1"
NOT_JSON_VI = "Yêu cầu không hợp lệ: nội dung phải là JSON."
NOT_JSON_EN = "Invalid request: the body must be JSON."

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY


def _accepted_case(api, w) -> str:
    created = api(w["reception"], "POST", "/cases", json=_case_body(w, agency_code="SO-TNMT"))
    assert created.status_code == 201, created.get_json()
    code = created.get_json()["tracking_code"]
    assert api(w["head"], "POST", f"/cases/{code}/accept", json={}).status_code == 200
    return code


# --- A: JSON nested deeper than the parser goes ---------------------------------------------

DEEP_BODIES = {
    "100000 [": "[" * 100_000,
    "5000 {\"a\":": '{"a":' * 5000,
    "5000 {\"a\": closed": '{"a":' * 5000 + "1" + "}" * 5000,
}
# Spelling a NUL makes the NUL check (complaints/security.py) parse the body before the view.
NUL_BODIES = {
    "100000 [ and a NUL": "[" * 100_000 + '"\\u0000"',
    "700 [ around a NUL": "[" * 700 + '"\\u0000"' + "]" * 700,
    "300 objects around a NUL": '{"a":' * 300 + '"\\u0000"' + "}" * 300,
}


@pytest.mark.parametrize("body", DEEP_BODIES.values(), ids=DEEP_BODIES.keys())
def test_deeply_nested_json_is_a_400_without_a_token(client, world, body):  # noqa: F811
    """POST /tokens needs no token: anyone could turn this into a 500 (a RecursionError)."""
    for headers, message in (({}, NOT_JSON_VI), ({"Accept-Language": "en"}, NOT_JSON_EN)):
        response = client.post(f"{API}/tokens", data=body, content_type="application/json",
                               headers=headers)
        assert response.status_code == 400
        assert response.get_json() == {"error": message, "status": 400}


@pytest.mark.parametrize("body", DEEP_BODIES.values(), ids=DEEP_BODIES.keys())
def test_deeply_nested_json_is_a_400_with_a_token(api, world, body):  # noqa: F811
    code = _accepted_case(api, world)
    for who, path in (("reception", "/cases"), ("reception", f"/cases/{code}/petitions"),
                      ("head", f"/cases/{code}/extend"), ("head", "/reception-sessions")):
        response = api(world[who], "POST", path, data=body,
                       content_type="application/json", headers={"Accept-Language": "en"})
        assert response.status_code == 400, path
        assert response.get_json() == {"error": NOT_JSON_EN, "status": 400}, path


@pytest.mark.parametrize("body", NUL_BODIES.values(), ids=NUL_BODIES.keys())
def test_deeply_nested_json_spelling_a_nul_is_a_400(client, api, world, body):  # noqa: F811
    for response in (client.post(f"{API}/tokens", data=body, content_type="application/json"),
                     api(world["reception"], "POST", "/cases", data=body,
                         content_type="application/json"),
                     # Open311 reads forms, but the NUL check looks at any JSON body.
                     client.post("/open311/v2/requests.json", data=body,
                                 content_type="application/json")):
        assert response.status_code == 400, response.request.path
        assert response.is_json


def test_json_of_every_depth_is_answered_never_with_a_500(api, world):  # noqa: F811
    """Depths around Python's recursion limit: parsed or not, a 400 or a 422."""
    for depth in (*range(50, 1300, 50), 2000):
        for body in ("[" * depth + "]" * depth,
                     '{"content":' + "[" * depth + "]" * depth + "}",
                     '{"a":' * depth + '"\\u0000"' + "}" * depth):
            response = api(world["reception"], "POST", "/cases", data=body,
                           content_type="application/json")
            assert response.status_code in (400, 422), (depth, body[:20])
            assert response.get_json()["status"] == response.status_code


# --- B: no route matched: still the API's answer, in the API's language -------------------------

@pytest.mark.parametrize("method, path, status, vi, en", [
    ("GET", "/nonexistent", 404, "Không tìm thấy.", "Not found."),
    ("POST", "/nonexistent", 404, "Không tìm thấy.", "Not found."),
    ("GET", "", 404, "Không tìm thấy.", "Not found."),
    ("GET", "/reception-sessions/-1", 404, "Không tìm thấy.", "Not found."),
    ("PUT", "/cases", 405, "Phương thức không được hỗ trợ.", "Method not allowed."),
    ("DELETE", "/cases/2026-ABCDEFGH", 405, "Phương thức không được hỗ trợ.",
     "Method not allowed."),
    ("GET", "/nonexistent%00", 400, "Yêu cầu không hợp lệ.", "Invalid request."),
])
def test_unrouted_paths_answer_in_the_apis_shape_and_language(client, method, path, status,
                                                               vi, en):
    for headers, query, message in (({}, "", vi), ({"Accept-Language": "en"}, "", en),
                                    ({"Accept-Language": "vi"}, "", vi),
                                    ({}, "?lang=en", en)):
        response = client.open(f"{API}{path}{query}", method=method, headers=headers)
        assert response.status_code == status, (headers, query)
        assert response.get_json() == {"error": message, "status": status}, (headers, query)


def test_a_405_names_the_allowed_methods(client):
    response = client.put(f"{API}/cases", headers={"Accept-Language": "en"})
    assert response.status_code == 405
    assert {"GET", "POST"} <= {m.strip() for m in response.headers["Allow"].split(",")}


def test_routed_http_errors_use_the_apis_messages_too(api, world):  # noqa: F811
    """abort(404) in a view: the API's "Not found.", not the pages' "Page or case not found."."""
    code = _accepted_case(api, world)
    response = api(world["head"], "POST", f"/cases/{code}/teleport", json={},
                   headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert response.get_json() == {"error": "Not found.", "status": 404}


def test_pages_keep_their_own_error_pages(client):
    """Outside /api/v1 nothing changes: an HTML page, and /api/ paths of no version JSON."""
    page = client.get("/nonexistent")
    assert page.status_code == 404 and page.mimetype == "text/html"
    other = client.get("/api/v2/cases")
    assert other.status_code == 404 and other.get_json()["status"] == 404


# --- E: no marshmallow English among the API's messages --------------------------------------

SPECIAL_VI = "Phải là số hữu hạn: không nhận NaN hay vô cực."


@pytest.mark.parametrize("raw", ['"NaN"', '"Infinity"', '"-Infinity"', "1e400", "NaN",
                                 "-Infinity"])
def test_non_finite_money_is_refused_in_the_requests_language(api, world, raw):  # noqa: F811
    code = _accepted_case(api, world)
    body = ('{"outcome": "answered", "decision_number": "5/TL", "summary": "Đã trả lời.", '
            f'"money_to_recover": {raw}}}')
    vi = api(world["head"], "POST", f"/cases/{code}/resolve", data=body,
             content_type="application/json")
    assert vi.status_code == 422
    assert vi.get_json()["errors"] == {"money_to_recover": SPECIAL_VI}
    en = api(world["head"], "POST", f"/cases/{code}/resolve", data=body,
             content_type="application/json", headers={"Accept-Language": "en"})
    assert en.status_code == 422
    assert "Special numeric values" not in en.get_json()["errors"]["money_to_recover"]


def _our_messages(schemas: list) -> list[re.Pattern]:
    """The messages the API's schemas are given (base messages, validators' own), as
    patterns: {placeholders} match anything."""
    texts = {str(text) for text in s._base_messages(str(get_locale())).values()}
    for schema in schemas:
        for field in schema.fields.values():
            for one in (field, *(getattr(field, name, None) for name in s._INNER_FIELDS)):
                texts.update(str(v.error) for v in getattr(one, "validators", ())
                             if getattr(v, "error", None))
    return [re.compile(re.sub(r"\\\{\w+\\\}", ".+", re.escape(text))) for text in texts]


def _texts(messages) -> list[str]:
    if isinstance(messages, dict):
        return [t for value in messages.values() for t in _texts(value)]
    if isinstance(messages, (list, tuple)):
        return [t for value in messages for t in _texts(value)]
    return [str(messages)]


BAD_VALUES = (None, "", "x", "NaN", "Infinity", float("nan"), float("-inf"), 10**400, -1,
              1.5, True, [], {}, [None], [1], ["x"], [[]], [{}], [{"zzz": 1}],
              [{"full_name": None, "zzz": 1}], "2026-13-45", "9" * 400, {"a": 1},
              b"\xff\xfe")


def _schemas():
    found, pending = [], [s.BaseSchema]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls is not s.BaseSchema:
            found.append(cls)
    return sorted(found, key=lambda cls: cls.__name__)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_schema_message_is_one_of_ours(app, lang):
    """Every field of every API schema (and each list's items) given wrong values: each
    message is one the API gives in the request's language, never one of marshmallow's
    English defaults ("Special numeric values (nan or infinity) are not permitted.")."""
    strays = set()
    with app.test_request_context(f"{API}/cases"), force_locale(lang):
        schemas = [cls() for cls in _schemas()]
        ours = _our_messages(schemas)
        for schema in schemas:
            for name in schema.fields:
                for value in BAD_VALUES:
                    try:
                        schema.load({name: value, "zzz": 1})
                    except ValidationError as exc:
                        strays.update(f"{type(schema).__name__}.{name}={value!r}: {text}"
                                      for text in _texts(exc.messages)
                                      if not any(p.fullmatch(text) for p in ours))
    assert not strays, "\n".join(sorted(strays)[:40])


# --- Invisible input (QA round 5; see test_invisible_input.py) -------------------------------

def test_api_intake_refuses_control_characters_and_blank_names(api, world):  # noqa: F811
    body = _case_body(world, subject="Khói\x07 bụi", petitioners=[
        {"full_name": "\u200b\u200d", "phone": "0912345678", "address": "1 Lạch Tray"}])
    response = api(world["reception"], "POST", "/cases", json=body)
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    assert any("subject" in key for key in errors), errors
    assert any("full_name" in key for key in errors), errors
    from sqlalchemy import func, select

    from complaints.extensions import db
    from complaints.models import Case

    assert db.session.scalar(select(func.count(Case.id))) == 0
