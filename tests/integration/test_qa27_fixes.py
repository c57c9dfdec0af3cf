"""QA round 27: the denouncer's identity and petitioners' personal data, on every surface.

DEFECTS (each test below marked "FAILS" failed on the frozen code because of the defect;
all four are fixed, and the tests now pass):
- test_letter_is_not_shown_before_the_recorded_reveal[agency-head]       FAILS
- test_letter_is_not_shown_before_the_recorded_reveal[inspector]         FAILS
- test_a_later_signer_named_by_the_denunciations_subject_is_refused      FAILS
- test_anonymising_erases_the_name_from_the_stored_withdrawal_emails     FAILS

GUARDS (passed then; they hold the confidentiality rules over many surfaces at once):
- test_no_page_export_api_or_notice_names_the_denouncer_to_other_readers
- test_no_search_finds_a_denunciation_by_its_denouncers_name_or_number
- test_after_a_transfer_the_old_agency_reads_nothing_and_the_new_head_only_by_reveal
"""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import AuditEvent, Case, User
from complaints.models.escalation import Notification
from complaints.services import escalation, intake, personal_data, workflow
from complaints.services.errors import ValidationFailed
from tests.conftest import NOW, TODAY
from tests.factories import PASSWORD
from tests.integration.test_escalation_world import *  # noqa: F403  (world)

pytestmark = pytest.mark.usefixtures("fixed_clock")

CANARY = dict(full_name="Phạm Bímật Tốcáo", id_number="031299887766", phone="0987001122",
              email="bimat.tocao@example.com", address="Số 77 ngõ Canarybimat, Hải Phòng")
# What the denouncer's data looks like anywhere (name accented or folded, numbers, e-mail,
# address, initials).
NEEDLES = ("Bímật", "Bimat", "bimat", "031299887766", "0987001122", "987001122",
           "Canarybimat", "P.B.T.")
# A denouncer writes as letters are written: the letter names them.
LETTER = (f"Tôi là {CANARY['full_name']}, CCCD {CANARY['id_number']}, điện thoại "
          f"{CANARY['phone']}. Tôi tố cáo cán bộ địa chính Sở A nhận tiền để cấp giấy.")
SUBJECT = "Tố cáo cán bộ địa chính Sở A nhận hối lộ"


def _leaks(text: str) -> list[str]:
    return [n for n in NEEDLES if n in text]


def _body(response) -> str:
    """A response as text; an .xlsx export as the text of all its cells."""
    raw = response.get_data()
    if raw[:2] == b"PK":
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(raw))
        return " ".join(str(c.value) for sheet in book for row in sheet.iter_rows()
                        for c in row if c.value is not None)
    return raw.decode("utf-8", "replace")


def _denunciation(world, loc, content: str = "Nội dung tố cáo", to: str | None = "SO-A",
                  received_on: date = date(2026, 10, 1)) -> Case:
    data = intake.CaseData(
        kind="denunciation", field_code="land", subject=SUBJECT, content=content,
        locality_code=loc.code,
        petition=intake.PetitionData(channel="walk_in", received_on=received_on,
                                     petitioners=[intake.PetitionerData(**CANARY)]))
    case, _pin = intake.receive_case(data, world.reception, NOW, TODAY)
    if to:
        workflow.route(case, to, world.reception, NOW, TODAY,
                       decided_on=date(received_on.year, received_on.month,
                                       received_on.day + 1))
    db.session.commit()
    return case


def _sign_in(client, user: User) -> None:
    db.session.commit()
    client.post("/logout")
    r = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert r.status_code in (302, 303), r.status_code


def _identity_views(case: Case) -> int:
    return len(db.session.scalars(select(AuditEvent).where(
        AuditEvent.case_id == case.id,
        AuditEvent.action.in_(("identity_viewed", "identity_revealed")))).all())


# --- DEFECTS ------------------------------------------------------------------------------


@pytest.mark.parametrize("reader", ["agency-head", "inspector"])
def test_letter_is_not_shown_before_the_recorded_reveal(world, client, make_locality,
                                                         reader):
    """FAILS. The denunciation's letter ("Tôi là Phạm …, CCCD 0312…, điện thoại 0987…") is
    printed on the agency head's case page (/agency/cases/<code>) and on the inspector's
    (/inspection/cases/<code>) as soon as the page opens, while the petitioners' block on
    the same page is masked until the "Xem danh tính" button records the view. So the
    denouncer's name and numbers are read with no identity_viewed event at all.

    Right: domain.md "Confidentiality of denouncers" — every view of the identity is
    audited; permissions.can_read_content says the letter is "data that may reveal them …
    so it goes with their identity"; case_view.build_case_page: "A denouncer's identity is
    shown only when the reader may see it AND asked to (the request that asks records the
    audit event)". The API (records a view on each read) and the desk's page (records it
    on each showing) hold this; the two staff pages do not.

    Cause: complaints/services/case_view.build_case_page sets
    content_hidden = not can_read_content(user, case) and ignores `masked` (the recorded
    reveal), so templates/case/_reveal_and_content.html prints case.content (and
    _later_letters.html the later letters) before any reveal.
    Fix: content_hidden = not can_read_content(user, case) or (case.kind == "denunciation"
    and masked) — the letter shown with the identity, after the recorded reveal."""
    case = _denunciation(world, make_locality(), content=LETTER)
    user, url = ((world.head_a, f"/agency/cases/{case.tracking_code}")
                 if reader == "agency-head"
                 else (world.inspector, f"/inspection/cases/{case.tracking_code}"))
    _sign_in(client, user)
    page = client.get(url).get_data(as_text=True)
    assert "Xem danh tính" in page  # the identity is masked until the recorded reveal …
    assert _identity_views(case) == 0
    # … so the letter that names the denouncer must be too.
    assert _leaks(page) == [], (
        f"the letter names the denouncer on {url} with no recorded identity view")


def test_a_later_signer_named_by_the_denunciations_subject_is_refused(world, make_locality,
                                                                      client, make_user):
    """FAILS. Intake refuses a denunciation whose subject (trích yếu) names one of its
    denouncers, because the subject is listed to staff who may not know who denounced
    (lists, exports, notices, the cluster page). A later letter joined to the case
    (đơn trùng / nhiều lần, "more signers") is not held to that rule: the subject
    "Tố cáo … ép bà Đỗ Thị Hoa nộp tiền" is accepted (Đỗ Thị Hoa is not a signer yet), then
    Đỗ Thị Hoa signs a later letter joined to the case and becomes a denouncer whose name
    every list, export and notice shows to all who read the subject — above all the
    denounced agency's other staff.

    Right: complaints/domain/confidentiality.py (SUBJECT_NAMES_DENOUNCER: "the subject of
    a denunciation is listed to staff who may not see who denounced … A subject naming its
    writer would undo that, so intake refuses it"); Law on Denunciations Art. 8(3), 56.
    Joining a signer the subject names must be refused as intake refuses it (or the desk
    told to word the subject again).

    Cause: complaints/services/intake.add_petition runs validate_petition and
    denouncer_errors but never names_denouncer(case.subject, data.petitioners).
    Fix: in add_petition, for a denunciation, refuse with SUBJECT_NAMES_DENOUNCER (keyed
    on the signer) when names_denouncer(case.subject, data.petitioners)."""
    loc = make_locality()
    data = intake.CaseData(
        kind="denunciation", field_code="land",
        subject="Tố cáo cán bộ địa chính ép bà Đỗ Thị Hoa nộp tiền", content="Nội dung",
        locality_code=loc.code,
        petition=intake.PetitionData(channel="walk_in", received_on=date(2026, 11, 2),
                                     petitioners=[intake.PetitionerData(
                                         full_name="Lê Văn Tư", address="Số 1 Lạch Tray",
                                         phone="0912000111")]))
    case, _pin = intake.receive_case(data, world.reception, NOW, TODAY)
    workflow.route(case, "SO-A", world.reception, NOW, TODAY, decided_on=date(2026, 11, 3))
    db.session.commit()
    later = intake.PetitionData(channel="walk_in", received_on=date(2026, 11, 5),
                                petitioners=[intake.PetitionerData(
                                    full_name="Đỗ Thị Hoa", address="Số 9 Lạch Tray",
                                    phone="0912000222")])
    try:
        intake.add_petition(case, later, world.reception, NOW, TODAY)
        db.session.commit()
    except ValidationFailed:
        db.session.rollback()
        return  # refused: the rule holds
    # Joined: a reader who may not know who denounced (an admin) now reads a denouncer's
    # name in the case list, as in every list, export and notice that shows the subject.
    admin = make_user("admin", None, "quantri")
    _sign_in(client, admin)
    listed = client.get("/inspection/cases?export=csv").get_data(as_text=True)
    assert "Đỗ Thị Hoa" not in listed, (
        "a later denouncer named by the subject joined the denunciation: the admin's case "
        "list (and every list, export and notice) names her")


def test_anonymising_erases_the_name_from_the_stored_withdrawal_emails(world, make_case,
                                                                       make_user):
    """FAILS. When petitioners withdraw, the holding agency's staff are e-mailed "Ngày …,
    Nguyễn Văn A, Nguyễn Văn B đã rút đơn đối với hồ sơ …" (withdrawal_notify, named for
    a complaint). The e-mail's row stays in the outbox (notifications table) for good.
    Anonymising Nguyễn Văn A after retention (Admin → personal data → "Ẩn danh") clears
    the address the status e-mails went to, but leaves A's full name in the bodies of
    these e-mails: the anonymised person is still named in the database (and in every
    backup made from it).

    Right: domain.md "Personal data" (Law 91/2025/QH15) and the app's own anonymisation
    ("Erase the petitioner's identity once every case is final past retention"), which
    already scrubs the outbox's email_to and last_error for the same reason; the brief's
    rule: anonymised petitioners stay anonymised everywhere.

    Cause: complaints/services/personal_data.anonymise_petitioner scrubs
    Notification.email_to / last_error only; withdrawal_notify._to_agency writes the
    names into Notification.body.
    Fix: on anonymisation, rewrite (or blank) the bodies of the case's notifications that
    name the person, or have the withdrawal e-mails name petitioners by number only."""
    case = make_case(actor=world.reception, petitioners=2)
    workflow.route(case, "SO-A", world.reception, NOW, TODAY, decided_on=date(2026, 11, 3))
    db.session.commit()
    a, b = (s.petitioner for s in case.petitions[0].signers)
    name = a.full_name
    workflow.withdraw(case, "Đã được giải quyết ổn thỏa", world.reception, NOW, TODAY,
                      decided_on=TODAY, petitioner_ids=[a.id, b.id])
    db.session.commit()
    bodies = [n.body for n in db.session.scalars(
        select(Notification).where(Notification.case_id == case.id))]
    assert any(name in body for body in bodies)  # the head of SO-A was told by name
    admin = make_user("admin", None, "quantri")
    later = datetime(2032, 12, 10, 3, 0, tzinfo=timezone.utc)
    personal_data.anonymise_petitioner(a, "retention_expired", admin, later, later.date(), 5)
    db.session.commit()
    db.session.expire_all()
    still = [n.body for n in db.session.scalars(
        select(Notification).where(Notification.case_id == case.id)) if name in n.body]
    assert still == [], f"the anonymised petitioner is still named in the outbox: {still}"


# --- GUARDS (pass today) ------------------------------------------------------------------


def test_no_page_export_api_or_notice_names_the_denouncer_to_other_readers(
        world, client, make_user, make_locality, api):
    """Holds. A denunciation routed to SO-A, overdue (escalated up the ladder to the
    province and the inspectorate): no list, export, home page, inbox, escalation queue,
    case page (before a reveal), API answer or notice names the denouncer to an officer
    not assigned, another agency's head, the supervisor it was escalated to, or an admin;
    nor to the allowed readers on the lists and exports (which record no view)."""
    case = _denunciation(world, make_locality())
    escalation.escalate_due(TODAY, NOW)
    db.session.commit()
    officer2 = make_user("agency_officer", world.a, "chuyenvien_a2")
    admin = make_user("admin", None, "quantri")
    code = case.tracking_code
    pages = ["/inbox", "/escalations", "/agency/", "/agency/cases?status=open",
             "/agency/cases?export=csv", "/agency/cases?export=xlsx",
             f"/agency/cases/{code}", f"/agency/cases/{code}/withdraw",
             "/inspection/", "/inspection/cases", "/inspection/cases?export=xlsx",
             "/inspection/overdue?export=csv", "/inspection/escalations?export=csv",
             f"/inspection/cases/{code}", "/admin/"]
    readers = {"officer not assigned": officer2, "other agency's head": world.head_b,
               "supervisor escalated to": world.province_head, "admin": admin,
               "agency head (lists)": world.head_a, "inspector (lists)": world.inspector}
    found = []
    for who, user in readers.items():
        _sign_in(client, user)
        for url in pages:
            response = client.get(url)
            if leaked := _leaks(_body(response)):
                found.append((who, url, response.status_code, leaked))
        answer = api(user, "GET", f"/cases/{code}")  # the allowed ones: a recorded view
        if user in (officer2, world.head_b, world.province_head, admin) and (
                leaked := _leaks(answer.get_data(as_text=True))):
            found.append((who, "api detail", answer.status_code, leaked))
        listed = api(user, "GET", "/cases")
        if leaked := _leaks(listed.get_data(as_text=True)):
            found.append((who, "api list", listed.status_code, leaked))
    for note in db.session.scalars(select(Notification)):
        if note.email_to != CANARY["email"] and _leaks(f"{note.subject} {note.body}"):
            found.append(("notice", note.dedupe_key, note.user_id, note.agency_id))
    assert found == []


def test_no_search_finds_a_denunciation_by_its_denouncers_name_or_number(
        world, client, make_user, make_locality, api):
    """Holds. Only the desk that logged it finds a denunciation by its denouncer's name,
    ID or phone (permissions.can_find_by_identity); the agency's, the inspector's and the
    API's searches do not (here the letter does not repeat them)."""
    case = _denunciation(world, make_locality())
    admin = make_user("admin", None, "quantri")
    code = case.tracking_code
    for user in (world.head_a, world.head_b, world.inspector, admin, world.officer_a):
        _sign_in(client, user)
        for q in ("Bímật Tốcáo", "031299887766", "0987001122"):
            for url in (f"/agency/cases?q={q}", f"/inspection/cases?q={q}"):
                response = client.get(url)
                assert code not in response.get_data(as_text=True), (user.username, url)
            assert code not in api(user, "GET", f"/cases?q={q}").get_data(as_text=True)
    _sign_in(client, world.reception)
    assert code in client.get("/reception/search?q=0987001122").get_data(as_text=True)


def test_after_a_transfer_the_old_agency_reads_nothing_and_the_new_head_only_by_reveal(
        world, client, make_locality, api):
    """Holds. Transferred from SO-A to SO-B: SO-A's head no longer opens the case or reads
    the denouncer; SO-B's head reads a masked page until the recorded reveal, and the
    API's read is recorded as a view."""
    case = _denunciation(world, make_locality(), received_on=date(2026, 11, 20))
    workflow.accept(case, world.head_a, NOW, TODAY, decided_on=date(2026, 11, 23))
    workflow.assign(case, world.officer_a.username, world.head_a, NOW)
    workflow.transfer(case, "SO-B", "Thuộc thẩm quyền của Sở B", world.head_a, NOW, TODAY,
                      decided_on=date(2026, 11, 24))
    db.session.commit()
    code = case.tracking_code
    for user in (world.head_a, world.officer_a):
        _sign_in(client, user)
        assert _leaks(_body(client.get(f"/agency/cases/{code}", follow_redirects=True))) == []
        assert api(user, "GET", f"/cases/{code}").status_code == 404
    _sign_in(client, world.head_b)
    page = client.get(f"/agency/cases/{code}").get_data(as_text=True)
    assert "Xem danh tính" in page and "Bímật" not in page
    before = _identity_views(case)
    revealed = client.post(f"/agency/cases/{code}/identity").get_data(as_text=True)
    assert "Bímật" in revealed and _identity_views(case) == before + 1
    answer = api(world.head_b, "GET", f"/cases/{code}")
    assert json.loads(answer.get_data(as_text=True))["identity_masked"] is False
    assert _identity_views(case) == before + 2
