"""CLI commands: users create, audit verify."""

from sqlalchemy import select

from complaints.extensions import db
from complaints.models import AuditEvent, User
from tests.conftest import audit_unguarded


def test_users_create_with_agency(runner, make_agency):
    make_agency(code="SO-TNMT")
    db.session.commit()
    result = runner.invoke(args=["users", "create", "lan", "--role", "agency_head",
                                 "--agency", "SO-TNMT", "--password", "s3cret-pass"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "lan"))
    assert user.agency.code == "SO-TNMT" and user.check_password("s3cret-pass")
    assert user.password_hash != "s3cret-pass"


def test_users_create_prompts_for_password(runner):
    result = runner.invoke(args=["users", "create", "thanh", "--role", "inspector"],
                           input="s3cret-pass\ns3cret-pass\n")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User).where(User.username == "thanh")) is not None


def test_users_create_refuses_bad_input(runner):
    result = runner.invoke(args=["users", "create", "x", "--role", "agency_head",
                                 "--agency", "NOPE", "--password", "s3cret-pass"])
    assert result.exit_code != 0 and "No agency has that code." in result.output
    result = runner.invoke(args=["users", "create", "x", "--role", "wizard",
                                 "--password", "s3cret-pass"])
    assert result.exit_code != 0
    result = runner.invoke(args=["users", "create", "x", "--role", "admin",
                                 "--password", "short"])
    assert result.exit_code != 0 and "at least 10" in result.output


def test_audit_verify_detects_tampering(runner, make_case):
    case = make_case()
    db.session.commit()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "0 broken" in ok.output
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.case_id == case.id))
    with audit_unguarded():  # the database refuses; someone who drops its triggers…
        event.data = event.data.replace("walk_in", "mail")
        db.session.commit()
    bad = runner.invoke(args=["audit", "verify"])
    assert bad.exit_code == 1
    assert f"chain=case:{case.id} seq=1 event_id={event.id}" in bad.output


def test_reference_load_adds_only_what_is_missing(runner):
    """A production database gets its legal defaults without the demo; an admin's version
    and the rows already there are left alone."""
    from datetime import date

    from complaints.models import DeadlinePolicy, Field, PatternRule

    # The app fixture seeded everything: drop the thresholds, add an admin's version.
    db.session.query(PatternRule).delete()
    db.session.add(PatternRule(code="mass_petitioners", value=7, effective_from=date(2027, 1, 1),
                               source="QĐ của tỉnh"))
    db.session.commit()
    counts = (db.session.query(Field).count(), db.session.query(DeadlinePolicy).count())
    result = runner.invoke(args=["reference", "load"])
    assert result.exit_code == 0, result.output
    assert "pattern_rules 6 added" in result.output and "fields 0 added" in result.output
    assert (db.session.query(Field).count(), db.session.query(DeadlinePolicy).count()) == counts
    assert db.session.query(PatternRule).count() == 7
    again = runner.invoke(args=["reference", "load"])
    assert "pattern_rules 0 added" in again.output


def test_recompute_deadlines_after_a_calendar_package_change(runner, make_case):
    # A due date computed before the package knew of a day swap (Sat 22/08/2026 worked):
    # received Thu 20/08, 10 working days → 07/09 with the Saturday worked (31/08, 01/09 and
    # 02/09 off), 08/09 without it. The command puts it right and audits the move.
    from datetime import date

    case = make_case(received_on=date(2026, 8, 20))
    row = case.deadline("handling")
    right = row.due_on
    row.due_on = date(2026, 9, 8)
    db.session.commit()
    result = runner.invoke(args=["reference", "recompute-deadlines", "--day", "2026-08-22"])
    assert result.exit_code == 0, result.output
    assert "1 due dates moved" in result.output
    db.session.expire_all()
    assert case.deadline("handling").due_on == right == date(2026, 9, 7)
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.chain == f"case:{case.id}", AuditEvent.action == "deadline_recomputed"))
