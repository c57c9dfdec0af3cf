"""The ladder sweep: each level with dates passed in, skipped levels, idempotence, dry run, CLI."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from complaints.domain import escalation as rules
from complaints.extensions import db
from complaints.models import AuditEvent, Case, Escalation, Notification, User
from complaints.services import audit, notifications, workflow
from complaints.services.calendar import get_calendar
from complaints.services.escalation import escalate_due
from tests.conftest import NOW, TODAY
from tests.integration.test_escalation_world import *  # noqa: F403  (fixtures: world, …)
from tests.integration.test_escalation_world import ladder_dates


def escalations(case: Case) -> list[tuple[str, int, str, str]]:
    rows = db.session.scalars(select(Escalation).where(Escalation.case_id == case.id)
                              .order_by(Escalation.id))
    return [(e.stage, e.level, e.reason, e.to_agency.code) for e in rows]


def inbox_of(user: User) -> list:
    """What the user's inbox lists: personal messages and their agency's notices."""
    return notifications.inbox(user)


def test_next_attention_is_the_reminder_date(routed_case):
    assert routed_case.next_attention_on == ladder_dates(routed_case)[0]


def test_a_case_ignored_past_each_level(world, routed_case):
    case = routed_case
    dates = ladder_dates(case)
    # The day before the reminder: nothing is due, nothing is even read.
    summary = escalate_due(dates[0].fromordinal(dates[0].toordinal() - 1), NOW)
    assert summary.examined == 0 and summary.escalated == 0

    summary = escalate_due(dates[0], NOW)
    assert summary.escalations == {(0, "reminder"): 1}
    assert escalations(case) == [("acceptance", 0, "reminder", "SO-A")]
    assert len(inbox_of(world.officer_a)) == 1 and len(inbox_of(world.head_a)) == 1
    case = db.session.get(Case, case.id)
    assert case.next_attention_on == dates[1] and not case.flag_overdue

    escalate_due(dates[1], NOW)
    case = db.session.get(Case, case.id)
    assert escalations(case)[-1] == ("acceptance", 1, "overdue", "SO-A")
    assert case.flag_overdue and case.escalation_level == 1 and "overdue" in case.flags
    assert case.next_attention_on == dates[2]
    assert len(inbox_of(world.officer_a)) == 1  # the officer only gets the reminder

    escalate_due(dates[2], NOW)
    assert escalations(case)[-1] == ("acceptance", 2, "urged", "UBND")
    assert len(inbox_of(world.province_head)) == 1

    escalate_due(dates[3], NOW)
    case = db.session.get(Case, case.id)
    assert escalations(case)[-1] == ("acceptance", 3, "inspection", "TTT")
    assert len(inbox_of(world.inspector)) == 1
    assert len(inbox_of(world.province_head)) == 2  # provincial leadership is told too
    assert case.escalation_level == 3 and case.next_attention_on is None

    # Each escalation is an audit event on the case's intact chain.
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.case_id == case.id)
                                 .order_by(AuditEvent.seq)).all()
    assert actions.count("escalated") == 4
    checked, breaks = audit.verify_chains(f"case:{case.id}")
    assert checked == len(actions) and breaks == []
    # E-mails (one digest per person per sweep): head A for levels 0 and 1, the province
    # head for levels 2 and 3, each naming the case.
    mails = db.session.execute(select(Notification.email_to, Notification.body).where(
        Notification.channel == "email")).all()
    assert sorted(m.email_to for m in mails) == sorted(
        ["giamdoc.a@so-a.gov.vn"] * 2 + ["chutich@hp.gov.vn"] * 2)
    assert all(case.tracking_code in m.body for m in mails)


def test_skipped_levels_give_one_escalation_at_the_current_level(world, routed_case):
    dates = ladder_dates(routed_case)
    summary = escalate_due(dates[2], NOW)  # the server was down for a week
    assert summary.escalations == {(2, "urged"): 1}
    assert escalations(routed_case) == [("acceptance", 2, "urged", "UBND")]
    assert summary.notifications == 2  # the province head: in-app and e-mail
    assert len(inbox_of(world.head_a)) == 0
    case = db.session.get(Case, routed_case.id)
    assert case.escalation_level == 2 and case.flag_overdue
    assert case.next_attention_on == dates[3]


def test_sweep_twice_gives_nothing_new(routed_case):
    as_of = ladder_dates(routed_case)[1]
    first = escalate_due(as_of, NOW)
    counts = (db.session.scalar(select(func.count(Escalation.id))),
              db.session.scalar(select(func.count(Notification.id))),
              db.session.scalar(select(func.count(AuditEvent.id))))
    second = escalate_due(as_of, NOW)
    assert first.escalated == 1 and second.examined == 0 and second.escalated == 0
    assert counts == (db.session.scalar(select(func.count(Escalation.id))),
                      db.session.scalar(select(func.count(Notification.id))),
                      db.session.scalar(select(func.count(AuditEvent.id))))


def test_a_stale_attention_date_does_not_duplicate(routed_case):
    as_of = ladder_dates(routed_case)[1]
    escalate_due(as_of, NOW)
    case = db.session.get(Case, routed_case.id)
    case.next_attention_on = date(2026, 1, 1)  # as if reset by hand
    db.session.flush()
    again = escalate_due(as_of, NOW)
    assert again.examined == 1 and again.escalated == 0
    assert len(escalations(case)) == 1
    assert db.session.get(Case, case.id).next_attention_on == ladder_dates(case)[2]


def test_dry_run_changes_nothing(routed_case):
    as_of = ladder_dates(routed_case)[1]
    before = routed_case.next_attention_on
    summary = escalate_due(as_of, NOW, dry_run=True)
    assert summary.dry_run and summary.escalations == {(1, "overdue"): 1}
    assert summary.notifications == 2  # head A: in-app and e-mail
    assert db.session.scalar(select(func.count(Escalation.id))) == 0
    assert db.session.scalar(select(func.count(Notification.id))) == 0
    assert db.session.get(Case, routed_case.id).next_attention_on == before


def test_a_new_stage_starts_the_ladder_again(world, routed_case):
    dates = ladder_dates(routed_case)
    escalate_due(dates[1], NOW)
    case = db.session.get(Case, routed_case.id)
    workflow.accept(case, world.head_a, NOW, TODAY, decided_on=dates[1])
    assert case.escalation_level == 0 and not case.flag_overdue
    resolution_due = case.deadline("resolution").due_on
    assert case.next_attention_on == rules.step_date(get_calendar(), resolution_due, -3,
                                                     "working")


FAR = date(2027, 12, 31)


def _ladder_rows(case: Case) -> list[tuple]:
    return [(e.stage, e.level, e.reason, e.to_agency.code, e.as_of) for e in db.session.scalars(
        select(Escalation).where(Escalation.case_id == case.id).order_by(Escalation.id))]


def test_a_transferred_stage_climbs_its_ladder_again_at_the_new_holder(world, routed_case):
    """Found by QA (round 7): the level reached was read per case and stage over the whole
    history, so after a transfer the case showed overdue from the day it arrived, and the
    new holder was never reminded nor told of its own overdue (its first notice: "urged",
    sent to the province)."""
    case = routed_case
    escalate_due(date(2026, 10, 14), NOW)  # due 13/10 at SO-A: overdue
    assert case.flag_overdue
    workflow.transfer(case, "SO-B", "Thuộc thẩm quyền Sở B", world.head_a, NOW, FAR,
                      decided_on=date(2026, 10, 15))
    db.session.flush()
    assert case.deadline("acceptance").due_on == date(2026, 10, 26)  # 7 working days at B
    assert not case.flag_overdue and case.escalation_level == 0
    assert case.next_attention_on == date(2026, 10, 21)  # B's reminder, 3 working days before
    escalate_due(date(2026, 10, 21), NOW)
    escalate_due(date(2026, 10, 27), NOW)
    escalate_due(date(2026, 10, 27), NOW)  # twice the same day: nothing more
    assert _ladder_rows(case) == [
        ("acceptance", 1, "overdue", "SO-A", date(2026, 10, 14)),
        ("acceptance", 0, "reminder", "SO-B", date(2026, 10, 21)),
        ("acceptance", 1, "overdue", "SO-B", date(2026, 10, 27)),
    ]
    case = db.session.get(Case, case.id)
    assert case.flag_overdue and case.escalation_level == 1


def test_a_return_and_new_routing_remind_the_new_holder(world, routed_case):
    case = routed_case
    escalate_due(date(2026, 10, 8), NOW)  # SO-A's reminder (due 13/10)
    workflow.return_case(case, "Không thuộc thẩm quyền", "SO-B", world.head_a, NOW, FAR,
                         decided_on=date(2026, 10, 9))
    workflow.route(case, "SO-B", world.reception, NOW, FAR, decided_on=date(2026, 10, 9))
    db.session.flush()
    assert case.deadline("acceptance").due_on == date(2026, 10, 20)
    escalate_due(date(2026, 10, 15), NOW)
    assert [(level, reason, to) for _s, level, reason, to, _on in _ladder_rows(case)] == [
        (0, "reminder", "SO-A"), (0, "reminder", "SO-B")]


def test_resolved_case_is_not_escalated(world, routed_case):
    case = routed_case
    workflow.accept(case, world.head_a, NOW, TODAY, decided_on=date(2026, 10, 5))
    workflow.resolve(case, "right", "12/QĐ", "Giải quyết xong", world.head_a, NOW, TODAY,
                     decided_on=date(2026, 10, 6))
    assert case.next_attention_on is None
    assert escalate_due(date(2027, 6, 1), NOW).examined == 0


def test_flask_escalate_prints_a_summary(runner, routed_case, monkeypatch):
    from complaints import clock

    as_of = ladder_dates(routed_case)[2]
    # Catching up a missed sweep: a week later, the past date is swept and saved.
    monkeypatch.setattr(clock, "today", lambda: as_of.fromordinal(as_of.toordinal() + 7))
    db.session.commit()
    result = runner.invoke(args=["escalate", "--as-of", as_of.isoformat(), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "dry run" in result.output.lower()
    assert "cases examined: 1" in result.output
    assert "level 2 urged: 1" in result.output
    assert db.session.scalar(select(func.count(Escalation.id))) == 0

    result = runner.invoke(args=["escalate", "--as-of", as_of.isoformat()])
    assert result.exit_code == 0, result.output
    assert "level 2 urged: 1" in result.output
    assert "notifications queued: 2" in result.output
    assert db.session.scalar(select(func.count(Escalation.id))) == 1
    result = runner.invoke(args=["escalate", "--as-of", as_of.isoformat()])
    assert "cases examined: 0" in result.output and "escalations: 0" in result.output


def test_flask_escalate_refuses_a_future_date_unless_dry_run(runner, routed_case,
                                                              monkeypatch):
    from complaints import clock

    as_of = ladder_dates(routed_case)[2]
    monkeypatch.setattr(clock, "today", lambda: as_of.fromordinal(as_of.toordinal() - 1))
    db.session.commit()
    result = runner.invoke(args=["escalate", "--as-of", as_of.isoformat()])
    assert result.exit_code != 0
    assert "future date" in result.output and "--dry-run" in result.output
    assert db.session.scalar(select(func.count(Escalation.id))) == 0
    assert db.session.scalar(select(func.count(Notification.id))) == 0
    db.session.expire_all()
    assert not db.session.get(Case, routed_case.id).flag_overdue
    # A preview of a future date changes nothing and is allowed.
    result = runner.invoke(args=["escalate", "--as-of", as_of.isoformat(), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "level 2 urged: 1" in result.output
    assert db.session.scalar(select(func.count(Escalation.id))) == 0
    # Today itself is no future date.
    monkeypatch.setattr(clock, "today", lambda: as_of)
    result = runner.invoke(args=["escalate", "--as-of", as_of.isoformat()])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count(Escalation.id))) == 1


def test_flask_escalate_rejects_a_bad_date(runner):
    result = runner.invoke(args=["escalate", "--as-of", "01/12/2026"])
    assert result.exit_code != 0


def test_sweep_job_commits_and_records_its_run(app, routed_case):
    from complaints import jobs
    from complaints.models import JobRun

    db.session.commit()
    summary = jobs.sweep(app)  # the job reads the wall clock: weeks after the due date
    assert summary is not None and summary.escalated == 1
    run = db.session.get(JobRun, "sweep")
    assert run.last_started_at and run.last_success_at and run.last_error is None
    assert {job.id for job in jobs.build_scheduler(app).get_jobs()} == {
        "sweep", "outbox", "reminders", "reports", "scorecard_summary", "attachments",
        "submission_tokens", "audit_seal"}


def test_flask_escalate_of_today_is_recorded_as_the_sweep(runner, routed_case, monkeypatch):
    """A site sweeping from cron read "degraded" on /health for ever: the manual sweep of
    today now records the sweep's run; a catch-up of a past day and a dry run do not."""
    from complaints import clock
    from complaints.models import JobRun

    as_of = ladder_dates(routed_case)[2]
    monkeypatch.setattr(clock, "today", lambda: as_of.fromordinal(as_of.toordinal() + 1))
    db.session.commit()
    for args in (["--as-of", as_of.isoformat()], ["--dry-run"]):
        result = runner.invoke(args=["escalate", *args])
        assert result.exit_code == 0, result.output
        assert db.session.get(JobRun, "sweep") is None
    result = runner.invoke(args=["escalate"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    run = db.session.get(JobRun, "sweep")
    assert run.last_started_at and run.last_success_at and run.last_error is None
    health = runner.app.test_client().get("/health").get_json()
    assert health["scheduler"]["sweep"]["last_success_at"] is not None


def test_a_failed_flask_escalate_records_its_error(runner, routed_case, monkeypatch):
    from complaints.models import JobRun
    from complaints.services import escalation

    def broken(*args, **kwargs):
        raise RuntimeError("the ladder is unreadable")

    monkeypatch.setattr(escalation, "escalate_due", broken)
    monkeypatch.setattr("complaints.cli.escalation.escalate_due", broken)
    db.session.commit()
    result = runner.invoke(args=["escalate"])
    assert result.exit_code != 0
    db.session.expire_all()
    run = db.session.get(JobRun, "sweep")
    assert run.last_success_at is None
    assert run.last_error == "RuntimeError: the ladder is unreadable"
