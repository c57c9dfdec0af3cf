"""QA 109: a reception session's figures (01/TCD) count a petition's people, not its
form rows: one signer typed twice (one ID number) is one person (QA 107 fixed intake, not
the session's figures)."""
from datetime import date

import pytest

from complaints.domain import reports as forms
from complaints.extensions import db
from complaints.services import intake, reception_sessions, reports
from tests.conftest import NOW, TODAY

pytestmark = pytest.mark.usefixtures("fixed_clock")


def _person(n, number=None):
    return intake.PetitionerData(full_name=f"Trần Văn {chr(65 + n)}",
                                 id_number=number or f"0311{n:08d}", phone=f"0912{n:06d}")


def test_qa109_session_counts_people_not_rows(make_agency, make_user, make_locality):
    p = make_agency(code="P", level="province", name="UBND tỉnh")
    d = make_agency(code="D", parent=p, level="department", name="Sở D")
    head = make_user("agency_head", agency=d)
    loc = make_locality()
    # Four people; person 3 typed on two rows: no group (QA 107), four people received.
    people = [_person(i) for i in range(4)] + [_person(3)]
    data = intake.CaseData(kind="complaint", field_code="land", subject="Bồi thường",
                           content="Nội dung", locality_code=loc.code,
                           petition=intake.PetitionData(channel="walk_in",
                                                        received_on=date(2026, 11, 20),
                                                        petitioners=people))
    session, opened = reception_sessions.record_session_with_petitions(
        reception_sessions.SessionData(held_on=date(2026, 11, 20), kind="head",
                                       leader_name="Giám đốc", petitions=[data]),
        head, NOW, TODAY)
    db.session.commit()
    assert len(opened[0][0].petitions[0].signers) == 4
    row = reports.build_report("01/TCD", "P", forms.quarter_period(2026, 4)).total
    # 01/TCD: 4 people by the head (col 17), no group delegation (cols 11, 12).
    assert (session.people, session.delegations, session.delegation_people) == (4, 0, 0)
    assert (row["17"], row["11"], row["12"]) == (4, 0, 0)
