"""Personal data: an admin exports everything about a petitioner, and anonymises one whose
cases all ended more than RETENTION_YEARS ago; statistics and audit chains stay intact."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from complaints import clock
from complaints.extensions import db
from complaints.models import (
    AuditEvent,
    Case,
    CitizenFeedback,
    Notification,
    Petition,
    Petitioner,
    PetitionSigner,
)
from complaints.services import personal_data, workflow
from complaints.services.audit import verify_chains
from complaints.services.errors import ValidationFailed
from tests.conftest import NOW, TODAY

LATER = datetime(2032, 1, 5, 3, 0, tzinfo=timezone.utc)  # past five years of retention
LATER_DAY = date(2032, 1, 5)


def _signer(case: Case) -> Petitioner:
    return case.petitions[0].signers[0].petitioner


@pytest.fixture
def world(make_case, make_user):
    clerk = make_user("reception")
    admin = make_user("admin")
    ended = make_case(actor=clerk)
    person = _signer(ended)
    person.email, person.address = "lan@example.vn", "12 Lê Lợi, Hải Phòng"
    workflow.guide(ended, "Đến Tòa án nhân dân", clerk, NOW, TODAY)
    db.session.add(CitizenFeedback(case_id=ended.id, rating_result=4, rating_service=5,
                                   comment="Cán bộ tận tình"))
    db.session.add(Notification(dedupe_key="status-x", channel="email", case_id=ended.id,
                                email_to="lan@example.vn", subject="Tình trạng", body="…",
                                status="sent"))
    db.session.commit()
    return {"clerk": clerk, "admin": admin, "case": ended, "person": person}


def _add_open_case(world, make_case):
    """Put the same person on a second, still open case."""
    other = make_case(actor=world["clerk"])
    db.session.add(PetitionSigner(petition_id=other.petitions[0].id,
                                  petitioner_id=world["person"].id))
    db.session.commit()
    return other


def test_intake_audit_events_hold_no_personal_data(world):
    person = world["person"]
    for event in db.session.scalars(select(AuditEvent)):
        for value in (person.full_name, person.id_number, person.phone, person.email):
            assert value not in event.data


def test_export_holds_everything_and_is_audited(world):
    person, case = world["person"], world["case"]
    data = personal_data.export_petitioner(person, world["admin"], NOW)
    db.session.commit()
    assert data["petitioner"]["full_name"] == person.full_name
    assert data["petitioner"]["id_number"] == person.id_number
    assert data["petitioner"]["email"] == "lan@example.vn"
    assert [c["tracking_code"] for c in data["cases"]] == [case.tracking_code]
    assert data["cases"][0]["status"] == "guided" and data["cases"][0]["kind"] == "complaint"
    assert data["petitions"][0]["case"] == case.tracking_code
    assert data["feedback"] == [{"case": case.tracking_code, "rating_result": 4,
                                 "rating_service": 5, "comment": "Cán bộ tận tình",
                                 "created_at": data["feedback"][0]["created_at"]}]
    json.dumps(data)  # serialisable as is
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.chain == f"petitioner:{person.id}")).all()
    assert [e.action for e in events] == ["petitioner_exported"]
    assert person.full_name not in events[0].data
    assert verify_chains()[1] == []


def test_anonymise_refused_within_retention(world):
    person = world["person"]
    check = personal_data.eligibility(person, TODAY, 5)
    assert not check.ok and check.retained_until == date(2031, 12, 1)
    with pytest.raises(ValidationFailed, match="thời hạn lưu trữ"):
        personal_data.anonymise_petitioner(person, "retention_expired", world["admin"], NOW,
                                           TODAY, 5)
    db.session.rollback()
    assert db.session.get(Petitioner, person.id).anonymised_at is None


def test_anonymise_refused_while_a_case_is_open(world, make_case):
    other = _add_open_case(world, make_case)
    check = personal_data.eligibility(world["person"], LATER_DAY, 5)
    assert check.open_cases == [other.tracking_code]
    with pytest.raises(ValidationFailed, match=other.tracking_code):
        personal_data.anonymise_petitioner(world["person"], "retention_expired",
                                           world["admin"], LATER, LATER_DAY, 5)


def test_anonymise_after_retention_keeps_statistics_and_chains(world):
    person, case = world["person"], world["case"]
    counts = lambda: [db.session.scalar(select(func.count()).select_from(m))  # noqa: E731
                      for m in (Case, Petition, PetitionSigner, Petitioner, CitizenFeedback)]
    before = counts()
    personal_data.anonymise_petitioner(person, "retention_expired", world["admin"], LATER,
                                       LATER_DAY, 5)
    db.session.commit()

    person = db.session.get(Petitioner, person.id)
    assert person.full_name == "Đã ẩn danh" and person.name_folded == "da an danh"
    assert (person.id_number, person.phone, person.email, person.address) == (None,) * 4
    assert person.anonymised_at is not None
    assert counts() == before
    assert db.session.get(Case, case.id).status == "guided"
    assert db.session.scalar(select(Notification.email_to)) is None
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.chain == f"petitioner:{person.id}")).all()
    assert [e.action for e in events] == ["petitioner_anonymised"]
    assert verify_chains()[1] == []
    with pytest.raises(ValidationFailed, match="đã được ẩn danh"):
        personal_data.anonymise_petitioner(person, "retention_expired", world["admin"],
                                           LATER, LATER_DAY, 5)


def test_retention_is_configurable(world):
    assert personal_data.eligibility(world["person"], TODAY + timedelta(days=1), 0).ok
    assert not personal_data.eligibility(world["person"], TODAY, 1).ok


# --- The admin pages --------------------------------------------------------------------


@pytest.fixture
def later(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: LATER)
    monkeypatch.setattr(clock, "today", lambda: LATER_DAY)


def test_only_admins_reach_the_pages(client, login, world):
    login(world["clerk"])
    assert client.get("/admin/personal-data").status_code == 403
    assert client.post(f"/admin/personal-data/{world['person'].id}/export").status_code == 403


def test_admin_finds_exports_and_anonymises(client, login, world, later):
    person = world["person"]
    login(world["admin"])
    page = client.get("/admin/personal-data", query_string={"q": "nguyen van"})
    assert page.status_code == 200 and person.full_name in page.text
    assert "Không tìm thấy" in client.get("/admin/personal-data?q=zzzz").text

    detail = client.get(f"/admin/personal-data/{person.id}")
    assert detail.status_code == 200 and world["case"].tracking_code in detail.text
    assert "anonymise-blocked" not in detail.text

    export = client.post(f"/admin/personal-data/{person.id}/export")
    assert export.status_code == 200 and export.mimetype == "application/json"
    assert "attachment" in export.headers["Content-Disposition"]
    assert export.get_json()["petitioner"]["phone"] == person.phone

    confirm = client.get(f"/admin/personal-data/{person.id}/anonymise")
    assert confirm.status_code == 200 and "confirm-warning" in confirm.text
    missing = client.post(f"/admin/personal-data/{person.id}/anonymise", data={})
    assert missing.status_code == 422 and "error-summary" in missing.text
    assert db.session.get(Petitioner, person.id).anonymised_at is None

    done = client.post(f"/admin/personal-data/{person.id}/anonymise",
                       data={"ground": "retention_expired"}, follow_redirects=True)
    assert done.status_code == 200 and "Đã ẩn danh" in done.text
    db.session.expire_all()
    assert db.session.get(Petitioner, person.id).id_number is None
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.chain == f"petitioner:{person.id}").order_by(AuditEvent.seq)).all()
    assert actions == ["petitioner_exported", "petitioner_anonymised"]
    assert verify_chains()[1] == []


def test_anonymise_page_refuses_with_a_clear_message(client, login, world, make_case):
    other = _add_open_case(world, make_case)
    login(world["admin"])
    person_id = world["person"].id
    detail = client.get(f"/admin/personal-data/{person_id}")
    assert "anonymise-blocked" in detail.text and other.tracking_code in detail.text
    refused = client.post(f"/admin/personal-data/{person_id}/anonymise",
                          data={"ground": "retention_expired"}, follow_redirects=True)
    assert "còn vụ việc chưa kết thúc" in refused.text
    db.session.expire_all()
    assert db.session.get(Petitioner, person_id).anonymised_at is None


def test_a_denouncer_is_shown_to_an_admin_only_by_a_recorded_act(client, login, world,
                                                                  make_case):
    # Found by a QA pass: the admin's personal-data page showed who denounced whom, while
    # the API masks a denouncer even from an admin.
    denunciation = make_case(actor=world["clerk"], kind="denunciation")
    person = _signer(denunciation)
    login(world["admin"])
    first = client.get(f"/admin/personal-data/{person.id}")
    assert first.status_code == 200 and "reveal-warning" in first.text
    assert person.full_name not in first.text and person.phone not in first.text
    assert denunciation.tracking_code not in first.text
    refused = client.post(f"/admin/personal-data/{person.id}", data={"ground": "  "})
    assert refused.status_code == 422 and "error-summary" in refused.text
    assert person.phone not in refused.text
    shown = client.post(f"/admin/personal-data/{person.id}",
                        data={"ground": "Phiếu yêu cầu số 12/PYC"})
    assert shown.status_code == 200 and person.phone in shown.text
    assert denunciation.tracking_code in shown.text
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.chain == f"petitioner:{person.id}")).all()
    assert [(e.action, e.actor_id, json.loads(e.data)["ground"]) for e in events] == [
        ("petitioner_viewed", world["admin"].id, "Phiếu yêu cầu số 12/PYC")]
    # The export from the shown page carries the ground; without it, nothing is exported.
    assert person.phone in client.post(f"/admin/personal-data/{person.id}/export",
                                       data={"ground": "Phiếu yêu cầu số 12/PYC"}).text
    refused = client.post(f"/admin/personal-data/{person.id}/export", follow_redirects=True)
    assert "Nêu căn cứ xem trước khi tải" in refused.text and person.phone not in refused.text
    # The search finds the denouncer (their own request must reach them) without naming.
    found = client.get("/admin/personal-data", query_string={"q": person.id_number}).text
    assert f"/admin/personal-data/{person.id}" in found
    assert person.full_name not in found and person.phone not in found
    # A reload asks again; someone who denounced no one is shown at once, with no record.
    assert "reveal-warning" in client.get(f"/admin/personal-data/{person.id}").text
    plain = client.get(f"/admin/personal-data/{world['person'].id}")
    assert world["person"].phone in plain.text
    assert client.post(f"/admin/personal-data/{world['person'].id}",
                       data={"ground": "x"}).status_code == 405
