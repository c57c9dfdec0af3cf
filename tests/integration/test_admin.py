"""Admin pages: agencies, users, routing rules, policies, calendar; each change audited."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import (
    Agency,
    AuditEvent,
    CalendarOverride,
    DeadlinePolicy,
    RoutingRule,
    User,
)

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY

@pytest.fixture
def admin(make_user, login):
    user = make_user("admin", username="quantri")
    login(user)
    return user


def _events(chain: str) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.chain == chain)
                                   .order_by(AuditEvent.seq)))


ADMIN_PAGES = ["/admin/", "/admin/agencies", "/admin/agencies/new", "/admin/users",
               "/admin/users/new", "/admin/fields", "/admin/fields/new", "/admin/routing-rules",
               "/admin/routing-rules/new",
               "/admin/policies", "/admin/policies/new", "/admin/patterns",
               "/admin/patterns/new", "/admin/ladder", "/admin/ladder/new", "/admin/calendar",
               "/admin/calendar/new"]


@pytest.mark.parametrize("role", ["reception", "agency_head", "agency_officer", "inspector"])
def test_non_admin_is_refused(client, login, make_user, role):
    login(make_user(role))
    for path in ADMIN_PAGES:
        assert client.get(path).status_code == 403, path
    assert client.post("/admin/agencies/new", data={"code": "X", "name": "X",
                                                    "level": "department"}).status_code == 403
    assert db.session.scalar(select(Agency).where(Agency.code == "X")) is None


def test_every_admin_page_renders(client, admin):
    for path in ADMIN_PAGES:
        assert client.get(path).status_code == 200, path


def test_create_and_edit_agency_in_hierarchy(client, admin, make_agency, make_locality):
    province = make_agency(code="UBND-HP", level="province", name="UBND thành phố")
    loc = make_locality(code="11311", name="Phường Lê Chân")
    r = client.post("/admin/agencies/new", data={
        "code": "SO-TNMT", "name": "Sở Tài nguyên", "level": "department",
        "parent_code": "UBND-HP", "locality_codes": "11311", "active": "y"})
    assert r.status_code == 302
    agency = db.session.scalar(select(Agency).where(Agency.code == "SO-TNMT"))
    assert agency.parent_id == province.id and [x.code for x in agency.localities] == [loc.code]
    assert _events(f"agency:{agency.id}") == ["agency_created"]
    listing = client.get("/admin/agencies").get_data(as_text=True)
    listing = listing[listing.index('data-testid="agencies"'):]
    assert listing.index("UBND thành phố") < listing.index("Sở Tài nguyên")

    r = client.post(f"/admin/agencies/{agency.id}/edit", data={
        "code": "SO-TNMT", "name": "Sở Nông nghiệp và Môi trường", "level": "department",
        "parent_code": "UBND-HP", "is_inspectorate": "", "locality_codes": "", "active": "y"})
    assert r.status_code == 302
    db.session.expire_all()
    assert agency.name == "Sở Nông nghiệp và Môi trường" and agency.localities == []
    assert _events(f"agency:{agency.id}") == ["agency_created", "agency_updated"]


def test_closing_or_reopening_an_agency_asks_why(client, admin, make_agency):
    """Unticking "active" closes an agency (it leaves routing and the scorecard): the edit
    asks the grounds, keeps what was typed when they are missing, and the audit event holds
    them; other edits need none, and a new agency's form has no such field."""
    agency = make_agency(code="SO-CU", name="Sở cũ")
    db.session.commit()
    form = {"code": "SO-CU", "name": "Sở cũ đổi tên", "level": "department",
            "locality_codes": ""}
    assert 'name="reason"' not in client.get("/admin/agencies/new").text
    assert 'name="reason"' in client.get(f"/admin/agencies/{agency.id}/edit").text
    r = client.post(f"/admin/agencies/{agency.id}/edit", data=form | {"active": ""})
    assert r.status_code == 422
    assert "Nêu lý do cơ quan ngừng hoạt động" in r.text and "Sở cũ đổi tên" in r.text
    db.session.expire_all()
    assert agency.active and agency.name == "Sở cũ"
    r = client.post(f"/admin/agencies/{agency.id}/edit",
                    data=form | {"active": "", "reason": "Quyết định sáp nhập số 12/QĐ"})
    assert r.status_code == 302
    db.session.expire_all()
    assert not agency.active
    events = [json.loads(d) for d in db.session.scalars(select(AuditEvent.data).where(
        AuditEvent.chain == f"agency:{agency.id}", AuditEvent.action == "agency_updated"))]
    assert events[-1]["reason"] == "Quyết định sáp nhập số 12/QĐ"
    assert events[-1]["active"] == {"from": True, "to": False}
    # Reopening asks its own grounds; a rename of a closed agency asks none.
    r = client.post(f"/admin/agencies/{agency.id}/edit", data=form | {"active": "y"})
    assert r.status_code == 422 and "hoạt động trở lại" in r.text
    r = client.post(f"/admin/agencies/{agency.id}/edit",
                    data=form | {"active": "", "name": "Sở cũ (đã sáp nhập)"})
    assert r.status_code == 302


def test_agency_errors_are_shown_and_input_kept(client, admin, make_agency):
    make_agency(code="DUP")
    r = client.post("/admin/agencies/new", data={
        "code": "DUP", "name": "Tên đã gõ", "level": "department", "locality_codes": "nope"})
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert "Mã cơ quan đã được dùng" in body and "Không có địa bàn mã: nope" in body
    assert "Tên đã gõ" in body


def test_agency_cannot_be_its_own_ancestor(client, admin, make_agency):
    parent = make_agency(code="P")
    child = make_agency(code="C", parent=parent)
    db.session.commit()
    r = client.post(f"/admin/agencies/{parent.id}/edit", data={
        "code": "P", "name": "P", "level": "province", "parent_code": "C", "active": "y"})
    assert r.status_code == 422
    db.session.expire_all()
    assert parent.parent_id is None and child.parent_id == parent.id


def test_create_and_deactivate_user_with_confirmation(client, admin, make_agency):
    make_agency(code="SO-XD")
    r = client.post("/admin/users/new", data={
        "username": "canbo1", "full_name": "Lê Văn Cán", "role": "agency_officer",
        "agency_code": "SO-XD", "password": "mat-khau-dai"})
    assert r.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "canbo1"))
    assert user.agency.code == "SO-XD" and user.check_password("mat-khau-dai")
    assert _events(f"user:{user.id}") == ["user_created"]
    # An agency role with no agency is refused next to the field.
    r = client.post("/admin/users/new", data={
        "username": "canbo2", "full_name": "X", "role": "agency_head", "agency_code": "",
        "password": "mat-khau-dai"})
    assert r.status_code == 422 and "cần chọn cơ quan" in r.get_data(as_text=True)

    page = client.get(f"/admin/users/{user.id}/deactivate").get_data(as_text=True)
    assert "canbo1" in page and "Xác nhận" in page
    db.session.expire_all()
    assert user.active
    # Locking asks why (ux.md: destructive acts ask a reason); nothing changes without one.
    r = client.post(f"/admin/users/{user.id}/deactivate", data={"reason": "  "})
    assert r.status_code == 422 and "Nêu lý do" in r.text
    db.session.expire_all()
    assert user.active
    r = client.post(f"/admin/users/{user.id}/deactivate", data={"reason": "Nghỉ hưu từ 01/12"})
    assert r.status_code == 302
    db.session.expire_all()
    assert not user.active
    assert _events(f"user:{user.id}") == ["user_created", "user_deactivated"]
    data = json.loads(db.session.scalar(select(AuditEvent.data).where(
        AuditEvent.chain == f"user:{user.id}", AuditEvent.action == "user_deactivated")))
    assert data["reason"] == "Nghỉ hưu từ 01/12"


def test_a_new_account_with_many_faults_shows_them_all_at_once(client, admin, make_agency):
    # Found by a QA pass: "qa user!" with the e-mail "bad" was created, and an inspector
    # could belong to a department; a short password hid every other fault.
    make_agency(code="SO-XD")
    count = len(db.session.scalars(select(User)).all())
    r = client.post("/admin/users/new", data={
        "username": "qa user!", "full_name": "Thử", "email": "bad", "role": "inspector",
        "agency_code": "SO-XD", "password": "ngan"})
    page = r.get_data(as_text=True)
    assert r.status_code == 422
    for message in ("Tên đăng nhập gồm 2–80 chữ cái không dấu", "Thư điện tử không hợp lệ.",
                    "Thanh tra viên thuộc một cơ quan thanh tra",
                    "Mật khẩu phải có ít nhất 10 ký tự."):
        assert message in page, message
    assert len(db.session.scalars(select(User)).all()) == count
    # Usernames and addresses are told apart without regard to case.
    make_user_ = client.post("/admin/users/new", data={
        "username": admin.username.upper(), "full_name": "X", "email": admin.email or "",
        "role": "admin", "password": "mat-khau-dai"})
    assert make_user_.status_code == 422 and "Tên đăng nhập đã có." in make_user_.text
    make_agency(code="TTT", is_inspectorate=True)
    r = client.post("/admin/users/new", data={
        "username": "thanhtra.le", "full_name": "Lê Thanh", "email": "le@thanhtra.gov.vn",
        "role": "inspector", "agency_code": "TTT", "password": "mat-khau-dai"})
    assert r.status_code == 302
    again = client.post("/admin/users/new", data={
        "username": "thanhtra.tran", "full_name": "Trần Thanh", "email": "LE@thanhtra.gov.vn",
        "role": "inspector", "agency_code": "TTT", "password": "mat-khau-dai"})
    assert again.status_code == 422 and "đã thuộc một tài khoản khác" in again.text


def test_admin_cannot_deactivate_self(client, admin):
    client.post(f"/admin/users/{admin.id}/deactivate", data={"reason": "Thử khóa chính mình"})
    db.session.expire_all()
    assert admin.active


def test_routing_rule_create_and_delete(client, admin, make_agency, make_locality):
    make_agency(code="SO-TNMT")
    make_locality(code="11311")
    r = client.post("/admin/routing-rules/new", data={
        "field_code": "land", "locality_code": "11311", "kind": "complaint",
        "agency_code": "SO-TNMT", "priority": "5", "note": "Đất đai Lê Chân"})
    assert r.status_code == 302
    rule = db.session.scalar(select(RoutingRule))
    assert rule.field.code == "land" and rule.priority == 5 and rule.kind == "complaint"
    assert "Đất đai Lê Chân" in client.get("/admin/routing-rules").get_data(as_text=True)
    r = client.post("/admin/routing-rules/new", data={"agency_code": "SO-TNMT",
                                                      "locality_code": "99999"})
    assert r.status_code == 422
    rule_id = rule.id
    assert "Xác nhận" in client.get(f"/admin/routing-rules/{rule_id}/delete").get_data(
        as_text=True)
    assert client.post(f"/admin/routing-rules/{rule_id}/delete",
                       data={"reason": "Sở đã sáp nhập"}).status_code == 302
    assert db.session.scalar(select(RoutingRule)) is None
    assert _events(f"routing_rule:{rule_id}") == ["routing_rule_created",
                                                  "routing_rule_deleted"]


def test_policy_new_version_keeps_history(client, admin):
    before = db.session.scalars(select(DeadlinePolicy)).all()
    base = next(p for p in before if p.stage == "resolution" and p.kind == "feedback")
    form = client.get(f"/admin/policies/new?from={base.id}").get_data(as_text=True)
    assert 'value="15"' in form  # prefilled from the version it starts from
    fields = {
        "stage": "resolution", "kind": "feedback", "round": "0", "variant": "normal",
        "days": "20", "unit": "working", "extension_days": "10", "max_extensions": "1",
        "effective_from": "2027-01-01", "source": "Quyết định 1/QĐ"}
    # First what it would do (nothing saved), then confirmed.
    page = client.post("/admin/policies/new", data=fields).get_data(as_text=True)
    assert 'data-testid="version-impact"' in page
    assert "0 thời hạn đang chạy sẽ đổi ngày đến hạn." in page
    assert len(db.session.scalars(select(DeadlinePolicy)).all()) == len(before)
    r = client.post("/admin/policies/new", data={**fields, "confirmed": "1"})
    assert r.status_code == 302
    saved_at = r.headers["Location"]  # the page of the paged list that holds it
    rows = db.session.scalars(select(DeadlinePolicy).where(
        DeadlinePolicy.stage == "resolution", DeadlinePolicy.kind == "feedback")).all()
    assert sorted((p.effective_from, p.days) for p in rows) == [
        (date(2020, 1, 1), 15), (date(2027, 1, 1), 20)]
    new = next(p for p in rows if p.days == 20)
    assert _events(f"policy:{new.id}") == ["policy_version_added"]
    # The same version date twice is refused.
    r = client.post("/admin/policies/new", data={
        "stage": "resolution", "kind": "feedback", "round": "0", "variant": "normal",
        "days": "25", "unit": "working", "extension_days": "0", "max_extensions": "0",
        "effective_from": "2027-01-01", "source": "X", "confirmed": "1"})
    assert r.status_code == 422 and "Đã có phiên bản" in r.get_data(as_text=True)
    listing = client.get(saved_at).get_data(as_text=True)
    assert "01/01/2027" in listing and "Quyết định 1/QĐ" in listing


def test_a_refused_policy_version_shows_every_problem_at_once(client, admin):
    count = len(db.session.scalars(select(DeadlinePolicy)).all())
    # No days (the form's check) and a round for a kind that has none (the service's).
    r = client.post("/admin/policies/new", data={
        "stage": "resolution", "kind": "feedback", "round": "1", "variant": "normal",
        "days": "", "unit": "working", "extension_days": "0", "max_extensions": "0",
        "effective_from": "2027-01-01", "source": "Quyết định 1/QĐ"})
    page = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "Nhập số ngày." in page and "Chỉ khiếu nại mới phân biệt lần đầu, lần hai." in page
    assert len(db.session.scalars(select(DeadlinePolicy)).all()) == count


def test_calendar_override_add_and_delete(client, admin):
    fields = {"day": "2027-02-20", "kind": "working_day", "description": "Làm bù Tết"}
    # First what it would do, nothing saved; "back" keeps what was typed; then confirmed.
    page = client.post("/admin/calendar/new", data=fields).get_data(as_text=True)
    assert 'data-testid="version-impact"' in page and 'name="confirmed" value="1"' in page
    assert "0 thời hạn đang chạy sẽ đổi ngày đến hạn." in page
    assert db.session.scalar(select(CalendarOverride)) is None
    page = client.post("/admin/calendar/new", data={**fields, "confirmed": "1", "edit": "1"})
    assert 'value="Làm bù Tết"' in page.get_data(as_text=True)
    assert db.session.scalar(select(CalendarOverride)) is None
    r = client.post("/admin/calendar/new", data={**fields, "confirmed": "1"})
    assert r.status_code == 302
    override = db.session.scalar(select(CalendarOverride))
    assert override.kind == "working_day"
    assert "Làm bù Tết" in client.get("/admin/calendar").get_data(as_text=True)
    r = client.post("/admin/calendar/new", data={
        "day": "2027-02-20", "kind": "day_off", "description": "Trùng", "confirmed": "1"})
    assert r.status_code == 422
    assert "Xác nhận" in client.get(f"/admin/calendar/{override.id}/delete").get_data(
        as_text=True)
    assert client.post(f"/admin/calendar/{override.id}/delete",
                       data={"reason": "Quyết định đã thu hồi"}).status_code == 302
    assert db.session.scalar(select(CalendarOverride)) is None
    assert _events("calendar") == ["calendar_override_added", "calendar_override_deleted"]
    # An override that would change nothing is refused (found by a QA pass).
    sunday = client.post("/admin/calendar/new", data={
        "day": "2027-02-21", "kind": "day_off", "description": "Nhầm"})
    assert sunday.status_code == 422 and "21/02/2027 đã là ngày nghỉ" in sunday.text
    monday = client.post("/admin/calendar/new", data={
        "day": "2027-02-22", "kind": "working_day", "description": "Nhầm"})
    assert monday.status_code == 422 and "22/02/2027 đã là ngày làm việc" in monday.text


def test_an_agency_level_is_chosen_from_the_list(client, admin, make_agency):
    # Found by a QA pass: "Xã" typed as a level saved, and the agency's leader-reception
    # duty vanished from the scorecard (its score and rank changed).
    old = make_agency(code="OLD", level="desk", name="Ban cũ")
    db.session.commit()
    page = client.get("/admin/agencies/new").get_data(as_text=True)
    assert '<option value="commune">Cấp xã (UBND xã, phường, đặc khu)</option>' in page
    r = client.post("/admin/agencies/new", data={"code": "X1", "name": "UBND xã", "level": "Xã"})
    assert r.status_code == 422
    assert "Chọn cấp của cơ quan trong danh sách." in r.get_data(as_text=True)
    assert "UBND xã" in r.get_data(as_text=True)  # what was typed stays
    assert db.session.scalar(select(Agency).where(Agency.code == "X1")) is None
    r = client.post("/admin/agencies/new", data={"code": "X1", "name": "UBND xã",
                                                 "level": "commune", "active": "y"})
    assert r.status_code == 302
    # An older level is kept when the agency is edited for something else.
    r = client.post(f"/admin/agencies/{old.id}/edit", data={
        "code": "OLD", "name": "Ban cũ đổi tên", "level": "desk", "active": "y"})
    assert r.status_code == 302
    listing = client.get("/admin/agencies").get_data(as_text=True)
    assert "Cấp xã (UBND xã, phường, đặc khu)" in listing


def test_agencies_are_named_in_english_on_english_pages(client, admin, make_agency,
                                                        make_user):
    # Found by QA: Admin → Agencies in English read "under Ủy ban nhân dân thành phố Hải
    # Phòng:", though the English names are used everywhere else.
    city = make_agency(code="UBND-HP", level="province",
                       name="Ủy ban nhân dân thành phố Hải Phòng")
    city.name_en = "Hai Phong City Committee"
    so = make_agency(code="SO-XD", parent=city, name="Sở Xây dựng")
    so.name_en = "Department of Construction"
    make_agency(code="SO-KHAC", parent=city, name="Sở Khác")  # no English name recorded
    make_user("agency_head", agency=so, username="giamdocxd")
    db.session.add(RoutingRule(agency_id=so.id, priority=1))
    db.session.commit()
    listing = client.get("/admin/agencies").get_data(as_text=True)
    assert "cấp dưới của Ủy ban nhân dân thành phố Hải Phòng" in listing
    assert "Department of Construction" not in listing and "official-name-" not in listing
    client.get("/lang/en?next=/")
    listing = client.get("/admin/agencies").get_data(as_text=True)
    table = listing[listing.index('data-testid="agencies"'):]
    assert "Hai Phong City Committee:" in table and "Department of Construction" in table
    assert "cấp dưới của" not in table and "Ủy ban nhân dân thành phố Hải Phòng:" not in table
    assert "Sở Khác" in table  # the Vietnamese name where no English one is recorded
    # The official (Vietnamese) name stays in sight beside the English one.
    assert ('data-testid="official-name-UBND-HP">Ủy ban nhân dân thành phố Hải Phòng<'
            in table)
    edit = client.get(f"/admin/agencies/{so.id}/edit").get_data(as_text=True)
    assert 'value="Sở Xây dựng"' in edit and 'value="Department of Construction"' in edit
    assert ">Hai Phong City Committee</option>" in edit  # the parent chosen in the list
    assert "Department of Construction" in client.get("/admin/users").get_data(as_text=True)
    rules = client.get("/admin/routing-rules").get_data(as_text=True)
    assert "Department of Construction" in rules and "Sở Xây dựng" not in rules


def test_the_ladder_s_default_basis_reads_in_the_page_s_language(client, admin):
    # Found by QA: the Vietnamese ladder page read "Local policy: 3 working days before
    # due". The defaults are stored in Vietnamese now; an installation seeded before holds
    # the English wording, shown in Vietnamese too; an admin's own wording stays as typed.
    from complaints.models import EscalationStep

    rows = {r.level: r for r in db.session.scalars(select(EscalationStep))}
    assert rows[0].source == "Quy định của cơ quan: 3 ngày làm việc trước hạn"
    rows[1].source = "Local policy: the day after due"  # seeded by an earlier version
    rows[3].source = "Quyết định 12/2026/QĐ-UBND của tỉnh"
    db.session.commit()
    page = client.get("/admin/ladder").get_data(as_text=True)
    versions = page[page.index('data-testid="ladder-versions"'):]
    assert "Local policy" not in versions
    for level, text in [(0, "Quy định của cơ quan: 3 ngày làm việc trước hạn"),
                        (1, "Quy định của cơ quan: ngày liền sau ngày hết hạn"),
                        (2, "Quy định của cơ quan: quá hạn 5 ngày làm việc (đôn đốc)"),
                        (3, "Quyết định 12/2026/QĐ-UBND của tỉnh")]:
        assert f'data-testid="ladder-source-{rows[level].id}">{text}<' in versions
    client.get("/lang/en?next=/")
    page = client.get("/admin/ladder").get_data(as_text=True)
    versions = page[page.index('data-testid="ladder-versions"'):]
    for level, text in [(0, "Local policy: 3 working days before due"),
                        (1, "Local policy: the day after due"),
                        (3, "Quyết định 12/2026/QĐ-UBND của tỉnh")]:
        assert f'data-testid="ladder-source-{rows[level].id}">{text}<' in versions


def test_routing_rules_are_listed_a_page_at_a_time_with_the_total(client, admin, make_agency,
                                                                   app):
    agency = make_agency(code="SO-TNMT")
    for i in range(30):
        db.session.add(RoutingRule(agency_id=agency.id, priority=i, note=f"Quy tắc số {i:02d}"))
    db.session.commit()
    first = client.get("/admin/routing-rules").text
    assert "30 quy tắc." in first and "Quy tắc số 29" in first  # highest priority first
    assert "Quy tắc số 04" not in first and "page=2" in first
    second = client.get("/admin/routing-rules?page=2").text
    assert "Quy tắc số 04" in second and "Quy tắc số 29" not in second
    past = client.get("/admin/routing-rules?page=99")
    assert past.status_code == 200 and 'data-testid="past-end"' in past.text


def _row_links(html: str, pattern: str) -> list[str]:
    return re.findall(pattern, html)


def test_agencies_are_listed_a_page_at_a_time_with_the_total(client, admin, make_agency):
    root = make_agency(code="UBND-T", level="province", name="Ủy ban nhân dân thành phố")
    for i in range(29):
        make_agency(code=f"PHONG-{i:02d}", parent=root, name=f"Phòng số {i:02d}")
    db.session.commit()
    first = client.get("/admin/agencies").text
    assert "30 cơ quan." in first and 'href="/admin/agencies?page=2"' in first
    codes = _row_links(first, r"<code>(PHONG-\d\d|UBND-T)</code>")
    assert codes == ["UBND-T"] + [f"PHONG-{i:02d}" for i in range(24)]  # parent first
    assert 'data-testid="continued-under"' not in first
    second = client.get("/admin/agencies?page=2").text
    assert "30 cơ quan." in second
    assert _row_links(second, r"<code>(PHONG-\d\d|UBND-T)</code>") == [
        f"PHONG-{i:02d}" for i in range(24, 29)]
    # The page opens inside the committee's branch: its first row names its parent.
    assert ('data-testid="continued-under">cấp dưới của Ủy ban nhân dân thành phố: <'
            in second)
    past = client.get("/admin/agencies?page=99")
    assert past.status_code == 200 and 'data-testid="past-end"' in past.text
    assert "danh sách có 30 cơ quan." in past.text and "Chưa có cơ quan nào." not in past.text


def test_agencies_list_says_when_there_is_none(client, admin):
    page = client.get("/admin/agencies").text
    assert "Chưa có cơ quan nào." in page and 'data-testid="past-end"' not in page


def test_a_saved_agency_is_on_the_page_the_admin_returns_to(client, admin, make_agency, app):
    app.config["PAGE_SIZE"] = 5
    root = make_agency(code="UBND-T", level="province", name="Ủy ban nhân dân thành phố")
    for i in range(8):
        make_agency(code=f"PHONG-{i:02d}", parent=root, name=f"Phòng số {i:02d}")
    db.session.commit()
    r = client.post("/admin/agencies/new", data={
        "code": "PHONG-99", "name": "Phòng số 99", "level": "department",
        "parent_code": "UBND-T", "locality_codes": "", "active": "y"})
    assert r.status_code == 302 and r.headers["Location"] == "/admin/agencies?page=2"
    assert "<code>PHONG-99</code>" in client.get(r.headers["Location"]).text
    first = db.session.scalar(select(Agency).where(Agency.code == "PHONG-00"))
    r = client.post(f"/admin/agencies/{first.id}/edit", data={
        "code": "PHONG-00", "name": "Phòng số 00", "level": "department",
        "parent_code": "UBND-T", "locality_codes": "", "active": "y"})
    assert r.status_code == 302 and r.headers["Location"] == "/admin/agencies"


def test_policies_are_listed_a_page_at_a_time_with_the_total(client, admin, app):
    app.config["PAGE_SIZE"] = 10
    ordered = [str(i) for i in db.session.scalars(select(DeadlinePolicy.id).order_by(
        DeadlinePolicy.stage, DeadlinePolicy.kind, DeadlinePolicy.round,
        DeadlinePolicy.variant, DeadlinePolicy.effective_from))]
    total = len(ordered)
    assert total > 10  # the seeded versions alone fill more than a page
    pages = -(-total // 10)
    link = r"/admin/policies/new\?from=(\d+)"
    first = client.get("/admin/policies").text
    assert f"{total} phiên bản chính sách." in first
    assert 'href="/admin/policies?page=2"' in first
    assert _row_links(first, link) == ordered[:10]
    second = client.get("/admin/policies?page=2").text
    assert f"{total} phiên bản chính sách." in second
    assert _row_links(second, link) == ordered[10:20]
    last = client.get(f"/admin/policies?page={pages}").text
    assert _row_links(last, link) == ordered[(pages - 1) * 10:]
    past = client.get(f"/admin/policies?page={pages + 1}")
    assert past.status_code == 200 and 'data-testid="past-end"' in past.text
    assert f"danh sách có {total} phiên bản." in past.text
    assert "Chưa có chính sách thời hạn nào." not in past.text
    client.get("/lang/en?next=/")
    assert f"{total} policy versions." in client.get("/admin/policies").text
