"""Ladder escalations of a stage instance that ended by moving on (QA round 8): after a
transfer or a return, the old holder kept "Quá hạn, mức 1" for a case it no longer held,
unacknowledged on its home page and in the daily reminder, forever. They are now closed by
the system ("superseded"), kept for inspectors; patterns stay open for their addressees."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from complaints.domain import escalation as rules
from complaints.extensions import db
from complaints.models import AuditEvent, Case, Escalation, Notification
from complaints.services import audit, escalation_notify, workflow
from complaints.services.escalation import designate_lead, escalate_due
from tests.conftest import NOW
from tests.integration.test_escalation_world import *  # noqa: F403  (fixtures: world, …)

FAR = date(2027, 12, 31)
OVERDUE_AT_A = date(2026, 10, 14)  # the routed case's acceptance was due 13/10 at SO-A
LATER = date(2026, 10, 15)


def _rows(case: Case) -> list[Escalation]:
    db.session.expire_all()
    return list(db.session.scalars(select(Escalation).where(Escalation.case_id == case.id)
                                   .order_by(Escalation.id)))


def _overdue_at_a(case: Case) -> Escalation:
    escalate_due(OVERDUE_AT_A, NOW)
    (row,) = _rows(case)
    assert (row.stage, row.level, row.reason, row.to_agency.code) == (
        "acceptance", 1, "overdue", "SO-A")
    assert row.acknowledged_at is None
    return row


def _home_escalations(client, login, user) -> str:
    client.post("/logout")
    login(user)
    html = client.get("/agency/").text
    if 'data-testid="escalations"' not in html:
        return ""
    start = html.index('data-testid="escalations"')
    return html[start:html.index("</ul>", start)]


def _reminders_to(user) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(
        Notification.user_id == user.id, Notification.dedupe_key.like("remind:%"))))


def _assert_superseded(case: Case, escalation_id: int) -> None:
    row = db.session.get(Escalation, escalation_id)
    assert row is not None  # recorded, not deleted
    assert row.acknowledged_at is not None and row.acknowledged_by_id is None
    assert row.action_taken == rules.SUPERSEDED
    (event,) = db.session.scalars(select(AuditEvent).where(
        AuditEvent.case_id == case.id, AuditEvent.action == "escalations_superseded")).all()
    assert event.actor_id is None and f"[{escalation_id}]" in event.data
    assert audit.verify_chains(f"case:{case.id}")[1] == []


def test_a_transfer_closes_the_old_holders_overdue(client, login, world, routed_case):
    case = routed_case
    old = _overdue_at_a(case)
    assert case.tracking_code in _home_escalations(client, login, world.head_a)

    workflow.transfer(case, "SO-B", "Thuộc thẩm quyền Sở B", world.head_a, NOW, FAR,
                      decided_on=LATER)
    db.session.commit()
    _assert_superseded(case, old.id)
    # SO-A's home page no longer asks it to act; nor does the daily reminder.
    assert case.tracking_code not in _home_escalations(client, login, world.head_a)
    assert escalation_notify.remind_unacknowledged(date(2026, 10, 16), NOW) == 0
    assert _reminders_to(world.head_a) == []
    # SO-B's ladder climbs from the bottom as before.
    escalate_due(date(2026, 10, 27), NOW)
    rows = _rows(case)
    assert [(e.level, e.to_agency.code, e.acknowledged_at is None) for e in rows] == [
        (1, "SO-A", False), (1, "SO-B", True)]


def test_a_return_closes_the_returning_agencys_overdue(client, login, world, routed_case):
    case = routed_case
    old = _overdue_at_a(case)
    workflow.return_case(case, "Không thuộc thẩm quyền", "SO-B", world.head_a, NOW, FAR,
                         decided_on=LATER)
    db.session.commit()
    _assert_superseded(case, old.id)
    assert case.tracking_code not in _home_escalations(client, login, world.head_a)
    assert escalation_notify.remind_unacknowledged(date(2026, 10, 16), NOW) == 0
    # The new routing supersedes nothing more (one event, the return's).
    workflow.route(case, "SO-B", world.reception, NOW, FAR, decided_on=LATER)
    db.session.commit()
    _assert_superseded(case, old.id)


def test_inspectors_keep_the_history(client, login, world, routed_case):
    case = routed_case
    old = _overdue_at_a(case)
    workflow.transfer(case, "SO-B", "Thuộc thẩm quyền Sở B", world.head_a, NOW, FAR,
                      decided_on=LATER)
    db.session.commit()
    login(world.inspector)
    listed = client.get("/inspection/escalations?state=open").text
    assert case.tracking_code not in listed
    for state in ("all", "acknowledged"):
        listed = client.get(f"/inspection/escalations?state={state}").text
        assert case.tracking_code in listed and "Hết hiệu lực" in listed, state
    assert case.tracking_code not in client.get("/inspection/escalations?state=acted").text
    page = client.get(f"/inspection/cases/{case.tracking_code}").text
    assert 'data-testid="case-escalations"' in page and "Hết hiệu lực" in page
    assert "Kiến nghị xử lý hết hiệu lực" in page  # the timeline's event
    # The old holder's own list says why it closed, not that it was acknowledged.
    client.post("/logout")
    login(world.head_a)
    done = client.get("/escalations").text
    assert "hết hiệu lực ngày" in done and "đã xác nhận ngày" not in done
    assert db.session.get(Escalation, old.id).as_of == OVERDUE_AT_A


def test_a_stage_completed_late_stays_open_for_its_addressee(world, routed_case):
    """Accepting late ends the stage, but the head still owes the acknowledgement."""
    case = routed_case
    old = _overdue_at_a(case)
    workflow.accept(case, world.head_a, NOW, FAR, decided_on=LATER)
    db.session.commit()
    assert db.session.get(Escalation, old.id).acknowledged_at is None


def test_a_pattern_escalation_stays_open_and_a_lead_designation_closes_the_ladder(
        client, login, world, routed_case):
    case = routed_case
    d = date(2026, 10, 2)
    workflow.transfer(case, "SO-B", "Sai thẩm quyền", world.head_a, NOW, FAR, decided_on=d)
    workflow.transfer(case, "SO-A", "Sai thẩm quyền", world.head_b, NOW, FAR, decided_on=d)
    db.session.commit()
    (evaded,) = [e for e in _rows(case) if e.reason == "evaded"]
    assert evaded.stage == rules.CASE_STAGE and evaded.acknowledged_at is None
    escalate_due(OVERDUE_AT_A, NOW)
    (ladder,) = [e for e in _rows(case) if e.stage == "acceptance"]
    assert ladder.to_agency.code == "SO-A" and ladder.acknowledged_at is None
    # A third move: the ladder step goes, the evasion stays for the province to decide.
    workflow.transfer(case, "SO-B", "Sai thẩm quyền", world.head_a, NOW, FAR,
                      decided_on=LATER)
    db.session.commit()
    rows = {e.id: e for e in _rows(case)}
    assert rows[ladder.id].action_taken == rules.SUPERSEDED
    assert rows[evaded.id].acknowledged_at is None
    assert case.tracking_code in _home_escalations(client, login, world.province_head)
    # The lead designation restarts acceptance at the lead: SO-B's own overdue goes too.
    escalate_due(date(2026, 10, 27), NOW)
    (at_b,) = [e for e in _rows(case) if e.stage == "acceptance" and e.acknowledged_at is None]
    assert at_b.to_agency.code == "SO-B"
    case = db.session.get(Case, case.id)
    designate_lead(case, "SO-A", world.province_head, NOW, date(2026, 10, 28), "Sở A chủ trì")
    db.session.commit()
    rows = {e.id: e for e in _rows(case)}
    assert rows[at_b.id].action_taken == rules.SUPERSEDED
    assert rows[evaded.id].action_taken == "set_lead"  # the decision, not superseded
