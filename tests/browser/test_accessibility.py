"""Accessibility: axe-core (bundled in axe-playwright-python, runs offline) on the public
pages at a 360-px phone viewport and on the officials' main pages at desktop size.

No violation of impact "serious" or "critical" is allowed; lesser ones are printed."""

from __future__ import annotations

import re
from datetime import date

import pytest
from axe_playwright_python.sync_playwright import Axe

from complaints.extensions import db
from complaints.models import Notification
from complaints.services import workflow
from tests.browser.citizen_form import fill_complaint
from tests.browser.conftest import sign_in
from tests.conftest import NOW, TODAY
from tests.factories import PASSWORD

BLOCKING = {"serious", "critical"}


pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY

@pytest.fixture(scope="module")
def axe():
    return Axe()


@pytest.fixture
def world(make_agency, make_user, make_case):
    province = make_agency(code="UBND-T", name="Ủy ban nhân dân tỉnh", level="province")
    desk = make_agency(code="BTCD", name="Ban Tiếp công dân tỉnh", parent=province)
    so = make_agency(code="SO-TNMT", name="Sở Tài nguyên và Môi trường", parent=province)
    ttt = make_agency(code="TTT", name="Thanh tra tỉnh", parent=province, is_inspectorate=True)
    reception = make_user("reception", agency=desk, username="tiepdan")
    head = make_user("agency_head", agency=so, username="giamdoc")
    make_user("inspector", agency=ttt, username="thanhtra")
    make_user("admin", username="quantri")
    waiting = make_case(reception, subject="Tranh chấp ranh giới đất")
    routed = make_case(reception, received_on=date(2026, 10, 1), subject="Lấn chiếm đất công")
    workflow.route(routed, "SO-TNMT", reception, NOW, TODAY, decided_on=date(2026, 10, 2))
    # An unread notice, as /inbox shows it (QA round 76: its link lacked contrast).
    db.session.add(Notification(
        dedupe_key="a11y-unread", channel="in_app", user_id=head.id, case_id=routed.id,
        subject=f"Hồ sơ {routed.tracking_code} chờ thụ lý", body="Hồ sơ mới được chuyển đến.",
        status="sent", created_at=NOW))
    db.session.commit()
    return {"waiting": waiting, "routed": routed}


def _problems(axe, page, where: str) -> list[str]:
    """Run axe on the loaded page; print minor findings, return the blocking ones."""
    page.wait_for_load_state("load")
    results = axe.run(page)
    blocking = []
    for violation in results.response["violations"]:
        targets = [", ".join(map(str, node["target"])) for node in violation["nodes"]]
        line = f"{where}: {violation['id']} ({violation['impact']}) — " \
               f"{violation['help']} — {targets[:5]}"
        if violation["impact"] in BLOCKING:
            blocking.append(line)
        else:
            print(line)
    return blocking


def _visit(axe, page, url: str) -> list[str]:
    page.goto(url)
    return _problems(axe, page, url)


def test_public_pages_on_a_phone(axe, phone_page, world):
    page = phone_page
    found = []
    for url in ("/cong-dan/", "/cong-dan/gui-don", "/cong-dan/tra-cuu", "/login"):
        found += _visit(axe, page, url)

    # The form with its error summary shown.
    page.goto("/cong-dan/gui-don")
    page.get_by_role("button", name="Gửi đơn").click()
    page.wait_for_load_state("load")
    found += _problems(axe, page, "/cong-dan/gui-don (errors)")

    # The submitted page.
    fill_complaint(page)
    page.get_by_label(re.compile("Tôi đã đọc và đồng ý")).check()
    page.get_by_role("button", name="Gửi đơn").click()
    page.wait_for_url("**/cong-dan/da-gui")
    found += _problems(axe, page, "/cong-dan/da-gui")

    # The look-up result page of a real case.
    case = world["routed"]
    page.goto("/cong-dan/tra-cuu")
    page.get_by_label("Mã hồ sơ").fill(case.tracking_code)
    page.get_by_label("Mã PIN hoặc số điện thoại đã khai trong đơn").fill(case.test_pin)
    page.get_by_role("button", name="Tra cứu").click()
    page.wait_for_url("**/cong-dan/ho-so")
    found += _problems(axe, page, "/cong-dan/ho-so")

    assert not found, "\n".join(found)


def test_reception_pages(axe, page, world):
    sign_in(page, "tiepdan", PASSWORD)
    page.wait_for_url("**/reception/")
    found = _problems(axe, page, "/reception/")
    for url in ("/reception/new", f"/reception/cases/{world['waiting'].tracking_code}",
                "/inbox"):
        found += _visit(axe, page, url)
    assert not found, "\n".join(found)


def test_agency_pages(axe, page, world):
    sign_in(page, "giamdoc", PASSWORD)
    page.wait_for_url("**/agency/")
    found = _problems(axe, page, "/agency/")
    for url in (f"/agency/cases/{world['routed'].tracking_code}", "/inbox"):
        found += _visit(axe, page, url)
    assert page.locator(".notice-unread").count() == 1  # /inbox was read with it unread
    assert not found, "\n".join(found)


def test_inspection_pages(axe, page, world):
    sign_in(page, "thanhtra", PASSWORD)
    page.wait_for_url("**/inspection/")
    found = _problems(axe, page, "/inspection/")
    # The report's table is wider than the page (QA round 76: its box took no focus).
    for url in ("/inspection/overdue", "/inspection/cases", "/inspection/scorecard",
                "/inspection/reports", "/inbox"):
        found += _visit(axe, page, url)
    assert not found, "\n".join(found)


def test_admin_pages(axe, page, world):
    sign_in(page, "quantri", PASSWORD)
    page.wait_for_url("**/admin/")
    found = _problems(axe, page, "/admin/")
    for url in ("/admin/policies", "/admin/patterns", "/admin/ladder", "/admin/ladder/new",
                "/inbox"):
        found += _visit(axe, page, url)
    assert not found, "\n".join(found)
