"""QA round 87: static/drafts.js offered a letter saved already on the next blank intake
form (the answer to "Lưu hồ sơ" was lost, the resend said "already saved" as an info
flash, not a success one); it kept a group's co-signers from the reception-session form in
the tab and restored only the rows it found; an official signing in on another's tab was
offered their text; its "Bỏ" button lacked AA contrast. A sent draft is now kept only where
the page says it was not sent or shows its form again; the session form keeps no draft; an
official's drafts are keyed by the account."""

from __future__ import annotations

import contextlib
import json

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import Case
from complaints.services import workflow
from tests.browser.conftest import drop_cookies, sign_in
from tests.conftest import NOW, TODAY
from tests.factories import PASSWORD

pytestmark = pytest.mark.usefixtures("fixed_clock")
DRAFTS = ("Object.fromEntries(Object.keys(sessionStorage).filter(k => k.startsWith('drafts:'))"
          ".map(k => [k, sessionStorage.getItem(k)]))")
LETTER = "Ông Nguyễn Văn A khiếu nại quyết định thu hồi đất số 12/QĐ-UBND của phường."
NOTE = "Đã làm việc với UBND phường, chờ hồ sơ địa chính gốc."


@pytest.fixture
def desk(make_user, make_locality, make_agency):
    make_agency("BTCD", name="Ban Tiếp công dân")
    make_locality("11311", name="Phường Lê Chân")
    make_user("reception", username="tiepnhan")
    db.session.commit()


def test_a_saved_letter_whose_answer_was_lost_is_not_offered_on_the_next_intake(page, desk):
    lost = []

    def lose_first_answer(route):
        if route.request.method == "POST" and not lost:
            lost.append(1)
            route.fetch()  # reaches the server: the case is saved
            route.abort("connectionreset")  # the answer never reaches the desk
        else:
            route.continue_()

    sign_in(page, "tiepnhan", PASSWORD)
    page.wait_for_url("**/reception/")
    page.goto("/reception/new")
    page.get_by_label("Loại đơn").select_option("complaint")
    page.get_by_label("Lĩnh vực").select_option("land")
    page.get_by_label("Trích yếu nội dung").fill("Khiếu nại thu hồi đất")
    page.get_by_label("Nội dung đơn").fill(LETTER)
    page.get_by_label("Kênh tiếp nhận").select_option("walk_in")
    page.get_by_label("Xã, phường, đặc khu").select_option("11311")
    page.locator("#petitioners-0-full_name").fill("Nguyễn Văn A")
    page.locator("#petitioners-0-address").fill("Số 5 Lạch Tray")  # eligible: an address
    page.locator("#petitioners-0-id_number").fill("031200001234")
    page.route("**/reception/new", lose_first_answer)
    with contextlib.suppress(PlaywrightError):  # the navigation fails, as on the desk
        page.get_by_role("button", name="Lưu hồ sơ", exact=True).last.click()
    page.wait_for_timeout(500)
    page.reload()  # "Gửi lại": the same form, the same draft token
    page.wait_for_load_state("load")
    assert "không lưu thêm lần nữa" in page.locator(".alert").first.inner_text()
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Case.id))) == 1  # the letter is saved
    assert page.evaluate(DRAFTS) == {}

    page.goto("/reception/new")  # the next citizen's letter
    assert page.get_by_test_id("draft-notice").count() == 0


@pytest.fixture
def head(app, make_agency, make_user, make_locality):
    so = make_agency(code="SO-TNMT", name="Sở Tài nguyên và Môi trường")
    make_agency(code="BTCD", name="Ban Tiếp công dân")
    make_user("agency_head", agency=so, username="giamdoc")
    make_user("agency_officer", agency=so, username="chuyenvien")
    make_locality(code="11311", name="Phường Lê Chân")
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = True
    return so


def test_a_reception_session_keeps_nothing_in_the_browser(page, head):
    """Its rows are added by script (a restore could not rebuild them) and its boxes list
    a group's co-signers: no draft at all."""
    sign_in(page, "giamdoc", PASSWORD)
    page.wait_for_url("**/agency/")
    page.goto("/inspection/reception/new")
    page.get_by_label("Ngày tiếp").fill("2026-11-30")
    page.locator("#petitions-0-content").fill("Nội dung đơn thứ nhất.")
    page.get_by_role("button", name="Thêm đơn").click()
    page.locator("#petitions-1-kind").select_option("denunciation")
    page.locator("#petitions-1-content").fill("Tố cáo cán bộ địa chính nhận tiền.")
    page.locator("#petitions-1-members").fill("Trần Văn Tố, 0912000111\nLê Thị Cáo, 0912000222")
    drop_cookies(page)  # 30 idle minutes
    page.get_by_role("button", name="Lưu", exact=True).click()
    page.wait_for_load_state("load")
    assert "0912000111" not in json.dumps(page.evaluate(DRAFTS), ensure_ascii=False)
    sign_in(page, "giamdoc", PASSWORD)
    page.wait_for_url("**/agency/")
    page.goto("/inspection/reception/new")
    assert page.get_by_test_id("draft-notice").count() == 0


def _note_refused_for_a_lost_cookie(page, case, username: str) -> str:
    address = f"/agency/cases/{case.tracking_code}"
    sign_in(page, username, PASSWORD)
    page.goto(address)
    page.get_by_test_id("note-section").get_by_label("Nội dung ghi chú").fill(NOTE)
    drop_cookies(page)  # 30 idle minutes: the browser dropped the cookie
    page.get_by_role("button", name="Lưu ghi chú").click()
    page.wait_for_load_state("load")
    assert page.get_by_test_id("error-message").is_visible()
    return address


def test_another_official_signing_in_on_the_tab_is_not_offered_the_text(page, head, make_case):
    from complaints.models import User

    case = make_case()
    giamdoc = db.session.scalar(select(User).where(User.username == "giamdoc"))
    workflow.route(case, head.code, None, NOW, TODAY)
    workflow.accept(case, giamdoc, NOW, TODAY)
    db.session.commit()
    address = _note_refused_for_a_lost_cookie(page, case, "giamdoc")

    sign_in(page, "chuyenvien", PASSWORD)  # a colleague at the same computer
    page.goto(address)
    assert page.get_by_test_id("draft-notice").count() == 0
    drop_cookies(page)
    sign_in(page, "giamdoc", PASSWORD)  # the head, back: the note is offered to her
    page.goto(address)
    notice = page.get_by_test_id("draft-notice")
    assert notice.count() == 1
    # The notice passes axe's serious and critical checks (its "Bỏ" button did not).
    violations = [v for v in Axe().run(page).response["violations"]
                  if v["impact"] in {"serious", "critical"}]
    assert violations == [], [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]
