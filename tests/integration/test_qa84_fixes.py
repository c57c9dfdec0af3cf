"""QA round 84: a second complaint or a rating sent from one case's page was filed on
whatever case the browser's session held by then (another case looked up in another tab):
an irreversible second complaint about one matter opened on another. The forms now carry
the case their page showed; a form sent for another case is refused, naming both, with
its text given back to copy. And the "not sent" page of QA round 82 is reached with CSRF
on, the way a citizen reaches it: the case closed on this device in another tab."""

from __future__ import annotations

import lxml.html
import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Agency, Case, User
from complaints.services import public, workflow
from tests.conftest import NOW, TODAY
from tests.integration.test_public import _lookup, receipt, submit
from tests.integration.test_public_appeal import decided  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("fixed_clock")

REASON_X = "Quyết định về hồ sơ thu hồi đất thửa 112 chưa xem xét giấy tờ từ năm 1993."
COMMENT_X = "Cán bộ trả lời chậm, hẹn nhiều lần."
SECOND, RATE = "/cong-dan/ho-so/khieu-nai-lan-hai", "/cong-dan/ho-so/danh-gia"


def _doc(response):
    return lxml.html.fromstring(response.get_data(as_text=True))


def _hidden(client, testid: str) -> dict[str, str]:
    """The hidden fields of the case page's form `testid`, as the browser would send them."""
    form = _doc(client.get("/cong-dan/ho-so")).xpath(f'//form[@data-testid="{testid}"]')
    assert form, f"no {testid} on the case page"
    return {i.get("name"): i.get("value") or "" for i in form[0].xpath(".//input[@type='hidden']")}


def _summary(response) -> str:
    found = _doc(response).xpath('//*[@data-testid="error-summary"]')
    return " ".join(found[0].text_content().split()) if found else ""


def _kept(response, field_id: str) -> str | None:
    found = _doc(response).xpath(f'//textarea[@id="{field_id}"][@readonly]')
    return found[0].text_content().strip() if found else None


def _other_decided(client, first: Case) -> Case:
    """Another decided complaint of the same ward, looked up on the same browser (tab B)."""
    ward = db.session.get(Agency, first.agency_id)
    head = db.session.scalar(select(User).where(User.agency_id == ward.id,
                                                User.role == "agency_head"))
    code, pin = receipt(submit(client, subject="Việc thứ hai: cấp giấy phép xây dựng").text)
    case = db.session.scalar(select(Case).where(Case.tracking_code == code))
    workflow.route(case, ward.code, None, NOW, TODAY)
    workflow.accept(case, head, NOW, TODAY, decided_on=TODAY)
    workflow.resolve(case, "wrong", "46/QĐ-UBND", "Giữ nguyên.", head, NOW, TODAY,
                     decided_on=TODAY)
    db.session.commit()
    _lookup(client, code, pin)
    return case


def test_a_second_complaint_from_one_cases_page_is_not_filed_on_another(client, decided):  # noqa: F811
    x = decided()
    fields = _hidden(client, "appeal-form")  # tab A, case X
    assert fields["tracking_code"] == x.tracking_code
    y = _other_decided(client, x)  # tab B: the citizen's other case
    sent = client.post(SECOND, data={**fields, "reason": REASON_X, "confirm": "y"})
    db.session.expire_all()
    assert sent.status_code == 422
    assert public.second_complaint_of(db.session.get(Case, y.id)) is None
    assert public.second_complaint_of(db.session.get(Case, x.id)) is None
    summary = _summary(sent)
    assert x.tracking_code in summary and y.tracking_code in summary, summary
    assert _kept(sent, "reason") == REASON_X
    # Sent again from Y's own page, it is Y's second complaint, as before.
    sent = client.post(SECOND, data={**_hidden(client, "appeal-form"),
                                     "reason": "Lý do về hồ sơ thứ hai.", "confirm": "y"})
    assert sent.status_code == 302
    db.session.expire_all()
    assert public.second_complaint_of(db.session.get(Case, y.id)) is not None


def test_a_rating_from_one_cases_page_is_not_recorded_on_another(client, decided):  # noqa: F811
    x = decided()
    fields = _hidden(client, "feedback-form")
    assert fields["tracking_code"] == x.tracking_code
    y = _other_decided(client, x)
    sent = client.post(RATE, data={**fields, "rating_result": "1", "rating_service": "1",
                                   "comment": COMMENT_X})
    db.session.expire_all()
    assert sent.status_code == 422
    assert public.feedback_of(db.session.get(Case, y.id)) is None
    assert public.feedback_of(db.session.get(Case, x.id)) is None
    assert x.tracking_code in _summary(sent) and _kept(sent, "comment") == COMMENT_X


def test_a_form_without_the_code_is_the_open_cases(client, decided):  # noqa: F811
    """A page shown before this release sends no code: taken as the open case's."""
    x = decided()
    sent = client.post(RATE, data={"rating_result": "4", "rating_service": "5"})
    assert sent.status_code == 302
    assert public.feedback_of(x) is not None


def test_the_code_sent_in_lower_case_is_the_same_case(client, decided):  # noqa: F811
    x = decided()
    sent = client.post(RATE, data={"tracking_code": f" {x.tracking_code.lower()} ",
                                   "rating_result": "4", "rating_service": "5"})
    assert sent.status_code == 302 and public.feedback_of(x) is not None


def test_closed_in_another_tab_with_csrf_on_keeps_the_text(app, client, decided):  # noqa: F811
    """How a citizen reaches QA round 82's page for real: the cookie (and its CSRF token)
    is still there, the case was closed on this device from another tab."""
    x = decided()
    app.config["WTF_CSRF_ENABLED"] = True
    fields = _hidden(client, "appeal-form")  # csrf_token, ground, tracking_code
    assert fields.get("csrf_token")
    client.post("/cong-dan/ho-so/thoat", data={"csrf_token": fields["csrf_token"]})
    sent = client.post(SECOND, data={**fields, "reason": REASON_X, "confirm": "y"})
    assert sent.status_code == 422, sent.status_code
    assert "đã được đóng trên thiết bị này" in _summary(sent)
    assert _kept(sent, "reason") == REASON_X
    assert public.second_complaint_of(x) is None


@pytest.mark.parametrize("code", ["X" * 300, "2026-ABC\x07", "2026 ABC DEF"])
def test_an_odd_case_code_on_the_form_is_refused_and_files_nothing(client, decided, code):  # noqa: F811
    x = decided()
    fields = _hidden(client, "appeal-form")
    sent = client.post(SECOND, data={**fields, "tracking_code": code, "reason": REASON_X,
                                     "confirm": "y"})
    assert 400 <= sent.status_code < 500
    assert public.second_complaint_of(x) is None
    sent = client.post(RATE, data={"tracking_code": code, "rating_result": "3",
                                   "rating_service": "3", "comment": COMMENT_X})
    assert 400 <= sent.status_code < 500
    assert public.feedback_of(x) is None
