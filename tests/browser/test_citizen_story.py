"""A citizen on a phone: submit online with an attachment, look up, rate, appeal."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Attachment, Case
from complaints.services import workflow
from tests.browser.citizen_form import fill_complaint
from tests.conftest import NOW, TODAY
from tests.integration.test_public import PNG

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY

def _fits_the_screen(page) -> None:
    # After a click the next page may still be loading (no document element yet): wait.
    page.wait_for_load_state("load")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide on a 360px screen"


def _look_up(page, code: str, pin: str) -> None:
    page.goto("/cong-dan/tra-cuu")
    page.get_by_label("Mã hồ sơ").fill(code)
    page.get_by_label("Mã PIN hoặc số điện thoại đã khai trong đơn").fill(pin)
    page.get_by_role("button", name="Tra cứu").click()
    page.wait_for_url("**/cong-dan/ho-so")


def test_citizen_story_on_a_phone(phone_page, make_agency, make_user):
    page = phone_page
    province = make_agency(code="UBND-T", name="Ủy ban nhân dân tỉnh", level="province")
    make_agency(code="BTCD", name="Ban Tiếp công dân tỉnh")
    department = make_agency(code="STNMT", name="Sở Tài nguyên và Môi trường", parent=province)
    head = make_user("agency_head", agency=department)
    db.session.commit()

    # 1. Submit online with an attachment.
    page.goto("/cong-dan/")
    page.get_by_role("link", name="Gửi đơn trực tuyến").click()
    _fits_the_screen(page)
    fill_complaint(page)
    page.get_by_label("Tài liệu kèm theo (không bắt buộc)").set_input_files(
        files=[{"name": "giay-to.png", "mimeType": "image/png", "buffer": PNG}])
    assert not page.locator("#website").is_visible()  # the honeypot is hidden
    page.get_by_label(re.compile("Tôi đã đọc và đồng ý")).check()
    page.get_by_role("button", name="Gửi đơn").click()
    page.wait_for_url("**/cong-dan/da-gui")
    code = page.get_by_test_id("tracking-code").inner_text().strip()
    pin = page.get_by_test_id("pin").inner_text().strip()
    _fits_the_screen(page)

    db.session.expire_all()
    case = db.session.scalar(select(Case).where(Case.tracking_code == code))
    assert case.petitions[0].channel == "online"
    assert db.session.scalar(select(Attachment.filename).where(Attachment.case_id == case.id)) \
        == "giay-to.png"

    # 2. An officer routes it and the agency accepts it; the citizen sees both.
    workflow.route(case, department.code, None, NOW, TODAY)
    workflow.accept(case, head, NOW, TODAY)
    db.session.commit()
    _look_up(page, code, pin)
    timeline = page.get_by_test_id("timeline")
    assert "Đã chuyển đến Sở Tài nguyên và Môi trường" in timeline.inner_text()
    assert "Đã thụ lý — cơ quan đã nhận giải quyết" in timeline.inner_text()
    deadlines = page.get_by_test_id("deadlines").inner_text()
    assert "Cơ quan phải trả lời chậm nhất vào ngày" in deadlines
    assert "Trần Thị Bích Ngọc" not in page.content()
    _fits_the_screen(page)

    # 3. After the decision, the second complaint is offered at once (no rating needed);
    # the citizen rates the result "neutral", which leaves the offer as it was …
    workflow.resolve(case, "wrong", "123/QĐ-STNMT", "Giữ nguyên quyết định.", head, NOW, TODAY)
    db.session.commit()
    page.reload()
    assert "123/QĐ-STNMT" in page.get_by_test_id("decision").inner_text()
    assert page.get_by_test_id("appeal-form").is_visible()
    page.get_by_role("group", name="Bạn hài lòng với kết quả giải quyết ở mức nào?") \
        .get_by_label("3 — Bình thường").check()
    page.get_by_role("group", name=re.compile("cách cơ quan tiếp nhận")) \
        .get_by_label("2 — Không hài lòng").check()
    page.get_by_role("button", name="Gửi đánh giá").click()
    page.get_by_test_id("feedback-done").wait_for()

    # 4. … and files a second complaint to the next level up.
    offer = page.get_by_test_id("appeal-offer").inner_text()
    assert "Ủy ban nhân dân tỉnh" in offer and "31/12/2026" in offer
    page.get_by_label("Lý do bạn không đồng ý với quyết định giải quyết lần đầu") \
        .fill("Quyết định chưa xem xét giấy tờ tôi nộp.")
    page.get_by_label("Tôi xác nhận gửi đơn khiếu nại lần hai").check()
    page.get_by_role("button", name="Gửi khiếu nại lần hai").click()
    page.wait_for_url(re.compile(r"/cong-dan/da-gui(#.*)?$"))  # the form's #anchor carries over
    second_code = page.get_by_test_id("tracking-code").inner_text().strip()
    second_pin = page.get_by_test_id("pin").inner_text().strip()
    assert second_code != code

    db.session.expire_all()
    second = db.session.scalar(select(Case).where(Case.tracking_code == second_code))
    assert second.complaint_round == 2 and second.parent_case_id == case.id
    assert second.agency_id == province.id
    _look_up(page, second_code, second_pin)
    assert "Đã chuyển đến Ủy ban nhân dân tỉnh" in page.get_by_test_id("timeline").inner_text()


def test_a_file_over_the_limit_is_stopped_before_sending_and_the_text_kept(phone_page,
                                                                          make_agency):
    """A phone photo over the per-file limit: the page says so at once and does not send
    the form (a request over the server's limit is not read at all, the text with it)."""
    page = phone_page
    make_agency(code="BTCD", name="Ban Tiếp công dân tỉnh")
    db.session.commit()
    page.goto("/cong-dan/gui-don")
    fill_complaint(page)
    big = b"\xff\xd8\xff" + b"0" * (6 * 1024 * 1024)
    page.get_by_label("Tài liệu kèm theo (không bắt buộc)").set_input_files(
        files=[{"name": "anh-lon.jpg", "mimeType": "image/jpeg", "buffer": big}])
    warning = page.get_by_test_id("file-too-big")
    assert "anh-lon.jpg" in warning.inner_text() and "5 MB" in warning.inner_text()
    page.get_by_label(re.compile("Tôi đã đọc và đồng ý")).check()
    page.get_by_role("button", name="Gửi đơn").click()
    page.wait_for_timeout(300)
    assert page.url.endswith("/cong-dan/gui-don")  # not sent
    assert page.get_by_label("Nội dung đơn").input_value() == (
        "Đề nghị xem xét lại quyết định thu hồi đất.")
    assert db.session.scalar(select(Case.id)) is None
    # A smaller file instead: the warning goes and the form is sent.
    page.get_by_label("Tài liệu kèm theo (không bắt buộc)").set_input_files(
        files=[{"name": "giay-to.png", "mimeType": "image/png", "buffer": PNG}])
    assert not warning.is_visible()
    page.get_by_role("button", name="Gửi đơn").click()
    page.wait_for_url("**/cong-dan/da-gui")
