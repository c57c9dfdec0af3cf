"""A deadline moved past the overdue steps raised against it (QA): an extension decided
while the deadline ran but entered after the sweep had flagged the case overdue left it
"Quá hạn, mức 1" until the stage ended, though its new due date was ahead. The overdue steps
it took back now lapse: an open one is closed by the system ("superseded"), audited, and the
ladder climbs again from level 1 if the new due date passes too. The reminder, whose day
under the new date is still to come, lapses as well: the agency is reminded again before
the extended date. It lapses "ended", not "overtaken": it was sent and was right about the
date it came before, so the scorecard still counts it (QA round 65)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from complaints.domain import escalation as rules
from complaints.extensions import db
from complaints.models import AuditEvent, Case, Escalation
from complaints.services import audit, deadlines, escalation_notify, workflow
from complaints.services.calendar import get_calendar
from complaints.services.escalation import acknowledge, escalate_due
from tests.conftest import NOW
from tests.integration.test_escalation_world import *  # noqa: F403  (fixtures: world, …)

FAR = date(2027, 12, 31)
# A recommendation accepted on Monday 05/10/2026: 15 working days → due Monday 26/10,
# overdue from 27/10. Extended by 10 working days → due Monday 09/11, overdue from 10/11.
ACCEPTED, DUE, EXTENDED_DUE = date(2026, 10, 5), date(2026, 10, 26), date(2026, 11, 9)
OVERDUE, ENTERED = date(2026, 10, 27), date(2026, 10, 29)
REMINDED_AGAIN = date(2026, 11, 4)  # 3 working days before the extended 09/11


def _accepted(world, make_case) -> Case:
    case = make_case(actor=world.reception, kind="recommendation", received_on=date(2026, 10, 1))
    workflow.route(case, "SO-A", world.reception, NOW, FAR, decided_on=date(2026, 10, 2))
    workflow.accept(case, world.head_a, NOW, FAR, decided_on=ACCEPTED)
    db.session.commit()
    assert case.deadline("resolution").due_on == DUE
    return case


def _rows(case: Case) -> list[Escalation]:
    db.session.expire_all()
    return list(db.session.scalars(select(Escalation).where(Escalation.case_id == case.id)
                                   .order_by(Escalation.id)))


def _overdue(case: Case) -> Escalation:
    escalate_due(date(2026, 10, 21), NOW)  # the reminder, 3 working days before 26/10
    escalate_due(OVERDUE, NOW)
    case = db.session.get(Case, case.id)
    assert case.flag_overdue and case.escalation_level == 1
    (overdue,) = [e for e in _rows(case) if e.level == 1]
    assert (overdue.stage, overdue.reason, overdue.to_agency.code) == (
        "resolution", "overdue", "SO-A")
    return overdue


def _level_one_on(due_on: date) -> date:
    steps = deadlines.ladder()
    return dict(zip([s.level for s in steps], steps.dates(get_calendar(), due_on),
                    strict=True))[1]


def _superseded_events(case: Case) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.case_id == case.id, AuditEvent.action == "escalations_superseded")))


def test_an_extension_entered_after_the_sweep_takes_the_overdue_back(world, make_case):
    case = _accepted(world, make_case)
    overdue = _overdue(case)
    # Decided on 23/10, while the deadline ran; entered on 29/10.
    workflow.extend(case, 10, "Cần xác minh thêm", world.head_a, NOW, ENTERED,
                    decided_on=date(2026, 10, 23))
    db.session.commit()
    case = db.session.get(Case, case.id)
    assert case.deadline("resolution").due_on == EXTENDED_DUE
    assert not case.flag_overdue and case.escalation_level == 0
    assert "overdue" not in case.flags
    # Next: the reminder before the extended date.
    assert case.next_attention_on == REMINDED_AGAIN
    assert _level_one_on(EXTENDED_DUE) == date(2026, 11, 10)
    # The level-1 escalation and the first reminder are closed by the system, kept.
    reminder, closed = _rows(case)
    assert closed.id == overdue.id and closed.action_taken == rules.SUPERSEDED
    assert closed.acknowledged_at is not None and closed.acknowledged_by_id is None
    assert reminder.level == 0 and reminder.action_taken == rules.SUPERSEDED
    assert closed.lapse_reason == rules.LAPSE_OVERTAKEN
    assert reminder.lapse_reason == rules.LAPSE_ENDED  # sent, and still counted
    (event,) = _superseded_events(case)
    assert event.actor_id is None and f"[{reminder.id},{overdue.id}]" in event.data
    assert audit.verify_chains(f"case:{case.id}")[1] == []
    # Nobody is reminded daily of them any longer.
    escalation_notify.remind_unacknowledged(date(2026, 10, 30), NOW)
    db.session.commit()
    reminded = db.session.scalars(select(Escalation.id).where(
        Escalation.case_id == case.id, Escalation.last_reminded_on.is_not(None))).all()
    assert reminded == []

    # Reminded again 3 working days before the extended date, once.
    assert escalate_due(date(2026, 11, 3), NOW).escalated == 0
    assert escalate_due(REMINDED_AGAIN, NOW).escalations == {(0, "reminder"): 1}
    assert escalate_due(REMINDED_AGAIN, NOW).escalated == 0
    # Nothing more until the new due date has passed; then the ladder climbs from level 1.
    assert escalate_due(EXTENDED_DUE, NOW).escalated == 0
    summary = escalate_due(date(2026, 11, 10), NOW)
    assert summary.escalations == {(1, "overdue"): 1}
    rows = _rows(case)
    assert [(e.level, e.lapsed_at is None) for e in rows] == [
        (0, False), (1, False), (0, True), (1, True)]
    assert rows[-1].started_on == rows[-2].started_on == ACCEPTED
    case = db.session.get(Case, case.id)
    assert case.flag_overdue and case.escalation_level == 1
    assert escalate_due(date(2026, 11, 10), NOW).escalated == 0  # still once


def test_an_acknowledged_overdue_lapses_too_and_keeps_what_was_done(world, make_case):
    case = _accepted(world, make_case)
    overdue = _overdue(case)
    acknowledge(overdue, "note", "Quyết định gia hạn đã ký ngày 23/10, đang cập nhật",
                world.head_a, NOW)
    db.session.commit()
    workflow.extend(case, 10, "Cần xác minh thêm", world.head_a, NOW, ENTERED,
                    decided_on=date(2026, 10, 23))
    db.session.commit()
    case = db.session.get(Case, case.id)
    assert not case.flag_overdue and case.next_attention_on == REMINDED_AGAIN
    row = db.session.get(Escalation, overdue.id)
    assert row.action_taken == "note" and row.acknowledged_by_id == world.head_a.id
    assert row.lapsed_at is not None
    assert escalate_due(date(2026, 11, 10), NOW).escalations == {(1, "overdue"): 1}


def test_the_desks_handling_extension_entered_late_takes_the_overdue_back(world, make_case):
    # A denunciation received Friday 27/11/2026: 7 working days → due Tuesday 08/12.
    case = make_case(actor=world.reception, kind="denunciation", received_on=date(2026, 11, 27))
    db.session.commit()
    escalate_due(date(2026, 12, 3), NOW)  # reminded, 3 working days before 08/12
    escalate_due(date(2026, 12, 9), NOW)
    case = db.session.get(Case, case.id)
    assert case.flag_overdue
    workflow.extend_handling(case, 3, "Phải xác minh tại ba địa điểm", world.reception, NOW,
                             date(2026, 12, 10), decided_on=date(2026, 12, 8))
    db.session.commit()
    case = db.session.get(Case, case.id)
    assert case.deadline("handling").due_on == date(2026, 12, 11)
    assert not case.flag_overdue and case.next_attention_on == date(2026, 12, 12)
    reminder, row = _rows(case)
    assert row.action_taken == rules.SUPERSEDED and reminder.acknowledged_at is None
    assert escalate_due(date(2026, 12, 12), NOW).escalations == {(1, "overdue"): 1}


def test_a_resumption_that_gives_the_time_back_takes_the_overdue_back(world, make_case):
    case = _accepted(world, make_case)
    overdue = _overdue(case)
    # Suspended on 20/10 (entered late, on 28/10), resumed on 29/10: the 4 working days
    # left on 20/10 run again from 29/10 → due 04/11.
    workflow.suspend(case, "Chờ kết quả giám định", world.head_a, NOW, date(2026, 10, 28),
                     decided_on=date(2026, 10, 20))
    workflow.resume(case, world.head_a, NOW, ENTERED, decided_on=ENTERED)
    db.session.commit()
    case = db.session.get(Case, case.id)
    assert case.deadline("resolution").due_on == date(2026, 11, 4)
    # Reminded again on 30/10, 3 working days before the new date; overdue from 05/11.
    assert not case.flag_overdue and case.next_attention_on == date(2026, 10, 30)
    assert db.session.get(Escalation, overdue.id).action_taken == rules.SUPERSEDED
    assert escalate_due(date(2026, 10, 30), NOW).escalations == {(0, "reminder"): 1}
    assert db.session.get(Case, case.id).next_attention_on == date(2026, 11, 5)


def test_an_extension_that_leaves_the_case_overdue_keeps_its_level(world, make_case):
    """Entered so late that the new due date has passed too: the overdue stands (level 1),
    and only what the new due date has not reached lapses (level 2, raised on 02/11)."""
    case = _accepted(world, make_case)
    overdue = _overdue(case)
    escalate_due(date(2026, 11, 2), NOW)  # 5 working days overdue: urged (level 2)
    urged = _rows(case)[-1]
    assert urged.level == 2
    # 2 working days more → due 28/10; entered on 03/11: overdue, 4 working days only.
    workflow.extend(case, 2, "Cần xác minh thêm", world.head_a, NOW, date(2026, 11, 3),
                    decided_on=date(2026, 10, 23))
    db.session.commit()
    case = db.session.get(Case, case.id)
    assert case.deadline("resolution").due_on == date(2026, 10, 28)
    assert case.flag_overdue and case.escalation_level == 1
    assert db.session.get(Escalation, overdue.id).acknowledged_at is None
    assert db.session.get(Escalation, urged.id).action_taken == rules.SUPERSEDED
    assert case.next_attention_on == date(2026, 11, 4)  # urged again, 5 days after 28/10
    assert escalate_due(date(2026, 11, 4), NOW).escalations == {(2, "urged"): 1}


def test_the_scorecard_does_not_count_an_overdue_an_extension_took_back(world, make_case):
    """QA round 11: the scorecard counted the lapsed level 1 and the one raised again when
    the new due date passed: two overdues for one. An overdue taken back by an extension
    decided while the deadline ran is no overdue of the agency's; one whose stage later
    ended (a transfer) stood when raised and still counts."""
    from complaints.services import scorecard_summary

    case = _accepted(world, make_case)
    _overdue(case)
    workflow.extend(case, 10, "Cần xác minh thêm", world.head_a, NOW, ENTERED,
                    decided_on=date(2026, 10, 23))
    db.session.commit()
    escalate_due(date(2026, 11, 10), NOW)  # the new due date (09/11) passed: level 1 again
    db.session.commit()
    reasons = sorted((e.level, e.lapse_reason or "") for e in _rows(case))
    assert reasons == [(0, rules.LAPSE_ENDED), (1, ""), (1, rules.LAPSE_OVERTAKEN)]

    def level_ones() -> int:
        counts = scorecard_summary.count_days([(date(2026, 10, 1), date(2026, 11, 30))],
                                              [world.head_a.agency_id])
        return sum(c.escalations.get(1, 0) for c in counts.values())

    assert level_ones() == 1
    workflow.transfer(case, "SO-B", "Không thuộc thẩm quyền", world.head_a, NOW, FAR,
                      decided_on=date(2026, 11, 11))
    db.session.commit()
    ended = [e for e in _rows(case) if e.lapse_reason == rules.LAPSE_ENDED]
    assert [e.level for e in ended] == [0, 1]  # the reminder sent, and the standing level 1
    counts = scorecard_summary.count_days([(date(2026, 10, 1), date(2026, 11, 30))],
                                          [world.head_a.agency_id, world.head_b.agency_id])
    assert sum(c.escalations.get(1, 0) for c in counts.values()) == 1  # counted, not lost
