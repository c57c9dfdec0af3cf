"""A petition the desk closed itself (sent outside, guided, filed) says where it went
(QA round 8): the desk's case page said "Chưa chuyển đơn." and the citizen's page
"Cơ quan giải quyết: Chưa chuyển" right above "Đã chuyển đơn đến cơ quan ngoài hệ thống",
with no next step stated."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Case
from complaints.services import forwarding, workflow
from tests.conftest import NOW, TODAY
from tests.integration.test_public import PHONE, _lookup, desk, receipt, submit  # noqa: F401

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY (01/12)

BODY = "Tòa án nhân dân thành phố Hải Phòng"
GUIDANCE = "Đề nghị ông/bà gửi đơn đến Tòa án nhân dân quận Lê Chân."
NOTE = "Tranh chấp dân sự, không thuộc thẩm quyền hành chính"


def _dd(html: str, testid: str) -> str:
    start = html.index(f'data-testid="{testid}"')
    return html[html.index(">", start) + 1:html.index("</", start)]


def _status(html: str) -> str:
    start = html.index('data-testid="case-status"')
    return html[start:html.index("</div>", start)]


@pytest.fixture
def closed_online(client, desk):  # noqa: F811
    """closed_online(action): an online petition the desk closed, opened by the citizen
    with the tracking code and the phone number they gave."""
    _agency, officer = desk

    def make(action: str) -> Case:
        code, _pin = receipt(submit(client).text)
        case = db.session.scalar(select(Case).where(Case.tracking_code == code))
        if action == "forward":
            workflow.forward(case, BODY, officer, NOW, TODAY, reason=NOTE)
        elif action == "guide":
            workflow.guide(case, GUIDANCE, officer, NOW, TODAY)
        else:
            workflow.file_away(case, "duplicate", officer, NOW, TODAY, note=NOTE)
        db.session.commit()
        assert 'data-testid="timeline"' in _lookup(client, code, PHONE).text
        return case

    return make


def test_the_citizen_reads_the_outside_body_and_what_happens_next(client, desk,  # noqa: F811
                                                                   closed_online):
    case = closed_online("forward")
    html = client.get("/cong-dan/ho-so").text
    assert _dd(html, "case-agency") == BODY
    assert "Chưa chuyển" not in html
    status = _status(html)
    assert "Đã chuyển đơn đến cơ quan ngoài hệ thống" in status
    assert (f"Tiếp theo: {BODY} xem xét, giải quyết theo thẩm quyền và trả lời bạn."
            in status)
    assert NOTE not in html  # the officer's note stays internal

    _agency, officer = desk
    forwarding.record_reply(case, TODAY, "Công văn số 12/TA", officer, NOW, TODAY)
    db.session.commit()
    status = _status(client.get("/cong-dan/ho-so").text)
    assert f"{BODY} đã có văn bản trả lời, nhận ngày 01/12/2026." in status
    assert "Tiếp theo:" not in status and "12/TA" not in status


@pytest.mark.parametrize(("action", "agency_line", "next_step"), [
    ("guide", "Không chuyển (bạn được hướng dẫn nơi gửi đơn)",
     "Tiếp theo: bạn gửi đơn đến cơ quan có thẩm quyền theo hướng dẫn"),
    ("file", "Không chuyển (đơn được lưu)", None),
])
def test_a_guided_or_filed_petition_is_not_said_to_wait_for_a_transfer(
        client, closed_online, action, agency_line, next_step):
    closed_online(action)
    html = client.get("/cong-dan/ho-so").text
    assert _dd(html, "case-agency") == agency_line
    assert "Chưa chuyển" not in html
    assert (next_step in _status(html)) if next_step else 'case-next-step' not in html


def test_a_petition_waiting_at_the_desk_still_says_not_yet(client, desk):  # noqa: F811
    code, pin = receipt(submit(client).text)
    assert _dd(_lookup(client, code, pin).text, "case-agency") == "Chưa chuyển"


# --- the desk's case page -------------------------------------------------------------------


@pytest.mark.parametrize(("action", "line"), [
    ("forward", f"01/12/2026 · Chuyển ra ngoài → {BODY} — {NOTE}"),
    ("guide", f"01/12/2026 · Hướng dẫn công dân — {GUIDANCE}"),
    ("file", f"01/12/2026 · Lưu đơn — Đơn trùng; {NOTE}"),
])
def test_the_desk_page_says_where_a_closed_petition_went(client, login, desk, closed_online,  # noqa: F811
                                                         action, line):
    case = closed_online(action)
    _agency, officer = desk
    login(officer)
    html = client.get(f"/reception/cases/{case.tracking_code}").text
    assert "Chưa chuyển đơn." not in html
    start = html.index('data-testid="routings"')
    shown = " ".join(html[start:html.index("</ul>", start)].split())
    assert line in shown


def test_the_desk_page_of_a_petition_still_at_the_desk_says_not_yet(client, login, desk):  # noqa: F811
    code, _pin = receipt(submit(client).text)
    _agency, officer = desk
    login(officer)
    assert "Chưa chuyển đơn." in client.get(f"/reception/cases/{code}").text
