"""Reception intake checks found by a QA pass: a date before any deadline policy, ID and
phone numbers refused rather than stripped, every error in one round, the file-away
confirmation's way back, and a stale action named by its label."""

from __future__ import annotations

import html as html_lib
from datetime import date

import pytest
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import Case, DeadlinePolicy, Petitioner
from complaints.services import deadlines, workflow
from tests.conftest import NOW, TODAY
from tests.integration.reception_helpers import intake_form, person

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY

BEFORE_POLICIES = date(2019, 12, 31)


@pytest.fixture
def desk(make_user, make_locality, login):
    """A signed-in reception officer and a ward of Hải Phòng."""
    officer = make_user("reception")
    ward = make_locality("11311", name="Phường Lê Chân")
    login(officer)
    return officer, ward


def _cases() -> int:
    return db.session.scalar(select(func.count(Case.id)))


def _page(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


def _first_policy_day(kind: str) -> date:
    """The first day of the seeded handling policies of a kind (read from the table)."""
    first = db.session.scalar(select(func.min(DeadlinePolicy.effective_from)).where(
        DeadlinePolicy.stage == "handling", DeadlinePolicy.kind == kind))
    assert first is not None and first > BEFORE_POLICIES  # what the tests below rely on
    return first


# --- 1. A petition received before the first deadline policy ------------------------------

def test_received_before_any_policy_is_a_field_error_with_the_form_kept(client, desk):
    _officer, ward = desk
    first = _first_policy_day("feedback")
    data = intake_form(ward.code, [person(1)], BEFORE_POLICIES, kind="feedback")
    response = client.post("/reception/new", data=data)
    page = _page(response)
    assert response.status_code == 422
    assert 'id="received_on-error"' in page
    assert f"Ngày nhận đơn phải từ {first:%d/%m/%Y} trở đi" in page
    assert 'value="Trần Thị Dân 1"' in page and 'value="2019-12-31"' in page
    assert _cases() == 0


def test_api_answers_422_on_the_received_date_not_500(api, make_user, make_locality):
    officer = make_user("reception")
    ward = make_locality("11311")
    first = _first_policy_day("feedback")
    body = {"kind": "feedback", "field": "land", "subject": "Đường hỏng",
            "content": "Đề nghị sửa đường.", "channel": "walk_in",
            "received_on": BEFORE_POLICIES.isoformat(), "locality_code": ward.code,
            "petitioners": [{"full_name": "Trần Văn A", "phone": "0912345678"}]}
    response = api(officer, "POST", "/cases", json=body)
    assert response.status_code == 422, response.get_json()
    message = response.get_json()["errors"]["received_on"]
    assert f"{first:%d/%m/%Y}" in message
    assert _cases() == 0


def test_the_earliest_day_follows_the_policy_table(client, desk):
    """Nothing is hard-coded: a policy version in force earlier admits earlier petitions."""
    _officer, ward = desk
    db.session.add(DeadlinePolicy(stage="handling", kind="feedback", round=0,
                                  variant="normal", days=10, unit="working",
                                  effective_from=date(2019, 1, 1), source="test"))
    db.session.commit()
    deadlines.invalidate()
    try:
        data = intake_form(ward.code, [person(1)], BEFORE_POLICIES, kind="feedback")
        response = client.post("/reception/new", data=data)
        assert response.status_code == 302, _page(response)
        assert db.session.scalar(select(Case)).received_on == BEFORE_POLICIES
    finally:
        deadlines.invalidate()


# --- 2. ID, phone and e-mail refused, never stripped ---------------------------------------

@pytest.mark.parametrize(("key", "value", "message"), [
    ("id_number", "12abc", "Số định danh gồm 12 chữ số (CCCD) hoặc 9 chữ số (CMND)."),
    ("id_number", "0312000001", "Số định danh gồm 12 chữ số (CCCD) hoặc 9 chữ số (CMND)."),
    ("phone", "abcdef", "Số điện thoại gồm 10 chữ số bắt đầu bằng 0"),
    ("phone", "0912", "Số điện thoại gồm 10 chữ số bắt đầu bằng 0"),
    ("email", "a@b", "Địa chỉ thư điện tử không hợp lệ."),
])
def test_wrong_contact_values_are_field_errors(client, desk, key, value, message):
    _officer, ward = desk
    data = intake_form(ward.code, [person(1, **{key: value})], TODAY)
    response = client.post("/reception/new", data=data)
    page = _page(response)
    assert response.status_code == 422
    assert f'id="petitioners-0-{key}-error"' in page
    assert message in page
    assert f'value="{value}"' in page  # kept as typed
    assert _cases() == 0


def test_formatted_numbers_are_stored_normalised(client, desk):
    _officer, ward = desk
    data = intake_form(ward.code, [person(1, id_number="031 200 000 001",
                                          phone="+84 912 345 678",
                                          email=" an@example.vn ")], TODAY)
    response = client.post("/reception/new", data=data)
    assert response.status_code == 302, _page(response)
    stored = db.session.scalar(select(Petitioner))
    assert (stored.id_number, stored.phone, stored.email) == (
        "031200000001", "0912345678", "an@example.vn")


def test_a_nine_digit_cmnd_and_an_eleven_digit_landline_are_accepted(client, desk):
    _officer, ward = desk
    data = intake_form(ward.code, [person(1, id_number="031200001",
                                          phone="(0225) 3821 234")], TODAY)
    assert client.post("/reception/new", data=data).status_code == 302
    stored = db.session.scalar(select(Petitioner))
    assert (stored.id_number, stored.phone) == ("031200001", "02253821234")


def test_api_refuses_wrong_contacts_in_the_same_words(api, make_user, make_locality):
    officer = make_user("reception")
    ward = make_locality("11311")
    body = {"kind": "feedback", "field": "land", "subject": "Đường hỏng",
            "content": "Đề nghị sửa đường.", "channel": "walk_in",
            "received_on": TODAY.isoformat(), "locality_code": ward.code,
            "petitioners": [{"full_name": "Trần Văn A", "id_number": "12abc",
                             "phone": "abcdef", "email": "a@b"}]}
    response = api(officer, "POST", "/cases", json=body)
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    assert set(errors) == {"petitioners.0.id_number", "petitioners.0.phone",
                           "petitioners.0.email"}
    assert _cases() == 0


# --- 3. Every error in one round -----------------------------------------------------------

def test_the_empty_form_shows_every_error_at_once(client, desk):
    _officer, ward = desk
    blank = {"full_name": "", "id_number": "", "phone": "", "email": "", "address": ""}
    data = intake_form(ward.code, [person(i, **blank) for i in range(3)], TODAY,
                       field="", subject="", content="")
    data["received_on"] = ""
    response = client.post("/reception/new", data=data)
    page = _page(response)
    assert response.status_code == 422
    for key, message in (("field", "Chọn lĩnh vực."),
                         ("subject", "Nhập trích yếu nội dung."),
                         ("content", "Nhập nội dung đơn."),
                         ("received_on", "Nhập ngày nhận đơn (dd/mm/yyyy)."),
                         ("petitioners", "Cần ít nhất một người đứng đơn.")):
        assert f'href="#{key}"' in page, key
        assert message in page, key
    assert "Trường này là bắt buộc." not in page
    assert _cases() == 0


def test_a_wrong_phone_shows_with_a_missing_subject(client, desk):
    _officer, ward = desk
    data = intake_form(ward.code, [person(1, phone="abcdef")], TODAY, subject="")
    page = _page(client.post("/reception/new", data=data))
    assert 'href="#subject"' in page and 'href="#petitioners-0-phone"' in page


# --- 4. Back from the file-away confirmation ------------------------------------------------

def test_back_from_the_file_confirmation_keeps_what_was_typed(client, desk, make_case):
    officer, ward = desk
    case = make_case(actor=officer, locality_code=ward.code, received_on=TODAY)
    db.session.commit()
    url = f"/reception/cases/{case.tracking_code}/file"
    typed = {"file-filing_reason": "duplicate", "file-note": "Trùng đơn ngày 02/11"}
    confirm = _page(client.post(url, data=typed))
    assert 'name="edit"' in confirm  # "Quay lại" posts the typed values back
    response = client.post(url, data={**typed, "file-confirm": "yes", "edit": "1"})
    page = _page(response)
    assert response.status_code == 200
    assert '<option selected value="duplicate">' in page
    assert "Trùng đơn ngày 02/11</textarea>" in page
    db.session.refresh(case)
    assert case.status == "received"  # nothing filed


# --- 5. A stale action is named by its label ------------------------------------------------

def test_a_stale_action_is_named_by_its_label(client, desk, make_case, make_agency):
    officer, ward = desk
    case = make_case(actor=officer, locality_code=ward.code, received_on=TODAY)
    agency = make_agency(code="SO-TNMT")
    workflow.route(case, agency.code, officer, NOW, TODAY, reason="Thuộc thẩm quyền")
    db.session.commit()  # routed from another tab: the file form on the page is stale
    response = client.post(f"/reception/cases/{case.tracking_code}/file",
                           data={"file-filing_reason": "anonymous", "file-confirm": "yes"},
                           follow_redirects=True)
    page = _page(response)
    assert "Không thể thực hiện thao tác “Lưu đơn”" in page
    assert "“file”" not in page


@pytest.mark.parametrize(("lang", "label"), [("vi", "“Lưu đơn”"), ("en", "“File away”")])
def test_error_text_names_reception_actions_in_both_languages(app, lang, label):
    from complaints.domain.states import InvalidTransition
    from complaints.web.i18n import error_text

    with app.test_request_context(f"/?lang={lang}"):
        text = error_text(InvalidTransition("file", "routed"))
    assert label in text and "“file”" not in text
