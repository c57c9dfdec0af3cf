"""QA round 93: officials' accounts and the citizens' look-up, each test failing before its
fix.

D1 wrong sign-in codes reach the lockout whatever right passwords come between them (each
   right password cleared the count: the 6-digit code could be guessed without end).
D2 a locked account hashes the password typed, as a locked name that is no account does
   (answering at once told which names exist).
D3 REQUIRE_2FA_ROLES and SESSION_COOKIE_SECURE stop the app on a word they do not know
   (a typo turned the protection off in silence).
D4 LOOKUP_CODE_LIMIT and LOOKUP_LIMIT count a look-up before its PIN is checked, in one
   atomic step (tested before and counted after, guesses sent at once all got through);
   a look-up that opens its case is given back.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyotp
import pytest
import werkzeug.security

from complaints.extensions import db
from complaints.models import User
from complaints.models import user as user_model
from complaints.services import public
from tests.conftest import NOW
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]

# --- D1 ---------------------------------------------------------------------------------

def _enrolled(make_user):
    user = make_user("agency_head")
    user.totp_secret = pyotp.random_base32()
    db.session.commit()
    return user


def _wrong(secret):
    good = pyotp.TOTP(secret)
    return next(c for c in ("000000", "111111", "222222", "333333")
                if not good.verify(c, for_time=NOW, valid_window=1))


def test_web_wrong_codes_across_password_steps_still_lock(app, client, make_user, fixed_clock):
    """Wrong codes split over several password steps: 8 wrong codes (limit 5) must lock."""
    user = _enrolled(make_user)
    wrong = _wrong(user.totp_secret)
    limit = app.config["LOGIN_MAX_FAILURES"]
    answers = []
    for _round in range(2):
        step_one = client.post("/login", data={"username": user.username,
                                               "password": PASSWORD})
        answers.append(("login", step_one.status_code))
        for _ in range(limit - 1):
            answers.append(("code", client.post("/login/code",
                                                data={"code": wrong}).status_code))
    db.session.expire_all()
    user = db.session.get(User, user.id)
    # 2 * (limit - 1) = 8 wrong codes > limit: the account must be in its lockout.
    assert user.locked_until is not None, (
        f"{2 * (limit - 1)} wrong codes, never locked; failed_logins={user.failed_logins}; "
        f"answers={answers}")


def test_api_wrong_codes_with_the_right_password_still_lock(app, client, make_user,
                                                           fixed_clock):
    """POST /api/v1/tokens with the right password and a wrong code, again and again:
    after LOGIN_MAX_FAILURES wrong codes the account must be locked (429)."""
    user = _enrolled(make_user)
    wrong = _wrong(user.totp_secret)
    limit = app.config["LOGIN_MAX_FAILURES"]
    statuses = [client.post("/api/v1/tokens", json={
        "username": user.username, "password": PASSWORD, "code": wrong}).status_code
        for _ in range(limit + 3)]
    # Then the right code: it must not yield a token while the account is locked.
    right = pyotp.TOTP(user.totp_secret).at(NOW)
    last = client.post("/api/v1/tokens", json={
        "username": user.username, "password": PASSWORD, "code": right})
    assert 429 in statuses and last.status_code == 429, (statuses, last.status_code)


def test_the_right_code_clears_the_count(app, client, make_user, fixed_clock):
    # Four wrong codes, then the password and the right code: signed in, nothing counted.
    user = _enrolled(make_user)
    wrong = _wrong(user.totp_secret)
    client.post("/login", data={"username": user.username, "password": PASSWORD})
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        client.post("/login/code", data={"code": wrong})
    client.post("/login", data={"username": user.username, "password": PASSWORD})
    db.session.expire_all()
    assert db.session.get(User, user.id).failed_logins == 4  # kept by the password step
    answer = client.post("/login/code", data={"code": pyotp.TOTP(user.totp_secret).at(NOW)})
    assert answer.status_code == 302 and "/login" not in answer.headers["Location"]
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.failed_logins == 0 and user.locked_until is None


# --- D2 ---------------------------------------------------------------------------------

def _lock(client, name, tries):
    for _ in range(tries):
        client.post("/login", data={"username": name, "password": "wrong-password-1"})


def _hashes_of_one_attempt(client, monkeypatch, name):
    calls = []
    real = werkzeug.security.check_password_hash

    def counting(pwhash, password):
        calls.append(1)
        return real(pwhash, password)

    with monkeypatch.context() as patch:  # undoes only these two
        patch.setattr(werkzeug.security, "check_password_hash", counting)
        patch.setattr(user_model, "check_password_hash", counting)
        started = time.perf_counter()
        response = client.post("/login", data={"username": name,
                                               "password": "wrong-password-1"})
        elapsed = time.perf_counter() - started
    return response, len(calls), elapsed


def test_locked_real_and_unknown_names_cost_the_same(app, client, make_user, monkeypatch,
                                                     fixed_clock):
    user = make_user("agency_head")
    db.session.commit()
    limit = app.config["LOGIN_MAX_FAILURES"]
    _lock(client, user.username, limit)
    _lock(client, "no-such-official", limit)
    real, real_hashes, real_time = _hashes_of_one_attempt(client, monkeypatch, user.username)
    ghost, ghost_hashes, ghost_time = _hashes_of_one_attempt(client, monkeypatch,
                                                             "no-such-official")
    # The same page (both locked) ...
    assert real.status_code == ghost.status_code == 401
    assert "tạm khóa" in real.get_data(as_text=True)
    assert "tạm khóa" in ghost.get_data(as_text=True)
    # ... must also cost the same: same number of password hashes.
    assert real_hashes == ghost_hashes, (
        f"locked real account: {real_hashes} hash(es), {real_time*1000:.0f} ms; "
        f"locked unknown name: {ghost_hashes} hash(es), {ghost_time*1000:.0f} ms")


def _api_hashes(client, monkeypatch, name):
    calls = []
    real = werkzeug.security.check_password_hash

    def counting(pwhash, password):
        calls.append(1)
        return real(pwhash, password)

    with monkeypatch.context() as patch:
        patch.setattr(werkzeug.security, "check_password_hash", counting)
        patch.setattr(user_model, "check_password_hash", counting)
        response = client.post("/api/v1/tokens", json={"username": name,
                                                       "password": "wrong-password-1"})
    return response, len(calls)


def test_api_locked_real_and_unknown_names_cost_the_same(app, client, make_user,
                                                         monkeypatch, fixed_clock):
    user = make_user("agency_head")
    db.session.commit()
    for name in (user.username, "no-such-official"):
        for _ in range(app.config["LOGIN_MAX_FAILURES"]):
            client.post("/api/v1/tokens", json={"username": name,
                                                "password": "wrong-password-1"})
    real, real_hashes = _api_hashes(client, monkeypatch, user.username)
    ghost, ghost_hashes = _api_hashes(client, monkeypatch, "no-such-official")
    assert real.status_code == ghost.status_code == 429
    assert real_hashes == ghost_hashes, (real_hashes, ghost_hashes)


# --- D3 ---------------------------------------------------------------------------------

PRINT = "import config; print(repr(config.Config.{name}))"


def _load(tmp_path, name, value):
    env = {**os.environ, name: value, "SECRET_KEY": "k" * 64,
           "INSTANCE_PATH": str(tmp_path / "instance")}
    return subprocess.run([sys.executable, "-c", PRINT.format(name=name)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("value", ["admin,inspectors", "Admin,Inspector", "admin;inspector"])
def test_require_2fa_roles_typo_does_not_silently_drop_a_role(tmp_path, value):
    """Either the app refuses to start naming the setting, or both roles are required."""
    done = _load(tmp_path, "REQUIRE_2FA_ROLES", value)
    if done.returncode != 0:
        assert "REQUIRE_2FA_ROLES" in (done.stderr + done.stdout)
        return
    roles = eval(done.stdout.strip())  # noqa: S307  (our own repr)
    assert {"admin", "inspector"} <= set(roles), (
        f"REQUIRE_2FA_ROLES={value!r} started the app with {roles!r}: "
        "admins/inspectors silently sign in with a password only")


@pytest.mark.parametrize("value", ["ture", "enabled", "secure"])
def test_session_cookie_secure_typo_is_not_silently_false(tmp_path, value):
    done = _load(tmp_path, "SESSION_COOKIE_SECURE", value)
    if done.returncode != 0:
        assert "SESSION_COOKIE_SECURE" in (done.stderr + done.stdout)
        return
    assert done.stdout.strip() == "True", (
        f"SESSION_COOKIE_SECURE={value!r} started the app with "
        f"{done.stdout.strip()}: the session cookie goes over plain HTTP")


@pytest.mark.parametrize(("value", "expected"), [
    ("Admin, Inspector", "('admin', 'inspector')"), ("", "()"),
    ("agency_head", "('agency_head',)")])
def test_require_2fa_roles_read_in_any_case(tmp_path, value, expected):
    done = _load(tmp_path, "REQUIRE_2FA_ROLES", value)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == expected


@pytest.mark.parametrize(("value", "expected"), [("1", "True"), ("On", "True"),
                                                 ("no", "False"), ("", "False")])
def test_session_cookie_secure_words(tmp_path, value, expected):
    done = _load(tmp_path, "SESSION_COOKIE_SECURE", value)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == expected


# --- D4 ---------------------------------------------------------------------------------

GUESSES = 8
LIMIT = 3


def test_parallel_wrong_pins_do_not_exceed_the_per_code_limit(app, make_case, monkeypatch):
    app.config["LOOKUP_CODE_LIMIT"] = f"{LIMIT} per hour"
    app.config["LOOKUP_LIMIT"] = "1000 per hour"  # isolate the per-code limit
    case = make_case()
    db.session.commit()
    code, pin = case.tracking_code, case.test_pin
    wrong = [f"{(int(pin) + i) % 10**6:06d}" for i in range(1, GUESSES + 1)]

    arrived = []
    all_in = threading.Event()
    real_lookup = public.lookup

    def gated_lookup(tracking_code, secret):
        arrived.append(secret)
        if len(arrived) >= GUESSES:
            all_in.set()
        all_in.wait(timeout=3)
        return real_lookup(tracking_code, secret)

    monkeypatch.setattr(public, "lookup", gated_lookup)
    statuses: list[int] = []

    def guess(i: int) -> None:
        with app.test_client() as c:
            r = c.post("/cong-dan/tra-cuu", data={"tracking_code": code, "secret": wrong[i]},
                       environ_base={"REMOTE_ADDR": f"10.1.0.{i + 1}"})
            statuses.append(r.status_code)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(GUESSES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    checked = len(arrived)
    assert checked <= LIMIT, (
        f"LOOKUP_CODE_LIMIT={LIMIT} per hour, yet {checked} PIN guesses for one tracking "
        f"code were checked (answers {sorted(statuses)})")


def test_look_ups_that_open_the_case_are_given_back(app, client, make_case):
    app.config["LOOKUP_CODE_LIMIT"] = f"{LIMIT} per hour"
    app.config["LOOKUP_LIMIT"] = f"{LIMIT} per hour"
    case = make_case()
    db.session.commit()
    code, pin = case.tracking_code, case.test_pin
    wrong = f"{(int(pin) + 1) % 10**6:06d}"
    for _ in range(LIMIT + 3):  # the citizen's own look-ups use up nothing
        answer = client.post("/cong-dan/tra-cuu", data={"tracking_code": code, "secret": pin})
        assert answer.status_code == 302
    for _ in range(LIMIT):
        answer = client.post("/cong-dan/tra-cuu", data={"tracking_code": code, "secret": wrong})
        assert answer.status_code == 200
    # The limit is reached by the failed guesses alone: now even the right PIN waits.
    assert client.post("/cong-dan/tra-cuu",
                       data={"tracking_code": code, "secret": wrong}).status_code == 429
    assert client.post("/cong-dan/tra-cuu",
                       data={"tracking_code": code, "secret": pin}).status_code == 429
