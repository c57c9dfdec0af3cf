"""QA round 66 (an adversarial review): three texts of a case's trail were kept without the
check every other one gets (intake.trail_text), and were shown as typed to readers who may
not know who denounced — the denounced agency's officer not assigned to the case, and the
supervising agency reading it through an escalation: the closing reason, the resolution's
summary and the "heated" note. Each is now refused when it names a denouncer; the reply
note of a forwarded case is checked too. Each test failed before the fix."""

from __future__ import annotations

from datetime import date

import pytest

from complaints.extensions import db
from complaints.services import forwarding, unscheduled_reception, workflow
from complaints.services.errors import ValidationFailed
from tests.conftest import NOW, TODAY
from tests.integration.test_denouncer_oracles import CANARY
from tests.integration.test_denouncer_text import as_user, leaks, letter  # noqa: F401
from tests.integration.test_escalation_world import world  # noqa: F401

pytestmark = pytest.mark.usefixtures("fixed_clock")

NAMED = f"Đã giao kết luận cho ông {CANARY['full_name']}, điện thoại {CANARY['phone']}"


def _accepted(letter, world):  # noqa: F811
    case = letter.case
    workflow.accept(case, world.head_a, NOW, TODAY, decided_on=date(2026, 10, 5))
    return case


def _resolved(letter, world):  # noqa: F811
    case = _accepted(letter, world)
    workflow.resolve(case, "denunciation_right", "KL 1/KL-SO-A", "Kết luận nội dung tố cáo",
                     world.head_a, NOW, TODAY, decided_on=date(2026, 11, 2))
    db.session.commit()
    return case


def _page_of(as_user, user, case) -> str:  # noqa: F811
    response = as_user(user).get(f"/agency/cases/{case.tracking_code}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_closing_reason_naming_the_denouncer_is_refused(letter, world, as_user):  # noqa: F811
    case = _resolved(letter, world)
    with pytest.raises(ValidationFailed) as refused:
        workflow.check_close(case, NAMED)  # the page's check before its confirmation
    assert set(refused.value.errors) == {"reason"}
    with pytest.raises(ValidationFailed):
        workflow.close(case, world.head_a, NOW, TODAY, reason=NAMED)
    db.session.rollback()
    assert case.status == "resolved"
    workflow.close(case, world.head_a, NOW, TODAY, reason="Đã thi hành kết luận")
    db.session.commit()
    assert case.status == "closed"
    assert leaks(_page_of(as_user, letter.officer_a2, case)) == []


def test_a_closing_reason_naming_the_denouncer_is_refused_by_the_api(letter, world, api):  # noqa: F811
    case = _resolved(letter, world)
    response = api(world.head_a, "POST", f"/cases/{case.tracking_code}/close",
                   json={"reason": NAMED})
    assert response.status_code == 422, response.get_json()
    answer = api(letter.officer_a2, "GET", f"/cases/{case.tracking_code}")
    assert answer.status_code == 200
    assert answer.get_json()["status"] == "resolved"
    assert leaks(answer.get_data(as_text=True)) == []


def test_the_agency_page_refuses_the_closing_reason_before_confirming(
        letter, world, as_user):  # noqa: F811
    case = _resolved(letter, world)
    client = as_user(world.head_a)
    response = client.post(f"/agency/cases/{case.tracking_code}/close",
                           data={"reason": NAMED})
    assert response.status_code == 422
    assert "người tố cáo" in response.get_data(as_text=True)
    db.session.expire_all()
    assert case.status == "resolved"


def test_a_resolution_summary_naming_the_denouncer_is_refused(letter, world, as_user):  # noqa: F811
    case = _accepted(letter, world)
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        workflow.resolve(case, "denunciation_right", "KL 1/KL-SO-A", NAMED, world.head_a,
                         NOW, TODAY, decided_on=date(2026, 11, 2))
    assert set(refused.value.errors) == {"summary"}
    db.session.rollback()
    assert case.status == "accepted"
    assert leaks(_page_of(as_user, letter.officer_a2, case)) == []


def test_a_heated_note_naming_the_denouncer_is_refused(letter, world):  # noqa: F811
    case = _accepted(letter, world)
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        unscheduled_reception.mark_heated(
            case, f"Ông {CANARY['full_name']} ({CANARY['phone']}) đến nhiều lần, bức xúc",
            world.head_a, NOW, TODAY)
    assert set(refused.value.errors) == {"note"}
    db.session.rollback()
    assert case.heated_on is None
    unscheduled_reception.mark_heated(case, "Nhiều người đến trụ sở, bức xúc", world.head_a,
                                      NOW, TODAY)
    assert case.heated_on == TODAY


def test_a_reply_note_naming_the_denouncer_is_refused(world, make_case):  # noqa: F811
    """Not a leak today (only readers who may see the denouncer read it), refused all the
    same: the same check for every text of the trail."""
    case = make_case(actor=world.reception, kind="denunciation")
    workflow.forward(case, "Công an tỉnh", world.reception, NOW, TODAY)
    db.session.commit()
    name = case.petitions[0].signers[0].petitioner.full_name
    with pytest.raises(ValidationFailed) as refused:
        forwarding.record_reply(case, None, f"Đã trả lời ông {name}", world.reception,
                                NOW, TODAY)
    assert set(refused.value.errors) == {"note"}
    db.session.rollback()
    assert forwarding.reply_received_on(case) is None
    forwarding.record_reply(case, None, "Công văn 12/CA-PV", world.reception, NOW, TODAY)
    assert forwarding.reply_received_on(case) == TODAY
