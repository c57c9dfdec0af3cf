"""QA round 86 (the administrator's first day): the fixes, through the admin pages.

QA86-01 the online desk cannot be closed; 02 an account of a closed agency keeps it; 03 a
stale agency or account form is refused; 04 the calendar pages; 05 rules to a closed
agency are marked; 06 a taken code is reported in the first round.
"""

from __future__ import annotations

import html as html_lib
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Agency, CalendarOverride, RoutingRule, User

pytestmark = pytest.mark.usefixtures("fixed_clock")

PW = "a-Very-long-pass-1"


def summary(response) -> str:
    """The error summary's text ("" when the page has none)."""
    page = response.get_data(as_text=True)
    at = page.find("error-summary")
    return re.sub(r"\s+", " ", re.sub("<[^>]+>", " ", page[at:at + 1500])) if at >= 0 else ""


def text_of(response) -> str:
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub("<[^>]+>", " ",
                                                        response.get_data(as_text=True))))


def browser_form(page: str) -> dict:
    """What a browser sends from the page's main form as rendered (checked boxes, the
    selected option or the first one, hidden inputs)."""
    form = max(re.findall(r'<form method="post".*?</form>', page, re.S), key=len)
    data: dict[str, str] = {}
    for m in re.finditer(r"<input([^>]*)>", form):
        attrs = m.group(1)
        name = re.search(r'name="([^"]+)"', attrs)
        if not name:
            continue
        kind = re.search(r'type="([^"]+)"', attrs).group(1)
        value = re.search(r'value="([^"]*)"', attrs)
        value = html_lib.unescape(value.group(1)) if value else ""
        if kind == "checkbox":
            if re.search(r"\schecked[\s>=]|\schecked$", attrs):
                data[name.group(1)] = value
        else:
            data[name.group(1)] = value
    for m in re.finditer(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        options = re.findall(r'<option([^>]*)value="([^"]*)"', m.group(2))
        chosen = [v for attrs, v in options if "selected" in attrs]
        data[m.group(1)] = html_lib.unescape(chosen[0] if chosen else options[0][1])
    for m in re.finditer(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        data[m.group(1)] = html_lib.unescape(m.group(2).removeprefix("\n"))
    return data


def _agency(code: str) -> Agency:
    return db.session.scalar(select(Agency).where(Agency.code == code))


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


@pytest.fixture
def province(client, make_user, login, make_locality):
    """The admin's first morning, through the admin pages: the agency tree (the online desk
    BTCD among them), three accounts, a field and a routing rule to SO-TNMT."""
    admin = make_user("admin", username="quantri")
    make_locality("31", level="province")
    make_locality("11311")
    login(admin)

    def post(path, data):
        response = client.post(path, data=data)
        assert response.status_code == 302, (path, summary(response))

    post("/admin/agencies/new", {"code": "UBND-HP", "name": "UBND thành phố",
                                 "level": "province", "active": "y"})
    post("/admin/agencies/new", {"code": "SO-TNMT", "name": "Sở Tài nguyên và Môi trường",
                                 "level": "department", "parent_code": "UBND-HP",
                                 "locality_codes": "31", "active": "y"})
    post("/admin/agencies/new", {"code": "BTCD", "name": "Ban Tiếp công dân",
                                 "level": "other", "parent_code": "UBND-HP",
                                 "is_reception_desk": "y", "active": "y"})
    post("/admin/agencies/new", {"code": "TTR-HP", "name": "Thanh tra thành phố",
                                 "level": "inspectorate", "parent_code": "UBND-HP",
                                 "is_inspectorate": "y", "active": "y"})
    post("/admin/users/new", {"username": "head_tnmt", "full_name": "Trưởng Sở",
                              "role": "agency_head", "agency_code": "SO-TNMT", "password": PW})
    post("/admin/users/new", {"username": "recv", "full_name": "Cán bộ tiếp nhận",
                              "role": "reception", "agency_code": "BTCD", "password": PW})
    post("/admin/users/new", {"username": "insp", "full_name": "Thanh tra viên",
                              "role": "inspector", "agency_code": "TTR-HP", "password": PW})
    post("/admin/fields/new", {"code": "khoang-san", "name_vi": "Khoáng sản",
                               "name_en": "Minerals", "report_category": "admin_other"})
    post("/admin/routing-rules/new", {"agency_code": "SO-TNMT", "field_code": "khoang-san",
                                      "priority": "5", "note": "Khoáng sản → Sở"})
    return admin


def _lock(client, username: str) -> None:
    assert client.post(f"/admin/users/{_user(username).id}/deactivate",
                       data={"reason": "Chuyển công tác"}).status_code == 302


def _close(client, code: str, reason: str = "QĐ 21/QĐ-UBND giải thể"):
    agency = _agency(code)
    form = browser_form(client.get(f"/admin/agencies/{agency.id}/edit").get_data(as_text=True))
    form.pop("active")
    form["reason"] = reason
    return client.post(f"/admin/agencies/{agency.id}/edit", data=form)


# --- QA86-01: the online reception desk ----------------------------------------------


def test_closing_the_online_desk_is_refused_naming_the_setting(client, province, app):
    assert app.config["ONLINE_RECEPTION_AGENCY_CODE"] == "BTCD"
    _lock(client, "recv")  # no case, no account: only the setting holds it open
    closed = _close(client, "BTCD", "QĐ 15/QĐ-UBND sáp nhập Ban Tiếp công dân")
    assert closed.status_code == 422
    assert "ONLINE_RECEPTION_AGENCY_CODE" in summary(closed)
    assert 'name="reason"' in closed.get_data(as_text=True)
    assert "QĐ 15/QĐ-UBND sáp nhập" in closed.get_data(as_text=True)  # what was typed
    db.session.expire_all()
    assert _agency("BTCD").active

    client.get("/logout")  # the citizens' form still reaches the desk
    sent = client.post("/cong-dan/gui-don", data={
        "kind": "complaint", "field": "land", "locality_code": "", "subject": "Thu hồi đất",
        "content": "Đề nghị xem xét quyết định thu hồi đất.",
        "full_name": "Trần Thị Bích Ngọc", "phone": "0912345678", "email": "ngoc@example.vn",
        "address": "12 Lê Lợi", "id_number": "031234567890", "consent": "y", "website": ""})
    assert sent.status_code != 503


def test_the_online_desk_stays_a_desk_and_keeps_its_code(client, province):
    desk = _agency("BTCD")
    form = browser_form(client.get(f"/admin/agencies/{desk.id}/edit").get_data(as_text=True))
    answer = client.post(f"/admin/agencies/{desk.id}/edit",
                         data={k: v for k, v in form.items() if k != "is_reception_desk"})
    assert answer.status_code == 422 and "ONLINE_RECEPTION_AGENCY_CODE" in summary(answer)
    answer = client.post(f"/admin/agencies/{desk.id}/edit", data=dict(form, code="BTCD-2"))
    assert answer.status_code == 422 and "ONLINE_RECEPTION_AGENCY_CODE" in summary(answer)


def test_another_desk_closes_as_before(client, province, app):
    app.config["ONLINE_RECEPTION_AGENCY_CODE"] = "OTHER"
    _lock(client, "recv")
    assert _close(client, "BTCD").status_code == 302


# --- QA86-02: an account of a closed agency ----------------------------------------


def test_an_inspector_of_a_closed_inspectorate_keeps_it_on_an_email_fix(client, province):
    insp = _user("insp")
    _lock(client, "insp")
    ttr_id = _agency("TTR-HP").id
    assert _close(client, "TTR-HP", "QĐ 20/QĐ-UBND tạm ngừng").status_code == 302
    page = client.get(f"/admin/users/{insp.id}/edit").get_data(as_text=True)
    assert re.search(r'<option selected value="TTR-HP">[^<]*\(ngừng hoạt động\)', page) or \
        re.search(r'<option value="TTR-HP" selected>[^<]*\(ngừng hoạt động\)', page), page
    form = browser_form(page)
    assert form["agency_code"] == "TTR-HP"
    form["email"] = "ttv@thanhtra.haiphong.gov.vn"
    saved = client.post(f"/admin/users/{insp.id}/edit", data=form)
    assert saved.status_code == 302, summary(saved)
    db.session.expire_all()
    assert db.session.get(User, insp.id).agency_id == ttr_id


def test_an_agency_head_of_a_closed_agency_can_have_a_name_fixed(client, province):
    head = _user("head_tnmt")
    _lock(client, "head_tnmt")
    assert _close(client, "SO-TNMT").status_code == 302
    form = browser_form(client.get(f"/admin/users/{head.id}/edit").get_data(as_text=True))
    form["full_name"] = "Nguyễn Văn Trưởng"
    saved = client.post(f"/admin/users/{head.id}/edit", data=form)
    assert saved.status_code == 302, summary(saved)


def test_a_move_to_a_closed_agency_is_still_refused(client, province):
    _lock(client, "head_tnmt")
    assert _close(client, "SO-TNMT").status_code == 302
    insp = _user("insp")
    form = browser_form(client.get(f"/admin/users/{insp.id}/edit").get_data(as_text=True))
    assert 'value="SO-TNMT"' not in client.get(f"/admin/users/{insp.id}/edit").get_data(
        as_text=True)
    answer = client.post(f"/admin/users/{insp.id}/edit",
                         data=dict(form, role="agency_head", agency_code="SO-TNMT"))
    assert answer.status_code == 422 and "ngừng hoạt động" in summary(answer)


# --- QA86-03: stale edit forms -----------------------------------------------------


def test_a_stale_agency_form_is_refused_keeping_what_was_typed(client, province):
    so = _agency("SO-TNMT")
    stale = browser_form(client.get(f"/admin/agencies/{so.id}/edit").get_data(as_text=True))
    assert stale["seen"]
    assert client.post(f"/admin/agencies/{so.id}/edit",
                       data=dict(stale, locality_codes="31, 11311")).status_code == 302
    stale["name"] = "Sở Tài nguyên và Môi trường thành phố"
    answer = client.post(f"/admin/agencies/{so.id}/edit", data=stale)
    assert answer.status_code == 422
    assert "Cơ quan này vừa được sửa (ở một trang khác hoặc bởi người khác)" in summary(answer)
    page = text_of(answer)
    assert "Sở Tài nguyên và Môi trường thành phố" in answer.get_data(as_text=True)
    assert "Hiện tại: 11311, 31" in page  # what the other admin saved, beside the field
    db.session.expire_all()
    agency = db.session.get(Agency, so.id)
    assert sorted(loc.code for loc in agency.localities) == ["11311", "31"]
    assert agency.name == "Sở Tài nguyên và Môi trường"

    # Seen now: the admin may save deliberately.
    again = browser_form(answer.get_data(as_text=True))
    again["locality_codes"] = "31, 11311"
    assert client.post(f"/admin/agencies/{so.id}/edit", data=again).status_code == 302
    db.session.expire_all()
    assert db.session.get(Agency, so.id).name == "Sở Tài nguyên và Môi trường thành phố"


def test_a_stale_account_form_does_not_move_the_user_back(client, province, make_agency):
    make_agency(code="SO-XD", name="Sở Xây dựng", parent=_agency("UBND-HP"))
    db.session.commit()
    head = _user("head_tnmt")
    stale = browser_form(client.get(f"/admin/users/{head.id}/edit").get_data(as_text=True))
    assert client.post(f"/admin/users/{head.id}/edit",
                       data=dict(stale, agency_code="SO-XD")).status_code == 302
    stale["email"] = "truong@tnmt.haiphong.gov.vn"
    answer = client.post(f"/admin/users/{head.id}/edit", data=stale)
    assert answer.status_code == 422
    assert "Tài khoản này vừa được sửa (ở một trang khác hoặc bởi người khác)" in summary(answer)
    assert 'value="truong@tnmt.haiphong.gov.vn"' in answer.get_data(as_text=True)
    assert "Hiện tại: Sở Xây dựng" in text_of(answer)
    db.session.expire_all()
    user = db.session.get(User, head.id)
    assert user.agency.code == "SO-XD" and user.email is None


def test_a_fresh_form_saves(client, province):
    head = _user("head_tnmt")
    form = browser_form(client.get(f"/admin/users/{head.id}/edit").get_data(as_text=True))
    assert client.post(f"/admin/users/{head.id}/edit",
                       data=dict(form, full_name="Trưởng Sở TNMT")).status_code == 302


# --- QA86-04: the calendar pages ---------------------------------------------------


def test_the_calendar_pages_with_a_total(client, province):
    for i in range(65):
        db.session.add(CalendarOverride(day=date(2027, 1, 4) + timedelta(days=7 * i),
                                        kind="day_off", description=f"Hoán đổi số {i}"))
    db.session.commit()
    first = client.get("/admin/calendar").get_data(as_text=True)
    assert first.count("Hoán đổi số ") == 25
    assert 'data-testid="total"' in first and "65 ngày hoán đổi" in first
    assert "page=3" in first
    last = client.get("/admin/calendar?page=3").get_data(as_text=True)
    assert last.count("Hoán đổi số ") == 15
    past = client.get("/admin/calendar?page=9")
    assert past.status_code == 200 and 'data-testid="past-end"' in past.get_data(as_text=True)


# --- QA86-05: rules to a closed agency ---------------------------------------------


def test_rules_to_a_closed_agency_are_marked_and_the_close_step_counts_them(
        client, province):
    so = _agency("SO-TNMT")
    page = text_of(client.get(f"/admin/agencies/{so.id}/edit"))
    assert "1 quy tắc chuyển đơn chỉ đến cơ quan này" in page
    html = client.get("/admin/routing-rules").get_data(as_text=True)
    assert 'data-testid="rule-inert"' not in html

    _lock(client, "head_tnmt")
    closed = client.get(_close(client, "SO-TNMT").headers["Location"])
    assert "1 quy tắc chuyển đơn chỉ đến cơ quan này không còn được dùng" in text_of(closed)
    from complaints.services import routing

    field = db.session.scalar(select(RoutingRule)).field
    assert routing.suggest_agency(field.id, "11311", "complaint") is None
    html = client.get("/admin/routing-rules").get_data(as_text=True)
    row = re.search(r"<tbody>(.*?)</tbody>", html, re.S).group(1)
    assert 'data-testid="rule-inert"' in row and "Ngừng hoạt động" in row


# --- QA86-06: one round of errors for a new agency ---------------------------------


def test_a_taken_code_is_reported_with_the_empty_name(client, province):
    answer = client.post("/admin/agencies/new", data={"code": "SO-TNMT", "name": "",
                                                      "level": "department", "active": "y"})
    assert answer.status_code == 422
    assert "Mã cơ quan đã được dùng" in summary(answer)
    assert "Nhập tên cơ quan" in summary(answer)


def test_the_new_messages_read_in_english(client, province):
    _lock(client, "recv")
    client.get("/lang/en?next=/")
    closed = _close(client, "BTCD", "Decision 15")
    assert closed.status_code == 422
    assert "online" in summary(closed) and "ONLINE_RECEPTION_AGENCY_CODE" in summary(closed)
    so = _agency("SO-TNMT")
    assert "1 routing rule" in text_of(client.get(f"/admin/agencies/{so.id}/edit"))
