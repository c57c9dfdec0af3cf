"""Two-factor secrets are sealed at rest (models/sealing.py): a copy of the database does
not give the second factor; a secret sealed under another SECRET_KEY asks for a code that
nothing matches (never a sign-in without one) until the 2FA is reset, by an admin or by
`flask users reset-2fa` when the admin is the one locked out."""

from __future__ import annotations

import json
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError

from complaints.extensions import db
from complaints.models import AuditEvent, User, sealing
from complaints.services import accounts
from complaints.services import backup as backups
from tests.conftest import IS_POSTGRES, NOW
from tests.factories import PASSWORD

pytestmark = pytest.mark.usefixtures("fixed_clock")


def _stored(user: User) -> str:
    return db.session.execute(text("SELECT totp_secret FROM users WHERE id = :i"),
                              {"i": user.id}).scalar_one()


def test_the_secret_is_stored_sealed_and_used_plain(client, make_user):
    user = make_user("agency_head")
    secret = pyotp.random_base32()
    user.totp_secret = secret
    db.session.commit()
    stored = _stored(user)
    assert secret not in stored and sealing.is_sealed(stored)
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_secret == secret
    client.post("/login", data={"username": user.username, "password": PASSWORD})
    code = pyotp.TOTP(secret).at(NOW + timedelta(seconds=30))
    assert client.post("/login/code", data={"code": code}).status_code == 302


def test_a_secret_sealed_under_another_key_matches_no_code(client, make_user):
    user = make_user("agency_head")
    secret = pyotp.random_base32()
    other = sealing.derived_fernet("another-secret-key-of-32-characters!",
                                   b"complaints: sealed columns")
    db.session.execute(text("UPDATE users SET totp_secret = :s WHERE id = :i"),
                       {"s": other.encrypt(secret.encode()).decode(), "i": user.id})
    db.session.commit()
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.totp_secret == sealing.UNREADABLE  # still "enrolled": a code is asked
    assert not accounts.must_enrol(user, ("agency_head",))
    assert not accounts.verify_second_factor(user, pyotp.TOTP(secret).now(), NOW)
    client.post("/login", data={"username": user.username, "password": PASSWORD})
    answer = client.post("/login/code", data={"code": pyotp.TOTP(secret).at(NOW)})
    assert answer.status_code == 401  # refused, not a 500, and not signed in
    with pytest.raises(StatementError, match="unreadable"):  # never written over it
        user.totp_secret = sealing.UNREADABLE
        db.session.flush()
    db.session.rollback()


def test_the_operator_resets_a_2fa_from_the_command_line(app, make_user):
    admin = make_user("admin")
    admin.totp_secret = pyotp.random_base32()
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "reset-2fa", admin.username, "--reason", "short"])
    assert result.exit_code != 0 and "10 to 500 characters" in result.output
    result = runner.invoke(args=["users", "reset-2fa", "nobody", "--reason",
                                 "Điện thoại bị mất hôm qua"])
    assert result.exit_code != 0 and "No user" in result.output
    result = runner.invoke(args=["users", "reset-2fa", admin.username, "--reason",
                                 "Đổi SECRET_KEY, mã cũ không mở được"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    admin = db.session.get(User, admin.id)
    assert admin.totp_secret is None and admin.totp_reenrol
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.chain == f"user:{admin.id}", AuditEvent.action == "totp_reset")).one()
    assert event.actor_label == "system"
    assert json.loads(event.data)["reason"] == "Đổi SECRET_KEY, mã cũ không mở được"


def test_a_reset_ends_a_running_lockout(app, make_user):
    """QA 108 J7: the wrong codes that locked the account were tried against the secret
    the reset removes; the user no longer waits out the lock to enrol again."""
    user = make_user("agency_head")
    user.totp_secret = pyotp.random_base32()
    db.session.commit()
    for _ in range(5):  # wrong codes, after the right password
        assert accounts.authenticate(user.username, PASSWORD, NOW) is not None
        assert not accounts.verify_second_factor(user, "000000", NOW)
    db.session.commit()
    assert accounts.is_locked(user, NOW)
    accounts.reset_two_factor(user, None, "Mất điện thoại, đã xác minh", NOW)
    db.session.commit()
    assert (user.failed_logins, user.locked_until) == (0, None)
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.chain == f"user:{user.id}", AuditEvent.action == "totp_reset")).one()
    assert json.loads(event.data)["unlocked"] is True
    assert accounts.authenticate(user.username, PASSWORD, NOW) is not None


@pytest.mark.skipif(IS_POSTGRES and backups.pg_program("pg_dump") is None,
                    reason="pg_dump/pg_restore are not installed")
def test_restore_names_the_accounts_whose_secret_does_not_open(app, make_user, tmp_path):
    """QA 108 J6: a backup restored under another SECRET_KEY locks its 2FA users out
    silently; the restore now names them and the way out."""
    ok, stranger = make_user("agency_head"), make_user("inspector")
    ok.totp_secret = pyotp.random_base32()
    other = sealing.derived_fernet("another-secret-key-of-32-characters!",
                                   b"complaints: sealed columns")
    db.session.commit()
    db.session.execute(text("UPDATE users SET totp_secret = :s WHERE id = :i"),
                       {"s": other.encrypt(b"JBSWY3DPEHPK3PXP").decode(), "i": stranger.id})
    db.session.commit()
    names = ok.username, stranger.username
    assert accounts.unreadable_second_factors() == [stranger.username]
    runner = app.test_cli_runner()
    target = tmp_path / "one.bak"
    assert runner.invoke(args=["backup", "--output", str(target)]).exit_code == 0
    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    assert "WARNING" in result.output and names[1] in result.output
    assert names[0] not in result.output.split("WARNING")[1]
    assert "reset-2fa" in result.output
