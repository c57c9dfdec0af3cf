"""QA 94, R4 (c4ff3cc, 1a): the repeat is matched "as a person, not a record", but once any record
of a person was anonymised, every record of them then on file is keyed ("ref", token)
(personal_data._keep_as_one_person) while a record a desk makes afterwards under the same
ID number is keyed ("id", number): the person back on a decided case is not matched, the
very case QA 92 fixed (test_same_id_number_back_through_another_desk_is_repeated)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import Case, Petitioner
from complaints.services import intake, personal_data, workflow
from tests.conftest import NOW, TODAY
from tests.integration.test_escalation_world import *  # noqa: F403  (fixtures: world, …)

ID = "031234567890"


def _person(name="Trần Văn Hùng", id_number=ID, phone="0912345678"):
    return intake.PetitionerData(full_name=name, id_number=id_number, phone=phone)


def _data(people, on, loc, parent=None, subject="Bồi thường thu hồi đất dự án đường tỉnh"):
    return intake.CaseData(kind="complaint", field_code="land", subject=subject,
                           content="Nội dung", locality_code=loc.code,
                           parent_tracking_code=parent,
                           petition=intake.PetitionData(channel="walk_in", received_on=on,
                                                        petitioners=people))


def _decide(world, case, on):
    workflow.route(case, "SO-A", world.reception, NOW, TODAY, decided_on=on)
    workflow.accept(case, world.head_a, NOW, TODAY, decided_on=on)
    workflow.resolve(case, "right", "QĐ 1/QĐ-SA", "Kết quả giải quyết", world.head_a, NOW,
                     TODAY, decided_on=on + timedelta(days=5))


def _run(world, make_agency, make_user, make_locality, anonymise_old: bool):
    loc = make_locality()
    desk_old = make_agency(f"BTCDO{int(anonymise_old)}", parent=world.a, name="Bộ phận TCD cũ")
    reception_old = make_user("reception", desk_old)
    desk2 = make_agency(f"BTCD2{int(anonymise_old)}", parent=world.a, name="Bộ phận TCD 2")
    reception2 = make_user("reception", desk2)
    admin = make_user("admin")
    # An old, unrelated matter of the same person, long closed at another desk.
    old = intake.receive_case(_data([_person()], date(2026, 1, 5), loc,
                                    subject="Cấp giấy chứng nhận quyền sử dụng đất"),
                              reception_old, NOW, TODAY)[0]
    workflow.guide(old, "Hướng dẫn đến UBND xã nơi có đất", reception_old, NOW, TODAY,
                   decided_on=date(2026, 1, 6))
    # The matter in hand: received, decided.
    first = intake.receive_case(_data([_person()], date(2026, 9, 1), loc),
                                world.reception, NOW, TODAY)[0]
    _decide(world, first, date(2026, 9, 5))
    if anonymise_old:
        # The person asks for the old record's erasure (final case, retention 0 here).
        old_record = old.petitions[0].signers[0].petitioner
        personal_data.anonymise_petitioner(old_record, "petitioner_request", admin, NOW,
                                           TODAY, retention_years=0)
        db.session.flush()
    # Back after the decision, through a desk that may not see them: a new record.
    new = intake.receive_case(_data([_person()], date(2026, 11, 2), loc,
                                    parent=first.tracking_code), reception2, NOW, TODAY)[0]
    new = db.session.get(Case, new.id)
    assert new.parent_case_id == first.id
    assert db.session.scalar(select(func.count()).select_from(Petitioner)) == 3
    return new


def test_control_without_anonymisation_is_repeated(world, make_agency, make_user,
                                                   make_locality):
    assert _run(world, make_agency, make_user, make_locality, anonymise_old=False).flag_repeated


def test_same_person_back_after_an_old_record_was_anonymised_is_repeated(
        world, make_agency, make_user, make_locality):
    new = _run(world, make_agency, make_user, make_locality, anonymise_old=True)
    first_record = new.parent_case.petitions[0].signers[0].petitioner
    new_record = new.petitions[0].signers[0].petitioner
    assert first_record.id_number == new_record.id_number == ID  # the same ID number
    assert new.flag_repeated, (
        f"same ID number {ID} back after the decision, not flagged: the earlier record is "
        f"keyed by person_ref={first_record.person_ref!r}, the new one by its ID number "
        f"(person_ref={new_record.person_ref!r})")
