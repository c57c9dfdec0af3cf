"""A second complaint logged at the desk or through the API must follow a first-round
complaint that was decided, or whose resolution deadline passed unanswered (QA round 6:
denunciations, undecided, withdrawn and second-round cases were accepted as parents)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from complaints.domain import appeal
from complaints.extensions import db
from complaints.models import User
from complaints.services import workflow
from complaints.services.errors import ValidationFailed
from tests.conftest import NOW, TODAY


@pytest.fixture
def dept(make_agency, make_user):
    city = make_agency("UBND-HP", level="province")
    so = make_agency("SO-TNMT", parent=city)
    return so, make_user("agency_head", agency=so)


def _second(make_case, parent, received_on=TODAY):
    # Logged by the desk that logged the first round: a desk links only cases it may open.
    return make_case(actor=db.session.get(User, parent.created_by_id), complaint_round=2,
                     parent_tracking_code=parent.tracking_code,
                     received_on=received_on, today=max(received_on, TODAY))


def _refused(make_case, parent, received_on=TODAY):
    db.session.commit()  # what came before stays when the refused intake is rolled back
    with pytest.raises(ValidationFailed) as refused:
        _second(make_case, parent, received_on)
    db.session.rollback()
    return refused.value.errors["parent_tracking_code"]


def test_a_decided_first_round_may_be_followed(make_case, dept):
    so, head = dept
    first = make_case(received_on=TODAY)
    workflow.route(first, so.code, None, NOW, TODAY)
    workflow.accept(first, head, NOW, TODAY, decided_on=TODAY)
    workflow.resolve(first, "wrong", "1/QĐ", "Giữ nguyên", head, NOW, TODAY, decided_on=TODAY)
    assert _second(make_case, first).complaint_round == 2


def test_an_undecided_first_round_only_once_its_deadline_passed(make_case, dept):
    so, head = dept
    first = make_case(received_on=TODAY)
    workflow.route(first, so.code, None, NOW, TODAY)
    workflow.accept(first, head, NOW, TODAY, decided_on=TODAY)
    due = first.deadline("resolution").due_on
    assert "không mở khiếu nại lần hai" in _refused(make_case, first, TODAY)
    later = due + timedelta(days=1)
    assert _second(make_case, first, later).parent_case_id == first.id


@pytest.mark.parametrize("what", ["denunciation", "second_round", "withdrawn", "received"])
def test_other_cases_cannot_be_followed_by_a_second_complaint(make_case, dept, what):
    so, head = dept
    if what == "denunciation":
        parent = make_case(kind="denunciation", received_on=TODAY)
    else:
        parent = make_case(received_on=TODAY)
    if what == "withdrawn":
        workflow.withdraw(parent, "Rút đơn", None, NOW, TODAY, decided_on=TODAY)
    if what == "second_round":
        decided = parent
        workflow.route(decided, so.code, None, NOW, TODAY)
        workflow.accept(decided, head, NOW, TODAY, decided_on=TODAY)
        workflow.resolve(decided, "wrong", "1/QĐ", "Giữ nguyên", head, NOW, TODAY,
                         decided_on=TODAY)
        parent = _second(make_case, decided)
    assert "không mở khiếu nại lần hai" in _refused(make_case, parent)


def test_the_rule_is_one_for_the_online_offer_and_the_desk():
    # A first round withdrawn after explanation leaves no decision to dispute.
    assert appeal.ground("complaint", 1, "resolved", TODAY,
                         "withdrawn_after_explanation") is None
    assert appeal.ground("complaint", 1, "suspended", None, None) is None
    assert not appeal.may_follow("complaint", 1, "accepted", None, None, TODAY, TODAY)
    assert appeal.may_follow("complaint", 1, "accepted", None, None, TODAY,
                             TODAY + timedelta(days=1))


def test_another_desk_may_log_the_second_complaint(make_case, make_agency, make_user, dept):
    """A second complaint is often lodged at another desk than the first (the superior
    body's): it links the first round, whose petitioners are no secret from it; only an
    earlier denunciation is out of reach of a desk that may not see its denouncer."""
    so, head = dept
    first = make_case(received_on=TODAY)
    workflow.route(first, so.code, None, NOW, TODAY)
    workflow.accept(first, head, NOW, TODAY, decided_on=TODAY)
    workflow.resolve(first, "wrong", "1/QĐ", "Giữ nguyên", head, NOW, TODAY, decided_on=TODAY)
    other_desk = make_user("reception", agency=make_agency("BTCD-2"))
    assert other_desk.agency_id != first.reception_agency_id
    second = make_case(actor=other_desk, complaint_round=2,
                       parent_tracking_code=first.tracking_code, received_on=TODAY)
    assert second.parent_case_id == first.id
    from complaints.permissions import can_see_link

    assert can_see_link(other_desk, second, first)
