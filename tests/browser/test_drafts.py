"""Long text typed into a form survives a lost session cookie (QA round 84 D1).

The cookie holds the case (or the sign-in) and the CSRF token: with it gone, CSRFProtect
refuses the POST with the 400 page before the view runs, and the server neither skips CSRF
nor echoes the body. static/drafts.js keeps the textareas in the tab's sessionStorage and
offers them back when the form is shown again; a page saying "saved" deletes them.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Case
from complaints.services import workflow
from tests.browser.conftest import drop_cookies, sign_in
from tests.browser.test_citizen_story import _look_up
from tests.conftest import NOW, TODAY
from tests.factories import PASSWORD
from tests.integration.test_public import receipt, submit

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY

REASON = "Quyết định chưa xem xét giấy tờ sử dụng đất của gia đình tôi từ năm 1993."
COMMENT = "Cán bộ trả lời chậm, hẹn nhiều lần."
NOTE = "Đã làm việc với UBND phường, chờ hồ sơ địa chính gốc."
DRAFTS = "Object.keys(sessionStorage).filter(k => k.startsWith('drafts:'))"


@pytest.fixture
def decided_case(app, client, make_agency, make_user):
    """A citizen's complaint decided in the first round; (code, pin). CSRF on from here."""
    make_agency(code="BTCD", name="Ban Tiếp công dân tỉnh")
    city = make_agency(code="UBND-HP", name="Ủy ban nhân dân thành phố Hải Phòng",
                       level="province")
    ward = make_agency(code="UBND-KA", name="Ủy ban nhân dân phường Kiến An", level="commune",
                       parent=city)
    head = make_user("agency_head", agency=ward)
    code, pin = receipt(submit(client).text)
    case = db.session.scalar(select(Case).where(Case.tracking_code == code))
    workflow.route(case, ward.code, None, NOW, TODAY)
    workflow.accept(case, head, NOW, TODAY, decided_on=TODAY)
    workflow.resolve(case, "wrong", "45/QĐ-UBND", "Giữ nguyên quyết định.", head, NOW, TODAY,
                     decided_on=TODAY)
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = True  # as in production: the point of this test
    return code, pin


def _refused_for_lost_cookie(page) -> None:
    page.wait_for_load_state("load")
    assert page.get_by_role("heading", name="Lỗi 400").is_visible()
    message = page.get_by_test_id("error-message").inner_text()
    assert "thẻ trình duyệt này" in message and "mở lại biểu mẫu" in message


def test_a_second_complaint_refused_for_a_lost_cookie_is_offered_back(page, decided_case):
    code, pin = decided_case
    _look_up(page, code, pin)
    page.get_by_label("Lý do bạn không đồng ý với quyết định giải quyết lần đầu").fill(REASON)
    page.get_by_label("Tôi xác nhận gửi đơn khiếu nại lần hai").check()
    assert page.get_by_test_id("draft-notice").count() == 0
    drop_cookies(page)  # the browser closed / the cookie cleared
    page.get_by_role("button", name="Gửi khiếu nại lần hai").click()
    _refused_for_lost_cookie(page)
    assert REASON not in page.content()  # nothing echoed by the server

    _look_up(page, code, pin)
    reason = page.get_by_label("Lý do bạn không đồng ý với quyết định giải quyết lần đầu")
    assert reason.input_value() == ""
    notice = page.get_by_test_id("appeal-section").get_by_test_id("draft-notice")
    assert notice.get_attribute("role") == "status"
    assert re.search(r"lúc \d\d:\d\d \d\d/\d\d/\d{4} chưa gửi được", notice.inner_text())
    # Above its own form, and only there: the rating form had nothing typed.
    assert page.get_by_test_id("draft-notice").count() == 1
    notice.get_by_role("button", name="Khôi phục nội dung chưa gửi được").click()
    assert reason.input_value() == REASON
    assert page.get_by_test_id("draft-notice").count() == 0

    # Sent and saved: the draft is gone; the next look-up offers nothing.
    page.get_by_label("Tôi xác nhận gửi đơn khiếu nại lần hai").check()
    page.get_by_role("button", name="Gửi khiếu nại lần hai").click()
    page.wait_for_url(re.compile(r"/cong-dan/da-gui(#.*)?$"))
    assert page.evaluate(DRAFTS) == []
    _look_up(page, code, pin)
    assert page.get_by_test_id("second-complaint").is_visible()
    assert page.get_by_test_id("draft-notice").count() == 0


def test_a_rating_comment_is_offered_back_and_can_be_discarded(page, decided_case):
    code, pin = decided_case
    _look_up(page, code, pin)
    page.get_by_role("group", name="Bạn hài lòng với kết quả giải quyết ở mức nào?") \
        .get_by_label("3 — Bình thường").check()
    page.get_by_role("group", name=re.compile("cách cơ quan tiếp nhận")) \
        .get_by_label("2 — Không hài lòng").check()
    page.get_by_label("Góp ý thêm (không bắt buộc)").fill(COMMENT)
    drop_cookies(page)
    page.get_by_role("button", name="Gửi đánh giá").click()
    _refused_for_lost_cookie(page)

    _look_up(page, code, pin)
    notice = page.get_by_test_id("feedback-section").get_by_test_id("draft-notice")
    notice.get_by_role("button", name="Bỏ").click()
    assert page.get_by_test_id("draft-notice").count() == 0
    assert page.evaluate(DRAFTS) == []
    page.reload()
    assert page.get_by_test_id("draft-notice").count() == 0
    assert page.get_by_label("Góp ý thêm (không bắt buộc)").input_value() == ""


def test_an_officials_work_note_survives_the_idle_expiry(app, page, make_agency, make_user,
                                                         make_case):
    agency = make_agency(code="SO-TNMT", name="Sở Tài nguyên và Môi trường")
    make_agency(code="BTCD", name="Ban Tiếp công dân")
    head = make_user("agency_head", agency=agency, username="giamdoc")
    case = make_case()
    workflow.route(case, agency.code, None, NOW, TODAY)
    workflow.accept(case, head, NOW, TODAY)
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = True
    address = f"/agency/cases/{case.tracking_code}"

    sign_in(page, "giamdoc", PASSWORD)
    page.goto(address)
    note = page.get_by_test_id("note-section").get_by_label("Nội dung ghi chú")
    note.fill(NOTE)
    drop_cookies(page)  # 30 idle minutes: the browser dropped the cookie
    page.get_by_role("button", name="Lưu ghi chú").click()
    _refused_for_lost_cookie(page)

    sign_in(page, "giamdoc", PASSWORD)
    page.goto(address)
    assert note.input_value() == ""
    page.get_by_test_id("note-section").get_by_role(
        "button", name="Khôi phục nội dung chưa gửi được").click()
    assert note.input_value() == NOTE
    page.get_by_role("button", name="Lưu ghi chú").click()
    page.wait_for_load_state("load")
    assert page.locator(".alert-success").is_visible()
    assert page.evaluate(DRAFTS) == []
    page.goto(address)
    assert page.get_by_test_id("draft-notice").count() == 0

    # Signing out forgets every draft of the tab: the next official at this desk sees none.
    page.evaluate("sessionStorage.setItem('drafts:agency-note-X', JSON.stringify("
                  "{fields: {note: 'x'}, at: Date.now(), path: '/'}))")
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/login")
    assert page.evaluate(DRAFTS) == []
