"""A password an administrator set is replaced by the user at the next sign-in.

The admin who sets a new password for a user (admin.reset_password) knows it: until the
user has chosen their own, the web shows them nothing but the password page (after
enrolling in two-step sign-in where their role requires it) and the API issues no token.
"""

from __future__ import annotations

import pytest

from complaints.extensions import db
from complaints.models import User
from complaints.services import admin as admin_service
from tests.conftest import NOW
from tests.integration.test_account_security import _enrol, strict  # noqa: F401

SET_BY_ADMIN = "Mat-khau-quan-tri-2026"
OWN = "Mat-khau-cua-toi-2026"


@pytest.fixture
def reset_user(make_user):
    def do(role: str, username: str) -> User:
        actor = make_user("admin", username=f"qt_{username}")
        user = make_user(role, username=username)
        admin_service.reset_password(user, SET_BY_ADMIN, actor, NOW)
        db.session.commit()
        return user
    return do


def _change(client, old: str = SET_BY_ADMIN, new: str = OWN):
    return client.post("/account/password", data={
        "old_password": old, "new_password": new, "confirm": new})


def test_the_user_chooses_their_own_password_before_anything_else(client, reset_user):
    user = reset_user("reception", "tiepdan_moi")
    assert user.password_change_required
    signed_in = client.post("/login", data={"username": user.username,
                                            "password": SET_BY_ADMIN})
    assert signed_in.status_code == 302
    assert signed_in.headers["Location"].endswith("/account/password")
    for path in ("/reception/", "/inbox", "/reception/new"):
        blocked = client.get(path)
        assert blocked.status_code == 302, path
        assert blocked.headers["Location"].endswith("/account/password"), path
    page = client.get("/account/password", follow_redirects=True).get_data(as_text=True)
    assert 'autocomplete="new-password"' in page
    assert _change(client, new=SET_BY_ADMIN).status_code == 422  # not the same one again
    done = _change(client)
    assert done.status_code == 302 and done.headers["Location"].endswith("/reception/")
    db.session.expire_all()
    assert not db.session.get(User, user.id).password_change_required
    assert client.get("/reception/").status_code == 200


def test_the_api_issues_no_token_until_then(client, reset_user):
    user = reset_user("reception", "tiepdan_api")
    body = {"username": user.username, "password": SET_BY_ADMIN}
    refused = client.post("/api/v1/tokens", json=body)
    assert refused.status_code == 403
    assert "đặt mật khẩu của riêng bạn" in refused.get_json()["error"]
    client.post("/login", data=body)
    assert _change(client).status_code == 302
    issued = client.post("/api/v1/tokens", json={"username": user.username, "password": OWN})
    assert issued.status_code == 201


def test_two_step_enrolment_comes_first_then_the_password(strict, client,  # noqa: F811
                                                          reset_user):
    user = reset_user("inspector", "thanhtra_moi")
    signed_in = client.post("/login", data={"username": user.username,
                                            "password": SET_BY_ADMIN})
    assert signed_in.headers["Location"].endswith("/account/2fa")
    _enrol(client, user, SET_BY_ADMIN)
    blocked = client.get("/inspection/")
    assert blocked.status_code == 302 and blocked.headers["Location"].endswith(
        "/account/password")
    assert _change(client).status_code == 302
    assert client.get("/inspection/").status_code == 200


def test_an_account_the_admin_did_not_touch_is_not_asked(client, make_user, login):
    user = make_user("reception")
    assert login(user).headers["Location"].endswith("/reception/")
    assert not user.password_change_required
