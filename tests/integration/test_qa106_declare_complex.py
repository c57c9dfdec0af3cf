"""QA 106: the new declare_complex action at its edges."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import AuditEvent
from complaints.services import public, workflow
from tests.conftest import NOW, TODAY
from tests.integration.agency_world import *  # noqa: F401,F403  (fixtures: world, routed)
from tests.integration.agency_world import fresh

pytestmark = pytest.mark.usefixtures("fixed_clock")

REASON = "Nhiều nội dung cần xác minh"


def test_declared_after_a_suspension_and_resumption_keeps_the_suspended_days(world, routed):
    case = routed(accept=True)  # accepted 23/11/2026, 30 days -> 23/12/2026
    head = world["head"]
    workflow.suspend(case, "Chờ giám định", head, NOW, TODAY, decided_on=date(2026, 11, 25))
    workflow.resume(case, head, NOW, TODAY, decided_on=date(2026, 11, 30))
    db.session.commit()
    resumed_due = fresh(case).deadline("resolution").due_on
    assert resumed_due == date(2026, 12, 28)  # 5 days suspended
    workflow.declare_complex(fresh(case), REASON, head, NOW, TODAY, decided_on=TODAY)
    db.session.commit()
    # 45 days from 23/11 -> 07/01/2027, plus the same 5 days -> 12/01/2027
    assert fresh(case).deadline("resolution").due_on == date(2027, 1, 12)


def test_the_page_confirms_the_due_date_it_then_stores_after_a_suspension(
        world, routed, client, login):
    case = routed(accept=True)
    head = world["head"]
    workflow.suspend(case, "Chờ giám định", head, NOW, TODAY, decided_on=date(2026, 11, 25))
    workflow.resume(case, head, NOW, TODAY, decided_on=date(2026, 11, 30))
    db.session.commit()
    login(head)
    url = f"/agency/cases/{case.tracking_code}/declare_complex"
    data = {"reason": REASON, "decided_on": "2026-12-01"}
    confirm = client.post(url, data=data).get_data(as_text=True)
    assert "12/01/2027" in confirm
    assert client.post(url, data={**data, "confirmed": "1"}).status_code == 302
    assert fresh(case).deadline("resolution").due_on == date(2027, 1, 12)


@pytest.mark.parametrize("who", ["officer", "other_head", "province_head"])
def test_nobody_but_the_holding_head_declares(world, routed, client, login, api, who):
    case = routed(accept=True)
    workflow.assign(case, world["officer"].username, world["head"], NOW)
    db.session.commit()
    user = world[who]
    answer = api(user, "POST", f"/cases/{case.tracking_code}/declare_complex",
                 json={"reason": REASON})
    assert answer.status_code in (403, 404)
    login(user)
    page = client.post(f"/agency/cases/{case.tracking_code}/declare_complex",
                       data={"reason": REASON, "confirmed": "1"})
    assert page.status_code in (403, 404)
    assert fresh(case).deadline("resolution").due_on == date(2026, 12, 23)


def test_bad_input_is_refused_not_500(world, routed, client, login, api):
    case = routed(accept=True)
    head = world["head"]
    code = case.tracking_code
    for body in ({"reason": REASON, "decided_on": "xx"}, {"reason": REASON,
                                                         "decided_on": "2026-13-40"},
                 {"reason": 5}, {}, {"reason": REASON, "decided_on": "2027-01-01"},
                 {"reason": REASON, "decided_on": "2026-11-01"}):
        answer = api(head, "POST", f"/cases/{code}/declare_complex", json=body)
        assert answer.status_code in (400, 409, 422), (body, answer.status_code)
    login(head)
    url = f"/agency/cases/{code}/declare_complex"
    for form in ({"reason": REASON, "decided_on": "xx"}, {"reason": ""},
                 {"reason": REASON, "decided_on": "2027-01-01"},
                 {"reason": REASON, "decided_on": "2026-11-01", "confirmed": "1"}):
        assert client.post(url, data=form).status_code in (400, 409, 422), form
    # suspended, denunciation: refused, no 500
    workflow.suspend(fresh(case), "Chờ", head, NOW, TODAY, decided_on=TODAY)
    db.session.commit()
    assert client.get(url).status_code < 500
    assert client.post(url, data={"reason": REASON}).status_code < 500
    assert api(head, "POST", f"/cases/{code}/declare_complex",
               json={"reason": REASON}).status_code in (403, 409, 422)
    den = routed(kind="denunciation", accept=True)
    durl = f"/agency/cases/{den.tracking_code}/declare_complex"
    assert client.get(durl).status_code < 500
    assert client.post(durl, data={"reason": REASON}).status_code < 500


def test_the_citizen_is_told_the_new_due_date(world, routed):
    """An extension appears on the citizen's page ("Gia hạn giải quyết đến ngày …"); the
    complex period moves the same promised date (23/12 -> 07/01) without a word: the
    public timeline (public.PUBLIC_ACTIONS) leaves complexity_declared out."""
    case = routed(accept=True)
    workflow.declare_complex(case, REASON, world["head"], NOW, TODAY, decided_on=TODAY)
    db.session.commit()
    events = [e.event for e in public.public_timeline(fresh(case))]
    assert "complexity_declared" in events, events


def test_the_audit_records_the_decision_date(world, routed):
    case = routed(accept=True)
    workflow.declare_complex(case, REASON, world["head"], NOW, TODAY,
                             decided_on=date(2026, 11, 27))
    db.session.commit()
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.case_id == case.id, AuditEvent.action == "complexity_declared")).one()
    assert '"on":"2026-11-27"' in event.data.replace(" ", "")


def test_english_page_of_the_new_action(world, routed, client, login):
    case = routed(accept=True)
    login(world["head"])
    client.get("/lang/en?next=/")
    url = f"/agency/cases/{case.tracking_code}/declare_complex"
    page = client.get(url).get_data(as_text=True)
    assert "Xác định vụ việc phức tạp" not in page and "Lý do xác định" not in page
    confirm = client.post(url, data={"reason": REASON, "decided_on": "2026-11-30"})
    text = confirm.get_data(as_text=True)
    assert "Thời hạn giải quyết sẽ là" not in text
    done = client.post(url, data={"reason": REASON, "decided_on": "2026-11-30",
                                  "confirmed": "1"}, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "Đã áp dụng thời hạn" not in text and "Xác định vụ việc phức tạp" not in text
