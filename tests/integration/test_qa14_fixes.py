"""QA round 14 (the administrators' pages): each test failed before its fix."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import Agency, Petitioner, RoutingRule, User
from complaints.services import workflow
from tests.conftest import NOW, TODAY

pytestmark = pytest.mark.usefixtures("fixed_clock")
PW = "Zebra-long-pw-1"


@pytest.fixture
def admin(make_user, login):
    user = make_user("admin", username="quantri")
    login(user)
    return user


def _agency_form(agency, **over):
    data = {"code": agency.code, "name": agency.name, "level": agency.level,
            "parent_code": agency.parent.code if agency.parent else "", "locality_codes": "",
            "active": "y", "is_inspectorate": "y" if agency.is_inspectorate else None,
            "is_reception_desk": "y" if agency.is_reception_desk else None}
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def _policy(**over):
    return {"stage": "handling", "kind": "feedback", "round": "0", "variant": "normal",
            "days": "10", "unit": "working", "extension_days": "0", "max_extensions": "0",
            "effective_from": "2027-01-01", "source": "Quyết định của tỉnh", **over}


# --- Out-of-range numbers: 500 instead of a 422 -------------------------------------


def test_qa14_routing_rule_huge_priority_is_a_422_not_a_500(client, admin, make_agency):
    make_agency(code="SO-A")
    db.session.commit()
    r = client.post("/admin/routing-rules/new", data={"agency_code": "SO-A",
                                                      "priority": "99999999999999999999"})
    assert r.status_code == 422
    assert 'value="99999999999999999999"' in r.text
    assert db.session.scalar(select(func.count(RoutingRule.id))) == 0


@pytest.mark.parametrize("over", [{"days": "1000000000"},
                                  {"days": "3000000", "unit": "calendar"},
                                  {"extension_days": "99999999999999999999", "confirmed": "1"},
                                  {"max_extensions": "99999999999999999999", "confirmed": "1"}],
                         ids=["days_working", "days_calendar", "extension_days", "max_ext"])
def test_qa14_policy_huge_numbers_are_a_422_not_a_500(client, admin, make_case, over):
    make_case(kind="feedback")
    db.session.commit()
    r = client.post("/admin/policies/new", data=_policy(effective_from="2026-01-01", **over))
    assert r.status_code == 422


def test_qa14_an_absurd_policy_version_breaks_intake_after_it_is_saved(client, admin,
                                                                       make_case):
    """days=1,000,000,000 (a typo) passes both steps when no open case is affected; from its
    date every intake of that kind crashes (ValueError: year 10000 is out of range)."""
    from datetime import datetime, timezone
    r = client.post("/admin/policies/new", data=_policy(days="1000000000", confirmed="1"))
    assert r.status_code == 422
    make_case(kind="feedback", received_on=date(2027, 1, 4), today=date(2027, 1, 5),
              now=datetime(2027, 1, 5, 3, tzinfo=timezone.utc))


# --- Agencies: changes that strand cases and accounts --------------------------------


@pytest.fixture
def busy_agency(make_agency, make_user, make_case):
    desk = make_agency(code="BTCD", is_reception_desk=True)
    so = make_agency(code="SO-A")
    clerk = make_user("reception", agency=desk)
    head = make_user("agency_head", agency=so)
    case = make_case(actor=clerk)
    workflow.route(case, "SO-A", clerk, NOW, TODAY, decided_on=date(2026, 11, 20))
    db.session.add(RoutingRule(agency_id=so.id, priority=0))
    db.session.commit()
    return so, head


def test_qa14_deactivating_an_agency_with_open_cases_is_not_silent(client, admin,
                                                                   busy_agency):
    """One unticked box on the edit form deactivates an agency that holds an open case and
    has an active head: no refusal, no confirmation (ux.md: destructive acts confirm). The
    agency leaves routing, the scorecard and the user forms, yet its head still signs in
    and accepts cases."""
    so, _head = busy_agency
    r = client.post(f"/admin/agencies/{so.id}/edit", data=_agency_form(so, active=None))
    db.session.expire_all()
    assert db.session.get(Agency, so.id).active, "deactivated in one step, nothing asked"
    assert r.status_code in (200, 422)  # refused, or a confirmation naming what it holds


def test_qa14_a_desk_flag_on_an_agency_holding_cases_is_refused(client, admin, busy_agency):
    so, _head = busy_agency
    r = client.post(f"/admin/agencies/{so.id}/edit",
                    data=_agency_form(so, is_reception_desk="y"))
    assert r.status_code == 422
    db.session.expire_all()
    assert not db.session.get(Agency, so.id).is_reception_desk


def test_qa14_unflagging_an_inspectorate_with_inspectors_is_refused(client, admin,
                                                                     make_agency, make_user):
    ttr = make_agency(code="TTR", is_inspectorate=True)
    make_user("inspector", agency=ttr)
    db.session.commit()
    r = client.post(f"/admin/agencies/{ttr.id}/edit",
                    data=_agency_form(ttr, is_inspectorate=None))
    assert r.status_code == 422
    db.session.expire_all()
    assert db.session.get(Agency, ttr.id).is_inspectorate


@pytest.mark.parametrize("code", ["SO/TNMT"])
def test_qa14_agency_code_must_be_url_safe(client, admin, code):
    """Codes are free text; the inspectors' agency page is /inspection/agencies/<code>, so an
    agency coded with '/' can never be opened there (404)."""
    r = client.post("/admin/agencies/new", data={"code": code, "name": "Sở thử",
                                                 "level": "department", "active": "y"})
    assert r.status_code == 422


# --- Users -----------------------------------------------------------------------------


def test_qa14_new_user_at_a_deactivated_agency_is_refused(client, admin, make_agency):
    old = make_agency(code="SO-CU")
    old.active = False
    db.session.commit()
    r = client.post("/admin/users/new", data={
        "username": "truongphong", "full_name": "Trần Văn B", "role": "agency_head",
        "agency_code": "SO-CU", "password": PW})
    assert r.status_code == 422
    assert db.session.scalar(select(User).where(User.username == "truongphong")) is None


def test_qa14_an_account_can_be_edited_reactivated_and_its_password_reset(client, admin,
                                                                           make_user,
                                                                           make_agency):
    """There is no way (web or CLI) to change an account's role or agency, reactivate it,
    or set a new password: an official moved to another agency needs a second account."""
    other = make_agency(code="SO-B")
    user = make_user("agency_officer")
    db.session.commit()
    r = client.get(f"/admin/users/{user.id}/edit")
    assert r.status_code == 200
    r = client.post(f"/admin/users/{user.id}/edit", data={
        "username": user.username, "full_name": user.full_name, "role": "agency_head",
        "agency_code": other.code})
    assert r.status_code == 302
    db.session.expire_all()
    assert (user.role, user.agency_id) == ("agency_head", other.id)


def test_qa14_users_list_is_paginated(client, admin, make_agency):
    agency = make_agency(code="SO-A")
    for i in range(130):
        db.session.add(User(username=f"canbo{i:03d}", role="agency_officer", agency=agency,
                            full_name=f"Cán bộ {i}", password_hash="x"))
    db.session.commit()
    page = client.get("/admin/users").text
    shown = len(re.findall(r"<code>canbo\d{3}</code>", page))
    assert shown < 130, "all 130 accounts on one page, no pagination"
    assert "page=2" in page and "131" in page  # next page and the total


# --- Personal data ---------------------------------------------------------------------


def test_qa14_personal_data_search_does_not_hide_matches_silently(client, admin):
    for i in range(55):
        db.session.add(Petitioner(full_name="Nguyễn Văn An", name_folded="nguyen van an",
                                  id_number=f"0312{i:08d}"))
    db.session.commit()
    target = db.session.scalar(select(Petitioner).where(Petitioner.id_number == "031200000054"))
    page = client.get("/admin/personal-data?q=Nguyễn Văn An").text
    found = f"/admin/personal-data/{target.id}" in page
    says_more = "55" in page or "page=2" in page
    assert found or says_more, "51st+ namesakes dropped with no word on the page"


# --- English ---------------------------------------------------------------------------


@pytest.mark.usefixtures("fixed_clock")
def test_qa14_policies_page_in_english_shows_the_english_legal_basis(client, admin):
    client.get("/lang/en?next=/")
    page = client.get("/admin/policies").text
    assert "Circular 05/2021/TT-TTCP" in page
    assert "Thông tư 05/2021/TT-TTCP (xử lý đơn)" not in page


def test_qa14_two_admins_cannot_deactivate_each_other_leaving_none(app, make_user):
    """deactivate_user checks only 'not yourself': two admins locking each other at the
    same moment (or an admin whose own account was just locked, mid-request) leave the
    installation with no active administrator."""
    from complaints.services import admin as admin_service
    from tests.factories import run_at_once

    a = make_user("admin", username="adm_a")
    b = make_user("admin", username="adm_b")
    db.session.commit()
    pairs = [(a.id, b.id), (b.id, a.id)]

    def work(i):
        actor, target = (db.session.get(User, x) for x in pairs[i])
        admin_service.deactivate_user(target, actor, NOW)

    run_at_once(app, 2, work)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(User.id)).where(
        User.role == "admin", User.active.is_(True))) >= 1


def test_qa14_deactivating_an_officer_names_the_open_cases_they_hold(client, admin,
                                                                     make_agency, make_user,
                                                                     make_case):
    desk, so = make_agency(code="BTCD", is_reception_desk=True), make_agency(code="SO-A")
    clerk = make_user("reception", agency=desk)
    head = make_user("agency_head", agency=so)
    officer = make_user("agency_officer", agency=so)
    case = make_case(actor=clerk)
    workflow.route(case, "SO-A", clerk, NOW, TODAY, decided_on=date(2026, 11, 20))
    workflow.accept(case, head, NOW, TODAY, decided_on=date(2026, 11, 23))
    workflow.assign(case, officer.username, head, NOW)
    db.session.commit()
    page = client.get(f"/admin/users/{officer.id}/deactivate").text
    assert case.tracking_code in page  # "holds 1 open case: …; reassign first"


# --- The account pages built for QA round 14's finding 4 --------------------------------


def _edit(user, **over):
    data = {"full_name": user.full_name, "email": user.email or "", "role": user.role,
            "agency_code": user.agency.code if user.agency else ""}
    data.update(over)
    return data


def test_editing_an_account_moves_it_and_signs_it_out(client, admin, make_user, make_agency):
    from complaints.models import ApiToken, AuditEvent
    from complaints.services import tokens

    a, b = make_agency(code="SO-A"), make_agency(code="SO-B")
    officer = make_user("agency_officer", agency=a, username="canbo")
    tokens.issue_token(officer, NOW)
    db.session.commit()
    version = officer.session_version
    page = client.get(f"/admin/users/{officer.id}/edit")
    assert page.status_code == 200 and '<option selected value="SO-A">' in page.text
    # A bad e-mail is refused with what was typed kept, nothing changed.
    refused = client.post(f"/admin/users/{officer.id}/edit",
                          data=_edit(officer, email="not-an-address", full_name="Tên mới"))
    assert refused.status_code == 422 and 'value="Tên mới"' in refused.text
    moved = client.post(f"/admin/users/{officer.id}/edit",
                        data=_edit(officer, role="agency_head", agency_code="SO-B"))
    assert moved.status_code == 302
    db.session.expire_all()
    officer = db.session.get(User, officer.id)
    assert (officer.role, officer.agency_id) == ("agency_head", b.id)
    assert officer.session_version == version + 1
    assert not db.session.scalar(select(func.count(ApiToken.id)).where(
        ApiToken.user_id == officer.id, ApiToken.revoked.is_(False)))
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.chain == f"user:{officer.id}", AuditEvent.action == "user_updated"))
    assert '"role"' in event.data and '"agency"' in event.data
    # A name change alone keeps the sessions.
    assert client.post(f"/admin/users/{officer.id}/edit",
                       data=_edit(officer, full_name="Trần Thị C")).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, officer.id).session_version == version + 1


def test_an_officer_holding_open_cases_is_not_moved(client, admin, make_agency, make_user,
                                                    make_case):
    desk, so = make_agency(code="BTCD", is_reception_desk=True), make_agency(code="SO-A")
    make_agency(code="SO-B")
    clerk = make_user("reception", agency=desk)
    head = make_user("agency_head", agency=so)
    officer = make_user("agency_officer", agency=so)
    case = make_case(actor=clerk)
    workflow.route(case, "SO-A", clerk, NOW, TODAY, decided_on=date(2026, 11, 20))
    workflow.accept(case, head, NOW, TODAY, decided_on=date(2026, 11, 23))
    workflow.assign(case, officer.username, head, NOW)
    db.session.commit()
    r = client.post(f"/admin/users/{officer.id}/edit", data=_edit(officer, agency_code="SO-B"))
    assert r.status_code == 422 and case.tracking_code in r.text
    db.session.expire_all()
    assert db.session.get(User, officer.id).agency_id == so.id


def test_an_admin_cannot_demote_themselves_or_the_last_admin(client, admin, make_user):
    r = client.post(f"/admin/users/{admin.id}/edit", data=_edit(admin, role="inspector"))
    assert r.status_code == 422
    other = make_user("admin", username="quantri2")
    db.session.commit()
    assert client.post(f"/admin/users/{other.id}/edit",
                       data=_edit(other, role="inspector")).status_code == 302
    from complaints.services import admin as admin_service
    db.session.expire_all()
    with pytest.raises(Exception, match="cuối cùng|ValidationFailed"):  # noqa: PT011
        admin_service.update_user(admin, admin_service.UserChanges(
            admin.full_name, None, "inspector", None), db.session.get(User, other.id), NOW)


def test_a_locked_account_is_opened_again_and_a_lost_password_replaced(client, admin,
                                                                       make_user, app):
    from complaints.models import AuditEvent
    from complaints.services import accounts

    user = make_user("agency_officer", username="quen_matkhau")
    user.active, user.failed_logins, user.locked_until = False, 5, NOW
    db.session.commit()
    page = client.get("/admin/users").text
    assert f'data-testid="activate-{user.username}"' in page
    assert "Mở lại tài khoản" in client.get(f"/admin/users/{user.id}/activate").text
    assert client.post(f"/admin/users/{user.id}/activate",
                       data={"reason": "Đã xác minh với người dùng"}).status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.active and user.failed_logins == 0 and user.locked_until is None
    weak = client.post(f"/admin/users/{user.id}/password", data={"password": "1234567890"})
    assert weak.status_code == 422
    assert client.post(f"/admin/users/{user.id}/password",
                       data={"password": "Mat-khau-moi-2026"}).status_code == 302
    db.session.expire_all()
    assert accounts.authenticate("quen_matkhau", "Mat-khau-moi-2026", NOW) is not None
    actions = set(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.chain == f"user:{user.id}")))
    assert {"user_reactivated", "password_reset"} <= actions
    event = db.session.scalar(select(AuditEvent.data).where(
        AuditEvent.chain == f"user:{user.id}", AuditEvent.action == "password_reset"))
    assert "Mat-khau-moi-2026" not in event
    # Not for one's own password (the change-password page asks for the current one).
    assert client.post(f"/admin/users/{admin.id}/password",
                       data={"password": "Mat-khau-khac-2026"}).status_code == 422


def test_an_account_of_a_closed_agency_is_not_opened_again(client, admin, make_user,
                                                           make_agency):
    old = make_agency(code="SO-CU")
    user = make_user("agency_officer", agency=old)
    user.active = False
    old.active = False
    db.session.commit()
    r = client.post(f"/admin/users/{user.id}/activate", data={"reason": "Trở lại làm việc"},
                    follow_redirects=True)
    assert "Cơ quan này đã ngừng hoạt động." in r.text
    db.session.expire_all()
    assert not db.session.get(User, user.id).active
