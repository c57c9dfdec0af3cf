"""A reception officer double-clicks "Lưu hồ sơ" (QA 99 D2): the form is sent once, and the
receipt shows the case's PIN. Before, the browser dropped the first answer (which held the
PIN, shown once) and showed the second's "already saved": the PIN reached no one."""

from __future__ import annotations

import re
import threading

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
    page.locator("#petitioners-0-address").fill("Số 5 Lạch Tray")  # eligible: an address
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


def test_stopping_a_slow_save_gives_the_buttons_back(page, make_user, make_locality,
                                                     monkeypatch):
    """QA 101 J7: Stop pressed while the answer was awaited left "Đang lưu…" disabled until a
    reload; the officer could not send the form again."""
    officer = make_user("reception")
    make_locality("11311", name="Phường Lê Chân")
    db.session.commit()
    sign_in(page, officer.username, PASSWORD)
    page.wait_for_url("**/reception/")
    # The first save hangs on the server, then fails: the officer gives up waiting.
    arrived, release = threading.Event(), threading.Event()
    receive = intake.receive_case

    def slow_then_broken(*args, **kwargs):
        if not arrived.is_set():
            arrived.set()
            release.wait(20)
            raise RuntimeError("the first save never finished")
        return receive(*args, **kwargs)

    monkeypatch.setattr(intake, "receive_case", slow_then_broken)
    page.goto("/reception/new")
    fill_desk_intake(page, "Khiếu nại việc cấp giấy chứng nhận",
                     "Đề nghị xem xét lại việc cấp giấy chứng nhận.")
    page.locator("#petitioners-0-full_name").fill("Phạm Văn Dân")
    page.locator("#petitioners-0-address").fill("Số 5 Lạch Tray")  # eligible: an address
    page.locator("#petition_scans").set_input_files(
        files=[{"name": "don.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    form = page.get_by_test_id("intake-form")
    button = form.get_by_role("button", name="Lưu hồ sơ", exact=True)
    # Playwright's own clicks and look-ups wait for the pending navigation: through CDP.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Runtime.evaluate", {"expression": (
        'setTimeout(() => [...document.getElementById("intake-form").elements]'
        '.find(b => b.type === "submit" && b.textContent.trim() === "Lưu hồ sơ").click())')})
    assert arrived.wait(10), "the form was sent"
    state = ('[...document.getElementById("intake-form").elements]'
             '.filter(b => b.type === "submit")'
             '.map(b => b.disabled + ":" + b.textContent.trim()).join("|")')

    def buttons() -> str:
        got = cdp.send("Runtime.evaluate", {"expression": state, "returnByValue": True})
        return got["result"].get("value", repr(got))

    # (Asked before Stop, the page answers only once the server has.)
    cdp.send("Page.stopLoading")  # the browser's Stop
    release.set()
    for _ in range(30):
        if "true" not in buttons():
            break
        page.wait_for_timeout(100)
    assert buttons().split("|") == ["false:Lưu hồ sơ", "false:Đổi tỉnh",
                                    "false:Thêm dòng người đứng đơn", "false:Lưu hồ sơ"]
    assert form.get_attribute("aria-busy") is None

    button.click()
    page.wait_for_url(re.compile(r".*/reception/cases/[^/]+/receipt$"))
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Case.id))) == 1
