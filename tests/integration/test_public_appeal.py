"""Citizens' side of a first-round decision: the second complaint (khiếu nại lần hai) and
how the page names agencies and the law (QA round 3)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from complaints.domain.policies import source_in_english
from complaints.extensions import db
from complaints.models import Case
from complaints.services import public, workflow
from complaints.services.errors import ValidationFailed
from tests.conftest import NOW, TODAY
from tests.integration.test_public import _lookup, receipt, submit

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY

WARD_VI, WARD_EN = "Ủy ban nhân dân phường Kiến An", "Kien An Ward People's Committee"
CITY_VI, CITY_EN = "Ủy ban nhân dân thành phố Hải Phòng", "Hai Phong City People's Committee"


@pytest.fixture
def decided(client, make_agency, make_user):
    """decided(outcome=…, remote=…): a citizen's online complaint decided in the first round
    by a ward whose parent is the city, opened on the citizen's device; returns the case."""
    make_agency(code="BTCD", name="Ban Tiếp công dân tỉnh")

    def make(outcome: str = "wrong", remote: bool = False, by_city: bool = False) -> Case:
        city = make_agency(code="UBND-HP", name=CITY_VI, level="province")
        city.name_en = CITY_EN
        ward = make_agency(code="UBND-KA", name=WARD_VI, level="commune", parent=city)
        ward.name_en = WARD_EN
        resolver = city if by_city else ward
        head = make_user("agency_head", agency=resolver)
        code, pin = receipt(submit(client).text)
        case = db.session.scalar(select(Case).where(Case.tracking_code == code))
        case.is_remote = remote
        workflow.route(case, resolver.code, None, NOW, TODAY)
        workflow.accept(case, head, NOW, TODAY, decided_on=TODAY)
        workflow.resolve(case, outcome, "45/QĐ-UBND", "Giữ nguyên quyết định.", head, NOW,
                         TODAY, decided_on=TODAY)
        db.session.commit()
        _lookup(client, code, pin)
        return case

    return make


def _second_complaints(case: Case) -> int:
    return db.session.scalar(select(func.count(Case.id)).where(Case.parent_case_id == case.id))


def _appeal(client):
    return client.post("/cong-dan/ho-so/khieu-nai-lan-hai",
                       data={"reason": "Quyết định chưa xem xét giấy tờ.", "confirm": "y"})


# --- A second complaint whatever the rating (Law on Complaints Art. 7(1), 33) ------------

def test_a_second_complaint_is_offered_before_any_rating(client, decided):
    # Found by QA: before rating there was only a sentence, no form.
    case = decided()
    assert public.feedback_of(case) is None
    assert public.second_complaint_offered(case, TODAY) is not None
    html = client.get("/cong-dan/ho-so").text
    assert 'data-testid="feedback-form"' in html  # the rating is still asked for …
    assert 'data-testid="appeal-form"' in html  # … and the form is there without it
    assert _appeal(client).status_code == 302
    assert _second_complaints(case) == 1


@pytest.mark.parametrize("rating", [3, 5])
def test_rating_the_result_does_not_take_the_right_away(client, decided, rating):
    # Found by QA: after "3 — Neutral" the offer disappeared for good.
    case = decided()
    client.post("/cong-dan/ho-so/danh-gia", data={"rating_result": str(rating),
                                                  "rating_service": "4"})
    assert public.feedback_of(case).rating_result == rating
    assert public.second_complaint_offered(case, TODAY) is not None
    html = client.get("/cong-dan/ho-so").text
    assert 'data-testid="feedback-done"' in html and 'data-testid="appeal-form"' in html
    assert _appeal(client).status_code == 302
    assert _second_complaints(case) == 1


def test_with_no_agency_above_in_the_system_the_right_is_still_stated(client, decided):
    # The city has no parent here: no online form, but the sentence stays after a rating
    # (found by QA: it disappeared for good once the result was rated 3).
    case = decided(by_city=True)
    sentence = "Nếu không đồng ý với quyết định, bạn có thể khiếu nại lần hai trước hết ngày"
    assert public.second_complaint_offered(case, TODAY) is None
    assert sentence in client.get("/cong-dan/ho-so").text
    client.post("/cong-dan/ho-so/danh-gia", data={"rating_result": "3", "rating_service": "3"})
    html = client.get("/cong-dan/ho-so").text
    assert 'data-testid="feedback-done"' in html
    assert sentence in html and "31/12/2026" in html
    assert 'data-testid="appeal-form"' not in html


def test_a_complaint_withdrawn_after_explanation_has_no_second_round(client, decided):
    # Found by QA: "Rút đơn sau giải thích" was offered, and accepted, a second complaint.
    case = decided(outcome="withdrawn_after_explanation")
    assert public.appeal_window(case) is None
    assert public.second_complaint_offered(case, TODAY) is None
    html = client.get("/cong-dan/ho-so").text
    for offer in ('data-testid="appeal-offer"', 'data-testid="appeal-form"',
                  "khiếu nại lần hai trước hết ngày", 'data-testid="appeal-window-past"'):
        assert offer not in html, offer
    assert _appeal(client).status_code == 422
    with pytest.raises(ValidationFailed):
        public.open_second_complaint(case, "Lý do", "BTCD", NOW, TODAY)
    assert _second_complaints(case) == 0


# --- Agencies and the law in the reader's language --------------------------------------

def test_the_english_case_page_names_agencies_in_english(client, decided):
    # Found by QA: "Resolving agency: Ủy ban nhân dân phường Kiến An", "Sent to Ủy ban…",
    # while the appeal text on the same page named the city in English.
    decided()
    client.get("/lang/en?next=/")
    html = client.get("/cong-dan/ho-so").text.replace("&#39;", "'")
    assert f'Resolving agency</dt><dd class="col-7" data-testid="case-agency">{WARD_EN}<' \
        in html
    assert f"Sent to {WARD_EN}" in html and CITY_EN in html
    assert WARD_VI not in html and CITY_VI not in html
    # The receipt of the second complaint names the city in English too.
    _appeal(client)
    done = client.get("/cong-dan/da-gui").text.replace("&#39;", "'")
    assert CITY_EN in done and CITY_VI not in done


def test_the_vietnamese_page_keeps_vietnamese_names(client, decided):
    decided()
    html = client.get("/cong-dan/ho-so").text
    assert f'data-testid="case-agency">{WARD_VI}<' in html
    assert f"Đã chuyển đến {WARD_VI}" in html and CITY_VI in html
    assert WARD_EN.replace("'", "&#39;") not in html


@pytest.mark.parametrize(("remote", "days", "source"), [
    (False, 30, "Luật Khiếu nại 2011, Điều 33"),
    (True, 45, "Luật Khiếu nại 2011, Điều 33, áp dụng cho vùng sâu, vùng xa"),
])
def test_the_appeal_deadline_says_its_source_once(client, decided, remote, days, source):
    # Found by QA: "30 ngày kể từ ngày nhận quyết định giải quyết lần đầu (Luật Khiếu nại
    # 2011, Điều 33 (30 ngày kể từ ngày nhận quyết định giải quyết lần đầu))".
    decided(remote=remote)
    html = client.get("/cong-dan/ho-so").text
    assert f"{days} ngày kể từ ngày nhận quyết định giải quyết lần đầu ({source})." in html
    assert html.count("kể từ ngày nhận quyết định giải quyết lần đầu") == 1
    client.get("/lang/en?next=/")
    html = client.get("/cong-dan/ho-so").text
    english = source_in_english(source)
    assert english.startswith("Law on Complaints 2011, Art. 33")
    assert f"{days} days from receipt of the first-instance decision ({english})." in html
    assert "Luật Khiếu nại" not in html and "ngày kể từ" not in html


def test_every_appeal_window_source_names_the_article_in_both_languages():
    for row in public.APPEAL_WINDOW.values():
        assert "Điều 33" in row["source"] and "Art. 33" in source_in_english(row["source"])
        # The page says the days and what they run from; the source must not repeat it.
        assert "ngày" not in row["source"]


def test_the_window_ending_on_a_day_off_runs_to_the_next_working_day(decided):
    # Found by a QA pass: a decision of 20/11/2026 gave "by 20/12/2026", a Sunday.
    from datetime import date

    case = decided()
    case.decision_on = date(2026, 11, 20)
    assert public.appeal_window(case).last_day == date(2026, 12, 21)


def test_a_suspended_case_promises_no_date_to_the_citizen(client, decided):
    # Found by a QA pass: "paused", then "must answer by … working days left: 22".
    # (`decided` is only asked for the online desk it sets up.)
    code, pin = receipt(submit(client).text)
    case = db.session.scalar(select(Case).where(Case.tracking_code == code))
    record = public.public_record(case, TODAY)
    assert any(d.days_left is not None for d in record.deadlines)
    case.status = "suspended"
    db.session.commit()
    assert all(d.days_left is None for d in public.public_record(case, TODAY).deadlines)
    _lookup(client, code, pin)
    page = client.get("/cong-dan/ho-so").get_data(as_text=True)
    assert "phải trả lời chậm nhất" not in page and "Còn " not in page


# --- The other ground: the first round not resolved in time (Art. 33(1)) ----------------

@pytest.fixture
def unanswered(client, decided, make_agency, make_user):
    """A citizen's online complaint accepted by a ward (parent: the city) on TODAY and never
    decided, opened on the citizen's device; returns (case, its resolution due date)."""
    city = make_agency(code="UBND-HP", name=CITY_VI, level="province")
    city.name_en = CITY_EN
    ward = make_agency(code="UBND-KA", name=WARD_VI, level="commune", parent=city)
    ward.name_en = WARD_EN
    head = make_user("agency_head", agency=ward)
    code, pin = receipt(submit(client).text)
    case = db.session.scalar(select(Case).where(Case.tracking_code == code))
    workflow.route(case, ward.code, None, NOW, TODAY)
    workflow.accept(case, head, NOW, TODAY, decided_on=TODAY)
    db.session.commit()
    _lookup(client, code, pin)
    return case, case.deadline("resolution").due_on


def _on(monkeypatch, day, client=None):
    """The clock on `day`; with `client`, the citizen's opened case still in use then (idle
    SESSION_IDLE_MINUTES, it would close)."""
    from datetime import datetime, time, timezone

    from complaints import clock
    from complaints.web.public.routes import CASE_SEEN_KEY

    monkeypatch.setattr(clock, "today", lambda: day)
    monkeypatch.setattr(clock, "now",
                        lambda: datetime.combine(day, time(3, 0), tzinfo=timezone.utc))
    if client is not None:
        with client.session_transaction() as state:
            state[CASE_SEEN_KEY] = clock.now().timestamp()


def test_a_complaint_not_resolved_in_time_opens_the_second_round(unanswered):
    from datetime import timedelta

    from complaints.domain.deadlines import CALENDAR, compute_due
    from complaints.services.calendar import get_calendar

    case, due = unanswered
    assert public.second_complaint_offered(case, due) is None  # still within its deadline
    window = public.second_complaint_offered(case, due + timedelta(days=1))
    assert window is not None and window.ground == public.UNANSWERED
    assert window.first_due == due and window.next_agency.code == "UBND-HP"
    assert window.last_day == compute_due(get_calendar(), due, 30, CALENDAR)
    assert public.second_complaint_offered(case, window.last_day) is not None
    assert public.second_complaint_offered(case, window.last_day + timedelta(days=1)) is None


def test_a_suspended_first_round_is_not_late(unanswered):
    from datetime import timedelta

    case, due = unanswered
    case.status = "suspended"  # its clock is paused: the deadline has not passed
    assert public.appeal_window(case) is None
    assert public.second_complaint_offered(case, due + timedelta(days=1)) is None


def test_the_citizen_is_told_ahead_then_files_the_second_complaint(client, unanswered,
                                                                   monkeypatch):
    from datetime import timedelta

    case, due = unanswered
    html = client.get("/cong-dan/ho-so").text
    assert 'data-testid="appeal-window-ahead"' in html and 'appeal-form' not in html
    assert f"Nếu đến hết ngày {due:%d/%m/%Y} khiếu nại chưa được giải quyết" in html

    _on(monkeypatch, due + timedelta(days=1), client)
    html = client.get("/cong-dan/ho-so").text
    assert "Khiếu nại chưa được giải quyết đúng hạn?" in html
    assert f"đã hết ngày {due:%d/%m/%Y} mà chưa có quyết định" in html
    assert "Nội dung khiếu nại lần hai" in html  # nothing to "disagree with"
    assert "không đồng ý với quyết định" not in html
    empty = client.post("/cong-dan/ho-so/khieu-nai-lan-hai", data={"confirm": "y"})
    assert empty.status_code == 422 and "Nêu nội dung khiếu nại lần hai." in empty.text
    assert _appeal(client).status_code == 302
    second = db.session.scalar(select(Case).where(Case.parent_case_id == case.id))
    assert second.complaint_round == 2 and second.agency.code == "UBND-HP"
    html = client.get("/cong-dan/ho-so").text
    assert 'data-testid="second-complaint"' in html and 'appeal-form' not in html


def test_the_routing_reason_names_the_ground_in_both_languages(client, unanswered,
                                                               monkeypatch):
    from datetime import timedelta

    from complaints.models import AuditEvent
    from complaints.services.case_view import event_details

    case, due = unanswered
    _on(monkeypatch, due + timedelta(days=1), client)
    assert _appeal(client).status_code == 302
    second = db.session.scalar(select(Case).where(Case.parent_case_id == case.id))
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.case_id == second.id, AuditEvent.action == "routed"))
    vi = dict(event_details("routed", event.data, "vi"))
    en = dict(event_details("routed", event.data, "en"))
    assert (f"{WARD_VI} chưa giải quyết khiếu nại lần đầu trong thời hạn "
            f"(hết ngày {due:%d/%m/%Y})") in " ".join(vi.values())
    assert (f"Second complaint: {WARD_EN} did not resolve the first complaint in time "
            f"(deadline {due:%d/%m/%Y})") in " ".join(en.values())


def test_the_english_page_words_the_late_ground(client, unanswered, monkeypatch):
    from datetime import timedelta

    case, due = unanswered
    _on(monkeypatch, due + timedelta(days=1), client)
    client.get("/lang/en?next=/")
    html = client.get("/cong-dan/ho-so").text
    assert "Complaint not resolved in time?" in html
    assert "days from the end of the first-instance resolution period" in html
    assert "Hai Phong City People&#39;s Committee" in html and "Luật Khiếu nại" not in html


def test_a_second_complaint_by_someone_else_is_not_called_theirs(client, decided, make_case):
    """QA 117 J4: the desk logged a second complaint lodged by another person and linked
    it: the first complainant's page said "you filed it" and gave that person's code."""
    case = decided()
    other = make_case(complaint_round=2, parent_tracking_code=case.tracking_code.lower(),
                      received_on=TODAY)
    db.session.commit()
    assert other.parent_case_id == case.id and not public.signed_by_them(other, case)
    html = client.get("/cong-dan/ho-so").text
    assert 'data-testid="second-complaint"' in html
    assert "do người khác gửi" in html and other.tracking_code not in html
    assert "Bạn đã gửi khiếu nại lần hai" not in html
    sent = client.post("/cong-dan/ho-so/khieu-nai-lan-hai",
                       data={"reason": "Quyết định chưa xem xét giấy tờ.", "confirm": "y"},
                       follow_redirects=True)
    assert "do người khác gửi" in sent.text and other.tracking_code not in sent.text


def test_their_own_second_complaint_logged_at_the_desk_is_theirs(client, decided, make_case):
    """The same people (one ID number) standing behind the desk's second complaint: theirs."""
    from complaints.services import intake

    case = decided()
    first = case.petitions[0].signers[0].petitioner
    data = intake.CaseData(
        kind="complaint", field_code=case.field.code, subject="Khiếu nại lần hai",
        content="Không đồng ý.", locality_code=case.locality_code, complaint_round=2,
        parent_tracking_code=case.tracking_code,
        petition=intake.PetitionData(channel="walk_in", received_on=TODAY, petitioners=[
            intake.PetitionerData(full_name=first.full_name, id_number=first.id_number,
                                  phone=first.phone, address="Số 9 Lạch Tray, Hải Phòng")]))
    second, _pin = intake.receive_case(data, None, NOW, TODAY)
    db.session.commit()
    assert public.signed_by_them(second, case)
    html = client.get("/cong-dan/ho-so").text
    assert "Bạn đã gửi khiếu nại lần hai" in html and second.tracking_code in html
