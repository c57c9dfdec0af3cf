"""Ways for a reader who may not know a denouncer to confirm or learn who it is (QA round 10).

A denunciation with a "canary" identity is logged at desk BTCD and routed to SO-A. Only the
intake staff, the resolving agency's officer and head, and inspectors may see its denouncer
(domain.md, "Confidentiality of denouncers"); an officer of SO-A not assigned to it, another
desk, and the other agencies may not, and no intake, count, flag or link may tell them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import Case, Notification, Petitioner, PetitionSigner, User
from complaints.services import intake, workflow
from tests.conftest import NOW, TODAY
from tests.factories import PASSWORD
from tests.integration.reception_helpers import intake_form
from tests.integration.test_escalation_world import *  # noqa: F403  (fixtures: world, …)

pytestmark = pytest.mark.usefixtures("fixed_clock")

CANARY = {
    "full_name": "Phạm Bímật Tốcáo",
    "id_number": "031299887766",
    "phone": "0987001122",
    "email": "bimat.tocao@example.com",
    "address": "Số 77 ngõ Canarybimat, Hải Phòng",
}
DENOUNCER = {"full_name": CANARY["full_name"], "id_number": CANARY["id_number"]}
FAKES = [{"full_name": f"Người Thử {i}", "id_number": f"03120000000{i}",
          "address": "Hải Phòng"} for i in range(3)]


@dataclass
class Denun:
    case: Case
    officer_a2: User  # an officer of SO-A, the agency holding it, not assigned to it
    desk2: User  # the reception staff of another desk
    admin: User


@pytest.fixture
def denun(world, make_agency, make_user, make_locality) -> Denun:
    loc = make_locality()
    data = intake.CaseData(
        kind="denunciation", field_code="land", subject="Tố cáo cán bộ Sở A nhận hối lộ",
        content="Cán bộ địa chính Sở A nhận tiền để cấp giấy.", locality_code=loc.code,
        petition=intake.PetitionData(channel="walk_in", received_on=date(2026, 10, 1),
                                     petitioners=[intake.PetitionerData(**CANARY)]))
    case, _pin = intake.receive_case(data, world.reception, NOW, TODAY)
    workflow.route(case, "SO-A", world.reception, NOW, TODAY, decided_on=date(2026, 10, 2))
    officer_a2 = make_user("agency_officer", world.a, "chuyenvien_a2")
    desk2 = make_agency("BTCD2", parent=world.province, name="Bàn tiếp dân 2",
                        is_reception_desk=True)
    reception2 = make_user("reception", desk2, "tiepdan2")
    admin = make_user("admin", None, "quantri")
    db.session.commit()
    return Denun(case, officer_a2, reception2, admin)


@pytest.fixture
def as_user(client):
    """Sign in (through the form) as a user; returns the client."""

    def do(user: User):
        db.session.commit()
        client.post("/logout")
        r = client.post("/login", data={"username": user.username, "password": PASSWORD})
        assert r.status_code in (302, 303)
        return client

    return do


def _denouncer_record() -> Petitioner:
    return db.session.scalar(select(Petitioner).where(
        Petitioner.email == CANARY["email"]))


def _session_body(*people: dict, **petition) -> dict:
    return {"held_on": "2026-11-30", "kind": "regular", "place": "Trụ sở Sở A",
            "turns": 1, "people": len(people), "matters_first": 1,
            "petitions": [{"kind": "recommendation", "field": "land",
                           "subject": "Kiến nghị về cấp giấy chứng nhận",
                           "content": "Công dân kiến nghị.", "petitioners": list(people),
                           **petition}]}


def _opened_signer(api, user, answer) -> dict:
    assert answer.status_code == 201, answer.get_json()
    code = answer.get_json()["opened"][0]["tracking_code"]
    (signer,) = api(user, "GET", f"/cases/{code}").get_json()["petitions"][0]["signers"]
    return signer


# --- QA10-2: staff intake under the denouncer's ID number ---------------------------------

def test_a_known_number_under_another_name_is_refused_only_to_staff_who_may_see_it(
        world, denun, api):
    """An officer of the denounced agency learned that the denouncer's ID number is on record
    (refused "… họ tên khác", an unknown number accepted), and by trying names, whose."""
    guess = {"full_name": "Nguyễn Văn Đoán", "id_number": CANARY["id_number"]}
    unknown = api(denun.officer_a2, "POST", "/reception-sessions", json=_session_body(
        {**guess, "id_number": "031200000001"}))
    known = api(denun.officer_a2, "POST", "/reception-sessions", json=_session_body(guess))
    assert unknown.status_code == known.status_code == 201, known.get_json()
    # Another desk neither: the same on its intake form (the first round's check) …
    assert intake.identity_problems([intake.PetitionerData(**guess)], denun.desk2) == {}
    # … while the desk that logged the denunciation, which sees its denouncer, is still
    # stopped from filing a petition under that person with another name.
    assert list(intake.identity_problems([intake.PetitionerData(**guess)],
                                         world.reception)) == ["petitioners.0.id_number"]
    assert _denouncer_record().full_name == CANARY["full_name"]


def test_an_agency_officer_does_not_read_the_denouncers_contacts(world, denun, api):
    """Typed with the denouncer's name and ID number, the session's petition was filed under
    the denouncer's record: the officer's own case showed the denouncer's phone and address."""
    signer = _opened_signer(api, denun.officer_a2, api(
        denun.officer_a2, "POST", "/reception-sessions", json=_session_body(DENOUNCER)))
    assert signer["full_name"] == CANARY["full_name"]  # what was typed
    assert (signer["phone"], signer["email"], signer["address"]) == (None, None, None)
    assert signer["petitioner_id"] != _denouncer_record().id


def test_another_desk_does_not_read_the_denouncers_contacts(world, denun, api):
    body = {"kind": "feedback", "field": "land", "subject": "Phản ánh", "content": "Nội dung",
            "channel": "walk_in", "received_on": "2026-11-30", "petitioners": [DENOUNCER]}
    r = api(denun.desk2, "POST", "/cases", json=body)
    assert r.status_code == 201, r.get_json()
    (signer,) = r.get_json()["petitions"][0]["signers"]
    assert CANARY["phone"] not in str(signer) and CANARY["address"] not in str(signer)
    assert signer["petitioner_id"] != _denouncer_record().id


def test_another_desks_intake_form_neither_refuses_nor_links_the_denouncer(
        world, denun, as_user, make_locality):
    """The desk form (/reception/new) under the denouncer's number with another name."""
    desk2 = as_user(denun.desk2)
    data = intake_form(make_locality().code, [{"full_name": "Nguyễn Văn Đoán",
                                               "id_number": CANARY["id_number"],
                                               "address": "Số 3 Lạch Tray"}], TODAY)
    data["confirm_new"] = "1"
    response = desk2.post("/reception/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert db.session.scalar(select(func.count()).select_from(Petitioner).where(
        Petitioner.id_number == CANARY["id_number"])) == 2


def test_staff_intake_links_a_person_only_if_it_may_see_them_on_every_case(
        world, denun, api):
    """The canary also signs a complaint SO-A holds, which its officers may read: the
    unassigned officer still may not see them on the denunciation, so its intake is a new
    person; SO-A's head, who may see them on both, files under the same person."""
    data = intake.CaseData(
        kind="complaint", field_code="land", subject="Khiếu nại cấp giấy",
        content="Nội dung", locality_code=denun.case.locality_code,
        petition=intake.PetitionData(channel="walk_in", received_on=date(2026, 10, 3),
                                     petitioners=[intake.PetitionerData(**DENOUNCER)]))
    complaint, _pin = intake.receive_case(data, world.reception, NOW, TODAY)
    workflow.route(complaint, "SO-A", world.reception, NOW, TODAY,
                   decided_on=date(2026, 10, 4))
    db.session.commit()
    record = _denouncer_record()
    assert complaint.petitions[0].signers[0].petitioner_id == record.id  # the desk sees both
    officer = _opened_signer(api, denun.officer_a2, api(
        denun.officer_a2, "POST", "/reception-sessions", json=_session_body(DENOUNCER)))
    head = _opened_signer(api, world.head_a, api(
        world.head_a, "POST", "/reception-sessions", json=_session_body(DENOUNCER)))
    assert officer["petitioner_id"] != record.id
    assert head["petitioner_id"] == record.id and head["phone"] == CANARY["phone"]


def test_an_agency_officer_cannot_redirect_the_denouncers_status_emails(world, denun, api):
    """The same intake with the officer's own e-mail and phone overwrote the denouncer's:
    the denunciation's next status e-mail, naming its code, went to the officer."""
    spy = "spy@so-a.gov.vn"
    r = api(denun.officer_a2, "POST", "/reception-sessions", json=_session_body(
        {**DENOUNCER, "email": spy, "phone": "0911222333"}))
    assert r.status_code == 201, r.get_json()
    case = db.session.get(Case, denun.case.id)
    workflow.accept(case, world.head_a, NOW, TODAY, decided_on=date(2026, 10, 5))
    db.session.commit()
    sent = db.session.scalars(select(Notification.email_to).where(
        Notification.case_id == case.id, Notification.channel == "email")).all()
    assert spy not in sent
    person = _denouncer_record()
    assert (person.email, person.phone) == (CANARY["email"], CANARY["phone"])


# --- QA10-3: counting people for the mass flag ----------------------------------------------

def test_the_mass_flag_does_not_tell_whether_a_suspect_is_the_denouncer(world, denun, api):
    """Three made-up people and the suspect on the denunciation's matter (same locality,
    field and subject, within 30 days): with the denouncer that made four distinct people,
    with anyone else five, so the flag on the officer's own case said who denounced."""
    case = denun.case
    body = {"held_on": "2026-10-20", "kind": "regular", "place": "Trụ sở Sở A",
            "turns": 1, "people": 4, "matters_first": 1,
            "petitions": [{"kind": "recommendation", "field": "land",
                           "locality_code": case.locality_code, "subject": case.subject,
                           "content": "Kiến nghị cùng nội dung.",
                           "petitioners": [*FAKES, DENOUNCER]}]}
    r = api(denun.officer_a2, "POST", "/reception-sessions", json=body)
    assert r.status_code == 201, r.get_json()
    code = r.get_json()["opened"][0]["tracking_code"]
    assert "mass" in api(denun.officer_a2, "GET", f"/cases/{code}").get_json()["flags"]


def test_staff_who_may_not_see_the_denouncer_cannot_join_a_petition_to_it(world, denun, api):
    """Joined to the denunciation, the petition showed four or five people (and the mass
    flag) on it: the join is refused as for a case not held, in the same words."""
    def join(user, code):
        return api(user, "POST", "/reception-sessions", json={
            "held_on": "2026-10-20", "kind": "regular", "turns": 1, "people": 4,
            "matters_repeated": 1,
            "petitions": [{"join_code": code,
                           "petitioners": [*FAKES, {**DENOUNCER, "address": "Hải Phòng"}]}]})

    refused = join(denun.officer_a2, denun.case.tracking_code)
    unknown = join(denun.officer_a2, "2026-AAAAAAAA")
    assert refused.status_code == unknown.status_code == 422
    assert refused.get_json()["errors"] == unknown.get_json()["errors"]
    assert db.session.scalar(select(func.count()).select_from(PetitionSigner)) == 1
    # The head of the agency resolving it sees its denouncer: the join stands.
    assert join(world.head_a, denun.case.tracking_code).status_code == 201


# --- QA10-4: a later case linked to the denunciation -----------------------------------------

def _resolve(world, case):
    workflow.accept(case, world.head_a, NOW, TODAY, decided_on=date(2026, 10, 5))
    workflow.resolve(case, "denunciation_wrong", "12/KL-SO-A", "Tố cáo sai.", world.head_a,
                     NOW, TODAY, decided_on=date(2026, 10, 30))
    db.session.commit()


def _follow_up(code: str, **body) -> dict:
    return {"kind": "feedback", "field": "land", "subject": "Phản ánh kết luận tố cáo",
            "content": "Không đồng ý kết luận.", "channel": "walk_in",
            "received_on": "2026-11-20", "parent_tracking_code": code,
            "petitioners": [{**DENOUNCER, "address": CANARY["address"]}], **body}


def test_a_follow_up_linked_to_the_denunciation_does_not_name_its_denouncer(
        world, denun, api, as_user):
    """The denouncer's feedback on the conclusion, linked by the desk to the denunciation,
    went to SO-B: its page named the person beside "Hồ sơ trước: <the denunciation>", and
    the inspection page said the petitioner of that denunciation had come back."""
    _resolve(world, denun.case)
    denunciation = denun.case.tracking_code
    r = api(world.reception, "POST", "/cases", json=_follow_up(denunciation,
                                                                agency_code="SO-B"))
    assert r.status_code == 201, r.get_json()
    code = r.get_json()["tracking_code"]
    assert "repeated" not in r.get_json()["flags"]  # the denouncer is not matched

    answer = api(world.head_b, "GET", f"/cases/{code}").get_json()
    assert answer["petitions"][0]["signers"][0]["full_name"] == CANARY["full_name"]
    assert denunciation not in str(answer)  # neither the field nor the timeline
    head_b = as_user(world.head_b)
    assert head_b.get(f"/agency/cases/{denunciation}").status_code == 404
    page = head_b.get(f"/agency/cases/{code}").get_data(as_text=True)
    inspect = head_b.get(f"/inspection/cases/{code}").get_data(as_text=True)
    assert CANARY["full_name"] in page and denunciation not in page
    assert denunciation not in inspect
    # The admin may open both, but may not see who denounced: no link either way.
    admin = as_user(denun.admin)
    assert code not in admin.get(f"/inspection/cases/{denunciation}").get_data(as_text=True)
    assert denunciation not in admin.get(f"/inspection/cases/{code}").get_data(as_text=True)
    # An inspector, who may see the denouncer, sees the link.
    inspector = as_user(world.inspector)
    assert code in inspector.get(f"/inspection/cases/{denunciation}").get_data(as_text=True)


def test_a_desk_links_only_to_a_case_it_may_see(world, denun, api):
    """Any desk linked any code: the new case came back flagged Repeated exactly when the
    suspect had signed the decided denunciation. Now a case the desk may not open is not
    found, in the same words as an unknown code."""
    _resolve(world, denun.case)
    linked = api(denun.desk2, "POST", "/cases",
                 json=_follow_up(denun.case.tracking_code))
    unknown = api(denun.desk2, "POST", "/cases", json=_follow_up("2026-AAAAAAAA"))
    assert linked.status_code == unknown.status_code == 422
    assert linked.get_json()["errors"] == unknown.get_json()["errors"]
    assert list(linked.get_json()["errors"]) == ["parent_tracking_code"]


def test_the_citizens_form_does_not_file_a_name_and_number_under_the_denouncer(
        world, denun, api):
    """The online form matched a known person on the details typed only: with the
    denouncer's name and ID number and nothing else, the submission was filed under the
    denouncer's record, and once routed to SO-A its officer read the denouncer's phone,
    e-mail and address on it."""
    data = intake.CaseData(
        kind="feedback", field_code="land", subject="Phản ánh", content="Nội dung",
        locality_code=denun.case.locality_code,
        petition=intake.PetitionData(channel="online", received_on=TODAY,
                                     petitioners=[intake.PetitionerData(**DENOUNCER)]))
    case, _pin = intake.receive_case(data, None, NOW, TODAY)
    case.reception_agency_id = world.desk.id
    db.session.flush()
    workflow.route(case, "SO-A", world.reception, NOW, TODAY, decided_on=TODAY)
    db.session.commit()
    answer = api(denun.officer_a2, "GET", f"/cases/{case.tracking_code}").get_json()
    (signer,) = answer["petitions"][0]["signers"]
    assert signer["full_name"] == CANARY["full_name"]
    assert (signer["phone"], signer["email"], signer["address"]) == (None, None, None)
