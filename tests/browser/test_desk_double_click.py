"""A reception officer double-clicks "Lưu hồ sơ" (QA 99 D2): the form is sent once, and the
receipt shows the case's PIN. Before, the browser dropped the first answer (which held the
PIN, shown once) and showed the second's "already saved": the PIN reached no one."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import Case
from complaints.services import intake
from tests.browser.conftest import sign_in
from tests.browser.desk_form import fill_desk_intake
from tests.factories import PASSWORD
from tests.integration.reception_helpers import PDF

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY


def test_a_double_click_saves_once_and_the_receipt_shows_the_pin(page, make_user,
                                                                   make_locality):
    officer = make_user("reception")
    make_locality("11311", name="Phường Lê Chân")
    db.session.commit()
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    sign_in(page, officer.username, PASSWORD)
    page.wait_for_url("**/reception/")
    posts.clear()
    # A slow answer, as with a scan on a busy server: time for the second click.
    page.route("**/reception/new", lambda route: (page.wait_for_timeout(400),
                                                  route.continue_()))
    page.goto("/reception/new")
    fill_desk_intake(page, "Khiếu nại việc cấp giấy chứng nhận",
                     "Đề nghị xem xét lại việc cấp giấy chứng nhận.")
    page.locator("#petitioners-0-full_name").fill("Phạm Văn Dân")
    page.locator("#petitioners-0-id_number").fill("031200001234")
    page.locator("#petition_scans").set_input_files(
        files=[{"name": "don.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    button = page.get_by_role("button", name="Lưu hồ sơ", exact=True).last
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)
    page.wait_for_timeout(100)  # the second click, the first answer on its way
    page.mouse.click(x, y)

    page.wait_for_url(re.compile(r".*/reception/cases/[^/]+/receipt$"))
    pin = page.get_by_test_id("receipt-pin").locator("code").inner_text().strip()
    assert re.fullmatch(r"\d{6}", pin)
    assert len(posts) == 1, posts
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Case.id))) == 1
    assert intake.check_pin(db.session.scalar(select(Case)), pin)
