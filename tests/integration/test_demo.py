"""`flask demo load`: the story province (through the services) and the bulk generator."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timezone

from sqlalchemy import delete, func, select

from complaints.clock import LOCAL_TZ
from complaints.domain import deadlines as dl
from complaints.extensions import db
from complaints.models import (
    Agency,
    AuditEvent,
    Case,
    CaseDeadline,
    Escalation,
    Notification,
    Petition,
    PetitionSigner,
    Routing,
    User,
)
from complaints.services import deadlines
from complaints.services.audit import verify_chains
from complaints.services.calendar import get_calendar
from tests.conftest import audit_unguarded

# A fixed past day (the CLI refuses a future --today); "now" is the end of that day.
DEMO_TODAY = date(2026, 11, 2)
DEMO_NOW = datetime.combine(DEMO_TODAY, time(17, 30), LOCAL_TZ).astimezone(timezone.utc)


def _load(runner, *args: str):
    result = runner.invoke(args=["demo", "load", "--today", DEMO_TODAY.isoformat(),
                                 "--no-progress", *args])
    assert result.exit_code == 0, result.output
    return result


def _naive_utc(moment: datetime) -> datetime:
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def test_story_demo_builds_a_province_with_believable_cases(runner):
    result = _load(runner, "--story-cases", "40", "--seed", "7")
    assert "DEMO ONLY" in result.output and "demo1234" in result.output

    # Agencies in a hierarchy under the city People's Committee.
    agencies = {a.code: a for a in db.session.scalars(select(Agency))}
    city = agencies["UBND-HP"]
    assert city.level == "province" and city.parent is None
    inspectorate = agencies["TTR-HP"]
    assert inspectorate.is_inspectorate and inspectorate.parent is city
    departments = [a for a in agencies.values() if a.level == "department"]
    assert {"SO-TNMT", "SO-XD", "SO-LDTBXH", "BTCD"} <= {a.code for a in departments}
    assert len(departments) == 12 and all(a.parent is city for a in departments)
    communes = [a for a in agencies.values() if a.level == "commune"]
    assert len(communes) == 12
    for commune in communes:
        ward = commune.code.removeprefix("UBND-")
        assert commune.parent is city
        assert [loc.code for loc in commune.localities] == [ward]
        assert commune.localities[0].province_code == "31" and len(ward) == 5

    # One user per role, with the demo password.
    users = {u.username: u for u in db.session.scalars(select(User))}
    expected = {"reception": ("reception", "BTCD"), "head_tnmt": ("agency_head", "SO-TNMT"),
                "officer_tnmt": ("agency_officer", "SO-TNMT"),
                "head_xd": ("agency_head", "SO-XD"), "head_ubnd": ("agency_head", "UBND-HP"),
                "inspector": ("inspector", "TTR-HP"), "admin": ("admin", None)}
    expected.update({f"head_{a.code.removeprefix('UBND-')}": ("agency_head", a.code)
                     for a in communes})
    for username, (role, agency_code) in expected.items():
        user = users[username]
        assert user.role == role, username
        assert (user.agency.code if user.agency else None) == agency_code, username
    assert users["head_tnmt"].check_password("demo1234")

    # Cases in several statuses, kinds, bounced, a group petition and a second round.
    cases = list(db.session.scalars(select(Case)))
    assert len(cases) == 40
    assert len({c.status for c in cases}) >= 5
    assert len({c.kind for c in cases}) >= 3 and any(c.kind == "denunciation" for c in cases)
    bounced = db.session.execute(
        select(Routing.case_id).group_by(Routing.case_id).having(func.count() >= 2)).all()
    assert bounced
    group = db.session.execute(
        select(PetitionSigner.petition_id, func.count(),
               func.sum(PetitionSigner.is_representative.cast(db.Integer)))
        .group_by(PetitionSigner.petition_id).having(func.count() >= 6)).all()
    assert [(n, reps) for _, n, reps in group] == [(6, 2)]
    second = [c for c in cases if c.complaint_round == 2]
    assert second and all(c.parent_case is not None and c.parent_case.decision_on is not None
                          and c.received_on > c.parent_case.decision_on for c in second)

    # Every action is dated on or before the demo's today, and every case has its trail.
    for case in cases:
        for day in (case.received_on, case.routed_on, case.accepted_on, case.resolved_on,
                    case.closed_on, case.decision_on):
            assert day is None or day <= DEMO_TODAY, case.tracking_code
        assert case.deadline("handling") is not None
    assert db.session.scalar(select(func.max(Routing.decided_on))) <= DEMO_TODAY
    latest = db.session.scalar(select(func.max(AuditEvent.created_at))
                               .where(AuditEvent.chain.like("case:%")))
    assert _naive_utc(latest) <= _naive_utc(DEMO_NOW)
    chains = db.session.scalar(select(func.count(func.distinct(AuditEvent.chain)))
                               .where(AuditEvent.chain.like("case:%")))
    assert chains == 40
    checked, breaks = verify_chains()
    assert checked > 40 and breaks == []

    # Leaders' reception days, recorded through the service, on working days up to today:
    # most leaders meet the frequency rule over the last quarter, not all.
    from complaints.models import ReceptionSession
    from complaints.services import reception_sessions as sessions

    held = db.session.scalars(select(ReceptionSession)).all()
    assert held and all(s.held_on <= DEMO_TODAY and s.kind == "head" for s in held)
    assert all(get_calendar().is_working_day(s.held_on) for s in held)
    recorded = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "reception_session_recorded"))
    assert recorded == len(held)
    rows = sessions.compliance(users["inspector"], date(2026, 6, 15), date(2026, 9, 14))
    assert any(r.below for r in rows) and any(not r.below for r in rows)
    _load(runner, "--story-cases", "0", "--seed", "7", "--force")  # again: no session twice
    assert db.session.scalar(select(func.count(ReceptionSession.id))) == len(held)


def test_story_demo_is_reproducible_for_a_seed(runner):
    _load(runner, "--story-cases", "12", "--seed", "11")
    first = db.session.execute(select(Case.kind, Case.subject, Case.status, Case.received_on)
                               .order_by(Case.id)).all()
    assert len(first) == 12
    # Forget the cases (the province, users and petitioners stay) and tell the story again.
    with audit_unguarded():
        for model in (Notification, Escalation, AuditEvent, CaseDeadline, Routing,
                      PetitionSigner, Petition, Case):
            db.session.execute(delete(model))
        db.session.commit()
    _load(runner, "--story-cases", "12", "--seed", "11", "--force")
    again = db.session.execute(select(Case.kind, Case.subject, Case.status, Case.received_on)
                               .order_by(Case.id)).all()
    assert again == first


def test_bulk_demo_inserts_consistent_cases(runner):
    result = _load(runner, "--cases", "2000", "--seed", "3", "--chunk-size", "700")
    assert "Bulk: 2000 cases" in result.output
    assert db.session.scalar(select(func.count()).select_from(Case)) == 2000
    assert db.session.scalar(select(func.count(func.distinct(Case.tracking_code)))) == 2000
    assert db.session.scalar(select(func.count()).select_from(Petition)) == 2000
    assert db.session.scalar(select(func.count()).select_from(PetitionSigner)) == 2000
    # The province came first, since there was none.
    assert db.session.scalar(select(Agency).where(Agency.code == "UBND-HP")) is not None

    checked, breaks = verify_chains()
    assert checked >= 2000 and breaks == []

    due = db.session.scalar(select(func.count()).select_from(Case)
                            .where(Case.next_attention_on <= DEMO_TODAY))
    assert 140 <= due <= 260  # about 10%
    statuses = dict(db.session.execute(
        select(Case.status, func.count()).group_by(Case.status)).all())
    assert {"received", "routed", "accepted", "resolved", "closed"} <= set(statuses)
    assert db.session.scalar(select(func.count()).select_from(Case).where(
        Case.status.in_(("resolved", "closed")), Case.next_attention_on.is_not(None))) == 0
    assert db.session.scalar(select(func.max(Case.received_on))) <= DEMO_TODAY
    assert db.session.scalar(select(func.max(Case.closed_on))) <= DEMO_TODAY

    # running_due_on, written by the bulk loader itself, is the earliest unmet due date.
    earliest = (select(func.min(CaseDeadline.due_on))
                .where(CaseDeadline.case_id == Case.id, CaseDeadline.met_on.is_(None))
                .scalar_subquery())
    rows = db.session.execute(select(Case.running_due_on, earliest)).all()
    assert all(stored == expected for stored, expected in rows)
    assert sum(stored is not None for stored, _ in rows) > 1000  # the open cases

    # A sample agrees with what the services themselves would compute.
    cal = get_calendar()
    ids = list(db.session.scalars(select(Case.id)))
    for case_id in random.Random(5).sample(ids, 40):
        case = db.session.get(Case, case_id)
        for row in case.deadlines:
            rule, policy_id = deadlines.policy_for(case, row.stage, row.start_on)
            assert row.policy_id == policy_id
            assert row.due_on == dl.compute_due(cal, row.start_on, rule.days, rule.unit)
        stored = case.next_attention_on
        deadlines.refresh_attention(case)
        assert case.next_attention_on == stored, case.tracking_code
    db.session.rollback()

    # --if-empty leaves a database with data alone.
    result = _load(runner, "--cases", "10", "--if-empty")
    assert "not loaded" in result.output
    assert db.session.scalar(select(func.count()).select_from(Case)) == 2000
