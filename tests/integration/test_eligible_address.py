"""A letter is eligible for handling (đủ điều kiện xử lý, 02/XLD column 5) only with an
address to answer it at (reports.md: "named, clear content and address"; QA 109 D2: a desk
or API letter without one was logged and counted as eligible)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import Case, Petition
from complaints.services import corrections
from complaints.services.errors import ValidationFailed
from tests.conftest import NOW, TODAY
from tests.factories import PASSWORD
from tests.integration.reception_helpers import intake_form, person

pytestmark = pytest.mark.usefixtures("fixed_clock")

API = "/api/v1"
NO_ADDRESS = "phải có địa chỉ của người đứng đơn"


@pytest.fixture
def world(make_agency, make_user, make_locality):
    prov = make_agency(code="P", level="province", name="UBND thành phố")
    desk = make_agency(code="BTCD", parent=prov, name="Ban Tiếp công dân")
    dept = make_agency(code="S", parent=prov, name="Sở Xây dựng")
    w = {"reception": make_user("reception", agency=desk, username="tiepdan"),
         "head": make_user("agency_head", agency=dept), "ward": make_locality("11311")}
    db.session.commit()
    return w


def _letters() -> list[tuple[str, bool]]:
    return [(c.subject, p.eligible) for c, p in db.session.execute(
        select(Case, Petition).join(Petition).order_by(Petition.id))]


def test_the_desk_form_refuses_an_eligible_letter_without_an_address(client, login, world):
    login(world["reception"])
    data = intake_form(world["ward"].code, [person(1, address="")], TODAY)
    response = client.post("/reception/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert NO_ADDRESS in html and 'data-testid="error-summary"' in html
    assert 'value="Trần Thị Dân 1"' in html  # what was typed is kept
    assert db.session.scalar(select(func.count(Case.id))) == 0
    # Unticked, it is logged, as not eligible; with an address, as eligible.
    del data["eligible"]
    assert client.post("/reception/new", data=data).status_code == 302
    data = intake_form(world["ward"].code, [person(2)], TODAY, subject="Có địa chỉ",
                       content="Đề nghị sửa đường ngõ 12 bị sụt lún sau mưa.")
    assert client.post("/reception/new", data=data).status_code == 302
    assert [e for _s, e in _letters()] == [False, True]


def test_one_signer_with_an_address_is_enough(client, login, world):
    login(world["reception"])
    people = [person(1, address=""), person(2)]
    response = client.post("/reception/new", data=intake_form(world["ward"].code, people,
                                                                TODAY))
    assert response.status_code == 302
    assert [e for _s, e in _letters()] == [True]


def _token(client) -> dict:
    token = client.post(f"{API}/tokens", json={"username": "tiepdan", "password": PASSWORD}
                        ).get_json()["token"]
    return {"Authorization": f"Bearer {token}"}


def _body(world, subject: str, address: str | None, **over) -> dict:
    person_ = {"full_name": "Trần Thị Mai", "phone": "0912000001"}
    if address is not None:
        person_["address"] = address
    body = {"kind": "recommendation", "field": "land", "subject": subject,
            "content": "Đề nghị di dời bãi rác.", "channel": "mail",
            "received_on": "2026-11-20", "locality_code": world["ward"].code,
            "petitioners": [person_]}
    body.update(over)
    return body


def test_the_api_derives_eligibility_when_not_told_and_refuses_a_false_claim(client, world):
    headers = _token(client)
    refused = client.post(f"{API}/cases", headers=headers,
                          json=_body(world, "Khẳng định sai", None, eligible=True))
    assert refused.status_code == 422
    assert NO_ADDRESS in refused.get_json()["errors"]["petitioners.0.address"]
    for subject, address in (("Không địa chỉ", None), ("Có địa chỉ", "Số 2 Lê Lợi")):
        response = client.post(f"{API}/cases", headers=headers,
                               json=_body(world, subject, address))
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["petitions"][0]["eligible"] is (address is not None)
    assert _letters() == [("Không địa chỉ", False), ("Có địa chỉ", True)]
    # Still refused: no petitioner and not said to be an anonymous letter.
    anonymous = client.post(f"{API}/cases", headers=headers,
                            json=_body(world, "Nặc danh", None, petitioners=[]))
    assert anonymous.status_code == 422


def test_a_session_petition_without_an_address_is_logged_not_eligible(client, login,
                                                                      make_agency, make_user,
                                                                      world):
    from tests.integration.session_world import petition_form, session_form

    login(world["head"])
    form = session_form(**petition_form(0, world["ward"].code, "Không để lại địa chỉ",
                                        "Lê Văn Một", address=""),
                        **petition_form(1, world["ward"].code, "Có địa chỉ", "Phạm Thị Hai"))
    page = client.get("/inspection/reception/new").get_data(as_text=True)
    assert "được ghi là không đủ điều kiện xử lý" in page  # the form says so beforehand
    response = client.post("/inspection/reception/new", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert _letters() == [("Không để lại địa chỉ", False), ("Có địa chỉ", True)]


def test_corrections_keep_the_rule(make_case, world):
    case = make_case(actor=world["reception"], received_on=date(2026, 11, 2))
    letter = case.petitions[0]
    signer = letter.signers[0].petitioner
    db.session.commit()
    values = {name: getattr(signer, name) for name in corrections.PERSON_FIELDS}
    # The letter's only address, while it is eligible: its eligibility is corrected first.
    with pytest.raises(ValidationFailed) as raised:
        corrections.correct_person(case, signer.id,
                                   corrections.PersonData(**{**values, "address": ""}),
                                   "Địa chỉ ghi nhầm", world["reception"], NOW)
    db.session.rollback()
    assert "địa chỉ duy nhất" in str(raised.value.errors["address"])
    corrections.correct_eligibility(case, letter.id, False, "Địa chỉ không có thật",
                                    world["reception"], NOW)
    assert corrections.correct_person(case, signer.id,
                                      corrections.PersonData(**{**values, "address": ""}),
                                      "Địa chỉ ghi nhầm", world["reception"], NOW,
                                      TODAY) == ["address"]
    db.session.commit()
    # Back to eligible only once an address is known again.
    with pytest.raises(ValidationFailed) as raised:
        corrections.correct_eligibility(case, letter.id, True, "Đủ điều kiện",
                                        world["reception"], NOW)
    db.session.rollback()
    assert NO_ADDRESS in str(raised.value.errors["eligible"])
    assert db.session.get(Petition, letter.id).eligible is False
