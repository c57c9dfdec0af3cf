"""QA round 47: the administrators' side as a whole (users, agencies, routing rules, deadline
policies, the working-day calendar, ladder and thresholds, personal data, audit).

World (per test): a province P (root), its reception desk DESK and a department D under it,
built with the factories; "today" is tests.conftest.TODAY (01/12/2026, fixed_clock).

Every test here fails on the frozen code of round 47 because of the defect its docstring
names; the docstring says what the right behaviour is (domain.md, ux.md, architecture.md
of the specification).
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import (
    Agency,
    AuditEvent,
    CalendarOverride,
    Escalation,
    Notification,
    User,
)
from complaints.services import escalation, workflow
from tests.conftest import NOW, TODAY

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW / TODAY


@pytest.fixture
def admin(make_user, login):
    user = make_user("admin", username="quantri")
    login(user)
    return user


@pytest.fixture
def province(make_agency):
    """P (root), its reception desk DESK and a department D."""
    p = make_agency(code="P", level="province", name="UBND tỉnh")
    desk = make_agency(code="DESK", parent=p, level="desk", name="Ban Tiếp công dân",
                       is_reception_desk=True)
    dept = make_agency(code="D", parent=p, level="department", name="Sở Xây dựng")
    return {"P": p, "DESK": desk, "D": dept}


def _chain(chain: str) -> list[tuple[str, dict]]:
    return [(action, json.loads(data)) for action, data in db.session.execute(
        select(AuditEvent.action, AuditEvent.data).where(AuditEvent.chain == chain)
        .order_by(AuditEvent.seq))]


# --- 1. a reception desk left without staff ----------------------------------------------


def test_defect_the_last_reception_officer_of_a_desk_holding_cases_is_moved_away(
        client, admin, province, make_user, make_case):
    """DEFECT: the admin's account edit moves the only reception officer of a desk to another
    agency (or role) although the desk still holds petitions nobody has classified: they are
    left at a desk where no account can classify, route, guide or file them, and their
    handling clock runs out unseen (domain.md: handling of a received petition, 10 working
    days; ux.md: the reception home page lists "cases waiting to be classified").

    services/admin.user_change_problems refuses a move only for cases assigned to the user
    as officer (Case.officer_id); cases held at reception (agency_id NULL,
    reception_agency_id = the desk) are not looked at, although _stranding_errors counts
    exactly these when the desk itself is deactivated.

    Right: refuse (422, next to the field, like the officer holding cases) to move or
    re-role the last active reception account of a desk that still holds open cases at
    reception, saying which cases and what to do first (add another reception account).
    """
    clerk = make_user("reception", agency=province["DESK"], username="tiepnhan1")
    waiting = make_case(clerk)  # received, not yet classified: held by the desk
    db.session.commit()
    assert waiting.agency_id is None and waiting.reception_agency_id == province["DESK"].id

    r = client.post(f"/admin/users/{clerk.id}/edit", data={
        "full_name": "Cán bộ tiếp nhận", "email": "", "role": "agency_officer",
        "agency_code": "D"})

    db.session.expire_all()
    still_there = db.session.scalars(select(User).where(
        User.agency_id == province["DESK"].id, User.role == "reception",
        User.active.is_(True))).all()
    assert r.status_code == 422 and still_there, (
        f"the desk holding {waiting.tracking_code} was left with no reception staff "
        f"(status {r.status_code})")


# --- 2. a reception desk as a supervising agency ------------------------------------------


def test_defect_a_reception_desk_can_be_made_the_supervisor_of_an_agency(
        client, admin, province, make_user, make_case):
    """DEFECT: the agency form offers reception desks as "Cơ quan cấp trên" and saves them:
    a department put under the desk then has the desk as its supervising agency, so the
    ladder's level 2 (đôn đốc, "the head of the supervising (parent) agency", domain.md
    Escalation ladder) is addressed to a desk, which has no head and resolves nothing
    (services/workflow.DESK_RESOLVES_NOTHING; a desk is refused as a routing target and as
    a lead agency for the same reason).

    services/admin._check_agency checks that the parent exists and is not a descendant;
    nothing checks that it is not a reception desk (nor does escalation_notify.Directory
    pass over desks as it passes over closed agencies).

    Right: refuse a reception desk as the parent of an agency (422 on parent_code, in
    Vietnamese and English), and leave desks out of the parent choices.
    """
    reception = make_user("reception", agency=province["DESK"])
    db.session.commit()
    r = client.post("/admin/agencies/new", data={
        "code": "SO-TN", "name": "Sở Tài nguyên", "level": "department",
        "parent_code": "DESK", "active": "y"})
    if r.status_code == 422:
        return  # refused, as it should be
    # Saved: show where the supervisor's urging then goes.
    dept = db.session.scalar(select(Agency).where(Agency.code == "SO-TN"))
    make_user("agency_head", agency=dept)
    case = make_case(reception, received_on=date(2026, 11, 10))
    # Routed on 11/11: acceptance overdue from late November, 5 working days by 01/12.
    workflow.route(case, "SO-TN", None, NOW, TODAY, decided_on=date(2026, 11, 11))
    db.session.commit()
    escalation.escalate_due(TODAY, NOW)
    db.session.commit()
    urged = db.session.scalars(select(Escalation).where(
        Escalation.case_id == case.id, Escalation.level == 2)).all()
    targets = [db.session.get(Agency, e.to_agency_id).code for e in urged]
    pytest.fail(f"a desk was saved as a department's supervising agency (status "
                f"{r.status_code}); the level-2 urging went to {targets}")


# --- 3. an agency closed while escalations await its action -----------------------------


def test_defect_an_agency_is_deactivated_while_an_urging_addressed_to_it_is_open(
        client, admin, province, make_agency, make_user, make_case):
    """DEFECT: the department D supervises the commune C; C is 5 working days late on a
    case, so the sweep raises level 2 (đôn đốc) addressed to D, awaiting D's head. The admin
    locks D's head and then deactivates D: both are accepted, and the open urging stays
    addressed to a closed agency where no account can sign in — nobody acknowledges it or
    acts on it, and it does not move to the next open supervisor (the Directory passes over
    closed levels only for escalations raised later).

    services/admin._stranding_errors refuses deactivation while the agency holds open cases
    or active accounts ("changes that would leave its cases ... with nobody able to act",
    QA round 14), but never counts the escalations addressed to it (Escalation.to_agency_id,
    not acknowledged, not lapsed). domain.md Escalation ladder: level 2 tells "the head of
    the supervising (parent) agency", who must act; a lead designation for an evaded case is
    a binding decision the addressee must take.

    Right: refuse (422 on "active", saying how many open escalations await the agency), or
    readdress them to the nearest open supervisor in the same audited change.
    """
    commune = make_agency(code="C", parent=province["D"], level="commune", name="UBND xã")
    reception = make_user("reception", agency=province["DESK"])
    head = make_user("agency_head", agency=province["D"], username="thutruong.d")
    case = make_case(reception, received_on=date(2026, 11, 10))
    workflow.route(case, "C", None, NOW, TODAY, decided_on=date(2026, 11, 11))
    db.session.commit()
    escalation.escalate_due(TODAY, NOW)
    db.session.commit()
    urging = db.session.scalar(select(Escalation).where(Escalation.case_id == case.id))
    assert (urging.level, urging.to_agency_id) == (2, province["D"].id)
    assert urging.acknowledged_at is None and urging.lapsed_at is None
    assert commune.id == case.agency_id

    client.post(f"/admin/users/{head.id}/deactivate",
                data={"reason": "Chuyển công tác"})  # locking is never refused
    dept = province["D"]
    r = client.post(f"/admin/agencies/{dept.id}/edit", data={
        "code": "D", "name": dept.name, "level": "department", "parent_code": "P",
        "active": "", "reason": "Sáp nhập vào sở khác", "locality_codes": ""})

    db.session.expire_all()
    urging = db.session.get(Escalation, urging.id)
    addressee = db.session.get(Agency, urging.to_agency_id)
    assert r.status_code == 422 or (addressee.active and urging.lapsed_at is None), (
        f"D was deactivated (status {r.status_code}) while the urging #{urging.id} of "
        f"{case.tracking_code} still waits on it (addressed to {addressee.code}, "
        f"active={addressee.active})")


# --- 4. a calendar override deleted with no reason ----------------------------------------


def test_defect_deleting_a_calendar_day_asks_no_reason_and_audits_no_why(
        client, admin, make_case):
    """DEFECT: deleting a calendar override (a government day off or make-up working day)
    moves the due dates of every open case running across that day, yet the confirmation
    step asks for no reason: the audit event "calendar_override_deleted" holds who and when,
    and only the description of the day that was removed — never why it was removed (a
    decision withdrawn? a typo?). Adding one requires its legal basis; removing it does not.

    ux.md Forms: "Destructive or irreversible acts ... ask for a reason and confirm in a
    second step"; the brief's rule: every change audited with who / when / why where it
    matters (a calendar change recomputes open deadlines, domain.md Counting days).
    Cause: routes.calendar_delete uses ConfirmForm (CSRF only) and
    services/admin.delete_calendar_override takes no reason.

    Right: the delete confirmation asks for a reason (required, refused with a clear
    message when blank) and records it in the audit event.
    """
    make_case(received_on=date(2026, 11, 30))  # a handling deadline running across 07/12
    db.session.commit()
    r = client.post("/admin/calendar/new", data={
        "day": "2026-12-07", "kind": "day_off", "description": "QĐ 12/QĐ-UBND",
        "confirmed": "1"})
    assert r.status_code == 302
    override = db.session.scalar(select(CalendarOverride))
    form = client.get(f"/admin/calendar/{override.id}/delete").get_data(as_text=True)

    # Sent without a reason: it must be refused, and the day kept.
    client.post(f"/admin/calendar/{override.id}/delete", data={})
    db.session.expire_all()
    kept = db.session.get(CalendarOverride, override.id) is not None
    deleted = [data for action, data in _chain("calendar")
               if action == "calendar_override_deleted"]
    assert kept and "reason" in form, (
        f"the day off was deleted with no reason asked; audit recorded {deleted}")


# --- 5. the personal-data export leaves out the e-mails held for the person ---------------


def test_defect_the_personal_data_export_omits_the_emails_kept_for_the_petitioner(
        client, admin, make_case, make_user):
    """DEFECT: "export all held about one petitioner" leaves out the outbox: the status
    e-mails addressed to the petitioner (notifications.email_to = their address, with
    subject and body) are personal data the system holds about them — anonymisation itself
    treats them so (services/personal_data.anonymise_petitioner blanks email_to and the
    name in their bodies) — but export_petitioner lists petitioner, petitions, cases, files
    and feedback only.

    domain.md Personal data (Law 91/2025/QH15): petitioners are told what is kept; the
    admin's export is that answer, so it must hold everything kept, or say where the rest is.

    Right: the export has a section of the messages addressed to the petitioner (channel,
    address, subject, status, created/sent dates) for the cases they signed.
    """
    clerk = make_user("reception")
    case = make_case(clerk)
    person = case.petitions[0].signers[0].petitioner
    person.email = "lan@example.vn"
    workflow.guide(case, "Đến Tòa án nhân dân", clerk, NOW, TODAY)
    db.session.flush()
    held = db.session.scalars(select(Notification).where(
        Notification.email_to == "lan@example.vn")).all()
    if not held:  # the guide sent none: the outbox row the citizen's status e-mail leaves
        db.session.add(Notification(dedupe_key="status-x", channel="email", case_id=case.id,
                                    email_to="lan@example.vn", subject="Tình trạng hồ sơ",
                                    body="Hồ sơ đã chuyển sang tình trạng mới.",
                                    status="sent"))
    db.session.commit()

    r = client.post(f"/admin/personal-data/{person.id}/export",
                    data={"ground": "Phiếu yêu cầu số 7/PYC"})
    assert r.status_code == 200
    text = r.get_data(as_text=True)
    exported = json.loads(text)
    assert "lan@example.vn" in json.dumps(
        {k: v for k, v in exported.items() if k != "petitioner"}, ensure_ascii=False), (
        f"the export holds no trace of the e-mails kept for the person "
        f"(sections: {sorted(exported)})")


# --- 6. a 500 for an odd number in the address ---------------------------------------------


def test_defect_a_huge_policy_id_to_start_from_is_a_500(client, admin):
    """DEFECT: /admin/policies/new?from=99999999999999999999 (a mistyped or edited link from
    the policies list) answers 500: routes.policy_new passes the int straight to
    db.session.get(DeadlinePolicy, …) and SQLite raises OverflowError (PostgreSQL a
    NumericValueOutOfRange). Every <int:…> path of the app answers 404 for the same number
    (QA rounds on huge page numbers), the brief: no 500 for odd input.

    Right: an id out of the column's range is "not found" (404), or ignored with the empty
    form (200), never a 500.
    """
    r = client.get("/admin/policies/new?from=99999999999999999999")
    assert r.status_code in (200, 404)
