"""Every text kept in a case's trail goes through one check (intake.trail_text): blank where
required, control characters, length, a denouncer's name. These pin the cases where the
separate checks it replaced differed: an inspector's lead note used to be cut at 4,000
characters without a word, an escalation's acknowledgement had no length limit, a
routing's override reason took any length."""

from __future__ import annotations

from datetime import date

import pytest

from complaints.domain.limits import REASON_MAX
from complaints.extensions import db
from complaints.models import Escalation
from complaints.services import escalation, inspector_actions, routing, workflow
from complaints.services.errors import ValidationFailed
from tests.conftest import NOW, TODAY
from tests.integration.agency_world import *  # noqa: F401,F403  (fixtures: world, routed)
from tests.integration.agency_world import fresh
from tests.integration.test_qa53_fixes import make_inspector

pytestmark = pytest.mark.usefixtures("fixed_clock")

TOO_LONG = "x" * (REASON_MAX + 1)


def test_an_inspectors_lead_note_too_long_is_refused_not_cut(world, routed):
    case = routed(accept=True)
    inspector = make_inspector(world)
    with pytest.raises(ValidationFailed) as refused:
        inspector_actions.set_lead(fresh(case), "SO-XD", TOO_LONG, inspector, NOW, TODAY)
    assert set(refused.value.errors) == {"note"}
    db.session.rollback()
    assert fresh(case).lead_agency_id is None


def test_an_inspectors_urging_with_a_control_character_is_refused(world, routed):
    case = routed(accept=True)
    inspector = make_inspector(world)
    with pytest.raises(ValidationFailed) as refused:
        inspector_actions.urge(fresh(case), "Đề nghị\x07 giải quyết", inspector, NOW, TODAY)
    assert set(refused.value.errors) == {"note"}


def test_an_acknowledgement_note_has_the_trails_length_limit(world, routed):
    case = routed(accept=False)
    # An urging to the province (an evasion's is closed by designating a lead instead).
    evasion = Escalation(case_id=case.id, stage="acceptance", level=2, reason="overdue",
                         to_agency_id=world["province"].id, as_of=TODAY, created_at=NOW)
    db.session.add(evasion)
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        escalation.acknowledge(evasion, "urge", TOO_LONG, world["province_head"], NOW)
    assert set(refused.value.errors) == {"note"}
    db.session.rollback()
    assert db.session.get(Escalation, evasion.id).acknowledged_at is None
    # A note of the right size is kept stripped.
    escalation.acknowledge(db.session.get(Escalation, evasion.id), "urge",
                           "  Đã đôn đốc Sở Tài nguyên  ", world["province_head"], NOW)
    assert db.session.get(Escalation, evasion.id).action_note == "Đã đôn đốc Sở Tài nguyên"


def test_a_routing_override_reason_too_long_is_refused(world, make_case):
    case = make_case(actor=world["reception"])
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        routing.route_case(case, "SO-XD", world["reception"], NOW, TODAY,
                           override_reason=TOO_LONG)
    assert set(refused.value.errors) == {"override_reason"}


@pytest.mark.parametrize("step", ["transfer", "return", "suspend", "refuse", "extend"])
def test_a_heads_reason_naming_the_denouncer_is_refused(world, routed, step):
    """The head's reason goes with the case to the desk or the next agency, whose staff
    read the trail and may not know who denounced: refused as the desk's reasons are."""
    case = routed(kind="denunciation", accept=step in ("suspend", "extend"))
    name = case.petitions[0].signers[0].petitioner.full_name
    reason = f"Theo lời ông {name}, người tố cáo"
    head, on = world["head"], date(2026, 11, 24)
    calls = {
        "transfer": lambda: workflow.transfer(case, "SO-XD", reason, head, NOW, TODAY,
                                              decided_on=on),
        "return": lambda: workflow.return_case(case, reason, "SO-XD", head, NOW, TODAY,
                                               decided_on=on),
        "suspend": lambda: workflow.suspend(case, reason, head, NOW, TODAY, decided_on=on),
        "refuse": lambda: workflow.refuse(case, reason, head, NOW, TODAY, decided_on=on),
        "extend": lambda: workflow.extend(case, 30, reason, head, NOW, TODAY,
                                          decided_on=on, complexity="complex"),
    }
    status = case.status
    with pytest.raises(ValidationFailed) as refused:
        calls[step]()
    assert set(refused.value.errors) == {"reason"}
    db.session.rollback()
    assert fresh(case).status == status


@pytest.mark.parametrize("step", ["guide", "forward", "file"])
def test_the_desks_closing_text_naming_the_denouncer_is_refused(world, make_case, step):
    """Guiding, forwarding and filing away keep their text in the trail and the letters'
    handling note, read by inspectors and the reports (QA round 64): checked as the rest,
    before the confirmation step too (check_close_at_desk)."""
    case = make_case(actor=world["reception"], kind="denunciation")
    db.session.commit()
    name = case.petitions[0].signers[0].petitioner.full_name
    text = f"Đã hướng dẫn ông {name} gửi đơn đến Công an tỉnh"
    desk = world["reception"]
    calls = {
        "guide": lambda: workflow.guide(case, text, desk, NOW, TODAY),
        "forward": lambda: workflow.forward(case, "Công an tỉnh", desk, NOW, TODAY,
                                            reason=text),
        "file": lambda: workflow.file_away(case, "duplicate", desk, NOW, TODAY, note=text),
    }
    field = "note" if step == "file" else "reason"
    with pytest.raises(ValidationFailed) as checked:
        workflow.check_close_at_desk(case, step, desk, TODAY, reason=text,
                                     forwarded_to="Công an tỉnh", note=text)
    assert set(checked.value.errors) == {field}
    with pytest.raises(ValidationFailed) as refused:
        calls[step]()
    assert set(refused.value.errors) == {field}
    db.session.rollback()
    assert fresh(case).status == case.status and fresh(case).status == "received"
    # Worded without the name, the same step is taken.
    plain = "Hướng dẫn người gửi đơn đến Công an tỉnh"
    if step == "guide":
        workflow.guide(fresh(case), plain, desk, NOW, TODAY)
        assert fresh(case).status == "guided"


def test_a_forwarding_with_a_text_too_long_is_refused(world, make_case):
    case = make_case(actor=world["reception"])
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        workflow.forward(case, "Công an tỉnh", world["reception"], NOW, TODAY, reason=TOO_LONG)
    assert set(refused.value.errors) == {"reason"}
