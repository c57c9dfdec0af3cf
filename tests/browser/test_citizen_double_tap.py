"""A citizen taps "Gửi đơn" twice (QA round 4): one petition is sent, not two (once.js)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import Case
from tests.browser.citizen_form import fill_complaint

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY


def _fill(page) -> None:
    page.goto("/cong-dan/gui-don")
    fill_complaint(page, address=None)
    page.get_by_label(re.compile("Tôi đã đọc và đồng ý")).check()


def test_a_double_tap_sends_the_petition_once(phone_page, live_server, make_agency):
    page = phone_page
    make_agency(code="BTCD", name="Ban Tiếp công dân tỉnh")
    db.session.commit()
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    # Each answer takes a moment, as on a busy server and a slow network: time for a second
    # tap while the first one is on its way.
    page.route("**/cong-dan/gui-don", lambda route: (page.wait_for_timeout(300),
                                                     route.continue_()))
    _fill(page)
    button = page.get_by_role("button", name="Gửi đơn")
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.touchscreen.tap(x, y)
    page.wait_for_timeout(100)  # the second tap of a double tap, the first on its way
    page.touchscreen.tap(x, y)
    page.wait_for_url("**/cong-dan/da-gui")
    assert page.get_by_test_id("tracking-code").inner_text().strip()
    assert len(posts) == 1, posts
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Case.id))) == 1


def test_the_form_can_be_sent_again_when_shown_again(phone_page, live_server, make_agency):
    """Back to the form from the browser's memory (bfcache): its button works again."""
    page = phone_page
    make_agency(code="BTCD", name="Ban Tiếp công dân tỉnh")
    db.session.commit()
    _fill(page)
    # An answer that leaves the page where it is: the form stays on screen, sent.
    page.route("**/cong-dan/gui-don", lambda route: route.fulfill(status=204)
               if route.request.method == "POST" else route.continue_())
    page.get_by_role("button", name="Gửi đơn").click()
    button = page.locator("[data-testid=submit-form] button[type=submit]")
    page.wait_for_function("document.querySelector('[data-testid=submit-form] "
                           "button[type=submit]').disabled")
    assert button.inner_text() == "Đang gửi…"
    page.evaluate("window.dispatchEvent(new PageTransitionEvent('pageshow', "
                  "{persisted: true}))")
    assert button.is_enabled() and button.inner_text() == "Gửi đơn"


def test_back_after_sending_then_the_same_letter_again_opens_no_second_case(
        phone_page, live_server, make_agency):
    """QA 97: Back after the receipt reloads the form with a new one-time token, and the
    browser fills the visible fields in again: one more tap opened a second case. The tab
    sends the same letter with its first token (resend.js): the server says it was sent."""
    page = phone_page
    make_agency(code="BTCD", name="Ban Tiếp công dân tỉnh")
    db.session.commit()
    _fill(page)
    page.get_by_role("button", name="Gửi đơn").click()
    page.wait_for_url("**/cong-dan/da-gui")
    code = page.get_by_test_id("tracking-code").inner_text()
    page.go_back()
    page.wait_for_load_state("load")
    # The restoring browser, or a citizen typing the same letter again in this tab.
    if page.get_by_label("Họ và tên").input_value() == "":
        _fill(page)
    page.get_by_role("button", name="Gửi đơn").click()
    page.wait_for_load_state("load")
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Case.id))) == 1
    assert code in page.content()  # "already sent (code …)"
    assert "kể cả tệp chọn lại" in page.content()  # files chosen again are not added


def test_another_letter_after_sending_is_a_new_case(phone_page, live_server, make_agency):
    """The same tab, then a different letter: a case of its own."""
    page = phone_page
    make_agency(code="BTCD", name="Ban Tiếp công dân tỉnh")
    db.session.commit()
    _fill(page)
    page.get_by_role("button", name="Gửi đơn").click()
    page.wait_for_url("**/cong-dan/da-gui")
    _fill(page)
    page.get_by_label("Tóm tắt nội dung (trích yếu)").fill("Một việc khác hẳn")
    page.get_by_role("button", name="Gửi đơn").click()
    page.wait_for_url("**/cong-dan/da-gui")
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Case.id))) == 2
