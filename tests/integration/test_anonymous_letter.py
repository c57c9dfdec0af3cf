"""An anonymous letter (no name at all) is logged at the desk as not eligible, then filed
away and counted: it could not be logged before (the form asked for a petitioner even with
"eligible" unticked)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from complaints.domain import reports as forms
from complaints.extensions import db
from complaints.models import Case
from complaints.services import reports, workflow
from tests.conftest import NOW, TODAY
from tests.integration.reception_helpers import intake_form
from tests.integration.test_reception import desk  # noqa: F401

pytestmark = pytest.mark.usefixtures("fixed_clock")


@pytest.mark.parametrize("kind", ["denunciation", "feedback"])
def test_an_anonymous_letter_is_logged_filed_and_counted(client, desk, kind):  # noqa: F811
    officer, ward = desk
    data = intake_form(ward.code, [], TODAY, kind=kind, confirm_new="1",
                       subject="Thư không ký tên phản ánh cán bộ địa chính")
    del data["eligible"]  # unticked: not eligible for handling
    response = client.post("/reception/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    case = db.session.scalar(select(Case))
    assert [len(p.signers) for p in case.petitions] == [1 - 1]
    assert not case.petitions[0].eligible
    page = client.get(f"/reception/cases/{case.tracking_code}")
    assert page.status_code == 200
    workflow.file_away(case, "anonymous", officer, NOW, TODAY)
    db.session.commit()
    assert client.get(f"/reception/cases/{case.tracking_code}").status_code == 200
    period = forms.quarter_period(2026, 4)
    report = reports.build_report("02/XLD", officer.agency.code, period)
    total = report.rows[-1]
    assert total["1"] == 1  # the letter is counted among the petitions received


def test_a_letter_with_no_name_ticked_eligible_is_refused_with_the_way_out(
        client, desk):  # noqa: F811
    _officer, ward = desk
    response = client.post("/reception/new", data=intake_form(ward.code, [], TODAY))
    assert response.status_code == 422
    assert "bỏ chọn “Đủ điều kiện xử lý”" in response.get_data(as_text=True)
    assert db.session.scalar(select(Case.id)) is None


def test_the_pages_and_the_api_read_a_case_with_no_petitioner(
        client, desk, make_agency, make_user, login, api):  # noqa: F811
    officer, ward = desk
    data = intake_form(ward.code, [], TODAY, kind="complaint", confirm_new="1")
    del data["eligible"]
    assert client.post("/reception/new", data=data).status_code == 302
    case = db.session.scalar(select(Case))
    agency = make_agency(code="SO-TNMT", name="Sở Tài nguyên và Môi trường")
    head = make_user("agency_head", agency=agency)
    inspector = make_user("inspector")
    workflow.route(case, "SO-TNMT", officer, NOW, TODAY)
    db.session.commit()
    client.post("/logout")
    login(head)
    assert client.get(f"/agency/cases/{case.tracking_code}").status_code == 200
    assert client.get("/agency/cases").status_code == 200
    client.post("/logout")
    login(inspector)
    assert client.get(f"/inspection/cases/{case.tracking_code}").status_code == 200
    answer = api(head, "GET", f"/cases/{case.tracking_code}")
    assert answer.status_code == 200 and answer.get_json()["petitions"][0]["signers"] == []
