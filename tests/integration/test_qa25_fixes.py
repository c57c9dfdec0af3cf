"""QA round 25: pages and forms checked against docs/ux (shared ux.md), role by role."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from complaints.extensions import db
from tests.conftest import NOW
from tests.factories import PASSWORD

pytestmark = pytest.mark.usefixtures("fixed_clock")


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_admin_users_page_past_the_end_does_not_claim_there_are_no_users(
        client, login, make_user):
    """ux.md 'Lists' / empty states: a page past the end of the user list says the list has
    N accounts and links back to page 1 (as agencies, policies and routing rules do).
    /admin/users?page=99 says "Chưa có người dùng nào." (no users yet) while the list holds
    accounts — a false empty state. Fault: templates/admin/users.html (no past-end branch)."""
    admin = make_user("admin")
    for _ in range(3):
        make_user("reception")
    login(admin)
    html = _text(client.get("/admin/users?page=99"))
    assert "Chưa có người dùng nào" not in html
    assert 'data-testid="past-end"' in html


def test_public_lookup_with_empty_fields_shows_an_error_summary(client):
    """ux.md 'Forms': on error, an error summary at the top linking to each field, and the
    message next to the field. The citizens' look-up form sent empty shows messages next to
    the fields but no error summary (the submission form has one). Fault:
    templates/public/lookup.html does not call error_summary(form)."""
    response = client.post("/cong-dan/tra-cuu", data={"tracking_code": "", "secret": ""})
    html = _text(response)
    assert 'data-testid="error-summary"' in html
    assert 'href="#tracking_code"' in html and 'href="#secret"' in html


def test_two_factor_enrolment_wrong_code_is_said_next_to_the_field(client, login, make_user):
    """ux.md 'Forms': the message next to the field, linked from a summary; every input has
    a label and an error. A wrong 6-digit code at /account/2fa shows a lone alert above
    the instructions; the code field is marked red (is-invalid) but has no message next to
    it, no aria-invalid / aria-describedby, and no summary link to #code. Fault:
    templates/auth/two_factor.html."""
    user = make_user("reception")
    login(user)
    html = _text(client.post("/account/2fa", data={"password": PASSWORD, "code": "000000"}))
    field = re.search(r'<input[^>]*id="code"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in field
    assert 'aria-describedby="code-error"' in field or "code-error" in field
    assert 'href="#code"' in html


@pytest.fixture
def routed_world(make_agency, make_user, make_case):
    from datetime import date

    from complaints.services import workflow

    province = make_agency(code="P", level="province", name="UBND tỉnh")
    dept = make_agency(code="A", parent=province, name="Sở A")
    inspectorate = make_agency(code="TTT", parent=province, name="Thanh tra tỉnh",
                               is_inspectorate=True)
    desk = make_agency(code="DESK", parent=province, is_reception_desk=True)
    officer = make_user("reception", agency=desk)
    case = make_case(officer, received_on=date(2026, 11, 2))
    workflow.route(case, "A", None, NOW, NOW.date(), decided_on=date(2026, 11, 2))
    head = make_user("agency_head", agency=dept)
    db.session.commit()
    return {"case": case, "head": head, "dept": dept, "officer": officer,
            "inspector": make_user("inspector", agency=inspectorate)}


def test_inspector_case_page_offers_no_lead_designation_that_must_fail(
        client, login, routed_world):
    """ux.md 'The case page': the actions this user may take now — only those, never a
    button that ends in a refusal. On a suspended case (tạm đình chỉ) the inspector's page
    still shows "Chỉ định cơ quan chủ trì" and "Thanh tra trực tiếp thụ lý" forms; filled in
    and confirmed, both always answer "Hồ sơ ở trạng thái này không chỉ định được cơ quan
    chủ trì" (the designate_lead transition only leaves received/routed/returned/accepted).
    The same holds for a resolved case. Fault: templates/inspection/case.html shows every
    action for any status not in FINAL_STATUSES (case_final in
    complaints/web/inspection/cases.py) instead of asking the state machine."""
    from complaints.services import workflow

    case, head = routed_world["case"], routed_world["head"]
    workflow.accept(case, head, NOW, NOW.date())
    workflow.suspend(case, "Chờ kết quả giám định", head, NOW, NOW.date())
    db.session.commit()
    login(routed_world["inspector"])
    page = _text(client.get(f"/inspection/cases/{case.tracking_code}"))
    offered = 'data-testid="act-take_up"' in page
    if offered:  # what the offered button does
        answer = client.post(f"/inspection/cases/{case.tracking_code}/act/take_up",
                             data={"take_up-note": "Thanh tra thụ lý trực tiếp",
                                   "take_up-confirm": "y"})
        assert "không chỉ định được" not in _text(answer), \
            "the take-up form is offered but can only be refused"
    assert not offered


def test_a_near_deadline_shows_its_weekday(client, login, routed_world, make_case):
    """ux.md 'Deadlines': dates in Vietnamese pages are dd/mm/yyyy; weekday names where a
    date is near. A handling or acceptance deadline a few days away is shown as a bare
    "08/12/2026" on the case pages (reception, agency) — no "Thứ Hai" beside it, anywhere in
    the app (no template or filter produces a weekday name). Fault: the `vndate` filter
    (complaints/web/__init__.py) and templates/case/_deadlines.html,
    templates/reception/case.html."""
    from datetime import date

    from complaints.services import workflow

    case = make_case(routed_world["officer"], received_on=date(2026, 11, 26))
    workflow.route(case, "A", None, NOW, NOW.date(), decided_on=date(2026, 11, 27))
    db.session.commit()
    due = case.deadline("acceptance").due_on
    assert 0 <= (due - NOW.date()).days <= 7, due  # near
    login(routed_world["head"])
    html = _text(client.get(f"/agency/cases/{case.tracking_code}"))
    assert due.strftime("%d/%m/%Y") in html
    weekday = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy",
               "Chủ nhật"][due.weekday()]
    assert weekday.lower() in html.lower()


def test_error_pages_have_a_title_that_says_what_happened(client, login, make_user):
    """Broken page titles: the 404/403 pages are titled with the bare number ("404"), the
    only page of the app whose <title> has no words — a tab or a screen reader announces
    "404". Expected e.g. "Không tìm thấy trang (lỗi 404)" / "Page not found (error 404)".
    Fault: templates/errors/error.html ({% block title %}{{ status }}{% endblock %})."""
    html = _text(client.get("/khong-co-trang-nay"))
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()
    assert re.search(r"[A-Za-zÀ-ỹ]", title), title
    login(make_user("reception"))
    html = _text(client.get("/admin/users"))
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()
    assert re.search(r"[A-Za-zÀ-ỹ]", title), title


def test_inbox_says_how_many_notices_there_are_and_pages_through_them(
        client, login, make_user):
    """ux.md 'Lists': pagination with a total. The inbox shows the unread notices and then
    at most 100 read ones, with no total, no pager and no hint that older notices exist: a
    head with 130 notices sees 100 and can never reach the other 30 (the 30 oldest are
    simply missing). Fault: complaints/services/notifications.py inbox(limit=100) and
    complaints/web/inbox/routes.py inbox() / templates/inbox/inbox.html (no pagination,
    no total)."""
    from complaints.services import notifications

    user = make_user("agency_head")
    for i in range(130):
        notifications.queue(f"probe:{i}", f"Thông báo số {i:03d}", "Nội dung", NOW
                            + timedelta(minutes=i), user=user, email=False)
    db.session.flush()
    notifications.mark_read(user, NOW + timedelta(days=1))
    db.session.commit()
    login(user)
    html = _text(client.get("/inbox"))
    shown = re.findall(r"Thông báo số (\d{3})", html)
    assert "130" in re.sub(r"Thông báo số \d{3}", "", html), "no total of the notices"
    assert len(shown) == 130 or 'aria-label="Phân trang"' in html, \
        f"{len(shown)} of 130 shown and no pager"


def test_personal_data_search_past_the_end_is_not_a_blank_table(client, login, make_user,
                                                                 make_case):
    """ux.md: an empty list says so in words — never a blank table. The administrators'
    personal-data search at a page past the end (e.g. a bookmarked ?page=5 after records
    were anonymised) prints "Tìm thấy 1 người." above a table with headers and no rows, and
    no link back to page 1 (the other admin lists say "Trang này không có … Về trang
    đầu"). Fault: templates/admin/personal_data.html tests page.total, not page.items."""
    make_case()
    admin = make_user("admin")
    login(admin)
    html = _text(client.get("/admin/personal-data?q=Nguyễn&page=5"))
    assert 'data-testid="total"' in html  # the search matched
    body = re.search(r'<table[^>]*data-testid="petitioners".*?</table>', html, re.S)
    assert body is None or "<td>" in body.group(0), "a table with headers and no rows"
