"""QA 108 D2: `flask users reset-2fa --reason` takes at most 500 characters, as the admin
page (the service checked the minimum only, so the command line bypassed the limit)."""

from __future__ import annotations

from sqlalchemy import select

from complaints.extensions import db
from complaints.models import AuditEvent, User


def test_the_command_line_refuses_an_overlong_reason(app, make_user):
    user = make_user("agency_head")
    db.session.commit()
    result = app.test_cli_runner().invoke(
        args=["users", "reset-2fa", user.username, "--reason", "Mất điện thoại " * 10000])
    assert result.exit_code != 0, result.output
    db.session.expire_all()
    assert not db.session.get(User, user.id).totp_reenrol
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.chain == f"user:{user.id}", AuditEvent.action == "totp_reset")) is None
