"""QA round 21, citizen-reception sessions, heated and unscheduled reception, and 01/TCD:
the failing probes were fixed, the others guard what held."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from complaints.domain import reports as forms
from complaints.extensions import db
from complaints.models import Case, Petition, ReceptionSession
from complaints.services import reception_sessions as sessions
from complaints.services import reports
from tests.conftest import NOW, TODAY
from tests.integration.session_world import *  # noqa: F403  (fixture: world)
from tests.integration.session_world import petition_body as _api_petition
from tests.integration.session_world import petition_form as _petition
from tests.integration.session_world import routed_case as _routed_case
from tests.integration.session_world import session_body as _body
from tests.integration.session_world import session_form as _session

pytestmark = pytest.mark.usefixtures("fixed_clock")

HELD = "2026-11-30"
Q4 = forms.quarter_period(2026, 4)  # 15/09 – 14/12/2026






def _count_sessions() -> int:
    return db.session.scalar(select(func.count(ReceptionSession.id)))



# --- validation of odd input ------------------------------------------------------------------

def test_web_old_held_on_with_a_petition_is_refused_with_a_message(world, client, login):
    """A session dated before any handling policy, with a petition raised at it: the
    service refuses the petition's received_on (the session's date); the page must say so."""
    login(world["head"])
    response = client.post("/inspection/reception/new", data=_session(
        held_on="1990-01-05", **_petition(0, "11311", "Lấn chiếm hẻm", "Lê Văn Một")))
    page = response.get_data(as_text=True)
    assert _count_sessions() == 0  # nothing saved...
    # ...and nothing said: 200 with no error summary and no message on any field.
    assert 'data-testid="error-summary"' in page and "Ngày nhận đơn phải từ" in page, (
        response.status_code, "is-invalid" in page)
    assert response.status_code == 422


def test_web_future_date_refused_and_typed_rows_kept(world, client, login):
    login(world["head"])
    response = client.post("/inspection/reception/new", data=_session(
        held_on="2026-12-02", notes="Ghi chú Ưởng ỡ",
        **_petition(0, "11311", "Lấn chiếm hẻm Đặng Dung", "Lê Văn Một")))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Ngày tiếp không được ở tương lai." in page
    assert "Lấn chiếm hẻm Đặng Dung" in page and "Lê Văn Một" in page
    assert "Ghi chú Ưởng ỡ" in page and 'value="2026-12-02"' in page
    assert _count_sessions() == 0


@pytest.mark.parametrize("value", ["-1", "abc", "", "99999999999999999999"])
def test_web_odd_counts_are_refused_not_500(world, client, login, value):
    login(world["head"])
    response = client.post("/inspection/reception/new", data=_session(turns=value))
    assert response.status_code == 422
    assert _count_sessions() == 0


def test_web_too_large_count_says_so(world, client, login):
    """200 000 turns is refused; the message must not say 'enter a non-negative number'."""
    login(world["head"])
    response = client.post("/inspection/reception/new", data=_session(
        turns="200000", people="200000"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nhập số không âm." not in page, "a positive number told it must be non-negative"


@pytest.mark.parametrize("transport", ["web", "api"])
def test_more_delegations_than_turns_is_refused(world, client, login, api, transport):
    """3 group delegations received in 1 turn: each delegation is at least one turn."""
    counts = {"turns": 1, "people": 20, "matters_first": 3, "delegations": 3,
              "delegation_people": 15, "delegation_matters": 3}
    if transport == "web":
        login(world["head"])
        response = client.post("/inspection/reception/new",
                               data=_session(**{k: str(v) for k, v in counts.items()}))
    else:
        response = api(world["head"], "POST", "/reception-sessions", json=_body(**counts))
    assert response.status_code == 422, response.status_code
    assert _count_sessions() == 0


def test_fewer_people_than_turns_is_refused(world, api):
    """10 turns of reception with 2 people in all: every turn receives at least one."""
    response = api(world["head"], "POST", "/reception-sessions",
                   json=_body(turns=10, people=2, matters_first=1))
    assert response.status_code == 422, response.status_code
    assert _count_sessions() == 0


def test_delegation_matters_more_than_all_matters_is_refused(world, api):
    """The delegations' matters are part of the session's matters (first + repeated)."""
    response = api(world["head"], "POST", "/reception-sessions", json=_body(
        turns=1, people=5, matters_first=1, delegations=1, delegation_people=5,
        delegation_matters=4))
    assert response.status_code == 422, response.status_code
    assert _count_sessions() == 0


def test_web_long_and_unicode_text(world, client, login):
    login(world["head"])
    response = client.post("/inspection/reception/new", data=_session(
        leader_name="Ư" * 201, notes="𝔘" * 4001))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Ư" * 201 in page  # kept as typed
    assert _count_sessions() == 0
    response = client.post("/inspection/reception/new", data=_session(
        leader_name="Nguyễn Thị Ánh Tuyết 🌸", notes="Ghi chú\u0301 Việt\u200b"))
    assert response.status_code == 302, response.get_data(as_text=True)
    s = db.session.scalars(select(ReceptionSession)).one()
    assert s.leader_name == "Nguyễn Thị Ánh Tuyết 🌸"


def test_web_missing_fields(world, client, login):
    login(world["head"])
    data = _session(leader_name="  ")
    data.pop("held_on")
    data.pop("kind")
    response = client.post("/inspection/reception/new", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nhập ngày tiếp." in page
    assert _count_sessions() == 0


@pytest.mark.parametrize("extra", [
    {"turns": -1}, {"turns": 10**10}, {"held_on": "2026-12-02"}, {"held_on": "1999-12-31"},
    {"kind": "boss"}, {"leader_name": ""}, {"leader_name": "x" * 201}, {"turns": "3"},
    {"turns": 2.5}, {"held_on": None}])
def test_api_odd_input_is_422(world, api, extra):
    response = api(world["head"], "POST", "/reception-sessions", json=_body(**extra))
    assert response.status_code == 422, (response.status_code, response.get_json())
    assert _count_sessions() == 0


def test_api_old_date_with_petition_is_422_not_500(world, api):
    response = api(world["head"], "POST", "/reception-sessions", json=_body(
        held_on="2001-01-01", petitions=[_api_petition("Lê Văn Một")]))
    assert response.status_code == 422
    assert _count_sessions() == 0


# --- who may record / read -------------------------------------------------------------------

def test_another_agencys_head_can_neither_read_nor_list(world, client, login, api):
    session = sessions.record_session(sessions.SessionData(
        held_on=date(2026, 11, 30), kind="head", leader_name="GĐ", counts={"turns": 1,
                                                                           "people": 1}),
        world["head"], NOW, TODAY)
    db.session.commit()
    assert api(world["other_head"], "GET", f"/reception-sessions/{session.id}"
               ).status_code == 404
    assert api(world["other_head"], "GET", "/reception-sessions").get_json()["total"] == 0
    assert api(world["reception"], "GET", "/reception-sessions").get_json()["total"] == 0
    login(world["other_head"])
    assert client.get(f"/inspection/reception/{session.id}").status_code == 404
    assert f"/inspection/reception/{session.id}\"" not in client.get(
        "/inspection/reception").get_data(as_text=True)


def test_inspector_may_read_but_not_record(world, client, login, api):
    assert api(world["inspector"], "POST", "/reception-sessions",
               json=_body()).status_code == 403
    login(world["inspector"])
    assert client.post("/inspection/reception/new", data=_session()).status_code in (403, 404)
    assert _count_sessions() == 0


def test_other_head_cannot_record_about_a_case_not_theirs(world, api, make_case):
    case = _routed_case(make_case, world)
    response = api(world["other_head"], "POST", "/reception-sessions", json=_body(
        scheduled=False, case=case.tracking_code))
    assert response.status_code == 422
    assert "case" in response.get_json()["errors"]
    response = api(world["other_head"], "POST", "/reception-sessions", json=_body(
        petitions=[{"join_code": case.tracking_code,
                    "petitioners": [{"full_name": "Phạm Thị Hai"}]}]))
    assert response.status_code == 422
    assert _count_sessions() == 0


# --- figures against the petitions ------------------------------------------------------------

def test_figures_follow_new_joined_and_delegation_petitions(world, api, make_case):
    earlier = _routed_case(make_case, world, subject="Cấp phép xây dựng chậm",
                           locality_code="11311")
    delegation = _api_petition("Trưởng đoàn A", subject="Phản đối dự án ô nhiễm", petitioners=[
        {"full_name": "Trưởng đoàn A", "phone": "0912000002", "is_representative": True},
        *[{"full_name": f"Người Dân {n}"} for n in range(1, 6)]])
    response = api(world["head"], "POST", "/reception-sessions", json=_body(
        turns=0, people=0, matters_first=0, petitions=[
            _api_petition("Lê Văn Một"), delegation,
            {"join_code": earlier.tracking_code.lower() + " ", "note": "Vẫn chưa cấp phép",
             "petitioners": [{"full_name": "Phạm Thị Hai"}]},
            {"join_code": earlier.tracking_code, "note": "Lần nữa",
             "petitioners": [{"full_name": "Phạm Thị Ba"}]}]))
    assert response.status_code == 201, response.get_json()
    a = response.get_json()
    assert (a["turns"], a["people"], a["matters_first"], a["matters_repeated"],
            a["delegations"], a["delegation_people"], a["delegation_matters"]) == (
        4, 9, 2, 1, 1, 6, 1)
    assert len(a["opened"]) == 2
    assert db.session.scalar(select(func.count(Petition.id)).where(
        Petition.reception_session_id == a["id"])) == 4
    assert [p["joined"] for p in a["petitions"]] == [False, False, True, True]


# --- periodic vs unscheduled; heated prompt -----------------------------------------------------

def test_unscheduled_session_does_not_count_for_compliance(world):
    sessions.record_session(sessions.SessionData(
        held_on=date(2026, 11, 30), kind="head", leader_name="GĐ", scheduled=False,
        counts={"turns": 1, "people": 1}), world["head"], NOW, TODAY)
    db.session.commit()
    [row] = sessions.compliance(world["head"], date(2026, 11, 1), date(2026, 11, 30), TODAY)
    assert row.held == 0 and row.required == 1
    sessions.record_session(sessions.SessionData(
        held_on=date(2026, 11, 20), kind="head", leader_name="GĐ", scheduled=True,
        counts={"turns": 1, "people": 1}), world["head"], NOW, TODAY)
    db.session.commit()
    [row] = sessions.compliance(world["head"], date(2026, 11, 1), date(2026, 11, 30), TODAY)
    assert row.held == 1


def test_heated_prompt_goes_away_via_api_session(world, client, login, api, make_case):
    case = _routed_case(make_case, world)
    login(world["head"])
    r = client.post(f"/inspection/reception/heated/{case.tracking_code}",
                    data={"note": "Bức xúc, tụ tập đông"})
    assert r.status_code == 302
    assert f'data-testid="prompt-{case.tracking_code}"' in client.get("/agency/").get_data(
        as_text=True)
    response = api(world["head"], "POST", "/reception-sessions", json=_body(
        held_on=TODAY.isoformat(), scheduled=False, case=case.tracking_code.lower()))
    assert response.status_code == 201, response.get_json()
    assert f'data-testid="prompt-{case.tracking_code}"' not in client.get(
        "/agency/").get_data(as_text=True)


def test_heated_mark_refused_for_other_head_and_long_note(world, client, login, make_case):
    case = _routed_case(make_case, world)
    login(world["other_head"])
    assert client.post(f"/inspection/reception/heated/{case.tracking_code}",
                       data={"note": "x"}).status_code == 404
    client.post("/logout")
    login(world["head"])
    r = client.post(f"/inspection/reception/heated/{case.tracking_code}",
                    data={"note": "Ư" * 4001})
    assert r.status_code == 422 and "Ư" * 4001 in r.get_data(as_text=True)
    r = client.post(f"/inspection/reception/heated/{case.tracking_code}",
                    data={"note": "   "})
    assert r.status_code == 422
    db.session.expire_all()
    assert db.session.get(Case, case.id).heated_on is None


def test_web_unscheduled_form_from_lowercase_case_link(world, client, login, make_case):
    case = _routed_case(make_case, world)
    login(world["head"])
    r = client.get(f"/inspection/reception/new?case={case.tracking_code.lower()}")
    assert r.status_code == 200


# --- 01/TCD ----------------------------------------------------------------------------------

def test_01_tcd_matches_what_was_recorded(world, api, make_case):
    ok = []
    ok.append(api(world["head"], "POST", "/reception-sessions", json=_body(
        held_on="2026-10-05", kind="head", turns=2, people=3, matters_first=2)))
    ok.append(api(world["head"], "POST", "/reception-sessions", json=_body(
        held_on="2026-11-30", kind="head", scheduled=False, turns=1, people=6,
        matters_first=1, delegations=1, delegation_people=6, delegation_matters=1)))
    ok.append(api(world["head"], "POST", "/reception-sessions", json=_body(
        held_on="2026-11-10", kind="deputy", leader_name="PGĐ", scheduled=False, turns=3,
        people=4, matters_first=0, matters_repeated=2)))
    ok.append(api(world["head"], "POST", "/reception-sessions", json=_body(
        held_on="2026-11-11", kind="regular", leader_name="", turns=5, people=5,
        matters_first=4, matters_repeated=1)))
    ok.append(api(world["head"], "POST", "/reception-sessions", json=_body(
        held_on="2026-09-14", kind="head", turns=7, people=7, matters_first=7)))  # Q3
    assert [r.status_code for r in ok] == [201] * 5, [r.get_json() for r in ok]
    report = reports.build_report("01/TCD", "P", Q4)
    row = {u.code: r for u, r in zip(report.units, report.rows, strict=True)}["S"]
    pick = {k: row[k] for k in ("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12",
                                "13", "14", "15", "16", "17", "18", "20", "32", "33", "34",
                                "40", "41", "42", "43", "44")}
    assert pick == {"1": 11, "2": 5, "3": 5, "4": 5, "5": 6, "6": 3, "7": 3, "8": 3,
                    "9": 7, "10": 3, "11": 1, "12": 6, "13": 2, "14": 4, "15": 1, "16": 2,
                    "17": 9, "18": 4, "20": 1, "32": 1, "33": 1, "34": 6, "40": 1, "41": 3,
                    "42": 4, "43": 0, "44": 2}
    assert report.total["1"] == 11


# --- round 2 probes ----------------------------------------------------------------------------

def test_web_refused_form_keeps_every_petition_row(world, client, login):
    login(world["head"])
    response = client.post("/inspection/reception/new", data=_session(
        held_on="2026-12-05", **_petition(0, "11311", "Hẻm số một bị lấn", "Lê Văn Một"),
        **_petition(1, "11312", "Giấy phép số hai chậm", "Phạm Thị Hai", kind="feedback")))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Hẻm số một bị lấn" in page and "Giấy phép số hai chậm" in page
    assert 'data-testid="petition-row-1"' in page


def test_web_session_page_with_huge_id_is_404(world, client, login):
    login(world["head"])
    assert client.get("/inspection/reception/99999999999999999999").status_code == 404


def test_web_add_petition_at_the_limit_is_not_500(world, client, login):
    login(world["head"])
    rows = {}
    for i in range(sessions.MAX_PETITIONS):
        rows[f"petitions-{i}-subject"] = f"Việc {i}"
    response = client.post("/inspection/reception/new",
                           data=_session(add_petition="1", **rows))
    assert response.status_code in (200, 422), response.status_code


def test_web_101st_petition_is_not_silently_dropped(world, client, login):
    """101 petitions typed: refuse (at most 100) rather than save 100 and lose one."""
    login(world["head"])
    rows = {}
    for i in range(sessions.MAX_PETITIONS + 1):
        rows.update(_petition(i, "11311", f"Việc số {i} khác nhau hoàn toàn", f"Người Số {i}",
                              phone=f"0913{i:06d}", id_number=f"0312{i:08d}"))
    response = client.post("/inspection/reception/new", data=_session(
        turns="0", people="0", matters_first="0", confirm_new="1", **rows))
    saved = db.session.scalar(select(func.count(Case.id)))
    assert response.status_code == 422 or saved == sessions.MAX_PETITIONS + 1, (
        response.status_code, saved)


def test_agency_officer_records_for_own_agency(world, client, login, make_user):
    officer = make_user("agency_officer", agency=world["dept"])
    login(officer)
    response = client.post("/inspection/reception/new", data=_session(kind="regular",
                                                                        leader_name=""))
    assert response.status_code == 302, response.get_data(as_text=True)
    s = db.session.scalars(select(ReceptionSession)).one()
    assert s.agency_id == world["dept"].id


@pytest.mark.parametrize("query", ["held_from=bad", "page=0", "per_page=1000",
                                   "held_from=2026-12-01&held_to=2026-01-01"])
def test_api_list_odd_queries(world, api, query):
    response = api(world["head"], "GET", f"/reception-sessions?{query}")
    assert response.status_code in (200, 422), response.status_code
