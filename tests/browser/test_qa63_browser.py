"""QA round 63: a refused form's error summary is what the reader sees first — the
citizen's rating and second complaint on a phone (their section, mid-page), and a page that
is one form (its summary at the top, focused)."""

from __future__ import annotations

from datetime import date

import pytest

from complaints.extensions import db
from complaints.services import workflow
from tests.conftest import NOW, TODAY

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY


@pytest.fixture
def resolved(make_agency, make_user, make_case):
    province = make_agency(code="UBND-T", name="UBND tỉnh", level="province")
    desk = make_agency(code="BTCD", name="Ban Tiếp công dân tỉnh", parent=province,
                       is_reception_desk=True)
    so = make_agency(code="SO-TN", name="Sở Tài nguyên", parent=province)
    reception = make_user("reception", agency=desk)
    head = make_user("agency_head", agency=so)
    case = make_case(reception, received_on=date(2026, 10, 1))
    workflow.route(case, "SO-TN", reception, NOW, TODAY, decided_on=date(2026, 10, 2))
    workflow.accept(case, head, NOW, TODAY, decided_on=date(2026, 10, 5))
    workflow.resolve(case, "wrong", "123/QĐ-STNMT", "Giữ nguyên quyết định thu hồi đất.",
                     head, NOW, TODAY, decided_on=TODAY)
    db.session.commit()
    return case


def _summary_focused(page) -> bool:
    return page.evaluate("""() => { const e = document.activeElement;
        if (!e || e.getAttribute('data-testid') !== 'error-summary') return false;
        const r = e.getBoundingClientRect();
        return r.bottom > 0 && r.top < window.innerHeight; }""")


@pytest.mark.parametrize("button", ["Gửi đánh giá", "Gửi khiếu nại lần hai"])
def test_refused_citizen_form_shows_its_summary_on_a_phone(phone_page, resolved, button):
    """The rating (or the second complaint) sent empty on a 360-px phone: the page came back
    at the top, the summary ~1,200 px below, out of sight."""
    page = phone_page
    page.goto("/cong-dan/tra-cuu")
    page.get_by_label("Mã hồ sơ").fill(resolved.tracking_code)
    page.get_by_label("Mã PIN hoặc số điện thoại đã khai trong đơn").fill(resolved.test_pin)
    page.get_by_role("button", name="Tra cứu").click()
    page.wait_for_url("**/cong-dan/ho-so")
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()
    page.wait_for_load_state("load")
    assert page.locator('[data-testid="error-summary"]').count() == 1
    assert _summary_focused(page), "the refusal is neither in view nor focused"


def test_a_page_that_is_one_form_focuses_its_summary(phone_page):
    """A whole-page form sent empty (the citizen's petition): the summary at the top takes
    the focus, so a screen reader says the refusal first."""
    page = phone_page
    page.goto("/cong-dan/gui-don")
    with page.expect_navigation():
        page.get_by_role("button", name="Gửi đơn").click()
    page.wait_for_load_state("load")
    assert _summary_focused(page)
