"""QA 117: JSON API."""
from __future__ import annotations

import pytest

from complaints.extensions import db
from tests.integration.agency_world import *  # noqa: F401,F403

pytestmark = pytest.mark.usefixtures("fixed_clock")


def _body(locality, **overrides) -> dict:
    body = {"kind": "recommendation", "field": "land", "subject": "Ô nhiễm từ bãi rác",
            "content": "Đề nghị di dời bãi rác.", "channel": "walk_in",
            "received_on": "2026-11-20", "locality_code": locality.code,
            "petitioners": [{"full_name": "Trần Thị B", "phone": "0912000001",
                             "address": "1 Lạch Tray, Hải Phòng"}]}
    body.update(overrides)
    return body


def test_parent_tracking_code_in_lower_case_names_the_case(world, make_case, make_locality,
                                                           api):
    """GET /cases/{code} and the desk's form read a code typed in lower case as the case;
    POST /cases' parent_tracking_code answers 422 "Không tìm thấy hồ sơ trước."."""
    earlier = make_case(actor=world["reception"], kind="recommendation")
    db.session.commit()
    typed = earlier.tracking_code.lower()
    assert api(world["reception"], "GET", f"/cases/{typed}").status_code == 200
    r = api(world["reception"], "POST", "/cases",
            json=_body(make_locality(), parent_tracking_code=typed))
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["parent_tracking_code"] == earlier.tracking_code


def test_split_refused_for_a_stale_content_seen_names_content_seen(world, make_case, api):
    """SplitSchema documents `content_seen`: "given, the split is refused (422) if someone
    changed it since". The 422 names "seen" (the desk form's hidden field), a key the
    client never sent and the document does not know."""
    case = make_case(actor=world["reception"], kind="complaint",
                     content="Khiếu nại thu hồi đất. Kiến nghị sửa đường.")
    db.session.commit()
    r = api(world["reception"], "POST", f"/cases/{case.tracking_code}/split", json={
        "kind": "recommendation", "field": "land", "subject": "Sửa đường",
        "content": "Kiến nghị sửa đường.", "kept_content": "Khiếu nại thu hồi đất.",
        "content_seen": "Nội dung đã cũ"})
    assert r.status_code == 422, r.get_json()
    assert set(r.get_json()["errors"]) == {"content_seen"}, r.get_json()


@pytest.mark.parametrize("method,suffix,body", [
    ("POST", "/split", {"kind": "recommendation", "field": "land", "subject": "Sửa đường",
                        "content": "Kiến nghị sửa đường.",
                        "kept_content": "Khiếu nại thu hồi đất."}),
    ("PATCH", "", {"subject": "Trích yếu sửa", "reason": "Nhập nhầm"}),
])
def test_a_409_offers_what_the_case_answer_offers(world, routed, api, method, suffix, body):
    """ConflictErrorSchema.allowed_actions: "What you may do instead: the case's
    `allowed_actions` as you read it (GET /cases/{code})". The split and the particulars'
    correction answer [] while the case offers the desk actions (withdraw…)."""
    case = routed()
    offered = api(world["reception"], "GET", f"/cases/{case.tracking_code}").get_json()
    assert offered["allowed_actions"], offered["allowed_actions"]
    r = api(world["reception"], method, f"/cases/{case.tracking_code}{suffix}", json=body)
    assert r.status_code == 409, r.get_json()
    assert r.get_json()["allowed_actions"] == offered["allowed_actions"], r.get_json()


def test_a_code_typed_without_its_hyphen_is_the_code_everywhere(world, make_case):
    """QA 117 J3: the look-ups read "2026 7kq4m2xh" and "20267KQ4M2XH" as the case's code;
    the searches and a session's joined letter only upper-cased and dropped spaces."""
    from complaints.services import search

    case = make_case(actor=world["reception"], kind="recommendation")
    db.session.commit()
    code = case.tracking_code
    for typed in (code.lower().replace("-", ""), code.replace("-", " – "), f" {code} "):
        assert search.tracking_code_in(typed) == code
        assert search.desk_matches(world["reception"], typed).ids[0] == case.id
