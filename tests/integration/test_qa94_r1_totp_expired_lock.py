"""QA 94, R1 (e34397d, 2a): a 2FA user whose lockout has ended is told "locked" after ONE wrong
code on the web (the password step no longer clears the stale locked_until), while the API
answers the same code with a plain 401 "wrong code"."""
from __future__ import annotations

from datetime import timedelta

import pyotp

from complaints.extensions import db
from complaints.models import User
from tests.conftest import NOW
from tests.factories import PASSWORD


def _enrolled(make_user):
    user = make_user("agency_head")
    user.totp_secret = pyotp.random_base32()
    db.session.commit()
    return user


def _wrong(secret):
    good = pyotp.TOTP(secret)
    return next(c for c in ("000000", "111111", "222222", "333333")
                if not good.verify(c, for_time=NOW, valid_window=1))


def _lock_ended_an_hour_ago(user):
    """Five wrong passwords 75 minutes ago: locked for 15 minutes, the lock ended an hour
    ago. locked_until stays set (nothing clears it when it runs out)."""
    from complaints.services import accounts
    from complaints.services.accounts import AccountLocked

    then = NOW - timedelta(minutes=75)
    for _ in range(5):
        try:
            accounts.authenticate(user.username, "wrong-password-1", then, 5, 15)
        except AccountLocked:
            pass
    db.session.commit()
    db.session.refresh(user)
    assert user.locked_until is not None and user.failed_logins == 0


def test_web_one_wrong_code_after_an_ended_lockout_is_not_a_lockout(app, client, make_user,
                                                                     fixed_clock):
    user = _enrolled(make_user)
    _lock_ended_an_hour_ago(user)
    step_one = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert step_one.status_code == 302 and "/login/code" in step_one.headers["Location"]
    answer = client.post("/login/code", data={"code": _wrong(user.totp_secret)})
    db.session.expire_all()
    fresh = db.session.get(User, user.id)
    # One wrong code: failed_logins is 1 of 5, the account is NOT locked ...
    assert fresh.failed_logins == 1
    assert fresh.locked_until is None or fresh.locked_until.replace(tzinfo=NOW.tzinfo) <= NOW
    # ... so the citizen-facing answer must be "wrong code" on the code page (401), not
    # "account locked, try again in 15 minutes" with the sign-in thrown away.
    assert answer.status_code == 401, (
        f"one wrong code after an ended lockout answered {answer.status_code} "
        f"→ {answer.headers.get('Location')} (pending sign-in dropped, 'locked' flashed)")


def test_api_and_web_agree_on_one_wrong_code_after_an_ended_lockout(app, client, make_user,
                                                                    fixed_clock):
    user, other = _enrolled(make_user), _enrolled(make_user)
    _lock_ended_an_hour_ago(user)
    wrong = _wrong(user.totp_secret)
    api = client.post("/api/v1/tokens", json={"username": user.username,
                                              "password": PASSWORD, "code": wrong})
    assert api.status_code == 401  # API: "wrong code"
    # The web, another account in the same state (an ended lockout), a wrong code:
    _lock_ended_an_hour_ago(other)
    with app.test_client() as web:
        web.post("/login", data={"username": other.username, "password": PASSWORD})
        answer = web.post("/login/code", data={"code": _wrong(other.totp_secret)})
        page = web.get("/login").get_data(as_text=True) if answer.status_code == 302 else ""
    assert answer.status_code == 401, (
        f"API said 401 wrong code; the web answered {answer.status_code} and the sign-in "
        f"page says locked: {'tạm khóa' in page}")
