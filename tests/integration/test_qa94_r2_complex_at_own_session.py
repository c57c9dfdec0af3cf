"""QA 94, R2 (e420fd4): a complex matter raised at the agency head's own unscheduled reception is
immediately "due" an unscheduled reception by that same head: the session the citizens
were received at, that day, by the head, about that very case, never answers the prompt
(only ReceptionSession.case_id links a session to a case; the cases opened at it are not
looked at). complex_on = the session's day makes this certain for every such case."""
from __future__ import annotations

from datetime import date

from complaints.services import intake, reception_sessions, unscheduled_reception
from tests.conftest import NOW, TODAY
from tests.integration.test_escalation_world import *  # noqa: F403  (fixtures: world, …)

HELD = date(2026, 11, 20)


def test_complex_case_opened_at_the_heads_unscheduled_session_is_not_prompted(
        world, make_locality):
    loc = make_locality("31701")
    row = intake.CaseData(
        kind="complaint", field_code="land", subject="Bồi thường thu hồi đất khu A",
        content="Công dân trình bày tại buổi tiếp", locality_code=loc.code,
        complaint_round=1, is_complex=True,
        petition=intake.PetitionData(channel="reception_session", received_on=HELD,
                                     petitioners=[intake.PetitionerData(
                                         full_name="Lê Thị Hoa", id_number="031299001122")]))
    session, opened = reception_sessions.record_session_with_petitions(
        reception_sessions.SessionData(held_on=HELD, kind="head", scheduled=False,
                                       leader_name="Giám đốc Sở A", petitions=[row],
                                       counts={"turns": 1, "people": 1}),
        world.head_a, NOW, TODAY)
    case = opened[0][0]
    assert case.agency_id == world.a.id and case.complex_on == HELD
    assert session.agency_id == world.a.id and not session.scheduled
    assert session.kind == "head" and session.held_on == HELD
    prompt = unscheduled_reception.prompt_for(case)
    assert prompt is None, (
        f"the head of Sở A received this citizen unscheduled on {HELD} (the session that "
        f"opened the case), yet is prompted to do so again: reasons={prompt.reasons}, "
        f"since={prompt.since}")
