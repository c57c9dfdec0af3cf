"""QA round 82: D1 (a second complaint refused for a reason other than the window's end
says why, and keeps the text under the label it was typed under), D2 (a second complaint
or a rating sent once the case's session is gone keeps the text) and D3 (an extension's
confirmation words "1 working day" in English)."""

from __future__ import annotations

from datetime import timedelta

import lxml.html
import pytest
from sqlalchemy import select

from complaints import clock
from complaints.extensions import db
from complaints.models import Agency, Case, User
from complaints.services import intake, public, workflow
from tests.integration.test_handling_extension import RECEIVED
from tests.integration.test_handling_extension import _form as _handling_form
from tests.integration.test_public_appeal import (  # noqa: F401  (fixtures)
    WARD_EN,
    WARD_VI,
    _on,
    decided,
    unanswered,
)
from tests.integration.test_qa76_fixes import EXTENSION, accepted, world  # noqa: F401

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY

REASON = ("Đã quá hạn giải quyết mà chưa có quyết định; tôi đề nghị cấp trên xem xét lại "
          "toàn bộ việc thu hồi đất của gia đình tôi.")
SECOND = "/cong-dan/ho-so/khieu-nai-lan-hai"


def _doc(response):
    return lxml.html.fromstring(response.get_data(as_text=True))


def _text(response, testid: str) -> str:
    found = _doc(response).xpath(f'//*[@data-testid="{testid}"]')
    return " ".join(found[0].text_content().split()) if found else ""


def _page_text(response) -> str:
    return " ".join(_doc(response).text_content().split())


def _label(response, field_id: str) -> str:
    found = _doc(response).xpath(f'//label[@for="{field_id}"]')
    return " ".join(found[0].text_content().split()) if found else ""


def _kept(response, field_id: str = "reason") -> str | None:
    """The text given back read-only in the textarea `field_id` (None: not there)."""
    found = _doc(response).xpath(f'//textarea[@id="{field_id}"]')
    if not found or found[0].get("readonly") is None:
        return None
    return found[0].text_content().strip()


def _head(case: Case) -> User:
    return db.session.scalar(select(User).where(User.agency_id == case.agency_id,
                                                User.role == "agency_head"))


def _shown_ground(client) -> str | None:
    """The ground the case page's form carries (its hidden field; None: no such field)."""
    form = _doc(client.get("/cong-dan/ho-so")).xpath('//form[@data-testid="appeal-form"]')
    assert form, "the second complaint's form is not offered"
    values = form[0].xpath('.//input[@name="ground"]/@value')
    return values[0] if values else None


def _sent(client, ground: str | None):
    """Send the second complaint as its page was shown (with the ground it carried)."""
    return client.post(SECOND, data={"reason": REASON, "confirm": "y",
                                     **({"ground": ground} if ground else {})})


def _no_second(case: Case) -> bool:
    return db.session.scalar(select(Case.id).where(Case.parent_case_id == case.id)) is None


# --- D1: why a second complaint is refused, by the label it was typed under ---------------

def test_refused_after_a_late_recorded_suspension_says_since_when(client, unanswered,  # noqa: F811
                                                                  monkeypatch):
    """Offered the day after the first round's due date; the agency then records a
    suspension decided on the due date: the refusal says the resolution is suspended since
    then, and the text keeps the page's label (no decision to disagree with)."""
    case, due = unanswered
    _on(monkeypatch, due + timedelta(days=1), client)
    ground = _shown_ground(client)
    workflow.suspend(case, "Chờ kết quả giám định", _head(case), clock.now(), clock.today(),
                     decided_on=due)
    db.session.commit()
    sent = _sent(client, ground)
    assert sent.status_code == 422 and _no_second(case)
    summary = _text(sent, "error-summary")
    assert f"tạm đình chỉ từ ngày {due:%d/%m/%Y}" in summary, summary
    assert "Không thể khiếu nại lần hai cho hồ sơ này." not in summary
    assert "không đồng ý với quyết định" not in summary, summary
    assert _label(sent, "reason") == "Nội dung khiếu nại lần hai"
    assert _kept(sent) == REASON
    # In English too, with the date.
    client.get("/lang/en")
    sent = _sent(client, ground)
    summary = _text(sent, "error-summary")
    assert "suspended" in summary and f"since {due:%d/%m/%Y}" in summary, summary
    assert "Việc giải quyết" not in summary, summary


def test_refused_before_a_moved_deadline_says_from_when(client, unanswered, monkeypatch):  # noqa: F811
    """Offered the day after the due date; a suspension then resumed (entered late) moves
    the first round's deadline later: the refusal gives the new deadline and the day the
    second complaint may be sent from."""
    case, due = unanswered
    _on(monkeypatch, due + timedelta(days=1), client)
    ground = _shown_ground(client)
    head = _head(case)
    workflow.suspend(case, "Chờ giám định", head, clock.now(), clock.today(),
                     decided_on=due - timedelta(days=10))
    workflow.resume(case, head, clock.now(), clock.today(), decided_on=due)
    db.session.commit()
    window = public.appeal_window(case)
    assert window.first_due > due
    sent = _sent(client, ground)
    assert sent.status_code == 422 and _no_second(case)
    summary = _text(sent, "error-summary")
    assert f"đến hết ngày {window.first_due:%d/%m/%Y}" in summary, summary
    opens = window.first_due + timedelta(days=1)
    assert f"từ ngày {opens:%d/%m/%Y} đến hết ngày {window.last_day:%d/%m/%Y}" in summary, \
        summary
    assert _kept(sent) == REASON


def test_refused_when_no_agency_above_is_left_names_the_resolver(client, decided):  # noqa: F811
    """Offered on a decision; the city above the ward is closed in the system before the
    form is sent: the refusal says so, names the resolver, and the paper way with its
    date; the text keeps the decision's label, the ground its page was shown with."""
    case = decided()
    ground = _shown_ground(client)
    assert ground == public.DECISION  # the page carries the ground it offers the form on
    db.session.scalar(select(Agency).where(Agency.code == "UBND-HP")).active = False
    db.session.commit()
    sent = _sent(client, ground)
    assert sent.status_code == 422 and _no_second(case)
    summary = _text(sent, "error-summary")
    last_day = public.appeal_window(case).last_day
    assert WARD_VI in summary and f"trước hết ngày {last_day:%d/%m/%Y}" in summary, summary
    assert _label(sent, "reason") == "Lý do bạn không đồng ý với quyết định giải quyết lần đầu"
    client.get("/lang/en")
    sent = _sent(client, ground)
    summary = _text(sent, "error-summary").replace("&#39;", "'")
    assert WARD_EN in summary and WARD_VI not in summary, summary


def test_refused_after_the_complaint_was_withdrawn_says_when(client, unanswered,  # noqa: F811
                                                             monkeypatch):
    case, due = unanswered
    _on(monkeypatch, due + timedelta(days=1), client)
    ground = _shown_ground(client)
    workflow.withdraw(case, "Người khiếu nại rút đơn", _head(case), clock.now(),
                      clock.today(), decided_on=clock.today())
    db.session.commit()
    sent = _sent(client, ground)
    assert sent.status_code == 422 and _no_second(case)
    summary = _text(sent, "error-summary")
    assert f"đã được rút ngày {clock.today():%d/%m/%Y}" in summary, summary
    assert _kept(sent) == REASON


@pytest.mark.parametrize("ground", [None, "bogus"])
def test_an_unknown_ground_is_labelled_neutrally(client, decided, monkeypatch, ground):  # noqa: F811
    """A refused form that carries no known ground (a page from before the field, a
    tampered one) keeps the text under the neutral label, not the decision's."""
    decided()
    monkeypatch.setattr(clock, "today", lambda: public.appeal_window(
        db.session.scalar(select(Case))).last_day + timedelta(days=1))
    data = {"reason": REASON, "confirm": "y", **({"ground": ground} if ground else {})}
    sent = client.post(SECOND, data=data)
    assert sent.status_code == 422
    assert _label(sent, "reason") == "Nội dung khiếu nại lần hai"
    assert _kept(sent) == REASON


# --- D2: sent once the case's session is gone ---------------------------------------------

def test_a_second_complaint_sent_after_the_session_ended_keeps_the_text(client, decided):  # noqa: F811
    case = decided()
    ground = _shown_ground(client)
    client.post("/cong-dan/ho-so/thoat")  # closed on this device, in another tab
    sent = _sent(client, ground)
    assert sent.status_code == 422 and _no_second(case)
    summary = _text(sent, "error-summary")
    assert "Đơn khiếu nại lần hai chưa được gửi" in summary, summary
    assert "mã PIN" in summary, summary
    assert _kept(sent) == REASON
    assert _label(sent, "reason") == "Lý do bạn không đồng ý với quyết định giải quyết lần đầu"
    # The look-up form on that page looks the case up (not a second complaint again).
    doc = _doc(sent)
    assert doc.xpath('//form[.//input[@name="secret"]]/@action') == ["/cong-dan/tra-cuu"]
    client.get("/lang/en")
    sent = client.post(SECOND, data={"reason": REASON, "confirm": "y"})
    summary = _text(sent, "error-summary")
    assert "not sent" in summary and "chưa được gửi" not in summary, summary


def test_a_rating_sent_after_the_session_ended_keeps_the_comment(client, decided):  # noqa: F811
    case = decided()
    client.post("/cong-dan/ho-so/thoat")
    sent = client.post("/cong-dan/ho-so/danh-gia",
                       data={"rating_result": "2", "rating_service": "3",
                             "comment": "Cán bộ trả lời chậm"})
    assert sent.status_code == 422 and public.feedback_of(case) is None
    assert "Đánh giá chưa được gửi" in _text(sent, "error-summary")
    assert _kept(sent, "comment") == "Cán bộ trả lời chậm"
    # No comment typed: the message only.
    sent = client.post("/cong-dan/ho-so/danh-gia",
                       data={"rating_result": "2", "rating_service": "3"})
    assert sent.status_code == 422 and _kept(sent, "comment") is None


def test_a_pin_reissued_at_the_desk_still_closes_the_page(client, decided, make_user):  # noqa: F811
    """Guard (passes before the fix too): the desk reissued the PIN (the receipt may be in
    other hands), which closes the page on purpose: to the look-up page, as before."""
    case = decided()
    _shown_ground(client)
    clerk = make_user("reception", agency=case.reception_agency)
    intake.reissue_pin(case, "Mất giấy biên nhận", clerk, clock.now())
    db.session.commit()
    sent = _sent(client, None)
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/cong-dan/tra-cuu")
    assert _no_second(case)


# --- D3: "1 working day" ------------------------------------------------------------------

def test_english_confirmation_of_a_one_day_extension(client, login, world, accepted):  # noqa: F811
    case = accepted()
    login(world["head"])
    client.get("/lang/en")
    url = f"/agency/cases/{case.tracking_code}/extend"
    one = _text(client.post(url, data={**EXTENSION, "days": "1"}), "confirm-warning")
    assert "extended by 1 working day: from 15/12/2026 to 16/12/2026" in one, one
    ten = _text(client.post(url, data=EXTENSION), "confirm-warning")
    assert "extended by 10 working days: from 15/12/2026 to 29/12/2026" in ten, ten


def test_english_confirmation_of_a_calendar_day_extension(client, login, world, accepted):  # noqa: F811
    case = accepted(kind="denunciation")
    login(world["head"])
    client.get("/lang/en")
    url = f"/agency/cases/{case.tracking_code}/extend"
    one = _text(client.post(url, data={**EXTENSION, "days": "1", "complexity": "complex"}),
                "confirm-warning")
    assert "extended by 1 calendar day: from" in one, one
    client.get("/lang/vi")
    many = _text(client.post(url, data={**EXTENSION, "days": "30",
                                        "complexity": "very_complex"}), "confirm-warning")
    assert "gia hạn thêm 30 ngày: từ ngày" in many, many


def test_english_confirmation_of_the_desks_handling_extension(client, login, world,  # noqa: F811
                                                              make_case):
    case = make_case(world["reception"], kind="denunciation", received_on=RECEIVED)
    db.session.commit()
    login(world["reception"])
    client.get("/lang/en")
    url = f"/reception/cases/{case.tracking_code}/extend-handling"
    one = _page_text(client.post(url, data=_handling_form(days="1")))
    assert "extended by 1 working day, to" in one, one
    three = _page_text(client.post(url, data=_handling_form()))
    assert "extended by 3 working days, to 11/12/2026" in three, three
