"""Full-text search: accent-insensitive, ranked, scoped, kept in sync, through the API."""

from __future__ import annotations

import pytest

from complaints import clock
from complaints.extensions import db
from complaints.models import Case
from complaints.services import search, workflow
from tests.conftest import NOW, TODAY
from tests.factories import PASSWORD


@pytest.fixture
def world(make_agency, make_user, make_case):
    province = make_agency(code="UBND-T", level="province")
    so = make_agency(code="SO-A", parent=province)
    other = make_agency(code="SO-B", parent=province)
    desk = make_agency(code="BTCD", parent=province)
    reception = make_user("reception", agency=desk)
    w = {
        "so": so, "other": other, "reception": reception,
        "head": make_user("agency_head", agency=so),
        "inspector": make_user("inspector"),
        "land": make_case(reception, subject="Tranh chấp đất đai với hàng xóm",
                          content="Đề nghị giải quyết ranh giới thửa đất."),
        "land2": make_case(reception, subject="Khiếu nại bồi thường",
                           content="Bồi thường đất đai khi thu hồi đất đai để mở đường."),
        "noise": make_case(reception, subject="Tiếng ồn quán karaoke",
                           content="Quán hát về đêm gây ồn ào."),
    }
    workflow.route(w["land"], "SO-A", reception, NOW, TODAY)
    workflow.route(w["noise"], "SO-A", reception, NOW, TODAY)
    workflow.route(w["land2"], "SO-B", reception, NOW, TODAY)
    db.session.commit()
    return w


def _codes(cases):
    return [c.tracking_code for c in cases]


def test_folded_query_finds_accented_text_ranked(world):
    found = search.search_cases(world["inspector"], "dat dai")
    # Both land cases match; the one repeating the words more often ranks first.
    assert set(_codes(found)) == {world["land"].tracking_code, world["land2"].tracking_code}
    assert found[0].id == world["land2"].id
    assert search.search_cases(world["inspector"], "ĐẤT ĐAI") == found
    assert _codes(search.search_cases(world["inspector"], "karaoke")) == [
        world["noise"].tracking_code]


def test_all_words_required_and_operators_are_plain_words(world):
    assert search.search_cases(world["inspector"], "dat karaoke") == []
    assert search.search_cases(world["inspector"], 'dat" OR "x') == []
    assert search.search_cases(world["inspector"], "  ,;  ") == []


def test_search_is_scoped_to_what_the_user_may_see(world):
    found = search.search_cases(world["head"], "dat dai")
    assert _codes(found) == [world["land"].tracking_code]


def test_index_follows_updates_and_deletes(world):
    case = world["noise"]
    case.subject = "Lấn chiếm vỉa hè"
    case.content = "Hàng quán lấn chiếm lối đi."
    db.session.flush()
    assert search.search_cases(world["inspector"], "karaoke") == []
    assert _codes(search.search_cases(world["inspector"], "lan chiem")) == [case.tracking_code]


def test_api_q_parameter(client, world, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    user = world["inspector"]
    db.session.commit()
    token = client.post("/api/v1/tokens", json={"username": user.username,
                                                "password": PASSWORD}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    body = client.get("/api/v1/cases?q=dat%20dai", headers=headers).get_json()
    assert body["total"] == 2
    assert body["items"][0]["tracking_code"] == world["land2"].tracking_code
    body = client.get("/api/v1/cases?q=dat%20dai&agency=SO-A", headers=headers).get_json()
    assert [i["tracking_code"] for i in body["items"]] == [world["land"].tracking_code]
    assert client.get("/api/v1/cases", headers=headers).get_json()["total"] == 3
    assert db.session.query(Case).count() == 3
