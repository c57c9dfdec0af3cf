"""QA 94, R3 (e420fd4): a denunciation declared complex by an extension decision dated earlier
than the day it is entered gets complex_on = the day of entry (deadlines.set_complexity uses
local_day(now)), not the decision's day. An unscheduled session the head held between the
decision and its entry never answers the prompt, although accept() dates complex_on by its
decision day (`on`)."""
from __future__ import annotations

from datetime import date

from complaints.services import reception_sessions, unscheduled_reception, workflow
from tests.conftest import NOW, TODAY
from tests.integration.test_escalation_world import *  # noqa: F403  (fixtures: world, …)

ACCEPTED = date(2026, 11, 10)
DECLARED = date(2026, 11, 20)  # the extension decision, entered on TODAY (1 Dec 2026)
HELD = date(2026, 11, 25)


def test_declared_complex_dates_from_the_decision(world, make_case):
    case = make_case(actor=world.reception, kind="denunciation", received_on=date(2026, 11, 2))
    workflow.route(case, "SO-A", world.reception, NOW, TODAY, decided_on=date(2026, 11, 3))
    workflow.accept(case, world.head_a, NOW, TODAY, decided_on=ACCEPTED)
    workflow.extend(case, 30, "Cần xác minh thêm tại nhiều nơi", world.head_a, NOW, TODAY,
                    decided_on=DECLARED, complexity="complex")
    assert case.is_complex
    reception_sessions.record_session(
        reception_sessions.SessionData(held_on=HELD, kind="head", scheduled=False,
                                       leader_name="Giám đốc Sở A", case_id=case.id,
                                       counts={"turns": 1, "people": 1}),
        world.head_a, NOW, TODAY)
    assert case.complex_on == DECLARED, (
        f"declared complex by the decision of {DECLARED}, complex_on={case.complex_on}")
    prompt = unscheduled_reception.prompt_for(case)
    assert prompt is None, (
        f"the head received the citizens about this case on {HELD}, after the decision of "
        f"{DECLARED}; still prompted since {prompt.since}")
