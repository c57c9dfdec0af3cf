"""JSON API of reception sessions: record one with the petitions raised at it (new cases or
joined to a case the agency holds), all or nothing; list and read them, scoped by agency."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import AuditEvent, Case, Petition, ReceptionSession
from complaints.services import workflow
from tests.conftest import NOW, TODAY
from tests.integration.session_world import *  # noqa: F403  (fixture: world)
from tests.integration.session_world import petition_body as _petition
from tests.integration.session_world import session_body as _body

pytestmark = pytest.mark.usefixtures("fixed_clock")




def test_record_a_session_with_a_new_and_a_joined_petition(world, api, make_case):
    earlier = make_case(actor=world["reception"], subject="Cấp phép xây dựng chậm",
                        locality_code="11311")
    workflow.route(earlier, "S", world["reception"], NOW, TODAY)
    db.session.commit()
    response = api(world["head"], "POST", "/reception-sessions", json=_body(petitions=[
        _petition("Lê Văn Một"),
        {"join_code": earlier.tracking_code, "note": "Vẫn chưa được cấp phép.",
         "petitioners": [{"full_name": "Phạm Thị Hai"}]}]))
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert answer["agency_code"] == "S" and answer["held_on"] == "2026-11-30"
    assert (answer["turns"], answer["people"], answer["delegations"]) == (2, 3, 0)
    [opened] = answer["opened"]
    assert len(opened["pin"]) == 6
    assert answer["petitions"] == [  # in the order given
        {"tracking_code": opened["tracking_code"], "joined": False},
        {"tracking_code": earlier.tracking_code, "joined": True},
    ]
    new = db.session.scalar(select(Case).where(Case.tracking_code == opened["tracking_code"]))
    assert (new.status, new.agency_id) == ("routed", world["dept"].id)
    joined = db.session.scalars(select(Petition).where(
        Petition.case_id == earlier.id, Petition.reception_session_id == answer["id"])).one()
    assert joined.content == "Vẫn chưa được cấp phép." and joined.handling_note is None
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "reception_session_recorded")) == 1

    # Read back, by the head and by an inspector; not by another agency's head.
    got = api(world["head"], "GET", f"/reception-sessions/{answer['id']}")
    assert got.status_code == 200 and "opened" not in got.get_json()
    assert {p["tracking_code"] for p in got.get_json()["petitions"]} == {
        earlier.tracking_code, opened["tracking_code"]}
    assert api(world["inspector"], "GET", f"/reception-sessions/{answer['id']}"
               ).status_code == 200
    assert api(world["other_head"], "GET", f"/reception-sessions/{answer['id']}"
               ).status_code == 404
    assert api(world["head"], "GET", "/reception-sessions/99999999999").status_code == 404


def test_one_bad_petition_saves_nothing_and_names_the_field(world, api):
    response = api(world["head"], "POST", "/reception-sessions", json=_body(petitions=[
        _petition("Lê Văn Một"), _petition("", field="no-such-field"),
        {"join_code": "2026-ZZZZZZZZ", "petitioners": [{"full_name": "Phạm Thị Hai"}]}]))
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert {"petitions.1.field", "petitions.2.join_code"} <= set(errors)
    assert db.session.scalar(select(func.count(ReceptionSession.id))) == 0
    assert db.session.scalar(select(func.count(Case.id))) == 0
    # English on request; the schema's own checks come first.
    response = api(world["head"], "POST", "/reception-sessions?lang=en",
                   json=_body(kind="nobody", turns=-1))
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) >= {"kind", "turns"}


def test_who_records_and_who_lists(world, api):
    assert api(world["inspector"], "POST", "/reception-sessions", json=_body()
               ).status_code == 403
    assert api(world["reception"], "POST", "/reception-sessions",
               json=_body(kind="regular", leader_name=None)).status_code == 201
    assert api(world["head"], "POST", "/reception-sessions",
               json=_body(held_on="2026-10-02")).status_code == 201
    mine = api(world["head"], "GET", "/reception-sessions").get_json()
    assert mine["total"] == 1 and mine["items"][0]["agency_code"] == "S"
    everyone = api(world["inspector"], "GET", "/reception-sessions?per_page=1").get_json()
    assert everyone["total"] == 2 and everyone["pages"] == 2
    assert everyone["items"][0]["held_on"] == "2026-11-30"  # newest first
    ranged = api(world["inspector"], "GET",
                 "/reception-sessions?held_from=2026-10-01&held_to=2026-10-31").get_json()
    assert [i["held_on"] for i in ranged["items"]] == ["2026-10-02"]


def test_unscheduled_session_about_a_case_by_its_code(world, api, make_case):
    mine = make_case(actor=world["reception"], locality_code="11311")
    workflow.route(mine, "S", world["reception"], NOW, TODAY)
    db.session.commit()
    unknown = api(world["head"], "POST", "/reception-sessions",
                  json=_body(scheduled=False, case="2026-ZZZZZZZZ"))
    assert unknown.status_code == 422 and "case" in unknown.get_json()["errors"]
    other = api(world["other_head"], "POST", "/reception-sessions",
                json=_body(scheduled=False, case=mine.tracking_code))
    assert other.status_code == 422  # the same answer: nothing said about the case
    done = api(world["head"], "POST", "/reception-sessions",
               json=_body(scheduled=False, case=mine.tracking_code.lower()))
    assert done.status_code == 201 and done.get_json()["case"] == mine.tracking_code


def test_an_empty_unscheduled_session_is_refused(world, api, make_case):
    mine = make_case(actor=world["reception"], locality_code="11311")
    workflow.route(mine, "S", world["reception"], NOW, TODAY)
    db.session.commit()
    empty = api(world["head"], "POST", "/reception-sessions",
                json=_body(scheduled=False, case=mine.tracking_code, turns=0, people=0,
                           matters_first=0))
    assert empty.status_code == 422 and "turns" in empty.get_json()["errors"]
    assert db.session.scalar(select(func.count(ReceptionSession.id))) == 0
    # A six-person delegation raised at it counts itself in the session's figures.
    six = _petition("Trưởng đoàn Lê Văn Một", petitioners=[
        {"full_name": "Trưởng đoàn Lê Văn Một", "phone": "0912000001",
         "is_representative": True},
        *({"full_name": f"Người Dân {n}"} for n in range(1, 6))])
    done = api(world["head"], "POST", "/reception-sessions",
               json=_body(scheduled=False, case=mine.tracking_code, turns=0, people=0,
                          matters_first=0, petitions=[six]))
    assert done.status_code == 201, done.get_json()
    answer = done.get_json()
    assert (answer["turns"], answer["people"], answer["delegations"],
            answer["delegation_people"]) == (1, 6, 1, 6)


def test_a_denunciation_raised_at_a_session_names_its_denouncer_with_an_address(world, api):
    """The intake rule of every channel (intake.denouncer_errors): QA found the API took a
    denunciation signed by a name and a phone only."""
    anonymous = _petition("Lê Văn Một", kind="denunciation")
    response = api(world["head"], "POST", "/reception-sessions", json=_body(petitions=[anonymous]))
    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "petitions.0.petitioners.0.address": "Đơn tố cáo phải có họ tên và địa chỉ người tố cáo."}
    assert db.session.scalar(select(func.count(ReceptionSession.id))) == 0
    anonymous["petitioners"][0]["address"] = "5 Lạch Tray, Hải Phòng"
    assert api(world["head"], "POST", "/reception-sessions",
               json=_body(petitions=[anonymous])).status_code == 201


def test_api_session_rows_take_a_history(world, api):
    response = api(world["head"], "POST", "/reception-sessions", json=_body(petitions=[
        _petition("Lê Văn Một", kind="denunciation", history="follow_up_overdue",
                  petitioners=[{"full_name": "Lê Văn Một", "address": "Số 1 Lê Chân"}]),
        _petition("Phạm Thị Hai", history="court")]))
    assert response.status_code == 422, response.get_json()
    assert "petitions.1.history" in response.get_json()["errors"]
    response = api(world["head"], "POST", "/reception-sessions", json=_body(petitions=[
        _petition("Lê Văn Một", kind="denunciation", history="follow_up_overdue",
                  subject="Cán bộ phường nhận tiền",
                  petitioners=[{"full_name": "Lê Văn Một", "address": "Số 1 Lê Chân"}])]))
    assert response.status_code == 201, response.get_json()
    assert db.session.scalars(select(Petition.history)).all() == ["follow_up_overdue"]
