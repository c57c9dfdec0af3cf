"""The desk extends a denunciation's handling deadline (Law on Denunciations Art. 24(1)).

7 working days, up to 10 when checks at several places are needed: one extension of up to
3 working days, decided by the reception desk that logged the case while it is still there.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import AuditEvent, Case, Escalation
from complaints.services import deadlines, workflow
from complaints.services.errors import NotAllowed, ValidationFailed
from complaints.services.escalation import escalate_due
from tests.conftest import NOW, TODAY

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY

# Received on Friday 27/11/2026: 7 working days → Tuesday 8/12; 10 → Friday 11/12.
RECEIVED = date(2026, 11, 27)
DUE, EXTENDED_DUE = date(2026, 12, 8), date(2026, 12, 11)


@pytest.fixture
def world(make_agency, make_user):
    province = make_agency(code="UBND-HP", level="province")
    desk = make_agency(code="BTCD-HP", parent=province)
    agency = make_agency(code="SO-TNMT", parent=province)
    return {
        "clerk": make_user("reception", agency=desk),
        "other_clerk": make_user("reception", agency=make_agency(parent=province)),
        "head": make_user("agency_head", agency=agency),
        "agency": agency,
    }


@pytest.fixture
def denunciation(world, make_case):
    case = make_case(actor=world["clerk"], kind="denunciation", received_on=RECEIVED)
    db.session.commit()
    return case


def _extend(case, actor, days=3, reason="Phải xác minh tại ba địa điểm", decided_on=None):
    return workflow.extend_handling(case, days, reason, actor, NOW, TODAY,
                                    decided_on=decided_on)


def _events(case, action="extended") -> list[dict]:
    rows = db.session.scalars(select(AuditEvent).where(
        AuditEvent.chain == f"case:{case.id}", AuditEvent.action == action)
        .order_by(AuditEvent.seq))
    return [json.loads(row.data) for row in rows]


def _refused(case, actor, field="days", **kwargs) -> str:
    before = case.deadline("handling").due_on
    with pytest.raises(ValidationFailed) as refused:
        _extend(case, actor, **kwargs)
    db.session.rollback()
    case = db.session.get(Case, case.id)
    assert case.deadline("handling").due_on == before
    return str(refused.value.errors[field])


# --- The service ---------------------------------------------------------------------------

def test_the_desk_extends_a_denunciations_handling_by_up_to_3_working_days(world,
                                                                         denunciation):
    case = denunciation
    assert case.deadline("handling").due_on == DUE
    _extend(case, world["clerk"], days=3)
    db.session.commit()
    row = case.deadline("handling")
    assert (row.due_on, row.extended_days, row.days, row.met_on) == (EXTENDED_DUE, 3, 7, None)
    assert case.status == "received"  # the desk still has to decide
    assert case.extension_count == 0  # the resolution's count is the agency's, untouched
    [event] = _events(case)
    assert event["stage"] == "handling" and event["days"] == 3
    assert (event["from"], event["to"]) == (DUE.isoformat(), EXTENDED_DUE.isoformat())
    assert event["reason"] == "Phải xác minh tại ba địa điểm"
    assert deadlines.handling_extensions(case) == 1


def test_a_complaints_handling_deadline_has_no_extension(world, make_case):
    case = make_case(actor=world["clerk"], kind="complaint", received_on=RECEIVED)
    db.session.commit()
    message = _refused(case, world["clerk"])
    assert "không được gia hạn" in message and "Thông tư 05/2021" in message
    assert _events(case) == []


def test_a_second_extension_is_refused(world, denunciation):
    _extend(denunciation, world["clerk"], days=1)
    db.session.commit()
    assert _refused(denunciation, world["clerk"], days=1) == "Đã gia hạn tối đa 1 lần."
    assert len(_events(denunciation)) == 1


def test_more_days_than_the_policy_allows_are_refused(world, denunciation):
    assert _refused(denunciation, world["clerk"], days=4) == \
        "Gia hạn tối đa 3 ngày làm việc."
    assert _refused(denunciation, world["clerk"], days=0) == \
        "Số ngày gia hạn phải là số dương."


def test_a_reason_is_required(world, denunciation):
    assert _refused(denunciation, world["clerk"], field="reason", reason="  ") == \
        "Nêu lý do gia hạn."


@pytest.mark.parametrize("who", ["other_clerk", "head"])
def test_another_desk_or_an_agency_may_not_extend_it(world, denunciation, who):
    with pytest.raises(NotAllowed):
        _extend(denunciation, world[who])
    db.session.rollback()
    assert db.session.get(Case, denunciation.id).deadline("handling").due_on == DUE


def test_not_once_the_case_left_the_desk(world, denunciation):
    from complaints.domain.states import InvalidTransition

    workflow.route(denunciation, "SO-TNMT", world["clerk"], NOW, TODAY)
    with pytest.raises(InvalidTransition):
        _extend(denunciation, world["clerk"])


def test_the_decision_is_dated_while_the_deadline_runs(world, make_case):
    # Received 02/11: handling was due 11/11, long before today's decision.
    case = make_case(actor=world["clerk"], kind="denunciation", received_on=date(2026, 11, 2))
    db.session.commit()
    assert "Thời hạn xử lý đơn đã hết ngày 11/11/2026" in _refused(
        case, world["clerk"], field="decided_on")
    # Dated on paper before it ran out, it is accepted (entered late).
    _extend(case, world["clerk"], decided_on=date(2026, 11, 10))
    assert case.deadline("handling").due_on == date(2026, 11, 16)


def test_a_return_restarts_the_handling_deadline_and_its_extension(world, denunciation):
    case = denunciation
    _extend(case, world["clerk"], days=2)
    workflow.route(case, "SO-TNMT", world["clerk"], NOW, date(2026, 11, 30))
    workflow.return_case(case, "Không thuộc thẩm quyền", "UBND-HP", world["head"], NOW, TODAY)
    db.session.commit()
    row = case.deadline("handling")
    assert (row.start_on, row.extended_days) == (TODAY, 0)
    assert deadlines.handling_extensions(case) == 0
    # Before the return's date, the decision belongs to the earlier handling deadline.
    assert "trước ngày bắt đầu thời hạn xử lý đơn" in _refused(
        case, world["clerk"], field="decided_on", decided_on=date(2026, 11, 30))
    _extend(case, world["clerk"], days=3)
    assert case.deadline("handling").extended_days == 3


def test_the_agencys_resolution_extension_is_unchanged(world, make_case):
    case = make_case(actor=world["clerk"], kind="recommendation", received_on=RECEIVED)
    workflow.route(case, "SO-TNMT", world["clerk"], NOW, TODAY)
    workflow.accept(case, world["head"], NOW, TODAY)
    workflow.extend(case, 10, "Cần thêm thời gian", world["head"], NOW, TODAY)
    assert case.extension_count == 1 and case.deadline("resolution").extended_days == 10
    assert "stage" not in _events(case)[0]
    with pytest.raises(ValidationFailed) as refused:
        workflow.extend(case, 1, "Lần nữa", world["head"], NOW, TODAY)
    assert str(refused.value.errors["days"]) == "Đã gia hạn tối đa 1 lần."


# --- The escalation sweep follows the new due date -------------------------------------------

def test_the_sweep_follows_the_extended_deadline(world, denunciation):
    case = denunciation
    before = case.next_attention_on  # the reminder, 3 working days before 08/12
    assert before == date(2026, 12, 3)
    _extend(case, world["clerk"], days=3)
    db.session.commit()
    assert case.next_attention_on == date(2026, 12, 8)  # 3 working days before 11/12
    escalate_due(date(2026, 12, 9), NOW)  # the day the 7 days would have made it overdue
    db.session.commit()
    case = db.session.get(Case, case.id)
    levels = [e.level for e in db.session.scalars(
        select(Escalation).where(Escalation.case_id == case.id))]
    assert levels == [0] and not case.flag_overdue  # reminded only
    assert case.next_attention_on == date(2026, 12, 12)  # overdue the day after 11/12


def test_without_the_extension_the_sweep_marks_it_overdue(world, denunciation):
    escalate_due(date(2026, 12, 9), NOW)
    db.session.commit()
    assert db.session.get(Case, denunciation.id).flag_overdue


# --- The reception case page -----------------------------------------------------------------

def _form(days="3", reason="Phải xác minh tại ba địa điểm", **extra) -> dict:
    return {"extend_handling-days": days, "extend_handling-reason": reason,
            "extend_handling-decided_on": "", **extra}


def test_the_page_offers_it_for_a_denunciation_only(client, login, world, denunciation,
                                                    make_case):
    login(world["clerk"])
    html = client.get(f"/reception/cases/{denunciation.tracking_code}").get_data(as_text=True)
    assert 'data-testid="extend-handling-form"' in html
    assert "Tối đa 3 ngày làm việc mỗi lần, 1 lần; đã gia hạn 0 lần" in html
    complaint = make_case(actor=world["clerk"], kind="complaint", received_on=RECEIVED)
    db.session.commit()
    html = client.get(f"/reception/cases/{complaint.tracking_code}").get_data(as_text=True)
    assert 'data-testid="extend-handling-form"' not in html


def test_the_page_confirms_then_extends(client, login, world, denunciation):
    login(world["clerk"])
    url = f"/reception/cases/{denunciation.tracking_code}/extend-handling"
    asked = client.post(url, data=_form())
    assert asked.status_code == 200
    html = asked.get_data(as_text=True)
    assert 'data-testid="confirm-extend-handling-form"' in html and "11/12/2026" in html
    assert db.session.get(Case, denunciation.id).deadline("handling").due_on == DUE
    back = client.post(url, data=_form(edit="1"))  # back to the form, as typed
    assert back.status_code == 200 and "Phải xác minh tại ba địa điểm" in \
        back.get_data(as_text=True)
    assert _events(denunciation) == []
    done = client.post(url, data=_form(**{"extend_handling-confirm": "yes"}))
    assert done.status_code == 302
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Đã gia hạn xử lý đơn đến ngày 11/12/2026." in page
    assert "Gia hạn xử lý đơn" in page  # the timeline names the stage
    db.session.expire_all()
    assert db.session.get(Case, denunciation.id).deadline("handling").due_on == EXTENDED_DUE
    assert 'data-testid="extend-handling-form"' not in page  # once only


def test_the_page_refuses_too_many_days_before_confirming(client, login, world, denunciation):
    login(world["clerk"])
    response = client.post(f"/reception/cases/{denunciation.tracking_code}/extend-handling",
                           data=_form(days="5"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Gia hạn tối đa 3 ngày làm việc." in html and 'value="5"' in html
    assert _events(denunciation) == []


def test_the_page_of_a_complaint_refuses_it(client, login, world, make_case):
    case = make_case(actor=world["clerk"], kind="complaint", received_on=RECEIVED)
    login(world["clerk"])
    response = client.post(f"/reception/cases/{case.tracking_code}/extend-handling",
                           data=_form(**{"extend_handling-confirm": "yes"}))
    assert response.status_code == 422
    assert "không được gia hạn" in response.get_data(as_text=True)
    assert _events(case) == []


def test_another_desk_does_not_find_the_case(client, login, world, denunciation):
    login(world["other_clerk"])
    response = client.post(f"/reception/cases/{denunciation.tracking_code}/extend-handling",
                           data=_form(**{"extend_handling-confirm": "yes"}))
    assert response.status_code == 404
    assert _events(denunciation) == []


# --- The JSON API: the same action, listed when GET offers it -----------------------------

def test_the_api_lists_and_takes_the_desks_extension(api, world, denunciation, make_case):
    code = denunciation.tracking_code
    offered = api(world["clerk"], "GET", f"/cases/{code}").get_json()["allowed_actions"]
    assert "extend_handling" in offered
    response = api(world["clerk"], "POST", f"/cases/{code}/extend_handling",
                   json={"days": 3, "reason": "Xác minh ở nhiều nơi"})
    assert response.status_code == 200, response.get_json()
    assert "extend_handling" not in response.get_json()["allowed_actions"]
    again = api(world["clerk"], "POST", f"/cases/{code}/extend_handling",
                json={"days": 1, "reason": "Lần nữa"})
    assert again.status_code == 422
    complaint = make_case(actor=world["clerk"], kind="complaint", received_on=RECEIVED)
    offered = api(world["clerk"], "GET",
                  f"/cases/{complaint.tracking_code}").get_json()["allowed_actions"]
    assert "extend_handling" not in offered and "route" in offered
