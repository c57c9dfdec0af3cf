"""TOTP codes used once; API tokens never bypass 2FA; an admin resets a user's 2FA."""

from __future__ import annotations

import json
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from complaints import clock
from complaints.extensions import db
from complaints.models import ApiToken, AuditEvent, User
from complaints.services import accounts, tokens
from tests.conftest import NOW
from tests.factories import PASSWORD

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW
STEP = timedelta(seconds=30)


def _code(secret: str, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(NOW + offset_steps * STEP)


def _enrolled(make_user, role: str = "agency_head") -> tuple[User, str]:
    user = make_user(role)
    secret = pyotp.random_base32()
    user.totp_secret = secret
    db.session.commit()
    return user, secret


def _events(user) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.chain == f"user:{user.id}").order_by(AuditEvent.seq)))


@pytest.fixture
def strict(app):
    app.config["REQUIRE_2FA_ROLES"] = ("admin", "inspector")
    yield
    app.config["REQUIRE_2FA_ROLES"] = ()


# --- 1. A code is accepted once ------------------------------------------------------------

def test_a_code_is_accepted_once_within_its_window(make_user):
    user, secret = _enrolled(make_user)
    assert accounts.verify_second_factor(user, _code(secret), NOW)
    assert user.totp_last_step == pyotp.TOTP(secret).timecode(NOW)
    # The same code again, now or 20 seconds later (still in its window): refused.
    assert not accounts.verify_second_factor(user, _code(secret), NOW)
    assert not accounts.verify_second_factor(user, _code(secret), NOW + timedelta(seconds=20))
    # An older code, still inside the drift window, is refused too.
    assert not accounts.verify_second_factor(user, _code(secret, -1), NOW)
    # The next step's code is fine, once.
    assert accounts.verify_second_factor(user, _code(secret, 1), NOW + STEP)
    assert not accounts.verify_second_factor(user, _code(secret, 1), NOW + STEP)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_last_step == pyotp.TOTP(secret).timecode(
        NOW + STEP)


def test_two_racing_requests_with_one_code_cannot_both_pass(make_user):
    user, secret = _enrolled(make_user)
    assert accounts.verify_second_factor(user, _code(secret), NOW)
    db.session.commit()
    # Another worker read the user before this one stored the step: its copy says "none
    # used yet", but the conditional UPDATE sees the stored step and refuses.
    set_committed_value(user, "totp_last_step", None)
    assert not accounts.verify_second_factor(user, _code(secret), NOW)


def test_the_enrolment_code_cannot_sign_in(client, login, make_user):
    user = make_user("agency_head")
    secret = pyotp.random_base32()
    accounts.enable_totp(user, secret, _code(secret), NOW, PASSWORD)
    db.session.commit()
    client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert client.post("/login/code", data={"code": _code(secret)}).status_code == 401
    assert client.post("/login/code", data={"code": _code(secret, 1)}).status_code == 302


def test_a_sign_in_code_cannot_be_replayed_on_the_page(client, make_user):
    user, secret = _enrolled(make_user)
    for expected in (302, 401):
        client.post("/login", data={"username": user.username, "password": PASSWORD})
        answer = client.post("/login/code", data={"code": _code(secret)})
        assert answer.status_code == expected
        client.post("/logout")


# --- 2. API tokens and the second factor -----------------------------------------------------

def _token(client, user, code: str | None = None):
    body = {"username": user.username, "password": PASSWORD}
    if code is not None:
        body["code"] = code
    db.session.commit()
    return client.post("/api/v1/tokens", json=body)


def _get(client, raw: str):
    return client.get("/api/v1/agencies", headers={"Authorization": f"Bearer {raw}"})


def test_required_role_gets_no_token_before_enrolling(strict, client, make_user):
    admin = make_user("admin")
    answer = _token(client, admin)
    assert answer.status_code == 403
    assert "xác thực hai bước" in answer.get_json()["error"]
    assert db.session.scalar(select(ApiToken)) is None


def test_enrolled_user_needs_a_fresh_code_for_a_token(strict, client, make_user):
    admin, secret = _enrolled(make_user, "admin")
    assert _token(client, admin).status_code == 401  # no code
    wrong = next(c for c in ("000000", "111111", "222222")
                 if c not in {_code(secret, i) for i in (-1, 0, 1)})
    assert _token(client, admin, wrong).status_code == 401
    ok = _token(client, admin, _code(secret))
    assert ok.status_code == 201
    assert _get(client, ok.get_json()["token"]).status_code == 200
    assert _token(client, admin, _code(secret)).status_code == 401  # replayed code
    db.session.expire_all()
    assert db.session.get(User, admin.id).failed_logins == 1  # the replay counts as a failure


def test_token_lifetime_is_configurable(app, client, make_user):
    app.config["API_TOKEN_HOURS"] = 2
    try:
        user = make_user("reception")
        answer = _token(client, user)
    finally:
        app.config["API_TOKEN_HOURS"] = 12
    assert answer.status_code == 201
    row = db.session.scalar(select(ApiToken))
    assert clock.as_utc(row.expires_at) == NOW + timedelta(hours=2)
    raw = answer.get_json()["token"]
    assert tokens.user_for_token(raw, NOW + timedelta(hours=2) - STEP) is not None
    assert tokens.user_for_token(raw, NOW + timedelta(hours=2)) is None


def test_token_revoked_by_its_holder(client, make_user):
    raw = _token(client, make_user("reception")).get_json()["token"]
    assert _get(client, raw).status_code == 200
    assert client.delete("/api/v1/tokens",
                         headers={"Authorization": f"Bearer {raw}"}).status_code == 204
    assert _get(client, raw).status_code == 401


def test_token_of_a_deactivated_user_stops_working(client, make_user):
    from complaints.services import admin as admin_service

    admin = make_user("admin")
    user = make_user("reception")
    raw = _token(client, user).get_json()["token"]
    assert _get(client, raw).status_code == 200
    admin_service.deactivate_user(user, admin, NOW)
    db.session.commit()
    assert _get(client, raw).status_code == 401


def test_token_stops_working_when_the_role_now_requires_2fa(app, client, make_user):
    inspector = make_user("inspector")
    raw = _token(client, inspector).get_json()["token"]
    assert _get(client, raw).status_code == 200
    app.config["REQUIRE_2FA_ROLES"] = ("inspector",)
    try:
        assert _get(client, raw).status_code == 401
    finally:
        app.config["REQUIRE_2FA_ROLES"] = ()


# --- 3. An admin resets a user's 2FA ----------------------------------------------------------

def test_reset_service_ends_sessions_tokens_and_forces_enrolment(make_user):
    admin = make_user("admin")
    user, secret = _enrolled(make_user)
    raw, _row = tokens.issue_token(user, NOW)
    version = user.session_version
    with pytest.raises(accounts.AccountError):
        accounts.reset_two_factor(user, admin, "short", NOW)
    with pytest.raises(accounts.AccountError):
        accounts.reset_two_factor(admin, admin, "Mất điện thoại hôm qua", NOW)
    assert accounts.reset_two_factor(user, admin, "Mất điện thoại, đã xác minh", NOW) == 1
    assert user.totp_secret is None and user.totp_reenrol
    assert user.session_version == version + 1
    assert tokens.user_for_token(raw, NOW) is None
    assert accounts.must_enrol(user, ())  # whatever the role
    last = _events(user)[-1]
    assert last.action == "totp_reset" and last.actor_id == admin.id
    assert json.loads(last.data)["reason"] == "Mất điện thoại, đã xác minh"
    assert json.loads(last.data)["had_2fa"] is True and json.loads(last.data)["tokens_revoked"] == 1


def test_admin_resets_2fa_after_confirmation_with_a_reason(app, client, login, make_user):
    user, secret = _enrolled(make_user)
    other = app.test_client()  # the user's own session elsewhere
    other.post("/login", data={"username": user.username, "password": PASSWORD})
    assert other.post("/login/code", data={"code": _code(secret)}).status_code == 302
    assert other.get("/agency/").status_code == 200
    raw = _token(other, user, _code(secret, 1)).get_json()["token"]

    admin = make_user("admin")
    login(admin)
    listing = client.get("/admin/users").get_data(as_text=True)
    assert f'data-testid="reset-2fa-{user.username}"' in listing
    page = client.get(f"/admin/users/{user.id}/reset-2fa")
    assert page.status_code == 200
    assert 'data-testid="confirm-warning"' in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_secret == secret  # nothing done by a GET

    empty = client.post(f"/admin/users/{user.id}/reset-2fa", data={"reason": ""})
    assert empty.status_code == 422
    assert 'data-testid="error-summary"' in empty.get_data(as_text=True)
    short = client.post(f"/admin/users/{user.id}/reset-2fa", data={"reason": "mất"})
    assert short.status_code == 422 and "mất" in short.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_secret == secret

    done = client.post(f"/admin/users/{user.id}/reset-2fa",
                       data={"reason": "Báo mất điện thoại, đã gọi xác minh"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/admin/users")
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.totp_secret is None and user.totp_reenrol
    event = _events(user)[-1]
    assert (event.action, event.actor_id) == ("totp_reset", admin.id)
    assert json.loads(event.data)["reason"] == "Báo mất điện thoại, đã gọi xác minh"
    # The user's session and token are gone.
    stale = other.get("/agency/")
    assert stale.status_code == 302 and "/login" in stale.headers["Location"]
    assert _get(other, raw).status_code == 401
    # Next sign-in: password only, then enrolment before anything else (role not required).
    step = other.post("/login", data={"username": user.username, "password": PASSWORD})
    assert step.status_code == 302 and step.headers["Location"].endswith("/account/2fa")
    assert other.get("/agency/").headers["Location"].endswith("/account/2fa")
    assert _token(other, user).status_code == 403  # no token before enrolling again
    page = other.get("/account/2fa").get_data(as_text=True)
    assert 'data-testid="2fa-required"' in page
    new_secret = page.split('data-testid="totp-secret">')[1].split("<")[0]
    assert other.post("/account/2fa", data={"password": PASSWORD,
                                           "code": _code(new_secret)}).status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, user.id).totp_reenrol
    assert other.get("/agency/").status_code == 200


def test_admin_cannot_reset_own_2fa(client, login, make_user):
    admin = make_user("admin")
    login(admin)
    answer = client.get(f"/admin/users/{admin.id}/reset-2fa")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/admin/users")
