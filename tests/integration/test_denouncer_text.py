"""A denouncer's own words and the administrators' personal-data pages (QA round 10).

Citizens write a letter as letters are written ("Tôi là …, CCCD …, điện thoại …"): the
content of a denunciation is data that reveals its author (Law on Denunciations Art. 8(3)).
Readers who may not see the denouncer read the subject only and cannot find the case by
the content (QA10-7). An administrator who opens or exports a person who signed a
denunciation is recorded on that denunciation's own trail (QA10-6).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select

from complaints.domain.confidentiality import MASK
from complaints.extensions import db
from complaints.models import AuditEvent, Case, User
from complaints.permissions import can_view
from complaints.services import duplicates, intake, personal_data, queries, search, workflow
from complaints.services.errors import ValidationFailed
from tests.conftest import NOW, TODAY
from tests.factories import PASSWORD
from tests.integration.test_denouncer_oracles import CANARY  # one denouncer for both files
from tests.integration.test_escalation_world import *  # noqa: F403  (fixtures: world, …)

pytestmark = pytest.mark.usefixtures("fixed_clock")

NEEDLES = ("Bímật", "Bimat", "bimat", "031299887766", "0987001122", "987001122",
           "bimat.tocao", "Canarybimat")
LETTER = (f"Tôi là {CANARY['full_name']}, CCCD {CANARY['id_number']}, điện thoại "
          f"{CANARY['phone']}. Tôi tố cáo cán bộ địa chính Sở A nhận tiền để cấp giấy.")
SUBJECT = "Tố cáo cán bộ địa chính Sở A nhận hối lộ"


def leaks(text: str) -> list[str]:
    return [n for n in NEEDLES if n in text]


@dataclass
class Letter:
    case: Case
    officer_a2: User  # an officer of SO-A the case is not assigned to
    admin: User


@pytest.fixture
def letter(world, make_user, make_locality) -> Letter:
    """A denunciation logged at the desk whose content is the denouncer's letter, routed
    to SO-A (its head may see the denouncer; its officers, until assigned, may not)."""
    loc = make_locality()
    data = intake.CaseData(
        kind="denunciation", field_code="land", subject=SUBJECT, content=LETTER,
        locality_code=loc.code,
        petition=intake.PetitionData(channel="walk_in", received_on=date(2026, 10, 1),
                                     petitioners=[intake.PetitionerData(**CANARY)]))
    case, _pin = intake.receive_case(data, world.reception, NOW, TODAY)
    workflow.route(case, "SO-A", world.reception, NOW, TODAY, decided_on=date(2026, 10, 2))
    officer_a2 = make_user("agency_officer", world.a, "chuyenvien_a2")
    admin = make_user("admin", None, "quantri")
    db.session.commit()
    return Letter(case, officer_a2, admin)


@pytest.fixture
def as_user(client):
    """Sign in (through the form) as a user; returns the client."""

    def do(user: User):
        db.session.commit()
        client.post("/logout")
        r = client.post("/login", data={"username": user.username, "password": PASSWORD})
        assert r.status_code in (302, 303), r.get_data(as_text=True)[:500]
        return client

    return do


def _case_events(case: Case, action: str) -> list[dict]:
    return [json.loads(e.data or "{}") for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case.id, AuditEvent.action == action)
        .order_by(AuditEvent.seq))]


# --- QA10-7: the letter on case pages and in the API --------------------------------------


def test_an_online_letter_is_not_shown_to_an_officer_who_may_not_see_the_denouncer(
        world, letter, as_user, client):
    """The online form stores the letter as the content; an officer of the agency, not
    assigned, reads the subject and a note, never the letter."""
    r = client.post("/cong-dan/gui-don", data={
        "kind": "denunciation", "field": "land", "subject": "Tố cáo cán bộ địa chính",
        "content": LETTER, "full_name": CANARY["full_name"], "phone": CANARY["phone"],
        "address": CANARY["address"], "consent": "y"})
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    case = db.session.scalar(select(Case).order_by(Case.id.desc()))
    assert case.kind == "denunciation" and case.content.startswith("Tôi là")
    workflow.route(case, "SO-A", world.reception, NOW, TODAY, decided_on=date(2026, 12, 1))
    db.session.commit()
    page = as_user(letter.officer_a2).get(f"/agency/cases/{case.tracking_code}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and leaks(body) == []
    assert 'data-testid="identity-masked"' in body and 'data-testid="content-hidden"' in body
    assert "Tố cáo cán bộ địa chính" in body  # the subject


@pytest.mark.parametrize(("who", "allowed"), [("officer_a2", "head_a"),
                                              ("admin", "inspector")])
def test_readers_who_may_not_see_the_denouncer_read_no_letter(world, letter, as_user, who,
                                                              allowed):
    """The agency's unassigned officer (agency page) and an administrator (inspectors'
    page) are shown the subject and a note in place of the content; the agency's head and
    an inspector, who may see the denouncer, read the letter once they asked to see who
    wrote it, a view that is recorded (QA round 27: it was shown before the reveal)."""
    prefix = "/agency" if who == "officer_a2" else "/inspection"
    url = f"{prefix}/cases/{letter.case.tracking_code}"
    body = as_user(getattr(letter, who)).get(url).get_data(as_text=True)
    assert leaks(body) == []
    assert SUBJECT in body and 'data-testid="content-hidden"' in body
    assert 'data-testid="case-content"' not in body
    reader = as_user(getattr(world, allowed))
    body = reader.get(url).get_data(as_text=True)
    assert 'data-testid="content-hidden"' in body and leaks(body) == []
    body = reader.post(f"{url}/identity").get_data(as_text=True)
    assert 'data-testid="case-content"' in body and "content-hidden" not in body
    assert CANARY["phone"] in body  # the letter, after the recorded reveal


def test_the_api_case_answer_leaves_the_letter_out_for_a_reader_who_may_not_see_it(
        world, letter, api):
    code = letter.case.tracking_code
    answer = api(letter.officer_a2, "GET", f"/cases/{code}")
    assert answer.status_code == 200
    data = answer.get_json()
    assert data["identity_masked"] is True and data["content"] == MASK
    assert data["subject"] == SUBJECT
    assert leaks(json.dumps(data, ensure_ascii=False)) == []
    allowed = api(world.head_a, "GET", f"/cases/{code}").get_json()
    assert allowed["content"] == LETTER


# --- QA10-7: searches --------------------------------------------------------------------


def test_the_api_search_finds_a_denunciation_by_its_letter_only_for_who_may_see_it(
        world, letter, api):
    """The API lists every case of the agency to its officers: q matches a denunciation's
    content only as a search may find it by its denouncer (the desk that logged it:
    permissions.can_find_by_identity; QA round 34: a match on the letter named its author
    with no view recorded); its subject still matches."""
    code = letter.case.tracking_code

    def found(user, q):
        return [c["tracking_code"] for c in api(user, "GET", f"/cases?q={q}").get_json()[
            "items"]]

    assert found(letter.officer_a2, "Bimat") == []
    assert found(letter.officer_a2, "0987001122") == []
    assert found(letter.officer_a2, "hoi lo") == [code]  # words of the subject
    assert found(world.head_a, "Bimat") == []
    assert found(world.inspector, "0987001122") == []
    assert found(world.head_a, "hoi lo") == [code]
    assert found(world.reception, "Bimat") == [code]


def test_the_inspection_list_and_its_export_find_no_letter_for_an_admin(
        world, letter, as_user):
    code = letter.case.tracking_code
    admin = as_user(letter.admin)
    assert code not in admin.get("/inspection/cases?q=0987001122").get_data(as_text=True)
    exported = admin.get("/inspection/cases?q=0987001122&export=csv")
    assert exported.status_code == 200
    assert code not in exported.get_data(as_text=True)
    assert code in admin.get("/inspection/cases?q=hoi+lo").get_data(as_text=True)
    # Nor for an inspector, who may see the denouncer on the case page after the recorded
    # reveal, but not find them by their number (QA round 34).
    inspector = as_user(world.inspector)
    rows = list(csv.reader(io.StringIO(inspector.get(
        "/inspection/cases?q=0987001122&export=csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert not any(code in row for row in rows)
    rows = list(csv.reader(io.StringIO(inspector.get(
        "/inspection/cases?q=hoi+lo&export=csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert any(code in row for row in rows)


def test_the_search_box_matches_a_denunciation_on_its_subject_only_for_other_readers(
        world, letter):
    """search_cases (the desk's search box): an officer of the agency who may not see the
    denouncer finds the case by its subject, never by the letter."""
    assert search.search_cases(letter.officer_a2, "Bimat Tocao") == []
    assert search.search_cases(letter.officer_a2, "dia chinh") == [letter.case]
    assert search.search_cases(world.reception, "Bimat Tocao") == [letter.case]


def test_a_duplicate_check_compares_a_denunciation_letter_only_for_who_may_see_it(
        world, letter):
    """The duplicate warning of a reception session compares contents: a letter copied
    word for word finds the denunciation only for a reader who may see its denouncer."""
    people = [intake.PetitionerData(full_name="Người khác", phone="0911000111")]

    def similar(user):
        return [s.case for s in duplicates.find_similar(
            people, "Việc khác hẳn", LETTER, letter.case.locality_code, TODAY,
            visible_to=user)]

    assert similar(letter.officer_a2) == []
    assert similar(world.head_a) == [letter.case]


def test_the_sql_content_rule_agrees_with_can_find_by_identity(world, letter, make_case):
    """queries.content_readable (searches) matches a case's content where
    permissions.can_find_by_identity may find it by its petitioners: a denunciation's
    letter names its author (QA round 34), so only the desk that logged it."""
    from complaints.permissions import can_find_by_identity

    complaint = make_case(actor=world.reception, received_on=date(2026, 10, 1))
    workflow.route(complaint, "SO-A", world.reception, NOW, TODAY,
                   decided_on=date(2026, 10, 2))
    assigned = make_case(actor=world.reception, kind="denunciation",
                         received_on=date(2026, 10, 1))
    workflow.route(assigned, "SO-A", world.reception, NOW, TODAY,
                   decided_on=date(2026, 10, 2))
    assigned.officer_id = world.officer_a.id
    db.session.flush()
    readers = [world.reception, world.head_a, world.officer_a, letter.officer_a2,
               world.head_b, world.province_head, world.inspector, letter.admin]
    for user in readers:
        readable = queries.content_readable(user)
        ids = set() if readable is None else set(db.session.scalars(
            select(Case.id).where(readable)))
        for case in (letter.case, complaint, assigned):
            if can_view(user, case):
                expected = can_find_by_identity(user, case)
                assert (readable is None or case.id in ids) == expected, (user.username,
                                                                          case.kind)


# --- QA10-6: the personal-data pages leave a trace on the denunciation ---------------------


def test_opening_a_denouncer_in_personal_data_is_recorded_on_the_denunciation(
        world, letter, as_user):
    """The page asks for a ground (a blank one shows nothing and records nothing); once
    stated, the denunciation's own trail records the identity view with the ground."""
    signer = letter.case.petitions[0].signers[0]
    admin = as_user(letter.admin)
    url = f"/admin/personal-data/{signer.petitioner_id}"
    refused = admin.post(url, data={"ground": "   "})
    assert refused.status_code == 422 and CANARY["phone"] not in refused.get_data(
        as_text=True)
    assert _case_events(letter.case, "identity_viewed") == []
    ground = f"Phiếu yêu cầu số 12 của ông {CANARY['full_name']}"
    page = admin.post(url, data={"ground": ground})
    assert page.status_code == 200 and letter.case.tracking_code in page.get_data(as_text=True)
    assert _case_events(letter.case, "identity_viewed") == [
        {"via": "personal_data", "ground": ground}]
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.case_id == letter.case.id, AuditEvent.action == "identity_viewed"))
    assert event.actor_id == letter.admin.id and event.chain == f"case:{letter.case.id}"


def test_exporting_a_denouncer_is_recorded_on_the_denunciation_and_needs_a_ground(
        world, letter, as_user):
    signer = letter.case.petitions[0].signers[0]
    admin = as_user(letter.admin)
    url = f"/admin/personal-data/{signer.petitioner_id}/export"
    blank = admin.post(url, data={"ground": ""})
    assert blank.status_code == 302 and _case_events(letter.case, "identity_viewed") == []
    exported = admin.post(url, data={"ground": "Yêu cầu số 13"})
    assert exported.status_code == 200 and CANARY["phone"] in exported.get_data(as_text=True)
    assert _case_events(letter.case, "identity_viewed") == [
        {"via": "personal_data", "ground": "Yêu cầu số 13"}]
    with pytest.raises(ValidationFailed):
        personal_data.export_petitioner(signer.petitioner, letter.admin, NOW, ground=" ")
    assert len(_case_events(letter.case, "identity_viewed")) == 1


def test_the_denunciation_trail_shows_who_looked_and_masks_the_ground_from_others(
        world, letter, as_user, api):
    """The head of the agency (who may see the denouncer) reads on the case's timeline that
    the administrator looked, and why; an officer who may not see the denouncer reads that
    someone looked, not the ground (it may name the person)."""
    signer = letter.case.petitions[0].signers[0]
    ground = f"Phiếu yêu cầu của ông {CANARY['full_name']}"
    as_user(letter.admin).post(f"/admin/personal-data/{signer.petitioner_id}",
                               data={"ground": ground})
    code = letter.case.tracking_code
    head = as_user(world.head_a).post(f"/agency/cases/{code}/identity").get_data(
        as_text=True)
    assert ground in head and letter.admin.full_name in head
    officer = as_user(letter.officer_a2).get(f"/agency/cases/{code}").get_data(as_text=True)
    assert letter.admin.full_name in officer and leaks(officer) == []
    answer = api(letter.officer_a2, "GET", f"/cases/{code}").get_json()
    viewed = [e["data"] for e in answer["timeline"] if e["action"] == "identity_viewed"]
    assert [d["via"] for d in viewed] == ["personal_data", "page"]  # the head's, after
    assert leaks(json.dumps(answer, ensure_ascii=False)) == []
