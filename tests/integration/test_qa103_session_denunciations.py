"""QA 103 J1: a reception session's page and API listed the denunciations raised at it to
everyone of the recording agency, officers who may not know a denouncer among them: beside
the session's day, place and head count, a row "tố cáo" says who came to denounce to anyone
who saw who came. Only readers who may see the denouncer have it listed; the others read
how many were left out."""

from __future__ import annotations

import pytest

from complaints.extensions import db
from complaints.models import Case, ReceptionSession
from tests.integration.session_world import *  # noqa: F403  (fixture: world)
from tests.integration.session_world import petition_body as _petition
from tests.integration.session_world import session_body as _body

pytestmark = pytest.mark.usefixtures("fixed_clock")


@pytest.fixture
def session_with_denunciation(world, api):
    response = api(world["head"], "POST", "/reception-sessions", json=_body(petitions=[
        _petition("Lê Văn Một", subject="Cán bộ phường nhận tiền của dân", kind="denunciation",
                  petitioners=[{"full_name": "Lê Văn Một", "address": "Số 1 Lê Chân"}]),
        _petition("Phạm Thị Hai")]))
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert len(answer["petitions"]) == 2 and answer["denunciations_not_listed"] == 0
    session = db.session.get(ReceptionSession, answer["id"])
    codes = {c.kind: c.tracking_code for c in db.session.query(Case)}
    return session, codes


def test_an_officer_who_may_not_know_the_denouncer_reads_a_count(
        world, make_user, client, login, api, session_with_denunciation):
    session, codes = session_with_denunciation
    officer = make_user("agency_officer", agency=world["dept"])
    db.session.commit()

    login(officer)
    page = client.get(f"/inspection/reception/{session.id}").get_data(as_text=True)
    assert codes["recommendation"] in page
    assert codes["denunciation"] not in page
    assert "Cán bộ phường nhận tiền" not in page
    assert "1 đơn tố cáo ghi tại buổi tiếp không được liệt kê" in page
    got = api(officer, "GET", f"/reception-sessions/{session.id}").get_json()
    assert [p["tracking_code"] for p in got["petitions"]] == [codes["recommendation"]]
    assert got["denunciations_not_listed"] == 1
    listed = api(officer, "GET", "/reception-sessions").get_json()["items"]
    assert [p["tracking_code"] for p in listed[0]["petitions"]] == [codes["recommendation"]]


@pytest.mark.parametrize("who", ["head", "inspector"])
def test_those_who_may_know_the_denouncer_have_it_listed(world, client, login, api, who,
                                                         session_with_denunciation):
    session, codes = session_with_denunciation
    login(world[who])
    page = client.get(f"/inspection/reception/{session.id}").get_data(as_text=True)
    assert codes["denunciation"] in page and "không được liệt kê" not in page
    got = api(world[who], "GET", f"/reception-sessions/{session.id}").get_json()
    assert len(got["petitions"]) == 2 and got["denunciations_not_listed"] == 0
