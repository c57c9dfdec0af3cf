"""Personal data: an admin exports everything about a petitioner, and anonymises one whose
cases all ended more than RETENTION_YEARS ago; statistics and audit chains stay intact."""

from __future__ import annotations

import json
import re
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
GROUND = "Phiếu yêu cầu số 7/PYC"


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
    # Anyone's data is exported on a stated ground: a denouncer's alone would say who they are.
    with pytest.raises(ValidationFailed, match="Nêu căn cứ xem"):
        personal_data.export_petitioner(person, world["admin"], NOW)
    data = personal_data.export_petitioner(person, world["admin"], NOW, ground="Phiếu 3/PYC")
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
    assert json.loads(events[0].data)["ground"] == "Phiếu 3/PYC"
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

    assert "reveal-warning" in client.get(f"/admin/personal-data/{person.id}").text
    detail = client.post(f"/admin/personal-data/{person.id}", data={"ground": GROUND})
    assert detail.status_code == 200 and world["case"].tracking_code in detail.text
    assert "anonymise-blocked" not in detail.text

    export = client.post(f"/admin/personal-data/{person.id}/export", data={"ground": GROUND})
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
    assert actions == ["petitioner_viewed", "petitioner_exported", "petitioner_anonymised"]
    assert verify_chains()[1] == []


def test_anonymise_page_refuses_with_a_clear_message(client, login, world, make_case):
    other = _add_open_case(world, make_case)
    login(world["admin"])
    person_id = world["person"].id
    detail = client.post(f"/admin/personal-data/{person_id}", data={"ground": GROUND})
    assert "anonymise-blocked" in detail.text and other.tracking_code in detail.text
    assert "còn vụ việc chưa kết thúc" in detail.text
    # Straight to the anonymise page: refused, the reasons (which name the person's cases)
    # left to the page opened on a ground.
    refused = client.post(f"/admin/personal-data/{person_id}/anonymise",
                          data={"ground": "retention_expired"}, follow_redirects=True)
    assert f"Chưa thể ẩn danh người đứng đơn #{person_id}" in refused.text
    assert other.tracking_code not in refused.text and "reveal-warning" in refused.text
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
    assert "Nêu căn cứ xem trước khi tải dữ liệu của người đứng đơn" in refused.text
    assert person.phone not in refused.text
    # The search finds the denouncer (their own request must reach them) as it finds anyone
    # (test_search_rows_do_not_tell_a_denouncer_apart); numbers by their last digits only.
    found = client.get("/admin/personal-data", query_string={"q": person.id_number}).text
    assert f"/admin/personal-data/{person.id}" in found
    assert person.phone not in found and f"*{person.phone[-3:]}<" in found
    # A reload asks again; so does the page of someone who denounced no one, alike.
    assert "reveal-warning" in client.get(f"/admin/personal-data/{person.id}").text
    plain = client.get(f"/admin/personal-data/{world['person'].id}")
    assert "reveal-warning" in plain.text and world["person"].phone not in plain.text


# --- QA: the search and the pages do not tell a denouncer apart ---------------------------


def _rows(html: str) -> list[str]:
    table = html[html.index('data-testid="petitioners"'):]
    table = table[table.index("<tbody>"):table.index("</tbody>")]
    return re.findall(r"<tr>.*?</tr>", table, re.S)


def _shape(text: str) -> str:
    """The page with what differs between two people (numbers, CSRF token) blanked."""
    return re.sub(r"\d+", "9", re.sub(r'value="[^"]*"', 'value=""', text))


@pytest.fixture
def denouncer(world, make_case):
    """A denouncer named like the world's complainant (the factory's "Nguyễn Văn A")."""
    case = make_case(actor=world["clerk"], kind="denunciation")
    db.session.commit()
    return _signer(case)


def test_search_rows_do_not_tell_a_denouncer_apart(client, login, world, denouncer):
    """QA: a denouncer's row read "Người tố cáo (danh tính bảo mật)", with *** for numbers."""
    person = world["person"]
    assert person.full_name == denouncer.full_name
    login(world["admin"])
    html = client.get("/admin/personal-data", query_string={"q": person.full_name}).text
    rows = _rows(html)
    assert len(rows) == 2
    assert _shape(rows[0]) == _shape(rows[1])  # same cells, same form
    for who, row in zip((person, denouncer), rows, strict=True):
        assert f'href="/admin/personal-data/{who.id}">{who.full_name}</a>' in row
        assert who.phone not in row and f"*{who.phone[-3:]}</td>" in row
    assert "tố cáo" not in html.lower() and "bảo mật" not in html


def test_each_search_is_audited(client, login, world, denouncer, fixed_clock):
    login(world["admin"])
    client.get("/admin/personal-data")  # the empty form searches nothing, records nothing
    client.get("/admin/personal-data", query_string={"q": "  Nguyễn Văn  "})
    client.get("/admin/personal-data", query_string={"q": "zzzz"})
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "petitioners_searched").order_by(AuditEvent.id)).all()
    assert [(e.chain, e.actor_id, json.loads(e.data)) for e in events] == [
        (f"user:{world['admin'].id}", world["admin"].id, {"q": "Nguyễn Văn", "found": 2}),
        (f"user:{world['admin'].id}", world["admin"].id, {"q": "zzzz", "found": 0})]
    stamp = events[0].created_at
    assert (stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)) == NOW
    assert verify_chains()[1] == []


def test_every_petitioner_page_asks_the_same_ground(client, login, world, denouncer):
    """The ground prompt was asked of denouncers only, and so said who had denounced."""
    person = world["person"]
    login(world["admin"])
    pages = [client.get(f"/admin/personal-data/{p.id}") for p in (person, denouncer)]
    assert [r.status_code for r in pages] == [200, 200]
    assert _shape(pages[0].text) == _shape(pages[1].text)
    for page, who in zip(pages, (person, denouncer), strict=True):
        assert "reveal-warning" in page.text and "tố cáo" not in page.text
        assert who.full_name not in page.text and who.phone not in page.text
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "petitioner_viewed")) == 0
    for who in (person, denouncer):
        shown = client.post(f"/admin/personal-data/{who.id}", data={"ground": GROUND})
        assert shown.status_code == 200 and who.phone in shown.text
        viewed = db.session.scalars(select(AuditEvent).where(
            AuditEvent.chain == f"petitioner:{who.id}")).all()
        assert [(e.action, e.actor_id, json.loads(e.data)) for e in viewed] == [
            ("petitioner_viewed", world["admin"].id, {"ground": GROUND})]
    # An export without the ground is refused alike, in the same words.
    refusals = [client.post(f"/admin/personal-data/{p.id}/export", follow_redirects=True)
                for p in (person, denouncer)]
    assert _shape(refusals[0].text) == _shape(refusals[1].text)
    assert "Nêu căn cứ xem trước khi tải dữ liệu của người đứng đơn" in refusals[0].text


def test_anonymise_confirmation_names_the_person_by_number_only(client, login, world,
                                                                 make_case, later):
    """QA: /admin/personal-data/<id>/anonymise read "Ẩn danh <full name> (#15)?"."""
    case = make_case(actor=world["clerk"], kind="denunciation")
    workflow.guide(case, "Đến Thanh tra tỉnh", world["clerk"], NOW, TODAY)
    db.session.commit()
    person = _signer(case)
    login(world["admin"])
    page = client.get(f"/admin/personal-data/{person.id}/anonymise")
    assert page.status_code == 200 and "confirm-warning" in page.text
    assert f"Ẩn danh người đứng đơn #{person.id}?" in page.text
    assert "Vụ việc, đơn và số liệu thống kê được giữ nguyên" in page.text
    for secret in (person.full_name, person.phone, person.id_number, case.tracking_code):
        assert secret not in page.text
    done = client.post(f"/admin/personal-data/{person.id}/anonymise",
                       data={"ground": "retention_expired"}, follow_redirects=True)
    assert f"Đã ẩn danh người đứng đơn #{person.id}" in done.text
    db.session.expire_all()
    assert db.session.get(Petitioner, person.id).anonymised_at is not None


def test_a_blocked_anonymisation_names_no_case_of_the_person(client, login, world):
    person_id = world["person"].id  # within retention: the reason names a date
    login(world["admin"])
    refused = client.get(f"/admin/personal-data/{person_id}/anonymise",
                         follow_redirects=True)
    assert f"Chưa thể ẩn danh người đứng đơn #{person_id}" in refused.text
    assert "31/12/2031" not in refused.text and "01/12/2031" not in refused.text
    assert "reveal-warning" in refused.text  # the reasons are behind the ground


@pytest.mark.parametrize("typed", ["+84 988 333 444", "0988 333 444", "098.833.3444",
                                   "+84988333444", "0988333444"])
def test_admin_search_reads_a_phone_as_intake_stores_it(client, login, world, typed):
    """QA: "+84 988 333 444" did not find the stored 0988333444 (digits only: 84988…)."""
    person = world["person"]
    person.phone = "0988333444"
    db.session.commit()
    assert personal_data.find_petitioners(typed) == [person]
    login(world["admin"])
    html = client.get("/admin/personal-data", query_string={"q": typed}).text
    assert f'href="/admin/personal-data/{person.id}"' in html
    assert personal_data.find_petitioners("+84 988 333 445") == []
