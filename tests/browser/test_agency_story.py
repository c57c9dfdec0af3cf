"""The agency head's story in the browser: inbox → accept → assign → extend → resolve;
and a returned case lands in the reception queue."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.services import workflow
from tests.browser.conftest import sign_in
from tests.conftest import NOW, TODAY
from tests.factories import PASSWORD

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY

@pytest.fixture
def story(make_agency, make_user, make_case):
    desk = make_agency(code="BTCD", name="Ban Tiếp công dân")
    so = make_agency(code="SO-TNMT", name="Sở Tài nguyên và Môi trường")
    make_agency(code="SO-XD", name="Sở Xây dựng")
    reception = make_user("reception", agency=desk, username="tiepdan")
    head = make_user("agency_head", agency=so, username="giamdoc")
    officer = make_user("agency_officer", agency=so, username="chuyenvien")
    officer.full_name = "Trần Văn Chuyên"

    def routed(kind="recommendation", subject="Kiến nghị sửa đường"):
        case = make_case(actor=reception, kind=kind, subject=subject)
        workflow.route(case, "SO-TNMT", reception, NOW, TODAY, decided_on=date(2026, 11, 20))
        return case

    return {"reception": reception, "head": head, "officer": officer, "routed": routed}


def test_head_accepts_assigns_extends_and_resolves(page, story):
    case = story["routed"]()
    code = case.tracking_code
    db.session.commit()
    sign_in(page, "giamdoc", PASSWORD)
    page.wait_for_url("**/agency/")
    page.get_by_test_id("waiting").get_by_role("link", name=code).click()
    page.wait_for_url(f"**/agency/cases/{code}")
    assert "Chờ thụ lý" in page.get_by_test_id("case-status").inner_text()

    page.get_by_role("link", name="Thụ lý", exact=True).click()
    page.get_by_label("Ngày thụ lý").fill("2026-11-23")
    page.get_by_role("button", name="Thụ lý").click()
    page.wait_for_url(f"**/agency/cases/{code}")
    assert "Đang giải quyết" in page.get_by_test_id("case-status").inner_text()
    assert "15/12/2026" in page.get_by_test_id("due-resolution").inner_text()

    page.get_by_role("link", name="Giao cán bộ").click()
    page.get_by_label("Cán bộ xử lý").select_option("chuyenvien")
    page.get_by_role("button", name="Giao cán bộ").click()
    page.wait_for_url(f"**/agency/cases/{code}")
    assert "Trần Văn Chuyên" in page.get_by_test_id("case-officer").inner_text()

    page.get_by_role("link", name="Gia hạn").click()
    assert "Tối đa 10 ngày làm việc" in page.get_by_text("Tối đa 10").inner_text()
    page.get_by_label("Số ngày gia hạn").fill("10")
    page.get_by_label("Lý do gia hạn").fill("Cần khảo sát hiện trường")
    page.get_by_label("Ngày quyết định gia hạn").fill("2026-11-30")
    # The only extension allowed: the new due date is shown, then confirmed (QA round 76).
    page.get_by_role("button", name="Tiếp tục").click()
    assert "đến ngày 29/12/2026" in page.get_by_test_id("confirm-warning").inner_text()
    page.get_by_role("button", name="Quay lại").click()  # back: the form as typed
    assert page.get_by_label("Số ngày gia hạn").input_value() == "10"
    assert page.get_by_label("Lý do gia hạn").input_value() == "Cần khảo sát hiện trường"
    page.get_by_role("button", name="Tiếp tục").click()
    page.get_by_role("button", name="Xác nhận Gia hạn").click()
    page.wait_for_url(f"**/agency/cases/{code}")
    assert "29/12/2026" in page.get_by_test_id("due-resolution").inner_text()

    page.get_by_role("link", name="Ghi nhận kết quả giải quyết").click()
    page.get_by_label(re.compile(r"^Kết quả giải quyết\W*(\(bắt buộc\))?$")) \
        .select_option("answered")
    page.get_by_label("Số quyết định / kết luận").fill("15/TL-STNMT")
    page.get_by_label("Ngày ký quyết định / kết luận").fill("2026-12-01")
    page.get_by_label("Tóm tắt kết quả giải quyết").fill("Đã trả lời công dân")
    page.get_by_label("Tiền kiến nghị thu hồi cho Nhà nước (triệu đồng)").fill("1500.5")
    # A resolution cannot be undone: what will be recorded is shown, then confirmed.
    page.get_by_role("button", name="Tiếp tục").click()
    assert "không thể sửa hay hủy" in page.get_by_test_id("confirm-warning").inner_text()
    assert page.get_by_test_id("confirm-decision_number").inner_text() == "15/TL-STNMT"
    # The amount as a Vietnamese reader writes it.
    assert page.get_by_test_id("confirm-money_to_recover").inner_text() == "1.500,50"
    page.get_by_role("button", name="Quay lại").click()  # back: the form as typed
    assert page.get_by_label("Số quyết định / kết luận").input_value() == "15/TL-STNMT"
    # (the amount as it will be recorded, two decimals, read alike in either language)
    assert page.get_by_label(
        "Tiền kiến nghị thu hồi cho Nhà nước (triệu đồng)").input_value() == "1500.50"
    page.get_by_role("button", name="Tiếp tục").click()
    page.get_by_role("button", name="Xác nhận Ghi nhận kết quả giải quyết").click()
    page.wait_for_url(f"**/agency/cases/{code}")
    assert "Đã giải quyết" in page.get_by_test_id("case-status").inner_text()
    assert "15/TL-STNMT" in page.get_by_test_id("case-outcome").inner_text()
    timeline = page.get_by_test_id("timeline").inner_text()
    for step in ("Thụ lý", "Giao cán bộ xử lý", "Gia hạn giải quyết", "Giải quyết / kết luận"):
        assert step in timeline


def test_returned_case_reaches_the_reception_queue(page, story):
    case = story["routed"](kind="complaint", subject="Tranh chấp xây dựng")
    code = case.tracking_code
    db.session.commit()
    sign_in(page, "giamdoc", PASSWORD)
    page.wait_for_url("**/agency/")
    page.goto(f"/agency/cases/{code}")
    page.get_by_role("link", name="Trả lại đơn").click()
    page.get_by_label("Lý do trả lại (không thuộc thẩm quyền)").fill(
        "Thuộc thẩm quyền Sở Xây dựng")
    page.get_by_label("Cơ quan có thẩm quyền đề xuất").select_option("SO-XD")
    page.get_by_label("Ngày trả lại đơn").fill("2026-12-01")
    page.get_by_role("button", name="Tiếp tục").click()
    assert "Sở Xây dựng" in page.get_by_test_id("confirm-warning").locator("..").inner_text()
    page.get_by_role("button", name="Xác nhận Trả lại đơn").click()
    page.wait_for_url("**/agency/")
    assert code not in page.content()
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/login")

    sign_in(page, "tiepdan", PASSWORD)
    page.wait_for_url("**/reception/")
    assert code in page.content()

    # Reception re-routes it to the competent agency the head suggested.
    page.goto(f"/reception/cases/{code}")
    form = page.get_by_test_id("route-form")
    form.get_by_label("Cơ quan có thẩm quyền").select_option("SO-XD")
    form.get_by_label("Lý do (bắt buộc nếu khác cơ quan được gợi ý)").fill(
        "Theo đề xuất của Sở Tài nguyên và Môi trường khi trả lại đơn")
    form.get_by_role("button", name="Chuyển đơn").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("case-status").inner_text() == "Chờ thụ lý"
    db.session.expire_all()
    from complaints.models import Agency, Case

    rerouted = db.session.scalar(select(Case).where(Case.tracking_code == code))
    assert rerouted.agency_id == db.session.scalar(
        select(Agency.id).where(Agency.code == "SO-XD"))
    assert [r.action for r in rerouted.routings] == ["route", "return", "route"]


def test_head_records_a_reception_session_with_a_petition_raised(page, story, make_locality):
    make_locality(code="11311", name="Phường Lê Chân")
    db.session.commit()
    sign_in(page, "giamdoc", PASSWORD)
    page.wait_for_url("**/agency/")
    page.goto("/inspection/reception/new")
    page.get_by_label("Ngày tiếp").fill("2026-11-30")
    page.get_by_label("Hình thức tiếp").select_option("head")
    page.get_by_label("Người chủ trì (họ tên, chức vụ)").fill("Giám đốc Lê Văn Sở")
    page.get_by_label("Số lượt tiếp").fill("1")
    page.get_by_label(re.compile(r"^Số người\W*(\(bắt buộc\))?$")).fill("1")
    page.locator("#petitions-0-kind").select_option("recommendation")
    page.locator("#petitions-0-field").select_option("land")
    page.locator("#petitions-0-locality_code").select_option("11311")
    page.locator("#petitions-0-subject").fill("Đề nghị cấp giấy chứng nhận quyền sử dụng đất")
    page.locator("#petitions-0-content").fill("Hồ sơ nộp từ tháng 3 chưa được giải quyết.")
    page.locator("#petitions-0-full_name").fill("Đỗ Thị Mai")
    page.locator("#petitions-0-phone").fill("0912345678")
    page.locator("#petitions-0-is_remote").check()
    page.get_by_role("button", name="Thêm đơn").click()  # the script adds an empty row
    assert page.locator("#petitions-1-subject").input_value() == ""
    # A copied box is cleared but keeps its value: emptied, a ticked box read as unticked.
    remote = page.locator("#petitions-1-is_remote")
    assert not remote.is_checked() and remote.get_attribute("value") == "y"
    page.get_by_role("button", name="Lưu", exact=True).click()
    page.wait_for_url("**/inspection/reception/*")
    cases = page.get_by_test_id("session-cases")
    assert "Đề nghị cấp giấy chứng nhận quyền sử dụng đất" in cases.inner_text()
    code = cases.get_by_role("link").first.inner_text().strip()
    pins = page.get_by_test_id("session-pins").inner_text()  # to hand over, shown once
    assert code in pins and re.search(r"\b\d{6}\b", pins)
    flash = page.locator(".alert-success").inner_text()
    assert code in flash and "PIN" not in flash  # a flash rides in the readable cookie
    db.session.expire_all()
    from complaints.models import Case

    assert db.session.scalar(select(Case.is_remote).where(Case.tracking_code == code))
    cases.get_by_role("link").first.click()
    page.wait_for_url("**/agency/cases/*")
    assert "Chờ thụ lý" in page.get_by_test_id("case-status").inner_text()
