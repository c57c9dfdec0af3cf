"""The service layer's messages come out in the user's language, on pages and in the API.

Services mark their messages with N_ (complaints/domain/messages.py); the web layer and the
API's error handlers translate them at render time (complaints/web/i18n.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import g

from complaints.domain.messages import N_
from complaints.extensions import db
from tests.conftest import _Client

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY

DENUNCIATION_VI = "Đơn tố cáo phải có họ tên và địa chỉ người tố cáo."
DENUNCIATION_EN = "A denunciation must give the denouncer's full name and address."


class _LocaleClient(_Client):
    """Forget the locale Flask-Babel caches in `g` between requests (see test_i18n.py)."""

    def open(self, *args, **kwargs):
        g.pop("_flask_babel", None)
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = _LocaleClient
    return app.test_client()


@pytest.fixture
def compiled_catalogs():
    """The app reads the compiled .mo files: `make babel` must be newer than the .po."""
    for lang in ("vi", "en"):
        po = ROOT / "complaints" / "translations" / lang / "LC_MESSAGES" / "messages.po"
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            pytest.fail(f"{mo} is missing or older than its .po: run `make babel`",
                        pytrace=False)


@pytest.fixture
def world(make_agency, make_user, make_locality):
    province = make_agency(code="UBND-HP", level="province", name="UBND thành phố")
    desk = make_agency(code="BTCD", parent=province, name="Ban Tiếp công dân")
    so = make_agency(code="SO-TNMT", parent=province, name="Sở Tài nguyên và Môi trường")
    w = {"locality": make_locality(code="11311", name="Phường Lê Chân"),
         "reception": make_user("reception", agency=desk, username="tiepdan"),
         "head": make_user("agency_head", agency=so, username="giamdoc"),
         "officer": make_user("agency_officer", agency=so, username="chuyenvien"),
         "inspector": make_user("inspector", username="thanhtra")}
    db.session.commit()
    return w


def _denunciation() -> dict:
    return {"kind": "denunciation", "field": "land", "locality_code": "",
            "subject": "Sai phạm đất đai", "content": "Tố cáo việc giao đất trái phép.",
            "full_name": "Trần Thị Bích Ngọc", "phone": "0912345678", "email": "",
            "address": "", "id_number": "", "consent": "y", "website": ""}


def _case_body(w) -> dict:
    return {"kind": "recommendation", "field": "land", "subject": "Ô nhiễm từ bãi rác",
            "content": "Đề nghị di dời bãi rác.", "channel": "walk_in",
            "received_on": "2026-11-20", "locality_code": w["locality"].code,
            "agency_code": "SO-TNMT",
            "petitioners": [{"full_name": "Trần Thị A", "phone": "0912000000",
                             "address": "1 Lạch Tray"}]}


@pytest.mark.usefixtures("compiled_catalogs")
def test_public_form_shows_the_service_message_in_english(client, world):
    vietnamese = client.post("/cong-dan/gui-don", data=_denunciation())
    assert vietnamese.status_code == 422
    assert DENUNCIATION_VI in vietnamese.get_data(as_text=True)

    client.get("/lang/en?next=/cong-dan/")
    english = client.post("/cong-dan/gui-don", data=_denunciation())
    assert english.status_code == 422
    html = english.get_data(as_text=True)
    assert DENUNCIATION_EN.replace("'", "&#39;") in html
    assert DENUNCIATION_VI not in html
    assert 'value="Sai phạm đất đai"' in html  # what was typed is kept


def test_api_422_body_is_vietnamese_by_default(api, world):
    future = _case_body(world) | {"received_on": "2026-12-02"}  # after TODAY
    response = api(world["reception"], "POST", "/cases", json=future)
    assert response.status_code == 422
    assert response.get_json()["error"] == "Dữ liệu không hợp lệ."
    assert response.get_json()["errors"]["received_on"] == "Ngày nhận đơn không được ở tương lai."


@pytest.mark.usefixtures("compiled_catalogs")
def test_api_messages_with_values_and_403_in_english(client, api, world):
    token = _token(client, world["reception"])
    future = _case_body(world) | {"received_on": "2026-12-02"}
    english = client.post("/api/v1/cases", json=future, headers={
        "Authorization": f"Bearer {token}", "Accept-Language": "en-GB,en;q=0.8"})
    assert english.status_code == 422
    body = english.get_json()
    assert body["error"] == "Invalid data."
    assert body["errors"]["received_on"] == "The date received cannot be in the future."

    by_query = client.post("/api/v1/cases?lang=en", json=future,
                           headers={"Authorization": f"Bearer {token}"})
    assert by_query.get_json()["errors"]["received_on"] == (
        "The date received cannot be in the future.")

    code = client.post("/api/v1/cases", json=_case_body(world), headers={
        "Authorization": f"Bearer {token}"}).get_json()["tracking_code"]
    head = _token(client, world["head"])
    en = {"Authorization": f"Bearer {head}", "Accept-Language": "en"}
    assert client.post(f"/api/v1/cases/{code}/accept", json={}, headers=en).status_code == 200
    # A message with a value (the policy's limit), filled in after translation.
    too_long = client.post(f"/api/v1/cases/{code}/extend", headers=en,
                           json={"days": 400, "reason": "Cần xác minh thêm"})
    assert too_long.status_code == 422, too_long.get_json()
    days = too_long.get_json()["errors"]["days"]
    assert days.startswith("An extension may be at most ") and days.endswith(" days.")

    officer = _token(client, world["officer"])
    refused = client.post(f"/api/v1/cases/{code}/close", json={}, headers={
        "Authorization": f"Bearer {officer}", "Accept-Language": "en"})
    assert refused.status_code == 403, refused.get_json()
    assert refused.get_json()["error"] == (
        f"Account chuyenvien may not perform this action on case {code}.")


def _token(client, user) -> str:
    from tests.factories import PASSWORD

    response = client.post("/api/v1/tokens", json={"username": user.username,
                                                   "password": PASSWORD})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


@pytest.mark.usefixtures("compiled_catalogs")
def test_translate_fills_values_after_translating(app):
    """Outside a translated catalog entry the msgid comes back, with its values."""
    from complaints.services.errors import NotAllowed, ValidationFailed
    from complaints.web.i18n import error_text, translate, translate_errors

    with app.test_request_context("/?lang=en"):
        assert translate(N_("Tối đa %(max)s ký tự.", max=7)) == "At most 7 characters."
        assert translate("not a msgid") == "not a msgid"
        assert translate_errors({"a.b": N_("Nhập họ và tên.")}) == {"a.b": "Enter the full name."}
        assert error_text(NotAllowed(N_("Chỉ quản trị viên được sửa trọng số."))) == (
            "Only administrators may change the weights.")
        assert error_text(ValidationFailed({"x": N_("Nhập họ và tên.")})) == "Enter the full name."


@pytest.mark.usefixtures("compiled_catalogs")
def test_translate_words_numbers_and_names_as_the_reader_writes_them(app):
    # Found by QA: English pages read "from 0 to 10.000.000.000.000" and named agencies in
    # Vietnamese. The values are worded when the message is translated.
    from complaints.domain.messages import Named, Number
    from complaints.web.i18n import translate

    bound = N_("Nhập một số từ 0 đến %(max)s.", max=Number(10**13))
    named = Named("Thanh tra thành phố Hải Phòng", "Hai Phong City Inspectorate")
    differs = N_("Cơ quan được chọn khác cơ quan gợi ý (%(agency)s): nêu lý do.", agency=named)
    with app.test_request_context("/?lang=en"):
        g.pop("_flask_babel", None)
        assert translate(bound) == "Enter a number from 0 to 10,000,000,000,000."
        assert translate(differs) == ("The chosen agency differs from the suggested one "
                                      "(Hai Phong City Inspectorate): state the reason.")
        assert translate(N_("%(agency)s", agency=Named("Sở Xây dựng"))) == "Sở Xây dựng"
    with app.test_request_context("/?lang=vi"):
        g.pop("_flask_babel", None)  # the locale cached by the request above
        assert translate(bound) == "Nhập một số từ 0 đến 10.000.000.000.000."
        assert translate(differs) == ("Cơ quan được chọn khác cơ quan gợi ý (Thanh tra thành "
                                      "phố Hải Phòng): nêu lý do.")


@pytest.mark.usefixtures("compiled_catalogs")
def test_the_route_form_names_the_suggested_agency_in_the_readers_language(
        client, login, make_agency, make_user, make_case):
    # Found by QA: on the English reception page, "The chosen agency differs from the
    # suggested one (Thanh tra thành phố Hải Phòng): state the reason."
    from sqlalchemy import select

    from complaints.models import Field, RoutingRule

    desk = make_agency("BTCD", name="Ban Tiếp công dân", is_reception_desk=True)
    suggested = make_agency("TT-HP", name="Thanh tra thành phố Hải Phòng",
                            is_inspectorate=True)
    suggested.name_en = "Hai Phong City Inspectorate"
    make_agency("SO-XD", name="Sở Xây dựng")
    land = db.session.scalar(select(Field).where(Field.code == "land"))
    db.session.add(RoutingRule(field_id=land.id, agency_id=suggested.id, priority=0))
    officer = make_user("reception", agency=desk)
    case = make_case(actor=officer)
    db.session.commit()
    login(officer)
    url = f"/reception/cases/{case.tracking_code}/route"
    html = client.post(url, data={"route-agency_code": "SO-XD"}).get_data(as_text=True)
    assert "khác cơ quan gợi ý (Thanh tra thành phố Hải Phòng): nêu lý do" in html
    client.get("/lang/en?next=/")
    answer = client.post(url, data={"route-agency_code": "SO-XD"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert ("The chosen agency differs from the suggested one (Hai Phong City Inspectorate): "
            "state the reason.") in html
    assert "Thanh tra thành phố Hải Phòng" not in html
