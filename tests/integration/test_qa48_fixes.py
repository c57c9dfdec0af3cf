"""QA round 48: a security review of the latest changes (urging the holder, the
enforcement record, the split's confirmation, corrections across cases, the citizen's
page, the admin's reasons, the timelines' letters, the scoped 02/XLD measures).

Each test fails on the reviewed code because of the defect its docstring names.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import AuditEvent
from complaints.services import corrections, workflow
from tests.conftest import NOW, TODAY
from tests.integration.history_helpers import history_world
from tests.integration.history_helpers import page as _page

pytestmark = pytest.mark.usefixtures("fixed_clock")


@pytest.fixture
def world(make_agency, make_user, make_locality):
    return history_world(make_agency, make_user, make_locality)


def _person(case):
    return case.petitions[0].signers[0].petitioner


def _data(person, **changes) -> corrections.PersonData:
    values = {name: getattr(person, name) for name in corrections.PERSON_FIELDS}
    return corrections.PersonData(**{**values, **changes})


def _events(case, action) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.chain == f"case:{case.id}", AuditEvent.action == action)
        .order_by(AuditEvent.seq)))


# --- 1. A correction through a complaint marks the same person's denunciation ----------


def test_a_correction_does_not_pair_a_denunciation_with_the_complaint_it_went_through(
        make_case, make_user, world, client, login):
    """What is wrong: corrections.correct_person writes a "petitioner_corrected" event on
    each of the person's other cases, in the same instant, by the same officer, naming the
    same fields. When one of them is a denunciation, a reader who may open both cases but
    may not see the denouncer (an officer of the agency holding both who is not assigned
    the denunciation; an administrator; a supervisor's head) reads the pair of events side
    by side on the two timelines and learns that the named complainant is the denouncer
    (Law on Denunciations Art. 8; the link beside a denunciation is only for readers who
    may see both petitioners: permissions.can_see_link — the rule splitting.py keeps by
    writing events that never pair the cases).
    What is right: no event on the denunciation's trail that a reader who may not see its
    denouncer can pair with the other case (e.g. the record is kept apart for a
    denunciation, as for a case the desk may not see, or the cross-case event is shown
    only to readers who may see the denouncer)."""
    complaint = make_case(actor=world["reception"], received_on=date(2026, 10, 2))
    person = _person(complaint)
    person.address = "Số 2 Lạch Tray"
    denunciation = make_case(actor=world["reception"], kind="denunciation",
                             received_on=date(2026, 10, 5),
                             subject="Tố cáo cán bộ địa chính")
    denunciation.petitions[0].signers[0].petitioner_id = person.id  # the same person
    for case in (complaint, denunciation):
        workflow.route(case, "D", None, NOW, TODAY, decided_on=case.received_on)
    officer = make_user("agency_officer", agency=world["D"])
    db.session.commit()
    corrections.correct_person(complaint, person.id, _data(person, phone="0912 345 678"),
                               "Công dân bổ sung số điện thoại", world["reception"], NOW)
    db.session.commit()

    login(officer)
    shown = _page(client.get(f"/agency/cases/{denunciation.tracking_code}"))
    assert person.full_name not in shown  # the denouncer is masked for this reader …
    assert person.full_name in _page(client.get(f"/agency/cases/{complaint.tracking_code}"))
    # … yet the denunciation's timeline carries the twin of the complaint's correction.
    assert "Sửa thông tin người đứng đơn" not in shown


# --- 2. The citizen's "withdrew" flag is decided once, at look-up -------------------------


@pytest.fixture
def online(make_agency, make_user):
    """The online desk (BTCD), a province with a department under it, its head."""
    desk = make_agency(code="BTCD", name="Ban Tiếp công dân tỉnh", is_reception_desk=True)
    reception = make_user("reception", agency=desk)
    province = make_agency(code="UBND-T", name="Ủy ban nhân dân tỉnh", level="province")
    land = make_agency(code="STNMT", name="Sở Tài nguyên và Môi trường", parent=province)
    head = make_user("agency_head", agency=land)
    db.session.commit()
    return {"desk": desk, "reception": reception, "land": land, "head": head}


def _lookup(client, code, secret):
    return client.post("/cong-dan/tra-cuu", data={"tracking_code": code, "secret": secret},
                       follow_redirects=True)


def test_one_who_withdrew_after_opening_the_page_still_appeals_in_the_others_names(
        client, online, make_case):
    """What is wrong: web/public/routes.lookup decides once, when the case is opened,
    whether the phone that opened it is of someone who withdrew (public.withdrew), and
    keeps the answer in the session (WITHDRAWN_KEY). A who opened the page with A's phone
    before withdrawing keeps a session in which A never withdrew: after A's withdrawal
    (and the decision) A is offered, and files, a second complaint whose only complainant
    is B, who never asked (QA round 46's defect, back through a session opened earlier).
    What is right: rating and the second complaint check, when they are asked for, that
    the one who opened the page still stands behind the case (the session keeps which
    phone or petitioners opened it, not a verdict taken before the withdrawal)."""
    case = make_case(actor=online["reception"], petitioners=2, received_on=TODAY)
    a, b = [s.petitioner for s in case.petitions[0].signers]
    db.session.commit()
    page = _lookup(client, case.tracking_code, a.phone).get_data(as_text=True)
    assert 'data-testid="timeline"' in page  # A opened it, while still a petitioner
    workflow.withdraw(case, "Tôi rút đơn", online["reception"], NOW, TODAY,
                      petitioner_ids=[a.id])
    workflow.route(case, "STNMT", online["reception"], NOW, TODAY)
    workflow.accept(case, online["head"], NOW, TODAY)
    workflow.resolve(case, "wrong", "12/QĐ-STNMT", "Giữ nguyên quyết định.", online["head"],
                     NOW, TODAY)
    db.session.commit()

    client.post("/cong-dan/ho-so/khieu-nai-lan-hai",
                data={"reason": "Tôi không đồng ý với quyết định.", "confirm": "y"})
    from complaints.models import Case

    second = db.session.scalar(select(Case).where(Case.parent_case_id == case.id))
    names = [] if second is None else [s.petitioner_id for p in second.petitions
                                       for s in p.signers]
    assert second is None, (
        f"A (withdrawn) filed second complaint {second.tracking_code} in the name of "
        f"{names} (B = {b.id})")


# --- 3. The desk's urging is sent to the holding agency's own reception officers --------


def test_the_desks_urging_reaches_only_readers_of_the_case(make_agency, make_user, make_case):
    """What is wrong: urging.urge_holder tells the holder through
    inspector_actions.notify_heads, which addresses every active "agency_head" AND
    "reception" account of the agency. The case is at an agency (urging needs one); a
    commune or department that has its own citizen-reception officers gets the notice —
    the tracking code of a denunciation and the desk's note about it — delivered to
    officers who may not even open the case (permissions.can_view: a reception officer
    reads only the cases its own desk received). Notices go to those the case concerns.
    What is right: the desk's urging goes to the holding agency's heads (those who may
    read the case); nobody who may not open the case gets its notice."""
    from complaints.models import Notification, User
    from complaints.permissions import can_view
    from complaints.services import intake, urging

    p = make_agency(code="P", level="province", name="UBND tỉnh")
    commune = make_agency(code="C", parent=p, level="commune", name="UBND xã An Hòa")
    desk = make_agency(code="DESK", parent=p, level="desk", name="Ban Tiếp công dân",
                       is_reception_desk=True)
    reception = make_user("reception", agency=desk)
    commune_clerk = make_user("reception", agency=commune)  # the commune's own desk
    make_user("agency_head", agency=commune)
    case = make_case(reception, kind="denunciation", received_on=date(2026, 6, 1))
    intake.add_petition(case, intake.PetitionData(
        channel="mail", received_on=date(2026, 7, 10), petitioners=[intake.PetitionerData(
            full_name="Lê Văn Tư", address="Số 4 Lê Lợi", phone="0912345611")]),
        reception, NOW, TODAY)
    workflow.route(case, "C", None, NOW, TODAY, decided_on=date(2026, 6, 2))
    db.session.commit()
    urging.urge_holder(case, case.petitions[1].id, "Đề nghị xã giải quyết đúng hạn.",
                       reception, NOW, TODAY)
    db.session.commit()

    told = db.session.scalars(select(User).join(
        Notification, Notification.user_id == User.id).where(
        Notification.case_id == case.id)).unique().all()
    assert told, "nobody was told"
    strangers = [u.username for u in told if not can_view(u, case)]
    assert not can_view(commune_clerk, case)
    assert strangers == [], f"the urging of {case.tracking_code} went to {strangers}"


# --- 4. The export's messages are only those sent to the person's present address ------


def test_the_export_keeps_the_messages_sent_before_the_address_was_corrected(
        make_case, make_user, world):
    """What is wrong: personal_data.export_petitioner lists "messages" by
    Notification.email_to == the petitioner's e-mail as it is now. The desk corrects an
    e-mail address (corrections.correct_person: a typo at intake, or a new address); the
    status e-mails already sent to the earlier address stay in the outbox, about the
    person's cases, and the export — "everything held about the petitioner" (domain.md,
    Personal data) — silently leaves them, and that earlier address, out. (Anonymising
    matches the same way and leaves them in the outbox too.)
    What is right: the messages of the person's cases addressed to them under any address
    they were recorded with (e.g. kept by the recipient petitioner, or matched on the
    addresses recorded for them) are exported (and blanked when anonymising)."""
    from complaints.models import Notification
    from complaints.services import personal_data

    case = make_case(actor=world["reception"], received_on=date(2026, 10, 2))
    person = _person(case)
    person.email = "lan.cu@example.vn"
    from complaints.services import notifications

    assert notifications.queue_status_change(case, NOW) == 1  # as the workflow queues it
    db.session.commit()
    assert db.session.scalar(db.select(Notification.email_to)) == "lan.cu@example.vn"
    corrections.correct_person(case, person.id, _data(person, email="lan.moi@example.vn"),
                               "Công dân đổi địa chỉ thư điện tử", world["reception"], NOW)
    admin = make_user("admin")
    db.session.commit()

    exported = personal_data.export_petitioner(person, admin, NOW,
                                               ground="Phiếu yêu cầu số 8/PYC")
    sent = [m["email_to"] for m in exported["messages"]]
    assert "lan.cu@example.vn" in sent, (
        f"the export lists {sent}: the e-mail sent to the person's earlier address is "
        "held but not exported")


# --- 5. The enforcement note may name the denouncer, and the API now hands it out -------


def test_the_enforcement_note_of_a_denunciation_may_not_name_its_denouncer(
        make_agency, make_user, make_decided, api):
    """What is wrong: enforcement.check_enforce takes the note of a denunciation's
    enforcement as typed: nothing refuses one naming the denouncer ("Đã trả lời ông
    Nguyễn Văn A, người tố cáo…", as such notes are written). The note is now part of the
    API's case answer (`enforcement.note`, web/api/case_view.CaseView.enforcement) for
    every reader of the case, the identity masked or not — an officer of the agency not
    assigned the case, the supervisor's head reading it on an escalation — as it is in the
    timeline. The same round refuses a correction's reason and an urging's note that name
    a denouncer (intake.reason_names_denouncer) for exactly this reason.
    What is right: the enforcement note of a denunciation is refused when it names one of
    its denouncers (REASON_NAMES_DENOUNCER), or it is not shown to a reader from whom the
    identity is masked."""
    from complaints.services import enforcement
    from complaints.services.errors import ValidationFailed

    p = make_agency(code="P", level="province", name="UBND tỉnh")
    d_agency = make_agency(code="D", parent=p, name="Sở Tài nguyên")
    desk = make_agency(code="DESK", parent=p, level="desk", name="Ban Tiếp công dân",
                       is_reception_desk=True)
    reception = make_user("reception", agency=desk)
    head = make_user("agency_head", agency=d_agency)
    officer = make_user("agency_officer", agency=d_agency)  # not assigned the case
    case = make_decided(reception, d_agency, decided=date(2026, 7, 1), kind="denunciation",
                        outcome="denunciation_right", people_disciplined=1)
    name = _person(case).full_name
    db.session.commit()
    note = f"Đã thông báo kết quả cho ông {name}, người tố cáo."
    try:
        enforcement.enforce(case, date(2026, 8, 1), {"people_disciplined": 1}, note, head,
                            NOW, TODAY)
        db.session.commit()
    except ValidationFailed as refused:
        assert "note" in refused.errors
        return
    answer = api(officer, "GET", f"/cases/{case.tracking_code}").get_json()
    assert answer["identity_masked"] is True
    assert name not in (answer["enforcement"] or {}).get("note", ""), (
        "the denouncer's name reaches a reader from whom the identity is masked")
