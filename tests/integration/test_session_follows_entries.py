"""The figures a reception session keeps (01/TCD) follow what is done later to the letters
raised at it: a corrected history of the matter moves a matter between first-time and
repeated, and a letter split in two raises one more matter (session 16 left this out; QA
round 38 judged the split)."""

from __future__ import annotations

from datetime import date

import pytest

from complaints.extensions import db
from complaints.services import intake, splitting
from complaints.services import reception_sessions as sessions
from tests.conftest import NOW, TODAY
from tests.integration.history_helpers import history_world

pytestmark = pytest.mark.usefixtures("fixed_clock")
HELD = date(2026, 11, 20)


@pytest.fixture
def world(make_agency, make_user, make_locality):
    return history_world(make_agency, make_user, make_locality)


def _session(world, people: int = 1):
    data = sessions.SessionData(held_on=HELD, kind="regular", petitions=[intake.CaseData(
        kind="complaint", field_code="land", subject="Khiếu nại bồi thường",
        content="Khiếu nại bồi thường; kiến nghị sửa đường.", locality_code="11311",
        complaint_round=1, petition=intake.PetitionData(
            channel="reception_session", received_on=HELD, petitioners=[
                intake.PetitionerData(full_name=f"Lê Văn {chr(65 + i)}", address="Số 4",
                                      is_representative=i == 0)
                for i in range(people)]))])
    session, opened = sessions.record_session_with_petitions(data, world["reception"], NOW,
                                                             TODAY)
    db.session.commit()
    return session, opened[0][0]


def _matters(session) -> tuple[int, int, int]:
    db.session.refresh(session)
    return session.matters_first, session.matters_repeated, session.delegation_matters


def test_a_corrected_history_moves_the_sessions_matter(world):
    session, case = _session(world)
    assert _matters(session) == (1, 0, 0)
    petition = case.petitions[0]
    intake.correct_history(case, petition.id, "repeated", "Đơn ghi đã gửi trước",
                           world["reception"], NOW)
    db.session.commit()
    assert _matters(session) == (0, 1, 0)
    intake.correct_history(case, petition.id, "decided_round1", "Đã có quyết định lần đầu",
                           world["reception"], NOW)  # still raised before: no move
    intake.correct_history(case, petition.id, "first", "Nhập nhầm", world["reception"], NOW)
    db.session.commit()
    assert _matters(session) == (1, 0, 0)


def test_a_split_letter_is_one_more_matter_of_its_session(world):
    session, case = _session(world, people=5)
    assert _matters(session) == (1, 0, 1)
    splitting.split_case(case, splitting.SplitData(
        kind="recommendation", field_code="land", subject="Kiến nghị sửa đường",
        content="Kiến nghị sửa đường liên xã.", kept_content="Khiếu nại bồi thường."),
        world["reception"], NOW, TODAY)
    db.session.commit()
    assert _matters(session) == (2, 0, 2)
    assert (session.turns, session.people) == (1, 5)
