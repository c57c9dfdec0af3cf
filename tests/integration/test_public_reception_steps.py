"""Citizens' timeline of a petition the reception closed itself (QA round 4): where the
citizen was guided, which outside body got the petition, why it was filed away — as the
reception recorded them, never the officer's own note."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Case
from complaints.services import public, workflow
from tests.conftest import NOW, TODAY
from tests.integration.test_public import NAME, _lookup, desk, receipt, submit  # noqa: F401

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY

GUIDANCE = "Đề nghị ông/bà gửi đơn đến Tòa án nhân dân quận Lê Chân (số 5 Hồ Sen)."
BODY = "Công an thành phố Hải Phòng"
NOTE = "Ghi chú nội bộ: người gửi là cán bộ phường, đã gọi điện"


@pytest.fixture
def closed(client, desk):  # noqa: F811
    """closed(action, kind=…): an online petition the desk guided, forwarded or filed away
    (with an internal note where the step takes one), opened on the citizen's device."""
    _agency, officer = desk

    def make(action: str, kind: str = "complaint") -> Case:
        code, pin = receipt(submit(client, kind=kind).text)
        case = db.session.scalar(select(Case).where(Case.tracking_code == code))
        if action == "guide":
            workflow.guide(case, GUIDANCE, officer, NOW, TODAY)
        elif action == "forward":
            workflow.forward(case, BODY, officer, NOW, TODAY, reason=NOTE)
        else:
            workflow.file_away(case, "duplicate", officer, NOW, TODAY, note=NOTE)
        db.session.commit()
        _lookup(client, code, pin)
        return case

    return make


def _timeline(client) -> str:
    html = client.get("/cong-dan/ho-so").text
    start = html.index('data-testid="timeline"')
    return html[start:html.index("</ol>", start)]


def test_the_citizen_reads_where_they_were_guided(client, closed):
    case = closed("guide")
    events = [e.event for e in public.public_timeline(case)]
    assert events == ["received", "guided"]
    timeline = _timeline(client)
    assert "Đã hướng dẫn bạn gửi đơn đến cơ quan có thẩm quyền" in timeline
    assert "Đề nghị ông/bà gửi đơn đến Tòa án nhân dân quận Lê Chân (số 5 Hồ Sen)." in timeline
    client.get("/lang/en?next=/")
    timeline = _timeline(client)
    assert "You were advised to send the petition to the competent agency" in timeline
    # The officer's words stay as typed on the English page.
    assert "Đề nghị ông/bà gửi đơn đến Tòa án nhân dân quận Lê Chân (số 5 Hồ Sen)." in timeline


def test_the_citizen_reads_which_outside_body_got_the_petition(client, closed):
    closed("forward")
    timeline = _timeline(client)
    assert f"Đã chuyển đơn đến {BODY}" in timeline
    assert NOTE not in timeline
    client.get("/lang/en?next=/")
    timeline = _timeline(client)
    assert f"Petition forwarded to {BODY}" in timeline
    assert NOTE not in timeline


def test_the_citizen_reads_why_the_petition_was_filed_away(client, closed):
    closed("file")
    timeline = _timeline(client)
    assert "Lưu đơn: Đơn trùng" in timeline
    assert NOTE not in timeline
    client.get("/lang/en?next=/")
    timeline = _timeline(client)
    assert "Filed away (lưu đơn): Duplicate (đơn trùng)" in timeline
    assert NOTE not in timeline


@pytest.mark.parametrize("action", ["forward", "file"])
def test_a_denouncers_page_shows_the_step_and_no_note(client, closed, action):
    closed(action, kind="denunciation")
    html = client.get("/cong-dan/ho-so").text
    assert (f"Đã chuyển đơn đến {BODY}" if action == "forward" else "Lưu đơn: Đơn trùng") \
        in _timeline(client)
    for hidden in (NOTE, NAME, "T.T.B.N."):
        assert hidden not in html, hidden
