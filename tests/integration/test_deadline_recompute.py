"""A calendar override or a policy change recomputes open cases' deadlines, audited."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import AuditEvent, CalendarOverride, Case
from complaints.services import admin as admin_service
from complaints.services import workflow
from complaints.services.errors import ValidationFailed
from tests.conftest import NOW, TODAY
from tests.integration.test_escalation_world import *  # noqa: F403  (fixtures: world, …)

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY

@pytest.fixture
def setup(make_agency, make_user, make_case):
    desk, so = make_agency(code="BTCD"), make_agency(code="SO-TNMT")
    reception = make_user("reception", agency=desk)
    head = make_user("agency_head", agency=so)
    admin = make_user("admin", username="quantri")

    def accepted(kind: str = "recommendation", on: date = date(2026, 11, 23)) -> Case:
        case = make_case(actor=reception, kind=kind)
        workflow.route(case, "SO-TNMT", reception, NOW, TODAY, decided_on=date(2026, 11, 20))
        workflow.accept(case, head, NOW, TODAY, decided_on=on)
        db.session.flush()
        return case

    return {"admin": admin, "head": head, "accepted": accepted}


def _recomputed(case: Case) -> list[dict]:
    rows = db.session.scalars(select(AuditEvent).where(
        AuditEvent.chain == f"case:{case.id}", AuditEvent.action == "deadline_recomputed")
        .order_by(AuditEvent.seq))
    return [json.loads(e.data) for e in rows]


def test_make_up_saturday_brings_a_working_day_deadline_forward(setup):
    case = setup["accepted"]()
    # 15 working days from Mon 23/11/2026 (24/11 is Vietnamese Culture Day) → Tue 15/12.
    assert case.deadline("resolution").due_on == date(2026, 12, 15)
    _row, changed = admin_service.add_calendar_override(
        date(2026, 12, 5), "working_day", "Làm bù", setup["admin"], NOW)
    assert changed >= 1
    row = case.deadline("resolution")
    assert row.due_on == date(2026, 12, 14)
    assert _recomputed(case)[-1]["from"] == "2026-12-15"
    assert _recomputed(case)[-1]["to"] == "2026-12-14"
    assert _recomputed(case)[-1]["reason"] == "calendar:2026-12-05"
    # Deleting the override puts the deadline back.
    override = db.session.scalar(select(admin_service.CalendarOverride))
    admin_service.delete_calendar_override(override, setup["admin"], NOW)
    assert case.deadline("resolution").due_on == date(2026, 12, 15)


def test_extra_day_off_pushes_the_deadline_and_is_explained(setup):
    case = setup["accepted"]()
    admin_service.add_calendar_override(date(2026, 12, 10), "day_off",
                                        "Nghỉ bù theo quyết định", setup["admin"], NOW)
    row = case.deadline("resolution")
    assert row.due_on == date(2026, 12, 16)
    assert "Nghỉ bù theo quyết định" in row.rule
    actions = list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.chain == "calendar")))
    assert actions == ["calendar_override_added"]


def test_policy_version_effective_earlier_recomputes_open_cases_not_closed(setup):
    open_case = setup["accepted"]()
    closed_case = setup["accepted"]()
    workflow.resolve(closed_case, "answered", "1/TL", "Đã trả lời", setup["head"], NOW, TODAY,
                     decided_on=TODAY)
    workflow.close(closed_case, setup["head"], NOW, TODAY)
    closed_due = closed_case.deadline("resolution").due_on
    row, changed = admin_service.add_policy_version(admin_service.PolicyData(
        stage="resolution", kind="recommendation", round=0, variant="normal", days=20,
        unit="working", extension_days=10, max_extensions=1,
        effective_from=date(2026, 11, 1), source="Quy định mới"), setup["admin"], NOW)
    assert changed >= 1
    deadline = open_case.deadline("resolution")
    assert deadline.policy_id == row.id
    assert deadline.due_on == date(2026, 12, 22)  # 20 working days from 23/11/2026
    assert "Quy định mới" in deadline.rule
    assert _recomputed(open_case)[-1]["reason"] == f"policy:{row.id}"
    assert closed_case.deadline("resolution").due_on == closed_due
    assert _recomputed(closed_case) == []


def test_policy_version_effective_later_leaves_started_deadlines(setup):
    case = setup["accepted"]()
    due = case.deadline("resolution").due_on
    _row, changed = admin_service.add_policy_version(admin_service.PolicyData(
        stage="resolution", kind="recommendation", round=0, variant="normal", days=20,
        unit="working", extension_days=10, max_extensions=1,
        effective_from=date(2027, 1, 1), source="Quy định từ 2027"), setup["admin"], NOW)
    assert changed == 0 and case.deadline("resolution").due_on == due


def test_recompute_keeps_the_time_a_suspension_added(setup):
    case = setup["accepted"]()
    workflow.suspend(case, "Chờ giám định", setup["head"], NOW, TODAY,
                     decided_on=date(2026, 11, 25))
    workflow.resume(case, setup["head"], NOW, TODAY, decided_on=date(2026, 12, 1))
    shifted = case.deadline("resolution").due_on
    assert shifted > date(2026, 12, 15)
    admin_service.add_calendar_override(date(2027, 3, 1), "day_off", "Ngày không liên quan",
                                        setup["admin"], NOW)
    assert case.deadline("resolution").due_on == shifted
    assert _recomputed(case) == []


def test_calendar_change_through_the_admin_page(client, login, setup):
    case = setup["accepted"]()
    login(setup["admin"])
    fields = {"day": "05/12/2026", "kind": "working_day", "description": "Làm bù"}
    # The confirmation says what saving then does: one running deadline moves.
    page = client.post("/admin/calendar/new", data=fields).get_data(as_text=True)
    assert "1 thời hạn đang chạy sẽ đổi ngày đến hạn." in page
    db.session.expire_all()
    assert db.session.get(Case, case.id).deadline("resolution").due_on == date(2026, 12, 15)
    r = client.post("/admin/calendar/new", data={**fields, "confirmed": "1"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case.id).deadline("resolution").due_on == date(2026, 12, 14)
    # Deleting it again is confirmed with the same count, and moves the date back.
    override = db.session.scalar(select(CalendarOverride))
    page = client.get(f"/admin/calendar/{override.id}/delete").get_data(as_text=True)
    assert "1 thời hạn đang chạy sẽ đổi ngày đến hạn." in page
    assert client.post(f"/admin/calendar/{override.id}/delete",
                       data={"reason": "Quyết định đã thu hồi"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case.id).deadline("resolution").due_on == date(2026, 12, 15)


def test_resuming_before_the_suspension_is_refused_and_changes_nothing(setup):
    # Found by the random workflow sequences: a resume dated before the suspension raised
    # a bare ValueError from the deadline arithmetic (a 500 on the page).
    case = setup["accepted"]()
    workflow.suspend(case, "Chờ giám định", setup["head"], NOW, TODAY,
                     decided_on=date(2026, 11, 25))
    due = case.deadline("resolution").due_on
    with pytest.raises(ValidationFailed) as refused:
        workflow.resume(case, setup["head"], NOW, TODAY, decided_on=date(2026, 11, 24))
    assert "25/11/2026" in str(refused.value.errors["decided_on"])
    assert case.status == "suspended" and case.deadline("resolution").due_on == due


def _snapshot(cases: list[Case]) -> dict:
    db.session.expire_all()
    return {c.id: ([(d.stage, d.due_on, d.rule) for d in sorted(
        db.session.get(Case, c.id).deadlines, key=lambda d: d.stage)],
        db.session.get(Case, c.id).next_attention_on) for c in cases}


@pytest.mark.parametrize("change", ["day_off", "working_day", "policy"])
def test_the_targeted_recomputation_leaves_nothing_for_a_full_one(setup, make_case, change):
    from datetime import timedelta

    from complaints.services import deadlines
    from complaints.services.escalation import escalate_due

    head = setup["head"]

    def accepted(on: date) -> Case:
        case = make_case(kind="recommendation", received_on=on - timedelta(days=3))
        workflow.route(case, "SO-TNMT", None, NOW, TODAY, decided_on=on - timedelta(days=2))
        workflow.accept(case, head, NOW, TODAY, decided_on=on)
        return case

    # Resolution deadlines (15 working days) that end before the changed day (Tue 10/11 or
    # Sat 14/11), run across it, start after it, and one suspended across it.
    cases = [accepted(day) for day in (date(2026, 9, 1), date(2026, 10, 1),
                                       date(2026, 11, 2), date(2026, 11, 23),
                                       date(2026, 11, 30))]
    suspended = accepted(date(2026, 11, 2))
    workflow.suspend(suspended, "Chờ giám định", head, NOW, TODAY,
                     decided_on=date(2026, 11, 5))
    workflow.resume(suspended, head, NOW, TODAY, decided_on=date(2026, 11, 20))
    cases.append(suspended)
    # Overdue before the day and swept: its next step (urging, 5 working days overdue)
    # falls after the day, outside its deadline's own span.
    overdue = accepted(date(2026, 10, 14))
    cases.append(overdue)
    db.session.flush()
    due_on = overdue.deadline("resolution").due_on
    assert due_on < date(2026, 11, 10)
    escalate_due(due_on + timedelta(days=1), NOW)
    assert db.session.get(Case, overdue.id).next_attention_on > date(2026, 11, 10)
    before = _snapshot(cases)
    if change == "policy":
        # Counted before it is saved: the due dates the version then moves.
        expected = admin_service.policy_impact(admin_service.PolicyData(
            stage="resolution", kind="recommendation", round=0, variant="normal", days=12,
            unit="working", extension_days=0, max_extensions=0,
            effective_from=date(2026, 11, 20), source="Quy định mới"))
        admin_service.add_policy_version(admin_service.PolicyData(
            stage="resolution", kind="recommendation", round=0, variant="normal", days=12,
            unit="working", extension_days=0, max_extensions=0,
            effective_from=date(2026, 11, 20), source="Quy định mới"), setup["admin"], NOW)
    else:
        day = date(2026, 11, 10) if change == "day_off" else date(2026, 11, 14)
        expected = admin_service.calendar_impact(day, change, "Điều chỉnh")
        admin_service.add_calendar_override(day, change, "Điều chỉnh", setup["admin"], NOW)
    after = _snapshot(cases)
    assert after != before  # the change moved something
    moved_in_bulk = sum(1 for c in cases if c.id != suspended.id
                        for (_s, due, _r), (_s2, old, _r2) in zip(
                            after[c.id][0], before[c.id][0], strict=True) if due != old)
    # Counted before it was saved: the due dates it then moved in bulk, and apart the
    # suspended case (the policy version's date is after its start: not a candidate).
    assert expected == (moved_in_bulk, 0 if change == "policy" else 1)
    if change != "policy":  # and removing the day again is counted the same way
        assert admin_service.calendar_impact(day) == (moved_in_bulk, 1)
    # Each moved due date is audited once, on valid chains, written in bulk or per case.
    moved = [(c.id, stage, due) for c in cases for (stage, due, _rule), (_s, old, _r) in zip(
        after[c.id][0], before[c.id][0], strict=True) if due != old]
    assert moved and sorted((e.case_id, json.loads(e.data)["stage"], json.loads(e.data)["to"])
                            for e in db.session.scalars(select(AuditEvent).where(
                                AuditEvent.action == "deadline_recomputed"))) == sorted(
        (case_id, stage, due.isoformat()) for case_id, stage, due in moved)
    from complaints.services import audit
    assert audit.verify_chains()[1] == []
    assert deadlines.recompute_open(NOW, setup["admin"], reason="check") == 0
    for case in cases:
        deadlines.refresh_attention(db.session.get(Case, case.id))
    db.session.flush()
    assert _snapshot(cases) == after


def test_a_policy_version_for_a_variant_moves_only_the_cases_of_that_variant(setup,
                                                                            make_case):
    from complaints.services import deadlines

    head = setup["head"]

    def accepted(kind: str = "complaint") -> Case:
        case = make_case(kind=kind, received_on=date(2026, 11, 18))
        workflow.route(case, "SO-TNMT", None, NOW, TODAY, decided_on=date(2026, 11, 19))
        workflow.accept(case, head, NOW, TODAY, decided_on=date(2026, 11, 23))
        return case

    normal, complex_ = accepted(), accepted()
    deadlines.set_complexity(complex_, "complex", head, NOW)
    remote = accepted()
    remote.is_remote = True  # as received: a running deadline keeps its variant, so named
    deadlines.set_deadline(remote, "resolution", date(2026, 11, 23), variant="remote")
    deadlines.refresh_attention(remote)
    # A denunciation declared very complex: a variant only its stored policy tells.
    very = accepted("denunciation")
    deadlines.set_complexity(very, "very_complex", head, NOW)
    db.session.flush()
    before = _snapshot([normal, complex_, remote, very])
    admin_service.add_policy_version(admin_service.PolicyData(
        stage="resolution", kind="complaint", round=1, variant="complex", days=50,
        unit="calendar", extension_days=0, max_extensions=0,
        effective_from=date(2026, 11, 20), source="Quy định mới"), setup["admin"], NOW)
    admin_service.add_policy_version(admin_service.PolicyData(
        stage="resolution", kind="denunciation", round=0, variant="very_complex", days=100,
        unit="calendar", extension_days=0, max_extensions=0,
        effective_from=date(2026, 11, 20), source="Quy định mới"), setup["admin"], NOW)
    after = _snapshot([normal, complex_, remote, very])
    assert after[normal.id] == before[normal.id] and after[remote.id] == before[remote.id]
    assert dict((s, d) for s, d, _r in after[complex_.id][0])["resolution"] == date(
        2027, 1, 12)  # 50 days from 23/11/2026
    assert dict((s, d) for s, d, _r in after[very.id][0])["resolution"] == date(
        2027, 3, 3)  # 100 days from 23/11/2026
    assert deadlines.recompute_open(NOW, setup["admin"], reason="check") == 0
    assert _snapshot([normal, complex_, remote, very]) == after


FAR = date(2027, 12, 31)  # "today" far ahead: no decision date below is in the future


def test_resuming_a_calendar_period_gives_back_no_weekend_shift(world, routed_case, make_user):
    # Found by a QA pass: the time left was counted to the due date Civil Code Art. 148(5)
    # had moved off the weekend, so the two days of that shift were given back too.
    workflow.accept(routed_case, world.head_a, NOW, FAR, decided_on=date(2026, 10, 8))
    assert routed_case.deadline("resolution").due_on == date(2026, 11, 9)  # nominal Sat 7/11
    workflow.suspend(routed_case, "x", world.head_a, NOW, FAR, decided_on=date(2026, 11, 2))
    workflow.resume(routed_case, world.head_a, NOW, FAR, decided_on=date(2026, 11, 18))
    assert routed_case.deadline("resolution").due_on == date(2026, 11, 23)  # 5 days left
    # A recomputation (here: a day off inside the period, which moves no calendar-day
    # deadline) counts the same way, from the period's own end, and so changes nothing.
    admin = make_user("admin", username="quantri")
    admin_service.add_calendar_override(date(2026, 11, 20), "day_off", "Nghỉ bù", admin, NOW)
    assert routed_case.deadline("resolution").due_on == date(2026, 11, 23)
    assert _recomputed(routed_case) == []


def test_resuming_on_a_day_off_with_no_time_left_is_due_on_a_working_day(world, make_case):
    # Found by a QA pass: suspended on its due date and resumed on a Saturday, the case was
    # due that Saturday.
    c = make_case(actor=world.reception, kind="feedback", received_on=date(2026, 10, 1))
    workflow.route(c, "SO-A", world.reception, NOW, FAR, decided_on=date(2026, 10, 2))
    workflow.accept(c, world.head_a, NOW, FAR, decided_on=date(2026, 10, 8))
    assert c.deadline("resolution").due_on == date(2026, 10, 29)
    workflow.suspend(c, "x", world.head_a, NOW, FAR, decided_on=date(2026, 10, 29))
    workflow.resume(c, world.head_a, NOW, FAR, decided_on=date(2026, 10, 31))  # Saturday
    assert c.deadline("resolution").due_on == date(2026, 11, 2)
