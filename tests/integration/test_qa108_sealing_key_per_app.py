"""QA 108 D1: the sealing key is the running app's (derived from its SECRET_KEY), not the
process's: a second app built in the same process with another SECRET_KEY re-keyed the first,
which then read its own users' secrets as UNREADABLE and sealed new ones under the other
app's key."""

from __future__ import annotations

import pyotp

from complaints import create_app
from complaints.extensions import db
from complaints.models import User, sealing
from tests.conftest import config_for_tests


def test_another_app_in_the_process_does_not_rekey_this_one(app, make_user):
    user = make_user("agency_head")
    secret = pyotp.random_base32()
    user.totp_secret = secret
    db.session.commit()
    create_app(config_for_tests(SQLALCHEMY_DATABASE_URI="sqlite://",
                                SECRET_KEY="another-app-key-of-at-least-32-chars!"))
    db.session.expire_all()
    # This app (its SECRET_KEY unchanged) must still open what it sealed.
    assert db.session.get(User, user.id).totp_secret == secret


def test_what_this_app_seals_opens_under_its_own_key(app, make_user):
    create_app(config_for_tests(SQLALCHEMY_DATABASE_URI="sqlite://",
                                SECRET_KEY="another-app-key-of-at-least-32-chars!"))
    user = make_user("agency_head")
    secret = pyotp.random_base32()
    user.totp_secret = secret
    db.session.commit()
    own = sealing.derived_fernet(app.config["SECRET_KEY"], b"complaints: sealed columns")
    stored = db.session.execute(db.text("SELECT totp_secret FROM users WHERE id = :i"),
                                {"i": user.id}).scalar_one()
    assert own.decrypt(stored.encode()).decode() == secret
