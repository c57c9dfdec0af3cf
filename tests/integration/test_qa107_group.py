"""QA 107 D1: group petitions (đông người) count people, not form rows — domain.md "Group
petitions": "5–10 people choose 1 or 2; more than 10 may choose more, at most 5 (Law on
Citizen Reception Art. 29)"."""
from datetime import date

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import AuditEvent
from complaints.services import intake
from complaints.services.errors import ValidationFailed
from tests.conftest import NOW, TODAY


def _data(people, locality):
    return intake.CaseData(
        kind="complaint", field_code="land", subject="Bồi thường giải phóng mặt bằng",
        content="Nội dung đơn tập thể", locality_code=locality,
        petition=intake.PetitionData(channel="walk_in", received_on=date(2026, 11, 30),
                                     petitioners=people))


def _person(n, rep=False, number=None):
    return intake.PetitionerData(full_name=f"Trần Văn {chr(65 + n)}",
                                 id_number=number or f"0311{n:08d}", phone=f"0912{n:06d}",
                                 is_representative=rep)


def test_ten_people_listed_on_eleven_rows_may_not_choose_three_representatives(
        app, make_user, make_locality):
    """One signer typed twice (same ID number, same name: the app signs them once) makes
    10 people, not 11: at most 2 representatives. The app counted rows (11 → up to 5)."""
    desk = make_user("reception")
    loc = make_locality()
    people = [_person(i, rep=i < 3) for i in range(10)]
    people.append(_person(9))  # person 9 again, on another row
    with pytest.raises(ValidationFailed) as info:
        intake.receive_case(_data(people, loc.code), desk, NOW, TODAY)
    assert "petitioners" in info.value.errors


def test_four_people_on_five_rows_are_no_group(app, make_user, make_locality):
    """Four people (one typed twice) are not "five or more people": no representative is
    owed, and the letter is logged."""
    desk = make_user("reception")
    loc = make_locality()
    people = [_person(i) for i in range(4)] + [_person(3)]
    case, _pin = intake.receive_case(_data(people, loc.code), desk, NOW, TODAY)
    db.session.flush()
    assert len(case.petitions[0].signers) == 4
    received = db.session.scalars(select(AuditEvent).where(
        AuditEvent.case_id == case.id, AuditEvent.action == "received")).one()
    assert '"signers":4' in received.data.replace(" ", "")
