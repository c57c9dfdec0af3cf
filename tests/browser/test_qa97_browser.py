"""QA round 97 — the citizens' online form and look-up in a browser, at a phone's width."""

from __future__ import annotations

import re
import unicodedata

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Case
from complaints.services import public
from tests.browser.citizen_form import fill_complaint

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY

# A letter pasted from a word processor, a little over the form's limit.
LETTER = ("Kính gửi Ban Tiếp công dân. Gia đình tôi sử dụng thửa đất số 12 từ năm 1993, "
          "có đủ giấy tờ, nhưng bị thu hồi mà không được bồi thường thỏa đáng. ") * 80
LETTER = LETTER[: public.CONTENT_MAX + 400].rstrip() + " Tôi đề nghị xem xét lại."
SUBJECT = ("Đề nghị xem xét việc thu hồi đất ở phường Hồng Bàng, quận cũ Hồng Bàng, nay thuộc "
           "thành phố Hải Phòng, không đúng quy định về bồi thường, hỗ trợ, tái định cư, gây "
           "thiệt hại cho gia đình tôi; đề nghị Ủy ban nhân dân thành phố xem xét lại quyết "
           "định")


@pytest.fixture
def online_desk(make_agency):
    make_agency(code="BTCD", name="Ban Tiếp công dân tỉnh")
    db.session.commit()


def _summary_focused(page) -> bool:
    return page.evaluate("""() => { const e = document.activeElement;
        return !!e && e.getAttribute('data-testid') === 'error-summary'; }""")


def test_a_pasted_letter_over_the_limit_is_refused_and_kept_whole(phone_page, online_desk):
    """No maxlength: the browser keeps all of it, the server names the limit beside the
    box and gives the whole letter back to shorten (it was cut and accepted before)."""
    page = phone_page
    page.goto("/cong-dan/gui-don")
    fill_complaint(page)
    content = page.get_by_label("Nội dung đơn")
    content.fill("")
    content.focus()
    page.keyboard.insert_text(LETTER)  # as a paste (or an IME commit) does
    assert content.input_value() == LETTER
    page.get_by_label(re.compile("Tôi đã đọc và đồng ý")).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Gửi đơn").click()
    page.wait_for_load_state("load")
    db.session.expire_all()
    assert db.session.scalar(select(Case.id)) is None
    assert _summary_focused(page)
    assert f"Không quá {public.CONTENT_MAX} ký tự." in page.locator("#content-error").inner_text()
    assert page.get_by_label("Nội dung đơn").input_value() == LETTER


def test_a_subject_typed_in_combining_marks_is_kept_and_received(phone_page, online_desk):
    """A keyboard that types decomposed letters (315 code points for 247 letters): the box
    keeps every mark, and the server, composing it first, receives it whole."""
    nfd = unicodedata.normalize("NFD", SUBJECT)
    assert len(SUBJECT) < public.SUBJECT_MAX < len(nfd)
    page = phone_page
    page.goto("/cong-dan/gui-don")
    fill_complaint(page)
    subject = page.get_by_label("Tóm tắt nội dung (trích yếu)")
    subject.fill("")
    subject.focus()
    page.keyboard.insert_text(nfd)
    assert unicodedata.normalize("NFC", subject.input_value()) == SUBJECT
    page.get_by_label(re.compile("Tôi đã đọc và đồng ý")).check()
    page.get_by_role("button", name="Gửi đơn").click()
    page.wait_for_url("**/cong-dan/da-gui")
    db.session.expire_all()
    assert db.session.scalar(select(Case.subject)) == SUBJECT


def test_a_refused_look_up_focuses_its_summary_and_leads_to_the_pin(phone_page, online_desk):
    page = phone_page
    page.goto("/cong-dan/tra-cuu")
    page.get_by_label("Mã hồ sơ").fill("2026-7KQ4M2XH")
    page.get_by_label("Mã PIN hoặc số điện thoại đã khai trong đơn").fill("000000")
    with page.expect_navigation():
        page.get_by_role("button", name="Tra cứu").click()
    page.wait_for_load_state("load")
    assert _summary_focused(page)
    page.get_by_test_id("error-summary").get_by_role("link").click()
    assert page.evaluate("document.activeElement.id") == "secret"
