"""The desk in a browser: splits a letter that complains and recommends (checked, then
confirmed in a second step, under the strict CSP), then urges the agency resolving the
complaint on a later letter about it."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import Case
from complaints.services import intake, workflow
from tests.browser.conftest import sign_in
from tests.conftest import NOW, TODAY
from tests.factories import PASSWORD

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY

LETTER = "Tôi khiếu nại quyết định thu hồi đất số 12. Tôi kiến nghị sửa đường liên xã."
KEPT = "Tôi khiếu nại quyết định thu hồi đất số 12."


def test_split_then_urge(page, make_user, make_agency, make_case):
    desk = make_agency("BTCD", name="Ban Tiếp công dân", is_reception_desk=True)
    officer = make_user("reception", agency=desk)
    make_agency("SO-TNMT", name="Sở Tài nguyên và Môi trường")
    case = make_case(officer, content=LETTER, received_on=date(2026, 11, 20))
    db.session.commit()

    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if r.status >= 400 else None)
    sign_in(page, officer.username, PASSWORD)
    page.wait_for_url("**/reception/")
    page.goto(f"/reception/cases/{case.tracking_code}/split")
    page.get_by_label("Loại đơn của nội dung tách ra").select_option("recommendation")
    page.get_by_label("Lĩnh vực").select_option("land")
    page.get_by_label("Trích yếu nội dung tách ra").fill("Kiến nghị sửa đường liên xã")
    page.get_by_label(re.compile(r"^Nội dung tách ra\W*(\(bắt buộc\))?$")) \
        .fill("Kiến nghị sửa đường liên xã.")
    page.get_by_label("Nội dung còn lại của hồ sơ này").fill(KEPT)
    page.get_by_role("button", name="Tách thành hồ sơ mới").click()

    # The second step: what will happen, nothing split yet; back to the form keeps it all.
    page.wait_for_load_state()
    assert "Kiến nghị sửa đường liên xã" in page.get_by_test_id("confirm-new-case").inner_text()
    assert db.session.scalar(select(func.count(Case.id))) == 1
    page.get_by_role("button", name="Quay lại sửa").click()
    page.wait_for_load_state()
    assert page.get_by_label("Nội dung còn lại của hồ sơ này").input_value() == KEPT
    page.get_by_role("button", name="Tách thành hồ sơ mới").click()
    page.get_by_role("button", name="Xác nhận tách đơn").click()
    page.wait_for_url(re.compile(r".*/reception/cases/[^/]+/receipt$"))
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Case.id))) == 2

    # The complaint goes to the department, which accepts it; the citizen writes again.
    workflow.route(case, "SO-TNMT", officer, NOW, TODAY)
    workflow.accept(case, None, NOW, TODAY)
    intake.add_petition(case, intake.PetitionData(
        channel="mail", received_on=date(2026, 11, 27), petitioners=[intake.PetitionerData(
            full_name="Lê Văn Tư", address="Số 4 Lê Lợi")]), officer, NOW, TODAY)
    db.session.commit()
    page.goto(f"/reception/cases/{case.tracking_code}")
    page.get_by_test_id("urge-holder").click()
    page.get_by_label("Nội dung đôn đốc").fill("Công dân gửi đơn lần hai, đề nghị giải quyết.")
    page.get_by_role("button", name="Đôn đốc", exact=True).click()
    page.wait_for_url(f"**/reception/cases/{case.tracking_code}")
    assert "Đã đôn đốc cơ quan giải quyết ngày" in page.get_by_test_id("urged").inner_text()
    assert errors == []  # no script or CSP errors
