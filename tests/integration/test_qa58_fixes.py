"""QA round 58: time — working-day deadlines, the VN calendar, suspensions and extensions,
and the scheduler's sweep, walked through simulated months (as_of/now passed, never slept).

Each test fails on the frozen code because of the defect its docstring names, and asserts
the behaviour the shared domain brief (domain.md) asks for. Due dates were computed by hand.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Case, DeadlinePolicy, Escalation
from complaints.services import escalation_notify, personal_data, workflow
from complaints.services.escalation import acknowledge, escalate_due
from tests.integration.test_escalation_world import *  # noqa: F403  (fixtures: world, …)


def at(day: date, hour: int = 3) -> datetime:
    """A moment of `day` (UTC; 03:00 UTC is 10:00 in Hà Nội)."""
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=timezone.utc)


def sweep_days(first: date, last: date) -> None:
    """The scheduler's sweep, once a day from `first` to `last`."""
    day = first
    while day <= last:
        escalate_due(day, at(day))
        day += timedelta(days=1)


def escalations(case: Case) -> list[Escalation]:
    db.session.expire_all()
    return list(db.session.scalars(select(Escalation).where(Escalation.case_id == case.id)
                                   .order_by(Escalation.id)))


# --- 1. a complex denunciation in a remote area loses its extension ------------------------


def test_defect_complex_denunciation_in_a_remote_area_is_resolved_as_a_normal_one(
        world, make_case):
    """domain.md, Default deadline policies: "resolution of a denunciation, from acceptance
    | denunciation | 30 | calendar | complex: once, ≤30; very complex: twice, ≤30 each"
    (Law on Denunciations Art. 30). The remote-area variants exist for complaints only
    (Law on Complaints Art. 28/37); nothing in the table lets "remote" take a
    denunciation's complexity away. Mass petitions are "flagged as complex" (domain.md,
    Patterns), so every mass denunciation of a remote commune is such a case.

    Wrong: a denunciation logged complex (is_complex) in a remote area (is_remote) is
    accepted under the *normal* rule (no extension): deadlines._pick_variant gives
    "remote_complex", policies.select_policy finds no such denunciation row and falls back
    to "normal" (not "complex"). The head's extension of 30 days, decided while the
    deadline runs, is then refused "only complex or very complex denunciations may be
    extended" although the case is marked complex.
    Right: the complex rule applies (30 days, one extension of up to 30): accepted
    08/09/2026, due 08/10/2026; extended by 30 on 01/10/2026 → 60 days from 08/09 =
    07/11/2026, a Saturday → Monday 09/11/2026 (Civil Code Art. 148(5)).
    """
    received = date(2026, 9, 7)
    case = make_case(actor=world.reception, kind="denunciation", received_on=received,
                     now=at(received), today=received, is_remote=True, is_complex=True)
    accepted = date(2026, 9, 8)
    workflow.route(case, "SO-A", world.reception, at(accepted), accepted, decided_on=accepted)
    workflow.accept(case, world.head_a, at(accepted), accepted, decided_on=accepted)
    row = case.deadline("resolution")
    assert (row.due_on, row.days, row.unit) == (date(2026, 10, 8), 30, "calendar")
    assert db.session.get(DeadlinePolicy, row.policy_id).variant == "complex", (
        "a complex denunciation in a remote area was accepted under the normal rule")
    day = date(2026, 10, 1)
    workflow.extend(case, 30, "Phải xác minh ở nhiều nơi", world.head_a, at(day), day,
                    decided_on=day)
    assert case.deadline("resolution").due_on == date(2026, 11, 9)


# --- 2. an acceptance dated on time but entered late keeps its "overdue" ------------------


def test_defect_acceptance_dated_on_time_but_entered_late_stays_overdue(world, make_case):
    """domain.md, Counting days: "A deadline ends at the end of its due date: a case is
    overdue from the next day on"; Escalation ladder: "1 overdue | the day after the due
    date | the agency head; the case is marked overdue". Decisions are dated as signed
    (the acceptance clock is met on the decision's date, deadlines.meet).

    Complaint received 28/08/2026, routed to SO-A on Thursday 03/09/2026: 7 working days
    (Decree 124 as amended, from 1/7/2026) skipping the weekends → due Monday 14/09/2026.
    SO-A's head accepts (thụ lý) by a decision dated 14/09 — on time — and enters it on
    16/09; the sweep of 15/09 had meanwhile raised "overdue" (level 1) against SO-A.

    Wrong: the overdue escalation stands after the on-time acceptance is entered: it is not
    lapsed (workflow.accept never calls escalation.lapse_overtaken, as extend,
    extend_handling and resume do for a decision entered after the sweep), so SO-A's heads
    are reminded of it every morning (remind_unacknowledged) and the scorecard counts an
    overdue for an agency that accepted on its due date. The same holds for a resolution
    dated on time and entered late.
    Right: a stage met by its due date was never overdue: the level-1 escalation lapses as
    overtaken once the acceptance is entered, and no daily reminder names it.
    """
    case = make_case(actor=world.reception, received_on=date(2026, 8, 28),
                     now=at(date(2026, 9, 1)), today=date(2026, 9, 1))
    routed = date(2026, 9, 3)
    workflow.route(case, "SO-A", world.reception, at(routed), routed, decided_on=routed)
    assert case.deadline("acceptance").due_on == date(2026, 9, 14)
    sweep_days(routed, date(2026, 9, 15))
    overdue = [e for e in escalations(case) if e.level == 1]
    assert [(e.stage, e.as_of, e.to_agency.code) for e in overdue] == [
        ("acceptance", date(2026, 9, 15), "SO-A")]

    entered = date(2026, 9, 16)
    case = db.session.get(Case, case.id)
    workflow.accept(case, world.head_a, at(entered), entered, decided_on=date(2026, 9, 14))
    db.session.flush()
    assert case.deadline("acceptance").met_on == case.deadline("acceptance").due_on

    (row,) = [e for e in escalations(case) if e.level == 1]
    assert row.lapsed_at is not None, (
        "the overdue escalation of an acceptance dated on its due date still stands")
    assert escalation_notify.remind_unacknowledged(date(2026, 9, 17),
                                                   at(date(2026, 9, 17))) == 0


# --- 3. retention counted from the UTC day of the last change ------------------------------


def test_defect_retention_of_a_closed_case_starts_on_the_utc_day_of_its_last_change(
        world, make_case):
    """README, configuration: RETENTION_YEARS (5) — "closed cases' petitioners may be
    anonymised after this"; every day of the system is a day in Vietnam (clock.today():
    "a deadline's day ends at local midnight", Asia/Ho_Chi_Minh, UTC+7).

    A complaint is decided and closed in 2026; on 02/12/2026 at 06:30 in Hà Nội (23:30 UTC
    on 01/12) SO-A's head acknowledges the old overdue escalation of the closed case —
    the case's last change, an audit event of 02/12 in Vietnam.
    Wrong: personal_data._ended_on takes `last.date()` of the stored UTC timestamp, so the
    case "ended" on 01/12/2026 and its petitioner may be anonymised from 01/12/2031, a day
    before the retention ends (eligibility on 01/12/2031 gives no retained_until).
    Right: the last change falls on 02/12/2026 (Vietnam): retained until 02/12/2031.
    """
    case = make_case(actor=world.reception, received_on=date(2026, 10, 1))
    routed = date(2026, 10, 2)
    workflow.route(case, "SO-A", world.reception, at(routed), routed, decided_on=routed)
    due = case.deadline("acceptance").due_on  # 7 working days: Tuesday 13/10/2026
    assert due == date(2026, 10, 13)
    sweep_days(due + timedelta(days=1), due + timedelta(days=1))
    (overdue,) = [e for e in escalations(case) if e.level == 1]
    case = db.session.get(Case, case.id)
    decided = date(2026, 10, 20)
    workflow.accept(case, world.head_a, at(decided), decided, decided_on=decided)
    workflow.resolve(case, "right", "QĐ 1/QĐ-SA", "Khiếu nại đúng", world.head_a,
                     at(decided), decided, decided_on=decided)
    closed = date(2026, 11, 2)
    workflow.close(case, world.head_a, at(closed), closed, reason="Đã thi hành")
    db.session.flush()
    # 06:30 on 02/12/2026 in Hà Nội is 23:30 UTC on 01/12/2026.
    moment = datetime(2026, 12, 1, 23, 30, tzinfo=timezone.utc)
    acknowledge(db.session.get(Escalation, overdue.id), "note", "Đã kiểm điểm", world.head_a,
                moment)
    db.session.flush()
    person = case.petitions[0].signers[0].petitioner
    check = personal_data.eligibility(person, date(2031, 12, 1), 5)
    assert check.retained_until == date(2031, 12, 2), (
        f"retained until {check.retained_until}: the last change was counted on its UTC day")
