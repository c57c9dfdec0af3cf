"""QA 112: a 2FA reset ends a lockout that wrong passwords caused."""
from __future__ import annotations

import pyotp
import pytest

from complaints.extensions import db
from complaints.services import accounts
from tests.conftest import NOW

pytestmark = pytest.mark.usefixtures("fixed_clock")


def test_qa112_reset_2fa_keeps_a_password_lockout(app, make_user):
    """Five wrong passwords lock the account (login_locked, no factor: the password). The
    reset's reason (QA 108 J7) is that wrong *codes* were tried against the secret it
    removes; a password guesser's lock has nothing to do with it, and lifting it hands the
    guesser fresh tries just as the account loses its second factor (and whoever signs in
    next enrols their own authenticator)."""
    user = make_user("agency_head")
    user.totp_secret = pyotp.random_base32()
    db.session.commit()
    for _ in range(5):
        assert accounts.authenticate(user.username, "wrong-password-123", NOW) is None
    db.session.commit()
    assert user.locked_until is not None
    accounts.reset_two_factor(user, None, "Mất điện thoại, đã xác minh", NOW)
    db.session.commit()
    with pytest.raises(accounts.AccountLocked):
        accounts.authenticate(user.username, "wrong-password-123", NOW)
