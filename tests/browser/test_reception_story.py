"""A reception officer logs a group petition with a scan, prints the receipt, routes it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Attachment, Case, Field, RoutingRule
from complaints.services import intake
from tests.browser.conftest import sign_in
from tests.browser.desk_form import fill_desk_intake
from tests.factories import PASSWORD
from tests.integration.reception_helpers import PDF

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY

def test_reception_story(page, make_user, make_locality, make_agency):
    officer = make_user("reception")
    make_locality("11311", name="Phường Lê Chân")
    tnmt = make_agency("SO-TNMT", name="Sở Tài nguyên và Môi trường")
    land = db.session.scalar(select(Field).where(Field.code == "land"))
    db.session.add(RoutingRule(field_id=land.id, agency_id=tnmt.id))
    db.session.commit()

    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    # every resource a page asks for is served (the icon too: base.html declares one)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if r.status >= 400 else None)
    sign_in(page, officer.username, PASSWORD)
    page.wait_for_url("**/reception/")
    page.get_by_role("link", name="Tiếp nhận đơn mới").click()
    page.wait_for_url("**/reception/new")

    fill_desk_intake(page, "Khiếu nại quyết định thu hồi đất tổ dân phố 5",
                     "Sáu hộ dân đề nghị xem xét lại việc bồi thường.")
    for _ in range(3):  # three rows at first; the script adds one per click
        page.get_by_role("button", name="Thêm dòng người đứng đơn").click()
    assert page.locator(".petitioner-row").count() == 6  # added in place, no round trip
    for i in range(6):
        page.locator(f"#petitioners-{i}-full_name").fill(f"Phạm Văn Dân {i}")
        page.locator(f"#petitioners-{i}-id_number").fill(f"03120000{i:04d}")
        page.locator(f"#petitioners-{i}-address").fill(f"Số {i + 1} Lạch Tray")
    page.locator("#petitioners-0-is_representative").check()
    page.locator("#petitioners-4-is_representative").check()
    page.locator("#petition_scans").set_input_files(
        files=[{"name": "don.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.get_by_role("button", name="Lưu hồ sơ", exact=True).last.click()

    page.wait_for_url(re.compile(r".*/reception/cases/[^/]+/receipt$"))
    code = page.get_by_test_id("receipt-code").inner_text().strip()
    pin = page.get_by_test_id("receipt-pin").locator("code").inner_text().strip()
    assert re.fullmatch(r"\d{6}", pin)
    db.session.expire_all()
    case = db.session.scalar(select(Case).where(Case.tracking_code == code))
    assert intake.check_pin(case, pin)
    assert len(case.petitions[0].signers) == 6
    assert db.session.scalar(select(Attachment)).content_type == "application/pdf"
    assert page.get_by_test_id("receipt-deadlines").is_visible()
    assert page.get_by_role("button", name="In giấy biên nhận").is_visible()

    page.get_by_role("link", name="Mở hồ sơ").click()
    assert "Sở Tài nguyên và Môi trường" in page.get_by_test_id("route-suggestion").inner_text()
    page.get_by_role("button", name="Chuyển đơn").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("case-status").inner_text() == "Chờ thụ lý"
    db.session.expire_all()
    assert db.session.get(Case, case.id).agency_id == tnmt.id
    assert errors == []  # no script or CSP errors
