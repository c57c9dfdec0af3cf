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
from tests.conftest import NOW
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
