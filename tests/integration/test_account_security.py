"""Password policy and change (other sessions signed out), and TOTP two-factor sign-in."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from complaints import clock
from complaints.extensions import db
from complaints.models import AuditEvent, User
from complaints.services import accounts
from tests.conftest import NOW
from tests.factories import PASSWORD

NEW = "mot-mat-khau-moi-7"


def _events(user) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.chain == f"user:{user.id}").order_by(AuditEvent.seq)))


# --- policy ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("password", "problem"), [
    ("short-9ch", "too_short"),
    ("12345678901", "all_digits"),
    ("xx-nguyenvana-xx", "contains_username"),
    ("XX-NguyenVanA", "contains_username"),
    ("qwertyuiop", "common"),
    (" " * 10, "too_simple"),  # QA 93: ten spaces were a password
    ("aaaaaaaaaaaa", "too_simple"),
    ("abab-ABAB-abab", "too_simple"),  # four different characters, case ignored
    ("abcd-abcd-e", None),
    ("Password123", "common"),
    ("correct-horse-9", None),
    ("s3cret-pass", None),
    ("mat-khau-dai", None),
])
def test_password_policy(password, problem):
    assert accounts.password_problem(password, "nguyenvana") == problem


def test_create_user_applies_the_policy(app):
    with pytest.raises(accounts.PasswordRejected) as caught:
        accounts.create_user("tiepdan9", "admin", "tiepdan9-2026", NOW)
    assert caught.value.code == "contains_username"
    with pytest.raises(accounts.AccountError, match="at least 10"):
        accounts.create_user("x", "admin", "short", NOW)
    assert accounts.create_user("quantri", "admin", "s3cret-pass", NOW).check_password(
        "s3cret-pass")


def test_users_create_refuses_a_password_of_spaces(app, runner):
    result = runner.invoke(args=["users", "create", "canbo9", "--role", "admin",
                                 "--password", " " * 10])
    assert result.exit_code != 0
    assert "5 different characters" in result.output
    assert db.session.scalar(select(User).where(User.username == "canbo9")) is None


def test_admin_form_shows_the_policy_message(client, login, make_user):
    login(make_user("admin"))
    response = client.post("/admin/users/new", data={
        "username": "canbo1", "full_name": "Cán bộ", "role": "admin",
        "password": "1234567890"})
    assert response.status_code == 422
    assert "Mật khẩu không được chỉ gồm chữ số." in response.get_data(as_text=True)


# --- change --------------------------------------------------------------------------------

def test_change_password_service(make_user):
    user = make_user("reception")
    version = user.session_version
    with pytest.raises(accounts.PasswordRejected) as caught:
        accounts.change_password(user, "wrong-password", NEW, NOW)
    assert caught.value.code == "wrong_password" and caught.value.field == "old_password"
    with pytest.raises(accounts.PasswordRejected) as caught:
        accounts.change_password(user, PASSWORD, "1234567890", NOW)
    assert caught.value.code == "all_digits"
    with pytest.raises(accounts.PasswordRejected) as caught:
        accounts.change_password(user, PASSWORD, PASSWORD, NOW)
    assert caught.value.code == "unchanged"
    accounts.change_password(user, PASSWORD, NEW, NOW)
    assert user.check_password(NEW) and user.session_version == version + 1
    assert _events(user)[-1] == "password_changed"


def test_change_password_page_signs_out_other_sessions(app, client, login, make_user):
    user = make_user("reception")
    login(user)
    other = app.test_client()  # the same account on another computer
    assert other.post("/login", data={"username": user.username,
                                      "password": PASSWORD}).status_code == 302
    assert other.get("/reception/").status_code == 200

    page = client.get("/account/password")
    assert page.status_code == 200 and 'autocomplete="new-password"' in page.get_data(
        as_text=True)
    assert 'data-testid="password-link"' in client.get("/reception/").get_data(as_text=True)

    bad = client.post("/account/password", data={
        "old_password": PASSWORD, "new_password": "ngan-qua", "confirm": "ngan-qua"})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert 'data-testid="error-summary"' in text and "ít nhất 10 ký tự" in text
    plain = client.post("/account/password", data={
        "old_password": PASSWORD, "new_password": "a" * 12, "confirm": "a" * 12})
    assert plain.status_code == 422
    assert "ít nhất 5 ký tự khác nhau" in plain.get_data(as_text=True)
    mismatch = client.post("/account/password", data={
        "old_password": PASSWORD, "new_password": NEW, "confirm": NEW + "x"})
    assert mismatch.status_code == 422
    assert "Hai lần nhập mật khẩu mới không khớp." in mismatch.get_data(as_text=True)
    wrong = client.post("/account/password", data={
        "old_password": "not-the-password", "new_password": NEW, "confirm": NEW})
    assert wrong.status_code == 422
    assert "Mật khẩu hiện tại không đúng." in wrong.get_data(as_text=True)

    ok = client.post("/account/password", data={
        "old_password": PASSWORD, "new_password": NEW, "confirm": NEW})
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/reception/")
    # This session goes on; the other one is void and must sign in again.
    assert client.get("/reception/").status_code == 200
    stale = other.get("/reception/")
    assert stale.status_code == 302 and "/login" in stale.headers["Location"]
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.check_password(NEW) and "password_changed" in _events(user)


def test_password_page_needs_sign_in(client):
    response = client.get("/account/password")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- two-factor sign-in ---------------------------------------------------------------------

def _enrol(client, user, password: str = PASSWORD) -> str:
    page = client.get("/account/2fa").get_data(as_text=True)
    secret = page.split('data-testid="totp-secret">')[1].split("<")[0]
    assert "otpauth://totp/" in page and f"secret={secret}" in page
    wrong = client.post("/account/2fa", data={"password": password, "code": "000000" if
                                              pyotp.TOTP(secret).now() != "000000" else "111111"})
    assert wrong.status_code == 422
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_secret is None
    done = client.post("/account/2fa", data={"password": password,
                                             "code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_secret == secret
    return secret


def test_the_new_secret_is_sealed_in_the_session_cookie(client, login, make_user):
    """Flask's cookie is signed, not encrypted: a copy of it must not carry the TOTP seed."""
    user = make_user("agency_head")
    login(user)
    page = client.get("/account/2fa").get_data(as_text=True)
    secret = page.split('data-testid="totp-secret">')[1].split("<")[0]
    cookie, payload = client.session_cookie()
    assert secret not in str(payload) and secret not in cookie
    again = client.get("/account/2fa").get_data(as_text=True)
    assert f'data-testid="totp-secret">{secret}<' in again  # the same secret until confirmed
    assert client.post("/account/2fa", data={"password": PASSWORD,
                                             "code": pyotp.TOTP(secret).now()}).status_code == 302


def test_enrolment_asks_for_the_password_again(app, client, login, make_user):
    """QA 93: an open session alone (left signed in, or a stolen cookie) must not bind the
    account to another phone, which would lock its owner out at the next sign-in. A wrong
    password is counted like a wrong sign-in, up to the lockout."""
    user = make_user("agency_head")
    login(user)
    page = client.get("/account/2fa").get_data(as_text=True)
    assert 'autocomplete="current-password"' in page
    secret = page.split('data-testid="totp-secret">')[1].split("<")[0]
    missing = client.post("/account/2fa", data={"code": pyotp.TOTP(secret).now()})
    assert missing.status_code == 422
    html = missing.get_data(as_text=True)
    assert 'href="#password"' in html and "Nhập mật khẩu hiện tại." in html
    for attempt in range(app.config["LOGIN_MAX_FAILURES"]):
        wrong = client.post("/account/2fa", data={"password": "not-the-password",
                                                  "code": pyotp.TOTP(secret).now()})
        db.session.expire_all()
        assert db.session.get(User, user.id).totp_secret is None
        if attempt < app.config["LOGIN_MAX_FAILURES"] - 1:
            assert wrong.status_code == 422
            text = wrong.get_data(as_text=True)
            assert 'data-testid="password-error"' in text
            assert "Mật khẩu hiện tại không đúng." in text
    # The last one locked the account and ended the session.
    assert wrong.status_code == 302 and wrong.headers["Location"].endswith("/login")
    assert client.get("/account/2fa").status_code == 302
    assert db.session.get(User, user.id).locked_until is not None


def test_enrol_then_sign_in_asks_for_the_code(app, client, login, make_user):
    user = make_user("agency_head")
    login(user)
    secret = _enrol(client, user)
    assert "totp_enabled" in _events(user)
    assert 'data-testid="2fa-enabled"' in client.get("/account/2fa").get_data(as_text=True)
    client.post("/logout")

    step_one = client.post("/login?next=/agency/cases", data={
        "username": user.username, "password": PASSWORD})
    assert step_one.status_code == 302 and "/login/code" in step_one.headers["Location"]
    # Not signed in until the code verifies.
    assert "/login" in client.get("/agency/").headers["Location"]
    assert client.get("/login/code").status_code == 200
    bad = client.post("/login/code?next=/agency/cases", data={"code": "12345"})
    assert bad.status_code == 401
    # The enrolment code is used up: the next step's code (inside the accepted window).
    code = pyotp.TOTP(secret).at(clock.now() + timedelta(seconds=30))
    ok = client.post("/login/code?next=/agency/cases", data={"code": code})
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/agency/cases")
    assert client.get("/agency/").status_code == 200


def test_wrong_codes_lock_the_account(app, client, make_user):
    user = make_user("agency_head")
    secret = pyotp.random_base32()
    user.totp_secret = secret
    db.session.commit()
    client.post("/login", data={"username": user.username, "password": PASSWORD})
    good = pyotp.TOTP(secret)
    wrong = next(c for c in ("000000", "111111", "222222")
                 if not good.verify(c, valid_window=1))
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        assert client.post("/login/code", data={"code": wrong}).status_code == 401
    locked = client.post("/login/code", data={"code": wrong})
    assert locked.status_code == 302 and locked.headers["Location"].endswith("/login")
    db.session.expire_all()
    assert db.session.get(User, user.id).locked_until is not None
    assert _events(user)[-1] == "login_locked"
    # Even the right password and code are refused while locked.
    again = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert again.status_code == 401


def test_pending_sign_in_expires(app, client, make_user, monkeypatch):
    from complaints.web.auth import routes

    user = make_user("agency_head")
    user.totp_secret = pyotp.random_base32()
    db.session.commit()
    client.post("/login", data={"username": user.username, "password": PASSWORD})
    monkeypatch.setattr(routes, "PENDING_MAX_AGE", -1)
    response = client.post("/login/code", data={"code": pyotp.TOTP(user.totp_secret).now()})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert "/login" in client.get("/agency/").headers["Location"]


def test_code_is_checked_against_the_time_given():
    secret = pyotp.random_base32()
    user = User(username="u", role="admin", full_name="U", totp_secret=secret,
                active=True, failed_logins=0)
    assert accounts.verify_second_factor(user, pyotp.TOTP(secret).at(NOW), NOW)
    assert not accounts.verify_second_factor(user, pyotp.TOTP(secret).at(NOW), clock.now()
                                             .replace(year=2030))


@pytest.fixture
def strict(app):
    app.config["REQUIRE_2FA_ROLES"] = ("admin", "inspector")
    yield
    app.config["REQUIRE_2FA_ROLES"] = ()


@pytest.mark.parametrize("role", ["admin", "inspector"])
def test_required_roles_must_enrol_before_anything_else(strict, client, login, make_user,
                                                        role):
    user = make_user(role)
    response = login(user)
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/account/2fa")
    home = "/admin/" if role == "admin" else "/inspection/"
    for path in (home, "/inbox", "/account/password", "/"):
        blocked = client.get(path)
        assert blocked.status_code == 302, path
        assert blocked.headers["Location"].endswith("/account/2fa"), path
    page = client.get("/account/2fa").get_data(as_text=True)
    assert 'data-testid="2fa-required"' in page
    _enrol(client, user)
    assert client.get(home).status_code == 200


def test_other_roles_are_not_forced(strict, client, login, make_user):
    login(make_user("reception"))
    assert client.get("/reception/").status_code == 200


def test_change_password_revokes_the_accounts_api_tokens(client, make_user):
    # Found by QA: the browser's other sessions ended, but a token issued before still
    # answered 200 — whoever had the old password kept the API.
    user = make_user("reception")
    db.session.commit()
    token = client.post("/api/v1/tokens", json={"username": user.username,
                                                "password": PASSWORD}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/cases", headers=headers).status_code == 200
    accounts.change_password(user, PASSWORD, NEW, NOW)
    db.session.commit()
    assert client.get("/api/v1/cases", headers=headers).status_code == 401
    assert _events(user)[-1] == "password_changed"
    fresh = client.post("/api/v1/tokens", json={"username": user.username, "password": NEW})
    assert fresh.status_code == 201


def _answers(client, username: str, tries: int) -> list[int]:
    return [client.post("/api/v1/tokens", json={"username": username,
                                                "password": "not-the-password"}).status_code
            for _ in range(tries)]


def test_an_unknown_name_locks_as_an_account_does(client, make_user):
    # Found by QA: five wrong passwords locked a real account (429) while an unknown name
    # answered 401 for ever — the lockout told which usernames exist.
    user = make_user("reception")
    retired = make_user("reception")
    retired.active = False
    db.session.commit()
    real, unknown, inactive = (_answers(client, name, 7)
                               for name in (user.username, "khong-ton-tai", retired.username))
    assert real == unknown == inactive == [401] * 5 + [429] * 2
    # The web form answers alike (it shares the counts).
    page = client.post("/login", data={"username": "khong-ton-tai", "password": "x" * 12})
    assert "Tài khoản tạm khóa" in page.get_data(as_text=True)


def test_an_unknown_names_lock_ends_and_idle_names_are_forgotten(make_user):
    from datetime import timedelta

    from complaints.models import UnknownSignIn

    for _ in range(5):
        assert accounts.authenticate("ai-do", "sai-mat-khau", NOW) is None
    with pytest.raises(accounts.AccountLocked):
        accounts.authenticate("ai-do", "sai-mat-khau", NOW + timedelta(minutes=14))
    assert accounts.authenticate("ai-do", "sai-mat-khau", NOW + timedelta(minutes=16)) is None
    # A day later any failure clears the names idle since.
    accounts.authenticate("nguoi-khac", "sai", NOW + timedelta(days=2))
    assert db.session.get(UnknownSignIn, "ai-do") is None
    assert db.session.get(UnknownSignIn, "nguoi-khac") is not None
