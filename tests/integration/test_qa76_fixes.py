"""QA round 76: D4 (the agency's extension of the resolution deadline is confirmed in a
second step that gives the new due date) and D6 (a citizen's second complaint or rating
refused after the page was shown says why and keeps what was typed)."""

from __future__ import annotations

from datetime import date, datetime, timezone

import lxml.html
import pytest
from sqlalchemy import select

from complaints import clock
from complaints.extensions import db
from complaints.models import AuditEvent, Case
from complaints.services import public, workflow
from tests.conftest import NOW, TODAY
from tests.integration.agency_world import world  # noqa: F401  (fixture)
from tests.integration.test_public_appeal import decided  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY


def _doc(response):
    return lxml.html.fromstring(response.get_data(as_text=True))


def _text(response, testid: str) -> str:
    found = _doc(response).xpath(f'//*[@data-testid="{testid}"]')
    return " ".join(found[0].text_content().split()) if found else ""


def _fresh(case: Case) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case.id)


def _extended(case: Case) -> int:
    return len(db.session.scalars(select(AuditEvent.id).where(
        AuditEvent.chain == f"case:{case.id}", AuditEvent.action == "extended")).all())


# --- D4: the resolution deadline's extension asks to confirm ------------------------------
# `world` is agency_world's: its desk clerk and the SO-TNMT head are the ones used here.

@pytest.fixture
def accepted(world, make_case):  # noqa: F811
    """accepted(kind=…, routed_on=…, accepted_on=…): a case accepted by the Sở."""

    def make(kind="recommendation", routed_on=date(2026, 11, 20),
             accepted_on=date(2026, 11, 23), **kwargs) -> Case:
        case = make_case(world["reception"], kind=kind, **kwargs)
        workflow.route(case, "SO-TNMT", world["reception"], NOW, TODAY, decided_on=routed_on)
        workflow.accept(case, world["head"], NOW, TODAY, decided_on=accepted_on)
        db.session.commit()
        return case

    return make


EXTENSION = {"days": "10", "reason": "Cần xác minh thêm", "decided_on": "2026-11-30"}


def test_agency_extension_of_resolution_deadline_asks_to_confirm(client, login, world,  # noqa: F811
                                                                  accepted):
    """The only extension a recommendation gets was recorded on the first POST; it is now
    confirmed, the page saying the due date before and after, and Back keeps the form."""
    case = accepted()
    due_before = case.deadline("resolution").due_on
    assert due_before == date(2026, 12, 15)
    login(world["head"])
    url = f"/agency/cases/{case.tracking_code}/extend"
    assert client.get(url).status_code == 200
    response = client.post(url, data=EXTENSION)
    case = _fresh(case)
    assert case.extension_count == 0 and case.deadline("resolution").due_on == due_before, (
        f"extended on the first POST (HTTP {response.status_code})")
    assert response.status_code == 200
    warning = _text(response, "confirm-warning")
    # 15 + 10 working days from 23/11/2026 (Culture Day 24/11 skipped) → 29/12/2026.
    assert "thêm 10 ngày làm việc: từ ngày 15/12/2026 đến ngày 29/12/2026" in warning
    assert _text(response, "confirm-reason") == "Cần xác minh thêm"
    # Back: the form again, as typed, and still nothing recorded.
    back = client.post(url, data={**EXTENSION, "confirmed": "1", "edit": "1"})
    assert back.status_code == 200
    form = _doc(back)
    assert form.xpath('//input[@name="days"]/@value') == ["10"]
    assert form.xpath('//textarea[@name="reason"]')[0].text_content().strip() == (
        "Cần xác minh thêm")
    assert form.xpath('//input[@name="confirmed"]/@value') in ([""], [])
    assert _fresh(case).extension_count == 0
    done = client.post(url, data={**EXTENSION, "confirmed": "1"})
    assert done.status_code == 302
    case = _fresh(case)
    assert case.extension_count == 1 and case.deadline("resolution").due_on == date(2026, 12, 29)
    assert _extended(case) == 1


def test_extension_refusals_show_on_the_form_before_the_confirmation(client, login, world,  # noqa: F811
                                                                     accepted):
    """What the service refuses (too many days, a date before the acceptance or in the
    future, a denunciation not declared complex) is said by the field, the form kept; no
    confirmation is asked for what would be refused."""
    case = accepted()
    login(world["head"])
    url = f"/agency/cases/{case.tracking_code}/extend"
    for data, field, message in (
            ({**EXTENSION, "days": "11"}, "days", "Gia hạn tối đa 10 ngày làm việc."),
            ({**EXTENSION, "decided_on": "2026-12-09"}, "decided_on", "tương lai"),
            ({**EXTENSION, "decided_on": "2026-11-20"}, "decided_on", "")):
        r = client.post(url, data=data)
        assert r.status_code == 422, data
        assert 'data-testid="confirm-warning"' not in r.get_data(as_text=True)
        assert _doc(r).xpath('//*[@data-testid="error-summary"]'), data
        assert message in _text(r, f"error-{field}") and _text(r, f"error-{field}"), data
        assert "Cần xác minh thêm" in r.get_data(as_text=True)
    denunciation = accepted(kind="denunciation")
    r = client.post(f"/agency/cases/{denunciation.tracking_code}/extend",
                    data={**EXTENSION, "days": "30"})
    assert r.status_code == 422 and "phức tạp" in _text(r, "error-complexity")
    # Corrected, it is confirmed first.
    r = client.post(url, data=EXTENSION)
    assert r.status_code == 200 and 'data-testid="confirm-warning"' in r.get_data(as_text=True)
    assert _fresh(case).extension_count == 0 and _fresh(denunciation).extension_count == 0


def test_confirmed_due_date_is_the_one_the_extension_gives(client, login, world, accepted):  # noqa: F811
    """The date on the confirmation is the service's: after a suspension (whose time the
    extension keeps) and for a denunciation declared very complex by the same decision."""
    head = world["head"]
    resumed = accepted(routed_on=date(2026, 9, 3), received_on=date(2026, 9, 1),
                       accepted_on=date(2026, 9, 14))
    workflow.suspend(resumed, "Chờ giám định", head, NOW, TODAY, decided_on=date(2026, 9, 15))
    workflow.resume(resumed, head, NOW, TODAY, decided_on=date(2026, 9, 25))
    denunciation = accepted(kind="denunciation")
    db.session.commit()
    login(head)
    for case, data, due in (
            (resumed, {"days": "5", "reason": "Cần xác minh", "decided_on": "2026-10-01"},
             date(2026, 10, 22)),  # 15/10 + 5 working days, not 05/10 + 5 (= 12/10)
            (denunciation, {"days": "30", "reason": "Phức tạp", "decided_on": "2026-11-30",
                            "complexity": "very_complex"}, None)):
        url = f"/agency/cases/{case.tracking_code}/extend"
        before = _fresh(case).deadline("resolution").due_on
        shown = client.post(url, data=data)
        assert shown.status_code == 200
        assert _fresh(case).extension_count == 0
        assert client.post(url, data={**data, "confirmed": "1"}).status_code == 302
        after = _fresh(case).deadline("resolution").due_on
        assert due is None or after == due
        assert (f"từ ngày {before:%d/%m/%Y} đến ngày {after:%d/%m/%Y}"
                in _text(shown, "confirm-warning")), (after, _text(shown, "confirm-warning"))


def test_extension_confirmation_in_english(client, login, world, accepted):  # noqa: F811
    case = accepted()
    login(world["head"])
    client.get("/lang/en")
    r = client.post(f"/agency/cases/{case.tracking_code}/extend", data=EXTENSION)
    assert r.status_code == 200
    assert "15/12/2026 to 29/12/2026" in _text(r, "confirm-warning")


# --- D6: a second complaint refused after the form was shown ------------------------------

REASON = ("Quyết định chưa xem xét biên bản đo đạc năm 2019 và xác nhận của tổ dân phố; "
          "tôi đề nghị cấp trên xem xét lại toàn bộ.")


def _after_midnight(monkeypatch, client):
    """Five minutes past midnight (Vietnam), the citizen's page still open since before it."""
    from complaints.web.public.routes import CASE_SEEN_KEY

    monkeypatch.setattr(clock, "today", lambda: date(2027, 1, 1))
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 12, 31, 17, 5, tzinfo=timezone.utc))
    with client.session_transaction() as state:
        state[CASE_SEEN_KEY] = clock.now().timestamp() - 600


def test_a_refused_second_complaint_keeps_the_text_and_says_why(client, decided,  # noqa: F811
                                                                 monkeypatch):
    """Offered on the window's last day (31/12/2026), sent after midnight: the answer says
    why (the window's end) in a summary and by the text typed, which is kept read-only
    (the form can no longer be sent) for a paper letter or a court claim."""
    case = decided()
    monkeypatch.setattr(clock, "today", lambda: date(2026, 12, 31))
    assert 'data-testid="appeal-form"' in client.get("/cong-dan/ho-so").text
    _after_midnight(monkeypatch, client)
    sent = client.post("/cong-dan/ho-so/khieu-nai-lan-hai",
                       data={"reason": REASON, "confirm": "y"})
    assert sent.status_code == 422
    doc = _doc(sent)
    summary = _text(sent, "error-summary")
    assert "đã hết ngày 31/12/2026" in summary, summary
    kept = doc.xpath('//textarea[@id="reason"]')
    assert kept and kept[0].text_content().strip() == REASON
    assert kept[0].get("readonly") is not None
    # The summary links to the text, whose message is beside it; no form to send.
    assert doc.xpath('//*[@data-testid="error-summary"]//a[@href="#reason"]')
    assert "đã hết ngày 31/12/2026" in " ".join(doc.xpath('//*[@id="reason-error"]//text()'))
    assert not doc.xpath('//*[@data-testid="appeal-form"]')
    assert db.session.scalar(select(Case.id).where(Case.parent_case_id == case.id)) is None


def test_a_refused_second_complaint_in_english(client, decided, monkeypatch):  # noqa: F811
    decided()
    client.get("/lang/en")
    _after_midnight(monkeypatch, client)
    sent = client.post("/cong-dan/ho-so/khieu-nai-lan-hai", data={"reason": REASON})
    assert sent.status_code == 422
    summary = _text(sent, "error-summary")
    assert "31/12/2026" in summary and "Thời hạn" not in summary, summary
    assert REASON in sent.get_data(as_text=True)


def test_a_refused_rating_says_why_and_keeps_the_comment(client, decided, monkeypatch):  # noqa: F811
    """The same for a rating sent when the case can no longer be rated (no result)."""
    case = decided()
    monkeypatch.setattr(public, "RESOLVED_STATUSES", frozenset())
    sent = client.post("/cong-dan/ho-so/danh-gia",
                       data={"rating_result": "2", "rating_service": "3",
                             "comment": "Cán bộ trả lời chậm"})
    assert sent.status_code == 422
    assert "Chỉ đánh giá được sau khi có kết quả giải quyết" in _text(sent, "error-summary")
    kept = _doc(sent).xpath('//textarea[@id="comment"]')
    assert kept and kept[0].text_content().strip() == "Cán bộ trả lời chậm"
    assert kept[0].get("readonly") is not None
    assert public.feedback_of(case) is None
