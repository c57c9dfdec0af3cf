"""Citizens' side: online submission, look-up, satisfaction and second complaint."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import Attachment, Case, CitizenFeedback, Notification
from complaints.services import public, queries, workflow
from tests.conftest import NOW, TODAY

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18"
       b"\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
NAME = "Trần Thị Bích Ngọc"
PHONE = "0912345678"
EMAIL = "ngoc@example.vn"
ID_NUMBER = "031234567890"


pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY

@pytest.fixture
def desk(make_agency, make_user):
    """The online desk agency (config code BTCD) with a reception officer."""
    agency = make_agency(code="BTCD", name="Ban Tiếp công dân tỉnh")
    officer = make_user("reception", agency=agency)
    return agency, officer


def form(**overrides) -> dict:
    data = {
        "kind": "complaint", "field": "land", "locality_code": "", "subject": "Thu hồi đất",
        "content": "Đề nghị xem xét quyết định thu hồi đất số 12.", "full_name": NAME,
        "phone": PHONE, "email": EMAIL, "address": "12 Lê Lợi", "id_number": ID_NUMBER,
        "consent": "y", "website": "",
    }
    data.update(overrides)
    return data


def submit(client, **overrides):
    return client.post("/cong-dan/gui-don", data=form(**overrides), follow_redirects=True)


def receipt(html: str) -> tuple[str, str]:
    code = re.search(r'data-testid="tracking-code">([^<]+)<', html).group(1)
    pin = re.search(r'data-testid="pin">([^<]+)<', html).group(1)
    return code, pin


def test_form_shows_consent_notice_and_hidden_honeypot(client, desk):
    html = client.get("/cong-dan/gui-don").get_data(as_text=True)
    assert "91/2025/QH15" in html
    assert 'class="d-none" aria-hidden="true"' in html
    assert 'name="website"' in html
    assert "style=" not in html  # hidden by a class, no inline style (CSP)


def test_submission_happy_path(client, desk):
    agency, officer = desk
    response = submit(client)
    assert response.status_code == 200
    code, pin = receipt(response.get_data(as_text=True))
    assert re.fullmatch(r"\d{4}-[A-Z0-9]{8}", code) and re.fullmatch(r"\d{6}", pin)
    case = db.session.scalar(select(Case).where(Case.tracking_code == code))
    assert case.status == "received"
    assert case.reception_agency_id == agency.id
    assert case.petitions[0].channel == "online"
    assert case.petitions[0].received_by_id is None
    assert case in queries.reception_queue(officer)
    mail = db.session.scalar(select(Notification).where(Notification.case_id == case.id))
    assert mail.email_to == EMAIL and code in mail.body and pin not in mail.body
    # The receipt is shown once: reloading does not show the PIN again.
    again = client.get("/cong-dan/da-gui", follow_redirects=True).get_data(as_text=True)
    assert pin not in again


def test_submission_with_attachment(client, desk):
    data = form()
    data["attachments"] = [(io.BytesIO(PNG), "anh.png")]
    response = client.post("/cong-dan/gui-don", data=data, follow_redirects=True,
                           content_type="multipart/form-data")
    code, _pin = receipt(response.get_data(as_text=True))
    case = db.session.scalar(select(Case).where(Case.tracking_code == code))
    files = db.session.scalars(select(Attachment).where(Attachment.case_id == case.id)).all()
    assert [(f.content_type, f.filename) for f in files] == [("image/png", "anh.png")]


def test_attachment_checked_by_content_and_nothing_saved(client, desk):
    data = form()
    data["attachments"] = [(io.BytesIO(b"MZ not a pdf"), "don.pdf")]
    response = client.post("/cong-dan/gui-don", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert db.session.scalar(select(Case.id)) is None


def test_honeypot_filled_is_refused_without_saving(client, desk):
    response = client.post("/cong-dan/gui-don", data=form(website="http://spam.example"))
    assert response.status_code == 400
    assert db.session.scalar(select(Case.id)) is None


def test_missing_consent_keeps_what_was_typed(client, desk):
    data = form()
    del data["consent"]
    response = client.post("/cong-dan/gui-don", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'data-testid="error-summary"' in html
    assert "Bạn cần đồng ý" in html
    assert "Đề nghị xem xét quyết định thu hồi đất số 12." in html
    assert f'value="{NAME}"' in html
    assert db.session.scalar(select(Case.id)) is None


def test_denunciation_needs_name_and_address(client, desk):
    response = client.post("/cong-dan/gui-don", data=form(kind="denunciation", address=""))
    assert response.status_code == 422
    assert "Đơn tố cáo phải có họ tên và địa chỉ" in response.get_data(as_text=True)
    assert db.session.scalar(select(Case.id)) is None


def test_oversized_content_refused(client, desk):
    response = client.post("/cong-dan/gui-don", data=form(content="x" * (public.CONTENT_MAX + 1)))
    assert response.status_code == 422
    assert db.session.scalar(select(Case.id)) is None


def test_submissions_are_rate_limited(app, client, desk):
    app.config["SUBMIT_LIMIT"] = "2 per hour"
    assert submit(client).status_code == 200
    assert submit(client).status_code == 200
    assert client.post("/cong-dan/gui-don", data=form()).status_code == 429


# --- Look-up ---------------------------------------------------------------------------

def _lookup(client, code, secret, follow=True):
    return client.post("/cong-dan/tra-cuu", data={"tracking_code": code, "secret": secret},
                       follow_redirects=follow)


def _progress(case, make_user, make_agency, parent=None):
    """Route the case to an agency and have its head accept it; return (agency, head)."""
    agency = make_agency(name="Sở Tài nguyên và Môi trường", parent=parent)
    head = make_user("agency_head", agency=agency)
    head.full_name = "Lê Văn Trưởng"
    workflow.route(case, agency.code, None, NOW, TODAY)
    workflow.accept(case, head, NOW, TODAY, decided_on=TODAY)
    db.session.commit()
    return agency, head


def test_lookup_shows_public_timeline_without_personal_data(client, desk, make_user,
                                                            make_agency):
    code, pin = receipt(submit(client).get_data(as_text=True))
    case = db.session.scalar(select(Case).where(Case.tracking_code == code))
    agency, head = _progress(case, make_user, make_agency)
    response = _lookup(client, code, pin)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-testid="timeline"' in html
    assert "Đã chuyển đến Sở Tài nguyên và Môi trường" in html
    assert "Đã thụ lý — cơ quan đã nhận giải quyết" in html
    assert "Cơ quan phải trả lời chậm nhất vào ngày" in html
    for secret in (NAME, PHONE, EMAIL, ID_NUMBER, "12 Lê Lợi", "Lê Văn Trưởng",
                   head.username, pin, "Đề nghị xem xét quyết định thu hồi đất số 12."):
        assert secret not in html, secret
    assert "T.T.B.N." in html  # initials only
    assert code not in response.request.url  # nothing in the URL


def test_lookup_by_phone(client, desk):
    code, _pin = receipt(submit(client).get_data(as_text=True))
    html = _lookup(client, code, "0912 345 678").get_data(as_text=True)
    assert 'data-testid="timeline"' in html


@pytest.mark.parametrize("typed", ["+84 912 345 678", "0912 345 678", "091.234.5678",
                                   "+84912345678", "(091) 234-5678", "84912345678"])
def test_lookup_reads_a_phone_as_intake_stores_it(client, desk, typed):
    """QA: "+84 988 333 444" did not find the stored 0988333444 (digits only: 84988…)."""
    code, _pin = receipt(submit(client, phone="+84 912 345 678").get_data(as_text=True))
    assert public.lookup(code, typed) is not None
    html = _lookup(client, code, typed).get_data(as_text=True)
    assert 'data-testid="timeline"' in html
    for wrong in ("+84 912 345 679", "8491234567", "912345678"):
        assert public.lookup(code, wrong) is None, wrong


def test_a_denunciation_opens_with_its_pin_only(client, desk):
    """QA round 10: anyone who saw a denunciation's code (staff of the agency denounced,
    heads an escalation reached) could confirm a suspected denouncer's phone: the page
    opened for the denouncer's number and not for another."""
    html = submit(client, kind="denunciation").get_data(as_text=True)
    code, pin = receipt(html)
    for typed in (PHONE, "+84 912 345 678"):
        assert public.lookup(code, typed) is None
        answer = _lookup(client, code, typed).get_data(as_text=True)
        assert 'data-testid="timeline"' not in answer
    assert public.lookup(code, pin) is not None


def test_lookup_is_post_only_with_nothing_in_the_url(client, desk):
    code, pin = receipt(submit(client).get_data(as_text=True))
    response = client.get(f"/cong-dan/tra-cuu?tracking_code={code}&secret={pin}")
    assert 'data-testid="timeline"' not in response.get_data(as_text=True)


def test_lookup_timeline_hides_escalations_and_internal_steps(client, desk, make_user,
                                                              make_agency):
    code, pin = receipt(submit(client, kind="feedback").get_data(as_text=True))
    case = db.session.scalar(select(Case).where(Case.tracking_code == code))
    agency, head = _progress(case, make_user, make_agency)
    officer = make_user("agency_officer", agency=agency)
    officer.full_name = "Phạm Cán Bộ"
    workflow.assign(case, officer.username, head, NOW)
    workflow.extend(case, 10, "Vụ việc phức tạp", head, NOW, TODAY)
    case.escalation_level, case.flag_overdue = 2, True
    db.session.commit()
    html = _lookup(client, code, pin).get_data(as_text=True)
    assert "Gia hạn giải quyết đến ngày" in html and "Vụ việc phức tạp" in html
    for hidden in ("Phạm Cán Bộ", officer.username, "Đôn đốc", "đôn đốc", "escalat",
                   "Quá hạn"):
        assert hidden not in html, hidden


def test_denouncer_not_even_initials(client, desk):
    code, pin = receipt(submit(client, kind="denunciation").get_data(as_text=True))
    html = _lookup(client, code, pin).get_data(as_text=True)
    assert 'data-testid="timeline"' in html
    assert "T.T.B.N." not in html and NAME not in html


def test_wrong_pin_and_unknown_code_answer_identically(client, desk):
    code, pin = receipt(submit(client).get_data(as_text=True))
    wrong = "000000" if pin != "000000" else "111111"
    a = _lookup(client, code, wrong)
    b = _lookup(client, "2026-ZZZZZZZZ", wrong)
    body_a = a.get_data(as_text=True).replace(code, "CODE")
    body_b = b.get_data(as_text=True).replace("2026-ZZZZZZZZ", "CODE")
    assert a.status_code == b.status_code == 200
    assert body_a == body_b
    assert "Mã hồ sơ hoặc mã PIN / số điện thoại không đúng." in body_a


def test_guessing_pins_is_throttled(app, client, desk):
    app.config["LOOKUP_LIMIT"] = "3 per minute"
    code, pin = receipt(submit(client).get_data(as_text=True))
    statuses = [_lookup(client, code, f"{i:06d}", follow=False).status_code
                for i in range(3) if f"{i:06d}" != pin]
    assert statuses[-1] == 200
    for _ in range(3):
        _lookup(client, code, "999999" if pin != "999999" else "888888", follow=False)
    # The limit is reached: even the right PIN is refused from this address for now.
    assert _lookup(client, code, pin, follow=False).status_code == 429


# --- Satisfaction and second complaint -------------------------------------------------

def _resolved(client, make_user, make_agency):
    province = make_agency(code="UBND-T", name="Ủy ban nhân dân tỉnh", level="province")
    code, pin = receipt(submit(client).get_data(as_text=True))
    case = db.session.scalar(select(Case).where(Case.tracking_code == code))
    agency, head = _progress(case, make_user, make_agency, parent=province)
    workflow.resolve(case, "wrong", "123/QĐ-STNMT", "Giữ nguyên quyết định thu hồi đất.",
                     head, NOW, TODAY, decided_on=TODAY)
    db.session.commit()
    _lookup(client, code, pin)
    return case, province


def test_feedback_once_only(client, desk, make_user, make_agency):
    case, _province = _resolved(client, make_user, make_agency)
    html = client.get("/cong-dan/ho-so").get_data(as_text=True)
    assert "Số 123/QĐ-STNMT" in html or "123/QĐ-STNMT" in html
    assert 'data-testid="feedback-form"' in html
    ok = client.post("/cong-dan/ho-so/danh-gia", data={"rating_result": "4",
                                                       "rating_service": "5",
                                                       "comment": "Nhanh"})
    assert ok.status_code == 302
    again = client.post("/cong-dan/ho-so/danh-gia", data={"rating_result": "1",
                                                          "rating_service": "1"},
                        follow_redirects=True)
    # A second tab says why nothing changed (it answered 422 with no message).
    assert "Hồ sơ này đã được đánh giá; đánh giá đầu tiên được giữ." in again.text
    rows = db.session.scalars(select(CitizenFeedback)).all()
    assert [(r.rating_result, r.rating_service) for r in rows] == [(4, 5)]
    html = client.get("/cong-dan/ho-so").get_data(as_text=True)
    # The rating is feedback, not a gate: a good one leaves the right to appeal as it was.
    assert 'data-testid="appeal-offer"' in html and 'data-testid="appeal-form"' in html


def test_an_appeal_window_that_has_passed_is_not_offered(client, desk, make_user,
                                                         make_agency, monkeypatch):
    # Found by a QA pass: a citizen was told they could still appeal "before 02/10/2026"
    # on 29/11/2026.
    from datetime import date, timedelta

    from complaints import clock

    _resolved(client, make_user, make_agency)
    html = client.get("/cong-dan/ho-so").get_data(as_text=True)
    assert 'data-testid="appeal-form"' in html  # offered before any rating
    assert "Hạn gửi: trước hết ngày 31/12/2026" in html
    monkeypatch.setattr(clock, "today", lambda: date(2026, 12, 31) + timedelta(days=1))
    html = client.get("/cong-dan/ho-so").get_data(as_text=True)
    assert 'data-testid="appeal-form"' not in html
    assert "bạn có thể khiếu nại lần hai" not in html
    assert "đã hết ngày 31/12/2026" in html


def test_feedback_needs_a_resolution(client, desk):
    code, pin = receipt(submit(client).get_data(as_text=True))
    _lookup(client, code, pin)
    response = client.post("/cong-dan/ho-so/danh-gia", data={"rating_result": "1",
                                                             "rating_service": "1"})
    assert response.status_code == 422
    assert db.session.scalar(select(CitizenFeedback.id)) is None


def test_low_rating_opens_linked_second_complaint_at_parent_agency(client, desk, make_user,
                                                                   make_agency):
    case, province = _resolved(client, make_user, make_agency)
    client.post("/cong-dan/ho-so/danh-gia", data={"rating_result": "1", "rating_service": "2"})
    html = client.get("/cong-dan/ho-so").get_data(as_text=True)
    assert 'data-testid="appeal-offer"' in html
    assert "Ủy ban nhân dân tỉnh" in html
    assert "31/12/2026" in html  # 30 days from the decision of 01/12/2026
    refused = client.post("/cong-dan/ho-so/khieu-nai-lan-hai", data={"reason": "Không đúng"})
    assert refused.status_code == 422  # the confirmation box is required
    response = client.post("/cong-dan/ho-so/khieu-nai-lan-hai",
                           data={"reason": "Quyết định chưa xem xét giấy tờ.", "confirm": "y"},
                           follow_redirects=True)
    code, pin = receipt(response.get_data(as_text=True))
    second = db.session.scalar(select(Case).where(Case.tracking_code == code))
    assert second.kind == "complaint" and second.complaint_round == 2
    assert second.parent_case_id == case.id
    assert second.agency_id == province.id and second.status == "routed"
    assert second.petitions[0].channel == "online"
    assert public.lookup(code, pin) is second
    # Only one second complaint from the same decision.
    assert "cơ quan nhận đơn xem xét thụ lý" in response.text  # not "reception classifies"
    # Only one second complaint from the same decision; a second tab is told so, and the
    # first case's page names the second one.
    again = client.post("/cong-dan/ho-so/khieu-nai-lan-hai",
                        data={"reason": "Lần nữa", "confirm": "y"}, follow_redirects=True)
    assert f"Bạn đã gửi khiếu nại lần hai cho hồ sơ này (mã hồ sơ {code})" in again.text
    assert 'data-testid="second-complaint"' in again.text
    assert db.session.scalar(select(func.count(Case.id)).where(
        Case.parent_case_id == case.id)) == 1


def test_appeal_window_table_has_legal_source():
    assert public.APPEAL_WINDOW[False]["days"] == 30
    assert public.APPEAL_WINDOW[True]["days"] == 45
    assert all("Điều 33" in row["source"] for row in public.APPEAL_WINDOW.values())


def test_the_online_form_checks_contacts_as_every_intake_does(client, desk):
    # Its own looser check let "12345678901" through as an ID number and "a@b" as an
    # address, then the intake service refused them in the summary, away from the field.
    response = client.post("/cong-dan/gui-don", data=form(
        id_number="12345678901", phone="12345", email="a@b"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in ("Số định danh gồm 12 chữ số (CCCD) hoặc 9 chữ số (CMND).",
                    "Số điện thoại gồm 10 chữ số bắt đầu bằng 0",
                    "Địa chỉ thư điện tử không hợp lệ."):
        assert message in html, message
    assert db.session.scalar(select(Case.id)) is None
    done = submit(client, id_number="0312 0400 1234", phone="+84 912 345 678")
    code, _pin = receipt(done.get_data(as_text=True))
    person = db.session.scalar(select(Case).where(Case.tracking_code == code)) \
        .petitions[0].signers[0].petitioner
    assert (person.id_number, person.phone) == ("031204001234", "0912345678")


def test_the_required_fields_carry_the_star_the_form_promises(client, desk):
    # Found by a QA pass: "Các mục có dấu * là bắt buộc" with no star but the consent's.
    html = client.get("/cong-dan/gui-don").get_data(as_text=True)
    starred = re.findall(r'(?:for="(\w+)"|<legend[^>]*>)[^<]*<span aria-hidden="true">\*</span>',
                         html)
    assert html.count('<span aria-hidden="true">*</span>') >= 5
    assert {"field", "subject", "content", "full_name"} <= set(starred), starred
    assert "id_number" not in starred and "phone" not in starred


def test_the_citizen_may_say_the_matter_was_decided_before(client, desk):
    """The history of the matter (02/XLD): a citizen who knows their complaint was decided
    by a court says so; left blank, it is the first time, as at the desk."""
    page = client.get("/cong-dan/gui-don").get_data(as_text=True)
    assert 'name="history"' in page and "Gửi lần đầu, hoặc không rõ" in page
    code, _pin = receipt(submit(client, history="court").get_data(as_text=True))
    case = db.session.scalar(select(Case).where(Case.tracking_code == code))
    assert case.petitions[0].history == "court"
    code, _pin = receipt(submit(client, history="", subject="Khác").get_data(as_text=True))
    case = db.session.scalar(select(Case).where(Case.tracking_code == code))
    assert case.petitions[0].history == "first"


def test_a_history_the_kind_does_not_allow_is_a_field_error(client, desk):
    answer = client.post("/cong-dan/gui-don", data=form(kind="feedback", history="court"))
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="history-error"' in page or "history-error" in page
    assert "không áp dụng cho loại đơn" in page
    assert NAME in page  # nothing typed is lost
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0
