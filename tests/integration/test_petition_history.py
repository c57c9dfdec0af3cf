"""The history of the matter a letter raises (reports.md, 02/XLD "history of the matter"):
stated by the desk from the letter, or derived from the case a later letter joins; checked
against the kind on the desk's form and the API; counted by 02/XLD's columns 18–24."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from complaints.domain import reports as forms
from complaints.extensions import db
from complaints.models import Case, Petition
from complaints.services import intake, reports, workflow
from tests.conftest import NOW, TODAY
from tests.integration.history_helpers import accepted as _accepted
from tests.integration.history_helpers import history_world
from tests.integration.history_helpers import letter as _letter
from tests.integration.history_helpers import page as _page
from tests.integration.reception_helpers import intake_form, person

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY (01/12)

Q4 = forms.quarter_period(2026, 4)  # 15/09 – 14/12/2026


@pytest.fixture
def world(make_agency, make_user, make_locality):
    return history_world(make_agency, make_user, make_locality)


# --- derived for a later letter --------------------------------------------------------------

def test_a_letter_after_a_first_round_decision_is_decided_in_round_1(make_case, world):
    case = _accepted(make_case, world, "complaint", date(2026, 10, 1))
    workflow.resolve(case, "wrong", "1/QĐ", "Giữ nguyên", None, NOW, TODAY,
                     decided_on=date(2026, 10, 20))
    before = intake.add_petition(case, _letter(date(2026, 10, 15)), world["reception"], NOW,
                                 TODAY)
    after = intake.add_petition(case, _letter(date(2026, 11, 2)), world["reception"], NOW,
                                TODAY)
    assert (before.history, after.history) == ("repeated", "decided_round1")
    assert case.petitions[0].history == "first"


def test_a_denunciation_letter_after_its_due_day_is_a_follow_up_for_the_delay(make_case,
                                                                            world):
    case = _accepted(make_case, world, "denunciation", date(2026, 9, 16))
    due = case.deadline("resolution").due_on
    late = intake.add_petition(case, _letter(due + timedelta(days=1)), world["reception"], NOW,
                               TODAY)
    on_time = intake.add_petition(case, _letter(due), world["reception"], NOW, TODAY)
    assert (late.history, on_time.history) == ("follow_up_overdue", "repeated")


def test_a_stated_history_is_kept_and_a_wrong_one_refused(make_case, world):
    case = _accepted(make_case, world, "complaint", date(2026, 10, 1))
    stated = intake.add_petition(case, _letter(date(2026, 10, 5), "court"),
                                 world["reception"], NOW, TODAY)
    assert stated.history == "court"
    with pytest.raises(intake.ValidationFailed) as refused:
        intake.add_petition(case, _letter(date(2026, 10, 6), "follow_up"),
                            world["reception"], NOW, TODAY)
    message = refused.value.errors["history"]
    assert "không áp dụng cho hồ sơ" in message and case.tracking_code in message


def test_a_second_complaint_was_decided_in_round_1(make_case, world):
    first = _accepted(make_case, world, "complaint", date(2026, 9, 20))
    workflow.resolve(first, "wrong", "1/QĐ", "Giữ nguyên", None, NOW, TODAY,
                     decided_on=date(2026, 10, 10))
    second = make_case(actor=world["reception"], complaint_round=2,
                       parent_tracking_code=first.tracking_code, received_on=date(2026, 11, 1))
    assert second.petitions[0].history == "decided_round1"
    db.session.commit()
    with pytest.raises(intake.ValidationFailed) as refused:
        make_case(actor=world["reception"], complaint_round=2, history="first",
                  parent_tracking_code=first.tracking_code, received_on=date(2026, 11, 2))
    db.session.rollback()
    assert "lần hai" in refused.value.errors["history"]


# --- the desk's form and the API --------------------------------------------------------------

def test_desk_states_a_court_judgment_and_the_case_page_shows_it(client, login, world):
    login(world["reception"])
    data = intake_form("11311", [person(1)], date(2026, 11, 20), history="court",
                       confirm_new="1")
    response = client.post("/reception/new", data=data)
    assert response.status_code == 302, _page(response)[:2000]
    petition = db.session.scalar(select(Petition))
    assert petition.history == "court"
    case = db.session.scalar(select(Case))
    page = _page(client.get(f"/reception/cases/{case.tracking_code}"))
    assert "Lịch sử vụ việc: Đã có bản án, quyết định của Tòa án" in page


def test_desk_history_that_does_not_fit_the_kind_is_a_field_error(client, login, world):
    login(world["reception"])
    data = intake_form("11311", [person(1)], date(2026, 11, 20), kind="feedback",
                       history="court", confirm_new="1")
    response = client.post("/reception/new", data=data)
    page = _page(response)
    assert response.status_code == 422
    assert 'id="history-error"' in page
    assert "không áp dụng cho loại đơn" in page
    assert 'value="Trần Thị Dân 1"' in page  # nothing typed is lost
    assert db.session.scalar(select(func.count(Case.id))) == 0


def test_desk_form_offers_a_blank_history_in_english_too(client, login, world):
    login(world["reception"])
    client.get("/lang/en?next=/")
    page = _page(client.get("/reception/new"))
    assert "Blank: set by the system" in page
    assert "Already decided by a court judgment" in page


def _body(**extra) -> dict:
    body = {"kind": "denunciation", "field": "land", "subject": "Cán bộ xã nhận tiền",
            "content": "Tố cáo cán bộ địa chính xã nhận tiền.", "channel": "mail",
            "received_on": "2026-11-20", "locality_code": "11311",
            "petitioners": [{"full_name": "Trần Văn A", "phone": "0912345678",
                             "address": "Số 1 Lạch Tray"}]}
    body.update(extra)
    return body


def test_api_takes_and_shows_the_history(api, world):
    response = api(world["reception"], "POST", "/cases", json=_body(history="follow_up"))
    assert response.status_code == 201, response.get_json()
    code = response.get_json()["tracking_code"]
    shown = api(world["reception"], "GET", f"/cases/{code}").get_json()
    assert [p["history"] for p in shown["petitions"]] == ["follow_up"]
    later = api(world["reception"], "POST", f"/cases/{code}/petitions",
                json={"channel": "mail", "received_on": "2026-11-21",
                      "petitioners": [{"full_name": "Trần Văn A", "phone": "0912345678",
                                       "address": "Số 1 Lạch Tray"}]})
    assert later.status_code == 201, later.get_json()
    # Left blank, a later letter says what the case's first letter said of the matter.
    assert [p["history"] for p in later.get_json()["petitions"]] == ["follow_up", "follow_up"]


@pytest.mark.parametrize("value", ["court", "bogus"])
def test_api_refuses_a_history_that_is_not_the_kinds(api, world, value):
    response = api(world["reception"], "POST", "/cases", json=_body(history=value))
    assert response.status_code == 422
    assert "history" in response.get_json()["errors"]
    assert db.session.scalar(select(func.count(Case.id))) == 0


# --- 02/XLD ----------------------------------------------------------------------------------

def test_02_xld_counts_the_history_of_the_letters_received(make_case, world):
    r = world["reception"]
    new = lambda kind, on, **kw: make_case(actor=r, kind=kind, received_on=on, **kw)  # noqa: E731
    new("feedback", date(2026, 10, 1))  # first
    new("complaint", date(2026, 10, 2), history="decided_round1")
    new("complaint", date(2026, 10, 3), history="decided_round2")
    new("complaint", date(2026, 10, 4), history="court")
    new("denunciation", date(2026, 10, 5), history="follow_up")
    den = _accepted(make_case, world, "denunciation", date(2026, 9, 16))  # first
    due = den.deadline("resolution").due_on
    intake.add_petition(den, _letter(due + timedelta(days=2)), r, NOW, TODAY)  # overdue
    intake.add_petition(den, _letter(date(2026, 9, 20)), r, NOW, TODAY)  # repeated
    new("recommendation", date(2026, 9, 10))  # before the period: not counted
    db.session.commit()
    row = {u.code: row for u, row in zip(*(lambda rep: (rep.units, rep.rows))(
        reports.build_report("02/XLD", "P", Q4)), strict=True)}["DESK"]
    assert row["3"] == 8
    assert {c: row[c] for c in ("18", "19", "20", "21", "22", "23", "24")} == {
        "18": 2, "19": 6, "20": 1, "21": 1, "22": 1, "23": 2, "24": 1}


def test_inspector_sees_each_letters_history(client, login, make_case, make_user, world):
    case = _accepted(make_case, world, "complaint", date(2026, 10, 1), history="court")
    intake.add_petition(case, _letter(date(2026, 10, 5)), world["reception"], NOW, TODAY)
    db.session.commit()
    login(make_user("inspector"))
    page = _page(client.get(f"/inspection/cases/{case.tracking_code}"))
    assert "Đã có bản án, quyết định của Tòa án" in page
    # The later letter, left blank, says what the first said of the matter.
    assert "Đã có bản án, quyết định của Tòa án; đơn trùng, nhiều lần" in page
