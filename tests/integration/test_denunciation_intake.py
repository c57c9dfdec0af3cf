"""A denunciation names its denouncer with an address (Law on Denunciations Art. 23, 25), on
every channel that opens a case, with one message (QA: the API took one signed by a name and
a phone only, while the citizens' form refused it)."""

from __future__ import annotations

import html as html_lib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import Case
from tests.conftest import TODAY
from tests.integration.reception_helpers import intake_form, person
from tests.integration.test_api import _case_body, world  # noqa: F401  (fixture)
from tests.integration.test_reception import desk  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY

MESSAGE = "Đơn tố cáo phải có họ tên và địa chỉ người tố cáo."


def _cases() -> int:
    return db.session.scalar(select(func.count(Case.id)))


def test_api_refuses_a_denunciation_without_the_denouncers_address(api, world):  # noqa: F811
    body = _case_body(world, kind="denunciation",
                      petitioners=[{"full_name": "Trần Văn Tố", "phone": "0912345678"}])
    refused = api(world["reception"], "POST", "/cases", json=body)
    assert refused.status_code == 422, refused.get_json()
    assert refused.get_json()["errors"] == {"petitioners.0.address": MESSAGE}
    assert _cases() == 0
    english = api(world["reception"], "POST", "/cases", json=body,
                  headers={"Accept-Language": "en"})
    assert english.get_json()["errors"]["petitioners.0.address"] == (
        "A denunciation must give the denouncer's full name and address.")
    body["petitioners"][0]["address"] = "12 Lạch Tray, Hải Phòng"
    assert api(world["reception"], "POST", "/cases", json=body).status_code == 201


def test_a_group_denunciation_names_every_denouncer_with_an_address(api, world):  # noqa: F811
    """Art. 23(1): with several denouncers, each one's name and address (QA round 6: one
    address among several signers was enough), on a new case and on a joined petition."""
    body = _case_body(world, kind="denunciation", petitioners=[
        {"full_name": "Trần Văn Tố", "phone": "0912345678"},
        {"full_name": "Lê Thị Cáo", "address": "3 Lạch Tray, Hải Phòng"}])
    refused = api(world["reception"], "POST", "/cases", json=body)
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {"petitioners.0.address": MESSAGE}
    body["petitioners"][0]["address"] = "5 Lạch Tray, Hải Phòng"
    created = api(world["reception"], "POST", "/cases", json=body)
    assert created.status_code == 201
    code = created.get_json()["tracking_code"]
    joined = api(world["reception"], "POST", f"/cases/{code}/petitions", json={
        "channel": "mail", "received_on": body["received_on"],
        "petitioners": [{"full_name": "Ngô Văn Mới", "phone": "0912000111"}]})
    assert joined.status_code == 422, joined.get_json()
    assert "petitioners.0.address" in joined.get_json()["errors"]




def test_reception_desk_refuses_it_with_the_same_message(client, desk):  # noqa: F811
    _officer, ward = desk
    data = intake_form(ward.code, [person(1, address="")], TODAY - timedelta(days=1),
                       kind="denunciation")
    response = client.post("/reception/new", data=data)
    assert response.status_code == 422
    page = html_lib.unescape(response.get_data(as_text=True))
    assert MESSAGE in page and 'id="petitioners-0-address-error"' in page
    assert _cases() == 0


def test_reception_desk_logs_an_anonymous_letter_as_not_eligible(client, desk):  # noqa: F811
    """An anonymous denunciation is not handled as one (Art. 25) but is still logged, to be
    filed away: the desk unticks "Đủ điều kiện xử lý"."""
    _officer, ward = desk
    data = intake_form(ward.code, [person(1, address="", id_number="", phone="0912000111")],
                       TODAY - timedelta(days=1), kind="denunciation")
    del data["eligible"]
    response = client.post("/reception/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    case = db.session.scalar(select(Case))
    assert case.kind == "denunciation" and case.petitions[0].eligible is False


def test_citizens_form_gives_the_message_on_the_address(client, make_agency):
    make_agency(code="BTCD", name="Ban Tiếp công dân tỉnh")
    db.session.commit()
    response = client.post("/cong-dan/gui-don", data={
        "kind": "denunciation", "field": "land", "locality_code": "", "subject": "Tố cáo",
        "content": "Cán bộ thu tiền trái phép.", "full_name": "Trần Văn Tố",
        "phone": "0912345678", "email": "", "address": "", "id_number": "",
        "consent": "y", "website": ""})
    assert response.status_code == 422
    page = html_lib.unescape(response.get_data(as_text=True))
    assert MESSAGE in page
    assert _cases() == 0


SUBJECT_MESSAGE = ("Trích yếu của đơn tố cáo không được ghi họ tên, số giấy tờ, số điện thoại "
                   "hay thư điện tử của người tố cáo")


def test_citizens_form_refuses_a_subject_naming_the_denouncer(client, make_agency):
    """The subject is listed to staff who may not know who denounced (only the content is
    kept from them): a subject that names its writer is refused, with what was typed kept,
    and a complaint may name its writer as it likes."""
    make_agency(code="BTCD", name="Ban Tiếp công dân tỉnh")
    db.session.commit()
    data = {"kind": "denunciation", "field": "land", "locality_code": "",
            "subject": "Tôi là Trần Văn Tố, tố cáo cán bộ địa chính xã",
            "content": "Cán bộ thu tiền trái phép.", "full_name": "Trần Văn Tố",
            "phone": "0912345678", "email": "", "address": "5 Lạch Tray", "id_number": "",
            "consent": "y", "website": ""}
    response = client.post("/cong-dan/gui-don", data=data)
    assert response.status_code == 422
    page = html_lib.unescape(response.get_data(as_text=True))
    assert SUBJECT_MESSAGE in page and "Cán bộ thu tiền trái phép." in page
    assert _cases() == 0
    for subject in ("Tố cáo cán bộ địa chính xã, liên hệ 0912.345.678",
                    "TRAN VAN TO to cao can bo dia chinh"):
        refused = client.post("/cong-dan/gui-don", data={**data, "subject": subject})
        assert refused.status_code == 422, subject
    assert _cases() == 0
    assert client.post("/cong-dan/gui-don", data={**data, "kind": "complaint"}).status_code \
        in (200, 302, 303)
    accepted = client.post("/cong-dan/gui-don",
                           data={**data, "subject": "Tố cáo cán bộ địa chính xã"})
    assert accepted.status_code in (200, 302, 303)
    assert _cases() == 2


def test_desk_and_api_refuse_a_subject_naming_the_denouncer(api, world, client,  # noqa: F811
                                                            desk):  # noqa: F811
    body = _case_body(world, kind="denunciation", subject="Đơn của Lê Thị Cáo tố cáo",
                      petitioners=[{"full_name": "Trần Văn Tố", "address": "5 Lạch Tray"},
                                   {"full_name": "Lê Thị Cáo", "address": "3 Lạch Tray"}])
    refused = api(world["reception"], "POST", "/cases", json=body)
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["subject"].startswith(SUBJECT_MESSAGE)
    english = api(world["reception"], "POST", "/cases", json=body,
                  headers={"Accept-Language": "en"})
    assert english.get_json()["errors"]["subject"].startswith(
        "A denunciation's subject must not give the denouncer's name")
    assert _cases() == 0
    _officer, ward = desk
    data = intake_form(ward.code, [person(1, address="Số 1 Lạch Tray")],
                       TODAY - timedelta(days=1), kind="denunciation",
                       subject="Tố cáo, CCCD 031200000001")
    response = client.post("/reception/new", data=data)
    assert response.status_code == 422
    page = html_lib.unescape(response.get_data(as_text=True))
    assert SUBJECT_MESSAGE in page and 'id="subject-error"' in page
    assert _cases() == 0
