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
    assert result.exit_code != 0 and "No agency has the code" in result.output
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
