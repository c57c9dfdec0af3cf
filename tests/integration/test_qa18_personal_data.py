"""QA round 18, the administrators' personal-data functions: each test failed before its
fix. Retention is counted from what changed a case, not from who read it; anonymising
leaves no address in the outbox and no statistic changed; the export lists the files
handed in with the letters."""

from __future__ import annotations

import json
import smtplib
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from complaints import clock
from complaints.extensions import db
from complaints.models import Cluster, Petitioner
from complaints.services import (
    attachments,
    inspection,
    intake,
    notifications,
    personal_data,
    workflow,
)
from tests.conftest import NOW, TODAY
from tests.integration.reception_helpers import PDF

LATER = datetime(2032, 1, 5, 3, 0, tzinfo=timezone.utc)
LATER_DAY = date(2032, 1, 5)
GROUND = "Phiếu yêu cầu số 7/PYC"


def _all_text_values():
    """Every text value of every table (cases' free text aside), with its table.column."""
    skip = {("cases", "subject"), ("cases", "content")}
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)).mappings():
            for column, value in row.items():
                if isinstance(value, str) and (table.name, column) not in skip:
                    yield f"{table.name}.{column}", value


@pytest.fixture
def filed_denunciation(make_case, make_user):
    clerk = make_user("reception")
    admin = make_user("admin")
    case = make_case(actor=clerk, kind="denunciation")
    workflow.file_away(case, "time_barred", clerk, NOW, TODAY)
    db.session.commit()
    person = case.petitions[0].signers[0].petitioner
    return {"clerk": clerk, "admin": admin, "case": case, "person": person}


def test_opening_a_denouncers_data_does_not_restart_their_retention(filed_denunciation):
    w = filed_denunciation
    assert personal_data.eligibility(w["person"], LATER_DAY, 5).ok
    personal_data.record_view(w["person"], GROUND, w["admin"], LATER)
    db.session.commit()
    check = personal_data.eligibility(w["person"], LATER_DAY, 5)
    assert check.ok, check


def test_admin_can_anonymise_a_denouncer_past_retention_through_the_pages(
        client, login, filed_denunciation, monkeypatch):
    w = filed_denunciation
    monkeypatch.setattr(clock, "now", lambda: LATER)
    monkeypatch.setattr(clock, "today", lambda: LATER_DAY)
    login(w["admin"])
    pid = w["person"].id
    detail = client.post(f"/admin/personal-data/{pid}", data={"ground": GROUND})
    assert detail.status_code == 200
    assert "anonymise-blocked" not in detail.text
    done = client.post(f"/admin/personal-data/{pid}/anonymise",
                       data={"ground": "retention_expired"}, follow_redirects=True)
    db.session.expire_all()
    assert db.session.get(Petitioner, pid).anonymised_at is not None, done.text[-2000:]


def test_anonymise_clears_the_address_from_a_refused_emails_error(make_case, make_user):
    clerk = make_user("reception")
    admin = make_user("admin")
    case = make_case(actor=clerk)
    person = case.petitions[0].signers[0].petitioner
    person.email = "lan.nguyen@example.vn"
    db.session.commit()
    workflow.guide(case, "Đến Tòa án nhân dân", clerk, NOW, TODAY)  # a status e-mail
    db.session.commit()

    class Refusing:
        def send_message(self, message):
            raise smtplib.SMTPRecipientsRefused(
                {message["To"]: (550, b"5.1.1 <lan.nguyen@example.vn>: no such user")})

        def quit(self):
            pass

    notifications.deliver_outbox(NOW + timedelta(minutes=5), lambda: Refusing(),
                                 commit=db.session.commit)
    db.session.commit()
    personal_data.anonymise_petitioner(person, "retention_expired", admin, LATER, LATER_DAY, 5)
    db.session.commit()
    assert [(where, value) for where, value in _all_text_values()
            if "lan.nguyen" in value] == []


def _two_records_of_one_person(clerk, loc):
    same = dict(full_name="Lê Thị Hoa", id_number=None, phone="0912000111")
    data = intake.CaseData(
        kind="complaint", field_code="land", subject="Đất", content="Nội dung",
        locality_code=loc.code,
        petition=intake.PetitionData(channel="walk_in", received_on=date(2026, 11, 2),
                                     petitioners=[intake.PetitionerData(**same)]))
    case, _pin = intake.receive_case(data, clerk, NOW, TODAY)
    db.session.flush()
    intake.add_petition(case, intake.PetitionData(
        channel="mail", received_on=date(2026, 11, 3),
        petitioners=[intake.PetitionerData(**same)]), clerk, NOW, TODAY)
    return case


@pytest.mark.parametrize("both", [True, False])
def test_anonymising_keeps_the_people_count_of_a_mass_cluster(make_user, make_locality,
                                                              both):
    """The clusters list counts people (one person who wrote twice without an ID number is
    one person): anonymising one record of them, or both, must not change it."""
    clerk, admin = make_user("reception"), make_user("admin")
    inspector = make_user("inspector")
    loc = make_locality()
    case = _two_records_of_one_person(clerk, loc)
    other = make_user("reception", username="tiepdan2")  # a second person, another record
    intake.add_petition(case, intake.PetitionData(
        channel="mail", received_on=date(2026, 11, 4), petitioners=[intake.PetitionerData(
            full_name="Lê Thị Hoa", phone="0912000222")]), other, NOW, TODAY)
    cluster = Cluster(locality_code=loc.code, subject_folded="dat")
    db.session.add(cluster)
    db.session.flush()
    case.cluster_id = cluster.id
    db.session.flush()

    def people():
        page = inspection.clusters(inspector, inspection.CaseFilter())
        return [row.extra["people"] for row in page.rows]

    before = people()
    workflow.guide(case, "Đến Tòa án nhân dân", clerk, NOW, TODAY)
    db.session.commit()
    first, second, _third = [s.petitioner_id for p in case.petitions for s in p.signers]
    for pid in ([first, second] if both else [first]):
        personal_data.anonymise_petitioner(db.session.get(Petitioner, pid),
                                           "retention_expired", admin, LATER, LATER_DAY, 5)
    db.session.commit()
    assert (before, people()) == ([2], [2])
    assert db.session.get(Petitioner, first).full_name == personal_data.ANONYMOUS_NAME


def test_export_lists_the_files_of_the_petitions_signed(make_case, make_user):
    clerk, admin = make_user("reception"), make_user("admin")
    case = make_case(actor=clerk)
    person = case.petitions[0].signers[0].petitioner
    stored = attachments.store_upload(PDF, "don-cua-toi.pdf")
    attachments.attach(case, stored, "petition", clerk, NOW, petition=case.petitions[0])
    db.session.commit()
    data = personal_data.export_petitioner(person, admin, NOW, ground=GROUND)
    [row] = data["files"]
    assert row["filename"] == "don-cua-toi.pdf" and row["case"] == case.tracking_code
    assert "don-cua-toi.pdf" in json.dumps(data, ensure_ascii=False)
